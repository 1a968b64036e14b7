//! SDK types into the domain model. Nothing else in the crate sees SDK types.

use std::collections::BTreeMap;

use aws_sdk_ecs::types as ecs;
use chrono::{DateTime, Utc};

use crate::domain::model::{
    CapacityProviderItem, Cluster, Container, ContainerDefinition, ContainerInstance, Deployment,
    DeploymentConfig, LoadBalancer, LogConfiguration, NetworkConfig, Placement, PortMapping,
    Service, ServiceEvent, SharedStr, TargetHealth, Task, TaskDefinition, arn_name,
};

pub(crate) fn cluster(c: &ecs::Cluster) -> Cluster {
    let arn = text(c.cluster_arn());
    let name = c
        .cluster_name()
        .map(str::to_owned)
        .unwrap_or_else(|| arn_name(&arn).to_owned());
    let container_insights = c
        .settings()
        .iter()
        .find(|s| s.name() == Some(&ecs::ClusterSettingName::ContainerInsights))
        .and_then(|s| s.value())
        .map(str::to_owned);
    Cluster {
        name,
        status: text(c.status()),
        active_services: c.active_services_count(),
        running_tasks: c.running_tasks_count(),
        pending_tasks: c.pending_tasks_count(),
        registered_instances: c.registered_container_instances_count(),
        capacity_providers: c.capacity_providers().to_vec(),
        default_strategy: strategy(c.default_capacity_provider_strategy()),
        container_insights,
        tags: c
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
        arn,
    }
}

pub(crate) fn service(s: &ecs::Service) -> Service {
    let arn = text(s.service_arn());
    let name = s
        .service_name()
        .map(str::to_owned)
        .unwrap_or_else(|| arn_name(&arn).to_owned());
    Service {
        name,
        cluster_arn: text(s.cluster_arn()),
        status: text(s.status()),
        desired: s.desired_count(),
        running: s.running_count(),
        pending: s.pending_count(),
        task_definition: text(s.task_definition()),
        launch_type: s.launch_type().map(|l| l.as_str().to_owned()),
        capacity_provider_strategy: strategy(s.capacity_provider_strategy()),
        scheduling_strategy: s.scheduling_strategy().map(|x| x.as_str().to_owned()),
        platform_version: optional(s.platform_version()),
        created_at: time(s.created_at()),
        created_by: optional(s.created_by()),
        role_arn: optional(s.role_arn()),
        deployment_config: deployment_config(s),
        deployments: s.deployments().iter().map(deployment).collect(),
        events: s.events().iter().map(event).collect(),
        load_balancers: s.load_balancers().iter().map(load_balancer).collect(),
        placement_strategy: s
            .placement_strategy()
            .iter()
            .map(|p| Placement {
                kind: p
                    .r#type()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                detail: optional(p.field()),
            })
            .collect(),
        placement_constraints: s
            .placement_constraints()
            .iter()
            .map(|p| Placement {
                kind: p
                    .r#type()
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
                detail: optional(p.expression()),
            })
            .collect(),
        network: s.network_configuration().and_then(network),
        health_check_grace_period: s.health_check_grace_period_seconds(),
        enable_execute_command: s.enable_execute_command(),
        arn,
    }
}

fn deployment_config(s: &ecs::Service) -> DeploymentConfig {
    let config = s.deployment_configuration();
    let breaker = config.and_then(|c| c.deployment_circuit_breaker());
    DeploymentConfig {
        minimum_healthy_percent: config.and_then(|c| c.minimum_healthy_percent()),
        maximum_percent: config.and_then(|c| c.maximum_percent()),
        circuit_breaker_enabled: breaker.is_some_and(|b| b.enable()),
        circuit_breaker_rollback: breaker.is_some_and(|b| b.rollback()),
        controller: s
            .deployment_controller()
            .map(|c| c.r#type().as_str().to_owned()),
    }
}

fn deployment(d: &ecs::Deployment) -> Deployment {
    Deployment {
        id: text(d.id()),
        status: text(d.status()),
        task_definition: text(d.task_definition()),
        desired: d.desired_count(),
        running: d.running_count(),
        pending: d.pending_count(),
        failed: d.failed_tasks(),
        rollout_state: d.rollout_state().map(|r| r.as_str().to_owned()),
        rollout_reason: optional(d.rollout_state_reason()),
        launch_type: d.launch_type().map(|l| l.as_str().to_owned()),
        created_at: time(d.created_at()),
        updated_at: time(d.updated_at()),
    }
}

fn event(e: &ecs::ServiceEvent) -> ServiceEvent {
    ServiceEvent {
        id: text(e.id()),
        created_at: time(e.created_at()),
        message: text(e.message()),
    }
}

fn load_balancer(lb: &ecs::LoadBalancer) -> LoadBalancer {
    LoadBalancer {
        target_group_arn: optional(lb.target_group_arn()),
        load_balancer_name: optional(lb.load_balancer_name()),
        container_name: optional(lb.container_name()),
        container_port: lb.container_port(),
    }
}

fn network(n: &ecs::NetworkConfiguration) -> Option<NetworkConfig> {
    let vpc = n.awsvpc_configuration()?;
    Some(NetworkConfig {
        subnets: vpc.subnets().to_vec(),
        security_groups: vpc.security_groups().to_vec(),
        assign_public_ip: vpc.assign_public_ip().map(|a| a.as_str().to_owned()),
    })
}

fn strategy(items: &[ecs::CapacityProviderStrategyItem]) -> Vec<CapacityProviderItem> {
    items
        .iter()
        .map(|i| CapacityProviderItem {
            provider: i.capacity_provider().to_owned(),
            weight: i.weight(),
            base: i.base(),
        })
        .collect()
}

pub(crate) fn task(t: &ecs::Task) -> Task {
    let arn = text(t.task_arn());
    // What every task of a service repeats is held once (`SharedStr::intern`).
    let shared = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(SharedStr::intern);
    let availability_zone = shared(t.availability_zone()).or_else(|| {
        t.attributes()
            .iter()
            .find(|a| a.name() == "ecs.availability-zone")
            .and_then(|a| shared(a.value()))
    });
    Task {
        id: arn_name(&arn).to_owned(),
        cluster_arn: SharedStr::intern(t.cluster_arn().unwrap_or_default()),
        task_definition_arn: SharedStr::intern(t.task_definition_arn().unwrap_or_default()),
        group: shared(t.group()),
        last_status: SharedStr::intern(t.last_status().unwrap_or_default()),
        desired_status: SharedStr::intern(t.desired_status().unwrap_or_default()),
        health: shared(t.health_status().map(|h| h.as_str())),
        launch_type: shared(t.launch_type().map(|l| l.as_str())),
        capacity_provider: shared(t.capacity_provider_name()),
        availability_zone,
        private_ip: private_ip(t),
        container_instance_arn: shared(t.container_instance_arn()),
        cpu: shared(t.cpu()),
        memory: shared(t.memory()),
        created_at: time(t.created_at()),
        started_at: time(t.started_at()),
        stopping_at: time(t.stopping_at()),
        stopped_at: time(t.stopped_at()),
        stopped_reason: optional(t.stopped_reason()),
        stop_code: shared(t.stop_code().map(|c| c.as_str())),
        containers: t.containers().iter().map(container).collect(),
        enable_execute_command: t.enable_execute_command(),
        arn,
    }
}

/// The task's address: its ENI (awsvpc), else a container's interface, else a binding on a
/// specific host address (bridge and host mode bind the wildcard, which says nothing).
fn private_ip(t: &ecs::Task) -> Option<String> {
    let from_eni = t
        .attachments()
        .iter()
        .filter(|a| a.r#type() == Some("ElasticNetworkInterface"))
        .flat_map(|a| a.details())
        .find(|d| d.name() == Some("privateIPv4Address"))
        .and_then(|d| optional(d.value()));
    let from_interface = || {
        t.containers()
            .iter()
            .flat_map(|c| c.network_interfaces())
            .find_map(|i| optional(i.private_ipv4_address()))
    };
    let from_binding = || {
        t.containers()
            .iter()
            .flat_map(|c| c.network_bindings())
            .filter_map(|b| b.bind_ip())
            .find(|ip| !matches!(*ip, "" | "0.0.0.0" | "::"))
            .map(str::to_owned)
    };
    from_eni.or_else(from_interface).or_else(from_binding)
}

fn container(c: &ecs::Container) -> Container {
    let shared = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(SharedStr::intern);
    Container {
        name: SharedStr::intern(c.name().unwrap_or_default()),
        image: shared(c.image()),
        last_status: shared(c.last_status()),
        health: shared(c.health_status().map(|h| h.as_str())),
        exit_code: c.exit_code(),
        reason: optional(c.reason()),
        runtime_id: optional(c.runtime_id()),
        exec_agent: c
            .managed_agents()
            .iter()
            .find(|a| {
                a.name()
                    .is_some_and(|n| n.as_str() == "ExecuteCommandAgent")
            })
            .map(|a| SharedStr::intern(a.last_status().unwrap_or("UNKNOWN"))),
    }
}

pub(crate) fn container_instance(ci: &ecs::ContainerInstance) -> ContainerInstance {
    let attribute = |name: &str| {
        ci.attributes()
            .iter()
            .find(|a| a.name() == name)
            .and_then(|a| optional(a.value()))
    };
    let version = ci.version_info();
    ContainerInstance {
        arn: text(ci.container_instance_arn()),
        ec2_instance_id: text(ci.ec2_instance_id()),
        status: text(ci.status()),
        status_reason: optional(ci.status_reason()),
        agent_connected: ci.agent_connected(),
        agent_version: version.and_then(|v| optional(v.agent_version())),
        docker_version: version
            .and_then(|v| optional(v.docker_version()))
            .map(|v| crate::domain::model::docker_version_number(&v)),
        cpu_registered: resource(ci.registered_resources(), "CPU"),
        cpu_remaining: resource(ci.remaining_resources(), "CPU"),
        memory_registered: resource(ci.registered_resources(), "MEMORY"),
        memory_remaining: resource(ci.remaining_resources(), "MEMORY"),
        running_tasks: ci.running_tasks_count(),
        pending_tasks: ci.pending_tasks_count(),
        capacity_provider: optional(ci.capacity_provider_name()),
        instance_type: attribute("ecs.instance-type"),
        availability_zone: attribute("ecs.availability-zone"),
        registered_at: time(ci.registered_at()),
    }
}

fn resource(resources: &[ecs::Resource], name: &str) -> i32 {
    resources
        .iter()
        .find(|r| r.name() == Some(name))
        .map(|r| r.integer_value())
        .unwrap_or_default()
}

pub(crate) fn task_definition(td: &ecs::TaskDefinition) -> TaskDefinition {
    TaskDefinition {
        arn: text(td.task_definition_arn()),
        family: text(td.family()),
        revision: td.revision(),
        status: td
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        task_role_arn: optional(td.task_role_arn()),
        execution_role_arn: optional(td.execution_role_arn()),
        network_mode: td.network_mode().map(|m| m.as_str().to_owned()),
        cpu: optional(td.cpu()),
        memory: optional(td.memory()),
        registered_at: time(td.registered_at()),
        requires_compatibilities: td
            .requires_compatibilities()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        containers: td
            .container_definitions()
            .iter()
            .map(container_definition)
            .collect(),
    }
}

fn container_definition(c: &ecs::ContainerDefinition) -> ContainerDefinition {
    ContainerDefinition {
        name: text(c.name()),
        image: text(c.image()),
        // ECS treats an unset `essential` as true.
        essential: c.essential().unwrap_or(true),
        cpu: c.cpu(),
        memory: c.memory(),
        memory_reservation: c.memory_reservation(),
        port_mappings: c
            .port_mappings()
            .iter()
            .map(|p| PortMapping {
                container_port: p.container_port(),
                host_port: p.host_port(),
                protocol: p.protocol().map(|x| x.as_str().to_owned()),
            })
            .collect(),
        log_configuration: c.log_configuration().map(|l| LogConfiguration {
            driver: l.log_driver().as_str().to_owned(),
            options: l
                .options()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_else(BTreeMap::new),
        }),
    }
}

fn text(s: Option<&str>) -> String {
    s.unwrap_or_default().to_owned()
}

/// `None` for absent and for empty strings (some endpoints send `""` for "no value").
fn optional(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

pub(crate) fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<DateTime<Utc>> {
    let t = t?;
    DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}

/// One target of DescribeTargetHealth.
pub(crate) fn target_health(
    d: &aws_sdk_elasticloadbalancingv2::types::TargetHealthDescription,
) -> TargetHealth {
    let health = d.target_health();
    TargetHealth {
        target: d
            .target()
            .and_then(|t| t.id())
            .unwrap_or_default()
            .to_owned(),
        port: d.target().and_then(|t| t.port()),
        state: health
            .and_then(|h| h.state())
            .map_or_else(|| "unknown".to_owned(), |s| s.as_str().to_owned()),
        reason: health
            .and_then(|h| h.reason())
            .map(|r| r.as_str().to_owned()),
        description: health.and_then(|h| h.description()).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests;
