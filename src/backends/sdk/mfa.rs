//! Assume-role profiles that need an MFA code (`mfa_serial`). The SDK's own profile
//! provider does not ask for codes (it sends AssumeRole without one, which AWS refuses), so
//! ecsdash asks the user and makes the call itself: the source profile's credentials
//! sign an STS AssumeRole with the device's serial and the code, and the role's
//! credentials (an hour by default, `duration_seconds` in the profile) serve every client.

use std::time::{Duration, SystemTime};

use aws_config::{BehaviorVersion, Region};
pub use aws_sdk_sts::config::Credentials;
use aws_types::os_shim_internal::{Env, Fs};

use super::connect::CONNECT;
use crate::domain::{BackendError, BackendResult, ErrorKind};

/// What an assume-role profile with MFA says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mfa {
    pub profile: String,
    pub serial: String,
    pub role_arn: String,
    /// The profile whose credentials ask for the role.
    pub source_profile: String,
    pub external_id: Option<String>,
    pub role_session_name: Option<String>,
    pub duration_seconds: Option<i32>,
}

/// The profile ecsdash will use: the one named, else `AWS_PROFILE`.
pub fn profile_in_use(named: Option<&str>) -> Option<String> {
    named
        .map(str::to_owned)
        .or_else(|| Env::real().get("AWS_PROFILE").ok())
        .filter(|p| !p.is_empty())
}

/// The MFA needs of `profile` (`None`: the one in use), if it assumes a role with
/// `mfa_serial`. A profile with `mfa_serial` whose credentials come from elsewhere than a
/// `source_profile` (`credential_source`) cannot be served and says so.
pub async fn needs_code(profile: Option<&str>) -> BackendResult<Option<Mfa>> {
    let Some(name) = profile_in_use(profile) else {
        return Ok(None);
    };
    read(&Fs::real(), &Env::real(), &name).await
}

pub(crate) async fn read(fs: &Fs, env: &Env, name: &str) -> BackendResult<Option<Mfa>> {
    // Unreadable files are the connect step's to report.
    let Ok(profiles) = aws_config::profile::load(fs, env, &Default::default(), None).await else {
        return Ok(None);
    };
    let Some(profile) = profiles.get_profile(name) else {
        return Ok(None);
    };
    let (Some(serial), Some(role_arn)) = (profile.get("mfa_serial"), profile.get("role_arn"))
    else {
        // A role assumed through one that needs a code: the SDK would go on without one.
        let mut through = profile.get("source_profile");
        let mut seen = vec![name];
        while let Some(src) = through.filter(|s| !seen.contains(s)) {
            seen.push(src);
            let Some(p) = profiles.get_profile(src) else {
                break;
            };
            if p.get("mfa_serial").is_some() && p.get("role_arn").is_some() {
                return Err(BackendError::new(
                    ErrorKind::InvalidRequest,
                    CONNECT,
                    format!(
                        "profile '{name}' assumes its role through profile '{src}', which needs an MFA code; ecsdash asks for a code only for the profile it uses: use --profile {src}, or put mfa_serial on '{name}' with a source_profile that has keys"
                    ),
                ));
            }
            through = p.get("source_profile");
        }
        return Ok(None);
    };
    let Some(source_profile) = profile.get("source_profile") else {
        return Err(BackendError::new(
            ErrorKind::InvalidRequest,
            CONNECT,
            format!(
                "profile '{name}' assumes a role with MFA from a credential_source; ecsdash can ask for the code only with a source_profile: get credentials with `aws sts assume-role --serial-number {serial} --token-code CODE` and use them, or add a source_profile"
            ),
        ));
    };
    let duration_seconds = match profile.get("duration_seconds") {
        None => None,
        Some(text) => Some(text.trim().parse::<i32>().map_err(|_| {
            BackendError::new(
                ErrorKind::InvalidRequest,
                CONNECT,
                format!("profile '{name}': duration_seconds '{text}' is not a number of seconds"),
            )
        })?),
    };
    Ok(Some(Mfa {
        profile: name.to_owned(),
        serial: serial.to_owned(),
        role_arn: role_arn.to_owned(),
        source_profile: source_profile.to_owned(),
        external_id: profile.get("external_id").map(str::to_owned),
        role_session_name: profile.get("role_session_name").map(str::to_owned),
        duration_seconds,
    }))
}

/// How an error says AWS refused the code itself (a typo, an old code): ask again.
pub const CODE_REFUSED: &str = "AWS refused the MFA code";

/// Whether `e` is AWS refusing the code (as opposed to the role or the credentials).
pub fn code_refused(e: &BackendError) -> bool {
    e.message.starts_with(CODE_REFUSED)
}

/// The source profile's configuration, whose credentials ask for the role.
async fn source_config(
    mfa: &Mfa,
    region: Option<&str>,
    timeouts: aws_config::timeout::TimeoutConfig,
) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .profile_name(&mfa.source_profile)
        .timeout_config(timeouts);
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
}

/// Checks, before a code is asked for, that the source profile exists and has
/// credentials: a code typed for nothing would only be blamed afterwards.
pub async fn check_source(mfa: &Mfa, operation_timeout: Duration) -> BackendResult<()> {
    use aws_credential_types::provider::ProvideCredentials;
    let missing = |why: String| {
        BackendError::new(
            ErrorKind::NoCredentials,
            CONNECT,
            format!(
                "profile '{}' takes its credentials from profile '{}', {why}",
                mfa.profile, mfa.source_profile
            ),
        )
    };
    if mfa.source_profile == mfa.profile {
        return Err(missing(
            "itself: name another profile as its source_profile".into(),
        ));
    }
    super::connect::check_profile(&Fs::real(), &Env::real(), &mfa.source_profile)
        .await
        .map_err(|_| missing("which is in neither AWS config file".into()))?;
    let timeouts = super::connect::timeouts(operation_timeout);
    let source = source_config(mfa, None, timeouts).await;
    let Some(provider) = source.credentials_provider() else {
        return Err(missing("which has no credentials".into()));
    };
    provider
        .provide_credentials()
        .await
        .map(|_| ())
        .map_err(|e| {
            let why = super::errors::display_chain(&e);
            let why = why.split(": ").next().unwrap_or(&why).to_owned();
            missing(format!("which has none usable ({why})"))
        })
}

/// The role's credentials, asked of STS with the source profile's credentials and the
/// code.
pub async fn assume(
    mfa: &Mfa,
    code: &str,
    region: Option<&str>,
    operation_timeout: Duration,
) -> BackendResult<Credentials> {
    let timeouts = super::connect::timeouts(operation_timeout);
    let code = crate::domain::places::check_mfa_code(code)
        .map_err(|m| BackendError::new(ErrorKind::InvalidRequest, CONNECT, m))?;
    let source = source_config(mfa, region, timeouts).await;
    let answer = aws_sdk_sts::Client::new(&source)
        .assume_role()
        .role_arn(&mfa.role_arn)
        .role_session_name(
            mfa.role_session_name
                .clone()
                .unwrap_or_else(|| "ecsdash".to_owned()),
        )
        .serial_number(&mfa.serial)
        .token_code(code)
        .set_external_id(mfa.external_id.clone())
        .set_duration_seconds(mfa.duration_seconds)
        .send()
        .await
        .map_err(|e| {
            use aws_smithy_types::error::metadata::ProvideErrorMetadata;
            let refused = e.as_service_error().map(|se| {
                (
                    se.code().unwrap_or("Error").to_owned(),
                    se.message().unwrap_or_default().to_owned(),
                )
            });
            match refused {
                Some((_, message)) if message.contains("MultiFactorAuthentication") => {
                    BackendError::new(
                        ErrorKind::InvalidRequest,
                        "AssumeRole",
                        format!("{CODE_REFUSED} for profile '{}' ({message})", mfa.profile),
                    )
                }
                Some((code, message)) => BackendError::new(
                    ErrorKind::AccessDenied,
                    "AssumeRole",
                    format!(
                        "AWS refused to let profile '{}' assume {}: {code}: {message}",
                        mfa.profile, mfa.role_arn
                    ),
                ),
                None => {
                    let mut e = super::errors::from_sdk_error("AssumeRole", e);
                    e.message = format!(
                        "could not assume {} for profile '{}': {}",
                        mfa.role_arn, mfa.profile, e.message
                    );
                    e
                }
            }
        })?;
    let Some(c) = answer.credentials() else {
        return Err(BackendError::new(
            ErrorKind::Service,
            "AssumeRole",
            "STS answered AssumeRole without credentials",
        ));
    };
    let expiry = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(c.expiration().secs()).unwrap_or(0));
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        Some(expiry),
        "ecsdash-mfa",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[profile base]\nregion = eu-west-1\n\
        [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nduration_seconds = 900\n\
        [profile plain]\nrole_arn = arn:aws:iam::123456789012:role/Read\nsource_profile = base\n\
        [profile ec2]\nrole_arn = arn:aws:iam::123456789012:role/Admin\ncredential_source = Ec2InstanceMetadata\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\
        [profile odd]\nrole_arn = r\nsource_profile = base\nmfa_serial = s\nduration_seconds = an hour\n\
        [profile chain]\nrole_arn = arn:aws:iam::123456789012:role/Deep\nsource_profile = admin\n\
        [profile loop]\nrole_arn = r\nsource_profile = loop\n";

    fn files() -> (Fs, Env) {
        (
            Fs::from_slice(&[("/home/me/.aws/config", CONFIG)]),
            Env::from_slice(&[("HOME", "/home/me")]),
        )
    }

    #[tokio::test]
    async fn a_role_with_mfa_is_read_and_others_need_no_code() {
        let (fs, env) = files();
        let mfa = read(&fs, &env, "admin").await.unwrap().unwrap();
        assert_eq!(mfa.serial, "arn:aws:iam::123456789012:mfa/me");
        assert_eq!(mfa.source_profile, "base");
        assert_eq!(mfa.duration_seconds, Some(900));
        assert_eq!(read(&fs, &env, "plain").await.unwrap(), None);
        assert_eq!(read(&fs, &env, "base").await.unwrap(), None);
        assert_eq!(read(&fs, &env, "missing").await.unwrap(), None);
    }

    #[tokio::test]
    async fn what_cannot_be_served_says_so() {
        let (fs, env) = files();
        let err = read(&fs, &env, "ec2").await.unwrap_err();
        assert!(err.message.contains("credential_source"), "{}", err.message);
        let err = read(&fs, &env, "odd").await.unwrap_err();
        assert!(err.message.contains("'an hour'"), "{}", err.message);
        let err = read(&fs, &env, "chain").await.unwrap_err();
        assert!(
            err.message.contains("through profile 'admin'"),
            "{}",
            err.message
        );
        assert_eq!(read(&fs, &env, "loop").await.unwrap(), None);
    }
}
