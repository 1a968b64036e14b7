//! `:pulse` against moto behind the test layer: a service none of whose tasks run, and
//! one whose tasks keep failing load balancer health checks (tasks of its group stopped
//! with ECS's reason). What is proven: the pulse pane lists both, the one with nothing
//! running first, each with its reason; the healthy service is not listed; the clusters
//! pane then counts them.

use std::io::Write;

use aws_sdk_ecs::types::{LaunchType, NetworkMode};

use crate::support::{self, unique};
use crate::terminal::Dashboard;

const REGION: &str = "us-east-1";

#[tokio::test(flavor = "multi_thread")]
async fn pulse_lists_what_needs_attention_most_urgent_first() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let prefix = unique("pulse");
    // A cluster with no instance: its service cannot run anything.
    let empty = format!("{prefix}-empty");
    ecs.create_cluster()
        .cluster_name(&empty)
        .send()
        .await
        .expect("CreateCluster");
    let td = support::small_task_definition(
        &ecs,
        &unique("pulsefam"),
        Some(NetworkMode::Bridge),
        "nginx:1.27",
    )
    .await;
    let down = unique("down");
    support::create_services(&ecs, &empty, &td, std::slice::from_ref(&down)).await;

    // A cluster with an instance: `flaky`'s tasks fail health checks and are stopped.
    let (busy, _) = support::cluster_with_instance(&moto, &ecs, &format!("{prefix}-busy")).await;
    let flaky = unique("flaky");
    ecs.create_service()
        .cluster(&busy)
        .service_name(&flaky)
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .expect("CreateService");
    let out = ecs
        .run_task()
        .cluster(&busy)
        .task_definition(&td)
        .launch_type(LaunchType::Ec2)
        .count(3)
        .group(format!("service:{flaky}"))
        .send()
        .await
        .expect("RunTask");
    for t in out.tasks() {
        ecs.stop_task()
            .cluster(&busy)
            .task(t.task_arn().unwrap())
            .reason("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1)")
            .send()
            .await
            .expect("StopTask");
    }

    let vars = [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", REGION),
        ("AWS_PROFILE", ""),
    ];
    let mut d = Dashboard::start_with(&[], &vars);
    let mut keys = d.master.take_writer().unwrap();
    d.wait_screen("clusters (");
    keys.write_all(b":pulse\r").unwrap();
    // Only this test's services (a shared moto holds many).
    keys.write_all(format!("/{prefix}\r").as_bytes()).unwrap();
    // A shared moto holds many clusters: both rows, once every cluster is read.
    d.wait_screen(&down);
    let screen = d.wait_screen(&flaky);
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains(&down) || l.contains(&flaky))
        .collect();
    assert_eq!(rows.len(), 2, "{screen}");
    assert!(
        rows[0].contains(&down) && rows[0].contains("none of 2 running"),
        "{screen}"
    );
    assert!(
        rows[1].contains(&flaky) && rows[1].contains("3 tasks died in 1 h: 3× failed ELB"),
        "{screen}"
    );

    // The clusters pane now counts them.
    keys.write_all(b":clusters\r").unwrap();
    keys.write_all(format!("/{prefix}\r").as_bytes()).unwrap();
    let screen = d.wait_screen("ATTENTION");
    // Both clusters (their names may be cut with `…`), each with one service to look at.
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.starts_with('│') && l.contains(&prefix))
        .collect();
    assert_eq!(rows.len(), 2, "{screen}");
    // The ATTENTION column (CPU and MEM may follow it).
    let header = screen.lines().find(|l| l.contains("ATTENTION")).unwrap();
    let at = header[..header.find("ATTENTION").unwrap()].chars().count();
    for row in rows {
        let cell: String = row.chars().skip(at).take(9).collect();
        assert_eq!(cell.trim(), "1", "{screen}");
    }

    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}
