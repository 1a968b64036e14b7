//! A service's charts at the top of its describe view: CPU and memory utilisation over
//! the hours chosen (`+` and `-`), and under them the desired and running task counts
//! (from Container Insights, where it is on).

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

/// Rows the charts take when the describe view is tall enough for them.
const HEIGHT: u16 = 15;
/// The describe view needs at least this many rows to give some to the charts.
const ROOM: u16 = 26;

/// Splits the describe view's inner area: the charts' rows (none when there is no room
/// or no chart) and the text's.
pub fn split(area: Rect, chart: Option<&Charted>) -> (Option<Rect>, Rect) {
    if chart.is_none() || area.height < ROOM || area.width < 40 {
        return (None, area);
    }
    let [top, rest] =
        Layout::vertical([Constraint::Length(HEIGHT), Constraint::Min(1)]).areas(area);
    (Some(top), rest)
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
    let [title, top, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(5),
    ])
    .areas(area);
    let keys = format!("last {} h  (+/- hours)", chart.hours);
    let series = match &chart.state {
        MetricState::Pending => {
            frame.render_widget(line(theme.dim, format!("reading metrics…  {keys}")), title);
            return;
        }
        MetricState::Failed => {
            let said = "metrics could not be read (E shows why)";
            frame.render_widget(line(theme.error, said.to_owned()), title);
            return;
        }
        MetricState::Known(series) => series,
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
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("CPU ", theme.accent),
            Span::styled(now_of(&series.cpu), theme.text),
            Span::styled("   memory ", theme.warn),
            Span::styled(now_of(&series.memory), theme.text),
            Span::styled(format!("   {keys}"), theme.dim),
        ])),
        title,
    );
    utilisation(frame, theme, top, series, chart.hours, now);
    counts(frame, theme, bottom, series, chart.hours, now);
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
    let chart = Chart::new(datasets).x_axis(x).y_axis(
        Axis::default()
            .style(theme.dim)
            .bounds([0.0, top])
            .labels([Span::raw(zero), Span::raw(format!("{top:.0}{unit}"))]),
    );
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
