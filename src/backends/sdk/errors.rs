//! SDK errors turned into `BackendError`s. The decision is split in two so it can be tested
//! without a network: `kind_for_code` judges an error code the service answered with, and
//! `from_sdk_error` sorts out everything the SDK itself reports (credentials, timeouts,
//! connections) before falling back to the code.

use std::error::Error;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::domain::{BackendError, ErrorKind};

const EXPIRED: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "TokenRefreshRequired",
];

/// The key or token is not known at all: logging in to SSO again does not fix a wrong key.
const UNRECOGNISED: &[&str] = &["InvalidClientTokenId", "UnrecognizedClientException"];

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedException",
    "NotAuthorized",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
];

const THROTTLED: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];

const INVALID: &[&str] = &[
    "InvalidParameterException",
    "ClientException",
    "ValidationException",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "MissingParameter",
    "SerializationException",
    "UnsupportedFeatureException",
    "PlatformUnknownException",
    "PlatformTaskDefinitionIncompatibilityException",
    "ServiceNotActiveException",
];

/// The kind of an error the service answered with, from its code (`__type` or
/// `x-amzn-ErrorType`), message and HTTP status.
pub(crate) fn kind_for_code(code: Option<&str>, message: &str, status: Option<u16>) -> ErrorKind {
    let code = code.unwrap_or_default();
    if EXPIRED.contains(&code) {
        ErrorKind::ExpiredCredentials
    } else if UNRECOGNISED.contains(&code) {
        ErrorKind::BadCredentials
    } else if DENIED.contains(&code) {
        ErrorKind::AccessDenied
    } else if THROTTLED.contains(&code) || status == Some(429) {
        ErrorKind::Throttled
    } else if is_not_found(code, message) {
        ErrorKind::NotFound
    } else if INVALID.contains(&code) {
        ErrorKind::InvalidRequest
    } else {
        ErrorKind::Service
    }
}

fn is_not_found(code: &str, message: &str) -> bool {
    // ClusterNotFoundException, ServiceNotFoundException, ResourceNotFoundException,
    // TaskSetNotFoundException, EC2's InvalidInstanceID.NotFound, IAM's NoSuchEntity, ...
    code.ends_with("NotFoundException")
        || code.ends_with(".NotFound")
        || code.starts_with("NoSuch")
        // ECS answers a missing task definition with a plain ClientException.
        || (code == "ClientException" && message.contains("Unable to describe task definition"))
}

/// Classifies any SDK error of `operation`, keeping AWS's own message text. The message
/// is a sentence for the operator; the whole error chain goes to the log file.
pub(crate) fn from_sdk_error<E>(operation: &str, err: SdkError<E, HttpResponse>) -> BackendError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
{
    tracing::warn!(operation, error = %DisplayErrorContext(&err), "AWS call failed");
    // Credentials are resolved just before sending, so a credential failure arrives looking
    // like a dispatch or construction failure: look for it first.
    if let Some((kind, message)) = credentials_failure(&err) {
        return BackendError::new(kind, operation, message);
    }
    match &err {
        SdkError::ServiceError(context) => {
            let service_err = context.err();
            let status = context.raw().status().as_u16();
            service_error(operation, service_err.code(), service_err.message(), status)
        }
        SdkError::TimeoutError(_) => BackendError::new(
            ErrorKind::Timeout,
            operation,
            "no answer within the operation timeout",
        ),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => BackendError::new(
            ErrorKind::Timeout,
            operation,
            "no answer within the operation timeout",
        ),
        SdkError::DispatchFailure(_) => {
            BackendError::new(ErrorKind::Unreachable, operation, transport_words(&err))
        }
        SdkError::ResponseError(context) => {
            let status = context.raw().status().as_u16();
            let kind = match kind_for_code(None, "", Some(status)) {
                ErrorKind::Throttled => ErrorKind::Throttled,
                _ => ErrorKind::Service,
            };
            BackendError::new(
                kind,
                operation,
                format!("the answer (HTTP {status}) could not be read: it is not what AWS sends, perhaps a proxy in the way"),
            )
            .without_clear_answer()
        }
        SdkError::ConstructionFailure(_) => BackendError::new(
            ErrorKind::InvalidRequest,
            operation,
            format!("the request could not be built: {}", root_cause(&err)),
        ),
        _ => BackendError::new(ErrorKind::Service, operation, root_cause(&err))
            .without_clear_answer(),
    }
}

/// What went wrong on the way to AWS, in words: refused, not resolved, dropped.
fn transport_words(err: &(dyn Error + 'static)) -> String {
    let chain = chain_text(err).to_ascii_lowercase();
    let io = io_kind(err);
    if chain.contains("dns error")
        || chain.contains("failed to lookup address")
        || chain.contains("name or service not known")
    {
        "the endpoint's host name could not be resolved (DNS): check the region and AWS_ENDPOINT_URL".into()
    } else if io == Some(std::io::ErrorKind::ConnectionRefused)
        || chain.contains("connection refused")
    {
        "the endpoint refused the connection: nothing listens there (check AWS_ENDPOINT_URL)".into()
    } else if matches!(
        io,
        Some(
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::BrokenPipe
        )
    ) || chain.contains("connection closed")
        || chain.contains("connection reset")
        || chain.contains("incomplete message")
    {
        "the connection was dropped before an answer came".into()
    } else if chain.contains("certificate") || chain.contains("tls") {
        "the secure connection failed (TLS): check the endpoint and any proxy in the way".into()
    } else {
        format!("AWS could not be reached: {}", root_cause(err))
    }
}

/// The innermost error's own words (what a chain ends in: "Connection refused").
fn root_cause(err: &(dyn Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    crate::domain::sanitize::one_line(&current.to_string())
}

/// The error and its causes in words, `a: b: c`, each said once. (The SDK's own
/// `DisplayErrorContext` ends with the error's debug dump, which is not for a screen.)
pub(crate) fn display_chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        let part = e.to_string();
        if !part.is_empty() && !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        current = e.source();
    }
    crate::domain::sanitize::one_line(&text)
}

fn chain_text(err: &(dyn Error + 'static)) -> String {
    let mut text = String::new();
    let mut current = Some(err);
    while let Some(e) = current {
        text.push_str(&e.to_string());
        text.push(' ');
        current = e.source();
    }
    text
}

fn io_kind(err: &(dyn Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

/// A `BackendError` for an error the service answered with: `Code: message`. A 5xx is
/// marked as without a clear answer: a write may have been carried out.
pub(crate) fn service_error(
    operation: &str,
    code: Option<&str>,
    message: Option<&str>,
    status: u16,
) -> BackendError {
    // An error with a success status is an answer the SDK could not read (a proxy's
    // page, a cut body): say so, and treat it like a 5xx (a read tries again; a write
    // is read back).
    if status < 400 && code.is_none() {
        return BackendError::new(
            ErrorKind::Service,
            operation,
            format!("the answer (HTTP {status}) could not be read: it is not what AWS sends, perhaps a proxy in the way"),
        )
        .without_clear_answer();
    }
    let kind = kind_for_code(code, message.unwrap_or_default(), Some(status));
    let message = message.map(crate::domain::sanitize::one_line);
    let code = code.map(crate::domain::sanitize::one_line);
    let text = match (code.as_deref(), message.as_deref()) {
        (Some(code), Some(message)) if !message.is_empty() => format!("{code}: {message}"),
        (Some(code), _) => code.to_owned(),
        (None, Some(message)) if !message.is_empty() => message.to_owned(),
        _ => format!("AWS answered HTTP {status} without saying why"),
    };
    let error = BackendError::new(kind, operation, text);
    if status >= 500 {
        error.without_clear_answer()
    } else {
        error
    }
}

/// The kind and message when a credential provider failed somewhere in the error's chain.
fn credentials_failure(err: &(dyn Error + 'static)) -> Option<(ErrorKind, String)> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(credentials) = e.downcast_ref::<CredentialsError>() {
            let message = display_chain(credentials);
            let kind = if message.to_ascii_lowercase().contains("expired") {
                ErrorKind::ExpiredCredentials
            } else {
                ErrorKind::NoCredentials
            };
            return Some((kind, message));
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::error::ErrorMetadata;
    use aws_sdk_ecs::operation::list_clusters::ListClustersError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    fn service(code: &str, message: &str, status: u16) -> BackendError {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        from_sdk_error(
            "ListClusters",
            SdkError::service_error(ListClustersError::generic(meta), raw),
        )
    }

    #[test]
    fn service_codes() {
        let cases = [
            ("ExpiredTokenException", ErrorKind::ExpiredCredentials),
            ("ExpiredToken", ErrorKind::ExpiredCredentials),
            ("UnrecognizedClientException", ErrorKind::BadCredentials),
            ("InvalidClientTokenId", ErrorKind::BadCredentials),
            ("AccessDeniedException", ErrorKind::AccessDenied),
            ("UnauthorizedOperation", ErrorKind::AccessDenied),
            ("AccessDenied", ErrorKind::AccessDenied),
            ("ThrottlingException", ErrorKind::Throttled),
            ("TooManyRequestsException", ErrorKind::Throttled),
            ("RequestLimitExceeded", ErrorKind::Throttled),
            ("ClusterNotFoundException", ErrorKind::NotFound),
            ("ServiceNotFoundException", ErrorKind::NotFound),
            ("ResourceNotFoundException", ErrorKind::NotFound),
            ("InvalidInstanceID.NotFound", ErrorKind::NotFound),
            ("InvalidParameterException", ErrorKind::InvalidRequest),
            ("ClientException", ErrorKind::InvalidRequest),
            ("ServerException", ErrorKind::Service),
            ("LimitExceededException", ErrorKind::Service),
        ];
        for (code, kind) in cases {
            assert_eq!(service(code, "m", 400).kind, kind, "{code}");
        }
    }

    #[test]
    fn aws_message_is_kept_with_its_code() {
        let e = service("ThrottlingException", "Rate exceeded", 400);
        assert_eq!(e.operation, "ListClusters");
        assert_eq!(e.message, "ThrottlingException: Rate exceeded");
        assert_eq!(
            e.to_string(),
            "ListClusters: throttled: ThrottlingException: Rate exceeded"
        );
    }

    #[test]
    fn status_429_without_a_known_code_is_throttling() {
        assert_eq!(
            service("Whatever", "slow down", 429).kind,
            ErrorKind::Throttled
        );
        assert_eq!(service("Whatever", "boom", 500).kind, ErrorKind::Service);
    }

    #[test]
    fn missing_task_definition_is_not_found() {
        let e = service(
            "ClientException",
            "Unable to describe task definition.",
            400,
        );
        assert_eq!(e.kind, ErrorKind::NotFound);
        let e = service("ClientException", "Container.image should not be null", 400);
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
    }

    #[test]
    fn an_unreadable_success_is_unclear_not_a_silent_error() {
        let e = service_error("FilterLogEvents", None, None, 200);
        assert!(e.message.contains("could not be read"), "{}", e.message);
        assert!(e.is_transient() && e.is_unclear_write());
    }

    #[test]
    fn service_error_without_code_or_message_says_so() {
        let e = service_error("DescribeTasks", None, None, 502);
        assert_eq!(e.kind, ErrorKind::Service);
        assert_eq!(e.message, "AWS answered HTTP 502 without saying why");
        assert!(e.is_transient() && e.is_unclear_write());
    }

    #[test]
    fn timeout() {
        let err: SdkError<ListClustersError, HttpResponse> =
            SdkError::timeout_error("operation timed out");
        assert_eq!(from_sdk_error("ListClusters", err).kind, ErrorKind::Timeout);
    }

    #[test]
    fn connection_refused_is_unreachable_and_keeps_the_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused here");
        let err: SdkError<ListClustersError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(io)));
        let e = from_sdk_error("ListClusters", err);
        assert_eq!(e.kind, ErrorKind::Unreachable);
        assert_eq!(
            e.message,
            "the endpoint refused the connection: nothing listens there (check AWS_ENDPOINT_URL)"
        );
        assert!(e.is_unclear_write(), "a write may or may not have gone out");
    }

    #[test]
    fn connector_timeout_is_a_timeout() {
        let err: SdkError<ListClustersError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::timeout("slow".into()));
        assert_eq!(from_sdk_error("ListClusters", err).kind, ErrorKind::Timeout);
    }

    #[test]
    fn credentials_not_loaded_is_no_credentials() {
        let credentials =
            CredentialsError::not_loaded("no providers in chain provided credentials");
        let err: SdkError<ListClustersError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::other(Box::new(credentials), None));
        let e = from_sdk_error("ListClusters", err);
        assert_eq!(e.kind, ErrorKind::NoCredentials);
        assert!(e.message.contains("no providers in chain"), "{}", e.message);
    }

    #[test]
    fn expired_sso_token_is_expired_credentials() {
        let credentials =
            CredentialsError::provider_error("the SSO token has expired and cannot be refreshed");
        let err: SdkError<ListClustersError, HttpResponse> =
            SdkError::construction_failure(credentials);
        let e = from_sdk_error("ListClusters", err);
        assert_eq!(e.kind, ErrorKind::ExpiredCredentials);
    }
}
