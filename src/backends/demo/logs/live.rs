//! Live Tail on the demo: a session sends one update a second with the events CloudWatch
//! received since the last one (by ingestion time, so late lines are not lost), without
//! event ids, at most 500 per update (more are sampled and marked so), for at most three
//! hours, like StartLiveTail. Unlike AWS, a slow reader loses nothing: the session waits
//! for it and the next update covers the whole gap.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::Shared;
use super::generate::{MAX_INGEST_DELAY_MS, Stream};
use super::pattern::Pattern;
use crate::logs::{LiveSession, LiveUpdate, LogEvent};

const UPDATE_EVERY: Duration = Duration::from_secs(1);
const MAX_EVENTS_PER_UPDATE: usize = 500;
const SESSION_LIMIT: Duration = Duration::from_secs(3 * 3600);
/// AWS keeps this many updates for a slow reader.
const BUFFERED_UPDATES: usize = 10;

pub(super) struct Subscription {
    pub region: String,
    pub group: String,
    /// Exact stream names; empty: every stream of the group, new ones included.
    pub streams: Vec<String>,
    pub pattern: Pattern,
}

pub(super) fn start(shared: Arc<Shared>, sub: Subscription) -> LiveSession {
    let (tx, rx) = mpsc::channel(BUFFERED_UPDATES);
    // Taken now, not when the task first runs: the session covers from its start.
    let opened = tokio::time::Instant::now();
    let mut since = shared.now_ms();
    let mut ticks = tokio::time::interval_at(opened + UPDATE_EVERY, UPDATE_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::spawn(async move {
        while opened.elapsed() < SESSION_LIMIT {
            tokio::select! {
                _ = ticks.tick() => {}
                () = tx.closed() => return,
            }
            let now = shared.now_ms();
            let update = shared
                .streams(&sub.region, &sub.group, "StartLiveTail")
                .map(|all| received(&all, &sub, since, now));
            let failed = update.is_err();
            since = now;
            if tx.send(update).await.is_err() || failed {
                return;
            }
        }
    });
    LiveSession { updates: rx }
}

/// The events of the subscribed streams that CloudWatch received in `(since, now]`.
fn received(all: &[Stream], sub: &Subscription, since: i64, now: i64) -> LiveUpdate {
    let chosen = all
        .iter()
        .filter(|s| sub.streams.is_empty() || sub.streams.contains(&s.ctx.name));
    let first_sec = (since - MAX_INGEST_DELAY_MS).div_euclid(1000);
    let last_sec = now.div_euclid(1000);
    let mut events: Vec<LogEvent> = Vec::new();
    for s in chosen {
        for sec in (first_sec..=last_sec).filter(|x| s.alive_in(*x)) {
            for e in s.second(sec) {
                let at = s.ingestion(e.ts);
                if at > since && at <= now && sub.pattern.matches(&e.message) {
                    let mut event = s.to_log_event(e);
                    event.event_id = None;
                    events.push(event);
                }
            }
        }
    }
    events.sort_by(|a, b| (a.timestamp, &a.stream).cmp(&(b.timestamp, &b.stream)));
    let sampled = events.len() > MAX_EVENTS_PER_UPDATE;
    if sampled {
        let n = events.len();
        events = (0..MAX_EVENTS_PER_UPDATE)
            .filter_map(|i| events.get(i * n / MAX_EVENTS_PER_UPDATE).cloned())
            .collect();
    }
    LiveUpdate { events, sampled }
}
