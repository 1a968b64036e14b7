//! The embedded demo fleet behind `ecsdash --demo`: a seeded estate of clusters, services,
//! tasks and container instances that lives on its own (tasks start and stop, a worker
//! crashes, `checkout` rolls out a new revision) without AWS configuration or network.
//!
//! What it shows is a function of the seed and the injected clock only: the state is
//! advanced in one-second steps up to `clock.now()` on every call, each step drawing
//! from its own seeded RNG. Calls sleep a seeded-random latency first so loading states
//! can be seen.
//!
//! Layout: `catalog` (what the estate is made of) -> `fleet` (seeded initial state and the
//! opening scenario) -> `sim` (per-step scheduler), `lifecycle` (one task's states),
//! `launch` (placement), `events` (service events) -> `view` (model types for the panes).
//! Changes come in through `ops` (`set_desired`, `register_revision`, `start_deployment`,
//! `set_instance_state`) or as timed `state::Intervention`s; the scheduler converges on them
//! within each deployment's minimum healthy / maximum percent. `breaker` fails rollouts
//! whose tasks never become healthy and rolls them back; `scaling` is the fleet's
//! Application Auto Scaling (with `schedule` running its scheduled actions).
//! `operations` is the `crate::ops::Ops` side: reads for the operation screens and every
//! mutation; task definitions registered there are kept as JSON (`registry`), and every
//! revision can be described as DescribeTaskDefinition JSON (`taskdef_doc`).
//! `logs` is the fleet's CloudWatch Logs (`DemoBackend::logs`): every container's stream,
//! generated on demand from the same tasks: awslogs streams, and the FireLens streams of
//! `shipping-quotes` (Fluent Bit names them, so only the stream picker finds them).

mod breaker;
mod catalog;
mod events;
mod fleet;
mod ids;
mod launch;
mod lifecycle;
pub mod logs;
mod operations;
mod ops;
mod registry;
mod scaling;
mod scaling_estate;
mod schedule;
mod sim;
mod state;
mod taskdef;
mod taskdef_doc;
mod view;

#[cfg(test)]
mod firelens_tests;
#[cfg(test)]
mod operations_tests;
#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

use self::ids::{ACCOUNT, REGION, STREAM_LATENCY, cluster_arn, rng_for};
use self::state::{ClusterState, Fleet};
use self::taskdef::parse_reference;
use crate::domain::clock::Clock;
use crate::domain::model::{Cluster, ContainerInstance, Service, Task, TaskDefinition, TaskScope};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind, Identity};

/// Per-call latency for interactive use: enough to see loading states, not to annoy.
pub const DEFAULT_LATENCY: Range<Duration> = Duration::from_millis(60)..Duration::from_millis(450);

pub struct DemoOptions {
    pub seed: u64,
    pub clock: Arc<dyn Clock>,
    /// Simulated API latency per call; `0..0` (as in tests) means no sleep at all.
    pub latency: Range<Duration>,
}

pub struct DemoBackend {
    /// Shared with the demo's CloudWatch Logs (`logs`), which reads the same tasks.
    fleet: Arc<Mutex<Fleet>>,
    clock: Arc<dyn Clock>,
    latency: Range<Duration>,
    latency_rng: Mutex<fastrand::Rng>,
}

impl DemoBackend {
    /// Builds the estate and plays its opening hour, so the demo opens with recent
    /// history: stopped tasks, an instance draining, a rollout under way.
    pub fn new(opts: DemoOptions) -> Self {
        let now = opts.clock.now();
        let mut fleet = fleet::build(opts.seed, now);
        fleet.advance_to(now);
        DemoBackend {
            fleet: Arc::new(Mutex::new(fleet)),
            clock: opts.clock,
            latency: opts.latency,
            latency_rng: Mutex::new(rng_for(opts.seed, STREAM_LATENCY, 0)),
        }
    }

    /// The demo's CloudWatch Logs: the log streams of this fleet's containers.
    pub fn logs(&self) -> Arc<dyn crate::logs::LogsApi> {
        Arc::new(logs::DemoLogs::new(
            self.fleet.clone(),
            self.clock.clone(),
            self.latency.clone(),
        ))
    }

    /// The next call's simulated latency, drawn from the configured range.
    fn next_latency(&self) -> Duration {
        let Range { start, end } = self.latency;
        if end <= start {
            return start;
        }
        let span = u64::try_from((end - start).as_nanos()).unwrap_or(u64::MAX);
        let mut rng = self.latency_rng.lock().unwrap_or_else(|p| p.into_inner());
        start + Duration::from_nanos(rng.u64(..span))
    }

    async fn simulate_latency(&self) {
        let pause = self.next_latency();
        // No sleep at all for zero: a test's call then completes on its first poll.
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }

    /// The fleet as of now. Waits out the latency first, as an API answers at the end.
    async fn fleet(&self) -> MutexGuard<'_, Fleet> {
        self.simulate_latency().await;
        // A panic while stepping leaves a consistent-enough fleet for a demo.
        let mut fleet = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
        fleet.advance_to(self.clock.now());
        fleet
    }
}

fn cluster_not_found(operation: &str) -> BackendError {
    BackendError::new(ErrorKind::NotFound, operation, "Cluster not found.")
}

/// A cluster by name or by its full ARN.
fn find_cluster<'a>(
    fleet: &'a Fleet,
    reference: &str,
    operation: &str,
) -> BackendResult<&'a ClusterState> {
    fleet
        .clusters
        .iter()
        .find(|c| c.name == reference || cluster_arn(&c.name) == reference)
        .ok_or_else(|| cluster_not_found(operation))
}

#[async_trait]
impl Backend for DemoBackend {
    fn identity(&self) -> Identity {
        Identity {
            profile: "demo".into(),
            region: REGION.into(),
            account: Some(ACCOUNT.into()),
            endpoint: None,
        }
    }

    async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
        let fleet = self.fleet().await;
        Ok(fleet.clusters.iter().map(view::cluster).collect())
    }

    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster> {
        let fleet = self.fleet().await;
        find_cluster(&fleet, cluster, "DescribeClusters").map(view::cluster)
    }

    async fn services(&self, cluster: &str) -> BackendResult<Vec<Service>> {
        let fleet = self.fleet().await;
        let c = find_cluster(&fleet, cluster, "ListServices")?;
        Ok(c.services.iter().map(|s| view::service(c, s)).collect())
    }

    async fn tasks(
        &self,
        cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> BackendResult<Vec<Task>> {
        let fleet = self.fleet().await;
        let c = find_cluster(&fleet, cluster, "ListTasks")?;
        let tasks: Vec<Task> = match service {
            Some(reference) => {
                let name = crate::domain::model::arn_name(reference);
                let svc = c.service(name).ok_or_else(|| {
                    BackendError::new(ErrorKind::NotFound, "ListTasks", "Service not found.")
                })?;
                svc.tasks
                    .iter()
                    .filter(|t| view::in_scope(t, scope))
                    .map(|t| view::task(&fleet, c, t))
                    .collect()
            }
            None => c
                .tasks()
                .filter(|t| view::in_scope(t, scope))
                .map(|t| view::task(&fleet, c, t))
                .collect(),
        };
        Ok(tasks)
    }

    async fn container_instances(&self, cluster: &str) -> BackendResult<Vec<ContainerInstance>> {
        let fleet = self.fleet().await;
        let c = find_cluster(&fleet, cluster, "ListContainerInstances")?;
        Ok(c.instances.iter().map(|i| view::instance(c, i)).collect())
    }

    async fn task_definition(&self, task_definition: &str) -> BackendResult<TaskDefinition> {
        let fleet = self.fleet().await;
        let (family, revision) = parse_reference(task_definition);
        fleet
            .families
            .get(family)
            .and_then(|f| f.definition(revision.unwrap_or(f.latest)))
            .ok_or_else(|| {
                BackendError::new(
                    ErrorKind::NotFound,
                    "DescribeTaskDefinition",
                    "Unable to describe task definition.",
                )
            })
    }
}
