//! The demo fleet's CloudWatch: metrics that move, a CPU spike and an alarm while a
//! rollout is under way, the leaking service's memory, the unhealthy target group's alarm
//! and target tracking's alarms.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};

use super::{DemoBackend, DemoOptions};
use crate::domain::Backend;
use crate::domain::clock::ManualClock;
use crate::domain::metrics::{MetricTarget, MetricsAsk, latest};
use crate::ops::{Mutation, Ops};

fn demo() -> (DemoBackend, ManualClock) {
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap());
    let backend = DemoBackend::new(DemoOptions {
        seed: 11,
        clock: Arc::new(clock.clone()),
        latency: StdDuration::ZERO..StdDuration::ZERO,
    });
    (backend, clock)
}

fn ask(targets: &[(&str, Option<&str>)]) -> MetricsAsk {
    MetricsAsk {
        targets: targets
            .iter()
            .map(|(c, s)| MetricTarget {
                cluster: (*c).into(),
                service: s.map(Into::into),
            })
            .collect(),
        hours: 1,
        counts: true,
    }
}

#[tokio::test]
async fn metrics_move_and_spike_while_a_rollout_runs_with_its_alarm() {
    let (b, clock) = demo();
    let now = |c: &ManualClock| crate::domain::clock::Clock::now(c);
    let targets = [
        ("prod-core", Some("orders")),
        ("prod-core", Some("pdf-renderer")),
        ("prod-core", Some("legacy-reporting")),
        ("prod-core", None),
    ];
    let before = b.metrics(&ask(&targets)).await.unwrap();
    assert_eq!(before.len(), 4);
    // An hour a minute, oldest first, with task counts.
    assert_eq!(before[0].cpu.len(), 60);
    assert!(before[0].cpu.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(before[0].desired.len(), 60);
    let cpu = latest(&before[0].cpu, now(&clock)).unwrap();
    assert!(cpu < 80.0, "{cpu}");
    // It moves.
    let values: Vec<f64> = before[0].cpu.iter().map(|p| p.1).collect();
    assert!(
        values.iter().any(|v| (v - values[0]).abs() > 3.0),
        "{values:?}"
    );
    // The leaking renderer climbs near its limit; a service with nothing running has no
    // points; the cluster's are its services' mean.
    let memory = before[1].memory.iter().map(|p| p.1).fold(0.0, f64::max);
    assert!(memory > 90.0, "{memory}");
    assert!(before[2].cpu.is_empty());
    assert_eq!(before[3].cpu.len(), 60);
    assert!(before[3].desired.is_empty());

    let alarms = b.alarms().await.unwrap();
    assert!(!alarms.iter().any(|a| a.name == "orders-cpu-high"));
    // recommendations' target group, named as ELB's metrics name it.
    let recs = b.service("prod-core", "recommendations").await.unwrap();
    let tgs: Vec<&str> = recs
        .load_balancers
        .iter()
        .filter_map(|lb| lb.target_group_arn.as_deref())
        .collect();
    let unhealthy = alarms
        .iter()
        .find(|a| a.name == "recommendations-unhealthy-hosts")
        .unwrap();
    assert!(unhealthy.names_service("prod-core", "recommendations", tgs));
    // Target tracking's, apart.
    assert!(alarms.iter().any(|a| a.is_scaling()));

    let orders = b.service("prod-core", "orders").await.unwrap();
    let td = orders.task_definition.clone();
    b.execute(&Mutation::Deploy {
        cluster: "prod-core".into(),
        service: "orders".into(),
        from: td.clone(),
        to: td,
        force: true,
    })
    .await
    .unwrap();
    clock.advance(Duration::seconds(90));
    let during = b.metrics(&ask(&targets[..1])).await.unwrap();
    let cpu = latest(&during[0].cpu, now(&clock)).unwrap();
    assert!(cpu >= 88.0, "{cpu}");
    let alarms = b.alarms().await.unwrap();
    let fired = alarms.iter().find(|a| a.name == "orders-cpu-high").unwrap();
    assert!(fired.names_service("prod-core", "orders", []));
    assert!(fired.reason.starts_with("Threshold Crossed"));
}
