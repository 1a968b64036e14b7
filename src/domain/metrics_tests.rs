use chrono::{Duration, TimeZone, Utc};

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap()
}

fn minutes_ago(points: &[(i64, f64)]) -> Vec<Point> {
    points
        .iter()
        .map(|(m, v)| (now() - Duration::minutes(*m), *v))
        .collect()
}

fn alarm(name: &str, arn_region: &str, dims: &[(&str, &str)]) -> Alarm {
    Alarm {
        name: name.into(),
        arn: format!("arn:aws:cloudwatch:{arn_region}:123456789012:alarm:{name}"),
        reason: "Threshold Crossed".into(),
        since: None,
        metric: "AWS/ECS CPUUtilization".into(),
        dimensions: dims
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
    }
}

#[test]
fn sparkline_scales_each_slice_of_the_hour_and_leaves_gaps_blank() {
    // Four slices of 15 minutes: 0%, nothing, 50%, 100% (points outside the hour ignored).
    let points = minutes_ago(&[(90, 100.0), (55, 0.0), (20, 50.0), (1, 100.0)]);
    assert_eq!(sparkline(&points, now(), 4), "▁ ▅█");
    assert_eq!(sparkline(&points, now(), 0), "");
    assert_eq!(sparkline(&[], now(), 3), "   ");
    // Values beyond 0..100 (CPU above its reservation) are clamped, not a panic.
    assert_eq!(sparkline(&minutes_ago(&[(1, 340.0)]), now(), 1), "█");
}

#[test]
fn latest_is_only_a_recent_point_and_the_mean_covers_the_window() {
    let points = minutes_ago(&[(30, 10.0), (4, 80.0), (2, 90.0)]);
    assert_eq!(latest(&points, now()), Some(90.0));
    assert_eq!(latest(&minutes_ago(&[(30, 10.0)]), now()), None);
    assert_eq!(recent_mean(&points, now(), 5), Some(85.0));
    assert_eq!(recent_mean(&points, now(), 1), None);
}

#[test]
fn asks_count_their_queries_and_pick_a_period() {
    let targets = vec![
        MetricTarget::service("prod", "web"),
        MetricTarget::cluster("prod"),
    ];
    let ask = MetricsAsk {
        targets,
        hours: 1,
        counts: false,
    };
    assert_eq!(ask.queries(), 4);
    assert_eq!(ask.period_seconds(), 60);
    let long = MetricsAsk {
        hours: 24,
        counts: true,
        ..ask
    };
    assert_eq!(long.queries(), 8);
    assert_eq!(long.period_seconds(), 300);
}

#[test]
fn alarms_name_services_by_dimensions_or_target_group_and_region() {
    let tg =
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web-tg/6d0ecf831eec9f09";
    let by_service = alarm(
        "web-cpu",
        "eu-west-1",
        &[("ClusterName", "prod"), ("ServiceName", "web")],
    );
    assert!(by_service.names_service("prod", "web", []));
    assert!(!by_service.names_service("prod", "api", []));
    assert!(!by_service.names_service("staging", "web", []));
    assert!(!by_service.names_cluster("prod"));
    // Across regions a cluster is named by ARN: another region's alarm is not its own.
    let prod_eu = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod";
    let prod_us = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";
    assert!(by_service.names_service(prod_eu, "web", []));
    assert!(!by_service.names_service(prod_us, "web", []));

    let by_tg = alarm(
        "web-5xx",
        "eu-west-1",
        &[
            ("TargetGroup", "targetgroup/web-tg/6d0ecf831eec9f09"),
            ("LoadBalancer", "app/web/1"),
        ],
    );
    assert!(by_tg.names_service("prod", "web", [tg]));
    assert!(!by_tg.names_service("prod", "web", []));

    let cluster = alarm("prod-memory", "eu-west-1", &[("ClusterName", "prod")]);
    assert!(cluster.names_cluster("prod"));
    assert!(cluster.in_cluster("prod") && by_service.in_cluster("prod"));
    assert!(!by_service.in_cluster("staging") && !by_service.in_cluster(prod_us));
    assert!(!cluster.names_service("prod", "web", []));
    assert!(!cluster.names_cluster(prod_us));

    assert!(
        alarm(
            "TargetTracking-service/prod/web-AlarmHigh-1",
            "eu-west-1",
            &[]
        )
        .is_scaling()
    );
    assert!(!by_service.is_scaling());
}
