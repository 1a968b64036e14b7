//! Errors a backend call can end in, classified so the UI can say what to do about them.

use std::fmt;

/// What went wrong, in the terms an operator acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// No credentials anywhere in the chain.
    NoCredentials,
    /// Credentials exist but are expired (SSO token, session token).
    ExpiredCredentials,
    /// The named profile is not in the config or credentials files.
    UnknownProfile,
    /// The API refused for lack of permission.
    AccessDenied,
    /// The API asked us to slow down.
    Throttled,
    /// The cluster, service or task does not exist.
    NotFound,
    /// The call took longer than the operation timeout.
    Timeout,
    /// The endpoint could not be reached (DNS, refused, TLS): often an unknown region.
    Unreachable,
    /// The request was refused as invalid.
    InvalidRequest,
    /// Anything else the service answered.
    Service,
}

impl ErrorKind {
    /// A short label for status lines.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::NoCredentials => "no credentials",
            ErrorKind::ExpiredCredentials => "credentials expired",
            ErrorKind::UnknownProfile => "unknown profile",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::Throttled => "throttled",
            ErrorKind::NotFound => "not found",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Service => "AWS error",
        }
    }

    /// What the operator can do about it, where there is something to say.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            ErrorKind::NoCredentials => Some(
                "configure a profile (`aws configure` or `aws configure sso`) and pass --profile, \
                 or try `ecsdash --demo`",
            ),
            ErrorKind::ExpiredCredentials => {
                Some("run `aws sso login --profile <name>` (or refresh the session) and press r")
            }
            ErrorKind::UnknownProfile => {
                Some("check ~/.aws/config for the profile name, or try `ecsdash --demo`")
            }
            ErrorKind::AccessDenied => {
                Some("the role lacks a read permission listed in the README")
            }
            ErrorKind::Throttled => {
                Some("backing off; the refresh interval grows until AWS recovers")
            }
            ErrorKind::Timeout | ErrorKind::Unreachable => {
                Some("check the region name, the network and AWS_ENDPOINT_URL")
            }
            _ => None,
        }
    }
}

/// A failed backend call: its kind, the operation, and AWS's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError {
    pub kind: ErrorKind,
    /// The API operation, e.g. `DescribeServices`.
    pub operation: String,
    /// AWS's message (or the transport's), one line.
    pub message: String,
}

impl BackendError {
    pub fn new(kind: ErrorKind, operation: impl Into<String>, message: impl Into<String>) -> Self {
        let message: String = message.into();
        // Keep it to one line: status lines have no room for a backtrace-like chain.
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        BackendError {
            kind,
            operation: operation.into(),
            message,
        }
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.operation,
            self.kind.label(),
            self.message
        )
    }
}

impl std::error::Error for BackendError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_is_one_line() {
        let e = BackendError::new(ErrorKind::Service, "ListClusters", "a\n  b\tc");
        assert_eq!(e.message, "a b c");
        assert_eq!(e.to_string(), "ListClusters: AWS error: a b c");
    }

    #[test]
    fn no_credentials_suggests_demo() {
        assert!(ErrorKind::NoCredentials.hint().unwrap().contains("--demo"));
    }
}
