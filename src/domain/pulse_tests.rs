use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::app::tests::service;
use crate::domain::model::{Container, Deployment, ServiceEvent};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap()
}

fn container(name: &str, exit: Option<i32>, reason: Option<&str>) -> Container {
    Container {
        name: name.into(),
        image: None,
        last_status: Some("STOPPED".into()),
        health: None,
        exit_code: exit,
        reason: reason.map(Into::into),
        runtime_id: None,
        exec_agent: None,
    }
}

fn stopped(minutes_ago: i64, code: &str, reason: &str, containers: Vec<Container>) -> Task {
    Task {
        arn: format!("arn:aws:ecs:eu-west-1:1:task/prod/{minutes_ago}"),
        last_status: "STOPPED".into(),
        stop_code: Some(code.into()),
        stopped_reason: Some(reason.into()),
        stopped_at: Some(now() - Duration::minutes(minutes_ago)),
        containers,
        ..Task::default()
    }
}

fn oom(minutes_ago: i64) -> Task {
    stopped(
        minutes_ago,
        "EssentialContainerExited",
        "Essential container in task exited",
        vec![container(
            "web",
            Some(137),
            Some("OutOfMemoryError: Container killed due to memory usage"),
        )],
    )
}

fn scaled_in(minutes_ago: i64) -> Task {
    stopped(
        minutes_ago,
        "ServiceSchedulerInitiated",
        "Scaling activity initiated by (deployment ecs-svc/123)",
        vec![container("web", Some(0), None)],
    )
}

#[test]
fn causes_are_named_in_a_few_words() {
    let exited = stopped(
        1,
        "EssentialContainerExited",
        "Essential container in task exited",
        vec![
            container("sidecar", Some(0), None),
            container("web", Some(1), None),
        ],
    );
    let cases = [
        (oom(1), "OutOfMemoryError (container web)", true),
        (exited, "essential container web exited with 1", true),
        (
            stopped(
                1,
                "TaskFailedToStart",
                "CannotPullContainerError: pull access denied",
                vec![],
            ),
            "CannotPullContainerError",
            true,
        ),
        (
            stopped(
                1,
                "TaskFailedToStart",
                "ResourceInitializationError: unable to pull secrets",
                vec![],
            ),
            "ResourceInitializationError",
            true,
        ),
        (
            stopped(
                1,
                "ServiceSchedulerInitiated",
                "Task failed ELB health checks in (target-group x)",
                vec![],
            ),
            "failed ELB health checks",
            true,
        ),
        (
            stopped(
                1,
                "ServiceSchedulerInitiated",
                "Task failed container health checks",
                vec![],
            ),
            "failed container health checks",
            true,
        ),
        (scaled_in(1), "replaced or scaled in by the service", false),
        (
            stopped(1, "UserInitiated", "Task stopped by user", vec![]),
            "stopped by a user",
            false,
        ),
    ];
    for (task, text, failure) in cases {
        assert_eq!(cause_of(&task), (text.to_string(), failure), "{task:?}");
    }
}

#[test]
fn causes_group_failures_first_with_counts_and_the_last_time() {
    let tasks = [scaled_in(2), scaled_in(3), scaled_in(4), oom(10), oom(5)];
    let found = causes(tasks.iter());
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].text, "OutOfMemoryError (container web)");
    assert_eq!(found[0].count, 2);
    assert_eq!(found[0].last, Some(now() - Duration::minutes(5)));
    assert!(found[0].failure);
    assert_eq!(found[1].count, 3);
    assert!(!found[1].failure);
}

fn running(desired: i32, running: i32) -> Service {
    let mut s = service("prod", "api");
    s.desired = desired;
    s.running = running;
    s.deployments = vec![Deployment {
        id: "ecs-svc/1".into(),
        status: "PRIMARY".into(),
        task_definition: s.task_definition.clone(),
        desired,
        running,
        pending: 0,
        failed: 0,
        rollout_state: Some("COMPLETED".into()),
        rollout_reason: None,
        launch_type: None,
        created_at: Some(now() - Duration::hours(5)),
        updated_at: Some(now() - Duration::hours(5)),
    }];
    s
}

fn steady_at(s: &mut Service, minutes_ago: i64) {
    s.events.push(ServiceEvent {
        id: "e1".into(),
        created_at: Some(now() - Duration::minutes(minutes_ago)),
        message: "(service api) has reached a steady state.".into(),
    });
}

#[test]
fn a_healthy_service_needs_nothing() {
    let s = running(3, 3);
    let stopped = [scaled_in(2)];
    let refs: Vec<&Task> = stopped.iter().collect();
    assert!(assess(&s, &refs, None, now(), &Thresholds::default()).is_empty());
}

#[test]
fn short_of_tasks_counts_from_the_last_steady_state() {
    let th = Thresholds::default();
    let mut s = running(4, 2);
    steady_at(&mut s, 2);
    assert!(
        assess(&s, &[], None, now(), &th).is_empty(),
        "within the grace"
    );
    let mut s = running(4, 2);
    steady_at(&mut s, 12);
    let found = assess(&s, &[], None, now(), &th);
    assert_eq!(found[0].reason, "2 of 4 running for 12 min");
    let s = running(4, 0);
    assert_eq!(
        assess(&s, &[], None, now(), &th)[0].reason,
        "none of 4 running"
    );
}

#[test]
fn failed_and_stuck_rollouts_and_dying_tasks_are_ranked() {
    let th = Thresholds::default();
    let mut s = running(2, 2);
    s.deployments[0].rollout_state = Some("FAILED".into());
    let dying = [oom(3), oom(8), oom(20), oom(90)];
    let refs: Vec<&Task> = dying.iter().collect();
    let found = assess(&s, &refs, None, now(), &th);
    let reasons: Vec<&str> = found.iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "rollout failed",
            // The one of 90 minutes ago is outside the hour.
            "3 tasks died in 1 h: 3× OutOfMemoryError (container web)"
        ]
    );
    let mut s = running(2, 2);
    s.deployments[0].rollout_state = Some("IN_PROGRESS".into());
    s.deployments[0].created_at = Some(now() - Duration::minutes(45));
    assert_eq!(
        assess(&s, &[], None, now(), &th)[0].reason,
        "rollout in progress for 45 min"
    );
    // Two deaths are not yet "repeatedly".
    let refs: Vec<&Task> = dying[..2].iter().collect();
    assert!(assess(&running(2, 2), &refs, None, now(), &th).is_empty());
}

#[test]
fn durations_read_short() {
    assert_eq!(ago(Duration::seconds(40)), "40 s");
    assert_eq!(ago(Duration::minutes(12)), "12 min");
    assert_eq!(ago(Duration::minutes(185)), "3 h 5 min");
    assert_eq!(ago(Duration::seconds(-5)), "0 s");
}

#[test]
fn a_rollout_rolled_back_by_the_circuit_breaker_is_a_failure_until_it_ends() {
    let th = Thresholds::default();
    let mut s = running(2, 2);
    let mut failed = s.deployments[0].clone();
    failed.id = "ecs-svc/2".into();
    failed.status = "ACTIVE".into();
    failed.rollout_state = Some("FAILED".into());
    s.deployments[0].rollout_state = Some("IN_PROGRESS".into());
    s.deployments.push(failed);
    assert_eq!(
        assess(&s, &[], None, now(), &th)[0].reason,
        "rollout failed, rolling back"
    );
    // Tasks still stopping count with their cause.
    let mut stopping = oom(2);
    stopping.last_status = "DEPROVISIONING".into();
    assert_eq!(causes([&stopping]).len(), 1);
}

#[test]
fn unhealthy_targets_are_named_with_their_count() {
    let th = Thresholds::default();
    let s = running(3, 3);
    assert!(assess(&s, &[], Some((3, 3)), now(), &th).is_empty());
    let found = assess(&s, &[], Some((1, 3)), now(), &th);
    assert_eq!(found[0].reason, "targets 1/3 healthy");
    // Below a failed rollout, above a shortfall.
    let mut s = running(3, 1);
    s.deployments[0].rollout_state = Some("FAILED".into());
    let reasons: Vec<String> = assess(&s, &[], Some((1, 3)), now(), &th)
        .into_iter()
        .map(|f| f.reason)
        .collect();
    assert_eq!(reasons[0], "rollout failed");
    assert_eq!(reasons[1], "targets 1/3 healthy");
    assert!(reasons[2].starts_with("1 of 3 running"), "{reasons:?}");
}

#[test]
fn unused_draining_and_registering_targets_do_not_count() {
    use crate::domain::model::{TargetHealth, healthy_of};
    let t = |state: &str| TargetHealth {
        target: "10.0.0.1".into(),
        port: Some(8080),
        state: state.into(),
        reason: None,
        description: None,
    };
    let group = [
        t("healthy"),
        t("healthy"),
        t("draining"),
        t("initial"),
        t("unused"),
    ];
    assert_eq!(healthy_of([&group[..]]), (2, 2));
    let sick = [t("healthy"), t("unhealthy"), t("unavailable")];
    assert_eq!(healthy_of([&group[..], &sick[..]]), (3, 5));
}
