//! Behaviour of the demo fleet through the `Backend` trait, and of the injection points.
//! Lists page by page and describes in batches, as the dashboard loads a large estate,
//! are in `paging`.

mod paging;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::FutureExt;

use super::catalog::{FIRELENS_SERVICE, ROLLOUT_CLUSTER, ROLLOUT_SERVICE};
use super::lifecycle::{EXITED_REASON, OOM_REASON};
use super::taskdef::LOG_ROUTER;
use super::{DemoBackend, DemoOptions, DemoSetup};
use crate::domain::budget::Budget;
use crate::domain::clock::ManualClock;
use crate::domain::model::{Cluster, ContainerInstance, Service, Task, TaskScope};
use crate::domain::{Backend, ErrorKind};

const NO_LATENCY: std::ops::Range<StdDuration> = StdDuration::ZERO..StdDuration::ZERO;

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

fn demo(seed: u64) -> (DemoBackend, ManualClock) {
    let clock = ManualClock::new(opens_at());
    let backend = DemoBackend::new(DemoOptions {
        seed,
        clock: Arc::new(clock.clone()),
        latency: NO_LATENCY,
    });
    (backend, clock)
}

/// Everything every pane can ask for, at one moment.
#[derive(Debug, PartialEq)]
struct Snapshot {
    clusters: Vec<Cluster>,
    services: Vec<Vec<Service>>,
    running: Vec<Vec<Task>>,
    stopped: Vec<Vec<Task>>,
    instances: Vec<Vec<ContainerInstance>>,
}

impl Snapshot {
    fn all_services(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().flatten()
    }

    fn service(&self, cluster: usize, name: &str) -> &Service {
        self.services[cluster]
            .iter()
            .find(|s| s.name == name)
            .unwrap()
    }
}

async fn snapshot(b: &DemoBackend) -> Snapshot {
    let clusters = b.clusters().await.unwrap();
    let mut snap = Snapshot {
        clusters,
        services: Vec::new(),
        running: Vec::new(),
        stopped: Vec::new(),
        instances: Vec::new(),
    };
    for c in &snap.clusters {
        snap.services.push(b.services(&c.name).await.unwrap());
        snap.running
            .push(b.tasks(&c.name, None, TaskScope::Running).await.unwrap());
        snap.stopped
            .push(b.tasks(&c.name, None, TaskScope::Stopped).await.unwrap());
        snap.instances
            .push(b.container_instances(&c.name).await.unwrap());
    }
    snap
}

#[tokio::test]
async fn same_seed_and_clock_give_identical_results() {
    let (a, clock_a) = demo(7);
    let (b, clock_b) = demo(7);
    for _ in 0..12 {
        assert_eq!(snapshot(&a).await, snapshot(&b).await);
        clock_a.advance(Duration::seconds(37));
        clock_b.advance(Duration::seconds(37));
    }
    let (c, _) = demo(8);
    assert_ne!(snapshot(&a).await.running, snapshot(&c).await.running);
}

#[tokio::test]
async fn results_do_not_depend_on_how_often_it_was_asked() {
    let (often, clock_often) = demo(3);
    let (once, clock_once) = demo(3);
    for _ in 0..40 {
        clock_often.advance(Duration::seconds(15));
        snapshot(&often).await;
    }
    clock_once.advance(Duration::seconds(600));
    assert_eq!(snapshot(&often).await, snapshot(&once).await);
}

#[tokio::test]
async fn estate_has_the_promised_shape() {
    let (b, _) = demo(1);
    let snap = snapshot(&b).await;
    assert!(snap.clusters.len() >= 3);
    assert!(snap.all_services().count() >= 40);
    assert!(snap.all_services().any(|s| s.desired == 0));

    let first = &snap.instances[0];
    assert!(first.len() >= 5, "the first cluster runs on EC2 instances");
    let azs: BTreeSet<_> = first.iter().map(|i| i.availability_zone.clone()).collect();
    let types: BTreeSet<_> = first.iter().map(|i| i.instance_type.clone()).collect();
    let agents: BTreeSet<_> = first.iter().map(|i| i.agent_version.clone()).collect();
    assert_eq!(azs.len(), 3);
    assert!(types.len() >= 3 && agents.len() >= 2);
    assert_eq!(first.iter().filter(|i| i.status == "DRAINING").count(), 1);
    assert!(first.iter().any(|i| !i.agent_connected));
    assert!(
        snap.services[0]
            .iter()
            .all(|s| s.launch_type.as_deref() == Some("EC2"))
    );
    assert!(
        snap.services[0]
            .iter()
            .any(|s| !s.placement_constraints.is_empty())
    );

    // Fargate elsewhere, some of it through FARGATE_SPOT strategies.
    assert!(snap.instances[1..].iter().all(Vec::is_empty));
    assert!(
        snap.all_services()
            .any(|s| s.launch_label().contains("FARGATE_SPOT"))
    );
    assert!(snap.all_services().filter(|s| s.network.is_some()).count() >= 20);
    assert!(
        snap.clusters
            .iter()
            .any(|c| c.name == "staging" && c.active_services <= 8)
    );

    // Something is unhealthy, and sidecars and load balancers are there to see.
    let tasks = || snap.running.iter().flatten();
    assert!(
        tasks()
            .flat_map(|t| &t.containers)
            .any(|c| c.health.as_deref() == Some("UNHEALTHY"))
    );
    assert!(
        tasks()
            .flat_map(|t| &t.containers)
            .any(|c| c.name == "envoy")
    );
    assert!(
        snap.all_services()
            .filter(|s| !s.load_balancers.is_empty())
            .count()
            >= 20
    );

    // Standalone RunTask work exists beside the services.
    let batch = snap.running[2]
        .iter()
        .chain(&snap.stopped[2])
        .filter(|t| t.group.as_deref() == Some("family:batch-report"))
        .count();
    assert!(batch >= 2, "{batch} batch-report tasks");
}

/// Every container logs to CloudWatch: awslogs into its family's group, except the
/// FireLens application, which Fluent Bit sends to a group of its own.
#[tokio::test]
async fn every_container_logs_to_cloudwatch() {
    let (b, _) = demo(1);
    let snap = snapshot(&b).await;
    let mut definitions = BTreeSet::new();
    for s in snap.all_services() {
        definitions.extend(s.deployments.iter().map(|d| d.task_definition.clone()));
    }
    for t in snap.running.iter().chain(&snap.stopped).flatten() {
        definitions.insert(t.task_definition_arn.to_string());
    }
    assert!(definitions.len() >= 40);
    let mut firelens = 0;
    for arn in definitions {
        let td = b.task_definition(&arn).await.unwrap();
        assert_eq!(td.arn, arn);
        assert!(td.task_role_arn.is_some() && td.execution_role_arn.is_some());
        for c in &td.containers {
            let log = c.log_configuration.as_ref().unwrap();
            if log.driver == "awsfirelens" {
                firelens += 1;
                assert_eq!(td.family, FIRELENS_SERVICE);
                assert_eq!(c.name, td.family, "the application, not its router");
                assert!(td.containers.iter().any(|r| r.name == LOG_ROUTER));
                assert_eq!(log.options["Name"], "cloudwatch_logs");
                assert_eq!(log.options["region"], "eu-west-1");
                assert_eq!(
                    log.options["log_group_name"],
                    format!("/ecs/firelens/{}", td.family)
                );
                assert_eq!(log.options["log_stream_prefix"], "fluent-bit-");
                continue;
            }
            assert_eq!(log.driver, "awslogs");
            assert_eq!(log.options["awslogs-group"], format!("/ecs/{}", td.family));
            assert_eq!(log.options["awslogs-region"], "eu-west-1");
            assert_eq!(log.options["awslogs-stream-prefix"], "ecs");
        }
    }
    assert!(firelens >= 1, "one service logs through FireLens");
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

#[tokio::test]
async fn names_and_arns_are_well_formed() {
    let (b, _) = demo(5);
    let snap = snapshot(&b).await;
    let prefix = "arn:aws:ecs:eu-west-1:123456789012:";
    for (ci, c) in snap.clusters.iter().enumerate() {
        assert_eq!(c.arn, format!("{prefix}cluster/{}", c.name));
        for s in &snap.services[ci] {
            assert_eq!(s.arn, format!("{prefix}service/{}/{}", c.name, s.name));
            assert!(
                s.task_definition
                    .starts_with(&format!("{prefix}task-definition/"))
            );
            assert!(s.task_definition_short().contains(':'));
        }
        for t in snap.running[ci].iter().chain(&snap.stopped[ci]) {
            assert!(is_lower_hex(&t.id, 32), "{}", t.id);
            assert_eq!(t.arn, format!("{prefix}task/{}/{}", c.name, t.id));
            assert!(t.private_ip.as_deref().unwrap().starts_with("10."));
            let on_ec2 = t.launch_type.as_deref() == Some("EC2");
            assert_eq!(on_ec2, t.container_instance_arn.is_some());
            if let Some(ci_arn) = &t.container_instance_arn {
                let id = ci_arn.strip_prefix(&format!("{prefix}container-instance/{}/", c.name));
                assert!(is_lower_hex(id.unwrap(), 32));
            }
        }
        for i in &snap.instances[ci] {
            assert!(
                i.ec2_instance_id.starts_with("i-0") && is_lower_hex(&i.ec2_instance_id[3..], 16)
            );
        }
    }
}

#[tokio::test]
async fn rollout_progresses_within_its_limits_and_completes() {
    let (b, clock) = demo(2);
    let at_open = snapshot(&b).await;
    let checkout = at_open.service(0, ROLLOUT_SERVICE);
    assert_eq!(checkout.deployments.len(), 2);
    let primary = checkout.primary_deployment().unwrap().clone();
    assert_eq!(primary.rollout_state.as_deref(), Some("IN_PROGRESS"));
    assert_eq!(checkout.other_active_deployments(), 1);
    let new_revision = primary.task_definition.clone();
    assert_ne!(new_revision, checkout.deployments[1].task_definition);
    b.task_definition(&new_revision).await.unwrap();

    let mut saw_partial = false;
    for _ in 0..120 {
        clock.advance(Duration::seconds(5));
        let s = b.services(ROLLOUT_CLUSTER).await.unwrap();
        let checkout = s.iter().find(|s| s.name == ROLLOUT_SERVICE).unwrap();
        // min healthy 100% and max 125% of 8.
        assert!(checkout.running >= 8, "running {}", checkout.running);
        assert!(checkout.running + checkout.pending <= 10);
        let p = checkout.primary_deployment().unwrap();
        saw_partial |= p.running > 0 && p.running < 8;
    }
    assert!(saw_partial);
    let snap = snapshot(&b).await;
    let checkout = snap.service(0, ROLLOUT_SERVICE);
    assert_eq!(checkout.deployments.len(), 1);
    let done = checkout.primary_deployment().unwrap();
    assert_eq!(done.id, primary.id);
    assert_eq!(done.rollout_state.as_deref(), Some("COMPLETED"));
    assert_eq!((checkout.running, checkout.pending), (8, 0));
    let events: Vec<&str> = checkout.events.iter().map(|e| e.message.as_str()).collect();
    assert!(events[0].ends_with("has reached a steady state."));
    assert!(events.iter().any(|m| m.contains("deployment completed")));
    assert!(
        events
            .iter()
            .any(|m| m.contains("has started 2 tasks: (task "))
    );
    assert!(
        events
            .iter()
            .any(|m| m.contains("has begun draining connections on"))
    );

    let tasks = b
        .tasks(ROLLOUT_CLUSTER, Some(ROLLOUT_SERVICE), TaskScope::Running)
        .await
        .unwrap();
    assert!(tasks.iter().all(|t| t.task_definition_arn == new_revision));
    let stopped = b
        .tasks(ROLLOUT_CLUSTER, Some(ROLLOUT_SERVICE), TaskScope::Stopped)
        .await
        .unwrap();
    assert!(stopped.len() >= 8);
    assert!(stopped.iter().all(|t| {
        t.stop_code.as_deref() == Some("ServiceSchedulerInitiated")
            && t.stopped_reason
                .as_deref()
                .unwrap()
                .starts_with("Scaling activity initiated by (deployment ecs-svc/")
    }));
}

#[tokio::test]
async fn tasks_start_and_stop_as_time_passes() {
    let (b, clock) = demo(1);
    let first = snapshot(&b).await;
    let ids = |s: &Snapshot| -> BTreeSet<String> {
        s.running.iter().flatten().map(|t| t.id.clone()).collect()
    };
    // The opening hour already left crashed workers behind.
    let crashed = first.stopped[0]
        .iter()
        .filter(|t| t.service_name() == Some("pdf-renderer"));
    assert!(crashed.clone().count() >= 1);
    for t in crashed {
        let app = &t.containers[0];
        match app.exit_code {
            Some(137) => assert_eq!(t.stopped_reason.as_deref(), Some(OOM_REASON)),
            Some(1) => assert_eq!(t.stopped_reason.as_deref(), Some(EXITED_REASON)),
            other => panic!("unexpected exit {other:?}"),
        }
        assert_eq!(t.stop_code.as_deref(), Some("EssentialContainerExited"));
    }
    // Tasks at every lifecycle stage pass by.
    let mut statuses = BTreeSet::new();
    for _ in 0..60 {
        clock.advance(Duration::seconds(3));
        for t in b
            .tasks(ROLLOUT_CLUSTER, None, TaskScope::Running)
            .await
            .unwrap()
        {
            statuses.insert(t.last_status);
        }
        for t in b
            .tasks("prod-platform", None, TaskScope::Stopped)
            .await
            .unwrap()
        {
            statuses.insert(t.last_status);
        }
    }
    assert!(
        statuses.contains("PENDING") && statuses.contains("RUNNING"),
        "{statuses:?}"
    );
    clock.advance(Duration::minutes(30));
    let later = snapshot(&b).await;
    assert!(ids(&later).difference(&ids(&first)).count() >= 2);
    assert!(ids(&first).difference(&ids(&later)).count() >= 2);
}

#[tokio::test]
async fn stopped_tasks_stay_listed_for_an_hour() {
    let (b, clock) = demo(4);
    let first = snapshot(&b).await;
    let early: BTreeSet<String> = first
        .stopped
        .iter()
        .flatten()
        .map(|t| t.id.clone())
        .collect();
    assert!(!early.is_empty());
    clock.advance(Duration::minutes(90));
    let later = snapshot(&b).await;
    let now = opens_at() + Duration::minutes(90);
    for t in later.stopped.iter().flatten() {
        assert!(!early.contains(&t.id));
        if let Some(at) = t.stopped_at {
            assert!(now - at <= Duration::hours(1));
        }
    }
}

fn assert_consistent(snap: &Snapshot) {
    for (ci, c) in snap.clusters.iter().enumerate() {
        let all: Vec<&Task> = snap.running[ci].iter().chain(&snap.stopped[ci]).collect();
        let running = |ts: &[&Task]| ts.iter().filter(|t| t.last_status == "RUNNING").count();
        let pending = |ts: &[&Task]| {
            ts.iter()
                .filter(|t| matches!(t.last_status.as_str(), "PENDING" | "PROVISIONING"))
                .count()
        };
        assert_eq!(c.running_tasks as usize, running(&all), "{}", c.name);
        assert_eq!(c.pending_tasks as usize, pending(&all), "{}", c.name);
        assert_eq!(c.active_services as usize, snap.services[ci].len());
        assert_eq!(c.registered_instances as usize, snap.instances[ci].len());
        for s in &snap.services[ci] {
            let mine: Vec<&Task> = all
                .iter()
                .copied()
                .filter(|t| t.service_name() == Some(&s.name))
                .collect();
            assert_eq!(s.running as usize, running(&mine), "{}", s.name);
            assert_eq!(s.pending as usize, pending(&mine), "{}", s.name);
            let by_deployment: i32 = s.deployments.iter().map(|d| d.running).sum();
            assert_eq!(by_deployment, s.running);
        }
        let in_services: i32 = snap.services[ci].iter().map(|s| s.running).sum();
        let standalone = all
            .iter()
            .filter(|t| t.service_name().is_none())
            .copied()
            .collect::<Vec<_>>();
        assert_eq!(
            c.running_tasks as usize,
            in_services as usize + running(&standalone)
        );
        for i in &snap.instances[ci] {
            let on: Vec<&Task> = all
                .iter()
                .copied()
                .filter(|t| t.container_instance_arn.as_deref() == Some(i.arn.as_str()))
                .collect();
            let holding = on.iter().filter(|t| t.last_status != "STOPPED");
            let cpu: i32 = holding
                .clone()
                .map(|t| t.cpu.as_deref().unwrap().parse::<i32>().unwrap())
                .sum();
            let mem: i32 = holding
                .map(|t| t.memory.as_deref().unwrap().parse::<i32>().unwrap())
                .sum();
            assert_eq!(i.cpu_remaining, i.cpu_registered - cpu);
            assert_eq!(i.memory_remaining, i.memory_registered - mem);
            assert!(i.cpu_remaining >= 0 && i.memory_remaining >= 0);
            assert_eq!(i.running_tasks as usize, running(&on));
            assert_eq!(i.pending_tasks as usize, pending(&on));
        }
    }
}

#[tokio::test]
async fn counts_agree_between_clusters_services_instances_and_tasks() {
    let (b, clock) = demo(6);
    for _ in 0..8 {
        assert_consistent(&snapshot(&b).await);
        clock.advance(Duration::seconds(23));
    }
    let snap = snapshot(&b).await;
    let draining = snap.instances[0]
        .iter()
        .find(|i| i.status == "DRAINING")
        .unwrap();
    assert!(draining.running_tasks == 0 && draining.cpu_remaining == draining.cpu_registered);
    assert!(
        snap.running[0]
            .iter()
            .any(|t| t.container_instance_arn.is_some())
    );
}

#[tokio::test]
async fn every_service_settles_with_room_to_spare() {
    let (b, clock) = demo(9);
    clock.advance(Duration::minutes(10));
    let snap = snapshot(&b).await;
    for s in snap.all_services().filter(|s| s.name != "pdf-renderer") {
        assert_eq!((s.running, s.desired), (s.desired, s.running), "{}", s.name);
        assert_eq!(s.deployments.len(), 1, "{}", s.name);
    }
    assert!(
        !snap
            .all_services()
            .flat_map(|s| &s.events)
            .any(|e| e.message.contains("unable to place")),
        "the EC2 cluster ran out of room"
    );
}

#[tokio::test]
async fn a_service_lists_only_its_own_tasks() {
    let (b, _) = demo(1);
    let tasks = b
        .tasks(ROLLOUT_CLUSTER, Some("api-gateway"), TaskScope::Running)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 6);
    assert!(
        tasks
            .iter()
            .all(|t| t.group.as_deref() == Some("service:api-gateway"))
    );
    let by_arn = "arn:aws:ecs:eu-west-1:123456789012:service/prod-core/api-gateway";
    assert_eq!(
        b.tasks(ROLLOUT_CLUSTER, Some(by_arn), TaskScope::Running)
            .await
            .unwrap(),
        tasks
    );
    let fargate = b
        .tasks("prod-platform", Some("auth"), TaskScope::Running)
        .await
        .unwrap();
    assert!(fargate.iter().all(|t| t.container_instance_arn.is_none()));
}

#[tokio::test]
async fn unknown_names_are_not_found() {
    let (b, _) = demo(1);
    let e = b.cluster("nope").await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::NotFound, "Cluster not found.")
    );
    assert_eq!(
        b.services("nope").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        b.tasks("nope", None, TaskScope::Running)
            .await
            .unwrap_err()
            .kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        b.container_instances("nope").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let e = b
        .tasks(ROLLOUT_CLUSTER, Some("nope"), TaskScope::Running)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    assert_eq!(
        b.task_definition("nope:1").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    assert_eq!(
        b.task_definition("checkout:9999").await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let c = b
        .cluster("arn:aws:ecs:eu-west-1:123456789012:cluster/staging")
        .await
        .unwrap();
    assert_eq!(c.name, "staging");
}

#[tokio::test]
async fn task_definitions_by_family_revision_arn_or_family() {
    let (b, _) = demo(1);
    let services = b.services("prod-core").await.unwrap();
    let payments = services.iter().find(|s| s.name == "payments").unwrap();
    let by_arn = b.task_definition(&payments.task_definition).await.unwrap();
    let by_short = b
        .task_definition(payments.task_definition_short())
        .await
        .unwrap();
    let latest = b.task_definition("payments").await.unwrap();
    assert_eq!(by_arn, by_short);
    assert_eq!(by_arn, latest);
    assert_eq!(by_arn.network_mode.as_deref(), Some("bridge"));
    let image = &by_arn.containers[0].image;
    assert!(image.starts_with("123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments:v"));
    assert!(
        by_arn
            .containers
            .iter()
            .any(|c| c.name == "datadog-agent" && !c.essential)
    );
    let older = b
        .task_definition(&format!("payments:{}", by_arn.revision - 1))
        .await
        .unwrap();
    assert_ne!(older.containers[0].image, *image);
}

#[tokio::test]
async fn identity_is_the_demo_account() {
    let (b, _) = demo(1);
    let id = b.identity();
    assert_eq!(
        (id.profile.as_str(), id.region.as_str()),
        ("demo", "eu-west-1")
    );
    assert_eq!(id.account.as_deref(), Some("123456789012"));
    assert_eq!(id.endpoint, None);
}

#[tokio::test]
async fn zero_latency_answers_at_once() {
    let (b, _) = demo(1);
    // Completing on the first poll means no sleep was even registered.
    assert!(b.clusters().now_or_never().is_some());
    assert!(
        b.tasks("staging", None, TaskScope::Running)
            .now_or_never()
            .is_some()
    );
}

#[tokio::test]
async fn latency_is_drawn_from_the_range() {
    let clock = ManualClock::new(opens_at());
    let b = DemoBackend::new(DemoOptions {
        seed: 1,
        clock: Arc::new(clock),
        latency: StdDuration::from_millis(20)..StdDuration::from_millis(40),
    });
    let draws: BTreeSet<StdDuration> = (0..20).map(|_| b.next_latency()).collect();
    assert!(draws.len() > 1);
    assert!(draws.iter().all(|d| (20..40).contains(&d.as_millis())));
    assert!(
        b.clusters().now_or_never().is_none(),
        "the call should be waiting"
    );
    let before = std::time::Instant::now();
    b.clusters().await.unwrap();
    assert!(before.elapsed() >= StdDuration::from_millis(20));
}

#[tokio::test]
async fn a_clock_jump_is_absorbed() {
    let (b, clock) = demo(1);
    clock.advance(Duration::days(3));
    let snap = snapshot(&b).await;
    assert_consistent(&snap);
    assert!(
        snap.all_services()
            .all(|s| s.primary_deployment().is_some())
    );
}

/// A digest of what the panes see of the estate: every ARN with its counts and states.
fn estate_digest(snap: &Snapshot) -> u64 {
    let mut lines = Vec::new();
    for (i, c) in snap.clusters.iter().enumerate() {
        lines.push(format!(
            "{} {} {} {}",
            c.arn, c.active_services, c.running_tasks, c.registered_instances
        ));
        for s in &snap.services[i] {
            lines.push(format!(
                "{} {} {} {} {}",
                s.arn,
                s.desired,
                s.running,
                s.task_definition,
                s.events.len()
            ));
        }
        for t in snap.running[i].iter().chain(&snap.stopped[i]) {
            lines.push(format!(
                "{} {} {}",
                t.arn,
                t.last_status,
                t.private_ip.as_deref().unwrap_or("")
            ));
        }
        for n in &snap.instances[i] {
            lines.push(format!("{} {} {}", n.arn, n.status, n.cpu_remaining));
        }
    }
    lines
        .iter()
        .flat_map(|l| l.bytes().chain([b'\n']))
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}

/// Scale 1 is the catalog's estate exactly as it was before `--demo-scale` existed (the
/// digests were taken then): the screenshots, the docs and the tests above depend on it.
/// A change here is a change to what the demo shows.
#[tokio::test]
async fn the_scale_1_estate_is_pinned() {
    // Per cluster: services, running tasks, stopped tasks, instances, at the opening.
    let counts = [
        ("prod-core", 16, 51, 10, 8),
        ("prod-platform", 14, 33, 0, 0),
        ("data-pipeline", 8, 18, 2, 0),
        ("staging", 6, 6, 0, 0),
    ];
    // At the opening, 7 and 14 minutes later.
    let pinned: [(u64, [u64; 3]); 2] = [
        (
            1,
            [
                0x0a5a_158c_daca_bd51,
                0x5552_6693_49ac_09bf,
                0x2965_2824_8247_fbd7,
            ],
        ),
        (
            7,
            [
                0xe839_cb16_d0b7_11fd,
                0xa183_28e6_53aa_f6e9,
                0xb4ac_0c2f_8b10_aec4,
            ],
        ),
    ];
    for (seed, digests) in pinned {
        let (b, clock) = demo(seed);
        let opening = snapshot(&b).await;
        if seed == 1 {
            let seen: Vec<_> = opening
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    (
                        c.name.as_str(),
                        opening.services[i].len(),
                        opening.running[i].len(),
                        opening.stopped[i].len(),
                        opening.instances[i].len(),
                    )
                })
                .collect();
            assert_eq!(seen, counts);
        }
        for (i, digest) in digests.into_iter().enumerate() {
            let snap = snapshot(&b).await;
            assert_eq!(
                estate_digest(&snap),
                digest,
                "seed {seed}, {} minutes",
                i * 7
            );
            clock.advance(Duration::minutes(7));
        }
    }
    // `new` is scale 1, and the budget changes when calls answer, never what they say.
    let (plain, _) = demo(7);
    let clock = ManualClock::new(opens_at());
    let scaled = DemoBackend::with_setup(
        DemoOptions {
            seed: 7,
            clock: Arc::new(clock),
            latency: NO_LATENCY,
        },
        DemoSetup {
            scale: 1,
            budget: Arc::new(Budget::standard()),
        },
    );
    assert_eq!(snapshot(&plain).await, snapshot(&scaled).await);
}
