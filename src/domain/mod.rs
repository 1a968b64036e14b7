//! The ground layer: the ECS domain model, errors, the clock, the sanitizer every text
//! passes before a terminal, and the `Backend` trait the adapters (`crate::backends`)
//! implement. It imports nothing of the project above it.

pub mod budget;
pub mod clock;
pub mod error;
pub mod metrics;
pub mod model;
pub mod places;
pub mod pulse;
pub mod sanitize;
pub mod shared;

use async_trait::async_trait;

pub use error::{BackendError, ErrorKind};
use model::{Cluster, ContainerInstance, Service, TargetHealth, Task, TaskDefinition, TaskScope};

pub type BackendResult<T> = Result<T, BackendError>;

/// Who and where the dashboard is talking to; shown in the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The profile name, `demo` for the demo fleet, or `default`/`env` when none was named.
    pub profile: String,
    pub region: String,
    /// Learned from the first ARN the backend returns; `None` until then.
    pub account: Option<String>,
    /// A custom endpoint (`AWS_ENDPOINT_URL`), shown so nobody mistakes it for production.
    pub endpoint: Option<String>,
    /// Every region in use when the dashboard spans several (`--region a,b`), `region`
    /// first; empty when it works in one.
    pub regions: Vec<String>,
}

impl Identity {
    /// Whether the dashboard spans several regions. Clusters are then named by their ARN
    /// everywhere below the clusters pane, so each call goes to the cluster's region.
    pub fn spans_regions(&self) -> bool {
        self.regions.len() > 1
    }

    /// The region `cluster` (a name or an ARN) is in: its ARN's, else the one in use.
    pub fn region_of(&self, cluster: &str) -> String {
        model::arn_region(cluster).map_or_else(|| self.region.clone(), str::to_owned)
    }

    /// The regions for the header: `eu-west-1`, `eu-west-1,us-east-1`, or
    /// `eu-west-1 +2` for more (the account must stay readable on a narrow terminal).
    pub fn regions_label(&self) -> String {
        match self.regions.len() {
            0 | 1 => self.region.clone(),
            2 => self.regions.join(","),
            n => format!("{} +{}", self.regions[0], n - 1),
        }
    }

    /// Every region in use, for a switch that keeps them.
    pub fn regions_list(&self) -> String {
        if self.spans_regions() {
            self.regions.join(",")
        } else {
            self.region.clone()
        }
    }
}

/// A list the panes load progressively: its names page by page, then details in batches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListQuery {
    Services {
        cluster: String,
    },
    Tasks {
        cluster: String,
        service: Option<String>,
        scope: TaskScope,
    },
    Instances {
        cluster: String,
    },
}

/// One page of a list: ARNs, and the token of the next page if there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Page {
    pub arns: Vec<String>,
    pub next: Option<String>,
}

/// Every read the panes make. Lists follow nextToken to the end and describes are batched
/// to the API maxima inside the implementation; callers get whole answers.
#[async_trait]
pub trait Backend: Send + Sync {
    fn identity(&self) -> Identity;

    /// The account the credentials belong to, asked of AWS (STS GetCallerIdentity), so
    /// the header names it before any pane has loaded. `None` when it cannot be told.
    async fn account(&self) -> Option<String> {
        self.identity().account
    }

    /// Every cluster of the account and region, described.
    async fn clusters(&self) -> BackendResult<Vec<Cluster>>;

    /// Every cluster that could be listed, and what could not be (across several
    /// regions, one failing region leaves the others' clusters on screen).
    async fn clusters_each(&self) -> (Vec<Cluster>, Option<BackendError>) {
        match self.clusters().await {
            Ok(all) => (all, None),
            Err(e) => (Vec::new(), Some(e)),
        }
    }

    /// One cluster by name or ARN (used by `--cluster` to say plainly when it does not exist).
    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster>;

    /// Every service of a cluster, described (events and deployments included).
    async fn services(&self, cluster: &str) -> BackendResult<Vec<Service>>;

    /// Tasks of a cluster, or of one service of it, in one scope (running or stopped).
    async fn tasks(
        &self,
        cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> BackendResult<Vec<Task>>;

    /// Every container instance of a cluster, described.
    async fn container_instances(&self, cluster: &str) -> BackendResult<Vec<ContainerInstance>>;

    /// One task definition by ARN or `family:revision`. Immutable once registered, so
    /// callers may cache it forever.
    async fn task_definition(&self, task_definition: &str) -> BackendResult<TaskDefinition>;

    /// The targets of one load balancer target group (by ARN) and their health.
    async fn target_health(&self, target_group: &str) -> BackendResult<Vec<TargetHealth>> {
        Err(BackendError::new(
            ErrorKind::Service,
            "DescribeTargetHealth",
            format!("target health is not available here ({target_group})"),
        ))
    }

    /// CPU and memory utilisation (and task counts when asked) of each target, in the
    /// order asked, over the last `ask.hours`.
    async fn metrics(&self, ask: &metrics::MetricsAsk) -> BackendResult<Vec<metrics::Series>> {
        Err(BackendError::new(
            ErrorKind::Service,
            "GetMetricData",
            format!(
                "metrics are not available here ({} asked for)",
                ask.targets.len()
            ),
        ))
    }

    /// The CloudWatch alarms in ALARM, of every region in use.
    async fn alarms(&self) -> BackendResult<Vec<metrics::Alarm>> {
        Err(BackendError::new(
            ErrorKind::Service,
            "DescribeAlarms",
            "alarms are not available here",
        ))
    }

    /// One page of `query` (`token` from the previous page; `None` for the first). By
    /// default the whole list as one page.
    async fn list_page(&self, query: &ListQuery, _token: Option<String>) -> BackendResult<Page> {
        let arns = match query {
            ListQuery::Services { cluster } => self
                .services(cluster)
                .await?
                .into_iter()
                .map(|s| s.arn)
                .collect(),
            ListQuery::Tasks {
                cluster,
                service,
                scope,
            } => self
                .tasks(cluster, service.as_deref(), *scope)
                .await?
                .into_iter()
                .map(|t| t.arn)
                .collect(),
            ListQuery::Instances { cluster } => self
                .container_instances(cluster)
                .await?
                .into_iter()
                .map(|i| i.arn)
                .collect(),
        };
        Ok(Page { arns, next: None })
    }

    /// The services of `cluster` among `arns` (at most one describe call's worth); those
    /// that no longer exist are left out.
    async fn describe_services(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<Service>> {
        let mut all = self.services(cluster).await?;
        all.retain(|s| arns.contains(&s.arn));
        Ok(all)
    }

    /// The tasks of `cluster` among `arns`; those that no longer exist are left out.
    async fn describe_tasks(&self, cluster: &str, arns: &[String]) -> BackendResult<Vec<Task>> {
        let mut found = Vec::new();
        for scope in [TaskScope::Running, TaskScope::Stopped] {
            let mut all = self.tasks(cluster, None, scope).await?;
            all.retain(|t| arns.contains(&t.arn));
            found.extend(all);
        }
        Ok(found)
    }

    /// The container instances of `cluster` among `arns`.
    async fn describe_instances(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<ContainerInstance>> {
        let mut all = self.container_instances(cluster).await?;
        all.retain(|i| arns.contains(&i.arn));
        Ok(all)
    }
}
