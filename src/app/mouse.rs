//! The mouse: a click selects a table row, a second click on it within a moment drills
//! in (as Enter), the wheel scrolls tables, logs and popups. Dialogs, pickers and the
//! command line are the keyboard's. `mouse = false` in the config file leaves the mouse to
//! the terminal (for selecting text); the runtime then never asks for its events.

use std::time::{Duration, Instant};

use super::keymap::Command;
use super::pane::Pane;
use super::{App, Effect, Popup};

/// Two clicks on one row within this are a double click.
const DOUBLE_CLICK: Duration = Duration::from_millis(500);

/// Rows the wheel moves per notch.
const WHEEL_ROWS: isize = 3;

/// What the mouse did, where (terminal cells from the top left), and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
    pub at: Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button pressed.
    Click,
    WheelUp,
    WheelDown,
}

/// Where the last frame drew the table's rows: the cells they took and the index of the
/// first one, so a click can be turned into a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawnRows {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub height: u16,
    /// The index (among the pane's rows) of the row drawn at `y`.
    pub first: usize,
    /// Rows drawn.
    pub count: usize,
}

impl App {
    pub(super) fn on_mouse(&mut self, mouse: Mouse) -> Vec<Effect> {
        if self.input.is_some() || matches!(self.popups.last(), Some(Popup::Dialog(_))) {
            return Vec::new();
        }
        let notch = match mouse.kind {
            MouseKind::WheelUp => Some(Command::Up),
            MouseKind::WheelDown => Some(Command::Down),
            MouseKind::Click => None,
        };
        if let Some(step) = notch {
            self.dirty = true;
            let mut effects = Vec::new();
            for _ in 0..WHEEL_ROWS {
                effects.extend(if self.popups.is_empty() {
                    self.run(step)
                } else {
                    self.popup_command(step)
                });
            }
            return effects;
        }
        if !self.popups.is_empty() || matches!(self.view().pane, Pane::Logs { .. }) {
            return Vec::new();
        }
        let Some(index) = self.row_at(mouse.column, mouse.row) else {
            return Vec::new();
        };
        self.dirty = true;
        let (_, rows) = self.rows(self.view());
        let Some(row) = rows.get(index) else {
            return Vec::new();
        };
        let id = row.id.clone();
        let again = self.last_click.as_ref().is_some_and(|(at, last)| {
            *last == id && mouse.at.saturating_duration_since(*at) <= DOUBLE_CLICK
        });
        let v = self.view_mut();
        v.selected = index;
        v.selected_id = Some(id.clone());
        if let Some(d) = self.drawn_rows.get() {
            self.view_mut().offset = d.first;
        }
        if again {
            self.last_click = None;
            return self.run(Command::Open);
        }
        self.last_click = Some((mouse.at, id));
        Vec::new()
    }

    /// The index of the table row drawn at this cell, if one is.
    fn row_at(&self, column: u16, row: u16) -> Option<usize> {
        let d = self.drawn_rows.get()?;
        let inside = (d.x..d.x.saturating_add(d.width)).contains(&column)
            && (d.y..d.y.saturating_add(d.height)).contains(&row);
        let at = usize::from(row.checked_sub(d.y)?);
        (inside && at < d.count).then_some(d.first + at)
    }
}
