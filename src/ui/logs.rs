//! The logs pane: a status line (transport, follow state, filters) over the newest lines
//! that fit, each with its time, its source in that source's colour, and its text
//! coloured by level, wrapped or cut. Only the lines on screen are laid out, so a full
//! buffer costs no more to draw than a screenful.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::theme::Theme;
use crate::app::App;
use crate::app::logs::LogView;
use crate::logs::ring;
use crate::logs::sanitize::Level;
use crate::logs::tail::Transport;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Some(log) = &app.log else {
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Line::from(title(log, theme)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let mut notes: Vec<Line> = log
        .elsewhere()
        .into_iter()
        .map(|n| Line::from(Span::styled(format!("not in CloudWatch: {n}"), theme.warn)))
        .collect();
    if let Some(e) = &log.last_error {
        notes.push(Line::from(Span::styled(e.clone(), theme.error)));
    }
    notes.truncate(usize::from(inner.height / 2));
    let body_height = inner.height.saturating_sub(notes.len() as u16);
    let rows = layout(log, theme, inner.width, usize::from(body_height));
    let mut lines = notes;
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(empty_text(log, app), theme.dim)));
    }
    lines.extend(rows);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn title<'a>(log: &LogView, theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = vec![Span::styled(
        format!(" logs: {} ", log.title()),
        theme.title,
    )];
    match log.transport {
        Some(Transport::Live) => spans.push(Span::styled(" LIVE ", theme.ok)),
        Some(Transport::Poll) => spans.push(Span::styled(" POLL ", theme.info)),
        None => spans.push(Span::styled(" connecting… ", theme.dim)),
    }
    if log.follow {
        spans.push(Span::styled(" FOLLOW ", theme.dim));
    } else {
        let waiting = log.waiting();
        let text = if waiting > 0 {
            format!(" PAUSED, {waiting} new (f: follow) ")
        } else {
            " PAUSED (f: follow) ".to_string()
        };
        spans.push(Span::styled(text, theme.warn));
    }
    if log.throttled {
        spans.push(Span::styled(" THROTTLED, backing off ", theme.stale));
    }
    if log.sampled {
        spans.push(Span::styled(" sampled by AWS (backfilled) ", theme.warn));
    }
    if let Some(p) = &log.request.pattern {
        spans.push(Span::styled(format!(" F:{p} "), theme.matched));
    }
    if let Some(g) = &log.grep {
        spans.push(Span::styled(format!(" &{} ", g.text), theme.matched));
    }
    if let Some(s) = &log.search {
        spans.push(Span::styled(format!(" /{} ", s.text), theme.matched));
    }
    spans.push(Span::styled(
        format!(" {} lines ", log.ring.len()),
        theme.dim,
    ));
    if log.ring.dropped() > 0 {
        spans.push(Span::styled(
            format!("({} oldest dropped) ", log.ring.dropped()),
            theme.dim,
        ));
    }
    if log.loading_older {
        spans.push(Span::styled(" loading older… ", theme.info));
    }
    spans
}

fn empty_text(log: &LogView, app: &App) -> String {
    let since = crate::app::format::age(
        app.now,
        chrono::DateTime::from_timestamp_millis(log.request.start_ms),
    );
    if log.ring.is_empty() && !log.history_done {
        format!("reading the last {since} of logs…")
    } else if log.grep.is_some() {
        "no line matches the & filter (Esc clears it)".to_string()
    } else {
        format!("no log lines in the last {since}; new lines appear here as they come")
    }
}

/// The screen rows for the lines ending at the selected one (or the newest, following).
fn layout<'a>(log: &LogView, theme: &Theme, width: u16, height: usize) -> Vec<Line<'a>> {
    let Some(selected) = log.selected_index() else {
        return Vec::new();
    };
    let width = usize::from(width);
    if log.follow {
        return rows_ending_at(log, theme, selected, None, width, height);
    }
    let end = log
        .view_end
        .clamp(selected, log.ring.len().saturating_sub(1));
    let rows = rows_ending_at(log, theme, end, Some(selected), width, height);
    // Tall events below the selection may push it off the top: then end at it instead.
    if rows.iter().any(|r| r.style == theme.selected) {
        rows
    } else {
        rows_ending_at(log, theme, selected, Some(selected), width, height)
    }
}

fn rows_ending_at<'a>(
    log: &LogView,
    theme: &Theme,
    anchor: usize,
    selected: Option<usize>,
    width: usize,
    height: usize,
) -> Vec<Line<'a>> {
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    let mut used = 0;
    // Newest first from the anchor up, until the screen is full.
    for i in (0..=anchor).rev() {
        if used >= height {
            break;
        }
        let Some(line) = log.ring.get(i) else {
            continue;
        };
        if !log.visible(line) {
            continue;
        }
        let rows = render_line(log, theme, line, width, selected == Some(i));
        used += rows.len();
        blocks.push(rows);
    }
    let mut out: Vec<Line> = blocks.into_iter().rev().flatten().collect();
    // The first block may be taller than what is left: keep its bottom rows.
    if out.len() > height {
        out.drain(..out.len() - height);
    }
    out
}

/// One event as screen rows: prefix (time, source) then its text, every '\n' a new row
/// indented under the text, each row wrapped or cut to `width`.
fn render_line<'a>(
    log: &LogView,
    theme: &Theme,
    line: &ring::Line,
    width: usize,
    selected: bool,
) -> Vec<Line<'a>> {
    let text_style = match line.level {
        Level::Error => theme.error,
        Level::Warn => theme.warn,
        Level::None => theme.text,
    };
    let mut prefix = Vec::new();
    let mut prefix_width = 0;
    if log.timestamps {
        let t = chrono::DateTime::from_timestamp_millis(line.timestamp)
            .map(|t| t.format("%H:%M:%S%.3f ").to_string())
            .unwrap_or_default();
        prefix_width += t.width();
        prefix.push(Span::styled(t, theme.dim));
    }
    if log.labels.len() > 1
        || matches!(
            log.request.scope,
            crate::logs::source::LogScope::Service { .. }
        )
    {
        let label = log
            .labels
            .get(usize::from(line.source))
            .cloned()
            .unwrap_or_default();
        let label = format!("{label} ");
        prefix_width += label.width();
        prefix.push(Span::styled(label, theme.source(line.source)));
    }
    // A prefix wider than half the pane is dropped rather than squeeze the text away.
    if prefix_width > width / 2 {
        prefix.clear();
        prefix_width = 0;
    }
    let text_width = width.saturating_sub(prefix_width).max(1);
    let mut rows = Vec::new();
    for (n, part) in line.text.split('\n').enumerate() {
        let pieces = if log.wrap {
            wrap(part, text_width)
        } else {
            vec![cut(part, text_width)]
        };
        for (k, piece) in pieces.into_iter().enumerate() {
            let mut spans = if n == 0 && k == 0 {
                prefix.clone()
            } else {
                vec![Span::raw(" ".repeat(prefix_width))]
            };
            spans.extend(highlight(piece, log, text_style, theme));
            let mut row = Line::from(spans);
            if selected {
                row = row.style(theme.selected);
            }
            rows.push(row);
        }
    }
    rows
}

/// Splits `text` into pieces of at most `width` columns (wide characters kept whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(ch);
        }
        used += w;
    }
    out
}

/// `text` cut to `width` columns with `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

fn highlight<'a>(piece: String, log: &LogView, style: Style, theme: &Theme) -> Vec<Span<'a>> {
    let Some(search) = &log.search else {
        return vec![Span::styled(piece, style)];
    };
    let mut spans = Vec::new();
    let mut rest = 0;
    for m in search.regex.find_iter(&piece) {
        if m.start() > rest {
            spans.push(Span::styled(piece[rest..m.start()].to_string(), style));
        }
        if m.end() > m.start() {
            spans.push(Span::styled(
                piece[m.start()..m.end()].to_string(),
                theme.matched,
            ));
        }
        rest = m.end();
    }
    if rest < piece.len() {
        spans.push(Span::styled(piece[rest..].to_string(), style));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_wide_characters_whole() {
        assert_eq!(wrap("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(wrap("日本語", 4), vec!["日本", "語"]);
        assert_eq!(wrap("", 4), vec![""]);
        assert_eq!(wrap("x", 1), vec!["x"]);
    }

    #[test]
    fn cutting_marks_the_cut() {
        assert_eq!(cut("abcdef", 4), "abc…");
        assert_eq!(cut("abc", 4), "abc");
        assert_eq!(cut("日本語", 4), "日…");
    }
}
