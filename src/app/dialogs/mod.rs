//! Operations from the keyboard: every change opens a dialog or goes straight to a
//! confirmation that says exactly what changes where; only a `y` there sends anything,
//! and it goes out as one `Effect::Mutate` through the guarded path.
//!
//! Each operation lives in its own file with its dialog's state, keys and submit:
//! `scale` (and its undo), `image`, `rollout` (the revision picker and rollback),
//! `stop_drain` (stopping a task, draining an instance), `editor` (the JSON editor's
//! keys), `confirm` (the last step) and `send` (the plan sent and AWS's answer). Here:
//! the shared types, opening and closing dialogs, and routing a key to the open one.

mod confirm;
mod editor;
mod exec;
mod image;
mod rollout;
mod scale;
mod send;
mod stop_drain;

use crossterm::event::KeyEvent;

use super::form::{Confirm, Form, FormKey};
use super::keymap::{Command, Scope};
use super::pane::Pane;
use super::scaling::ScalingForm;
use super::{App, DataKey, Effect, Popup};

pub(in crate::app) use confirm::confirm_json;
pub use editor::Editor;
pub(in crate::app) use image::image_fields;
pub use rollout::Pick;
pub use scale::{RANGE_TOO, Undo};
pub use send::PendingOp;

/// What a form is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Purpose {
    Scale {
        cluster: String,
        service: String,
        from: i32,
    },
    StopTask {
        cluster: String,
        task: String,
    },
    Image {
        cluster: String,
        service: String,
        task_definition: String,
    },
    Scaling {
        cluster: String,
        service: String,
        which: ScalingForm,
    },
    /// The container of a task to exec into.
    Exec {
        request: crate::ops::exec::Request,
    },
    /// The ports (and container) of a port forward.
    Forward {
        request: crate::ops::exec::Request,
    },
}

#[derive(Debug, Clone)]
pub enum Dialog {
    Form(Form<Purpose>),
    Confirm(Confirm),
    Editor(Box<Editor>),
    Pick(Pick),
}

impl PartialEq for Dialog {
    /// Dialogs are never toggled or looked up by value; equal only to themselves.
    fn eq(&self, other: &Dialog) -> bool {
        std::ptr::eq(self, other)
    }
}

impl App {
    /// In read-only mode: says so and records the refusal in the audit log (as the
    /// commands do), before any dialog opens.
    pub(in crate::app) fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.read_only {
            self.say(format!("read-only mode: {what} is turned off"), true);
            let mut target = self.view().pane.crumbs().join("/");
            if let Some(row) = self.selected_row()
                && let Some(name) = row.cells.first()
            {
                target = format!("{target} (selected: {})", name.text);
            }
            self.refusals.push(Effect::AuditRefusal {
                who: self.identity.clone(),
                action: what.to_string(),
                target,
            });
        }
        self.read_only
    }

    /// The service selected in a services pane, with its cluster.
    pub(in crate::app) fn selected_service(
        &self,
    ) -> Option<(String, crate::domain::model::Service)> {
        let Pane::Services { cluster } = &self.view().pane else {
            return None;
        };
        let row = self.selected_row()?;
        let service = self
            .store
            .services(cluster)?
            .iter()
            .find(|s| s.arn == row.id)?
            .clone();
        Some((cluster.clone(), service))
    }

    pub(in crate::app) fn open_dialog(&mut self, dialog: Dialog) {
        self.popups.push(Popup::Dialog(Box::new(dialog)));
    }

    /// The dialog on top, when the top popup is one.
    pub(in crate::app) fn dialog(&self) -> Option<&Dialog> {
        match self.popups.last() {
            Some(Popup::Dialog(d)) => Some(d),
            _ => None,
        }
    }

    pub(in crate::app) fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        match self.popups.last_mut() {
            Some(Popup::Dialog(d)) => Some(d),
            _ => None,
        }
    }

    pub(in crate::app) fn close_dialog(&mut self) {
        if matches!(self.popups.last(), Some(Popup::Dialog(_))) {
            self.popups.pop();
        }
    }

    /// Dialogs need data to be loaded: the scale dialog the auto scaling range, the image
    /// dialog the running revision's JSON, the picker the family's revisions, a
    /// confirmation the revisions it diffs.
    pub(in crate::app) fn dialog_keys(&self) -> Vec<DataKey> {
        let mut keys = Vec::new();
        for popup in &self.popups {
            let Popup::Dialog(d) = popup else { continue };
            match d.as_ref() {
                Dialog::Form(f) => match &f.purpose {
                    Purpose::Scale {
                        cluster, service, ..
                    } => keys.push(DataKey::Scaling {
                        cluster: cluster.clone(),
                        service: service.clone(),
                    }),
                    Purpose::Image {
                        task_definition, ..
                    } => keys.push(DataKey::TaskDefDoc {
                        arn: task_definition.clone(),
                    }),
                    _ => {}
                },
                Dialog::Pick(p) => keys.push(DataKey::Family {
                    name: self.family_key(&p.cluster, &p.family),
                }),
                Dialog::Confirm(c) => keys.extend(confirm::diff_keys(c)),
                Dialog::Editor(_) => {}
            }
        }
        keys
    }

    // ---- keys inside dialogs -------------------------------------------------------------

    /// A key while a dialog is open goes to that dialog's operation; Ctrl-c (`interrupt`)
    /// quits from any of them.
    pub(in crate::app) fn on_dialog_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.keymap.lookup(&key, &[Scope::Modal]) == Some(Command::Interrupt) {
            self.quit = true;
            return Vec::new();
        }
        match self.dialog() {
            Some(Dialog::Form(form)) => match form.purpose {
                Purpose::Scale { .. } => self.scale_key(key),
                Purpose::StopTask { .. } => self.stop_task_key(key),
                Purpose::Image { .. } => self.image_key(key),
                Purpose::Scaling { .. } => self.scaling_key(key),
                Purpose::Exec { .. } => self.exec_key(key),
                Purpose::Forward { .. } => self.forward_key(key),
            },
            Some(Dialog::Confirm(_)) => self.confirm_key(key),
            Some(Dialog::Editor(_)) => self.editor_key(key),
            Some(Dialog::Pick(_)) => self.pick_key(key),
            None => Vec::new(),
        }
    }

    /// What the bindings make of `key` in the form on top (its focused field decides
    /// where it is looked up).
    fn form_command(&self, key: &KeyEvent) -> Option<Command> {
        match self.dialog() {
            Some(Dialog::Form(form)) => self.keymap.lookup(key, form.place()),
            _ => None,
        }
    }

    /// A key to the form on top: `cancel` closes it, and `submit` with every field valid
    /// hands a copy of it to `submit`, whose refusal shows in the form (which stays
    /// open). Returns what the key did.
    pub(in crate::app) fn form_key(
        &mut self,
        key: KeyEvent,
        submit: impl FnOnce(&mut App, &Form<Purpose>) -> Result<(), String>,
    ) -> FormKey {
        let command = self.form_command(&key);
        let Some(Dialog::Form(form)) = self.dialog_mut() else {
            return FormKey::Stay;
        };
        let did = form.key(key, command);
        match did {
            FormKey::Stay => {}
            FormKey::Cancel => self.close_dialog(),
            FormKey::Submit => {
                let form = form.clone();
                if let Err(e) = submit(self, &form)
                    && let Some(Dialog::Form(f)) = self.dialog_mut()
                {
                    f.error = Some(e);
                }
            }
        }
        did
    }

    /// Keys in an auto scaling form (built and submitted in `app::scaling`).
    fn scaling_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        self.form_key(key, |app, form| {
            let Purpose::Scaling { which, .. } = &form.purpose else {
                return Err("not an auto scaling form".into());
            };
            app.submit_scaling(form, which)
        });
        Vec::new()
    }
}
