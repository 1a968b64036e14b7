//! Operations from the keyboard: every change opens a dialog or goes straight to a
//! confirmation that says exactly what changes where; only a `y` there sends anything,
//! and it goes out as one `Effect::Mutate` through the guarded path.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::dialog::{After, Confirm, Field, Form, FormKey, check_count, parse_count};
use super::pane::Pane;
use super::scaling::ScalingForm;
use super::{App, DataKey, Effect, Popup};
use crate::aws::model::arn_name;
use crate::ops::diff;
use crate::ops::guard::OpError;
use crate::ops::model::{ScalableTarget, TaskDefDoc};
use crate::ops::plan::NEW_REVISION;
use crate::ops::{InstanceState, Mutation, Outcome, taskdef, validate};

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
}

/// The JSON editor for a new revision.
#[derive(Debug, Clone)]
pub struct Editor {
    pub area: TextArea<'static>,
    pub based_on: Arc<TaskDefDoc>,
    /// What the last check found, each at its line.
    pub problems: Vec<validate::Problem>,
    /// Esc was pressed once with unsaved changes.
    pub discard_armed: bool,
}

impl Editor {
    pub fn new(doc: Arc<TaskDefDoc>, text: &str) -> Editor {
        let area = TextArea::new(text.lines().map(str::to_string).collect());
        Editor {
            area,
            based_on: doc,
            problems: Vec::new(),
            discard_armed: false,
        }
    }

    pub fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        t.push('\n');
        t
    }

    pub fn modified(&self) -> bool {
        self.text() != taskdef::pretty(&self.based_on.json)
    }
}

/// Choosing a revision to roll out.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub cluster: String,
    pub service: String,
    pub family: String,
    /// The task definition the service runs now.
    pub current: String,
    pub selected: usize,
    pub force: bool,
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

/// An operation sent and not yet answered.
#[derive(Debug, Clone)]
pub struct PendingOp {
    pub plan: Vec<Mutation>,
    pub after: After,
}

const ROLLOUT_REFRESH_SECS: i64 = 2;
const FAMILIES_REFRESH_SECS: i64 = 60;

impl App {
    /// The refresh interval of a key: rollouts are followed more closely.
    pub(super) fn interval_for(&self, key: &DataKey, base: chrono::Duration) -> chrono::Duration {
        match key {
            DataKey::Service { .. } => base.min(chrono::Duration::seconds(ROLLOUT_REFRESH_SECS)),
            // One ListTaskDefinitions call per family: refreshed once a minute at most
            // (`r` still refreshes at once, and a registration here refreshes it).
            DataKey::Families => base.max(chrono::Duration::seconds(FAMILIES_REFRESH_SECS)),
            _ => base,
        }
    }

    fn refuse_read_only(&mut self, what: &str) -> bool {
        if self.read_only {
            self.say(format!("read-only mode: {what} is turned off"), true);
        }
        self.read_only
    }

    fn selected_service(&self) -> Option<(String, crate::aws::model::Service)> {
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

    fn open_dialog(&mut self, dialog: Dialog) {
        self.popups.push(Popup::Dialog(Box::new(dialog)));
    }

    pub(super) fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        match self.popups.last_mut() {
            Some(Popup::Dialog(d)) => Some(d),
            _ => None,
        }
    }

    fn close_dialog(&mut self) {
        if matches!(self.popups.last(), Some(Popup::Dialog(_))) {
            self.popups.pop();
        }
    }

    /// Dialogs need data to be loaded: the scale dialog the auto scaling range, the image
    /// dialog the running revision's JSON, the picker the family's revisions.
    pub(super) fn dialog_keys(&self) -> Vec<DataKey> {
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
                    name: p.family.clone(),
                }),
                Dialog::Confirm(c) => {
                    for m in &c.plan {
                        if let Mutation::Deploy { from, to, .. } = m {
                            for arn in [from, to] {
                                if arn != NEW_REVISION {
                                    keys.push(DataKey::TaskDefDoc { arn: arn.clone() });
                                }
                            }
                        }
                    }
                }
                Dialog::Editor(_) => {}
            }
        }
        keys
    }

    // ---- opening dialogs -------------------------------------------------------------

    pub(super) fn open_scale(&mut self) {
        if self.refuse_read_only("scaling") {
            return;
        }
        let Some((cluster, s)) = self.selected_service() else {
            return;
        };
        let form = Form::new(
            format!("Scale {}", s.name),
            Purpose::Scale {
                cluster,
                service: s.name.clone(),
                from: s.desired,
            },
        )
        .info(format!(
            "desired {} · running {} · pending {}",
            s.desired, s.running, s.pending
        ))
        .field(
            Field::text("desired count", &s.desired.to_string(), check_count)
                .with_help("a whole number from 0 up"),
        );
        self.open_dialog(Dialog::Form(form));
        self.update_scale_warning();
    }

    /// The scalable target of a service, when loaded.
    fn scalable_target(&self, cluster: &str, service: &str) -> Option<ScalableTarget> {
        self.store.scaling(cluster, service).and_then(|s| s.target)
    }

    /// Recomputes the scale dialog's auto scaling line and warning, adding the "change the
    /// range too" option when the count is outside it.
    pub(super) fn update_scale_warning(&mut self) {
        let target = match self.popups.last() {
            Some(Popup::Dialog(d)) => match d.as_ref() {
                Dialog::Form(Form {
                    purpose:
                        Purpose::Scale {
                            cluster, service, ..
                        },
                    ..
                }) => self.scalable_target(cluster, service),
                _ => return,
            },
            _ => return,
        };
        let loaded = match self.popups.last() {
            Some(Popup::Dialog(d)) => match d.as_ref() {
                Dialog::Form(Form {
                    purpose:
                        Purpose::Scale {
                            cluster, service, ..
                        },
                    ..
                }) => self.store.scaling(cluster, service).is_some(),
                _ => false,
            },
            _ => false,
        };
        let Some(Dialog::Form(form)) = self.dialog_mut() else {
            return;
        };
        form.info.truncate(1);
        form.info.push(match (target, loaded) {
            (Some(t), _) => format!("auto scaling: min {} · max {}", t.min, t.max),
            (None, true) => "auto scaling: none".into(),
            (None, false) => "auto scaling: loading…".into(),
        });
        form.warning = None;
        let Ok(n) = parse_count(&form.value("desired count")) else {
            return;
        };
        if let Some(t) = target
            && (n < t.min || n > t.max)
        {
            form.warning = Some(format!(
                "{n} is outside auto scaling's range {}–{}: auto scaling will move it back unless the range changes too",
                t.min, t.max
            ));
            if !form.fields.iter().any(|f| f.label == RANGE_TOO) {
                form.fields.push(
                    Field::toggle(RANGE_TOO, false)
                        .with_help("Space: also set min/max so the new count is inside"),
                );
            }
        }
    }

    pub(super) fn undo_scale(&mut self) {
        if self.refuse_read_only("undo") {
            return;
        }
        let Some((cluster, s)) = self.selected_service() else {
            return;
        };
        let Some(&previous) = self.undo.get(&(cluster.clone(), s.name.clone())) else {
            self.say(
                format!(
                    "nothing to undo for {}: it was not scaled from here",
                    s.name
                ),
                true,
            );
            return;
        };
        if previous == s.desired {
            self.say(
                format!("{} already has desired count {previous}", s.name),
                false,
            );
            return;
        }
        let plan = vec![Mutation::Scale {
            cluster: cluster.clone(),
            service: s.name.clone(),
            from: s.desired,
            to: previous,
        }];
        self.confirm(
            format!("Undo the last scale of {}", s.name),
            plan,
            Vec::new(),
            After::Scaled {
                cluster,
                service: s.name,
                from: s.desired,
            },
        );
    }

    pub(super) fn open_stop_task(&mut self) {
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

    pub(super) fn drain_instance(&mut self) {
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

    pub(super) fn open_image(&mut self) {
        if self.refuse_read_only("deploying") {
            return;
        }
        let Some((cluster, s)) = self.selected_service() else {
            return;
        };
        let containers: Vec<(String, String)> = self
            .store
            .task_def_doc(&s.task_definition)
            .map(|d| taskdef::containers(&d.json))
            .unwrap_or_default();
        let mut form = Form::new(
            format!("New image for {}", s.name),
            Purpose::Image {
                cluster,
                service: s.name.clone(),
                task_definition: s.task_definition.clone(),
            },
        )
        .info(format!("running {}", arn_name(&s.task_definition)));
        if containers.is_empty() {
            form.info.push("loading the task definition…".into());
        }
        form.fields = image_fields(&containers);
        self.open_dialog(Dialog::Form(form));
    }

    pub(super) fn open_rollout_picker(&mut self) {
        if self.refuse_read_only("deploying") {
            return;
        }
        let Some((cluster, s)) = self.selected_service() else {
            return;
        };
        let family = family_of(&s.task_definition);
        self.open_dialog(Dialog::Pick(Pick {
            cluster,
            service: s.name.clone(),
            family,
            current: s.task_definition.clone(),
            selected: 0,
            force: false,
        }));
    }

    /// The revisions a picker offers, newest first.
    pub fn pick_options(&self, pick: &Pick) -> Option<Vec<String>> {
        self.store.family(&pick.family).map(|f| f.revisions.clone())
    }

    pub(super) fn rollback(&mut self) {
        if self.refuse_read_only("rolling back") {
            return;
        }
        let Pane::Rollout {
            cluster,
            service,
            previous,
            ..
        } = self.view().pane.clone()
        else {
            return;
        };
        let Pane::Rollout { deployment_id, .. } = &self.view().pane else {
            return;
        };
        // What the followed deployment rolls out, else what the service runs.
        let current = self
            .store
            .service(&cluster, &service)
            .map(|s| {
                s.deployments
                    .iter()
                    .find(|d| &d.id == deployment_id)
                    .map_or_else(|| s.task_definition.clone(), |d| d.task_definition.clone())
            })
            .unwrap_or_default();
        if current.is_empty() {
            self.say("the service has not loaded yet", true);
            return;
        }
        if current == previous {
            self.say(
                format!("{service} already runs {}", arn_name(&previous)),
                false,
            );
            return;
        }
        let mut confirm = self.confirmation(
            format!("Roll {service} back"),
            vec![Mutation::Deploy {
                cluster: cluster.clone(),
                service: service.clone(),
                from: current.clone(),
                to: previous,
                force: false,
            }],
            Vec::new(),
            After::FollowRollout {
                cluster,
                service,
                previous: current,
            },
        );
        confirm.diff_loading = true;
        self.open_dialog(Dialog::Confirm(confirm));
        self.fill_confirm_diff();
    }

    // ---- task definitions ---------------------------------------------------------------

    /// The revision ARN selected in the revisions pane.
    fn selected_revision(&self) -> Option<String> {
        matches!(self.view().pane, Pane::Revisions { .. })
            .then(|| self.selected_row().map(|r| r.id))
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
                self.say(format!("loading {}…", arn_name(&arn)), false);
                self.fetch(DataKey::TaskDefDoc { arn })
                    .into_iter()
                    .collect()
            }
        }
    }

    fn start_edit(&mut self, doc: Arc<TaskDefDoc>, external: bool) -> Vec<Effect> {
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
    fn fill_confirm_diff(&mut self) {
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
    fn fill_image_form(&mut self) {
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
        if let Some(Dialog::Form(form)) = self.dialog_mut() {
            form.info.truncate(1);
            form.fields = image_fields(&containers);
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
    fn check_editor(&mut self) {
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

    // ---- keys inside dialogs -------------------------------------------------------------

    pub(super) fn on_dialog_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.quit = true;
            return Vec::new();
        }
        let Some(Popup::Dialog(dialog)) = self.popups.last_mut() else {
            return Vec::new();
        };
        match dialog.as_mut() {
            Dialog::Form(form) => match form.key(key) {
                FormKey::Stay => {
                    if matches!(form.purpose, Purpose::Image { .. }) && is_choice_key(&key) {
                        self.sync_image_field();
                    }
                    self.update_scale_warning();
                }
                FormKey::Cancel => self.close_dialog(),
                FormKey::Submit => {
                    let form = form.clone();
                    if let Err(e) = self.submit_form(&form)
                        && let Some(Dialog::Form(f)) = self.dialog_mut()
                    {
                        f.error = Some(e);
                    }
                }
            },
            Dialog::Confirm(c) => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let c = c.clone();
                    self.close_dialog();
                    // A confirmed edit is done with: close the editor under it too.
                    if matches!(c.after, After::Registered { .. })
                        && matches!(self.popups.last(), Some(Popup::Dialog(d)) if matches!(d.as_ref(), Dialog::Editor(_)))
                    {
                        self.popups.pop();
                    }
                    return self.send(c.plan, c.after);
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                    self.close_dialog();
                    self.say("cancelled: nothing was changed", false);
                }
                KeyCode::Down | KeyCode::Char('j') => c.scroll = c.scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => c.scroll = c.scroll.saturating_sub(1),
                KeyCode::PageDown => c.scroll = c.scroll.saturating_add(10),
                KeyCode::PageUp => c.scroll = c.scroll.saturating_sub(10),
                _ => {}
            },
            Dialog::Editor(ed) => {
                if key.code == KeyCode::Esc {
                    if !ed.modified() || ed.discard_armed {
                        self.close_dialog();
                        self.say("edit discarded: nothing was changed", false);
                    } else {
                        ed.discard_armed = true;
                        self.say(
                            "unsaved changes: Esc again discards them, Ctrl-s checks and registers",
                            true,
                        );
                    }
                    return Vec::new();
                }
                ed.discard_armed = false;
                if ctrl && key.code == KeyCode::Char('s') {
                    self.check_editor();
                    return Vec::new();
                }
                if ctrl && key.code == KeyCode::Char('e') {
                    let text = ed.text();
                    let doc = ed.based_on.clone();
                    self.close_dialog();
                    self.editing = Some(doc);
                    return vec![Effect::ExternalEdit { text }];
                }
                ed.area.input(key);
            }
            Dialog::Pick(p) => {
                let options = {
                    let p = p.clone();
                    self.pick_options(&p)
                };
                let Some(Popup::Dialog(dialog)) = self.popups.last_mut() else {
                    return Vec::new();
                };
                let Dialog::Pick(p) = dialog.as_mut() else {
                    return Vec::new();
                };
                let n = options.as_ref().map_or(0, Vec::len);
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') => self.close_dialog(),
                    KeyCode::Down | KeyCode::Char('j') if n > 0 => {
                        p.selected = (p.selected + 1).min(n - 1)
                    }
                    KeyCode::Up | KeyCode::Char('k') => p.selected = p.selected.saturating_sub(1),
                    KeyCode::Char('f') => p.force = !p.force,
                    KeyCode::Enter => {
                        let Some(to) = options.and_then(|o| o.get(p.selected).cloned()) else {
                            return Vec::new();
                        };
                        let p = p.clone();
                        self.close_dialog();
                        self.confirm_rollout(p, to);
                    }
                    _ => {}
                }
            }
        }
        Vec::new()
    }

    /// The image field follows the chosen container.
    fn sync_image_field(&mut self) {
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
        let container = form.value("container");
        let image = self
            .store
            .task_def_doc(task_definition)
            .map(|d| taskdef::containers(&d.json))
            .unwrap_or_default()
            .into_iter()
            .find(|c| c.0 == container)
            .map(|c| c.1);
        if let (Some(image), Some(Dialog::Form(form))) = (image, self.dialog_mut())
            && let Some(f) = form.fields.iter_mut().find(|f| f.label == "image")
        {
            *f = Field::text_at_end("image", &image, check_image)
                .with_help(f.help.clone().unwrap_or_default());
        }
    }

    fn submit_form(&mut self, form: &Form<Purpose>) -> Result<(), String> {
        match &form.purpose {
            Purpose::Scale {
                cluster,
                service,
                from,
            } => {
                let to = parse_count(&form.value("desired count"))?;
                if to == *from {
                    self.close_dialog();
                    self.say(
                        format!("{service} already has desired count {to}: nothing to do"),
                        false,
                    );
                    return Ok(());
                }
                let mut plan = Vec::new();
                let mut warnings = Vec::new();
                if let Some(t) = self.scalable_target(cluster, service)
                    && (to < t.min || to > t.max)
                {
                    if form.is_on(RANGE_TOO) {
                        plan.push(Mutation::PutScalableTarget {
                            cluster: cluster.clone(),
                            service: service.clone(),
                            before: Some(t),
                            after: ScalableTarget {
                                min: t.min.min(to),
                                max: t.max.max(to),
                                ..t
                            },
                        });
                    } else {
                        warnings.push(format!(
                            "outside auto scaling's range {}–{}: auto scaling will move it back",
                            t.min, t.max
                        ));
                    }
                }
                plan.push(Mutation::Scale {
                    cluster: cluster.clone(),
                    service: service.clone(),
                    from: *from,
                    to,
                });
                self.close_dialog();
                self.confirm(
                    format!("Scale {service}"),
                    plan,
                    warnings,
                    After::Scaled {
                        cluster: cluster.clone(),
                        service: service.clone(),
                        from: *from,
                    },
                );
                Ok(())
            }
            Purpose::StopTask { cluster, task } => {
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
            Purpose::Image {
                cluster,
                service,
                task_definition,
            } => {
                let doc = self
                    .store
                    .task_def_doc(task_definition)
                    .cloned()
                    .ok_or("the running task definition has not loaded yet")?;
                let container = form.value("container");
                let image = form.value("image").trim().to_string();
                let json = taskdef::with_image(&doc.json, &container, &image)?;
                if json == doc.json && !form.is_on("force new deployment") {
                    return Err(format!("{container} already runs {image}"));
                }
                let mut confirm = self.confirmation(
                    format!("Deploy a new image to {service}"),
                    vec![
                        Mutation::RegisterTaskDefinition {
                            family: doc.family.clone(),
                            based_on: Some(doc.arn.clone()),
                            json: json.clone(),
                        },
                        Mutation::Deploy {
                            cluster: cluster.clone(),
                            service: service.clone(),
                            from: task_definition.clone(),
                            to: NEW_REVISION.into(),
                            force: form.is_on("force new deployment"),
                        },
                    ],
                    Vec::new(),
                    After::FollowRollout {
                        cluster: cluster.clone(),
                        service: service.clone(),
                        previous: task_definition.clone(),
                    },
                );
                confirm.changes.extend(diff::summary(&doc.json, &json));
                confirm.diff =
                    diff::unified(&taskdef::pretty(&doc.json), &taskdef::pretty(&json), 3);
                self.close_dialog();
                self.open_dialog(Dialog::Confirm(confirm));
                Ok(())
            }
            Purpose::Scaling { which, .. } => {
                let which = which.clone();
                self.submit_scaling(form, &which)
            }
        }
    }

    fn confirm_rollout(&mut self, p: Pick, to: String) {
        if to == p.current && !p.force {
            self.say(
                format!(
                    "{} already runs {}: press f in the list to force a new deployment",
                    p.service,
                    arn_name(&to)
                ),
                true,
            );
            return;
        }
        let mut confirm = self.confirmation(
            format!("Roll out to {}", p.service),
            vec![Mutation::Deploy {
                cluster: p.cluster.clone(),
                service: p.service.clone(),
                from: p.current.clone(),
                to: to.clone(),
                force: p.force,
            }],
            Vec::new(),
            After::FollowRollout {
                cluster: p.cluster,
                service: p.service,
                previous: p.current.clone(),
            },
        );
        confirm.diff_loading = p.current != to;
        self.open_dialog(Dialog::Confirm(confirm));
        self.fill_confirm_diff();
    }

    // ---- confirmation and sending ------------------------------------------------------

    /// The confirmation for `plan`: where, as whom, and every change old to new.
    pub(super) fn confirmation(
        &self,
        title: String,
        plan: Vec<Mutation>,
        warnings: Vec<String>,
        after: After,
    ) -> Confirm {
        let id = &self.identity;
        let mut context = vec![format!(
            "profile {} · region {} · account {}",
            id.profile,
            id.region,
            id.account.as_deref().unwrap_or("unknown")
        )];
        if let Some(endpoint) = &id.endpoint {
            context.push(format!("endpoint {endpoint}"));
        }
        let mut targets: Vec<String> = Vec::new();
        let mut changes = Vec::new();
        for m in &plan {
            let t = m.target();
            if !targets.contains(&t) {
                targets.push(t);
            }
            changes.extend(m.changes());
        }
        context.extend(targets);
        Confirm {
            title,
            context,
            changes,
            warnings,
            diff: Vec::new(),
            diff_loading: false,
            scroll: 0,
            plan,
            after,
        }
    }

    pub(super) fn confirm(
        &mut self,
        title: String,
        plan: Vec<Mutation>,
        warnings: Vec<String>,
        after: After,
    ) {
        let c = self.confirmation(title, plan, warnings, after);
        self.open_dialog(Dialog::Confirm(c));
    }

    fn send(&mut self, plan: Vec<Mutation>, after: After) -> Vec<Effect> {
        let id = self.next_op;
        self.next_op += 1;
        let what = plan.last().map(Mutation::action).unwrap_or("change");
        self.say(format!("{what}: sent, waiting for AWS…"), false);
        self.pending_ops.insert(
            id,
            PendingOp {
                plan: plan.clone(),
                after,
            },
        );
        vec![Effect::Mutate {
            id,
            who: self.identity.clone(),
            plan,
        }]
    }

    /// An operation's answer: say what AWS said, show the state it reports, and go on
    /// (remember the old count for undo, follow the rollout).
    pub(super) fn on_mutated(
        &mut self,
        id: u64,
        results: Vec<Result<Outcome, OpError>>,
    ) -> Vec<Effect> {
        self.dirty = true;
        let Some(op) = self.pending_ops.remove(&id) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        let mut service_after = None;
        for (m, r) in op.plan.iter().zip(&results) {
            if let Ok(Outcome::Service(s)) = r {
                self.store.put_service(m.cluster(), s.as_ref().clone());
                service_after = Some(s.clone());
            }
        }
        let failure = results.iter().find_map(|r| r.as_ref().err());
        match failure {
            Some(e) => {
                let step = results.len().saturating_sub(1);
                let what = op.plan.get(step).map(Mutation::action).unwrap_or("change");
                let done = if step > 0 {
                    format!(" (the {step} step(s) before it were done)")
                } else {
                    String::new()
                };
                self.say(format!("{what} failed: {e}{done}"), true);
                if let OpError::Aws(err) = e {
                    self.errors.push_front(super::ErrorRecord {
                        at: self.now,
                        error: err.clone(),
                    });
                }
            }
            None => {
                let summary = op
                    .plan
                    .last()
                    .map(|m| format!("{}: done", m.action()))
                    .unwrap_or_default();
                self.say(summary, false);
                match &op.after {
                    After::Scaled {
                        cluster,
                        service,
                        from,
                    } => {
                        self.undo.insert((cluster.clone(), service.clone()), *from);
                    }
                    After::FollowRollout {
                        cluster,
                        service,
                        previous,
                    } => {
                        if let Some(s) = &service_after {
                            let deployment_id = s
                                .primary_deployment()
                                .map(|d| d.id.clone())
                                .unwrap_or_default();
                            let key = DataKey::Service {
                                cluster: cluster.clone(),
                                service: service.clone(),
                            };
                            let at = self.now;
                            self.store.land(
                                &key,
                                Ok(super::Payload::Service(s.clone().into())),
                                at,
                            );
                            self.push(Pane::Rollout {
                                cluster: cluster.clone(),
                                service: service.clone(),
                                deployment_id,
                                previous: previous.clone(),
                                since: at - chrono::Duration::seconds(1),
                            });
                        }
                    }
                    After::Registered { family } => {
                        if let Some(Ok(Outcome::Registered { arn, .. })) = results.last() {
                            self.say(format!("registered {}", arn_name(arn)), false);
                        }
                        if !matches!(&self.view().pane, Pane::Revisions { family: f } if f == family)
                        {
                            self.push(Pane::Revisions {
                                family: family.clone(),
                            });
                        }
                    }
                    After::Refresh => {}
                }
            }
        }
        // Whatever happened, show what AWS says now.
        effects.extend(self.refresh_after_change(&op.plan));
        effects
    }

    fn refresh_after_change(&mut self, plan: &[Mutation]) -> Vec<Effect> {
        let mut keys = self.view().data_keys();
        for m in plan {
            match m {
                Mutation::RegisterTaskDefinition { family, .. } => {
                    keys.push(DataKey::Families);
                    keys.push(DataKey::Family {
                        name: family.clone(),
                    });
                }
                m => {
                    if let Some((cluster, service)) = m.scaling_service() {
                        keys.push(DataKey::Scaling {
                            cluster: cluster.to_string(),
                            service: service.to_string(),
                        });
                    }
                }
            }
        }
        keys.dedup();
        keys.into_iter()
            .filter(|k| !k.is_immutable())
            .filter_map(|k| self.fetch(k))
            .collect()
    }
}

/// The image dialog's fields: the container (its image follows the choice), the image,
/// and whether to force a new deployment.
fn image_fields(containers: &[(String, String)]) -> Vec<Field> {
    let first_image = containers.first().map(|c| c.1.clone()).unwrap_or_default();
    vec![
        Field::choice(
            "container",
            containers.iter().map(|c| c.0.clone()).collect(),
            0,
        ),
        Field::text_at_end("image", &first_image, check_image).with_help(
            "Backspace over the tag and type the new one; Enter registers a revision with only this image changed and rolls it out",
        ),
        Field::toggle("force new deployment", false),
    ]
}

/// The label of the scale dialog's "change the auto scaling range too" option.
pub const RANGE_TOO: &str = "change the auto scaling range too";

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

fn check_image(text: &str) -> Result<(), String> {
    taskdef::check_image(text.trim())
}

fn is_choice_key(key: &KeyEvent) -> bool {
    matches!(
        key.code,
        KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h')
            | KeyCode::Char('l')
            | KeyCode::Char(' ')
    )
}

/// `arn:...:task-definition/web:12` or `web:12` → `web`.
pub fn family_of(task_definition: &str) -> String {
    let name = arn_name(task_definition);
    name.rsplit_once(':').map_or(name, |(f, _)| f).to_string()
}

/// The JSON a confirmation registers (its first RegisterTaskDefinition step).
fn confirm_json(c: &Confirm) -> serde_json::Value {
    c.plan
        .iter()
        .find_map(|m| match m {
            Mutation::RegisterTaskDefinition { json, .. } => Some(json.clone()),
            _ => None,
        })
        .unwrap_or_default()
}
