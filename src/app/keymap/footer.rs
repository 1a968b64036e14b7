//! The footers of dialogs, pickers and popups, and the keys named in what they say,
//! made from the bindings in force: after a `[keys]` remap they name the new keys.

use super::{Command, Keymap, Scope};

/// One entry of a footer: the keys of some commands, then what they do.
#[derive(Debug, Clone, Copy)]
pub struct Foot {
    commands: &'static [Command],
    /// Between two keys; two arrows side by side go together (↑↓).
    join: &'static str,
    /// After the keys, with its own `: ` or space (`": cancel"`, `" close"`).
    then: &'static str,
}

impl Foot {
    /// The shown keys of `commands` in order, parted by `/`, then `then`.
    pub const fn keys(commands: &'static [Command], then: &'static str) -> Foot {
        Foot {
            commands,
            join: "/",
            then,
        }
    }

    /// As `keys`, the keys parted by a space (`↑↓ PgUp PgDn scroll`).
    pub const fn spaced(commands: &'static [Command], then: &'static str) -> Foot {
        Foot {
            commands,
            join: " ",
            then,
        }
    }

    /// Words alone, about no key (`type to filter`).
    pub const fn text(then: &'static str) -> Foot {
        Foot {
            commands: &[],
            join: "",
            then,
        }
    }
}

fn is_arrow(label: &str) -> bool {
    matches!(label, "↑" | "↓" | "←" | "→")
}

impl Keymap {
    /// The keys of `commands` where `scopes` are in force that footers name, each once,
    /// parted by `join` (arrows side by side go together).
    pub fn keys_text(&self, commands: &[Command], scopes: &[Scope], join: &str) -> String {
        let mut labels: Vec<&str> = Vec::new();
        for &command in commands {
            for b in self
                .bindings()
                .iter()
                .filter(|b| b.command == command && scopes.contains(&b.scope))
            {
                for k in b.keys.iter().filter(|k| k.shown) {
                    if !labels.contains(&k.label.as_str()) {
                        labels.push(&k.label);
                    }
                }
            }
        }
        let mut text = String::new();
        for (i, label) in labels.iter().enumerate() {
            if i > 0 && !(is_arrow(labels[i - 1]) && is_arrow(label)) {
                text.push_str(join);
            }
            text.push_str(label);
        }
        text
    }

    /// A footer: its entries parted by `gap`, with a space at each end. An entry whose
    /// commands have no key where `scopes` are in force is left out.
    pub fn footer(&self, scopes: &[Scope], gap: &str, entries: &[Foot]) -> String {
        let parts: Vec<String> = entries
            .iter()
            .filter_map(|e| {
                if e.commands.is_empty() {
                    return Some(e.then.to_string());
                }
                let keys = self.keys_text(e.commands, scopes, e.join);
                (!keys.is_empty()).then(|| format!("{keys}{}", e.then))
            })
            .collect();
        format!(" {} ", parts.join(gap))
    }

    /// The first key footers name for `command` where `scopes` are in force, for a
    /// message that names it (`f toggles`); empty when it has none there.
    pub fn key_for(&self, command: Command, scopes: &[Scope]) -> &str {
        self.bindings()
            .iter()
            .filter(|b| b.command == command && scopes.contains(&b.scope))
            .flat_map(|b| b.keys.iter().filter(|k| k.shown))
            .map(|k| k.label.as_str())
            .next()
            .unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::place;
    use super::*;

    use Command as C;

    fn remapped(action: &str, keys: &[&str]) -> Keymap {
        let remaps = BTreeMap::from([(
            action.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
        )]);
        Keymap::with(&remaps).unwrap()
    }

    const CONFIRM: &[Foot] = &[
        Foot::keys(&[C::ConfirmYes], ": yes, do it"),
        Foot::keys(&[C::ConfirmNo], ": no"),
        Foot::keys(&[C::Up, C::Down], " scroll the diff"),
    ];

    #[test]
    fn a_footer_names_the_shown_keys_in_force() {
        let map = Keymap::default();
        assert_eq!(
            map.footer(place::CONFIRM, "   ", CONFIRM),
            " y: yes, do it   n/Esc: no   ↑↓ scroll the diff "
        );
        let map = remapped("confirm_no", &["Ctrl-n", "Backspace"]);
        assert_eq!(
            map.footer(place::CONFIRM, "   ", CONFIRM),
            " y: yes, do it   Ctrl-n/Backspace: no   ↑↓ scroll the diff "
        );
    }

    #[test]
    fn keys_of_several_commands_are_joined_and_arrows_go_together() {
        let map = Keymap::default();
        let scroll = [Foot::spaced(
            &[C::Up, C::Down, C::PageUp, C::PageDown],
            " scroll",
        )];
        assert_eq!(
            map.footer(place::POPUP, "  ", &scroll),
            " ↑↓ PgUp PgDn scroll "
        );
        let form = [Scope::Form, Scope::Toggle, Scope::Choice];
        let change = Foot::keys(&[C::Toggle, C::PrevChoice, C::NextChoice], ": change");
        assert_eq!(map.footer(&form, "  ", &[change]), " Space/←→: change ");
        let map = remapped("prev_choice", &["Left", "h"]);
        assert_eq!(
            map.footer(&form, "  ", &[change]),
            " Space/Left/h/→: change "
        );
    }

    #[test]
    fn an_entry_without_a_key_there_is_left_out_and_words_stay() {
        let map = Keymap::default();
        let entries = [
            Foot::text("type to filter"),
            Foot::keys(&[C::Force], ": force"),
            Foot::keys(&[C::Cancel], ": clear"),
        ];
        assert_eq!(
            map.footer(place::STREAM_FILTER, "  ", &entries),
            " type to filter  Esc: clear "
        );
        assert_eq!(map.key_for(C::Force, place::PICKER), "f");
        assert_eq!(map.key_for(C::Force, place::CONFIRM), "");
        assert_eq!(
            remapped("force", &["F"]).key_for(C::Force, place::PICKER),
            "F"
        );
    }
}
