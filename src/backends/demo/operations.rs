//! The demo fleet's operations: the reads the operation screens need and every mutation,
//! acting on the simulation (which then converges on them step by step). Each call waits
//! out the simulated latency, as the reads do.

use async_trait::async_trait;

use super::ids::{STREAM_OPS, rng_for, salt, task_definition_arn};
use super::lifecycle::{USER_STOP, begin_stop};
use super::state::{Fleet, Launch};
use super::taskdef::{Family as DemoFamily, parse_reference};
use super::{DemoBackend, find_cluster, registry, view};
use crate::domain::budget::{Category, Priority};
use crate::domain::model::{Service, arn_name};
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::ops::model::{Family, Scaling, TaskDefDoc};
use crate::ops::taskdef::register_shape;
use crate::ops::{Mutation, Ops, Outcome};

/// Who registers task definitions in the demo.
const DEMO_OPERATOR: &str = "arn:aws:sts::123456789012:assumed-role/demo-operator/ecsdash";
const DEFAULT_STOP_REASON: &str = "Task stopped by user";

fn not_found(operation: &str, message: &str) -> BackendError {
    BackendError::new(ErrorKind::NotFound, operation, message)
}

fn invalid(operation: &str, message: impl Into<String>) -> BackendError {
    BackendError::new(ErrorKind::InvalidRequest, operation, message)
}

fn no_task_definition(operation: &str) -> BackendError {
    not_found(operation, "Unable to describe task definition.")
}

/// The cluster's name, from its name or ARN.
fn cluster_name(fleet: &Fleet, cluster: &str, operation: &str) -> BackendResult<String> {
    find_cluster(fleet, cluster, operation).map(|c| c.name.clone())
}

/// A service as DescribeServices returns it.
fn describe_service(
    fleet: &Fleet,
    cluster: &str,
    service: &str,
    operation: &str,
) -> BackendResult<Service> {
    let c = find_cluster(fleet, cluster, operation)?;
    let svc = c
        .service(arn_name(service))
        .ok_or_else(|| not_found(operation, "Service not found."))?;
    Ok(view::service(c, svc))
}

/// A family as ListTaskDefinitions describes it: every revision, newest first.
fn listed_family(f: &DemoFamily) -> Family {
    Family {
        name: f.name.clone(),
        revisions: f
            .revisions()
            .into_iter()
            .map(|r| task_definition_arn(&f.revision_name(r)))
            .collect(),
    }
}

/// Calls the scaling screen's read makes: the scalable target, then its policies, its
/// scheduled actions and its activities.
const SCALING_READ_CALLS: usize = 4;
/// Families per ListTaskDefinitionFamilies page.
const FAMILIES_PER_PAGE: usize = 100;

#[async_trait]
impl Ops for DemoBackend {
    async fn service(&self, cluster: &str, service: &str) -> BackendResult<Service> {
        self.budget.acquire(Category::ServiceRead).await;
        let fleet = self.fleet().await;
        describe_service(&fleet, cluster, service, "DescribeServices")
    }

    async fn scaling(&self, cluster: &str, service: &str) -> BackendResult<Scaling> {
        self.charge(Category::Autoscaling, SCALING_READ_CALLS).await;
        let fleet = self.fleet().await;
        let cluster = cluster_name(&fleet, cluster, "DescribeScalableTargets")?;
        fleet.scaling_view(&cluster, arn_name(service))
    }

    async fn families(&self) -> BackendResult<Vec<Family>> {
        // The first ListTaskDefinitionFamilies page; its other pages and one
        // ListTaskDefinitions per family are paid for before the answer.
        self.budget.acquire(Category::TaskDefinitionRead).await;
        let families: Vec<Family> = {
            let fleet = self.fleet().await;
            fleet
                .families
                .values()
                .map(listed_family)
                .filter(|f| !f.revisions.is_empty())
                .collect()
        };
        let n = families.len();
        let calls = n.div_ceil(FAMILIES_PER_PAGE).max(1) + n;
        self.charge(Category::TaskDefinitionRead, calls - 1).await;
        Ok(families)
    }

    /// One ListTaskDefinitions call, not the whole estate's families.
    async fn family(&self, name: &str) -> BackendResult<Family> {
        self.budget.acquire(Category::TaskDefinitionRead).await;
        let fleet = self.fleet().await;
        Ok(fleet
            .families
            .get(name)
            .map(listed_family)
            .unwrap_or_else(|| Family {
                name: name.to_string(),
                revisions: Vec::new(),
            }))
    }

    async fn task_definition_doc(&self, task_definition: &str) -> BackendResult<TaskDefDoc> {
        let operation = "DescribeTaskDefinition";
        self.budget.acquire(Category::TaskDefinitionRead).await;
        let fleet = self.fleet().await;
        let (name, revision) = parse_reference(task_definition);
        let family = fleet
            .families
            .get(name)
            .ok_or_else(|| no_task_definition(operation))?;
        let revision = revision.unwrap_or(family.latest);
        let described = family
            .describe(revision)
            .ok_or_else(|| no_task_definition(operation))?;
        let json = register_shape(&described)
            .map_err(|e| BackendError::new(ErrorKind::Service, operation, e))?;
        Ok(TaskDefDoc {
            arn: task_definition_arn(&family.revision_name(revision)),
            family: family.name.clone(),
            revision,
            json,
        })
    }

    async fn execute_with(
        &self,
        mutation: &Mutation,
        _pass: crate::ops::guard::Pass,
    ) -> BackendResult<Outcome> {
        // A change the user confirmed: at AWS's own rate, never starved by reads.
        let category = Category::of_ecs_operation(mutation.api()).unwrap_or(Category::Autoscaling);
        self.budget.acquire_as(category, Priority::Write).await;
        let mut fleet = self.fleet().await;
        apply(&mut fleet, mutation)
    }
}

/// Carries out one mutation on the fleet as of now.
fn apply(fleet: &mut Fleet, m: &Mutation) -> BackendResult<Outcome> {
    let operation = m.api();
    match m {
        Mutation::Scale {
            cluster,
            service,
            to,
            ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.set_desired(&cluster, arn_name(service), *to)?;
            service_outcome(fleet, &cluster, service)
        }
        Mutation::Deploy {
            cluster,
            service,
            to,
            force,
            ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            deploy(fleet, &cluster, arn_name(service), to, *force)?;
            service_outcome(fleet, &cluster, service)
        }
        Mutation::RegisterTaskDefinition { family, json, .. } => register(fleet, family, json),
        Mutation::StopTask {
            cluster,
            task,
            reason,
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            stop_task(fleet, &cluster, task, reason)?;
            Ok(Outcome::Done)
        }
        Mutation::SetInstanceState {
            cluster,
            instance,
            to,
            ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.set_instance_state(&cluster, instance, to.api_name())?;
            Ok(Outcome::Done)
        }
        Mutation::ExecuteCommand { cluster, task, .. }
        | Mutation::Forward { cluster, task, .. } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.exec_session(&cluster, task)
        }
        Mutation::PutScalableTarget {
            cluster,
            service,
            after,
            ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.put_scalable_target(&cluster, arn_name(service), after)?;
            Ok(Outcome::Done)
        }
        Mutation::DeleteScalableTarget {
            cluster, service, ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.delete_scalable_target(&cluster, arn_name(service))?;
            Ok(Outcome::Done)
        }
        Mutation::PutTargetTracking {
            cluster,
            service,
            name,
            after,
            ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.put_target_tracking(&cluster, arn_name(service), name, after)?;
            Ok(Outcome::Done)
        }
        Mutation::DeletePolicy {
            cluster,
            service,
            before,
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.delete_policy(&cluster, arn_name(service), &before.name)?;
            Ok(Outcome::Done)
        }
        Mutation::PutScheduledAction {
            cluster,
            service,
            after,
            ..
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.put_scheduled_action(&cluster, arn_name(service), after)?;
            Ok(Outcome::Done)
        }
        Mutation::DeleteScheduledAction {
            cluster,
            service,
            before,
        } => {
            let cluster = cluster_name(fleet, cluster, operation)?;
            fleet.delete_scheduled_action(&cluster, arn_name(service), &before.name)?;
            Ok(Outcome::Done)
        }
    }
}

fn service_outcome(fleet: &Fleet, cluster: &str, service: &str) -> BackendResult<Outcome> {
    describe_service(fleet, cluster, service, "UpdateService")
        .map(|s| Outcome::Service(Box::new(s)))
}

/// UpdateService with a task definition: a new deployment when the definition changes or
/// a new deployment is forced; nothing to roll out otherwise.
fn deploy(
    fleet: &mut Fleet,
    cluster: &str,
    service: &str,
    to: &str,
    force: bool,
) -> BackendResult<()> {
    let operation = "UpdateService";
    let (family_name, revision) = parse_reference(to);
    let family = fleet
        .families
        .get(family_name)
        .ok_or_else(|| no_task_definition(operation))?;
    let revision = revision.unwrap_or(family.latest);
    if !family.exists(revision) {
        return Err(no_task_definition(operation));
    }
    let target = family.revision_name(revision);
    let fargate_ok = family.fargate_compatible(revision);
    let awsvpc = family.awsvpc(revision);
    let svc = fleet.service_mut(cluster, service)?;
    match svc.launch {
        Launch::Fargate | Launch::Strategy(_) if !fargate_ok => {
            return Err(invalid(
                operation,
                "Task definition does not support launch_type FARGATE.",
            ));
        }
        Launch::Ec2 if awsvpc && svc.network.is_none() => {
            return Err(invalid(
                operation,
                "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
            ));
        }
        _ => {}
    }
    if svc.task_definition() == target && !force {
        return Ok(());
    }
    fleet
        .start_deployment(cluster, service, &target)
        .map(|_| ())
}

/// RegisterTaskDefinition: the body checked, kept as sent, and the family's next revision.
fn register(fleet: &mut Fleet, family: &str, json: &serde_json::Value) -> BackendResult<Outcome> {
    let operation = "RegisterTaskDefinition";
    let (name, registered) = registry::parse(json, fleet.now(), DEMO_OPERATOR)?;
    if name != family {
        return Err(invalid(
            operation,
            format!("The JSON registers family {name}, not {family}."),
        ));
    }
    let app = registered
        .containers
        .first()
        .map(|c| c.name.clone())
        .unwrap_or_else(|| name.clone());
    let f = fleet
        .families
        .entry(name.clone())
        .or_insert_with(|| DemoFamily::from_registration(&name, &app));
    f.latest += 1;
    let revision = f.latest;
    f.registered.insert(revision, registered);
    Ok(Outcome::Registered {
        arn: task_definition_arn(&f.revision_name(revision)),
        revision,
    })
}

/// StopTask: the task stops with the given reason; its service starts a replacement.
fn stop_task(fleet: &mut Fleet, cluster: &str, task: &str, reason: &str) -> BackendResult<()> {
    let id = arn_name(task);
    let (s, now, seed) = (fleet.step, fleet.now(), fleet.seed);
    let c = fleet
        .clusters
        .iter_mut()
        .find(|c| c.name == cluster)
        .ok_or_else(|| not_found("StopTask", "Cluster not found."))?;
    let owner = c
        .services
        .iter()
        .position(|s| s.tasks.iter().any(|t| t.id == id));
    // The service whose task stops starts a replacement: a quiet one must step for it.
    if let Some(si) = owner {
        c.services[si].wake();
    }
    let t = c
        .services
        .iter_mut()
        .flat_map(|s| s.tasks.iter_mut())
        .chain(c.standalone.iter_mut())
        .find(|t| t.id == id)
        .ok_or_else(|| not_found("StopTask", "The referenced task was not found."))?;
    if !t.desired_running {
        // Already on its way down: StopTask answers with the task as it is.
        return Ok(());
    }
    let reason = if reason.trim().is_empty() {
        DEFAULT_STOP_REASON
    } else {
        reason
    };
    let mut rng = rng_for(seed, STREAM_OPS, s ^ salt(id));
    begin_stop(t, s, now, &mut rng, reason, USER_STOP);
    Ok(())
}
