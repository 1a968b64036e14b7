//! The frame every popup is drawn in: its area cleared, a rounded border, the title at
//! the top and the keys it takes along the bottom.

use std::borrow::Cow;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear};

use super::theme::Theme;

/// A popup's frame, drawn by `draw`.
pub struct PopupFrame<'a> {
    title: String,
    keys: Cow<'a, str>,
    aside: Option<String>,
}

impl<'a> PopupFrame<'a> {
    /// A frame titled `title`, with `keys` (the keys the popup takes, spaced as shown)
    /// along its bottom edge.
    pub fn new(title: impl Into<String>, keys: impl Into<Cow<'a, str>>) -> PopupFrame<'a> {
        PopupFrame {
            title: title.into(),
            keys: keys.into(),
            aside: None,
        }
    }

    /// A note at the top right, such as which of several lists is shown.
    pub fn aside(mut self, note: String) -> PopupFrame<'a> {
        self.aside = Some(note);
        self
    }

    /// Clears `rect`, draws the frame on it and returns the area inside, for the content.
    pub fn draw(self, frame: &mut Frame, theme: &Theme, rect: Rect) -> Rect {
        // Title and keys are cut with `…` to the border's width, never silently.
        let room = usize::from(rect.width.saturating_sub(2));
        let title = format!(" {} ", super::fit::fit(&self.title, room.saturating_sub(2)));
        let keys = super::fit::fit(&self.keys, room);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Rounded)
            .border_style(theme.border_focus)
            .title(Span::styled(title, theme.title))
            .title_bottom(Span::styled(keys, theme.dim));
        if let Some(note) = self.aside {
            block = block.title(Line::from(Span::styled(note, theme.dim)).right_aligned());
        }
        let inner = block.inner(rect);
        frame.render_widget(Clear, rect);
        frame.render_widget(block, rect);
        inner
    }
}
