//! What the app knows of the estate: one slot per query, holding the last good answer, its
//! age, whether a fetch is under way, and the last error. Failed refreshes keep old data.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::listing::{Listing, LoadState, Loader, Part, PartAnswer, Timing};
use crate::domain::BackendError;
use crate::domain::ErrorKind;
use crate::domain::ListQuery;
use crate::domain::budget::Priority;
use crate::domain::metrics::{Alarm, MetricTarget, Series};
use crate::domain::model::{
    Cluster, ContainerInstance, Service, TargetHealth, Task, TaskDefinition, TaskScope,
};
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
    /// The targets of one load balancer target group and their health.
    TargetHealth {
        target_group: String,
    },
    /// CPU and memory of services and clusters over the last `hours` (with task counts
    /// when `counts`), in one GetMetricData call per 500 metrics.
    Metrics {
        targets: Vec<MetricTarget>,
        hours: u32,
        counts: bool,
    },
    /// The CloudWatch alarms in ALARM.
    Alarms,
}

impl DataKey {
    /// What the query is about, in words, for the error history.
    pub fn describe(&self) -> String {
        use crate::domain::model::{arn_name, cluster_label};
        let label = |c: &String| cluster_label(c);
        match self {
            DataKey::Clusters => "clusters".into(),
            DataKey::Services { cluster } => format!("services of cluster {}", label(cluster)),
            DataKey::Tasks {
                cluster,
                service: Some(service),
                ..
            } => format!("tasks of service {service} in cluster {}", label(cluster)),
            DataKey::Tasks { cluster, .. } => format!("tasks of cluster {}", label(cluster)),
            DataKey::Instances { cluster } => {
                format!("container instances of cluster {}", label(cluster))
            }
            DataKey::TaskDefinition { arn } | DataKey::TaskDefDoc { arn } => {
                format!("task definition {}", arn_name(arn))
            }
            DataKey::Service { cluster, service } => {
                format!("service {service} in cluster {}", label(cluster))
            }
            DataKey::Scaling { cluster, service } => {
                format!(
                    "auto scaling of service {service} in cluster {}",
                    label(cluster)
                )
            }
            DataKey::Families => "task definition families".into(),
            DataKey::Family { name } => format!("revisions of {name}"),
            DataKey::TargetHealth { target_group } => {
                format!("target health of {}", target_group_name(target_group))
            }
            DataKey::Metrics { targets, .. } => match targets.as_slice() {
                [one] => match &one.service {
                    Some(s) => format!("metrics of service {s}"),
                    None => format!("metrics of cluster {}", label(&one.cluster)),
                },
                many => format!("metrics of {} services and clusters", many.len()),
            },
            DataKey::Alarms => "CloudWatch alarms".into(),
        }
    }

    /// The list behind a key whose rows load progressively.
    pub fn list_query(&self) -> Option<ListQuery> {
        Some(match self {
            DataKey::Services { cluster } => ListQuery::Services {
                cluster: cluster.clone(),
            },
            DataKey::Tasks {
                cluster,
                service,
                scope,
            } => ListQuery::Tasks {
                cluster: cluster.clone(),
                service: service.clone(),
                scope: *scope,
            },
            DataKey::Instances { cluster } => ListQuery::Instances {
                cluster: cluster.clone(),
            },
            _ => return None,
        })
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
    Services(Arc<Listing<Service>>),
    Tasks(Arc<Listing<Task>>),
    Instances(Arc<Listing<ContainerInstance>>),
    TaskDefinition(Arc<TaskDefinition>),
    Service(Arc<Service>),
    Scaling(Arc<Scaling>),
    Families(Arc<Vec<Family>>),
    Family(Arc<Family>),
    TaskDefDoc(Arc<TaskDefDoc>),
    TargetHealth(Arc<Vec<TargetHealth>>),
    Metrics(Arc<HashMap<MetricTarget, Arc<Series>>>),
    Alarms(Arc<Vec<Alarm>>),
}

/// A target group as people say it: `web` of
/// `arn:aws:elasticloadbalancing:…:targetgroup/web/0123abcd`.
pub fn target_group_name(arn: &str) -> &str {
    arn.split_once(":targetgroup/")
        .map_or(arn, |(_, rest)| rest.split('/').next().unwrap_or(rest))
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
            Payload::TargetHealth(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Metrics(a) => Arc::as_ptr(a) as *const () as usize,
            Payload::Alarms(a) => Arc::as_ptr(a) as *const () as usize,
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
    /// The store's generation when `data` last changed: views built from the data compare
    /// it, so they need not hold the data (which would make every change to a progressive
    /// list copy the whole list).
    pub version: u64,
}

impl Slot {
    /// Data is stale when the last refresh failed (the old answer is still shown).
    pub fn is_stale(&self) -> bool {
        self.error.is_some() && self.data.is_some()
    }
}

/// What came back for a part of a progressive list.
#[derive(Debug, Clone)]
pub enum PartPayload {
    Page {
        arns: Vec<String>,
        next: Option<String>,
    },
    Services(Vec<Service>),
    Tasks(Vec<Task>),
    Instances(Vec<ContainerInstance>),
}

/// The schedule of one progressive list, by kind.
#[derive(Debug, Clone)]
enum AnyLoader {
    Services(Loader<Service>),
    Tasks(Loader<Task>),
    Instances(Loader<ContainerInstance>),
}

/// Rows one describe call takes: AWS's maxima.
const SERVICES_PER_CALL: usize = 10;
const TASKS_PER_CALL: usize = 100;

macro_rules! each_loader {
    ($loader:expr, $l:ident => $body:expr) => {
        match $loader {
            AnyLoader::Services($l) => $body,
            AnyLoader::Tasks($l) => $body,
            AnyLoader::Instances($l) => $body,
        }
    };
}

impl AnyLoader {
    fn for_key(key: &DataKey) -> Option<AnyLoader> {
        Some(match key {
            DataKey::Services { .. } => AnyLoader::Services(Loader::new(SERVICES_PER_CALL)),
            DataKey::Tasks { .. } => AnyLoader::Tasks(Loader::new(TASKS_PER_CALL)),
            DataKey::Instances { .. } => AnyLoader::Instances(Loader::new(TASKS_PER_CALL)),
            _ => return None,
        })
    }

    /// A schedule starting from a whole answer.
    fn seeded(payload: &Payload, at: DateTime<Utc>) -> Option<AnyLoader> {
        Some(match payload {
            Payload::Services(l) => {
                AnyLoader::Services(Loader::seeded(SERVICES_PER_CALL, (**l).clone(), at))
            }
            Payload::Tasks(l) => {
                AnyLoader::Tasks(Loader::seeded(TASKS_PER_CALL, (**l).clone(), at))
            }
            Payload::Instances(l) => {
                AnyLoader::Instances(Loader::seeded(TASKS_PER_CALL, (**l).clone(), at))
            }
            _ => return None,
        })
    }

    fn snapshot(&self) -> Payload {
        match self {
            AnyLoader::Services(l) => Payload::Services(Arc::clone(&l.listing)),
            AnyLoader::Tasks(l) => Payload::Tasks(Arc::clone(&l.listing)),
            AnyLoader::Instances(l) => Payload::Instances(Arc::clone(&l.listing)),
        }
    }

    /// Lands an answer; whether rows were added or removed.
    fn land(&mut self, part: &Part, answer: Option<PartPayload>, at: DateTime<Utc>) -> bool {
        fn page<T>(p: PartPayload) -> Option<PartAnswer<T>> {
            match p {
                PartPayload::Page { arns, next } => Some(PartAnswer::Page { arns, next }),
                _ => None,
            }
        }
        match self {
            AnyLoader::Services(l) => {
                let answer = answer.and_then(|p| match p {
                    PartPayload::Services(v) => Some(PartAnswer::Described(v)),
                    other => page(other),
                });
                l.land(part, answer.ok_or(()), at)
            }
            AnyLoader::Tasks(l) => {
                let answer = answer.and_then(|p| match p {
                    PartPayload::Tasks(v) => Some(PartAnswer::Described(v)),
                    other => page(other),
                });
                l.land(part, answer.ok_or(()), at)
            }
            AnyLoader::Instances(l) => {
                let answer = answer.and_then(|p| match p {
                    PartPayload::Instances(v) => Some(PartAnswer::Described(v)),
                    other => page(other),
                });
                l.land(part, answer.ok_or(()), at)
            }
        }
    }
}

/// Every slot, by key.
#[derive(Debug, Default)]
pub struct Store {
    slots: HashMap<DataKey, Slot>,
    /// The schedules of the progressive lists (services, tasks, container instances).
    loaders: HashMap<DataKey, AnyLoader>,
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
        if let Ok(payload) = &result
            && let Some(loader) = AnyLoader::seeded(payload, at)
        {
            self.loaders.insert(key.clone(), loader);
        }
        let slot = self.slots.entry(key.clone()).or_default();
        slot.loading = false;
        let error = match result {
            Ok(payload) => {
                slot.data = Some(payload);
                slot.version = self.generation;
                slot.fetched_at = Some(at);
                None
            }
            Err(e) => Some(e),
        };
        self.settle(key, error, at);
    }

    /// The slot's error and backoff after an answer: an error is kept (throttles counted)
    /// until an answer comes through, which also ends every other view's throttled wait.
    fn settle(&mut self, key: &DataKey, error: Option<BackendError>, at: DateTime<Utc>) {
        let slot = self.slot_mut(key);
        match error {
            None => {
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
            Some(e) => {
                if e.kind == ErrorKind::Throttled {
                    slot.throttled = slot.throttled.saturating_add(1);
                }
                slot.error = Some(e);
                self.failed_at.insert(key.clone(), at);
            }
        }
    }

    /// What to fetch now for the progressive list `key`, with `visible` the ARNs on
    /// screen, top to bottom.
    pub fn plan(
        &mut self,
        key: &DataKey,
        timing: Timing,
        visible: &[String],
    ) -> Vec<(Part, Priority)> {
        let Some(loader) = self.loader(key) else {
            return Vec::new();
        };
        let plan = each_loader!(loader, l => l.plan(timing, visible));
        if !plan.is_empty() {
            let idle_before = self.get(key).is_none_or(|s| s.data.is_none());
            let slot = self.slot_mut(key);
            slot.loading = idle_before;
        }
        plan
    }

    /// The next list page of `key` only (its names), for `:find`.
    pub fn plan_names(
        &mut self,
        key: &DataKey,
        timing: Timing,
        visible: &[String],
    ) -> Vec<(Part, Priority)> {
        let Some(loader) = self.loader(key) else {
            return Vec::new();
        };
        each_loader!(loader, l => l.plan_names(timing, visible))
    }

    fn loader(&mut self, key: &DataKey) -> Option<&mut AnyLoader> {
        if !self.loaders.contains_key(key) {
            self.loaders.insert(key.clone(), AnyLoader::for_key(key)?);
        }
        self.loaders.get_mut(key)
    }

    /// A refresh asked for: the list and the rows on screen again.
    pub fn force(&mut self, key: &DataKey, now: DateTime<Utc>) -> bool {
        match self.loader(key) {
            Some(loader) => {
                each_loader!(loader, l => l.force(now));
                true
            }
            None => false,
        }
    }

    /// How far the progressive list `key` has got.
    pub fn load_state(&self, key: &DataKey) -> Option<LoadState> {
        self.loaders
            .get(key)
            .map(|l| each_loader!(l, l => l.state()))
    }

    /// When the oldest described row among `arns` that the list `key` holds was read.
    pub fn oldest_of_present(&self, key: &DataKey, arns: &[String]) -> Option<DateTime<Utc>> {
        let loader = self.loaders.get(key)?;
        each_loader!(loader, l => l.oldest_present(arns))
    }

    /// Records a part of a progressive list. Returns whether rows were added or removed.
    pub fn land_part(
        &mut self,
        key: &DataKey,
        part: &Part,
        result: Result<PartPayload, BackendError>,
        at: DateTime<Utc>,
    ) -> bool {
        self.generation = self.generation.wrapping_add(1);
        if let Ok(PartPayload::Services(list)) = &result {
            list.iter().for_each(|s| self.saw(s));
        }
        // The answer goes to the list, its error (if any) to the slot.
        let (answer, error) = match result {
            Ok(p) => (Some(p), None),
            Err(e) => (None, Some(e)),
        };
        // The slot lets go of its copy first, so the list is changed in place when no
        // view holds it.
        if let Some(slot) = self.slots.get_mut(key) {
            slot.data = None;
        }
        let Some(loader) = self.loader(key) else {
            return false;
        };
        let changed = loader.land(part, answer, at);
        let snapshot = loader.snapshot();
        let oldest = each_loader!(loader, l => l.oldest());
        let idle = each_loader!(loader, l => l.idle());
        let generation = self.generation;
        let slot = self.slot_mut(key);
        slot.data = Some(snapshot);
        slot.version = generation;
        slot.loading = !idle && slot.fetched_at.is_none() && oldest.is_none();
        slot.fetched_at = oldest.or(slot.fetched_at).or(Some(at));
        self.settle(key, error, at);
        changed
    }

    pub fn clusters(&self) -> Option<&Arc<Vec<Cluster>>> {
        match self.get(&DataKey::Clusters)?.data.as_ref()? {
            Payload::Clusters(c) => Some(c),
            _ => None,
        }
    }

    pub fn services(&self, cluster: &str) -> Option<&Arc<Listing<Service>>> {
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
    ) -> Option<&Arc<Listing<Task>>> {
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

    pub fn instances(&self, cluster: &str) -> Option<&Arc<Listing<ContainerInstance>>> {
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

    /// Every query's slot.
    pub fn slots(&self) -> impl Iterator<Item = (&DataKey, &Slot)> {
        self.slots.iter()
    }

    pub fn target_health(&self, target_group: &str) -> Option<&Arc<Vec<TargetHealth>>> {
        let key = DataKey::TargetHealth {
            target_group: target_group.to_string(),
        };
        match self.get(&key)?.data.as_ref()? {
            Payload::TargetHealth(t) => Some(t),
            _ => None,
        }
    }

    /// The alarms in ALARM, once read.
    pub fn alarms(&self) -> Option<&Arc<Vec<Alarm>>> {
        match self.get(&DataKey::Alarms)?.data.as_ref()? {
            Payload::Alarms(a) => Some(a),
            _ => None,
        }
    }

    /// When `key` was last answered, well or not.
    pub fn last_tried(&self, key: &DataKey) -> Option<DateTime<Utc>> {
        let ok = self.slots.get(key).and_then(|s| s.fetched_at);
        let bad = self.failed_at.get(key).copied();
        ok.max(bad)
    }

    /// Forgets a query (an old batch of metrics, superseded by newer ones).
    pub fn forget(&mut self, key: &DataKey) {
        self.slots.remove(key);
        self.failed_at.remove(key);
    }

    /// Healthy targets and all of them over `target_groups`; `None` until every one is
    /// known.
    pub fn health_of<'a>(
        &self,
        target_groups: impl IntoIterator<Item = &'a str>,
    ) -> Option<(usize, usize)> {
        let mut known = Vec::new();
        for tg in target_groups {
            known.push(self.target_health(tg)?);
        }
        if known.is_empty() {
            return None;
        }
        Some(crate::domain::model::healthy_of(
            known.iter().map(|t| t.as_slice()),
        ))
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
        let generation = self.generation;
        // Taken out of the slot so the list is changed in place when nothing else holds it.
        let held = self.slots.get_mut(&key).and_then(|s| s.data.take());
        let next = match (self.loaders.get_mut(&key), held) {
            (Some(AnyLoader::Services(loader)), _) => {
                Arc::make_mut(&mut loader.listing).put(service);
                Some(Payload::Services(Arc::clone(&loader.listing)))
            }
            (_, Some(Payload::Services(mut list))) => {
                Arc::make_mut(&mut list).put(service);
                Some(Payload::Services(list))
            }
            (_, held) => held,
        };
        if let Some(next) = next {
            let slot = self.slot_mut(&key);
            slot.data = Some(next);
            slot.version = generation;
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
