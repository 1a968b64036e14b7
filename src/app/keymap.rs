//! Every key binding, defined once (the table is `BINDINGS`, in `table.rs`): the panes',
//! and those of every dialog, picker, popup and prompt. The `?` overlay, the footers,
//! the README's key table and what the keys do are all read from it, so they cannot
//! drift apart.
//!
//! What is typed into a text field is not in the table: characters, Backspace, the
//! cursor keys and the shell-style Ctrl-u/k/w/a/e of `form::edit_line` (and the JSON
//! editor's own editing keys) belong to the field and cannot be remapped. The keys that
//! leave or submit a field (Enter, Esc, Tab, ...) are bindings, looked up before the
//! field sees the key. Where text is typed a plain character is text, so a remap's plain
//! characters are left out of the bindings there (see `Keymap::with`).

use crossterm::event::KeyCode;

mod footer;
mod hints;
mod live;
pub mod place;
mod table;
pub use footer::Foot;
pub use hints::Hint;
pub use live::{Keymap, LiveBinding, LiveKey, parse_key};
pub use place::PLACES;
pub use table::BINDINGS;

/// What a key asks for.
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
    /// A service's describe view: chart more hours (1, 3, 6, 12, 24).
    ChartLonger,
    /// A service's describe view: chart fewer hours.
    ChartShorter,
    Save,
    /// A table: copy the selected row's id or name (a task's id, a service's name, an
    /// instance's EC2 id).
    CopyId,
    /// A table: copy the selected row's ARN.
    CopyArn,
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
    /// A shell in a container of the selected task or service (ECS Exec).
    Exec,
    /// Forward a local port to the selected task (or the service's newest task).
    Forward,
    /// Sign in to the profile's SSO again (`aws sso login`), then reconnect.
    SignIn,
    /// `:forwards`: stop the selected forward (or take an ended one off the list).
    StopForward,
    /// Drain the selected container instance, or make it active again.
    Drain,
    /// Edit the selected revision's JSON in the dashboard.
    Edit,
    /// Edit the selected revision's JSON in $EDITOR; in the JSON editor, go on there.
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
    /// Quit from a dialog, picker or prompt, where `q` is typed or cancels.
    Interrupt,
    /// Forms, prompts, pickers: the next step, or submit.
    Submit,
    /// Forms, prompts, the revision picker, the JSON editor: leave without doing anything.
    Cancel,
    /// Forms: the next field, or the previous one.
    NextField,
    PrevField,
    /// Forms: turn an on/off field on or off.
    Toggle,
    /// Forms: the next value of a choice field, or the previous one.
    NextChoice,
    PrevChoice,
    /// The confirmation: carry out the change, or not.
    ConfirmYes,
    ConfirmNo,
    /// The revision picker: force a new deployment.
    Force,
    /// The JSON editor: check, diff and register.
    Check,
    /// Popups and the stream picker: close.
    Close,
    /// The stream picker: the next log group, or the previous one.
    NextGroup,
    PrevGroup,
    /// The command line: complete the word typed.
    Complete,
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
    /// The port forwards started here (`:forwards`).
    Forwards,
    /// The regions to switch to (`:region`).
    Regions,
    /// Every dialog, picker and prompt (each takes every key while open).
    Modal,
    /// A form (scale, stop a task, a new image, auto scaling).
    Form,
    /// A form whose focused field is on/off.
    Toggle,
    /// A form whose focused field is a choice.
    Choice,
    /// The confirmation every change passes through.
    Confirm,
    /// The roll-out revision picker.
    Picker,
    /// The JSON editor for a new revision.
    Editor,
    /// The logs pane's stream picker, and its filter while it is typed.
    StreamPicker,
    StreamFilter,
    /// Describe, error history, help, a revision's JSON, a diff, a text in full.
    Popup,
    /// The prompt at the bottom (filter, command line, search, ...), and the command
    /// line's own keys.
    Prompt,
    CommandLine,
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
            Scope::Forwards => "port forwards",
            Scope::Regions => "regions",
            Scope::Modal => "dialogs, pickers and prompts",
            Scope::Form => "forms",
            Scope::Toggle => "a form's on/off field",
            Scope::Choice => "a form's choice field",
            Scope::Confirm => "confirmations",
            Scope::Picker => "the revision picker",
            Scope::Editor => "the JSON editor",
            Scope::StreamPicker => "the stream picker",
            Scope::StreamFilter => "the stream picker's filter",
            Scope::Popup => "popups",
            Scope::Prompt => "prompts",
            Scope::CommandLine => "the command line",
        }
    }

    /// The place, as an error names it: `the services pane`, `forms`.
    pub fn place_name(self) -> String {
        match self {
            Scope::Clusters
            | Scope::Services
            | Scope::Tasks
            | Scope::Instances
            | Scope::Logs
            | Scope::Families
            | Scope::Revisions
            | Scope::Rollout
            | Scope::Scaling
            | Scope::Forwards
            | Scope::Regions => format!("the {} pane", self.title()),
            _ => self.title().to_string(),
        }
    }

    /// Whether text is typed where the scope's bindings work, so a plain character there
    /// is text and not a key to bind.
    pub fn types_text(self) -> bool {
        matches!(
            self,
            Scope::Modal
                | Scope::Form
                | Scope::Editor
                | Scope::StreamFilter
                | Scope::Prompt
                | Scope::CommandLine
        )
    }
}

/// A key as written in help: its label and how to match it.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub label: &'static str,
    code: KeyCode,
    ctrl: bool,
    /// Named in footers (help and the README name every key).
    shown: bool,
}

const fn ch(c: char, label: &'static str) -> Key {
    Key {
        label,
        code: KeyCode::Char(c),
        ctrl: false,
        shown: true,
    }
}

const fn code(code: KeyCode, label: &'static str) -> Key {
    Key {
        label,
        code,
        ctrl: false,
        shown: true,
    }
}

const fn ctrl(c: char, label: &'static str) -> Key {
    Key {
        label,
        code: KeyCode::Char(c),
        ctrl: true,
        shown: true,
    }
}

/// A key that works but footers leave out: a second key to the same thing (`N` beside
/// `n`, vi's `j` beside ↓).
const fn quiet(key: Key) -> Key {
    Key {
        shown: false,
        ..key
    }
}

pub struct Binding {
    pub keys: &'static [Key],
    pub command: Command,
    pub scope: Scope,
    pub help: &'static str,
}

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
