//! The auto scaling pane: the scalable target, target tracking and step policies,
//! scheduled actions and recent activities, each section under its own heading with its
//! own column titles. It draws the pane's rows (`App::rows`), so selection, filter and
//! sort behave as in every other table; with the pane unfiltered and unsorted, empty
//! sections say so.

use std::rc::Rc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

use super::table;
use super::theme::Theme;
use crate::app::App;
use crate::app::derived::ScalingLine;
use crate::app::pane::Pane;
use crate::app::rows::{Row, Tone};
use crate::app::scaling::Section;
use crate::app::shown::Shown;

const GAP: usize = 2;
const MARGIN: usize = 1;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let view = app.view();
    let Pane::Scaling { cluster, service } = &view.pane else {
        return;
    };
    let (_, rows) = app.rows(view);
    let Some(scaling) = app.store.scaling(cluster, service) else {
        // Not loaded yet, or failed: the table's loading and error states say it.
        table::draw(frame, app, theme, area);
        return;
    };
    if rows.is_empty() {
        // Filtered down to nothing: the table says which filter.
        table::draw(frame, app, theme, area);
        return;
    }
    let mut title = vec![Span::styled(" auto scaling ", theme.title)];
    if let Some(s) = app
        .store
        .services(cluster)
        .and_then(|list| list.iter().find(|s| &s.name == service))
    {
        title.push(Span::styled(
            format!("desired {} · running {} ", s.desired, s.running),
            theme.dim,
        ));
    }
    if !view.filter.is_empty() {
        title.push(Span::styled(format!(" /{} ", view.filter), theme.matched));
        title.push(Span::raw(" "));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border_focus)
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let canonical = view.filter.is_empty() && view.sort.is_none();
    let layout = app.scaling_layout(scaling, &rows, canonical);
    let entries = &layout.lines;
    let selected = App::selected_index(view, &rows);
    let width = usize::from(inner.width);
    let widths: Vec<(Section, Vec<usize>)> = Section::ALL
        .iter()
        .map(|&s| {
            let available = width.saturating_sub(MARGIN);
            (s, widths(s, &layout.sections, &rows, available))
        })
        .collect();
    let widths_of = |s: Section| -> &[usize] {
        widths
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(&[], |(_, w)| w.as_slice())
    };
    let height = usize::from(inner.height);
    let selected_line = entries
        .iter()
        .position(|e| *e == ScalingLine::Row(selected))
        .unwrap_or(0);
    let start = (selected_line + 1).saturating_sub(height);
    let lines: Vec<Line> = entries
        .iter()
        .skip(start)
        .take(height)
        .map(|e| match *e {
            ScalingLine::Blank => Line::raw(""),
            ScalingLine::Heading(s) => Line::from(Span::styled(s.title(), theme.title)),
            ScalingLine::Header(s) => {
                let titles: Vec<(String, Style)> = s
                    .columns()
                    .iter()
                    .map(|t| (t.to_string(), theme.header))
                    .collect();
                cells_line(&titles, widths_of(s), width, None)
            }
            ScalingLine::Placeholder(text) => Line::from(Span::styled(
                format!(
                    "{}{}",
                    " ".repeat(MARGIN),
                    super::fit::fit(text, width.saturating_sub(MARGIN))
                ),
                theme.dim,
            )),
            ScalingLine::Row(i) => {
                let row = &rows[i];
                let section = layout.sections[i];
                let cells: Vec<(String, Style)> = row
                    .cells
                    .iter()
                    .map(|c| {
                        let tone = if c.tone == Tone::Normal {
                            row.tone
                        } else {
                            c.tone
                        };
                        (c.text.clone(), theme.tone(tone))
                    })
                    .collect();
                let highlight = (i == selected).then_some(theme.selected);
                if cells.len() == 1 {
                    cells_line(&cells, &[width.saturating_sub(MARGIN)], width, highlight)
                } else {
                    cells_line(&cells, widths_of(section), width, highlight)
                }
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// A section's column widths: each as wide as its widest cell or title; when that does
/// not fit, the rightmost columns give way first (free text sits last), down to their
/// title's width.
fn widths(
    section: Section,
    sections: &[Section],
    rows: &[Rc<Shown>],
    available: usize,
) -> Vec<usize> {
    let titles = section.columns();
    let members: Vec<&Row> = rows
        .iter()
        .zip(sections)
        .filter(|&(r, &of)| r.cells.len() > 1 && of == section)
        .map(|(r, _)| &***r)
        .collect();
    let mut widths: Vec<usize> = titles
        .iter()
        .enumerate()
        .map(|(i, t)| {
            members
                .iter()
                .filter_map(|r| r.cells.get(i))
                .map(|c| c.text.width())
                .max()
                .unwrap_or(0)
                .max(t.width())
        })
        .collect();
    let spacing = GAP * titles.len().saturating_sub(1);
    let total: usize = widths.iter().sum::<usize>() + spacing;
    let mut overflow = total.saturating_sub(available);
    for (w, t) in widths.iter_mut().zip(titles).rev() {
        if overflow == 0 {
            break;
        }
        let floor = t.width().max(4);
        let cut = overflow.min(w.saturating_sub(floor));
        *w -= cut;
        overflow -= cut;
    }
    widths
}

/// Cells side by side at `widths`, the whole line in `highlight` when selected.
fn cells_line<'a>(
    cells: &[(String, Style)],
    widths: &[usize],
    width: usize,
    highlight: Option<Style>,
) -> Line<'a> {
    let patch = |s: Style| highlight.map_or(s, |h| s.patch(h));
    let mut spans = vec![Span::styled(" ".repeat(MARGIN), patch(Style::new()))];
    let mut used = MARGIN;
    for (i, ((text, style), w)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            spans.push(Span::styled(" ".repeat(GAP), patch(Style::new())));
            used += GAP;
        }
        let shown = super::fit::fit(text, *w);
        let pad = w.saturating_sub(shown.width());
        used += shown.width() + pad;
        spans.push(Span::styled(shown, patch(*style)));
        spans.push(Span::styled(" ".repeat(pad), patch(Style::new())));
    }
    if highlight.is_some() && used < width {
        spans.push(Span::styled(" ".repeat(width - used), patch(Style::new())));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests;
