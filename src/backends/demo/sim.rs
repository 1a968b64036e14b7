//! The time-stepped simulation. One step is one second; each step draws from its own RNG
//! (seed, step index), so the fleet at a given time is the same however often it was
//! looked at. Per step and per service: tasks move through their lifecycle, the noisy
//! ones crash, the scheduler starts and stops tasks towards the desired count within the
//! deployment's minimum healthy / maximum percent, and deployments settle.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::breaker::count_failures;
use super::events::{Notes, write_events};
use super::ids::{STREAM_QUIET, STREAM_STEP, rng_for, salt, uuid};
use super::launch::{Ask, Batch, NewTask, new_task, place};
use super::lifecycle::{
    EXITED_REASON, SCHEDULER_STOP, advance_task, begin_stop, churn, retain_recent,
};
use super::state::{
    ClusterState, Failing, Fleet, Intervention, Launch, ServiceState, TaskState, TaskStatus,
};
use super::taskdef::{Family, parse_reference};

/// A clock that jumps further than this (a laptop waking up) skips the gap instead of
/// replaying it, so one call never does hours of catch-up.
pub(super) const MAX_CATCH_UP_SECS: u64 = 2 * 3600;
const STEADY_EVENT_EVERY_SECS: i64 = 6 * 3600;

impl Fleet {
    /// Plays the simulation up to `now` (never backwards).
    pub fn advance_to(&mut self, now: DateTime<Utc>) {
        let Ok(target) = u64::try_from((now - self.origin).num_seconds()) else {
            return;
        };
        if target <= self.step {
            return;
        }
        if target - self.step > MAX_CATCH_UP_SECS {
            self.step = target - MAX_CATCH_UP_SECS;
        }
        while self.step < target {
            self.step += 1;
            self.tick();
        }
    }

    fn tick(&mut self) {
        let s = self.step;
        let now = self.time(s);
        let mut rng = rng_for(self.seed, STREAM_STEP, s);
        self.run_script(s);
        self.auto_scale(s);
        let Fleet {
            clusters,
            families,
            seed,
            ..
        } = self;
        // A quiet service steps only for a steady-state event, due once its last is older.
        let steady_before = now - chrono::Duration::seconds(STEADY_EVENT_EVERY_SECS);
        for cluster in clusters.iter_mut() {
            let draining = draining_instances(cluster);
            for si in 0..cluster.services.len() {
                let svc = &mut cluster.services[si];
                if svc.quiet {
                    if svc.last_steady_event <= steady_before {
                        note_steady(svc, *seed, s, now);
                    }
                    continue;
                }
                step_service(cluster, si, &draining, families, s, now, &mut rng);
                let svc = &mut cluster.services[si];
                if svc.generated {
                    svc.quiet = is_quiet(svc, &draining, s);
                }
            }
            step_standalone(cluster, families, s, now, &mut rng);
        }
    }

    fn run_script(&mut self, s: u64) {
        let (due, later) = std::mem::take(&mut self.script)
            .into_iter()
            .partition::<Vec<_>, _>(|(at, _)| *at <= s);
        self.script = later;
        for (_, intervention) in due {
            // The opening scenario names services that exist; a failure would only mean a
            // quieter demo, so it is not worth surfacing.
            let _ = match intervention {
                Intervention::Rollout { cluster, service } => {
                    self.roll_out_next_revision(&cluster, &service).map(|_| ())
                }
                Intervention::Drain { cluster, instance } => {
                    self.drain_instance(&cluster, instance)
                }
            };
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn step_service(
    cluster: &mut ClusterState,
    si: usize,
    draining: &[String],
    families: &BTreeMap<String, Family>,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
) {
    let mut notes = Notes::default();
    let svc = &mut cluster.services[si];
    let crash_p = svc.crashes_per_hour / 3600.0;
    for t in &mut svc.tasks {
        advance_task(t, s, now, rng, &mut notes);
        churn(t, crash_p, s, now, rng);
    }
    count_failures(svc, &notes.failed, now, rng);
    let plan = plan(&cluster.services[si], draining, s);
    let svc = &mut cluster.services[si];
    for &i in &plan.stop {
        let t = &mut svc.tasks[i];
        let reason = format!(
            "Scaling activity initiated by (deployment {})",
            t.deployment.as_deref().unwrap_or_default()
        );
        if begin_stop(t, s, now, rng, &reason, SCHEDULER_STOP) {
            notes.draining.push(t.id.clone());
        } else {
            notes.stopped.push(t.id.clone());
        }
    }
    if plan.start > 0 {
        start_tasks(cluster, si, families, plan.start, s, now, rng, &mut notes);
    }
    let svc = &mut cluster.services[si];
    if !plan.stop.is_empty() || plan.start > 0 {
        for d in &mut svc.deployments {
            d.updated_at = now;
        }
    }
    retain_recent(&mut svc.tasks, now);
    write_events(svc, &notes, s, now, rng);
    settle(svc, draining, s, now, rng);
}

fn draining_instances(cluster: &ClusterState) -> Vec<String> {
    cluster
        .instances
        .iter()
        .filter(|i| i.status == "DRAINING")
        .map(|i| i.id.clone())
        .collect()
}

fn on_draining(t: &TaskState, draining: &[String]) -> bool {
    t.instance.as_ref().is_some_and(|i| draining.contains(i))
}

struct Plan {
    start: usize,
    stop: Vec<usize>,
}

/// The scheduler's decision for one service: tasks of older deployments (or on draining
/// instances) are replaced while at least minimum-healthy percent stay healthy and at
/// most maximum percent run; surplus tasks go; missing ones start.
fn plan(svc: &ServiceState, draining: &[String], s: u64) -> Plan {
    // A deployment the circuit breaker failed, without rollback, launches nothing more.
    if svc.primary().is_some_and(|d| d.rollout_state == "FAILED") {
        return Plan {
            start: 0,
            stop: Vec::new(),
        };
    }
    let desired = usize::try_from(svc.desired).unwrap_or(0);
    let min_pct = usize::try_from(svc.config.minimum_healthy_percent.unwrap_or(100)).unwrap_or(100);
    let max_pct = usize::try_from(svc.config.maximum_percent.unwrap_or(200)).unwrap_or(200);
    // As ECS does: the minimum rounds up, the maximum down (but never below desired).
    let min_healthy = (desired * min_pct).div_ceil(100);
    let max_total = (desired * max_pct / 100).max(desired);
    let primary = svc.primary().map(|d| d.id.as_str());
    let tasks = &svc.tasks;
    let is_old = |t: &TaskState| t.deployment.as_deref() != primary || on_draining(t, draining);
    // Most services most of the time: exactly the desired tasks, all current.
    let mut live_tasks = tasks.iter().filter(|t| t.desired_running);
    if live_tasks.clone().count() == desired && !live_tasks.any(is_old) {
        return Plan {
            start: 0,
            stop: Vec::new(),
        };
    }
    let live: Vec<usize> = (0..tasks.len())
        .filter(|&i| tasks[i].desired_running)
        .collect();
    let (old, mut good): (Vec<usize>, Vec<usize>) = live.iter().partition(|&&i| is_old(&tasks[i]));
    let mut healthy = live.iter().filter(|&&i| tasks[i].healthy(s)).count();
    let mut stop: Vec<usize> = old
        .iter()
        .copied()
        .filter(|&i| !tasks[i].healthy(s))
        .collect();
    for &i in old.iter().filter(|&&i| tasks[i].healthy(s)) {
        if healthy > min_healthy {
            stop.push(i);
            healthy -= 1;
        }
    }
    if good.len() > desired {
        // Scale in: tasks not yet serving first, then the newest.
        good.sort_by_key(|&i| (tasks[i].healthy(s), Reverse(tasks[i].created_at)));
        let surplus = good.len() - desired;
        stop.extend(good.drain(..surplus));
    }
    let live_after = live.len() - stop.len();
    let start = desired
        .saturating_sub(good.len())
        .min(max_total.saturating_sub(live_after));
    Plan { start, stop }
}

#[allow(clippy::too_many_arguments)]
fn start_tasks(
    cluster: &mut ClusterState,
    si: usize,
    families: &BTreeMap<String, Family>,
    n: usize,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
    notes: &mut Notes,
) {
    let svc = &cluster.services[si];
    let Some(dep) = svc.primary() else {
        return;
    };
    let (family_name, revision) = parse_reference(&dep.task_definition);
    let (Some(family), Some(revision)) = (families.get(family_name), revision) else {
        return;
    };
    let group = format!("service:{}", svc.name);
    let (cpu, memory) = family.size(revision);
    let ask = Ask {
        group: &group,
        launch: &svc.launch,
        instance_family: svc.instance_family.as_deref(),
        cpu,
        memory,
    };
    let failing = family
        .is_failing(revision)
        .then(|| Arc::new(failing_mode(svc, family, revision)));
    let batch = Batch::new(family, revision, &group, Some(&dep.id));
    let slots = place(cluster, &ask, n, rng, false);
    notes.unplaceable = slots.len() < n;
    let drain_secs = svc.load_balancer.as_ref().map(|_| 30);
    let mut new = Vec::with_capacity(slots.len());
    for slot in slots {
        // Fargate provisions an ENI first; EC2 bridge tasks go straight to pulling images.
        let (status, wait) = if !family.awsvpc(revision) {
            (TaskStatus::Pending, rng.u64(5..20))
        } else {
            (TaskStatus::Provisioning, rng.u64(5..15))
        };
        let spec = NewTask {
            batch: &batch,
            status,
            next_at: Some(s + wait),
            created_at: now,
            drain_secs,
        };
        let mut task = new_task(rng, spec, slot);
        task.failing = failing.clone();
        new.push(task);
    }
    notes.started.extend(new.iter().map(|t| t.id.clone()));
    cluster.services[si].tasks.extend(new);
}

/// How a task of a broken revision fails in this service: the load balancer's health
/// checks, the container's own, or (with neither) an application that exits.
fn failing_mode(svc: &ServiceState, family: &Family, revision: i32) -> Failing {
    let tg = svc
        .load_balancer
        .as_ref()
        .and_then(|lb| lb.target_group_arn.as_deref());
    let container_check = family.containers(revision).iter().any(|c| c.health_check);
    match tg {
        Some(tg) => Failing {
            health_check: true,
            reason: format!("Task failed ELB health checks in (target-group {tg})"),
        },
        None if container_check => Failing {
            health_check: true,
            reason: "Task failed container health checks".into(),
        },
        None => Failing {
            health_check: false,
            reason: EXITED_REASON.into(),
        },
    }
}

/// Retires finished deployments, completes the rollout and notes steady states.
fn settle(svc: &mut ServiceState, draining: &[String], s: u64, now: DateTime<Utc>, rng: &mut Rng) {
    if svc.deployments.len() > 1 {
        // Superseded deployments go INACTIVE once their last task has stopped;
        // DescribeServices stops listing them.
        let ServiceState {
            tasks, deployments, ..
        } = &mut *svc;
        let primary = deployments[0].id.clone();
        deployments.retain(|d| {
            d.id == primary
                || tasks.iter().any(|t| {
                    t.status != TaskStatus::Stopped && t.deployment.as_deref() == Some(&*d.id)
                })
        });
    }
    if !is_settled(svc, draining, s) {
        svc.steady = false;
        return;
    }
    let rolling = svc
        .primary()
        .is_some_and(|d| d.rollout_state == "IN_PROGRESS");
    let steady_due =
        !svc.steady || (now - svc.last_steady_event).num_seconds() >= STEADY_EVENT_EVERY_SECS;
    if !rolling && !steady_due {
        return;
    }
    let name = svc.name.clone();
    if rolling && let Some(d) = svc.deployments.first_mut() {
        let id = d.id.clone();
        d.rollout_state = "COMPLETED".into();
        d.rollout_reason = format!("ECS deployment {id} completed.");
        d.updated_at = now;
        svc.last_completed = Some((id.clone(), d.task_definition.clone()));
        svc.push_event(
            uuid(rng),
            now,
            format!("(service {name}) (deployment {id}) deployment completed."),
        );
    }
    if steady_due {
        svc.steady = true;
        svc.last_steady_event = now;
        svc.push_event(
            uuid(rng),
            now,
            format!("(service {name}) has reached a steady state."),
        );
    }
}

/// One deployment, exactly the desired tasks, all of it, healthy and on good instances,
/// and nothing still on its way down.
fn is_settled(svc: &ServiceState, draining: &[String], s: u64) -> bool {
    let Some(primary) = svc.primary().map(|d| d.id.as_str()) else {
        return false;
    };
    let mut live = 0;
    for t in &svc.tasks {
        if !t.desired_running {
            if t.status != TaskStatus::Stopped {
                return false;
            }
            continue;
        }
        if t.deployment.as_deref() != Some(primary) || on_draining(t, draining) || !t.healthy(s) {
            return false;
        }
        live += 1;
    }
    svc.deployments.len() == 1 && usize::try_from(svc.desired).is_ok_and(|d| d == live)
}

/// Whether a service can be passed by until something wakes it: settled on one completed
/// deployment, every task RUNNING, healthy and with nothing scheduled, and nothing that
/// happens by chance (crashes, Spot interruptions) or stopped tasks still to expire.
fn is_quiet(svc: &ServiceState, draining: &[String], s: u64) -> bool {
    svc.steady
        && svc.crashes_per_hour <= 0.0
        && svc
            .primary()
            .is_some_and(|d| d.rollout_state == "COMPLETED")
        && svc.tasks.iter().all(|t| {
            t.desired_running
                && t.status == TaskStatus::Running
                && t.next_at.is_none()
                && t.exit_at.is_none()
                && t.fail_at.is_none()
                && t.capacity_provider.as_deref() != Some("FARGATE_SPOT")
        })
        && is_settled(svc, draining, s)
}

/// What a quiet service's step does: its six-hourly steady-state event, drawn from a
/// stream of its own so that quiet services take nothing from the step's shared RNG.
fn note_steady(svc: &mut ServiceState, seed: u64, s: u64, now: DateTime<Utc>) {
    let mut rng = rng_for(seed, STREAM_QUIET, s ^ salt(&svc.name));
    svc.last_steady_event = now;
    let message = format!("(service {}) has reached a steady state.", svc.name);
    svc.push_event(uuid(&mut rng), now, message);
}

/// RunTask work on a timer, outside any service: it runs its course and exits.
fn step_standalone(
    cluster: &mut ClusterState,
    families: &BTreeMap<String, Family>,
    s: u64,
    now: DateTime<Utc>,
    rng: &mut Rng,
) {
    let mut ignored = Notes::default();
    for t in &mut cluster.standalone {
        advance_task(t, s, now, rng, &mut ignored);
    }
    let launch = if cluster.ec2 {
        Launch::Ec2
    } else {
        Launch::Fargate
    };
    for i in 0..cluster.schedules.len() {
        let schedule = &cluster.schedules[i];
        if now.timestamp().rem_euclid(schedule.every_secs) != schedule.offset_secs {
            continue;
        }
        let Some(family) = families.get(&schedule.family) else {
            continue;
        };
        let group = format!("family:{}", family.name);
        let (cpu, memory) = family.size(family.latest);
        let ask = Ask {
            group: &group,
            launch: &launch,
            instance_family: None,
            cpu,
            memory,
        };
        let Some(slot) = place(cluster, &ask, 1, rng, false).pop() else {
            continue;
        };
        let run = rng.u64(schedule.run_secs.clone());
        let code = i32::from(rng.u64(..schedule.fail_one_in.max(1)) == 0);
        let batch = Batch::new(family, family.latest, &group, None);
        let spec = NewTask {
            batch: &batch,
            status: TaskStatus::Provisioning,
            next_at: Some(s + rng.u64(5..15)),
            created_at: now,
            drain_secs: None,
        };
        let mut task = new_task(rng, spec, slot);
        // Long enough after start-up (at most 45 s) that the job is running by then.
        task.exit_at = Some((s + 45 + run, code));
        cluster.standalone.push(task);
    }
    retain_recent(&mut cluster.standalone, now);
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::fleet;
    use super::*;

    fn opened() -> Fleet {
        let opens_at = Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap();
        let mut f = fleet::build(11, opens_at);
        f.advance_to(opens_at);
        f
    }

    fn plan_for(f: &Fleet, cluster: &str, service: &str) -> Plan {
        let c = f.clusters.iter().find(|c| c.name == cluster).unwrap();
        plan(c.service(service).unwrap(), &draining_instances(c), f.step)
    }

    #[test]
    fn a_steady_service_needs_nothing() {
        let p = plan_for(&opened(), "prod-platform", "auth");
        assert_eq!((p.start, p.stop.len()), (0, 0));
    }

    #[test]
    fn half_healthy_lets_old_tasks_go_before_new_ones_serve() {
        let mut f = opened();
        f.roll_out_next_revision("prod-platform", "image-resizer")
            .unwrap();
        // 3 desired at 50%..200%: one of three old tasks may go now, three new may start.
        let p = plan_for(&f, "prod-platform", "image-resizer");
        assert_eq!((p.start, p.stop.len()), (3, 1));
    }

    #[test]
    fn full_healthy_keeps_every_old_task_until_new_ones_serve() {
        let mut f = opened();
        f.roll_out_next_revision("prod-platform", "auth").unwrap();
        // 3 desired at 100%..200%.
        let p = plan_for(&f, "prod-platform", "auth");
        assert_eq!((p.start, p.stop.len()), (3, 0));
    }

    #[test]
    fn scaling_in_stops_the_surplus_only() {
        let mut f = opened();
        f.set_desired("prod-platform", "auth", 1).unwrap();
        let p = plan_for(&f, "prod-platform", "auth");
        assert_eq!((p.start, p.stop.len()), (0, 2));
        f.set_desired("prod-platform", "auth", 0).unwrap();
        let p = plan_for(&f, "prod-platform", "auth");
        assert_eq!((p.start, p.stop.len()), (0, 3));
    }
}
