//! Several regions at once (`--region eu-west-1,us-east-1`), against moto behind the test
//! layer with a cluster of the same name in both regions, each with its own service. What
//! is proven: the clusters pane lists both with their REGION, each cluster's services
//! come from its own region (never the other's), and commands refuse a list of regions.

use std::io::Write;

use crate::support::{self, unique};
use crate::terminal::Dashboard;

/// A cluster `name` in `region` with one service `service`.
async fn cluster_with(moto: &support::Moto, region: &str, name: &str, service: &str) {
    let ecs = support::ecs(moto, region);
    ecs.create_cluster()
        .cluster_name(name)
        .send()
        .await
        .expect("CreateCluster");
    let td = support::small_task_definition(
        &ecs,
        &unique("mrfam"),
        Some(aws_sdk_ecs::types::NetworkMode::Bridge),
        "nginx:1.27",
    )
    .await;
    support::create_services(&ecs, name, &td, &[service.to_owned()]).await;
}

fn vars(moto: &support::Moto) -> [(&str, &str); 6] {
    [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", ""),
        ("AWS_PROFILE", ""),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn each_cluster_is_read_in_its_own_region() {
    let Some(moto) = support::moto() else { return };
    let name = unique("mr");
    let (east_svc, west_svc) = (unique("east-svc"), unique("west-svc"));
    cluster_with(&moto, "us-east-1", &name, &east_svc).await;
    cluster_with(&moto, "eu-west-1", &name, &west_svc).await;

    let mut d = Dashboard::start_with(&["--region", "eu-west-1,us-east-1"], &vars(&moto));
    let mut keys = d.master.take_writer().unwrap();
    let screen = d.wait_screen("clusters (");
    assert!(
        screen.contains("eu-west-1,us-east-1"),
        "the header names both regions: {screen}"
    );
    // Only this test's two clusters (a shared moto holds many), the first region's first.
    keys.write_all(format!("/{name}\r").as_bytes()).unwrap();
    // (Narrow columns such as STATUS may be hidden at this width.)
    let screen = d.wait_screen(&format!("{name} us-east-1"));
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains(&name)).collect();
    assert!(
        rows.iter().any(|l| l.contains("eu-west-1"))
            && rows.iter().any(|l| l.contains("us-east-1")),
        "both clusters with their region: {screen}"
    );
    assert!(screen.contains("REGION"), "{screen}");

    // Sort by REGION so the order is known, then Enter on the us-east-1 one.
    keys.write_all(b"2").unwrap();
    d.wait_screen("REGION↑");
    keys.write_all(b"j\r").unwrap();
    let screen = d.wait_screen(&east_svc);
    assert!(
        !screen.contains(&west_svc),
        "the other region's service is not shown: {screen}"
    );
    assert!(screen.contains(&format!("{name} (us-east-1)")), "{screen}");

    // Back, and the eu-west-1 one.
    keys.write_all(b"\x1b").unwrap();
    d.wait_screen("clusters (2)");
    keys.write_all(b"k\r").unwrap();
    let screen = d.wait_screen(&west_svc);
    assert!(!screen.contains(&east_svc), "{screen}");

    // A typed name in both regions is not guessed.
    keys.write_all(format!(":services {name}\r").as_bytes())
        .unwrap();
    d.wait_screen("pick one in the clusters pane");

    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

#[test]
fn commands_work_in_one_region_and_say_so() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsdash"))
        .args(["scale", "prod/web", "3", "--region", "eu-west-1,us-east-1"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("commands work in one region at a time"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsdash"))
        .args(["--region", "eu-west-1,,us-east-1"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("has an empty name"), "{stderr}");
}
