//! The state of a logs pane: the ring of lines, where they come from, follow mode and the
//! scroll position, search, the client-side filter and display toggles. Pure: the tail
//! itself runs in the runtime and arrives here as `TailMsg`s.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use regex::Regex;

use crate::logs::LogEvent;
use crate::logs::ring::{Line, Ring};
use crate::logs::source::{LogScope, LogSource, SourceKind};
use crate::logs::tail::{TailMsg, TailRequest, Transport};

pub use super::streams::{Listing, Origin, PickGroup, Row, StreamPicker, Wanted};

/// A client-side regex, kept with the text the user typed.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub text: String,
    pub regex: Regex,
}

impl Pattern {
    /// Case-insensitive unless the text has an upper-case letter (smart case, as in less).
    pub fn new(text: &str) -> Result<Pattern, String> {
        let smart = if text.chars().any(char::is_uppercase) {
            text.to_string()
        } else {
            format!("(?i){text}")
        };
        Regex::new(&smart)
            .map(|regex| Pattern {
                text: text.to_string(),
                regex,
            })
            .map_err(|e| format!("not a valid regex: {}", first_line(&e.to_string())))
    }
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

#[derive(Debug)]
pub struct LogView {
    /// Identifies the running tail, so messages of a replaced tail are ignored.
    pub tail_id: u64,
    pub request: TailRequest,
    pub ring: Ring,
    pub sources: Vec<LogSource>,
    /// Stream name -> index into `labels`, the per-source colour and label.
    stream_source: HashMap<String, u16>,
    pub labels: Vec<String>,
    pub transport: Option<Transport>,
    pub throttled: bool,
    pub sampled: bool,
    pub history_done: bool,
    pub ended: bool,
    pub last_error: Option<String>,
    /// Following stopped on credentials or permissions: what it said and what to do.
    /// Cleared when requests work again (`r` tries at once).
    pub stopped: Option<String>,
    /// Pinned to the newest line.
    pub follow: bool,
    /// The selected line (ring index) when not following.
    pub selected: usize,
    /// The last line on screen when not following, so the selection moves within a
    /// still screen instead of the screen moving under it.
    pub view_end: usize,
    /// `ring.total_pushed()` when follow was paused: the difference is "new lines waiting".
    seen_total: u64,
    /// `ring.dropped()` last seen, to keep `selected` on its line when old lines go.
    seen_dropped: u64,
    pub wrap: bool,
    pub timestamps: bool,
    pub search: Option<Pattern>,
    /// Hides lines that do not match.
    pub grep: Option<Pattern>,
    pub loading_older: bool,
    pub more_older: bool,
    /// The stream picker, while open (`p`).
    pub picker: Option<StreamPicker>,
    /// What the pane tailed before a stream was picked.
    pub origin: Option<Origin>,
    /// The stream listing asked of AWS and not answered yet.
    pub listing: Option<Wanted>,
    /// Containers of the scope seen by earlier tails of this pane (a tail of one
    /// container reports only that one), so `c` can go on to the next.
    pub known_containers: Vec<String>,
}

/// Containers whose logs the pane cannot read by itself, as the pane tells them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElsewhereNote {
    /// `abcd1234/router`, or `router (3 tasks)` when several tasks say the same.
    pub who: String,
    pub reason: String,
    /// The group to pick a stream from (`p`), when one is known.
    pub group: Option<String>,
}

impl LogView {
    pub fn new(tail_id: u64, request: TailRequest, capacity: usize) -> LogView {
        LogView {
            tail_id,
            request,
            ring: Ring::new(capacity.max(1)),
            sources: Vec::new(),
            stream_source: HashMap::new(),
            labels: Vec::new(),
            transport: None,
            throttled: false,
            sampled: false,
            history_done: false,
            ended: false,
            last_error: None,
            stopped: None,
            follow: true,
            selected: 0,
            view_end: 0,
            seen_total: 0,
            seen_dropped: 0,
            wrap: false,
            timestamps: true,
            search: None,
            grep: None,
            loading_older: false,
            more_older: true,
            picker: None,
            origin: None,
            listing: None,
            known_containers: Vec::new(),
        }
    }

    /// The scope as breadcrumb text.
    pub fn title(&self) -> String {
        let what = match &self.request.scope {
            LogScope::Service { service, .. } => format!("service {service}"),
            LogScope::Task { task, .. } => format!("task {}", short_id(task)),
            LogScope::Container {
                task, container, ..
            } => format!("task {} / {container}", short_id(task)),
            LogScope::Streams { group, streams, .. } => match streams.as_slice() {
                [one] => format!("stream {one} of {group}"),
                many => format!("{} streams of {group}", many.len()),
            },
        };
        match &self.request.container {
            Some(c) => format!("{what} ({c})"),
            None => what,
        }
    }

    /// Lines that arrived since follow was paused.
    pub fn waiting(&self) -> u64 {
        if self.follow {
            0
        } else {
            self.ring.total_pushed().saturating_sub(self.seen_total)
        }
    }

    pub fn on_tail(&mut self, msg: TailMsg) {
        match msg {
            TailMsg::Sources(sources) => self.set_sources(sources),
            TailMsg::Events(events) => {
                for e in &events {
                    let source = self.source_of(e);
                    self.ring.push(Line::from_event(e, source));
                }
                self.keep_selection();
            }
            TailMsg::Older { events, more } => {
                let before = self.ring.len();
                let lines = events
                    .iter()
                    .map(|e| Line::from_event(e, self.source_of(e)))
                    .collect();
                self.ring.extend_front(lines);
                let added = self.ring.len().saturating_sub(before);
                if !self.follow {
                    self.selected += added;
                    self.view_end += added;
                }
                self.loading_older = false;
                self.more_older = more;
            }
            TailMsg::Transport(t) => self.transport = Some(t),
            TailMsg::Throttled(on) => self.throttled = on,
            TailMsg::Sampled { .. } => self.sampled = true,
            TailMsg::HistoryDone => self.history_done = true,
            TailMsg::Error(e) => self.last_error = Some(e.to_string()),
            TailMsg::Stopped(e) => {
                let hint = e.hint().map(|h| format!(": {h}")).unwrap_or_default();
                self.stopped = Some(format!(
                    "Stopped: {e}{hint}. r tries again now (it also tries every few seconds); nothing written meanwhile is lost."
                ));
            }
            TailMsg::Recovered => {
                self.stopped = None;
                self.last_error = None;
            }
            TailMsg::Ended => self.ended = true,
        }
    }

    fn set_sources(&mut self, sources: Vec<LogSource>) {
        for s in &sources {
            if let SourceKind::CloudWatch { stream, .. } = &s.kind
                && !self.stream_source.contains_key(stream)
            {
                // A stream named outright may belong to no known task: its name says most.
                let label = if s.task_id.is_empty() && s.container.is_empty() {
                    stream.clone()
                } else {
                    format!("{}/{}", short_id(&s.task_id), s.container)
                };
                let idx = match self.labels.iter().position(|l| *l == label) {
                    Some(i) => i,
                    None => {
                        self.labels.push(label);
                        self.labels.len() - 1
                    }
                };
                self.stream_source
                    .insert(stream.clone(), u16::try_from(idx).unwrap_or(u16::MAX));
            }
        }
        self.sources = sources;
    }

    fn source_of(&mut self, e: &LogEvent) -> u16 {
        if let Some(&i) = self.stream_source.get(&e.stream) {
            return i;
        }
        // A stream the sources did not name (a picked stream): label it by its name.
        let label = match crate::logs::source::parse_stream(&e.stream) {
            Some((_, container, task)) => format!("{}/{container}", short_id(task)),
            None => e.stream.clone(),
        };
        self.labels.push(label);
        let idx = u16::try_from(self.labels.len() - 1).unwrap_or(u16::MAX);
        self.stream_source.insert(e.stream.clone(), idx);
        idx
    }

    /// Keeps the selected line under the cursor when old lines are evicted.
    fn keep_selection(&mut self) {
        let dropped = self.ring.dropped();
        let gone = dropped.saturating_sub(self.seen_dropped);
        self.seen_dropped = dropped;
        if !self.follow {
            self.selected = self
                .selected
                .saturating_sub(usize::try_from(gone).unwrap_or(usize::MAX));
        }
    }

    /// Whether line `i` passes the client-side filter.
    pub fn visible(&self, line: &Line) -> bool {
        self.grep
            .as_ref()
            .is_none_or(|g| g.regex.is_match(&line.text))
    }

    /// The selected ring index (the newest visible line when following).
    pub fn selected_index(&self) -> Option<usize> {
        if self.ring.is_empty() {
            return None;
        }
        if self.follow {
            return (0..self.ring.len())
                .rev()
                .find(|&i| self.ring.get(i).is_some_and(|l| self.visible(l)));
        }
        Some(self.selected.min(self.ring.len() - 1))
    }

    fn pause(&mut self) {
        if self.follow {
            self.selected = self.selected_index().unwrap_or(0);
            self.view_end = self.ring.len().saturating_sub(1);
            self.follow = false;
            self.seen_total = self.ring.total_pushed();
        }
    }

    /// Scrolls the still screen (about `page` lines high) just enough to show the selection.
    fn reveal(&mut self, page: usize) {
        let page = page.max(1);
        if self.selected > self.view_end {
            self.view_end = self.selected;
        } else if self.selected + page <= self.view_end {
            self.view_end = (self.selected + page - 1).min(self.ring.len().saturating_sub(1));
        }
    }

    pub fn resume(&mut self) {
        self.follow = true;
    }

    /// Moves the selection by `delta` visible lines; moving past the newest resumes follow.
    /// Returns true when the top was passed (time to load older events).
    pub fn move_by(&mut self, delta: isize, page: usize) -> bool {
        let Some(start) = self.selected_index() else {
            return false;
        };
        self.pause();
        let mut i = start;
        let mut left = delta.unsigned_abs();
        let mut hit_top = false;
        while left > 0 {
            let next = if delta < 0 {
                match i.checked_sub(1) {
                    Some(n) => n,
                    None => {
                        hit_top = true;
                        break;
                    }
                }
            } else if i + 1 < self.ring.len() {
                i + 1
            } else {
                break;
            };
            i = next;
            if self.ring.get(i).is_some_and(|l| self.visible(l)) {
                left -= 1;
            }
        }
        self.selected = i;
        self.reveal(page);
        if delta > 0 && i + 1 >= self.ring.len() {
            self.resume();
        }
        hit_top && self.more_older && !self.loading_older
    }

    pub fn top(&mut self, page: usize) -> bool {
        self.pause();
        self.selected = 0;
        self.reveal(page);
        self.more_older && !self.loading_older
    }

    /// Jumps to the next (newer) or previous (older) line matching the search, the
    /// selected line itself included when `here` (a new search); false when none does.
    pub fn find(&mut self, forward: bool, here: bool, page: usize) -> bool {
        let Some(search) = &self.search else {
            return false;
        };
        let Some(start) = self.selected_index() else {
            return false;
        };
        let n = self.ring.len();
        let first = if here { 0 } else { 1 };
        let hit = (first..=n).map(|k| {
            if forward {
                (start + k) % n
            } else {
                (start + n - k % n) % n
            }
        });
        let found = hit.into_iter().find(|&i| {
            self.ring
                .get(i)
                .is_some_and(|l| self.visible(l) && search.regex.is_match(&l.text))
        });
        match found {
            Some(i) => {
                self.pause();
                self.selected = i;
                self.reveal(page);
                true
            }
            None => false,
        }
    }

    /// The oldest timestamp held, for loading what came before it.
    pub fn older_than(&mut self) -> Option<i64> {
        self.loading_older = true;
        self.ring.oldest_timestamp().or(Some(self.request.start_ms))
    }

    /// The selected line's text.
    pub fn selected_text(&self) -> Option<&str> {
        self.selected_index()
            .and_then(|i| self.ring.get(i))
            .map(|l| l.text.as_str())
    }

    /// Every visible line as text, for saving to a file.
    pub fn export(&self) -> String {
        let mut out = String::new();
        for l in self.ring.iter().filter(|l| self.visible(l)) {
            out.push_str(&timestamp(l.timestamp));
            out.push(' ');
            out.push_str(self.labels.get(usize::from(l.source)).map_or("-", |s| s));
            out.push(' ');
            out.push_str(&l.text);
            out.push('\n');
        }
        out
    }

    /// Containers of the scope whose logs the pane does not read, with the reason and the
    /// group to pick a stream from; tasks whose container says the same are one note.
    pub fn elsewhere(&self) -> Vec<ElsewhereNote> {
        let mut notes: Vec<(ElsewhereNote, &str, usize)> = Vec::new();
        for s in &self.sources {
            let SourceKind::Elsewhere { reason, group, .. } = &s.kind else {
                continue;
            };
            let group = group.as_ref().map(|(_, g)| g.clone());
            let same = notes.iter_mut().find(|(n, container, _)| {
                *container == s.container && n.reason == *reason && n.group == group
            });
            match same {
                Some((note, container, tasks)) => {
                    *tasks += 1;
                    note.who = format!("{container} ({tasks} tasks)");
                }
                None => notes.push((
                    ElsewhereNote {
                        who: format!("{}/{}", short_id(&s.task_id), s.container),
                        reason: reason.clone(),
                        group,
                    },
                    s.container.as_str(),
                    1,
                )),
            }
        }
        notes.into_iter().map(|(n, _, _)| n).collect()
    }

    /// The containers of the scope, for cycling the container filter: all → each in
    /// turn → all.
    pub fn containers(&self) -> Vec<String> {
        if matches!(self.request.scope, LogScope::Streams { .. }) {
            return Vec::new();
        }
        let mut names: Vec<String> = self
            .sources
            .iter()
            .map(|s| s.container.clone())
            .chain(self.known_containers.iter().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// The first 8 characters of a task id (or of an ARN's last part).
pub fn short_id(task: &str) -> &str {
    let id = crate::domain::model::arn_name(task);
    id.get(..8).unwrap_or(id)
}

/// `2026-11-21T03:00:01.123Z`.
pub fn timestamp(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

/// `--since` and `:since`: `10m`, `1h`, `2d` back from `now`, or an RFC 3339 time.
pub fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(d) = humantime::parse_duration(text) {
        let d = chrono::Duration::from_std(d).map_err(|_| format!("`{text}` is too long ago"))?;
        return now
            .checked_sub_signed(d)
            .ok_or_else(|| format!("`{text}` is too long ago"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "`{text}` is neither a duration (10m, 1h, 2d) nor a time (2026-11-21T03:00:00Z)"
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_takes_durations_and_times() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap();
        assert_eq!(
            parse_since("10m", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 21, 2, 50, 0).unwrap()
        );
        assert_eq!(
            parse_since("2026-11-20T00:00:00Z", now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
        );
        assert!(
            parse_since("yesterday-ish", now)
                .unwrap_err()
                .contains("neither")
        );
    }

    #[test]
    fn smart_case_patterns() {
        assert!(Pattern::new("error").unwrap().regex.is_match("ERROR x"));
        assert!(!Pattern::new("Error").unwrap().regex.is_match("ERROR x"));
        assert!(
            Pattern::new("(unclosed")
                .unwrap_err()
                .contains("not a valid regex")
        );
    }
}
