//! The demo's auto scaling: the estate's targets, range corrections, scheduled actions in
//! their time zones, and the mutations.

use chrono::{Duration, TimeZone};

use super::super::fleet;
use super::super::scaling_estate::cron_action;
use super::*;
use crate::ops::model::Suspended;

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

fn opened() -> Fleet {
    let mut f = fleet::build(3, opens_at());
    f.advance_to(opens_at());
    f
}

fn desired(f: &Fleet, cluster: &str, service: &str) -> i32 {
    f.clusters
        .iter()
        .find(|c| c.name == cluster)
        .and_then(|c| c.service(service))
        .unwrap()
        .desired
}

#[test]
fn the_estate_has_targets_policies_and_schedules_and_some_services_have_none() {
    let f = opened();
    let view = f.scaling_view("prod-core", "api-gateway").unwrap();
    let target = view.target.unwrap();
    assert!((target.min..=target.max).contains(&desired(&f, "prod-core", "api-gateway")));
    assert_eq!(view.policies.len(), 2);
    assert!(
        view.scheduled
            .iter()
            .any(|a| a.schedule.starts_with("cron(") && a.timezone.is_some())
    );
    let activities = view.activities.unwrap();
    assert_eq!(activities.len(), 2);
    assert!(activities[0].at > activities[1].at, "newest first");
    assert!(activities[0].cause.contains("AlarmLow"));

    let checkout = f.scaling_view("prod-core", "checkout").unwrap();
    let alb = checkout.policies.iter().find_map(|p| match &p.kind {
        PolicyKind::TargetTracking(TargetTracking {
            metric: TrackedMetric::AlbRequests { resource_label },
            ..
        }) => Some(resource_label.clone()),
        _ => None,
    });
    assert!(alb.unwrap().contains("/targetgroup/p-core-checkout/"));
    let pdf = f.scaling_view("prod-core", "pdf-renderer").unwrap();
    assert!(pdf.policies.iter().any(
        |p| matches!(&p.kind, PolicyKind::Step(s) if s.steps.len() == 3 && !s.alarms.is_empty())
    ));
    assert!(
        f.scaling_view("prod-core", "payments")
            .unwrap()
            .target
            .unwrap()
            .suspended
            .dynamic_in
    );
    let ingest = f.scaling_view("data-pipeline", "event-ingest").unwrap();
    assert!(
        ingest
            .scheduled
            .iter()
            .any(|a| a.schedule.starts_with("at("))
    );

    let none = f.scaling_view("staging", "auth").unwrap();
    assert_eq!(none.target, None);
    assert!(none.policies.is_empty());
    assert_eq!(
        f.scaling_view("staging", "nope").unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[test]
fn a_desired_count_outside_the_range_is_moved_back_after_a_while() {
    let mut f = opened();
    f.set_desired("prod-core", "api-gateway", 30).unwrap();
    f.advance_to(opens_at() + Duration::seconds(20));
    assert_eq!(desired(&f, "prod-core", "api-gateway"), 30);
    f.advance_to(opens_at() + Duration::seconds(60));
    assert_eq!(desired(&f, "prod-core", "api-gateway"), 20);
    let view = f.scaling_view("prod-core", "api-gateway").unwrap();
    let newest = &view.activities.unwrap()[0];
    assert_eq!(newest.description, "Setting desired count to 20.");
    assert!(newest.cause.contains("above the maximum capacity of 20"));

    // Raising the minimum pulls the desired count up.
    let t = ScalableTarget {
        min: 8,
        max: 20,
        suspended: Suspended::default(),
    };
    f.put_scalable_target("prod-core", "api-gateway", &t)
        .unwrap();
    f.set_desired("prod-core", "api-gateway", 6).unwrap();
    f.advance_to(opens_at() + Duration::minutes(3));
    assert_eq!(desired(&f, "prod-core", "api-gateway"), 8);
}

#[test]
fn no_scale_in_while_a_rollout_is_under_way() {
    let mut f = opened();
    f.roll_out_next_revision("prod-platform", "graphql-bff")
        .unwrap();
    f.set_desired("prod-platform", "graphql-bff", 13).unwrap();
    f.advance_to(opens_at() + Duration::seconds(60));
    assert_eq!(desired(&f, "prod-platform", "graphql-bff"), 13);
    f.advance_to(opens_at() + Duration::minutes(10));
    assert_eq!(desired(&f, "prod-platform", "graphql-bff"), 12);
}

#[test]
fn scheduled_actions_run_in_their_time_zone() {
    // Friday 2025-03-14 09:30 UTC; 20:00 in Dublin (GMT in March) is 20:00 UTC.
    let mut f = opened();
    f.advance_to(Utc.with_ymd_and_hms(2025, 3, 14, 19, 59, 0).unwrap());
    let before = f.scaling_view("prod-core", "api-gateway").unwrap();
    f.advance_to(Utc.with_ymd_and_hms(2025, 3, 14, 20, 0, 30).unwrap());
    let after = f.scaling_view("prod-core", "api-gateway").unwrap();
    assert_eq!(before.target.unwrap().min, 4);
    let newest = &after.activities.as_ref().unwrap()[0];
    assert_eq!(
        newest.cause,
        "scheduled action name weekday-evening-floor was triggered"
    );
    assert_eq!(
        newest.description,
        "Setting min capacity to 4 and max capacity to 20"
    );

    // The one-off pre-scale raises event-ingest's floor, and its desired count follows.
    let at = Utc.with_ymd_and_hms(2025, 3, 16, 6, 1, 0).unwrap();
    f.advance_to(at);
    assert_eq!(desired(&f, "data-pipeline", "event-ingest"), 8);
    let ingest = f.scaling_view("data-pipeline", "event-ingest").unwrap();
    let log = ingest.activities.unwrap();
    assert_eq!(log[0].description, "Setting desired count to 8.");
    assert!(log[1].cause.contains("campaign-prescale"));
}

#[test]
fn suspended_scheduled_scaling_runs_nothing() {
    let mut f = opened();
    let t = ScalableTarget {
        min: 2,
        max: 24,
        suspended: Suspended {
            scheduled: true,
            ..Suspended::default()
        },
    };
    f.put_scalable_target("data-pipeline", "event-ingest", &t)
        .unwrap();
    f.advance_to(Utc.with_ymd_and_hms(2025, 3, 16, 6, 1, 0).unwrap());
    assert_eq!(desired(&f, "data-pipeline", "event-ingest"), 4);
}

#[test]
fn mutations_change_the_state_and_refuse_what_aws_refuses() {
    let mut f = opened();
    let kind = |r: BackendResult<()>| r.unwrap_err().kind;
    let t = ScalableTarget {
        min: 1,
        max: 4,
        suspended: Suspended::default(),
    };
    // A service without a target: policies and schedules need one first.
    let tt = TargetTracking {
        metric: TrackedMetric::Cpu,
        target_value: 55.0,
        scale_in_cooldown: Some(120),
        scale_out_cooldown: None,
        disable_scale_in: false,
    };
    assert_eq!(
        kind(f.put_target_tracking("staging", "auth", "cpu", &tt)),
        ErrorKind::NotFound
    );
    f.put_scalable_target("staging", "auth", &t).unwrap();
    f.put_target_tracking("staging", "auth", "cpu", &tt)
        .unwrap();
    let mut changed = tt.clone();
    changed.target_value = 40.0;
    f.put_target_tracking("staging", "auth", "cpu", &changed)
        .unwrap();
    let view = f.scaling_view("staging", "auth").unwrap();
    assert_eq!(view.policies.len(), 1);
    assert_eq!(view.policies[0].kind, PolicyKind::TargetTracking(changed));
    assert!(
        view.policies[0]
            .arn
            .as_deref()
            .unwrap()
            .ends_with(":resource/ecs/service/staging/auth:policyName/cpu")
    );

    let action = cron_action("night", "cron(0 22 * * ? *)", "Europe/Paris", 0, 2);
    f.put_scheduled_action("staging", "auth", &action).unwrap();
    let bad = ScheduledAction {
        schedule: "cron(0 22 * * * *)".into(),
        ..action.clone()
    };
    assert_eq!(
        kind(f.put_scheduled_action("staging", "auth", &bad)),
        ErrorKind::InvalidRequest
    );
    let bad_zone = ScheduledAction {
        timezone: Some("Europe/Atlantis".into()),
        ..action.clone()
    };
    assert_eq!(
        kind(f.put_scheduled_action("staging", "auth", &bad_zone)),
        ErrorKind::InvalidRequest
    );
    let no_capacity = ScheduledAction {
        min: None,
        max: None,
        ..action.clone()
    };
    assert_eq!(
        kind(f.put_scheduled_action("staging", "auth", &no_capacity)),
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        f.scaling_view("staging", "auth").unwrap().scheduled,
        vec![action]
    );

    let alb = TargetTracking {
        metric: TrackedMetric::AlbRequests {
            resource_label: "targetgroup/x".into(),
        },
        ..tt.clone()
    };
    assert_eq!(
        kind(f.put_target_tracking("staging", "auth", "alb", &alb)),
        ErrorKind::InvalidRequest
    );
    let custom = TargetTracking {
        metric: TrackedMetric::Custom("QueueDepth".into()),
        ..tt.clone()
    };
    assert_eq!(
        kind(f.put_target_tracking("staging", "auth", "q", &custom)),
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        kind(f.put_target_tracking(
            "prod-core",
            "pdf-renderer",
            "pdf-renderer-queue-depth-scale-in",
            &tt
        )),
        ErrorKind::InvalidRequest
    );
    let inverted = ScalableTarget {
        min: 5,
        max: 2,
        ..t
    };
    assert_eq!(
        kind(f.put_scalable_target("staging", "auth", &inverted)),
        ErrorKind::InvalidRequest
    );
    assert_eq!(
        kind(f.put_scalable_target("staging", "nope", &t)),
        ErrorKind::NotFound
    );

    f.delete_policy("staging", "auth", "cpu").unwrap();
    assert_eq!(
        kind(f.delete_policy("staging", "auth", "cpu")),
        ErrorKind::NotFound
    );
    f.delete_scheduled_action("staging", "auth", "night")
        .unwrap();
    assert_eq!(
        kind(f.delete_scheduled_action("staging", "auth", "night")),
        ErrorKind::NotFound
    );
    f.delete_scalable_target("staging", "auth").unwrap();
    assert_eq!(
        kind(f.delete_scalable_target("staging", "auth")),
        ErrorKind::NotFound
    );
    assert_eq!(f.scaling_view("staging", "auth").unwrap().target, None);

    // Deregistering takes the policies and scheduled actions along.
    f.delete_scalable_target("prod-core", "api-gateway")
        .unwrap();
    f.put_scalable_target("prod-core", "api-gateway", &t)
        .unwrap();
    let view = f.scaling_view("prod-core", "api-gateway").unwrap();
    assert!(view.policies.is_empty() && view.scheduled.is_empty());
    assert!(!view.activities.unwrap().is_empty(), "history stays");
}
