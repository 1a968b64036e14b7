//! Live Tail: one session per log group (AWS allows 10 groups a session, but stream names
//! only with one group). A session that fails to start, fails, or ends before its renewal
//! time hands over to polling for good: reconnecting in a loop would replay history on
//! endpoints that replay (moto) and burn the account's session quota on those that refuse.
//!
//! Live Tail has no history and nothing is delivered between two sessions, so every start
//! (and renewal, and restart for new streams) is followed by a catch-up poll over the late
//! window; `Seen` drops what both transports delivered.

use std::collections::BTreeSet;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::dedup::millis;
use super::engine::{Engine, GroupKey, Job, STREAMS_PER_CALL, Step};
use super::{TailMsg, Transport};
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::logs::{LiveSession, LiveUpdate};

/// Sessions a tail may hold: AWS allows 15 concurrent sessions per account, shared with
/// every other tail and user.
const MAX_LIVE_GROUPS: usize = 5;
/// Sampled updates hide events of about that second: backfill a little around it.
const SAMPLED_MARGIN_MS: i64 = 1_000;
const OPERATION: &str = "StartLiveTail";

/// What the pump tasks report, tagged with their session so a stopped session's leftovers
/// are recognised and ignored.
#[derive(Debug)]
pub(crate) enum LiveMsg {
    Update {
        session: u64,
        update: BackendResult<LiveUpdate>,
    },
    Closed {
        session: u64,
    },
}

/// A running session; dropping it stops reading it, which ends it.
#[derive(Debug)]
pub(crate) struct Session {
    id: u64,
    started: Instant,
    pump: JoinHandle<()>,
}

impl Drop for Session {
    fn drop(&mut self) {
        self.pump.abort();
    }
}

/// Moves a session's updates to the engine as they come, whatever the engine is doing.
async fn pump(id: u64, mut session: LiveSession, tx: mpsc::UnboundedSender<LiveMsg>) {
    while let Some(update) = session.updates.recv().await {
        if tx
            .send(LiveMsg::Update {
                session: id,
                update,
            })
            .is_err()
        {
            return;
        }
    }
    let _ = tx.send(LiveMsg::Closed { session: id });
}

impl Engine {
    fn live_allowed(&self) -> bool {
        let busy: Vec<usize> = self
            .groups
            .values()
            .map(|g| g.streams.len())
            .filter(|&n| n > 0)
            .collect();
        self.opts.live_tail
            && self.req.follow
            && !self.live_given_up
            && busy.len() <= MAX_LIVE_GROUPS
            && busy.iter().all(|&n| n <= STREAMS_PER_CALL)
    }

    /// Starts a session for every group when Live Tail is allowed and there is something
    /// to tail; reports `Live` on success, falls back to polling on the first failure.
    pub(super) async fn try_live(&mut self) -> Step {
        let keys: Vec<GroupKey> = self
            .groups
            .iter()
            .filter(|(_, g)| !g.streams.is_empty())
            .map(|(k, _)| k.clone())
            .collect();
        if keys.is_empty() || !self.live_allowed() {
            return Ok(());
        }
        for key in &keys {
            if let Err(e) = self.open_session(key).await {
                return self.give_up_live(e);
            }
        }
        self.report_transport(Transport::Live)?;
        for key in &keys {
            self.catch_up(key);
        }
        Ok(())
    }

    async fn open_session(&mut self, key: &GroupKey) -> Result<(), BackendError> {
        let Some(group) = self.groups.get(key) else {
            return Ok(());
        };
        let (region, name, streams) = (
            group.region.clone(),
            group.name.clone(),
            group.streams.clone(),
        );
        let call = self
            .logs
            .live_tail(&region, &name, &streams, self.req.pattern.as_deref());
        // An implementation that never answers must not hold the tail: poll instead.
        let session = match tokio::time::timeout(self.opts.live_start_timeout, call).await {
            Ok(answer) => answer?,
            Err(_) => {
                return Err(BackendError::new(
                    ErrorKind::Timeout,
                    OPERATION,
                    format!(
                        "no answer within {} s",
                        self.opts.live_start_timeout.as_secs()
                    ),
                ));
            }
        };
        self.next_session += 1;
        let id = self.next_session;
        let pump = tokio::spawn(pump(id, session, self.live_tx.clone()));
        if let Some(group) = self.groups.get_mut(key) {
            group.live = Some(Session {
                id,
                started: Instant::now(),
                pump,
            });
        }
        Ok(())
    }

    /// Polling from now on, for good: stops every session, says why, and catches up over
    /// the late window (what the sessions had not delivered yet).
    pub(super) fn give_up_live(&mut self, why: BackendError) -> Step {
        tracing::info!(error = %why, "Live Tail unavailable: polling");
        self.live_given_up = true;
        for group in self.groups.values_mut() {
            group.live = None;
        }
        self.send(TailMsg::Error(why))?;
        self.report_transport(Transport::Poll)?;
        self.poll_every = self.opts.poll_min;
        let keys: Vec<GroupKey> = self.groups.keys().cloned().collect();
        for key in &keys {
            self.catch_up(key);
        }
        Ok(())
    }

    fn catch_up(&mut self, key: &GroupKey) {
        let start = self.poll_start(key, true);
        let job = self.job(key, start);
        self.queue(job);
    }

    pub(super) async fn on_live(&mut self, message: LiveMsg) -> Step {
        let (id, outcome) = match message {
            LiveMsg::Update { session, update } => (session, Some(update)),
            LiveMsg::Closed { session } => (session, None),
        };
        let Some(key) = self
            .groups
            .iter()
            .find(|(_, g)| g.live.as_ref().is_some_and(|s| s.id == id))
            .map(|(k, _)| k.clone())
        else {
            return Ok(());
        };
        match outcome {
            Some(Ok(update)) => self.live_update(&key, update),
            Some(Err(e)) => self.live_ended(&key, Some(e)).await,
            None => self.live_ended(&key, None).await,
        }
    }

    fn live_update(&mut self, key: &GroupKey, update: LiveUpdate) -> Step {
        let now = Instant::now();
        let start_ms = self.req.start_ms;
        let Some(group) = self.groups.get_mut(key) else {
            return Ok(());
        };
        let times = update.events.iter().map(|e| e.timestamp);
        let window = times.clone().min().zip(times.max());
        let shown_before = group.newest;
        let mut fresh = Vec::new();
        for event in update.events {
            // Before the start (an endpoint replaying history) or not ours (an
            // implementation that widened the stream list): not for this tail.
            let ours = group.streams.binary_search(&event.stream).is_ok();
            if event.timestamp >= start_ms && ours && group.seen.live(&event, now) {
                group.newest = Some(
                    group
                        .newest
                        .map_or(event.timestamp, |n| n.max(event.timestamp)),
                );
                fresh.push(event);
            }
        }
        self.emit(fresh)?;
        self.prune();
        if update.sampled {
            let late_ms = millis(self.opts.late_window);
            let (from_ms, to_ms) =
                sampled_window(window, shown_before, self.clock.now_ms(), late_ms);
            self.send(TailMsg::Sampled { from_ms, to_ms })?;
            let mut job: Job = self.job(key, from_ms.max(start_ms));
            job.end = Some(to_ms);
            self.queue(job);
        }
        Ok(())
    }

    /// A session failed or ended: renewed when it was due anyway, otherwise polling
    /// takes over.
    async fn live_ended(&mut self, key: &GroupKey, error: Option<BackendError>) -> Step {
        let age = self
            .groups
            .get(key)
            .and_then(|g| g.live.as_ref())
            .map(|s| s.started.elapsed())
            .unwrap_or_default();
        if age >= self.opts.live_renew_after {
            return self.restart_session(key).await;
        }
        let why = error.unwrap_or_else(|| {
            BackendError::new(
                ErrorKind::Service,
                OPERATION,
                format!("the Live Tail session ended after {} s", age.as_secs()),
            )
        });
        self.give_up_live(why)
    }

    pub(super) fn next_renewal(&self) -> Option<Instant> {
        self.groups
            .values()
            .filter_map(|g| g.live.as_ref())
            .map(|s| s.started + self.opts.live_renew_after)
            .min()
    }

    pub(super) async fn renew_due(&mut self) -> Step {
        let now = Instant::now();
        let due: Vec<GroupKey> = self
            .groups
            .iter()
            .filter(|(_, g)| {
                g.live
                    .as_ref()
                    .is_some_and(|s| s.started + self.opts.live_renew_after <= now)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in &due {
            if self.transport != Some(Transport::Live) {
                break;
            }
            self.restart_session(key).await?;
        }
        Ok(())
    }

    /// A new session for `key` (renewal, or its streams changed), then a catch-up poll.
    async fn restart_session(&mut self, key: &GroupKey) -> Step {
        let Some(group) = self.groups.get_mut(key) else {
            return Ok(());
        };
        group.live = None;
        if group.streams.is_empty() {
            return Ok(());
        }
        if !self.live_allowed() {
            return self.give_up_live(BackendError::new(
                ErrorKind::InvalidRequest,
                OPERATION,
                format!(
                    "Live Tail takes at most {STREAMS_PER_CALL} streams of at most \
                     {MAX_LIVE_GROUPS} groups here: polling instead"
                ),
            ));
        }
        match self.open_session(key).await {
            Ok(()) => {
                self.catch_up(key);
                Ok(())
            }
            Err(e) => self.give_up_live(e),
        }
    }

    /// After a re-resolve: restarts the sessions whose streams changed, or, while polling
    /// only for lack of anything to tail, tries Live Tail now that there is.
    pub(super) async fn sources_changed(&mut self, changed: BTreeSet<GroupKey>) -> Step {
        match self.transport {
            Some(Transport::Live) => {
                for key in &changed {
                    if self.transport != Some(Transport::Live) {
                        break;
                    }
                    self.restart_session(key).await?;
                }
                Ok(())
            }
            _ if !changed.is_empty() => self.try_live().await,
            _ => Ok(()),
        }
    }
}

/// The window to backfill after a sampled update. Which events a sampler keeps is not
/// said (the first it meets, the last, any): the sample's times alone do not bound those
/// left out. They came in the same update, so they are no newer than now and, unless they
/// arrived late, no older than what was shown before it (`shown_before`); the sample's
/// own times widen the window for late ones, which reaches back at most `late_ms` before
/// the sample. A little margin either side.
pub(super) fn sampled_window(
    sample: Option<(i64, i64)>,
    shown_before: Option<i64>,
    now_ms: i64,
    late_ms: i64,
) -> (i64, i64) {
    let (first, last) = sample.unwrap_or((now_ms, now_ms));
    let from = shown_before
        .map_or(first, |before| before.min(first))
        .max(first.saturating_sub(late_ms));
    let to = last.max(now_ms);
    (
        from.saturating_sub(SAMPLED_MARGIN_MS),
        to.saturating_add(SAMPLED_MARGIN_MS),
    )
}
