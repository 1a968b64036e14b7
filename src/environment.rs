//! The AWS environment variables, checked before anything reads them. The SDK treats some
//! values it cannot use as a reason to panic (an empty `AWS_ENDPOINT_URL`) and others as
//! silent defaults (an empty `AWS_REGION`); either way the user learns nothing. A value
//! that is set but empty or malformed is bad input: the run stops with the variable's name
//! and what it should hold, before any call.

use std::ffi::OsString;

/// Variables that, when set, must hold an http(s) URL.
const ENDPOINTS: &[&str] = &[
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ECS",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
];

/// Variables that, when set, must not be empty.
const NOT_EMPTY: &[(&str, &str)] = &[
    ("AWS_PROFILE", "a profile name"),
    ("AWS_REGION", "a region such as eu-west-1"),
    ("AWS_DEFAULT_REGION", "a region such as eu-west-1"),
    ("AWS_ACCESS_KEY_ID", "an access key id"),
    ("AWS_SECRET_ACCESS_KEY", "a secret access key"),
    ("AWS_CONFIG_FILE", "a path"),
    ("AWS_SHARED_CREDENTIALS_FILE", "a path"),
];

/// Checks the AWS variables as `get` sees them (`std::env::var_os` in the binary).
pub fn check_aws(get: impl Fn(&str) -> Option<OsString>) -> Result<(), String> {
    let value = |name: &str| -> Result<Option<String>, String> {
        match get(name) {
            None => Ok(None),
            Some(v) => v
                .into_string()
                .map(Some)
                .map_err(|_| format!("{name} is not valid text (UTF-8); fix or unset it")),
        }
    };
    for name in ENDPOINTS {
        if let Some(v) = value(name)? {
            check_endpoint(name, &v)?;
        }
    }
    for (name, what) in NOT_EMPTY {
        if let Some(v) = value(name)?
            && v.trim().is_empty()
        {
            return Err(format!(
                "{name} is set but empty; set it to {what} or unset it (`unset {name}`)"
            ));
        }
    }
    if let Some(v) = value("AWS_MAX_ATTEMPTS")?
        && !v.trim().parse::<u32>().is_ok_and(|n| n >= 1)
    {
        return Err(format!(
            "AWS_MAX_ATTEMPTS is '{}'; it must be a whole number of at least 1, or unset",
            crate::domain::sanitize::one_line(&v)
        ));
    }
    if let Some(v) = value("AWS_RETRY_MODE")?
        && !matches!(v.trim(), "standard" | "adaptive" | "legacy")
    {
        return Err(format!(
            "AWS_RETRY_MODE is '{}'; it must be standard or adaptive, or unset",
            crate::domain::sanitize::one_line(&v)
        ));
    }
    Ok(())
}

fn check_endpoint(name: &str, value: &str) -> Result<(), String> {
    let shown = crate::domain::sanitize::one_line(value);
    if value.trim().is_empty() {
        return Err(format!(
            "{name} is set but empty; set it to a URL such as http://localhost:4566 or unset it (`unset {name}`)"
        ));
    }
    let fine = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .is_some_and(|rest| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let (host, port) = match host_port.strip_prefix('[') {
                // [::1]:4566
                Some(v6) => match v6.split_once(']') {
                    Some((host, after)) => (host, after.strip_prefix(':')),
                    None => ("", None),
                },
                None => match host_port.split_once(':') {
                    Some((host, port)) => (host, Some(port)),
                    None => (host_port, None),
                },
            };
            !host.is_empty()
                && !host.chars().any(|c| c.is_whitespace() || c.is_control())
                && port.is_none_or(|p| p.parse::<u16>().is_ok())
        });
    if fine {
        Ok(())
    } else {
        Err(format!(
            "{name} is '{shown}', which is not a URL; it must look like http://localhost:4566 or https://ecs.eu-west-1.amazonaws.com"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(vars: &[(&str, &str)]) -> Result<(), String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        check_aws(|name| {
            vars.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn unset_and_good_values_pass() {
        assert_eq!(check(&[]), Ok(()));
        assert_eq!(
            check(&[
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
                (
                    "AWS_ENDPOINT_URL_ECS",
                    "https://ecs.eu-west-1.amazonaws.com/"
                ),
                ("AWS_REGION", "eu-west-1"),
                ("AWS_PROFILE", "prod"),
                ("AWS_MAX_ATTEMPTS", "3"),
                ("AWS_RETRY_MODE", "adaptive"),
            ]),
            Ok(())
        );
        assert_eq!(check(&[("AWS_ENDPOINT_URL", "http://[::1]:4566")]), Ok(()));
    }

    #[test]
    fn empty_values_are_named_with_the_fix() {
        for name in [
            "AWS_ENDPOINT_URL",
            "AWS_REGION",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
        ] {
            let e = check(&[(name, "")]).unwrap_err();
            assert!(e.starts_with(&format!("{name} is set but empty")), "{e}");
            assert!(e.contains(&format!("unset {name}")), "{e}");
        }
        assert!(check(&[("AWS_REGION", "  ")]).is_err());
    }

    #[test]
    fn malformed_values_are_refused_and_shown_safely() {
        for bad in [
            "localhost:4566",
            "ftp://x",
            "http://",
            "http://host:port",
            "http://ho st",
        ] {
            let e = check(&[("AWS_ENDPOINT_URL", bad)]).unwrap_err();
            assert!(e.contains("not a URL"), "{bad}: {e}");
        }
        let e = check(&[("AWS_ENDPOINT_URL", "x\u{1b}]0;pwned\u{7}")]).unwrap_err();
        assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
        assert!(check(&[("AWS_MAX_ATTEMPTS", "three")]).is_err());
        assert!(check(&[("AWS_MAX_ATTEMPTS", "0")]).is_err());
        assert!(check(&[("AWS_RETRY_MODE", "fast")]).is_err());
    }
}
