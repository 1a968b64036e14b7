//! Load balancer target health against moto (ELBv2 speaks the query protocol moto
//! answers): a target group with a healthy target and one on a stopped instance. What is
//! proven: DescribeTargetHealth through the backend (and the test layer) gives each
//! target's state, reason and description; the services pane's HEALTH column counts 1/1
//! for a service behind that group (an unused target, with no task behind it, does not
//! count), and its describe view names the unused target and why.

use std::io::Write;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_ecs::types::{LaunchType, LoadBalancer, NetworkMode};

use crate::support::{self, unique};
use crate::terminal::Dashboard;

const REGION: &str = "us-east-1";

/// A target group with two instances registered, the second one stopped.
async fn target_group(moto: &support::Moto) -> String {
    let config = aws_sdk_elasticloadbalancingv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.direct)
        .region(Region::new(REGION))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .build();
    let elb = aws_sdk_elasticloadbalancingv2::Client::from_conf(config);
    let vpc = support::xml_values(
        &support::ec2(moto, REGION, "Action=DescribeVpcs").await,
        "vpcId",
    )
    .into_iter()
    .next()
    .expect("moto's default VPC");
    let tg = elb
        .create_target_group()
        .name(unique("tg").chars().take(32).collect::<String>())
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .vpc_id(vpc)
        .send()
        .await
        .expect("CreateTargetGroup")
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let ids = support::run_instances(moto, REGION, 2, "m5.large").await;
    let mut register = elb.register_targets().target_group_arn(&tg);
    for id in &ids {
        register = register.targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id(id)
                .port(8080)
                .build(),
        );
    }
    register.send().await.expect("RegisterTargets");
    support::ec2(
        moto,
        REGION,
        &format!("Action=StopInstances&InstanceId.1={}", ids[1]),
    )
    .await;
    tg
}

#[tokio::test(flavor = "multi_thread")]
async fn the_backend_reads_each_targets_state_and_why() {
    let Some(moto) = support::moto() else { return };
    let tg = target_group(&moto).await;
    let backend = support::backend(&moto, REGION).await;
    let targets = ecsdash::domain::Backend::target_health(&backend, &tg)
        .await
        .expect("DescribeTargetHealth");
    let mut states: Vec<(&str, Option<i32>, Option<&str>)> = targets
        .iter()
        .map(|t| (t.state.as_str(), t.port, t.reason.as_deref()))
        .collect();
    states.sort();
    assert_eq!(
        states,
        [
            ("healthy", Some(8080), None),
            ("unused", Some(8080), Some("Target.InvalidState"))
        ]
    );
    let unused = targets.iter().find(|t| t.state == "unused").unwrap();
    assert!(unused.target.starts_with("i-"), "{unused:?}");
    assert_eq!(
        unused.description.as_deref(),
        Some("Target is in the stopped state")
    );
    // Through the test layer, as any call.
    let asked = support::requests(
        &moto,
        "DescribeTargetHealth",
        &tg.replace(':', "%3A").replace('/', "%2F"),
    )
    .await;
    assert_eq!(asked.len(), 1, "{asked:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_services_pane_counts_healthy_targets_and_describe_says_why() {
    let Some(moto) = support::moto() else { return };
    let tg = target_group(&moto).await;
    let ecs = support::ecs(&moto, REGION);
    let cluster = unique("th");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let td = support::small_task_definition(
        &ecs,
        &unique("thfam"),
        Some(NetworkMode::Bridge),
        "nginx:1.27",
    )
    .await;
    let web = unique("web");
    ecs.create_service()
        .cluster(&cluster)
        .service_name(&web)
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Ec2)
        .load_balancers(
            LoadBalancer::builder()
                .target_group_arn(&tg)
                .container_name("web")
                .container_port(8080)
                .build(),
        )
        .send()
        .await
        .expect("CreateService");

    let vars = [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", REGION),
        ("AWS_PROFILE", ""),
    ];
    let mut d = Dashboard::start_with(&["--cluster", &cluster], &vars);
    let mut keys = d.master.take_writer().unwrap();
    let screen = d.wait_screen("1/1");
    let row = screen
        .lines()
        .find(|l| l.contains(&web))
        .unwrap_or_default();
    assert!(row.contains("1/1"), "{screen}");
    keys.write_all(b"d").unwrap();
    let screen = d.wait_screen("Load balancer targets");
    assert!(
        screen.contains("unused (Target.InvalidState: Target is in the stopped"),
        "{screen}"
    );
    assert!(screen.contains("1/1 healthy"), "{screen}");
    keys.write_all(b"\x1b").unwrap();
    d.wait_gone("Load balancer targets");
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}
