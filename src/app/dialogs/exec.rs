//! ECS Exec from the dashboard (`x`): on a task, a shell in one of its containers (a
//! choice when it has several, the last one remembered per service); on a service, in its
//! newest running task. The runtime steps aside for the session, as for `$EDITOR`, and the
//! status line says how it ended. Read-only mode refuses it like every change.

use crossterm::event::KeyEvent;

use super::{Dialog, Purpose};
use crate::app::form::{Field, Form, FormKey};
use crate::app::pane::Pane;
use crate::app::{App, Effect};
use crate::ops::exec::Request;

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
                let container = self.exec_containers.get(&s.name).cloned();
                vec![Effect::Exec(Request {
                    cluster,
                    service: Some(s.name.clone()),
                    task: None,
                    container,
                    command,
                })]
            }
            Pane::Tasks { cluster, .. } => {
                let Some(row) = self.selected_row() else {
                    self.say("no task selected", true);
                    return Vec::new();
                };
                let pane = self.view().pane.clone();
                let Some(task) = self
                    .pane_tasks(&pane)
                    .into_iter()
                    .find(|t| t.arn == row.id)
                    .cloned()
                else {
                    self.say("that task's details have not loaded yet", true);
                    return Vec::new();
                };
                if task.last_status != "RUNNING" {
                    self.say(
                        format!(
                            "task {} is {}: exec needs a running task",
                            task.id, task.last_status
                        ),
                        true,
                    );
                    return Vec::new();
                }
                let service = task.service_name().map(str::to_owned);
                let names: Vec<String> = task.containers.iter().map(|c| c.name.clone()).collect();
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
                        let at = remembered
                            .and_then(|r| names.iter().position(|n| *n == r))
                            .unwrap_or(0);
                        let run = format!("run: {}", request.command);
                        let mut form = Form::new(
                            format!("Exec into task {}", task.id),
                            Purpose::Exec { request },
                        )
                        .info(run);
                        form.fields = vec![Field::choice("container", names, at)];
                        self.open_dialog(Dialog::Form(form));
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
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

    /// A session ended (or never opened): the status line says which.
    pub(in crate::app) fn on_exec_ended(&mut self, result: Result<String, String>) -> Vec<Effect> {
        self.dirty = true;
        match result {
            Ok(note) => self.say(note, false),
            Err(e) => self.say(e, true),
        }
        Vec::new()
    }
}
