//! Stopping a task (Ctrl-k in a tasks pane: a form asking why) and draining or activating
//! a container instance (`D`, straight to the confirmation).

use crossterm::event::KeyEvent;

use super::{Dialog, Purpose};
use crate::app::form::{After, Field, Form};
use crate::app::pane::Pane;
use crate::app::{App, Effect};
use crate::domain::model::arn_name;
use crate::ops::{InstanceState, Mutation};

impl App {
    pub(in crate::app) fn open_stop_task(&mut self) {
        if self.refuse_read_only("stopping tasks") {
            return;
        }
        let Pane::Tasks { cluster, .. } = self.view().pane.clone() else {
            return;
        };
        let Some(row) = self.selected_row() else {
            return;
        };
        let stopped = self
            .pane_tasks(&self.view().pane)
            .iter()
            .any(|t| t.arn == row.id && t.last_status == "STOPPED");
        if stopped {
            self.say("that task has already stopped", true);
            return;
        }
        let user = std::env::var("USER").unwrap_or_else(|_| "an operator".into());
        let form = Form::new(
            format!("Stop task {}", arn_name(&row.id)),
            Purpose::StopTask {
                cluster,
                task: row.id.clone(),
            },
        )
        .info("A service starts a replacement; a task run on its own is gone.")
        .field(Field::text(
            "reason",
            &format!("stopped from ecsdash by {user}"),
            check_reason,
        ));
        self.open_dialog(Dialog::Form(form));
    }

    /// Keys in the stop task form.
    pub(super) fn stop_task_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.form_key(key, App::submit_stop_task);
        Vec::new()
    }

    /// Enter in the stop task form: the stop, with its reason, to confirm.
    fn submit_stop_task(&mut self, form: &Form<Purpose>) -> Result<(), String> {
        let Purpose::StopTask { cluster, task } = &form.purpose else {
            return Err("not a stop task form".into());
        };
        let reason = form.value("reason").trim().to_string();
        self.close_dialog();
        self.confirm(
            format!("Stop task {}", arn_name(task)),
            vec![Mutation::StopTask {
                cluster: cluster.clone(),
                task: task.clone(),
                reason,
            }],
            Vec::new(),
            After::Refresh,
        );
        Ok(())
    }

    pub(in crate::app) fn drain_instance(&mut self) {
        if self.refuse_read_only("draining") {
            return;
        }
        let Pane::Instances { cluster } = self.view().pane.clone() else {
            return;
        };
        let Some(row) = self.selected_row() else {
            return;
        };
        let Some(instance) = self
            .store
            .instances(&cluster)
            .and_then(|i| i.iter().find(|i| i.arn == row.id))
            .cloned()
        else {
            return;
        };
        let to = if instance.status == "DRAINING" {
            InstanceState::Active
        } else {
            InstanceState::Draining
        };
        let mut warnings = Vec::new();
        if to == InstanceState::Draining && instance.running_tasks > 0 {
            warnings.push(format!(
                "{} running task(s) will be moved: service tasks are replaced elsewhere, tasks run on their own are not",
                instance.running_tasks
            ));
        }
        self.confirm(
            format!(
                "{} instance {}",
                if to == InstanceState::Draining {
                    "Drain"
                } else {
                    "Activate"
                },
                if instance.ec2_instance_id.is_empty() {
                    arn_name(&instance.arn)
                } else {
                    &instance.ec2_instance_id
                }
            ),
            vec![Mutation::SetInstanceState {
                cluster,
                instance: instance.arn.clone(),
                from: instance.status.clone(),
                to,
            }],
            warnings,
            After::Refresh,
        );
    }
}

/// The stop reason's check: said, at most 255 characters, no control characters.
fn check_reason(text: &str) -> Result<(), String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("say why (it is kept with the stopped task)".into());
    }
    if t.chars().count() > 255 {
        return Err("at most 255 characters".into());
    }
    if t.chars().any(char::is_control) {
        return Err("no control characters".into());
    }
    Ok(())
}
