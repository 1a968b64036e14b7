//! Service events as DescribeServices shows them, written from what a step did.

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::ids::uuid;
use super::state::ServiceState;

const UNPLACEABLE_EVENT_EVERY: u64 = 300;

/// What happened to one service during a step, written out as service events.
#[derive(Default)]
pub(super) struct Notes {
    pub started: Vec<String>,
    pub registered: Vec<String>,
    pub draining: Vec<String>,
    pub stopped: Vec<String>,
    pub unplaceable: bool,
    /// Tasks stopped for failing their health checks.
    pub unhealthy: Vec<String>,
    /// The deployment of each task that failed to become healthy (one entry per task).
    pub failed: Vec<String>,
}

fn task_refs(ids: &[String]) -> String {
    ids.iter()
        .map(|id| format!("(task {id})"))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn write_events(
    svc: &mut ServiceState,
    notes: &Notes,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
) {
    if notes.started.is_empty()
        && notes.registered.is_empty()
        && notes.draining.is_empty()
        && notes.stopped.is_empty()
        && notes.unhealthy.is_empty()
        && !notes.unplaceable
    {
        return;
    }
    let name = svc.name.clone();
    let tg = svc
        .load_balancer
        .as_ref()
        .and_then(|lb| lb.target_group_arn.clone());
    let mut messages = Vec::new();
    for id in &notes.unhealthy {
        match (
            &tg,
            svc.load_balancer.as_ref().and_then(|lb| lb.container_port),
        ) {
            (Some(tg), Some(port)) => messages.push(format!(
                "(service {name}) (task {id}) (port {port}) is unhealthy in (target-group {tg}) \
                 due to (reason Health checks failed)."
            )),
            _ => messages.push(format!(
                "(service {name}) (task {id}) failed container health checks."
            )),
        }
    }
    if !notes.started.is_empty() {
        let n = notes.started.len();
        messages.push(format!(
            "(service {name}) has started {n} tasks: {}.",
            task_refs(&notes.started)
        ));
    }
    if let (false, Some(tg)) = (notes.registered.is_empty(), &tg) {
        let n = notes.registered.len();
        messages.push(format!(
            "(service {name}) registered {n} targets in (target-group {tg})"
        ));
    }
    if !notes.draining.is_empty() {
        let n = notes.draining.len();
        messages.push(format!(
            "(service {name}) has begun draining connections on {n} tasks."
        ));
        if let Some(tg) = &tg {
            messages.push(format!(
                "(service {name}) deregistered {n} targets in (target-group {tg})"
            ));
        }
    }
    if !notes.stopped.is_empty() {
        let n = notes.stopped.len();
        messages.push(format!(
            "(service {name}) has stopped {n} running tasks: {}.",
            task_refs(&notes.stopped)
        ));
    }
    if notes.unplaceable
        && svc
            .last_unplaceable_event
            .is_none_or(|at| s.saturating_sub(at) >= UNPLACEABLE_EVENT_EVERY)
    {
        svc.last_unplaceable_event = Some(s);
        messages.push(format!(
            "(service {name}) was unable to place a task because no container instance met all of \
             its requirements. For more information, see the Troubleshooting section of the \
             Amazon ECS Developer Guide."
        ));
    }
    for m in messages {
        svc.push_event(uuid(rng), now, m);
    }
}
