//! ECS Exec from the dashboard (`x`): on a task, a shell in one of its containers (a
//! choice when it has several, the last one remembered per service); on a service, in its
//! newest running task. The runtime steps aside for the session, as for `$EDITOR`, and the
//! status line says how it ended. Read-only mode refuses it like every change.

use crossterm::event::KeyEvent;

use super::{Dialog, Purpose};
use crate::app::form::{Field, Form, FormKey};
use crate::app::pane::Pane;
use crate::app::{App, Effect, Popup};
use crate::domain::model::Task;
use crate::ops::exec::Request;
use std::sync::Arc;

impl App {
    pub(in crate::app) fn open_exec(&mut self, command: Option<String>) -> Vec<Effect> {
        if self.refuse_read_only("exec") {
            return Vec::new();
        }
        let command = command.unwrap_or_else(|| self.exec_command.clone());
        match self.view().pane.clone() {
            Pane::Services { .. } => {
                let Some((cluster, s)) = self.selected_service() else {
                    return Vec::new();
                };
                // No container named: a task of several comes back as a choice (the last
                // one chosen first), never used unasked.
                vec![Effect::Exec(Request {
                    cluster,
                    service: Some(s.name.clone()),
                    task: None,
                    container: None,
                    command,
                })]
            }
            Pane::Tasks { cluster, .. } => {
                let Some(task) = self.selected_running_task("exec") else {
                    return Vec::new();
                };
                let service = task.service_name().map(str::to_owned);
                let names: Vec<String> =
                    task.containers.iter().map(|c| c.name.to_string()).collect();
                let request = Request {
                    cluster,
                    service: service.clone(),
                    task: Some(task.arn.clone()),
                    container: None,
                    command,
                };
                let remembered = service
                    .as_ref()
                    .and_then(|s| self.exec_containers.get(s))
                    .filter(|c| names.contains(c))
                    .cloned();
                match (names.as_slice(), remembered) {
                    ([only], _) => vec![Effect::Exec(Request {
                        container: Some(only.clone()),
                        ..request
                    })],
                    ([], _) => {
                        self.say(format!("task {} has no containers", task.id), true);
                        Vec::new()
                    }
                    (_, remembered) => {
                        self.exec_choice(request, names, remembered);
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    /// The selected task, when it is running; else says why not (for `what`).
    pub(in crate::app) fn selected_running_task(&mut self, what: &str) -> Option<Arc<Task>> {
        let Some(row) = self.selected_row() else {
            self.say("no task selected", true);
            return None;
        };
        let pane = self.view().pane.clone();
        let Some(task) = self
            .pane_tasks(&pane)
            .into_iter()
            .find(|t| t.arn == row.id)
            .cloned()
        else {
            self.say("that task's details have not loaded yet", true);
            return None;
        };
        if task.last_status != "RUNNING" {
            self.say(
                format!(
                    "task {} is {}: {what} needs a running task",
                    task.id, task.last_status
                ),
                true,
            );
            return None;
        }
        Some(task)
    }

    /// The choice of container for `request` (its task has several).
    fn exec_choice(&mut self, request: Request, names: Vec<String>, remembered: Option<String>) {
        let at = remembered
            .and_then(|r| names.iter().position(|n| *n == r))
            .unwrap_or(0);
        let run = format!("run: {}", request.command);
        let task = request
            .task
            .as_deref()
            .map(crate::domain::model::arn_name)
            .unwrap_or_default()
            .to_string();
        let mut form =
            Form::new(format!("Exec into task {task}"), Purpose::Exec { request }).info(run);
        form.fields = vec![Field::choice("container", names, at)];
        self.open_dialog(Dialog::Form(form));
    }

    /// Exec on a service found a task of several containers: the choice, for that task.
    pub(in crate::app) fn choose_exec_container(
        &mut self,
        request: Request,
        containers: Vec<String>,
    ) -> Vec<Effect> {
        self.dirty = true;
        let remembered = request
            .service
            .as_ref()
            .and_then(|s| self.exec_containers.get(s))
            .cloned();
        self.exec_choice(request, containers, remembered);
        Vec::new()
    }

    /// Keys in the container choice: Enter opens the session in the chosen one.
    pub(super) fn exec_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let mut chosen = None;
        let did = self.form_key(key, |app, form| {
            let Purpose::Exec { request } = &form.purpose else {
                return Err("not an exec form".into());
            };
            let container = form.value("container");
            if let Some(service) = &request.service {
                app.exec_containers
                    .insert(service.clone(), container.clone());
            }
            chosen = Some(Request {
                container: Some(container),
                ..request.clone()
            });
            app.close_dialog();
            Ok(())
        });
        match (did, chosen) {
            (FormKey::Submit, Some(request)) => vec![Effect::Exec(request)],
            _ => Vec::new(),
        }
    }

    /// A session ended (or never opened): the status line says which. A failure goes
    /// to the error history too, and one that says more than a line (the fix for exec
    /// being off, the IAM actions) is shown in full.
    pub(in crate::app) fn on_exec_ended(&mut self, result: Result<String, String>) -> Vec<Effect> {
        self.dirty = true;
        match result {
            Ok(note) => self.say(note, false),
            Err(e) => {
                if e.contains('\n') {
                    self.popups.push(Popup::Text {
                        title: "ECS Exec".into(),
                        body: e.clone(),
                        scroll: 0,
                    });
                }
                self.say_failure("ExecuteCommand", e);
            }
        }
        Vec::new()
    }
}
