//! Every key binding, defined once. The `?` overlay and the README's key table are both
//! produced from `BINDINGS`, so they cannot drift from what the keys do.

use crossterm::event::KeyCode;

mod hints;
mod live;
pub use hints::Hint;
pub use live::{Keymap, LiveBinding, LiveKey, PLACES, parse_key};

/// What a key asks for. Input fields (filter, command line) see keys before this map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Describe,
    Refresh,
    Filter,
    CommandLine,
    Help,
    Errors,
    SortColumn(u8),
    ToggleStopped,
    Instances,
    Logs,
    Follow,
    Search,
    SearchNext,
    SearchPrev,
    Grep,
    ServerFilter,
    Wrap,
    Timestamps,
    Container,
    Pretty,
    Copy,
    Save,
    /// Logs: pick a stream of a group whose stream names the pane cannot tell.
    PickStream,
    /// Change a service's desired count.
    Scale,
    /// Open a service's Application Auto Scaling.
    AutoScaling,
    /// Undo the last scale of the selected service.
    Undo,
    /// A new image for one container: register and roll out.
    Image,
    /// Roll out a chosen revision (or force a new deployment).
    Rollout,
    /// Stop the selected task, with a reason.
    StopTask,
    /// Drain the selected container instance, or make it active again.
    Drain,
    /// Edit the selected revision's JSON in the dashboard.
    Edit,
    /// Edit the selected revision's JSON in $EDITOR.
    ExternalEdit,
    /// Mark a revision to diff against.
    Mark,
    /// Diff the selected revision against the marked (or the previous) one.
    Diff,
    /// Roll back to the revision that ran before this rollout.
    Rollback,
    /// Auto scaling: edit the scalable target (min, max, suspended).
    EditTarget,
    /// Auto scaling: suspend or resume dynamic scale-in.
    SuspendScaleIn,
    /// Auto scaling: a new target tracking policy.
    NewPolicy,
    /// Auto scaling: a new scheduled action.
    NewSchedule,
    /// Auto scaling: delete the selected policy or scheduled action, or (on the target
    /// row) turn auto scaling off.
    Delete,
    Quit,
}

/// Where a binding works; the help overlay lists the global ones and those of the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Anything with lines to move through: tables and logs.
    Scroll,
    /// Any table pane.
    Table,
    Clusters,
    Services,
    Tasks,
    Instances,
    Logs,
    /// Task definition families and revisions (`:taskdefs`).
    Families,
    Revisions,
    /// A rollout being followed.
    Rollout,
    /// A service's auto scaling.
    Scaling,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "anywhere",
            Scope::Scroll => "tables and logs",
            Scope::Table => "any table",
            Scope::Clusters => "clusters",
            Scope::Services => "services",
            Scope::Tasks => "tasks",
            Scope::Instances => "container instances",
            Scope::Logs => "logs",
            Scope::Families => "task definitions",
            Scope::Revisions => "revisions",
            Scope::Rollout => "rollout",
            Scope::Scaling => "auto scaling",
        }
    }
}

/// A key as written in help: its label and how to match it.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub label: &'static str,
    code: KeyCode,
    ctrl: bool,
}

const fn ch(c: char, label: &'static str) -> Key {
    Key {
        label,
        code: KeyCode::Char(c),
        ctrl: false,
    }
}

const fn code(code: KeyCode, label: &'static str) -> Key {
    Key {
        label,
        code,
        ctrl: false,
    }
}

const fn ctrl(c: char, label: &'static str) -> Key {
    Key {
        label,
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub command: Command,
    pub scope: Scope,
    pub help: &'static str,
}

pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[code(KeyCode::Up, "↑"), ch('k', "k")],
        command: Command::Up,
        scope: Scope::Scroll,
        help: "move up",
    },
    Binding {
        keys: &[code(KeyCode::Down, "↓"), ch('j', "j")],
        command: Command::Down,
        scope: Scope::Scroll,
        help: "move down",
    },
    Binding {
        keys: &[ch('g', "g"), code(KeyCode::Home, "Home")],
        command: Command::Top,
        scope: Scope::Scroll,
        help: "first row",
    },
    Binding {
        keys: &[ch('G', "G"), code(KeyCode::End, "End")],
        command: Command::Bottom,
        scope: Scope::Scroll,
        help: "last row",
    },
    Binding {
        keys: &[code(KeyCode::PageUp, "PgUp"), ctrl('b', "Ctrl-b")],
        command: Command::PageUp,
        scope: Scope::Scroll,
        help: "page up",
    },
    Binding {
        keys: &[code(KeyCode::PageDown, "PgDn"), ctrl('f', "Ctrl-f")],
        command: Command::PageDown,
        scope: Scope::Scroll,
        help: "page down",
    },
    Binding {
        keys: &[code(KeyCode::Enter, "Enter")],
        command: Command::Open,
        scope: Scope::Table,
        help: "drill down (cluster → services → tasks; instance → its tasks)",
    },
    Binding {
        keys: &[code(KeyCode::Esc, "Esc")],
        command: Command::Back,
        scope: Scope::Global,
        help: "close popup, then clear filter, then go back",
    },
    Binding {
        keys: &[ch('d', "d")],
        command: Command::Describe,
        scope: Scope::Table,
        help: "describe the selected row",
    },
    Binding {
        keys: &[ch('/', "/")],
        command: Command::Filter,
        scope: Scope::Table,
        help: "filter rows as you type (Enter keeps, Esc clears)",
    },
    Binding {
        keys: &[
            ch('1', "1"),
            ch('2', "2"),
            ch('3', "3"),
            ch('4', "4"),
            ch('5', "5"),
        ],
        command: Command::SortColumn(0),
        scope: Scope::Table,
        help: "sort by column 1-9 (again: reverse)",
    },
    Binding {
        keys: &[ch('i', "i")],
        command: Command::Instances,
        scope: Scope::Clusters,
        help: "container instances of the cluster",
    },
    Binding {
        keys: &[ch('t', "t")],
        command: Command::ToggleStopped,
        scope: Scope::Tasks,
        help: "show or hide stopped tasks",
    },
    Binding {
        keys: &[ch('l', "l")],
        command: Command::Logs,
        scope: Scope::Services,
        help: "live logs of the service (all its tasks)",
    },
    Binding {
        keys: &[ch('l', "l")],
        command: Command::Logs,
        scope: Scope::Tasks,
        help: "live logs of the task",
    },
    Binding {
        keys: &[ch('f', "f")],
        command: Command::Follow,
        scope: Scope::Logs,
        help: "follow: pin to the newest line (moving up pauses)",
    },
    Binding {
        keys: &[ch('/', "/")],
        command: Command::Search,
        scope: Scope::Logs,
        help: "search (regex, smart case); n / N next / previous",
    },
    Binding {
        keys: &[ch('n', "n")],
        command: Command::SearchNext,
        scope: Scope::Logs,
        help: "next match",
    },
    Binding {
        keys: &[ch('N', "N")],
        command: Command::SearchPrev,
        scope: Scope::Logs,
        help: "previous match",
    },
    Binding {
        keys: &[ch('&', "&")],
        command: Command::Grep,
        scope: Scope::Logs,
        help: "show only lines matching a regex (client side)",
    },
    Binding {
        keys: &[ch('F', "F")],
        command: Command::ServerFilter,
        scope: Scope::Logs,
        help: "CloudWatch filter pattern (server side; restarts the tail)",
    },
    Binding {
        keys: &[ch('c', "c")],
        command: Command::Container,
        scope: Scope::Logs,
        help: "next container (all → each container)",
    },
    Binding {
        keys: &[ch('w', "w")],
        command: Command::Wrap,
        scope: Scope::Logs,
        help: "wrap long lines on / off",
    },
    Binding {
        keys: &[ch('t', "t")],
        command: Command::Timestamps,
        scope: Scope::Logs,
        help: "timestamps on / off",
    },
    Binding {
        keys: &[code(KeyCode::Enter, "Enter")],
        command: Command::Pretty,
        scope: Scope::Logs,
        help: "the selected line in full (JSON pretty-printed)",
    },
    Binding {
        keys: &[ch('y', "y")],
        command: Command::Copy,
        scope: Scope::Logs,
        help: "copy the selected line (OSC 52: works over SSH)",
    },
    Binding {
        keys: &[ch('S', "S")],
        command: Command::Save,
        scope: Scope::Logs,
        help: "save the buffer to a file",
    },
    Binding {
        keys: &[ch('p', "p")],
        command: Command::PickStream,
        scope: Scope::Logs,
        help: "pick a log stream (FireLens, awslogs without a prefix)",
    },
    Binding {
        keys: &[ch(':', ":")],
        command: Command::CommandLine,
        scope: Scope::Global,
        help: "command line (:clusters :services :tasks :instances :taskdefs :errors)",
    },
    Binding {
        keys: &[ch('r', "r")],
        command: Command::Refresh,
        scope: Scope::Global,
        help: "refresh now",
    },
    Binding {
        keys: &[ch('E', "E")],
        command: Command::Errors,
        scope: Scope::Global,
        help: "error history",
    },
    Binding {
        keys: &[ch('?', "?")],
        command: Command::Help,
        scope: Scope::Global,
        help: "keys of this pane",
    },
    Binding {
        keys: &[ch('s', "s")],
        command: Command::Scale,
        scope: Scope::Services,
        help: "scale: change the desired count",
    },
    Binding {
        keys: &[ch('u', "u")],
        command: Command::Undo,
        scope: Scope::Services,
        help: "undo this service's last scale",
    },
    Binding {
        keys: &[ch('a', "a")],
        command: Command::AutoScaling,
        scope: Scope::Services,
        help: "auto scaling: target, policies, schedules",
    },
    Binding {
        keys: &[ch('i', "i")],
        command: Command::Image,
        scope: Scope::Services,
        help: "deploy a new image for one container",
    },
    Binding {
        keys: &[ch('R', "R")],
        command: Command::Rollout,
        scope: Scope::Services,
        help: "roll out a revision, or force a new deployment",
    },
    Binding {
        keys: &[ctrl('k', "Ctrl-k")],
        command: Command::StopTask,
        scope: Scope::Tasks,
        help: "stop the task (asks for a reason)",
    },
    Binding {
        keys: &[ch('D', "D")],
        command: Command::Drain,
        scope: Scope::Instances,
        help: "drain the instance, or make it active again",
    },
    Binding {
        keys: &[ch('e', "e")],
        command: Command::Edit,
        scope: Scope::Revisions,
        help: "edit as a new revision",
    },
    Binding {
        keys: &[ctrl('e', "Ctrl-e")],
        command: Command::ExternalEdit,
        scope: Scope::Revisions,
        help: "edit in $EDITOR as a new revision",
    },
    Binding {
        keys: &[ch('m', "m")],
        command: Command::Mark,
        scope: Scope::Revisions,
        help: "mark the revision to diff against",
    },
    Binding {
        keys: &[ch('=', "=")],
        command: Command::Diff,
        scope: Scope::Revisions,
        help: "diff against the marked (or previous) revision",
    },
    Binding {
        keys: &[ch('b', "b")],
        command: Command::Rollback,
        scope: Scope::Rollout,
        help: "roll back to the revision that ran before",
    },
    Binding {
        keys: &[ch('e', "e")],
        command: Command::EditTarget,
        scope: Scope::Scaling,
        help: "edit min, max and suspended states",
    },
    Binding {
        keys: &[ch('i', "i")],
        command: Command::SuspendScaleIn,
        scope: Scope::Scaling,
        help: "suspend or resume dynamic scale-in",
    },
    Binding {
        keys: &[ch('p', "p")],
        command: Command::NewPolicy,
        scope: Scope::Scaling,
        help: "new target tracking policy",
    },
    Binding {
        keys: &[ch('c', "c")],
        command: Command::NewSchedule,
        scope: Scope::Scaling,
        help: "new scheduled action",
    },
    Binding {
        keys: &[ch('x', "x")],
        command: Command::Delete,
        scope: Scope::Scaling,
        help: "policy or scheduled action row: delete it; target row: turn auto scaling off (its policies and schedules go too)",
    },
    Binding {
        keys: &[ch('q', "q"), ctrl('c', "Ctrl-c")],
        command: Command::Quit,
        scope: Scope::Global,
        help: "quit",
    },
];

fn keys_label(b: &Binding) -> String {
    if matches!(b.command, Command::SortColumn(_)) {
        return "1-9".to_string();
    }
    b.keys.iter().map(|k| k.label).collect::<Vec<_>>().join(" ")
}

/// The README's key table, in Markdown.
pub fn markdown_table() -> String {
    let mut out = String::from("| keys | where | what |\n|---|---|---|\n");
    for b in BINDINGS {
        let keys = keys_label(b)
            .split(' ')
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!("| {keys} | {} | {} |\n", b.scope.title(), b.help));
    }
    out
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyEvent, KeyModifiers};

    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn no_key_is_bound_twice_in_one_pane() {
        // The same check a remap in the config file must pass.
        Keymap::with(&Default::default()).unwrap();
        let mut count = 0;
        for place in PLACES {
            let mut seen = Vec::new();
            for b in BINDINGS.iter().filter(|b| place.contains(&b.scope)) {
                for k in b.keys {
                    assert!(!seen.contains(&(k.code, k.ctrl)), "{} bound twice", k.label);
                    seen.push((k.code, k.ctrl));
                    count += 1;
                }
            }
        }
        assert!(count > 100, "{count}");
    }

    #[test]
    fn lookup_respects_scope_and_modifiers() {
        let table = [Scope::Global, Scope::Scroll, Scope::Table, Scope::Tasks];
        assert_eq!(
            Keymap::default().lookup(&key(KeyCode::Char('j')), &table),
            Some(Command::Down)
        );
        assert_eq!(
            Keymap::default().lookup(&key(KeyCode::Char('t')), &table),
            Some(Command::ToggleStopped)
        );
        assert_eq!(
            Keymap::default().lookup(&key(KeyCode::Char('i')), &table),
            None
        );
        assert_eq!(
            Keymap::default().lookup(&key(KeyCode::Char('7')), &table),
            Some(Command::SortColumn(6))
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            Keymap::default().lookup(&ctrl_c, &table),
            Some(Command::Quit)
        );
        assert_eq!(
            Keymap::default().lookup(&key(KeyCode::Char('c')), &table),
            None
        );
    }

    #[test]
    fn readme_key_table_is_current() {
        let readme = include_str!("../../README.md");
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's key table is out of date; it should contain:\n{table}"
        );
    }
}

#[cfg(test)]
mod delete_help_tests {
    use super::*;

    /// `x` on the target row turns auto scaling off: `?` and the README say so.
    #[test]
    fn x_says_what_it_does_on_each_row() {
        let help = BINDINGS
            .iter()
            .find(|b| b.command == Command::Delete)
            .unwrap()
            .help;
        assert!(help.contains("target row: turn auto scaling off"), "{help}");
        assert!(
            help.contains("policy or scheduled action row: delete it"),
            "{help}"
        );
    }
}
