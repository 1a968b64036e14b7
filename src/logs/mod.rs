//! CloudWatch Logs of tasks, containers and services: the API seam (`LogsApi`, with an
//! SDK and a demo implementation), finding the streams (`source`), the tail engine that
//! polls or live-tails without losing or repeating a line (`tail`), the sanitizer that
//! makes untrusted messages safe for a terminal (`sanitize`) and the bounded buffer the
//! pane reads (`ring`).

pub mod ring;
pub mod source;
pub mod tail;

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::domain::BackendResult;

/// One log event as CloudWatch returned it. `message` is raw and untrusted: it reaches a
/// terminal only through `sanitize`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    /// Event time, milliseconds since the epoch.
    pub timestamp: i64,
    /// When CloudWatch received it, milliseconds since the epoch (0 when unknown).
    pub ingestion_time: i64,
    /// FilterLogEvents gives one; Live Tail does not.
    pub event_id: Option<String>,
    pub group: String,
    pub stream: String,
    pub message: String,
}

/// One FilterLogEvents call: a group, at most 100 exact stream names (none: the whole
/// group), a time window and an optional CloudWatch filter pattern.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterQuery {
    pub region: String,
    pub group: String,
    pub streams: Vec<String>,
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub pattern: Option<String>,
    pub next_token: Option<String>,
    pub limit: Option<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterPage {
    pub events: Vec<LogEvent>,
    pub next_token: Option<String>,
}

/// A log stream, for the stream picker (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub name: String,
    pub last_event_ms: Option<i64>,
    pub creation_ms: Option<i64>,
}

/// One update of a Live Tail session (AWS sends one a second, possibly empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveUpdate {
    pub events: Vec<LogEvent>,
    /// AWS dropped events from this update (more than 500 a second).
    pub sampled: bool,
}

/// A running Live Tail session: updates until the channel closes (the session ended).
pub struct LiveSession {
    pub updates: mpsc::Receiver<BackendResult<LiveUpdate>>,
}

/// The CloudWatch Logs calls ecsdash makes, in domain types. Implemented over the AWS SDK
/// (`crate::backends::sdk::logs`) and by the demo fleet (`crate::backends::demo::logs`).
#[async_trait]
pub trait LogsApi: Send + Sync {
    /// One page of FilterLogEvents; the caller follows `next_token`.
    async fn filter_page(&self, query: &FilterQuery) -> BackendResult<FilterPage>;

    /// Streams of a group, newest (last event) first, at most `limit`.
    async fn streams(
        &self,
        region: &str,
        group: &str,
        prefix: Option<&str>,
        limit: usize,
    ) -> BackendResult<Vec<StreamInfo>>;

    /// Starts a Live Tail session on one group, limited to `streams` when given.
    /// Errors (AccessDenied, unsupported endpoint, limits) mean: poll instead.
    async fn live_tail(
        &self,
        region: &str,
        group: &str,
        streams: &[String],
        pattern: Option<&str>,
    ) -> BackendResult<LiveSession>;
}
