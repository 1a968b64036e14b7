//! How `ecsdash tail` prints an event: `TIME TASK/CONTAINER MESSAGE`, or one JSON object
//! a line. Messages are untrusted: on a terminal they go through `sanitize::for_screen`,
//! into a pipe through `sanitize::for_pipe` (escape sequences out, text as it was).

use std::collections::HashMap;
use std::io::{self, Write};

use chrono::{DateTime, Local, Utc};
use regex::Regex;

use crate::domain::sanitize;
use crate::logs::LogEvent;
use crate::logs::source::{LogSource, parse_stream};

/// Characters of a task id shown in text output; JSON carries the whole id.
const SHORT_TASK: usize = 8;

pub struct Printer<W: Write> {
    out: W,
    json: bool,
    utc: bool,
    terminal: bool,
    grep: Option<Regex>,
    /// Stream -> (task id, container), from the sources: streams named otherwise than
    /// `prefix/container/task` are still attributed.
    origins: HashMap<String, (String, String)>,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, json: bool, utc: bool, terminal: bool, grep: Option<Regex>) -> Self {
        Printer {
            out,
            json,
            utc,
            terminal,
            grep,
            origins: HashMap::new(),
        }
    }

    pub fn sources(&mut self, sources: &[LogSource]) {
        for s in sources {
            if let Some((_, _, stream)) = s.cloudwatch() {
                self.origins
                    .insert(stream.to_owned(), (s.task_id.clone(), s.container.clone()));
            }
        }
    }

    /// Writes a batch and flushes it, so a follower sees lines as they come.
    pub fn events(&mut self, events: &[LogEvent]) -> io::Result<()> {
        let mut buf = Vec::with_capacity(events.len() * 160);
        for e in events {
            let message = if self.terminal {
                sanitize::for_screen(&e.message)
            } else {
                sanitize::for_pipe(&e.message)
            };
            if self.grep.as_ref().is_some_and(|g| !g.is_match(&message)) {
                continue;
            }
            let (task, container) = self.origin(&e.stream);
            let time = self.time(e.timestamp);
            // A stream named outright (`--group --stream`) may belong to no known task.
            let unattributed = task.is_empty() && container.is_empty();
            if self.json {
                let or_null = |s: String| (!s.is_empty()).then_some(s);
                let line = serde_json::json!({
                    "timestamp": time,
                    "task": or_null(task),
                    "container": or_null(container),
                    "stream": e.stream,
                    "group": e.group,
                    "message": message,
                });
                writeln!(buf, "{line}")?;
            } else if unattributed {
                let stream = sanitize::for_screen(&e.stream);
                writeln!(buf, "{time} {stream} {message}")?;
            } else {
                let short: String = task.chars().take(SHORT_TASK).collect();
                writeln!(buf, "{time} {short}/{container} {message}")?;
            }
        }
        if buf.is_empty() {
            return Ok(());
        }
        self.out.write_all(&buf)?;
        self.out.flush()
    }

    fn origin(&self, stream: &str) -> (String, String) {
        if let Some((task, container)) = self.origins.get(stream) {
            return (task.clone(), container.clone());
        }
        match parse_stream(stream) {
            Some((_, container, task)) => (task.to_owned(), container.to_owned()),
            None => (stream.to_owned(), "?".to_owned()),
        }
    }

    /// ISO 8601 with milliseconds: local time with its offset, or UTC with `Z`.
    fn time(&self, ms: i64) -> String {
        let Some(at) = DateTime::<Utc>::from_timestamp_millis(ms) else {
            return ms.to_string();
        };
        if self.utc {
            at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        } else {
            at.with_timezone(&Local)
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                .to_string()
        }
    }

    #[cfg(test)]
    fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(message: &str) -> LogEvent {
        LogEvent {
            timestamp: 1_795_230_001_123,
            ingestion_time: 0,
            event_id: None,
            group: "/ecs/checkout".into(),
            stream: "ecs/checkout/0123456789abcdef0123456789abcdef".into(),
            message: message.into(),
        }
    }

    fn print(json: bool, terminal: bool, grep: Option<&str>, events: &[LogEvent]) -> String {
        let grep = grep.map(|g| Regex::new(g).unwrap());
        let mut p = Printer::new(Vec::new(), json, true, terminal, grep);
        p.events(events).unwrap();
        String::from_utf8(p.into_inner()).unwrap()
    }

    #[test]
    fn text_lines_carry_time_task_and_container() {
        let out = print(false, false, None, &[event("order placed")]);
        assert_eq!(
            out,
            "2026-11-21T03:00:01.123Z 01234567/checkout order placed\n"
        );
    }

    #[test]
    fn escapes_never_reach_the_output() {
        let raw = "\u{1b}]0;owned\u{7}\u{1b}[31mred\u{1b}[0m\tdone";
        let piped = print(false, false, None, &[event(raw)]);
        assert!(!piped.contains('\u{1b}'));
        assert!(
            piped.contains("red\tdone"),
            "a pipe keeps the text as it is"
        );
        let shown = print(false, true, None, &[event(raw)]);
        assert!(!shown.contains('\u{1b}') && !shown.contains('\t'));
        let json = print(true, false, None, &[event(raw)]);
        assert!(!json.contains("\\u001b"));
    }

    #[test]
    fn json_has_the_promised_fields() {
        let out = print(true, false, None, &[event("a\nb")]);
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert_eq!(v["timestamp"], "2026-11-21T03:00:01.123Z");
        assert_eq!(v["task"], "0123456789abcdef0123456789abcdef");
        assert_eq!(v["container"], "checkout");
        assert_eq!(v["group"], "/ecs/checkout");
        assert_eq!(v["stream"], "ecs/checkout/0123456789abcdef0123456789abcdef");
        assert_eq!(v["message"], "a\nb");
    }

    #[test]
    fn streams_of_no_known_task_are_printed_by_name() {
        let mut p = Printer::new(Vec::new(), false, true, false, None);
        let firelens = "router-firelens-0a1b2c";
        p.sources(&[LogSource {
            task_id: String::new(),
            container: String::new(),
            kind: crate::logs::source::SourceKind::CloudWatch {
                region: "eu-west-1".into(),
                group: "/fl/app".into(),
                stream: firelens.into(),
            },
        }]);
        let mut e = event("routed");
        e.stream = firelens.into();
        p.events(std::slice::from_ref(&e)).unwrap();
        let out = String::from_utf8(p.into_inner()).unwrap();
        assert_eq!(out, format!("2026-11-21T03:00:01.123Z {firelens} routed\n"));

        let mut p = Printer::new(Vec::new(), true, true, false, None);
        p.sources(&[LogSource {
            task_id: String::new(),
            container: String::new(),
            kind: crate::logs::source::SourceKind::CloudWatch {
                region: "eu-west-1".into(),
                group: "/fl/app".into(),
                stream: firelens.into(),
            },
        }]);
        p.events(&[e]).unwrap();
        let out = String::from_utf8(p.into_inner()).unwrap();
        let v: serde_json::Value = serde_json::from_str(out.trim_end()).unwrap();
        assert!(v["task"].is_null() && v["container"].is_null(), "{v}");
        assert_eq!(v["stream"], firelens);
    }

    #[test]
    fn grep_keeps_matching_messages_only() {
        let out = print(
            false,
            false,
            Some("ERROR|WARN"),
            &[event("INFO ok"), event("ERROR bad"), event("WARN hm")],
        );
        assert_eq!(out.lines().count(), 2);
        assert!(!out.contains("INFO"));
    }
}
