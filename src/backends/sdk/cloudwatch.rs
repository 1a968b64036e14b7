//! CloudWatch reads: GetMetricData for the CPU and memory of the services and clusters on
//! screen (up to 500 queries a call, each call within the API budget), and DescribeAlarms
//! for the alarms in ALARM (100 a page).

use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StateValue,
};
use chrono::{Duration, Utc};

use super::convert::time;
use super::errors;
use crate::domain::BackendResult;
use crate::domain::budget::{Budget, Category};
use crate::domain::metrics::{Alarm, MetricsAsk, Point, QUERIES_PER_CALL, Series};

/// The metrics of one target, in the order of `Series`'s fields.
const METRICS: [(&str, &str); 4] = [
    ("AWS/ECS", "CPUUtilization"),
    ("AWS/ECS", "MemoryUtilization"),
    ("ECS/ContainerInsights", "RunningTaskCount"),
    ("ECS/ContainerInsights", "DesiredTaskCount"),
];

/// The queries of `ask`, each with an id `m<target>_<metric>`.
fn queries(ask: &MetricsAsk) -> Vec<MetricDataQuery> {
    let metrics = if ask.counts { 4 } else { 2 };
    let mut out = Vec::with_capacity(ask.queries());
    for (i, target) in ask.targets.iter().enumerate() {
        let mut dimensions = vec![
            Dimension::builder()
                .name("ClusterName")
                .value(target.cluster_name())
                .build(),
        ];
        if let Some(service) = &target.service {
            dimensions.push(
                Dimension::builder()
                    .name("ServiceName")
                    .value(service)
                    .build(),
            );
        }
        for (m, (namespace, name)) in METRICS.iter().take(metrics).enumerate() {
            let metric = Metric::builder()
                .namespace(*namespace)
                .metric_name(*name)
                .set_dimensions(Some(dimensions.clone()))
                .build();
            let stat = MetricStat::builder()
                .metric(metric)
                .period(ask.period_seconds())
                .stat("Average")
                .build();
            out.push(
                MetricDataQuery::builder()
                    .id(format!("m{i}_{m}"))
                    .metric_stat(stat)
                    .return_data(true)
                    .build(),
            );
        }
    }
    out
}

/// Which target and metric a query id names.
fn parse_id(id: &str) -> Option<(usize, usize)> {
    let (target, metric) = id.strip_prefix('m')?.split_once('_')?;
    Some((target.parse().ok()?, metric.parse().ok()?))
}

fn series_mut(series: &mut Series, metric: usize) -> Option<&mut Vec<Point>> {
    Some(match metric {
        0 => &mut series.cpu,
        1 => &mut series.memory,
        2 => &mut series.running,
        3 => &mut series.desired,
        _ => return None,
    })
}

pub(super) async fn metrics(
    cw: &aws_sdk_cloudwatch::Client,
    budget: &Budget,
    ask: &MetricsAsk,
) -> BackendResult<Vec<Series>> {
    const OP: &str = "GetMetricData";
    let end = Utc::now();
    let start = end - Duration::hours(i64::from(ask.hours.max(1)));
    let to_smithy = |t: chrono::DateTime<Utc>| aws_smithy_types::DateTime::from_secs(t.timestamp());
    let mut out = vec![Series::default(); ask.targets.len()];
    for chunk in queries(ask).chunks(QUERIES_PER_CALL) {
        let mut token: Option<String> = None;
        loop {
            budget.acquire(Category::MetricRead).await;
            let answer = cw
                .get_metric_data()
                .set_metric_data_queries(Some(chunk.to_vec()))
                .start_time(to_smithy(start))
                .end_time(to_smithy(end))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(OP, e))?;
            for result in answer.metric_data_results() {
                let Some((target, metric)) = result.id().and_then(parse_id) else {
                    continue;
                };
                let Some(points) = out.get_mut(target).and_then(|s| series_mut(s, metric)) else {
                    continue;
                };
                for (at, value) in result.timestamps().iter().zip(result.values()) {
                    if let Some(at) = time(Some(at))
                        && value.is_finite()
                    {
                        points.push((at, *value));
                    }
                }
            }
            token = answer.next_token().map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
    }
    // Pages and endpoints may not keep the order asked for: oldest first, once each.
    for series in &mut out {
        for points in [
            &mut series.cpu,
            &mut series.memory,
            &mut series.running,
            &mut series.desired,
        ] {
            points.sort_by_key(|(at, _)| *at);
            points.dedup_by_key(|(at, _)| *at);
        }
    }
    Ok(out)
}

pub(super) async fn alarms(
    cw: &aws_sdk_cloudwatch::Client,
    budget: &Budget,
) -> BackendResult<Vec<Alarm>> {
    const OP: &str = "DescribeAlarms";
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        budget.acquire(Category::AlarmRead).await;
        let answer = cw
            .describe_alarms()
            .state_value(StateValue::Alarm)
            .max_records(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        for a in answer.metric_alarms() {
            out.push(Alarm {
                name: a.alarm_name().unwrap_or_default().to_owned(),
                arn: a.alarm_arn().unwrap_or_default().to_owned(),
                reason: a.state_reason().unwrap_or_default().to_owned(),
                since: time(a.state_updated_timestamp()),
                metric: [a.namespace(), a.metric_name()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                dimensions: a
                    .dimensions()
                    .iter()
                    .map(|d| {
                        (
                            d.name().unwrap_or_default().to_owned(),
                            d.value().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect(),
            });
        }
        token = answer.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::MetricTarget;

    #[test]
    fn ids_name_their_target_and_metric() {
        let ask = MetricsAsk {
            targets: vec![
                MetricTarget::service("arn:aws:ecs:eu-west-1:1:cluster/prod", "web"),
                MetricTarget::cluster("prod"),
            ],
            hours: 1,
            counts: false,
        };
        let qs = queries(&ask);
        assert_eq!(qs.len(), 4);
        let ids: Vec<_> = qs
            .iter()
            .map(|q| q.id().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(ids, ["m0_0", "m0_1", "m1_0", "m1_1"]);
        assert_eq!(parse_id("m1_1"), Some((1, 1)));
        assert_eq!(parse_id("x1_1"), None);
        let stat = qs[0].metric_stat().unwrap();
        let metric = stat.metric().unwrap();
        assert_eq!(metric.metric_name(), Some("CPUUtilization"));
        let dims: Vec<_> = metric
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap_or_default(), d.value().unwrap_or_default()))
            .collect();
        // The cluster's name, not its ARN, and the service for a service's query.
        assert_eq!(dims, [("ClusterName", "prod"), ("ServiceName", "web")]);
        assert_eq!(stat.period(), Some(60));
        let cluster_dims = qs[2]
            .metric_stat()
            .unwrap()
            .metric()
            .unwrap()
            .dimensions()
            .len();
        assert_eq!(cluster_dims, 1);
    }
}
