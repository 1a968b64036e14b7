//! Where the dashboard can point: the profiles of the AWS config and credentials files
//! (as the SDK reads them) and the regions, for the `:profile` and `:region` panes.

/// A profile of the AWS config or credentials file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub name: String,
    /// How it gets credentials: `SSO`, `assume role`, `keys`, `process`, `web identity`,
    /// or empty when the files do not say (the environment's, say).
    pub kind: &'static str,
    /// The region the profile names, if any.
    pub region: Option<String>,
    /// ecsdash's config makes it read-only.
    pub read_only: bool,
}

/// What `:profile` and `:region` offer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Places {
    /// By name.
    pub profiles: Vec<ProfileInfo>,
    /// Every region known: the built-in list and those the files name, by name.
    pub regions: Vec<String>,
}

impl Places {
    /// Whether a profile of the files names `region`.
    pub fn named_in_files(&self, region: &str) -> bool {
        self.profiles
            .iter()
            .any(|p| p.region.as_deref() == Some(region))
    }
}

/// An MFA code as devices show it: six digits (spaces around are dropped). Anything else
/// is refused before a call.
pub fn check_mfa_code(code: &str) -> Result<String, String> {
    // Authenticator apps show `123 456`.
    let code: String = code.chars().filter(|c| *c != ' ' && *c != '\t').collect();
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code.to_owned())
    } else {
        Err("an MFA code is the 6 digits your device shows".into())
    }
}

#[cfg(test)]
mod mfa_code_tests {
    use super::check_mfa_code;

    #[test]
    fn codes_are_six_digits() {
        assert_eq!(check_mfa_code(" 123456\n"), Ok("123456".into()));
        assert_eq!(check_mfa_code("123 456"), Ok("123456".into()));
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６", "12 45"] {
            assert!(check_mfa_code(bad).is_err(), "{bad}");
        }
    }
}
