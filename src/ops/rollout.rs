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
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;
    use chrono::TimeZone;

    use super::*;
    use crate::domain::model::DeploymentConfig;
    use crate::domain::{BackendError, ErrorKind};
    use crate::ops::model::{Family, Scaling, TaskDefDoc};
    use crate::ops::{Mutation, Ops, Outcome};

    fn at(min: u32, sec: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 10, min, sec).unwrap()
    }

    fn deployment(
        id: &str,
        status: &str,
        state: Option<&str>,
        running: i32,
        desired: i32,
    ) -> Deployment {
        Deployment {
            id: id.into(),
            status: status.into(),
            task_definition: format!("arn:aws:ecs:eu-west-1:1:task-definition/web:{}", id.len()),
            desired,
            running,
            pending: 0,
            failed: 0,
            rollout_state: state.map(String::from),
            rollout_reason: None,
            launch_type: Some("FARGATE".into()),
            created_at: Some(at(0, 0)),
            updated_at: Some(at(0, 0)),
        }
    }

    fn event(min: u32, message: &str) -> ServiceEvent {
        ServiceEvent {
            id: format!("e{min}"),
            created_at: Some(at(min, 0)),
            message: message.into(),
        }
    }

    fn service(
        desired: i32,
        min: i32,
        max: i32,
        deployments: Vec<Deployment>,
        events: Vec<ServiceEvent>,
    ) -> Service {
        let running = deployments.iter().map(|d| d.running).sum();
        Service {
            arn: "arn:aws:ecs:eu-west-1:1:service/prod/web".into(),
            name: "web".into(),
            cluster_arn: "arn:aws:ecs:eu-west-1:1:cluster/prod".into(),
            status: "ACTIVE".into(),
            desired,
            running,
            pending: 0,
            task_definition: deployments
                .first()
                .map(|d| d.task_definition.clone())
                .unwrap_or_default(),
            launch_type: Some("FARGATE".into()),
            capacity_provider_strategy: Vec::new(),
            scheduling_strategy: Some("REPLICA".into()),
            platform_version: None,
            created_at: None,
            created_by: None,
            role_arn: None,
            deployment_config: DeploymentConfig {
                minimum_healthy_percent: Some(min),
                maximum_percent: Some(max),
                circuit_breaker_enabled: true,
                circuit_breaker_rollback: true,
                controller: Some("ECS".into()),
            },
            deployments,
            events,
            load_balancers: Vec::new(),
            placement_strategy: Vec::new(),
            placement_constraints: Vec::new(),
            network: None,
            health_check_grace_period: None,
            enable_execute_command: false,
        }
    }

    #[test]
    fn in_progress_counts_new_and_old_tasks() {
        let mut new = deployment("new", "PRIMARY", Some("IN_PROGRESS"), 2, 4);
        new.pending = 1;
        new.failed = 1;
        let old = deployment("old", "ACTIVE", Some("COMPLETED"), 3, 3);
        let svc = service(
            4,
            100,
            200,
            vec![new, old],
            vec![event(2, "b"), event(1, "a"), event(0, "before")],
        );
        let p = progress(&svc, "new", at(0, 30));
        assert_eq!(p.verdict, Verdict::InProgress);
        assert_eq!(
            (p.new_running, p.new_pending, p.new_failed, p.old_running),
            (2, 1, 1, 3)
        );
        assert_eq!((p.min_healthy_tasks, p.max_tasks), (4, 8));
        assert_eq!(
            p.task_definition,
            "arn:aws:ecs:eu-west-1:1:task-definition/web:3"
        );
        assert_eq!(p.rollout_state.as_deref(), Some("IN_PROGRESS"));
        let messages: Vec<&str> = p.events.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(messages, ["a", "b"], "events since the start, oldest first");
    }

    #[test]
    fn minimum_rounds_up_and_maximum_rounds_down() {
        let d = || vec![deployment("d", "PRIMARY", Some("IN_PROGRESS"), 0, 3)];
        let p = progress(&service(3, 50, 150, d(), Vec::new()), "d", at(0, 0));
        // 1.5 -> 2 healthy at least; 4.5 -> 4 at most.
        assert_eq!((p.min_healthy_tasks, p.max_tasks), (2, 4));
        let p = progress(&service(7, 33, 133, d(), Vec::new()), "d", at(0, 0));
        // 2.31 -> 3; 9.31 -> 9.
        assert_eq!((p.min_healthy_tasks, p.max_tasks), (3, 9));
        let p = progress(&service(0, 100, 200, d(), Vec::new()), "d", at(0, 0));
        assert_eq!((p.min_healthy_tasks, p.max_tasks), (0, 0));
        // Defaults when the service does not say: 100% and 200%.
        let mut svc = service(5, 0, 0, d(), Vec::new());
        svc.deployment_config.minimum_healthy_percent = None;
        svc.deployment_config.maximum_percent = None;
        let p = progress(&svc, "d", at(0, 0));
        assert_eq!((p.min_healthy_percent, p.max_percent), (100, 200));
        assert_eq!((p.min_healthy_tasks, p.max_tasks), (5, 10));
    }

    #[test]
    fn completed_by_rollout_state() {
        let svc = service(
            4,
            100,
            200,
            vec![deployment("d", "PRIMARY", Some("COMPLETED"), 4, 4)],
            Vec::new(),
        );
        assert_eq!(progress(&svc, "d", at(0, 0)).verdict, Verdict::Completed);
    }

    #[test]
    fn failed_by_rollout_state_with_its_reason() {
        let mut failed = deployment("bad", "ACTIVE", Some("FAILED"), 0, 0);
        failed.rollout_reason =
            Some("ECS deployment circuit breaker: tasks failed to start.".into());
        let rollback = deployment("back", "PRIMARY", Some("IN_PROGRESS"), 2, 4);
        let svc = service(4, 100, 200, vec![rollback, failed], Vec::new());
        let p = progress(&svc, "bad", at(0, 0));
        assert_eq!(
            p.verdict,
            Verdict::Failed {
                reason: "ECS deployment circuit breaker: tasks failed to start.".into()
            }
        );
        let back = p.successor.as_ref().expect("the rollback is the successor");
        assert_eq!(
            (back.id.as_str(), back.running, back.desired),
            ("back", 2, 4)
        );
        assert_eq!(p.old_running, 0, "the rollback's tasks are not old tasks");
    }

    #[test]
    fn stable_after_a_rollback_is_a_failure() {
        // What a services-stable waiter calls success: one deployment, running == desired.
        let back = deployment("back", "PRIMARY", Some("COMPLETED"), 4, 4);
        let events = vec![
            event(9, "(service web) has reached a steady state."),
            event(8, "(service web) (deployment back) deployment completed."),
            event(3, "(service web) rolling back to deployment old."),
            event(
                3,
                "(service web) (deployment bad) deployment failed: tasks failed to start.",
            ),
        ];
        let svc = service(4, 100, 200, vec![back], events);
        let p = progress(&svc, "bad", at(0, 0));
        let Verdict::Failed { reason } = &p.verdict else {
            panic!("{:?}", p.verdict);
        };
        assert!(reason.contains("tasks failed to start"), "{reason}");
        assert!(reason.contains("rolled back"), "{reason}");
        assert_eq!(
            (p.new_running, p.old_running, p.task_definition.as_str()),
            (0, 0, "")
        );
        assert_eq!(p.successor.as_ref().map(|s| s.running), Some(4));
        // The rollback deployment itself did complete.
        assert_eq!(progress(&svc, "back", at(0, 0)).verdict, Verdict::Completed);
    }

    #[test]
    fn a_rollback_is_counted_apart_from_the_old_tasks() {
        // After the breaker tripped: the rollback launches tasks while the tasks of the
        // deployment before the rollout still run. 8 "old" against desired 4 misleads.
        let mut failed = deployment("bad", "ACTIVE", Some("FAILED"), 0, 0);
        failed.rollout_reason =
            Some("ECS deployment circuit breaker: tasks failed to start.".into());
        let mut back = deployment("back", "PRIMARY", Some("IN_PROGRESS"), 4, 4);
        back.rollout_reason =
            Some("ECS deployment circuit breaker: rolling back to deploymentId before.".into());
        let before = deployment("before", "ACTIVE", Some("COMPLETED"), 4, 4);
        let svc = service(4, 100, 200, vec![back, failed, before], Vec::new());
        let p = progress(&svc, "bad", at(0, 0));
        let back = p.successor.as_ref().unwrap();
        assert!(back.rollback);
        assert_eq!((back.running, back.desired, p.old_running), (4, 4, 4));
        let line = p.counts_line();
        assert!(line.contains("rollback to web:4 4/4 running"), "{line}");
        assert!(line.ends_with("old 4 running"), "{line}");
    }

    #[test]
    fn all_new_tasks_running_is_not_yet_healthy() {
        let new = deployment("new", "PRIMARY", Some("IN_PROGRESS"), 4, 4);
        let old = deployment("old", "ACTIVE", Some("COMPLETED"), 4, 4);
        let svc = service(4, 100, 200, vec![new, old], Vec::new());
        let p = progress(&svc, "new", at(0, 0));
        assert!(p.waiting_for_health());
        assert!(
            p.counts_line().contains("not yet healthy"),
            "{}",
            p.counts_line()
        );
        let done = service(
            4,
            100,
            200,
            vec![deployment("new", "PRIMARY", Some("COMPLETED"), 4, 4)],
            Vec::new(),
        );
        let p = progress(&done, "new", at(0, 0));
        assert!(!p.waiting_for_health());
        assert!(!p.counts_line().contains("not yet"), "{}", p.counts_line());
    }

    #[test]
    fn causes_come_from_the_events_and_are_counted() {
        let unhealthy = |min, task: &str| {
            event(
                min,
                &format!(
                    "(service web) (task {task}) (port 8080) is unhealthy in (target-group \
                     arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/web/1) due to \
                     (reason Health checks failed)."
                ),
            )
        };
        let events = vec![
            event(
                5,
                "(service web) (deployment new) deployment failed: tasks failed to start.",
            ),
            unhealthy(4, "c"),
            event(3, "(service web) (task x) failed container health checks."),
            unhealthy(2, "b"),
            unhealthy(1, "a"),
            event(0, "(service web) has started 4 tasks: (task a) (task b)."),
        ];
        let svc = service(
            4,
            100,
            200,
            vec![deployment("new", "PRIMARY", Some("FAILED"), 0, 4)],
            events,
        );
        let p = progress(&svc, "new", at(0, 0));
        assert_eq!(
            p.causes,
            [
                (
                    "unhealthy in the load balancer's target group: Health checks failed".into(),
                    3
                ),
                ("failed container health checks".to_string(), 1),
            ]
        );
        assert_eq!(
            p.causes_words().as_deref(),
            Some(
                "3 tasks: unhealthy in the load balancer's target group: Health checks failed; \
                 1 task: failed container health checks"
            )
        );
    }

    #[test]
    fn a_deployment_replaced_before_it_completed_failed() {
        let newer = deployment("newer", "PRIMARY", Some("IN_PROGRESS"), 1, 4);
        let ours = deployment("ours", "ACTIVE", Some("IN_PROGRESS"), 3, 3);
        let svc = service(4, 100, 200, vec![newer.clone(), ours], Vec::new());
        let Verdict::Failed { reason } = progress(&svc, "ours", at(0, 0)).verdict else {
            panic!("an ACTIVE deployment cannot complete");
        };
        assert!(reason.contains("replaced by deployment newer"), "{reason}");
        let gone = service(4, 100, 200, vec![newer], Vec::new());
        let Verdict::Failed { reason } = progress(&gone, "ours", at(0, 0)).verdict else {
            panic!("a vanished deployment that never completed failed");
        };
        assert!(reason.contains("replaced or rolled back"), "{reason}");
    }

    #[test]
    fn a_deployment_that_completed_and_was_later_replaced_stays_completed() {
        let newer = deployment("newer", "PRIMARY", Some("IN_PROGRESS"), 1, 4);
        let events = vec![event(
            5,
            "(service web) (deployment ours) deployment completed.",
        )];
        let svc = service(4, 100, 200, vec![newer], events);
        assert_eq!(progress(&svc, "ours", at(0, 0)).verdict, Verdict::Completed);
    }

    #[test]
    fn without_rollout_state_completed_when_alone_primary_and_running_desired() {
        let alone = |running| {
            service(
                3,
                100,
                200,
                vec![deployment("d", "PRIMARY", None, running, 3)],
                Vec::new(),
            )
        };
        assert_eq!(
            progress(&alone(3), "d", at(0, 0)).verdict,
            Verdict::Completed
        );
        assert_eq!(
            progress(&alone(2), "d", at(0, 0)).verdict,
            Verdict::InProgress
        );
        let two = service(
            3,
            100,
            200,
            vec![
                deployment("d", "PRIMARY", None, 3, 3),
                deployment("o", "ACTIVE", None, 1, 1),
            ],
            Vec::new(),
        );
        assert_eq!(progress(&two, "d", at(0, 0)).verdict, Verdict::InProgress);
    }

    /// Answers with a scripted sequence of results, then the last one for ever.
    struct Scripted {
        answers: Mutex<Vec<BackendResult<Service>>>,
        calls: Mutex<u32>,
    }

    #[async_trait]
    impl Ops for Scripted {
        async fn service(&self, _: &str, _: &str) -> BackendResult<Service> {
            *self.calls.lock().unwrap() += 1;
            let mut answers = self.answers.lock().unwrap();
            if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0].clone()
            }
        }
        async fn scaling(&self, _: &str, _: &str) -> BackendResult<Scaling> {
            Ok(Scaling::default())
        }
        async fn families(&self) -> BackendResult<Vec<Family>> {
            Ok(Vec::new())
        }
        async fn task_definition_doc(&self, _: &str) -> BackendResult<TaskDefDoc> {
            Err(BackendError::new(
                ErrorKind::NotFound,
                "DescribeTaskDefinition",
                "no",
            ))
        }
        async fn execute_with(
            &self,
            _: &Mutation,
            _: crate::ops::guard::Pass,
        ) -> BackendResult<Outcome> {
            Ok(Outcome::Done)
        }
    }

    fn throttled() -> BackendResult<Service> {
        Err(BackendError::new(
            ErrorKind::Throttled,
            "DescribeServices",
            "Rate exceeded",
        ))
    }

    fn rolling(running: i32, state: &str) -> BackendResult<Service> {
        Ok(service(
            2,
            100,
            200,
            vec![deployment("d", "PRIMARY", Some(state), running, 2)],
            Vec::new(),
        ))
    }

    #[tokio::test(start_paused = true)]
    async fn follow_reports_changes_and_retries_throttling() {
        let ops = Scripted {
            answers: Mutex::new(vec![
                rolling(0, "IN_PROGRESS"),
                rolling(0, "IN_PROGRESS"),
                throttled(),
                throttled(),
                rolling(1, "IN_PROGRESS"),
                rolling(2, "COMPLETED"),
            ]),
            calls: Mutex::new(0),
        };
        let mut seen = Vec::new();
        let mut on_update = |p: &Progress| seen.push((p.new_running, p.verdict.clone()));
        let end = follow(
            &ops,
            "prod",
            "web",
            "d",
            at(0, 0),
            Duration::from_secs(2),
            &mut on_update,
            &mut |_| {},
        )
        .await
        .unwrap();
        assert_eq!(end.verdict, Verdict::Completed);
        // The repeated answer is not reported twice; the throttled polls not at all.
        assert_eq!(
            seen,
            [
                (0, Verdict::InProgress),
                (1, Verdict::InProgress),
                (2, Verdict::Completed)
            ]
        );
        assert_eq!(*ops.calls.lock().unwrap(), 6);
    }

    /// Minutes of 500s, throttling and timeouts do not end a follow (its caller bounds the
    /// time); the trouble is told once when it starts and once when it ends.
    #[tokio::test(start_paused = true)]
    async fn follow_outlasts_errors_without_a_clear_answer_and_ends_at_once_on_others() {
        let server = || {
            Err(
                BackendError::new(ErrorKind::Service, "DescribeServices", "InternalFailure")
                    .without_clear_answer(),
            )
        };
        let mut answers = vec![rolling(0, "IN_PROGRESS")];
        for i in 0..30 {
            answers.push(match i % 3 {
                0 => server(),
                1 => throttled(),
                _ => Err(BackendError::new(
                    ErrorKind::Timeout,
                    "DescribeServices",
                    "slow",
                )),
            });
        }
        answers.push(rolling(2, "COMPLETED"));
        let ops = Scripted {
            answers: Mutex::new(answers),
            calls: Mutex::new(0),
        };
        let mut trouble = Vec::new();
        let end = follow(
            &ops,
            "prod",
            "web",
            "d",
            at(0, 0),
            Duration::from_secs(1),
            &mut |_| {},
            &mut |e| trouble.push(e.map(|e| e.kind)),
        )
        .await
        .unwrap();
        assert_eq!(end.verdict, Verdict::Completed);
        assert_eq!(*ops.calls.lock().unwrap(), 32);
        assert_eq!(trouble, [Some(ErrorKind::Service), None]);

        let gone = Scripted {
            answers: Mutex::new(vec![Err(BackendError::new(
                ErrorKind::NotFound,
                "DescribeServices",
                "Service not found.",
            ))]),
            calls: Mutex::new(0),
        };
        let e = follow(
            &gone,
            "prod",
            "web",
            "d",
            at(0, 0),
            Duration::from_secs(1),
            &mut |_| {},
            &mut |_| {},
        )
        .await
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(*gone.calls.lock().unwrap(), 1);
    }

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        let poll = Duration::from_secs(2);
        assert_eq!(backoff(poll, 1), Duration::from_secs(4));
        assert_eq!(backoff(poll, 2), Duration::from_secs(8));
        assert_eq!(backoff(poll, 10), MAX_BACKOFF);
        assert_eq!(backoff(Duration::from_secs(60), 3), Duration::from_secs(60));
    }
}
