//! The profiles of the AWS config and credentials files, as the SDK reads them
//! (`AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` included), and the regions, for
//! `:profile` and `:region`.

use aws_types::os_shim_internal::{Env, Fs};

use super::regions::KNOWN_REGIONS;
use crate::domain::places::{Places, ProfileInfo};

/// Every profile with how it gets credentials and its region, and every region known.
/// `read_only` says which profiles ecsdash's config makes read-only.
pub async fn places(read_only: impl Fn(&str) -> bool) -> Result<Places, String> {
    places_in(&Fs::real(), &Env::real(), read_only).await
}

pub(crate) async fn places_in(
    fs: &Fs,
    env: &Env,
    read_only: impl Fn(&str) -> bool,
) -> Result<Places, String> {
    let set = aws_config::profile::load(fs, env, &Default::default(), None)
        .await
        .map_err(|e| format!("cannot read the AWS config files: {e}"))?;
    let mut profiles: Vec<ProfileInfo> = set
        .profiles()
        .filter_map(|name| {
            let p = set.get_profile(name)?;
            let has = |key: &str| p.get(key).is_some_and(|v| !v.trim().is_empty());
            let kind = if has("sso_session") || has("sso_start_url") {
                "SSO"
            } else if has("web_identity_token_file") {
                "web identity"
            } else if has("role_arn") {
                "assume role"
            } else if has("credential_process") {
                "process"
            } else if has("aws_access_key_id") {
                "keys"
            } else {
                ""
            };
            Some(ProfileInfo {
                name: name.to_string(),
                kind,
                region: p.get("region").map(str::to_owned),
                read_only: read_only(name),
            })
        })
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    let mut regions: Vec<String> = KNOWN_REGIONS.iter().map(|r| r.to_string()).collect();
    // A profile's region is one name (a list there is a mistake the SDK refuses).
    regions.extend(
        profiles
            .iter()
            .filter_map(|p| p.region.clone())
            .filter(|r| !r.is_empty() && !r.contains([',', ' '])),
    );
    regions.sort();
    regions.dedup();
    Ok(Places { profiles, regions })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn profiles_are_read_with_their_kind_and_region() {
        let fs = Fs::from_slice(&[
            (
                "/home/config",
                "[default]\nregion = eu-west-1\n\
                 [profile prod]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\nregion = us-east-1\n\
                 [sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
                 [profile admin]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = default\n\
                 [profile tool]\ncredential_process = /bin/creds\nregion = xx-new-7\n",
            ),
            (
                "/home/credentials",
                "[ci]\naws_access_key_id = A\naws_secret_access_key = B\n",
            ),
        ]);
        let env = Env::from_slice(&[
            ("AWS_CONFIG_FILE", "/home/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/home/credentials"),
        ]);
        let places = places_in(&fs, &env, |p| p == "prod").await.unwrap();
        let got: Vec<(&str, &str, Option<&str>, bool)> = places
            .profiles
            .iter()
            .map(|p| (p.name.as_str(), p.kind, p.region.as_deref(), p.read_only))
            .collect();
        assert_eq!(
            got,
            vec![
                ("admin", "assume role", None, false),
                ("ci", "keys", None, false),
                ("default", "", Some("eu-west-1"), false),
                ("prod", "SSO", Some("us-east-1"), true),
                ("tool", "process", Some("xx-new-7"), false),
            ]
        );
        // The built-in list and the regions the files name, once each.
        assert!(places.regions.contains(&"xx-new-7".to_string()));
        assert_eq!(
            places.regions.iter().filter(|r| *r == "us-east-1").count(),
            1
        );
        assert!(places.named_in_files("eu-west-1"));
        assert!(!places.named_in_files("ap-south-1"));
    }
}
