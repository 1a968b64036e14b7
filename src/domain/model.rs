//! The domain model every pane draws from. SDK types never cross the `Backend` trait:
//! `sdk.rs` converts into these, and the demo fleet builds them directly.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use super::shared::SharedStr;

/// The last path segment of an ARN (`.../cluster/prod` -> `prod`, task ARN -> task id).
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The region of an ARN (`arn:aws:ecs:eu-west-1:123:cluster/prod`), `None` for a plain
/// name.
pub fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.split(':');
    if parts.next() != Some("arn") {
        return None;
    }
    // partition, service, region
    let region = parts.nth(2)?;
    (!region.is_empty() && parts.next().is_some()).then_some(region)
}

/// A cluster as people say it: its name, and its region when named by ARN (the
/// dashboard spans regions): `prod (eu-west-1)`.
pub fn cluster_label(cluster: &str) -> String {
    match arn_region(cluster) {
        Some(region) => format!("{} ({region})", arn_name(cluster)),
        None => cluster.to_owned(),
    }
}

/// The family of a task definition ARN (`...:task-definition/<family>:<revision>`) or
/// `family:revision`.
pub fn family_of(task_definition: &str) -> &str {
    let name = arn_name(task_definition);
    name.rsplit_once(':').map_or(name, |(family, _)| family)
}

/// The revision number of a task definition ARN or `family:revision`.
pub fn revision_of(task_definition: &str) -> Option<i32> {
    arn_name(task_definition).rsplit_once(':')?.1.parse().ok()
}

/// The Docker version as ECS reports it (`DockerVersion: 25.0.6`) without the label:
/// every view (column, describe) shows `25.0.6`.
pub fn docker_version_number(raw: &str) -> String {
    raw.trim()
        .trim_start_matches("DockerVersion:")
        .trim()
        .to_owned()
}

/// The account id of an ARN (`arn:aws:ecs:REGION:ACCOUNT:...`), if it has one.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cluster {
    pub arn: String,
    pub name: String,
    pub status: String,
    pub active_services: i32,
    pub running_tasks: i32,
    pub pending_tasks: i32,
    pub registered_instances: i32,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<CapacityProviderItem>,
    pub container_insights: Option<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CapacityProviderItem {
    pub provider: String,
    pub weight: i32,
    pub base: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Service {
    pub arn: String,
    pub name: String,
    pub cluster_arn: String,
    pub status: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub task_definition: String,
    pub launch_type: Option<String>,
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    pub scheduling_strategy: Option<String>,
    pub platform_version: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub created_by: Option<String>,
    pub role_arn: Option<String>,
    pub deployment_config: DeploymentConfig,
    pub deployments: Vec<Deployment>,
    pub events: Vec<ServiceEvent>,
    pub load_balancers: Vec<LoadBalancer>,
    pub placement_strategy: Vec<Placement>,
    pub placement_constraints: Vec<Placement>,
    pub network: Option<NetworkConfig>,
    pub health_check_grace_period: Option<i32>,
    pub enable_execute_command: bool,
}

impl Service {
    /// The PRIMARY deployment (the one the service is rolling towards).
    pub fn primary_deployment(&self) -> Option<&Deployment> {
        self.deployments.iter().find(|d| d.status == "PRIMARY")
    }

    /// Deployments other than the primary that still run tasks (a rollout in progress).
    pub fn other_active_deployments(&self) -> usize {
        self.deployments
            .iter()
            .filter(|d| d.status == "ACTIVE")
            .count()
    }

    /// `family:revision` of the task definition the service runs.
    pub fn task_definition_short(&self) -> &str {
        arn_name(&self.task_definition)
    }

    /// Launch type, or the capacity provider strategy written as `FARGATE_SPOT:2,FARGATE:1`.
    pub fn launch_label(&self) -> String {
        if let Some(lt) = &self.launch_type {
            return lt.clone();
        }
        self.capacity_provider_strategy
            .iter()
            .map(|c| format!("{}:{}", c.provider, c.weight))
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeploymentConfig {
    pub minimum_healthy_percent: Option<i32>,
    pub maximum_percent: Option<i32>,
    pub circuit_breaker_enabled: bool,
    pub circuit_breaker_rollback: bool,
    pub controller: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Deployment {
    pub id: String,
    pub status: String,
    pub task_definition: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub failed: i32,
    pub rollout_state: Option<String>,
    pub rollout_reason: Option<String>,
    pub launch_type: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceEvent {
    pub id: String,
    pub created_at: Option<DateTime<Utc>>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadBalancer {
    pub target_group_arn: Option<String>,
    pub load_balancer_name: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<i32>,
}

/// One target of a load balancer's target group, as Elastic Load Balancing sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetHealth {
    /// An instance id or an IP address.
    pub target: String,
    pub port: Option<i32>,
    /// initial, healthy, unhealthy, unused, draining, unavailable.
    pub state: String,
    /// `Target.ResponseCodeMismatch`, `Target.Timeout`, ...
    pub reason: Option<String>,
    pub description: Option<String>,
}

/// Healthy targets and the targets that count, over every target group of `groups`.
/// Targets with no task behind them (`unused`), leaving by design (`draining`) or still
/// registering (`initial`, as during every deployment) do not count: fewer healthy than
/// counted means some are unhealthy or unavailable.
pub fn healthy_of<'a>(groups: impl IntoIterator<Item = &'a [TargetHealth]>) -> (usize, usize) {
    groups.into_iter().fold((0, 0), |(ok, all), targets| {
        let counted = targets
            .iter()
            .filter(|t| !matches!(t.state.as_str(), "unused" | "draining" | "initial"));
        let (healthy, n) = counted.fold((0, 0), |(h, n), t| {
            (h + usize::from(t.state == "healthy"), n + 1)
        });
        (ok + healthy, all + n)
    })
}

/// A placement strategy (`spread` on `attribute:ecs.availability-zone`) or a constraint
/// (`memberOf` with an expression): `kind` and its field or expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    pub kind: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkConfig {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Task {
    pub arn: String,
    pub id: String,
    pub cluster_arn: SharedStr,
    pub task_definition_arn: SharedStr,
    /// `service:<name>` for tasks a service started, `family:<name>` for RunTask.
    pub group: Option<SharedStr>,
    pub last_status: SharedStr,
    pub desired_status: SharedStr,
    pub health: Option<SharedStr>,
    pub launch_type: Option<SharedStr>,
    pub capacity_provider: Option<SharedStr>,
    pub availability_zone: Option<SharedStr>,
    pub private_ip: Option<String>,
    pub container_instance_arn: Option<SharedStr>,
    pub cpu: Option<SharedStr>,
    pub memory: Option<SharedStr>,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub stopping_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub stopped_reason: Option<String>,
    pub stop_code: Option<SharedStr>,
    pub containers: Vec<Container>,
    /// ECS Exec was enabled when the task started (`enableExecuteCommand`).
    pub enable_execute_command: bool,
}

impl Task {
    /// The service this task belongs to, from its `group` (`service:<name>`).
    pub fn service_name(&self) -> Option<&str> {
        self.group.as_deref()?.strip_prefix("service:")
    }

    /// `family:revision` of the task definition.
    pub fn task_definition_short(&self) -> &str {
        arn_name(&self.task_definition_arn)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Container {
    pub name: SharedStr,
    pub image: Option<SharedStr>,
    pub last_status: Option<SharedStr>,
    pub health: Option<SharedStr>,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    pub runtime_id: Option<String>,
    /// The ExecuteCommandAgent's last status (`None`: the container has no such agent).
    pub exec_agent: Option<SharedStr>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerInstance {
    pub arn: String,
    pub ec2_instance_id: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub agent_connected: bool,
    pub agent_version: Option<String>,
    pub docker_version: Option<String>,
    pub cpu_registered: i32,
    pub cpu_remaining: i32,
    pub memory_registered: i32,
    pub memory_remaining: i32,
    pub running_tasks: i32,
    pub pending_tasks: i32,
    pub capacity_provider: Option<String>,
    pub instance_type: Option<String>,
    pub availability_zone: Option<String>,
    pub registered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskDefinition {
    pub arn: String,
    pub family: String,
    pub revision: i32,
    pub status: String,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub network_mode: Option<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub requires_compatibilities: Vec<String>,
    pub containers: Vec<ContainerDefinition>,
    pub registered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerDefinition {
    pub name: String,
    pub image: String,
    pub essential: bool,
    pub cpu: i32,
    pub memory: Option<i32>,
    pub memory_reservation: Option<i32>,
    pub port_mappings: Vec<PortMapping>,
    pub log_configuration: Option<LogConfiguration>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortMapping {
    pub container_port: Option<i32>,
    pub host_port: Option<i32>,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogConfiguration {
    pub driver: String,
    pub options: BTreeMap<String, String>,
}

/// Which tasks a tasks pane asks for: the running ones and the recently stopped ones (ECS
/// keeps stopped tasks visible for about an hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum TaskScope {
    Running,
    Stopped,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_helpers() {
        let arn = "arn:aws:ecs:eu-west-1:123456789012:task/prod/0a1b2c";
        assert_eq!(arn_name(arn), "0a1b2c");
        assert_eq!(arn_account(arn), Some("123456789012"));
        assert_eq!(arn_name("plain"), "plain");
        assert_eq!(arn_account("plain"), None);
        assert_eq!(arn_region(arn), Some("eu-west-1"));
        assert_eq!(arn_region("prod"), None);
        assert_eq!(arn_region("arn:aws:ecs"), None);
        assert_eq!(arn_region("arn:aws:iam::123456789012:role/x"), None);
        let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";
        assert_eq!(cluster_label(cluster), "prod (us-east-1)");
        assert_eq!(cluster_label("prod"), "prod");
    }
}

#[cfg(test)]
mod docker_version_tests {
    use super::docker_version_number;

    /// Describe and the table both show the version without ECS's label.
    #[test]
    fn the_label_goes() {
        assert_eq!(docker_version_number("DockerVersion: 20.10.25"), "20.10.25");
        assert_eq!(docker_version_number("25.0.6"), "25.0.6");
    }
}
