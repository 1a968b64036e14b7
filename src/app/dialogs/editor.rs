//! The in-app JSON editor for a new revision: its state and its keys (Ctrl-s checks and
//! registers, Ctrl-e hands the text to `$EDITOR`, Esc discards, twice when modified).
//! Opening it, the check and the `$EDITOR` round trip are the task definitions' own.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use super::Dialog;
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
    /// Keys in the editor: Esc, Ctrl-s and Ctrl-e are the editor's, the rest edit the text.
    pub(super) fn editor_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(Dialog::Editor(ed)) = self.dialog_mut() else {
            return Vec::new();
        };
        if key.code == KeyCode::Esc {
            if !ed.modified() || ed.discard_armed {
                self.close_dialog();
                self.say("edit discarded: nothing was changed", false);
            } else {
                ed.discard_armed = true;
                self.say(
                    "unsaved changes: Esc again discards them, Ctrl-s checks and registers",
                    true,
                );
            }
            return Vec::new();
        }
        ed.discard_armed = false;
        if ctrl && key.code == KeyCode::Char('s') {
            self.check_editor();
            return Vec::new();
        }
        if ctrl && key.code == KeyCode::Char('e') {
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
