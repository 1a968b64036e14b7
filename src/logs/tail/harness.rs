//! Starting a tail on the fakes and reading what it says, on tokio's paused clock.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::fakes::{FakeEcs, FakeLogs, awslogs, task, task_definition};
use super::{RequestBudget, TailHandle, TailMsg, TailOptions, TailRequest, spawn};
use crate::domain::model::TaskScope;
use crate::domain::{BackendError, ErrorKind};
use crate::logs::LogEvent;
use crate::logs::source::LogScope;

pub(crate) const TD: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1";
pub(crate) const GROUP: &str = "/ecs/app";

pub(crate) fn stream(task: &str) -> String {
    format!("app/web/{task}")
}

/// ECS with the given `(service, task id)` running, all on one awslogs task definition.
pub(crate) fn ecs_with(tasks: &[(&str, &str)]) -> Arc<FakeEcs> {
    let ecs =
        FakeEcs::with_task_definitions(vec![task_definition(TD, vec![awslogs("web", GROUP)])]);
    for (i, (service, id)) in tasks.iter().enumerate() {
        let created = i64::try_from(i).unwrap();
        ecs.add_task(Some(service), TaskScope::Running, task(id, TD, created));
    }
    Arc::new(ecs)
}

/// The `api` service of cluster `prod` from `start_ms`.
pub(crate) fn request(follow: bool, start_ms: i64) -> TailRequest {
    TailRequest {
        scope: LogScope::Service {
            cluster: "prod".into(),
            service: "api".into(),
        },
        container: None,
        start_ms,
        pattern: None,
        follow,
    }
}

/// Polling only, default timings.
pub(crate) fn polling() -> TailOptions {
    TailOptions {
        live_tail: false,
        ..TailOptions::default()
    }
}

pub(crate) fn error(kind: ErrorKind) -> BackendError {
    BackendError::new(kind, "FilterLogEvents", format!("{kind:?}"))
}

pub(crate) struct Tail {
    pub rx: mpsc::UnboundedReceiver<TailMsg>,
    pub handle: TailHandle,
}

pub(crate) fn start(
    ecs: Arc<FakeEcs>,
    logs: Arc<FakeLogs>,
    req: TailRequest,
    opts: TailOptions,
) -> Tail {
    start_with_budget(ecs, logs, req, opts, RequestBudget::new(1000.0, 1000))
}

pub(crate) fn start_with_budget(
    ecs: Arc<FakeEcs>,
    logs: Arc<FakeLogs>,
    req: TailRequest,
    opts: TailOptions,
    budget: Arc<RequestBudget>,
) -> Tail {
    let (tx, rx) = mpsc::unbounded_channel();
    let handle = spawn(ecs, logs, req, opts, budget, tx);
    Tail { rx, handle }
}

impl Tail {
    /// Messages up to and including the first that matches (an hour of virtual time at
    /// most).
    pub(crate) async fn until(&mut self, done: impl Fn(&TailMsg) -> bool) -> Vec<TailMsg> {
        let mut seen = Vec::new();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(3600), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no matching message; got {seen:#?}"))
                .expect("the tail stopped");
            let last = done(&message);
            seen.push(message);
            if last {
                return seen;
            }
        }
    }

    /// Everything said during `d` of virtual time.
    pub(crate) async fn during(&mut self, d: Duration) -> Vec<TailMsg> {
        let deadline = tokio::time::Instant::now() + d;
        let mut seen = Vec::new();
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            seen.push(message);
        }
        seen
    }

    /// Waits until `n` events have come; returns every message up to then.
    pub(crate) async fn events(&mut self, n: usize) -> Vec<TailMsg> {
        let mut seen = Vec::new();
        while events(&seen).len() < n {
            let mut more = self.until(|m| matches!(m, TailMsg::Events(_))).await;
            seen.append(&mut more);
        }
        seen
    }
}

pub(crate) fn events(messages: &[TailMsg]) -> Vec<LogEvent> {
    messages
        .iter()
        .filter_map(|m| match m {
            TailMsg::Events(events) => Some(events.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

pub(crate) fn lines(messages: &[TailMsg]) -> Vec<String> {
    events(messages).into_iter().map(|e| e.message).collect()
}

pub(crate) fn has(messages: &[TailMsg], wanted: impl Fn(&TailMsg) -> bool) -> bool {
    messages.iter().any(wanted)
}
