//! Scripted stand-ins for CloudWatch Logs and ECS, for the engine's unit tests: a log store
//! answering FilterLogEvents like AWS (time order, pages, inclusive range, stream names),
//! scripted failures and Live Tail sessions driven by the test.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::domain::model::{
    Cluster, Container, ContainerDefinition, ContainerInstance, LogConfiguration, Service, Task,
    TaskDefinition, TaskScope,
};
use crate::domain::{Backend, BackendError, BackendResult, ErrorKind, Identity};
use crate::logs::{
    FilterPage, FilterQuery, LiveSession, LiveUpdate, LogEvent, LogsApi, StreamInfo,
};

pub(crate) fn wall_ms() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

#[derive(Default)]
struct Store {
    events: Vec<LogEvent>,
    next_id: u64,
    page_size: usize,
    calls: Vec<(tokio::time::Instant, FilterQuery)>,
    failures: VecDeque<BackendError>,
    live: VecDeque<LiveScript>,
    live_calls: Vec<(String, Vec<String>, Option<String>)>,
    missing: Vec<String>,
    /// Pages answered with a copy of the previous page's last events (an overlapping page).
    overlap: usize,
}

enum LiveScript {
    Session(mpsc::Receiver<BackendResult<LiveUpdate>>),
    Refuse(BackendError),
    Hang,
}

#[derive(Default)]
pub(crate) struct FakeLogs {
    store: Mutex<Store>,
}

impl FakeLogs {
    pub(crate) fn new(page_size: usize) -> Self {
        let fake = FakeLogs::default();
        fake.store.lock().unwrap().page_size = page_size;
        fake
    }

    /// Stores an event (as PutLogEvents would) and returns it, id included.
    pub(crate) fn put(&self, group: &str, stream: &str, ts: i64, message: &str) -> LogEvent {
        let mut s = self.store.lock().unwrap();
        s.next_id += 1;
        let event = LogEvent {
            timestamp: ts,
            ingestion_time: ts,
            event_id: Some(format!("id{:06}", s.next_id)),
            group: group.to_owned(),
            stream: stream.to_owned(),
            message: message.to_owned(),
        };
        s.events.push(event.clone());
        event
    }

    /// The next FilterLogEvents calls fail with these, in order.
    /// Forgets the scripted failures not used yet.
    pub(crate) fn clear_failures(&self) {
        self.store.lock().unwrap().failures.clear();
    }

    pub(crate) fn fail_next(&self, errors: impl IntoIterator<Item = BackendError>) {
        self.store.lock().unwrap().failures.extend(errors);
    }

    /// Every page after the first also repeats this many events of the page before.
    pub(crate) fn overlap_pages(&self, n: usize) {
        self.store.lock().unwrap().overlap = n;
    }

    /// The next `live_tail` call starts a session fed by the returned sender.
    pub(crate) fn live_session(&self) -> mpsc::Sender<BackendResult<LiveUpdate>> {
        let (tx, rx) = mpsc::channel(64);
        self.store
            .lock()
            .unwrap()
            .live
            .push_back(LiveScript::Session(rx));
        tx
    }

    /// The next `live_tail` call fails.
    pub(crate) fn live_refused(&self, error: BackendError) {
        self.store
            .lock()
            .unwrap()
            .live
            .push_back(LiveScript::Refuse(error));
    }

    /// The next `live_tail` call never answers.
    pub(crate) fn live_hangs(&self) {
        self.store.lock().unwrap().live.push_back(LiveScript::Hang);
    }

    /// FilterLogEvents on this group answers ResourceNotFoundException.
    pub(crate) fn missing_group(&self, group: &str) {
        self.store.lock().unwrap().missing.push(group.to_owned());
    }

    pub(crate) fn calls(&self) -> Vec<(tokio::time::Instant, FilterQuery)> {
        self.store.lock().unwrap().calls.clone()
    }

    /// `(group, streams, pattern)` of every `live_tail` call.
    pub(crate) fn live_calls(&self) -> Vec<(String, Vec<String>, Option<String>)> {
        self.store.lock().unwrap().live_calls.clone()
    }
}

fn matching(query: &FilterQuery, e: &LogEvent) -> bool {
    e.group == query.group
        && (query.streams.is_empty() || query.streams.contains(&e.stream))
        && e.timestamp >= query.start_ms
        && query.end_ms.is_none_or(|end| e.timestamp <= end)
        && query
            .pattern
            .as_ref()
            .is_none_or(|p| e.message.contains(p.as_str()))
}

#[async_trait]
impl LogsApi for FakeLogs {
    async fn filter_page(&self, query: &FilterQuery) -> BackendResult<FilterPage> {
        let mut s = self.store.lock().unwrap();
        s.calls.push((tokio::time::Instant::now(), query.clone()));
        if let Some(e) = s.failures.pop_front() {
            return Err(e);
        }
        if s.missing.contains(&query.group) {
            return Err(BackendError::new(
                ErrorKind::NotFound,
                "FilterLogEvents",
                "ResourceNotFoundException: The specified log group does not exist.",
            ));
        }
        let mut events: Vec<LogEvent> = s
            .events
            .iter()
            .filter(|e| matching(query, e))
            .cloned()
            .collect();
        events.sort_by(|a, b| (a.timestamp, &a.event_id).cmp(&(b.timestamp, &b.event_id)));
        let offset: usize = query
            .next_token
            .as_deref()
            .map_or(0, |t| t.parse().unwrap());
        let size = query
            .limit
            .map_or(s.page_size, |l| usize::try_from(l).unwrap());
        let from = offset.saturating_sub(if offset > 0 { s.overlap } else { 0 });
        let to = (offset + size).min(events.len());
        let next_token = (to < events.len()).then(|| to.to_string());
        Ok(FilterPage {
            events: events[from.min(to)..to].to_vec(),
            next_token,
        })
    }

    async fn streams(
        &self,
        _region: &str,
        group: &str,
        prefix: Option<&str>,
        limit: usize,
    ) -> BackendResult<Vec<StreamInfo>> {
        let s = self.store.lock().unwrap();
        let mut last: BTreeMap<String, i64> = BTreeMap::new();
        for e in s.events.iter().filter(|e| e.group == group) {
            let t = last.entry(e.stream.clone()).or_insert(e.timestamp);
            *t = (*t).max(e.timestamp);
        }
        let mut streams: Vec<StreamInfo> = last
            .into_iter()
            .filter(|(name, _)| prefix.is_none_or(|p| name.starts_with(p)))
            .map(|(name, t)| StreamInfo {
                name,
                last_event_ms: Some(t),
                creation_ms: None,
            })
            .collect();
        streams.sort_by_key(|s| std::cmp::Reverse(s.last_event_ms));
        streams.truncate(limit);
        Ok(streams)
    }

    async fn live_tail(
        &self,
        _region: &str,
        group: &str,
        streams: &[String],
        pattern: Option<&str>,
    ) -> BackendResult<LiveSession> {
        let script = {
            let mut s = self.store.lock().unwrap();
            let call = (
                group.to_owned(),
                streams.to_vec(),
                pattern.map(str::to_owned),
            );
            s.live_calls.push(call);
            s.live.pop_front()
        };
        match script {
            Some(LiveScript::Session(updates)) => Ok(LiveSession { updates }),
            Some(LiveScript::Refuse(e)) => Err(e),
            Some(LiveScript::Hang) => std::future::pending().await,
            None => Err(BackendError::new(
                ErrorKind::AccessDenied,
                "StartLiveTail",
                "not scripted",
            )),
        }
    }
}

/// ECS with a fixed set of tasks per service and task definitions by ARN.
#[derive(Default)]
pub(crate) struct FakeEcs {
    tasks: Mutex<Vec<(Option<String>, TaskScope, Task)>>,
    task_definitions: HashMap<String, TaskDefinition>,
    pub(crate) describes: Mutex<u32>,
    pub(crate) fail_tasks: Mutex<Option<BackendError>>,
}

impl FakeEcs {
    pub(crate) fn with_task_definitions(defs: Vec<TaskDefinition>) -> Self {
        FakeEcs {
            task_definitions: defs.into_iter().map(|d| (d.arn.clone(), d)).collect(),
            ..FakeEcs::default()
        }
    }

    pub(crate) fn add_task(&self, service: Option<&str>, scope: TaskScope, task: Task) {
        self.tasks
            .lock()
            .unwrap()
            .push((service.map(str::to_owned), scope, task));
    }
}

#[async_trait]
impl Backend for FakeEcs {
    fn identity(&self) -> Identity {
        Identity {
            profile: "test".into(),
            region: "eu-west-1".into(),
            account: None,
            endpoint: None,
            regions: Vec::new(),
        }
    }

    async fn clusters(&self) -> BackendResult<Vec<Cluster>> {
        Ok(Vec::new())
    }

    async fn cluster(&self, cluster: &str) -> BackendResult<Cluster> {
        Err(BackendError::new(
            ErrorKind::NotFound,
            "DescribeClusters",
            cluster,
        ))
    }

    async fn services(&self, _cluster: &str) -> BackendResult<Vec<Service>> {
        Ok(Vec::new())
    }

    async fn tasks(
        &self,
        _cluster: &str,
        service: Option<&str>,
        scope: TaskScope,
    ) -> BackendResult<Vec<Task>> {
        if let Some(e) = self.fail_tasks.lock().unwrap().clone() {
            return Err(e);
        }
        Ok(self
            .tasks
            .lock()
            .unwrap()
            .iter()
            .filter(|(s, sc, _)| *sc == scope && (service.is_none() || s.as_deref() == service))
            .map(|(_, _, t)| t.clone())
            .collect())
    }

    async fn container_instances(&self, _cluster: &str) -> BackendResult<Vec<ContainerInstance>> {
        Ok(Vec::new())
    }

    async fn task_definition(&self, arn: &str) -> BackendResult<TaskDefinition> {
        *self.describes.lock().unwrap() += 1;
        self.task_definitions
            .get(arn)
            .cloned()
            .ok_or_else(|| BackendError::new(ErrorKind::NotFound, "DescribeTaskDefinition", arn))
    }
}

pub(crate) fn task(id: &str, task_definition: &str, created_s: i64) -> Task {
    Task {
        arn: format!("arn:aws:ecs:eu-west-1:123456789012:task/prod/{id}"),
        id: id.to_owned(),
        cluster_arn: "arn:aws:ecs:eu-west-1:123456789012:cluster/prod".into(),
        task_definition_arn: task_definition.into(),
        group: None,
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        health: None,
        launch_type: Some("EC2".into()),
        capacity_provider: None,
        availability_zone: None,
        private_ip: None,
        container_instance_arn: None,
        cpu: None,
        memory: None,
        created_at: chrono::DateTime::from_timestamp(created_s, 0),
        started_at: None,
        stopping_at: None,
        stopped_at: None,
        stopped_reason: None,
        stop_code: None,
        containers: Vec::new(),
        enable_execute_command: false,
    }
}

pub(crate) fn runtime(mut task: Task, container: &str, runtime_id: &str) -> Task {
    task.containers.push(Container {
        name: container.into(),
        image: None,
        last_status: None,
        health: None,
        exit_code: None,
        reason: None,
        runtime_id: Some(runtime_id.to_owned()),
        exec_agent: None,
    });
    task
}

/// A container definition with a log driver and options (`None`: no log configuration).
pub(crate) fn container(
    name: &str,
    driver: Option<&str>,
    options: &[(&str, &str)],
) -> ContainerDefinition {
    ContainerDefinition {
        name: name.to_owned(),
        image: "nginx".into(),
        essential: true,
        cpu: 0,
        memory: Some(128),
        memory_reservation: None,
        port_mappings: Vec::new(),
        log_configuration: driver.map(|driver| LogConfiguration {
            driver: driver.to_owned(),
            options: options
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }),
    }
}

pub(crate) fn awslogs(name: &str, group: &str) -> ContainerDefinition {
    container(
        name,
        Some("awslogs"),
        &[
            ("awslogs-group", group),
            ("awslogs-region", "eu-west-1"),
            ("awslogs-stream-prefix", "app"),
        ],
    )
}

pub(crate) fn task_definition(arn: &str, containers: Vec<ContainerDefinition>) -> TaskDefinition {
    TaskDefinition {
        arn: arn.to_owned(),
        family: "fam".into(),
        revision: 1,
        status: "ACTIVE".into(),
        task_role_arn: None,
        execution_role_arn: None,
        network_mode: None,
        cpu: None,
        memory: None,
        requires_compatibilities: Vec::new(),
        registered_at: None,
        containers,
    }
}
