//! The `Backend` over the AWS SDK for Rust: every list followed to its last page, describes
//! batched to the API maxima with bounded concurrency, every call rate-limited per ECS API
//! category and bounded by an operation timeout.

mod cloudwatch;
mod connect;
mod convert;
mod errors;
mod lists;
pub mod logs;
mod metered;
pub mod mfa;
pub mod ops;
pub mod places;
mod regions;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{ClusterField, Failure};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::{StreamExt, TryStreamExt, stream};

pub use crate::domain::budget::{ApiLimits, ApiRate};
use crate::domain::budget::{Budget, Category};
use crate::domain::model::{
    Cluster, ContainerInstance, Service, TargetHealth, Task, TaskDefinition, TaskScope,
    arn_account, arn_name,
};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind, Identity, ListQuery, Page};

/// API maxima per describe call.
const CLUSTERS_PER_DESCRIBE: usize = 100;
const SERVICES_PER_DESCRIBE: usize = 10;
const TASKS_PER_DESCRIBE: usize = 100;
const INSTANCES_PER_DESCRIBE: usize = 100;
/// The largest page every ECS list accepts; ListServices would otherwise return 10.
const PAGE_SIZE: i32 = 100;

/// How to reach AWS.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// A profile of ~/.aws/config; `None` uses AWS_PROFILE or the default chain.
    pub profile: Option<String>,
    /// Overrides AWS_REGION and the profile's region.
    pub region: Option<String>,
    /// The most any one call may take, retries included.
    pub operation_timeout: Duration,
    /// How many describe batches of one refresh may be in flight at once.
    pub describe_concurrency: usize,
    /// The share of each API category's sustained rate to keep to in steady state, in
    /// percent (`api_share`).
    pub api_share: u8,
    /// The role's credentials for an assume-role profile with `mfa_serial`, assumed with
    /// the code the user gave (`mfa::assume`), once for every region.
    pub assumed: Option<mfa::Credentials>,
}

/// ECS through the AWS SDK. One per profile and region; share it behind an `Arc`: its rate
/// limiters only work if every call of the process goes through the same instance.
pub struct SdkBackend {
    ecs: Client,
    /// Target health, for the services behind a load balancer.
    elb: aws_sdk_elasticloadbalancingv2::Client,
    /// Metrics and alarms.
    cw: aws_sdk_cloudwatch::Client,
    config: SdkConfig,
    /// Shared with the operations built from this backend (`ops::SdkOps::new`): ECS
    /// throttles per account, so every call of the process draws from the same buckets.
    budget: Arc<Budget>,
    describe_concurrency: usize,
    identity: Identity,
    /// Learned from the first ARN any answer carries.
    account: OnceLock<String>,
}

impl std::fmt::Debug for SdkBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkBackend")
            .field("identity", &self.identity())
            .field("describe_concurrency", &self.describe_concurrency)
            .finish_non_exhaustive()
    }
}

impl SdkBackend {
    /// Loads the AWS configuration (profile, region, AWS_ENDPOINT_URL, credentials chain)
    /// and fails early, with a clear message, on an unknown profile or region.
    pub async fn connect(opts: ConnectOptions) -> BackendResult<SdkBackend> {
        Self::connect_with(opts, aws_config::defaults(BehaviorVersion::latest())).await
    }

    /// `connect` starting from the caller's loader, e.g. one with a fixed endpoint and test
    /// credentials. Timeouts, retries, profile and region from `opts` are applied on top.
    pub async fn connect_with(
        opts: ConnectOptions,
        loader: ConfigLoader,
    ) -> BackendResult<SdkBackend> {
        let loaded = connect::load(
            loader,
            opts.profile.as_deref(),
            opts.region.as_deref(),
            opts.operation_timeout,
            opts.assumed.clone(),
        )
        .await?;
        let budget = Arc::new(Budget::new(ApiLimits::default(), opts.api_share));
        tracing::info!(
            profile = %loaded.profile,
            region = %loaded.region,
            endpoint = ?loaded.endpoint,
            "AWS configuration loaded"
        );
        Ok(SdkBackend {
            ecs: metered::client(&loaded.config, &budget),
            elb: metered::elb_client(&loaded.config, &budget),
            cw: metered::cloudwatch_client(&loaded.config, &budget),
            config: loaded.config,
            budget,
            describe_concurrency: opts.describe_concurrency.max(1),
            identity: Identity {
                profile: loaded.profile,
                region: loaded.region,
                account: None,
                endpoint: loaded.endpoint,
                regions: Vec::new(),
            },
            account: OnceLock::new(),
        })
    }

    /// Replaces the API budget (e.g. for an account with raised quotas).
    #[must_use]
    pub fn with_budget(mut self, budget: Arc<Budget>) -> Self {
        self.ecs = metered::client(&self.config, &budget);
        self.elb = metered::elb_client(&self.config, &budget);
        self.cw = metered::cloudwatch_client(&self.config, &budget);
        self.budget = budget;
        self
    }

    /// The loaded configuration, for building other clients (logs, auto scaling) that share
    /// its credentials, region, endpoint, timeouts and retries.
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// The API budget, for the operations (and the dashboard's header) to share.
    pub fn budget(&self) -> Arc<Budget> {
        Arc::clone(&self.budget)
    }

    /// How many describe batches (or other bounded fan-outs) may be in flight at once.
    pub(crate) fn describe_concurrency(&self) -> usize {
        self.describe_concurrency
    }

    fn learn_account(&self, arn: &str) {
        if self.account.get().is_none()
            && let Some(account) = arn_account(arn)
        {
            let _ = self.account.set(account.to_owned());
        }
    }

    /// Runs `describe` over `ids` in batches of `batch`, at most `describe_concurrency` at a
    /// time, and returns the results in the order of `ids`.
    async fn describe_batched<T, F, Fut>(
        &self,
        ids: Vec<String>,
        batch: usize,
        describe: F,
    ) -> BackendResult<Vec<T>>
    where
        F: Fn(Vec<String>) -> Fut,
        Fut: Future<Output = BackendResult<Vec<T>>>,
    {
        let batches: Vec<Vec<String>> = ids.chunks(batch).map(<[String]>::to_vec).collect();
        let results: Vec<Vec<T>> = stream::iter(batches)
            .map(describe)
            .buffered(self.describe_concurrency)
            .try_collect()
            .await?;
        Ok(results.into_iter().flatten().collect())
    }
}

/// Every item of a list, following nextToken to the end. Each page waits for the budget
/// first; the paginator only sends a request when polled.
async fn collect_pages<O, E>(
    (budget, category): (&Budget, Category),
    operation: &str,
    mut pages: PaginationStream<Result<O, SdkError<E, HttpResponse>>>,
    take: impl Fn(O) -> (Vec<String>, bool),
) -> BackendResult<Vec<String>>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut items = Vec::new();
    loop {
        budget.acquire(category).await;
        let Some(page) = pages.next().await else {
            break;
        };
        let page = page.map_err(|e| errors::from_sdk_error(operation, e))?;
        let (page_items, more) = take(page);
        items.extend(page_items);
        if !more {
            break;
        }
    }
    tracing::debug!(operation, count = items.len(), "listed");
    Ok(items)
}

/// Puts described items back in the order they were asked for (ARNs of a list answer).
fn in_request_order<T>(asked: &[String], mut items: Vec<T>, arn: impl Fn(&T) -> &str) -> Vec<T> {
    let position: HashMap<&str, usize> = asked
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    items.sort_by_key(|item| position.get(arn(item)).copied().unwrap_or(usize::MAX));
    items
}

/// Describe failures are not dropped silently: MISSING (gone since it was listed) is normal
/// churn, anything else is logged as a warning.
fn note_failures(operation: &str, failures: &[Failure]) {
    for failure in failures {
        let arn = failure.arn().unwrap_or_default();
        let reason = failure.reason().unwrap_or_default();
        if reason == "MISSING" {
            tracing::debug!(operation, arn, "described item is gone (MISSING)");
        } else {
            tracing::warn!(
                operation,
                arn,
                reason,
                detail = failure.detail().unwrap_or_default(),
                "describe failure"
            );
        }
    }
}

fn has_more(token: Option<&str>) -> bool {
    token.is_some_and(|t| !t.is_empty())
}

fn cluster_fields() -> Vec<ClusterField> {
    vec![
        ClusterField::Statistics,
        ClusterField::Tags,
        ClusterField::Settings,
    ]
}

impl SdkBackend {
    async fn describe_clusters(&self, names: Vec<String>) -> BackendResult<Vec<Cluster>> {
        const OP: &str = "DescribeClusters";
        self.budget.acquire(Category::ClusterRead).await;
        let out = self
            .ecs
            .describe_clusters()
            .set_clusters(Some(names.clone()))
            .set_include(Some(cluster_fields()))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        note_failures(OP, out.failures());
        let clusters: Vec<Cluster> = out.clusters().iter().map(convert::cluster).collect();
        if let Some(first) = clusters.first() {
            self.learn_account(&first.arn);
        }
        Ok(in_request_order(&names, clusters, |c| &c.arn))
    }
}

#[async_trait]
impl Backend for SdkBackend {
    fn identity(&self) -> Identity {
        Identity {
            account: self.account.get().cloned(),
            ..self.identity.clone()
        }
    }

    async fn account(&self) -> Option<String> {
        if let Some(known) = self.account.get() {
            return Some(known.clone());
        }
        match aws_sdk_sts::Client::new(&self.config)
            .get_caller_identity()
            .send()
            .await
        {
            Ok(out) => {
                let account = out.account()?.to_owned();
                let _ = self.account.set(account.clone());
                Some(account)
            }
            Err(e) => {
                // The panes say what is wrong with the credentials; the header keeps "…"
                // until an ARN names the account.
                let e = errors::from_sdk_error("GetCallerIdentity", e);
                tracing::info!(error = %e, "account not known yet");
                None
            }
        }
    }

    async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
        let pages = self
            .ecs
            .list_clusters()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .send();
        let arns = collect_pages(
            (&*self.budget, Category::ClusterRead),
            "ListClusters",
            pages,
            |p| {
                let more = has_more(p.next_token());
                (p.cluster_arns.unwrap_or_default(), more)
            },
        )
        .await?;
        self.describe_batched(arns, CLUSTERS_PER_DESCRIBE, |batch| {
            self.describe_clusters(batch)
        })
        .await
    }

    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster> {
        const OP: &str = "DescribeClusters";
        self.budget.acquire(Category::ClusterRead).await;
        let out = self
            .ecs
            .describe_clusters()
            .clusters(cluster)
            .set_include(Some(cluster_fields()))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        // Asking for a name that does not exist is not an error for ECS: it answers with a
        // MISSING failure (or, from some endpoints, with nothing at all).
        let found = out
            .clusters()
            .iter()
            .find(|c| c.status() != Some("INACTIVE"))
            .map(convert::cluster);
        match found {
            Some(c) => {
                self.learn_account(&c.arn);
                Ok(c)
            }
            None => {
                let why = out
                    .failures()
                    .first()
                    .and_then(|f| f.reason())
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let message = if out.clusters().is_empty() {
                    format!(
                        "cluster '{cluster}' not found in {}{why}",
                        self.identity.region
                    )
                } else {
                    format!(
                        "cluster '{cluster}' in {} is INACTIVE (deleted)",
                        self.identity.region
                    )
                };
                Err(BackendError::new(ErrorKind::NotFound, OP, message))
            }
        }
    }

    async fn services(&self, cluster: &str) -> BackendResult<Vec<Service>> {
        let query = ListQuery::Services {
            cluster: cluster.to_owned(),
        };
        let arns = self.all_arns(&query).await?;
        self.services_of(cluster, arns).await
    }

    async fn tasks(
        &self,
        cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> BackendResult<Vec<Task>> {
        let query = ListQuery::Tasks {
            cluster: cluster.to_owned(),
            service: service.map(str::to_owned),
            scope,
        };
        let arns = self.all_arns(&query).await?;
        let tasks = self.tasks_of(cluster, arns).await?;
        // ECS sets a service's tasks' group to `service:<name>`; filtering on it as well
        // keeps the answer right where serviceName is ignored (moto, some proxies).
        Ok(match service.map(arn_name) {
            Some(name) => tasks
                .into_iter()
                .filter(|t| t.service_name() == Some(name))
                .collect(),
            None => tasks,
        })
    }

    async fn container_instances(&self, cluster: &str) -> BackendResult<Vec<ContainerInstance>> {
        let query = ListQuery::Instances {
            cluster: cluster.to_owned(),
        };
        let arns = self.all_arns(&query).await?;
        self.instances_of(cluster, arns).await
    }

    async fn list_page(&self, query: &ListQuery, token: Option<String>) -> BackendResult<Page> {
        self.page(query, token).await
    }

    async fn describe_services(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<Service>> {
        self.services_of(cluster, arns.to_vec()).await
    }

    async fn describe_tasks(&self, cluster: &str, arns: &[String]) -> BackendResult<Vec<Task>> {
        self.tasks_of(cluster, arns.to_vec()).await
    }

    async fn describe_instances(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<ContainerInstance>> {
        self.instances_of(cluster, arns.to_vec()).await
    }

    async fn task_definition(&self, task_definition: &str) -> BackendResult<TaskDefinition> {
        const OP: &str = "DescribeTaskDefinition";
        self.budget.acquire(Category::TaskDefinitionRead).await;
        let out = self
            .ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        let td = out.task_definition().ok_or_else(|| {
            BackendError::new(
                ErrorKind::NotFound,
                OP,
                format!("no task definition '{task_definition}' in the answer"),
            )
        })?;
        let td = convert::task_definition(td);
        self.learn_account(&td.arn);
        Ok(td)
    }

    async fn target_health(&self, target_group: &str) -> BackendResult<Vec<TargetHealth>> {
        const OP: &str = "DescribeTargetHealth";
        self.budget.acquire(Category::LoadBalancerRead).await;
        let out = self
            .elb
            .describe_target_health()
            .target_group_arn(target_group)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        Ok(out
            .target_health_descriptions()
            .iter()
            .map(convert::target_health)
            .collect())
    }

    async fn metrics(
        &self,
        ask: &crate::domain::metrics::MetricsAsk,
    ) -> BackendResult<Vec<crate::domain::metrics::Series>> {
        cloudwatch::metrics(&self.cw, &self.budget, ask).await
    }

    async fn alarms(&self) -> BackendResult<Vec<crate::domain::metrics::Alarm>> {
        cloudwatch::alarms(&self.cw, &self.budget).await
    }
}

#[cfg(test)]
mod tests;
