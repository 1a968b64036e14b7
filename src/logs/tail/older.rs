//! Loading older events on request (scrolling up past the top). FilterLogEvents reads
//! forward in time only, so the newest events before a point are found by reading windows
//! backwards, each four times wider than the last: a busy service is answered from its
//! last seconds, a quiet one from its last hours. A window that turns out to hold too many
//! pages is dropped for a narrower one instead of being read to the end.

use crate::logs::LogEvent;

use super::TailMsg;
use super::engine::{Engine, GroupKey, STREAMS_PER_CALL, Step};

const FIRST_WINDOW_MS: i64 = 10_000;
const GROWTH: i64 = 4;
/// How far back the search goes before saying there is nothing older.
const MAX_SPAN_MS: i64 = 30 * 24 * 3600 * 1000;
/// Pages one query of a window may take before the window is narrowed.
const MAX_PAGES: usize = 4;

impl Engine {
    pub(super) async fn load_older(&mut self, before_ms: i64) -> Step {
        let floor = before_ms.saturating_sub(MAX_SPAN_MS);
        let target = self.opts.older_batch.max(1);
        let mut end = before_ms.saturating_sub(1);
        let mut width = FIRST_WINDOW_MS;
        let mut found: Vec<LogEvent> = Vec::new();
        loop {
            let start = end.saturating_sub(width - 1).max(floor);
            let Some(events) = self.window(start, end).await? else {
                width = (width / (GROWTH * 2)).max(1);
                continue;
            };
            found.extend(events);
            if found.len() >= target {
                let events = newest_whole_milliseconds(found, target);
                return self.send(TailMsg::Older { events, more: true });
            }
            if start <= floor {
                found.sort_by_key(|e| e.timestamp);
                return self.send(TailMsg::Older {
                    events: found,
                    more: false,
                });
            }
            end = start - 1;
            width = width.saturating_mul(GROWTH);
        }
    }

    /// Every event of `[start, end]` of every stream, or `None` when a query needs more
    /// than `MAX_PAGES` pages and the window can still be narrowed.
    async fn window(&mut self, start: i64, end: i64) -> Step<Option<Vec<LogEvent>>> {
        let mut events = Vec::new();
        let keys: Vec<GroupKey> = self.groups.keys().cloned().collect();
        for key in keys {
            let streams = self
                .groups
                .get(&key)
                .map(|g| g.streams.clone())
                .unwrap_or_default();
            for chunk in streams.chunks(STREAMS_PER_CALL) {
                let mut query = self.query(&key, chunk, start, Some(end));
                let mut pages = 0;
                loop {
                    let Some(page) = self.page(&key, &query).await? else {
                        break;
                    };
                    pages += 1;
                    events.extend(page.events);
                    if page.next_token.is_none() || page.next_token == query.next_token {
                        break;
                    }
                    if pages >= MAX_PAGES && end > start {
                        return Ok(None);
                    }
                    query.next_token = page.next_token;
                }
            }
        }
        Ok(Some(events))
    }
}

/// About the newest `target` events, sorted ascending, cut between two milliseconds: the
/// next request starts before the oldest event returned, so a millisecond cut in half
/// would lose its older half.
fn newest_whole_milliseconds(mut events: Vec<LogEvent>, target: usize) -> Vec<LogEvent> {
    events.sort_by_key(|e| e.timestamp);
    if events.len() <= target {
        return events;
    }
    let cut = events[events.len() - target - 1].timestamp;
    let newest = events.last().map_or(cut, |e| e.timestamp);
    let keep_from = if newest > cut { cut + 1 } else { newest };
    events.retain(|e| e.timestamp >= keep_from);
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ts: &[i64]) -> Vec<LogEvent> {
        ts.iter()
            .map(|&t| LogEvent {
                timestamp: t,
                ingestion_time: t,
                event_id: Some(t.to_string()),
                group: "g".into(),
                stream: "s".into(),
                message: format!("m{t}"),
            })
            .collect()
    }

    fn times(events: &[LogEvent]) -> Vec<i64> {
        events.iter().map(|e| e.timestamp).collect()
    }

    #[test]
    fn keeps_the_newest_and_never_splits_a_millisecond() {
        assert_eq!(
            times(&newest_whole_milliseconds(at(&[5, 1, 3]), 5)),
            [1, 3, 5]
        );
        assert_eq!(
            times(&newest_whole_milliseconds(at(&[1, 2, 3, 4]), 2)),
            [3, 4]
        );
        // 2 of the 3 events at ms 3 would fit: all three go to the next request instead.
        assert_eq!(
            times(&newest_whole_milliseconds(at(&[1, 3, 3, 3, 4]), 3)),
            [4]
        );
        // One millisecond holding more than the target is returned whole.
        assert_eq!(
            times(&newest_whole_milliseconds(at(&[1, 7, 7, 7]), 2)),
            [7, 7, 7]
        );
    }
}
