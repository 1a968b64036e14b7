//! The bounded buffer of log lines a pane reads.
//!
//! A chatty service must not grow memory without limit, so the ring holds at most
//! `capacity` lines ordered by timestamp and forgets the oldest. Lines mostly arrive in
//! order; CloudWatch delivers some late (a few ms to seconds), and scrolling up loads older
//! history in front.

use std::collections::VecDeque;

use crate::domain::sanitize::{self, Level};
use crate::logs::LogEvent;

/// One stored event: sanitized text (may contain '\n' for multi-line events), its time,
/// where it came from, its level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Event time, milliseconds since the epoch.
    pub timestamp: i64,
    /// Index into the pane's list of sources (task/container).
    pub source: u16,
    pub level: Level,
    pub text: String,
}

impl Line {
    /// Sanitizes the message for the screen and guesses its level from the clean text, so
    /// colour codes around `ERROR` do not hide it.
    pub fn from_event(e: &LogEvent, source: u16) -> Line {
        let text = sanitize::for_screen(&e.message);
        Line {
            timestamp: e.timestamp,
            source,
            level: sanitize::level(&text),
            text,
        }
    }
}

/// Bounded and ordered by timestamp; lines with equal timestamps keep arrival order.
///
/// Every line offered (`push`, `extend_front`) is counted in `total_pushed`; every line not
/// kept for lack of room is counted in `dropped`, so `dropped + len == total_pushed` until
/// `clear`. When full, the oldest lines go; history loaded in front never evicts newer
/// lines, the loaded lines that do not fit are the ones dropped.
#[derive(Debug, Clone)]
pub struct Ring {
    lines: VecDeque<Line>,
    capacity: usize,
    dropped: u64,
    total_pushed: u64,
    bytes: usize,
}

impl Default for Ring {
    fn default() -> Ring {
        Ring::new(Ring::DEFAULT_CAPACITY)
    }
}

impl Ring {
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// A ring of at most `capacity` lines; 0 is taken as 1 (a ring that holds nothing
    /// would silently show nothing). Memory grows with use, not up front.
    pub fn new(capacity: usize) -> Ring {
        Ring {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            total_pushed: 0,
            bytes: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Adds a new line: at the back when in order, else at its place by timestamp.
    pub fn push(&mut self, line: Line) {
        self.total_pushed += 1;
        self.insert(line);
    }

    /// Adds older history (as loaded on scroll-up, sorted ascending) in front. Lines that
    /// are not older than the oldest kept are placed like late lines; if the ring fills,
    /// the oldest loaded lines are dropped rather than any newer one.
    pub fn extend_front(&mut self, mut older: Vec<Line>) {
        self.total_pushed += older.len() as u64;
        // Cheap to check; a caller's mistake must not break the ordering.
        if !older.is_sorted_by_key(|l| l.timestamp) {
            older.sort_by_key(|l| l.timestamp);
        }
        if let Some(front) = self.oldest_timestamp() {
            let overlap = older.partition_point(|l| l.timestamp <= front);
            for line in older.split_off(overlap) {
                self.insert(line);
            }
        }
        let room = self.capacity - self.lines.len();
        let skip = older.len().saturating_sub(room);
        self.dropped += skip as u64;
        for line in older.into_iter().skip(skip).rev() {
            self.bytes += line.text.len();
            self.room_for_one();
            self.lines.push_front(line);
        }
    }

    /// Line `i`, 0 being the oldest kept.
    pub fn get(&self, i: usize) -> Option<&Line> {
        self.lines.get(i)
    }

    /// Oldest to newest.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Line> + ExactSizeIterator {
        self.lines.iter()
    }

    /// Lines `start..end`, clamped to what is kept.
    pub fn range(&self, start: usize, end: usize) -> impl Iterator<Item = &Line> {
        let end = end.min(self.lines.len());
        self.lines.range(start.min(end)..end)
    }

    /// Lines evicted (or not taken in) for lack of room since the last `clear`.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Every line ever offered; it only grows (also across `clear`), so "N new lines"
    /// counters can keep a mark and subtract.
    pub fn total_pushed(&self) -> u64 {
        self.total_pushed
    }

    pub fn oldest_timestamp(&self) -> Option<i64> {
        self.lines.front().map(|l| l.timestamp)
    }

    pub fn newest_timestamp(&self) -> Option<i64> {
        self.lines.back().map(|l| l.timestamp)
    }

    /// Forgets every line and the dropped count, and gives the memory back.
    pub fn clear(&mut self) {
        self.lines = VecDeque::new();
        self.bytes = 0;
        self.dropped = 0;
    }

    /// Text bytes held, for the memory figure.
    pub fn approx_bytes(&self) -> usize {
        self.bytes
    }

    /// Grows the deque as `VecDeque` would (doubling) but never past what the ring holds
    /// (plus the one line held while the oldest is evicted): a full 100,000-line ring
    /// takes 100,001 slots, not the 131,072 doubling would reach.
    fn room_for_one(&mut self) {
        let (len, allocated) = (self.lines.len(), self.lines.capacity());
        if len == allocated {
            let most = self.capacity + 1;
            self.lines
                .reserve_exact(allocated.max(64).min(most.saturating_sub(len).max(1)));
        }
    }

    /// Places an already counted line and evicts the oldest when over capacity.
    fn insert(&mut self, line: Line) {
        self.room_for_one();
        let in_order = self
            .newest_timestamp()
            .is_none_or(|newest| line.timestamp >= newest);
        if in_order {
            self.bytes += line.text.len();
            self.lines.push_back(line);
        } else {
            // After any equal timestamps, so they keep arrival order. VecDeque::insert
            // moves the shorter side: a slightly late line costs its distance from the back.
            let at = self
                .lines
                .partition_point(|l| l.timestamp <= line.timestamp);
            if at == 0 && self.lines.len() == self.capacity {
                // It would be the oldest line, the very one to evict.
                self.dropped += 1;
                return;
            }
            self.bytes += line.text.len();
            self.lines.insert(at, line);
        }
        if self.lines.len() > self.capacity
            && let Some(oldest) = self.lines.pop_front()
        {
            self.bytes -= oldest.text.len();
            self.dropped += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(timestamp: i64, text: &str) -> Line {
        Line {
            timestamp,
            source: 0,
            level: Level::None,
            text: text.to_owned(),
        }
    }

    fn texts(ring: &Ring) -> Vec<&str> {
        ring.iter().map(|l| l.text.as_str()).collect()
    }

    fn event(timestamp: i64, message: &str) -> LogEvent {
        LogEvent {
            timestamp,
            ingestion_time: 0,
            event_id: None,
            group: "/ecs/web".to_owned(),
            stream: "web/app/1".to_owned(),
            message: message.to_owned(),
        }
    }

    #[test]
    fn from_event_sanitizes_and_sets_the_level() {
        let l = Line::from_event(&event(7, "\x1b[31mERROR\x1b[0m\tboom\r\n"), 3);
        assert_eq!(l.text, "ERROR   boom");
        assert_eq!(l.level, Level::Error);
        assert_eq!((l.timestamp, l.source), (7, 3));
    }

    #[test]
    fn a_stack_trace_stays_one_line() {
        let trace =
            "java.lang.IllegalStateException: closed\n\tat A.b(A.java:1)\n\tat C.d(C.java:2)\n";
        let mut ring = Ring::new(10);
        ring.push(Line::from_event(&event(1, trace), 0));
        assert_eq!(ring.len(), 1);
        assert_eq!(ring.get(0).map(|l| l.text.lines().count()), Some(3));
        assert_eq!(ring.get(0).map(|l| l.level), Some(Level::Error));
    }

    #[test]
    fn when_full_the_oldest_go_and_are_counted() {
        let mut ring = Ring::new(3);
        for (t, s) in [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e")] {
            ring.push(line(t, s));
        }
        assert_eq!(texts(&ring), ["c", "d", "e"]);
        assert_eq!((ring.dropped(), ring.total_pushed()), (2, 5));
        assert_eq!(
            (ring.oldest_timestamp(), ring.newest_timestamp()),
            (Some(3), Some(5))
        );
        assert_eq!(ring.approx_bytes(), 3);
    }

    #[test]
    fn a_late_line_goes_to_its_place_after_equal_timestamps() {
        let mut ring = Ring::new(10);
        for (t, s) in [(1, "a"), (3, "c1"), (3, "c2"), (5, "e")] {
            ring.push(line(t, s));
        }
        ring.push(line(3, "c3"));
        ring.push(line(2, "b"));
        ring.push(line(0, "first"));
        assert_eq!(texts(&ring), ["first", "a", "b", "c1", "c2", "c3", "e"]);
    }

    #[test]
    fn a_late_line_older_than_a_full_ring_is_dropped_not_stored() {
        let mut ring = Ring::new(2);
        ring.push(line(5, "x"));
        ring.push(line(6, "y"));
        ring.push(line(1, "old"));
        assert_eq!(texts(&ring), ["x", "y"]);
        ring.push(line(5, "x2"));
        assert_eq!(texts(&ring), ["x2", "y"]);
        assert_eq!((ring.dropped(), ring.total_pushed()), (2, 4));
    }

    #[test]
    fn history_goes_in_front_and_what_does_not_fit_is_dropped() {
        let mut ring = Ring::new(4);
        ring.push(line(10, "j"));
        ring.push(line(11, "k"));
        ring.extend_front(vec![
            line(1, "a"),
            line(2, "b"),
            line(3, "c"),
            line(10, "j0"),
        ]);
        assert_eq!(texts(&ring), ["c", "j0", "j", "k"]);
        assert_eq!((ring.dropped(), ring.total_pushed()), (2, 6));
    }

    #[test]
    fn history_into_a_full_ring_evicts_nothing_newer() {
        let mut ring = Ring::new(2);
        ring.push(line(10, "j"));
        ring.push(line(11, "k"));
        ring.extend_front(vec![line(1, "a"), line(2, "b")]);
        assert_eq!(texts(&ring), ["j", "k"]);
        assert_eq!((ring.dropped(), ring.total_pushed()), (2, 4));
    }

    #[test]
    fn history_that_overlaps_is_placed_by_timestamp() {
        let mut ring = Ring::new(10);
        ring.push(line(5, "e"));
        ring.push(line(9, "i"));
        ring.extend_front(vec![line(7, "g"), line(1, "a")]);
        assert_eq!(texts(&ring), ["a", "e", "g", "i"]);
    }

    #[test]
    fn range_is_clamped_and_iter_runs_both_ways() {
        let mut ring = Ring::new(10);
        for t in 0..5 {
            ring.push(line(t, &t.to_string()));
        }
        let r: Vec<_> = ring.range(3, 99).map(|l| l.timestamp).collect();
        assert_eq!(r, [3, 4]);
        assert_eq!(ring.range(7, 2).count(), 0);
        assert_eq!(ring.iter().next_back().map(|l| l.timestamp), Some(4));
        assert_eq!(ring.iter().len(), 5);
        assert_eq!(ring.get(5), None);
    }

    #[test]
    fn clear_forgets_lines_but_not_the_total() {
        let mut ring = Ring::new(2);
        for t in 0..5 {
            ring.push(line(t, "xyz"));
        }
        ring.clear();
        assert!(ring.is_empty());
        assert_eq!(
            (ring.dropped(), ring.total_pushed(), ring.approx_bytes()),
            (0, 5, 0)
        );
        assert_eq!(ring.oldest_timestamp(), None);
    }

    #[test]
    fn zero_capacity_means_one() {
        let mut ring = Ring::new(0);
        ring.push(line(1, "a"));
        ring.push(line(2, "b"));
        assert_eq!((ring.capacity(), texts(&ring)), (1, vec!["b"]));
        assert_eq!(Ring::default().capacity(), Ring::DEFAULT_CAPACITY);
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(i64),
        Front(Vec<i64>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0i64..60).prop_map(Op::Push),
            1 => prop::collection::vec(0i64..60, 0..8).prop_map(|mut v| {
                v.sort_unstable();
                Op::Front(v)
            }),
        ]
    }

    proptest! {
        #[test]
        fn ring_stays_bounded_ordered_and_keeps_the_newest(
            capacity in 1usize..12,
            ops in prop::collection::vec(op(), 0..80),
        ) {
            let mut ring = Ring::new(capacity);
            let mut accepted: Vec<i64> = Vec::new();
            let mut serial = 0u32;
            for op in ops {
                match op {
                    Op::Push(t) => {
                        serial += 1;
                        ring.push(line(t, &serial.to_string()));
                        accepted.push(t);
                    }
                    Op::Front(ts) => {
                        accepted.extend(&ts);
                        ring.extend_front(ts.iter().map(|t| line(*t, "h")).collect());
                    }
                }
                prop_assert!(ring.len() <= capacity);
                let kept: Vec<i64> = ring.iter().map(|l| l.timestamp).collect();
                prop_assert!(kept.is_sorted());
                prop_assert_eq!(ring.dropped() + ring.len() as u64, accepted.len() as u64);
                prop_assert_eq!(ring.total_pushed(), accepted.len() as u64);
                // What is kept is the newest of everything accepted.
                let mut all = accepted.clone();
                all.sort_unstable();
                prop_assert_eq!(&kept[..], &all[all.len() - kept.len()..]);
                prop_assert_eq!(kept.len(), capacity.min(accepted.len()));
                let bytes: usize = ring.iter().map(|l| l.text.len()).sum();
                prop_assert_eq!(ring.approx_bytes(), bytes);
            }
        }

        #[test]
        fn pushes_keep_exactly_the_newest_in_arrival_order(
            capacity in 1usize..12,
            stamps in prop::collection::vec(0i64..30, 0..80),
        ) {
            let mut ring = Ring::new(capacity);
            for (serial, t) in stamps.iter().enumerate() {
                ring.push(line(*t, &serial.to_string()));
            }
            // Stable sort: equal timestamps stay in arrival order.
            let mut expected: Vec<(i64, String)> =
                stamps.iter().enumerate().map(|(i, t)| (*t, i.to_string())).collect();
            expected.sort_by_key(|(t, _)| *t);
            let expected = &expected[expected.len().saturating_sub(capacity)..];
            let kept: Vec<(i64, String)> =
                ring.iter().map(|l| (l.timestamp, l.text.clone())).collect();
            prop_assert_eq!(&kept[..], expected);
        }
    }

    /// A full ring holds no more slots than its lines (plus the one being evicted), not
    /// what doubling would have reached.
    #[test]
    fn a_full_ring_allocates_only_its_capacity() {
        let mut ring = Ring::new(1_000);
        for t in 0..5_000 {
            ring.push(line(t, "x"));
        }
        assert_eq!(ring.len(), 1_000);
        assert!(ring.lines.capacity() <= 1_001, "{}", ring.lines.capacity());
        let mut ring = Ring::new(1_000);
        ring.extend_front((0..3_000).map(|t| line(t, "x")).collect());
        assert!(ring.lines.capacity() <= 1_001, "{}", ring.lines.capacity());
    }
}
