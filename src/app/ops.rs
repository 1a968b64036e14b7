//! Operations from the keyboard: every change opens a dialog or goes straight to a
//! confirmation that says exactly what changes where; only a `y` there sends anything,
//! and it goes out as one `Effect::Mutate` through the guarded path.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui_textarea::TextArea;

use super::dialog::{After, Confirm, Field, Form, check_count, parse_count};
use super::pane::Pane;
use super::scaling::ScalingForm;
use super::{App, DataKey, Effect, Popup};
use crate::domain::model::{arn_name, family_of};
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

    /// In read-only mode: says so and records the refusal in the audit log (as the
    /// commands do), before any dialog opens.
    pub(super) fn refuse_read_only(&mut self, what: &str) -> bool {
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

    pub(super) fn selected_service(&self) -> Option<(String, crate::domain::model::Service)> {
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

    pub(super) fn open_dialog(&mut self, dialog: Dialog) {
        self.popups.push(Popup::Dialog(Box::new(dialog)));
    }

    pub(super) fn dialog_mut(&mut self) -> Option<&mut Dialog> {
        match self.popups.last_mut() {
            Some(Popup::Dialog(d)) => Some(d),
            _ => None,
        }
    }

    pub(super) fn close_dialog(&mut self) {
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
    pub(super) fn scalable_target(&self, cluster: &str, service: &str) -> Option<ScalableTarget> {
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
            // With the range box ticked the range follows the count: no warning, but
            // say what the range becomes.
            form.warning = if form.is_on(RANGE_TOO) {
                form.info.push(format!(
                    "the range becomes {}–{}",
                    t.min.min(n),
                    t.max.max(n)
                ));
                None
            } else {
                Some(format!(
                    "{n} is outside auto scaling's range {}–{}: auto scaling will move it back unless the range changes too",
                    t.min, t.max
                ))
            };
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
        let Some(undo) = self.undo.get(&(cluster.clone(), s.name.clone())).cloned() else {
            self.say(
                format!(
                    "nothing to undo for {}: it was not scaled from here",
                    s.name
                ),
                true,
            );
            return;
        };
        // The count first (it was inside the old range), then the range it had.
        let mut plan = Vec::new();
        if undo.desired != s.desired {
            plan.push(Mutation::Scale {
                cluster: cluster.clone(),
                service: s.name.clone(),
                from: s.desired,
                to: undo.desired,
            });
        }
        let mut warnings = Vec::new();
        if let Some(before) = undo.range {
            let now = self.scalable_target(&cluster, &s.name);
            match now {
                Some(now) if now != before => plan.push(Mutation::PutScalableTarget {
                    cluster: cluster.clone(),
                    service: s.name.clone(),
                    before: Some(now),
                    after: ScalableTarget {
                        suspended: now.suspended,
                        ..before
                    },
                }),
                Some(_) => {}
                None => warnings.push(format!(
                    "the auto scaling range ({}–{} before the step) is not restored: the service has no scalable target now",
                    before.min, before.max
                )),
            }
        }
        if plan.is_empty() {
            self.say(
                format!(
                    "{} already has desired count {} and its range as before",
                    s.name, undo.desired
                ),
                false,
            );
            return;
        }
        self.confirm(
            format!("Undo the last scale of {}", s.name),
            plan,
            warnings,
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
        let family = family_of(&s.task_definition).to_string();
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
            // Already there (the circuit breaker rolled back, or an earlier `b`): say
            // whether getting there is finished.
            let state = self
                .store
                .service(&cluster, &service)
                .and_then(|s| s.primary_deployment().cloned())
                .filter(|d| d.task_definition == previous)
                .and_then(|d| d.rollout_state);
            let how = match state.as_deref() {
                Some("COMPLETED") => "the rollback is complete",
                Some("IN_PROGRESS") => "the rollback is still in progress",
                Some("FAILED") => "but that deployment FAILED too: look at the service's events",
                _ => "nothing to roll back",
            };
            self.say(
                format!("{service} already runs {}: {how}", arn_name(&previous)),
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

    pub(super) fn send(&mut self, plan: Vec<Mutation>, after: After) -> Vec<Effect> {
        let id = self.next_op;
        self.next_op += 1;
        let what = plan.last().map(Mutation::action).unwrap_or("change");
        self.busy(
            format!("{what}: sent, waiting for AWS…"),
            super::InFlight::Op(id),
        );
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
            if let Ok(Outcome::Service(s)) = r.as_ref().map(Outcome::settled) {
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
                self.finish(
                    super::InFlight::Op(id),
                    format!("{what} failed: {e}{done}"),
                    true,
                );
                if let OpError::Aws(err) = e {
                    let target = op.plan.get(step).map(Mutation::target).unwrap_or_default();
                    let err = err.clone();
                    self.record_error(&err, target, self.now);
                }
            }
            None => {
                // A lost answer that reading back settled is said as such: the change is
                // made, but the operator should know AWS never confirmed it.
                let verified = results
                    .iter()
                    .filter_map(|r| r.as_ref().ok().and_then(Outcome::verified_after))
                    .next()
                    .map(|lost| format!(" (AWS's answer was lost: {lost}; reading back showed the change was made)"))
                    .unwrap_or_default();
                // A rollout is only started when UpdateService answers: its verdict is
                // the rollout view's to give.
                let outcome = match op.after {
                    After::FollowRollout { .. } => "started, following the rollout",
                    _ => "done",
                };
                let summary = op
                    .plan
                    .last()
                    .map(|m| format!("{}: {outcome}{verified}", m.action()))
                    .unwrap_or_default();
                self.finish(super::InFlight::Op(id), summary.clone(), false);
                match &op.after {
                    After::Scaled {
                        cluster,
                        service,
                        from,
                    } => {
                        // A range changed in the same step is undone with the count.
                        let range = op.plan.iter().find_map(|m| match m {
                            Mutation::PutScalableTarget {
                                before: Some(before),
                                ..
                            } => Some(*before),
                            _ => None,
                        });
                        self.undo.insert(
                            (cluster.clone(), service.clone()),
                            Undo {
                                desired: *from,
                                range,
                            },
                        );
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
                            let to = s.primary_deployment().map_or_else(
                                || s.task_definition.clone(),
                                |d| d.task_definition.clone(),
                            );
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
                                to,
                                previous: previous.clone(),
                                since: at - chrono::Duration::seconds(1),
                            });
                            // The note is about the pane just opened, not the one left.
                            self.say(summary, false);
                        }
                    }
                    After::Registered { family } => {
                        if !matches!(&self.view().pane, Pane::Revisions { family: f } if f == family)
                        {
                            self.push(Pane::Revisions {
                                family: family.clone(),
                            });
                        }
                        // Said on the pane it is about (opening a pane clears notes).
                        if let Some(Ok(Outcome::Registered { arn, .. })) =
                            results.last().map(|r| r.as_ref().map(Outcome::settled))
                        {
                            self.say(format!("registered {}", arn_name(arn)), false);
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

    pub(super) fn refresh_after_change(&mut self, plan: &[Mutation]) -> Vec<Effect> {
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
pub(super) fn image_fields(containers: &[(String, String)]) -> Vec<Field> {
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
/// What one scale step changed, so `u` can put all of it back.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    /// The desired count before the step.
    pub desired: i32,
    /// The auto scaling range before the step, when the step changed it.
    pub range: Option<ScalableTarget>,
}

pub const RANGE_TOO: &str = "change the auto scaling range too";

pub(super) fn check_reason(text: &str) -> Result<(), String> {
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

pub(super) fn check_image(text: &str) -> Result<(), String> {
    taskdef::check_image(text.trim())
}

pub(super) fn is_choice_key(key: &KeyEvent) -> bool {
    matches!(
        key.code,
        KeyCode::Left
            | KeyCode::Right
            | KeyCode::Char('h')
            | KeyCode::Char('l')
            | KeyCode::Char(' ')
    )
}

/// The JSON a confirmation registers (its first RegisterTaskDefinition step).
pub(super) fn confirm_json(c: &Confirm) -> serde_json::Value {
    c.plan
        .iter()
        .find_map(|m| match m {
            Mutation::RegisterTaskDefinition { json, .. } => Some(json.clone()),
            _ => None,
        })
        .unwrap_or_default()
}
