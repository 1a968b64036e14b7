//! The demo fleet's load balancer targets: each service behind a target group has its
//! running tasks as targets (healthy once running, `initial` while starting), except
//! `recommendations`, one of whose targets answers 503 to the health check.

use crate::domain::model::{Service, TargetHealth, Task};

/// The service whose second target fails its health checks.
pub(super) const UNHEALTHY_TARGET_SERVICE: &str = "recommendations";

/// The targets of `service`'s target group: its tasks (by private IP) on `port`.
pub(super) fn targets(service: &Service, tasks: &[Task], port: Option<i32>) -> Vec<TargetHealth> {
    tasks
        .iter()
        .filter(|t| matches!(t.last_status.as_ref(), "RUNNING" | "PENDING" | "ACTIVATING"))
        .enumerate()
        .map(|(i, t)| {
            let (state, reason, description) = if t.last_status.as_ref() != "RUNNING" {
                (
                    "initial",
                    Some("Elb.RegistrationInProgress"),
                    Some("Target registration is in progress"),
                )
            } else if service.name == UNHEALTHY_TARGET_SERVICE && i == 1 {
                (
                    "unhealthy",
                    Some("Target.ResponseCodeMismatch"),
                    Some("Health checks failed with these codes: [503]"),
                )
            } else {
                ("healthy", None, None)
            };
            TargetHealth {
                target: t.private_ip.clone().unwrap_or_else(|| t.id.clone()),
                port,
                state: state.into(),
                reason: reason.map(Into::into),
                description: description.map(Into::into),
            }
        })
        .collect()
}
