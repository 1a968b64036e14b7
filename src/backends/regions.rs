//! Several regions at once (`--region eu-west-1,us-east-1`): one backend per region, each
//! with its own API budget, behind the same seams as one. The clusters list spans every
//! region; below it a cluster is named by its ARN, whose region says where each call goes.
//! A bare cluster name (typed by the user) goes to the one region that has a cluster of
//! that name; a name found in several is refused rather than guessed, so no change can
//! land in the wrong region. One region goes behind it too: a cluster ARN of another
//! region (`--cluster arn:…`) is then refused instead of being read, or changed, in the
//! region in use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use futures::future::join_all;

use crate::domain::metrics::{Alarm, MetricsAsk, Series};
use crate::domain::model::{
    Cluster, ContainerInstance, Service, TargetHealth, Task, TaskDefinition, TaskScope, arn_region,
};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind, Identity, ListQuery, Page};
use crate::ops::model::{Family, Scaling, TaskDefDoc};
use crate::ops::{Mutation, Ops, Outcome, guard};

/// One region's backends.
pub struct Region {
    pub name: String,
    pub ecs: Arc<dyn Backend>,
    pub ops: Arc<dyn Ops>,
}

/// Routes each call to its cluster's region.
pub struct Regions {
    /// The first is the primary: task definition families and anything not tied to a
    /// cluster live there.
    regions: Vec<Region>,
    /// Which regions hold a cluster of this name, from the last lists.
    seen: Mutex<HashMap<String, Vec<usize>>>,
}

impl Regions {
    /// # Panics
    /// With no region at all (the wiring always passes at least two).
    pub fn new(regions: Vec<Region>) -> Arc<Regions> {
        assert!(!regions.is_empty(), "at least one region");
        Arc::new(Regions {
            regions,
            seen: Mutex::new(HashMap::new()),
        })
    }

    fn names(&self) -> String {
        self.regions
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn by_region(&self, region: &str, op: &str, what: &str) -> BackendResult<&Region> {
        self.regions
            .iter()
            .find(|r| r.name == region)
            .ok_or_else(|| {
                BackendError::new(
                    ErrorKind::InvalidRequest,
                    op,
                    format!(
                        "{what} is in {region}, which is not among the regions in use ({})",
                        self.names()
                    ),
                )
            })
    }

    fn learn(&self, i: usize, clusters: &[Cluster]) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        for c in clusters {
            let at = seen.entry(c.name.clone()).or_default();
            if !at.contains(&i) {
                at.push(i);
                at.sort_unstable();
            }
        }
    }

    /// The region of `cluster`: its ARN's, or the one region with a cluster of that name.
    async fn route(&self, cluster: &str, op: &str) -> BackendResult<&Region> {
        if let Some(region) = arn_region(cluster) {
            return self.by_region(region, op, &format!("cluster '{cluster}'"));
        }
        // In one region a name can only be there.
        if let [only] = self.regions.as_slice() {
            return Ok(only);
        }
        let known = self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(cluster)
            .cloned();
        let at = match known {
            Some(at) => at,
            None => {
                let answers = join_all(self.regions.iter().map(|r| r.ecs.cluster(cluster))).await;
                let mut at = Vec::new();
                for (i, answer) in answers.into_iter().enumerate() {
                    match answer {
                        Ok(c) => {
                            self.learn(i, std::slice::from_ref(&c));
                            at.push(i);
                        }
                        Err(e) if e.kind == ErrorKind::NotFound => {}
                        Err(e) => return Err(e),
                    }
                }
                at
            }
        };
        match at.as_slice() {
            [i] => Ok(&self.regions[*i]),
            [] => Err(BackendError::new(
                ErrorKind::NotFound,
                op,
                format!("cluster '{cluster}' not found in {}", self.names()),
            )),
            several => {
                let names: Vec<&str> = several
                    .iter()
                    .map(|i| self.regions[*i].name.as_str())
                    .collect();
                Err(BackendError::new(
                    ErrorKind::InvalidRequest,
                    op,
                    format!(
                        "there is a cluster '{cluster}' in {}: pick one in the clusters pane, or name it by its ARN",
                        names.join(" and ")
                    ),
                ))
            }
        }
    }

    /// The region of a task definition: its ARN's, else the primary.
    fn of_task_definition(&self, td: &str, op: &str) -> BackendResult<&Region> {
        match arn_region(td) {
            Some(region) => self.by_region(region, op, &format!("task definition '{td}'")),
            None => Ok(&self.regions[0]),
        }
    }
}

#[async_trait]
impl Backend for Regions {
    fn identity(&self) -> Identity {
        Identity {
            regions: self.regions.iter().map(|r| r.name.clone()).collect(),
            ..self.regions[0].ecs.identity()
        }
    }

    async fn account(&self) -> Option<String> {
        self.regions[0].ecs.account().await
    }

    async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
        match self.clusters_each().await {
            (_, Some(e)) => Err(e),
            (all, None) => Ok(all),
        }
    }

    async fn clusters_each(&self) -> (Vec<Cluster>, Option<BackendError>) {
        let answers = join_all(self.regions.iter().map(|r| r.ecs.clusters())).await;
        let mut all = Vec::new();
        let mut failed: Option<BackendError> = None;
        for (i, (region, answer)) in self.regions.iter().zip(answers).enumerate() {
            match answer {
                Ok(clusters) => {
                    self.learn(i, &clusters);
                    all.extend(clusters);
                }
                // Each failed region named; the others' clusters still shown.
                Err(e) => {
                    let said = format!("{}: {}", region.name, e.message);
                    match &mut failed {
                        Some(f) => f.message = format!("{}; {said}", f.message),
                        None => failed = Some(BackendError { message: said, ..e }),
                    }
                }
            }
        }
        (all, failed)
    }

    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster> {
        self.route(cluster, "DescribeClusters")
            .await?
            .ecs
            .cluster(cluster)
            .await
    }

    async fn services(&self, cluster: &str) -> BackendResult<Vec<Service>> {
        self.route(cluster, "ListServices")
            .await?
            .ecs
            .services(cluster)
            .await
    }

    async fn tasks(
        &self,
        cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> BackendResult<Vec<Task>> {
        self.route(cluster, "ListTasks")
            .await?
            .ecs
            .tasks(cluster, service, scope)
            .await
    }

    async fn container_instances(&self, cluster: &str) -> BackendResult<Vec<ContainerInstance>> {
        self.route(cluster, "ListContainerInstances")
            .await?
            .ecs
            .container_instances(cluster)
            .await
    }

    async fn task_definition(&self, task_definition: &str) -> BackendResult<TaskDefinition> {
        self.of_task_definition(task_definition, "DescribeTaskDefinition")?
            .ecs
            .task_definition(task_definition)
            .await
    }

    async fn target_health(&self, target_group: &str) -> BackendResult<Vec<TargetHealth>> {
        const OP: &str = "DescribeTargetHealth";
        let region = match arn_region(target_group) {
            Some(r) => self.by_region(r, OP, &format!("target group '{target_group}'"))?,
            None => &self.regions[0],
        };
        region.ecs.target_health(target_group).await
    }

    async fn metrics(&self, ask: &MetricsAsk) -> BackendResult<Vec<Series>> {
        // One ask per region, each in its region's budget; answers back in the order asked.
        let mut per_region: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, target) in ask.targets.iter().enumerate() {
            let region = self.route(&target.cluster, "GetMetricData").await?;
            let at = self
                .regions
                .iter()
                .position(|r| std::ptr::eq(r, region))
                .unwrap_or(0);
            match per_region.iter_mut().find(|(r, _)| *r == at) {
                Some((_, idx)) => idx.push(i),
                None => per_region.push((at, vec![i])),
            }
        }
        let answers = join_all(per_region.iter().map(|(at, idx)| {
            let sub = MetricsAsk {
                targets: idx.iter().map(|&i| ask.targets[i].clone()).collect(),
                ..ask.clone()
            };
            async move { self.regions[*at].ecs.metrics(&sub).await }
        }))
        .await;
        let mut out = vec![Series::default(); ask.targets.len()];
        for ((_, idx), answer) in per_region.iter().zip(answers) {
            for (&i, series) in idx.iter().zip(answer?) {
                out[i] = series;
            }
        }
        Ok(out)
    }

    async fn alarms(&self) -> BackendResult<Vec<Alarm>> {
        let answers = join_all(self.regions.iter().map(|r| r.ecs.alarms())).await;
        let mut all = Vec::new();
        for (region, answer) in self.regions.iter().zip(answers) {
            match answer {
                Ok(alarms) => all.extend(alarms),
                Err(e) => {
                    return Err(BackendError {
                        message: format!("{}: {}", region.name, e.message),
                        ..e
                    });
                }
            }
        }
        Ok(all)
    }

    async fn list_page(&self, query: &ListQuery, token: Option<String>) -> BackendResult<Page> {
        let cluster = match query {
            ListQuery::Services { cluster }
            | ListQuery::Tasks { cluster, .. }
            | ListQuery::Instances { cluster } => cluster,
        };
        self.route(cluster, "List")
            .await?
            .ecs
            .list_page(query, token)
            .await
    }

    async fn describe_services(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<Service>> {
        self.route(cluster, "DescribeServices")
            .await?
            .ecs
            .describe_services(cluster, arns)
            .await
    }

    async fn describe_tasks(&self, cluster: &str, arns: &[String]) -> BackendResult<Vec<Task>> {
        self.route(cluster, "DescribeTasks")
            .await?
            .ecs
            .describe_tasks(cluster, arns)
            .await
    }

    async fn describe_instances(
        &self,
        cluster: &str,
        arns: &[String],
    ) -> BackendResult<Vec<ContainerInstance>> {
        self.route(cluster, "DescribeContainerInstances")
            .await?
            .ecs
            .describe_instances(cluster, arns)
            .await
    }
}

#[async_trait]
impl Ops for Regions {
    async fn service(&self, cluster: &str, service: &str) -> BackendResult<Service> {
        self.route(cluster, "DescribeServices")
            .await?
            .ops
            .service(cluster, service)
            .await
    }

    async fn scaling(&self, cluster: &str, service: &str) -> BackendResult<Scaling> {
        self.route(cluster, "DescribeScalableTargets")
            .await?
            .ops
            .scaling(cluster, service)
            .await
    }

    async fn families(&self) -> BackendResult<Vec<Family>> {
        self.regions[0].ops.families().await
    }

    /// A family named by its ARN prefix (`arn:aws:ecs:us-east-1:…:task-definition/web`)
    /// is read in that region; by name, in the first.
    async fn family(&self, name: &str) -> BackendResult<Family> {
        match arn_region(name) {
            Some(region) => {
                let family = crate::domain::model::arn_name(name);
                self.by_region(region, "ListTaskDefinitions", &format!("family '{family}'"))?
                    .ops
                    .family(family)
                    .await
            }
            None => self.regions[0].ops.family(name).await,
        }
    }

    async fn task_definition_doc(&self, task_definition: &str) -> BackendResult<TaskDefDoc> {
        self.of_task_definition(task_definition, "DescribeTaskDefinition")?
            .ops
            .task_definition_doc(task_definition)
            .await
    }

    async fn execute_with(&self, mutation: &Mutation, pass: guard::Pass) -> BackendResult<Outcome> {
        let op = mutation.api();
        let region = match mutation {
            Mutation::RegisterTaskDefinition { .. } => {
                self.of_task_definition(mutation.place(), op)?
            }
            _ => self.route(mutation.cluster(), op).await?,
        };
        region.ops.execute_with(mutation, pass).await
    }
}

#[cfg(test)]
#[path = "regions_tests.rs"]
mod tests;
