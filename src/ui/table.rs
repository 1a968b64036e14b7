//! The pane table: header row, rows coloured by tone, bars for resources, selection and
//! scrolling, and the empty, loading and failed states.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
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
    let first_row = inner.y.saturating_add(1);
    // Only the rows that fit are turned into widgets: a pane of thousands costs no more
    // to draw than a screenful. Columns are as wide as the rows drawn so far need.
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let selected = App::selected_index(view, &rows);
    let window = App::window(view.offset, selected, height, total);
    let offset = window.start;
    let visible = &rows[window];
    // Looking at the drawn rows builds their cells; the widths then count every row
    // built (all of them on panes that build rows at once).
    visible.iter().for_each(|r| {
        r.row();
    });
    let built: Vec<&rows::Row> = rows.iter().filter_map(|r| r.built()).collect();
    let (shown, widths) = fit_columns(columns, &built, inner.width);
    let sort = view.sort;
    let header = Row::new(shown.iter().map(|&i| {
        let c = &columns[i];
        let arrow = match sort {
            Some((col, false)) if col == i => "↑",
            Some((col, true)) if col == i => "↓",
            _ => "",
        };
        Cell::from(format!("{}{arrow}", c.title))
    }))
    .style(theme.header);
    let body = visible.iter().map(|r| {
        let cells = shown
            .iter()
            .filter_map(|&i| r.cells.get(i))
            .zip(&widths)
            .map(|(c, &w)| {
                if let Some((used, total)) = c.bar {
                    return Cell::from(bar(used, total, theme, theme.tone(c.tone)));
                }
                let style = if c.tone == rows::Tone::Normal {
                    theme.tone(r.tone)
                } else {
                    theme.tone(c.tone)
                };
                Cell::from(highlight(
                    &super::fit::fit(&c.text, usize::from(w)),
                    &view.filter,
                    style,
                    theme,
                ))
            });
        Row::new(cells).style(theme.tone(r.tone))
    });
    // Below the header row: where a click selects a row.
    app.drawn_rows.set(Some(crate::app::mouse::DrawnRows {
        x: inner.x,
        y: first_row,
        width: inner.width,
        height: inner.height.saturating_sub(1),
        first: offset,
        count: visible.len(),
    }));
    let mut state = TableState::new().with_selected(Some(selected - offset));
    let table = Table::new(body, widths.iter().map(|&w| Constraint::Length(w)))
        .header(header)
        .column_spacing(COLUMN_SPACING)
        .row_highlight_style(theme.selected);
    frame.render_stateful_widget(table, inner, &mut state);
}

/// The cell's text with the filter's matches marked, so it is clear why a row stayed.
fn highlight<'a>(text: &str, filter: &str, style: Style, theme: &Theme) -> Line<'a> {
    let lower = text.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; then mark nothing rather than
    // slice in the wrong place.
    if filter.is_empty() || lower.len() != text.len() {
        return Line::from(Span::styled(text.to_string(), style));
    }
    let mut spans = Vec::new();
    let mut rest = 0;
    for (start, m) in lower.match_indices(filter) {
        if start > rest {
            spans.push(Span::styled(text[rest..start].to_string(), style));
        }
        spans.push(Span::styled(
            text[start..start + m.len()].to_string(),
            theme.matched,
        ));
        rest = start + m.len();
    }
    if rest < text.len() {
        spans.push(Span::styled(text[rest..].to_string(), style));
    }
    Line::from(spans)
}

/// Column widths: each column as wide as its widest cell; when that does not fit, the
/// growing columns give up width, the rightmost first (free text such as a stopped
/// reason sits last), each down to its minimum, so ids and names stay readable longest.
/// The columns to show and their widths. Columns that take spare width give it back
/// first (their cells then end in `…`); if that is not enough, whole columns are hidden,
/// the least useful first, rather than letting the table cut values silently.
fn fit_columns(columns: &[Column], rows: &[&rows::Row], available: u16) -> (Vec<usize>, Vec<u16>) {
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    // A column with nothing in it (DIED before the stopped tasks are read) gives its room
    // before any value is cut.
    let empty = |i: usize| {
        rows.iter()
            .all(|r| r.cells.get(i).is_none_or(|c| c.text.is_empty()))
    };
    let natural = widths_of(columns, &shown, rows, u16::MAX);
    let spacing = COLUMN_SPACING * shown.len().saturating_sub(1) as u16;
    if natural.iter().fold(spacing, |a, x| a.saturating_add(*x)) > available {
        shown.retain(|&i| i == 0 || !empty(i));
    }
    loop {
        let picked: Vec<Column> = shown.iter().map(|&i| columns[i]).collect();
        let w = widths_of(&picked, &shown, rows, available);
        let spacing = COLUMN_SPACING * shown.len().saturating_sub(1) as u16;
        let total = w.iter().fold(spacing, |a, x| a.saturating_add(*x));
        if total <= available || shown.len() <= 1 {
            return (shown, w);
        }
        // The lowest priority, rightmost first; never the first column.
        let Some(drop) = shown
            .iter()
            .enumerate()
            .skip(1)
            .min_by_key(|(pos, i)| (columns[**i].priority, std::cmp::Reverse(*pos)))
            .map(|(pos, _)| pos)
        else {
            return (shown, w);
        };
        shown.remove(drop);
    }
}

fn widths_of(columns: &[Column], index: &[usize], rows: &[&rows::Row], available: u16) -> Vec<u16> {
    let mut widths: Vec<u16> = columns
        .iter()
        .zip(index)
        .map(|(c, &i)| {
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
    shrink_growers(columns, &mut widths, available);
    widths
}

fn shrink_growers(columns: &[Column], widths: &mut [u16], available: u16) {
    let spacing = COLUMN_SPACING * columns.len().saturating_sub(1) as u16;
    let available = available.saturating_sub(spacing);
    let total: u16 = widths.iter().fold(0u16, |a, w| a.saturating_add(*w));
    let mut overflow = total.saturating_sub(available);
    for (c, w) in columns.iter().zip(widths.iter_mut()).rev() {
        if overflow == 0 {
            break;
        }
        if c.grow {
            // Never narrower than the header (and its sort arrow).
            let floor = c.min.max(c.title.width() as u16 + 1);
            let cut = overflow.min(w.saturating_sub(floor));
            *w -= cut;
            overflow -= cut;
        }
    }
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
    let error = slots.iter().find_map(|s| s.and_then(|s| s.error.as_ref()));
    // Loading until a first answer: a refresh of an empty answer is not "loading".
    let loading = slots
        .iter()
        .any(|s| s.is_none_or(|s| s.loading && s.data.is_none()))
        // `:pulse` says nothing is wrong only once every cluster is read.
        || (view.pane == crate::app::pane::Pane::Pulse && app.pulse_loading());
    let mut lines = Vec::new();
    if let Some(e) = error {
        lines.push(Line::from(Span::styled(
            format!("Could not load {}: {}", view.pane.noun(), e.kind.label()),
            theme.error,
        )));
        lines.push(Line::from(Span::styled(e.to_string(), theme.text)));
        if let Some(hint) = e.hint() {
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
            format!(
                "no {} match `{}` (Esc clears the filter)",
                view.pane.noun(),
                view.filter
            ),
            theme.warn,
        )));
    } else {
        let place = view
            .pane
            .cluster()
            .map(|c| format!(" in {}", crate::domain::model::cluster_label(c)))
            .unwrap_or_default();
        lines.push(Line::from(Span::styled(
            format!("no {}{place}", view.pane.noun()),
            theme.dim,
        )));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}
