//! The rollout view: one deployment followed by its id to COMPLETED or FAILED.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::app::pane::Pane;
use crate::domain::model::arn_name;
use crate::ops::rollout::Verdict;

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Pane::Rollout {
        cluster,
        service,
        deployment_id,
        to,
        previous,
        since,
    } = &app.view().pane
    else {
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(theme.border)
        .title(Span::styled(format!(" rollout of {service} "), theme.title))
        .title_bottom(Span::styled(
            {
                let scopes = app.view().pane.scopes();
                let key = |c| app.keymap.key_for(c, scopes);
                format!(
                    " {}: roll back to {}   {}: back ",
                    key(crate::app::keymap::Command::Rollback),
                    arn_name(previous),
                    key(crate::app::keymap::Command::Back)
                )
            },
            theme.dim,
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(svc) = app.store.service(cluster, service) else {
        let msg = match app
            .store
            .get(&crate::app::data::DataKey::Service {
                cluster: cluster.clone(),
                service: service.clone(),
            })
            .and_then(|s| s.error.as_ref())
        {
            Some(e) => Line::from(Span::styled(e.to_string(), theme.error)),
            None => Line::from(Span::styled("loading…", theme.dim)),
        };
        frame.render_widget(Paragraph::new(msg), inner);
        return;
    };
    let p = app.rollout_progress(svc, deployment_id, *since);
    let (verdict, style) = match &p.verdict {
        Verdict::InProgress => ("IN PROGRESS".to_string(), theme.info),
        Verdict::Completed => ("COMPLETED ✓".to_string(), theme.ok),
        Verdict::Failed { reason } => (format!("FAILED ✗  {reason}"), theme.error),
    };
    let head = vec![
        Line::from(vec![
            Span::styled("deployment ", theme.dim),
            Span::styled(deployment_id.clone(), theme.text),
            Span::styled("   to ", theme.dim),
            Span::styled(
                arn_name(if p.task_definition.is_empty() {
                    to
                } else {
                    &p.task_definition
                })
                .to_string(),
                theme.accent,
            ),
            Span::styled("   from ", theme.dim),
            Span::styled(arn_name(previous).to_string(), theme.text),
        ]),
        Line::from({
            let mut spans = vec![Span::styled(verdict, style)];
            // After a circuit-breaker rollback, say where the service is going now.
            if let (Verdict::Failed { .. }, Some(next)) = (&p.verdict, &p.successor) {
                spans.push(Span::styled(
                    format!(
                        "   {} {} ({})",
                        if next.rollback {
                            "rolling back to"
                        } else {
                            "now deploying"
                        },
                        arn_name(&next.task_definition),
                        next.rollout_state.as_deref().unwrap_or("in progress")
                    ),
                    theme.warn,
                ));
            }
            spans
        }),
        Line::from(Span::styled(p.counts_line(), theme.text)),
        Line::from(Span::styled(
            format!(
                "desired {}: at least {} healthy ({}%), at most {} running ({}%)",
                p.desired, p.min_healthy_tasks, p.min_healthy_percent, p.max_tasks, p.max_percent
            ),
            theme.dim,
        )),
    ];
    let mut head = head;
    if let Some(why) = p.causes_words() {
        head.push(Line::from(vec![
            Span::styled("why tasks stopped: ", theme.dim),
            Span::styled(why, theme.warn),
        ]));
    }
    let head_rows = head.len() as u16;
    let [head_area, gauge_area, old_area, deps_area, events_area] = Layout::vertical([
        Constraint::Length(head_rows),
        Constraint::Length(1),
        Constraint::Length(if p.successor.is_some() { 2 } else { 1 }),
        Constraint::Length(svc.deployments.len().min(5) as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: true }), head_area);
    let desired = p.desired.max(1);
    let ratio = |n: i32| (f64::from(n.max(0)) / f64::from(desired)).clamp(0.0, 1.0);
    frame.render_widget(
        Gauge::default()
            .gauge_style(match p.verdict {
                Verdict::Failed { .. } => theme.error,
                Verdict::Completed => theme.ok,
                // Running is not healthy: green only once ECS calls the rollout done.
                Verdict::InProgress => theme.info,
            })
            .ratio(ratio(p.new_running))
            .label(if p.waiting_for_health() {
                format!(
                    "new {}/{} running, not yet healthy",
                    p.new_running, p.desired
                )
            } else {
                format!("new {}/{} running", p.new_running, p.desired)
            }),
        gauge_area,
    );
    let mut old_rows = Vec::new();
    if let Some(next) = &p.successor {
        old_rows.push((
            ratio(next.running),
            format!(
                "{} {} {}/{} running",
                if next.rollback { "rollback to" } else { "now" },
                arn_name(&next.task_definition),
                next.running,
                next.desired
            ),
            theme.warn,
        ));
    }
    old_rows.push((
        ratio(p.old_running),
        format!("old {} running", p.old_running),
        theme.dim,
    ));
    for (area, (r, label, style)) in Layout::vertical(vec![Constraint::Length(1); old_rows.len()])
        .split(old_area)
        .iter()
        .zip(old_rows)
    {
        frame.render_widget(
            Gauge::default().gauge_style(style).ratio(r).label(label),
            *area,
        );
    }
    let deps: Vec<Line> = svc
        .deployments
        .iter()
        .take(5)
        .map(|d| {
            let ours = d.id == *deployment_id;
            Line::from(vec![
                Span::styled(if ours { "› " } else { "  " }, theme.accent),
                Span::styled(format!("{:<8} ", d.status), theme.text),
                Span::styled(format!("{:<24} ", arn_name(&d.task_definition)), theme.text),
                Span::styled(
                    format!(
                        "desired {} running {} pending {} failed {}  ",
                        d.desired, d.running, d.pending, d.failed
                    ),
                    theme.dim,
                ),
                Span::styled(
                    d.rollout_state.clone().unwrap_or_default(),
                    match d.rollout_state.as_deref() {
                        Some("FAILED") => theme.error,
                        Some("COMPLETED") => theme.ok,
                        _ => theme.info,
                    },
                ),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(deps).block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(theme.border)
                .title(Span::styled(" deployments ", theme.header)),
        ),
        deps_area,
    );
    let events: Vec<Line> = if p.events.is_empty() {
        vec![Line::from(Span::styled(
            "no service events since the rollout began",
            theme.dim,
        ))]
    } else {
        // Newest first, so the latest word (a rollback, a failure) is never cut off.
        p.events
            .iter()
            .rev()
            .map(|e| {
                Line::from(vec![
                    Span::styled(crate::app::format::timestamp(e.created_at), theme.dim),
                    Span::raw("  "),
                    Span::styled(e.message.clone(), theme.text),
                ])
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(events).wrap(Wrap { trim: true }).block(
            Block::default()
                .borders(Borders::TOP)
                .border_style(theme.border)
                .title(Span::styled(" events, newest first ", theme.header)),
        ),
        events_area,
    );
}
