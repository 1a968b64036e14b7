//! The stream picker of the logs pane. Containers whose streams the task definition does
//! not name (FireLens, awslogs without a stream prefix) log to a known group under names
//! only CloudWatch knows: the picker lists that group's newest streams, and the one
//! chosen is tailed in the pane in place of the scope's own tail. Its state lives in the
//! `LogView`, so it goes when the pane goes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::{Command, place};
use super::logs::LogView;
use super::{App, Effect};
use crate::domain::BackendError;
use crate::logs::StreamInfo;
use crate::logs::source::{LogScope, SourceKind};
use crate::logs::tail::TailRequest;

/// A log group to pick streams from, and the containers that log there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickGroup {
    pub region: String,
    pub group: String,
    /// Who logs there: `router` or `router (3 tasks)`.
    pub containers: Vec<String>,
}

/// The group's streams as far as they are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    Loading,
    /// AWS's answer to DescribeLogStreams, as it gave it.
    Failed(String),
    /// Newest first.
    Loaded(Vec<StreamInfo>),
}

/// What the pane tailed before a stream was picked, to go back to.
#[derive(Debug, Clone)]
pub struct Origin {
    pub request: TailRequest,
    pub title: String,
    pub groups: Vec<PickGroup>,
}

/// One line of the picker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row<'a> {
    /// Back to what the pane tailed before a stream was picked.
    Back,
    Stream(&'a StreamInfo),
}

#[derive(Debug, Clone)]
pub struct StreamPicker {
    pub groups: Vec<PickGroup>,
    /// Index into `groups` (Tab moves on).
    pub group: usize,
    /// Streams whose names start with this were asked of AWS (Enter on a filter that
    /// matches none of the newest streams).
    pub prefix: Option<String>,
    pub listing: Listing,
    /// Keeps the streams whose names contain it, ignoring case.
    pub filter: String,
    /// Keys go to the filter (after `/`).
    pub filtering: bool,
    /// Index into `rows()`.
    pub selected: usize,
    /// The title of what the pane tailed before a stream was picked (the `Back` row).
    pub back: Option<String>,
    /// The streams the pane tails now, marked in the list.
    pub current: Vec<String>,
}

impl StreamPicker {
    fn new(groups: Vec<PickGroup>, back: Option<String>, current: Vec<String>) -> StreamPicker {
        StreamPicker {
            groups,
            group: 0,
            prefix: None,
            listing: Listing::Loading,
            filter: String::new(),
            filtering: false,
            selected: 0,
            back,
            current,
        }
    }

    pub fn group(&self) -> Option<&PickGroup> {
        self.groups.get(self.group)
    }

    /// The lines shown: `Back` first (unless filtering by text), then the streams whose
    /// names contain the filter.
    pub fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = Vec::new();
        if self.back.is_some() && self.filter.is_empty() {
            rows.push(Row::Back);
        }
        if let Listing::Loaded(streams) = &self.listing {
            let needle = self.filter.to_lowercase();
            rows.extend(
                streams
                    .iter()
                    .filter(|s| s.name.to_lowercase().contains(&needle))
                    .map(Row::Stream),
            );
        }
        rows
    }

    pub fn selected_row(&self) -> Option<Row<'_>> {
        let rows = self.rows();
        rows.get(self.selected.min(rows.len().saturating_sub(1)))
            .copied()
    }

    /// The listing this picker shows: group and prefix.
    fn wanted(&self) -> Option<Wanted> {
        self.group().map(|g| Wanted {
            region: g.region.clone(),
            group: g.group.clone(),
            prefix: self.prefix.clone(),
        })
    }

    fn move_by(&mut self, delta: isize) {
        let last = self.rows().len().saturating_sub(1);
        let at = self.selected.min(last);
        self.selected = at.saturating_add_signed(delta).min(last);
    }

    /// The stream tailed now if listed, else the first stream.
    fn select_first_stream(&mut self) {
        let rows = self.rows();
        let current = rows
            .iter()
            .position(|r| matches!(r, Row::Stream(s) if self.current.contains(&s.name)));
        let first = rows.iter().position(|r| matches!(r, Row::Stream(_)));
        self.selected = current.or(first).unwrap_or(0);
    }
}

/// A row, detached from the picker it was chosen in.
enum Chosen {
    Back,
    Stream(String),
}

impl Row<'_> {
    fn owned(self) -> Chosen {
        match self {
            Row::Back => Chosen::Back,
            Row::Stream(s) => Chosen::Stream(s.name.clone()),
        }
    }
}

/// A DescribeLogStreams listing, asked of AWS or wanted by the picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub region: String,
    pub group: String,
    pub prefix: Option<String>,
}

/// What a key in the picker leads to.
enum PickerStep {
    Stay,
    Close,
    Quit,
    List,
    Pick,
}

impl LogView {
    /// The groups the picker offers: those of the containers whose streams are not known
    /// (kept from before a stream was picked), else the group of the streams tailed now.
    pub fn pick_groups(&self) -> Vec<PickGroup> {
        if let Some(origin) = &self.origin {
            return origin.groups.clone();
        }
        let mut groups = elsewhere_groups(self);
        if groups.is_empty()
            && let LogScope::Streams { region, group, .. } = &self.request.scope
        {
            groups.push(PickGroup {
                region: region.clone(),
                group: group.clone(),
                containers: Vec::new(),
            });
        }
        groups
    }

    /// Why `p` has nothing to offer.
    fn nothing_to_pick(&self) -> String {
        let unknown: Vec<String> = self
            .sources
            .iter()
            .filter(|s| matches!(s.kind, SourceKind::Elsewhere { group: None, .. }))
            .map(|s| s.container.clone())
            .collect();
        if let Some(first) = unknown.first() {
            format!(
                "no stream to pick: {first}'s logs are in no CloudWatch group this pane knows \
                 (see the note above)"
            )
        } else if self.sources.is_empty() && !self.history_done {
            "no stream to pick yet: still finding where these logs are".to_string()
        } else {
            "no stream to pick: every container here logs to a stream the pane reads already"
                .to_string()
        }
    }
}

/// Groups of the `Elsewhere` sources that name one, in source order, with their
/// containers (`router`, or `router (3 tasks)`).
fn elsewhere_groups(log: &LogView) -> Vec<PickGroup> {
    // Each group with its containers' names, and beside it how many tasks run each.
    let mut found: Vec<(PickGroup, Vec<usize>)> = Vec::new();
    for s in &log.sources {
        let SourceKind::Elsewhere {
            group: Some((region, group)),
            ..
        } = &s.kind
        else {
            continue;
        };
        let at = match found
            .iter()
            .position(|(g, _)| g.region == *region && g.group == *group)
        {
            Some(at) => at,
            None => {
                let new = PickGroup {
                    region: region.clone(),
                    group: group.clone(),
                    containers: Vec::new(),
                };
                found.push((new, Vec::new()));
                found.len() - 1
            }
        };
        let (group, tasks) = &mut found[at];
        match group.containers.iter().position(|c| *c == s.container) {
            Some(k) => tasks[k] += 1,
            None => {
                group.containers.push(s.container.clone());
                tasks.push(1);
            }
        }
    }
    found
        .into_iter()
        .map(|(mut group, tasks)| {
            for (name, n) in group.containers.iter_mut().zip(tasks) {
                if n > 1 {
                    *name = format!("{name} ({n} tasks)");
                }
            }
            group
        })
        .collect()
}

impl App {
    /// `p` in a logs pane: opens the picker on the first group whose streams are not
    /// known, or says why there is none.
    pub(super) fn open_stream_picker(&mut self) -> Vec<Effect> {
        let Some(log) = self.log.as_mut() else {
            return Vec::new();
        };
        let groups = log.pick_groups();
        if groups.is_empty() {
            let why = log.nothing_to_pick();
            self.say(why, true);
            return Vec::new();
        }
        let current = match &log.request.scope {
            LogScope::Streams { streams, .. } => streams.clone(),
            _ => Vec::new(),
        };
        let back = log.origin.as_ref().map(|o| o.title.clone());
        log.picker = Some(StreamPicker::new(groups, back, current));
        self.dirty = true;
        self.ask_streams()
    }

    /// Keys while the picker is open (it takes every key); `None` when it is closed.
    pub(super) fn on_picker_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let picker = self.log.as_mut()?.picker.as_mut()?;
        self.dirty = true;
        let step = if picker.filtering {
            let command = self.keymap.lookup(&key, place::STREAM_FILTER);
            filter_key(picker, key, command)
        } else {
            let command = self.keymap.lookup(&key, place::STREAM_PICKER);
            list_key(picker, command, self.page_rows.max(1))
        };
        Some(match step {
            PickerStep::Stay => Vec::new(),
            PickerStep::Close => {
                if let Some(log) = self.log.as_mut() {
                    log.picker = None;
                }
                Vec::new()
            }
            PickerStep::Quit => {
                self.quit = true;
                Vec::new()
            }
            PickerStep::List => self.ask_streams(),
            PickerStep::Pick => self.pick(),
        })
    }

    /// A log group's streams arrived for the picker of logs pane `id`.
    pub(super) fn on_streams(
        &mut self,
        id: u64,
        result: Result<Vec<StreamInfo>, BackendError>,
    ) -> Vec<Effect> {
        let Some(log) = self.log.as_mut().filter(|l| l.tail_id == id) else {
            return Vec::new();
        };
        let answered = log.listing.take();
        let Some(picker) = log.picker.as_mut() else {
            return Vec::new();
        };
        self.dirty = true;
        if answered.is_none() || answered != picker.wanted() {
            // An answer to an earlier question (another group, or a picker since closed).
            return self.ask_streams();
        }
        match result {
            Ok(streams) => {
                picker.listing = Listing::Loaded(streams);
                picker.select_first_stream();
            }
            Err(e) => {
                picker.listing = Listing::Failed(e.to_string());
                let target = match &answered {
                    Some(w) => format!("log streams of {}", w.group),
                    None => "log streams".into(),
                };
                self.record_error(&e, target, self.now);
            }
        }
        Vec::new()
    }

    /// Asks AWS for the listing the picker wants; one question at a time, so an answer
    /// always matches the question still open (a later one is asked once it arrives).
    fn ask_streams(&mut self) -> Vec<Effect> {
        let Some(log) = self.log.as_mut() else {
            return Vec::new();
        };
        let id = log.tail_id;
        let Some(picker) = log.picker.as_mut() else {
            return Vec::new();
        };
        let Some(wanted) = picker.wanted() else {
            return Vec::new();
        };
        picker.listing = Listing::Loading;
        picker.selected = 0;
        if log.listing.is_some() {
            return Vec::new();
        }
        log.listing = Some(wanted.clone());
        vec![Effect::ListStreams {
            id,
            region: wanted.region,
            group: wanted.group,
            prefix: wanted.prefix,
        }]
    }

    /// Tails the selected stream in the pane, or goes back to what it tailed before.
    fn pick(&mut self) -> Vec<Effect> {
        let Some(log) = self.log.as_mut() else {
            return Vec::new();
        };
        // Nothing selected (an empty list): the picker stays open.
        let chosen = log
            .picker
            .as_ref()
            .and_then(|p| Some((p.group()?.clone(), p.selected_row()?.owned())));
        let Some((group, row)) = chosen else {
            return Vec::new();
        };
        let Some(picker) = log.picker.take() else {
            return Vec::new();
        };
        let stream = match row {
            Chosen::Back => {
                let Some(origin) = log.origin.take() else {
                    return Vec::new();
                };
                let title = origin.title.clone();
                let effects = self.restart_tail(origin.request);
                self.say(format!("back to {title}"), false);
                return effects;
            }
            Chosen::Stream(name) => name,
        };
        let origin = log.origin.take().unwrap_or_else(|| Origin {
            request: log.request.clone(),
            title: log.title(),
            groups: picker.groups.clone(),
        });
        let request = TailRequest {
            scope: LogScope::Streams {
                region: group.region,
                group: group.group.clone(),
                streams: vec![stream.clone()],
            },
            container: None,
            start_ms: log.request.start_ms,
            pattern: log.request.pattern.clone(),
            follow: log.request.follow,
        };
        let effects = self.restart_tail(request);
        if let Some(view) = self.log.as_mut() {
            view.origin = Some(origin);
        }
        let again = self
            .keymap
            .key_for(Command::PickStream, self.view().pane.scopes());
        self.say(
            format!(
                "tailing stream {} of {} ({again}: pick another)",
                short_stream(&stream),
                group.group
            ),
            false,
        );
        effects
    }
}

/// Keys while moving through the list.
fn list_key(picker: &mut StreamPicker, command: Option<Command>, page: usize) -> PickerStep {
    let page = isize::try_from(page).unwrap_or(isize::MAX);
    let Some(command) = command else {
        return PickerStep::Stay;
    };
    match command {
        Command::Interrupt => return PickerStep::Quit,
        Command::Close => return PickerStep::Close,
        Command::Submit => return PickerStep::Pick,
        Command::Up => picker.move_by(-1),
        Command::Down => picker.move_by(1),
        Command::PageUp => picker.move_by(-page),
        Command::PageDown => picker.move_by(page),
        Command::Top => picker.selected = 0,
        Command::Bottom => picker.move_by(isize::MAX),
        Command::Filter => picker.filtering = true,
        Command::Refresh => return PickerStep::List,
        Command::NextGroup | Command::PrevGroup if picker.groups.len() > 1 => {
            let n = picker.groups.len();
            picker.group = if command == Command::NextGroup {
                (picker.group + 1) % n
            } else {
                (picker.group + n - 1) % n
            };
            picker.prefix = None;
            picker.filter.clear();
            return PickerStep::List;
        }
        _ => {}
    }
    PickerStep::Stay
}

/// Keys while typing the filter: text narrows the list, Enter tails the selected match
/// (or, when none of the listed streams matches, asks AWS for streams starting with it).
/// What no binding takes edits the filter: characters, Backspace, and Ctrl-u to clear it.
fn filter_key(picker: &mut StreamPicker, key: KeyEvent, command: Option<Command>) -> PickerStep {
    match command {
        Some(Command::Interrupt) => return PickerStep::Quit,
        Some(Command::Cancel) => {
            picker.filter.clear();
            picker.filtering = false;
            picker.select_first_stream();
        }
        Some(Command::Submit) => {
            picker.filtering = false;
            let any = picker.rows().iter().any(|r| matches!(r, Row::Stream(_)));
            if any {
                return PickerStep::Pick;
            }
            if !picker.filter.is_empty() && matches!(picker.listing, Listing::Loaded(_)) {
                picker.prefix = Some(picker.filter.clone());
                return PickerStep::List;
            }
        }
        Some(Command::Up) => picker.move_by(-1),
        Some(Command::Down) => picker.move_by(1),
        _ => type_filter(picker, key),
    }
    PickerStep::Stay
}

/// A key typed into the stream filter.
fn type_filter(picker: &mut StreamPicker, key: KeyEvent) {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => {
            picker.filter.clear();
            picker.select_first_stream();
        }
        KeyCode::Backspace => {
            if picker.filter.pop().is_none() {
                picker.filtering = false;
            }
            picker.select_first_stream();
        }
        KeyCode::Char(c) if !ctrl => {
            picker.filter.push(c);
            picker.select_first_stream();
        }
        _ => {}
    }
}

/// A stream name for the status line: a long one (a Docker id) cut to its start.
fn short_stream(name: &str) -> String {
    const MAX: usize = 48;
    if name.chars().count() <= MAX {
        return name.to_string();
    }
    let cut: String = name.chars().take(MAX - 1).collect();
    format!("{cut}…")
}
