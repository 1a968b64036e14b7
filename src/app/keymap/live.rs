//! The bindings in force: the table with the config file's `[keys]` applied. A remap
//! names an action and the keys it takes instead of its defaults:
//!
//! ```toml
//! [keys]
//! scale = "S"
//! stop_task = ["Ctrl-x", "X"]
//! ```
//!
//! An action's name remaps it wherever it is bound: `cancel` is Esc in every form,
//! prompt and picker that has it. Where text is typed (forms, prompts, the JSON editor,
//! the stream filter) a plain character types itself, so a remap's plain characters are
//! left out there: `cancel = ["Esc", "q"]` makes `q` cancel the revision picker while
//! forms still take it as text.
//!
//! An unknown action, a key that cannot be read, an action left with no key where text
//! is typed, or two actions on one key in the same place is an error that says which,
//! and nothing is remapped.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{BINDINGS, Binding, Command, PLACES, Scope};

/// A key as the user wrote it (or the table's label) and how to match it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveKey {
    pub label: String,
    pub code: KeyCode,
    pub ctrl: bool,
    /// Named in footers: false for a second key to the same thing (`N` beside `n`);
    /// every key given in `[keys]` is.
    pub shown: bool,
}

impl LiveKey {
    /// A character that a text field would take as text.
    fn is_text(&self) -> bool {
        !self.ctrl && matches!(self.code, KeyCode::Char(_))
    }
}

/// One binding in force.
#[derive(Debug, Clone)]
pub struct LiveBinding {
    pub keys: Vec<LiveKey>,
    pub command: Command,
    pub scope: Scope,
    pub help: &'static str,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<LiveBinding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap {
            bindings: BINDINGS.iter().map(live).collect(),
        }
    }
}

fn live(b: &Binding) -> LiveBinding {
    LiveBinding {
        keys: b
            .keys
            .iter()
            .map(|k| LiveKey {
                label: k.label.to_string(),
                code: k.code,
                ctrl: k.ctrl,
                shown: k.shown,
            })
            .collect(),
        command: b.command,
        scope: b.scope,
        help: b.help,
    }
}

impl Command {
    /// The action's name in `[keys]`; `None` for the column sort (digits, not remapped).
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Command::Up => "up",
            Command::Down => "down",
            Command::Top => "top",
            Command::Bottom => "bottom",
            Command::PageUp => "page_up",
            Command::PageDown => "page_down",
            Command::Open => "open",
            Command::Back => "back",
            Command::Describe => "describe",
            Command::Refresh => "refresh",
            Command::Filter => "filter",
            Command::CommandLine => "command_line",
            Command::Help => "help",
            Command::Errors => "errors",
            Command::SortColumn(_) => return None,
            Command::ToggleStopped => "toggle_stopped",
            Command::Instances => "instances",
            Command::Logs => "logs",
            Command::Follow => "follow",
            Command::Search => "search",
            Command::SearchNext => "search_next",
            Command::SearchPrev => "search_prev",
            Command::Grep => "grep",
            Command::ServerFilter => "server_filter",
            Command::Wrap => "wrap",
            Command::Timestamps => "timestamps",
            Command::Container => "container",
            Command::Pretty => "pretty",
            Command::Copy => "copy",
            Command::ChartLonger => "chart_longer",
            Command::ChartShorter => "chart_shorter",
            Command::Save => "save",
            Command::CopyId => "copy_id",
            Command::CopyArn => "copy_arn",
            Command::PickStream => "pick_stream",
            Command::Scale => "scale",
            Command::AutoScaling => "auto_scaling",
            Command::Undo => "undo",
            Command::Image => "image",
            Command::Rollout => "rollout",
            Command::StopTask => "stop_task",
            Command::Exec => "exec",
            Command::Forward => "forward",
            Command::SignIn => "sign_in",
            Command::StopForward => "stop_forward",
            Command::Drain => "drain",
            Command::Edit => "edit",
            Command::ExternalEdit => "external_edit",
            Command::Mark => "mark",
            Command::Diff => "diff",
            Command::Rollback => "rollback",
            Command::EditTarget => "edit_target",
            Command::SuspendScaleIn => "suspend_scale_in",
            Command::NewPolicy => "new_policy",
            Command::NewSchedule => "new_schedule",
            Command::Delete => "delete",
            Command::Quit => "quit",
            Command::Interrupt => "interrupt",
            Command::Submit => "submit",
            Command::Cancel => "cancel",
            Command::NextField => "next_field",
            Command::PrevField => "prev_field",
            Command::Toggle => "toggle",
            Command::NextChoice => "next_choice",
            Command::PrevChoice => "prev_choice",
            Command::ConfirmYes => "confirm_yes",
            Command::ConfirmNo => "confirm_no",
            Command::Force => "force",
            Command::Check => "check",
            Command::Close => "close",
            Command::NextGroup => "next_group",
            Command::PrevGroup => "prev_group",
            Command::Complete => "complete",
        })
    }
}

/// Reads a key as help writes it: `x`, `X`, `Ctrl-x`, `Enter`, `Esc`, `Tab`,
/// `Shift-Tab`, `Space`, `Backspace`, `Delete`, `Home`, `End`, `PgUp`, `PgDn`, `Up`/`↑` and
/// the other arrows, `F1`..`F12`.
pub fn parse_key(text: &str) -> Result<LiveKey, String> {
    let bad = || {
        format!(
            "`{text}` is not a key (write one character, `Ctrl-x`, or a name such as Enter, Esc, Tab, Space, PgUp, PgDn, Home, End, Up, Down, Left, Right, F1..F12)"
        )
    };
    let (ctrl, rest) = match text
        .strip_prefix("Ctrl-")
        .or_else(|| text.strip_prefix("C-"))
    {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        // The arrows as help draws them are the arrow keys, not characters.
        (Some(c), None) if !(c.is_control() || (ctrl && c == ' ') || "↑↓←→".contains(c)) => {
            // Ctrl with a letter reads the same whatever the case, as terminals send it.
            KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c })
        }
        _ => match rest {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "Shift-Tab" | "BackTab" => KeyCode::BackTab,
            "Space" => KeyCode::Char(' '),
            "Backspace" => KeyCode::Backspace,
            "Delete" | "Del" => KeyCode::Delete,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "PgUp" | "PageUp" => KeyCode::PageUp,
            "PgDn" | "PageDown" => KeyCode::PageDown,
            "Up" | "↑" => KeyCode::Up,
            "Down" | "↓" => KeyCode::Down,
            "Left" | "←" => KeyCode::Left,
            "Right" | "→" => KeyCode::Right,
            f if f.starts_with('F') => match f[1..].parse::<u8>() {
                Ok(n @ 1..=12) => KeyCode::F(n),
                _ => return Err(bad()),
            },
            _ => return Err(bad()),
        },
    };
    Ok(LiveKey {
        label: text.to_string(),
        code,
        ctrl,
        shown: true,
    })
}

impl Keymap {
    /// The table with `remaps` (action name → the keys it takes) applied, or why not.
    pub fn with(remaps: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (action, keys) in remaps {
            let mine: Vec<&mut LiveBinding> = map
                .bindings
                .iter_mut()
                .filter(|b| b.command.name() == Some(action.as_str()))
                .collect();
            if mine.is_empty() {
                // Each once, in the table's order (an action may be bound in many places).
                let mut names: Vec<&str> = Vec::new();
                for name in BINDINGS.iter().filter_map(|b| b.command.name()) {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                return Err(format!(
                    "[keys]: there is no action `{action}`; the actions are: {}",
                    names.join(", ")
                ));
            }
            if keys.is_empty() {
                return Err(format!("[keys]: `{action}` is given no key"));
            }
            let parsed = keys
                .iter()
                .map(|k| parse_key(k).map_err(|e| format!("[keys] {action}: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(digit) = parsed
                .iter()
                .find(|k| !k.ctrl && matches!(k.code, KeyCode::Char('1'..='9')))
            {
                return Err(format!(
                    "[keys] {action}: `{}` sorts by a column in every table and cannot be remapped",
                    digit.label
                ));
            }
            for b in mine {
                b.keys = if b.scope.types_text() {
                    parsed.iter().filter(|k| !k.is_text()).cloned().collect()
                } else {
                    parsed.clone()
                };
                if b.keys.is_empty() {
                    return Err(format!(
                        "[keys] {action}: text is typed in {}, so a character there is text; \
                         give {action} a key that is not one too (such as Ctrl-x or F2)",
                        b.scope.title()
                    ));
                }
            }
        }
        map.check()?;
        Ok(map)
    }

    /// No key does two things in one place.
    fn check(&self) -> Result<(), String> {
        for place in PLACES {
            let mut seen: Vec<(&LiveKey, &LiveBinding)> = Vec::new();
            for b in self.bindings.iter().filter(|b| place.contains(&b.scope)) {
                for k in &b.keys {
                    if let Some((_, other)) = seen.iter().find(|(s, o)| {
                        s.code == k.code && s.ctrl == k.ctrl && o.command != b.command
                    }) {
                        let place = place.last().map_or(String::new(), |s| s.place_name());
                        return Err(format!(
                            "[keys]: `{}` would both {} ({}) and {} ({}) in {place}",
                            k.label,
                            other.help,
                            other.command.name().unwrap_or("sort"),
                            b.help,
                            b.command.name().unwrap_or("sort"),
                        ));
                    }
                    seen.push((k, b));
                }
            }
        }
        Ok(())
    }

    pub fn bindings(&self) -> &[LiveBinding] {
        &self.bindings
    }

    /// What `key` asks for where `scopes` are in force.
    pub fn lookup(&self, key: &KeyEvent, scopes: &[Scope]) -> Option<Command> {
        let ctrl_held = key.modifiers.contains(KeyModifiers::CONTROL);
        // Digits sort by column; the table lists 1-5 to stay short, but 1-9 work.
        if let KeyCode::Char(c @ '1'..='9') = key.code
            && !ctrl_held
            && scopes.contains(&Scope::Table)
        {
            return Some(Command::SortColumn(c as u8 - b'1'));
        }
        self.bindings
            .iter()
            .filter(|b| scopes.contains(&b.scope))
            .find(|b| {
                b.keys
                    .iter()
                    .any(|k| k.code == key.code && k.ctrl == ctrl_held)
            })
            .map(|b| b.command)
    }

    /// The bindings that work in a place, for the `?` overlay: (keys, help, scope
    /// title). The pane's own keys come first, then those of any table, then those of
    /// anywhere.
    pub fn help_rows(&self, scopes: &[Scope]) -> Vec<(String, &'static str, &'static str)> {
        let rank = |s: Scope| match s {
            Scope::Global => 3,
            Scope::Scroll => 2,
            Scope::Table => 1,
            _ => 0,
        };
        let mut bindings: Vec<&LiveBinding> = self
            .bindings
            .iter()
            .filter(|b| scopes.contains(&b.scope))
            .collect();
        bindings.sort_by_key(|b| rank(b.scope));
        bindings
            .into_iter()
            .map(|b| {
                let keys = if matches!(b.command, Command::SortColumn(_)) {
                    "1-9".to_string()
                } else {
                    b.keys
                        .iter()
                        .map(|k| k.label.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                (keys, b.help, b.scope.title())
            })
            .collect()
    }

    /// The keys of `command` where `scopes` are in force, as help writes them (`s`);
    /// empty when it has none there.
    pub fn keys_of(&self, command: Command, scopes: &[Scope]) -> Vec<&str> {
        self.bindings
            .iter()
            .filter(|b| b.command == command && scopes.contains(&b.scope))
            .flat_map(|b| b.keys.iter().map(|k| k.label.as_str()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remap(pairs: &[(&str, &[&str])]) -> Result<Keymap, String> {
        let map = pairs
            .iter()
            .map(|(a, ks)| (a.to_string(), ks.iter().map(|k| k.to_string()).collect()))
            .collect();
        Keymap::with(&map)
    }

    fn press(code: KeyCode, ctrl: bool) -> KeyEvent {
        KeyEvent::new(
            code,
            if ctrl {
                KeyModifiers::CONTROL
            } else {
                KeyModifiers::NONE
            },
        )
    }

    const SERVICES: &[Scope] = &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Services];

    #[test]
    fn the_defaults_are_the_table() {
        let map = Keymap::default();
        assert_eq!(
            map.lookup(&press(KeyCode::Char('s'), false), SERVICES),
            Some(Command::Scale)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('3'), false), SERVICES),
            Some(Command::SortColumn(2))
        );
        assert!(Keymap::with(&BTreeMap::new()).is_ok());
    }

    #[test]
    fn a_remap_replaces_the_default_keys() {
        let map = remap(&[("scale", &["S"]), ("stop_task", &["Ctrl-X", "X"])]).unwrap();
        assert_eq!(
            map.lookup(&press(KeyCode::Char('S'), false), SERVICES),
            Some(Command::Scale)
        );
        assert_eq!(
            map.lookup(&press(KeyCode::Char('s'), false), SERVICES),
            None
        );
        let tasks = [Scope::Global, Scope::Scroll, Scope::Table, Scope::Tasks];
        assert_eq!(
            map.lookup(&press(KeyCode::Char('x'), true), &tasks),
            Some(Command::StopTask)
        );
        assert_eq!(map.keys_of(Command::StopTask, &tasks), ["Ctrl-X", "X"]);
        assert_eq!(map.lookup(&press(KeyCode::Char('k'), true), &tasks), None);
    }

    #[test]
    fn an_unknown_action_is_named_with_the_real_ones() {
        let e = remap(&[("scael", &["S"])]).unwrap_err();
        assert!(e.contains("no action `scael`"), "{e}");
        assert!(e.contains("scale"), "{e}");
    }

    #[test]
    fn a_clash_names_the_key_both_actions_and_the_pane() {
        let e = remap(&[("scale", &["d"])]).unwrap_err();
        assert!(e.contains("`d`"), "{e}");
        assert!(e.contains("(scale)") && e.contains("(describe)"), "{e}");
        assert!(e.contains("services pane"), "{e}");
        // The same key on two actions of different panes is fine.
        assert!(remap(&[("drain", &["s"])]).is_ok());
    }

    #[test]
    fn a_clash_in_a_dialog_names_the_dialog() {
        let e = remap(&[("force", &["Enter"])]).unwrap_err();
        assert!(e.contains("(force)") && e.contains("(submit)"), "{e}");
        assert!(e.contains("in the revision picker"), "{e}");
        // A popup's keys come before those of anywhere: no clash with `q` (quit).
        assert!(remap(&[("close", &["q"])]).is_ok());
    }

    #[test]
    fn no_two_actions_share_a_name() {
        let mut seen: Vec<(&str, Command)> = Vec::new();
        for b in BINDINGS {
            let Some(name) = b.command.name() else {
                continue;
            };
            if let Some((_, other)) = seen.iter().find(|(n, _)| *n == name) {
                assert_eq!(*other, b.command, "`{name}` names two actions");
            }
            seen.push((name, b.command));
        }
    }

    #[test]
    fn a_remap_reaches_every_place_its_action_is_bound() {
        let map = remap(&[("up", &["Up", "o"])]).unwrap();
        let o = press(KeyCode::Char('o'), false);
        for place in [
            super::super::place::CONFIRM,
            super::super::place::POPUP,
            SERVICES,
        ] {
            assert_eq!(map.lookup(&o, place), Some(Command::Up), "{place:?}");
        }
        // Where text is typed, `o` is text: only ↑ moves up in the stream filter.
        let filter = super::super::place::STREAM_FILTER;
        assert_eq!(map.lookup(&o, filter), None);
        assert_eq!(map.keys_of(Command::Up, filter), ["Up"]);
    }

    #[test]
    fn keys_are_read_as_help_writes_them_and_nonsense_is_refused() {
        assert_eq!(parse_key("Ctrl-k").unwrap().code, KeyCode::Char('k'));
        assert!(parse_key("Ctrl-K").unwrap().ctrl);
        assert_eq!(parse_key("PgDn").unwrap().code, KeyCode::PageDown);
        assert_eq!(parse_key("F5").unwrap().code, KeyCode::F(5));
        assert_eq!(parse_key("Space").unwrap().code, KeyCode::Char(' '));
        assert_eq!(parse_key("↑").unwrap().code, KeyCode::Up);
        assert_eq!(parse_key("→").unwrap().code, KeyCode::Right);
        assert_eq!(parse_key("Shift-Tab").unwrap().code, KeyCode::BackTab);
        for bad in ["", "Ctrl-", "ab", "F13", "Hyper-x", "\u{7}"] {
            assert!(parse_key(bad).is_err(), "{bad:?} read as a key");
        }
        let e = remap(&[("scale", &["big red button"])]).unwrap_err();
        assert!(
            e.contains("[keys] scale: `big red button` is not a key"),
            "{e}"
        );
        assert!(remap(&[("scale", &[])]).unwrap_err().contains("no key"));
        assert!(
            remap(&[("scale", &["3"])])
                .unwrap_err()
                .contains("sorts by a column")
        );
    }
}
