//! Changes injected into the running simulation: the opening scenario and the demo's
//! mutations (`operations`) use them. Each takes effect from the current step; the
//! scheduler does the rest over later steps.

use super::ids::{STREAM_INJECT, deployment_id, rng_for, salt};
use super::state::{DeploymentState, Fleet, ServiceState};
use super::taskdef::parse_reference;
use crate::domain::{BackendError, BackendResult, ErrorKind};

fn not_found(operation: &str, message: &str) -> BackendError {
    BackendError::new(ErrorKind::NotFound, operation, message)
}

impl Fleet {
    /// A service to change; a quiet one is woken, as whatever changes needs steps.
    pub(super) fn service_mut(
        &mut self,
        cluster: &str,
        service: &str,
    ) -> BackendResult<&mut ServiceState> {
        let c = self
            .clusters
            .iter_mut()
            .find(|c| c.name == cluster)
            .ok_or_else(|| not_found("UpdateService", "Cluster not found."))?;
        let svc = c
            .services
            .iter_mut()
            .find(|s| s.name == service)
            .ok_or_else(|| not_found("UpdateService", "Service not found."))?;
        svc.wake();
        Ok(svc)
    }

    /// Changes the desired count; tasks start or stop over the next steps.
    pub fn set_desired(&mut self, cluster: &str, service: &str, desired: i32) -> BackendResult<()> {
        if desired < 0 {
            return Err(BackendError::new(
                ErrorKind::InvalidRequest,
                "UpdateService",
                "Desired count must be at least 0.",
            ));
        }
        self.service_mut(cluster, service)?.desired = desired;
        Ok(())
    }

    /// Registers the family's next revision (same containers, next image tag) and returns
    /// it as `family:revision`.
    pub fn register_revision(&mut self, family: &str) -> BackendResult<String> {
        let now = self.now();
        let f = self
            .families
            .get_mut(family)
            .filter(|f| f.synthetic)
            .ok_or_else(|| {
                not_found(
                    "RegisterTaskDefinition",
                    "Unable to describe task definition.",
                )
            })?;
        f.latest += 1;
        f.registered_at.insert(f.latest, now);
        Ok(f.revision_name(f.latest))
    }

    /// Starts a rolling deployment of `task_definition` (`family:revision`, or a family for
    /// its latest): a new PRIMARY deployment IN_PROGRESS, the previous ones ACTIVE until
    /// their tasks are replaced. Returns the new deployment's id.
    pub fn start_deployment(
        &mut self,
        cluster: &str,
        service: &str,
        task_definition: &str,
    ) -> BackendResult<String> {
        let (family, revision) = parse_reference(task_definition);
        let family_revision = self
            .families
            .get(family)
            .and_then(|f| {
                let revision = revision.unwrap_or(f.latest);
                f.definition(revision).map(|_| f.revision_name(revision))
            })
            .ok_or_else(|| not_found("UpdateService", "Unable to describe task definition."))?;
        let now = self.now();
        // Salted by service so two deployments started in one step get different ids.
        let mut rng = rng_for(
            self.seed,
            STREAM_INJECT,
            self.step ^ salt(cluster) ^ salt(service).rotate_left(17),
        );
        let mut id = deployment_id(&mut rng);
        let svc = self.service_mut(cluster, service)?;
        // A second deployment of the service within the same second draws again.
        while svc.deployments.iter().any(|d| d.id == id) {
            id = deployment_id(&mut rng);
        }
        svc.deployments.insert(
            0,
            DeploymentState {
                rollout_reason: format!("ECS deployment {id} in progress."),
                id: id.clone(),
                task_definition: family_revision,
                rollout_state: "IN_PROGRESS".into(),
                created_at: now,
                updated_at: now,
                failed: 0,
            },
        );
        svc.steady = false;
        Ok(id)
    }

    /// Registers the next revision of the service's family and rolls the service onto it.
    pub fn roll_out_next_revision(
        &mut self,
        cluster: &str,
        service: &str,
    ) -> BackendResult<String> {
        let family = self.service_mut(cluster, service)?.family.clone();
        let revision = self.register_revision(&family)?;
        self.start_deployment(cluster, service, &revision)
    }

    /// Sets a container instance (by id or ARN) to ACTIVE or DRAINING; DRAINING moves its
    /// service tasks away over the next steps.
    pub fn set_instance_state(
        &mut self,
        cluster: &str,
        instance: &str,
        status: &str,
    ) -> BackendResult<()> {
        let id = crate::domain::model::arn_name(instance);
        let operation = "UpdateContainerInstancesState";
        let c = self
            .clusters
            .iter_mut()
            .find(|c| c.name == cluster)
            .ok_or_else(|| not_found(operation, "Cluster not found."))?;
        let inst = c
            .instances
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or_else(|| not_found(operation, "Container instance not found. (MISSING)"))?;
        inst.status = status.into();
        // Tasks on a draining instance move: every service of the cluster looks again.
        c.services.iter_mut().for_each(ServiceState::wake);
        Ok(())
    }

    /// Sets a container instance (by position) to DRAINING: its service tasks move away.
    pub fn drain_instance(&mut self, cluster: &str, instance: usize) -> BackendResult<()> {
        let c = self
            .clusters
            .iter_mut()
            .find(|c| c.name == cluster)
            .filter(|c| instance < c.instances.len())
            .ok_or_else(|| {
                not_found(
                    "UpdateContainerInstancesState",
                    "Container instance not found.",
                )
            })?;
        c.instances[instance].status = "DRAINING".into();
        c.services.iter_mut().for_each(ServiceState::wake);
        Ok(())
    }

    /// ExecuteCommand: a session for a RUNNING task of a service with exec on, refused
    /// with AWS's words otherwise. The demo's "plugin" is built in (see `cmd::exec`).
    pub fn exec_session(&self, cluster: &str, task: &str) -> BackendResult<crate::ops::Outcome> {
        let operation = "ExecuteCommand";
        let id = crate::domain::model::arn_name(task);
        let c = self
            .clusters
            .iter()
            .find(|c| c.name == cluster)
            .ok_or_else(|| not_found(operation, "Cluster not found."))?;
        let (svc, t) = c
            .services
            .iter()
            .flat_map(|s| s.tasks.iter().map(move |t| (Some(s), t)))
            .chain(c.standalone.iter().map(|t| (None, t)))
            .find(|(_, t)| t.id == id)
            .ok_or_else(|| not_found(operation, "The specified task was not found."))?;
        if !svc.is_some_and(|s| s.exec) || t.status.as_str() != "RUNNING" {
            return Err(BackendError::new(
                ErrorKind::InvalidRequest,
                operation,
                "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn't running. Wait and try again or run a new task with execute command enabled and try again.",
            ));
        }
        Ok(crate::ops::Outcome::Session(crate::ops::Session {
            id: format!("ecs-execute-command-demo-{id}"),
            stream_url: format!("demo://{cluster}/{id}"),
            token: "demo".into(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use super::super::fleet;
    use super::super::state::{Fleet, ServiceState};
    use crate::domain::ErrorKind;

    fn opens_at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
    }

    fn service(f: &Fleet, cluster: &str, name: &str) -> ServiceState {
        let c = f.clusters.iter().find(|c| c.name == cluster).unwrap();
        c.service(name).unwrap().clone()
    }

    fn opened(seed: u64) -> Fleet {
        let mut f = fleet::build(seed, opens_at());
        f.advance_to(opens_at());
        f
    }

    #[test]
    fn scaling_converges_up_and_down() {
        let mut f = opened(1);
        f.set_desired("prod-platform", "auth", 6).unwrap();
        f.set_desired("prod-core", "inventory", 1).unwrap();
        f.set_desired("prod-core", "legacy-reporting", 2).unwrap();
        f.advance_to(opens_at() + Duration::seconds(5));
        assert!(service(&f, "prod-platform", "auth").pending() > 0);
        f.advance_to(opens_at() + Duration::minutes(3));
        let auth = service(&f, "prod-platform", "auth");
        assert_eq!((auth.running(), auth.pending()), (6, 0));
        let inventory = service(&f, "prod-core", "inventory");
        assert_eq!(inventory.running(), 1);
        let steady = "(service inventory) has reached a steady state.";
        assert_eq!(inventory.events[0].message, steady);
        assert_eq!(service(&f, "prod-core", "legacy-reporting").running(), 2);

        let kind = |r: crate::domain::BackendResult<()>| r.unwrap_err().kind;
        assert_eq!(
            kind(f.set_desired("prod-core", "inventory", -1)),
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            kind(f.set_desired("prod-core", "nope", 1)),
            ErrorKind::NotFound
        );
        assert_eq!(
            kind(f.set_desired("nope", "inventory", 1)),
            ErrorKind::NotFound
        );
    }

    #[test]
    fn a_new_deployment_rolls_out_and_completes() {
        let mut f = opened(1);
        let revision = f.register_revision("web-frontend").unwrap();
        let id = f
            .start_deployment("prod-platform", "web-frontend", &revision)
            .unwrap();
        let missing = f.start_deployment("prod-platform", "web-frontend", "web-frontend:99999");
        assert_eq!(missing.unwrap_err().kind, ErrorKind::NotFound);
        f.advance_to(opens_at() + Duration::seconds(20));
        let mid = service(&f, "prod-platform", "web-frontend");
        assert_eq!(mid.deployments.len(), 2);
        assert_eq!(mid.deployments[0].id, id);
        assert_eq!(mid.deployments[0].rollout_state, "IN_PROGRESS");
        f.advance_to(opens_at() + Duration::minutes(6));
        let done = service(&f, "prod-platform", "web-frontend");
        assert_eq!(done.deployments.len(), 1);
        assert_eq!(done.deployments[0].rollout_state, "COMPLETED");
        let live = done.tasks.iter().filter(|t| t.desired_running);
        assert!(live.clone().all(|t| t.task_definition == revision));
        assert_eq!(live.count(), 4);
        assert_eq!(done.running(), done.desired);
    }

    #[test]
    fn two_deployments_in_one_second_get_different_ids() {
        let mut f = opened(1);
        let td = service(&f, "prod-platform", "auth")
            .task_definition()
            .to_string();
        let a = f.start_deployment("prod-platform", "auth", &td).unwrap();
        let b = f.start_deployment("prod-platform", "auth", &td).unwrap();
        assert_ne!(a, b);
        assert_eq!(service(&f, "prod-platform", "auth").deployments.len(), 3);
    }

    #[test]
    fn a_drained_instance_is_emptied() {
        let mut f = opened(2);
        f.drain_instance("prod-core", 0).unwrap();
        assert!(f.drain_instance("prod-core", 99).is_err());
        f.advance_to(opens_at() + Duration::minutes(5));
        let c = f.clusters.iter().find(|c| c.name == "prod-core").unwrap();
        let drained = &c.instances[0].id;
        let on_it = c
            .tasks()
            .filter(|t| t.desired_running && t.instance.as_ref() == Some(drained));
        assert_eq!(on_it.count(), 0);
        assert!(
            c.services
                .iter()
                .all(|s| s.name == "pdf-renderer" || s.running() == s.desired)
        );
    }
}
