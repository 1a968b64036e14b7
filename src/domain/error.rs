//! Errors a backend call can end in, classified so the UI can say what to do about them.

use std::fmt;

/// What went wrong, in the terms an operator acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// No credentials anywhere in the chain.
    NoCredentials,
    /// Credentials exist but are expired (SSO token, session token).
    ExpiredCredentials,
    /// AWS does not know the access key or token at all (UnrecognizedClientException,
    /// InvalidClientTokenId): a wrong or deleted key, or a key for another partition.
    BadCredentials,
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
    /// A change was sent, its answer was lost, and reading the resource back could not
    /// tell whether it was made.
    Uncertain,
    /// Anything else the service answered.
    Service,
}

impl ErrorKind {
    /// A short label for status lines.
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::NoCredentials => "no credentials",
            ErrorKind::ExpiredCredentials => "credentials expired",
            ErrorKind::BadCredentials => "credentials not recognised",
            ErrorKind::UnknownProfile => "unknown profile",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::Throttled => "throttled",
            ErrorKind::NotFound => "not found",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Unreachable => "unreachable",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Uncertain => "outcome unknown",
            ErrorKind::Service => "AWS error",
        }
    }

    /// What the operator can do about it, where there is something to say that does not
    /// depend on the call (`BackendError::hint` adds what does).
    pub fn hint(self) -> Option<&'static str> {
        match self {
            ErrorKind::NoCredentials => Some(
                "configure a profile (`aws configure` or `aws configure sso`) and pass --profile, \
                 or try `ecsdash --demo`",
            ),
            ErrorKind::ExpiredCredentials => {
                Some("sign in again (`aws sso login --profile NAME`) or refresh the session's keys")
            }
            ErrorKind::BadCredentials => Some(
                "AWS does not know this access key: check AWS_ACCESS_KEY_ID or the profile's keys \
                 (a deleted key, or a key of another account or partition)",
            ),
            ErrorKind::UnknownProfile => {
                Some("check ~/.aws/config for the profile name, or try `ecsdash --demo`")
            }
            ErrorKind::Throttled => {
                Some("AWS is rate limiting this account; ecsdash backs off and retries")
            }
            ErrorKind::Timeout | ErrorKind::Unreachable => {
                Some("check the region name, the network and AWS_ENDPOINT_URL")
            }
            ErrorKind::Uncertain => Some(
                "look at the resource before trying again: the change may or may not have been made",
            ),
            _ => None,
        }
    }
}

/// The IAM action a call needs, e.g. `ecs:UpdateService`.
pub fn iam_action(operation: &str) -> String {
    const LOGS: &[&str] = &[
        "FilterLogEvents",
        "GetLogEvents",
        "StartLiveTail",
        "DescribeLogStreams",
        "DescribeLogGroups",
    ];
    const AUTOSCALING: &[&str] = &[
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "PutScalingPolicy",
        "DeleteScalingPolicy",
        "PutScheduledAction",
        "DeleteScheduledAction",
        "DescribeScalableTargets",
        "DescribeScalingPolicies",
        "DescribeScheduledActions",
        "DescribeScalingActivities",
    ];
    let service = if LOGS.contains(&operation) {
        "logs"
    } else if AUTOSCALING.contains(&operation) {
        "application-autoscaling"
    } else if operation == "AssumeRole" || operation == "GetCallerIdentity" {
        "sts"
    } else if operation == "DescribeTargetHealth" {
        "elasticloadbalancing"
    } else {
        "ecs"
    };
    format!("{service}:{operation}")
}

/// A failed backend call: its kind, the operation, and AWS's own message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError {
    pub kind: ErrorKind,
    /// The API operation, e.g. `DescribeServices`.
    pub operation: String,
    /// AWS's message (or the transport's), one line.
    pub message: String,
    /// No clear answer came back: a 5xx, a dropped connection, a timeout, an unreadable
    /// answer. A read may simply be tried again; a write may or may not have been carried
    /// out (see `is_unclear_write`).
    pub transient: bool,
}

impl BackendError {
    pub fn new(kind: ErrorKind, operation: impl Into<String>, message: impl Into<String>) -> Self {
        let message: String = message.into();
        // One line, and safe for a terminal: the text is AWS's (or the transport's), and
        // it reaches status lines, stderr and the audit log.
        let message = crate::domain::sanitize::one_line(&message);
        BackendError {
            kind,
            operation: operation.into(),
            message,
            transient: matches!(
                kind,
                ErrorKind::Throttled | ErrorKind::Timeout | ErrorKind::Unreachable
            ),
        }
    }

    /// Marks an error that came without a clear answer (a 5xx, an unreadable answer).
    #[must_use]
    pub fn without_clear_answer(mut self) -> Self {
        self.transient = true;
        self
    }

    /// Whether trying the same read again later may succeed.
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    /// What the operator can do about it, naming the permission when one is missing.
    pub fn hint(&self) -> Option<String> {
        match self.kind {
            ErrorKind::AccessDenied
                if !self.operation.is_empty() && self.operation != "connect" =>
            {
                Some(format!(
                    "the role may not call {}: ask for that permission (the README lists what each view and operation needs)",
                    iam_action(&self.operation)
                ))
            }
            kind => kind.hint().map(str::to_owned),
        }
    }

    /// For a write: whether it may have been carried out although no success came back.
    /// Throttling is a clear refusal (nothing was done); a timeout, a dropped connection,
    /// an unreadable answer or a 5xx is not.
    pub fn is_unclear_write(&self) -> bool {
        self.transient && self.kind != ErrorKind::Throttled
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
    fn access_denied_names_the_permission_of_the_call() {
        let e = BackendError::new(ErrorKind::AccessDenied, "UpdateService", "no");
        let hint = e.hint().unwrap();
        assert!(hint.contains("ecs:UpdateService"), "{hint}");
        assert!(!hint.contains("read permission"), "{hint}");
        let e = BackendError::new(ErrorKind::AccessDenied, "FilterLogEvents", "no");
        assert!(e.hint().unwrap().contains("logs:FilterLogEvents"));
        let e = BackendError::new(ErrorKind::AccessDenied, "PutScalingPolicy", "no");
        assert!(
            e.hint()
                .unwrap()
                .contains("application-autoscaling:PutScalingPolicy")
        );
    }

    #[test]
    fn hints_say_nothing_of_keys_that_only_the_dashboard_has() {
        for kind in [
            ErrorKind::ExpiredCredentials,
            ErrorKind::Throttled,
            ErrorKind::BadCredentials,
        ] {
            let hint = kind.hint().unwrap();
            assert!(!hint.contains("press"), "{hint}");
        }
        assert!(
            !ErrorKind::BadCredentials
                .hint()
                .unwrap()
                .contains("sso login")
        );
    }

    #[test]
    fn writes_without_a_clear_answer_are_unclear_but_throttling_is_not() {
        let e = BackendError::new(ErrorKind::Service, "UpdateService", "InternalFailure: boom");
        assert!(!e.is_unclear_write());
        assert!(e.clone().without_clear_answer().is_unclear_write());
        assert!(BackendError::new(ErrorKind::Timeout, "UpdateService", "slow").is_unclear_write());
        let t = BackendError::new(ErrorKind::Throttled, "UpdateService", "Rate exceeded");
        assert!(t.is_transient() && !t.is_unclear_write());
    }

    #[test]
    fn no_credentials_suggests_demo() {
        assert!(ErrorKind::NoCredentials.hint().unwrap().contains("--demo"));
    }
}
