//! The three lists a pane loads progressively (services, tasks, container instances): one
//! page of ARNs at a time, and one describe call per batch. The whole-list reads of the
//! `Backend` are built from the same two steps.

use aws_sdk_ecs::types::DesiredStatus;

use super::{
    INSTANCES_PER_DESCRIBE, PAGE_SIZE, SERVICES_PER_DESCRIBE, SdkBackend, TASKS_PER_DESCRIBE,
    convert, errors, in_request_order, note_failures,
};
use crate::domain::budget::Category;
use crate::domain::model::{ContainerInstance, Service, Task, TaskScope, arn_name};
use crate::domain::{BackendResult, ListQuery, Page};

fn next(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_owned)
}

impl SdkBackend {
    /// One page of `query`, after waiting for the budget.
    pub(super) async fn page(
        &self,
        query: &ListQuery,
        token: Option<String>,
    ) -> BackendResult<Page> {
        match query {
            ListQuery::Services { cluster } => {
                const OP: &str = "ListServices";
                self.budget.acquire(Category::ServiceRead).await;
                let out = self
                    .ecs
                    .list_services()
                    .cluster(cluster)
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| errors::from_sdk_error(OP, e))?;
                Ok(Page {
                    next: next(out.next_token()),
                    arns: out.service_arns.unwrap_or_default(),
                })
            }
            ListQuery::Tasks {
                cluster,
                service,
                scope,
            } => {
                const OP: &str = "ListTasks";
                let desired = match scope {
                    TaskScope::Running => DesiredStatus::Running,
                    TaskScope::Stopped => DesiredStatus::Stopped,
                };
                self.budget.acquire(Category::ClusterResourceRead).await;
                let out = self
                    .ecs
                    .list_tasks()
                    .cluster(cluster)
                    .desired_status(desired)
                    // ListTasks takes a service name, not an ARN.
                    .set_service_name(service.as_deref().map(|s| arn_name(s).to_owned()))
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| errors::from_sdk_error(OP, e))?;
                Ok(Page {
                    next: next(out.next_token()),
                    arns: out.task_arns.unwrap_or_default(),
                })
            }
            ListQuery::Instances { cluster } => {
                const OP: &str = "ListContainerInstances";
                self.budget.acquire(Category::ClusterResourceRead).await;
                let out = self
                    .ecs
                    .list_container_instances()
                    .cluster(cluster)
                    .max_results(PAGE_SIZE)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| errors::from_sdk_error(OP, e))?;
                Ok(Page {
                    next: next(out.next_token()),
                    arns: out.container_instance_arns.unwrap_or_default(),
                })
            }
        }
    }

    /// Every ARN of `query`, page after page.
    pub(super) async fn all_arns(&self, query: &ListQuery) -> BackendResult<Vec<String>> {
        let mut arns = Vec::new();
        let mut token = None;
        loop {
            let page = self.page(query, token).await?;
            arns.extend(page.arns);
            match page.next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        tracing::debug!(?query, count = arns.len(), "listed");
        Ok(arns)
    }

    /// One DescribeServices call (at most 10 ARNs), in the order asked.
    async fn services_batch(
        &self,
        cluster: &str,
        batch: Vec<String>,
    ) -> BackendResult<Vec<Service>> {
        const OP: &str = "DescribeServices";
        self.budget.acquire(Category::ServiceRead).await;
        let out = self
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(batch.clone()))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        note_failures(OP, out.failures());
        let services: Vec<Service> = out.services().iter().map(convert::service).collect();
        if let Some(first) = services.first() {
            self.learn_account(&first.arn);
        }
        Ok(in_request_order(&batch, services, |s| &s.arn))
    }

    /// One DescribeTasks call (at most 100 ARNs), in the order asked.
    async fn tasks_batch(&self, cluster: &str, batch: Vec<String>) -> BackendResult<Vec<Task>> {
        const OP: &str = "DescribeTasks";
        self.budget.acquire(Category::ClusterResourceRead).await;
        let out = self
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(batch.clone()))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        note_failures(OP, out.failures());
        let tasks: Vec<Task> = out.tasks().iter().map(convert::task).collect();
        if let Some(first) = tasks.first() {
            self.learn_account(&first.arn);
        }
        Ok(in_request_order(&batch, tasks, |t| &t.arn))
    }

    /// One DescribeContainerInstances call (at most 100 ARNs), in the order asked.
    async fn instances_batch(
        &self,
        cluster: &str,
        batch: Vec<String>,
    ) -> BackendResult<Vec<ContainerInstance>> {
        const OP: &str = "DescribeContainerInstances";
        self.budget.acquire(Category::ClusterResourceRead).await;
        let out = self
            .ecs
            .describe_container_instances()
            .cluster(cluster)
            .set_container_instances(Some(batch.clone()))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        note_failures(OP, out.failures());
        let instances: Vec<ContainerInstance> = out
            .container_instances()
            .iter()
            .map(convert::container_instance)
            .collect();
        if let Some(first) = instances.first() {
            self.learn_account(&first.arn);
        }
        Ok(in_request_order(&batch, instances, |i| &i.arn))
    }

    /// Services by ARN, batched to the API's maximum.
    pub(super) async fn services_of(
        &self,
        cluster: &str,
        arns: Vec<String>,
    ) -> BackendResult<Vec<Service>> {
        self.describe_batched(arns, SERVICES_PER_DESCRIBE, |b| {
            self.services_batch(cluster, b)
        })
        .await
    }

    /// Tasks by ARN, batched to the API's maximum.
    pub(super) async fn tasks_of(
        &self,
        cluster: &str,
        arns: Vec<String>,
    ) -> BackendResult<Vec<Task>> {
        self.describe_batched(arns, TASKS_PER_DESCRIBE, |b| self.tasks_batch(cluster, b))
            .await
    }

    /// Container instances by ARN, batched to the API's maximum.
    pub(super) async fn instances_of(
        &self,
        cluster: &str,
        arns: Vec<String>,
    ) -> BackendResult<Vec<ContainerInstance>> {
        self.describe_batched(arns, INSTANCES_PER_DESCRIBE, |b| {
            self.instances_batch(cluster, b)
        })
        .await
    }
}
