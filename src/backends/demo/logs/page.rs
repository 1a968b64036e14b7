//! FilterLogEvents over generated streams: events sorted by (timestamp, stream, seq),
//! cut into pages by `limit`, and continued by a token that names the last event
//! returned (or the second to resume scanning from). Keys only grow, so following the
//! tokens yields every event of the window exactly once, whatever arrives in between.
//!
//! Like CloudWatch, one call scans a bounded stretch of the window and may answer with
//! few or no events and a token: callers follow tokens to the end.

use super::generate::{Event, Stream};
use super::pattern::Pattern;
use crate::logs::{FilterPage, LogEvent};

/// Seconds of the window generated at a time.
const CHUNK_SECS: i64 = 60;
/// Stream-seconds one call may scan before it answers with a token.
const SCAN_BUDGET: i64 = 50_000;
pub(super) const MAX_LIMIT: usize = 10_000;

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cursor {
    /// Every event at or after this millisecond.
    From(i64),
    /// Every event after this one, in (timestamp, stream, seq) order.
    After { ts: i64, seq: u32, stream: String },
}

impl Cursor {
    pub fn token(&self) -> String {
        match self {
            Cursor::From(ms) => format!("f.{ms}"),
            Cursor::After { ts, seq, stream } => format!("a.{ts}.{seq}.{stream}"),
        }
    }

    pub fn parse(token: &str) -> Option<Cursor> {
        let mut parts = token.splitn(4, '.');
        match (parts.next()?, parts.next()?) {
            ("f", ms) if parts.next().is_none() => ms.parse().ok().map(Cursor::From),
            ("a", ts) => Some(Cursor::After {
                ts: ts.parse().ok()?,
                seq: parts.next()?.parse().ok()?,
                stream: parts.next()?.to_owned(),
            }),
            _ => None,
        }
    }

    fn start_ms(&self) -> i64 {
        match self {
            Cursor::From(ms) => *ms,
            Cursor::After { ts, .. } => *ts,
        }
    }

    fn admits(&self, ts: i64, stream: &str, seq: u32) -> bool {
        match self {
            Cursor::From(ms) => ts >= *ms,
            Cursor::After {
                ts: t,
                seq: s,
                stream: name,
            } => (ts, stream, seq) > (*t, name.as_str(), *s),
        }
    }
}

/// What one call asks for, already checked.
pub(super) struct PageQuery<'a> {
    pub start_ms: i64,
    /// Inclusive, as CloudWatch's endTime.
    pub end_ms: Option<i64>,
    pub pattern: &'a Pattern,
    pub cursor: Cursor,
    pub limit: usize,
    /// Events not yet ingested at this moment do not exist yet.
    pub now_ms: i64,
}

pub(super) fn page(streams: &[Stream], q: &PageQuery<'_>) -> FilterPage {
    let window_end = q.end_ms.unwrap_or(i64::MAX).min(q.now_ms);
    let first_ms = q.cursor.start_ms().max(q.start_ms);
    let last_sec = window_end.div_euclid(1000);
    let mut sec = first_ms.div_euclid(1000);
    let mut budget = SCAN_BUDGET;
    let mut events: Vec<LogEvent> = Vec::new();
    while sec <= last_sec {
        let chunk_end = (sec + CHUNK_SECS - 1).min(last_sec);
        let alive: Vec<&Stream> = streams
            .iter()
            .filter(|s| (sec..=chunk_end).any(|x| s.alive_in(x)))
            .collect();
        if alive.is_empty() {
            // Jump over the silence to the next stream that starts.
            match streams
                .iter()
                .map(|s| s.span().0.div_euclid(1000))
                .filter(|start| *start > chunk_end)
                .min()
            {
                Some(next) => {
                    sec = next;
                    continue;
                }
                None => break,
            }
        }
        let mut found: Vec<(&Stream, Event)> = Vec::new();
        for s in &alive {
            for x in (sec..=chunk_end).filter(|x| s.alive_in(*x)) {
                for e in s.second(x) {
                    let wanted = e.ts >= q.start_ms
                        && e.ts <= window_end
                        && q.cursor.admits(e.ts, &s.ctx.name, e.seq)
                        && s.ingestion(e.ts) <= q.now_ms
                        && q.pattern.matches(&e.message);
                    if wanted {
                        found.push((s, e));
                    }
                }
            }
        }
        found.sort_by(|(a, x), (b, y)| (x.ts, &a.ctx.name, x.seq).cmp(&(y.ts, &b.ctx.name, y.seq)));
        for (s, e) in found {
            let cursor = Cursor::After {
                ts: e.ts,
                seq: e.seq,
                stream: s.ctx.name.clone(),
            };
            events.push(s.to_log_event(e));
            if events.len() >= q.limit {
                return FilterPage {
                    events,
                    next_token: Some(cursor.token()),
                };
            }
        }
        let width = chunk_end - sec + 1;
        budget -= width * i64::try_from(alive.len()).unwrap_or(i64::MAX / 2);
        sec = chunk_end + 1;
        if budget <= 0 && sec <= last_sec {
            return FilterPage {
                events,
                next_token: Some(Cursor::From(sec * 1000).token()),
            };
        }
    }
    FilterPage {
        events,
        next_token: None,
    }
}
