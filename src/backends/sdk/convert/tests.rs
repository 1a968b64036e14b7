use aws_sdk_ecs::types as ecs;
use aws_smithy_types::DateTime as SdkTime;

use super::*;

const TASK_ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:task/prod/0a1b2c";

fn kv(name: &str, value: &str) -> ecs::KeyValuePair {
    ecs::KeyValuePair::builder().name(name).value(value).build()
}

#[test]
fn cluster_settings_tags_and_strategy() {
    let c = ecs::Cluster::builder()
        .cluster_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/prod")
        .status("ACTIVE")
        .active_services_count(3)
        .running_tasks_count(7)
        .pending_tasks_count(1)
        .registered_container_instances_count(2)
        .capacity_providers("FARGATE")
        .default_capacity_provider_strategy(
            ecs::CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE")
                .weight(2)
                .base(1)
                .build()
                .unwrap(),
        )
        .settings(
            ecs::ClusterSetting::builder()
                .name(ecs::ClusterSettingName::ContainerInsights)
                .value("enhanced")
                .build(),
        )
        .tags(ecs::Tag::builder().key("team").value("payments").build())
        .build();
    let c = cluster(&c);
    // The name falls back to the ARN's last segment when the answer omits it.
    assert_eq!(c.name, "prod");
    assert_eq!(
        (c.active_services, c.running_tasks, c.pending_tasks),
        (3, 7, 1)
    );
    assert_eq!(c.registered_instances, 2);
    assert_eq!(c.container_insights.as_deref(), Some("enhanced"));
    assert_eq!(c.tags.get("team").map(String::as_str), Some("payments"));
    assert_eq!(c.default_strategy[0].provider, "FARGATE");
    assert_eq!(
        (c.default_strategy[0].weight, c.default_strategy[0].base),
        (2, 1)
    );
}

#[test]
fn service_with_everything() {
    let s = ecs::Service::builder()
        .service_arn("arn:aws:ecs:eu-west-1:123456789012:service/prod/api")
        .service_name("api")
        .cluster_arn("arn:aws:ecs:eu-west-1:123456789012:cluster/prod")
        .status("ACTIVE")
        .desired_count(4)
        .running_count(3)
        .pending_count(1)
        .task_definition("arn:aws:ecs:eu-west-1:123456789012:task-definition/api:7")
        .capacity_provider_strategy(
            ecs::CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .weight(2)
                .build()
                .unwrap(),
        )
        .created_at(SdkTime::from_secs(1_700_000_000))
        .deployment_configuration(
            ecs::DeploymentConfiguration::builder()
                .minimum_healthy_percent(50)
                .maximum_percent(200)
                .deployment_circuit_breaker(
                    ecs::DeploymentCircuitBreaker::builder()
                        .enable(true)
                        .rollback(true)
                        .build(),
                )
                .build(),
        )
        .deployment_controller(
            ecs::DeploymentController::builder()
                .r#type(ecs::DeploymentControllerType::Ecs)
                .build()
                .unwrap(),
        )
        .deployments(
            ecs::Deployment::builder()
                .id("ecs-svc/2")
                .status("PRIMARY")
                .desired_count(4)
                .running_count(1)
                .failed_tasks(2)
                .rollout_state(ecs::DeploymentRolloutState::InProgress)
                .rollout_state_reason("ECS deployment ecs-svc/2 in progress.")
                .build(),
        )
        .deployments(
            ecs::Deployment::builder()
                .id("ecs-svc/1")
                .status("ACTIVE")
                .rollout_state(ecs::DeploymentRolloutState::Completed)
                .build(),
        )
        .events(
            ecs::ServiceEvent::builder()
                .id("e1")
                .message("(service api) has reached a steady state.")
                .created_at(SdkTime::from_secs(1_700_000_100))
                .build(),
        )
        .load_balancers(
            ecs::LoadBalancer::builder()
                .target_group_arn("arn:aws:elasticloadbalancing:tg/api")
                .container_name("web")
                .container_port(8080)
                .build(),
        )
        .placement_strategy(
            ecs::PlacementStrategy::builder()
                .r#type(ecs::PlacementStrategyType::Spread)
                .field("attribute:ecs.availability-zone")
                .build(),
        )
        .placement_constraints(
            ecs::PlacementConstraint::builder()
                .r#type(ecs::PlacementConstraintType::DistinctInstance)
                .build(),
        )
        .network_configuration(
            ecs::NetworkConfiguration::builder()
                .awsvpc_configuration(
                    ecs::AwsVpcConfiguration::builder()
                        .subnets("subnet-1")
                        .security_groups("sg-1")
                        .assign_public_ip(ecs::AssignPublicIp::Disabled)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .health_check_grace_period_seconds(60)
        .enable_execute_command(true)
        .build();
    let s = service(&s);
    assert_eq!(s.name, "api");
    assert_eq!((s.desired, s.running, s.pending), (4, 3, 1));
    assert_eq!(s.task_definition_short(), "api:7");
    assert_eq!(s.launch_label(), "FARGATE_SPOT:2");
    assert_eq!(s.created_at.map(|t| t.timestamp()), Some(1_700_000_000));
    let dc = &s.deployment_config;
    assert_eq!(
        (dc.minimum_healthy_percent, dc.maximum_percent),
        (Some(50), Some(200))
    );
    assert!(dc.circuit_breaker_enabled && dc.circuit_breaker_rollback);
    assert_eq!(dc.controller.as_deref(), Some("ECS"));
    let primary = s.primary_deployment().unwrap();
    assert_eq!(primary.rollout_state.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(primary.failed, 2);
    assert_eq!(s.other_active_deployments(), 1);
    assert_eq!(s.deployments[1].rollout_state.as_deref(), Some("COMPLETED"));
    assert_eq!(
        s.events[0].message,
        "(service api) has reached a steady state."
    );
    assert_eq!(s.load_balancers[0].container_port, Some(8080));
    assert_eq!(s.placement_strategy[0].kind, "spread");
    assert_eq!(
        s.placement_strategy[0].detail.as_deref(),
        Some("attribute:ecs.availability-zone")
    );
    assert_eq!(s.placement_constraints[0].kind, "distinctInstance");
    assert_eq!(s.placement_constraints[0].detail, None);
    let net = s.network.unwrap();
    assert_eq!(net.subnets, ["subnet-1"]);
    assert_eq!(net.assign_public_ip.as_deref(), Some("DISABLED"));
    assert_eq!(s.health_check_grace_period, Some(60));
    assert!(s.enable_execute_command);
}

fn container_with(
    f: impl FnOnce(ecs::builders::ContainerBuilder) -> ecs::builders::ContainerBuilder,
) -> ecs::Container {
    f(ecs::Container::builder().name("web")).build()
}

#[test]
fn task_private_ip_comes_from_the_eni_first() {
    let t = ecs::Task::builder()
        .task_arn(TASK_ARN)
        .attachments(
            ecs::Attachment::builder()
                .r#type("ElasticNetworkInterface")
                .details(kv("subnetId", "subnet-1"))
                .details(kv("privateIPv4Address", "10.0.1.17"))
                .build(),
        )
        .containers(container_with(|c| {
            c.network_interfaces(
                ecs::NetworkInterface::builder()
                    .private_ipv4_address("10.9.9.9")
                    .build(),
            )
        }))
        .build();
    assert_eq!(task(&t).private_ip.as_deref(), Some("10.0.1.17"));
}

#[test]
fn task_private_ip_falls_back_to_interfaces_then_specific_bindings() {
    let t = ecs::Task::builder()
        .task_arn(TASK_ARN)
        .containers(container_with(|c| {
            c.network_interfaces(
                ecs::NetworkInterface::builder()
                    .private_ipv4_address("10.0.2.5")
                    .build(),
            )
        }))
        .build();
    assert_eq!(task(&t).private_ip.as_deref(), Some("10.0.2.5"));

    let binding = |ip: &str| {
        ecs::NetworkBinding::builder()
            .bind_ip(ip)
            .host_port(32768)
            .build()
    };
    let t = ecs::Task::builder()
        .task_arn(TASK_ARN)
        .containers(container_with(|c| {
            c.network_bindings(binding("0.0.0.0"))
                .network_bindings(binding("172.17.0.4"))
        }))
        .build();
    assert_eq!(task(&t).private_ip.as_deref(), Some("172.17.0.4"));

    let t = ecs::Task::builder()
        .task_arn(TASK_ARN)
        .containers(container_with(|c| c.network_bindings(binding("0.0.0.0"))))
        .build();
    assert_eq!(task(&t).private_ip, None);
}

#[test]
fn stopped_task_with_exit_codes() {
    let t = ecs::Task::builder()
        .task_arn(TASK_ARN)
        .group("service:api")
        .last_status("STOPPED")
        .desired_status("STOPPED")
        .stopped_reason("Essential container in task exited")
        .stop_code(ecs::TaskStopCode::EssentialContainerExited)
        .stopped_at(SdkTime::from_secs(1_700_000_500))
        .attributes(
            ecs::Attribute::builder()
                .name("ecs.availability-zone")
                .value("eu-west-1b")
                .build()
                .unwrap(),
        )
        .containers(container_with(|c| {
            c.exit_code(137)
                .reason("OutOfMemoryError: Container killed due to memory usage")
                .last_status("STOPPED")
                .runtime_id("abc123")
        }))
        .build();
    let t = task(&t);
    assert_eq!(t.id, "0a1b2c");
    assert_eq!(t.service_name(), Some("api"));
    assert_eq!(t.stop_code.as_deref(), Some("EssentialContainerExited"));
    assert_eq!(
        t.stopped_reason.as_deref(),
        Some("Essential container in task exited")
    );
    assert_eq!(t.stopped_at.map(|s| s.timestamp()), Some(1_700_000_500));
    assert_eq!(t.availability_zone.as_deref(), Some("eu-west-1b"));
    let c = &t.containers[0];
    assert_eq!(c.exit_code, Some(137));
    assert!(c.reason.as_deref().unwrap().starts_with("OutOfMemoryError"));
    assert_eq!(c.runtime_id.as_deref(), Some("abc123"));
}

#[test]
fn empty_strings_are_absent() {
    let t = ecs::Task::builder()
        .task_arn(TASK_ARN)
        .stopped_reason("")
        .build();
    assert_eq!(task(&t).stopped_reason, None);
}

#[test]
fn container_instance_resources_and_attributes() {
    let res = |name: &str, v: i32| ecs::Resource::builder().name(name).integer_value(v).build();
    let attr = |name: &str, v: &str| {
        ecs::Attribute::builder()
            .name(name)
            .value(v)
            .build()
            .unwrap()
    };
    let ci = ecs::ContainerInstance::builder()
        .container_instance_arn("arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/1")
        .ec2_instance_id("i-0abc")
        .status("DRAINING")
        .agent_connected(false)
        .version_info(
            ecs::VersionInfo::builder()
                .agent_version("1.82.0")
                .docker_version("DockerVersion: 20.10")
                .build(),
        )
        .registered_resources(res("CPU", 2048))
        .registered_resources(res("MEMORY", 7982))
        .remaining_resources(res("CPU", 512))
        .remaining_resources(res("MEMORY", 1024))
        .capacity_provider_name("asg-cp")
        .attributes(attr("ecs.instance-type", "m6i.large"))
        .attributes(attr("ecs.availability-zone", "eu-west-1a"))
        .build();
    let ci = container_instance(&ci);
    assert_eq!(ci.ec2_instance_id, "i-0abc");
    assert_eq!(ci.status, "DRAINING");
    assert!(!ci.agent_connected);
    assert_eq!(ci.agent_version.as_deref(), Some("1.82.0"));
    assert_eq!((ci.cpu_registered, ci.cpu_remaining), (2048, 512));
    assert_eq!((ci.memory_registered, ci.memory_remaining), (7982, 1024));
    assert_eq!(ci.capacity_provider.as_deref(), Some("asg-cp"));
    assert_eq!(ci.instance_type.as_deref(), Some("m6i.large"));
    assert_eq!(ci.availability_zone.as_deref(), Some("eu-west-1a"));
}

#[test]
fn task_definition_containers_and_logs() {
    let td = ecs::TaskDefinition::builder()
        .task_definition_arn("arn:aws:ecs:eu-west-1:123456789012:task-definition/api:7")
        .family("api")
        .revision(7)
        .status(ecs::TaskDefinitionStatus::Active)
        .network_mode(ecs::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ecs::ContainerDefinition::builder()
                .name("web")
                .image("nginx:1.27")
                .memory_reservation(128)
                .port_mappings(
                    ecs::PortMapping::builder()
                        .container_port(80)
                        .protocol(ecs::TransportProtocol::Tcp)
                        .build(),
                )
                .log_configuration(
                    ecs::LogConfiguration::builder()
                        .log_driver(ecs::LogDriver::Awslogs)
                        .options("awslogs-group", "/ecs/api")
                        .options("awslogs-stream-prefix", "api")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .build();
    let td = task_definition(&td);
    assert_eq!((td.family.as_str(), td.revision), ("api", 7));
    assert_eq!(td.status, "ACTIVE");
    assert_eq!(td.network_mode.as_deref(), Some("awsvpc"));
    assert_eq!(td.requires_compatibilities, ["FARGATE"]);
    let web = &td.containers[0];
    assert!(web.essential, "unset essential means essential");
    assert_eq!(web.memory_reservation, Some(128));
    assert_eq!(web.port_mappings[0].protocol.as_deref(), Some("tcp"));
    let logs = web.log_configuration.as_ref().unwrap();
    assert_eq!(logs.driver, "awslogs");
    assert_eq!(logs.options["awslogs-group"], "/ecs/api");
    assert_eq!(logs.options["awslogs-stream-prefix"], "api");
}
