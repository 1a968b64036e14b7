//! The auto scaling pane as rows, section by section, and the full text of an item for
//! the read-only views.

use chrono::{DateTime, Utc};

use crate::app::format;
use crate::app::rows::{Cell, Column, Row, SortKey, Tone};
use crate::ops::model::{
    PolicyKind, ScalableTarget, Scaling, ScalingActivity, ScalingPolicy, ScheduledAction,
    StepScaling, Suspended, TargetTracking, TrackedMetric,
};
use crate::ops::resource_id;

/// The parts of the pane, in the order they are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Target,
    TargetTracking,
    Step,
    Scheduled,
    Activities,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::Target,
        Section::TargetTracking,
        Section::Step,
        Section::Scheduled,
        Section::Activities,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Target => "Scalable target",
            Section::TargetTracking => "Target tracking policies",
            Section::Step => "Step scaling policies",
            Section::Scheduled => "Scheduled actions",
            Section::Activities => "Recent activities, newest first",
        }
    }

    /// The column titles of the section's rows.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Section::Target => &["RESOURCE", "MIN", "MAX", "SUSPENDED"],
            Section::TargetTracking => {
                &["NAME", "METRIC", "TARGET", "COOLDOWN OUT / IN", "SCALE-IN"]
            }
            Section::Step => &["NAME", "ADJUSTMENT", "STEPS", "COOLDOWN", "ALARMS"],
            Section::Scheduled => &[
                "NAME",
                "SCHEDULE",
                "TIME ZONE",
                "MIN / MAX",
                "START → END (UTC)",
            ],
            Section::Activities => &["TIME (UTC)", "STATUS", "DESCRIPTION"],
        }
    }

    /// What an empty section says; `None`: an empty section is not shown.
    pub fn placeholder(self) -> Option<&'static str> {
        match self {
            Section::Target | Section::Step => None,
            Section::TargetTracking => Some("none: p adds one"),
            Section::Scheduled => Some("none: c adds one"),
            Section::Activities => Some("no recent activity"),
        }
    }

    /// The section of the row `id` (see `rows_of`).
    pub fn of(scaling: &Scaling, id: &str) -> Section {
        match id.split_once(':') {
            Some(("policy", name)) => match scaling.policies.iter().find(|p| p.name == name) {
                Some(ScalingPolicy {
                    kind: PolicyKind::Step(_),
                    ..
                }) => Section::Step,
                _ => Section::TargetTracking,
            },
            Some(("schedule", _)) => Section::Scheduled,
            Some(("activity", _)) => Section::Activities,
            _ if id == ACTIVITIES_ROW => Section::Activities,
            _ => Section::Target,
        }
    }
}

pub(super) const TARGET_ROW: &str = "target";
/// The row saying why activities are not available.
pub(super) const ACTIVITIES_ROW: &str = "activities";

/// The pane as a whole, for sorting: each section gives the columns its own titles.
pub const SCALING_COLUMNS: &[Column] = &[
    Column {
        title: "NAME",
        min: 10,
        grow: true,
        priority: 2,
    },
    Column {
        title: "SETTING",
        min: 8,
        grow: true,
        priority: 2,
    },
    Column {
        title: "VALUE",
        min: 6,
        grow: true,
        priority: 2,
    },
    Column {
        title: "DETAIL",
        min: 8,
        grow: true,
        priority: 2,
    },
    Column {
        title: "NOTE",
        min: 8,
        grow: true,
        priority: 2,
    },
];

/// The rows of a service's auto scaling, with stable ids: `target`, `policy:<name>`,
/// `schedule:<name>`, `activity:<n>` (n counts from the newest) and `activities`.
pub fn rows_of(cluster: &str, service: &str, s: &Scaling) -> Vec<Row> {
    let mut rows = Vec::new();
    rows.push(match &s.target {
        Some(t) => Row {
            id: TARGET_ROW.into(),
            cells: vec![
                Cell::text(resource_id(cluster, service)),
                Cell::num(t.min.into()),
                Cell::num(t.max.into()),
                Cell::text(suspended_text(&t.suspended)).tone(if any_suspended(&t.suspended) {
                    Tone::Warn
                } else {
                    Tone::Normal
                }),
            ],
            tone: Tone::Normal,
        },
        None => Row {
            id: TARGET_ROW.into(),
            cells: vec![Cell::text("no scalable target: press e to create one")],
            tone: Tone::Dim,
        },
    });
    let tracking = s.policies.iter().filter_map(|p| match &p.kind {
        PolicyKind::TargetTracking(t) => Some((p, t)),
        PolicyKind::Step(_) => None,
    });
    for (p, t) in tracking {
        rows.push(Row {
            id: format!("policy:{}", p.name),
            cells: vec![
                Cell::text(&p.name),
                Cell::text(metric_label(&t.metric)),
                Cell {
                    sort: SortKey::Num(t.target_value.round() as i64),
                    ..Cell::text(target_label(t))
                },
                Cell::text(format!(
                    "{} / {}",
                    cooldown_label(t.scale_out_cooldown),
                    cooldown_label(t.scale_in_cooldown)
                )),
                if t.disable_scale_in {
                    Cell::text("disabled").tone(Tone::Warn)
                } else {
                    Cell::text("enabled")
                },
            ],
            tone: Tone::Normal,
        });
    }
    let steps = s.policies.iter().filter_map(|p| match &p.kind {
        PolicyKind::Step(st) => Some((p, st)),
        PolicyKind::TargetTracking(_) => None,
    });
    for (p, st) in steps {
        rows.push(Row {
            id: format!("policy:{}", p.name),
            cells: vec![
                Cell::text(&p.name),
                Cell::text(st.adjustment_type.as_deref().unwrap_or("-")),
                Cell::text(steps_label(st)),
                Cell::text(st.cooldown.map_or("-".into(), |c| format!("{c}s"))),
                if st.alarms.is_empty() {
                    Cell::text("none: never runs").tone(Tone::Warn)
                } else {
                    Cell::text(st.alarms.join(", "))
                },
            ],
            tone: Tone::Normal,
        });
    }
    for a in &s.scheduled {
        rows.push(Row {
            id: format!("schedule:{}", a.name),
            cells: vec![
                Cell::text(&a.name),
                Cell::text(&a.schedule),
                Cell::text(a.timezone.as_deref().unwrap_or("UTC")),
                Cell::text(format!("{} / {}", opt_num(a.min), opt_num(a.max))),
                Cell::text(window_label(a.start, a.end)),
            ],
            tone: Tone::Normal,
        });
    }
    match &s.activities {
        Ok(list) => {
            for (n, a) in list.iter().enumerate() {
                rows.push(Row {
                    id: format!("activity:{n}"),
                    cells: vec![
                        Cell {
                            sort: SortKey::Num(a.at.map_or(i64::MIN, |t| t.timestamp_millis())),
                            ..Cell::text(format::timestamp(a.at))
                        },
                        Cell::text(&a.status).tone(activity_tone(&a.status)),
                        Cell::text(one_line(&a.description)),
                    ],
                    tone: Tone::Normal,
                });
            }
        }
        Err(reason) => rows.push(Row {
            id: ACTIVITIES_ROW.into(),
            cells: vec![Cell::text(format!(
                "scaling activities: not available ({})",
                one_line(reason)
            ))],
            tone: Tone::Dim,
        }),
    }
    rows
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn any_suspended(s: &Suspended) -> bool {
    s.dynamic_in || s.dynamic_out || s.scheduled
}

/// Suspended states in words: "nothing suspended", "dynamic scale-in, scheduled scaling".
pub fn suspended_text(s: &Suspended) -> String {
    let mut parts = Vec::new();
    if s.dynamic_in {
        parts.push("dynamic scale-in");
    }
    if s.dynamic_out {
        parts.push("dynamic scale-out");
    }
    if s.scheduled {
        parts.push("scheduled scaling");
    }
    if parts.is_empty() {
        "nothing suspended".into()
    } else {
        parts.join(", ")
    }
}

fn metric_label(m: &TrackedMetric) -> String {
    match m {
        TrackedMetric::Cpu => "CPU utilization".into(),
        TrackedMetric::Memory => "memory utilization".into(),
        TrackedMetric::AlbRequests { resource_label } => {
            format!("ALB requests per target ({resource_label})")
        }
        TrackedMetric::Custom(name) => format!("custom: {name}"),
    }
}

fn target_label(t: &TargetTracking) -> String {
    match t.metric {
        TrackedMetric::Cpu | TrackedMetric::Memory => format!("{}%", t.target_value),
        _ => t.target_value.to_string(),
    }
}

fn cooldown_label(c: Option<i32>) -> String {
    c.map_or("default".into(), |c| format!("{c}s"))
}

fn opt_num(v: Option<i32>) -> String {
    v.map_or("-".into(), |v| v.to_string())
}

fn bound(v: Option<f64>, infinite: &str) -> String {
    v.map_or(infinite.into(), |v| v.to_string())
}

fn step_line(lower: Option<f64>, upper: Option<f64>, adjustment: i32) -> String {
    format!(
        "[{}, {}) {adjustment:+}",
        bound(lower, "-∞"),
        bound(upper, "+∞")
    )
}

fn steps_label(st: &StepScaling) -> String {
    if st.steps.is_empty() {
        return "-".into();
    }
    st.steps
        .iter()
        .map(|s| step_line(s.lower, s.upper, s.adjustment))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn window_label(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> String {
    let m = |t| format::minute(Some(t));
    match (start, end) {
        (None, None) => "-".into(),
        (Some(s), None) => format!("from {}", m(s)),
        (None, Some(e)) => format!("until {}", m(e)),
        (Some(s), Some(e)) => format!("{} → {}", m(s), m(e)),
    }
}

fn activity_tone(status: &str) -> Tone {
    match status {
        "Successful" => Tone::Ok,
        "Pending" | "InProgress" | "Unfulfilled" => Tone::Warn,
        "Failed" => Tone::Error,
        "Overridden" => Tone::Dim,
        _ => Tone::Normal,
    }
}

// ---- read-only views -------------------------------------------------------------------

pub(super) fn target_text(cluster: &str, service: &str, t: &ScalableTarget) -> String {
    format!(
        "resource: {}\ndimension: ecs:service:DesiredCount\nmin: {}\nmax: {}\nsuspended: {}\n",
        resource_id(cluster, service),
        t.min,
        t.max,
        suspended_text(&t.suspended)
    )
}

pub(super) fn policy_text(p: &ScalingPolicy) -> String {
    let mut out = format!("policy: {}\n", p.name);
    if let Some(arn) = &p.arn {
        out.push_str(&format!("arn: {arn}\n"));
    }
    match &p.kind {
        PolicyKind::TargetTracking(t) => {
            out.push_str("type: target tracking\n");
            out.push_str(&format!("metric: {}\n", t.metric.api_name()));
            if let TrackedMetric::AlbRequests { resource_label } = &t.metric {
                out.push_str(&format!("resource label: {resource_label}\n"));
            }
            out.push_str(&format!("target value: {}\n", t.target_value));
            out.push_str(&format!(
                "scale-out cooldown: {}\nscale-in cooldown: {}\n",
                cooldown_label(t.scale_out_cooldown),
                cooldown_label(t.scale_in_cooldown)
            ));
            out.push_str(&format!(
                "scale-in: {}\n",
                if t.disable_scale_in {
                    "disabled"
                } else {
                    "enabled"
                }
            ));
            if let TrackedMetric::Custom(_) = t.metric {
                out.push_str(
                    "\nA customized metric is shown, not edited here: change it with the AWS console or CLI.\n",
                );
            }
        }
        PolicyKind::Step(st) => {
            out.push_str("type: step scaling\n");
            out.push_str(&format!(
                "adjustment type: {}\n",
                st.adjustment_type.as_deref().unwrap_or("-")
            ));
            out.push_str(&format!(
                "cooldown: {}\n",
                st.cooldown.map_or("-".into(), |c| format!("{c}s"))
            ));
            out.push_str(&format!(
                "metric aggregation: {}\n",
                st.metric_aggregation.as_deref().unwrap_or("-")
            ));
            out.push_str("steps (bounds relative to the alarm threshold):\n");
            if st.steps.is_empty() {
                out.push_str("  none\n");
            }
            for s in &st.steps {
                out.push_str(&format!(
                    "  {}\n",
                    step_line(s.lower, s.upper, s.adjustment)
                ));
            }
            if st.alarms.is_empty() {
                out.push_str("alarms: none (no alarm triggers this policy: it never runs)\n");
            } else {
                out.push_str(&format!("alarms: {}\n", st.alarms.join(", ")));
            }
            out.push_str(
                "\nStep policies are shown, not edited here: they hang on CloudWatch alarms made elsewhere.\n",
            );
        }
    }
    out
}

pub(super) fn schedule_text(a: &ScheduledAction) -> String {
    format!(
        "scheduled action: {}\nschedule: {}\ntime zone: {}\nmin: {}\nmax: {}\nstart: {}\nend: {}\n",
        a.name,
        a.schedule,
        a.timezone.as_deref().unwrap_or("UTC"),
        opt_num(a.min),
        opt_num(a.max),
        format::timestamp(a.start),
        format::timestamp(a.end),
    )
}

pub(super) fn activity_text(a: &ScalingActivity) -> String {
    format!(
        "time: {} UTC\nstatus: {}\n\ndescription:\n{}\n\ncause:\n{}\n",
        format::timestamp(a.at),
        a.status,
        a.description,
        if a.cause.is_empty() { "-" } else { &a.cause }
    )
}
