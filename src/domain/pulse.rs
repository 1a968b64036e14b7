//! What is wrong right now, from what ECS says of a service and its recently stopped
//! tasks: why tasks die (grouped by cause), and which services need attention, most
//! urgent first, each with its reason in a few words. ECS keeps stopped tasks for about an
//! hour, so deaths are counted over that hour at most.

use chrono::{DateTime, Duration, Utc};

use super::metrics::{Alarm, Series, recent_mean};
use super::model::{Service, Task};
use super::sanitize::one_line;

/// Why one or more tasks stopped, with how many and when the last one did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// In a few words: `OutOfMemoryError (container web)`, `essential container web
    /// exited with 1`, `failed load balancer health checks`.
    pub text: String,
    /// A failure, not a stop by design (scaling in, a deployment replacing tasks, a user).
    pub failure: bool,
    pub count: usize,
    pub last: Option<DateTime<Utc>>,
    /// The newest task's own stopped reason, in full.
    pub example: String,
}

/// The cause of one stopped task, and whether it is a failure.
pub fn cause_of(task: &Task) -> (String, bool) {
    let reason = task.stopped_reason.as_deref().unwrap_or_default();
    let code = task.stop_code.as_deref().unwrap_or_default();
    // A container's own reason says the most: OutOfMemoryError, CannotStartContainerError.
    for c in &task.containers {
        if let Some(r) = c.reason.as_deref() {
            for known in ["OutOfMemoryError", "CannotStartContainerError"] {
                if r.contains(known) {
                    return (format!("{known} (container {})", c.name), true);
                }
            }
        }
    }
    if reason.contains("OutOfMemoryError") {
        let killed = task.containers.iter().find(|c| c.exit_code == Some(137));
        return match killed {
            Some(c) => (format!("OutOfMemoryError (container {})", c.name), true),
            None => ("OutOfMemoryError".into(), true),
        };
    }
    for known in [
        "CannotPullContainerError",
        "ResourceInitializationError",
        "CannotCreateVolumeError",
        "CannotInspectContainerError",
        "SpotInterruption",
    ] {
        if reason.contains(known) || code.contains(known) {
            return (known.to_string(), true);
        }
    }
    if reason.contains("ELB health checks") {
        return ("failed ELB health checks".into(), true);
    }
    if reason.contains("container health checks") {
        return ("failed container health checks".into(), true);
    }
    if code == "EssentialContainerExited" || reason.starts_with("Essential container") {
        // The essential container that stopped: the one with an exit code, non-zero first.
        let exited = task
            .containers
            .iter()
            .filter(|c| c.exit_code.is_some())
            .max_by_key(|c| c.exit_code.map(|e| e != 0));
        return match exited {
            Some(c) => (
                format!(
                    "essential container {} exited with {}",
                    c.name,
                    c.exit_code.unwrap_or_default()
                ),
                c.exit_code != Some(0),
            ),
            None => ("an essential container exited".into(), true),
        };
    }
    if code == "UserInitiated" {
        return ("stopped by a user".into(), false);
    }
    if reason.contains("Scaling activity initiated by") {
        return ("replaced or scaled in by the service".into(), false);
    }
    if code == "ServiceSchedulerInitiated" {
        return ("stopped by the service scheduler".into(), false);
    }
    if reason.is_empty() {
        return ("no reason given".into(), false);
    }
    // Anything else, as ECS says it, cut to a few words.
    let short: String = reason.chars().take(60).collect();
    (short, true)
}

/// Stopped tasks grouped by cause: failures first, then the most frequent, then the
/// most recent.
pub fn causes<'a>(tasks: impl IntoIterator<Item = &'a Task>) -> Vec<Cause> {
    let mut found: Vec<Cause> = Vec::new();
    // Tasks still stopping count too: ECS lists them as stopped (desired STOPPED).
    for task in tasks {
        let (text, failure) = cause_of(task);
        let at = task.stopped_at.or(task.stopping_at);
        let reason = task.stopped_reason.clone().unwrap_or_default();
        match found.iter_mut().find(|c| c.text == text) {
            Some(c) => {
                c.count += 1;
                if at > c.last {
                    c.last = at;
                    c.example = reason;
                }
            }
            None => found.push(Cause {
                text,
                failure,
                count: 1,
                last: at,
                example: reason,
            }),
        }
    }
    found.sort_by(|a, b| {
        b.failure
            .cmp(&a.failure)
            .then(b.count.cmp(&a.count))
            .then(b.last.cmp(&a.last))
    });
    found
}

/// When a service needs attention (the config file's `[pulse]` section).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Running below desired for longer than this.
    pub below_desired_minutes: i64,
    /// A rollout still in progress after this long is stuck.
    pub stuck_rollout_minutes: i64,
    /// This many failed tasks within the hour ECS keeps them is "dying repeatedly".
    pub deaths: usize,
    /// CPU utilisation (percent, the mean of the last five minutes) that needs attention.
    pub cpu_percent: f64,
    /// Memory utilisation likewise.
    pub memory_percent: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            below_desired_minutes: 5,
            stuck_rollout_minutes: 30,
            deaths: 3,
            cpu_percent: 90.0,
            memory_percent: 90.0,
        }
    }
}

/// One reason a service needs attention. Lower `urgency` is more urgent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub urgency: u8,
    pub reason: String,
}

/// Why `service` needs attention now, most urgent first; empty when it needs none.
/// `stopped` are its recently stopped tasks; `health` its load balancer targets, healthy
/// and all, when known.
pub fn assess(
    service: &Service,
    stopped: &[&Task],
    health: Option<(usize, usize)>,
    now: DateTime<Utc>,
    th: &Thresholds,
) -> Vec<Finding> {
    let mut found = Vec::new();
    if service.status != "ACTIVE" {
        return found;
    }
    let primary = service.primary_deployment();
    if service.desired > 0 && service.running == 0 {
        found.push(Finding {
            urgency: 0,
            reason: format!("none of {} running", service.desired),
        });
    } else if service.running < service.desired {
        let since = short_since(service);
        if since.is_none_or(|t| now - t >= Duration::minutes(th.below_desired_minutes)) {
            let how_long = since.map_or(String::new(), |t| format!(" for {}", ago(now - t)));
            found.push(Finding {
                urgency: 4,
                reason: format!(
                    "{} of {} running{how_long}",
                    service.running, service.desired
                ),
            });
        }
    }
    // The circuit breaker marks the failed deployment FAILED and makes the rollback the
    // primary, in progress until it is done.
    let failed = service
        .deployments
        .iter()
        .any(|d| d.rollout_state.as_deref() == Some("FAILED"));
    let primary_state = primary.and_then(|d| d.rollout_state.as_deref());
    match primary_state {
        _ if failed => found.push(Finding {
            urgency: 1,
            reason: if primary_state == Some("IN_PROGRESS") {
                "rollout failed, rolling back".into()
            } else {
                "rollout failed".into()
            },
        }),
        Some("IN_PROGRESS") => {
            let started = primary.and_then(|d| d.created_at);
            if let Some(t) = started
                && now - t >= Duration::minutes(th.stuck_rollout_minutes)
            {
                found.push(Finding {
                    urgency: 5,
                    reason: format!("rollout in progress for {}", ago(now - t)),
                });
            }
        }
        _ => {}
    }
    let failures: Vec<&Task> = stopped
        .iter()
        .copied()
        .filter(|t| cause_of(t).1)
        .filter(|t| {
            t.stopped_at
                .or(t.stopping_at)
                .is_none_or(|at| now - at <= Duration::hours(1))
        })
        .collect();
    if failures.len() >= th.deaths.max(1) {
        let top = causes(failures.iter().copied());
        let first = top
            .first()
            .map(|c| format!(": {}× {}", c.count, c.text))
            .unwrap_or_default();
        found.push(Finding {
            urgency: 2,
            reason: format!("{} tasks died in 1 h{first}", failures.len()),
        });
    }
    if let Some((ok, all)) = health
        && ok < all
    {
        found.push(Finding {
            urgency: 3,
            reason: format!("targets {ok}/{all} healthy"),
        });
    }
    found.sort_by_key(|f| f.urgency);
    found
}

/// Why CloudWatch says `service` needs attention: its own alarms in ALARM, and CPU or
/// memory at or above the thresholds over the last five minutes.
pub fn cloudwatch_findings(
    own_alarms: &[&Alarm],
    series: Option<&Series>,
    now: DateTime<Utc>,
    th: &Thresholds,
) -> Vec<Finding> {
    let mut found = Vec::new();
    match own_alarms {
        [] => {}
        [one] => found.push(Finding {
            urgency: 2,
            reason: format!("alarm {}", one_line(&one.name)),
        }),
        many => found.push(Finding {
            urgency: 2,
            reason: format!("{} alarms: {}", many.len(), one_line(&many[0].name)),
        }),
    }
    if let Some(series) = series {
        for (what, points, limit) in [
            ("CPU", &series.cpu, th.cpu_percent),
            ("memory", &series.memory, th.memory_percent),
        ] {
            if let Some(mean) = recent_mean(points, now, 5)
                && mean >= limit
            {
                found.push(Finding {
                    urgency: 4,
                    reason: format!("{what} {mean:.0}% (5 min)"),
                });
            }
        }
    }
    found
}

/// Since when the service has been short of tasks, at the latest: its last steady
/// state (ECS says so in an event), else its deployment's last change.
fn short_since(service: &Service) -> Option<DateTime<Utc>> {
    let steady = service
        .events
        .iter()
        .filter(|e| e.message.contains("has reached a steady state"))
        .filter_map(|e| e.created_at)
        .max();
    steady.or_else(|| service.primary_deployment().and_then(|d| d.updated_at))
}

/// `12 min`, `3 h 5 min`, `40 s`.
pub fn ago(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

#[cfg(test)]
#[path = "pulse_tests.rs"]
mod tests;
