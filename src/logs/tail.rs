//! The tail engine: the logs of a task, a container, a whole service or streams of a log
//! group named outright, from a start time on, then followed as they come, with no line
//! lost and none shown twice.
//!
//! One tokio task per tail (see `engine`). History is read with FilterLogEvents; following
//! uses Live Tail where it works and polling FilterLogEvents where it does not, switching
//! by itself (see `live`) and reporting which one is in use. Every FilterLogEvents request
//! of the process draws from one `RequestBudget`.

mod budget;
mod dedup;
mod engine;
mod fetch;
mod live;
mod older;
mod resolve;

#[cfg(test)]
pub(crate) mod fakes;
#[cfg(test)]
mod harness;
#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod named_tests;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use budget::RequestBudget;

use super::source::{LogScope, LogSource, TaskDefCache};
use super::{LogEvent, LogsApi};
use crate::domain::{Backend, BackendError};

/// What to tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailRequest {
    pub scope: LogScope,
    /// Only this container of each task (streams named outright are read whatever it says).
    pub container: Option<String>,
    /// The first event time to show, milliseconds since the epoch (`--since`).
    pub start_ms: i64,
    /// A CloudWatch filter pattern, applied by the service.
    pub pattern: Option<String>,
    /// Keep following after the history; otherwise end once it is shown.
    pub follow: bool,
}

/// How new events reach the tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Live,
    Poll,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Live => "LIVE",
            Transport::Poll => "POLL",
        }
    }
}

#[derive(Debug, Clone)]
pub enum TailMsg {
    /// What is read now (sent again when tasks join or leave).
    Sources(Vec<LogSource>),
    /// New events, sorted by timestamp, never one already sent. A late event may be older
    /// than events of earlier batches.
    Events(Vec<LogEvent>),
    /// The answer to `load_older`, sorted ascending; `more` when still older events may
    /// exist.
    Older { events: Vec<LogEvent>, more: bool },
    /// How new events arrive from now on.
    Transport(Transport),
    /// Backing off because AWS throttles (true), or recovered (false).
    Throttled(bool),
    /// Live Tail sampled the events of this window (more than 500 a second); the window is
    /// being backfilled by polling.
    Sampled { from_ms: i64, to_ms: i64 },
    /// The history from `start_ms` up to now has been sent.
    HistoryDone,
    /// Shown to the user; the tail goes on unless `Ended` follows.
    Error(BackendError),
    /// Following has stopped on an error that retrying soon will not fix (credentials,
    /// permissions). It is tried again every `stopped_retry_every`, and at once on
    /// `TailHandle::retry_now`; `Recovered` says when it works again.
    Stopped(BackendError),
    /// Requests succeed again after failing: reading goes on from where it stopped, so
    /// nothing written meanwhile is lost.
    Recovered,
    /// No more new events: not following and the history is done, or a fatal error.
    /// `load_older` still answers.
    Ended,
}

/// Timings and limits of one tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TailOptions {
    /// Try Live Tail first when following.
    pub live_tail: bool,
    /// How often a service's tasks are listed again, so tasks started by a deploy join.
    pub resolve_every: Duration,
    /// The poll interval, from the end of one poll to the start of the next, the same
    /// whether lines flow or not: errors tend to come as a few lines after a quiet spell,
    /// and a tail that slowed down while quiet would show them late. The default keeps a
    /// tail under twice the requests of `awslogs --watch` (a poll a second), service
    /// re-lists included, while a line waits about half as long (BENCHMARKS.md, "Live
    /// logs").
    pub poll_min: Duration,
    /// How long a backfill queued under Live Tail waits before it is read, so that the
    /// windows of sampled seconds in a row merge into one request. Polling does not slow
    /// down to it when quiet (see `poll_min`).
    pub poll_max: Duration,
    /// How far behind the newest event a poll still looks for events that arrive late
    /// (log drivers batch: awslogs sends every 5 s, so one task's lines can reach
    /// CloudWatch after another's newer ones).
    pub late_window: Duration,
    /// How often a poll looks back over `late_window` instead of from the newest event.
    pub late_sweep_every: Duration,
    /// How long what was shown is remembered to drop repeats; kept above `late_window`.
    pub dedup_window: Duration,
    /// The first and the longest wait after a throttled or failed request.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// A tail that does not follow gives up (reports the error and ends) once requests
    /// have failed for this long in a row; `None`: it keeps trying.
    pub give_up_after: Option<Duration>,
    /// While stopped on credentials or permissions: how often it tries again by itself.
    pub stopped_retry_every: Duration,
    /// Live Tail sessions end after 3 hours: renew them before.
    pub live_renew_after: Duration,
    /// The longest StartLiveTail may take before polling takes over.
    pub live_start_timeout: Duration,
    /// FilterLogEvents page size (`None`: the service's maximum, 10,000).
    pub page_limit: Option<i32>,
    /// About how many events `load_older` returns at a time.
    pub older_batch: usize,
}

impl Default for TailOptions {
    fn default() -> Self {
        TailOptions {
            live_tail: true,
            resolve_every: Duration::from_secs(30),
            poll_min: Duration::from_millis(550),
            poll_max: Duration::from_secs(2),
            late_window: Duration::from_secs(30),
            late_sweep_every: Duration::from_secs(15),
            dedup_window: Duration::from_secs(300),
            backoff_min: Duration::from_secs(1),
            // Short, so a tail is back within seconds of throttling or an outage ending;
            // the request budget still bounds what the retries cost.
            backoff_max: Duration::from_secs(5),
            give_up_after: None,
            stopped_retry_every: Duration::from_secs(15),
            live_renew_after: Duration::from_secs(2 * 3600 + 50 * 60),
            live_start_timeout: Duration::from_secs(30),
            page_limit: None,
            older_batch: 500,
        }
    }
}

/// Requests to a running tail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Older { before_ms: i64 },
}

/// A running tail. Dropping it stops the tail and its Live Tail sessions.
#[derive(Debug)]
pub struct TailHandle {
    commands: mpsc::UnboundedSender<Command>,
    wake: Arc<tokio::sync::Notify>,
    task: JoinHandle<()>,
}

impl TailHandle {
    /// Asks for the events just before `before_ms` (the oldest shown); answered with
    /// `TailMsg::Older`.
    pub fn load_older(&self, before_ms: i64) {
        // A send fails only when the tail has stopped, and then nobody waits for an answer.
        let _ = self.commands.send(Command::Older { before_ms });
    }

    /// Ends the wait after a failure now: a tail stopped on credentials tries again at
    /// once (the user signed in again and pressed r).
    pub fn retry_now(&self) {
        self.wake.notify_one();
    }

    /// True once the tail's task has stopped (the receiver was dropped).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }
}

impl Drop for TailHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a tail; its messages arrive on `tx`.
pub fn spawn(
    ecs: Arc<dyn Backend>,
    logs: Arc<dyn LogsApi>,
    req: TailRequest,
    opts: TailOptions,
    budget: Arc<RequestBudget>,
    tx: mpsc::UnboundedSender<TailMsg>,
) -> TailHandle {
    spawn_with_cache(ecs, logs, req, opts, budget, tx, TaskDefCache::default())
}

/// `spawn`, sharing task definitions already described (by other tails or panes).
pub fn spawn_with_cache(
    ecs: Arc<dyn Backend>,
    logs: Arc<dyn LogsApi>,
    req: TailRequest,
    opts: TailOptions,
    budget: Arc<RequestBudget>,
    tx: mpsc::UnboundedSender<TailMsg>,
    cache: TaskDefCache,
) -> TailHandle {
    let (commands, command_rx) = mpsc::unbounded_channel();
    let engine = engine::Engine::new(ecs, logs, req, opts, budget, tx, cache);
    let wake = engine.wake.clone();
    let task = tokio::spawn(engine.run(command_rx));
    TailHandle {
        commands,
        wake,
        task,
    }
}
