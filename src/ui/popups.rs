//! Overlays drawn over the table: help, describe, error history, command completion.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::frame::PopupFrame;
use super::theme::Theme;
use super::{Size, centered};
use crate::app::keymap::{Command as C, Foot, Keymap, Scope, place};
use crate::app::pane::Pane;
use crate::app::{App, InputKind, Popup, command, format};

/// A popup's footer: scroll and close.
pub(super) const SCROLL_CLOSE: &[Foot] = &[
    Foot::keys(&[C::Up, C::Down], " scroll"),
    Foot::keys(&[C::Close], " close"),
];

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    if let Some(popup) = app.popups.last() {
        match popup {
            Popup::Help => help(frame, app, theme, area),
            Popup::Describe { pane, id, scroll } => {
                describe_view(frame, app, theme, area, pane, id, *scroll)
            }
            Popup::Errors { scroll } => errors(frame, app, theme, area, *scroll),
            Popup::Text {
                title,
                body,
                scroll,
            } => text(frame, &app.keymap, theme, area, title, body, *scroll),
            Popup::Revision { arn, scroll } => {
                super::dialog::revision(frame, app, theme, area, arn, *scroll)
            }
            Popup::Diff { old, new, scroll } => {
                super::dialog::diff(frame, app, theme, area, old, new, *scroll)
            }
            Popup::Dialog(d) => super::dialog::draw(frame, app, theme, area, d),
        }
    }
    if let Some(input) = app.input.as_ref().filter(|i| i.kind == InputKind::Command) {
        completions(frame, app, theme, area, &input.text());
    }
}

fn help(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let rows = app.keymap.help_rows(app.view().pane.scopes());
    let key_w = rows
        .iter()
        .map(|(k, _, _)| k.chars().count())
        .max()
        .unwrap_or(4);
    let mut lines: Vec<Line> = Vec::new();
    let mut last_scope = "";
    for (keys, help, scope) in rows {
        if scope != last_scope {
            if !lines.is_empty() {
                lines.push(Line::raw(""));
            }
            lines.push(Line::from(Span::styled(scope, theme.header)));
            last_scope = scope;
        }
        // Each line cut with `…` to the popup's width rather than silently.
        let room = usize::from(
            centered(area, Size::Share(70, 50), Size::Cells(1))
                .width
                .saturating_sub(2),
        )
        .saturating_sub(key_w + 4);
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<key_w$}  "), theme.key),
            Span::styled(crate::ui::fit::fit(help, room), theme.text),
        ]));
    }
    let height = lines.len() as u16 + 2;
    let rect = centered(area, Size::Share(70, 50), Size::Cells(height));
    let title = format!("keys: {}", app.view().pane.noun());
    // `?` closes help as it opened it: the help key of anywhere.
    let footer = app.keymap.footer(
        &[Scope::Popup, Scope::Global],
        "  ",
        &[Foot::keys(&[C::Close, C::Help], " close")],
    );
    let inner = PopupFrame::new(title, footer).draw(frame, theme, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn describe_view(
    frame: &mut Frame,
    app: &App,
    theme: &Theme,
    area: Rect,
    pane: &Pane,
    id: &str,
    scroll: u16,
) {
    let described = app.described(pane, id);
    let lines: Vec<Line> = match &described.outline {
        Some(outline) => outline
            .iter()
            .map(|l| {
                if l.heading {
                    return Line::from(Span::styled(format!("── {} ", l.key), theme.header));
                }
                let pad = " ".repeat(usize::from(l.indent));
                let value_style = if l.tone == crate::app::rows::Tone::Normal {
                    theme.text
                } else {
                    theme.tone(l.tone)
                };
                // A line of text under a heading has no key.
                let key = if l.key.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", l.key)
                };
                Line::from(vec![
                    Span::raw(pad),
                    Span::styled(key, theme.key),
                    Span::styled(l.value.clone(), value_style),
                ])
            })
            .collect(),
        None => vec![Line::from(Span::styled(
            "this row is gone (it disappeared on refresh)",
            theme.warn,
        ))],
    };
    let rect = centered(area, Size::Share(90, 30), Size::Share(94, 6));
    let footer = app.keymap.footer(
        place::POPUP,
        "  ",
        &[
            Foot::spaced(&[C::Up, C::Down, C::PageUp, C::PageDown], " scroll"),
            SCROLL_CLOSE[1],
        ],
    );
    let inner = PopupFrame::new(described.title.as_str(), footer).draw(frame, theme, rect);
    // A service's CPU and memory charts at the top, where there is room for them.
    let chart = app.chart();
    let (chart_area, inner) = super::charts::split(inner, chart.as_ref());
    if let (Some(area), Some(chart)) = (chart_area, &chart) {
        super::charts::draw(frame, theme, area, chart, app.now);
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

fn errors(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, scroll: u16) {
    let lines: Vec<Line> = if app.errors.is_empty() {
        vec![Line::from(Span::styled("no errors so far", theme.dim))]
    } else {
        app.errors
            .iter()
            .map(|r| {
                let mut spans = vec![
                    Span::styled(format::timestamp(Some(r.at)), theme.dim),
                    Span::raw("  "),
                ];
                if r.count > 1 {
                    spans.push(Span::styled(format!("×{} ", r.count), theme.warn));
                }
                if !r.target.is_empty() {
                    spans.push(Span::styled(format!("{}: ", r.target), theme.text));
                }
                spans.extend([
                    Span::styled(r.error.operation.clone(), theme.key),
                    Span::raw("  "),
                    Span::styled(r.error.kind.label(), theme.error),
                    Span::raw("  "),
                    Span::styled(r.error.message.clone(), theme.text),
                ]);
                Line::from(spans)
            })
            .collect()
    };
    let rect = centered(area, Size::Share(90, 30), Size::Share(80, 6));
    let title = format!("errors ({}, newest first)", app.errors.len());
    let footer = app.keymap.footer(place::POPUP, "  ", &SCROLL_CLOSE[1..]);
    let inner = PopupFrame::new(title, footer).draw(frame, theme, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}

fn completions(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, line: &str) {
    let in_logs = matches!(app.view().pane, crate::app::pane::Pane::Logs { .. });
    let cands = command::candidates(line, &app.cluster_names(), in_logs);
    if cands.is_empty() || area.height < 4 || area.width < 6 {
        return;
    }
    let shown: Vec<Line> = cands
        .iter()
        .take(usize::from(area.height.saturating_sub(2)).min(12))
        .map(|c| Line::from(Span::styled(format!(":{c}"), theme.text)))
        .collect();
    let height = shown.len() as u16 + 2;
    let width = cands
        .iter()
        .map(|c| c.chars().count() as u16 + 3)
        .max()
        .unwrap_or(10)
        .max(24)
        .min(area.width);
    // Inside the table's frame, just above its bottom border.
    let width = width.min(area.width.saturating_sub(2));
    let rect = Rect {
        x: area.x + 1,
        y: area.y + area.height.saturating_sub(height + 1),
        width,
        height: height.min(area.height.saturating_sub(1)),
    };
    let complete = app
        .keymap
        .keys_text(&[C::Complete], place::COMMAND_LINE, "/");
    let inner = PopupFrame::new(format!("{complete} completes"), "").draw(frame, theme, rect);
    frame.render_widget(Paragraph::new(shown), inner);
}

fn text(
    frame: &mut Frame,
    keys: &Keymap,
    theme: &Theme,
    area: Rect,
    title: &str,
    body: &str,
    scroll: u16,
) {
    let rect = centered(area, Size::Share(90, 30), Size::Share(90, 6));
    let footer = keys.footer(place::POPUP, "  ", SCROLL_CLOSE);
    let inner = PopupFrame::new(title, footer).draw(frame, theme, rect);
    let lines: Vec<Line> = body
        .lines()
        .map(|l| Line::from(Span::styled(l.to_string(), theme.text)))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        inner,
    );
}
