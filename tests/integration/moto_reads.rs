//! `SdkBackend` reads against moto behind the AWS-like proxy: whole lists past the first
//! page, describes in API-sized batches, service scoping, stopped tasks, task definitions,
//! and how failures are classified.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, LaunchType, LogConfiguration, LogDriver,
    NetworkConfiguration, NetworkMode, PortMapping, Tag, TransportProtocol,
};
use ecsdash::domain::model::TaskScope;
use ecsdash::domain::{Backend, ErrorKind};
use futures::StreamExt;
use serde_json::json;

use crate::support::{self, ACCOUNT, REGION, count, unique};

/// RunTask in calls of at most 10 (the API maximum); returns the task ARNs in order.
async fn run_tasks(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    task_definition: &str,
    count: i32,
    group: Option<&str>,
    network: Option<NetworkConfiguration>,
) -> Vec<String> {
    let mut arns = Vec::new();
    let mut left = count;
    while left > 0 {
        let n = left.min(10);
        let out = ecs
            .run_task()
            .cluster(cluster)
            .task_definition(task_definition)
            .launch_type(LaunchType::Ec2)
            .count(n)
            .set_group(group.map(str::to_owned))
            .set_network_configuration(network.clone())
            .send()
            .await
            .expect("RunTask");
        assert!(
            out.failures().is_empty(),
            "RunTask failures: {:?}",
            out.failures()
        );
        arns.extend(
            out.tasks()
                .iter()
                .filter_map(|t| t.task_arn().map(str::to_owned)),
        );
        left -= n;
    }
    assert_eq!(arns.len(), usize::try_from(count).unwrap());
    arns
}

#[tokio::test]
async fn clusters_past_the_first_page_are_all_described() {
    let Some(moto) = support::moto() else { return };
    // ListClusters covers the whole region, so this test has a region to itself.
    let region = "ap-northeast-3";
    let ecs = support::ecs(&moto, region);
    let prefix = unique("fleet");
    let names: Vec<String> = (0..130).map(|i| format!("{prefix}-{i:03}")).collect();
    futures::stream::iter(&names)
        .for_each_concurrent(16, |name| {
            let ecs = &ecs;
            async move {
                ecs.create_cluster()
                    .cluster_name(name)
                    .tags(Tag::builder().key("index").value(name.clone()).build())
                    .send()
                    .await
                    .expect("CreateCluster");
            }
        })
        .await;

    let backend = support::backend(&moto, region).await;
    assert_eq!(backend.identity().account, None, "no ARN seen yet");
    let before = support::stats(&moto, Some(region), None).await;
    let clusters = backend.clusters().await.expect("clusters");
    let after = support::stats(&moto, Some(region), None).await;

    let mine: Vec<_> = clusters
        .iter()
        .filter(|c| c.name.starts_with(&prefix))
        .collect();
    let got: BTreeSet<&str> = mine.iter().map(|c| c.name.as_str()).collect();
    let want: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(got, want, "every cluster, none twice");
    assert_eq!(mine.len(), 130);
    for c in &mine {
        assert_eq!(c.status, "ACTIVE");
        assert_eq!(c.tags.get("index"), Some(&c.name), "TAGS were included");
        assert_eq!(
            c.arn,
            format!("arn:aws:ecs:{region}:{ACCOUNT}:cluster/{}", c.name)
        );
    }
    // Another run against the same moto may have left clusters in this region: the number
    // of calls follows from the total, 100 per page and per describe.
    let pages = clusters.len().div_ceil(100) as u64;
    assert!(pages >= 2);
    assert_eq!(
        count(&after, "ListClusters") - count(&before, "ListClusters"),
        pages
    );
    assert_eq!(
        count(&after, "DescribeClusters") - count(&before, "DescribeClusters"),
        pages
    );
    assert_eq!(backend.identity().account.as_deref(), Some(ACCOUNT));
}

#[tokio::test]
async fn services_past_the_first_page_are_described_ten_at_a_time() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let cluster = unique("svcs");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let td = support::small_task_definition(
        &ecs,
        &unique("svcfam"),
        Some(NetworkMode::Bridge),
        "nginx:1.27",
    )
    .await;
    let names: Vec<String> = (0..120).map(|i| format!("svc-{i:03}")).collect();
    support::create_services(&ecs, &cluster, &td, &names).await;
    // moto answers in one page: this is the order the proxy pages through.
    let listed = ecs
        .list_services()
        .cluster(&cluster)
        .send()
        .await
        .expect("ListServices")
        .service_arns
        .unwrap_or_default();
    assert_eq!(listed.len(), 120);

    let backend = support::backend(&moto, REGION).await;
    let services = backend.services(&cluster).await.expect("services");

    let arns: Vec<&str> = services.iter().map(|s| s.arn.as_str()).collect();
    assert_eq!(arns, listed, "all services, in list order");
    for s in &services {
        assert!(names.contains(&s.name));
        assert_eq!(s.desired, 2);
        assert_eq!(s.task_definition, td);
        assert_eq!(s.launch_type.as_deref(), Some("EC2"));
        assert_eq!(s.scheduling_strategy.as_deref(), Some("REPLICA"));
        assert_eq!(s.deployment_config.controller.as_deref(), Some("ECS"));
        let primary = s.primary_deployment().expect("a PRIMARY deployment");
        assert_eq!(primary.desired, 2);
        assert_eq!(primary.rollout_state.as_deref(), Some("IN_PROGRESS"));
        assert!(primary.created_at.is_some());
    }
    let stats = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    assert_eq!(count(&stats, "ListServices"), 2, "100 + 20: {stats:?}");
    assert_eq!(count(&stats, "DescribeServices"), 12, "120 / 10: {stats:?}");
}

#[tokio::test]
async fn tasks_past_the_first_page_are_all_described() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let (cluster, instance) = support::cluster_with_instance(&moto, &ecs, "tasks").await;
    let family = unique("taskfam");
    let td = support::small_task_definition(&ecs, &family, Some(NetworkMode::Bridge), "nginx:1.27")
        .await;
    let started = run_tasks(&ecs, &cluster, &td, 110, None, None).await;

    let backend = support::backend(&moto, REGION).await;
    let tasks = backend
        .tasks(&cluster, None, TaskScope::Running)
        .await
        .expect("tasks");

    let got: BTreeSet<&str> = tasks.iter().map(|t| t.arn.as_str()).collect();
    let want: BTreeSet<&str> = started.iter().map(String::as_str).collect();
    assert_eq!(got, want);
    assert_eq!(tasks.len(), 110);
    for t in &tasks {
        assert_eq!(t.id, t.arn.rsplit('/').next().unwrap());
        assert_eq!(t.last_status, "RUNNING");
        assert_eq!(t.desired_status, "RUNNING");
        assert_eq!(
            t.group.as_deref(),
            Some(format!("family:{family}").as_str())
        );
        assert_eq!(t.service_name(), None);
        assert_eq!(t.task_definition_short(), format!("{family}:1"));
        assert_eq!(t.container_instance_arn.as_deref(), Some(instance.as_str()));
        assert_eq!(t.launch_type.as_deref(), Some("EC2"));
        assert_eq!(t.containers.len(), 1);
        assert_eq!(t.containers[0].name, "web");
        assert_eq!(t.containers[0].image.as_deref(), Some("nginx:1.27"));
    }
    let stats = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    assert_eq!(count(&stats, "ListTasks"), 2, "{stats:?}");
    assert_eq!(count(&stats, "DescribeTasks"), 2, "{stats:?}");
}

#[tokio::test]
async fn container_instances_past_the_first_page_are_all_described() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let cluster = unique("fleet");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let ec2_ids = support::run_instances(&moto, REGION, 105, "c5.xlarge").await;
    support::register_instances(&ecs, &cluster, &ec2_ids).await;
    let listed = ecs
        .list_container_instances()
        .cluster(&cluster)
        .send()
        .await
        .expect("ListContainerInstances")
        .container_instance_arns
        .unwrap_or_default();

    let backend = support::backend(&moto, REGION).await;
    let instances = backend
        .container_instances(&cluster)
        .await
        .expect("container instances");

    let arns: Vec<&str> = instances.iter().map(|i| i.arn.as_str()).collect();
    assert_eq!(arns, listed, "all instances, in list order");
    let got: BTreeSet<&str> = instances
        .iter()
        .map(|i| i.ec2_instance_id.as_str())
        .collect();
    let want: BTreeSet<&str> = ec2_ids.iter().map(String::as_str).collect();
    assert_eq!(got, want);
    for i in &instances {
        assert_eq!(i.status, "ACTIVE");
        assert!(i.agent_connected);
        // moto registers every instance with the same fixed resources and agent version.
        assert_eq!((i.cpu_registered, i.memory_registered), (4096, 7482));
        assert_eq!((i.cpu_remaining, i.memory_remaining), (4096, 7482));
        assert_eq!(i.agent_version.as_deref(), Some("1.0.0"));
        assert_eq!(i.instance_type.as_deref(), Some("c5.xlarge"));
        let az = i.availability_zone.as_deref().expect("an AZ attribute");
        assert!(az.starts_with(REGION), "{az}");
        assert!(i.registered_at.is_some());
    }
    let stats = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    assert_eq!(count(&stats, "ListContainerInstances"), 2, "{stats:?}");
    assert_eq!(count(&stats, "DescribeContainerInstances"), 2, "{stats:?}");
}

#[tokio::test]
async fn a_service_scope_keeps_only_that_services_tasks() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let (cluster, _) = support::cluster_with_instance(&moto, &ecs, "scoped").await;
    let td = support::small_task_definition(
        &ecs,
        &unique("awsvpcfam"),
        Some(NetworkMode::Awsvpc),
        "nginx:1.27",
    )
    .await;
    let (subnet, group) = support::default_network(&moto, REGION).await;
    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&subnet)
                .security_groups(&group)
                .build()
                .unwrap(),
        )
        .build();
    let api = run_tasks(
        &ecs,
        &cluster,
        &td,
        3,
        Some("service:api"),
        Some(network.clone()),
    )
    .await;
    run_tasks(
        &ecs,
        &cluster,
        &td,
        2,
        Some("service:worker"),
        Some(network.clone()),
    )
    .await;
    run_tasks(&ecs, &cluster, &td, 1, None, Some(network)).await;

    let backend = support::backend(&moto, REGION).await;
    let all = backend
        .tasks(&cluster, None, TaskScope::Running)
        .await
        .expect("all tasks");
    assert_eq!(all.len(), 6);
    let tasks = backend
        .tasks(&cluster, Some("api"), TaskScope::Running)
        .await
        .expect("api tasks");

    let got: BTreeSet<&str> = tasks.iter().map(|t| t.arn.as_str()).collect();
    let want: BTreeSet<&str> = api.iter().map(String::as_str).collect();
    assert_eq!(
        got, want,
        "moto ignores serviceName; the group filter must not"
    );
    for t in &tasks {
        assert_eq!(t.service_name(), Some("api"));
        let ip = t.private_ip.as_deref().expect("the ENI's private IP");
        assert!(ip.parse::<std::net::Ipv4Addr>().is_ok(), "{ip}");
    }
    // A service ARN scopes the same way as its name.
    let service_arn = format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/api");
    let by_arn = backend
        .tasks(&cluster, Some(&service_arn), TaskScope::Running)
        .await
        .expect("by ARN");
    assert_eq!(by_arn.len(), 3);
}

#[tokio::test]
async fn the_stopped_scope_lists_stopped_tasks_with_their_reason() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let (cluster, _) = support::cluster_with_instance(&moto, &ecs, "stopped").await;
    let td = support::small_task_definition(
        &ecs,
        &unique("stopfam"),
        Some(NetworkMode::Bridge),
        "nginx:1.27",
    )
    .await;
    let started = run_tasks(&ecs, &cluster, &td, 3, Some("service:web"), None).await;
    ecs.stop_task()
        .cluster(&cluster)
        .task(&started[1])
        .reason("Scaled in by the test")
        .send()
        .await
        .expect("StopTask");

    let backend = support::backend(&moto, REGION).await;
    let stopped = backend
        .tasks(&cluster, None, TaskScope::Stopped)
        .await
        .expect("stopped");
    assert_eq!(stopped.len(), 1);
    let t = &stopped[0];
    assert_eq!(t.arn, started[1]);
    assert_eq!(t.desired_status, "STOPPED");
    assert_eq!(t.last_status, "STOPPED");
    assert_eq!(t.stopped_reason.as_deref(), Some("Scaled in by the test"));

    let running = backend
        .tasks(&cluster, None, TaskScope::Running)
        .await
        .expect("running");
    let running: BTreeSet<&str> = running.iter().map(|t| t.arn.as_str()).collect();
    let want: BTreeSet<&str> = [started[0].as_str(), started[2].as_str()].into();
    assert_eq!(running, want);
    let web_stopped = backend
        .tasks(&cluster, Some("web"), TaskScope::Stopped)
        .await
        .expect("web");
    assert_eq!(web_stopped.len(), 1);
}

#[tokio::test]
async fn a_task_definition_keeps_its_log_configuration() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let family = unique("logfam");
    let web = ContainerDefinition::builder()
        .name("web")
        .image("nginx:1.27")
        .cpu(128)
        .memory(256)
        .essential(true)
        .port_mappings(
            PortMapping::builder()
                .container_port(80)
                .host_port(8080)
                .protocol(TransportProtocol::Tcp)
                .build(),
        )
        .log_configuration(
            LogConfiguration::builder()
                .log_driver(LogDriver::Awslogs)
                .options("awslogs-group", "/ecs/checkout")
                .options("awslogs-region", "eu-west-1")
                .options("awslogs-stream-prefix", "checkout")
                .build()
                .unwrap(),
        )
        .build();
    let sidecar = ContainerDefinition::builder()
        .name("envoy")
        .image("envoyproxy/envoy:v1.31")
        .memory_reservation(64)
        .essential(false)
        .build();
    ecs.register_task_definition()
        .family(&family)
        .container_definitions(web)
        .container_definitions(sidecar)
        .send()
        .await
        .expect("RegisterTaskDefinition");

    let backend = support::backend(&moto, REGION).await;
    let td = backend
        .task_definition(&format!("{family}:1"))
        .await
        .expect("task definition");
    assert_eq!(
        td.arn,
        format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family}:1")
    );
    assert_eq!(
        (td.family.as_str(), td.revision, td.status.as_str()),
        (family.as_str(), 1, "ACTIVE")
    );
    assert_eq!(td.containers.len(), 2);
    let web = &td.containers[0];
    assert_eq!(
        (web.name.as_str(), web.cpu, web.memory),
        ("web", 128, Some(256))
    );
    assert!(web.essential);
    assert_eq!(web.port_mappings[0].container_port, Some(80));
    assert_eq!(web.port_mappings[0].host_port, Some(8080));
    let logs = web.log_configuration.as_ref().expect("awslogs");
    assert_eq!(logs.driver, "awslogs");
    assert_eq!(logs.options["awslogs-group"], "/ecs/checkout");
    assert_eq!(logs.options["awslogs-region"], "eu-west-1");
    assert_eq!(logs.options["awslogs-stream-prefix"], "checkout");
    let envoy = &td.containers[1];
    assert!(!envoy.essential);
    assert_eq!(envoy.memory_reservation, Some(64));
    assert_eq!(envoy.log_configuration, None);
    assert_eq!(backend.identity().account.as_deref(), Some(ACCOUNT));

    // By ARN too, and a family that does not exist is NotFound.
    let again = backend.task_definition(&td.arn).await.expect("by ARN");
    assert_eq!(again, td);
    let err = backend
        .task_definition(&format!("{family}-nope:1"))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn unknown_clusters_are_not_found() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let (cluster, _) = support::cluster_with_instance(&moto, &ecs, "known").await;
    let backend = support::backend(&moto, REGION).await;

    let known = backend
        .cluster(&cluster)
        .await
        .expect("an existing cluster");
    assert_eq!(known.name, cluster);
    assert_eq!(known.registered_instances, 1);

    let missing = unique("nope");
    let err = backend.cluster(&missing).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    assert_eq!(err.operation, "DescribeClusters");
    assert!(
        err.message
            .contains(&format!("cluster '{missing}' not found in {REGION}")),
        "{err}"
    );

    let err = backend.services(&missing).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
    assert_eq!(err.message, "ClusterNotFoundException: Cluster not found.");
}

#[tokio::test]
async fn throttling_that_outlasts_the_retries_is_reported_as_throttled() {
    let Some(moto) = support::moto() else { return };
    let cluster = support::cluster_with_services(&moto, 3).await;
    support::inject(
        &moto,
        json!({"target": "ListServices", "status": 400, "type": "ThrottlingException",
               "message": "Rate exceeded", "count": 3, "match": cluster}),
    )
    .await;

    let backend = support::backend(&moto, REGION).await;
    let err = backend.services(&cluster).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Throttled, "{err}");
    assert_eq!(err.operation, "ListServices");
    assert_eq!(err.message, "ThrottlingException: Rate exceeded");
    let stats = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    assert_eq!(
        count(&stats, "ListServices"),
        3,
        "three attempts: {stats:?}"
    );
    assert_eq!(count(&stats, "DescribeServices"), 0, "{stats:?}");
}

#[tokio::test]
async fn one_throttle_is_absorbed_by_the_sdk_retries() {
    let Some(moto) = support::moto() else { return };
    let cluster = support::cluster_with_services(&moto, 3).await;
    support::inject(
        &moto,
        json!({"target": "AmazonEC2ContainerServiceV20141113.DescribeServices", "status": 400,
               "type": "ThrottlingException", "message": "Rate exceeded", "count": 1,
               "match": cluster}),
    )
    .await;

    let backend = support::backend(&moto, REGION).await;
    let services = backend
        .services(&cluster)
        .await
        .expect("retried past one throttle");
    let names: BTreeSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, BTreeSet::from(["svc-0", "svc-1", "svc-2"]));
    let stats = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    assert_eq!(
        count(&stats, "DescribeServices"),
        2,
        "one refused, one retried: {stats:?}"
    );
}

#[tokio::test]
async fn access_denied_keeps_the_aws_message() {
    let Some(moto) = support::moto() else { return };
    let cluster = support::cluster_with_services(&moto, 1).await;
    let message = format!(
        "User: arn:aws:sts::{ACCOUNT}:assumed-role/readonly/me is not authorized to perform: ecs:DescribeServices"
    );
    support::inject(
        &moto,
        json!({"target": "DescribeServices", "status": 400, "type": "AccessDeniedException",
               "message": message, "match": cluster}),
    )
    .await;

    let backend = support::backend(&moto, REGION).await;
    let err = backend.services(&cluster).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::AccessDenied, "{err}");
    assert_eq!(err.message, format!("AccessDeniedException: {message}"));
}

#[tokio::test]
async fn a_hung_endpoint_ends_in_a_timeout() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let cluster = unique("hung");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    support::inject(
        &moto,
        json!({"target": "DescribeClusters", "delay_ms": 5000, "count": 3, "match": cluster}),
    )
    .await;

    let backend = support::backend_with_timeout(&moto, REGION, Duration::from_secs(1)).await;
    let started = Instant::now();
    let err = backend.cluster(&cluster).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "gave up after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_proxy_pages_and_refuses_like_aws() {
    // The other tests mean something only if the harness behaves like ECS.
    let Some(moto) = support::moto() else { return };
    let cluster = support::cluster_with_services(&moto, 12).await;
    let ecs = support::ecs_via_proxy(&moto, REGION);

    let first = ecs
        .list_services()
        .cluster(&cluster)
        .send()
        .await
        .expect("ListServices");
    assert_eq!(
        first.service_arns().len(),
        10,
        "ListServices pages by 10 by default"
    );
    let token = first.next_token().expect("a nextToken").to_owned();
    let second = ecs
        .list_services()
        .cluster(&cluster)
        .next_token(token)
        .send()
        .await
        .expect("second page");
    assert_eq!(second.service_arns().len(), 2);
    assert_eq!(second.next_token(), None);

    let eleven: Vec<String> = (0..11).map(|i| format!("svc-{i}")).collect();
    let err = ecs
        .describe_services()
        .cluster(&cluster)
        .set_services(Some(eleven))
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert_eq!(
        aws_sdk_ecs::error::ProvideErrorMetadata::code(&err),
        Some("InvalidParameterException")
    );
}
