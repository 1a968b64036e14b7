//! The demo's log streams, read off the fleet: one per container of every task that has
//! started (awslogs driver, prefix `ecs`, so `ecs/<container>/<task-id>` in
//! `/ecs/<family>`), with the moments that shape its lines: when it started, when it got
//! SIGTERM or crashed, and when it fell silent.
//!
//! Only what the fleet already knows is used. A crash known at step `s` only adds lines
//! at or after `s`, never before, so a line that was once visible never changes or
//! disappears as the simulation moves on.

use super::super::ids::{REGION, salt};
use super::super::state::{ClusterState, Fleet, TaskState};
use super::super::taskdef::parse_reference;
use super::lines::Kind;

/// How a container's stream ends, as far as the fleet knows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// Still running: lines go on up to the present.
    Running,
    /// Sent SIGTERM (scheduler stop, spot interruption, a sibling container crashing):
    /// a graceful-shutdown script, then silence.
    Sigterm { at_ms: i64 },
    /// The process ended by itself at `at_ms` with this exit code (137: OOM-killed).
    Exit { at_ms: i64, code: i32 },
}

/// One log stream and everything its lines are generated from.
#[derive(Debug, Clone)]
pub(super) struct StreamCtx {
    pub name: String,
    pub group: String,
    /// The service's (or batch family's) application name: picks the vocabulary.
    pub app: String,
    pub kind: Kind,
    /// Salt of the stream name: seeds every draw of this stream.
    pub salt: u64,
    /// The task's address (the awsvpc ENI, or the EC2 instance's).
    pub ip: String,
    /// Image tag of this container (`v2.31.3`), for start-up banners.
    pub version: String,
    pub start_ms: i64,
    pub ending: Ending,
    /// Load-balancer deregistration started here: traffic stops, the process lives on.
    pub drain_from_ms: Option<i64>,
    /// Mean lines per second in steady state.
    pub rate: f64,
    /// Emits terminal colour codes (a misconfigured logger; the sanitizer's job).
    pub ansi: bool,
    /// The broken datadog-agent sidecar: it logs errors instead of check runs.
    pub broken: bool,
}

/// Lines per second across a whole service's application containers: busy front doors a
/// few a second, quiet back-office workers one every few seconds or less.
fn service_rate(app: &str) -> f64 {
    match app {
        "api-gateway" | "event-ingest" => 6.0,
        "checkout" | "web-frontend" | "clickstream-consumer" => 4.0,
        "payments" | "orders" | "graphql-bff" | "cart" | "rate-limiter" => 3.0,
        "sitemap-generator" | "etl-scheduler" | "search-feeder" | "admin-console" => 0.1,
        "legacy-reporting" | "batch-report" | "pdf-renderer" => 0.3,
        _ => 1.0,
    }
}

/// Per-task application rate for a service running `desired` tasks; `staging` is quiet.
fn app_rate(app: &str, desired: i32, staging: bool) -> f64 {
    let tasks = f64::from(desired.max(1));
    let env = if staging { 0.2 } else { 1.0 };
    (service_rate(app) * env / tasks).clamp(0.02, 3.0)
}

fn colourful(app: &str) -> bool {
    // Spring Boot with ANSI output forced on, and pino-pretty left on in production.
    matches!(app, "checkout" | "web-frontend")
}

/// Every stream of `group` (in `region`) the fleet can account for now, by name.
pub(super) fn streams_of(fleet: &Fleet, region: &str, group: &str) -> Option<Vec<StreamCtx>> {
    if region != REGION {
        return None;
    }
    let family_name = group.strip_prefix("/ecs/")?;
    let family = fleet.families.get(family_name)?;
    let mut out = Vec::new();
    for cluster in &fleet.clusters {
        for (task, desired) in tasks_of(cluster) {
            let (task_family, _) = parse_reference(&task.task_definition);
            if task_family == family.name {
                push_task(&mut out, group, &family.app, desired, task);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Some(out)
}

fn tasks_of(cluster: &ClusterState) -> impl Iterator<Item = (&TaskState, i32)> {
    let services = cluster
        .services
        .iter()
        .flat_map(|s| s.tasks.iter().map(move |t| (t, s.desired)));
    services.chain(cluster.standalone.iter().map(|t| (t, 1)))
}

fn push_task(out: &mut Vec<StreamCtx>, group: &str, app: &str, desired: i32, t: &TaskState) {
    let Some(started) = t.started_at else {
        // Never started: no container ever wrote a line, so no stream exists.
        return;
    };
    let start_ms = started.timestamp_millis();
    let stopping_ms = t.stopping_at.map(|at| at.timestamp_millis());
    let essential_exit = t.stop_code.as_deref() == Some("EssentialContainerExited");
    let app_exit = t
        .containers
        .first()
        .and_then(|c| c.exit_code)
        .filter(|_| essential_exit);
    // Behind a load balancer a scheduler stop first deregisters for `drain_secs`; only
    // then does ECS send SIGTERM.
    let drained =
        !essential_exit && t.drain_secs.is_some() && stopping_ms.is_some_and(|s| s >= start_ms);
    let drain_ms = t
        .drain_secs
        .map_or(0, |d| i64::try_from(d).unwrap_or(0) * 1000);
    let staging = group.ends_with("-staging");
    for (i, c) in t.containers.iter().enumerate() {
        let name = format!("ecs/{}/{}", c.plan.name, t.id);
        let salt = salt(&name);
        let ending = match (stopping_ms, app_exit) {
            (None, _) => Ending::Running,
            (Some(at), Some(code)) if i == 0 => Ending::Exit {
                // ECS noticed within the second; the process died a little after the step.
                at_ms: at + 300 + i64::try_from(salt % 500).unwrap_or(0),
                code,
            },
            // The other containers are stopped once the essential one has gone.
            (Some(at), Some(_)) => Ending::Sigterm { at_ms: at + 500 },
            (Some(at), None) if drained => Ending::Sigterm {
                at_ms: at + drain_ms,
            },
            (Some(at), None) => Ending::Sigterm { at_ms: at },
        };
        let kind = Kind::of(app, &c.plan.name);
        let rate = match kind {
            Kind::Envoy => app_rate(app, desired, staging) * 0.8,
            Kind::Datadog => 0.12,
            _ => app_rate(app, desired, staging),
        };
        out.push(StreamCtx {
            group: group.to_owned(),
            app: app.to_owned(),
            kind,
            salt,
            ip: t.private_ip.clone(),
            version: c
                .plan
                .image
                .rsplit_once(':')
                .map_or("latest", |(_, tag)| tag)
                .to_owned(),
            start_ms,
            ending,
            drain_from_ms: stopping_ms.filter(|_| drained),
            rate,
            ansi: i == 0 && colourful(app),
            broken: c.unhealthy,
            name,
        });
    }
}

impl StreamCtx {
    /// The last moment this stream can have a line, if it is known yet.
    pub fn end_ms(&self) -> Option<i64> {
        match self.ending {
            Ending::Running => None,
            Ending::Sigterm { at_ms } => Some(at_ms + super::lines::SHUTDOWN_SPAN_MS),
            Ending::Exit { at_ms, .. } => Some(at_ms),
        }
    }
}
