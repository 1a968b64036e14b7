//! The describe view (`d`): every field of the selected row as an indented outline, with
//! the parts an operator reads first (events, deployments, containers) laid out for reading.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::format::{age, timestamp};
use super::rows::Tone;
use crate::domain::model::{Service, Task, TaskDefinition};

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub indent: u16,
    /// A section title when `value` is empty and `key` is set with `heading`.
    pub key: String,
    pub value: String,
    pub heading: bool,
    pub tone: Tone,
}

impl Line {
    pub(super) fn heading(title: &str) -> Line {
        Line {
            indent: 0,
            key: title.to_string(),
            value: String::new(),
            heading: true,
            tone: Tone::Normal,
        }
    }

    pub(super) fn field(indent: u16, key: &str, value: impl Into<String>) -> Line {
        Line {
            indent,
            key: key.to_string(),
            value: value.into(),
            heading: false,
            tone: Tone::Normal,
        }
    }
}

/// Why the service's tasks stopped in the last hour, one line per cause (`None`: not read
/// yet).
pub fn deaths(lines: Option<Vec<String>>) -> Vec<Line> {
    let mut out = vec![Line::heading("Why tasks stopped (last hour)")];
    match lines {
        None => out.push(Line::field(2, "", "reading the stopped tasks…")),
        Some(lines) => out.extend(lines.into_iter().map(|l| {
            let tone = if l.starts_with('✗') {
                Tone::Warn
            } else {
                Tone::Normal
            };
            Line {
                tone,
                ..Line::field(2, "", l)
            }
        })),
    }
    out
}

/// Every field of `item` except those named in `skip`, as an outline.
pub fn outline<T: Serialize>(item: &T, skip: &[&str]) -> Vec<Line> {
    let mut out = Vec::new();
    match serde_json::to_value(item) {
        Ok(Value::Object(map)) => {
            for (k, v) in map.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
                walk(&mut out, 0, k, v);
            }
        }
        Ok(other) => walk(&mut out, 0, "value", &other),
        Err(e) => out.push(Line::field(0, "error", e.to_string())),
    }
    out
}

fn walk(out: &mut Vec<Line>, indent: u16, key: &str, v: &Value) {
    match v {
        Value::Null => out.push(Line::field(indent, key, "-")),
        Value::String(s) => out.push(Line::field(indent, key, s.clone())),
        Value::Bool(b) => out.push(Line::field(indent, key, b.to_string())),
        Value::Number(n) => out.push(Line::field(indent, key, n.to_string())),
        Value::Array(items) if items.is_empty() => out.push(Line::field(indent, key, "[]")),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let joined = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Line::field(indent, key, joined));
        }
        Value::Array(items) => {
            out.push(Line::field(indent, key, format!("({})", items.len())));
            for (i, item) in items.iter().enumerate() {
                walk(out, indent + 2, &format!("[{i}]"), item);
            }
        }
        Value::Object(map) if map.is_empty() => out.push(Line::field(indent, key, "{}")),
        Value::Object(map) => {
            out.push(Line::field(indent, key, ""));
            for (k, v) in map {
                walk(out, indent + 2, k, v);
            }
        }
    }
}

fn when(now: DateTime<Utc>, t: Option<DateTime<Utc>>) -> String {
    format!("{} ({} ago)", timestamp(t), age(now, t))
}

/// A service: summary fields, deployments, events, and its task definition's roles.
pub fn service(s: &Service, td: Option<&TaskDefinition>, now: DateTime<Utc>) -> Vec<Line> {
    // Deployments and events first: they are what an operator reads during an incident.
    let mut out = vec![Line::heading("Deployments")];
    for d in &s.deployments {
        let mut l = Line::field(
            0,
            &d.status,
            format!(
                "{}  desired {} running {} pending {} failed {}  {}",
                crate::domain::model::arn_name(&d.task_definition),
                d.desired,
                d.running,
                d.pending,
                d.failed,
                d.rollout_state.as_deref().unwrap_or("-"),
            ),
        );
        l.tone = match d.rollout_state.as_deref() {
            Some("FAILED") => Tone::Error,
            Some("IN_PROGRESS") => Tone::Warn,
            _ => Tone::Normal,
        };
        out.push(l);
        out.push(Line::field(2, "id", d.id.clone()));
        out.push(Line::field(2, "created", when(now, d.created_at)));
        out.push(Line::field(2, "updated", when(now, d.updated_at)));
        if let Some(r) = &d.rollout_reason {
            out.push(Line::field(2, "reason", r.clone()));
        }
    }
    out.push(Line::heading("Events (newest first)"));
    let mut events: Vec<_> = s.events.iter().collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.created_at));
    for e in events {
        let mut l = Line::field(0, &timestamp(e.created_at), e.message.clone());
        if e.message.contains("unable") || e.message.contains("failed") {
            l.tone = Tone::Error;
        }
        out.push(l);
    }
    out.push(Line::heading("Service"));
    out.extend(outline(s, &["events", "deployments"]));
    out.push(Line::heading("Task definition"));
    match td {
        Some(td) => {
            out.push(Line::field(0, "task_role_arn", opt(&td.task_role_arn)));
            out.push(Line::field(
                0,
                "execution_role_arn",
                opt(&td.execution_role_arn),
            ));
            out.extend(outline(td, &["task_role_arn", "execution_role_arn"]));
        }
        None => out.push(Line::field(0, s.task_definition_short(), "loading…")),
    }
    out
}

/// A task: its fields, then each container with exit code and reason.
pub fn task(t: &Task, td: Option<&TaskDefinition>) -> Vec<Line> {
    let mut out = vec![Line::heading("Task")];
    out.extend(outline(t, &["containers"]));
    out.push(Line::heading("Containers"));
    for c in &t.containers {
        let mut l = Line::field(0, &c.name, opt(&c.last_status));
        if c.exit_code.is_some_and(|code| code != 0) {
            l.tone = Tone::Error;
        }
        out.push(l);
        out.extend(
            outline(c, &["name", "last_status"])
                .into_iter()
                .map(|mut l| {
                    l.indent += 2;
                    l
                }),
        );
    }
    if let Some(td) = td {
        out.push(Line::heading("Task definition"));
        out.extend(outline(td, &[]));
    }
    out
}

fn opt<S: AsRef<str>>(v: &Option<S>) -> String {
    v.as_ref()
        .map_or_else(|| "-".to_string(), |v| v.as_ref().to_string())
}

/// The whole outline as plain text (used by tests and by anything that copies it).
pub fn to_text(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| {
            let pad = " ".repeat(l.indent as usize);
            if l.heading {
                format!("== {} ==", l.key)
            } else if l.value.is_empty() {
                format!("{pad}{}:", l.key)
            } else {
                format!("{pad}{}: {}", l.key, l.value)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample {
        name: String,
        empty: Vec<String>,
        tags: Vec<String>,
        nested: Option<Inner>,
        list: Vec<Inner>,
    }

    #[derive(Serialize)]
    struct Inner {
        port: i32,
    }

    #[test]
    fn outline_shows_every_field() {
        let s = Sample {
            name: "checkout".into(),
            empty: vec![],
            tags: vec!["a".into(), "b".into()],
            nested: Some(Inner { port: 80 }),
            list: vec![Inner { port: 1 }, Inner { port: 2 }],
        };
        let text = to_text(&outline(&s, &["skipped"]));
        assert_eq!(
            text,
            "name: checkout\nempty: []\ntags: a, b\nnested:\n  port: 80\nlist: (2)\n  [0]:\n    port: 1\n  [1]:\n    port: 2"
        );
    }
}
