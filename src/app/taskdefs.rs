//! Task definitions from the keyboard: the revisions' JSON, marks and diffs, the in-app
//! editor and `$EDITOR`, each edit checked, diffed and confirmed before it registers.

use std::sync::Arc;

use super::dialogs::*;
use super::form::After;
use super::keymap::{Command, place};
use super::pane::Pane;
use super::{App, DataKey, Effect, Popup};
use crate::domain::model::arn_name;
use crate::ops::diff;
use crate::ops::model::TaskDefDoc;
use crate::ops::plan::NEW_REVISION;
use crate::ops::{Mutation, taskdef, validate};

impl App {
    // ---- task definitions ---------------------------------------------------------------

    /// The revision ARN selected in the revisions pane.
    pub(super) fn selected_revision(&self) -> Option<String> {
        matches!(self.view().pane, Pane::Revisions { .. })
            .then(|| self.selected_row().map(|r| r.id.clone()))
            .flatten()
    }

    /// `e` or Ctrl-e on a revision: opens the editor once its JSON is loaded.
    pub(super) fn edit_revision(&mut self, external: bool) -> Vec<Effect> {
        if self.refuse_read_only("registering revisions") {
            return Vec::new();
        }
        let Some(arn) = self.selected_revision() else {
            return Vec::new();
        };
        match self.store.task_def_doc(&arn).cloned() {
            Some(doc) => self.start_edit(doc, external),
            None => {
                self.pending_edit = Some((arn.clone(), external));
                self.busy(
                    format!("loading {}…", arn_name(&arn)),
                    super::InFlight::Answer,
                );
                self.fetch(DataKey::TaskDefDoc { arn })
                    .into_iter()
                    .collect()
            }
        }
    }

    pub(super) fn start_edit(&mut self, doc: Arc<TaskDefDoc>, external: bool) -> Vec<Effect> {
        let text = taskdef::pretty(&doc.json);
        if external {
            self.editing = Some(doc);
            return vec![Effect::ExternalEdit { text }];
        }
        self.open_dialog(Dialog::Editor(Box::new(Editor::new(doc, &text))));
        Vec::new()
    }

    /// A rollout's confirmation opened before both revisions' JSON had loaded: fill in the
    /// diff once they have.
    pub(super) fn fill_confirm_diff(&mut self) {
        let Some(Popup::Dialog(d)) = self.popups.last() else {
            return;
        };
        let Dialog::Confirm(c) = d.as_ref() else {
            return;
        };
        if !c.diff_loading {
            return;
        }
        let Some((from, to)) = c.plan.iter().find_map(|m| match m {
            Mutation::Deploy { from, to, .. } if from != to && to != NEW_REVISION => {
                Some((from.clone(), to.clone()))
            }
            _ => None,
        }) else {
            return;
        };
        let (Some(old), Some(new)) = (
            self.store.task_def_doc(&from).cloned(),
            self.store.task_def_doc(&to).cloned(),
        ) else {
            return;
        };
        if let Some(Dialog::Confirm(c)) = self.dialog_mut() {
            c.diff_loading = false;
            c.changes.extend(diff::summary(&old.json, &new.json));
            c.diff = diff::unified(&taskdef::pretty(&old.json), &taskdef::pretty(&new.json), 3);
            if c.diff.is_empty() {
                c.warnings
                    .push("the two revisions have the same JSON".to_string());
            }
        }
    }

    /// The image dialog opened before the running revision's JSON had loaded: offer its
    /// containers once it has.
    pub(super) fn fill_image_form(&mut self) {
        let Some(Popup::Dialog(d)) = self.popups.last() else {
            return;
        };
        let Dialog::Form(form) = d.as_ref() else {
            return;
        };
        let Purpose::Image {
            task_definition, ..
        } = &form.purpose
        else {
            return;
        };
        if !form.value("container").is_empty() {
            return;
        }
        let containers = self
            .store
            .task_def_doc(task_definition)
            .map(|d| taskdef::containers(&d.json))
            .unwrap_or_default();
        if containers.is_empty() {
            let failed = self
                .store
                .get(&DataKey::TaskDefDoc {
                    arn: task_definition.clone(),
                })
                .and_then(|slot| slot.error.clone());
            if let (Some(e), Some(Dialog::Form(form))) = (failed, self.dialog_mut()) {
                form.info.truncate(1);
                form.info
                    .push(format!("cannot load the task definition: {}", e.message));
            }
            return;
        }
        let submit = self
            .keymap
            .key_for(Command::Submit, place::FORM)
            .to_string();
        if let Some(Dialog::Form(form)) = self.dialog_mut() {
            form.info.truncate(1);
            form.fields = image_fields(&containers, &submit);
            form.focus = 0;
        }
    }

    /// A task definition JSON landed: open the editor if one was waiting for it.
    pub(super) fn on_doc_loaded(&mut self, arn: &str) -> Vec<Effect> {
        self.fill_confirm_diff();
        self.fill_image_form();
        let Some((want, external)) = self.pending_edit.clone() else {
            return Vec::new();
        };
        if want != arn {
            return Vec::new();
        }
        self.pending_edit = None;
        // The "loading …" note has done its job.
        self.status = None;
        match self.store.task_def_doc(arn).cloned() {
            Some(doc) => self.start_edit(doc, external),
            None => {
                self.say(
                    format!("cannot load {}: see E for the error", arn_name(arn)),
                    true,
                );
                Vec::new()
            }
        }
    }

    pub(super) fn on_edited(&mut self, result: Result<String, String>) -> Vec<Effect> {
        self.dirty = true;
        let Some(doc) = self.editing.take() else {
            return Vec::new();
        };
        match result {
            Ok(text) => {
                // The same checks and diff as the in-app editor: open it on the result.
                self.open_dialog(Dialog::Editor(Box::new(Editor::new(doc, &text))));
                self.check_editor();
            }
            Err(e) => self.say(e, true),
        }
        Vec::new()
    }

    /// Ctrl-s in the editor: check, then show the diff and ask.
    pub(super) fn check_editor(&mut self) {
        let Some(Dialog::Editor(ed)) = self.dialog_mut() else {
            return;
        };
        let text = ed.text();
        match validate::check(&text) {
            Err(problems) => {
                let n = problems.len();
                if let Some(first) = problems.first() {
                    ed.area.move_cursor(ratatui_textarea::CursorMove::Jump(
                        u16::try_from(first.line.saturating_sub(1)).unwrap_or(u16::MAX),
                        u16::try_from(first.column.saturating_sub(1)).unwrap_or(u16::MAX),
                    ));
                }
                ed.problems = problems;
                self.say(format!("{n} problem(s): nothing was sent"), true);
            }
            Ok(json) => {
                ed.problems.clear();
                let based_on = ed.based_on.clone();
                let family = taskdef::family(&json)
                    .unwrap_or(&based_on.family)
                    .to_string();
                let old = taskdef::pretty(&based_on.json);
                let new = taskdef::pretty(&json);
                let mut warnings = Vec::new();
                if json == based_on.json {
                    warnings.push(format!(
                        "no changes: this registers a copy of {}",
                        arn_name(&based_on.arn)
                    ));
                }
                if family != based_on.family {
                    warnings.push(format!(
                        "family changes from {} to {family}",
                        based_on.family
                    ));
                }
                let mut confirm = self.confirmation(
                    format!("Register a new revision of {family}"),
                    vec![Mutation::RegisterTaskDefinition {
                        family: family.clone(),
                        based_on: Some(based_on.arn.clone()),
                        json,
                    }],
                    warnings,
                    After::Registered { family },
                );
                confirm
                    .changes
                    .extend(diff::summary(&based_on.json, &confirm_json(&confirm)));
                confirm.diff = diff::unified(&old, &new, 3);
                // The editor stays underneath: `n` returns to it with nothing lost.
                self.open_dialog(Dialog::Confirm(confirm));
            }
        }
    }

    pub(super) fn mark_revision(&mut self) {
        if let Some(arn) = self.selected_revision() {
            self.say(
                format!("marked {}: = diffs against it", arn_name(&arn)),
                false,
            );
            self.marked = Some(arn);
        }
    }

    /// `=`: the selected revision against the marked one, or the one before it.
    pub(super) fn diff_revisions(&mut self) -> Vec<Effect> {
        let Some(new) = self.selected_revision() else {
            return Vec::new();
        };
        let old = match &self.marked {
            Some(m) if *m != new => m.clone(),
            _ => {
                let Pane::Revisions { family } = &self.view().pane else {
                    return Vec::new();
                };
                let revisions = self
                    .store
                    .family(family)
                    .map(|f| f.revisions.clone())
                    .unwrap_or_default();
                match revisions
                    .iter()
                    .position(|r| *r == new)
                    .and_then(|i| revisions.get(i + 1))
                {
                    Some(older) => older.clone(),
                    None => {
                        self.say("no older revision to compare with: mark one with m", true);
                        return Vec::new();
                    }
                }
            }
        };
        self.popups.push(Popup::Diff {
            old: old.clone(),
            new: new.clone(),
            scroll: 0,
        });
        [old, new]
            .into_iter()
            .filter_map(|arn| self.fetch(DataKey::TaskDefDoc { arn }))
            .collect()
    }
}
