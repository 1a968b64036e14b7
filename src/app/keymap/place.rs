//! The places of the dashboard where keys are looked up: each is the scopes in force
//! together there, and a key may mean one thing in each. The panes' places come from
//! `Pane::scopes`; those of dialogs, pickers, popups and prompts are named here.

use super::Scope;

/// A form whose focused field takes text.
pub const FORM: &[Scope] = &[Scope::Modal, Scope::Form];
/// A form whose focused field is on/off.
pub const FORM_TOGGLE: &[Scope] = &[Scope::Modal, Scope::Form, Scope::Toggle];
/// A form whose focused field is a choice.
pub const FORM_CHOICE: &[Scope] = &[Scope::Modal, Scope::Form, Scope::Choice];
pub const CONFIRM: &[Scope] = &[Scope::Modal, Scope::Confirm];
pub const PICKER: &[Scope] = &[Scope::Modal, Scope::Picker];
pub const EDITOR: &[Scope] = &[Scope::Modal, Scope::Editor];
pub const STREAM_PICKER: &[Scope] = &[Scope::Modal, Scope::StreamPicker];
pub const STREAM_FILTER: &[Scope] = &[Scope::Modal, Scope::StreamFilter];
/// A popup's own keys; what it does not bind is looked up in `Scope::Global`.
pub const POPUP: &[Scope] = &[Scope::Popup];
pub const PROMPT: &[Scope] = &[Scope::Modal, Scope::Prompt];
pub const COMMAND_LINE: &[Scope] = &[Scope::Modal, Scope::Prompt, Scope::CommandLine];

/// Every place; no key may do two things in one (checked again after `[keys]`).
pub const PLACES: &[&[Scope]] = &[
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Clusters],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Services],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Tasks],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Instances],
    &[Scope::Global, Scope::Scroll, Scope::Logs],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Families],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Revisions],
    &[Scope::Global, Scope::Scroll, Scope::Rollout],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Scaling],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Forwards],
    &[Scope::Global, Scope::Scroll, Scope::Table, Scope::Regions],
    FORM,
    FORM_TOGGLE,
    FORM_CHOICE,
    CONFIRM,
    PICKER,
    EDITOR,
    STREAM_PICKER,
    STREAM_FILTER,
    POPUP,
    PROMPT,
    COMMAND_LINE,
];
