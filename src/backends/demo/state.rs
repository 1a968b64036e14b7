//! The demo fleet's mutable state: what the simulation steps and the views read.

use std::collections::BTreeMap;
use std::fmt;
use std::net::Ipv4Addr;
use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::scaling::AutoScaling;
use super::taskdef::{ContainerPlan, Family};
use crate::domain::model::{
    CapacityProviderItem, DeploymentConfig, LoadBalancer, NetworkConfig, Placement, ServiceEvent,
};

/// ECS task lifecycle states, in the order a task passes through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum TaskStatus {
    Provisioning,
    Pending,
    Running,
    Deactivating,
    Stopping,
    Deprovisioning,
    Stopped,
}

impl TaskStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Deprovisioning => "DEPROVISIONING",
            TaskStatus::Stopped => "STOPPED",
        }
    }

    /// Counted as pending by DescribeClusters/DescribeServices in this demo (not yet running).
    pub fn is_pending(self) -> bool {
        matches!(self, TaskStatus::Provisioning | TaskStatus::Pending)
    }
}

#[derive(Debug, Clone)]
pub(super) struct Fleet {
    pub seed: u64,
    /// Step 0: the simulation starts an hour before the clock's time at construction, so
    /// the demo opens with recent history (stopped tasks, a rollout under way).
    pub origin: DateTime<Utc>,
    /// Seconds simulated since `origin`.
    pub step: u64,
    pub clusters: Vec<ClusterState>,
    pub families: BTreeMap<String, Family>,
    /// Interventions due at a step, applied before that step's scheduling.
    pub script: Vec<(u64, Intervention)>,
    /// Application Auto Scaling: scalable targets, policies, scheduled actions, activities.
    pub autoscaling: AutoScaling,
}

impl Fleet {
    pub fn time(&self, step: u64) -> DateTime<Utc> {
        self.origin + Duration::seconds(i64::try_from(step).unwrap_or(i64::MAX / 1_000))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.time(self.step)
    }
}

/// Changes scheduled into the simulation's timeline (the opening scenario uses them; a
/// scripted story such as a failing revision can too).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Intervention {
    /// Register a new revision of the service's family and roll the service onto it.
    Rollout { cluster: String, service: String },
    /// Set a container instance (by position in the cluster) to DRAINING.
    Drain { cluster: String, instance: usize },
}

#[derive(Debug, Clone)]
pub(super) struct ClusterState {
    pub name: String,
    pub ec2: bool,
    pub net: u8,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<CapacityProviderItem>,
    pub container_insights: String,
    pub tags: BTreeMap<String, String>,
    /// One private subnet per AZ, in `ids::AZS` order.
    pub subnets: Vec<String>,
    pub instances: Vec<InstanceState>,
    pub services: Vec<ServiceState>,
    /// Tasks started by RunTask (no service): `family:<name>` groups.
    pub standalone: Vec<TaskState>,
    pub schedules: Vec<Schedule>,
}

impl ClusterState {
    pub fn service(&self, name: &str) -> Option<&ServiceState> {
        self.services.iter().find(|s| s.name == name)
    }

    pub fn tasks(&self) -> impl Iterator<Item = &TaskState> {
        self.services
            .iter()
            .flat_map(|s| s.tasks.iter())
            .chain(self.standalone.iter())
    }
}

#[derive(Debug, Clone)]
pub(super) struct InstanceState {
    /// The container-instance id (last ARN segment).
    pub id: String,
    pub ec2_instance_id: String,
    pub status: String,
    pub agent_connected: bool,
    pub agent_version: String,
    pub docker_version: String,
    pub instance_type: String,
    pub az: usize,
    pub private_ip: String,
    pub cpu: i32,
    pub memory: i32,
    pub capacity_provider: String,
    pub registered_at: DateTime<Utc>,
}

impl InstanceState {
    /// Whether the scheduler may place new tasks here.
    pub fn accepts_tasks(&self) -> bool {
        self.status == "ACTIVE" && self.agent_connected
    }
}

/// A RunTask on a timer (EventBridge Scheduler in real life): the batch-report job.
#[derive(Debug, Clone)]
pub(super) struct Schedule {
    pub family: String,
    /// Starts when the wall-clock second count is `offset` modulo `every`.
    pub every_secs: i64,
    pub offset_secs: i64,
    pub run_secs: std::ops::Range<u64>,
    /// One run in this many fails with exit code 1.
    pub fail_one_in: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Launch {
    Ec2,
    Fargate,
    Strategy(Vec<CapacityProviderItem>),
}

#[derive(Debug, Clone)]
pub(super) struct ServiceState {
    pub name: String,
    pub family: String,
    pub desired: i32,
    pub launch: Launch,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub config: DeploymentConfig,
    pub load_balancer: Option<LoadBalancer>,
    pub placement_strategy: Vec<Placement>,
    pub placement_constraints: Vec<Placement>,
    /// The instance-type family the `memberOf` constraint allows, as placement reads it.
    pub instance_family: Option<String>,
    pub network: Option<NetworkConfig>,
    pub grace_period: Option<i32>,
    pub exec: bool,
    /// PRIMARY first, then ACTIVE ones still running tasks.
    pub deployments: Vec<DeploymentState>,
    /// Newest first, at most `MAX_EVENTS`, as DescribeServices returns them.
    pub events: Vec<ServiceEvent>,
    pub tasks: Vec<TaskState>,
    pub crashes_per_hour: f64,
    pub steady: bool,
    pub last_steady_event: DateTime<Utc>,
    pub last_unplaceable_event: Option<u64>,
    /// The last deployment that completed (id, `family:revision`): what the circuit
    /// breaker rolls back to.
    pub last_completed: Option<(String, String)>,
    /// Made by `--demo-scale` (`scale`): may go `quiet`. The catalog's services never do,
    /// so the estate at scale 1 steps exactly as it always has.
    pub generated: bool,
    /// A generated service with nothing under way (one completed deployment, exactly the
    /// desired tasks, all RUNNING and healthy, no timers): the steps pass it by, but for
    /// its six-hourly steady-state event, until a change `wake`s it.
    pub quiet: bool,
}

pub(super) const MAX_EVENTS: usize = 100;

impl ServiceState {
    /// Something changed that a quiet service must step for: the next step looks at it
    /// again (and lets it go quiet once more when it has settled).
    pub fn wake(&mut self) {
        self.quiet = false;
    }

    pub fn primary(&self) -> Option<&DeploymentState> {
        self.deployments.first()
    }

    pub fn task_definition(&self) -> &str {
        self.primary().map_or("", |d| d.task_definition.as_str())
    }

    pub fn running(&self) -> i32 {
        count(
            self.tasks
                .iter()
                .filter(|t| t.status == TaskStatus::Running),
        )
    }

    pub fn pending(&self) -> i32 {
        count(self.tasks.iter().filter(|t| t.status.is_pending()))
    }

    /// Whether a rollout is under way (the primary deployment is IN_PROGRESS).
    pub fn rolling(&self) -> bool {
        self.primary()
            .is_some_and(|d| d.rollout_state == "IN_PROGRESS")
    }

    pub fn push_event(&mut self, id: String, at: DateTime<Utc>, message: String) {
        self.events.insert(
            0,
            ServiceEvent {
                id,
                created_at: Some(at),
                message,
            },
        );
        self.events.truncate(MAX_EVENTS);
    }
}

#[derive(Debug, Clone)]
pub(super) struct DeploymentState {
    pub id: String,
    /// `family:revision`.
    pub task_definition: String,
    pub rollout_state: String,
    pub rollout_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub failed: i32,
}

/// A string that many tasks hold alike (their task definition, group, deployment): one
/// copy per batch of tasks rather than one per task, which counts at `--demo-scale`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct SharedStr(Arc<str>);

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(s.into())
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(s.into())
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

#[derive(Debug, Clone)]
pub(super) struct TaskState {
    pub id: String,
    /// `family:revision`.
    pub task_definition: SharedStr,
    pub group: SharedStr,
    pub deployment: Option<SharedStr>,
    pub status: TaskStatus,
    pub desired_running: bool,
    /// Step of the next lifecycle transition, if one is under way.
    pub next_at: Option<u64>,
    /// Step from which health checks pass (set on reaching RUNNING).
    pub healthy_at: Option<u64>,
    /// A planned exit (batch jobs end by themselves): step and exit code.
    pub exit_at: Option<(u64, i32)>,
    pub launch_type: &'static str,
    pub capacity_provider: Option<String>,
    pub az: usize,
    pub private_ip: Ipv4Addr,
    /// Container-instance id for EC2 tasks.
    pub instance: Option<String>,
    pub awsvpc: bool,
    /// Seconds a stopping task spends deregistering from its target group.
    pub drain_secs: Option<u64>,
    pub cpu: i32,
    pub memory: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub stopping_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub stopped_reason: Option<String>,
    pub stop_code: Option<String>,
    pub containers: Vec<ContainerState>,
    /// Set for tasks of a revision that never becomes healthy (shared by the batch).
    pub failing: Option<Arc<Failing>>,
    /// Step at which a failing task is stopped (set on reaching RUNNING).
    pub fail_at: Option<u64>,
}

/// How a task of a broken revision fails.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Failing {
    /// Health checks (load balancer or container) fail and the scheduler stops the task;
    /// without any, the application exits with code 1 soon after starting.
    pub health_check: bool,
    /// The stopped reason ECS gives.
    pub reason: String,
}

impl TaskState {
    /// Past its health checks (or has none) while RUNNING: what a rollout counts as healthy.
    pub fn healthy(&self, step: u64) -> bool {
        self.status == TaskStatus::Running && self.healthy_at.is_none_or(|at| at <= step)
    }

    /// Still holds CPU and memory on its instance.
    pub fn holds_resources(&self) -> bool {
        self.status != TaskStatus::Stopped
    }
}

#[derive(Debug, Clone)]
pub(super) struct ContainerState {
    /// The same for every task of the batch that started it.
    pub plan: Arc<ContainerPlan>,
    /// Stays UNHEALTHY whatever happens (the broken sidecar).
    pub unhealthy: bool,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    pub runtime_id: String,
}

pub(super) fn count<T>(it: impl Iterator<Item = T>) -> i32 {
    i32::try_from(it.count()).unwrap_or(i32::MAX)
}
