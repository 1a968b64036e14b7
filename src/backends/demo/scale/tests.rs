use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::super::fleet;
use super::super::state::{ClusterState, TaskStatus};
use super::super::view;
use super::super::{DemoBackend, DemoOptions, DemoSetup};
use super::*;
use crate::domain::Backend;
use crate::domain::clock::ManualClock;
use crate::domain::model::TaskScope;
use crate::logs::FilterQuery;
use crate::ops::{Mutation, Ops, Outcome};

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

/// The estate at `scale`, opened (its first hour played).
fn opened(seed: u64, scale: u32) -> Fleet {
    let mut f = fleet::build(seed, opens_at());
    enlarge(&mut f, scale);
    f.advance_to(opens_at());
    f
}

fn demo(seed: u64, scale: u32) -> (DemoBackend, ManualClock) {
    let clock = ManualClock::new(opens_at());
    let backend = DemoBackend::with_setup(
        DemoOptions {
            seed,
            clock: Arc::new(clock.clone()),
            latency: StdDuration::ZERO..StdDuration::ZERO,
        },
        DemoSetup {
            scale,
            ..DemoSetup::default()
        },
    );
    (backend, clock)
}

fn cluster<'a>(f: &'a Fleet, name: &str) -> &'a ClusterState {
    f.clusters.iter().find(|c| c.name == name).unwrap()
}

/// What a fleet is made of, to compare two: every service with its tasks' ids.
fn inventory(f: &Fleet) -> Vec<(String, String, Vec<String>)> {
    f.clusters
        .iter()
        .flat_map(|c| {
            c.services.iter().map(|s| {
                let ids = s.tasks.iter().map(|t| t.id.clone()).collect();
                (c.name.clone(), s.name.clone(), ids)
            })
        })
        .collect()
}

#[tokio::test]
async fn scale_100_has_a_cluster_of_2000_services_and_one_of_10000_tasks() {
    let (b, _) = demo(7, 100);
    let clusters = b.clusters().await.unwrap();
    let wide = clusters.iter().find(|c| c.name == WIDE_CLUSTER).unwrap();
    assert!(wide.active_services >= 2000, "{}", wide.active_services);
    assert!(wide.active_services <= 2100, "{}", wide.active_services);
    let deep = clusters.iter().find(|c| c.name == DEEP_CLUSTER).unwrap();
    assert!(deep.running_tasks >= 10_000, "{}", deep.running_tasks);
    assert!(deep.running_tasks <= 10_500, "{}", deep.running_tasks);
    assert!(
        (300..1000).contains(&deep.registered_instances),
        "{} instances",
        deep.registered_instances
    );
    // The rest of the estate is the catalog's.
    let others: Vec<(&str, i32)> = clusters
        .iter()
        .filter(|c| c.name != WIDE_CLUSTER && c.name != DEEP_CLUSTER)
        .map(|c| (c.name.as_str(), c.active_services))
        .collect();
    assert_eq!(others, [("data-pipeline", 8), ("staging", 6)]);
}

#[test]
fn generated_services_are_steady_and_passed_by() {
    let f = opened(3, 10);
    let wide = cluster(&f, WIDE_CLUSTER);
    assert_eq!(wide.services.len(), 200);
    let generated: Vec<_> = f
        .clusters
        .iter()
        .flat_map(|c| &c.services)
        .filter(|s| s.generated)
        .collect();
    assert_eq!(generated.len(), 200 - 14 + 10);
    for s in &generated {
        assert!(s.quiet, "{} should be quiet", s.name);
        assert_eq!(s.running(), s.desired, "{}", s.name);
        assert_eq!(s.deployments.len(), 1, "{}", s.name);
        assert!(s.events.len() <= 3, "{}: {} events", s.name, s.events.len());
        assert!(s.tasks.iter().all(|t| t.status == TaskStatus::Running));
    }
    // The catalog's services are never quiet: they step as they always have.
    assert!(
        f.clusters
            .iter()
            .flat_map(|c| &c.services)
            .all(|s| s.generated || !s.quiet)
    );
    // A few parked ones, and the deep cluster's services are large.
    assert!(generated.iter().any(|s| s.desired == 0));
    let deep = cluster(&f, DEEP_CLUSTER);
    let big: i32 = deep
        .services
        .iter()
        .filter(|s| s.generated)
        .map(|s| s.desired)
        .sum();
    assert_eq!(big, 1000);
}

#[test]
fn the_scale_is_the_same_for_the_same_seed() {
    let a = opened(5, 4);
    assert_eq!(inventory(&a), inventory(&opened(5, 4)));
    let other = opened(6, 4);
    assert_ne!(inventory(&a), inventory(&other));
    // The names are the same whatever the seed; ids, sizes and times are the seed's.
    let names = |f: &Fleet| -> Vec<String> {
        f.clusters
            .iter()
            .flat_map(|c| &c.services)
            .map(|s| s.name.clone())
            .collect()
    };
    assert_eq!(names(&a), names(&other));
}

#[test]
fn scale_1_adds_nothing() {
    let mut f = fleet::build(9, opens_at());
    let before = inventory(&f);
    let instances = f.clusters.iter().map(|c| c.instances.len()).sum::<usize>();
    enlarge(&mut f, 1);
    assert_eq!(inventory(&f), before);
    assert_eq!(
        f.clusters.iter().map(|c| c.instances.len()).sum::<usize>(),
        instances
    );
    assert!(
        f.clusters
            .iter()
            .flat_map(|c| &c.services)
            .all(|s| !s.generated)
    );
}

#[test]
fn generated_tasks_fit_their_instances() {
    let f = opened(2, 20);
    let c = cluster(&f, DEEP_CLUSTER);
    let usage = view::usage(c);
    for i in &c.instances {
        let seen = view::instance(c, i, &usage);
        assert!(seen.cpu_remaining >= 0, "{} over its CPU", i.id);
        assert!(seen.memory_remaining >= 0, "{} over its memory", i.id);
    }
    let generated = &c.instances[8..];
    assert_eq!(generated.len(), 2000_usize.div_ceil(24));
    let on_generated = c
        .tasks()
        .filter(|t| {
            t.instance
                .as_ref()
                .is_some_and(|id| generated.iter().any(|i| &i.id == id))
        })
        .count();
    assert!(on_generated >= 2000, "{on_generated}");
}

#[test]
fn a_change_wakes_a_quiet_service_until_it_has_settled_again() {
    let mut f = opened(4, 2);
    let name = cluster(&f, WIDE_CLUSTER)
        .services
        .iter()
        .find(|s| s.generated && s.desired == 1)
        .map(|s| s.name.clone())
        .unwrap();
    f.set_desired(WIDE_CLUSTER, &name, 3).unwrap();
    let svc = |f: &Fleet| cluster(f, WIDE_CLUSTER).service(&name).unwrap().clone();
    assert!(!svc(&f).quiet);
    f.advance_to(opens_at() + Duration::seconds(5));
    assert!(svc(&f).pending() > 0);
    f.advance_to(opens_at() + Duration::minutes(3));
    let grown = svc(&f);
    assert_eq!((grown.running(), grown.pending()), (3, 0));
    assert!(grown.quiet, "settled again");
    assert!(grown.events[0].message.contains("steady state"));

    // Draining an instance wakes the cluster's services: its tasks move elsewhere.
    let deep = cluster(&f, DEEP_CLUSTER);
    let drained = deep.instances[9].id.clone();
    assert!(deep.tasks().any(|t| t.instance.as_ref() == Some(&drained)));
    f.set_instance_state(DEEP_CLUSTER, &drained, "DRAINING")
        .unwrap();
    assert!(cluster(&f, DEEP_CLUSTER).services.iter().all(|s| !s.quiet));
    f.advance_to(opens_at() + Duration::minutes(8));
    let deep = cluster(&f, DEEP_CLUSTER);
    let left = deep
        .tasks()
        .filter(|t| t.desired_running && t.instance.as_ref() == Some(&drained))
        .count();
    assert_eq!(left, 0);
    for s in deep.services.iter().filter(|s| s.generated) {
        assert_eq!(s.running(), s.desired, "{}", s.name);
    }
}

#[test]
fn quiet_services_note_a_steady_state_every_six_hours() {
    let mut f = opened(8, 2);
    let before: Vec<usize> = cluster(&f, WIDE_CLUSTER)
        .services
        .iter()
        .filter(|s| s.generated)
        .map(|s| s.events.len())
        .collect();
    f.advance_to(opens_at() + Duration::hours(7));
    let wide = cluster(&f, WIDE_CLUSTER);
    let after = wide.services.iter().filter(|s| s.generated);
    for (s, n) in after.zip(before) {
        assert!(s.quiet, "{}", s.name);
        assert_eq!(s.events.len(), n + 1, "{}", s.name);
        assert_eq!(
            s.events[0].message,
            format!("(service {}) has reached a steady state.", s.name)
        );
    }
}

#[tokio::test]
async fn generated_tasks_stop_and_log_like_any_other() {
    let (b, clock) = demo(6, 2);
    let f = b.fleet.lock().unwrap().clone();
    let svc = cluster(&f, DEEP_CLUSTER)
        .services
        .iter()
        .find(|s| s.generated)
        .unwrap()
        .clone();
    let running = b
        .tasks(DEEP_CLUSTER, Some(&svc.name), TaskScope::Running)
        .await
        .unwrap();
    assert_eq!(running.len(), usize::try_from(svc.desired).unwrap());
    let victim = running[0].clone();
    let stop = Mutation::StopTask {
        cluster: DEEP_CLUSTER.into(),
        task: victim.arn.clone(),
        reason: "made room".into(),
    };
    assert_eq!(b.execute(&stop).await.unwrap(), Outcome::Done);
    clock.advance(Duration::minutes(2));
    let stopped = b
        .tasks(DEEP_CLUSTER, Some(&svc.name), TaskScope::Stopped)
        .await
        .unwrap();
    assert_eq!(stopped.len(), 1);
    assert_eq!(stopped[0].arn, victim.arn);
    let now = b
        .describe_services(DEEP_CLUSTER, std::slice::from_ref(&svc.name))
        .await
        .unwrap();
    assert_eq!(now[0].running, svc.desired, "a replacement runs");

    // Its application logs to its family's group, as every service's does.
    let logs = b.logs();
    let group = format!("/ecs/{}", svc.family);
    let streams = logs.streams("eu-west-1", &group, None, 50).await.unwrap();
    assert!(!streams.is_empty());
    let window = FilterQuery {
        region: "eu-west-1".into(),
        group,
        start_ms: (opens_at() - Duration::minutes(5)).timestamp_millis(),
        end_ms: Some(opens_at().timestamp_millis()),
        ..FilterQuery::default()
    };
    assert!(!logs.filter_page(&window).await.unwrap().events.is_empty());
}
