//! The application state and `update`: every change of state happens here, from one
//! `Action` at a time, with no I/O and no awaiting. Work for the outside world is returned
//! as `Effect`s, which the runtime hands to background workers.

pub mod command;
pub mod data;
pub mod derived;
pub mod describe;
pub mod dialog;
mod dialog_keys;
pub mod format;
pub mod keymap;
pub mod logs;
pub mod ops;
pub mod pane;
mod revisions;
pub mod rows;
pub mod scaling;
mod streams;
mod taskdefs;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::domain::model::{TaskScope, arn_account};
use crate::domain::{BackendError, Identity};
use crate::logs::source::LogScope;
use crate::logs::tail::{TailMsg, TailRequest};
use crate::ops::guard::OpError;
use crate::ops::{Mutation, Outcome};
use command::LineCommand;
use data::{DataKey, Payload, Store};
use keymap::Command;
use logs::{LogView, Pattern};
use pane::{Pane, View};
use rows::{Column, Row};

pub use ops::{Dialog, PendingOp, Purpose};

/// Everything that can change the state.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock moved; refreshes that are due are started.
    Tick(DateTime<Utc>),
    /// A background fetch finished.
    Loaded {
        key: DataKey,
        result: Result<Payload, BackendError>,
        at: DateTime<Utc>,
    },
    /// A message from the tail feeding the logs pane `id`.
    Tail {
        id: u64,
        msg: TailMsg,
    },
    /// Saving the log buffer finished: the path, or why not.
    Saved(Result<String, String>),
    /// A log group's streams, newest first, for the stream picker of logs pane `id`.
    Streams {
        id: u64,
        result: Result<Vec<crate::logs::StreamInfo>, BackendError>,
    },
    /// Operation `id` ended: one result per step carried out (it stops at the first
    /// failure, so fewer results than steps means the rest were not tried).
    Mutated {
        id: u64,
        results: Vec<Result<Outcome, OpError>>,
    },
    /// The external editor closed: the edited text, or why it could not run.
    Edited(Result<String, String>),
    /// The account of the credentials in use, learned at start.
    Account(String),
    /// SIGTERM, SIGHUP or the terminal closing.
    Quit,
}

/// Work for the runtime.
#[derive(Debug, Clone)]
pub enum Effect {
    Fetch(DataKey),
    StartTail {
        id: u64,
        request: TailRequest,
    },
    StopTail {
        id: u64,
    },
    LoadOlder {
        id: u64,
        before_ms: i64,
    },
    /// Cut the tail's wait after a failure short: try again now.
    RetryTail {
        id: u64,
    },
    /// Put text on the clipboard of the terminal the user sits at (OSC 52).
    Copy(String),
    Save {
        path: String,
        contents: String,
    },
    /// List a log group's streams, newest first (the stream picker).
    ListStreams {
        id: u64,
        region: String,
        group: String,
        prefix: Option<String>,
    },
    /// Carry out these mutations in order, through the guard, as `who`.
    Mutate {
        id: u64,
        who: Identity,
        plan: Vec<Mutation>,
    },
    /// Open `text` in `$EDITOR` (the dashboard steps aside until it closes).
    ExternalEdit {
        text: String,
    },
    /// Record in the audit log that read-only mode refused `action` on `target`.
    AuditRefusal {
        who: Identity,
        action: String,
        target: String,
    },
}

impl PartialEq for Effect {
    fn eq(&self, other: &Effect) -> bool {
        match (self, other) {
            (Effect::Fetch(a), Effect::Fetch(b)) => a == b,
            (Effect::StopTail { id: a }, Effect::StopTail { id: b }) => a == b,
            (Effect::RetryTail { id: a }, Effect::RetryTail { id: b }) => a == b,
            (Effect::StartTail { id: a, .. }, Effect::StartTail { id: b, .. }) => a == b,
            (Effect::Copy(a), Effect::Copy(b)) => a == b,
            (
                Effect::AuditRefusal {
                    action: a,
                    target: t,
                    ..
                },
                Effect::AuditRefusal {
                    action: b,
                    target: u,
                    ..
                },
            ) => a == b && t == u,
            (Effect::Mutate { id: a, plan: p, .. }, Effect::Mutate { id: b, plan: q, .. }) => {
                a == b && p == q
            }
            (
                Effect::ListStreams {
                    id: a, group: g, ..
                },
                Effect::ListStreams {
                    id: b, group: h, ..
                },
            ) => a == b && g == h,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Popup {
    Help,
    /// Describes the row with this id in the pane it was opened from.
    Describe {
        pane: Pane,
        id: String,
        scroll: u16,
    },
    Errors {
        scroll: u16,
    },
    /// Text shown in full, such as a log line pretty-printed.
    Text {
        title: String,
        body: String,
        scroll: u16,
    },
    /// A task definition revision as RegisterTaskDefinition JSON.
    Revision {
        arn: String,
        scroll: u16,
    },
    /// Two revisions compared.
    Diff {
        old: String,
        new: String,
        scroll: u16,
    },
    /// A form, a confirmation, the JSON editor or a revision picker: takes every key.
    Dialog(Box<Dialog>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// `/` on a table: filters rows as you type.
    Filter,
    /// `:` the command line.
    Command,
    /// `/` on logs: search.
    Search,
    /// `&` on logs: show only matching lines.
    Grep,
    /// `F` on logs: CloudWatch filter pattern.
    Pattern,
    /// `S` on logs: the file to save to.
    SavePath,
}

/// A one-line text field at the bottom of the screen.
#[derive(Debug, Clone)]
pub struct Input {
    pub kind: InputKind,
    pub area: TextArea<'static>,
}

impl Input {
    fn new(kind: InputKind, text: &str) -> Input {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        Input { kind, area }
    }

    /// A prompt opened again on what it held: the old text is selected, so typing
    /// replaces it (as in k9s) while ← or End keeps it for editing.
    fn reopen(kind: InputKind, text: &str) -> Input {
        let mut input = Input::new(kind, text);
        if !text.is_empty() {
            input.area.select_all();
        }
        input
    }

    pub fn text(&self) -> String {
        self.area.lines().join("")
    }

    pub fn prompt(&self) -> &'static str {
        match self.kind {
            InputKind::Filter => "/",
            InputKind::Command => ":",
            InputKind::Search => "search /",
            InputKind::Grep => "show only &",
            InputKind::Pattern => "CloudWatch filter pattern: ",
            InputKind::SavePath => "save to: ",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    /// The last time it happened.
    pub at: DateTime<Utc>,
    pub error: BackendError,
    /// What it was about ("services of cluster staging"); empty when the error says.
    pub target: String,
    /// How many times in a row it happened (a refresh that keeps failing is one line).
    pub count: u32,
}

/// A message for the status line, such as the outcome of a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
    /// Something still under way: shown until it ends, whatever its age.
    pub in_flight: Option<InFlight>,
}

/// What an in-flight status waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFlight {
    /// A change sent to AWS (`pending_ops` id): its result replaces the message.
    Op(u64),
    /// A refresh or a load: the next answer ends it (and shows its error, if any).
    Answer,
}

impl Status {
    /// How much the message matters: a newer message replaces it only if it matters as
    /// much (notes < loads and refreshes < changes sent to AWS < errors).
    fn weight(&self) -> u8 {
        match (self.error, self.in_flight) {
            (true, _) => 3,
            (false, Some(InFlight::Op(_))) => 2,
            (false, Some(InFlight::Answer)) => 1,
            (false, None) => 0,
        }
    }
}

/// What the remembered rows were built from.
#[derive(Debug)]
struct RowsKey {
    pane: Pane,
    filter: String,
    sort: Option<(usize, bool)>,
    show_stopped: bool,
    /// The answers the pane draws from, held so their addresses cannot be reused by a
    /// newer answer while remembered; compared by identity.
    data: Vec<Option<Payload>>,
    /// Ages on screen change with the second.
    second: i64,
}

impl PartialEq for RowsKey {
    fn eq(&self, other: &RowsKey) -> bool {
        let ids = |k: &RowsKey| -> Vec<usize> {
            k.data
                .iter()
                .map(|p| p.as_ref().map_or(0, Payload::identity))
                .collect()
        };
        self.pane == other.pane
            && self.filter == other.filter
            && self.sort == other.sort
            && self.show_stopped == other.show_stopped
            && self.second == other.second
            && ids(self) == ids(other)
    }
}

type RowsMemo = Option<(RowsKey, &'static [Column], Rc<Vec<Row>>)>;

const ERROR_HISTORY: usize = 200;
const STATUS_SECS: i64 = 8;

pub struct App {
    pub identity: Identity,
    pub store: Store,
    /// The navigation stack; the last view is on screen.
    pub stack: Vec<View>,
    pub popups: Vec<Popup>,
    pub input: Option<Input>,
    pub errors: VecDeque<ErrorRecord>,
    pub status: Option<Status>,
    /// Read-only refusals to record in the audit log, handed out with the key's effects.
    refusals: Vec<Effect>,
    pub now: DateTime<Utc>,
    /// `None` turns automatic refresh off.
    pub refresh: Option<Duration>,
    /// Rows a page holds (the table's height), for PgUp/PgDn.
    pub page_rows: usize,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    /// The logs pane's state while one is open.
    pub log: Option<LogView>,
    next_tail: u64,
    /// Lines a logs pane keeps.
    pub log_capacity: usize,
    /// How far back a logs pane starts.
    pub log_since: Duration,
    /// Changes are refused (`--read-only`); shown in the header, and no dialog opens.
    pub read_only: bool,
    /// Operations sent and not yet answered, by id.
    pub pending_ops: std::collections::HashMap<u64, PendingOp>,
    next_op: u64,
    /// What each service's last scale from here changed, for `u`.
    pub undo: std::collections::HashMap<(String, String), ops::Undo>,
    /// A revision whose JSON is loading to be edited (in `$EDITOR` when true).
    pending_edit: Option<(String, bool)>,
    /// The revision being edited in `$EDITOR`.
    editing: Option<std::sync::Arc<crate::ops::model::TaskDefDoc>>,
    /// The revision `=` diffs against.
    pub marked: Option<String>,
    rows_memo: RefCell<RowsMemo>,
    /// Derived views kept between frames (see `derived`).
    pub derived: derived::Derived,
}

impl App {
    pub fn new(
        identity: Identity,
        stack: Vec<Pane>,
        now: DateTime<Utc>,
        refresh: Option<Duration>,
    ) -> App {
        let mut stack: Vec<View> = stack.into_iter().map(View::new).collect();
        if stack.is_empty() {
            stack.push(View::new(Pane::Clusters));
        }
        App {
            identity,
            store: Store::default(),
            stack,
            popups: Vec::new(),
            input: None,
            errors: VecDeque::new(),
            status: None,
            refusals: Vec::new(),
            now,
            refresh,
            page_rows: 20,
            quit: false,
            dirty: true,
            log: None,
            next_tail: 0,
            log_capacity: crate::logs::ring::Ring::DEFAULT_CAPACITY,
            log_since: Duration::minutes(5),
            read_only: false,
            pending_ops: std::collections::HashMap::new(),
            next_op: 0,
            undo: std::collections::HashMap::new(),
            pending_edit: None,
            editing: None,
            marked: None,
            rows_memo: RefCell::new(None),
            derived: derived::Derived::default(),
        }
    }

    pub fn view(&self) -> &View {
        // The stack is never empty: `new` starts it with a pane and `back` keeps the root.
        &self.stack[self.stack.len() - 1]
    }

    fn view_mut(&mut self) -> &mut View {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    /// Fetches the screen needs now: what is due on the refresh schedule, and whatever it
    /// has never loaded (even with refresh off).
    pub fn due_fetches(&mut self) -> Vec<Effect> {
        let interval = self.refresh.unwrap_or(Duration::days(36_500));
        let mut keys = self.view().data_keys();
        keys.extend(self.popup_keys());
        keys.extend(self.dialog_keys());
        keys.extend(self.revision_detail_keys());
        let mut effects = Vec::new();
        for key in keys {
            let never_tried = self.store.get(&key).is_none();
            let interval = self.interval_for(&key, interval);
            if never_tried || (self.refresh.is_some() && self.store.due(&key, self.now, interval)) {
                effects.extend(self.fetch(key));
            }
        }
        effects
    }

    /// Starts a fetch unless one is in flight, in which case it runs again when that lands.
    fn fetch(&mut self, key: DataKey) -> Option<Effect> {
        let slot = self.store.slot_mut(&key);
        if slot.loading {
            slot.again = true;
            return None;
        }
        slot.loading = true;
        self.dirty = true;
        Some(Effect::Fetch(key))
    }

    /// Task definitions an open describe view needs.
    fn popup_keys(&self) -> Vec<DataKey> {
        match self.popups.last() {
            Some(Popup::Revision { arn, .. }) => {
                return vec![DataKey::TaskDefDoc { arn: arn.clone() }];
            }
            Some(Popup::Diff { old, new, .. }) => {
                return vec![
                    DataKey::TaskDefDoc { arn: old.clone() },
                    DataKey::TaskDefDoc { arn: new.clone() },
                ];
            }
            _ => {}
        }
        let Some(Popup::Describe { pane, id, .. }) = self.popups.last() else {
            return Vec::new();
        };
        let arn = match pane {
            Pane::Services { cluster } => self
                .store
                .services(cluster)
                .and_then(|s| s.iter().find(|s| &s.arn == id))
                .map(|s| s.task_definition.clone()),
            Pane::Tasks { .. } => self
                .pane_tasks(pane)
                .into_iter()
                .find(|t| &t.arn == id)
                .map(|t| t.task_definition_arn.clone()),
            _ => None,
        };
        arn.map(|arn| DataKey::TaskDefinition { arn })
            .into_iter()
            .collect()
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Key(key) if key.kind != KeyEventKind::Release => {
                self.dirty = true;
                let mut effects = self.on_key(key);
                effects.append(&mut self.refusals);
                effects.extend(self.sync_tail());
                effects.extend(self.due_fetches());
                effects
            }
            Action::Key(_) => Vec::new(),
            Action::Resize { height, .. } => {
                self.dirty = true;
                // Header (2), table border and header row (3), status line (1).
                self.page_rows = usize::from(height.saturating_sub(6)).max(1);
                Vec::new()
            }
            Action::Tick(now) => {
                let second_changed = now.timestamp() != self.now.timestamp();
                self.now = now;
                if second_changed {
                    // Ages on screen move once a second.
                    self.dirty = true;
                }
                // Notes fade; errors stay until replaced; what is in flight stays until
                // it ends.
                if self.status.as_ref().is_some_and(|s| {
                    !s.error && s.in_flight.is_none() && (now - s.at).num_seconds() >= STATUS_SECS
                }) {
                    self.status = None;
                    self.dirty = true;
                }
                self.due_fetches()
            }
            Action::Loaded { key, result, at } => self.on_loaded(key, result, at),
            Action::Tail { id, msg } => {
                if let Some(log) = self.log.as_ref().filter(|l| l.tail_id == id)
                    && let TailMsg::Error(e) | TailMsg::Stopped(e) = &msg
                {
                    let target = format!("logs of {}", log.title());
                    let e = e.clone();
                    self.record_error(&e, target, self.now);
                }
                if let Some(log) = self.log.as_mut().filter(|l| l.tail_id == id) {
                    log.on_tail(msg);
                    self.dirty = true;
                }
                Vec::new()
            }
            Action::Saved(result) => {
                match result {
                    Ok(what) => self.say(format!("saved {what}"), false),
                    Err(e) => self.say(format!("not saved: {e}"), true),
                }
                self.dirty = true;
                Vec::new()
            }
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
            Action::Streams { id, result } => self.on_streams(id, result),
            Action::Mutated { id, results } => self.on_mutated(id, results),
            Action::Account(account) => {
                self.dirty = true;
                self.identity.account.get_or_insert(account);
                Vec::new()
            }
            Action::Edited(result) => self.on_edited(result),
        }
    }

    fn on_loaded(
        &mut self,
        key: DataKey,
        result: Result<Payload, BackendError>,
        at: DateTime<Utc>,
    ) -> Vec<Effect> {
        self.dirty = true;
        // An answer ends "refreshing…": an error it brings then shows at once.
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.in_flight == Some(InFlight::Answer))
        {
            self.status = None;
        }
        if let Ok(Payload::Clusters(c)) = &result
            && self.identity.account.is_none()
        {
            self.identity.account = c
                .iter()
                .find_map(|c| arn_account(&c.arn))
                .map(str::to_string);
        }
        if let Err(e) = &result {
            self.record_error(e, key.describe(), at);
        }
        self.store.land(&key, result, at);
        let mut effects = Vec::new();
        match &key {
            DataKey::TaskDefDoc { arn } => effects.extend(self.on_doc_loaded(arn)),
            DataKey::Scaling { .. } => self.update_scale_warning(),
            _ => {}
        }
        let again = std::mem::take(&mut self.store.slot_mut(&key).again);
        if again && self.view().data_keys().contains(&key) {
            effects.extend(self.fetch(key));
        }
        effects
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.input.is_some() {
            return self.on_input_key(key);
        }
        if matches!(self.popups.last(), Some(Popup::Dialog(_))) {
            return self.on_dialog_key(key);
        }
        // The logs pane's stream picker (streams.rs), while open, takes every key.
        if let Some(effects) = self.on_picker_key(key) {
            return effects;
        }
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(popup) = self.popups.last_mut() {
            // Popups take scrolling keys; Esc closes; the rest falls through to globals.
            let scroll = match popup {
                Popup::Describe { scroll, .. }
                | Popup::Errors { scroll }
                | Popup::Text { scroll, .. }
                | Popup::Revision { scroll, .. }
                | Popup::Diff { scroll, .. } => Some(scroll),
                Popup::Help | Popup::Dialog(_) => None,
            };
            if let Some(scroll) = scroll {
                let page = u16::try_from(self.page_rows).unwrap_or(u16::MAX);
                match key.code {
                    KeyCode::Down | KeyCode::Char('j') => {
                        *scroll = scroll.saturating_add(1);
                        return Vec::new();
                    }
                    KeyCode::Up | KeyCode::Char('k') => {
                        *scroll = scroll.saturating_sub(1);
                        return Vec::new();
                    }
                    KeyCode::PageDown => {
                        *scroll = scroll.saturating_add(page);
                        return Vec::new();
                    }
                    KeyCode::PageUp => {
                        *scroll = scroll.saturating_sub(page);
                        return Vec::new();
                    }
                    KeyCode::Char('g') | KeyCode::Home => {
                        *scroll = 0;
                        return Vec::new();
                    }
                    _ => {}
                }
            }
            if !ctrl_c && matches!(key.code, KeyCode::Char('q')) {
                // In a popup, q closes it rather than quitting: a reflex from less and k9s.
                self.popups.pop();
                return Vec::new();
            }
            // `y` in a text popup (a log line in full, a policy) copies what it shows.
            if key.code == KeyCode::Char('y')
                && let Some(Popup::Text { body, .. }) = self.popups.last()
            {
                let body = body.clone();
                self.say("copied (OSC 52)", false);
                return vec![Effect::Copy(body)];
            }
        }
        let scopes: &[keymap::Scope] = if self.popups.is_empty() {
            self.view().pane.scopes()
        } else {
            &[keymap::Scope::Global]
        };
        let Some(command) = keymap::lookup(&key, scopes) else {
            return Vec::new();
        };
        self.run(command)
    }

    fn run(&mut self, command: Command) -> Vec<Effect> {
        if matches!(self.view().pane, Pane::Logs { .. })
            && self.popups.is_empty()
            && let Some(effects) = self.run_logs(command)
        {
            return effects;
        }
        match command {
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::Top => self.move_selection(isize::MIN / 2),
            Command::Bottom => self.move_selection(isize::MAX / 2),
            Command::PageUp => self.move_selection(-(self.page_rows as isize)),
            Command::PageDown => self.move_selection(self.page_rows as isize),
            Command::Logs => return self.open_logs(),
            Command::PickStream => return self.open_stream_picker(),
            Command::Open => return self.open(),
            Command::Back => self.back(),
            // An auto scaling row is described by showing the item in full.
            Command::Describe if matches!(self.view().pane, Pane::Scaling { .. }) => {
                return self.run_scaling(Command::Open);
            }
            Command::Describe if matches!(self.view().pane, Pane::Revisions { .. }) => {
                return self.open();
            }
            Command::Describe => self.describe(),
            Command::Refresh => return self.refresh_now(),
            Command::Filter => {
                self.input = Some(Input::reopen(
                    InputKind::Filter,
                    &self.view().filter.clone(),
                ));
            }
            Command::CommandLine => self.input = Some(Input::new(InputKind::Command, "")),
            // Logs commands outside a logs pane (none is bound there) do nothing.
            Command::Follow
            | Command::Search
            | Command::SearchNext
            | Command::SearchPrev
            | Command::Grep
            | Command::ServerFilter
            | Command::Wrap
            | Command::Timestamps
            | Command::Container
            | Command::Pretty
            | Command::Copy
            | Command::Save => {}
            Command::Help => self.toggle_popup(Popup::Help),
            Command::Errors => self.toggle_popup(Popup::Errors { scroll: 0 }),
            Command::SortColumn(n) => self.sort_by(usize::from(n)),
            Command::ToggleStopped => {
                let v = self.view_mut();
                v.show_stopped = !v.show_stopped;
                let shown = v.show_stopped;
                self.say(
                    if shown {
                        "showing stopped tasks"
                    } else {
                        "hiding stopped tasks"
                    },
                    false,
                );
            }
            Command::Instances => {
                if let Some(cluster) = self.selected_cluster() {
                    self.push(Pane::Instances { cluster });
                }
            }
            Command::Scale => self.open_scale(),
            Command::Undo => self.undo_scale(),
            Command::Image => self.open_image(),
            Command::Rollout => self.open_rollout_picker(),
            Command::StopTask => self.open_stop_task(),
            Command::Drain => self.drain_instance(),
            Command::Edit => return self.edit_revision(false),
            Command::ExternalEdit => return self.edit_revision(true),
            Command::Mark => self.mark_revision(),
            Command::Diff => return self.diff_revisions(),
            Command::Rollback => self.rollback(),
            Command::AutoScaling => {
                if let Some((cluster, s)) = self.selected_service_for_scaling() {
                    self.push(Pane::Scaling {
                        cluster,
                        service: s,
                    });
                }
            }
            Command::EditTarget
            | Command::SuspendScaleIn
            | Command::NewPolicy
            | Command::NewSchedule
            | Command::Delete => return self.run_scaling(command),
            Command::Quit => self.quit = true,
        }
        Vec::new()
    }

    fn selected_service_for_scaling(&self) -> Option<(String, String)> {
        let Pane::Services { cluster } = &self.view().pane else {
            return None;
        };
        let row = self.selected_row()?;
        let name = self
            .store
            .services(cluster)?
            .iter()
            .find(|s| s.arn == row.id)?
            .name
            .clone();
        Some((cluster.clone(), name))
    }

    fn toggle_popup(&mut self, popup: Popup) {
        if self.popups.last() == Some(&popup) {
            self.popups.pop();
        } else {
            self.popups.push(popup);
        }
    }

    /// Adds `error` to the history; the same error about the same thing again only counts.
    fn record_error(&mut self, error: &BackendError, target: String, at: DateTime<Utc>) {
        if let Some(last) = self.errors.front_mut()
            && last.target == target
            && last.error.operation == error.operation
            && last.error.kind == error.kind
            && last.error.message == error.message
        {
            last.count = last.count.saturating_add(1);
            last.at = at;
            return;
        }
        self.errors.push_front(ErrorRecord {
            at,
            error: error.clone(),
            target,
            count: 1,
        });
        self.errors.truncate(ERROR_HISTORY);
    }

    /// Puts a note (it fades) or an error (it stays until something as important
    /// replaces it, or the pane is left) on the status line. A note does not hide an
    /// error or what is still in flight.
    fn say(&mut self, text: impl Into<String>, error: bool) {
        let new = Status {
            text: text.into(),
            error,
            at: self.now,
            in_flight: None,
        };
        self.show(new);
    }

    /// Shows `text` until `until` ends (`finish`), however long that takes.
    fn busy(&mut self, text: impl Into<String>, until: InFlight) {
        let new = Status {
            text: text.into(),
            error: false,
            at: self.now,
            in_flight: Some(until),
        };
        self.show(new);
    }

    /// The end of what `busy` showed: its result replaces it, whatever is showing.
    fn finish(&mut self, until: InFlight, text: impl Into<String>, error: bool) {
        if self
            .status
            .as_ref()
            .is_some_and(|s| s.in_flight == Some(until))
        {
            self.status = None;
        }
        let result = Status {
            text: text.into(),
            error,
            at: self.now,
            in_flight: None,
        };
        if error || self.status.as_ref().is_none_or(|s| s.weight() <= 2) {
            self.status = Some(result);
        }
    }

    fn show(&mut self, new: Status) {
        self.dirty = true;
        let keep = self
            .status
            .as_ref()
            .is_some_and(|old| old.weight() > new.weight());
        if !keep {
            self.status = Some(new);
        }
    }

    /// Leaving a pane: what was said about it goes; what is in flight stays.
    fn forget_pane_notes(&mut self) {
        if self.status.as_ref().is_some_and(|s| s.in_flight.is_none()) {
            self.status = None;
        }
    }

    /// The rows on screen: the pane's data, filtered and sorted.
    /// The rows on screen: the pane's data, filtered and sorted. Remembered until the
    /// data, the filter, the sort or (for ages) the second changes, so keypresses and
    /// frames on a large pane do not rebuild thousands of rows each time.
    pub fn rows(&self, view: &View) -> (&'static [Column], Rc<Vec<Row>>) {
        let key = self.rows_key(view);
        if let Some(memo) = self.rows_memo.borrow().as_ref()
            && memo.0 == key
        {
            return (memo.1, memo.2.clone());
        }
        let (columns, rows) = self.build_rows(view);
        let rows = Rc::new(rows);
        *self.rows_memo.borrow_mut() = Some((key, columns, rows.clone()));
        (columns, rows)
    }

    fn rows_key(&self, view: &View) -> RowsKey {
        let data = view
            .data_keys()
            .iter()
            .map(|k| self.store.get(k).and_then(|s| s.data.clone()))
            .collect();
        RowsKey {
            pane: view.pane.clone(),
            filter: view.filter.clone(),
            sort: view.sort,
            show_stopped: view.show_stopped,
            data,
            second: match view.pane {
                Pane::Services { .. } => self.now.timestamp(),
                // Revision rows also read the services and the revisions' details.
                Pane::Revisions { .. } => i64::try_from(self.store.generation()).unwrap_or(0),
                _ => 0,
            },
        }
    }

    fn build_rows(&self, view: &View) -> (&'static [Column], Vec<Row>) {
        let (columns, mut rows) = match &view.pane {
            Pane::Clusters => (
                rows::CLUSTER_COLUMNS,
                self.store
                    .clusters()
                    .map(|c| rows::cluster_rows(c))
                    .unwrap_or_default(),
            ),
            Pane::Services { cluster } => (
                rows::SERVICE_COLUMNS,
                self.store
                    .services(cluster)
                    .map(|s| rows::service_rows(s, self.now))
                    .unwrap_or_default(),
            ),
            Pane::Tasks { service, .. } => {
                let mut tasks = self.pane_tasks(&view.pane);
                if !view.show_stopped {
                    tasks.retain(|t| t.last_status != "STOPPED");
                }
                // Across services, each task says which one it belongs to.
                if service.is_some() {
                    (rows::TASK_COLUMNS, rows::task_rows(&tasks))
                } else {
                    (rows::CLUSTER_TASK_COLUMNS, rows::cluster_task_rows(&tasks))
                }
            }
            Pane::Instances { cluster } => (
                rows::INSTANCE_COLUMNS,
                self.store
                    .instances(cluster)
                    .map(|i| rows::instance_rows(i))
                    .unwrap_or_default(),
            ),
            // Drawn from `self.log`, not as a table.
            Pane::Logs { .. } => (rows::NO_COLUMNS, Vec::new()),
            Pane::Families => (
                rows::FAMILY_COLUMNS,
                self.store
                    .families()
                    .map(|f| rows::family_rows(f))
                    .unwrap_or_default(),
            ),
            Pane::Revisions { family } => (revisions::REVISION_COLUMNS, self.revision_rows(family)),
            // Drawn from the followed service, not as a table.
            Pane::Rollout { .. } => (rows::NO_COLUMNS, Vec::new()),
            Pane::Scaling { cluster, service } => self.scaling_rows(cluster, service),
        };
        if !view.filter.is_empty() {
            rows.retain(|r| r.matches(&view.filter));
        }
        if let Some((column, descending)) = view.sort {
            rows::sort_rows(&mut rows, column, descending);
        }
        (columns, rows)
    }

    /// A tasks pane's tasks: running ones first, then recently stopped ones, each newest
    /// first. A task that stopped between the two lists is shown once, as stopped.
    fn pane_tasks(&self, pane: &Pane) -> Vec<&crate::domain::model::Task> {
        let Pane::Tasks {
            cluster,
            service,
            instance,
        } = pane
        else {
            return Vec::new();
        };
        let list = |scope| {
            let mut t: Vec<&crate::domain::model::Task> = self
                .store
                .tasks(cluster, service.as_deref(), scope)
                .map(|t| t.iter().collect())
                .unwrap_or_default();
            t.sort_by_key(|t| std::cmp::Reverse(t.started_at));
            t
        };
        let stopped = list(TaskScope::Stopped);
        let stopped_arns: std::collections::HashSet<&str> =
            stopped.iter().map(|t| t.arn.as_str()).collect();
        let mut tasks = list(TaskScope::Running);
        tasks.retain(|t| !stopped_arns.contains(t.arn.as_str()));
        tasks.extend(stopped);
        if let Some(instance) = instance {
            tasks.retain(|t| t.container_instance_arn.as_deref() == Some(instance.as_str()));
        }
        tasks
    }

    /// The index of the selected row among `rows`.
    pub fn selected_index(view: &View, rows: &[Row]) -> usize {
        view.selected_id
            .as_ref()
            .and_then(|id| rows.iter().position(|r| &r.id == id))
            .unwrap_or(view.selected)
            .min(rows.len().saturating_sub(1))
    }

    fn selected_row(&self) -> Option<Row> {
        let (_, rows) = self.rows(self.view());
        let i = Self::selected_index(self.view(), &rows);
        rows.get(i).cloned()
    }

    fn move_selection(&mut self, delta: isize) {
        let (_, rows) = self.rows(self.view());
        if rows.is_empty() {
            return;
        }
        let current = Self::selected_index(self.view(), &rows) as isize;
        let last = rows.len() as isize - 1;
        let next = (current.saturating_add(delta)).clamp(0, last) as usize;
        let page = self.page_rows.max(1);
        let v = self.view_mut();
        v.selected = next;
        v.selected_id = Some(rows[next].id.clone());
        if next < v.offset {
            v.offset = next;
        } else if next >= v.offset + page {
            v.offset = next + 1 - page;
        }
    }

    fn select_first(&mut self) {
        let v = self.view_mut();
        v.selected = 0;
        v.selected_id = None;
        v.offset = 0;
        self.move_selection(0);
    }

    fn sort_by(&mut self, column: usize) {
        let columns = self.rows(self.view()).0;
        let Some(title) = columns.get(column).map(|c| c.title) else {
            self.say(format!("this pane has {} columns", columns.len()), true);
            return;
        };
        let v = self.view_mut();
        let descending = matches!(v.sort, Some((c, false)) if c == column);
        v.sort = Some((column, descending));
        let arrow = if descending { "↓" } else { "↑" };
        self.say(format!("sorted by {title} {arrow}"), false);
    }

    /// The cluster the user means: the pane's own, or the selected row on the clusters pane.
    fn selected_cluster(&mut self) -> Option<String> {
        if let Some(c) = self.view().pane.cluster() {
            return Some(c.to_string());
        }
        let row = self.selected_row();
        let name = row.and_then(|r| r.cells.first().map(|c| c.text.clone()));
        if name.is_none() {
            self.say("no cluster selected (none loaded yet?)", true);
        }
        name
    }

    fn push(&mut self, pane: Pane) {
        self.forget_pane_notes();
        self.stack.push(View::new(pane));
    }

    fn open(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let name = row
            .cells
            .first()
            .map(|c| c.text.clone())
            .unwrap_or_default();
        match self.view().pane.clone() {
            Pane::Clusters => self.push(Pane::Services { cluster: name }),
            Pane::Services { cluster } => self.push(Pane::Tasks {
                cluster,
                service: Some(name),
                instance: None,
            }),
            // An instance's tasks, as k9s lists a node's pods.
            Pane::Instances { cluster } => self.push(Pane::Tasks {
                cluster,
                service: None,
                instance: Some(row.id),
            }),
            // Tasks have nothing below them: describe instead.
            Pane::Tasks { .. } => self.describe(),
            Pane::Logs { .. } | Pane::Rollout { .. } => {}
            Pane::Families => self.push(Pane::Revisions { family: name }),
            Pane::Revisions { .. } => self.popups.push(Popup::Revision {
                arn: row.id,
                scroll: 0,
            }),
            Pane::Scaling { .. } => return self.run_scaling(Command::Open),
        }
        Vec::new()
    }

    fn describe(&mut self) {
        if let Some(row) = self.selected_row() {
            self.popups.push(Popup::Describe {
                pane: self.view().pane.clone(),
                id: row.id,
                scroll: 0,
            });
        }
    }

    /// Esc: the topmost popup first, then a kept filter, then one level back.
    fn back(&mut self) {
        if self.popups.pop().is_some() {
            return;
        }
        if !self.view().filter.is_empty() {
            self.view_mut().filter.clear();
            return;
        }
        if self.stack.len() > 1 {
            self.forget_pane_notes();
            self.stack.pop();
        }
    }

    fn refresh_now(&mut self) -> Vec<Effect> {
        let mut keys = self.view().data_keys();
        keys.extend(self.popup_keys());
        let effects: Vec<Effect> = keys
            .into_iter()
            .filter(|k| !k.is_immutable())
            .filter_map(|k| self.fetch(k))
            .collect();
        if !effects.is_empty() {
            self.busy("refreshing…", InFlight::Answer);
        }
        effects
    }

    fn on_input_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let clusters = self.cluster_names();
        let in_logs = matches!(self.view().pane, Pane::Logs { .. });
        let Some(input) = self.input.as_mut() else {
            return Vec::new();
        };
        let kind = input.kind;
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Esc => {
                self.input = None;
                if kind == InputKind::Filter {
                    self.view_mut().filter.clear();
                }
            }
            KeyCode::Enter => {
                let text = input.text();
                // A bad value keeps the field open with what was typed, so nothing is lost.
                match self.submit(kind, &text) {
                    Ok(effects) => {
                        if self.input.as_ref().is_some_and(|i| i.kind == kind) {
                            self.input = None;
                        }
                        return effects;
                    }
                    Err(e) => self.say(e, true),
                }
            }
            KeyCode::Tab if kind == InputKind::Command => {
                if let Some(done) = command::complete(&input.text(), &clusters, in_logs) {
                    *input = Input::new(InputKind::Command, &done);
                }
            }
            _ => {
                // Single-line fields: Enter is handled above, so no newline gets in.
                dialog::edit_line(&mut input.area, key);
                if kind == InputKind::Filter {
                    let text = input.text().to_lowercase();
                    self.view_mut().filter = text;
                    self.select_first();
                }
            }
        }
        Vec::new()
    }

    /// Enter in an input field.
    fn submit(&mut self, kind: InputKind, text: &str) -> Result<Vec<Effect>, String> {
        match kind {
            InputKind::Filter => {
                self.input = None;
                self.select_first();
                let (_, rows) = self.rows(self.view());
                if rows.is_empty() {
                    self.say(format!("no row matches `{}`", self.view().filter), true);
                }
                Ok(Vec::new())
            }
            InputKind::Command => {
                self.input = None;
                Ok(self.run_line(text))
            }
            InputKind::Search => {
                let page = self.page_rows;
                let Some(log) = self.log.as_mut() else {
                    return Ok(Vec::new());
                };
                if text.is_empty() {
                    log.search = None;
                    return Ok(Vec::new());
                }
                log.search = Some(Pattern::new(text)?);
                if !log.find(false, true, page) {
                    self.say(format!("no line matches /{text}"), true);
                }
                Ok(Vec::new())
            }
            InputKind::Grep => {
                let Some(log) = self.log.as_mut() else {
                    return Ok(Vec::new());
                };
                log.grep = if text.is_empty() {
                    None
                } else {
                    Some(Pattern::new(text)?)
                };
                Ok(Vec::new())
            }
            InputKind::Pattern => {
                let Some(log) = self.log.as_ref() else {
                    return Ok(Vec::new());
                };
                let mut request = log.request.clone();
                request.pattern = Some(text.trim().to_string()).filter(|p| !p.is_empty());
                Ok(self.restart_tail(request))
            }
            InputKind::SavePath => {
                let Some(log) = self.log.as_ref() else {
                    return Ok(Vec::new());
                };
                let path = text.trim();
                if path.is_empty() {
                    return Err("type a file name".to_string());
                }
                Ok(vec![Effect::Save {
                    path: path.to_string(),
                    contents: log.export(),
                }])
            }
        }
    }

    /// Opens the logs of the selected service or task.
    fn open_logs(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let scope = match &self.view().pane {
            Pane::Services { cluster } => LogScope::Service {
                cluster: cluster.clone(),
                service: row
                    .cells
                    .first()
                    .map(|c| c.text.clone())
                    .unwrap_or_default(),
            },
            Pane::Tasks { cluster, .. } => LogScope::Task {
                cluster: cluster.clone(),
                task: row.id.clone(),
            },
            _ => return Vec::new(),
        };
        let request = TailRequest {
            scope: scope.clone(),
            container: None,
            start_ms: (self.now - self.log_since).timestamp_millis(),
            pattern: None,
            follow: true,
        };
        self.popups.clear();
        self.push(Pane::Logs { scope });
        self.restart_tail(request)
    }

    /// Starts a tail for the open logs pane, replacing the one it had.
    fn restart_tail(&mut self, request: TailRequest) -> Vec<Effect> {
        let mut effects = Vec::new();
        let mut keep = None;
        if let Some(old) = self.log.take() {
            effects.push(Effect::StopTail { id: old.tail_id });
            // A picked stream keeps its way back across restarts (`F`, `:since`, `c`).
            // A tail of one container only sees that container: `c` needs the others.
            let known = if old.request.scope == request.scope {
                old.containers()
            } else {
                Vec::new()
            };
            keep = Some((
                old.wrap,
                old.timestamps,
                old.grep,
                old.search,
                old.origin,
                known,
            ));
        }
        self.next_tail += 1;
        let mut view = LogView::new(self.next_tail, request.clone(), self.log_capacity);
        if let Some((wrap, timestamps, grep, search, origin, known)) = keep {
            view.wrap = wrap;
            view.timestamps = timestamps;
            view.grep = grep;
            view.search = search;
            view.origin = origin;
            view.known_containers = known;
        }
        self.log = Some(view);
        effects.push(Effect::StartTail {
            id: self.next_tail,
            request,
        });
        effects
    }

    /// Stops the tail once its pane is no longer on screen.
    fn sync_tail(&mut self) -> Vec<Effect> {
        if matches!(self.view().pane, Pane::Logs { .. }) {
            return Vec::new();
        }
        self.log
            .take()
            .map(|l| Effect::StopTail { id: l.tail_id })
            .into_iter()
            .collect()
    }

    /// Keys of the logs pane; `None` lets the generic handling run.
    fn run_logs(&mut self, command: Command) -> Option<Vec<Effect>> {
        let rows = self.page_rows.max(1);
        let page = rows as isize;
        let log = self.log.as_mut()?;
        let id = log.tail_id;
        let older = |log: &mut LogView, wants: bool| -> Vec<Effect> {
            if !wants {
                return Vec::new();
            }
            log.older_than()
                .map(|before_ms| Effect::LoadOlder { id, before_ms })
                .into_iter()
                .collect()
        };
        let effects = match command {
            // Esc clears the line filter, then the search, before it leaves the pane.
            Command::Back if log.grep.is_some() => {
                log.grep = None;
                Vec::new()
            }
            Command::Back if log.search.is_some() => {
                log.search = None;
                Vec::new()
            }
            // A tail that stopped or is failing tries again at once; it resumes where it
            // stopped, so nothing is read twice.
            Command::Refresh
                if !log.ended && (log.stopped.is_some() || log.last_error.is_some()) =>
            {
                self.say("logs: trying again now…", false);
                vec![Effect::RetryTail { id }]
            }
            Command::Up => {
                let wants = log.move_by(-1, rows);
                older(log, wants)
            }
            Command::Down => {
                log.move_by(1, rows);
                Vec::new()
            }
            Command::PageUp => {
                let wants = log.move_by(-page, rows);
                older(log, wants)
            }
            Command::PageDown => {
                log.move_by(page, rows);
                Vec::new()
            }
            Command::Top => {
                let wants = log.top(rows);
                older(log, wants)
            }
            Command::Bottom | Command::Follow => {
                log.resume();
                Vec::new()
            }
            Command::Wrap => {
                log.wrap = !log.wrap;
                Vec::new()
            }
            Command::Timestamps => {
                log.timestamps = !log.timestamps;
                Vec::new()
            }
            Command::SearchNext | Command::SearchPrev => {
                let forward = command == Command::SearchNext;
                if log.search.is_none() {
                    self.say("no search yet: press / first", true);
                } else if !log.find(forward, false, rows) {
                    self.say("no more matches", true);
                }
                Vec::new()
            }
            Command::Search => {
                let text = log
                    .search
                    .as_ref()
                    .map(|p| p.text.clone())
                    .unwrap_or_default();
                self.input = Some(Input::reopen(InputKind::Search, &text));
                Vec::new()
            }
            Command::Grep => {
                let text = log
                    .grep
                    .as_ref()
                    .map(|p| p.text.clone())
                    .unwrap_or_default();
                self.input = Some(Input::reopen(InputKind::Grep, &text));
                Vec::new()
            }
            Command::ServerFilter => {
                let text = log.request.pattern.clone().unwrap_or_default();
                self.input = Some(Input::reopen(InputKind::Pattern, &text));
                Vec::new()
            }
            Command::Save => {
                let name = format!(
                    "ecsdash-{}-{}.log",
                    log.title().replace([' ', '/', '(', ')'], "_"),
                    self.now.format("%Y%m%dT%H%M%S")
                );
                self.input = Some(Input::new(InputKind::SavePath, &name));
                Vec::new()
            }
            Command::Container => {
                let containers = log.containers();
                let next = match &log.request.container {
                    None => containers.first().cloned(),
                    Some(c) => containers
                        .iter()
                        .position(|x| x == c)
                        .and_then(|i| containers.get(i + 1))
                        .cloned(),
                };
                let mut request = log.request.clone();
                request.container = next;
                return Some(self.restart_tail(request));
            }
            Command::Copy => match log.selected_text().map(str::to_string) {
                Some(text) => {
                    self.say("copied the selected line (OSC 52)", false);
                    vec![Effect::Copy(text)]
                }
                None => Vec::new(),
            },
            Command::Pretty => {
                let Some(text) = log.selected_text().map(str::to_string) else {
                    return Some(Vec::new());
                };
                let body = pretty_json(&text).unwrap_or(text);
                self.popups.push(Popup::Text {
                    title: "log line".to_string(),
                    body,
                    scroll: 0,
                });
                Vec::new()
            }
            _ => return None,
        };
        Some(effects)
    }

    pub fn cluster_names(&self) -> Vec<String> {
        self.store
            .clusters()
            .map(|c| c.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }

    fn run_line(&mut self, line: &str) -> Vec<Effect> {
        let cmd = match command::parse(line) {
            Ok(c) => c,
            Err(e) => {
                self.say(e, true);
                return Vec::new();
            }
        };
        let cluster_pane = |arg: Option<String>, app: &mut App, make: fn(String) -> Pane| {
            let cluster = match arg {
                Some(c) => Some(c),
                None => app.selected_cluster(),
            };
            if let Some(cluster) = cluster {
                app.popups.clear();
                app.forget_pane_notes();
                // Esc goes back to the clusters pane with this cluster selected.
                let mut clusters = app
                    .stack
                    .first()
                    .cloned()
                    .unwrap_or_else(|| View::new(Pane::Clusters));
                if let Some(c) = app
                    .store
                    .clusters()
                    .and_then(|all| all.iter().find(|c| c.name == cluster))
                {
                    clusters.selected_id = Some(c.arn.clone());
                }
                app.stack = vec![clusters, View::new(make(cluster))];
            }
        };
        match cmd {
            LineCommand::Clusters => {
                self.popups.clear();
                self.stack.truncate(1);
            }
            LineCommand::Services(arg) => {
                cluster_pane(arg, self, |cluster| Pane::Services { cluster })
            }
            LineCommand::Tasks(arg) => cluster_pane(arg, self, |cluster| Pane::Tasks {
                cluster,
                service: None,
                instance: None,
            }),
            LineCommand::Instances(arg) => {
                cluster_pane(arg, self, |cluster| Pane::Instances { cluster })
            }
            LineCommand::TaskDefs(family) => {
                self.push(Pane::Families);
                if let Some(family) = family {
                    self.push(Pane::Revisions { family });
                }
            }
            LineCommand::Errors => self.popups.push(Popup::Errors { scroll: 0 }),
            LineCommand::Help => self.popups.push(Popup::Help),
            LineCommand::Since(text) => {
                let Some(log) = self.log.as_ref() else {
                    self.say(
                        ":since works in a logs pane (press l on a service or task)",
                        true,
                    );
                    return Vec::new();
                };
                match logs::parse_since(&text, self.now) {
                    Ok(start) => {
                        let mut request = log.request.clone();
                        request.start_ms = start.timestamp_millis();
                        self.say(
                            format!("logs since {}", format::timestamp(Some(start))),
                            false,
                        );
                        return self.restart_tail(request);
                    }
                    Err(e) => self.say(e, true),
                }
            }
            LineCommand::Quit => self.quit = true,
        }
        Vec::new()
    }

    /// The slots the visible pane draws from, for the header's age and loading marks
    /// (`None` for a query never started).
    pub fn visible_slots(&self) -> Vec<Option<&data::Slot>> {
        self.view()
            .data_keys()
            .iter()
            .map(|k| self.store.get(k))
            .collect()
    }
}

/// The JSON object inside a log line (after any prefix such as a timestamp), indented.
fn pretty_json(text: &str) -> Option<String> {
    let start = text.find('{')?;
    let value: serde_json::Value = serde_json::from_str(text[start..].trim_end()).ok()?;
    let pretty = serde_json::to_string_pretty(&value).ok()?;
    Some(if start == 0 {
        pretty
    } else {
        format!("{}\n{pretty}", text[..start].trim_end())
    })
}

#[cfg(test)]
mod logs_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
pub(crate) mod tests;
