//! The deployment circuit breaker: tasks of the rolling deployment that fail to become
//! healthy are counted against it; at the threshold the deployment is FAILED and, with
//! rollback on, a new deployment returns the service to the last completed one.

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::ids::{deployment_id, uuid};
use super::state::{DeploymentState, ServiceState};

pub(super) const FAILED_REASON: &str = "ECS deployment circuit breaker: tasks failed to start.";

/// Failed tasks that fail a deployment: half the desired count, at least 3, at most 200.
pub(super) fn threshold(desired: i32) -> i32 {
    ((desired.max(0) + 1) / 2).clamp(3, 200)
}

/// Counts `failed` (one deployment id per failed task) and trips the breaker when the
/// rolling deployment reaches its threshold.
pub(super) fn count_failures(
    svc: &mut ServiceState,
    failed: &[String],
    now: DateTime<Utc>,
    rng: &mut Rng,
) {
    if failed.is_empty() {
        return;
    }
    for id in failed {
        if let Some(d) = svc.deployments.iter_mut().find(|d| &d.id == id) {
            d.failed += 1;
            d.updated_at = now;
        }
    }
    let trips = svc.config.circuit_breaker_enabled
        && svc.rolling()
        && svc
            .primary()
            .is_some_and(|d| d.failed >= threshold(svc.desired));
    if trips {
        trip(svc, now, rng);
    }
}

fn trip(svc: &mut ServiceState, now: DateTime<Utc>, rng: &mut Rng) {
    let name = svc.name.clone();
    let Some(d) = svc.deployments.first_mut() else {
        return;
    };
    let failed_id = d.id.clone();
    d.rollout_state = "FAILED".into();
    d.rollout_reason = FAILED_REASON.into();
    d.updated_at = now;
    svc.push_event(
        uuid(rng),
        now,
        format!(
            "(service {name}) (deployment {failed_id}) deployment failed: tasks failed to start."
        ),
    );
    let Some((good_id, good_definition)) = svc
        .last_completed
        .clone()
        .filter(|_| svc.config.circuit_breaker_rollback)
    else {
        return;
    };
    let id = deployment_id(rng);
    svc.deployments.insert(
        0,
        DeploymentState {
            id,
            task_definition: good_definition,
            rollout_state: "IN_PROGRESS".into(),
            rollout_reason: format!(
                "ECS deployment circuit breaker: rolling back to deploymentId {good_id}."
            ),
            created_at: now,
            updated_at: now,
            failed: 0,
        },
    );
    svc.steady = false;
    svc.push_event(
        uuid(rng),
        now,
        format!("(service {name}) rolling back to deployment {good_id}."),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_half_the_desired_count_within_3_and_200() {
        assert_eq!(threshold(1), 3);
        assert_eq!(threshold(4), 3);
        assert_eq!(threshold(7), 4);
        assert_eq!(threshold(8), 4);
        assert_eq!(threshold(1000), 200);
    }
}
