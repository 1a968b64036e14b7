//! The application state and `update`: every change of state happens here, from one
//! `Action` at a time, with no I/O and no awaiting. Work for the outside world is returned
//! as `Effect`s, which the runtime hands to background workers.

pub mod command;
mod copy;
pub mod data;
pub mod derived;
pub mod describe;
pub mod dialogs;
mod fetch;
pub mod form;
pub mod format;
pub mod forwards;
mod health;
mod input;
pub mod keymap;
pub mod listing;
pub mod logs;
mod logs_pane;
pub mod metrics;
pub mod mouse;
mod navigation;
pub mod pane;
mod pulse;
mod regions;
mod revisions;
pub mod rows;
pub mod scaling;
pub mod shown;
mod status;
mod streams;
pub mod switch;
mod taskdefs;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyEvent, KeyEventKind};
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

pub use dialogs::{Dialog, PendingOp, Purpose};
pub use input::{Input, InputKind};
use navigation::RowsMemo;
pub use status::{ErrorRecord, InFlight, Status};

/// Everything that can change the state.
#[derive(Debug, Clone)]
pub enum Action {
    Key(KeyEvent),
    /// A click or the wheel (only when the mouse is the dashboard's).
    Mouse(mouse::Mouse),
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
    /// A page or a batch of a progressive list came back.
    PartLoaded {
        key: DataKey,
        part: listing::Part,
        result: Result<data::PartPayload, BackendError>,
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
    /// An exec session ended (a note) or never opened (why).
    ExecEnded(Result<String, String>),
    /// No container was named for exec and the task has several: offer the choice.
    ExecChoose {
        request: crate::ops::exec::Request,
        containers: Vec<String>,
    },
    /// What forward `id` did.
    Forward {
        id: u64,
        event: forwards::ForwardEvent,
    },
    /// The profiles and regions `:profile` and `:region` offer, or why not.
    Places(Result<crate::domain::places::Places, String>),
    /// A switch of profile or region ended.
    Switched(Result<switch::Switched, String>),
    /// The switch asked for needs an MFA code of this device: the user is asked for it.
    NeedsMfa {
        serial: String,
        /// Why it is asked again (AWS refused the last code).
        why: Option<String>,
    },
    /// `aws sso login` ended: a note, or why it failed or could not run.
    SignedIn(Result<String, String>),
    /// The account of the credentials in use, learned at start.
    Account(String),
    /// SIGTERM, SIGHUP or the terminal closing.
    Quit,
}

/// Work for the runtime.
#[derive(Debug, Clone)]
pub enum Effect {
    Fetch(DataKey),
    /// A page or a batch of the progressive list `key`, paid from the budget at
    /// `priority`.
    FetchPart {
        key: DataKey,
        part: listing::Part,
        priority: crate::domain::budget::Priority,
    },
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
    /// Open an ECS Exec session; the runtime steps aside while it runs.
    Exec(crate::ops::exec::Request),
    /// Open port forward `id` and keep it open in the background.
    Forward {
        id: u64,
        request: crate::ops::exec::Forward,
    },
    /// Stop port forward `id`.
    StopForward {
        id: u64,
    },
    /// Read the profiles and regions to offer.
    LoadPlaces,
    /// Step aside for `aws sso login` (for this profile; `None`: none named).
    SignIn {
        profile: Option<String>,
    },
    /// Build backends for `profile` (`None`: none named, the SDK's default chain) in
    /// `region` (`None`: the profile's own), and start over on them.
    Switch {
        profile: Option<String>,
        region: Option<String>,
        /// The code for an assume-role profile with MFA, once asked.
        mfa_code: Option<String>,
    },
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
            (
                Effect::FetchPart {
                    key: a, part: p, ..
                },
                Effect::FetchPart {
                    key: b, part: q, ..
                },
            ) => a == b && p == q,
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
    /// What `x` runs (the config's `exec_command`, else `/bin/sh`).
    pub exec_command: String,
    /// How far back a logs pane starts.
    pub log_since: Duration,
    /// Changes are refused (`--read-only`); shown in the header, and no dialog opens.
    pub read_only: bool,
    /// Operations sent and not yet answered, by id.
    pub pending_ops: std::collections::HashMap<u64, PendingOp>,
    next_op: u64,
    /// What each service's last scale from here changed, for `u`.
    pub undo: std::collections::HashMap<(String, String), dialogs::Undo>,
    /// A revision whose JSON is loading to be edited (in `$EDITOR` when true).
    pending_edit: Option<(String, bool)>,
    /// The revision being edited in `$EDITOR`.
    editing: Option<std::sync::Arc<crate::ops::model::TaskDefDoc>>,
    /// The revision `=` diffs against.
    pub marked: Option<String>,
    rows_memo: RefCell<RowsMemo>,
    /// The container last chosen for exec, per service.
    exec_containers: std::collections::HashMap<String, String>,
    /// Where the last frame drew the table's rows (for clicks); `None` without a table.
    pub drawn_rows: std::cell::Cell<Option<mouse::DrawnRows>>,
    /// The last click: when, and on which row (a second one soon after opens it).
    last_click: Option<(std::time::Instant, String)>,
    /// What `:profile` and `:region` offer, once read.
    pub places: Option<crate::domain::places::Places>,
    /// The regions marked on `:region` (Enter spans them all).
    pub marked_regions: Vec<String>,
    /// When a service needs attention (`:pulse`; the config's `[pulse]`).
    pub pulse: crate::domain::pulse::Thresholds,
    /// CloudWatch metrics and alarms are read (the config's `metrics = false` turns them
    /// off).
    pub cloudwatch: bool,
    /// The hours a service's describe view charts (`+` and `-`).
    pub chart_hours: u32,
    /// When the last batch of pane metrics was asked for.
    metrics_batch_at: Option<DateTime<Utc>>,
    places_version: u64,
    /// A switch under way (what to), answered by `Action::Switched`.
    switching: Option<String>,
    /// The switch under way (profile, region), to try again with an MFA code.
    pending_switch: Option<(Option<String>, Option<String>)>,
    /// The header's colour for the profile in use (the config's `colour`).
    pub profile_colour: Option<String>,
    /// Port forwards started here, open and ended (`:forwards`).
    pub forwards: Vec<forwards::PortForward>,
    /// Changes with every forward's change, for the rows memo.
    forwards_version: u64,
    next_forward: u64,
    task_row_cache: RefCell<navigation::TaskRowCache>,
    /// Derived views kept between frames (see `derived`).
    pub derived: derived::Derived,
    /// The key bindings in force (the table with the config file's `[keys]`).
    pub keymap: keymap::Keymap,
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
            exec_command: crate::ops::exec::DEFAULT_COMMAND.to_string(),
            log_since: Duration::minutes(5),
            read_only: false,
            pending_ops: std::collections::HashMap::new(),
            next_op: 0,
            undo: std::collections::HashMap::new(),
            pending_edit: None,
            editing: None,
            marked: None,
            rows_memo: RefCell::new(None),
            exec_containers: std::collections::HashMap::new(),
            places: None,
            marked_regions: Vec::new(),
            pulse: Default::default(),
            // Turned on by the dashboard's settings (`metrics`); off in tests that count
            // fetches.
            cloudwatch: false,
            chart_hours: 1,
            metrics_batch_at: None,
            places_version: 0,
            switching: None,
            pending_switch: None,
            profile_colour: None,
            drawn_rows: std::cell::Cell::new(None),
            last_click: None,
            forwards: Vec::new(),
            forwards_version: 0,
            next_forward: 0,
            task_row_cache: RefCell::default(),
            derived: derived::Derived::default(),
            keymap: keymap::Keymap::default(),
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
            Action::Mouse(m) => {
                let mut effects = self.on_mouse(m);
                effects.append(&mut self.refusals);
                effects.extend(self.sync_tail());
                effects.extend(self.due_fetches());
                effects
            }
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
            Action::PartLoaded {
                key,
                part,
                result,
                at,
            } => self.on_part_loaded(key, part, result, at),
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
            Action::ExecEnded(result) => self.on_exec_ended(result),
            Action::ExecChoose {
                request,
                containers,
            } => self.choose_exec_container(request, containers),
            Action::Forward { id, event } => self.on_forward(id, event),
            Action::Places(result) => self.on_places(result),
            Action::Switched(result) => self.on_switched(result),
            Action::NeedsMfa { serial, why } => self.ask_mfa(serial, why),
            Action::SignedIn(result) => self.on_signed_in(result),
        }
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
        if !self.popups.is_empty() {
            // A popup's own keys first; the rest are those of anywhere.
            if let Some(command) = self.keymap.lookup(&key, keymap::place::POPUP) {
                return self.popup_command(command);
            }
            let Some(command) = self.keymap.lookup(&key, &[keymap::Scope::Global]) else {
                return Vec::new();
            };
            return self.run(command);
        }
        let Some(command) = self.keymap.lookup(&key, self.view().pane.scopes()) else {
            return Vec::new();
        };
        self.run(command)
    }

    /// A popup's own key: scroll (where it scrolls), copy a text shown in full, close.
    fn popup_command(&mut self, command: Command) -> Vec<Effect> {
        let page = u16::try_from(self.page_rows).unwrap_or(u16::MAX);
        let Some(popup) = self.popups.last_mut() else {
            return Vec::new();
        };
        match command {
            Command::Close => {
                self.popups.pop();
            }
            Command::Copy => return self.copy_popup(),
            Command::ChartLonger | Command::ChartShorter => {
                self.chart_longer(command == Command::ChartLonger);
            }
            _ => {
                let (Popup::Describe { scroll, .. }
                | Popup::Errors { scroll }
                | Popup::Text { scroll, .. }
                | Popup::Revision { scroll, .. }
                | Popup::Diff { scroll, .. }) = popup
                else {
                    return Vec::new();
                };
                *scroll = match command {
                    Command::Down => scroll.saturating_add(1),
                    Command::Up => scroll.saturating_sub(1),
                    Command::PageDown => scroll.saturating_add(page),
                    Command::PageUp => scroll.saturating_sub(page),
                    Command::Top => 0,
                    _ => *scroll,
                };
            }
        }
        Vec::new()
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
            Command::Describe if matches!(self.view().pane, Pane::Forwards) => {
                self.forward_details();
            }
            Command::Describe if matches!(self.view().pane, Pane::Revisions { .. }) => {
                return self.open();
            }
            Command::Describe => self.describe(),
            Command::CopyId => return self.copy_row(copy::Part::Id),
            Command::CopyArn => return self.copy_row(copy::Part::Arn),
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
            | Command::ChartLonger
            | Command::ChartShorter
            | Command::Save => {}
            Command::Help => self.toggle_popup(Popup::Help),
            Command::Errors => self.toggle_popup(Popup::Errors { scroll: 0 }),
            Command::SignIn => return self.sign_in(),
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
            Command::Exec => return self.open_exec(None),
            Command::Forward => return self.open_forward(),
            Command::StopForward => return self.stop_forward(),
            Command::Drain => self.drain_instance(),
            Command::Edit => return self.edit_revision(false),
            Command::ExternalEdit => return self.edit_revision(true),
            Command::Mark if self.view().pane == Pane::Regions => self.mark_region(),
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
            // Keys of dialogs, pickers, popups and prompts, which look them up themselves.
            Command::Interrupt
            | Command::Submit
            | Command::Cancel
            | Command::NextField
            | Command::PrevField
            | Command::Toggle
            | Command::NextChoice
            | Command::PrevChoice
            | Command::ConfirmYes
            | Command::ConfirmNo
            | Command::Force
            | Command::Check
            | Command::Close
            | Command::NextGroup
            | Command::PrevGroup
            | Command::Complete => {}
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
}

#[cfg(test)]
mod dialogs_tests;
#[cfg(test)]
mod exec_tests;
#[cfg(test)]
mod forwards_tests;
#[cfg(test)]
mod keys_tests;
#[cfg(test)]
mod logs_tests;
#[cfg(test)]
mod metrics_tests;
#[cfg(test)]
mod pulse_tests;
#[cfg(test)]
mod regions_tests;
#[cfg(test)]
mod signin_tests;
#[cfg(test)]
mod switch_tests;
#[cfg(test)]
pub(crate) mod tests;
