//! What CloudWatch says of services and clusters: CPU and memory utilisation (AWS/ECS,
//! one point a minute, by cluster and service or by cluster alone), task counts
//! (ECS/ContainerInsights, where Container Insights is on) and alarms in ALARM.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::model::{arn_name, arn_region};

/// One point of a metric: when, and its value (a percent for utilisation).
pub type Point = (DateTime<Utc>, f64);

/// What a metric series is of: a service (`service` set) or a whole cluster. `cluster` is
/// the cluster as the app names it (a name, or an ARN across several regions).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct MetricTarget {
    pub cluster: String,
    pub service: Option<String>,
}

impl MetricTarget {
    pub fn service(cluster: &str, service: &str) -> MetricTarget {
        MetricTarget {
            cluster: cluster.to_owned(),
            service: Some(service.to_owned()),
        }
    }

    pub fn cluster(cluster: &str) -> MetricTarget {
        MetricTarget {
            cluster: cluster.to_owned(),
            service: None,
        }
    }

    /// The `ClusterName` dimension.
    pub fn cluster_name(&self) -> &str {
        arn_name(&self.cluster)
    }
}

/// The series of one target over the period asked for, oldest point first. `running` and
/// `desired` are only asked for one service at a time (a describe view's chart) and are
/// empty without Container Insights.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    pub cpu: Vec<Point>,
    pub memory: Vec<Point>,
    pub running: Vec<Point>,
    pub desired: Vec<Point>,
}

/// What to read: targets, how many hours back, and whether task counts are wanted too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricsAsk {
    pub targets: Vec<MetricTarget>,
    pub hours: u32,
    pub counts: bool,
}

/// Most queries one GetMetricData call takes.
pub const QUERIES_PER_CALL: usize = 500;

impl MetricsAsk {
    /// The metrics asked for, each a GetMetricData query.
    pub fn queries(&self) -> usize {
        self.targets.len() * if self.counts { 4 } else { 2 }
    }

    /// The period of each point: a minute up to three hours, five minutes beyond.
    pub fn period_seconds(&self) -> i32 {
        if self.hours <= 3 { 60 } else { 300 }
    }
}

/// The hours a describe view's charts can show.
pub const CHART_HOURS: [u32; 5] = [1, 3, 6, 12, 24];

/// The latest value of a series, if any point is recent enough to mean "now" (within ten
/// minutes of `now`: AWS/ECS publishes a point a minute, a minute or two late).
pub fn latest(points: &[Point], now: DateTime<Utc>) -> Option<f64> {
    let (at, value) = points.last()?;
    (now - *at <= Duration::minutes(10)).then_some(*value)
}

/// The mean of the points of the last `minutes`.
pub fn recent_mean(points: &[Point], now: DateTime<Utc>, minutes: i64) -> Option<f64> {
    let since = now - Duration::minutes(minutes);
    let recent: Vec<f64> = points
        .iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, v)| *v)
        .collect();
    (!recent.is_empty()).then(|| recent.iter().sum::<f64>() / recent.len() as f64)
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The last hour of a utilisation series in `width` characters, one per equal slice of
/// the hour (its mean), scaled 0 to 100%; a slice without points is a space.
pub fn sparkline(points: &[Point], now: DateTime<Utc>, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let start = now - Duration::hours(1);
    let span = 3600.0 / width as f64;
    let mut sums = vec![(0.0, 0u32); width];
    for (at, v) in points {
        if *at < start || *at > now {
            continue;
        }
        let slot = (((*at - start).num_seconds() as f64) / span) as usize;
        let slot = slot.min(width - 1);
        sums[slot].0 += v;
        sums[slot].1 += 1;
    }
    sums.iter()
        .map(|(sum, n)| {
            if *n == 0 {
                return ' ';
            }
            let mean = (sum / f64::from(*n)).clamp(0.0, 100.0);
            BARS[((mean / 100.0) * 7.0).round() as usize]
        })
        .collect()
}

/// A CloudWatch alarm in ALARM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alarm {
    pub name: String,
    pub arn: String,
    /// Why it fired, in CloudWatch's words.
    pub reason: String,
    /// When it went to ALARM.
    pub since: Option<DateTime<Utc>>,
    /// `AWS/ECS CPUUtilization`.
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
}

impl Alarm {
    /// An alarm Application Auto Scaling made for a target-tracking policy: it goes to
    /// ALARM by design whenever the service needs scaling.
    pub fn is_scaling(&self) -> bool {
        self.name.starts_with("TargetTracking-")
    }

    fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the alarm's region is the cluster's (a cluster named by its ARN; a plain
    /// name is in the only region in use).
    fn same_region(&self, cluster: &str) -> bool {
        match (arn_region(cluster), arn_region(&self.arn)) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }

    /// Whether its dimensions name this service: ClusterName and ServiceName, or one of
    /// the service's target groups (`TargetGroup` = `targetgroup/name/id`, as ELB names
    /// it in its metrics).
    pub fn names_service<'a>(
        &self,
        cluster: &str,
        service: &str,
        target_groups: impl IntoIterator<Item = &'a str>,
    ) -> bool {
        if !self.same_region(cluster) {
            return false;
        }
        if self.dimension("ClusterName") == Some(arn_name(cluster))
            && self.dimension("ServiceName") == Some(service)
        {
            return true;
        }
        let Some(tg) = self.dimension("TargetGroup") else {
            return false;
        };
        target_groups
            .into_iter()
            .any(|arn| arn.rsplit_once(':').is_some_and(|(_, tail)| tail == tg))
    }

    /// Whether its dimensions name the cluster, alone or with one of its services.
    pub fn in_cluster(&self, cluster: &str) -> bool {
        self.same_region(cluster) && self.dimension("ClusterName") == Some(arn_name(cluster))
    }

    /// Whether it is about the cluster as a whole (ClusterName and no ServiceName).
    pub fn names_cluster(&self, cluster: &str) -> bool {
        self.same_region(cluster)
            && self.dimension("ClusterName") == Some(arn_name(cluster))
            && self.dimension("ServiceName").is_none()
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
