//! Application Auto Scaling in the demo: scalable targets with their policies and scheduled
//! actions, as RegisterScalableTarget, PutScalingPolicy and PutScheduledAction leave them.
//! The simulation runs the scheduled actions and, as AWS does, moves a desired count set
//! outside [min, max] back inside a little later (never scaling in during a rollout);
//! each of those is written down as a scaling activity. The estate starts with a few
//! targets and the activities their policies left behind in the day before.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use chrono_tz::Tz;
use fastrand::Rng;

use super::ids::{ACCOUNT, REGION, STREAM_OPS, STREAM_SCALING, hex, rng_for, salt, uuid};
use super::schedule::{self, Schedule};
use super::state::{ClusterState, Fleet, ServiceState};
use crate::aws::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{
    PolicyKind, ScalableTarget, Scaling, ScalingActivity, ScalingPolicy, ScheduledAction, Step,
    StepScaling, Suspended, TargetTracking, TrackedMetric,
};
use crate::ops::resource_id;

/// How long a desired count may sit outside [min, max] before auto scaling moves it.
pub(super) const RANGE_DELAY_SECS: u64 = 40;
const MAX_ACTIVITIES: usize = 50;
const MAX_NAME: usize = 256;

#[derive(Debug, Clone, Default)]
pub(super) struct AutoScaling {
    /// By resource id (`service/<cluster>/<service>`).
    pub targets: BTreeMap<String, TargetState>,
    /// By resource id, newest first; kept when a target is deregistered, as AWS keeps
    /// the history.
    pub activities: BTreeMap<String, Vec<ScalingActivity>>,
}

#[derive(Debug, Clone)]
pub(super) struct TargetState {
    pub cluster: String,
    pub service: String,
    pub target: ScalableTarget,
    pub policies: Vec<ScalingPolicy>,
    pub scheduled: Vec<Scheduled>,
    /// Step at which the desired count was first seen outside [min, max].
    pub out_of_range_since: Option<u64>,
}

#[derive(Debug, Clone)]
pub(super) struct Scheduled {
    pub action: ScheduledAction,
    pub schedule: Schedule,
    pub tz: Tz,
    /// When it was created: where a `rate(...)` without a start time counts from.
    pub created: DateTime<Utc>,
}

impl Scheduled {
    fn new(action: ScheduledAction, created: DateTime<Utc>) -> Result<Scheduled, String> {
        let schedule = schedule::parse(&action.schedule, action.timezone.as_deref())?;
        let tz = schedule::zone(action.timezone.as_deref())?;
        Ok(Scheduled {
            action,
            schedule,
            tz,
            created,
        })
    }

    fn fires(&self, prev: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let a = &self.action;
        a.start.is_none_or(|s| s <= now)
            && a.end.is_none_or(|e| now <= e)
            && self
                .schedule
                .fires(self.tz, a.start.unwrap_or(self.created), prev, now)
    }
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn activity(at: DateTime<Utc>, description: String, cause: String) -> ScalingActivity {
    ScalingActivity {
        at: Some(at),
        status: "Successful".into(),
        description,
        cause,
    }
}

fn record(log: &mut Vec<ScalingActivity>, a: ScalingActivity) {
    log.insert(0, a);
    log.truncate(MAX_ACTIVITIES);
}

fn policy_arn(rng: &mut Rng, rid: &str, name: &str) -> String {
    format!(
        "arn:aws:autoscaling:{REGION}:{ACCOUNT}:scalingPolicy:{}:resource/ecs/{rid}:policyName/{name}",
        uuid(rng)
    )
}

fn no_target(operation: &str, rid: &str) -> BackendError {
    BackendError::new(
        ErrorKind::NotFound,
        operation,
        format!(
            "No scalable target registered for service namespace: ecs, resource ID: {rid}, \
             scalable dimension: ecs:service:DesiredCount"
        ),
    )
}

fn invalid(operation: &str, message: impl Into<String>) -> BackendError {
    BackendError::new(ErrorKind::InvalidRequest, operation, message)
}

fn find_service<'a>(
    clusters: &'a mut [ClusterState],
    cluster: &str,
    service: &str,
) -> Option<&'a mut ServiceState> {
    clusters
        .iter_mut()
        .find(|c| c.name == cluster)
        .and_then(|c| c.services.iter_mut().find(|s| s.name == service))
}

fn check_name(operation: &str, what: &str, name: &str) -> BackendResult<()> {
    let bad = name.is_empty()
        || name.len() > MAX_NAME
        || name
            .chars()
            .any(|c| c.is_control() || matches!(c, ':' | '/' | '|'));
    if bad {
        return Err(invalid(
            operation,
            format!("{what} must be 1 to {MAX_NAME} printable characters other than : / |."),
        ));
    }
    Ok(())
}

impl Fleet {
    /// One step of auto scaling: scheduled actions that are due, then desired counts
    /// outside their range.
    pub(super) fn auto_scale(&mut self, s: u64) {
        if self.autoscaling.targets.is_empty() {
            return;
        }
        let now = self.time(s);
        let prev = self.time(s.saturating_sub(1));
        let Fleet {
            clusters,
            autoscaling,
            ..
        } = self;
        let AutoScaling {
            targets,
            activities,
        } = autoscaling;
        for (rid, t) in targets.iter_mut() {
            let mut log = |a| record(activities.entry(rid.clone()).or_default(), a);
            if !t.target.suspended.scheduled {
                for a in t.scheduled.iter().filter(|a| a.fires(prev, now)) {
                    let (min, max) = (a.action.min, a.action.max);
                    t.target.min = min.unwrap_or(t.target.min);
                    t.target.max = max.unwrap_or(t.target.max);
                    let description = match (min, max) {
                        (Some(lo), Some(hi)) => {
                            format!("Setting min capacity to {lo} and max capacity to {hi}")
                        }
                        (Some(lo), None) => format!("Setting min capacity to {lo}"),
                        (None, Some(hi)) => format!("Setting max capacity to {hi}"),
                        (None, None) => continue,
                    };
                    let cause = format!("scheduled action name {} was triggered", a.action.name);
                    log(activity(now, description, cause));
                }
            }
            let Some(svc) = find_service(clusters, &t.cluster, &t.service) else {
                continue;
            };
            let (min, max, desired) = (t.target.min, t.target.max, svc.desired);
            if (min..=max).contains(&desired) {
                t.out_of_range_since = None;
                continue;
            }
            let since = *t.out_of_range_since.get_or_insert(s);
            let to = desired.clamp(min, max);
            // Application Auto Scaling does not scale in while a deployment is under way.
            if s - since < RANGE_DELAY_SECS || (to < desired && svc.rolling()) {
                continue;
            }
            svc.desired = to;
            t.out_of_range_since = None;
            let (side, bound) = if to < desired {
                ("above the maximum", max)
            } else {
                ("below the minimum", min)
            };
            log(activity(
                now,
                format!("Setting desired count to {to}."),
                format!(
                    "at {} the desired count of {desired} was {side} capacity of {bound}, \
                     changing the desired capacity from {desired} to {to}.",
                    stamp(now)
                ),
            ));
        }
    }

    /// What DescribeScalableTargets, DescribeScalingPolicies, DescribeScheduledActions and
    /// DescribeScalingActivities say about one service.
    pub(super) fn scaling_view(&self, cluster: &str, service: &str) -> BackendResult<Scaling> {
        let exists = self
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .is_some_and(|c| c.service(service).is_some());
        if !exists {
            return Err(BackendError::new(
                ErrorKind::NotFound,
                "DescribeScalableTargets",
                "Service not found.",
            ));
        }
        let rid = resource_id(cluster, service);
        let activities = Ok(self
            .autoscaling
            .activities
            .get(&rid)
            .cloned()
            .unwrap_or_default());
        Ok(match self.autoscaling.targets.get(&rid) {
            Some(t) => Scaling {
                target: Some(t.target),
                policies: t.policies.clone(),
                scheduled: t.scheduled.iter().map(|a| a.action.clone()).collect(),
                activities,
            },
            None => Scaling {
                activities,
                ..Scaling::default()
            },
        })
    }

    fn ops_rng(&self, rid: &str, name: &str) -> Rng {
        rng_for(
            self.seed,
            STREAM_OPS,
            self.step ^ salt(rid) ^ salt(name).rotate_left(23),
        )
    }

    fn target_mut(
        &mut self,
        operation: &str,
        cluster: &str,
        service: &str,
    ) -> BackendResult<&mut TargetState> {
        let rid = resource_id(cluster, service);
        self.autoscaling
            .targets
            .get_mut(&rid)
            .ok_or_else(|| no_target(operation, &rid))
    }

    /// RegisterScalableTarget: creates the target or changes its min, max and suspension.
    pub(super) fn put_scalable_target(
        &mut self,
        cluster: &str,
        service: &str,
        target: &ScalableTarget,
    ) -> BackendResult<()> {
        let operation = "RegisterScalableTarget";
        let rid = resource_id(cluster, service);
        if find_service(&mut self.clusters, cluster, service).is_none() {
            return Err(BackendError::new(
                ErrorKind::NotFound,
                operation,
                format!("ECS service doesn't exist: {rid}"),
            ));
        }
        if target.min < 0 {
            return Err(invalid(
                operation,
                "Minimum capacity cannot be less than 0.",
            ));
        }
        if target.max < target.min {
            return Err(invalid(
                operation,
                format!(
                    "Maximum capacity ({}) cannot be less than minimum capacity ({}).",
                    target.max, target.min
                ),
            ));
        }
        match self.autoscaling.targets.get_mut(&rid) {
            Some(t) => t.target = *target,
            None => {
                self.autoscaling.targets.insert(
                    rid,
                    TargetState {
                        cluster: cluster.into(),
                        service: service.into(),
                        target: *target,
                        policies: Vec::new(),
                        scheduled: Vec::new(),
                        out_of_range_since: None,
                    },
                );
            }
        }
        Ok(())
    }

    /// DeregisterScalableTarget: the target goes, and its policies and scheduled actions
    /// with it.
    pub(super) fn delete_scalable_target(
        &mut self,
        cluster: &str,
        service: &str,
    ) -> BackendResult<()> {
        let rid = resource_id(cluster, service);
        self.autoscaling
            .targets
            .remove(&rid)
            .map(|_| ())
            .ok_or_else(|| no_target("DeregisterScalableTarget", &rid))
    }

    /// PutScalingPolicy with a target tracking configuration (creates or replaces).
    pub(super) fn put_target_tracking(
        &mut self,
        cluster: &str,
        service: &str,
        name: &str,
        tt: &TargetTracking,
    ) -> BackendResult<()> {
        let operation = "PutScalingPolicy";
        check_name(operation, "Policy name", name)?;
        if !(tt.target_value.is_finite() && tt.target_value > 0.0) {
            return Err(invalid(operation, "TargetValue must be a positive number."));
        }
        if tt.scale_in_cooldown.is_some_and(|c| c < 0)
            || tt.scale_out_cooldown.is_some_and(|c| c < 0)
        {
            return Err(invalid(operation, "Cooldowns must be 0 seconds or more."));
        }
        match &tt.metric {
            TrackedMetric::AlbRequests { resource_label } => {
                let parts: Vec<&str> = resource_label.split('/').collect();
                let shaped = parts.len() == 7
                    && parts[0] == "app"
                    && parts[3] == "targetgroup"
                    && parts.iter().all(|p| !p.is_empty());
                if !shaped {
                    return Err(invalid(
                        operation,
                        "ALBRequestCountPerTarget needs a ResourceLabel of the form \
                         app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.",
                    ));
                }
            }
            TrackedMetric::Custom(metric) => {
                return Err(invalid(
                    operation,
                    format!(
                        "Policy {name} tracks the customized metric {metric}; only predefined \
                         metrics (CPU, memory, ALB request count) can be written here."
                    ),
                ));
            }
            TrackedMetric::Cpu | TrackedMetric::Memory => {}
        }
        let rid = resource_id(cluster, service);
        let mut rng = self.ops_rng(&rid, name);
        let t = self.target_mut(operation, cluster, service)?;
        let kind = PolicyKind::TargetTracking(tt.clone());
        match t.policies.iter_mut().find(|p| p.name == name) {
            Some(p) if matches!(p.kind, PolicyKind::Step(_)) => Err(invalid(
                operation,
                format!("Policy {name} is a step scaling policy; its type cannot be changed."),
            )),
            Some(p) => {
                p.kind = kind;
                Ok(())
            }
            None => {
                t.policies.push(ScalingPolicy {
                    name: name.into(),
                    arn: Some(policy_arn(&mut rng, &rid, name)),
                    kind,
                });
                Ok(())
            }
        }
    }

    /// DeleteScalingPolicy.
    pub(super) fn delete_policy(
        &mut self,
        cluster: &str,
        service: &str,
        name: &str,
    ) -> BackendResult<()> {
        let operation = "DeleteScalingPolicy";
        let rid = resource_id(cluster, service);
        let t = self.target_mut(operation, cluster, service)?;
        let before = t.policies.len();
        t.policies.retain(|p| p.name != name);
        if t.policies.len() == before {
            return Err(BackendError::new(
                ErrorKind::NotFound,
                operation,
                format!(
                    "No scaling policy found for service namespace: ecs, resource ID: {rid}, \
                     scalable dimension: ecs:service:DesiredCount, policy name: {name}"
                ),
            ));
        }
        Ok(())
    }

    /// PutScheduledAction (creates or replaces).
    pub(super) fn put_scheduled_action(
        &mut self,
        cluster: &str,
        service: &str,
        action: &ScheduledAction,
    ) -> BackendResult<()> {
        let operation = "PutScheduledAction";
        check_name(operation, "Scheduled action name", &action.name)?;
        match (action.min, action.max) {
            (None, None) => {
                return Err(invalid(
                    operation,
                    "A scheduled action must set MinCapacity, MaxCapacity or both.",
                ));
            }
            (Some(lo), Some(hi)) if hi < lo => {
                return Err(invalid(
                    operation,
                    format!("Maximum capacity ({hi}) cannot be less than minimum capacity ({lo})."),
                ));
            }
            (Some(lo), _) | (_, Some(lo)) if lo < 0 => {
                return Err(invalid(operation, "Capacities cannot be less than 0."));
            }
            _ => {}
        }
        if let (Some(start), Some(end)) = (action.start, action.end)
            && end <= start
        {
            return Err(invalid(operation, "EndTime must be after StartTime."));
        }
        let now = self.now();
        let scheduled = Scheduled::new(action.clone(), now).map_err(|m| invalid(operation, m))?;
        let t = self.target_mut(operation, cluster, service)?;
        match t
            .scheduled
            .iter_mut()
            .find(|a| a.action.name == action.name)
        {
            Some(existing) => *existing = scheduled,
            None => t.scheduled.push(scheduled),
        }
        Ok(())
    }

    /// DeleteScheduledAction.
    pub(super) fn delete_scheduled_action(
        &mut self,
        cluster: &str,
        service: &str,
        name: &str,
    ) -> BackendResult<()> {
        let operation = "DeleteScheduledAction";
        let rid = resource_id(cluster, service);
        let t = self.target_mut(operation, cluster, service)?;
        let before = t.scheduled.len();
        t.scheduled.retain(|a| a.action.name != name);
        if t.scheduled.len() == before {
            return Err(BackendError::new(
                ErrorKind::NotFound,
                operation,
                format!(
                    "No scheduled action found for service namespace: ecs, resource ID: {rid}, \
                     scalable dimension: ecs:service:DesiredCount, scheduled action name: {name}"
                ),
            ));
        }
        Ok(())
    }
}

// ---- The estate's auto scaling as the demo opens ----

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

fn cron_action(name: &str, schedule: &str, timezone: &str, min: i32, max: i32) -> ScheduledAction {
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::fleet;
    use super::*;

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
}
