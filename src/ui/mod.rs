//! Drawing: from the app state to a frame, nothing else. Nothing here fetches or changes
//! state, so any screen can be drawn into a test buffer.

mod charts;
pub mod dialog;
pub mod fit;
pub mod frame;
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
    // Set again by the table, if one is drawn.
    app.drawn_rows.set(None);
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
    let full = id.account.clone().unwrap_or_else(|| "…".to_string());
    // Last resort on a very narrow terminal: the account's end, marked as cut (a cut
    // from the right would read as another account).
    let tail: String = {
        let chars: Vec<char> = full.chars().collect();
        if chars.len() > 5 {
            std::iter::once('…')
                .chain(chars[chars.len() - 4..].iter().copied())
                .collect()
        } else {
            full.clone()
        }
    };
    let build = |labels: bool, title: bool, endpoint: bool, short: bool| -> Vec<Span<'static>> {
        let account = if short { tail.clone() } else { full.clone() };
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
        // A profile given a colour (production in red, say) is a block of it.
        match app
            .profile_colour
            .as_deref()
            .and_then(|c| c.parse::<ratatui::style::Color>().ok())
        {
            Some(colour) => field(
                &mut spans,
                "profile ",
                format!(" {} ", id.profile),
                Style::new()
                    .bg(colour)
                    .fg(ratatui::style::Color::Black)
                    .add_modifier(ratatui::style::Modifier::BOLD),
            ),
            None => field(&mut spans, "profile ", id.profile.clone(), theme.accent),
        }
        spans.push(sep.clone());
        field(&mut spans, "region ", id.regions_label(), theme.accent);
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
    for (labels, title, endpoint, short) in [
        (true, true, true, false),
        (true, false, true, false),
        (false, false, true, false),
        (false, false, false, false),
    ] {
        let line = build(labels, title, endpoint, short);
        if fits(&line) {
            return line;
        }
    }
    build(false, false, false, true)
}

fn draw_header(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let first = identity_line(app, theme, area.width);
    let crumbs = app.crumbs();
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
    // Right-aligned: the spare column falls between the breadcrumb and the age, so a
    // narrow terminal never runs them together.
    frame.render_widget(
        Paragraph::new(freshness).alignment(ratatui::layout::Alignment::Right),
        right,
    );
}

/// How old the data on screen is: `updated 3s ago`, `loading…`, or `STALE 40s` on error.
fn freshness<'a>(app: &App, theme: &Theme) -> Line<'a> {
    let slots = app.visible_slots();
    let loading = slots.iter().any(|s| s.is_none_or(|s| s.loading));
    // A progressive list: the age of the described rows on screen (none yet: no age),
    // and how far its load has got.
    let (oldest, progress) = app.list_progress().unwrap_or_else(|| {
        let oldest = slots
            .iter()
            .filter_map(|s| s.and_then(|s| s.fetched_at))
            .min();
        (oldest, None)
    });
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
    if let Some(progress) = progress {
        spans.push(Span::styled(format!(" ⟳ {progress}"), theme.info));
    }
    if app.refresh.is_none() {
        spans.push(Span::styled(" (auto refresh off)", theme.dim));
    }
    // Open tunnels are worth knowing about from every pane (`:forwards` lists them).
    match app.active_forwards() {
        0 => {}
        1 => spans.push(Span::styled(" ⇄ 1 forward", theme.accent)),
        n => spans.push(Span::styled(format!(" ⇄ {n} forwards"), theme.accent)),
    }
    Line::from(spans)
}

fn draw_footer(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    if let Some(input) = &app.input {
        let mut prompt = input.prompt().into_owned();
        // At most half the line: what is typed always has room; a cut prompt says so.
        let half = usize::from(area.width / 2);
        if prompt.chars().count() > half && half > 1 {
            prompt = prompt.chars().take(half - 1).collect::<String>() + "…";
        }
        let width = (prompt.chars().count() as u16).min(area.width / 2);
        let [p, field] =
            Layout::horizontal([Constraint::Length(width), Constraint::Min(1)]).areas(area);
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
            // A cut message says so (`…`); errors are in full in the popup or in `E`.
            fit::fit(&format!(" {}", s.text), usize::from(area.width)),
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
        if matches!(
            e.kind,
            crate::domain::ErrorKind::ExpiredCredentials | crate::domain::ErrorKind::NoCredentials
        ) {
            spans.push(Span::styled("  L: sign in (aws sso login)", theme.key));
        }
        spans.push(Span::styled("  E: error history", theme.dim));
        Line::from(spans)
    } else {
        let hint = |k: String, what: &'static str| {
            [
                Span::styled(k, theme.key),
                Span::styled(format!(" {what}  "), theme.dim),
            ]
        };
        let mut spans = vec![Span::raw(" ")];
        // From the bindings in force: `:` and `q` on every pane, nothing read-only refuses.
        let mut shown: Vec<(String, &str)> = app
            .keymap
            .hints(app.view().pane.scopes(), app.read_only)
            .into_iter()
            .map(|h| (h.key, h.word))
            .collect();
        // On a narrow terminal the last hints before `q` go whole, never cut mid-word.
        let width = |h: &[(String, &str)]| -> usize {
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

/// How big a centred box is in one direction; never more than the area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    /// This percentage of the area, at least this many cells.
    Share(u16, u16),
    /// Just this many cells, such as the rows the content takes.
    Cells(u16),
}

impl Size {
    fn of(self, whole: u16) -> u16 {
        let cells = match self {
            Size::Share(percent, min) => {
                let share = u32::from(whole) * u32::from(percent) / 100;
                u16::try_from(share).unwrap_or(u16::MAX).max(min)
            }
            Size::Cells(n) => n,
        };
        cells.min(whole)
    }
}

/// A box of `width` by `height` centred in `area`.
pub fn centered(area: Rect, width: Size, height: Size) -> Rect {
    let w = width.of(area.width);
    let h = height.of(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

#[cfg(test)]
mod mouse_tests;
#[cfg(test)]
mod screen_tests;
