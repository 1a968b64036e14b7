//! What one log group has already shown, so that no line is shown twice.
//!
//! Polls overlap on purpose (each starts at the newest timestamp seen, or further back to
//! catch late events), so FilterLogEvents answers repeat: those repeats carry an eventId.
//! Live Tail events carry none, so across a switch between Live Tail and polling an event
//! is recognised by its content (stream, timestamp, message). Two different events may
//! have the same content (a program logging the same line twice in a millisecond): content
//! is therefore counted, not just remembered, and a polled event only cancels a live one
//! (and the other way round) one for one.
//!
//! Memory is bounded: entries leave once they are older than the retention both by event
//! time (relative to the newest event) and by when they were seen, or when there are more
//! than `cap` of them. Polls never reach further back than the late window, which is kept
//! shorter than the retention.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use tokio::time::Instant;

use crate::logs::LogEvent;

#[derive(Debug)]
pub(super) struct Seen {
    ids: HashSet<u64>,
    unmatched: HashMap<u64, Unmatched>,
    order: VecDeque<Entry>,
    retention: Duration,
    cap: usize,
}

/// Events of one content shown by one transport and not (yet) met on the other.
#[derive(Debug, Default)]
struct Unmatched {
    polled: u32,
    live: u32,
}

#[derive(Debug)]
struct Entry {
    seen_at: Instant,
    timestamp: i64,
    id: Option<u64>,
    content: u64,
    origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Polled,
    Live,
    /// Already shown by the other transport: counts nothing.
    Matched,
}

impl Seen {
    pub(super) fn new(retention: Duration, cap: usize) -> Self {
        Seen {
            ids: HashSet::new(),
            unmatched: HashMap::new(),
            order: VecDeque::new(),
            retention,
            cap: cap.max(1),
        }
    }

    /// An event FilterLogEvents returned: true when it is new and must be shown.
    pub(super) fn polled(&mut self, event: &LogEvent, now: Instant) -> bool {
        let content = content_key(event);
        let id = event.event_id.as_deref().map(hash_of);
        match id {
            Some(id) if !self.ids.insert(id) => return false,
            Some(_) => {}
            // Without an eventId a repeat cannot be told from a twin: treat it as a repeat.
            None if self.unmatched.get(&content).is_some_and(|u| u.polled > 0) => return false,
            None => {}
        }
        let unmatched = self.unmatched.entry(content).or_default();
        let origin = if unmatched.live > 0 {
            unmatched.live -= 1;
            Origin::Matched
        } else {
            unmatched.polled += 1;
            Origin::Polled
        };
        self.order.push_back(Entry {
            seen_at: now,
            timestamp: event.timestamp,
            id,
            content,
            origin,
        });
        origin == Origin::Polled
    }

    /// An event Live Tail delivered: true when it is new and must be shown.
    pub(super) fn live(&mut self, event: &LogEvent, now: Instant) -> bool {
        let content = content_key(event);
        let unmatched = self.unmatched.entry(content).or_default();
        if unmatched.polled > 0 {
            unmatched.polled -= 1;
            return false;
        }
        unmatched.live += 1;
        self.order.push_back(Entry {
            seen_at: now,
            timestamp: event.timestamp,
            id: None,
            content,
            origin: Origin::Live,
        });
        true
    }

    /// Forgets what no poll can return again: events older than the retention both by
    /// event time (before `newest - retention`) and by when they were seen.
    pub(super) fn prune(&mut self, newest: i64, now: Instant) {
        let horizon = newest.saturating_sub(millis(self.retention));
        while let Some(front) = self.order.front() {
            let expired = front.seen_at + self.retention <= now && front.timestamp < horizon;
            if !expired && self.order.len() <= self.cap {
                break;
            }
            let Some(entry) = self.order.pop_front() else {
                break;
            };
            self.forget(&entry);
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    fn forget(&mut self, entry: &Entry) {
        if let Some(id) = entry.id {
            self.ids.remove(&id);
        }
        if let Some(unmatched) = self.unmatched.get_mut(&entry.content) {
            match entry.origin {
                Origin::Polled => unmatched.polled = unmatched.polled.saturating_sub(1),
                Origin::Live => unmatched.live = unmatched.live.saturating_sub(1),
                Origin::Matched => {}
            }
            if unmatched.polled == 0 && unmatched.live == 0 {
                self.unmatched.remove(&entry.content);
            }
        }
    }
}

pub(super) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// 64-bit digests instead of the strings: a 200-byte line costs 8 bytes to remember, and
/// the chance of a collision among half a million remembered events is below 10^-8.
fn hash_of(value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

fn content_key(event: &LogEvent) -> u64 {
    let mut h = DefaultHasher::new();
    event.stream.hash(&mut h);
    event.timestamp.hash(&mut h);
    event.message.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: Option<&str>, ts: i64, message: &str) -> LogEvent {
        LogEvent {
            timestamp: ts,
            ingestion_time: ts,
            event_id: id.map(str::to_owned),
            group: "g".into(),
            stream: "app/web/t1".into(),
            message: message.into(),
        }
    }

    fn seen() -> Seen {
        Seen::new(Duration::from_secs(300), 1000)
    }

    #[tokio::test(start_paused = true)]
    async fn polled_repeats_are_dropped_by_event_id() {
        let mut s = seen();
        let now = Instant::now();
        assert!(s.polled(&event(Some("1"), 10, "a"), now));
        assert!(!s.polled(&event(Some("1"), 10, "a"), now));
        // The same content under another id is another event (a line logged twice).
        assert!(s.polled(&event(Some("2"), 10, "a"), now));
    }

    #[tokio::test(start_paused = true)]
    async fn live_then_polled_is_shown_once_per_event() {
        let mut s = seen();
        let now = Instant::now();
        assert!(s.live(&event(None, 10, "a"), now));
        assert!(s.live(&event(None, 10, "a"), now), "a twin line");
        assert!(!s.polled(&event(Some("1"), 10, "a"), now));
        assert!(!s.polled(&event(Some("2"), 10, "a"), now));
        assert!(s.polled(&event(Some("3"), 10, "a"), now), "a third twin");
        assert!(!s.polled(&event(Some("1"), 10, "a"), now), "repeat by id");
    }

    #[tokio::test(start_paused = true)]
    async fn polled_then_live_is_shown_once_per_event() {
        let mut s = seen();
        let now = Instant::now();
        assert!(s.polled(&event(Some("1"), 10, "a"), now));
        assert!(!s.live(&event(None, 10, "a"), now));
        assert!(s.live(&event(None, 10, "a"), now), "not polled: new");
        assert!(s.live(&event(None, 11, "a"), now));
    }

    #[tokio::test(start_paused = true)]
    async fn events_without_ids_fall_back_to_content() {
        let mut s = seen();
        let now = Instant::now();
        assert!(s.polled(&event(None, 10, "a"), now));
        assert!(!s.polled(&event(None, 10, "a"), now));
        assert!(s.polled(&event(None, 10, "b"), now));
    }

    #[tokio::test(start_paused = true)]
    async fn old_entries_are_forgotten_only_when_old_in_both_clocks() {
        let mut s = seen();
        let start = Instant::now();
        assert!(s.polled(&event(Some("1"), 1_000, "a"), start));
        // Old by event time but just seen: kept (a replay of history may still come).
        s.prune(1_000_000, start);
        assert_eq!(s.len(), 1);
        tokio::time::advance(Duration::from_secs(301)).await;
        // Seen long ago but recent by event time: kept (a poll may still return it).
        s.prune(1_000 + 299_000, Instant::now());
        assert_eq!(s.len(), 1);
        s.prune(1_000 + 301_000, Instant::now());
        assert_eq!(s.len(), 0);
        assert!(s.polled(&event(Some("1"), 1_000, "a"), Instant::now()));
    }

    #[tokio::test(start_paused = true)]
    async fn the_cap_bounds_memory() {
        let mut s = Seen::new(Duration::from_secs(300), 10);
        let now = Instant::now();
        for i in 0..25 {
            assert!(s.polled(&event(Some(&i.to_string()), i, "x"), now));
        }
        s.prune(25, now);
        assert_eq!(s.len(), 10);
        assert!(
            !s.polled(&event(Some("24"), 24, "x"), now),
            "the newest are kept"
        );
    }
}
