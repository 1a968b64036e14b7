//! What the app knows of the estate: one slot per query, holding the last good answer, its
//! age, whether a fetch is under way, and the last error. Failed refreshes keep old data.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::domain::BackendError;
use crate::domain::ErrorKind;
use crate::domain::model::{Cluster, ContainerInstance, Service, Task, TaskDefinition, TaskScope};
use crate::ops::model::{Family, Scaling, TaskDefDoc};

/// One query a pane needs; also the unit of coalescing (one fetch in flight per key).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DataKey {
    Clusters,
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
    TaskDefinition {
        arn: String,
    },
    /// One service described on its own (a rollout being followed).
    Service {
        cluster: String,
        service: String,
    },
    /// A service's Application Auto Scaling.
    Scaling {
        cluster: String,
        service: String,
    },
    /// Task definition families and their revisions.
    Families,
    /// One family's revisions.
    Family {
        name: String,
    },
    /// One revision as RegisterTaskDefinition JSON.
    TaskDefDoc {
        arn: String,
    },
}

impl DataKey {
    /// What the query is about, in words, for the error history.
    pub fn describe(&self) -> String {
        use crate::domain::model::arn_name;
        match self {
            DataKey::Clusters => "clusters".into(),
            DataKey::Services { cluster } => format!("services of cluster {cluster}"),
            DataKey::Tasks {
                cluster,
                service: Some(service),
                ..
            } => format!("tasks of service {service} in cluster {cluster}"),
            DataKey::Tasks { cluster, .. } => format!("tasks of cluster {cluster}"),
            DataKey::Instances { cluster } => format!("container instances of cluster {cluster}"),
            DataKey::TaskDefinition { arn } | DataKey::TaskDefDoc { arn } => {
                format!("task definition {}", arn_name(arn))
            }
            DataKey::Service { cluster, service } => {
                format!("service {service} in cluster {cluster}")
            }
            DataKey::Scaling { cluster, service } => {
                format!("auto scaling of service {service} in cluster {cluster}")
            }
            DataKey::Families => "task definition families".into(),
            DataKey::Family { name } => format!("revisions of {name}"),
        }
    }

    /// Task definitions never change once registered: fetch once, never refresh.
    pub fn is_immutable(&self) -> bool {
        matches!(
            self,
            DataKey::TaskDefinition { .. } | DataKey::TaskDefDoc { .. }
        )
    }
}

#[derive(Debug, Clone)]
pub enum Payload {
    Clusters(Arc<Vec<Cluster>>),
    Services(Arc<Vec<Service>>),
    Tasks(Arc<Vec<Task>>),
    Instances(Arc<Vec<ContainerInstance>>),
    TaskDefinition(Arc<TaskDefinition>),
    Service(Arc<Service>),
    Scaling(Arc<Scaling>),
    Families(Arc<Vec<Family>>),
    Family(Arc<Family>),
    TaskDefDoc(Arc<TaskDefDoc>),
}

impl Payload {
    /// The address of the answer: equal for the same answer, different for a new one.
    pub fn identity(&self) -> usize {
        match self {
            Payload::Clusters(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Services(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Tasks(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Instances(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::TaskDefinition(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Service(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Scaling(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Families(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Family(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::TaskDefDoc(a) => Arc::as_ptr(a) as *const () as usize,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Slot {
    pub data: Option<Payload>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub loading: bool,
    /// A refresh was asked for while one was in flight: run it when that one lands.
    pub again: bool,
    pub error: Option<BackendError>,
    /// Consecutive throttled answers; each doubles the wait before the next refresh.
    pub throttled: u32,
}

impl Slot {
    /// Data is stale when the last refresh failed (the old answer is still shown).
    pub fn is_stale(&self) -> bool {
        self.error.is_some() && self.data.is_some()
    }
}

/// Every slot, by key.
#[derive(Debug, Default)]
pub struct Store {
    slots: HashMap<DataKey, Slot>,
    /// When each key last failed, so never-loaded keys are retried on the interval.
    failed_at: HashMap<DataKey, DateTime<Utc>>,
    /// Each service's task definitions as this session saw them change, oldest first
    /// (by service ARN): what "ran before" means when AWS no longer lists it.
    seen_revisions: HashMap<String, Vec<String>>,
    /// Counts every answer landed: views built from several keys compare it.
    generation: u64,
}

/// How many task definitions per service the session remembers.
const SEEN_REVISIONS: usize = 8;

impl Store {
    pub fn get(&self, key: &DataKey) -> Option<&Slot> {
        self.slots.get(key)
    }

    pub fn slot_mut(&mut self, key: &DataKey) -> &mut Slot {
        self.slots.entry(key.clone()).or_default()
    }

    /// Whether `key` should be fetched now by the refresh schedule.
    pub fn due(&self, key: &DataKey, now: DateTime<Utc>, interval: chrono::Duration) -> bool {
        let Some(slot) = self.slots.get(key) else {
            return true;
        };
        if slot.loading {
            return false;
        }
        if key.is_immutable() {
            // Fetched once; an answer that may come out differently next time (throttled,
            // timed out, AWS busy) is asked again on the usual backoff, a definite one
            // (no such revision, no permission) never.
            if slot.data.is_some() || slot.error.as_ref().is_some_and(|e| !e.is_transient()) {
                return false;
            }
        }
        // Throttled: one interval more, no more, so the pane is back within one or two
        // intervals of the throttling ending (`land` clears every slot's count at the
        // first answer that comes through).
        let backoff = interval * 2i32.pow(slot.throttled.min(1));
        let last = match (slot.fetched_at, self.failed_at.get(key)) {
            (Some(ok), Some(bad)) => ok.max(*bad),
            (Some(ok), None) => ok,
            (None, Some(bad)) => *bad,
            (None, None) => return true,
        };
        now - last >= backoff
    }

    /// Records an answer. Errors keep the previous data (shown as stale).
    pub fn land(
        &mut self,
        key: &DataKey,
        result: Result<Payload, BackendError>,
        at: DateTime<Utc>,
    ) {
        self.generation = self.generation.wrapping_add(1);
        if let Ok(payload) = &result {
            match payload {
                Payload::Services(list) => list.iter().for_each(|s| self.saw(s)),
                Payload::Service(s) => self.saw(s),
                _ => {}
            }
        }
        let slot = self.slots.entry(key.clone()).or_default();
        slot.loading = false;
        match result {
            Ok(payload) => {
                slot.data = Some(payload);
                slot.fetched_at = Some(at);
                slot.error = None;
                let was_throttled = std::mem::take(&mut slot.throttled) > 0;
                self.failed_at.remove(key);
                if was_throttled {
                    // AWS answers again: the other throttled views need not wait out
                    // their backoff.
                    for other in self.slots.values_mut() {
                        other.throttled = 0;
                    }
                }
            }
            Err(e) => {
                if e.kind == ErrorKind::Throttled {
                    slot.throttled = slot.throttled.saturating_add(1);
                }
                slot.error = Some(e);
                self.failed_at.insert(key.clone(), at);
            }
        }
    }

    pub fn clusters(&self) -> Option<&Arc<Vec<Cluster>>> {
        match self.get(&DataKey::Clusters)?.data.as_ref()? {
            Payload::Clusters(c) => Some(c),
            _ => None,
        }
    }

    pub fn services(&self, cluster: &str) -> Option<&Arc<Vec<Service>>> {
        let key = DataKey::Services {
            cluster: cluster.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::Services(s) => Some(s),
            _ => None,
        }
    }

    pub fn tasks(
        &self,
        cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> Option<&Arc<Vec<Task>>> {
        let key = DataKey::Tasks {
            cluster: cluster.to_string(),
            service: service.map(str::to_string),
            scope,
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::Tasks(t) => Some(t),
            _ => None,
        }
    }

    pub fn instances(&self, cluster: &str) -> Option<&Arc<Vec<ContainerInstance>>> {
        let key = DataKey::Instances {
            cluster: cluster.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::Instances(i) => Some(i),
            _ => None,
        }
    }

    pub fn task_definition(&self, arn: &str) -> Option<&Arc<TaskDefinition>> {
        let key = DataKey::TaskDefinition {
            arn: arn.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::TaskDefinition(t) => Some(t),
            _ => None,
        }
    }

    pub fn service(&self, cluster: &str, service: &str) -> Option<&Arc<Service>> {
        let key = DataKey::Service {
            cluster: cluster.to_string(),
            service: service.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::Service(s) => Some(s),
            _ => None,
        }
    }

    pub fn scaling(&self, cluster: &str, service: &str) -> Option<&Arc<Scaling>> {
        let key = DataKey::Scaling {
            cluster: cluster.to_string(),
            service: service.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::Scaling(s) => Some(s),
            _ => None,
        }
    }

    pub fn families(&self) -> Option<&Arc<Vec<Family>>> {
        match self.get(&DataKey::Families)?.data.as_ref()? {
            Payload::Families(f) => Some(f),
            _ => None,
        }
    }

    pub fn family(&self, name: &str) -> Option<&Arc<Family>> {
        let key = DataKey::Family {
            name: name.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::Family(f) => Some(f),
            _ => None,
        }
    }

    pub fn task_def_doc(&self, arn: &str) -> Option<&Arc<TaskDefDoc>> {
        let key = DataKey::TaskDefDoc {
            arn: arn.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::TaskDefDoc(d) => Some(d),
            _ => None,
        }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Notes the task definition a service runs, when it differs from the last one seen.
    fn saw(&mut self, service: &Service) {
        if service.task_definition.is_empty() {
            return;
        }
        let seen = self.seen_revisions.entry(service.arn.clone()).or_default();
        if seen.last() != Some(&service.task_definition) {
            seen.retain(|arn| *arn != service.task_definition);
            seen.push(service.task_definition.clone());
            if seen.len() > SEEN_REVISIONS {
                seen.remove(0);
            }
        }
    }

    /// The task definitions `service` ran earlier in this session, newest first (not the
    /// one it runs now).
    pub fn ran_before(&self, service: &Service) -> Vec<&str> {
        self.seen_revisions
            .get(&service.arn)
            .map(|seen| {
                seen.iter()
                    .rev()
                    .filter(|arn| **arn != service.task_definition)
                    .map(String::as_str)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Puts a service as a write call's answer described it into the cluster's list, so
    /// the row shows what AWS says at once, before the next refresh.
    pub fn put_service(&mut self, cluster: &str, service: Service) {
        self.saw(&service);
        self.generation = self.generation.wrapping_add(1);
        let key = DataKey::Services {
            cluster: cluster.to_string(),
        };
        if let Some(Payload::Services(list)) =
            self.slots.get_mut(&key).and_then(|s| s.data.as_mut())
        {
            let mut next: Vec<Service> = list.as_ref().clone();
            match next
                .iter_mut()
                .find(|s| s.arn == service.arn || s.name == service.name)
            {
                Some(slot) => *slot = service,
                None => next.push(service),
            }
            *list = Arc::new(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + s, 0).single().unwrap()
    }

    #[test]
    fn failed_refresh_keeps_data_and_marks_stale() {
        let mut store = Store::default();
        let key = DataKey::Clusters;
        store.land(&key, Ok(Payload::Clusters(Arc::new(vec![]))), t(0));
        assert!(!store.get(&key).unwrap().is_stale());
        let err = BackendError::new(ErrorKind::AccessDenied, "ListClusters", "no");
        store.land(&key, Err(err), t(5));
        let slot = store.get(&key).unwrap();
        assert!(slot.is_stale());
        assert!(store.clusters().is_some());
        assert_eq!(slot.fetched_at, Some(t(0)));
    }

    #[test]
    fn throttling_backs_off_and_success_resets() {
        let mut store = Store::default();
        let key = DataKey::Clusters;
        let interval = Duration::seconds(5);
        let throttle = || BackendError::new(ErrorKind::Throttled, "ListClusters", "Rate exceeded");
        store.land(&key, Err(throttle()), t(0));
        assert!(
            !store.due(&key, t(5), interval),
            "one throttle doubles the wait"
        );
        assert!(store.due(&key, t(10), interval));
        store.land(&key, Err(throttle()), t(10));
        assert!(!store.due(&key, t(19), interval));
        assert!(
            store.due(&key, t(20), interval),
            "the wait never grows past two intervals: back soon after throttling ends"
        );
        let other = DataKey::Services {
            cluster: "c".into(),
        };
        store.land(&other, Err(throttle()), t(20));
        store.land(&key, Ok(Payload::Clusters(Arc::new(vec![]))), t(30));
        assert!(store.due(&key, t(35), interval));
        assert!(
            store.due(&other, t(35), interval),
            "an answer coming through ends every view's backoff"
        );
    }

    #[test]
    fn loading_is_never_due_and_task_definitions_are_fetched_once() {
        let mut store = Store::default();
        let key = DataKey::Services {
            cluster: "c".into(),
        };
        store.slot_mut(&key).loading = true;
        assert!(!store.due(&key, t(1000), Duration::seconds(1)));
        let td = DataKey::TaskDefinition { arn: "x:1".into() };
        assert!(store.due(&td, t(0), Duration::seconds(1)));
        store.land(
            &td,
            Err(BackendError::new(
                ErrorKind::NotFound,
                "DescribeTaskDefinition",
                "gone",
            )),
            t(0),
        );
        assert!(!store.due(&td, t(1000), Duration::seconds(1)));
    }

    #[test]
    fn a_task_definition_that_failed_for_a_passing_reason_is_asked_again() {
        let mut store = Store::default();
        let td = DataKey::TaskDefinition { arn: "x:1".into() };
        let throttled = BackendError::new(ErrorKind::Throttled, "DescribeTaskDefinition", "slow");
        store.land(&td, Err(throttled), t(0));
        assert!(!store.due(&td, t(0), Duration::seconds(5)), "not at once");
        assert!(
            store.due(&td, t(10), Duration::seconds(5)),
            "after the backoff"
        );
        let timeout = BackendError::new(ErrorKind::Timeout, "DescribeTaskDefinition", "late");
        store.land(&td, Err(timeout), t(10));
        assert!(store.due(&td, t(20), Duration::seconds(5)));
        let good = TaskDefinition {
            arn: "x:1".into(),
            family: "x".into(),
            revision: 1,
            status: "ACTIVE".into(),
            task_role_arn: None,
            execution_role_arn: None,
            network_mode: None,
            cpu: None,
            memory: None,
            requires_compatibilities: Vec::new(),
            containers: Vec::new(),
            registered_at: None,
        };
        store.land(&td, Ok(Payload::TaskDefinition(Arc::new(good))), t(16));
        assert!(store.task_definition("x:1").is_some());
        assert!(
            !store.due(&td, t(100_000), Duration::seconds(5)),
            "then never again"
        );
    }
}
