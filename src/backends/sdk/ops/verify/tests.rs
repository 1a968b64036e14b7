use super::*;
use crate::domain::model::Deployment;
use crate::ops::model::{
    ScalableTarget, ScalingPolicy, ScheduledAction, Suspended, TargetTracking, TrackedMetric,
};

fn service(desired: i32, task_definition: &str, primary: &str) -> Service {
    Service {
        arn: "arn:aws:ecs:us-east-1:1:service/prod/web".into(),
        name: "web".into(),
        cluster_arn: String::new(),
        status: "ACTIVE".into(),
        desired,
        running: desired,
        pending: 0,
        task_definition: format!("arn:aws:ecs:us-east-1:1:task-definition/{task_definition}"),
        launch_type: None,
        capacity_provider_strategy: Vec::new(),
        scheduling_strategy: None,
        platform_version: None,
        created_at: None,
        created_by: None,
        role_arn: None,
        deployment_config: Default::default(),
        deployments: vec![Deployment {
            id: primary.into(),
            status: "PRIMARY".into(),
            ..Default::default()
        }],
        events: Vec::new(),
        load_balancers: Vec::new(),
        placement_strategy: Vec::new(),
        placement_constraints: Vec::new(),
        network: None,
        health_check_grace_period: None,
        enable_execute_command: false,
    }
}

fn scale(from: i32, to: i32) -> Mutation {
    Mutation::Scale {
        cluster: "prod".into(),
        service: "web".into(),
        from,
        to,
    }
}

fn deploy(from: &str, to: &str, force: bool) -> Mutation {
    Mutation::Deploy {
        cluster: "prod".into(),
        service: "web".into(),
        from: format!("arn:aws:ecs:us-east-1:1:task-definition/{from}"),
        to: to.into(),
        force,
    }
}

fn lost() -> BackendError {
    BackendError::new(ErrorKind::Service, "UpdateService", "InternalFailure: boom")
        .without_clear_answer()
}

#[test]
fn a_scale_is_applied_not_applied_or_unknown_by_the_count_read_back() {
    let b = Before::default();
    assert!(matches!(
        judge_service(&scale(3, 4), &b, service(4, "web:1", "d1")),
        Verdict::Applied(Outcome::Service(_))
    ));
    assert_eq!(
        judge_service(&scale(3, 4), &b, service(3, "web:1", "d1")),
        Verdict::NotApplied("the desired count is still 3".into())
    );
    assert!(matches!(
        judge_service(&scale(3, 4), &b, service(7, "web:1", "d1")),
        Verdict::Unknown(why) if why.contains("now 7")
    ));
}

#[test]
fn a_deploy_goes_by_the_task_definition_or_by_a_new_deployment_when_forced() {
    let b = Before::default();
    let m = deploy(
        "web:1",
        "arn:aws:ecs:us-east-1:1:task-definition/web:2",
        false,
    );
    assert!(matches!(
        judge_service(&m, &b, service(2, "web:2", "d2")),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_service(&m, &b, service(2, "web:1", "d1")),
        Verdict::NotApplied(_)
    ));
    assert!(matches!(
        judge_service(&m, &b, service(2, "web:3", "d3")),
        Verdict::Unknown(_)
    ));

    let forced = deploy(
        "web:1",
        "arn:aws:ecs:us-east-1:1:task-definition/web:1",
        true,
    );
    let known = Before {
        deployments: Some(Ok(vec!["d1".into()])),
    };
    assert!(matches!(
        judge_service(&forced, &known, service(2, "web:1", "d9")),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_service(&forced, &known, service(2, "web:1", "d1")),
        Verdict::NotApplied(_)
    ));
    let unread = Before {
        deployments: Some(Err("boom".into())),
    };
    assert!(matches!(
        judge_service(&forced, &unread, service(2, "web:1", "d9")),
        Verdict::Unknown(_)
    ));
}

#[test]
fn conclusions_keep_the_lost_answer_and_say_what_is_true() {
    let m = scale(3, 4);
    let ok = conclude(&m, Verdict::Applied(Outcome::Done), lost()).unwrap();
    assert_eq!(ok.settled(), &Outcome::Done);
    assert_eq!(ok.verified_after(), Some("InternalFailure: boom"));
    let no = conclude(
        &m,
        Verdict::NotApplied("the desired count is still 3".into()),
        lost(),
    )
    .unwrap_err();
    assert_eq!(no.kind, ErrorKind::Service);
    assert!(
        no.message
            .contains("not applied (the desired count is still 3)"),
        "{}",
        no.message
    );
    let unknown = conclude(&m, Verdict::Unknown("could not read".into()), lost()).unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::Uncertain);
    assert!(unknown.message.contains("unknown"), "{}", unknown.message);
}

#[test]
fn stops_and_instances() {
    assert!(matches!(judge_stop(Some("STOPPED")), Verdict::Applied(_)));
    assert!(matches!(judge_stop(None), Verdict::Applied(_)));
    assert!(matches!(
        judge_stop(Some("RUNNING")),
        Verdict::NotApplied(_)
    ));
    assert!(matches!(
        judge_instance("ACTIVE", "DRAINING", Some("DRAINING")),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_instance("ACTIVE", "DRAINING", Some("ACTIVE")),
        Verdict::NotApplied(_)
    ));
    assert!(matches!(
        judge_instance("ACTIVE", "DRAINING", None),
        Verdict::Unknown(_)
    ));
}

#[test]
fn auto_scaling_changes_are_judged_by_what_is_there_now() {
    let target = |min, max| ScalableTarget {
        min,
        max,
        suspended: Suspended::default(),
    };
    let put = Mutation::PutScalableTarget {
        cluster: "prod".into(),
        service: "web".into(),
        before: Some(target(2, 4)),
        after: target(1, 8),
    };
    let now = |t: Option<ScalableTarget>| Scaling {
        target: t,
        ..Scaling::default()
    };
    assert!(matches!(
        judge_scaling(&put, &now(Some(target(1, 8)))),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_scaling(&put, &now(Some(target(2, 4)))),
        Verdict::NotApplied(_)
    ));
    assert!(matches!(
        judge_scaling(&put, &now(Some(target(3, 3)))),
        Verdict::Unknown(_)
    ));
    let delete = Mutation::DeleteScalableTarget {
        cluster: "prod".into(),
        service: "web".into(),
        before: target(2, 4),
    };
    assert!(matches!(
        judge_scaling(&delete, &now(None)),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_scaling(&delete, &now(Some(target(2, 4)))),
        Verdict::NotApplied(_)
    ));

    let tt = |v: f64| TargetTracking {
        metric: TrackedMetric::Cpu,
        target_value: v,
        scale_in_cooldown: None,
        scale_out_cooldown: None,
        disable_scale_in: false,
    };
    let policy = |v: f64| ScalingPolicy {
        name: "cpu".into(),
        arn: None,
        kind: PolicyKind::TargetTracking(tt(v)),
    };
    let put_policy = Mutation::PutTargetTracking {
        cluster: "prod".into(),
        service: "web".into(),
        name: "cpu".into(),
        before: Some(tt(70.0)),
        after: tt(50.0),
    };
    let with = |p: Vec<ScalingPolicy>| Scaling {
        policies: p,
        ..Scaling::default()
    };
    assert!(matches!(
        judge_scaling(&put_policy, &with(vec![policy(50.0)])),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_scaling(&put_policy, &with(vec![policy(70.0)])),
        Verdict::NotApplied(_)
    ));
    assert!(matches!(
        judge_scaling(&put_policy, &with(vec![])),
        Verdict::Unknown(_)
    ));

    let action = ScheduledAction {
        name: "night".into(),
        schedule: "cron(0 22 * * ? *)".into(),
        timezone: None,
        min: Some(1),
        max: Some(2),
        start: None,
        end: None,
    };
    let put_action = Mutation::PutScheduledAction {
        cluster: "prod".into(),
        service: "web".into(),
        before: None,
        after: action.clone(),
    };
    let scheduled = |a: Vec<ScheduledAction>| Scaling {
        scheduled: a,
        ..Scaling::default()
    };
    assert!(matches!(
        judge_scaling(&put_action, &scheduled(vec![action.clone()])),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_scaling(&put_action, &scheduled(vec![])),
        Verdict::NotApplied(_)
    ));
    let delete_action = Mutation::DeleteScheduledAction {
        cluster: "prod".into(),
        service: "web".into(),
        before: action.clone(),
    };
    assert!(matches!(
        judge_scaling(&delete_action, &scheduled(vec![])),
        Verdict::Applied(_)
    ));
    assert!(matches!(
        judge_scaling(&delete_action, &scheduled(vec![action])),
        Verdict::NotApplied(_)
    ));
}
