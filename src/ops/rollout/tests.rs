//! The rollout verdicts and the follower, on scripted services.

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
    failed.rollout_reason = Some("ECS deployment circuit breaker: tasks failed to start.".into());
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
    failed.rollout_reason = Some("ECS deployment circuit breaker: tasks failed to start.".into());
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
