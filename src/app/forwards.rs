//! Port forwards from the dashboard: `p` on a task (or a service: its newest running
//! task) asks for the ports, and the runtime keeps the Session Manager plugin running in
//! the background. `:forwards` lists them (local port, where to, since when, connections)
//! and `x` stops one; all are stopped on quit. Guarded like exec: read-only refuses them.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::dialogs::{Dialog, Purpose};
use super::form::{Field, Form, FormKey};
use super::pane::Pane;
use super::rows::{Cell, Column, Row, Tone, col, low, lowest};
use super::{App, Effect, Popup};
use crate::ops::exec::{self, Forward, Request};

/// Lines of the plugin's output kept per forward (shown when it ends, and in its details).
const LAST_LINES: usize = 5;

/// A forward started from the dashboard, open or ended.
#[derive(Debug, Clone, PartialEq)]
pub struct PortForward {
    pub id: u64,
    pub request: Forward,
    /// The task's id and the container, once the session is open.
    pub task: Option<String>,
    pub container: Option<String>,
    pub since: DateTime<Utc>,
    pub connections: u64,
    /// Bytes sent, where the forward can count them (the demo; the plugin does not say).
    pub bytes: Option<u64>,
    pub state: ForwardState,
    /// The plugin's last lines, sanitized as they arrive (they are its own words).
    pub last_lines: VecDeque<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ForwardState {
    Opening,
    Open,
    /// Ended: how, and whether that was a failure.
    Ended {
        how: String,
        error: bool,
    },
}

impl PortForward {
    fn active(&self) -> bool {
        !matches!(self.state, ForwardState::Ended { .. })
    }

    /// Where the traffic goes: the task's port, or a host's through the task.
    pub fn to(&self) -> String {
        match &self.request.host {
            Some(host) => format!("{host}:{}", self.request.remote),
            None => format!("task:{}", self.request.remote),
        }
    }
}

/// What the runtime reports of forward `id`.
#[derive(Debug, Clone, PartialEq)]
pub enum ForwardEvent {
    Opened {
        task: String,
        container: String,
    },
    /// No container was named and the task has several: the ports form comes back with
    /// the choice (nothing was sent).
    Choose {
        task: String,
        containers: Vec<String>,
    },
    Connection,
    Bytes(u64),
    Line(String),
    /// It ended: a note, or why it failed.
    Ended(Result<String, String>),
}

/// On a narrow terminal the local port, where it leads and the state stay longest.
pub const FORWARD_COLUMNS: &[Column] = &[
    col("LOCAL", 15, false),
    col("TO", 14, true),
    low("TASK", 12, false),
    lowest("CONTAINER", 10, true),
    low("SINCE", 6, false),
    low("CONNS", 5, false),
    lowest("BYTES", 6, false),
    col("STATE", 8, true),
];

impl App {
    /// `p`: the ports (and the container, when the task has several) to forward.
    pub(in crate::app) fn open_forward(&mut self) -> Vec<Effect> {
        if self.refuse_read_only("port forwarding") {
            return Vec::new();
        }
        let request = match self.view().pane.clone() {
            Pane::Services { cluster } => {
                let Some((_, s)) = self.selected_service() else {
                    return Vec::new();
                };
                // The task's containers are not known yet: with several, the runtime
                // brings the form back with the choice.
                Request {
                    cluster,
                    service: Some(s.name.clone()),
                    task: None,
                    container: None,
                    command: String::new(),
                }
            }
            Pane::Tasks { cluster, .. } => {
                let Some(task) = self.selected_running_task("port forwarding") else {
                    return Vec::new();
                };
                let names: Vec<String> =
                    task.containers.iter().map(|c| c.name.to_string()).collect();
                let request = Request {
                    cluster,
                    service: task.service_name().map(str::to_owned),
                    task: Some(task.arn.clone()),
                    container: (names.len() == 1).then(|| names[0].clone()),
                    command: String::new(),
                };
                if names.len() > 1 {
                    self.forward_form(request, names, "", "");
                    return Vec::new();
                }
                request
            }
            _ => return Vec::new(),
        };
        self.forward_form(request, Vec::new(), "", "");
        Vec::new()
    }

    /// The ports form; with `containers`, a choice of container too.
    fn forward_form(&mut self, request: Request, containers: Vec<String>, ports: &str, host: &str) {
        let title = match (&request.task, &request.service) {
            (Some(task), _) => format!("Forward a port of task {}", exec_task_id(task)),
            (None, Some(service)) => format!("Forward a port of service {service}"),
            (None, None) => "Forward a port".to_string(),
        };
        let mut form = Form::new(title, Purpose::Forward { request })
            .info("LOCAL:REMOTE, or one port for both; with a host, its port through the task")
            .field(Field::text("ports", ports, check_ports).with_help("e.g. 8080:80"))
            .field(
                Field::text("host", host, check_optional_host)
                    .with_help("empty: the task itself; else a host the task can reach"),
            );
        if !containers.is_empty() {
            // The service's last choice first.
            let at = request_service_choice(&self.exec_containers, &form.purpose)
                .and_then(|c| containers.iter().position(|n| *n == c))
                .unwrap_or(0);
            form = form.field(Field::choice("container", containers, at));
        }
        self.open_dialog(Dialog::Form(form));
    }

    /// Keys in the ports form: Enter starts the forward.
    pub(super) fn forward_key(&mut self, key: crossterm::event::KeyEvent) -> Vec<Effect> {
        let mut start = None;
        let did = self.form_key(key, |app, form| {
            let Purpose::Forward { request } = &form.purpose else {
                return Err("not a port forward form".into());
            };
            let (local, remote) = exec::parse_ports(&form.value("ports"))?;
            if let Some(other) = app
                .forwards
                .iter()
                .find(|f| f.active() && f.request.local == local)
            {
                return Err(format!(
                    "local port {local} is taken by the forward to {} (:forwards)",
                    other.to()
                ));
            }
            let host = form.value("host").trim().to_string();
            let mut task = request.clone();
            if form.fields.iter().any(|f| f.label == "container") {
                let container = form.value("container");
                if let Some(service) = &task.service {
                    app.exec_containers
                        .insert(service.clone(), container.clone());
                }
                task.container = Some(container);
            }
            start = Some(Forward {
                task,
                local,
                remote,
                host: (!host.is_empty()).then_some(host),
            });
            app.close_dialog();
            Ok(())
        });
        match (did, start) {
            (FormKey::Submit, Some(request)) => self.start_forward(request),
            _ => Vec::new(),
        }
    }

    fn start_forward(&mut self, request: Forward) -> Vec<Effect> {
        let id = self.next_forward;
        self.next_forward += 1;
        let forward = PortForward {
            id,
            request: request.clone(),
            // Known before the session opens when started from a task.
            task: request
                .task
                .task
                .as_deref()
                .map(|t| exec_task_id(t).to_string()),
            container: request.task.container.clone(),
            since: self.now,
            connections: 0,
            bytes: None,
            state: ForwardState::Opening,
            last_lines: VecDeque::new(),
        };
        self.say(
            format!(
                "opening localhost:{} → {} (:forwards lists it)",
                request.local,
                forward.to()
            ),
            false,
        );
        self.forwards.push(forward);
        self.forwards_version += 1;
        vec![Effect::Forward { id, request }]
    }

    /// What the runtime says of forward `id`.
    pub(in crate::app) fn on_forward(&mut self, id: u64, event: ForwardEvent) -> Vec<Effect> {
        let Some(at) = self.forwards.iter().position(|f| f.id == id) else {
            return Vec::new();
        };
        self.forwards_version += 1;
        self.dirty = true;
        let f = &mut self.forwards[at];
        // Stopped while it opened: what the session does after is no longer news.
        if !f.active()
            && matches!(
                event,
                ForwardEvent::Opened { .. } | ForwardEvent::Choose { .. }
            )
        {
            return Vec::new();
        }
        match event {
            ForwardEvent::Opened { task, container } => {
                f.state = ForwardState::Open;
                f.since = self.now;
                let note = format!(
                    "forwarding localhost:{} → {} through container {container} of task {task}",
                    f.request.local,
                    f.to()
                );
                f.task = Some(task);
                f.container = Some(container);
                self.say(note, false);
            }
            ForwardEvent::Choose { task, containers } => {
                let f = self.forwards.remove(at);
                let ports = format!("{}:{}", f.request.local, f.request.remote);
                let host = f.request.host.clone().unwrap_or_default();
                self.say(
                    format!(
                        "task {} has several containers: choose the one to forward through",
                        exec_task_id(&task)
                    ),
                    false,
                );
                let request = Request {
                    task: Some(task),
                    ..f.request.task
                };
                self.forward_form(request, containers, &ports, &host);
                // Straight to the new question; the ports are as typed.
                if let Some(Dialog::Form(form)) = self.dialog_mut() {
                    form.focus = form.fields.len() - 1;
                }
            }
            ForwardEvent::Connection => f.connections += 1,
            ForwardEvent::Bytes(n) => *f.bytes.get_or_insert(0) += n,
            ForwardEvent::Line(line) => {
                if f.last_lines.len() == LAST_LINES {
                    f.last_lines.pop_front();
                }
                f.last_lines
                    .push_back(crate::domain::sanitize::one_line(&line));
            }
            ForwardEvent::Ended(result) => {
                let (how, error) = match result {
                    Ok(note) => (note, false),
                    Err(why) => (why, true),
                };
                let local = f.request.local;
                let opened = f.state != ForwardState::Opening;
                f.state = ForwardState::Ended {
                    how: how.clone(),
                    error,
                };
                // One that never opened (a port in use, no running task) leaves no row:
                // the status line and the error history say why.
                if error && !opened {
                    self.forwards.remove(at);
                }
                if error {
                    let what = if opened {
                        format!("the forward of localhost:{local} ended: {how}")
                    } else {
                        format!("the forward of localhost:{local} was not opened: {how}")
                    };
                    self.say_failure("StartSession", what);
                }
            }
        }
        Vec::new()
    }

    /// `x` in `:forwards`: stops the selected forward, or takes an ended one off the list.
    pub(in crate::app) fn stop_forward(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_row() else {
            return Vec::new();
        };
        let Some(at) = self
            .forwards
            .iter()
            .position(|f| forward_id(f.id) == row.id)
        else {
            return Vec::new();
        };
        self.forwards_version += 1;
        if self.forwards[at].active() {
            let f = &mut self.forwards[at];
            f.state = ForwardState::Ended {
                how: "stopped".into(),
                error: false,
            };
            let (id, local) = (f.id, f.request.local);
            self.say(format!("stopped the forward of localhost:{local}"), false);
            vec![Effect::StopForward { id }]
        } else {
            let f = self.forwards.remove(at);
            self.say(
                format!(
                    "took the forward of localhost:{} off the list",
                    f.request.local
                ),
                false,
            );
            Vec::new()
        }
    }

    /// The forward shown as row `id`.
    pub(in crate::app) fn forward_of_row(&self, id: &str) -> Option<&PortForward> {
        self.forwards.iter().find(|f| forward_id(f.id) == id)
    }

    /// Forwards still open or opening (shown in the header).
    pub fn active_forwards(&self) -> usize {
        self.forwards.iter().filter(|f| f.active()).count()
    }

    pub(in crate::app) fn forward_rows(&self) -> Vec<Row> {
        self.forwards
            .iter()
            .map(|f| {
                let (state, tone) = match &f.state {
                    ForwardState::Opening => (Cell::text("opening"), Tone::Warn),
                    ForwardState::Open => (Cell::text("open"), Tone::Ok),
                    ForwardState::Ended { how, error: true } => {
                        (Cell::text(format!("failed: {how}")), Tone::Error)
                    }
                    ForwardState::Ended { how, .. } => (Cell::text(how.clone()), Tone::Dim),
                };
                let num = |n: Option<u64>| match n {
                    Some(n) => Cell::num(i64::try_from(n).unwrap_or(i64::MAX)),
                    None => Cell::text("-"),
                };
                Row {
                    id: forward_id(f.id),
                    cells: vec![
                        Cell::text(format!("localhost:{}", f.request.local)),
                        Cell::text(f.to()),
                        Cell::text(f.task.clone().unwrap_or_else(|| "-".into())),
                        Cell::text(f.container.clone().unwrap_or_else(|| "-".into())),
                        Cell::age(self.now, Some(f.since)),
                        num(Some(f.connections)),
                        num(f.bytes),
                        state.tone(tone),
                    ],
                    tone,
                }
            })
            .collect()
    }

    /// Enter or `d` in `:forwards`: the forward in full, with the plugin's last lines.
    pub(in crate::app) fn forward_details(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let Some(f) = self.forwards.iter().find(|f| forward_id(f.id) == row.id) else {
            return;
        };
        let r = &f.request.task;
        let mut body = format!(
            "local:     localhost:{}\nto:        {}\ncluster:   {}\nservice:   {}\ntask:      {}\ncontainer: {}\nsince:     {}\nconnections: {}\n",
            f.request.local,
            f.to(),
            r.cluster,
            r.service.as_deref().unwrap_or("-"),
            f.task.as_deref().unwrap_or("-"),
            f.container.as_deref().unwrap_or("-"),
            f.since.format("%Y-%m-%d %H:%M:%S UTC"),
            f.connections,
        );
        if let Some(bytes) = f.bytes {
            body.push_str(&format!("bytes sent:  {bytes}\n"));
        }
        body.push_str(&match &f.state {
            ForwardState::Opening => "state:     opening the session\n".to_string(),
            ForwardState::Open => "state:     open\n".to_string(),
            ForwardState::Ended { how, .. } => format!("ended:     {how}\n"),
        });
        if !f.last_lines.is_empty() {
            body.push_str("\nthe plugin's last lines:\n");
            for line in &f.last_lines {
                body.push_str(&format!("  {line}\n"));
            }
        }
        self.popups.push(Popup::Text {
            title: format!("Forward of localhost:{}", f.request.local),
            body,
            scroll: 0,
        });
    }
}

/// The container last chosen for the service a form is about.
fn request_service_choice(
    chosen: &std::collections::HashMap<String, String>,
    purpose: &Purpose,
) -> Option<String> {
    let Purpose::Forward { request } = purpose else {
        return None;
    };
    chosen.get(request.service.as_ref()?).cloned()
}

/// A forward's row id.
fn forward_id(id: u64) -> String {
    format!("forward-{id}")
}

fn exec_task_id(task: &str) -> &str {
    crate::domain::model::arn_name(task)
}

fn check_ports(text: &str) -> Result<(), String> {
    exec::parse_ports(text).map(drop)
}

fn check_optional_host(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        Ok(())
    } else {
        exec::check_host(text)
    }
}
