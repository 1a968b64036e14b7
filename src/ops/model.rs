//! What operations read and change beyond the panes' model: a service's Application Auto
//! Scaling, and task definitions as the JSON that RegisterTaskDefinition takes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A service's Application Auto Scaling, as one view shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scaling {
    /// `None`: the service has no scalable target (auto scaling is off).
    pub target: Option<ScalableTarget>,
    pub policies: Vec<ScalingPolicy>,
    pub scheduled: Vec<ScheduledAction>,
    /// Recent scaling activities, newest first; `Err` says why they are not available
    /// (moto does not implement DescribeScalingActivities) without failing the view.
    pub activities: Result<Vec<ScalingActivity>, String>,
}

impl Default for Scaling {
    fn default() -> Scaling {
        Scaling {
            target: None,
            policies: Vec::new(),
            scheduled: Vec::new(),
            activities: Ok(Vec::new()),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspended {
    /// DynamicScalingInSuspended: what an operator sets during an incident.
    pub dynamic_in: bool,
    pub dynamic_out: bool,
    pub scheduled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalableTarget {
    pub min: i32,
    pub max: i32,
    pub suspended: Suspended,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScalingPolicy {
    pub name: String,
    pub arn: Option<String>,
    pub kind: PolicyKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PolicyKind {
    TargetTracking(TargetTracking),
    /// Shown, not edited: step policies hang on CloudWatch alarms made elsewhere.
    Step(StepScaling),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetTracking {
    pub metric: TrackedMetric,
    pub target_value: f64,
    pub scale_in_cooldown: Option<i32>,
    pub scale_out_cooldown: Option<i32>,
    pub disable_scale_in: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrackedMetric {
    /// ECSServiceAverageCPUUtilization
    Cpu,
    /// ECSServiceAverageMemoryUtilization
    Memory,
    /// ALBRequestCountPerTarget, with the resource label naming the load balancer and
    /// target group (`app/<lb>/<id>/targetgroup/<tg>/<id>`).
    AlbRequests { resource_label: String },
    /// A customized metric specification: shown by name, not editable here.
    Custom(String),
}

impl TrackedMetric {
    /// The predefined metric type's API name, or the custom metric's name.
    pub fn api_name(&self) -> &str {
        match self {
            TrackedMetric::Cpu => "ECSServiceAverageCPUUtilization",
            TrackedMetric::Memory => "ECSServiceAverageMemoryUtilization",
            TrackedMetric::AlbRequests { .. } => "ALBRequestCountPerTarget",
            TrackedMetric::Custom(name) => name,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepScaling {
    pub adjustment_type: Option<String>,
    pub cooldown: Option<i32>,
    pub metric_aggregation: Option<String>,
    pub steps: Vec<Step>,
    /// Names of the CloudWatch alarms that trigger it.
    pub alarms: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub adjustment: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledAction {
    pub name: String,
    /// `cron(...)`, `at(...)` or `rate(...)`.
    pub schedule: String,
    pub timezone: Option<String>,
    pub min: Option<i32>,
    pub max: Option<i32>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScalingActivity {
    pub at: Option<DateTime<Utc>>,
    pub status: String,
    pub description: String,
    pub cause: String,
}

/// One task definition revision as the JSON RegisterTaskDefinition takes (what
/// `aws ecs register-task-definition --cli-input-json` reads), built from the raw
/// DescribeTaskDefinition answer so fields the SDK does not model are kept; tags included.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDefDoc {
    pub arn: String,
    pub family: String,
    pub revision: i32,
    pub json: serde_json::Value,
}

/// One family's revisions, newest first, as ARNs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    pub name: String,
    pub revisions: Vec<String>,
}
