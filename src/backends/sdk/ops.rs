//! Operations through the AWS SDK: the reads the operation screens need, and every
//! mutation (UpdateService, RegisterTaskDefinition from raw JSON, StopTask,
//! UpdateContainerInstancesState, Application Auto Scaling). Built from an `SdkBackend`,
//! so credentials, region, endpoint, operation timeout, retries and the API budget are the
//! dashboard's own.

mod autoscaling;
mod rawjson;
mod register;
#[cfg(test)]
mod sdk_tests;
mod verify;

use std::cmp::Reverse;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ecs::types::{
    ContainerInstanceStatus, SortOrder, TaskDefinitionFamilyStatus, TaskDefinitionField,
    TaskDefinitionStatus,
};
use futures::{StreamExt, TryStreamExt, stream};

use super::{PAGE_SIZE, SdkBackend, collect_pages, convert, errors, has_more};
use crate::domain::budget::{Budget, Category, Priority};
use crate::domain::model::{Service, arn_name, family_of, revision_of};
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{Family, Scaling, TaskDefDoc};
use crate::ops::taskdef::register_shape;
use crate::ops::{InstanceState, Mutation, Ops, Outcome};

/// How many revisions of one family `families` lists (the newest): one page of
/// ListTaskDefinitions, so a family with thousands of revisions costs one call.
pub const REVISIONS_LISTED: i32 = 100;

/// `Ops` over aws-sdk-ecs and aws-sdk-applicationautoscaling. Every call waits for its
/// API category's budget (shared with the backend it was built from) and is bounded
/// by the backend's operation timeout.
pub struct SdkOps {
    /// Reads, with the configuration's retries.
    ecs: aws_sdk_ecs::Client,
    autoscaling: aws_sdk_applicationautoscaling::Client,
    /// Writes: one attempt each. The SDK would retry a write whose answer was lost (a
    /// 5xx, a dropped connection, a timeout) and so could apply it twice; instead
    /// `execute_with` reads the resource back (`verify`), and retries only a clear
    /// refusal (throttling), where nothing was done.
    ecs_write: aws_sdk_ecs::Client,
    autoscaling_write: aws_sdk_applicationautoscaling::Client,
    /// Port forwarding sessions (StartSession): one attempt each, as the writes.
    ssm_write: aws_sdk_ssm::Client,
    budget: Arc<Budget>,
    /// Most ListTaskDefinitions calls of one `families` in flight at once.
    concurrency: usize,
    /// The operation timeout of the configuration, for the single-attempt register.
    operation_timeout: Option<Duration>,
}

impl std::fmt::Debug for SdkOps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkOps")
            .field("concurrency", &self.concurrency)
            .field("operation_timeout", &self.operation_timeout)
            .finish_non_exhaustive()
    }
}

impl SdkOps {
    /// Operations sharing `backend`'s configuration and API budget.
    pub fn new(backend: &SdkBackend) -> SdkOps {
        let config = backend.sdk_config();
        let operation_timeout = config.timeout_config().and_then(|t| t.operation_timeout());
        let once = RetryConfig::disabled();
        let mut ecs_write = aws_sdk_ecs::config::Builder::from(config).retry_config(once.clone());
        let mut autoscaling_write = aws_sdk_applicationautoscaling::config::Builder::from(config)
            .retry_config(once.clone());
        let mut ssm_write = aws_sdk_ssm::config::Builder::from(config).retry_config(once);
        if let Some(operation) = operation_timeout {
            ecs_write = ecs_write.timeout_config(single_attempt(operation));
            autoscaling_write = autoscaling_write.timeout_config(single_attempt(operation));
            ssm_write = ssm_write.timeout_config(single_attempt(operation));
        }
        SdkOps {
            ecs: aws_sdk_ecs::Client::new(config),
            autoscaling: aws_sdk_applicationautoscaling::Client::new(config),
            ecs_write: aws_sdk_ecs::Client::from_conf(ecs_write.build()),
            autoscaling_write: aws_sdk_applicationautoscaling::Client::from_conf(
                autoscaling_write.build(),
            ),
            ssm_write: aws_sdk_ssm::Client::from_conf(ssm_write.build()),
            budget: backend.budget(),
            concurrency: backend.describe_concurrency().max(1),
            operation_timeout,
        }
    }

    /// The newest ACTIVE revisions of `family` (at most `REVISIONS_LISTED`), newest first.
    async fn revisions(&self, family: &str) -> BackendResult<Vec<String>> {
        const OP: &str = "ListTaskDefinitions";
        self.budget.acquire(Category::TaskDefinitionRead).await;
        let out = self
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(TaskDefinitionStatus::Active)
            .sort(SortOrder::Desc)
            .max_results(REVISIONS_LISTED)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        Ok(newest_first(family, out.task_definition_arns()))
    }

    async fn update_service(
        &self,
        cluster: &str,
        service: &str,
        desired: Option<i32>,
        task_definition: Option<&str>,
        force: bool,
    ) -> BackendResult<Outcome> {
        const OP: &str = "UpdateService";
        self.budget
            .acquire_as(Category::ServiceModify, Priority::Write)
            .await;
        let out = self
            .ecs_write
            .update_service()
            .cluster(cluster)
            .service(service)
            .set_desired_count(desired)
            .set_task_definition(task_definition.map(str::to_owned))
            .set_force_new_deployment(force.then_some(true))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        let service = out.service().ok_or_else(|| {
            BackendError::new(ErrorKind::Service, OP, "the answer has no service")
        })?;
        Ok(Outcome::Service(Box::new(convert::service(service))))
    }

    async fn stop_task(&self, cluster: &str, task: &str, reason: &str) -> BackendResult<Outcome> {
        const OP: &str = "StopTask";
        self.budget
            .acquire_as(Category::RunStop, Priority::Write)
            .await;
        self.ecs_write
            .stop_task()
            .cluster(cluster)
            .task(task)
            .reason(reason)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        Ok(Outcome::Done)
    }

    async fn execute_command(
        &self,
        cluster: &str,
        task: &str,
        container: &str,
        command: &str,
    ) -> BackendResult<Outcome> {
        const OP: &str = "ExecuteCommand";
        self.budget
            .acquire_as(Category::RunStop, Priority::Write)
            .await;
        let out = self
            .ecs_write
            .execute_command()
            .cluster(cluster)
            .task(task)
            .container(container)
            .command(command)
            .interactive(true)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        let session = out.session().ok_or_else(|| {
            BackendError::new(ErrorKind::Service, OP, "the answer held no session")
        })?;
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        Ok(Outcome::Session(crate::ops::Session {
            id: text(session.session_id()),
            stream_url: text(session.stream_url()),
            token: text(session.token_value()),
        }))
    }

    /// SSM StartSession with a port forwarding document. SSM's quota is not ECS's, so
    /// the ECS budget is not charged.
    async fn start_forward(
        &self,
        target: &str,
        local: u16,
        remote: u16,
        host: Option<&str>,
    ) -> BackendResult<Outcome> {
        const OP: &str = "StartSession";
        let parameters = crate::ops::exec::forward_parameters(local, remote, host);
        let parameters: std::collections::HashMap<String, Vec<String>> =
            serde_json::from_value(parameters).unwrap_or_default();
        let out = self
            .ssm_write
            .start_session()
            .target(target)
            .document_name(crate::ops::exec::forward_document(host))
            .set_parameters(Some(parameters))
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
        Ok(Outcome::Session(crate::ops::Session {
            id: text(out.session_id()),
            stream_url: text(out.stream_url()),
            token: text(out.token_value()),
        }))
    }

    async fn set_instance_state(
        &self,
        cluster: &str,
        instance: &str,
        to: InstanceState,
    ) -> BackendResult<Outcome> {
        const OP: &str = "UpdateContainerInstancesState";
        let status = match to {
            InstanceState::Active => ContainerInstanceStatus::Active,
            InstanceState::Draining => ContainerInstanceStatus::Draining,
        };
        self.budget
            .acquire_as(Category::ClusterResourceModify, Priority::Write)
            .await;
        let out = self
            .ecs_write
            .update_container_instances_state()
            .cluster(cluster)
            .container_instances(instance)
            .status(status)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        // One instance was asked for: a failure for it is the answer, not a warning.
        if let Some(failure) = out.failures().first() {
            let reason = failure.reason().unwrap_or("failed");
            let message = match failure.detail() {
                Some(detail) => format!("{instance}: {reason}: {detail}"),
                None => format!("{instance}: {reason}"),
            };
            let kind = if reason == "MISSING" {
                ErrorKind::NotFound
            } else {
                ErrorKind::Service
            };
            return Err(BackendError::new(kind, OP, message));
        }
        Ok(Outcome::Done)
    }
}

#[async_trait]
impl Ops for SdkOps {
    async fn service(&self, cluster: &str, service: &str) -> BackendResult<Service> {
        const OP: &str = "DescribeServices";
        self.budget.acquire(Category::ServiceRead).await;
        let out = self
            .ecs
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        if let Some(found) = out
            .services()
            .iter()
            .find(|s| s.status() != Some("INACTIVE"))
        {
            return Ok(convert::service(found));
        }
        let message = if out.services().is_empty() {
            let why = out
                .failures()
                .first()
                .map(|f| match (f.reason(), f.detail()) {
                    (Some(reason), Some(detail)) => format!(" ({reason}: {detail})"),
                    (Some(reason), None) => format!(" ({reason})"),
                    _ => String::new(),
                })
                .unwrap_or_default();
            format!("service '{service}' not found in cluster '{cluster}'{why}")
        } else {
            format!("service '{service}' in cluster '{cluster}' is INACTIVE (deleted)")
        };
        Err(BackendError::new(ErrorKind::NotFound, OP, message))
    }

    async fn scaling(&self, cluster: &str, service: &str) -> BackendResult<Scaling> {
        autoscaling::scaling(self, cluster, service).await
    }

    /// Every ACTIVE family (all pages), each with its newest `REVISIONS_LISTED` revisions,
    /// newest first; at most `describe_concurrency` families are listed at once. A family
    /// whose revisions are all inactive is left out.
    async fn families(&self) -> BackendResult<Vec<Family>> {
        let pages = self
            .ecs
            .list_task_definition_families()
            .status(TaskDefinitionFamilyStatus::Active)
            .max_results(PAGE_SIZE)
            .into_paginator()
            .send();
        let names = collect_pages(
            (&*self.budget, Category::TaskDefinitionRead),
            "ListTaskDefinitionFamilies",
            pages,
            |p| {
                let more = has_more(p.next_token());
                (p.families.unwrap_or_default(), more)
            },
        )
        .await?;
        let families: Vec<Family> = stream::iter(names)
            .map(|name| async move {
                let revisions = self.revisions(&name).await?;
                Ok::<_, BackendError>(Family { name, revisions })
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        Ok(families
            .into_iter()
            .filter(|f| !f.revisions.is_empty())
            .collect())
    }

    /// One ListTaskDefinitions call rather than the whole estate's families.
    async fn family(&self, name: &str) -> BackendResult<Family> {
        Ok(Family {
            name: name.to_string(),
            revisions: self.revisions(name).await?,
        })
    }

    async fn task_definition_doc(&self, task_definition: &str) -> BackendResult<TaskDefDoc> {
        const OP: &str = "DescribeTaskDefinition";
        self.budget.acquire(Category::TaskDefinitionRead).await;
        let capture = rawjson::CaptureBody::default();
        let out = self
            .ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .include(TaskDefinitionField::Tags)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        let typed = out.task_definition().ok_or_else(|| {
            BackendError::new(
                ErrorKind::NotFound,
                OP,
                format!("no task definition '{task_definition}' in the answer"),
            )
        })?;
        let body = capture.take().ok_or_else(|| {
            BackendError::new(
                ErrorKind::Service,
                OP,
                "the answer's body could not be read",
            )
        })?;
        let answer: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            BackendError::new(
                ErrorKind::Service,
                OP,
                format!("the answer is not JSON: {e}"),
            )
        })?;
        let json = register_shape(&answer)
            .map_err(|message| BackendError::new(ErrorKind::Service, OP, message))?;
        Ok(TaskDefDoc {
            arn: typed.task_definition_arn().unwrap_or_default().to_owned(),
            family: typed.family().unwrap_or_default().to_owned(),
            revision: typed.revision(),
            json,
        })
    }

    /// Sends `mutation` once. A throttled write was refused outright and is sent again
    /// after a pause (a few times at most); a write whose answer was lost is read back
    /// instead (`verify`), never sent again.
    async fn execute_with(
        &self,
        mutation: &Mutation,
        _pass: crate::ops::guard::Pass,
    ) -> BackendResult<Outcome> {
        let before = verify::before(self, mutation).await;
        let mut throttled = 0;
        loop {
            match self.send(mutation).await {
                Ok(outcome) => return Ok(outcome),
                Err(e)
                    if e.kind == ErrorKind::Throttled
                        && throttled < WRITE_THROTTLE_PAUSES.len() =>
                {
                    tracing::warn!(error = %e, "write throttled; sending again after a pause");
                    tokio::time::sleep(WRITE_THROTTLE_PAUSES[throttled]).await;
                    throttled += 1;
                }
                // Registering checks the family's latest revision itself; a session whose
                // answer was lost cannot be read back (it expires unused).
                Err(e)
                    if e.is_unclear_write()
                        && !matches!(
                            mutation,
                            Mutation::RegisterTaskDefinition { .. }
                                | Mutation::ExecuteCommand { .. }
                                | Mutation::Forward { .. }
                        ) =>
                {
                    return verify::settle(self, mutation, &before, e).await;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Pauses before sending a throttled write again (it was refused, so nothing was done).
const WRITE_THROTTLE_PAUSES: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

/// One attempt gets the whole operation timeout (there is no second attempt to leave
/// room for).
pub(super) fn single_attempt(operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(operation.min(Duration::from_secs(3)))
        .operation_attempt_timeout(operation)
        .operation_timeout(operation)
        .build()
}

impl SdkOps {
    /// One attempt at `mutation`.
    async fn send(&self, mutation: &Mutation) -> BackendResult<Outcome> {
        match mutation {
            Mutation::Scale {
                cluster,
                service,
                to,
                ..
            } => {
                self.update_service(cluster, service, Some(*to), None, false)
                    .await
            }
            Mutation::Deploy {
                cluster,
                service,
                from,
                to,
                force,
            } => {
                // taskDefinition goes only when it changes: sending it needs iam:PassRole.
                let task_definition = (to != from).then_some(to.as_str());
                if task_definition.is_none() && !force {
                    return Err(BackendError::new(
                        ErrorKind::InvalidRequest,
                        "UpdateService",
                        "the task definition is unchanged and no new deployment was asked for: nothing to do",
                    ));
                }
                self.update_service(cluster, service, None, task_definition, *force)
                    .await
            }
            Mutation::RegisterTaskDefinition { family, json, .. } => {
                register::register(self, family, json).await
            }
            Mutation::StopTask {
                cluster,
                task,
                reason,
            } => self.stop_task(cluster, task, reason).await,
            Mutation::SetInstanceState {
                cluster,
                instance,
                to,
                ..
            } => self.set_instance_state(cluster, instance, *to).await,
            Mutation::ExecuteCommand {
                cluster,
                task,
                container,
                command,
            } => {
                self.execute_command(cluster, task, container, command)
                    .await
            }
            Mutation::Forward {
                cluster,
                task,
                runtime_id,
                local,
                remote,
                host,
                ..
            } => {
                let target = format!("ecs:{}_{}_{runtime_id}", arn_name(cluster), arn_name(task));
                self.start_forward(&target, *local, *remote, host.as_deref())
                    .await
            }
            Mutation::PutScalableTarget { .. }
            | Mutation::DeleteScalableTarget { .. }
            | Mutation::PutTargetTracking { .. }
            | Mutation::DeletePolicy { .. }
            | Mutation::PutScheduledAction { .. }
            | Mutation::DeleteScheduledAction { .. } => autoscaling::execute(self, mutation).await,
        }
    }
}

/// `family`'s ARNs out of a ListTaskDefinitions answer, newest first. The filter and the
/// sort do not trust the server: `familyPrefix` is a prefix for some endpoints, and some
/// ignore `sort`.
fn newest_first(family: &str, arns: &[String]) -> Vec<String> {
    let mut mine: Vec<String> = arns
        .iter()
        .filter(|a| family_of(a) == family)
        .cloned()
        .collect();
    mine.sort_by_key(|a| Reverse(revision_of(a)));
    mine
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_and_families_come_out_of_arns() {
        let arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web-api:42";
        assert_eq!(revision_of(arn), Some(42));
        assert_eq!(family_of(arn), "web-api");
        assert_eq!(revision_of("web:7"), Some(7));
        assert_eq!(family_of("web:7"), "web");
        assert_eq!(family_of("web"), "web");
        assert_eq!(revision_of("web"), None);
        assert_eq!(revision_of("web:latest"), None);
    }

    #[test]
    fn newest_first_keeps_only_the_family_and_sorts_by_revision_number() {
        let arn = |f: &str, r: i32| format!("arn:aws:ecs:us-east-1:1:task-definition/{f}:{r}");
        let listed = vec![
            arn("web", 2),
            arn("web", 10),
            arn("web-api", 11),
            arn("web", 9),
            arn("web", 1),
        ];
        assert_eq!(
            newest_first("web", &listed),
            vec![arn("web", 10), arn("web", 9), arn("web", 2), arn("web", 1)]
        );
        assert!(newest_first("api", &listed).is_empty());
    }
}
