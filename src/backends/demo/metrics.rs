//! The demo fleet's CloudWatch: CPU and memory that move (each service its own level and
//! rhythm), a CPU spike while a rollout has not completed (the failing `orders`), memory
//! climbing to its limit between the OOM kills of `pdf-renderer`, task counts as Container
//! Insights would give them, and alarms: `orders`' CPU alarm while it spikes, an ELB alarm
//! on `recommendations`' target group, and the alarms of target-tracking policies (which
//! fire by design).

use chrono::{DateTime, Duration, Utc};

use super::ids::mix;
use super::scaling::AutoScaling;
use super::state::{ClusterState, ServiceState};
use super::targets::UNHEALTHY_TARGET_SERVICE;
use crate::domain::metrics::{Alarm, MetricsAsk, Point, Series};
use crate::ops::model::{PolicyKind, TrackedMetric};

/// The service whose memory climbs until the kernel kills it.
const LEAKING_SERVICE: &str = "pdf-renderer";
/// The CPU level above which `orders`' alarm fires.
const CPU_ALARM: f64 = 80.0;

fn hash(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| mix(h ^ u64::from(b)))
}

/// A number in 0..1 for this text and minute.
fn noise(text: &str, minute: i64) -> f64 {
    (mix(hash(text) ^ minute.cast_unsigned()) % 10_000) as f64 / 10_000.0
}

/// Whether one of the service's deployments was rolling out at `at`: from its creation to
/// now while in progress, to its completion (a rollout's length: a deployment updated
/// long after it was made is not rolling since), or to a few minutes after it failed.
fn rolling(svc: &ServiceState, at: DateTime<Utc>) -> bool {
    svc.deployments.iter().any(|d| {
        at >= d.created_at
            && match d.rollout_state.as_str() {
                "IN_PROGRESS" => true,
                "FAILED" => at <= d.updated_at + Duration::minutes(5),
                _ => d.updated_at - d.created_at <= Duration::minutes(30) && at <= d.updated_at,
            }
    })
}

fn cpu_at(svc: &ServiceState, at: DateTime<Utc>) -> f64 {
    let h = hash(&svc.name);
    let minute = at.timestamp() / 60;
    let base = 12.0 + (h % 40) as f64;
    let rhythm = 20 + (h % 25) as i64;
    let wave = 8.0 * ((minute % rhythm) as f64 / rhythm as f64 * std::f64::consts::TAU).sin();
    let level = base + wave + 6.0 * noise(&svc.name, minute);
    if rolling(svc, at) {
        (88.0 + 10.0 * noise(&svc.name, minute + 1)).min(99.5)
    } else {
        level.clamp(1.0, 99.0)
    }
}

fn memory_at(svc: &ServiceState, at: DateTime<Utc>) -> f64 {
    let h = hash(&svc.name) >> 8;
    let minute = at.timestamp() / 60;
    if svc.name == LEAKING_SERVICE {
        // Climbs over 20 minutes to the limit, then starts again (a task killed).
        return 40.0 + (minute % 20) as f64 * 3.0 + 2.0 * noise(&svc.name, minute);
    }
    (30.0 + (h % 45) as f64 + 3.0 * noise(&svc.name, minute + 7)).clamp(1.0, 99.0)
}

/// The minutes of the period asked for, oldest first, each at its start, the current one
/// included (AWS publishes a minute late; the demo shows a rollout's spike at once).
fn times(ask: &MetricsAsk, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let period = i64::from(ask.period_seconds());
    let end = now.timestamp() / period * period;
    let start = end - i64::from(ask.hours.max(1)) * 3600;
    (start / period + 1..=end / period)
        .filter_map(|i| DateTime::from_timestamp(i * period, 0))
        .collect()
}

fn points(at: &[DateTime<Utc>], f: impl Fn(DateTime<Utc>) -> f64) -> Vec<Point> {
    at.iter().map(|t| (*t, f(*t))).collect()
}

/// The series of one service. AWS/ECS publishes nothing while no task runs.
pub(super) fn service_series(svc: &ServiceState, ask: &MetricsAsk, now: DateTime<Utc>) -> Series {
    let running = svc.running();
    if running <= 0 {
        return Series::default();
    }
    let at = times(ask, now);
    let mut series = Series {
        cpu: points(&at, |t| cpu_at(svc, t)),
        memory: points(&at, |t| memory_at(svc, t)),
        ..Series::default()
    };
    if ask.counts {
        let desired = f64::from(svc.desired);
        series.desired = points(&at, |_| desired);
        // As desired, the latest minute as it is now.
        series.running = points(&at, |_| desired);
        if let Some(last) = series.running.last_mut() {
            last.1 = f64::from(running);
        }
    }
    series
}

/// The series of a cluster: the mean of its services' at each minute.
pub(super) fn cluster_series(c: &ClusterState, ask: &MetricsAsk, now: DateTime<Utc>) -> Series {
    let each: Vec<Series> = c
        .services
        .iter()
        .map(|s| service_series(s, ask, now))
        .filter(|s| !s.cpu.is_empty())
        .collect();
    let mean = |pick: fn(&Series) -> &Vec<Point>| -> Vec<Point> {
        let Some(first) = each.first() else {
            return Vec::new();
        };
        (0..pick(first).len())
            .map(|i| {
                let at = pick(first)[i].0;
                let sum: f64 = each
                    .iter()
                    .filter_map(|s| pick(s).get(i))
                    .map(|p| p.1)
                    .sum();
                (at, sum / each.len() as f64)
            })
            .collect()
    };
    Series {
        cpu: mean(|s| &s.cpu),
        memory: mean(|s| &s.memory),
        ..Series::default()
    }
}

fn alarm(
    region_account: &str,
    name: String,
    reason: String,
    since: DateTime<Utc>,
    metric: &str,
    dimensions: Vec<(String, String)>,
) -> Alarm {
    Alarm {
        arn: format!("arn:aws:cloudwatch:{region_account}:alarm:{name}"),
        name,
        reason,
        since: Some(since),
        metric: metric.into(),
        dimensions,
    }
}

/// The alarms in ALARM now.
pub(super) fn alarms(
    clusters: &[ClusterState],
    scaling: &AutoScaling,
    region_account: &str,
    now: DateTime<Utc>,
) -> Vec<Alarm> {
    let minute_ago = now - Duration::minutes(1);
    let mut out = Vec::new();
    for c in clusters {
        for svc in &c.services {
            let dims = vec![
                ("ClusterName".to_owned(), c.name.clone()),
                ("ServiceName".to_owned(), svc.name.clone()),
            ];
            let cpu = cpu_at(svc, minute_ago);
            if !svc.generated && rolling(svc, minute_ago) && cpu > CPU_ALARM {
                let since = svc
                    .deployments
                    .iter()
                    .map(|d| d.created_at)
                    .max()
                    .unwrap_or(now);
                out.push(alarm(
                    region_account,
                    format!("{}-cpu-high", svc.name),
                    format!(
                        "Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold ({CPU_ALARM:.1}). The most recent datapoint: {cpu:.1}."
                    ),
                    since,
                    "AWS/ECS CPUUtilization",
                    dims.clone(),
                ));
            }
            if svc.name == UNHEALTHY_TARGET_SERVICE
                && let Some(tg) = svc
                    .load_balancer
                    .as_ref()
                    .and_then(|lb| lb.target_group_arn.as_deref())
            {
                let tail = tg.rsplit_once(':').map_or(tg, |(_, t)| t).to_owned();
                out.push(alarm(
                    region_account,
                    format!("{}-unhealthy-hosts", svc.name),
                    "Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the threshold (1.0).".into(),
                    now - Duration::minutes(17),
                    "AWS/ApplicationELB UnHealthyHostCount",
                    vec![("TargetGroup".into(), tail)],
                ));
            }
            let Some(target) = scaling
                .targets
                .get(&format!("service/{}/{}", c.name, svc.name))
            else {
                continue;
            };
            for policy in &target.policies {
                let PolicyKind::TargetTracking(tt) = &policy.kind else {
                    continue;
                };
                let (level, metric) = match tt.metric {
                    TrackedMetric::Cpu => (cpu, "AWS/ECS CPUUtilization"),
                    TrackedMetric::Memory => {
                        (memory_at(svc, minute_ago), "AWS/ECS MemoryUtilization")
                    }
                    _ => continue,
                };
                // Application Auto Scaling's pair: the high alarm above the target, the
                // low one (90% of it) below, where most services spend most of the time.
                let (side, crossed, threshold) = if level > tt.target_value {
                    ("AlarmHigh", "greater", tt.target_value)
                } else if level < tt.target_value * 0.9 {
                    ("AlarmLow", "less", tt.target_value * 0.9)
                } else {
                    continue;
                };
                let id = format!("{:08x}", hash(&policy.name) as u32);
                out.push(alarm(
                    region_account,
                    format!("TargetTracking-service/{}/{}-{side}-{id}", c.name, svc.name),
                    format!(
                        "Threshold Crossed: 3 datapoints were {crossed} than the threshold ({threshold:.1}). The most recent datapoint: {level:.1}."
                    ),
                    now - Duration::minutes(3),
                    metric,
                    dims.clone(),
                ));
            }
        }
    }
    out
}
