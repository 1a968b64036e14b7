//! The pane table: header row, rows coloured by tone, bars for resources, selection and
//! scrolling, and the empty, loading and failed states.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::app::App;
use crate::app::rows::{self, Column};

const BAR_CELLS: usize = 8;
const COLUMN_SPACING: u16 = 1;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let view = app.view();
    let (columns, rows) = app.rows(view);
    let total = rows.len();
    let mut title = vec![Span::styled(format!(" {} ", view.pane.noun()), theme.title)];
    title.push(Span::styled(format!("({total}) "), theme.dim));
    if !view.filter.is_empty() {
        title.push(Span::styled(format!(" /{} ", view.filter), theme.matched));
        title.push(Span::raw(" "));
    }
    if !view.show_stopped {
        title.push(Span::styled("running only ", theme.dim));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if rows.is_empty() {
        draw_empty(frame, app, theme, inner);
        return;
    }
    let widths = widths(columns, &rows, inner.width);
    let sort = view.sort;
    let header = Row::new(columns.iter().enumerate().map(|(i, c)| {
        let arrow = match sort {
            Some((col, false)) if col == i => "↑",
            Some((col, true)) if col == i => "↓",
            _ => "",
        };
        Cell::from(format!("{}{arrow}", c.title))
    }))
    .style(theme.header);
    let body = rows.iter().map(|r| {
        let cells = r.cells.iter().map(|c| {
            if let Some((used, total)) = c.bar {
                return Cell::from(bar(used, total, theme, theme.tone(c.tone)));
            }
            let style = if c.tone == rows::Tone::Normal {
                theme.tone(r.tone)
            } else {
                theme.tone(c.tone)
            };
            Cell::from(Span::styled(c.text.clone(), style))
        });
        Row::new(cells).style(theme.tone(r.tone))
    });
    let selected = App::selected_index(view, &rows);
    let mut state = TableState::new()
        .with_offset(view.offset.min(total.saturating_sub(1)))
        .with_selected(Some(selected));
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(COLUMN_SPACING)
        .row_highlight_style(theme.selected);
    frame.render_stateful_widget(table, inner, &mut state);
}

/// Column widths: each column as wide as its widest cell; when that does not fit, the
/// growing columns give up width (down to their minimum) in proportion to what they have
/// to spare, so ids and names stay readable before free-text columns do.
fn widths(columns: &[Column], rows: &[rows::Row], available: u16) -> Vec<Constraint> {
    let desired: Vec<u16> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let widest = rows
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|cell| {
                    if cell.bar.is_some() {
                        BAR_CELLS + 5
                    } else {
                        cell.text.width()
                    }
                })
                .max()
                .unwrap_or(0)
                .max(c.title.width() + 1);
            u16::try_from(widest).unwrap_or(u16::MAX)
        })
        .collect();
    let spacing = COLUMN_SPACING * columns.len().saturating_sub(1) as u16;
    let available = available.saturating_sub(spacing);
    let total: u32 = desired.iter().map(|&d| u32::from(d)).sum();
    let overflow = total.saturating_sub(u32::from(available));
    let spare: u32 = columns
        .iter()
        .zip(&desired)
        .filter(|(c, _)| c.grow)
        .map(|(c, &d)| u32::from(d.saturating_sub(c.min)))
        .sum();
    columns
        .iter()
        .zip(&desired)
        .map(|(c, &d)| {
            if !c.grow || overflow == 0 || spare == 0 {
                return Constraint::Length(d);
            }
            let own = u32::from(d.saturating_sub(c.min));
            let cut = (overflow.min(spare) * own).div_ceil(spare);
            Constraint::Length(d.saturating_sub(u16::try_from(cut).unwrap_or(u16::MAX)))
        })
        .collect()
}

/// `██████░░ 75%`.
fn bar<'a>(used: i64, total: i64, theme: &Theme, pct_style: ratatui::style::Style) -> Line<'a> {
    let frac = if total > 0 {
        (used as f64 / total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let filled = (frac * BAR_CELLS as f64).round() as usize;
    Line::from(vec![
        Span::styled("█".repeat(filled), theme.bar_used),
        Span::styled("░".repeat(BAR_CELLS - filled), theme.bar_free),
        Span::styled(format!(" {:>3}%", (frac * 100.0).round() as i64), pct_style),
    ])
}

fn draw_empty(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let view = app.view();
    let slots = app.visible_slots();
    let error = slots
        .iter()
        .find_map(|s| s.and_then(|s| s.error.as_ref()));
    let loading = slots.iter().any(|s| s.is_none_or(|s| s.loading));
    let mut lines = Vec::new();
    if let Some(e) = error {
        lines.push(Line::from(Span::styled(
            format!("Could not load {}: {}", view.pane.noun(), e.kind.label()),
            theme.error,
        )));
        lines.push(Line::from(Span::styled(e.to_string(), theme.text)));
        if let Some(hint) = e.kind.hint() {
            lines.push(Line::from(Span::styled(hint, theme.info)));
        }
        lines.push(Line::from(Span::styled(
            "r: retry   E: error history   q: quit",
            theme.dim,
        )));
    } else if loading {
        lines.push(Line::from(Span::styled(
            format!("loading {}…", view.pane.noun()),
            theme.info,
        )));
    } else if !view.filter.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("no {} match `{}` (Esc clears the filter)", view.pane.noun(), view.filter),
            theme.warn,
        )));
    } else {
        let place = view
            .pane
            .cluster()
            .map(|c| format!(" in {c}"))
            .unwrap_or_default();
        lines.push(Line::from(Span::styled(
            format!("no {}{place}", view.pane.noun()),
            theme.dim,
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
