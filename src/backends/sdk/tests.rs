//! The backend through the real SDK orchestrator, without a server: credentials that cannot
//! be found and an endpoint nobody listens on (loopback only).

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::future::ProvideCredentials as CredentialsFuture;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};

use super::*;

/// A loopback port nothing listens on: connections are refused at once.
fn closed_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn opts() -> ConnectOptions {
    ConnectOptions {
        profile: None,
        region: Some("us-east-1".into()),
        operation_timeout: Duration::from_secs(20),
        describe_concurrency: 4,
        api_share: crate::domain::budget::DEFAULT_SHARE_PERCENT,
        assumed: None,
    }
}

#[derive(Debug)]
struct NoCredentialsAnywhere;

impl ProvideCredentials for NoCredentialsAnywhere {
    fn provide_credentials<'a>(&'a self) -> CredentialsFuture<'a>
    where
        Self: 'a,
    {
        CredentialsFuture::ready(Err(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )))
    }
}

#[tokio::test]
async fn missing_credentials_are_reported_as_such() {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(closed_endpoint())
        .credentials_provider(SharedCredentialsProvider::new(NoCredentialsAnywhere));
    let backend = SdkBackend::connect_with(opts(), loader).await.unwrap();
    let err = backend.clusters().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NoCredentials, "{err}");
    assert_eq!(err.operation, "ListClusters");
    assert!(err.message.contains("no providers in chain"), "{err}");
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let endpoint = closed_endpoint();
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"));
    let backend = SdkBackend::connect_with(opts(), loader).await.unwrap();
    let identity = backend.identity();
    assert_eq!(identity.endpoint.as_deref(), Some(endpoint.as_str()));
    assert_eq!(identity.region, "us-east-1");
    assert_eq!(identity.account, None);
    let err = backend.cluster("prod").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unreachable, "{err}");
    assert_eq!(err.operation, "DescribeClusters");
}

#[test]
fn describe_results_follow_the_listed_order() {
    let asked: Vec<String> = ["c", "a", "b"].map(String::from).to_vec();
    let answered = vec!["a", "b", "zz", "c"];
    assert_eq!(
        in_request_order(&asked, answered, |s| s),
        ["c", "a", "b", "zz"]
    );
}

#[test]
fn an_empty_token_ends_a_list() {
    assert!(has_more(Some("abc")));
    assert!(!has_more(Some("")));
    assert!(!has_more(None));
}
