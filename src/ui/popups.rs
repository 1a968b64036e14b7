//! Overlays drawn over the table: help, describe, error history, command completion.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::centered;
use super::theme::Theme;
use crate::app::pane::Pane;
use crate::app::{App, InputKind, Popup, command, describe, format, keymap};

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
            } => text(frame, theme, area, title, body, *scroll),
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

fn frame_block<'a>(title: String, theme: &Theme, footer: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {title} "), theme.title))
        .title_bottom(Span::styled(footer, theme.dim))
}

fn help(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let rows = keymap::help_rows(app.view().pane.scopes());
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
        lines.push(Line::from(vec![
            Span::styled(format!("  {keys:<key_w$}  "), theme.key),
            Span::styled(help, theme.text),
        ]));
    }
    let height = lines.len() as u16 + 2;
    let rect = centered(area, 70, 100, (50, height.min(area.height)));
    let rect = Rect {
        height: height.min(area.height),
        y: area.y + area.height.saturating_sub(height.min(area.height)) / 2,
        ..rect
    };
    frame.render_widget(Clear, rect);
    let title = format!("keys: {}", app.view().pane.noun());
    frame.render_widget(
        Paragraph::new(lines).block(frame_block(title, theme, " Esc/? close ")),
        rect,
    );
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
    let (title, outline) = describe_lines(app, pane, id);
    let lines: Vec<Line> = match outline {
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
                Line::from(vec![
                    Span::raw(pad),
                    Span::styled(format!("{}: ", l.key), theme.key),
                    Span::styled(l.value.clone(), value_style),
                ])
            })
            .collect(),
        None => vec![Line::from(Span::styled(
            "this row is gone (it disappeared on refresh)",
            theme.warn,
        ))],
    };
    let rect = centered(area, 90, 94, (30, 6));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(frame_block(
                title,
                theme,
                " ↑↓ PgUp PgDn scroll  Esc close ",
            ))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

/// The outline of the described row, read from the current data so it stays fresh.
pub fn describe_lines(app: &App, pane: &Pane, id: &str) -> (String, Option<Vec<describe::Line>>) {
    let name = crate::domain::model::arn_name(id).to_string();
    match pane {
        Pane::Clusters => {
            let c = app
                .store
                .clusters()
                .and_then(|c| c.iter().find(|c| c.arn == id));
            (
                format!("cluster {name}"),
                c.map(|c| describe::outline(c, &[])),
            )
        }
        Pane::Services { cluster } => {
            let s = app
                .store
                .services(cluster)
                .and_then(|s| s.iter().find(|s| s.arn == id));
            let td = s.and_then(|s| app.store.task_definition(&s.task_definition));
            (
                format!("service {name}"),
                s.map(|s| describe::service(s, td.map(|t| t.as_ref()), app.now)),
            )
        }
        Pane::Tasks {
            cluster, service, ..
        } => {
            let find = |scope| {
                app.store
                    .tasks(cluster, service.as_deref(), scope)
                    .and_then(|t| t.iter().find(|t| t.arn == id).cloned())
            };
            let t = find(crate::domain::model::TaskScope::Running)
                .or_else(|| find(crate::domain::model::TaskScope::Stopped));
            let td = t
                .as_ref()
                .and_then(|t| app.store.task_definition(&t.task_definition_arn));
            (
                format!("task {name}"),
                t.map(|t| describe::task(&t, td.map(|t| t.as_ref()))),
            )
        }
        Pane::Instances { cluster } => {
            let i = app
                .store
                .instances(cluster)
                .and_then(|i| i.iter().find(|i| i.arn == id));
            (
                format!("container instance {name}"),
                i.map(|i| describe::outline(i, &[])),
            )
        }
        _ => (pane.noun().to_string(), None),
    }
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
    let rect = centered(area, 90, 80, (30, 6));
    frame.render_widget(Clear, rect);
    let title = format!("errors ({}, newest first)", app.errors.len());
    frame.render_widget(
        Paragraph::new(lines)
            .block(frame_block(title, theme, " Esc close "))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
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
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(shown).block(frame_block("Tab completes".into(), theme, "")),
        rect,
    );
}

fn text(frame: &mut Frame, theme: &Theme, area: Rect, title: &str, body: &str, scroll: u16) {
    let rect = centered(area, 90, 90, (30, 6));
    frame.render_widget(Clear, rect);
    let lines: Vec<Line> = body
        .lines()
        .map(|l| Line::from(Span::styled(l.to_string(), theme.text)))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .block(frame_block(
                title.to_string(),
                theme,
                " ↑↓ scroll  Esc close ",
            ))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}
