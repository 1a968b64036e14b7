//! CloudWatch against moto, through the test layer, which translates the smithy-rpc-v2-cbor
//! protocol the SDK speaks to the query protocol moto answers. Seeded with PutMetricData,
//! PutMetricAlarm and SetAlarmState (moto evaluates no alarm). What is proven: the backend
//! reads a service's and a cluster's CPU and memory in one GetMetricData call and the
//! alarms in ALARM with their dimensions and reason; the services pane shows the CPU of a
//! service and marks the one whose alarm fires, its describe view says why, and `:pulse`
//! lists both the alarm and the CPU above its threshold.

use std::io::Write;

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, MetricDatum, StateValue, Statistic,
};
use aws_sdk_ecs::types::LaunchType;
use ecsdash::domain::metrics::{MetricTarget, MetricsAsk};

use crate::support::{self, unique};
use crate::terminal::Dashboard;

const REGION: &str = "us-east-1";

fn cloudwatch(moto: &support::Moto) -> aws_sdk_cloudwatch::Client {
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.proxy)
        .region(Region::new(REGION))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(config)
}

fn dims(cluster: &str, service: Option<&str>) -> Vec<Dimension> {
    let mut out = vec![
        Dimension::builder()
            .name("ClusterName")
            .value(cluster)
            .build(),
    ];
    if let Some(s) = service {
        out.push(Dimension::builder().name("ServiceName").value(s).build());
    }
    out
}

/// Five minutes of CPU and memory at these levels, a point a minute.
async fn put_metrics(
    cw: &aws_sdk_cloudwatch::Client,
    cluster: &str,
    service: Option<&str>,
    cpu: f64,
    memory: f64,
) {
    let now = chrono::Utc::now().timestamp();
    let mut put = cw.put_metric_data().namespace("AWS/ECS");
    for minutes in 1..=5 {
        let at = DateTime::from_secs((now / 60 - minutes) * 60);
        for (name, value) in [("CPUUtilization", cpu), ("MemoryUtilization", memory)] {
            put = put.metric_data(
                MetricDatum::builder()
                    .metric_name(name)
                    .set_dimensions(Some(dims(cluster, service)))
                    .timestamp(at)
                    .value(value)
                    .build(),
            );
        }
    }
    put.send().await.expect("PutMetricData");
}

/// An alarm on the service's CPU, put in ALARM.
async fn firing(cw: &aws_sdk_cloudwatch::Client, name: &str, cluster: &str, service: &str) {
    cw.put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/ECS")
        .metric_name("CPUUtilization")
        .set_dimensions(Some(dims(cluster, Some(service))))
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(3)
        .threshold(80.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .expect("PutMetricAlarm");
    cw.set_alarm_state()
        .alarm_name(name)
        .state_value(StateValue::Alarm)
        .state_reason("Threshold Crossed: 3 datapoints were greater than the threshold (80.0)")
        .send()
        .await
        .expect("SetAlarmState");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_backend_reads_metrics_in_one_call_and_the_alarms_in_alarm() {
    let Some(moto) = support::moto() else { return };
    let cw = cloudwatch(&moto);
    let cluster = unique("cw");
    let service = unique("hot");
    put_metrics(&cw, &cluster, Some(&service), 95.0, 41.0).await;
    put_metrics(&cw, &cluster, None, 60.0, 30.0).await;
    let alarm = unique("hot-cpu");
    firing(&cw, &alarm, &cluster, &service).await;
    let scaling = format!("TargetTracking-service/{cluster}/{service}-AlarmHigh-1");
    firing(&cw, &scaling, &cluster, &service).await;

    let backend = support::backend(&moto, REGION).await;
    let ask = MetricsAsk {
        targets: vec![
            MetricTarget::service(&cluster, &service),
            MetricTarget::cluster(&cluster),
        ],
        hours: 1,
        counts: false,
    };
    let series = ecsdash::domain::Backend::metrics(&backend, &ask)
        .await
        .expect("GetMetricData");
    assert_eq!(series.len(), 2);
    let cpu: Vec<f64> = series[0].cpu.iter().map(|p| p.1).collect();
    assert!(
        cpu.len() >= 4 && cpu.iter().all(|v| *v == 95.0),
        "{series:?}"
    );
    assert!(series[0].memory.iter().all(|p| p.1 == 41.0), "{series:?}");
    // Oldest first.
    assert!(
        series[0].cpu.windows(2).all(|w| w[0].0 < w[1].0),
        "{series:?}"
    );
    assert!(series[1].cpu.iter().all(|p| p.1 == 60.0) && !series[1].cpu.is_empty());
    // Four metrics, one call.
    let asked = support::requests(&moto, "GetMetricData", &cluster).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(
        asked[0]["MetricDataQueries"].as_array().map(Vec::len),
        Some(4)
    );

    let alarms = ecsdash::domain::Backend::alarms(&backend)
        .await
        .expect("DescribeAlarms");
    let mine = alarms.iter().find(|a| a.name == alarm).expect("the alarm");
    assert!(mine.reason.starts_with("Threshold Crossed"), "{mine:?}");
    assert_eq!(mine.metric, "AWS/ECS CPUUtilization");
    assert!(mine.names_service(&cluster, &service, []));
    assert!(!mine.is_scaling());
    let tt = alarms
        .iter()
        .find(|a| a.name == scaling)
        .expect("target tracking's");
    assert!(tt.is_scaling());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_services_pane_shows_cpu_and_alarms_and_pulse_lists_them() {
    let Some(moto) = support::moto() else { return };
    let cw = cloudwatch(&moto);
    let ecs = support::ecs(&moto, REGION);
    let prefix = unique("cwp");
    let cluster = format!("{prefix}-c");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let td = support::small_task_definition(&ecs, &unique("cwfam"), None, "nginx:1.27").await;
    // Short names (the cluster is this test's own), so that 100 columns show them whole.
    let (hot, paged, calm) = ("hot".to_owned(), "paged".to_owned(), "calm".to_owned());
    for name in [&hot, &paged, &calm] {
        ecs.create_service()
            .cluster(&cluster)
            .service_name(name)
            .task_definition(&td)
            .desired_count(0)
            .launch_type(LaunchType::Ec2)
            .send()
            .await
            .expect("CreateService");
    }
    put_metrics(&cw, &cluster, Some(&hot), 97.0, 40.0).await;
    put_metrics(&cw, &cluster, Some(&paged), 30.0, 40.0).await;
    put_metrics(&cw, &cluster, Some(&calm), 12.0, 20.0).await;
    let alarm = format!("{prefix}-paged-5xx");
    firing(&cw, &alarm, &cluster, &paged).await;

    let vars = [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", REGION),
        ("AWS_PROFILE", ""),
    ];
    let mut d = Dashboard::start_with(&["--cluster", &cluster], &vars);
    let mut keys = d.master.take_writer().unwrap();
    let screen = d.wait_screen("⚠ 1");
    let row = |screen: &str, name: &str| {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("│{name} ")))
            .unwrap_or_default()
            .to_owned()
    };
    let screen = if row(&screen, &hot).contains("97%") {
        screen
    } else {
        d.wait_screen("97%")
    };
    assert!(row(&screen, &hot).contains("97%"), "{screen}");
    assert!(row(&screen, &calm).contains("12%"), "{screen}");
    assert!(row(&screen, &paged).contains("⚠ 1"), "{screen}");
    assert!(!row(&screen, &calm).contains('⚠'), "{screen}");

    // Describe says which alarm and why.
    let at = screen
        .lines()
        .filter(|l| {
            ["│calm ", "│hot ", "│paged "]
                .iter()
                .any(|n| l.starts_with(n))
        })
        .position(|l| l.starts_with("│paged "))
        .unwrap();
    for _ in 0..at {
        keys.write_all(b"j").unwrap();
    }
    keys.write_all(b"d").unwrap();
    let screen = d.wait_screen(&alarm);
    assert!(screen.contains("Alarms in ALARM"), "{screen}");
    assert!(screen.contains("Threshold Crossed"), "{screen}");
    keys.write_all(b"\x1b").unwrap();
    d.wait_gone("Alarms in ALARM");

    // Pulse: the alarm first (more urgent), then the CPU.
    keys.write_all(b":pulse\r").unwrap();
    keys.write_all(format!("/{prefix}\r").as_bytes()).unwrap();
    d.wait_screen(&format!("alarm {alarm}"));
    let screen = d.wait_screen("CPU 97% (5 min)");
    // Only this cluster's rows are left by the filter; `calm` needs no attention.
    let rows: Vec<String> = screen
        .lines()
        .filter(|l| {
            ["│calm ", "│hot ", "│paged "]
                .iter()
                .any(|n| l.starts_with(n))
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(rows.len(), 2, "{screen}");
    assert!(rows[0].starts_with("│paged "), "{screen}");
    assert!(rows[1].starts_with("│hot "), "{screen}");
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}
