//! Dialogs: forms, the confirmation, the JSON editor, the revision picker; and the
//! revision and diff views.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::frame::PopupFrame;
use super::popups::SCROLL_CLOSE;
use super::theme::Theme;
use super::{Size, centered};
use crate::app::dialogs::{Editor, Pick};
use crate::app::form::{Confirm, FieldKind, Form};
use crate::app::keymap::{Command as C, Foot, Keymap, Scope, place};
use crate::app::{App, Dialog, Purpose};
use crate::domain::model::arn_name;
use crate::ops::diff::{DiffLine, LineKind};

/// The keys a form takes, only those that do something in it: one field has no next
/// field; text alone has nothing to switch.
fn form_footer(keys: &Keymap, fields: &[crate::app::form::Field]) -> String {
    let mut entries = vec![Foot::keys(&[C::Submit], ": next step")];
    if fields.len() > 1 {
        entries.push(Foot::keys(&[C::NextField], ": next field"));
    }
    if fields
        .iter()
        .any(|f| !matches!(f.kind, FieldKind::Text { .. }))
    {
        entries.push(Foot::keys(
            &[C::Toggle, C::PrevChoice, C::NextChoice],
            ": change",
        ));
    }
    entries.push(Foot::keys(&[C::Cancel], ": cancel"));
    let scopes = [Scope::Form, Scope::Toggle, Scope::Choice];
    keys.footer(&scopes, "  ", &entries)
}

/// Rows `lines` take when wrapped to `width` columns (a word-wrapping paragraph may need
/// a little more than the characters alone; one spare row per long line covers it).
fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    lines
        .iter()
        .map(|l| {
            let w = l.width();
            if w <= width { 1 } else { w.div_ceil(width) + 1 }
        })
        .sum::<usize>()
        .try_into()
        .unwrap_or(u16::MAX)
}

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, dialog: &Dialog) {
    match dialog {
        Dialog::Form(f) => form(frame, &app.keymap, theme, area, f),
        Dialog::Confirm(c) => confirm(frame, app, theme, area, c),
        Dialog::Editor(e) => editor(frame, &app.keymap, theme, area, e),
        Dialog::Pick(p) => pick(frame, app, theme, area, p),
    }
}

fn form(frame: &mut Frame, keys: &Keymap, theme: &Theme, area: Rect, f: &Form<Purpose>) {
    let mut lines: Vec<Line> = f
        .info
        .iter()
        .map(|l| Line::from(Span::styled(l.clone(), theme.dim)))
        .collect();
    if !lines.is_empty() {
        lines.push(Line::raw(""));
    }
    let label_w = f
        .fields
        .iter()
        .map(|x| x.label.chars().count())
        .max()
        .unwrap_or(5);
    let mut cursor = None;
    for (i, field) in f.fields.iter().enumerate() {
        let focused = i == f.focus;
        let label_style = if focused { theme.key } else { theme.text };
        let marker = if focused { "› " } else { "  " };
        let mut spans = vec![
            Span::styled(marker, theme.accent),
            Span::styled(format!("{:<label_w$}  ", field.label), label_style),
        ];
        match &field.kind {
            FieldKind::Text { area: ta, .. } => {
                let value = ta.lines().join("");
                let style = if ta.is_selecting() {
                    theme.selected
                } else if focused {
                    theme.accent
                } else {
                    theme.text
                };
                if focused {
                    let col = ta.cursor().1;
                    cursor = Some((lines.len(), 2 + label_w + 2 + col));
                }
                spans.push(Span::styled(format!("[{value}]"), style));
            }
            FieldKind::Toggle { on } => {
                spans.push(Span::styled(
                    if *on { "[x]" } else { "[ ]" },
                    if focused { theme.accent } else { theme.text },
                ));
            }
            FieldKind::Choice { options, index } => {
                let v = options.get(*index).cloned().unwrap_or_else(|| "—".into());
                spans.push(Span::styled(
                    format!("◀ {v} ▶"),
                    if focused { theme.accent } else { theme.text },
                ));
            }
        }
        lines.push(Line::from(spans));
        let pad = " ".repeat(label_w + 4);
        if let Some(p) = field.visible_problem() {
            lines.push(Line::from(vec![
                Span::raw(pad.clone()),
                Span::styled(format!("✗ {p}"), theme.error),
            ]));
        } else if focused && let Some(h) = &field.help {
            lines.push(Line::from(vec![
                Span::raw(pad),
                Span::styled(h.clone(), theme.dim),
            ]));
        }
    }
    if let Some(w) = &f.warning {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(format!("⚠ {w}"), theme.warn)));
    }
    if let Some(e) = &f.error {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(format!("✗ {e}"), theme.error)));
    }
    let width = Size::Share(70, 40);
    let inner_width = centered(area, width, Size::Cells(0))
        .width
        .saturating_sub(2);
    let height = wrapped_rows(&lines, inner_width).saturating_add(2);
    let rect = centered(area, width, Size::Cells(height));
    let footer = form_footer(keys, &f.fields);
    let inner = PopupFrame::new(f.title.as_str(), footer).draw(frame, theme, rect);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some((row, col)) = cursor {
        let x = rect.x + 1 + u16::try_from(col + 1).unwrap_or(0);
        let y = rect.y + 1 + u16::try_from(row).unwrap_or(0);
        if x < rect.right().saturating_sub(1) && y < rect.bottom().saturating_sub(1) {
            frame.set_cursor_position((x, y));
        }
    }
}

pub fn diff_lines(diff: &[DiffLine], theme: &Theme) -> Vec<Line<'static>> {
    diff.iter()
        .map(|d| {
            let (prefix, style): (&str, Style) = match d.kind {
                LineKind::Added => ("+", theme.ok),
                LineKind::Removed => ("-", theme.error),
                LineKind::Hunk => ("", theme.info),
                LineKind::Context => (" ", theme.dim),
            };
            Line::from(Span::styled(format!("{prefix}{}", d.text), style))
        })
        .collect()
}

fn confirm(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, c: &Confirm) {
    let mut lines: Vec<Line> = Vec::new();
    for l in &c.context {
        lines.push(Line::from(Span::styled(l.clone(), theme.accent)));
    }
    lines.push(Line::raw(""));
    for l in &c.changes {
        lines.push(Line::from(vec![
            Span::styled("  ", theme.text),
            Span::styled(l.clone(), theme.text),
        ]));
    }
    for w in &c.warnings {
        lines.push(Line::from(Span::styled(format!("⚠ {w}"), theme.warn)));
    }
    if app.read_only {
        lines.push(Line::from(Span::styled(
            "read-only mode: this will be refused",
            theme.error,
        )));
    }
    let mut diff = diff_lines(&c.diff, theme);
    if c.diff_loading {
        diff.push(Line::from(Span::styled("loading the diff…", theme.dim)));
    }
    let has_diff = !diff.is_empty();
    let width = Size::Share(80, 44);
    let top = wrapped_rows(
        &lines,
        centered(area, width, Size::Cells(0))
            .width
            .saturating_sub(2),
    ) + 2;
    let want = if has_diff { area.height } else { top };
    let rect = centered(area, width, Size::Cells(want));
    let mut entries = vec![
        Foot::keys(&[C::ConfirmYes], ": yes, do it"),
        Foot::keys(&[C::ConfirmNo], ": no"),
    ];
    if has_diff {
        entries.push(Foot::keys(&[C::Up, C::Down], " scroll the diff"));
    }
    let keys = app.keymap.footer(place::CONFIRM, "   ", &entries);
    let inner = PopupFrame::new(c.title.as_str(), keys).draw(frame, theme, rect);
    let [head, rest] = Layout::vertical([
        Constraint::Length(top.saturating_sub(2)),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), head);
    if has_diff && rest.height > 0 {
        frame.render_widget(
            Paragraph::new(diff)
                .block(
                    Block::default()
                        .borders(Borders::TOP)
                        .border_style(theme.border),
                )
                .scroll((c.scroll, 0)),
            rest,
        );
    }
}

fn editor(frame: &mut Frame, keys: &Keymap, theme: &Theme, area: Rect, e: &Editor) {
    let rect = centered(area, Size::Share(96, 40), Size::Share(100, 10));
    let footer = keys.footer(
        place::EDITOR,
        "   ",
        &[
            Foot::keys(&[C::Check], ": check, diff, register"),
            Foot::keys(&[C::ExternalEdit], ": $EDITOR"),
            Foot::keys(&[C::Cancel], ": discard"),
        ],
    );
    let inner = PopupFrame::new(
        format!("new revision from {}", arn_name(&e.based_on.arn)),
        footer,
    )
    .draw(frame, theme, rect);
    let problems_h = if e.problems.is_empty() {
        0
    } else {
        (e.problems.len() as u16 + 1).min(inner.height / 3).max(2)
    };
    let [text, problems] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(problems_h)]).areas(inner);
    let mut area = e.area.clone();
    area.set_line_number_style(theme.dim);
    area.set_cursor_line_style(Style::default());
    area.set_style(theme.text);
    frame.render_widget(&area, text);
    if problems_h > 0 {
        let lines: Vec<Line> = e
            .problems
            .iter()
            .map(|p| {
                Line::from(vec![
                    Span::styled(format!("{}:{} ", p.line, p.column), theme.key),
                    Span::styled(
                        if p.path.is_empty() {
                            String::new()
                        } else {
                            format!("{}: ", p.path)
                        },
                        theme.accent,
                    ),
                    Span::styled(p.message.clone(), theme.error),
                ])
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_style(theme.error),
            ),
            problems,
        );
    }
}

fn pick(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, p: &Pick) {
    let mut lines = vec![
        Line::from(Span::styled(
            format!("service {} runs {}", p.service, arn_name(&p.current)),
            theme.dim,
        )),
        Line::from(Span::styled(
            format!(
                "force a new deployment: {}  ({} toggles)",
                if p.force { "yes" } else { "no" },
                app.keymap.key_for(C::Force, place::PICKER)
            ),
            if p.force { theme.warn } else { theme.dim },
        )),
        Line::raw(""),
    ];
    let width = Size::Share(90, 40);
    match app.pick_options(p) {
        None => lines.push(Line::from(Span::styled("loading revisions…", theme.dim))),
        Some(options) if options.is_empty() => lines.push(Line::from(Span::styled(
            format!("no revisions of {} found", p.family),
            theme.warn,
        ))),
        Some(options) => {
            let visible = usize::from(area.height.saturating_sub(7)).max(1);
            let start = p.selected.saturating_sub(visible.saturating_sub(1));
            // Name, where it stands, then registration and images in what room is left.
            let inner = usize::from(
                centered(area, width, Size::Cells(0))
                    .width
                    .saturating_sub(2),
            );
            let name_w = options
                .iter()
                .map(|a| arn_name(a).chars().count())
                .max()
                .unwrap_or(0);
            let end = (start + visible).min(options.len());
            let facts = app.pick_window(p, &options[start.min(end)..end]);
            let usage_w = facts
                .iter()
                .filter_map(|(u, _)| u.map(str::len))
                .max()
                .unwrap_or(0);
            for ((i, arn), (usage, details)) in options
                .iter()
                .enumerate()
                .skip(start)
                .take(visible)
                .zip(facts.iter())
            {
                let style = if i == p.selected {
                    theme.selected
                } else {
                    theme.text
                };
                let usage_style = match *usage {
                    Some("failed") => theme.error,
                    Some(_) => theme.ok,
                    None => theme.dim,
                };
                let room = inner.saturating_sub(2 + name_w + 2 + usage_w + 1);
                lines.push(Line::from(vec![
                    Span::styled(if i == p.selected { "› " } else { "  " }, style),
                    Span::styled(format!("{:<name_w$}  ", arn_name(arn)), style),
                    Span::styled(format!("{:<usage_w$} ", usage.unwrap_or("")), usage_style),
                    Span::styled(super::fit::fit(details, room), theme.dim),
                ]));
            }
        }
    }
    let rect = centered(area, width, Size::Cells(lines.len() as u16 + 2));
    let footer = app.keymap.footer(
        place::PICKER,
        "   ",
        &[
            Foot::keys(&[C::Submit], ": diff and confirm"),
            Foot::keys(&[C::Force], ": force"),
            Foot::keys(&[C::Cancel], ": cancel"),
        ],
    );
    let inner = PopupFrame::new(format!("roll out {}: choose a revision", p.service), footer)
        .draw(frame, theme, rect);
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A revision as the JSON RegisterTaskDefinition takes.
pub fn revision(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, arn: &str, scroll: u16) {
    let slot = app.store.get(&crate::app::data::DataKey::TaskDefDoc {
        arn: arn.to_string(),
    });
    let lines: Vec<Line> = match (app.revision_json(arn), slot.and_then(|s| s.error.as_ref())) {
        (Some(json), _) => json
            .lines()
            .map(|l| Line::from(Span::styled(l.to_string(), theme.text)))
            .collect(),
        (None, Some(e)) => vec![Line::from(Span::styled(e.to_string(), theme.error))],
        (None, None) => vec![Line::from(Span::styled("loading…", theme.dim))],
    };
    let rect = centered(area, Size::Share(90, 30), Size::Share(94, 6));
    let footer = app.keymap.footer(
        place::POPUP,
        "  ",
        &[
            SCROLL_CLOSE[0],
            SCROLL_CLOSE[1],
            Foot::text("(RegisterTaskDefinition input)"),
        ],
    );
    let inner = PopupFrame::new(arn_name(arn), footer).draw(frame, theme, rect);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

/// Two revisions compared, older first.
pub fn diff(
    frame: &mut Frame,
    app: &App,
    theme: &Theme,
    area: Rect,
    old: &str,
    new: &str,
    scroll: u16,
) {
    let lines = match app.revision_diff(old, new) {
        Some(d) if d.is_empty() => vec![Line::from(Span::styled(
            "the two revisions are identical",
            theme.dim,
        ))],
        Some(d) => diff_lines(&d, theme),
        None => vec![Line::from(Span::styled("loading…", theme.dim))],
    };
    let rect = centered(area, Size::Share(90, 30), Size::Share(94, 6));
    let footer = app.keymap.footer(place::POPUP, "  ", SCROLL_CLOSE);
    let inner = PopupFrame::new(format!("{} → {}", arn_name(old), arn_name(new)), footer)
        .draw(frame, theme, rect);
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}

#[cfg(test)]
mod footer_tests {
    use std::collections::BTreeMap;

    use crate::app::form::Field;
    use crate::app::keymap::Keymap;

    /// A form advertises only the keys that do something in it.
    #[test]
    fn the_footer_names_only_keys_that_work() {
        let keys = Keymap::default();
        let text = || Field::text("desired count", "3", |_| Ok(()));
        assert_eq!(
            super::form_footer(&keys, &[text()]),
            " Enter: next step  Esc: cancel "
        );
        assert_eq!(
            super::form_footer(&keys, &[text(), Field::toggle("too", false)]),
            " Enter: next step  Tab: next field  Space/←→: change  Esc: cancel "
        );
    }

    /// The footer names the keys in force after `[keys]`.
    #[test]
    fn a_remapped_form_key_shows_in_the_footer() {
        let remaps = BTreeMap::from([
            ("next_field".to_string(), vec!["F2".to_string()]),
            ("cancel".to_string(), vec!["Ctrl-g".to_string()]),
        ]);
        let keys = Keymap::with(&remaps).unwrap();
        let text = || Field::text("desired count", "3", |_| Ok(()));
        assert_eq!(
            super::form_footer(&keys, &[text(), text()]),
            " Enter: next step  F2: next field  Ctrl-g: cancel "
        );
    }
}
