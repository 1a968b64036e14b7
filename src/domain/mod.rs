//! The ground layer: the ECS domain model, errors, the clock, the sanitizer every text
//! passes before a terminal, and the `Backend` trait the adapters (`crate::backends`)
//! implement. It imports nothing of the project above it.

pub mod budget;
pub mod clock;
pub mod error;
pub mod model;
pub mod sanitize;

use async_trait::async_trait;

pub use error::{BackendError, ErrorKind};
use model::{Cluster, ContainerInstance, Service, Task, TaskDefinition, TaskScope};

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
}
