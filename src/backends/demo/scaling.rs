//! Application Auto Scaling in the demo: scalable targets with their policies and scheduled
//! actions, as RegisterScalableTarget, PutScalingPolicy and PutScheduledAction leave them.
//! The simulation runs the scheduled actions and, as AWS does, moves a desired count set
//! outside [min, max] back inside a little later (never scaling in during a rollout);
//! each of those is written down as a scaling activity. What the estate starts with is in
//! `scaling_estate`.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use fastrand::Rng;

use super::ids::{ACCOUNT, REGION, STREAM_OPS, rng_for, salt, uuid};
use super::schedule::{self, Schedule};
use super::state::{ClusterState, Fleet, ServiceState};
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{
    PolicyKind, ScalableTarget, Scaling, ScalingActivity, ScalingPolicy, ScheduledAction,
    TargetTracking, TrackedMetric,
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
    pub(super) fn new(
        action: ScheduledAction,
        created: DateTime<Utc>,
    ) -> Result<Scheduled, String> {
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

pub(super) fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

pub(super) fn activity(at: DateTime<Utc>, description: String, cause: String) -> ScalingActivity {
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

pub(super) fn policy_arn(rng: &mut Rng, rid: &str, name: &str) -> String {
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
            svc.wake();
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

#[cfg(test)]
mod tests;
