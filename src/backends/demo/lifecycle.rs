//! One task's lifecycle: PROVISIONING -> PENDING -> RUNNING, then (asked to stop, or its
//! essential container exiting) DEACTIVATING -> STOPPING -> DEPROVISIONING -> STOPPED.
//! Each transition is scheduled a seeded-random number of seconds ahead.

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::events::Notes;
use super::state::{TaskState, TaskStatus};

/// ECS keeps stopped tasks listable for about an hour.
pub(super) const STOPPED_RETENTION_SECS: i64 = 3600;
const SPOT_INTERRUPTIONS_PER_TASK_HOUR: f64 = 0.05;

pub(super) const OOM_REASON: &str = "OutOfMemoryError: Container killed due to memory usage";
pub(super) const EXITED_REASON: &str = "Essential container in task exited";
pub(super) const SCHEDULER_STOP: &str = "ServiceSchedulerInitiated";
pub(super) const USER_STOP: &str = "UserInitiated";
/// How long before a failing task is stopped its container health reads UNHEALTHY.
const UNHEALTHY_LEAD_SECS: u64 = 15;

/// Moves a task to its next lifecycle state when that is due.
pub(super) fn advance_task(
    t: &mut TaskState,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
    notes: &mut Notes,
) {
    if t.status == TaskStatus::Running
        && let Some(at) = t.fail_at
    {
        if at <= s {
            fail(t, s, now, rng, notes);
            return;
        }
        // The health check reports UNHEALTHY for a while before the task is stopped.
        if s + UNHEALTHY_LEAD_SECS >= at
            && let Some(app) = t.containers.iter_mut().find(|c| c.plan.health_check)
        {
            app.unhealthy = true;
        }
    }
    if let Some((at, code)) = t.exit_at
        && at <= s
        && t.status == TaskStatus::Running
    {
        essential_exit(t, s, now, rng, code, None, EXITED_REASON);
        return;
    }
    match t.next_at {
        Some(at) if at <= s => t.next_at = None,
        _ => return,
    }
    match t.status {
        TaskStatus::Provisioning => {
            t.status = TaskStatus::Pending;
            t.next_at = Some(s + rng.u64(8..30));
        }
        TaskStatus::Pending => {
            t.status = TaskStatus::Running;
            t.started_at = Some(now);
            if t.containers.iter().any(|c| c.plan.health_check) {
                t.healthy_at = Some(s + rng.u64(10..35));
            }
            if t.drain_secs.is_some() {
                notes.registered.push(t.id.clone());
            }
            if let Some(f) = &t.failing {
                // Never healthy: a failing health check within its grace, or an
                // application that exits as soon as it reads its configuration.
                t.healthy_at = Some(u64::MAX);
                t.fail_at = Some(
                    s + if f.health_check {
                        rng.u64(25..50)
                    } else {
                        rng.u64(3..12)
                    },
                );
            }
        }
        TaskStatus::Deactivating => {
            t.status = TaskStatus::Stopping;
            t.next_at = Some(s + rng.u64(2..6));
            if t.stop_code.as_deref() == Some(SCHEDULER_STOP) {
                notes.stopped.push(t.id.clone());
            }
        }
        TaskStatus::Stopping if t.awsvpc => {
            t.status = TaskStatus::Deprovisioning;
            t.next_at = Some(s + rng.u64(3..8));
        }
        TaskStatus::Stopping | TaskStatus::Deprovisioning => {
            t.status = TaskStatus::Stopped;
            t.stopped_at = Some(now);
            let started = t.started_at.is_some();
            for c in t.containers.iter_mut().filter(|c| c.exit_code.is_none()) {
                // Containers that ran were sent SIGTERM and exited cleanly.
                c.exit_code = started.then_some(0);
            }
        }
        TaskStatus::Running | TaskStatus::Stopped => {}
    }
}

/// A task of a broken revision gives up: stopped by the scheduler for failing its health
/// checks, or its application exits. Either way its deployment counts a failed task.
fn fail(t: &mut TaskState, s: u64, now: DateTime<Utc>, rng: &mut Rng, notes: &mut Notes) {
    t.fail_at = None;
    let Some(failing) = t.failing.clone() else {
        return;
    };
    if failing.health_check {
        notes.unhealthy.push(t.id.clone());
        if begin_stop(t, s, now, rng, &failing.reason, SCHEDULER_STOP) {
            notes.draining.push(t.id.clone());
        } else {
            notes.stopped.push(t.id.clone());
        }
    } else {
        essential_exit(t, s, now, rng, 1, None, &failing.reason);
    }
    if let Some(d) = &t.deployment {
        notes.failed.push(d.to_string());
    }
}

/// Asks a task to stop. Returns whether it first drains from its target group.
pub(super) fn begin_stop(
    t: &mut TaskState,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
    reason: &str,
    code: &str,
) -> bool {
    t.desired_running = false;
    t.stopping_at = Some(now);
    t.stopped_reason = Some(reason.into());
    t.stop_code = Some(code.into());
    t.exit_at = None;
    match (t.status, t.drain_secs) {
        (TaskStatus::Running, Some(drain)) => {
            t.status = TaskStatus::Deactivating;
            t.next_at = Some(s + drain);
            true
        }
        (TaskStatus::Running | TaskStatus::Provisioning | TaskStatus::Pending, _) => {
            t.status = TaskStatus::Stopping;
            t.next_at = Some(s + rng.u64(2..6));
            false
        }
        _ => false,
    }
}

/// The essential container exited by itself (crash, OOM kill, finished batch job).
pub(super) fn essential_exit(
    t: &mut TaskState,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
    code: i32,
    container_reason: Option<&str>,
    task_reason: &str,
) {
    if let Some(app) = t.containers.first_mut() {
        app.exit_code = Some(code);
        app.reason = container_reason.map(String::from);
    }
    t.desired_running = false;
    t.stopping_at = Some(now);
    t.stopped_reason = Some(task_reason.into());
    t.stop_code = Some("EssentialContainerExited".into());
    t.exit_at = None;
    t.status = TaskStatus::Stopping;
    t.next_at = Some(s + rng.u64(2..5));
}

/// Unplanned ends of a running task: crashes (at `crash_p` per second) and, on
/// FARGATE_SPOT, the occasional interruption.
pub(super) fn churn(t: &mut TaskState, crash_p: f64, s: u64, now: DateTime<Utc>, rng: &mut Rng) {
    if t.status != TaskStatus::Running {
        return;
    }
    if crash_p > 0.0 && rng.f64() < crash_p {
        let oom = rng.u8(..10) < 6;
        let (code, reason) = if oom {
            (137, OOM_REASON)
        } else {
            (1, EXITED_REASON)
        };
        essential_exit(t, s, now, rng, code, oom.then_some(OOM_REASON), reason);
    } else if t.capacity_provider.as_deref() == Some("FARGATE_SPOT")
        && rng.f64() < SPOT_INTERRUPTIONS_PER_TASK_HOUR / 3600.0
    {
        begin_stop(
            t,
            s,
            now,
            rng,
            "Your Spot Task was interrupted.",
            "SpotInterruption",
        );
    }
}

pub(super) fn retain_recent(tasks: &mut Vec<TaskState>, now: DateTime<Utc>) {
    tasks.retain(|t| {
        t.stopped_at
            .is_none_or(|at| (now - at).num_seconds() < STOPPED_RETENTION_SECS)
    });
}
