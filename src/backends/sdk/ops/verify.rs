//! After a write whose answer was lost (a timeout, a dropped connection, an unreadable
//! answer, a 5xx), the resource is read back to say what is true: the change was made
//! (reported as done, noting it was verified), it was not (the original error), or it
//! cannot be told (`ErrorKind::Uncertain`). Nothing is sent again: UpdateService with
//! forceNewDeployment would start another deployment, and a scale that did land would be
//! applied twice if the count had moved meanwhile.
//!
//! The judging is pure (`judge_*`) so every case is tested without a network; the reads
//! are the same calls the views make.

use crate::domain::budget::Category;
use std::time::Duration;

use super::SdkOps;
use crate::backends::sdk::errors;
use crate::domain::model::{Service, arn_name};
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{PolicyKind, Scaling};
use crate::ops::{Mutation, Ops, Outcome};

/// Pauses before reading back again while the change is not (yet) visible: a request that
/// timed out may still be carried out after the client gave up.
const READ_AGAIN_AFTER: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

/// What the read-back showed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    Applied(Outcome),
    NotApplied(String),
    Unknown(String),
}

/// What a read-back needs from before the write: for a forced deployment, the deployments
/// that already existed (a new one is how it shows).
#[derive(Debug, Clone, Default)]
pub(crate) struct Before {
    deployments: Option<Result<Vec<String>, String>>,
}

/// Reads what `settle` will compare against, where the mutation itself does not carry it.
pub(crate) async fn before(ops: &SdkOps, m: &Mutation) -> Before {
    match m {
        Mutation::Deploy {
            cluster,
            service,
            force: true,
            ..
        } => Before {
            deployments: Some(
                ops.service(cluster, service)
                    .await
                    .map(|s| s.deployments.iter().map(|d| d.id.clone()).collect())
                    .map_err(|e| e.message),
            ),
        },
        _ => Before::default(),
    }
}

/// The answer to `m` was lost with `error`: read back and report what is true.
pub(crate) async fn settle(
    ops: &SdkOps,
    m: &Mutation,
    before: &Before,
    error: BackendError,
) -> BackendResult<Outcome> {
    let mut verdict = read_back(ops, m, before).await;
    for pause in READ_AGAIN_AFTER {
        if !matches!(verdict, Verdict::NotApplied(_)) {
            break;
        }
        tokio::time::sleep(pause).await;
        verdict = read_back(ops, m, before).await;
    }
    tracing::warn!(action = m.action(), target = %m.target(), error = %error, verdict = ?verdict, "write answer lost; read back");
    conclude(m, verdict, error)
}

/// The verdict as the caller sees it.
pub(crate) fn conclude(
    m: &Mutation,
    verdict: Verdict,
    error: BackendError,
) -> BackendResult<Outcome> {
    match verdict {
        Verdict::Applied(outcome) => Ok(Outcome::Verified {
            outcome: Box::new(outcome),
            lost: error.message,
        }),
        Verdict::NotApplied(why) => Err(BackendError::new(
            error.kind,
            m.api(),
            format!("{}; read back: not applied ({why})", error.message),
        )),
        Verdict::Unknown(why) => Err(BackendError::new(
            ErrorKind::Uncertain,
            m.api(),
            format!(
                "{}; whether the change was made is unknown: {why}",
                error.message
            ),
        )),
    }
}

async fn read_back(ops: &SdkOps, m: &Mutation, before: &Before) -> Verdict {
    let unreadable = |what: &str, e: BackendError| {
        Verdict::Unknown(format!("{what} could not be read back ({})", e.message))
    };
    // Every auto scaling change is judged by the service's auto scaling as it is now.
    if let Some((cluster, service)) = m.scaling_service() {
        return match ops.scaling(cluster, service).await {
            Ok(now) => judge_scaling(m, &now),
            Err(e) => unreadable("auto scaling", e),
        };
    }
    match m {
        Mutation::Scale {
            cluster, service, ..
        }
        | Mutation::Deploy {
            cluster, service, ..
        } => match ops.service(cluster, service).await {
            Ok(now) => judge_service(m, before, now),
            Err(e) => unreadable("the service", e),
        },
        Mutation::StopTask { cluster, task, .. } => {
            match task_desired_status(ops, cluster, task).await {
                Ok(status) => judge_stop(status.as_deref()),
                Err(e) => unreadable("the task", e),
            }
        }
        Mutation::SetInstanceState {
            cluster,
            instance,
            from,
            to,
        } => match instance_status(ops, cluster, instance).await {
            Ok(now) => judge_instance(from, to.api_name(), now.as_deref()),
            Err(e) => unreadable("the container instance", e),
        },
        // Registering has its own recovery (by the family's latest revision); auto
        // scaling changes returned above.
        _ => Verdict::Unknown("not read back here".into()),
    }
}

/// UpdateService: the desired count, the task definition, or (forced, unchanged task
/// definition) a deployment that was not there before.
pub(crate) fn judge_service(m: &Mutation, before: &Before, now: Service) -> Verdict {
    match m {
        Mutation::Scale { from, to, .. } => {
            if now.desired == *to {
                Verdict::Applied(Outcome::Service(Box::new(now)))
            } else if now.desired == *from {
                Verdict::NotApplied(format!("the desired count is still {from}"))
            } else {
                Verdict::Unknown(format!(
                    "the desired count is now {}, neither {from} nor {to}: something else changed it",
                    now.desired
                ))
            }
        }
        Mutation::Deploy { from, to, .. } if arn_name(from) != arn_name(to) => {
            let running = arn_name(&now.task_definition).to_owned();
            if running == arn_name(to) {
                Verdict::Applied(Outcome::Service(Box::new(now)))
            } else if running == arn_name(from) {
                Verdict::NotApplied(format!("the service still runs {running}"))
            } else {
                Verdict::Unknown(format!(
                    "the service now runs {running}, neither {} nor {}: something else changed it",
                    arn_name(from),
                    arn_name(to)
                ))
            }
        }
        Mutation::Deploy { .. } => match &before.deployments {
            Some(Ok(known)) => match now.primary_deployment() {
                Some(d) if !known.contains(&d.id) => {
                    Verdict::Applied(Outcome::Service(Box::new(now)))
                }
                Some(d) => Verdict::NotApplied(format!("the newest deployment is still {}", d.id)),
                None => Verdict::Unknown("the service has no primary deployment".into()),
            },
            Some(Err(e)) => Verdict::Unknown(format!(
                "the deployments could not be read before sending ({e}), so a new one cannot be told from an old one"
            )),
            None => Verdict::Unknown("the deployments before sending are not known".into()),
        },
        _ => Verdict::Unknown("not a service change".into()),
    }
}

/// StopTask: the task's desired status. A task that is gone has stopped.
pub(crate) fn judge_stop(desired_status: Option<&str>) -> Verdict {
    match desired_status {
        Some("STOPPED") => Verdict::Applied(Outcome::Done),
        None => Verdict::Applied(Outcome::Done),
        Some(other) => Verdict::NotApplied(format!("the task's desired status is still {other}")),
    }
}

pub(crate) fn judge_instance(from: &str, to: &str, now: Option<&str>) -> Verdict {
    match now {
        Some(s) if s == to => Verdict::Applied(Outcome::Done),
        Some(s) if s == from => Verdict::NotApplied(format!("the instance is still {s}")),
        Some(s) => Verdict::Unknown(format!("the instance is now {s}, neither {from} nor {to}")),
        None => Verdict::Unknown("the instance is no longer in the cluster".into()),
    }
}

/// The auto scaling changes: the target, the policy or the scheduled action as it now is.
pub(crate) fn judge_scaling(m: &Mutation, now: &Scaling) -> Verdict {
    let applied = || Verdict::Applied(Outcome::Done);
    match m {
        Mutation::PutScalableTarget { before, after, .. } => match &now.target {
            Some(t) if t == after => applied(),
            t if t.as_ref() == before.as_ref() => {
                Verdict::NotApplied("the scalable target is unchanged".into())
            }
            Some(t) => Verdict::Unknown(format!(
                "the scalable target is now {}–{}, neither what it was nor what was sent",
                t.min, t.max
            )),
            None => Verdict::Unknown("the scalable target is gone".into()),
        },
        Mutation::DeleteScalableTarget { .. } => match &now.target {
            None => applied(),
            Some(_) => Verdict::NotApplied("the scalable target is still there".into()),
        },
        Mutation::PutTargetTracking {
            name,
            before,
            after,
            ..
        } => {
            let found = now.policies.iter().find(|p| &p.name == name);
            match found.map(|p| &p.kind) {
                Some(PolicyKind::TargetTracking(t))
                    if t.metric == after.metric && t.target_value == after.target_value =>
                {
                    applied()
                }
                Some(PolicyKind::TargetTracking(t)) if Some(t) == before.as_ref() => {
                    Verdict::NotApplied(format!("policy {name} is unchanged"))
                }
                None if before.is_none() => {
                    Verdict::NotApplied(format!("there is no policy {name}"))
                }
                _ => Verdict::Unknown(format!(
                    "policy {name} is neither what it was nor what was sent"
                )),
            }
        }
        Mutation::DeletePolicy { before, .. } => {
            if now.policies.iter().any(|p| p.name == before.name) {
                Verdict::NotApplied(format!("policy {} is still there", before.name))
            } else {
                applied()
            }
        }
        Mutation::PutScheduledAction { before, after, .. } => {
            let found = now.scheduled.iter().find(|a| a.name == after.name);
            match found {
                Some(a)
                    if a.schedule == after.schedule && a.min == after.min && a.max == after.max =>
                {
                    applied()
                }
                Some(a) if Some(a) == before.as_ref() => {
                    Verdict::NotApplied(format!("scheduled action {} is unchanged", after.name))
                }
                None if before.is_none() => {
                    Verdict::NotApplied(format!("there is no scheduled action {}", after.name))
                }
                _ => Verdict::Unknown(format!(
                    "scheduled action {} is neither what it was nor what was sent",
                    after.name
                )),
            }
        }
        Mutation::DeleteScheduledAction { before, .. } => {
            if now.scheduled.iter().any(|a| a.name == before.name) {
                Verdict::NotApplied(format!("scheduled action {} is still there", before.name))
            } else {
                applied()
            }
        }
        _ => Verdict::Unknown("not an auto scaling change".into()),
    }
}

/// The task's desired status; `None` when ECS no longer knows the task.
async fn task_desired_status(
    ops: &SdkOps,
    cluster: &str,
    task: &str,
) -> BackendResult<Option<String>> {
    const OP: &str = "DescribeTasks";
    ops.budget.acquire(Category::ClusterResourceRead).await;
    let out = ops
        .ecs
        .describe_tasks()
        .cluster(cluster)
        .tasks(task)
        .send()
        .await
        .map_err(|e| errors::from_sdk_error(OP, e))?;
    Ok(out
        .tasks()
        .first()
        .map(|t| t.desired_status().unwrap_or_default().to_owned()))
}

/// The container instance's status; `None` when it is no longer in the cluster.
async fn instance_status(
    ops: &SdkOps,
    cluster: &str,
    instance: &str,
) -> BackendResult<Option<String>> {
    const OP: &str = "DescribeContainerInstances";
    ops.budget.acquire(Category::ClusterResourceRead).await;
    let out = ops
        .ecs
        .describe_container_instances()
        .cluster(cluster)
        .container_instances(instance)
        .send()
        .await
        .map_err(|e| errors::from_sdk_error(OP, e))?;
    Ok(out
        .container_instances()
        .first()
        .and_then(|i| i.status().map(str::to_owned)))
}

#[cfg(test)]
mod tests;
