//! Events of one stream, one epoch second at a time, as a pure function of the seed, the
//! stream and the second: nothing is stored, any window can be generated again and comes
//! out the same. A second's events are its scripted lines plus a Poisson-distributed
//! number of steady-state lines, sorted by time; `seq` numbers them within the second.
//!
//! Every draw for a second happens whether or not its event survives the cut at a stream's
//! start, drain or end, so learning how a stream ends never changes its earlier lines.

use fastrand::Rng;

use super::super::ids::{mix, rng_for, salt};
use super::lines::{Kind, regular};
use super::scripts::{Script, script};
use super::streams::StreamCtx;
use crate::logs::LogEvent;

/// Steady-state lines one stream can write in one second, however busy.
pub(super) const MAX_REGULAR_PER_SECOND: usize = 12;
/// The awslogs driver ships a stream's lines in batches: an event reaches CloudWatch at
/// the stream's next flush at least this long after it was written...
const MIN_INGEST_DELAY_MS: i64 = 200;
const FLUSH_EVERY_MS: i64 = 1_000;
const FLUSH_JITTER_MS: u64 = 150;
/// ...so never later than this.
pub(super) const MAX_INGEST_DELAY_MS: i64 =
    MIN_INGEST_DELAY_MS + FLUSH_EVERY_MS + FLUSH_JITTER_MS as i64;
/// Share of requests still logged while a task drains from its load balancer.
const DRAINING_KEEP: f64 = 0.03;

const DRAW_SCRIPT: u64 = 0x5c41_7074;
const DRAW_SECOND: u64 = 0x5ec0_4d00;
const DRAW_LOAD: u64 = 0x10ad_0000;

/// One generated event before it is dressed as a `LogEvent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Event {
    pub ts: i64,
    pub seq: u32,
    pub message: String,
}

/// A stream ready to generate: its context and its scripted lines.
#[derive(Debug, Clone)]
pub(super) struct Stream {
    pub ctx: StreamCtx,
    script: Script,
    seed: u64,
    group_salt: u64,
}

impl Stream {
    pub fn new(ctx: StreamCtx, seed: u64) -> Stream {
        let mut rng = rng_for(seed, DRAW_SCRIPT ^ ctx.salt, 0);
        let script = script(&ctx, &mut rng);
        let group_salt = salt(&ctx.group);
        Stream {
            ctx,
            script,
            seed,
            group_salt,
        }
    }

    /// The first and last moments this stream can have events, as known now.
    pub fn span(&self) -> (i64, Option<i64>) {
        let last_scripted = self.script.lines.last().map(|(ms, _)| *ms);
        let end = match (self.script.regular_until, last_scripted) {
            (Some(until), Some(last)) => Some(until.max(last + 1)),
            (until, _) => until,
        };
        (self.ctx.start_ms, end)
    }

    /// Whether the stream may have events in epoch second `sec`.
    pub fn alive_in(&self, sec: i64) -> bool {
        let (start, end) = self.span();
        start.div_euclid(1000) <= sec && end.is_none_or(|e| e.div_euclid(1000) >= sec)
    }

    /// The events of epoch second `sec`, sorted by time.
    pub fn second(&self, sec: i64) -> Vec<Event> {
        let lo = sec * 1000;
        let hi = lo + 1000;
        let mut timed: Vec<(i64, String)> = self
            .script
            .lines
            .iter()
            .filter(|(ms, _)| (lo..hi).contains(ms))
            .cloned()
            .collect();
        timed.extend(self.regular(sec));
        // Stable: scripted lines stay ahead of steady-state lines in the same millisecond.
        timed.sort_by_key(|(ms, _)| *ms);
        timed
            .into_iter()
            .enumerate()
            .map(|(i, (ts, message))| Event {
                ts,
                seq: u32::try_from(i).unwrap_or(u32::MAX),
                message,
            })
            .collect()
    }

    fn regular(&self, sec: i64) -> Vec<(i64, String)> {
        let lo = sec * 1000;
        let from = self.script.regular_from;
        let until = self.script.regular_until.unwrap_or(i64::MAX);
        if lo + 1000 <= from || lo >= until {
            return Vec::new();
        }
        let index = u64::try_from(sec).unwrap_or(0);
        let mut rng = rng_for(self.seed, DRAW_SECOND ^ self.ctx.salt, index);
        let n = poisson(&mut rng, self.ctx.rate * self.load(sec)).min(MAX_REGULAR_PER_SECOND);
        let drain_from = self.ctx.drain_from_ms.unwrap_or(i64::MAX);
        let traffic = !matches!(self.ctx.kind, Kind::Datadog);
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let ms = lo + i64::from(rng.u32(..1000));
            let keep_draw = rng.f64();
            let message = regular(&self.ctx, &mut rng, ms);
            let draining = traffic && ms >= drain_from && keep_draw >= DRAINING_KEEP;
            if ms >= from && ms < until && !draining {
                out.push((ms, message));
            }
        }
        out
    }

    /// How busy the service is this minute: shared by all its tasks, so a spike shows
    /// across the service at once.
    fn load(&self, sec: i64) -> f64 {
        let minute = u64::try_from(sec.div_euclid(60)).unwrap_or(0);
        let mut rng = rng_for(self.seed, DRAW_LOAD ^ self.group_salt, minute);
        let base = 0.5 + rng.f64();
        if rng.u32(..40) == 0 { base * 2.0 } else { base }
    }

    /// When CloudWatch has the event at `ts`: the stream's next flush after the minimum
    /// delay. Monotonic within a stream, so a stream's events arrive in order.
    pub fn ingestion(&self, ts: i64) -> i64 {
        let phase = i64::try_from((self.ctx.salt >> 7) % 1000).unwrap_or(0);
        let flush = (ts + MIN_INGEST_DELAY_MS - phase).div_euclid(FLUSH_EVERY_MS) * FLUSH_EVERY_MS
            + FLUSH_EVERY_MS
            + phase;
        let jitter = mix(self.ctx.salt ^ flush.unsigned_abs()) % FLUSH_JITTER_MS;
        flush + i64::try_from(jitter).unwrap_or(0)
    }

    /// CloudWatch-style 56-digit event id, unique per stream, time and sequence.
    pub fn event_id(&self, e: &Event) -> String {
        format!("{:016}{:020}{:04}{:016}", e.ts, self.ctx.salt, e.seq, 0)
    }

    pub fn to_log_event(&self, e: Event) -> LogEvent {
        LogEvent {
            timestamp: e.ts,
            ingestion_time: self.ingestion(e.ts),
            event_id: Some(self.event_id(&e)),
            group: self.ctx.group.clone(),
            stream: self.ctx.name.clone(),
            message: e.message,
        }
    }
}

/// Knuth's method: fine for the small means used here.
fn poisson(rng: &mut Rng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = rng.f64();
    while p > limit && k < 64 {
        k += 1;
        p *= rng.f64();
    }
    k
}
