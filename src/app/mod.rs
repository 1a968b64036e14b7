//! The application state and `update`: every change of state happens here, from one
//! `Action` at a time, with no I/O and no awaiting. Work for the outside world is returned
//! as `Effect`s, which the runtime hands to background workers.

pub mod command;
pub mod data;
pub mod describe;
pub mod format;
pub mod keymap;
pub mod pane;
pub mod rows;

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::aws::model::{TaskScope, arn_account};
use crate::aws::{BackendError, Identity};
use command::LineCommand;
use data::{DataKey, Payload, Store};
use keymap::Command;
use pane::{Pane, View};
use rows::{Column, Row};

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
    /// SIGTERM, SIGHUP or the terminal closing.
    Quit,
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Fetch(DataKey),
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
}

/// A one-line text field (the `/` filter or the `:` command line).
#[derive(Debug, Clone)]
pub enum Input {
    Filter(TextArea<'static>),
    Command(TextArea<'static>),
}

impl Input {
    pub fn text(&self) -> String {
        match self {
            Input::Filter(t) | Input::Command(t) => t.lines().join(""),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorRecord {
    pub at: DateTime<Utc>,
    pub error: BackendError,
}

/// A message for the status line, such as the outcome of a command.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub text: String,
    pub error: bool,
    pub at: DateTime<Utc>,
}

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
    pub now: DateTime<Utc>,
    /// `None` turns automatic refresh off.
    pub refresh: Option<Duration>,
    /// Rows a page holds (the table's height), for PgUp/PgDn.
    pub page_rows: usize,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
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
            now,
            refresh,
            page_rows: 20,
            quit: false,
            dirty: true,
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
        let mut effects = Vec::new();
        for key in keys {
            let never_tried = self.store.get(&key).is_none();
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
                .map(|t| t.task_definition_arn),
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
                if self
                    .status
                    .as_ref()
                    .is_some_and(|s| (now - s.at).num_seconds() >= STATUS_SECS)
                {
                    self.status = None;
                    self.dirty = true;
                }
                self.due_fetches()
            }
            Action::Loaded { key, result, at } => self.on_loaded(key, result, at),
            Action::Quit => {
                self.quit = true;
                Vec::new()
            }
        }
    }

    fn on_loaded(
        &mut self,
        key: DataKey,
        result: Result<Payload, BackendError>,
        at: DateTime<Utc>,
    ) -> Vec<Effect> {
        self.dirty = true;
        if let Ok(Payload::Clusters(c)) = &result
            && self.identity.account.is_none()
        {
            self.identity.account = c
                .iter()
                .find_map(|c| arn_account(&c.arn))
                .map(str::to_string);
        }
        if let Err(e) = &result {
            self.errors.push_front(ErrorRecord {
                at,
                error: e.clone(),
            });
            self.errors.truncate(ERROR_HISTORY);
        }
        self.store.land(&key, result, at);
        let again = std::mem::take(&mut self.store.slot_mut(&key).again);
        if again && self.view().data_keys().contains(&key) {
            return self.fetch(key).into_iter().collect();
        }
        Vec::new()
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.input.is_some() {
            return self.on_input_key(key);
        }
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(popup) = self.popups.last_mut() {
            // Popups take scrolling keys; Esc closes; the rest falls through to globals.
            let scroll = match popup {
                Popup::Describe { scroll, .. } | Popup::Errors { scroll } => Some(scroll),
                Popup::Help => None,
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
        match command {
            Command::Up => self.move_selection(-1),
            Command::Down => self.move_selection(1),
            Command::Top => self.move_selection(isize::MIN / 2),
            Command::Bottom => self.move_selection(isize::MAX / 2),
            Command::PageUp => self.move_selection(-(self.page_rows as isize)),
            Command::PageDown => self.move_selection(self.page_rows as isize),
            Command::Open => return self.open(),
            Command::Back => self.back(),
            Command::Describe => self.describe(),
            Command::Refresh => return self.refresh_now(),
            Command::Filter => {
                let mut t = TextArea::new(vec![self.view().filter.clone()]);
                t.move_cursor(ratatui_textarea::CursorMove::End);
                self.input = Some(Input::Filter(t));
            }
            Command::CommandLine => self.input = Some(Input::Command(TextArea::default())),
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
            Command::Quit => self.quit = true,
        }
        Vec::new()
    }

    fn toggle_popup(&mut self, popup: Popup) {
        if self.popups.last() == Some(&popup) {
            self.popups.pop();
        } else {
            self.popups.push(popup);
        }
    }

    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
            at: self.now,
        });
    }

    /// The rows on screen: the pane's data, filtered and sorted.
    pub fn rows(&self, view: &View) -> (&'static [Column], Vec<Row>) {
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
            Pane::Tasks { .. } => {
                let mut tasks = self.pane_tasks(&view.pane);
                if !view.show_stopped {
                    tasks.retain(|t| t.last_status != "STOPPED");
                }
                (rows::TASK_COLUMNS, rows::task_rows(&tasks))
            }
            Pane::Instances { cluster } => (
                rows::INSTANCE_COLUMNS,
                self.store
                    .instances(cluster)
                    .map(|i| rows::instance_rows(i))
                    .unwrap_or_default(),
            ),
        };
        if !view.filter.is_empty() {
            rows.retain(|r| r.matches(&view.filter));
        }
        if let Some((column, descending)) = view.sort {
            rows::sort_rows(&mut rows, column, descending);
        }
        (columns, rows)
    }

    /// A tasks pane's tasks: running ones first, then recently stopped ones, newest first.
    fn pane_tasks(&self, pane: &Pane) -> Vec<crate::aws::model::Task> {
        let Pane::Tasks { cluster, service } = pane else {
            return Vec::new();
        };
        let mut tasks = Vec::new();
        for scope in [TaskScope::Running, TaskScope::Stopped] {
            if let Some(t) = self.store.tasks(cluster, service.as_deref(), scope) {
                let mut t: Vec<_> = t.iter().cloned().collect();
                t.sort_by_key(|t| std::cmp::Reverse(t.started_at));
                // A task stopped between the two lists appears in both; keep the newer.
                tasks.retain(|x: &crate::aws::model::Task| !t.iter().any(|y| y.arn == x.arn));
                tasks.extend(t);
            }
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
        rows.into_iter().nth(i)
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
            }),
            // Tasks and instances have nothing below them yet: describe instead.
            Pane::Tasks { .. } | Pane::Instances { .. } => self.describe(),
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
        self.say("refreshing…", false);
        effects
    }

    fn on_input_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let clusters = self.cluster_names();
        let Some(input) = self.input.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (input, key.code) {
            (_, KeyCode::Char('c')) if ctrl => {
                self.quit = true;
            }
            (Input::Filter(_), KeyCode::Esc) => {
                self.input = None;
                self.view_mut().filter.clear();
            }
            (Input::Command(_), KeyCode::Esc) => self.input = None,
            (Input::Filter(_), KeyCode::Enter) => {
                self.input = None;
                self.select_first();
                let (_, rows) = self.rows(self.view());
                if rows.is_empty() {
                    self.say(format!("no row matches `{}`", self.view().filter), true);
                }
            }
            (Input::Command(t), KeyCode::Enter) => {
                let line = t.lines().join("");
                self.input = None;
                return self.run_line(&line);
            }
            (Input::Command(t), KeyCode::Tab) => {
                let line = t.lines().join("");
                if let Some(done) = command::complete(&line, &clusters) {
                    let mut fresh = TextArea::new(vec![done]);
                    fresh.move_cursor(ratatui_textarea::CursorMove::End);
                    *t = fresh;
                }
            }
            (Input::Filter(t) | Input::Command(t), _) => {
                // Single-line fields: Enter is handled above, so no newline gets in.
                t.input(key);
                if let Some(Input::Filter(t)) = &self.input {
                    let text = t.lines().join("").to_lowercase();
                    self.view_mut().filter = text;
                    self.select_first();
                }
            }
        }
        Vec::new()
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
                app.stack = vec![View::new(Pane::Clusters), View::new(make(cluster))];
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
            }),
            LineCommand::Instances(arg) => {
                cluster_pane(arg, self, |cluster| Pane::Instances { cluster })
            }
            LineCommand::Errors => self.popups.push(Popup::Errors { scroll: 0 }),
            LineCommand::Help => self.popups.push(Popup::Help),
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

#[cfg(test)]
mod tests;
