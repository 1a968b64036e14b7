//! CloudWatch Logs for the demo fleet: every container of every task the fleet knows
//! (running, or stopped within the hour ECS keeps listing it) has its awslogs stream in
//! `/ecs/<family>` (eu-west-1), with lines that read like the software it runs.
//!
//! Nothing is stored. A stream's events are a pure function of the seed, the stream and
//! the second (`generate`), shaped by the task's life as the fleet knows it (`streams`,
//! `scripts`): a start-up banner when it starts, steady lines at a rate that suits the
//! service, a graceful shutdown after SIGTERM, last words before a crash. Any window is
//! generated on demand, so memory stays flat however long the demo runs, and an event
//! exists only once CloudWatch would have received it (`generate::Stream::ingestion`).
//!
//! Calls: `filter_page` (FilterLogEvents: group, exact stream names, inclusive time
//! window, the `pattern` subset in `pattern`, limit, deterministic tokens), `streams`
//! (DescribeLogStreams, newest first) and `live_tail` (a real session: one update a
//! second, see `live`). Each call waits a simulated latency first, as the ECS calls do.

mod generate;
mod lines;
mod live;
mod page;
mod pattern;
mod scripts;
mod streams;
mod vocab;

#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use self::generate::Stream;
use self::page::{Cursor, MAX_LIMIT, PageQuery};
use self::pattern::Pattern;
use super::ids::{STREAM_LATENCY, mix, rng_for};
use super::state::Fleet;
use crate::domain::clock::Clock;
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::logs::{FilterPage, FilterQuery, LiveSession, LogsApi, StreamInfo};

/// FilterLogEvents takes at most this many stream names.
const MAX_STREAM_NAMES: usize = 100;
/// How far back `streams` looks for a stream's last event before falling back to its end.
const LAST_EVENT_LOOKBACK_SECS: i64 = 120;

/// What the calls and the live sessions share: the fleet (the same one the ECS calls
/// read), the clock, and the simulated latency.
pub(super) struct Shared {
    fleet: Arc<Mutex<Fleet>>,
    clock: Arc<dyn Clock>,
    seed: u64,
    latency: Range<Duration>,
    latency_rng: Mutex<fastrand::Rng>,
}

impl Shared {
    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    async fn pause(&self) {
        let Range { start, end } = self.latency;
        let pause = if end <= start {
            start
        } else {
            let span = u64::try_from((end - start).as_nanos()).unwrap_or(u64::MAX);
            let mut rng = self.latency_rng.lock().unwrap_or_else(|p| p.into_inner());
            start + Duration::from_nanos(rng.u64(..span))
        };
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }

    /// The group's streams as of now; the fleet lock is held only to read the tasks.
    fn streams(&self, region: &str, group: &str, operation: &str) -> BackendResult<Vec<Stream>> {
        let contexts = {
            let mut fleet = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
            fleet.advance_to(self.clock.now());
            streams::streams_of(&fleet, region, group)
        };
        let contexts = contexts.ok_or_else(|| {
            BackendError::new(
                ErrorKind::NotFound,
                operation,
                "The specified log group does not exist.",
            )
        })?;
        Ok(contexts
            .into_iter()
            .map(|ctx| Stream::new(ctx, self.seed))
            .collect())
    }
}

/// The demo's `LogsApi`, sharing the fleet of the `DemoBackend` it came from.
pub struct DemoLogs {
    shared: Arc<Shared>,
}

impl DemoLogs {
    pub(super) fn new(
        fleet: Arc<Mutex<Fleet>>,
        clock: Arc<dyn Clock>,
        latency: Range<Duration>,
    ) -> DemoLogs {
        let seed = fleet.lock().unwrap_or_else(|p| p.into_inner()).seed;
        DemoLogs {
            shared: Arc::new(Shared {
                fleet,
                clock,
                seed,
                latency,
                latency_rng: Mutex::new(rng_for(seed, mix(STREAM_LATENCY), 0)),
            }),
        }
    }
}

fn invalid(operation: &str, message: impl Into<String>) -> BackendError {
    BackendError::new(ErrorKind::InvalidRequest, operation, message)
}

fn parse_pattern(operation: &str, pattern: Option<&str>) -> BackendResult<Pattern> {
    Pattern::parse(pattern.unwrap_or_default()).map_err(|m| invalid(operation, m))
}

#[async_trait]
impl LogsApi for DemoLogs {
    async fn filter_page(&self, query: &FilterQuery) -> BackendResult<FilterPage> {
        const OP: &str = "FilterLogEvents";
        if query.streams.len() > MAX_STREAM_NAMES {
            return Err(invalid(
                OP,
                "1 validation error detected: Value at 'logStreamNames' failed to satisfy \
                 constraint: Member must have length less than or equal to 100",
            ));
        }
        let limit = match query.limit {
            None => MAX_LIMIT,
            Some(n) => usize::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| invalid(OP, "limit must be between 1 and 10000"))?,
        };
        let pattern = parse_pattern(OP, query.pattern.as_deref())?;
        let cursor = match &query.next_token {
            None => Cursor::From(query.start_ms),
            Some(token) => Cursor::parse(token)
                .ok_or_else(|| invalid(OP, "The specified nextToken is invalid."))?,
        };
        self.shared.pause().await;
        let mut all = self.shared.streams(&query.region, &query.group, OP)?;
        if !query.streams.is_empty() {
            // Exact names, as logStreamNames; names the group lacks simply match nothing.
            all.retain(|s| query.streams.contains(&s.ctx.name));
        }
        let q = PageQuery {
            start_ms: query.start_ms,
            end_ms: query.end_ms,
            pattern: &pattern,
            cursor,
            limit,
            now_ms: self.shared.now_ms(),
        };
        Ok(page::page(&all, &q))
    }

    async fn streams(
        &self,
        region: &str,
        group: &str,
        prefix: Option<&str>,
        limit: usize,
    ) -> BackendResult<Vec<StreamInfo>> {
        self.shared.pause().await;
        let now = self.shared.now_ms();
        let all = self.shared.streams(region, group, "DescribeLogStreams")?;
        let mut infos: Vec<StreamInfo> = all
            .iter()
            .filter(|s| prefix.is_none_or(|p| s.ctx.name.starts_with(p)))
            .filter(|s| s.ingestion(s.span().0) <= now)
            .map(|s| StreamInfo {
                name: s.ctx.name.clone(),
                last_event_ms: last_event(s, now),
                creation_ms: Some(s.span().0),
            })
            .collect();
        infos.sort_by(|a, b| {
            b.last_event_ms
                .cmp(&a.last_event_ms)
                .then_with(|| a.name.cmp(&b.name))
        });
        infos.truncate(limit);
        Ok(infos)
    }

    async fn live_tail(
        &self,
        region: &str,
        group: &str,
        streams: &[String],
        pattern: Option<&str>,
    ) -> BackendResult<LiveSession> {
        const OP: &str = "StartLiveTail";
        if streams.len() > MAX_STREAM_NAMES {
            return Err(invalid(OP, "at most 100 log stream names per session"));
        }
        let pattern = parse_pattern(OP, pattern)?;
        self.shared.pause().await;
        // Fails now, as AWS does, for a group that does not exist.
        self.shared.streams(region, group, OP)?;
        let sub = live::Subscription {
            region: region.to_owned(),
            group: group.to_owned(),
            streams: streams.to_vec(),
            pattern,
        };
        Ok(live::start(self.shared.clone(), sub))
    }
}

/// The newest event CloudWatch has for the stream, looked for over the last two minutes
/// of its life; beyond that its end (or now) stands in, as lastEventTimestamp is only
/// approximate in AWS too.
fn last_event(s: &Stream, now: i64) -> Option<i64> {
    let (start, end) = s.span();
    let until = end.unwrap_or(now).min(now);
    if until < start {
        return None;
    }
    let last_sec = until.div_euclid(1000);
    let first_sec = (last_sec - LAST_EVENT_LOOKBACK_SECS).max(start.div_euclid(1000));
    (first_sec..=last_sec)
        .rev()
        .find_map(|sec| {
            s.second(sec)
                .into_iter()
                .rev()
                .map(|e| e.ts)
                .find(|ts| s.ingestion(*ts) <= now)
        })
        .or(Some(until))
}
