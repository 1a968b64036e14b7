//! Keys inside dialogs: forms, confirmations, the JSON editor and the revision picker;
//! and what submitting each form builds.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::dialog::{After, Field, Form, FormKey, parse_count};
use super::ops::*;
use super::{App, Effect, Popup};
use crate::domain::model::arn_name;
use crate::ops::diff;
use crate::ops::model::ScalableTarget;
use crate::ops::plan::NEW_REVISION;
use crate::ops::{Mutation, taskdef};

impl App {
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
    pub(super) fn sync_image_field(&mut self) {
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

    pub(super) fn submit_form(&mut self, form: &Form<Purpose>) -> Result<(), String> {
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

    pub(super) fn confirm_rollout(&mut self, p: Pick, to: String) {
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
}
