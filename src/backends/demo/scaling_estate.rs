//! The estate's Application Auto Scaling as the simulation starts: scalable targets on a
//! few busy services (not all: many services have none), with target tracking, step
//! scaling and scheduled actions, and the activities their policies left behind in the
//! day before.

use chrono::{DateTime, Duration, Utc};
use fastrand::Rng;

use super::ids::{STREAM_SCALING, hex, rng_for, uuid};
use super::scaling::{AutoScaling, Scheduled, TargetState, activity, policy_arn, stamp};
use super::state::{Fleet, ServiceState};
use crate::ops::model::{
    PolicyKind, ScalableTarget, ScalingActivity, ScalingPolicy, ScheduledAction, Step, StepScaling,
    Suspended, TargetTracking, TrackedMetric,
};
use crate::ops::resource_id;

fn target_tracking(metric: TrackedMetric, target_value: f64, disable_scale_in: bool) -> PolicyKind {
    PolicyKind::TargetTracking(TargetTracking {
        metric,
        target_value,
        scale_in_cooldown: Some(300),
        scale_out_cooldown: Some(60),
        disable_scale_in,
    })
}

fn step_scaling(alarm: &str, steps: &[(Option<f64>, Option<f64>, i32)]) -> PolicyKind {
    PolicyKind::Step(StepScaling {
        adjustment_type: Some("ChangeInCapacity".into()),
        cooldown: Some(120),
        metric_aggregation: Some("Average".into()),
        steps: steps
            .iter()
            .map(|&(lower, upper, adjustment)| Step {
                lower,
                upper,
                adjustment,
            })
            .collect(),
        alarms: vec![alarm.into()],
    })
}

pub(super) fn cron_action(
    name: &str,
    schedule: &str,
    timezone: &str,
    min: i32,
    max: i32,
) -> ScheduledAction {
    ScheduledAction {
        name: name.into(),
        schedule: schedule.into(),
        timezone: Some(timezone.into()),
        min: Some(min),
        max: Some(max),
        start: None,
        end: None,
    }
}

/// The ALB request-count resource label of a service's target group.
fn alb_label(svc: &ServiceState, cluster: &str, rng: &mut Rng) -> Option<String> {
    let tg = svc.load_balancer.as_ref()?.target_group_arn.as_deref()?;
    let tg_part = tg.split_once(":targetgroup/")?.1;
    let lb = format!("{}-public", cluster.replace("prod-", "p-"));
    Some(format!("app/{lb}/{}/targetgroup/{tg_part}", hex(rng, 16)))
}

struct Plan {
    cluster: &'static str,
    service: &'static str,
    min: i32,
    max: i32,
    suspended: Suspended,
    policies: Vec<(&'static str, PolicyKind)>,
    scheduled: Vec<ScheduledAction>,
}

/// Scalable targets on a few busy services (not all: some have none, as many do).
fn plans(fleet: &Fleet, rng: &mut Rng) -> Vec<Plan> {
    let label = |cluster: &str, service: &str, rng: &mut Rng| {
        fleet
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .and_then(|c| c.service(service))
            .and_then(|s| alb_label(s, cluster, rng))
    };
    let cpu = |v| target_tracking(TrackedMetric::Cpu, v, false);
    let mut out = vec![
        Plan {
            cluster: "prod-core",
            service: "api-gateway",
            min: 4,
            max: 20,
            suspended: Suspended::default(),
            policies: vec![
                ("api-gateway-cpu-target-tracking", cpu(60.0)),
                (
                    "api-gateway-memory-target-tracking",
                    target_tracking(TrackedMetric::Memory, 75.0, true),
                ),
            ],
            scheduled: vec![
                cron_action(
                    "weekday-morning-floor",
                    "cron(0 7 ? * MON-FRI *)",
                    "Europe/Dublin",
                    6,
                    20,
                ),
                cron_action(
                    "weekday-evening-floor",
                    "cron(0 20 ? * MON-FRI *)",
                    "Europe/Dublin",
                    4,
                    20,
                ),
            ],
        },
        Plan {
            cluster: "prod-core",
            service: "payments",
            min: 4,
            max: 12,
            // Scale-in held off while an incident is looked into.
            suspended: Suspended {
                dynamic_in: true,
                ..Suspended::default()
            },
            policies: vec![("payments-cpu-target-tracking", cpu(50.0))],
            scheduled: Vec::new(),
        },
        Plan {
            cluster: "prod-core",
            service: "pdf-renderer",
            min: 2,
            max: 10,
            suspended: Suspended::default(),
            policies: vec![
                (
                    "pdf-renderer-queue-depth-scale-out",
                    step_scaling(
                        "pdf-renderer-queue-depth-high",
                        &[
                            (Some(0.0), Some(500.0), 1),
                            (Some(500.0), Some(2000.0), 2),
                            (Some(2000.0), None, 4),
                        ],
                    ),
                ),
                (
                    "pdf-renderer-queue-depth-scale-in",
                    step_scaling("pdf-renderer-queue-depth-low", &[(None, Some(0.0), -1)]),
                ),
            ],
            scheduled: Vec::new(),
        },
        Plan {
            cluster: "prod-platform",
            service: "graphql-bff",
            min: 3,
            max: 12,
            suspended: Suspended::default(),
            policies: vec![
                ("graphql-bff-cpu-target-tracking", cpu(60.0)),
                (
                    "graphql-bff-memory-target-tracking",
                    target_tracking(TrackedMetric::Memory, 70.0, false),
                ),
            ],
            scheduled: Vec::new(),
        },
        Plan {
            cluster: "data-pipeline",
            service: "event-ingest",
            min: 2,
            max: 24,
            suspended: Suspended::default(),
            policies: vec![("event-ingest-cpu-target-tracking", cpu(65.0))],
            scheduled: vec![
                cron_action(
                    "nightly-ceiling",
                    "cron(0 1 * * ? *)",
                    "America/New_York",
                    2,
                    12,
                ),
                cron_action(
                    "morning-ceiling",
                    "cron(0 6 * * ? *)",
                    "America/New_York",
                    2,
                    24,
                ),
                // A one-off pre-scale for a campaign two days after the demo's history starts.
                ScheduledAction {
                    name: "campaign-prescale".into(),
                    schedule: format!(
                        "at({}T06:00:00)",
                        (fleet.origin + Duration::days(2)).format("%Y-%m-%d")
                    ),
                    timezone: Some("Europe/Dublin".into()),
                    min: Some(8),
                    max: Some(24),
                    start: None,
                    end: None,
                },
            ],
        },
    ];
    for (cluster, service, min, max, requests) in [
        ("prod-core", "checkout", 6, 24, 1200.0),
        ("prod-platform", "web-frontend", 2, 16, 800.0),
    ] {
        let mut policies = vec![("cpu-target-tracking", cpu(70.0))];
        if let Some(resource_label) = label(cluster, service, rng) {
            policies.push((
                "alb-requests-per-target",
                target_tracking(
                    TrackedMetric::AlbRequests { resource_label },
                    requests,
                    false,
                ),
            ));
        }
        out.push(Plan {
            cluster,
            service,
            min,
            max,
            suspended: Suspended::default(),
            policies,
            scheduled: Vec::new(),
        });
    }
    out
}

/// The scale-out and scale-in a policy made in the day before the simulation starts,
/// ending at the service's current desired count. Newest first.
fn history(
    rid: &str,
    policy: &ScalingPolicy,
    desired: i32,
    max: i32,
    origin: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<ScalingActivity> {
    if desired + 1 > max {
        return Vec::new();
    }
    let (high, low) = match &policy.kind {
        PolicyKind::TargetTracking(_) => {
            let id = uuid(rng);
            (
                format!("TargetTracking-{rid}-AlarmHigh-{id}"),
                format!("TargetTracking-{rid}-AlarmLow-{}", uuid(rng)),
            )
        }
        PolicyKind::Step(s) => {
            let alarm = s.alarms.first().cloned().unwrap_or_default();
            (alarm.clone(), alarm.replace("-high", "-low"))
        }
    };
    let out_at = origin - Duration::minutes(i64::try_from(rng.u64(5 * 60..20 * 60)).unwrap_or(300));
    let in_at = out_at + Duration::minutes(i64::try_from(rng.u64(35..120)).unwrap_or(60));
    let change = |at: DateTime<Utc>, alarm: &str, from: i32, to: i32| {
        activity(
            at,
            format!("Setting desired count to {to}."),
            format!(
                "at {} monitor alarm {alarm} in state ALARM triggered policy {} changing the \
                 desired capacity from {from} to {to}.",
                stamp(at),
                policy.name
            ),
        )
    };
    vec![
        change(in_at, &low, desired + 1, desired),
        change(out_at, &high, desired, desired + 1),
    ]
}

/// The estate's auto scaling at step 0. Draws from its own stream, so the rest of the
/// estate is the same with or without it.
pub(super) fn initial(fleet: &Fleet) -> AutoScaling {
    let mut rng = rng_for(fleet.seed, STREAM_SCALING, 0);
    let mut out = AutoScaling::default();
    let created = fleet.origin - Duration::days(30);
    for plan in plans(fleet, &mut rng) {
        let Some(svc) = fleet
            .clusters
            .iter()
            .find(|c| c.name == plan.cluster)
            .and_then(|c| c.service(plan.service))
        else {
            continue;
        };
        let rid = resource_id(plan.cluster, plan.service);
        let policies: Vec<ScalingPolicy> = plan
            .policies
            .into_iter()
            .map(|(name, kind)| ScalingPolicy {
                arn: Some(policy_arn(&mut rng, &rid, name)),
                name: name.into(),
                kind,
            })
            .collect();
        let scheduled = plan
            .scheduled
            .into_iter()
            .filter_map(|a| Scheduled::new(a, created).ok())
            .collect();
        if let Some(first) = policies.first() {
            let log = history(&rid, first, svc.desired, plan.max, fleet.origin, &mut rng);
            out.activities.insert(rid.clone(), log);
        }
        out.targets.insert(
            rid,
            TargetState {
                cluster: plan.cluster.into(),
                service: plan.service.into(),
                target: ScalableTarget {
                    min: plan.min,
                    max: plan.max,
                    suspended: plan.suspended,
                },
                policies,
                scheduled,
                out_of_range_since: None,
            },
        );
    }
    out
}
