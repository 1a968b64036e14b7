//! The rollout view: one deployment followed by its id to COMPLETED or FAILED.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Gauge, Paragraph, Wrap};

use super::theme::Theme;
use crate::app::App;
use crate::app::pane::Pane;
use crate::aws::model::arn_name;
use crate::ops::rollout::{Verdict, progress};

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
            format!(" b: roll back to {}   Esc: back ", arn_name(previous)),
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
    let p = progress(svc, deployment_id, *since);
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
            if let (Verdict::Failed { .. }, Some(primary)) = (&p.verdict, svc.primary_deployment())
                && primary.id != *deployment_id
            {
                spans.push(Span::styled(
                    format!(
                        "   rolling back to {} ({})",
                        arn_name(&primary.task_definition),
                        primary.rollout_state.as_deref().unwrap_or("in progress")
                    ),
                    theme.warn,
                ));
            }
            spans
        }),
        Line::from(vec![
            Span::styled(
                format!(
                    "desired {} · new running {} pending {} failed {} · old running {}",
                    p.desired, p.new_running, p.new_pending, p.new_failed, p.old_running
                ),
                theme.text,
            ),
            Span::styled(
                format!(
                    "   (min healthy {}% = {} tasks, max {}% = {} tasks)",
                    p.min_healthy_percent, p.min_healthy_tasks, p.max_percent, p.max_tasks
                ),
                theme.dim,
            ),
        ]),
    ];
    let [head_area, gauge_area, old_area, deps_area, events_area] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(svc.deployments.len().min(5) as u16 + 2),
        Constraint::Min(3),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: true }), head_area);
    let desired = p.desired.max(1);
    let ratio = |n: i32| (f64::from(n.max(0)) / f64::from(desired)).clamp(0.0, 1.0);
    frame.render_widget(
        Gauge::default()
            .gauge_style(if matches!(p.verdict, Verdict::Failed { .. }) {
                theme.error
            } else {
                theme.ok
            })
            .ratio(ratio(p.new_running))
            .label(format!("new {}/{}", p.new_running, p.desired)),
        gauge_area,
    );
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.dim)
            .ratio(ratio(p.old_running))
            .label(format!("old {}", p.old_running)),
        old_area,
    );
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
