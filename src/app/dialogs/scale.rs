//! Scaling a service by hand (`s`): the dialog with the desired count and the auto scaling
//! range beside it, its keys and submit, and `u`, which puts back what the last step
//! changed.

use crossterm::event::KeyEvent;

use super::{Dialog, Purpose};
use crate::app::form::{After, Field, Form, FormKey};
use crate::app::keymap::{Command, place};
use crate::app::{App, Effect};
use crate::ops::Mutation;
use crate::ops::model::ScalableTarget;

/// The label of the scale dialog's count field.
const DESIRED: &str = "desired count";

/// The label of the scale dialog's "change the auto scaling range too" option.
pub const RANGE_TOO: &str = "change the auto scaling range too";

/// What one scale step changed, so `u` can put all of it back.
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    /// The desired count before the step.
    pub desired: i32,
    /// The auto scaling range before the step, when the step changed it.
    pub range: Option<ScalableTarget>,
}

impl App {
    pub(in crate::app) fn open_scale(&mut self) {
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
        .field(Field::count(DESIRED, s.desired).with_help("a whole number from 0 up"));
        self.open_dialog(Dialog::Form(form));
        self.update_scale_warning();
    }

    /// The scalable target of a service, when loaded.
    pub(in crate::app) fn scalable_target(
        &self,
        cluster: &str,
        service: &str,
    ) -> Option<ScalableTarget> {
        self.store.scaling(cluster, service).and_then(|s| s.target)
    }

    /// Keys in the scale dialog: every edit recomputes the auto scaling line and warning.
    pub(super) fn scale_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if self.form_key(key, App::submit_scale) == FormKey::Stay {
            self.update_scale_warning();
        }
        Vec::new()
    }

    /// Recomputes the scale dialog's auto scaling line and warning, adding the "change the
    /// range too" option when the count is outside it.
    pub(in crate::app) fn update_scale_warning(&mut self) {
        let Some(Dialog::Form(Form {
            purpose: Purpose::Scale {
                cluster, service, ..
            },
            ..
        })) = self.dialog()
        else {
            return;
        };
        let scaling = self.store.scaling(cluster, service);
        let (target, loaded) = (scaling.and_then(|s| s.target), scaling.is_some());
        let range_help = format!(
            "{}: also set min/max so the new count is inside",
            self.keymap.key_for(Command::Toggle, place::FORM_TOGGLE)
        );
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
        let Some(n) = form.number(DESIRED) else {
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
                form.fields
                    .push(Field::toggle(RANGE_TOO, false).with_help(range_help));
            }
        }
    }

    /// Enter in the scale dialog: the new count, and the range with it when asked, to
    /// confirm.
    fn submit_scale(&mut self, form: &Form<Purpose>) -> Result<(), String> {
        let Purpose::Scale {
            cluster,
            service,
            from,
        } = &form.purpose
        else {
            return Err("not a scale form".into());
        };
        let to = form
            .number(DESIRED)
            .ok_or("the desired count is not a whole number")?;
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

    /// A scale step went through: remember the count (and the range, when the step
    /// changed it) it came from, for `u`.
    pub(super) fn remember_scale(
        &mut self,
        cluster: &str,
        service: &str,
        from: i32,
        plan: &[Mutation],
    ) {
        // A range changed in the same step is undone with the count.
        let range = plan.iter().find_map(|m| match m {
            Mutation::PutScalableTarget {
                before: Some(before),
                ..
            } => Some(*before),
            _ => None,
        });
        self.undo.insert(
            (cluster.to_string(), service.to_string()),
            Undo {
                desired: from,
                range,
            },
        );
    }

    pub(in crate::app) fn undo_scale(&mut self) {
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
}
