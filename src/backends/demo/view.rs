//! The fleet as the API describes it: every count is computed from the tasks at the time
//! of the call, so clusters, services and instances always agree with each other.

use std::collections::HashMap;

use super::ids::{
    AZS, cluster_arn, container_instance_arn, service_arn, task_arn, task_definition_arn,
};
use super::state::{
    ClusterState, ContainerState, Fleet, InstanceState, Launch, ServiceState, TaskState,
    TaskStatus, count,
};
use crate::domain::model::{
    Cluster, Container, ContainerInstance, Deployment, Service, SharedStr, Task, TaskScope,
};

const SERVICE_LINKED_ROLE: &str =
    "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";

pub(super) fn cluster(c: &ClusterState) -> Cluster {
    Cluster {
        arn: cluster_arn(&c.name),
        name: c.name.clone(),
        status: "ACTIVE".into(),
        active_services: count(c.services.iter()),
        running_tasks: count(c.tasks().filter(|t| t.status == TaskStatus::Running)),
        pending_tasks: count(c.tasks().filter(|t| t.status.is_pending())),
        registered_instances: count(c.instances.iter()),
        capacity_providers: c.capacity_providers.clone(),
        default_strategy: c.default_strategy.clone(),
        container_insights: Some(c.container_insights.clone()),
        tags: c.tags.clone(),
    }
}

fn launch_type(svc: &ServiceState) -> Option<String> {
    match svc.launch {
        Launch::Ec2 => Some("EC2".into()),
        Launch::Fargate => Some("FARGATE".into()),
        Launch::Strategy(_) => None,
    }
}

pub(super) fn service(c: &ClusterState, svc: &ServiceState) -> Service {
    let deployments = svc
        .deployments
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mine = || {
                svc.tasks
                    .iter()
                    .filter(|t| t.deployment.as_deref() == Some(&*d.id))
            };
            Deployment {
                id: d.id.clone(),
                status: if i == 0 { "PRIMARY" } else { "ACTIVE" }.into(),
                task_definition: task_definition_arn(&d.task_definition),
                // An older deployment's desired count shrinks as its tasks are replaced.
                desired: if i == 0 {
                    svc.desired
                } else {
                    count(mine().filter(|t| t.desired_running))
                },
                running: count(mine().filter(|t| t.status == TaskStatus::Running)),
                pending: count(mine().filter(|t| t.status.is_pending())),
                failed: d.failed,
                rollout_state: Some(d.rollout_state.clone()),
                rollout_reason: Some(d.rollout_reason.clone()),
                launch_type: launch_type(svc),
                created_at: Some(d.created_at),
                updated_at: Some(d.updated_at),
            }
        })
        .collect();
    let fargate = !matches!(svc.launch, Launch::Ec2);
    Service {
        arn: service_arn(&c.name, &svc.name),
        name: svc.name.clone(),
        cluster_arn: cluster_arn(&c.name),
        status: "ACTIVE".into(),
        desired: svc.desired,
        running: svc.running(),
        pending: svc.pending(),
        task_definition: task_definition_arn(svc.task_definition()),
        launch_type: launch_type(svc),
        capacity_provider_strategy: match &svc.launch {
            Launch::Strategy(items) => items.clone(),
            _ => Vec::new(),
        },
        scheduling_strategy: Some("REPLICA".into()),
        platform_version: fargate.then(|| "LATEST".into()),
        created_at: Some(svc.created_at),
        created_by: Some(svc.created_by.clone()),
        role_arn: Some(SERVICE_LINKED_ROLE.into()),
        deployment_config: svc.config.clone(),
        deployments,
        events: svc.events.clone(),
        load_balancers: svc.load_balancer.iter().cloned().collect(),
        placement_strategy: svc.placement_strategy.clone(),
        placement_constraints: svc.placement_constraints.clone(),
        network: svc.network.clone(),
        health_check_grace_period: svc.grace_period,
        enable_execute_command: svc.exec,
    }
}

/// Whether a task is listed in `scope`: ListTasks filters on the desired status.
pub(super) fn in_scope(t: &TaskState, scope: TaskScope) -> bool {
    match scope {
        TaskScope::Running => t.desired_running,
        TaskScope::Stopped => !t.desired_running,
    }
}

fn container_health(t: &TaskState, c: &ContainerState, step: u64) -> Option<&'static str> {
    if !c.plan.health_check {
        return None;
    }
    let serving = matches!(
        t.status,
        TaskStatus::Running | TaskStatus::Deactivating | TaskStatus::Stopping
    ) && c.exit_code.is_none();
    Some(match (serving, c.unhealthy) {
        (true, true) => "UNHEALTHY",
        (true, false) if t.healthy_at.is_none_or(|at| at <= step) => "HEALTHY",
        _ => "UNKNOWN",
    })
}

fn container_status(t: &TaskState, c: &ContainerState) -> &'static str {
    if c.exit_code.is_some() {
        return "STOPPED";
    }
    match t.status {
        TaskStatus::Provisioning | TaskStatus::Pending => "PENDING",
        TaskStatus::Running | TaskStatus::Deactivating | TaskStatus::Stopping => "RUNNING",
        TaskStatus::Deprovisioning | TaskStatus::Stopped => "STOPPED",
    }
}

pub(super) fn task(fleet: &Fleet, c: &ClusterState, t: &TaskState) -> Task {
    // Exec is on for a task when its service had it on (the demo never turns it off).
    let exec = t
        .group
        .strip_prefix("service:")
        .is_some_and(|name| c.services.iter().any(|s| s.name == name && s.exec));
    let healths: Vec<Option<&str>> = t
        .containers
        .iter()
        .map(|ct| container_health(t, ct, fleet.step))
        .collect();
    // Task health follows the essential containers that have health checks.
    let essential: Vec<&str> = t
        .containers
        .iter()
        .zip(&healths)
        .filter(|(ct, _)| ct.plan.essential)
        .filter_map(|(_, h)| *h)
        .collect();
    let health = if essential.contains(&"UNHEALTHY") {
        "UNHEALTHY"
    } else if !essential.is_empty() && essential.iter().all(|h| *h == "HEALTHY") {
        "HEALTHY"
    } else {
        "UNKNOWN"
    };
    let containers = t
        .containers
        .iter()
        .zip(&healths)
        .map(|(ct, h)| Container {
            name: ct.plan.name.as_str().into(),
            image: Some(ct.plan.image.as_str().into()),
            last_status: Some(container_status(t, ct).into()),
            health: h.map(SharedStr::from),
            exit_code: ct.exit_code,
            reason: ct.reason.clone(),
            runtime_id: (t.started_at.is_some()).then(|| ct.runtime_id.clone()),
            exec_agent: exec
                .then(|| container_status(t, ct))
                .map(|s| if s == "RUNNING" { "RUNNING" } else { "STOPPED" }.into()),
        })
        .collect();
    Task {
        enable_execute_command: exec,
        arn: task_arn(&c.name, &t.id),
        id: t.id.clone(),
        cluster_arn: cluster_arn(&c.name).into(),
        task_definition_arn: task_definition_arn(&t.task_definition).into(),
        group: Some(t.group.to_string().into()),
        last_status: t.status.as_str().into(),
        desired_status: if t.desired_running {
            "RUNNING"
        } else {
            "STOPPED"
        }
        .into(),
        health: Some(health.into()),
        launch_type: Some(t.launch_type.into()),
        capacity_provider: t.capacity_provider.as_ref().map(SharedStr::from),
        availability_zone: Some(AZS[t.az % AZS.len()].into()),
        private_ip: Some(t.private_ip.to_string()),
        container_instance_arn: t
            .instance
            .as_ref()
            .map(|i| container_instance_arn(&c.name, i).into()),
        cpu: Some(t.cpu.to_string().into()),
        memory: Some(t.memory.to_string().into()),
        created_at: Some(t.created_at),
        started_at: t.started_at,
        stopping_at: t.stopping_at,
        stopped_at: t.stopped_at,
        stopped_reason: t.stopped_reason.clone(),
        stop_code: t.stop_code.as_ref().map(SharedStr::from),
        containers,
    }
}

/// What the tasks on one container instance take and count.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Usage {
    cpu: i32,
    memory: i32,
    running: i32,
    pending: i32,
}

/// The usage of every instance of the cluster, by instance id, in one pass over its tasks
/// (a large cluster's instances are not each checked against every task).
pub(super) fn usage(c: &ClusterState) -> HashMap<&str, Usage> {
    let mut out: HashMap<&str, Usage> = HashMap::new();
    for t in c.tasks() {
        let Some(id) = t.instance.as_deref() else {
            continue;
        };
        let u = out.entry(id).or_default();
        if t.holds_resources() {
            u.cpu += t.cpu;
            u.memory += t.memory;
        }
        u.running += i32::from(t.status == TaskStatus::Running);
        u.pending += i32::from(t.status.is_pending());
    }
    out
}

/// An instance as DescribeContainerInstances returns it, from the cluster's `usage`.
pub(super) fn instance(
    c: &ClusterState,
    inst: &InstanceState,
    usage: &HashMap<&str, Usage>,
) -> ContainerInstance {
    let u = usage.get(inst.id.as_str()).copied().unwrap_or_default();
    let (cpu_used, memory_used) = (u.cpu, u.memory);
    ContainerInstance {
        arn: container_instance_arn(&c.name, &inst.id),
        ec2_instance_id: inst.ec2_instance_id.clone(),
        status: inst.status.clone(),
        status_reason: None,
        agent_connected: inst.agent_connected,
        agent_version: Some(inst.agent_version.clone()),
        docker_version: Some(crate::domain::model::docker_version_number(
            &inst.docker_version,
        )),
        cpu_registered: inst.cpu,
        cpu_remaining: inst.cpu - cpu_used,
        memory_registered: inst.memory,
        memory_remaining: inst.memory - memory_used,
        running_tasks: u.running,
        pending_tasks: u.pending,
        capacity_provider: Some(inst.capacity_provider.clone()),
        instance_type: Some(inst.instance_type.clone()),
        availability_zone: Some(AZS[inst.az % AZS.len()].into()),
        registered_at: Some(inst.registered_at),
    }
}
