//! Application Auto Scaling of an ECS service: reading the scalable target, its policies,
//! scheduled actions and recent activities, and the mutations that change them. The
//! conversions between SDK types and `crate::ops::model` live here too.

use crate::domain::budget::{Category, Priority};
use aws_sdk_applicationautoscaling::types as aas;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, ScalableDimension, ServiceNamespace,
};
use chrono::{DateTime, Utc};

use super::SdkOps;
use crate::backends::sdk::errors;
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{
    PolicyKind, ScalableTarget, Scaling, ScalingActivity, ScalingPolicy, ScheduledAction, Step,
    StepScaling, Suspended, TargetTracking, TrackedMetric,
};
use crate::ops::{Mutation, Outcome, resource_id};

/// Pages read of one describe before the rest is left out (with a warning): 50 items a
/// page is far more policies or scheduled actions than one service has.
const MAX_PAGES: usize = 10;
/// Items per page (the API maximum for these describes).
const PAGE: i32 = 50;
/// Recent scaling activities shown.
const ACTIVITIES: i32 = 20;

const NAMESPACE: ServiceNamespace = ServiceNamespace::Ecs;
const DIMENSION: ScalableDimension = ScalableDimension::EcsServiceDesiredCount;

pub(super) async fn scaling(ops: &SdkOps, cluster: &str, service: &str) -> BackendResult<Scaling> {
    let id = resource_id(cluster, service);
    let (target, policies, scheduled, activities) = tokio::join!(
        scalable_target(ops, &id),
        policies(ops, &id),
        scheduled_actions(ops, &id),
        activities(ops, &id),
    );
    Ok(Scaling {
        target: target?,
        policies: policies?,
        scheduled: scheduled?,
        // Not every endpoint has this call (moto answers 500): the rest still shows.
        activities: activities.map_err(|e| format!("not available: {}", e.message)),
    })
}

async fn scalable_target(ops: &SdkOps, id: &str) -> BackendResult<Option<ScalableTarget>> {
    const OP: &str = "DescribeScalableTargets";
    ops.budget.acquire(Category::Autoscaling).await;
    let out = ops
        .autoscaling
        .describe_scalable_targets()
        .service_namespace(NAMESPACE)
        .resource_ids(id)
        .scalable_dimension(DIMENSION)
        .send()
        .await
        .map_err(|e| errors::from_sdk_error(OP, e))?;
    Ok(out
        .scalable_targets()
        .iter()
        .find(|t| t.resource_id() == id)
        .map(target_from))
}

async fn policies(ops: &SdkOps, id: &str) -> BackendResult<Vec<ScalingPolicy>> {
    const OP: &str = "DescribeScalingPolicies";
    let mut found = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        ops.budget.acquire(Category::Autoscaling).await;
        let out = ops
            .autoscaling
            .describe_scaling_policies()
            .service_namespace(NAMESPACE)
            .resource_id(id)
            .scalable_dimension(DIMENSION)
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        // Filtered again: some endpoints match the resource id as a substring.
        for p in out
            .scaling_policies()
            .iter()
            .filter(|p| p.resource_id() == id)
        {
            match policy_from(p) {
                Some(policy) => found.push(policy),
                None => tracing::warn!(
                    policy = p.policy_name(),
                    kind = p.policy_type().as_str(),
                    "scaling policy of a kind not shown here"
                ),
            }
        }
        token = next(out.next_token());
        if token.is_none() {
            return Ok(found);
        }
    }
    tracing::warn!(
        resource = id,
        "more than {MAX_PAGES} pages of scaling policies"
    );
    Ok(found)
}

async fn scheduled_actions(ops: &SdkOps, id: &str) -> BackendResult<Vec<ScheduledAction>> {
    const OP: &str = "DescribeScheduledActions";
    let mut found = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        ops.budget.acquire(Category::Autoscaling).await;
        let out = ops
            .autoscaling
            .describe_scheduled_actions()
            .service_namespace(NAMESPACE)
            .resource_id(id)
            .scalable_dimension(DIMENSION)
            .max_results(PAGE)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        found.extend(
            out.scheduled_actions()
                .iter()
                .filter(|a| a.resource_id() == id)
                .map(scheduled_from),
        );
        token = next(out.next_token());
        if token.is_none() {
            return Ok(found);
        }
    }
    tracing::warn!(
        resource = id,
        "more than {MAX_PAGES} pages of scheduled actions"
    );
    Ok(found)
}

async fn activities(ops: &SdkOps, id: &str) -> BackendResult<Vec<ScalingActivity>> {
    const OP: &str = "DescribeScalingActivities";
    ops.budget.acquire(Category::Autoscaling).await;
    let out = ops
        .autoscaling
        .describe_scaling_activities()
        .service_namespace(NAMESPACE)
        .resource_id(id)
        .scalable_dimension(DIMENSION)
        .max_results(ACTIVITIES)
        .send()
        .await
        .map_err(|e| errors::from_sdk_error(OP, e))?;
    let mut found: Vec<ScalingActivity> =
        out.scaling_activities().iter().map(activity_from).collect();
    found.sort_by_key(|a| std::cmp::Reverse(a.at));
    Ok(found)
}

fn next(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_owned)
}

/// Carries out one of the auto scaling mutations.
pub(super) async fn execute(ops: &SdkOps, mutation: &Mutation) -> BackendResult<Outcome> {
    let op = mutation.api();
    ops.budget
        .acquire_as(Category::Autoscaling, Priority::Write)
        .await;
    let client = &ops.autoscaling_write;
    match mutation {
        Mutation::PutScalableTarget {
            cluster,
            service,
            after,
            ..
        } => {
            client
                .register_scalable_target()
                .service_namespace(NAMESPACE)
                .resource_id(resource_id(cluster, service))
                .scalable_dimension(DIMENSION)
                .min_capacity(after.min)
                .max_capacity(after.max)
                .suspended_state(suspended_to(&after.suspended))
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(op, e))?;
        }
        Mutation::DeleteScalableTarget {
            cluster, service, ..
        } => {
            client
                .deregister_scalable_target()
                .service_namespace(NAMESPACE)
                .resource_id(resource_id(cluster, service))
                .scalable_dimension(DIMENSION)
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(op, e))?;
        }
        Mutation::PutTargetTracking {
            cluster,
            service,
            name,
            after,
            ..
        } => {
            client
                .put_scaling_policy()
                .policy_name(name)
                .service_namespace(NAMESPACE)
                .resource_id(resource_id(cluster, service))
                .scalable_dimension(DIMENSION)
                .policy_type(PolicyType::TargetTrackingScaling)
                .target_tracking_scaling_policy_configuration(target_tracking_to(op, after)?)
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(op, e))?;
        }
        Mutation::DeletePolicy {
            cluster,
            service,
            before,
        } => {
            client
                .delete_scaling_policy()
                .policy_name(&before.name)
                .service_namespace(NAMESPACE)
                .resource_id(resource_id(cluster, service))
                .scalable_dimension(DIMENSION)
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(op, e))?;
        }
        Mutation::PutScheduledAction {
            cluster,
            service,
            after,
            ..
        } => {
            client
                .put_scheduled_action()
                .scheduled_action_name(&after.name)
                .service_namespace(NAMESPACE)
                .resource_id(resource_id(cluster, service))
                .scalable_dimension(DIMENSION)
                .schedule(&after.schedule)
                .set_timezone(after.timezone.clone())
                .set_start_time(after.start.map(time_to))
                .set_end_time(after.end.map(time_to))
                .scalable_target_action(
                    aas::ScalableTargetAction::builder()
                        .set_min_capacity(after.min)
                        .set_max_capacity(after.max)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(op, e))?;
        }
        Mutation::DeleteScheduledAction {
            cluster,
            service,
            before,
        } => {
            client
                .delete_scheduled_action()
                .scheduled_action_name(&before.name)
                .service_namespace(NAMESPACE)
                .resource_id(resource_id(cluster, service))
                .scalable_dimension(DIMENSION)
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(op, e))?;
        }
        Mutation::Scale { .. }
        | Mutation::Deploy { .. }
        | Mutation::RegisterTaskDefinition { .. }
        | Mutation::StopTask { .. }
        | Mutation::ExecuteCommand { .. }
        | Mutation::Forward { .. }
        | Mutation::SetInstanceState { .. } => {
            return Err(BackendError::new(
                ErrorKind::InvalidRequest,
                op,
                "not an Application Auto Scaling change",
            ));
        }
    }
    Ok(Outcome::Done)
}

// ---- SDK types into the model ----------------------------------------------------------

pub(super) fn target_from(t: &aas::ScalableTarget) -> ScalableTarget {
    ScalableTarget {
        min: t.min_capacity(),
        max: t.max_capacity(),
        suspended: t.suspended_state().map(suspended_from).unwrap_or_default(),
    }
}

fn suspended_from(s: &aas::SuspendedState) -> Suspended {
    Suspended {
        dynamic_in: s.dynamic_scaling_in_suspended().unwrap_or(false),
        dynamic_out: s.dynamic_scaling_out_suspended().unwrap_or(false),
        scheduled: s.scheduled_scaling_suspended().unwrap_or(false),
    }
}

/// A policy in the model; `None` for kinds the model has no place for (predictive).
pub(super) fn policy_from(p: &aas::ScalingPolicy) -> Option<ScalingPolicy> {
    let kind = if let Some(tt) = p.target_tracking_scaling_policy_configuration() {
        PolicyKind::TargetTracking(target_tracking_from(tt))
    } else if let Some(step) = p.step_scaling_policy_configuration() {
        PolicyKind::Step(step_from(step, p.alarms()))
    } else {
        return None;
    };
    Some(ScalingPolicy {
        name: p.policy_name().to_owned(),
        arn: Some(p.policy_arn().to_owned()).filter(|a| !a.is_empty()),
        kind,
    })
}

fn target_tracking_from(tt: &aas::TargetTrackingScalingPolicyConfiguration) -> TargetTracking {
    TargetTracking {
        metric: metric_from(tt),
        target_value: tt.target_value(),
        scale_in_cooldown: tt.scale_in_cooldown(),
        scale_out_cooldown: tt.scale_out_cooldown(),
        disable_scale_in: tt.disable_scale_in().unwrap_or(false),
    }
}

fn metric_from(tt: &aas::TargetTrackingScalingPolicyConfiguration) -> TrackedMetric {
    if let Some(predefined) = tt.predefined_metric_specification() {
        return match predefined.predefined_metric_type() {
            MetricType::EcsServiceAverageCpuUtilization => TrackedMetric::Cpu,
            MetricType::EcsServiceAverageMemoryUtilization => TrackedMetric::Memory,
            MetricType::AlbRequestCountPerTarget => TrackedMetric::AlbRequests {
                resource_label: predefined.resource_label().unwrap_or_default().to_owned(),
            },
            // High-resolution variants and types newer than this SDK: shown by name.
            other => TrackedMetric::Custom(other.as_str().to_owned()),
        };
    }
    match tt.customized_metric_specification() {
        Some(custom) => match custom.metric_name() {
            Some(name) => TrackedMetric::Custom(name.to_owned()),
            None => {
                let ids: Vec<&str> = custom.metrics().iter().map(|m| m.id()).collect();
                TrackedMetric::Custom(format!("metric math ({})", ids.join(", ")))
            }
        },
        None => TrackedMetric::Custom("unknown metric".into()),
    }
}

fn step_from(step: &aas::StepScalingPolicyConfiguration, alarms: &[aas::Alarm]) -> StepScaling {
    StepScaling {
        adjustment_type: step.adjustment_type().map(|a| a.as_str().to_owned()),
        cooldown: step.cooldown(),
        metric_aggregation: step
            .metric_aggregation_type()
            .map(|a| a.as_str().to_owned()),
        steps: step
            .step_adjustments()
            .iter()
            .map(|s| Step {
                lower: s.metric_interval_lower_bound(),
                upper: s.metric_interval_upper_bound(),
                adjustment: s.scaling_adjustment(),
            })
            .collect(),
        alarms: alarms.iter().map(|a| a.alarm_name().to_owned()).collect(),
    }
}

pub(super) fn scheduled_from(a: &aas::ScheduledAction) -> ScheduledAction {
    let action = a.scalable_target_action();
    ScheduledAction {
        name: a.scheduled_action_name().to_owned(),
        schedule: a.schedule().to_owned(),
        timezone: a.timezone().filter(|t| !t.is_empty()).map(str::to_owned),
        min: action.and_then(|x| x.min_capacity()),
        max: action.and_then(|x| x.max_capacity()),
        start: a.start_time().and_then(time_from),
        end: a.end_time().and_then(time_from),
    }
}

pub(super) fn activity_from(a: &aas::ScalingActivity) -> ScalingActivity {
    let code = a.status_code().as_str();
    ScalingActivity {
        at: time_from(a.start_time()),
        status: match a.status_message().filter(|m| !m.is_empty()) {
            Some(message) => format!("{code}: {message}"),
            None => code.to_owned(),
        },
        description: a.description().to_owned(),
        cause: a.cause().to_owned(),
    }
}

fn time_from(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

// ---- the model into SDK types ----------------------------------------------------------

fn suspended_to(s: &Suspended) -> aas::SuspendedState {
    aas::SuspendedState::builder()
        .dynamic_scaling_in_suspended(s.dynamic_in)
        .dynamic_scaling_out_suspended(s.dynamic_out)
        .scheduled_scaling_suspended(s.scheduled)
        .build()
}

/// A target tracking configuration with a predefined metric. Customized metrics are shown,
/// not edited: writing one back from the model would lose its specification.
pub(super) fn target_tracking_to(
    op: &str,
    t: &TargetTracking,
) -> BackendResult<aas::TargetTrackingScalingPolicyConfiguration> {
    let invalid = |message: String| BackendError::new(ErrorKind::InvalidRequest, op, message);
    let (metric, label) = match &t.metric {
        TrackedMetric::Cpu => (MetricType::EcsServiceAverageCpuUtilization, None),
        TrackedMetric::Memory => (MetricType::EcsServiceAverageMemoryUtilization, None),
        TrackedMetric::AlbRequests { resource_label } => {
            if resource_label.trim().is_empty() {
                return Err(invalid(
                    "ALBRequestCountPerTarget needs a resource label: app/<load-balancer>/<id>/targetgroup/<target-group>/<id>".into(),
                ));
            }
            (
                MetricType::AlbRequestCountPerTarget,
                Some(resource_label.clone()),
            )
        }
        TrackedMetric::Custom(name) => {
            return Err(invalid(format!(
                "the policy tracks a customized metric ({name}), which is not edited here: change it with the AWS console or CLI"
            )));
        }
    };
    let predefined = aas::PredefinedMetricSpecification::builder()
        .predefined_metric_type(metric)
        .set_resource_label(label)
        .build()
        .map_err(|e| invalid(e.to_string()))?;
    aas::TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(t.target_value)
        .predefined_metric_specification(predefined)
        .set_scale_in_cooldown(t.scale_in_cooldown)
        .set_scale_out_cooldown(t.scale_out_cooldown)
        .disable_scale_in(t.disable_scale_in)
        .build()
        .map_err(|e| invalid(e.to_string()))
}

fn time_to(t: DateTime<Utc>) -> aws_smithy_types::DateTime {
    aws_smithy_types::DateTime::from_secs_and_nanos(t.timestamp(), t.timestamp_subsec_nanos())
}

#[cfg(test)]
mod tests;
