//! A service's charts at the top of its describe view: CPU and memory utilisation over
//! the hours chosen (`+` and `-`), and under them the desired and running task counts
//! (from Container Insights, where it is on). The charts shrink with the terminal, and
//! below that become one line with the latest CPU and memory.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};

use super::theme::Theme;
use crate::app::metrics::{Chart as Charted, MetricState};
use crate::domain::metrics::{Point, Series, latest};

/// Rows the charts take: the title line, utilisation, task counts.
const FULL: (u16, u16) = (10, 5);
const SMALL: (u16, u16) = (6, 3);
/// Rows of text left under the charts at the least.
const TEXT_ROWS: u16 = 6;

/// How the describe view's inner area is shared: the charts' rows (none without a
/// chart) and the text's. With points to draw the charts take what the height allows
/// (full, smaller, or the one summary line); without, their one line says why.
pub fn split(area: Rect, chart: Option<&Charted>) -> (Option<Rect>, Rect) {
    let Some(chart) = chart else {
        return (None, area);
    };
    let height = match layout(area, chart) {
        Some((top, bottom)) => 1 + top + bottom,
        None => 1,
    };
    if area.height <= height + 1 {
        return (None, area);
    }
    let [top, rest] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(1)]).areas(area);
    (Some(top), rest)
}

/// The rows of the two charts, when there are points to draw and room for them.
fn layout(area: Rect, chart: &Charted) -> Option<(u16, u16)> {
    let series = drawn(chart)?;
    if area.width < 40 || series.cpu.is_empty() && series.memory.is_empty() {
        return None;
    }
    [FULL, SMALL]
        .into_iter()
        .find(|(top, bottom)| area.height >= 1 + top + bottom + TEXT_ROWS)
}

/// The series a chart draws: known, or known before the last read failed.
fn drawn(chart: &Charted) -> Option<&Series> {
    match &chart.state {
        MetricState::Known(s) | MetricState::Stale(s) => Some(s),
        MetricState::Pending | MetricState::Failed => None,
    }
}

/// Minutes before `now`, for the x axis.
fn minutes_ago(points: &[Point], now: DateTime<Utc>) -> Vec<(f64, f64)> {
    points
        .iter()
        .map(|(at, v)| (-((now - *at).num_seconds() as f64) / 60.0, *v))
        .collect()
}

fn x_axis(hours: u32, theme: &Theme) -> Axis<'static> {
    let span = f64::from(hours) * 60.0;
    let half = if hours == 1 {
        "-30 min".to_owned()
    } else {
        format!("-{} h", f64::from(hours) / 2.0)
    };
    Axis::default()
        .style(theme.dim)
        .bounds([-span, 0.0])
        .labels([
            Span::raw(format!("-{hours} h")),
            Span::raw(half),
            Span::raw("now"),
        ])
}

pub fn draw(frame: &mut Frame, theme: &Theme, area: Rect, chart: &Charted, now: DateTime<Utc>) {
    let keys = format!("last {} h  (+/- hours)", chart.hours);
    let title = Rect { height: 1, ..area };
    let Some(series) = drawn(chart) else {
        let said = match chart.state {
            MetricState::Failed => "metrics could not be read (E shows why)".to_owned(),
            _ => format!("reading metrics…  {keys}"),
        };
        let style = if matches!(chart.state, MetricState::Failed) {
            theme.error
        } else {
            theme.dim
        };
        frame.render_widget(line(style, said), title);
        return;
    };
    if series.cpu.is_empty() && series.memory.is_empty() {
        let said = format!(
            "no CPU or memory points in the last {} h: no task ran, or AWS/ECS published none  {keys}",
            chart.hours
        );
        frame.render_widget(line(theme.dim, said), title);
        return;
    }
    let now_of =
        |points: &[Point]| latest(points, now).map_or("-".to_owned(), |v| format!("{v:.0}%"));
    let mut spans = vec![
        Span::styled("CPU ", theme.accent),
        Span::styled(now_of(&series.cpu), theme.text),
        Span::styled("   memory ", theme.warn),
        Span::styled(now_of(&series.memory), theme.text),
        Span::styled(format!("   {keys}"), theme.dim),
    ];
    if matches!(chart.state, MetricState::Stale(_)) {
        spans.push(Span::styled(
            "   the last read failed: as read before (E shows why)",
            theme.warn,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    let Some((top, bottom)) = layout(
        Rect {
            height: area.height + TEXT_ROWS,
            ..area
        },
        chart,
    ) else {
        return;
    };
    let [_, upper, lower] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(top),
        Constraint::Length(bottom),
    ])
    .areas(area);
    utilisation(frame, theme, upper, series, chart.hours, now);
    counts(frame, theme, lower, series, chart.hours, now);
}

fn line(style: Style, text: String) -> Paragraph<'static> {
    Paragraph::new(Line::from(Span::styled(text, style)))
}

/// One line of a chart: its name, style and points.
type Drawn<'a> = (&'static str, Style, &'a [(f64, f64)]);

/// Two lines over the hours charted, from 0 to the highest point (at least `floor`),
/// the y axis labelled with `unit`; the x axis labelled when `labelled`.
#[allow(clippy::too_many_arguments)]
fn two_lines(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    lines: [Drawn<'_>; 2],
    hours: u32,
    floor: f64,
    unit: &str,
    labelled: bool,
) {
    let top = lines
        .iter()
        .flat_map(|(_, _, points)| points.iter().map(|p| p.1))
        .fold(floor, f64::max)
        .ceil();
    let datasets = lines
        .iter()
        .map(|(name, style, points)| {
            Dataset::default()
                .name(*name)
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(*style)
                .data(points)
        })
        .collect();
    let x = if labelled {
        x_axis(hours, theme)
    } else {
        Axis::default()
            .style(theme.dim)
            .bounds([-(f64::from(hours) * 60.0), 0.0])
    };
    let zero = if unit == "%" { "0%" } else { "0" };
    // The legend names each line (not only its colour), top left where lines are
    // usually low.
    let chart = Chart::new(datasets)
        .x_axis(x)
        .y_axis(Axis::default().style(theme.dim).bounds([0.0, top]).labels([
            Span::raw(zero),
            Span::raw(format!("{:.0}{unit}", top / 2.0)),
            Span::raw(format!("{top:.0}{unit}")),
        ]))
        .legend_position(Some(ratatui::widgets::LegendPosition::TopLeft))
        .hidden_legend_constraints((Constraint::Percentage(50), Constraint::Percentage(100)));
    frame.render_widget(chart, area);
}

fn utilisation(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    series: &Series,
    hours: u32,
    now: DateTime<Utc>,
) {
    let cpu = minutes_ago(&series.cpu, now);
    let memory = minutes_ago(&series.memory, now);
    // Above 100% (CPU beyond its reservation on EC2) the axis grows to show it.
    let lines = [
        ("CPU %", theme.accent, cpu.as_slice()),
        ("memory %", theme.warn, memory.as_slice()),
    ];
    two_lines(frame, theme, area, lines, hours, 100.0, "%", true);
}

fn counts(
    frame: &mut Frame,
    theme: &Theme,
    area: Rect,
    series: &Series,
    hours: u32,
    now: DateTime<Utc>,
) {
    if series.desired.is_empty() && series.running.is_empty() {
        frame.render_widget(
            line(
                theme.dim,
                "task counts over time need Container Insights on the cluster".to_owned(),
            ),
            area,
        );
        return;
    }
    let desired = minutes_ago(&series.desired, now);
    let running = minutes_ago(&series.running, now);
    let lines = [
        ("desired", theme.dim, desired.as_slice()),
        ("running", theme.ok, running.as_slice()),
    ];
    two_lines(frame, theme, area, lines, hours, 1.0, " tasks", false);
}
