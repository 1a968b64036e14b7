//! The footer's hints: in each place, which actions to offer, in what order, each in a
//! word or two. The keys shown are those bound to the action there, after `[keys]`, so
//! the footer, `?` and what the keys do cannot drift apart.

use super::{Command, Keymap, Scope};

use Command as C;

/// Places with their own hints, by the place's own scope.
const HINTS: &[(Scope, &[(Command, &str)])] = &[
    (
        Scope::Logs,
        &[
            (C::Help, "help"),
            (C::Follow, "follow"),
            (C::Search, "search"),
            (C::Grep, "only"),
            (C::ServerFilter, "pattern"),
            (C::Container, "container"),
            (C::Wrap, "wrap"),
            (C::Pretty, "full line"),
            (C::Copy, "copy"),
            (C::Back, "back"),
        ],
    ),
    (
        Scope::Services,
        &[
            (C::Help, "help"),
            (C::Filter, "filter"),
            (C::Describe, "describe"),
            (C::Logs, "logs"),
            (C::Scale, "scale"),
            (C::AutoScaling, "auto scaling"),
            (C::Image, "image"),
            (C::Rollout, "roll out"),
            (C::Open, "tasks"),
            (C::Back, "back"),
        ],
    ),
    (
        Scope::Tasks,
        &[
            (C::Help, "help"),
            (C::CommandLine, "command"),
            (C::Filter, "filter"),
            (C::Describe, "describe"),
            (C::Logs, "logs"),
            (C::StopTask, "stop"),
            (C::Back, "back"),
            (C::Quit, "quit"),
        ],
    ),
    (
        Scope::Instances,
        &[
            (C::Help, "help"),
            (C::Filter, "filter"),
            (C::Open, "its tasks"),
            (C::Describe, "describe"),
            (C::Drain, "drain/activate"),
            (C::Back, "back"),
            (C::Quit, "quit"),
        ],
    ),
    (
        Scope::Revisions,
        &[
            (C::Help, "help"),
            (C::Open, "JSON"),
            (C::Edit, "edit"),
            (C::ExternalEdit, "$EDITOR"),
            (C::Mark, "mark"),
            (C::Diff, "diff"),
            (C::Back, "back"),
        ],
    ),
    (
        Scope::Rollout,
        &[
            (C::Help, "help"),
            (C::Rollback, "roll back"),
            (C::Refresh, "refresh"),
            (C::Back, "back"),
            (C::Quit, "quit"),
        ],
    ),
    (
        Scope::Scaling,
        &[
            (C::Help, "help"),
            (C::EditTarget, "min/max"),
            (C::SuspendScaleIn, "scale-in on/off"),
            (C::NewPolicy, "policy"),
            (C::NewSchedule, "schedule"),
            (C::Open, "edit"),
            (C::Delete, "delete"),
            (C::Back, "back"),
        ],
    ),
    (
        Scope::Regions,
        &[
            (C::Help, "help"),
            (C::Open, "switch"),
            (C::Mark, "mark"),
            (C::Back, "back"),
        ],
    ),
    (
        Scope::Forwards,
        &[
            (C::Help, "help"),
            (C::Open, "details"),
            (C::StopForward, "stop"),
            (C::Back, "back"),
            (C::Quit, "quit"),
        ],
    ),
];

/// Every other place.
const DEFAULT_HINTS: &[(Command, &str)] = &[
    (C::Help, "help"),
    (C::CommandLine, "command"),
    (C::Filter, "filter"),
    (C::Describe, "describe"),
    (C::Open, "open"),
    (C::Back, "back"),
    (C::Quit, "quit"),
];

/// One hint: the key to press, what it does in a word or two, and the action.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub key: String,
    pub word: &'static str,
    pub command: Command,
}

impl Command {
    /// Whether the action changes something on AWS in `place` (read-only refuses it, so
    /// the footer does not offer it there).
    pub fn changes_something(self, place: Scope) -> bool {
        match self {
            C::Scale
            | C::AutoScaling
            | C::Undo
            | C::Image
            | C::Rollout
            | C::StopTask
            | C::Exec
            | C::Forward
            | C::Drain
            | C::Rollback
            | C::Edit
            | C::ExternalEdit
            | C::EditTarget
            | C::SuspendScaleIn
            | C::NewPolicy
            | C::NewSchedule
            | C::Delete => true,
            // Enter on an auto scaling row opens its form.
            C::Open => place == Scope::Scaling,
            _ => false,
        }
    }
}

impl Keymap {
    /// The footer's hints where `scopes` are in force (the place's own scope last), with
    /// the command line and quit always offered and, in read-only mode, nothing that
    /// read-only refuses.
    pub fn hints(&self, scopes: &[Scope], read_only: bool) -> Vec<Hint> {
        let place = scopes.last().copied().unwrap_or(Scope::Global);
        let list = HINTS
            .iter()
            .find(|(s, _)| *s == place)
            .map_or(DEFAULT_HINTS, |(_, l)| l);
        let hint = |command: Command, word: &'static str| {
            self.keys_of(command, scopes).first().map(|k| Hint {
                key: (*k).to_string(),
                word,
                command,
            })
        };
        let mut shown: Vec<Hint> = list
            .iter()
            .filter(|(c, _)| !(read_only && c.changes_something(place)))
            .filter_map(|(c, w)| hint(*c, w))
            .collect();
        if !shown.iter().any(|h| h.command == C::CommandLine)
            && let Some(h) = hint(C::CommandLine, "command")
        {
            let at = usize::from(shown.first().is_some_and(|h| h.command == C::Help));
            shown.insert(at, h);
        }
        if !shown.iter().any(|h| h.command == C::Quit)
            && let Some(h) = hint(C::Quit, "quit")
        {
            shown.push(h);
        }
        shown
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const SERVICES: &[Scope] = &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Services];

    fn keys(hints: &[Hint]) -> Vec<&str> {
        hints.iter().map(|h| h.key.as_str()).collect()
    }

    #[test]
    fn hints_come_from_the_bindings_in_force() {
        let map = Keymap::default();
        assert_eq!(
            keys(&map.hints(SERVICES, false)),
            [
                "?", ":", "/", "d", "l", "s", "a", "i", "R", "Enter", "Esc", "q"
            ]
        );
        let remapped = BTreeMap::from([("scale".to_string(), vec!["S".to_string()])]);
        let map = Keymap::with(&remapped).unwrap();
        let hints = map.hints(SERVICES, false);
        let scale = hints.iter().find(|h| h.command == C::Scale).unwrap();
        assert_eq!((scale.key.as_str(), scale.word), ("S", "scale"));
    }

    #[test]
    fn read_only_offers_nothing_it_refuses() {
        let map = Keymap::default();
        assert_eq!(
            keys(&map.hints(SERVICES, true)),
            ["?", ":", "/", "d", "l", "Enter", "Esc", "q"]
        );
        let scaling = [Scope::Global, Scope::Scroll, Scope::Table, Scope::Scaling];
        assert_eq!(keys(&map.hints(&scaling, true)), ["?", ":", "Esc", "q"]);
    }

    #[test]
    fn every_hinted_action_has_a_key_where_it_is_hinted() {
        let map = Keymap::default();
        for (place, list) in HINTS {
            let scopes = super::super::PLACES
                .iter()
                .find(|p| p.last() == Some(place))
                .unwrap();
            for (command, word) in *list {
                assert!(
                    !map.keys_of(*command, scopes).is_empty(),
                    "{word} has no key in {}",
                    place.title()
                );
            }
        }
    }
}
