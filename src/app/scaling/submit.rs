//! Submitting the auto scaling forms: cross-field checks (a bad value keeps the form
//! open with the message), then the confirmation with the mutation, its `before` read
//! from the latest data, and the warnings worth reading first.

use chrono::{DateTime, TimeZone, Utc};

use super::checks::{
    check_action_name, check_policy_name, check_schedule, check_timezone, parse_local_time,
    parse_optional_count, parse_optional_time, parse_target_value, resource_label, time_zone,
};
use super::{
    DISABLE_SCALE_IN, END, MAX, METRIC, MIN, NAME, RESOURCE_LABEL, SCALE_IN_COOLDOWN,
    SCALE_OUT_COOLDOWN, SCHEDULE, START, SUSPEND_IN, SUSPEND_OUT, SUSPEND_SCHEDULED, TARGET_VALUE,
    TIME_ZONE, time_field,
};
use crate::app::form::{After, Form, parse_count};
use crate::app::{App, Purpose};
use crate::ops::Mutation;
use crate::ops::model::{
    PolicyKind, ScalableTarget, Scaling, ScalingPolicy, ScheduledAction, Suspended, TargetTracking,
    TrackedMetric,
};

impl App {
    pub(super) fn submit_target(
        &mut self,
        form: &Form<Purpose>,
        cluster: &str,
        service: &str,
        opened: Option<ScalableTarget>,
        current: Option<&Scaling>,
    ) -> Result<(), String> {
        let min = parse_count(&form.value(MIN)).map_err(|e| format!("{MIN}: {e}"))?;
        let max = parse_count(&form.value(MAX)).map_err(|e| format!("{MAX}: {e}"))?;
        if min > max {
            return Err(format!(
                "min ({min}) is above max ({max}): min must be at most max"
            ));
        }
        let after = ScalableTarget {
            min,
            max,
            suspended: Suspended {
                dynamic_in: form.is_on(SUSPEND_IN),
                dynamic_out: form.is_on(SUSPEND_OUT),
                scheduled: form.is_on(SUSPEND_SCHEDULED),
            },
        };
        let before = current.map_or(opened, |s| s.target);
        let mut warnings = Vec::new();
        if before != opened {
            warnings.push(
                "the scalable target changed in AWS since this form opened: read the old values below".to_string(),
            );
        }
        if before == Some(after) {
            self.close_form();
            self.say(
                "the scalable target already has these values: nothing to do",
                false,
            );
            return Ok(());
        }
        if let Some((desired, _)) = self.service_counts(cluster, service) {
            if desired < min {
                warnings.push(format!(
                    "the desired count {desired} is below min {min}: auto scaling raises it to {min}"
                ));
            } else if desired > max {
                warnings.push(format!(
                    "the desired count {desired} is above max {max}: auto scaling lowers it to {max}"
                ));
            }
        }
        if before.is_none() {
            warnings.push(
                "a scalable target alone does not follow the load: add a policy (p) or a scheduled action (c)"
                    .to_string(),
            );
        }
        self.close_form();
        self.confirm(
            match before {
                Some(_) => format!("Update the scalable target of {service}"),
                None => format!("Create a scalable target for {service}"),
            },
            vec![Mutation::PutScalableTarget {
                cluster: cluster.to_string(),
                service: service.to_string(),
                before,
                after,
            }],
            warnings,
            After::Refresh,
        );
        Ok(())
    }

    pub(super) fn submit_policy(
        &mut self,
        form: &Form<Purpose>,
        cluster: &str,
        service: &str,
        editing: Option<&str>,
        opened: Option<&TargetTracking>,
        current: Option<&Scaling>,
    ) -> Result<(), String> {
        let name = match editing {
            Some(n) => n.to_string(),
            None => {
                let n = form.value(NAME);
                check_policy_name(&n).map_err(|e| format!("{NAME}: {e}"))?;
                if current.is_some_and(|s| s.policies.iter().any(|p| p.name == n)) {
                    return Err(format!(
                        "a policy named {n} already exists: pick another name, or select it and press Enter to edit it"
                    ));
                }
                n
            }
        };
        let metric_choice = form.value(METRIC);
        let metric = match metric_choice.as_str() {
            "CPU" => TrackedMetric::Cpu,
            "memory" => TrackedMetric::Memory,
            _ => TrackedMetric::AlbRequests {
                resource_label: resource_label(&form.value(RESOURCE_LABEL))
                    .map_err(|e| format!("{RESOURCE_LABEL}: {e}"))?,
            },
        };
        let target_value = parse_target_value(&form.value(TARGET_VALUE))
            .map_err(|e| format!("{TARGET_VALUE}: {e}"))?;
        if matches!(metric, TrackedMetric::Cpu | TrackedMetric::Memory) && target_value > 100.0 {
            return Err(format!(
                "{TARGET_VALUE}: {metric_choice} utilization is a percentage: at most 100, not {target_value}"
            ));
        }
        let cooldown = |label: &str| {
            parse_optional_count(&form.value(label)).map_err(|e| format!("{label}: {e}"))
        };
        let after = TargetTracking {
            metric,
            target_value,
            scale_in_cooldown: cooldown(SCALE_IN_COOLDOWN)?,
            scale_out_cooldown: cooldown(SCALE_OUT_COOLDOWN)?,
            disable_scale_in: form.is_on(DISABLE_SCALE_IN),
        };
        let mut warnings = Vec::new();
        let before = match (editing, current) {
            (Some(_), Some(s)) => match s.policies.iter().find(|p| p.name == name) {
                Some(ScalingPolicy {
                    kind: PolicyKind::TargetTracking(t),
                    ..
                }) => Some(t.clone()),
                Some(_) => {
                    return Err(format!(
                        "policy {name} is no longer a target tracking policy in AWS: Esc and look again"
                    ));
                }
                None => None,
            },
            (Some(_), None) => opened.cloned(),
            (None, _) => None,
        };
        if editing.is_some() && before.as_ref() != opened {
            warnings.push(match before {
                None => format!(
                    "policy {name} was deleted in AWS since this form opened: this creates it again"
                ),
                Some(_) => format!(
                    "policy {name} changed in AWS since this form opened: read the old values below"
                ),
            });
        }
        if before.as_ref() == Some(&after) {
            self.close_form();
            self.say(
                format!("policy {name} already has these values: nothing to do"),
                false,
            );
            return Ok(());
        }
        if after.disable_scale_in {
            warnings.push("scale-in disabled: this policy only adds tasks".to_string());
        }
        if let Some(t) = current.and_then(|s| s.target) {
            if t.suspended.dynamic_in && !after.disable_scale_in {
                warnings.push(
                    "dynamic scale-in is suspended on the target: no policy removes tasks until it is resumed (i)"
                        .to_string(),
                );
            }
            if t.suspended.dynamic_out {
                warnings.push(
                    "dynamic scale-out is suspended on the target: no policy adds tasks until it is resumed (e)"
                        .to_string(),
                );
            }
        }
        self.close_form();
        self.confirm(
            match before {
                Some(_) => format!("Update scaling policy {name}"),
                None => format!("Create scaling policy {name}"),
            },
            vec![Mutation::PutTargetTracking {
                cluster: cluster.to_string(),
                service: service.to_string(),
                name,
                before,
                after,
            }],
            warnings,
            After::Refresh,
        );
        Ok(())
    }

    pub(super) fn submit_schedule(
        &mut self,
        form: &Form<Purpose>,
        cluster: &str,
        service: &str,
        opened: Option<&ScheduledAction>,
        current: Option<&Scaling>,
    ) -> Result<(), String> {
        let name = match opened {
            Some(a) => a.name.clone(),
            None => {
                let n = form.value(NAME);
                check_action_name(&n).map_err(|e| format!("{NAME}: {e}"))?;
                if current.is_some_and(|s| s.scheduled.iter().any(|a| a.name == n)) {
                    return Err(format!(
                        "a scheduled action named {n} already exists: pick another name, or select it and press Enter to edit it"
                    ));
                }
                n
            }
        };
        let schedule = form.value(SCHEDULE).trim().to_string();
        check_schedule(&schedule).map_err(|e| format!("{SCHEDULE}: {e}"))?;
        let tz_text = form.value(TIME_ZONE).trim().to_string();
        check_timezone(&tz_text).map_err(|e| format!("{TIME_ZONE}: {e}"))?;
        let count = |label: &str| {
            parse_optional_count(&form.value(label)).map_err(|e| format!("{label}: {e}"))
        };
        let (min, max) = (count(MIN)?, count(MAX)?);
        match (min, max) {
            (None, None) => {
                return Err("set min, max or both: that is what the action changes".into());
            }
            (Some(lo), Some(hi)) if lo > hi => {
                return Err(format!(
                    "min ({lo}) is above max ({hi}): min must be at most max"
                ));
            }
            _ => {}
        }
        let time = |label: &str| {
            parse_optional_time(&form.value(label)).map_err(|e| format!("{label}: {e}"))
        };
        let (start, end) = (time(START)?, time(END)?);
        if let (Some(s), Some(e)) = (start, end)
            && s >= e
        {
            return Err(format!(
                "the start ({}) is not before the end ({})",
                time_field(Some(s)),
                time_field(Some(e))
            ));
        }
        let after = ScheduledAction {
            name: name.clone(),
            schedule,
            timezone: Some(tz_text).filter(|t| !t.is_empty()),
            min,
            max,
            start,
            end,
        };
        let mut warnings = Vec::new();
        let before = match (opened, current) {
            (Some(_), Some(s)) => s.scheduled.iter().find(|a| a.name == name).cloned(),
            (Some(o), None) => Some(o.clone()),
            (None, _) => None,
        };
        if opened.is_some() && before.as_ref() != opened {
            warnings.push(match before {
                None => format!(
                    "scheduled action {name} was deleted in AWS since this form opened: this creates it again"
                ),
                Some(_) => format!(
                    "scheduled action {name} changed in AWS since this form opened: read the old values below"
                ),
            });
        }
        if before.as_ref() == Some(&after) {
            self.close_form();
            self.say(
                format!("scheduled action {name} already has these values: nothing to do"),
                false,
            );
            return Ok(());
        }
        if let Some(when) = at_time(&after)
            && when <= self.now
        {
            warnings.push(format!(
                "{} is in the past: the action will never run",
                after.schedule
            ));
        }
        if let Some(e) = after.end
            && e <= self.now
        {
            warnings.push("the end is in the past: the action will never run".to_string());
        }
        if let Some(t) = current.and_then(|s| s.target) {
            if let (Some(lo), None) = (min, max)
                && lo > t.max
            {
                warnings.push(format!(
                    "min {lo} is above the target's max {}: AWS may refuse it unless max is set too",
                    t.max
                ));
            }
            if let (None, Some(hi)) = (min, max)
                && hi < t.min
            {
                warnings.push(format!(
                    "max {hi} is below the target's min {}: AWS may refuse it unless min is set too",
                    t.min
                ));
            }
            if t.suspended.scheduled {
                warnings.push(
                    "scheduled scaling is suspended on the target: the action does not run until it is resumed (e)"
                        .to_string(),
                );
            }
        }
        self.close_form();
        self.confirm(
            match before {
                Some(_) => format!("Update scheduled action {name}"),
                None => format!("Create scheduled action {name}"),
            },
            vec![Mutation::PutScheduledAction {
                cluster: cluster.to_string(),
                service: service.to_string(),
                before,
                after,
            }],
            warnings,
            After::Refresh,
        );
        Ok(())
    }
}

/// When an `at(...)` action runs, in UTC (its time zone applied); `None` for recurring ones.
fn at_time(a: &ScheduledAction) -> Option<DateTime<Utc>> {
    let inner = a.schedule.strip_prefix("at(")?.strip_suffix(')')?;
    let local = parse_local_time(inner.trim()).ok()?;
    match a.timezone.as_deref().and_then(time_zone) {
        Some(tz) => tz
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
        None => Some(local.and_utc()),
    }
}
