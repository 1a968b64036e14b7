//! Reading FilterLogEvents ranges: every page (nextToken to the end), through the budget,
//! retried with backoff, de-duplicated, and merged across groups so the events go out in
//! timestamp order.

use crate::domain::ErrorKind;
use crate::logs::{FilterPage, FilterQuery, LogEvent};

use super::TailMsg;
use super::engine::{Engine, GroupKey, Job, STREAMS_PER_CALL, Step};

/// One query being paged through.
struct Cursor {
    key: GroupKey,
    query: FilterQuery,
    done: bool,
    /// The newest event time this query has returned: FilterLogEvents answers in time
    /// order, so nothing it returns later is older.
    mark: i64,
}

impl Engine {
    /// Reads every job to its end, round-robin a page at a time; returns how many new
    /// events were sent.
    pub(super) async fn run_jobs(&mut self, jobs: Vec<Job>) -> Step<usize> {
        let mut cursors: Vec<Cursor> = jobs
            .iter()
            .flat_map(|job| {
                job.streams.chunks(STREAMS_PER_CALL).map(|streams| Cursor {
                    key: job.key.clone(),
                    query: self.query(&job.key, streams, job.start, job.end),
                    done: false,
                    mark: job.start.saturating_sub(1),
                })
            })
            .collect();
        let mut waiting: Vec<LogEvent> = Vec::new();
        let mut sent = 0;
        while cursors.iter().any(|c| !c.done) {
            for cursor in cursors.iter_mut().filter(|c| !c.done) {
                let Some(page) = self.page(&cursor.key, &cursor.query).await? else {
                    cursor.done = true;
                    continue;
                };
                if let Some(newest) = page.events.iter().map(|e| e.timestamp).max() {
                    cursor.mark = cursor.mark.max(newest);
                }
                // A token that does not move would page forever.
                cursor.done =
                    page.next_token.is_none() || page.next_token == cursor.query.next_token;
                cursor.query.next_token = page.next_token;
                waiting.extend(self.accept_polled(&cursor.key, page.events));
            }
            // Another group's next page may still hold older events than this one's: send
            // only what every unfinished query has already passed.
            let horizon = cursors.iter().filter(|c| !c.done).map(|c| c.mark).min();
            let ready = match horizon {
                Some(horizon) => {
                    let (ready, later) = waiting.into_iter().partition(|e| e.timestamp <= horizon);
                    waiting = later;
                    ready
                }
                None => std::mem::take(&mut waiting),
            };
            sent += self.emit(ready)?;
        }
        self.prune();
        Ok(sent)
    }

    pub(super) fn query(
        &self,
        key: &GroupKey,
        streams: &[String],
        start: i64,
        end: Option<i64>,
    ) -> FilterQuery {
        FilterQuery {
            region: key.0.clone(),
            group: key.1.clone(),
            streams: streams.to_vec(),
            start_ms: start,
            end_ms: end,
            pattern: self.req.pattern.clone(),
            next_token: None,
            limit: self.opts.page_limit,
        }
    }

    /// One page, waiting for the budget and retrying until it comes. `None` when the group
    /// does not exist (yet): reported once, and the rest of the tail goes on.
    pub(super) async fn page(
        &mut self,
        key: &GroupKey,
        query: &FilterQuery,
    ) -> Step<Option<FilterPage>> {
        loop {
            self.budget.acquire().await;
            match self.logs.filter_page(query).await {
                Ok(page) => {
                    self.recovered()?;
                    if let Some(group) = self.groups.get_mut(key) {
                        group.missing = false;
                    }
                    return Ok(Some(page));
                }
                Err(e) if e.kind == ErrorKind::NotFound => {
                    let group = self.groups.get_mut(key);
                    let first = group.is_some_and(|g| !std::mem::replace(&mut g.missing, true));
                    if first {
                        self.send(TailMsg::Error(e))?;
                    }
                    return Ok(None);
                }
                Err(e) => self.failed(e).await?,
            }
        }
    }
}
