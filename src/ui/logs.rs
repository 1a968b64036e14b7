//! The logs pane: a status line (transport, follow state, filters) over the newest lines
//! that fit, each with its time, its source in that source's colour, and its text
//! coloured by level, wrapped or cut. Only the lines on screen are laid out, so a full
//! buffer costs no more to draw than a screenful.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Wrap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::fit::fit;
use super::frame::PopupFrame;
use super::theme::Theme;
use super::{Size, centered};
use crate::app::App;
use crate::app::keymap::{Command as C, Foot, place};
use crate::app::logs::{ElsewhereNote, Listing, LogView, Row, StreamPicker};
use crate::domain::sanitize::Level;
use crate::logs::ring;
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
    let width = usize::from(inner.width);
    let mut notes: Vec<Line> = log
        .elsewhere()
        .iter()
        .flat_map(|n| wrap_spans(note(n, theme), width))
        .collect();
    if let Some(origin) = &log.origin {
        let spans = vec![
            Span::styled("p", theme.key),
            Span::styled(
                format!(" another stream, or back to {}", origin.title),
                theme.dim,
            ),
        ];
        notes.extend(wrap_spans(spans, width));
    }
    if let Some(stopped) = &log.stopped {
        notes.extend(wrap_spans(
            vec![Span::styled(stopped.clone(), theme.error)],
            width,
        ));
    } else if let Some(e) = &log.last_error {
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
    if let Some(picker) = &log.picker {
        stream_picker(frame, app, picker, theme, area);
    }
}

/// A container the pane does not read, said plainly, with the key to pick a stream when
/// its group is known.
fn note(note: &ElsewhereNote, theme: &Theme) -> Vec<Span<'static>> {
    match &note.group {
        Some(group) => vec![
            Span::styled(
                format!("{}: stream names not known: {}. ", note.who, note.reason),
                theme.warn,
            ),
            Span::styled("p", theme.key),
            Span::styled(format!(" picks a stream of {group}"), theme.text),
        ],
        None => vec![Span::styled(
            format!("{}: not in CloudWatch: {}", note.who, note.reason),
            theme.warn,
        )],
    }
}

/// Styled text as rows of at most `width` columns, broken after spaces where it can be
/// and inside a word only when the word alone is wider than a row.
fn wrap_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for span in spans {
        let style = span.style;
        for word in span.content.split_inclusive(' ') {
            let w = word.width();
            if used + w > width && used > 0 {
                rows.push(Vec::new());
                used = 0;
            }
            let pieces = if w > width {
                wrap(word, width)
            } else {
                vec![word.to_string()]
            };
            let n = pieces.len();
            for (i, piece) in pieces.into_iter().enumerate() {
                used += piece.width();
                if let Some(row) = rows.last_mut() {
                    row.push(Span::styled(piece, style));
                }
                if i + 1 < n {
                    rows.push(Vec::new());
                    used = 0;
                }
            }
        }
    }
    rows.into_iter().map(Line::from).collect()
}

/// The stream picker: a box over the pane listing the group's streams, newest first.
fn stream_picker(frame: &mut Frame, app: &App, picker: &StreamPicker, theme: &Theme, area: Rect) {
    let rect = centered(area, Size::Share(80, 44), Size::Share(80, 10));
    let group = picker.group();
    let title = group.map_or_else(
        || "streams".to_string(),
        |g| format!("streams of {}", g.group),
    );
    let keys = &app.keymap;
    let footer = if picker.filtering {
        keys.footer(
            place::STREAM_FILTER,
            "  ",
            &[
                Foot::text("type to filter"),
                Foot::keys(&[C::Up, C::Down], " move"),
                Foot::keys(&[C::Submit], " tail"),
                Foot::keys(&[C::Cancel], " clear"),
            ],
        )
    } else {
        keys.footer(
            place::STREAM_PICKER,
            "  ",
            &[
                Foot::keys(&[C::Up, C::Down], " move"),
                Foot::keys(&[C::Submit], " tail"),
                Foot::keys(&[C::Filter], " filter"),
                Foot::keys(&[C::Refresh], " reload"),
                Foot::keys(&[C::Close], " close"),
            ],
        )
    };
    let mut popup = PopupFrame::new(title, footer);
    if picker.groups.len() > 1 {
        popup = popup.aside(format!(
            " {}: next group ({}/{}) ",
            keys.keys_text(&[C::NextGroup], place::STREAM_PICKER, "/"),
            picker.group + 1,
            picker.groups.len()
        ));
    }
    let inner = popup.draw(frame, theme, rect);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let width = usize::from(inner.width);
    let mut about = Vec::new();
    if let Some(g) = group {
        about.push(g.region.clone());
        if !g.containers.is_empty() {
            about.push(format!("for {}", g.containers.join(", ")));
        }
    }
    if let Some(prefix) = &picker.prefix {
        about.push(format!("names starting with {prefix}"));
    }
    about.push("newest first".to_string());
    let mut lines = vec![Line::from(Span::styled(
        fit(&about.join(" · "), width),
        theme.dim,
    ))];
    let filter_line = (picker.filtering || !picker.filter.is_empty()).then(|| {
        let mut spans = vec![
            Span::styled("/", theme.key),
            Span::styled(picker.filter.clone(), theme.text),
        ];
        if picker.filtering {
            spans.push(Span::styled(" ", theme.selected));
        }
        Line::from(spans)
    });
    let room = usize::from(inner.height)
        .saturating_sub(lines.len())
        .saturating_sub(usize::from(filter_line.is_some()));
    let rows = picker.rows();
    let streams = rows.iter().filter(|r| matches!(r, Row::Stream(_))).count();
    let message = match &picker.listing {
        Listing::Loading => Some(Line::from(Span::styled("loading streams…", theme.info))),
        Listing::Failed(e) => Some(Line::from(Span::styled(e.clone(), theme.error))),
        Listing::Loaded(_) if streams > 0 => None,
        Listing::Loaded(all) => {
            let name = group.map_or("", |g| g.group.as_str());
            let text = match (&picker.prefix, picker.filter.as_str()) {
                (Some(p), _) if all.is_empty() => format!("no stream of {name} starts with {p}"),
                (_, "") => format!("no streams in {name}"),
                (_, f) => format!(
                    "none of the {} newest streams contains {f}: {} asks AWS for names \
                     starting with it",
                    all.len(),
                    app.keymap.key_for(C::Submit, place::STREAM_FILTER)
                ),
            };
            Some(Line::from(Span::styled(text, theme.warn)))
        }
    };
    let list_room = room.saturating_sub(usize::from(message.is_some()));
    let selected = picker.selected.min(rows.len().saturating_sub(1));
    let first = (selected + 1).saturating_sub(list_room.max(1));
    for (i, row) in rows.iter().enumerate().skip(first).take(list_room) {
        let mut line = picker_row(app, picker, row, theme, width, i == selected);
        if i == selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    if let Some(message) = message {
        lines.push(message);
    }
    let body = Rect {
        height: inner
            .height
            .saturating_sub(u16::from(filter_line.is_some())),
        ..inner
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    if let Some(filter_line) = filter_line {
        let at = Rect {
            y: inner.y + inner.height - 1,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(filter_line), at);
    }
}

/// `▸• name                    12s ago`: the selection mark, the mark of the stream tailed
/// now, the name and the age of its last event; or the way back to the scope's own tail.
fn picker_row<'a>(
    app: &App,
    picker: &StreamPicker,
    row: &Row<'_>,
    theme: &Theme,
    width: usize,
    selected: bool,
) -> Line<'a> {
    let pointer = if selected { "▸" } else { " " };
    let stream = match row {
        Row::Back => {
            let title = picker.back.as_deref().unwrap_or_default();
            return Line::from(vec![
                Span::styled(pointer, theme.key),
                Span::styled(
                    fit(&format!(" ↩ back to {title}"), width.saturating_sub(1)),
                    theme.accent,
                ),
            ]);
        }
        Row::Stream(stream) => stream,
    };
    let ago = |ms: i64| {
        let t = chrono::DateTime::from_timestamp_millis(ms);
        crate::app::format::age(app.now, t)
    };
    let age = match (stream.last_event_ms, stream.creation_ms) {
        (Some(last), _) => format!(" {} ago", ago(last)),
        (None, Some(created)) => format!(" no events, made {} ago", ago(created)),
        (None, None) => " no events".to_string(),
    };
    let tailed = if picker.current.contains(&stream.name) {
        "• "
    } else {
        "  "
    };
    let name_room = width
        .saturating_sub(age.width() + pointer.width() + tailed.width())
        .max(1);
    let name = fit(&stream.name, name_room);
    let pad = name_room.saturating_sub(name.width());
    Line::from(vec![
        Span::styled(pointer, theme.key),
        Span::styled(tailed, theme.accent),
        Span::styled(name, theme.text),
        Span::raw(" ".repeat(pad)),
        Span::styled(age, theme.dim),
    ])
}

fn title<'a>(log: &LogView, theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = vec![Span::styled(
        format!(" logs: {} ", log.title()),
        theme.title,
    )];
    match log.transport {
        _ if log.stopped.is_some() => spans.push(Span::styled(" STOPPED ", theme.error)),
        _ if log.ended && log.request.follow => spans.push(Span::styled(" ENDED ", theme.error)),
        Some(Transport::Live) => spans.push(Span::styled(" LIVE ", theme.ok)),
        Some(Transport::Poll) => spans.push(Span::styled(" POLL ", theme.info)),
        None => spans.push(Span::styled(" connecting… ", theme.dim)),
    }
    if log.stopped.is_some() || (log.ended && log.request.follow) {
        // Neither following nor paused: nothing new comes until it works again.
    } else if log.follow {
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
    // What the prefix holds is decided for the pane, not per line (a long source label
    // must not make its lines look different): the widest label and the time together
    // take at most half the width, else the label goes, then the time.
    const TIME_WIDTH: usize = "00:00:00.000 ".len();
    let labelled = log.labels.len() > 1
        || matches!(
            log.request.scope,
            crate::logs::source::LogScope::Service { .. }
        );
    let widest_label = if labelled {
        log.labels.iter().map(|l| l.width() + 1).max().unwrap_or(0)
    } else {
        0
    };
    let time_width = if log.timestamps { TIME_WIDTH } else { 0 };
    let (show_time, show_label) = if time_width + widest_label <= width / 2 {
        (log.timestamps, labelled)
    } else {
        (log.timestamps && time_width <= width / 2, false)
    };
    let mut prefix = Vec::new();
    let mut prefix_width = 0;
    if show_time {
        let t = chrono::DateTime::from_timestamp_millis(line.timestamp)
            .map(|t| t.format("%H:%M:%S%.3f ").to_string())
            .unwrap_or_default();
        prefix_width += t.width();
        prefix.push(Span::styled(t, theme.dim));
    }
    if show_label {
        let label = log
            .labels
            .get(usize::from(line.source))
            .cloned()
            .unwrap_or_default();
        let label = format!("{label} ");
        prefix_width += label.width();
        prefix.push(Span::styled(label, theme.source(line.source)));
    }
    let text_width = width.saturating_sub(prefix_width).max(1);
    let mut rows = Vec::new();
    for (n, part) in line.text.split('\n').enumerate() {
        let pieces = if log.wrap {
            wrap(part, text_width)
        } else {
            vec![fit(part, text_width)]
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
mod stream_picker_tests;

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
    fn styled_notes_wrap_between_words() {
        let text = |rows: &[Line]| -> Vec<String> {
            rows.iter()
                .map(|r| r.spans.iter().map(|s| s.content.as_ref()).collect())
                .collect()
        };
        let rows = wrap_spans(
            vec![
                Span::raw("router: names unknown. "),
                Span::raw("p picks one"),
            ],
            12,
        );
        assert_eq!(
            text(&rows),
            ["router: ", "names ", "unknown. p ", "picks one"]
        );
        assert_eq!(rows[2].spans.len(), 2, "styles stay with their words");
        let rows = wrap_spans(vec![Span::raw("abcdefghij")], 4);
        assert_eq!(text(&rows), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap_spans(vec![Span::raw("x")], 0).len(), 1);
    }
}

#[cfg(test)]
mod prefix_tests {
    use super::*;
    use crate::logs::source::LogScope;
    use crate::logs::tail::TailRequest;

    /// At 60 columns every line has the same prefix: a long source label does not make
    /// its lines lose the time while the others keep it.
    #[test]
    fn the_prefix_rule_is_the_same_for_every_line() {
        let theme = Theme::load("dark", None, crate::ui::theme::ColorDepth::TrueColor).unwrap();
        let request = TailRequest {
            scope: LogScope::Service {
                cluster: "prod".into(),
                service: "checkout".into(),
            },
            container: None,
            start_ms: 0,
            pattern: None,
            follow: true,
        };
        let mut log = LogView::new(1, request, 100);
        log.labels = vec![
            "a1b2c3d4/web".into(),
            "a1b2c3d4/very-long-sidecar-name".into(),
        ];
        let line = |source| ring::Line {
            timestamp: 1_700_000_000_000,
            source,
            level: Level::None,
            text: "hello".into(),
        };
        for width in [60usize, 120] {
            let prefixes: Vec<String> = (0..2)
                .map(|s| {
                    let rows = render_line(&log, &theme, &line(s), width, false);
                    rows[0]
                        .spans
                        .iter()
                        .map(|sp| sp.content.to_string())
                        .collect::<String>()
                })
                .collect();
            let timed: Vec<bool> = prefixes.iter().map(|p| p.contains(':')).collect();
            assert_eq!(timed[0], timed[1], "{width}: {prefixes:?}");
            let labelled: Vec<bool> = prefixes.iter().map(|p| p.contains("a1b2c3d4")).collect();
            assert_eq!(labelled[0], labelled[1], "{width}: {prefixes:?}");
        }
    }
}
