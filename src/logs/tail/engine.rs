//! The state of one tail and its main loop. Everything runs in one task: requests are
//! awaited one at a time (the budget would serialise them anyway), Live Tail sessions are
//! read by small pump tasks into an unbounded channel so that a slow poll never makes AWS
//! drop live updates.
//!
//! Sequence: resolve the sources, read the history (FilterLogEvents from `start_ms`),
//! `HistoryDone`, then follow: Live Tail when allowed and possible, else polling. Every
//! transport hands events to the group's `Seen`, which drops what was already shown.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::budget::RequestBudget;
use super::dedup::{Seen, millis};
use super::live::{LiveMsg, Session};
use super::{Command, TailMsg, TailOptions, TailRequest, Transport};
use crate::domain::{Backend, BackendError, ErrorKind};
use crate::logs::source::{LogScope, LogSource, TaskDefCache};
use crate::logs::{LogEvent, LogsApi};

/// FilterLogEvents and StartLiveTail take at most 100 stream names.
pub(super) const STREAMS_PER_CALL: usize = 100;
/// How many entries one group's `Seen` may hold, whatever the retention says.
pub(super) const SEEN_CAP: usize = 500_000;
/// Where polls of a group that has shown nothing yet start, before the clock.
const NO_EVENTS_LOOKBACK_MS: i64 = 3_600_000;

/// `(region, group)`.
pub(super) type GroupKey = (String, String);

/// Why the engine stops doing what it was doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Halt {
    /// Nobody listens any more: stop at once.
    Closed,
    /// An error nothing can fix from here was reported: end the tail.
    Fatal,
}

pub(super) type Step<T = ()> = Result<T, Halt>;

/// One log group of the tail.
#[derive(Debug)]
pub(super) struct Group {
    pub region: String,
    pub name: String,
    /// The streams read now, sorted.
    pub streams: Vec<String>,
    /// The newest event time shown: polls start here.
    pub newest: Option<i64>,
    pub seen: Seen,
    pub last_sweep: Instant,
    /// The group did not exist at the last request (reported once).
    pub missing: bool,
    pub live: Option<Session>,
}

/// A FilterLogEvents range to read for some streams of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Job {
    pub key: GroupKey,
    pub streams: Vec<String>,
    pub start: i64,
    pub end: Option<i64>,
}

/// Wall-clock milliseconds that advance with tokio's clock, so paused tests move both.
#[derive(Debug, Clone, Copy)]
pub(super) struct WallClock {
    base_ms: i64,
    base: Instant,
}

impl WallClock {
    fn start() -> Self {
        let base_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, millis);
        WallClock {
            base_ms,
            base: Instant::now(),
        }
    }

    pub(super) fn now_ms(&self) -> i64 {
        self.base_ms.saturating_add(millis(self.base.elapsed()))
    }
}

#[derive(Debug, Default)]
pub(super) struct Retry {
    pub failures: u32,
    pub throttled: bool,
    pub last_error: Option<BackendError>,
    /// When the current run of failures began.
    pub failing_since: Option<Instant>,
    /// Stopped on credentials or permissions (`TailMsg::Stopped` was sent).
    pub stopped: bool,
}

pub(super) struct Engine {
    pub ecs: Arc<dyn Backend>,
    pub logs: Arc<dyn LogsApi>,
    pub req: TailRequest,
    pub opts: TailOptions,
    pub budget: Arc<RequestBudget>,
    pub tx: mpsc::UnboundedSender<TailMsg>,
    pub cache: TaskDefCache,
    pub clock: WallClock,
    pub sources: Vec<LogSource>,
    pub groups: BTreeMap<GroupKey, Group>,
    /// Every stream this tail has read: a stream that comes back is not read again from
    /// `start_ms`.
    pub known: HashSet<(GroupKey, String)>,
    pub transport: Option<Transport>,
    /// Live Tail failed or ended early once: it is never tried again by this tail, since
    /// each attempt costs a session and a catch-up poll.
    pub live_given_up: bool,
    pub pending: Vec<Job>,
    pub retry: Retry,
    pub poll_every: Duration,
    pub next_poll: Option<Instant>,
    pub next_resolve: Option<Instant>,
    pub last_resolve_error: Option<BackendError>,
    pub live_tx: mpsc::UnboundedSender<LiveMsg>,
    pub live_rx: mpsc::UnboundedReceiver<LiveMsg>,
    pub next_session: u64,
    /// Cuts a wait after a failure short (`TailHandle::retry_now`).
    pub wake: Arc<tokio::sync::Notify>,
}

impl Engine {
    pub(super) fn new(
        ecs: Arc<dyn Backend>,
        logs: Arc<dyn LogsApi>,
        req: TailRequest,
        opts: TailOptions,
        budget: Arc<RequestBudget>,
        tx: mpsc::UnboundedSender<TailMsg>,
        cache: TaskDefCache,
    ) -> Self {
        let (live_tx, live_rx) = mpsc::unbounded_channel();
        let poll_every = opts.poll_min;
        Engine {
            ecs,
            logs,
            req,
            opts,
            budget,
            tx,
            cache,
            clock: WallClock::start(),
            sources: Vec::new(),
            groups: BTreeMap::new(),
            known: HashSet::new(),
            transport: None,
            live_given_up: false,
            pending: Vec::new(),
            retry: Retry::default(),
            poll_every,
            next_poll: None,
            next_resolve: None,
            last_resolve_error: None,
            live_tx,
            live_rx,
            next_session: 0,
            wake: Arc::new(tokio::sync::Notify::new()),
        }
    }

    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let outcome = self.start_and_follow(&mut commands).await;
        if outcome == Err(Halt::Closed) || self.send(TailMsg::Ended).is_err() {
            return;
        }
        for group in self.groups.values_mut() {
            group.live = None;
        }
        // Ended: nothing new comes, but scrolling up still loads older events.
        while let Some(Command::Older { before_ms }) = commands.recv().await {
            if self.load_older(before_ms).await == Err(Halt::Closed) {
                return;
            }
        }
    }

    async fn start_and_follow(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) -> Step {
        let sources = self.first_resolve().await?;
        self.apply_sources(sources, true)?;
        if !self.req.follow {
            self.report_transport(Transport::Poll)?;
        }
        let history = self
            .groups
            .keys()
            .map(|key| self.job(key, self.req.start_ms))
            .collect();
        self.run_jobs(history).await?;
        self.send(TailMsg::HistoryDone)?;
        if !self.req.follow {
            return Ok(());
        }
        self.begin_following().await?;
        self.follow(commands).await
    }

    async fn begin_following(&mut self) -> Step {
        let now = Instant::now();
        if matches!(self.req.scope, LogScope::Service { .. }) {
            self.next_resolve = Some(now + self.opts.resolve_every);
        }
        self.try_live().await?;
        if self.transport != Some(Transport::Live) {
            self.report_transport(Transport::Poll)?;
            let first = now + self.opts.poll_min;
            self.next_poll = Some(self.next_poll.map_or(first, |at| at.min(first)));
        }
        Ok(())
    }

    async fn follow(&mut self, commands: &mut mpsc::UnboundedReceiver<Command>) -> Step {
        loop {
            let poll_at = self.next_poll;
            let resolve_at = self.next_resolve;
            let renew_at = self.next_renewal();
            tokio::select! {
                biased;
                () = self.tx.closed() => return Err(Halt::Closed),
                command = commands.recv() => match command {
                    Some(Command::Older { before_ms }) => self.load_older(before_ms).await?,
                    None => return Err(Halt::Closed),
                },
                Some(message) = self.live_rx.recv() => self.on_live(message).await?,
                () = sleep_until(renew_at) => self.renew_due().await?,
                () = sleep_until(resolve_at) => self.re_resolve().await?,
                () = sleep_until(poll_at) => self.poll_cycle().await?,
            }
        }
    }

    /// One round of polling: the head (or late-window sweep) of every group while polling,
    /// plus every queued backfill. While polling, the next round comes `poll_min` after this
    /// one ends, lines or not.
    async fn poll_cycle(&mut self) -> Step {
        let now = Instant::now();
        let mut jobs = std::mem::take(&mut self.pending);
        let polling = self.transport == Some(Transport::Poll);
        if polling {
            let keys: Vec<GroupKey> = self.groups.keys().cloned().collect();
            for key in keys {
                let Some(group) = self.groups.get_mut(&key) else {
                    continue;
                };
                let sweep = now.duration_since(group.last_sweep) >= self.opts.late_sweep_every;
                // A missing group is asked again only on sweeps, not at every poll.
                if group.streams.is_empty() || (group.missing && !sweep) {
                    continue;
                }
                if sweep {
                    group.last_sweep = now;
                }
                let start = self.poll_start(&key, sweep);
                jobs.push(self.job(&key, start));
            }
        }
        self.run_jobs(jobs).await?;
        self.next_poll = if polling {
            // One interval whether lines flow or not: errors tend to come in bursts after a
            // quiet spell, and a tail that slowed down while quiet shows them late.
            self.poll_every = self.opts.poll_min;
            Some(Instant::now() + self.poll_every)
        } else if self.pending.is_empty() {
            None
        } else {
            Some(Instant::now() + self.opts.poll_max)
        };
        Ok(())
    }

    /// Where a poll of `key` starts: the newest event shown (not one past it: more events
    /// of that millisecond may come), or the late window before it on a sweep. A newest
    /// time ahead of the clock (a skewed host) must not stall the tail, so the clock caps it.
    pub(super) fn poll_start(&self, key: &GroupKey, sweep: bool) -> i64 {
        let now = self.clock.now_ms();
        let late = millis(self.opts.late_window);
        let start = match self.groups.get(key).and_then(|g| g.newest) {
            Some(newest) if sweep => newest.min(now) - late,
            Some(newest) => newest.min(now),
            // Nothing shown yet: the history covered everything ingested before it, so only
            // recently stamped events can still arrive; an hour allows for a skewed clock
            // without rescanning days of a filtered stream at every poll.
            None => now - NO_EVENTS_LOOKBACK_MS,
        };
        start.max(self.req.start_ms)
    }

    pub(super) fn dedup_window(&self) -> Duration {
        self.opts.dedup_window.max(self.opts.late_window * 2)
    }

    /// All streams of `key` from `start` on.
    pub(super) fn job(&self, key: &GroupKey, start: i64) -> Job {
        Job {
            key: key.clone(),
            streams: self
                .groups
                .get(key)
                .map(|g| g.streams.clone())
                .unwrap_or_default(),
            start,
            end: None,
        }
    }

    /// Queues a job for the next poll cycle, which comes at once while polling and after
    /// `poll_max` under Live Tail (so that sampled windows of consecutive seconds merge).
    pub(super) fn queue(&mut self, job: Job) {
        if job.streams.is_empty() {
            return;
        }
        // Backfills of touching windows (sampled seconds in a row) become one request.
        let touching = |p: &Job| match (p.end, job.end) {
            (Some(p_end), Some(end)) => {
                p.key == job.key
                    && p.streams == job.streams
                    && p.start <= end.saturating_add(1)
                    && job.start <= p_end.saturating_add(1)
            }
            _ => false,
        };
        if let Some(same) = self.pending.iter_mut().find(|p| touching(p)) {
            same.start = same.start.min(job.start);
            same.end = same.end.max(job.end);
        } else {
            self.pending.push(job);
        }
        let soon = match self.transport {
            Some(Transport::Live) => Instant::now() + self.opts.poll_max,
            _ => Instant::now(),
        };
        self.next_poll = Some(self.next_poll.map_or(soon, |at| at.min(soon)));
    }

    /// Hands newly polled events to their groups' `Seen`; returns those to show.
    pub(super) fn accept_polled(&mut self, key: &GroupKey, events: Vec<LogEvent>) -> Vec<LogEvent> {
        let now = Instant::now();
        let Some(group) = self.groups.get_mut(key) else {
            return Vec::new();
        };
        let mut fresh = Vec::new();
        for event in events {
            if event.timestamp >= self.req.start_ms && group.seen.polled(&event, now) {
                group.newest = Some(
                    group
                        .newest
                        .map_or(event.timestamp, |n| n.max(event.timestamp)),
                );
                fresh.push(event);
            }
        }
        fresh
    }

    /// Lets every group forget what no poll can return again.
    pub(super) fn prune(&mut self) {
        let now_ms = self.clock.now_ms();
        let now = Instant::now();
        for group in self.groups.values_mut() {
            if let Some(newest) = group.newest {
                group.seen.prune(newest.min(now_ms), now);
            }
        }
    }

    /// Sends events sorted by time (stable: a page's order within a millisecond stays).
    pub(super) fn emit(&self, mut events: Vec<LogEvent>) -> Step<usize> {
        if events.is_empty() {
            return Ok(0);
        }
        events.sort_by_key(|e| e.timestamp);
        let n = events.len();
        self.send(TailMsg::Events(events))?;
        Ok(n)
    }

    pub(super) fn report_transport(&mut self, transport: Transport) -> Step {
        if self.transport != Some(transport) {
            self.transport = Some(transport);
            self.send(TailMsg::Transport(transport))?;
        }
        Ok(())
    }

    pub(super) fn send(&self, message: TailMsg) -> Step {
        self.tx.send(message).map_err(|_| Halt::Closed)
    }

    /// What a failed request means for the tail: a wait (throttling, timeouts, service
    /// errors, reported once), a stop until credentials work again (while following), or
    /// the end (bad requests; anything, for a tail that does not follow, once it has
    /// failed for `give_up_after`).
    pub(super) async fn failed(&mut self, error: BackendError) -> Step {
        let credentials = matches!(
            error.kind,
            ErrorKind::ExpiredCredentials
                | ErrorKind::BadCredentials
                | ErrorKind::NoCredentials
                | ErrorKind::AccessDenied
        );
        let retried = error.is_transient() || error.kind == ErrorKind::Service;
        if !(retried || (credentials && self.req.follow)) {
            self.send(TailMsg::Error(error))?;
            return Err(Halt::Fatal);
        }
        let since = *self.retry.failing_since.get_or_insert_with(Instant::now);
        if let Some(limit) = self.opts.give_up_after
            && since.elapsed() >= limit
        {
            let message = format!(
                "{}; gave up after {} s of failed attempts",
                error.message,
                since.elapsed().as_secs()
            );
            self.send(TailMsg::Error(BackendError::new(
                error.kind,
                error.operation,
                message,
            )))?;
            return Err(Halt::Fatal);
        }
        self.retry.failures = self.retry.failures.saturating_add(1);
        let wait = if credentials {
            if !self.retry.stopped {
                self.retry.stopped = true;
                self.send(TailMsg::Stopped(error))?;
            }
            self.opts.stopped_retry_every
        } else {
            if error.kind == ErrorKind::Throttled {
                if !self.retry.throttled {
                    self.retry.throttled = true;
                    self.send(TailMsg::Throttled(true))?;
                }
            } else if self.retry.last_error.as_ref() != Some(&error) {
                self.retry.last_error = Some(error.clone());
                self.send(TailMsg::Error(error))?;
            }
            backoff(&self.opts, self.retry.failures)
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = self.wake.notified() => {}
        }
        Ok(())
    }

    pub(super) fn recovered(&mut self) -> Step {
        let was_failing = self.retry.failures > 0;
        let was_throttled = self.retry.throttled;
        self.retry = Retry::default();
        if was_throttled {
            self.send(TailMsg::Throttled(false))?;
        }
        if was_failing {
            self.send(TailMsg::Recovered)?;
        }
        Ok(())
    }
}

/// `backoff_min` doubled per consecutive failure, capped at `backoff_max`.
pub(super) fn backoff(opts: &TailOptions, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    opts.backoff_min
        .saturating_mul(1 << doublings)
        .min(opts.backoff_max)
        .max(opts.backoff_min.min(opts.backoff_max))
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
