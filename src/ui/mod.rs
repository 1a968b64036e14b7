//! Drawing: from the app state to a frame, nothing else. Nothing here fetches or changes
//! state, so any screen can be drawn into a test buffer.

pub mod dialog;
pub mod fit;
pub mod logs;
pub mod popups;
pub mod rollout;
pub mod scaling;
pub mod table;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use theme::Theme;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < 20 || area.height < 5 {
        let msg = Paragraph::new("ecsdash: enlarge the terminal").style(theme.warn);
        frame.render_widget(msg, area);
        return;
    }
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, app, theme, header);
    match app.view().pane {
        crate::app::pane::Pane::Logs { .. } => logs::draw(frame, app, theme, body),
        crate::app::pane::Pane::Rollout { .. } => rollout::draw(frame, app, theme, body),
        crate::app::pane::Pane::Scaling { .. } => scaling::draw(frame, app, theme, body),
        _ => table::draw(frame, app, theme, body),
    }
    draw_footer(frame, app, theme, footer);
    popups::draw(frame, app, theme, body);
}

/// Profile, region, account (and endpoint, read-only): labels go before values do, so
/// an account or a profile is never cut on a narrow terminal.
fn identity_line(app: &App, theme: &Theme, width: u16) -> Vec<Span<'static>> {
    let id = &app.identity;
    let account = id.account.clone().unwrap_or_else(|| "…".to_string());
    let build = |labels: bool, title: bool, endpoint: bool| -> Vec<Span<'static>> {
        let sep = Span::styled(if labels { "  " } else { " · " }, theme.dim);
        let mut spans = Vec::new();
        if title {
            spans.push(Span::styled(" ecsdash ", theme.title));
            spans.push(Span::styled("  ", theme.dim));
        } else {
            spans.push(Span::raw(" "));
        }
        let field = |spans: &mut Vec<Span<'static>>, label: &'static str, value: String, style| {
            if labels {
                spans.push(Span::styled(label, theme.dim));
            }
            spans.push(Span::styled(value, style));
        };
        field(&mut spans, "profile ", id.profile.clone(), theme.accent);
        spans.push(sep.clone());
        field(&mut spans, "region ", id.region.clone(), theme.accent);
        spans.push(sep.clone());
        field(&mut spans, "account ", account.clone(), theme.accent);
        if endpoint && let Some(e) = &id.endpoint {
            spans.push(sep.clone());
            field(&mut spans, "endpoint ", e.clone(), theme.warn);
        }
        if app.read_only {
            spans.push(sep.clone());
            spans.push(Span::styled(" READ-ONLY ", theme.stale));
        }
        spans
    };
    let fits = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>() <= usize::from(width);
    for (labels, title, endpoint) in [
        (true, true, true),
        (true, false, true),
        (false, false, true),
        (false, false, false),
    ] {
        let line = build(labels, title, endpoint);
        if fits(&line) {
            return line;
        }
    }
    build(false, false, false)
}

fn draw_header(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let first = identity_line(app, theme, area.width);
    let crumbs = app.view().pane.crumbs();
    let mut second = vec![Span::raw(" ")];
    for (i, c) in crumbs.iter().enumerate() {
        if i > 0 {
            second.push(Span::styled(" › ", theme.dim));
        }
        let style = if i + 1 == crumbs.len() {
            theme.title
        } else {
            theme.text
        };
        second.push(Span::styled(c.clone(), style));
    }
    let freshness = freshness(app, theme);
    let [left, right] = Layout::horizontal([
        Constraint::Min(10),
        Constraint::Length(freshness.width() as u16 + 1),
    ])
    .areas(Rect {
        y: area.y + 1,
        height: 1,
        ..area
    });
    frame.render_widget(
        Paragraph::new(Line::from(first)),
        Rect { height: 1, ..area },
    );
    frame.render_widget(Paragraph::new(Line::from(second)), left);
    frame.render_widget(Paragraph::new(freshness), right);
}

/// How old the data on screen is: `updated 3s ago`, `loading…`, or `STALE 40s` on error.
fn freshness<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let slots = app.visible_slots();
    let loading = slots.iter().any(|s| s.is_none_or(|s| s.loading));
    let oldest = slots
        .iter()
        .filter_map(|s| s.and_then(|s| s.fetched_at))
        .min();
    let failing = slots.iter().find_map(|s| s.and_then(|s| s.error.as_ref()));
    let mut spans = Vec::new();
    if let Some(e) = failing {
        let label = match oldest {
            Some(t) => format!(" STALE {} ", crate::app::format::age(app.now, Some(t))),
            None => " NO DATA ".to_string(),
        };
        spans.push(Span::styled(label, theme.stale));
        spans.push(Span::styled(format!(" {}", e.kind.label()), theme.error));
    } else if let Some(t) = oldest {
        spans.push(Span::styled(
            format!("updated {} ago", crate::app::format::age(app.now, Some(t))),
            theme.dim,
        ));
    }
    if loading {
        spans.push(Span::styled(" ⟳ loading", theme.info));
    }
    if app.refresh.is_none() {
        spans.push(Span::styled(" (auto refresh off)", theme.dim));
    }
    Line::from(spans)
}

fn draw_footer(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    if let Some(input) = &app.input {
        let prompt = input.prompt();
        let [p, field] = Layout::horizontal([
            Constraint::Length(prompt.chars().count() as u16),
            Constraint::Min(1),
        ])
        .areas(area);
        frame.render_widget(Paragraph::new(Span::styled(prompt, theme.key)), p);
        let mut t = input.area.clone();
        t.set_style(theme.text);
        t.set_cursor_line_style(Style::new());
        t.set_cursor_style(theme.selected);
        frame.render_widget(&t, field);
        return;
    }
    let line = if let Some(s) = &app.status {
        Line::from(Span::styled(
            format!(" {}", s.text),
            if s.error { theme.error } else { theme.info },
        ))
    } else if let Some(e) = app
        .visible_slots()
        .iter()
        .find_map(|s| s.and_then(|s| s.error.as_ref()))
    {
        let mut spans = vec![Span::styled(format!(" {e}"), theme.error)];
        if let Some(hint) = e.hint() {
            spans.push(Span::styled(format!("  ({hint})"), theme.dim));
        }
        spans.push(Span::styled("  E: error history", theme.dim));
        Line::from(spans)
    } else {
        let hint = |k: &'static str, what: &'static str| {
            [
                Span::styled(k, theme.key),
                Span::styled(format!(" {what}  "), theme.dim),
            ]
        };
        let mut spans = vec![Span::raw(" ")];
        let hints: &[(&str, &str)] = match app.view().pane {
            crate::app::pane::Pane::Logs { .. } => &[
                ("?", "help"),
                ("f", "follow"),
                ("/", "search"),
                ("&", "only"),
                ("F", "pattern"),
                ("c", "container"),
                ("w", "wrap"),
                ("Enter", "full line"),
                ("y", "copy"),
                ("Esc", "back"),
            ],
            crate::app::pane::Pane::Services { .. } => &[
                ("?", "help"),
                ("/", "filter"),
                ("d", "describe"),
                ("l", "logs"),
                ("s", "scale"),
                ("a", "auto scaling"),
                ("i", "image"),
                ("R", "roll out"),
                ("Enter", "tasks"),
                ("Esc", "back"),
            ],
            crate::app::pane::Pane::Tasks { .. } => &[
                ("?", "help"),
                (":", "command"),
                ("/", "filter"),
                ("d", "describe"),
                ("l", "logs"),
                ("Ctrl-k", "stop"),
                ("Esc", "back"),
                ("q", "quit"),
            ],
            crate::app::pane::Pane::Instances { .. } => &[
                ("?", "help"),
                ("/", "filter"),
                ("Enter", "its tasks"),
                ("d", "describe"),
                ("D", "drain/activate"),
                ("Esc", "back"),
                ("q", "quit"),
            ],
            crate::app::pane::Pane::Revisions { .. } => &[
                ("?", "help"),
                ("Enter", "JSON"),
                ("e", "edit"),
                ("Ctrl-e", "$EDITOR"),
                ("m", "mark"),
                ("=", "diff"),
                ("Esc", "back"),
            ],
            crate::app::pane::Pane::Rollout { .. } => &[
                ("?", "help"),
                ("b", "roll back"),
                ("r", "refresh"),
                ("Esc", "back"),
                ("q", "quit"),
            ],
            crate::app::pane::Pane::Scaling { .. } => &[
                ("?", "help"),
                ("e", "min/max"),
                ("i", "scale-in on/off"),
                ("p", "policy"),
                ("c", "schedule"),
                ("Enter", "edit"),
                ("x", "delete"),
                ("Esc", "back"),
            ],
            _ => &[
                ("?", "help"),
                (":", "command"),
                ("/", "filter"),
                ("d", "describe"),
                ("Enter", "open"),
                ("Esc", "back"),
                ("q", "quit"),
            ],
        };
        // `:` and `q` are on every pane; keys that change things are not offered in
        // read-only mode, where they are refused.
        let pane = &app.view().pane;
        let mut shown: Vec<(&str, &str)> = hints
            .iter()
            .copied()
            .filter(|(k, _)| !(app.read_only && changes_something(pane, k)))
            .collect();
        if !shown.iter().any(|(k, _)| *k == ":") {
            let at = usize::from(shown.first().is_some_and(|(k, _)| *k == "?"));
            shown.insert(at, (":", "command"));
        }
        if !shown.iter().any(|(k, _)| *k == "q") {
            shown.push(("q", "quit"));
        }
        // On a narrow terminal the last hints before `q` go whole, never cut mid-word.
        let width = |h: &[(&str, &str)]| -> usize {
            1 + h
                .iter()
                .map(|(k, w)| k.chars().count() + w.chars().count() + 3)
                .sum::<usize>()
        };
        while width(&shown) > usize::from(area.width) && shown.len() > 1 {
            shown.remove(shown.len() - 2);
        }
        for (k, what) in shown {
            spans.extend(hint(k, what));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// Whether the hinted key changes something on AWS on this pane (hidden in read-only).
fn changes_something(pane: &crate::app::pane::Pane, key: &str) -> bool {
    use crate::app::pane::Pane;
    match pane {
        Pane::Services { .. } => matches!(key, "s" | "a" | "i" | "R" | "u"),
        Pane::Tasks { .. } => key == "Ctrl-k",
        Pane::Instances { .. } => key == "D",
        Pane::Rollout { .. } => key == "b",
        Pane::Scaling { .. } => matches!(key, "e" | "i" | "p" | "c" | "x" | "Enter"),
        Pane::Revisions { .. } => matches!(key, "e" | "Ctrl-e" | "R"),
        _ => false,
    }
}

/// A rectangle of `percent_x` by `percent_y` centred in `area`, at least `min` in each
/// direction where the area allows.
pub fn centered(area: Rect, percent_x: u16, percent_y: u16, min: (u16, u16)) -> Rect {
    let w = (area.width * percent_x / 100).max(min.0).min(area.width);
    let h = (area.height * percent_y / 100).max(min.1).min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod screen_tests;
