//! The auto scaling pane: a service's scalable target, policies, scheduled actions and
//! recent activities, and the forms that change them. Every change ends in the one
//! confirmation (`App::confirm`), carrying what it changes from.
//!
//! `sections` builds the pane's rows, `checks` holds the field checks run as the user
//! types, `submit` turns a filled form into the confirmation.

mod checks;
mod sections;
mod submit;

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::form::{After, Field, Form, check_count};
use super::keymap::Command;
use super::pane::Pane;
use super::rows::{Column, Row};
use super::{App, DataKey, Dialog, Effect, Popup, Purpose};
use crate::ops::model::{
    PolicyKind, ScalableTarget, Scaling, ScheduledAction, Suspended, TargetTracking, TrackedMetric,
};
use crate::ops::{Mutation, resource_id};

pub use checks::{
    check_action_name, check_optional_count, check_optional_time, check_policy_name,
    check_resource_label, check_schedule, check_target_value, check_timezone, parse_optional_count,
    parse_optional_time, parse_target_value, resource_label,
};
use sections::{
    ACTIVITIES_ROW, TARGET_ROW, activity_text, policy_text, schedule_text, target_text,
};
pub use sections::{SCALING_COLUMNS, Section, rows_of, suspended_text};

/// Which auto scaling form is open, with what it edits as it was when the form opened.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalingForm {
    /// Min, max and suspended states; `None` creates the scalable target.
    Target { before: Option<ScalableTarget> },
    /// A target tracking policy; `name` is `Some` when editing (the name stays).
    Policy {
        name: Option<String>,
        before: Option<TargetTracking>,
    },
    /// A scheduled action; editing keeps `before.name`.
    Schedule { before: Option<ScheduledAction> },
}

// ---- form fields -------------------------------------------------------------------------

pub const MIN: &str = "min";
pub const MAX: &str = "max";
pub const SUSPEND_IN: &str = "suspend scale-in";
pub const SUSPEND_OUT: &str = "suspend scale-out";
pub const SUSPEND_SCHEDULED: &str = "suspend scheduled";
pub const NAME: &str = "name";
pub const METRIC: &str = "metric";
pub const RESOURCE_LABEL: &str = "resource label";
pub const TARGET_VALUE: &str = "target value";
pub const SCALE_OUT_COOLDOWN: &str = "scale-out cooldown";
pub const SCALE_IN_COOLDOWN: &str = "scale-in cooldown";
pub const DISABLE_SCALE_IN: &str = "disable scale-in";
pub const SCHEDULE: &str = "schedule";
pub const TIME_ZONE: &str = "time zone";
pub const START: &str = "start (UTC)";
pub const END: &str = "end (UTC)";

/// The metric choices of the policy form, in order.
pub const METRICS: [&str; 3] = ["CPU", "memory", "ALB requests per target"];

fn metric_index(m: &TrackedMetric) -> usize {
    match m {
        TrackedMetric::Memory => 1,
        TrackedMetric::AlbRequests { .. } => 2,
        _ => 0,
    }
}

fn time_field(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default()
}

// ---- keys --------------------------------------------------------------------------------

impl App {
    /// The pane's rows.
    pub(super) fn scaling_rows(
        &self,
        cluster: &str,
        service: &str,
    ) -> (&'static [Column], Vec<Row>) {
        let rows = self
            .store
            .scaling(cluster, service)
            .map(|s| rows_of(cluster, service, s))
            .unwrap_or_default();
        (SCALING_COLUMNS, rows)
    }

    /// Keys of the auto scaling pane (and Enter on its rows).
    pub(super) fn run_scaling(&mut self, command: Command) -> Vec<Effect> {
        let Pane::Scaling { cluster, service } = self.view().pane.clone() else {
            return Vec::new();
        };
        let Some(scaling) = self.loaded_scaling(&cluster, &service) else {
            return Vec::new();
        };
        let changes = matches!(
            command,
            Command::EditTarget
                | Command::SuspendScaleIn
                | Command::NewPolicy
                | Command::NewSchedule
                | Command::Delete
        );
        if changes && self.refuse_scaling_change() {
            return Vec::new();
        }
        match command {
            Command::EditTarget => self.open_target_form(&cluster, &service, &scaling),
            Command::SuspendScaleIn => self.toggle_scale_in(&cluster, &service, &scaling),
            Command::NewPolicy if self.needs_target(&scaling, "policies") => {
                self.open_policy_form(&service, None);
            }
            Command::NewSchedule if self.needs_target(&scaling, "scheduled actions") => {
                self.open_schedule_form(&service, None);
            }
            Command::Delete => self.delete_selected(&cluster, &service, &scaling),
            Command::Open => self.open_scaling_row(&cluster, &service, &scaling),
            _ => {}
        }
        Vec::new()
    }

    /// The service's auto scaling once loaded; otherwise says why not.
    fn loaded_scaling(&mut self, cluster: &str, service: &str) -> Option<Arc<Scaling>> {
        if let Some(s) = self.store.scaling(cluster, service) {
            return Some(s.clone());
        }
        let key = DataKey::Scaling {
            cluster: cluster.to_string(),
            service: service.to_string(),
        };
        let failed = self.store.get(&key).is_some_and(|s| s.error.is_some());
        self.say(
            if failed {
                "auto scaling could not be loaded: r retries, E shows the error"
            } else {
                "auto scaling is still loading…"
            },
            true,
        );
        None
    }

    fn refuse_scaling_change(&mut self) -> bool {
        if self.read_only {
            self.say("read-only mode: changing auto scaling is turned off", true);
        }
        self.read_only
    }

    /// Policies and scheduled actions hang on a scalable target.
    fn needs_target(&mut self, scaling: &Scaling, what: &str) -> bool {
        if scaling.target.is_none() {
            self.say(
                format!("{what} need a scalable target first: press e to create one"),
                true,
            );
            return false;
        }
        true
    }

    fn open_form(&mut self, form: Form<Purpose>) {
        self.popups
            .push(Popup::Dialog(Box::new(Dialog::Form(form))));
    }

    fn close_form(&mut self) {
        if matches!(self.popups.last(), Some(Popup::Dialog(_))) {
            self.popups.pop();
        }
    }

    fn show_text(&mut self, title: String, body: String) {
        self.popups.push(Popup::Text {
            title,
            body,
            scroll: 0,
        });
    }

    /// The desired and running counts of the service, when its list is loaded.
    fn service_counts(&self, cluster: &str, service: &str) -> Option<(i32, i32)> {
        self.store
            .services(cluster)?
            .iter()
            .find(|s| s.name == service)
            .map(|s| (s.desired, s.running))
    }

    fn open_target_form(&mut self, cluster: &str, service: &str, scaling: &Scaling) {
        let before = scaling.target;
        let counts = self.service_counts(cluster, service);
        let (min, max) = match (before, counts) {
            (Some(t), _) => (t.min.to_string(), t.max.to_string()),
            (None, Some((desired, _))) => (desired.to_string(), desired.to_string()),
            (None, None) => (String::new(), String::new()),
        };
        let suspended = before.map(|t| t.suspended).unwrap_or_default();
        let title = match before {
            Some(_) => format!("Scalable target of {service}"),
            None => format!("Create a scalable target for {service}"),
        };
        let mut form = Form::new(
            title,
            Purpose::Scaling {
                cluster: cluster.to_string(),
                service: service.to_string(),
                which: ScalingForm::Target { before },
            },
        )
        .info(format!(
            "{} · ecs:service:DesiredCount",
            resource_id(cluster, service)
        ));
        if let Some((desired, running)) = counts {
            form = form.info(format!("desired {desired} · running {running}"));
        }
        form = form
            .field(
                Field::text(MIN, &min, check_count).with_help("auto scaling never goes below this"),
            )
            .field(
                Field::text(MAX, &max, check_count).with_help("auto scaling never goes above this"),
            )
            .field(
                Field::toggle(SUSPEND_IN, suspended.dynamic_in)
                    .with_help("policies stop removing tasks (incident use)"),
            )
            .field(
                Field::toggle(SUSPEND_OUT, suspended.dynamic_out)
                    .with_help("policies stop adding tasks"),
            )
            .field(
                Field::toggle(SUSPEND_SCHEDULED, suspended.scheduled)
                    .with_help("scheduled actions stop running"),
            );
        self.open_form(form);
    }

    /// Opens the policy form: new (`None`) or editing a target tracking policy.
    fn open_policy_form(&mut self, service: &str, edit: Option<(&str, &TargetTracking)>) {
        let Pane::Scaling { cluster, .. } = self.view().pane.clone() else {
            return;
        };
        let t = edit.map(|(_, t)| t);
        let label = match t.map(|t| &t.metric) {
            Some(TrackedMetric::AlbRequests { resource_label }) => resource_label.clone(),
            _ => String::new(),
        };
        let title = match edit {
            Some((name, _)) => format!("Scaling policy {name}"),
            None => format!("New target tracking policy for {service}"),
        };
        let mut form = Form::new(
            title,
            Purpose::Scaling {
                cluster,
                service: service.to_string(),
                which: ScalingForm::Policy {
                    name: edit.map(|(n, _)| n.to_string()),
                    before: t.cloned(),
                },
            },
        );
        match edit {
            Some((name, _)) => form = form.info(format!("policy {name} (its name stays)")),
            None => {
                form = form.field(
                    Field::text(NAME, "", check_policy_name)
                        .with_help("1-256 printable ASCII characters"),
                );
            }
        }
        form = form
            .field(Field::choice(
                METRIC,
                METRICS.iter().map(|m| m.to_string()).collect(),
                t.map_or(0, |t| metric_index(&t.metric)),
            ))
            .field(
                Field::text(RESOURCE_LABEL, &label, check_resource_label)
                    .with_help("ALB only: app/<lb>/<id>/targetgroup/<tg>/<id>"),
            )
            .field(
                Field::text(
                    TARGET_VALUE,
                    &t.map(|t| t.target_value.to_string()).unwrap_or_default(),
                    check_target_value,
                )
                .with_help("CPU/memory: percent up to 100; ALB: requests"),
            )
            .field(
                Field::text(
                    SCALE_OUT_COOLDOWN,
                    &t.and_then(|t| t.scale_out_cooldown)
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    check_optional_count,
                )
                .with_help("whole seconds; empty: AWS default"),
            )
            .field(
                Field::text(
                    SCALE_IN_COOLDOWN,
                    &t.and_then(|t| t.scale_in_cooldown)
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    check_optional_count,
                )
                .with_help("whole seconds; empty: AWS default"),
            )
            .field(
                Field::toggle(DISABLE_SCALE_IN, t.is_some_and(|t| t.disable_scale_in))
                    .with_help("the policy only adds tasks"),
            );
        self.open_form(form);
    }

    fn open_schedule_form(&mut self, service: &str, before: Option<&ScheduledAction>) {
        let Pane::Scaling { cluster, .. } = self.view().pane.clone() else {
            return;
        };
        let title = match before {
            Some(a) => format!("Scheduled action {}", a.name),
            None => format!("New scheduled action for {service}"),
        };
        let mut form = Form::new(
            title,
            Purpose::Scaling {
                cluster,
                service: service.to_string(),
                which: ScalingForm::Schedule {
                    before: before.cloned(),
                },
            },
        );
        match before {
            Some(a) => form = form.info(format!("scheduled action {} (its name stays)", a.name)),
            None => {
                form = form.field(
                    Field::text(NAME, "", check_action_name)
                        .with_help("1-256 characters, no `:`, `/` or `|`"),
                );
            }
        }
        let text = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
        form = form
            .field(
                Field::text(SCHEDULE, before.map_or("", |a| &a.schedule), check_schedule)
                    .with_help("cron(…) · rate(5 minutes) · at(yyyy-mm-ddThh:mm:ss)"),
            )
            .field(
                Field::text(
                    TIME_ZONE,
                    before.and_then(|a| a.timezone.as_deref()).unwrap_or(""),
                    check_timezone,
                )
                .with_help("IANA name such as Europe/Paris; empty: UTC"),
            )
            .field(
                Field::text(MIN, &text(before.and_then(|a| a.min)), check_optional_count)
                    .with_help("the target's new min; empty: unchanged"),
            )
            .field(
                Field::text(MAX, &text(before.and_then(|a| a.max)), check_optional_count)
                    .with_help("the target's new max; empty: unchanged"),
            )
            .field(
                Field::text(
                    START,
                    &time_field(before.and_then(|a| a.start)),
                    check_optional_time,
                )
                .with_help("yyyy-mm-ddThh:mm:ss; empty: from now"),
            )
            .field(
                Field::text(
                    END,
                    &time_field(before.and_then(|a| a.end)),
                    check_optional_time,
                )
                .with_help("yyyy-mm-ddThh:mm:ss; empty: no end"),
            );
        self.open_form(form);
    }

    /// `i`: suspend or resume dynamic scale-in, the move of an incident, in one confirm.
    fn toggle_scale_in(&mut self, cluster: &str, service: &str, scaling: &Scaling) {
        let Some(t) = scaling.target else {
            self.say(
                "no scalable target, so nothing scales in: press e to create one",
                true,
            );
            return;
        };
        let suspend = !t.suspended.dynamic_in;
        let after = ScalableTarget {
            suspended: Suspended {
                dynamic_in: suspend,
                ..t.suspended
            },
            ..t
        };
        let (title, warning) = if suspend {
            (
                format!("Suspend scale-in of {service}"),
                "policies stop removing tasks until scale-in is resumed (i again)",
            )
        } else {
            (
                format!("Resume scale-in of {service}"),
                "policies may start removing tasks at once if the load is low",
            )
        };
        self.confirm(
            title,
            vec![Mutation::PutScalableTarget {
                cluster: cluster.to_string(),
                service: service.to_string(),
                before: Some(t),
                after,
            }],
            vec![warning.to_string()],
            After::Refresh,
        );
    }

    /// `x`: delete the selected policy or scheduled action (or, on the target row,
    /// deregister the scalable target), confirmed.
    fn delete_selected(&mut self, cluster: &str, service: &str, scaling: &Scaling) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let (c, s) = (cluster.to_string(), service.to_string());
        match row.id.split_once(':') {
            Some(("policy", name)) => {
                let Some(p) = scaling.policies.iter().find(|p| p.name == name) else {
                    return;
                };
                let mut warnings = Vec::new();
                if let PolicyKind::Step(st) = &p.kind
                    && !st.alarms.is_empty()
                {
                    warnings.push(format!(
                        "its CloudWatch alarms stay: {}",
                        st.alarms.join(", ")
                    ));
                }
                if scaling.policies.len() == 1 {
                    warnings.push(
                        "no policy is left: auto scaling no longer follows the load".to_string(),
                    );
                }
                self.confirm(
                    format!("Delete scaling policy {name}"),
                    vec![Mutation::DeletePolicy {
                        cluster: c,
                        service: s,
                        before: p.clone(),
                    }],
                    warnings,
                    After::Refresh,
                );
            }
            Some(("schedule", name)) => {
                let Some(a) = scaling.scheduled.iter().find(|a| a.name == name) else {
                    return;
                };
                self.confirm(
                    format!("Delete scheduled action {name}"),
                    vec![Mutation::DeleteScheduledAction {
                        cluster: c,
                        service: s,
                        before: a.clone(),
                    }],
                    Vec::new(),
                    After::Refresh,
                );
            }
            _ if row.id == TARGET_ROW => {
                let Some(t) = scaling.target else {
                    self.say("no scalable target to remove", true);
                    return;
                };
                let warnings = vec![
                    format!(
                        "auto scaling turns off: {} policy(ies) and {} scheduled action(s) are deleted with the target",
                        scaling.policies.len(),
                        scaling.scheduled.len()
                    ),
                    "the desired count stays where it is".to_string(),
                ];
                self.confirm(
                    format!("Turn off auto scaling of {service}"),
                    vec![Mutation::DeleteScalableTarget {
                        cluster: c,
                        service: s,
                        before: t,
                    }],
                    warnings,
                    After::Refresh,
                );
            }
            _ => self.say(
                "scaling activities are history: there is nothing to delete",
                true,
            ),
        }
    }

    /// Enter: edit the selected item, or show it in full where it is not edited here.
    fn open_scaling_row(&mut self, cluster: &str, service: &str, scaling: &Scaling) {
        let Some(row) = self.selected_row() else {
            return;
        };
        match row.id.split_once(':') {
            Some(("policy", name)) => {
                let Some(p) = scaling.policies.iter().find(|p| p.name == name) else {
                    return;
                };
                match &p.kind {
                    PolicyKind::TargetTracking(t)
                        if !self.read_only && !matches!(t.metric, TrackedMetric::Custom(_)) =>
                    {
                        self.open_policy_form(service, Some((name, t)));
                    }
                    _ => self.show_text(format!("scaling policy {name}"), policy_text(p)),
                }
            }
            Some(("schedule", name)) => {
                let Some(a) = scaling.scheduled.iter().find(|a| a.name == name) else {
                    return;
                };
                if self.read_only {
                    self.show_text(format!("scheduled action {name}"), schedule_text(a));
                } else {
                    self.open_schedule_form(service, Some(a));
                }
            }
            Some(("activity", n)) => {
                let found = n
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| scaling.activities.as_ref().ok()?.get(n));
                if let Some(a) = found {
                    self.show_text("scaling activity".into(), activity_text(a));
                }
            }
            _ if row.id == ACTIVITIES_ROW => {
                if let Err(reason) = &scaling.activities {
                    self.show_text(
                        "scaling activities".into(),
                        format!("Scaling activities are not available:\n\n{reason}\n"),
                    );
                }
            }
            _ => match (scaling.target, self.read_only) {
                (Some(t), true) => {
                    self.show_text("scalable target".into(), target_text(cluster, service, &t))
                }
                (None, true) => {
                    self.say("read-only mode: changing auto scaling is turned off", true)
                }
                (_, false) => self.open_target_form(cluster, service, scaling),
            },
        }
    }

    // ---- submitting ----------------------------------------------------------------------

    /// Enter on an auto scaling form whose fields are all valid: build the change and ask
    /// for confirmation, or say what is wrong across fields (the form stays open).
    pub(super) fn submit_scaling(
        &mut self,
        form: &Form<Purpose>,
        which: &ScalingForm,
    ) -> Result<(), String> {
        let Purpose::Scaling {
            cluster, service, ..
        } = &form.purpose
        else {
            return Err("not an auto scaling form".into());
        };
        let current = self.store.scaling(cluster, service).cloned();
        match which {
            ScalingForm::Target { before } => {
                self.submit_target(form, cluster, service, *before, current.as_deref())
            }
            ScalingForm::Policy { name, before } => self.submit_policy(
                form,
                cluster,
                service,
                name.as_deref(),
                before.as_ref(),
                current.as_deref(),
            ),
            ScalingForm::Schedule { before } => {
                self.submit_schedule(form, cluster, service, before.as_ref(), current.as_deref())
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
