//! The rollout follower on the demo fleet: tokio's paused clock drives both the follower's
//! polls and the simulation, so a whole rollout plays in an instant and every second of it
//! is sampled.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use super::super::catalog::{FAILING_CLUSTER, FAILING_SERVICE};
use super::super::{DemoBackend, DemoOptions};
use super::{NO_LATENCY, deploy, opens_at, register, registered, retagged, service_of};
use crate::domain::Backend;
use crate::domain::clock::Clock;
use crate::domain::model::{Task, TaskScope};
use crate::ops::Ops;
use crate::ops::rollout::{self, Progress, Verdict};

/// A clock that moves with tokio's (paused, in these tests) time, so a follower's polls
/// and the simulation advance together.
struct TokioClock {
    start: DateTime<Utc>,
    base: tokio::time::Instant,
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + Duration::from_std(self.base.elapsed()).unwrap_or_default()
    }
}

fn demo_on_tokio_time(seed: u64) -> Arc<DemoBackend> {
    let clock = TokioClock {
        start: opens_at(),
        base: tokio::time::Instant::now(),
    };
    Arc::new(DemoBackend::new(DemoOptions {
        seed,
        clock: Arc::new(clock),
        latency: NO_LATENCY,
    }))
}

/// Follows `deployment` with one-second polls and checks every sample stays within the
/// deployment's minimum healthy and maximum counts.
async fn follow_checked(
    b: &DemoBackend,
    cluster: &str,
    service: &str,
    deployment: &str,
    since: DateTime<Utc>,
) -> (Progress, usize) {
    let mut samples = 0;
    let mut on_update = |p: &Progress| {
        samples += 1;
        let running = p.new_running + p.old_running + p.successor.as_ref().map_or(0, |s| s.running);
        assert!(
            running >= p.min_healthy_tasks,
            "{running} running, below {} ({p:?})",
            p.min_healthy_tasks
        );
        assert!(
            running <= p.max_tasks,
            "{running} running, above {} ({p:?})",
            p.max_tasks
        );
    };
    let end = tokio::time::timeout(
        StdDuration::from_secs(3600),
        rollout::follow(
            b,
            cluster,
            service,
            deployment,
            since,
            StdDuration::from_secs(1),
            &mut on_update,
            &mut |_| {},
        ),
    )
    .await
    .expect("the rollout ends within an hour")
    .unwrap();
    (end, samples)
}

#[tokio::test(start_paused = true)]
async fn a_good_revision_rolls_out_step_by_step_and_completes() {
    let b = demo_on_tokio_time(7);
    let (cluster, service) = ("prod-platform", "image-resizer");
    let before = b.service(cluster, service).await.unwrap();
    let (family, json) = retagged(&b, cluster, service, "v9.9.9").await;
    let (arn, _) = registered(b.execute(&register(&family, json)).await.unwrap());
    let since = b.service(cluster, service).await.unwrap().deployments[0]
        .updated_at
        .unwrap();
    let svc = service_of(
        b.execute(&deploy(
            cluster,
            service,
            &before.task_definition,
            &arn,
            false,
        ))
        .await
        .unwrap(),
    );
    let id = svc.deployments[0].id.clone();
    let (end, samples) = follow_checked(&b, cluster, service, &id, since).await;
    assert_eq!(end.verdict, Verdict::Completed);
    // 3 desired at 50%..200%: at least 2 serving, at most 6 running.
    assert_eq!((end.min_healthy_tasks, end.max_tasks), (2, 6));
    assert_eq!((end.new_running, end.old_running), (3, 0));
    assert!(
        samples >= 4,
        "{samples} distinct samples: the rollout went step by step"
    );
    assert!(
        end.events
            .iter()
            .any(|e| e.message.contains("deployment completed"))
    );
    let tasks = b
        .tasks(cluster, Some(service), TaskScope::Running)
        .await
        .unwrap();
    assert!(tasks.iter().all(|t| t.task_definition_arn == arn));
    assert!(tasks.iter().all(|t| {
        t.containers[0]
            .image
            .as_deref()
            .is_some_and(|i| i.ends_with(":v9.9.9"))
    }));
}

#[tokio::test(start_paused = true)]
async fn the_failing_revision_trips_the_circuit_breaker_and_rolls_back() {
    let b = demo_on_tokio_time(7);
    let (cluster, service) = (FAILING_CLUSTER, FAILING_SERVICE);
    let before = b.service(cluster, service).await.unwrap();
    let newest = b
        .families()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.name == service)
        .unwrap()
        .revisions[0]
        .clone();
    assert_ne!(newest, before.task_definition);
    let since = before.deployments[0].updated_at.unwrap();
    let svc = service_of(
        b.execute(&deploy(
            cluster,
            service,
            &before.task_definition,
            &newest,
            false,
        ))
        .await
        .unwrap(),
    );
    let id = svc.deployments[0].id.clone();
    let (end, _) = follow_checked(&b, cluster, service, &id, since).await;
    assert_eq!(
        end.verdict,
        Verdict::Failed {
            reason: "ECS deployment circuit breaker: tasks failed to start.".into()
        }
    );
    assert!(end.new_failed >= 3, "{} failed", end.new_failed);
    // ECS's reason says "failed to start"; the events say why, and the verdict shows it.
    let (cause, n) = &end.causes[0];
    assert_eq!(
        cause,
        "unhealthy in the load balancer's target group: Health checks failed"
    );
    assert!(*n >= 3, "{:?}", end.causes);
    let back = end.successor.as_ref().expect("the rollback deployment");
    assert!(back.rollback);
    assert_eq!(back.task_definition, before.task_definition);
    let messages: Vec<&str> = end.events.iter().map(|e| e.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("is unhealthy in (target-group")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.ends_with(&format!(
        "(deployment {id}) deployment failed: tasks failed to start."
    ))));
    assert!(messages.iter().any(|m| m.contains(&format!(
        "rolling back to deployment {}",
        before.deployments[0].id
    ))));

    // Its CPU spiked during the failed rollout (what the demo's charts show).
    let ask = crate::domain::metrics::MetricsAsk {
        targets: vec![crate::domain::metrics::MetricTarget::service(
            cluster, service,
        )],
        hours: 1,
        counts: false,
    };
    let metrics = b.metrics(&ask).await.unwrap();
    let peak = metrics[0].cpu.iter().map(|p| p.1).fold(0.0, f64::max);
    assert!(peak >= 88.0, "{:?}", metrics[0].cpu.last());

    // The service is back on the previous revision, and settles there.
    let now = b.service(cluster, service).await.unwrap();
    assert_eq!(now.task_definition, before.task_definition);
    let rollback = now.primary_deployment().unwrap();
    assert!(
        rollback
            .rollout_reason
            .as_deref()
            .unwrap()
            .contains("rolling back to deploymentId")
    );
    tokio::time::sleep(StdDuration::from_secs(600)).await;
    let settled = b.service(cluster, service).await.unwrap();
    assert_eq!(settled.deployments.len(), 1);
    assert_eq!(
        settled.deployments[0].rollout_state.as_deref(),
        Some("COMPLETED")
    );
    assert_eq!(
        (settled.running, settled.desired),
        (before.desired, before.desired)
    );
    // A stable service after the rollback: the follower still says the rollout failed.
    let later = rollout::progress(&settled, &id, since);
    assert!(matches!(later.verdict, Verdict::Failed { .. }), "{later:?}");
    let stopped = b
        .tasks(cluster, Some(service), TaskScope::Stopped)
        .await
        .unwrap();
    let failed: Vec<&Task> = stopped
        .iter()
        .filter(|t| t.task_definition_arn == newest)
        .collect();
    let unhealthy = failed.iter().filter(|t| {
        t.stopped_reason
            .as_deref()
            .is_some_and(|r| r.starts_with("Task failed ELB health checks in (target-group"))
    });
    assert!(unhealthy.count() >= 3);
    // The rest were still starting when the rollback replaced them.
    assert!(
        failed
            .iter()
            .all(|t| t.stop_code.as_deref() == Some("ServiceSchedulerInitiated"))
    );
}

#[tokio::test(start_paused = true)]
async fn a_broken_image_tag_fails_and_rolls_back_a_worker() {
    let b = demo_on_tokio_time(8);
    let (cluster, service) = ("prod-platform", "webhooks-dispatcher");
    let before = b.service(cluster, service).await.unwrap();
    let (family, json) = retagged(&b, cluster, service, "v2.0.0-broken").await;
    let (arn, _) = registered(b.execute(&register(&family, json)).await.unwrap());
    let since = before.deployments[0].updated_at.unwrap();
    let svc = service_of(
        b.execute(&deploy(
            cluster,
            service,
            &before.task_definition,
            &arn,
            false,
        ))
        .await
        .unwrap(),
    );
    let id = svc.deployments[0].id.clone();
    let (end, _) = follow_checked(&b, cluster, service, &id, since).await;
    let Verdict::Failed { reason } = &end.verdict else {
        panic!("{end:?}");
    };
    assert!(reason.contains("circuit breaker"), "{reason}");
    assert_eq!(
        b.service(cluster, service).await.unwrap().task_definition,
        before.task_definition
    );
    // Without health checks the broken application exits by itself.
    let stopped = b
        .tasks(cluster, Some(service), TaskScope::Stopped)
        .await
        .unwrap();
    let crashed = stopped
        .iter()
        .find(|t| t.task_definition_arn == arn)
        .unwrap();
    assert_eq!(crashed.containers[0].exit_code, Some(1));
    assert_eq!(
        crashed.stopped_reason.as_deref(),
        Some("Essential container in task exited")
    );
}
