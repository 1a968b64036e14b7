//! Following a deployment to its end: the dashboard's rollout view and
//! `ecsdash deploy --wait`.
//!
//! The verdict follows the deployment by its id and reads its rolloutState. "The service is
//! stable" is never the verdict: after a circuit-breaker rollback the service is stable
//! (one deployment, running == desired) while the rollout that was followed FAILED.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::BackendResult;
use crate::domain::model::{Deployment, Service, ServiceEvent};

/// ECS's defaults when a service does not say.
const DEFAULT_MIN_HEALTHY_PERCENT: i32 = 100;
const DEFAULT_MAX_PERCENT: i32 = 200;
/// The longest pause between retries after transient failures: short enough that a
/// follower sees the end of an outage within seconds of it.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    InProgress,
    Completed,
    Failed { reason: String },
}

impl Verdict {
    pub fn is_final(&self) -> bool {
        !matches!(self, Verdict::InProgress)
    }
}

/// Where one deployment stands, from one DescribeServices answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub deployment_id: String,
    pub verdict: Verdict,
    /// The deployment's task definition ARN; empty once the deployment is gone.
    pub task_definition: String,
    pub desired: i32,
    pub new_running: i32,
    pub new_pending: i32,
    pub new_failed: i32,
    /// Tasks of the deployments the rollout replaces (not of its successor).
    pub old_running: i32,
    /// The deployment the service moved on to after this one (a circuit-breaker rollback
    /// or a newer deployment), counted apart so a rollback never reads as "old" tasks.
    pub successor: Option<Successor>,
    /// Why tasks stopped during the rollout, from the service events since it began:
    /// (cause, how many tasks), most frequent first. ECS's own reason for a failed rollout
    /// ("tasks failed to start") says nothing of health checks; these do.
    pub causes: Vec<(String, usize)>,
    pub min_healthy_percent: i32,
    pub max_percent: i32,
    /// ceil(desired * min% / 100): ECS rounds the minimum up.
    pub min_healthy_tasks: i32,
    /// floor(desired * max% / 100): ECS rounds the maximum down.
    pub max_tasks: i32,
    pub rollout_state: Option<String>,
    pub rollout_reason: Option<String>,
    /// Service events since the rollout began, oldest first.
    pub events: Vec<ServiceEvent>,
}

/// The service's primary deployment when it is not the one followed.
#[derive(Debug, Clone, PartialEq)]
pub struct Successor {
    pub id: String,
    pub task_definition: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub rollout_state: Option<String>,
    /// ECS started it to roll back a failed deployment (its rolloutStateReason says so).
    pub rollback: bool,
}

impl Progress {
    /// Every new task runs but ECS has not called the rollout done: the tasks still have
    /// to pass their health checks (or the old ones to stop). "4/4" alone would read as
    /// success; this is when the screen must say it is not yet.
    pub fn waiting_for_health(&self) -> bool {
        self.verdict == Verdict::InProgress && self.desired > 0 && self.new_running >= self.desired
    }

    /// The causes in words ("3 tasks: unhealthy in …; 1 task: failed …"), if any.
    pub fn causes_words(&self) -> Option<String> {
        (!self.causes.is_empty()).then(|| {
            self.causes
                .iter()
                .map(|(cause, n)| format!("{n} task{}: {cause}", if *n == 1 { "" } else { "s" }))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// The counts in one line, as `deploy --wait` prints them and the view shows them.
    pub fn counts_line(&self) -> String {
        let mut line = format!(
            "new {}/{} running, {} pending, {} failed",
            self.new_running, self.desired, self.new_pending, self.new_failed
        );
        if self.waiting_for_health() {
            line.push_str(" (not yet healthy: waiting for health checks)");
        }
        if let Some(s) = &self.successor {
            line.push_str(&format!(
                "; {} {} {}/{} running",
                if s.rollback { "rollback to" } else { "now" },
                crate::domain::model::arn_name(&s.task_definition),
                s.running,
                s.desired
            ));
        }
        line.push_str(&format!("; old {} running", self.old_running));
        line
    }
}

/// What an event says about why a task stopped, in a few words; `None` for other events.
fn cause_of(message: &str) -> Option<String> {
    if message.contains(") is unhealthy in (target-group") {
        let reason = message
            .split_once("due to (reason ")
            .and_then(|(_, r)| r.split_once(')'))
            .map_or("", |(r, _)| r);
        return Some(if reason.is_empty() {
            "unhealthy in the load balancer's target group".into()
        } else {
            format!("unhealthy in the load balancer's target group: {reason}")
        });
    }
    if message.contains("failed container health checks") {
        return Some("failed container health checks".into());
    }
    if message.contains("failed ELB health checks") {
        return Some("failed ELB health checks".into());
    }
    if message.contains("was unable to place a task") {
        return Some("could not be placed (no capacity met its requirements)".into());
    }
    None
}

/// Causes of the events, counted, most frequent first (ties in first-seen order).
fn causes_of(events: &[ServiceEvent]) -> Vec<(String, usize)> {
    let mut causes: Vec<(String, usize)> = Vec::new();
    for cause in events.iter().filter_map(|e| cause_of(&e.message)) {
        match causes.iter_mut().find(|(c, _)| *c == cause) {
            Some((_, n)) => *n += 1,
            None => causes.push((cause, 1)),
        }
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.1));
    causes
}

fn percent_of(desired: i32, percent: i32, round_up: bool) -> i32 {
    let product = i64::from(desired.max(0)) * i64::from(percent.max(0));
    let tasks = if round_up {
        (product + 99).div_euclid(100)
    } else {
        product.div_euclid(100)
    };
    i32::try_from(tasks).unwrap_or(i32::MAX)
}

/// Whether an event names the deployment (`(deployment ecs-svc/123)`).
fn names_deployment(e: &ServiceEvent, id: &str) -> bool {
    e.message.contains(&format!("(deployment {id})"))
}

/// The verdict on a deployment still listed by the service.
fn verdict_of(service: &Service, d: &Deployment) -> Verdict {
    match d.rollout_state.as_deref() {
        Some("FAILED") => Verdict::Failed {
            reason: d
                .rollout_reason
                .clone()
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| format!("deployment {} failed", d.id)),
        },
        Some("COMPLETED") => Verdict::Completed,
        // Only the PRIMARY deployment can still complete; an ACTIVE one that has not was
        // superseded by a newer deployment.
        _ if d.status != "PRIMARY" => Verdict::Failed {
            reason: format!(
                "deployment {} was replaced by deployment {} before it completed",
                d.id,
                service
                    .primary_deployment()
                    .map_or("(unknown)", |p| p.id.as_str())
            ),
        },
        Some(_) => Verdict::InProgress,
        // No rolloutState (controllers and APIs that do not report it): done when it is
        // the only deployment and runs the desired count.
        None if service.deployments.len() == 1 && d.running == d.desired => Verdict::Completed,
        None => Verdict::InProgress,
    }
}

/// The verdict on a deployment the service no longer lists: completed if an event says
/// so, failed (replaced or rolled back) otherwise.
fn verdict_of_missing(service: &Service, id: &str) -> Verdict {
    let mine = || service.events.iter().filter(|e| names_deployment(e, id));
    if mine().any(|e| e.message.contains("deployment completed")) {
        return Verdict::Completed;
    }
    let now = service
        .primary_deployment()
        .map(|p| format!(" (the service now runs deployment {})", p.id))
        .unwrap_or_default();
    let reason = match mine().find_map(|e| e.message.split_once("deployment failed: ")) {
        Some((_, why)) => format!(
            "deployment {id} failed: {} and was rolled back{now}",
            why.trim_end_matches('.')
        ),
        None => format!("deployment {id} was replaced or rolled back before it completed{now}"),
    };
    Verdict::Failed { reason }
}

/// Where `deployment_id` stands in `service`; `since` bounds the events listed (usually
/// the deployment's creation, or a moment before the UpdateService call).
pub fn progress(service: &Service, deployment_id: &str, since: DateTime<Utc>) -> Progress {
    let config = &service.deployment_config;
    let min_healthy_percent = config
        .minimum_healthy_percent
        .unwrap_or(DEFAULT_MIN_HEALTHY_PERCENT);
    let max_percent = config.maximum_percent.unwrap_or(DEFAULT_MAX_PERCENT);
    let desired = service.desired;
    let ours = service.deployments.iter().find(|d| d.id == deployment_id);
    let successor = service
        .primary_deployment()
        .filter(|p| p.id != deployment_id)
        .map(|p| Successor {
            id: p.id.clone(),
            task_definition: p.task_definition.clone(),
            desired: p.desired,
            running: p.running,
            pending: p.pending,
            rollout_state: p.rollout_state.clone(),
            rollback: p
                .rollout_reason
                .as_deref()
                .is_some_and(|r| r.contains("rolling back")),
        });
    let successor_id = successor.as_ref().map(|s| s.id.as_str());
    let old_running = service
        .deployments
        .iter()
        .filter(|d| d.id != deployment_id && Some(d.id.as_str()) != successor_id)
        .map(|d| d.running)
        .sum();
    let mut events: Vec<ServiceEvent> = service
        .events
        .iter()
        .filter(|e| e.created_at.is_some_and(|at| at >= since))
        .cloned()
        .collect();
    // DescribeServices lists the newest first.
    events.reverse();
    let verdict = match ours {
        Some(d) => verdict_of(service, d),
        None => verdict_of_missing(service, deployment_id),
    };
    Progress {
        deployment_id: deployment_id.to_string(),
        verdict,
        task_definition: ours.map(|d| d.task_definition.clone()).unwrap_or_default(),
        desired,
        new_running: ours.map_or(0, |d| d.running),
        new_pending: ours.map_or(0, |d| d.pending),
        new_failed: ours.map_or(0, |d| d.failed),
        old_running,
        causes: causes_of(&events),
        successor,
        min_healthy_percent,
        max_percent,
        min_healthy_tasks: percent_of(desired, min_healthy_percent, true),
        max_tasks: percent_of(desired, max_percent, false),
        rollout_state: ours.and_then(|d| d.rollout_state.clone()),
        rollout_reason: ours.and_then(|d| d.rollout_reason.clone()),
        events,
    }
}

/// The pause after the `n`th consecutive transient failure: doubling from `poll`.
fn backoff(poll: Duration, n: u32) -> Duration {
    let base = poll.max(Duration::from_millis(100));
    base.saturating_mul(2u32.saturating_pow(n.min(16)))
        .min(MAX_BACKOFF.max(poll))
}

/// Polls the service every `poll` until the deployment reaches a final verdict, calling
/// `on_update` whenever its progress changes. Errors without a clear answer (throttling,
/// timeouts, dropped connections, 5xx) are retried with backoff for as long as the caller
/// lets it run (the caller bounds the time, e.g. `--wait-timeout`); `on_trouble` hears
/// the first such error of a run and `None` once an answer comes again. Any other error
/// (the service is gone, access denied) ends the follow at once.
#[allow(clippy::too_many_arguments)]
pub async fn follow(
    ops: &dyn crate::ops::Ops,
    cluster: &str,
    service: &str,
    deployment_id: &str,
    since: DateTime<Utc>,
    poll: Duration,
    on_update: &mut (dyn FnMut(&Progress) + Send),
    on_trouble: &mut (dyn FnMut(Option<&crate::domain::BackendError>) + Send),
) -> BackendResult<Progress> {
    let mut last: Option<Progress> = None;
    let mut failures = 0u32;
    loop {
        match ops.service(cluster, service).await {
            Ok(svc) => {
                if failures > 0 {
                    on_trouble(None);
                }
                failures = 0;
                let p = progress(&svc, deployment_id, since);
                if last.as_ref() != Some(&p) {
                    on_update(&p);
                }
                if p.verdict.is_final() {
                    return Ok(p);
                }
                last = Some(p);
                tokio::time::sleep(poll).await;
            }
            Err(e) if e.is_transient() => {
                if failures == 0 {
                    on_trouble(Some(&e));
                }
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, failures, "rollout follower: retrying");
                tokio::time::sleep(backoff(poll, failures)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
