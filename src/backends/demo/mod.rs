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
//!
//! The reads answer as AWS does: lists in pages of at most 100 ARNs behind an opaque next
//! token, describes of at most 10 services or 100 tasks or instances, leaving out what does
//! not exist. Every call first takes its tokens from the API budget (`DemoSetup::budget`),
//! as the SDK adapter's do, so throttling to the share can be watched without AWS.
//! `scale` makes the estate larger (`--demo-scale`): thousands of steady services that the
//! simulation passes by until something changes them.

mod breaker;
mod catalog;
mod events;
mod fleet;
mod ids;
mod launch;
mod lifecycle;
pub mod logs;
mod metrics;
mod operations;
mod ops;
mod registry;
mod scale;
mod scaling;
mod scaling_estate;
mod schedule;
mod sim;
mod state;
mod targets;
mod taskdef;
mod taskdef_doc;
mod view;

#[cfg(test)]
mod firelens_tests;
#[cfg(test)]
mod metrics_tests;
#[cfg(test)]
mod operations_tests;
#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use self::ids::{
    ACCOUNT, REGION, STREAM_LATENCY, cluster_arn, container_instance_arn, rng_for, service_arn,
    task_arn,
};
use self::state::{ClusterState, Fleet};
use self::taskdef::parse_reference;
use crate::domain::budget::{ApiLimits, ApiRate, Budget, Category};
use crate::domain::clock::Clock;
use crate::domain::metrics::{Alarm, MetricsAsk, QUERIES_PER_CALL, Series};
use crate::domain::model::{
    Cluster, ContainerInstance, Service, TargetHealth, Task, TaskDefinition, TaskScope, arn_name,
};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind, Identity, ListQuery, Page};

pub use self::scale::MAX_SCALE;

/// Per-call latency for interactive use: enough to see loading states, not to annoy.
pub const DEFAULT_LATENCY: Range<Duration> = Duration::from_millis(60)..Duration::from_millis(450);

/// ARNs per page of ListServices, ListTasks and ListContainerInstances (their maximum).
const PAGE_SIZE: usize = 100;
/// Clusters per DescribeClusters call.
const CLUSTERS_PER_DESCRIBE: usize = 100;
/// Services per DescribeServices call.
const SERVICES_PER_DESCRIBE: usize = 10;
/// Tasks per DescribeTasks call.
const TASKS_PER_DESCRIBE: usize = 100;
/// Container instances per DescribeContainerInstances call.
const INSTANCES_PER_DESCRIBE: usize = 100;

pub struct DemoOptions {
    pub seed: u64,
    pub clock: Arc<dyn Clock>,
    /// Simulated API latency per call; `0..0` (as in tests) means no sleep at all.
    pub latency: Range<Duration>,
}

/// What the wiring adds to `DemoOptions`: the estate's size and the API budget. Kept apart
/// so that the `DemoOptions { .. }` literals of the screen tests and benches still build;
/// `DemoBackend::new` takes the default (scale 1, a budget nobody waits for).
pub struct DemoSetup {
    /// `--demo-scale`: 1 is the estate as the catalog has it; up to `MAX_SCALE`.
    pub scale: u32,
    /// Every call takes its tokens here first, as the SDK adapter's calls do.
    pub budget: Arc<Budget>,
}

impl Default for DemoSetup {
    fn default() -> Self {
        DemoSetup {
            scale: 1,
            budget: Arc::new(unmetered_budget()),
        }
    }
}

/// A budget no call waits for (a billion calls a second in every category): the default,
/// so tests and benches that fire many calls at once answer as fast as ever.
pub fn unmetered_budget() -> Budget {
    let rate = ApiRate {
        burst: 1_000_000_000,
        per_second: 1_000_000_000,
    };
    let limits = Category::ALL
        .iter()
        .fold(ApiLimits::default(), |limits, &c| limits.with(c, rate));
    Budget::new(limits, 100)
}

pub struct DemoBackend {
    /// Shared with the demo's CloudWatch Logs (`logs`), which reads the same tasks.
    fleet: Arc<Mutex<Fleet>>,
    clock: Arc<dyn Clock>,
    latency: Range<Duration>,
    latency_rng: Mutex<fastrand::Rng>,
    budget: Arc<Budget>,
}

impl DemoBackend {
    /// Builds the catalog's estate (scale 1) and plays its opening hour, so the demo opens
    /// with recent history: stopped tasks, an instance draining, a rollout under way.
    pub fn new(opts: DemoOptions) -> Self {
        Self::with_setup(opts, DemoSetup::default())
    }

    /// As `new`, with the estate made `setup.scale` times larger and every call metered
    /// against `setup.budget`.
    pub fn with_setup(opts: DemoOptions, setup: DemoSetup) -> Self {
        let started = Instant::now();
        let now = opts.clock.now();
        let mut fleet = fleet::build(opts.seed, now);
        scale::enlarge(&mut fleet, setup.scale);
        fleet.advance_to(now);
        let (services, tasks) = fleet.clusters.iter().fold((0, 0), |(s, t), c| {
            (s + c.services.len(), t + c.tasks().count())
        });
        tracing::info!(
            scale = setup.scale,
            services,
            tasks,
            elapsed_ms = started.elapsed().as_millis(),
            "demo fleet built"
        );
        DemoBackend {
            fleet: Arc::new(Mutex::new(fleet)),
            clock: opts.clock,
            latency: opts.latency,
            latency_rng: Mutex::new(rng_for(opts.seed, STREAM_LATENCY, 0)),
            budget: setup.budget,
        }
    }

    /// The API budget every call of this backend takes its tokens from, for the header and
    /// the operations to share.
    pub fn budget(&self) -> Arc<Budget> {
        Arc::clone(&self.budget)
    }

    /// Waits for the budget as `calls` API calls of `category` would, one after another.
    async fn charge(&self, category: Category, calls: usize) {
        for _ in 0..calls {
            self.budget.acquire(category).await;
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

fn service_not_found(operation: &str) -> BackendError {
    BackendError::new(ErrorKind::NotFound, operation, "Service not found.")
}

/// The calls the SDK makes for a whole list of `n` items: its pages, then its describes.
fn list_calls(n: usize, per_describe: usize) -> usize {
    n.div_ceil(PAGE_SIZE).max(1) + n.div_ceil(per_describe)
}

/// Where a page starts: 0 without a token, else the offset the previous page's token
/// carries. Anything else is refused, as AWS refuses a token it did not give out.
fn page_offset(token: Option<&str>, operation: &str) -> BackendResult<usize> {
    let Some(token) = token else {
        return Ok(0);
    };
    token
        .parse::<usize>()
        .ok()
        .filter(|&offset| offset > 0 && token == offset.to_string())
        .ok_or_else(|| {
            let shown: String = token.chars().take(40).collect();
            BackendError::new(
                ErrorKind::InvalidRequest,
                operation,
                format!(
                    "The next token {shown:?} is not one that {operation} gave out; \
                     list again from the first page."
                ),
            )
        })
}

/// One page of `items` from `offset`: at most `PAGE_SIZE` ARNs (made only for the page),
/// and the next page's token when more follow.
fn page_of<T>(items: impl Iterator<Item = T>, offset: usize, arn: impl Fn(T) -> String) -> Page {
    let mut rest = items.skip(offset);
    let arns: Vec<String> = rest.by_ref().take(PAGE_SIZE).map(arn).collect();
    let next = rest
        .next()
        .is_some()
        .then(|| (offset + arns.len()).to_string());
    Page { arns, next }
}

/// A describe of more items than the API takes is refused, in AWS's words.
fn at_most(operation: &str, field: &str, asked: usize, max: usize) -> BackendResult<()> {
    if asked <= max {
        return Ok(());
    }
    Err(BackendError::new(
        ErrorKind::InvalidRequest,
        operation,
        format!("{field} can have at most {max} items; {asked} were asked for."),
    ))
}

/// The name or id a describe asked for by `reference`: the bare name, or the full ARN of
/// this cluster's resource (`arn` makes it from the name). Anything else is MISSING.
fn requested(reference: &str, arn: impl Fn(&str) -> String) -> Option<&str> {
    let name = arn_name(reference);
    (reference == name || reference == arn(name)).then_some(name)
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
            regions: Vec::new(),
        }
    }

    async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
        // ListClusters, then DescribeClusters in batches.
        self.budget.acquire(Category::ClusterRead).await;
        let clusters: Vec<Cluster> = {
            let fleet = self.fleet().await;
            fleet.clusters.iter().map(view::cluster).collect()
        };
        let n = clusters.len();
        self.charge(
            Category::ClusterRead,
            list_calls(n, CLUSTERS_PER_DESCRIBE) - 1,
        )
        .await;
        Ok(clusters)
    }

    async fn target_health(&self, target_group: &str) -> BackendResult<Vec<TargetHealth>> {
        self.budget.acquire(Category::LoadBalancerRead).await;
        let fleet = self.fleet().await;
        for c in &fleet.clusters {
            for s in &c.services {
                let service = view::service(c, s);
                let Some(lb) = service
                    .load_balancers
                    .iter()
                    .find(|lb| lb.target_group_arn.as_deref() == Some(target_group))
                else {
                    continue;
                };
                let tasks: Vec<Task> = s
                    .tasks
                    .iter()
                    .filter(|t| view::in_scope(t, TaskScope::Running))
                    .map(|t| view::task(&fleet, c, t))
                    .collect();
                return Ok(targets::targets(&service, &tasks, lb.container_port));
            }
        }
        Err(BackendError::new(
            ErrorKind::NotFound,
            "DescribeTargetHealth",
            "TargetGroupNotFound: one or more target groups not found",
        ))
    }

    async fn metrics(&self, ask: &MetricsAsk) -> BackendResult<Vec<Series>> {
        let calls = ask.queries().div_ceil(QUERIES_PER_CALL).max(1);
        self.charge(Category::MetricRead, calls).await;
        let fleet = self.fleet().await;
        let now = fleet.now();
        let mut out = Vec::with_capacity(ask.targets.len());
        for target in &ask.targets {
            let c = find_cluster(&fleet, &target.cluster, "GetMetricData")?;
            out.push(match &target.service {
                // CloudWatch answers an unknown dimension with no points, not an error.
                Some(name) => c
                    .services
                    .iter()
                    .find(|s| &s.name == name)
                    .map(|s| metrics::service_series(s, ask, now))
                    .unwrap_or_default(),
                None => metrics::cluster_series(c, ask, now),
            });
        }
        Ok(out)
    }

    async fn alarms(&self) -> BackendResult<Vec<Alarm>> {
        self.budget.acquire(Category::AlarmRead).await;
        let fleet = self.fleet().await;
        let now = fleet.now();
        let region_account = format!("{REGION}:{ACCOUNT}");
        Ok(metrics::alarms(
            &fleet.clusters,
            &fleet.autoscaling,
            &region_account,
            now,
        ))
    }

    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster> {
        self.budget.acquire(Category::ClusterRead).await;
        let fleet = self.fleet().await;
        find_cluster(&fleet, cluster, "DescribeClusters").map(view::cluster)
    }

    async fn services(&self, cluster: &str) -> BackendResult<Vec<Service>> {
        // The first ListServices page; the other pages and the describes are paid for
        // before the answer, as the SDK adapter would make them.
        self.budget.acquire(Category::ServiceRead).await;
        let services: Vec<Service> = {
            let fleet = self.fleet().await;
            let c = find_cluster(&fleet, cluster, "ListServices")?;
            c.services.iter().map(|s| view::service(c, s)).collect()
        };
        let calls = list_calls(services.len(), SERVICES_PER_DESCRIBE);
        self.charge(Category::ServiceRead, calls - 1).await;
        Ok(services)
    }

    async fn tasks(
        &self,
        cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> BackendResult<Vec<Task>> {
        self.budget.acquire(Category::ClusterResourceRead).await;
        let tasks: Vec<Task> = {
            let fleet = self.fleet().await;
            let c = find_cluster(&fleet, cluster, "ListTasks")?;
            match service {
                Some(reference) => {
                    let svc = c
                        .service(arn_name(reference))
                        .ok_or_else(|| service_not_found("ListTasks"))?;
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
            }
        };
        let calls = list_calls(tasks.len(), TASKS_PER_DESCRIBE);
        self.charge(Category::ClusterResourceRead, calls - 1).await;
        Ok(tasks)
    }

    async fn container_instances(&self, cluster: &str) -> BackendResult<Vec<ContainerInstance>> {
        self.budget.acquire(Category::ClusterResourceRead).await;
        let instances: Vec<ContainerInstance> = {
            let fleet = self.fleet().await;
            let c = find_cluster(&fleet, cluster, "ListContainerInstances")?;
            let usage = view::usage(c);
            c.instances
                .iter()
                .map(|i| view::instance(c, i, &usage))
                .collect()
        };
        let calls = list_calls(instances.len(), INSTANCES_PER_DESCRIBE);
        self.charge(Category::ClusterResourceRead, calls - 1).await;
        Ok(instances)
    }

    async fn task_definition(&self, task_definition: &str) -> BackendResult<TaskDefinition> {
        self.budget.acquire(Category::TaskDefinitionRead).await;
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

    /// One page of ARNs, in the cluster's stable order (services as created, tasks by
    /// service then standalone, instances as registered); the token is the next offset.
    async fn list_page(&self, query: &ListQuery, token: Option<String>) -> BackendResult<Page> {
        let (category, operation) = match query {
            ListQuery::Services { .. } => (Category::ServiceRead, "ListServices"),
            ListQuery::Tasks { .. } => (Category::ClusterResourceRead, "ListTasks"),
            ListQuery::Instances { .. } => {
                (Category::ClusterResourceRead, "ListContainerInstances")
            }
        };
        self.budget.acquire(category).await;
        let fleet = self.fleet().await;
        let offset = page_offset(token.as_deref(), operation)?;
        match query {
            ListQuery::Services { cluster } => {
                let c = find_cluster(&fleet, cluster, operation)?;
                Ok(page_of(c.services.iter(), offset, |s| {
                    service_arn(&c.name, &s.name)
                }))
            }
            ListQuery::Tasks {
                cluster,
                service,
                scope,
            } => {
                let c = find_cluster(&fleet, cluster, operation)?;
                let arn = |t: &state::TaskState| task_arn(&c.name, &t.id);
                match service {
                    Some(reference) => {
                        let svc = c
                            .service(arn_name(reference))
                            .ok_or_else(|| service_not_found(operation))?;
                        let tasks = svc.tasks.iter().filter(|t| view::in_scope(t, *scope));
                        Ok(page_of(tasks, offset, arn))
                    }
                    None => {
                        let tasks = c.tasks().filter(|t| view::in_scope(t, *scope));
                        Ok(page_of(tasks, offset, arn))
                    }
                }
            }
            ListQuery::Instances { cluster } => {
                let c = find_cluster(&fleet, cluster, operation)?;
                Ok(page_of(c.instances.iter(), offset, |i| {
                    container_instance_arn(&c.name, &i.id)
                }))
            }
        }
    }

    /// At most 10 services, in the order asked; names or ARNs that are not services of
    /// the cluster are left out (AWS's MISSING failures).
    async fn describe_services(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<Service>> {
        const OP: &str = "DescribeServices";
        self.budget.acquire(Category::ServiceRead).await;
        at_most(OP, "services", arns.len(), SERVICES_PER_DESCRIBE)?;
        let fleet = self.fleet().await;
        let c = find_cluster(&fleet, cluster, OP)?;
        let mut seen = HashSet::new();
        Ok(arns
            .iter()
            .filter_map(|a| requested(a, |name| service_arn(&c.name, name)))
            .filter(|name| seen.insert(*name))
            .filter_map(|name| c.service(name))
            .map(|s| view::service(c, s))
            .collect())
    }

    /// At most 100 tasks, running or stopped, in the order asked; those the cluster does
    /// not have (any more) are left out.
    async fn describe_tasks(&self, cluster: &str, arns: &[String]) -> BackendResult<Vec<Task>> {
        const OP: &str = "DescribeTasks";
        self.budget.acquire(Category::ClusterResourceRead).await;
        at_most(OP, "tasks", arns.len(), TASKS_PER_DESCRIBE)?;
        let fleet = self.fleet().await;
        let c = find_cluster(&fleet, cluster, OP)?;
        let mut wanted: HashMap<&str, usize> = HashMap::new();
        for (i, a) in arns.iter().enumerate() {
            if let Some(id) = requested(a, |id| task_arn(&c.name, id)) {
                wanted.entry(id).or_insert(i);
            }
        }
        let mut found: Vec<Option<Task>> = vec![None; arns.len()];
        for t in c.tasks() {
            if let Some(&i) = wanted.get(t.id.as_str())
                && found[i].is_none()
            {
                found[i] = Some(view::task(&fleet, c, t));
            }
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// At most 100 container instances, in the order asked; unknown ones are left out.
    async fn describe_instances(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<ContainerInstance>> {
        const OP: &str = "DescribeContainerInstances";
        self.budget.acquire(Category::ClusterResourceRead).await;
        at_most(OP, "containerInstances", arns.len(), INSTANCES_PER_DESCRIBE)?;
        let fleet = self.fleet().await;
        let c = find_cluster(&fleet, cluster, OP)?;
        let usage = view::usage(c);
        let mut seen = HashSet::new();
        Ok(arns
            .iter()
            .filter_map(|a| requested(a, |id| container_instance_arn(&c.name, id)))
            .filter(|id| seen.insert(*id))
            .filter_map(|id| c.instances.iter().find(|i| i.id == id))
            .map(|i| view::instance(c, i, &usage))
            .collect())
    }
}
