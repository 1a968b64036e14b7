//! The in-app JSON editor for a new revision: its state and its keys (Ctrl-s, `check`,
//! checks and registers; Ctrl-e, `external_edit`, hands the text to `$EDITOR`; Esc,
//! `cancel`, discards, twice when modified; the rest edit the text).
//! Opening it, the check and the `$EDITOR` round trip are the task definitions' own.

use std::sync::Arc;

use crossterm::event::KeyEvent;
use ratatui_textarea::TextArea;

use super::Dialog;
use crate::app::keymap::{Command, place};
use crate::app::{App, Effect};
use crate::ops::model::TaskDefDoc;
use crate::ops::{taskdef, validate};

/// The JSON editor for a new revision.
#[derive(Debug, Clone)]
pub struct Editor {
    pub area: TextArea<'static>,
    pub based_on: Arc<TaskDefDoc>,
    /// What the last check found, each at its line.
    pub problems: Vec<validate::Problem>,
    /// Esc was pressed once with unsaved changes.
    pub discard_armed: bool,
}

impl Editor {
    pub fn new(doc: Arc<TaskDefDoc>, text: &str) -> Editor {
        let area = TextArea::new(text.lines().map(str::to_string).collect());
        Editor {
            area,
            based_on: doc,
            problems: Vec::new(),
            discard_armed: false,
        }
    }

    pub fn text(&self) -> String {
        let mut t = self.area.lines().join("\n");
        t.push('\n');
        t
    }

    pub fn modified(&self) -> bool {
        self.text() != taskdef::pretty(&self.based_on.json)
    }
}

impl App {
    /// Keys in the editor: `cancel`, `check` and `external_edit` are the editor's; the
    /// rest edit the text.
    pub(super) fn editor_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let command = self.keymap.lookup(&key, place::EDITOR);
        let Some(Dialog::Editor(ed)) = self.dialog_mut() else {
            return Vec::new();
        };
        if command == Some(Command::Cancel) {
            if !ed.modified() || ed.discard_armed {
                self.close_dialog();
                self.say("edit discarded: nothing was changed", false);
            } else {
                ed.discard_armed = true;
                let keys = &self.keymap;
                let armed = format!(
                    "unsaved changes: {} again discards them, {} checks and registers",
                    keys.key_for(Command::Cancel, place::EDITOR),
                    keys.key_for(Command::Check, place::EDITOR)
                );
                self.say(armed, true);
            }
            return Vec::new();
        }
        ed.discard_armed = false;
        if command == Some(Command::Check) {
            self.check_editor();
            return Vec::new();
        }
        if command == Some(Command::ExternalEdit) {
            let text = ed.text();
            let doc = ed.based_on.clone();
            self.close_dialog();
            self.editing = Some(doc);
            return vec![Effect::ExternalEdit { text }];
        }
        ed.area.input(key);
        Vec::new()
    }
}
