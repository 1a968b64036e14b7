//! Loading the AWS configuration, with the checks that turn late, obscure failures (a
//! profile typo, a region typo, no region at all) into clear errors at start-up.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{ConfigLoader, Region, SdkConfig};
use aws_types::os_shim_internal::{Env, Fs};

use super::regions::check_region;
use crate::domain::{BackendError, BackendResult, ErrorKind};

/// Connection errors name this pseudo-operation.
pub(crate) const CONNECT: &str = "connect";

/// What `connect` settled on, for the header.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub config: SdkConfig,
    pub profile: String,
    pub region: String,
    pub endpoint: Option<String>,
}

pub(crate) async fn load(
    loader: ConfigLoader,
    profile: Option<&str>,
    region: Option<&str>,
    operation_timeout: Duration,
    assumed: Option<super::mfa::Credentials>,
) -> BackendResult<Loaded> {
    let env = Env::real();
    let named = profile
        .map(str::to_owned)
        .or_else(|| env.get("AWS_PROFILE").ok())
        .filter(|p| !p.is_empty());
    let mut loader = loader
        .timeout_config(timeouts(operation_timeout))
        .retry_config(RetryConfig::standard());
    if let Some(name) = &named {
        check_profile(&Fs::real(), &env, name).await?;
        loader = loader.profile_name(name);
        // The SDK would send AssumeRole without the code, which AWS refuses.
        if let Some(mfa) = super::mfa::read(&Fs::real(), &env, name).await? {
            let Some(credentials) = assumed else {
                return Err(BackendError::new(
                    ErrorKind::InvalidRequest,
                    CONNECT,
                    format!(
                        "profile '{name}' assumes {} with an MFA code (mfa_serial {}): run ecsdash in a terminal to be asked for it",
                        mfa.role_arn, mfa.serial
                    ),
                ));
            };
            loader = loader.credentials_provider(credentials);
        }
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let config = loader.load().await;
    let endpoint = config.endpoint_url().map(str::to_owned);
    let region = settle_region(
        config.region().map(|r| r.as_ref().to_owned()),
        endpoint.as_deref(),
    )?;
    Ok(Loaded {
        config,
        profile: named.unwrap_or_else(|| "default".to_owned()),
        region,
        endpoint,
    })
}

/// The region to use, or a clear error when there is none or it is not a region.
pub(crate) fn settle_region(
    region: Option<String>,
    endpoint: Option<&str>,
) -> BackendResult<String> {
    let Some(region) = region.filter(|r| !r.is_empty()) else {
        return Err(BackendError::new(
            ErrorKind::InvalidRequest,
            CONNECT,
            "no AWS region: pass --region, set AWS_REGION, or set `region` in the profile",
        ));
    };
    // A custom endpoint (moto, LocalStack, a VPC endpoint) may use any region name.
    if endpoint.is_none() {
        check_region(&region)
            .map_err(|message| BackendError::new(ErrorKind::InvalidRequest, CONNECT, message))?;
    }
    Ok(region)
}

/// Every call is bounded by `operation` in total; one attempt gets half of it so a retry
/// still fits, and connecting gets at most a few seconds because a connect that slow means
/// the endpoint is wrong, not busy.
pub(crate) fn timeouts(operation: Duration) -> TimeoutConfig {
    let attempt = (operation / 2)
        .max(Duration::from_millis(100))
        .min(operation);
    TimeoutConfig::builder()
        .connect_timeout(attempt.min(Duration::from_secs(3)))
        .operation_attempt_timeout(attempt)
        .operation_timeout(operation)
        .build()
}

/// Fails with `UnknownProfile` when `name` is in neither the config nor the credentials
/// file; otherwise the SDK would only fail at the first call, with a vaguer message.
pub(crate) async fn check_profile(fs: &Fs, env: &Env, name: &str) -> BackendResult<()> {
    // The SDK treats a missing `default` profile as empty, which is fine with credentials
    // from the environment.
    if name == "default" {
        return Ok(());
    }
    let profiles = aws_config::profile::load(fs, env, &Default::default(), None)
        .await
        .map_err(|e| {
            BackendError::new(
                ErrorKind::UnknownProfile,
                CONNECT,
                format!("cannot read the AWS config files to find profile '{name}': {e}"),
            )
        })?;
    if profiles.get_profile(name).is_some() {
        return Ok(());
    }
    let mut known: Vec<&str> = profiles.profiles().collect();
    known.sort_unstable();
    let known = if known.is_empty() {
        "no profiles are defined".to_owned()
    } else {
        format!("known profiles: {}", known.join(", "))
    };
    Err(BackendError::new(
        ErrorKind::UnknownProfile,
        CONNECT,
        format!("profile '{name}' is not in ~/.aws/config or ~/.aws/credentials ({known})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "[default]\nregion = eu-west-1\n[profile prod]\nregion = eu-west-1\n";
    const CREDENTIALS: &str = "[ci]\naws_access_key_id = A\naws_secret_access_key = B\n";

    fn files() -> (Fs, Env) {
        let fs = Fs::from_slice(&[
            ("/home/me/.aws/config", CONFIG),
            ("/home/me/.aws/credentials", CREDENTIALS),
        ]);
        (fs, Env::from_slice(&[("HOME", "/home/me")]))
    }

    #[tokio::test]
    async fn profiles_from_either_file_are_found() {
        let (fs, env) = files();
        assert_eq!(check_profile(&fs, &env, "prod").await, Ok(()));
        assert_eq!(check_profile(&fs, &env, "ci").await, Ok(()));
    }

    #[tokio::test]
    async fn unknown_profile_lists_the_known_ones() {
        let (fs, env) = files();
        let err = check_profile(&fs, &env, "prdo").await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnknownProfile);
        assert_eq!(err.operation, "connect");
        assert!(err.message.contains("profile 'prdo'"), "{}", err.message);
        assert!(
            err.message.contains("known profiles: ci, default, prod"),
            "{}",
            err.message
        );
    }

    #[tokio::test]
    async fn no_files_at_all() {
        let fs = Fs::from_slice(&[]);
        let env = Env::from_slice(&[("HOME", "/home/me")]);
        let err = check_profile(&fs, &env, "prod").await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::UnknownProfile);
        assert!(
            err.message.contains("no profiles are defined"),
            "{}",
            err.message
        );
        assert_eq!(check_profile(&fs, &env, "default").await, Ok(()));
    }

    #[test]
    fn region_is_required_and_checked() {
        let err = settle_region(None, None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidRequest);
        assert!(err.message.contains("no AWS region"), "{}", err.message);
        let err = settle_region(Some("eu-wset-1".into()), None).unwrap_err();
        assert!(err.message.contains("'eu-wset-1'"), "{}", err.message);
        assert_eq!(
            settle_region(Some("eu-west-1".into()), None),
            Ok("eu-west-1".into())
        );
    }

    #[test]
    fn any_region_name_goes_with_a_custom_endpoint() {
        let local = Some("http://127.0.0.1:5000");
        assert_eq!(
            settle_region(Some("local".into()), local),
            Ok("local".into())
        );
        assert!(settle_region(None, local).is_err());
    }

    #[test]
    fn attempts_fit_in_the_operation_timeout() {
        let t = timeouts(Duration::from_secs(20));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(20)));
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(10)));
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(3)));
        let t = timeouts(Duration::from_millis(50));
        assert_eq!(
            t.operation_attempt_timeout(),
            Some(Duration::from_millis(50))
        );
    }
}
