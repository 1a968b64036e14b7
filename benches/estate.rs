//! The biggest estate, behind an emulation of AWS's limits: the dashboard's own loop
//! (the app, its fetch worker, the SDK backend and its API budget) headless against moto
//! seeded with 2,000 services in one cluster and 10,000 tasks in another (and, in another
//! region, 10 clusters of 50 services for `:pulse`), through the test layer with ECS's
//! token buckets and 40 ms per answer. It measures when the first rows and all rows are
//! on screen, how long a keypress takes during the load, the calls a second in the minute
//! after the load (from the test layer's timeline), throttles, the process's memory with
//! a full logs pane as well, and the time and calls to a complete `:pulse`.
//!
//! Run with `bash benches/estate.sh` (it starts moto and the test layer, seeds, then runs
//! `cargo bench --bench estate`); on its own the harness needs ECSDASH_ESTATE_PROXY.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use ecsdash::app::data::DataKey;
use ecsdash::app::pane::Pane;
use ecsdash::app::{Action, App, Effect};
use ecsdash::backends::sdk::ops::SdkOps;
use ecsdash::backends::sdk::{ConnectOptions, SdkBackend};
use ecsdash::domain::Backend;
use ecsdash::domain::clock::{Clock, SystemClock};
use ecsdash::domain::model::TaskScope;
use ecsdash::runtime::effects::Worker;
use ecsdash::ui::theme::{ColorDepth, Theme};

const TICK: Duration = Duration::from_millis(100);

async fn http(base: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("the test layer");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// What one pane's load measured.
struct Load {
    first_rows: Option<Duration>,
    all_rows: Option<Duration>,
    keys: Vec<Duration>,
}

/// Drives the app as the runtime does (actions in, effects out, a tick every 100 ms)
/// until `until` says stop; every tick during the load a key is pressed and a frame
/// drawn, and timed.
async fn drive(
    app: &mut App,
    worker: &Worker,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    deadline: Duration,
    mut until: impl FnMut(&App, Duration) -> bool,
    mut keys: Option<&mut Vec<Duration>>,
) {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).expect("theme");
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let start = Instant::now();
    let mut tick = tokio::time::interval(TICK);
    let mut down = true;
    loop {
        let effects = tokio::select! {
            Some(action) = rx.recv() => app.update(action),
            _ = tick.tick() => {
                let mut effects = app.update(Action::Tick(SystemClock.now()));
                if let Some(keys) = keys.as_deref_mut() {
                    let code = if down { KeyCode::Down } else { KeyCode::Up };
                    down = !down;
                    let pressed = Instant::now();
                    effects.extend(app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE))));
                    terminal.draw(|f| ecsdash::ui::draw(f, app, &theme)).expect("draw");
                    keys.push(pressed.elapsed());
                }
                effects
            }
        };
        for effect in effects {
            match effect {
                Effect::Fetch(key) => worker.spawn_fetch(key),
                Effect::FetchPart {
                    key,
                    part,
                    priority,
                } => worker.spawn_part(key, part, priority),
                _ => {}
            }
        }
        let elapsed = start.elapsed();
        if until(app, elapsed) || elapsed > deadline {
            return;
        }
    }
}

fn counts(app: &App, key: &DataKey) -> (usize, usize, bool) {
    app.store
        .load_state(key)
        .map_or((0, 0, true), |s| (s.rows, s.described, s.listing))
}

async fn load_pane(
    app: &mut App,
    worker: &Worker,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    keys: &[DataKey],
    expected: usize,
    deadline: Duration,
) -> Load {
    let mut load = Load {
        first_rows: None,
        all_rows: None,
        keys: Vec::new(),
    };
    let mut pressed = Vec::new();
    let (mut first, mut all) = (None, None);
    drive(
        app,
        worker,
        rx,
        deadline,
        |app, elapsed| {
            let (rows, described, listing) = keys.iter().fold((0, 0, false), |acc, k| {
                let (r, d, l) = counts(app, k);
                (acc.0 + r, acc.1 + d, acc.2 || l)
            });
            if rows > 0 && first.is_none() {
                first = Some(elapsed);
            }
            if !listing && rows >= expected && described >= expected && all.is_none() {
                all = Some(elapsed);
            }
            all.is_some()
        },
        Some(&mut pressed),
    )
    .await;
    load.first_rows = first;
    load.all_rows = all;
    load.keys = pressed;
    load
}

fn report(name: &str, load: &mut Load) {
    load.keys.sort();
    let show = |d: Option<Duration>| {
        d.map_or("never".to_string(), |d| format!("{:.2} s", d.as_secs_f64()))
    };
    println!(
        "{name}: first rows {}; all rows described {}; key to frame p50 {:.2} ms, p95 {:.2} ms ({} presses)",
        show(load.first_rows),
        show(load.all_rows),
        percentile(&load.keys, 0.5).as_secs_f64() * 1000.0,
        percentile(&load.keys, 0.95).as_secs_f64() * 1000.0,
        load.keys.len()
    );
}

/// Calls a second per ECS category over the timeline since `since`, and the throttles.
async fn steady_report(proxy: &str, since: f64, seconds: f64) {
    let timeline = http(proxy, "GET", &format!("/_proxy/timeline?since={since}"), "").await;
    let requests = timeline["requests"].as_array().cloned().unwrap_or_default();
    let count = |targets: &[&str]| {
        requests
            .iter()
            .filter(|r| targets.contains(&r["target"].as_str().unwrap_or("")))
            .count()
    };
    let service = count(&["ListServices", "DescribeServices"]);
    let resource = count(&[
        "ListTasks",
        "DescribeTasks",
        "ListContainerInstances",
        "DescribeContainerInstances",
    ]);
    println!(
        "  steady state over {seconds:.0} s: service reads {service} ({:.2}/s, {:.1}% of 20/s); task and instance reads {resource} ({:.2}/s, {:.1}% of 20/s)",
        service as f64 / seconds,
        service as f64 / seconds / 20.0 * 100.0,
        resource as f64 / seconds,
        resource as f64 / seconds / 20.0 * 100.0,
    );
    let metric_calls = count(&["GetMetricData"]);
    let alarm_calls = count(&["DescribeAlarms"]);
    let minutes = seconds / 60.0;
    println!(
        "  CloudWatch over {seconds:.0} s: GetMetricData {metric_calls} ({:.1} a minute, {:.2}% of 50/s), DescribeAlarms {alarm_calls} ({:.1} a minute)",
        metric_calls as f64 / minutes,
        metric_calls as f64 / seconds / 50.0 * 100.0,
        alarm_calls as f64 / minutes,
    );
}

/// The GetMetricData requests the test layer has recorded, and the metrics they asked for.
async fn metric_requests(proxy: &str) -> (usize, usize) {
    let found = http(proxy, "GET", "/_proxy/requests?target=GetMetricData", "").await;
    let found = found.as_array().cloned().unwrap_or_default();
    let metrics = found
        .iter()
        .map(|r| {
            r["body"]["MetricDataQueries"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .sum();
    (found.len(), metrics)
}

/// The metrics asked for since `before` (from `metric_requests`), a minute.
async fn metrics_report(proxy: &str, before: (usize, usize), seconds: f64) {
    let after = metric_requests(proxy).await;
    let (calls, metrics) = (after.0 - before.0, after.1 - before.1);
    println!(
        "  metrics asked for over {seconds:.0} s: {metrics} in {calls} GetMetricData calls ({:.0} metrics and {:.1} calls a minute)",
        metrics as f64 / (seconds / 60.0),
        calls as f64 / (seconds / 60.0),
    );
}

/// A logs pane holding a full buffer (100,000 lines of about 120 bytes), fed the way
/// the tail engine feeds it.
fn fill_logs(app: &mut App) {
    use ecsdash::logs::LogEvent;
    use ecsdash::logs::ring::Ring;
    use ecsdash::logs::source::{LogScope, LogSource, SourceKind};
    use ecsdash::logs::tail::TailMsg;
    let scope = LogScope::Service {
        cluster: "big-tasks".into(),
        service: "web".into(),
    };
    let request = ecsdash::logs::tail::TailRequest {
        scope,
        container: None,
        start_ms: 0,
        pattern: None,
        follow: true,
    };
    app.log = Some(ecsdash::app::logs::LogView::new(
        1,
        request,
        Ring::DEFAULT_CAPACITY,
    ));
    let source = LogSource {
        task_id: "0123456789abcdef".into(),
        container: "web".into(),
        kind: SourceKind::CloudWatch {
            region: "us-east-1".into(),
            group: "/ecs/web".into(),
            stream: "ecs/web/0123456789abcdef".into(),
        },
    };
    app.update(Action::Tail {
        id: 1,
        msg: TailMsg::Sources(vec![source]),
    });
    for chunk in 0..10 {
        let events = (0..10_000)
            .map(|i| {
                let n = chunk * 10_000 + i;
                LogEvent {
                    timestamp: n,
                    ingestion_time: n,
                    event_id: Some(n.to_string()),
                    group: "/ecs/web".into(),
                    stream: "ecs/web/0123456789abcdef".into(),
                    message: format!("10.0.3.{} - - \"GET /api/cart/{n} HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\" 0.012", n % 250),
                }
            })
            .collect();
        app.update(Action::Tail {
            id: 1,
            msg: TailMsg::Events(events),
        });
    }
    assert_eq!(
        app.log.as_ref().map(|l| l.ring.len()),
        Some(Ring::DEFAULT_CAPACITY)
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is read.
    let Ok(proxy) = std::env::var("ECSDASH_ESTATE_PROXY") else {
        eprintln!("estate: set ECSDASH_ESTATE_PROXY (bash benches/estate.sh does); skipped");
        return;
    };
    let services_cluster =
        std::env::var("ECSDASH_ESTATE_SERVICES").unwrap_or_else(|_| "big-services".into());
    let tasks_cluster =
        std::env::var("ECSDASH_ESTATE_TASKS").unwrap_or_else(|_| "big-tasks".into());
    let expected_services: usize = std::env::var("ECSDASH_ESTATE_N_SERVICES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let expected_tasks: usize = std::env::var("ECSDASH_ESTATE_N_TASKS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let instances_cluster =
        std::env::var("ECSDASH_ESTATE_INSTANCES").unwrap_or_else(|_| "big-instances".into());
    let expected_instances: usize = std::env::var("ECSDASH_ESTATE_N_INSTANCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);

    let backend = connect(&proxy, "us-east-1").await;
    let ops = Arc::new(SdkOps::new(&backend));
    let budget = backend.budget();
    let backend: Arc<dyn Backend> = Arc::new(backend);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let worker = Worker::new(backend.clone(), ops, Arc::new(SystemClock), tx, 4);

    http(
        &proxy,
        "POST",
        "/_proxy/limits",
        r#"{"buckets": true, "latency_ms": 40}"#,
    )
    .await;
    http(&proxy, "POST", "/_proxy/reset-stats", "").await;
    let rss_before = rss_mib();
    let steady = Duration::from_secs(
        std::env::var("ECSDASH_ESTATE_STEADY_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );

    let mut run = Run {
        backend: backend.clone(),
        worker: &worker,
        rx: &mut rx,
        proxy: &proxy,
        steady,
    };
    // The services pane of the 2,000-service cluster.
    let app = run
        .pane(
            Pane::Services {
                cluster: services_cluster.clone(),
            },
            &[DataKey::Services {
                cluster: services_cluster.clone(),
            }],
            expected_services,
            &format!("services pane, {expected_services} services"),
        )
        .await;
    println!(
        "memory: {:.1} MiB RSS with the services pane loaded",
        rss_mib()
    );

    // The tasks pane of the 10,000-task cluster.
    let keys = [TaskScope::Running, TaskScope::Stopped].map(|scope| DataKey::Tasks {
        cluster: tasks_cluster.clone(),
        service: None,
        scope,
    });
    let mut tasks_app = run
        .pane(
            Pane::Tasks {
                cluster: tasks_cluster.clone(),
                service: None,
                instance: None,
            },
            &keys,
            expected_tasks,
            &format!("tasks pane, {expected_tasks} tasks"),
        )
        .await;
    println!("memory: {:.1} MiB RSS with both panes loaded", rss_mib());
    fill_logs(&mut tasks_app);
    let limits = http(&proxy, "GET", "/_proxy/limits", "").await;
    println!(
        "  throttled by the emulated buckets since start: {}",
        limits["throttled"]
    );
    println!(
        "  throttles the budget saw: service reads {}, task and instance reads {}",
        budget
            .rates(ecsdash::domain::budget::Category::ServiceRead)
            .throttles,
        budget
            .rates(ecsdash::domain::budget::Category::ClusterResourceRead)
            .throttles
    );
    println!(
        "memory: {:.1} MiB RSS before any pane, {:.1} MiB with both panes and a full logs pane (100,000 lines)",
        rss_before,
        rss_mib()
    );
    drop(app);
    drop(tasks_app);

    // The container instances pane of the 1,000-instance cluster, on its own.
    let instances_app = run
        .pane(
            Pane::Instances {
                cluster: instances_cluster.clone(),
            },
            &[DataKey::Instances {
                cluster: instances_cluster.clone(),
            }],
            expected_instances,
            &format!("container instances pane, {expected_instances} instances"),
        )
        .await;
    println!(
        "memory: {:.1} MiB RSS with the container instances pane (the other panes closed)",
        rss_mib()
    );
    drop(instances_app);

    pulse(&proxy, steady).await;
}

/// The SDK backend through the test layer in `region`, at the default share.
async fn connect(proxy: &str, region: &str) -> SdkBackend {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(proxy)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "estate"));
    SdkBackend::connect_with(
        ConnectOptions {
            profile: None,
            region: Some(region.into()),
            operation_timeout: Duration::from_secs(30),
            describe_concurrency: 4,
            api_share: ecsdash::domain::budget::DEFAULT_SHARE_PERCENT,
            assumed: None,
        },
        loader,
    )
    .await
    .expect("backend")
}

/// `:pulse` over an estate of its own (eu-west-1: 10 clusters, 500 services): the time
/// to a complete view (every cluster's services described and stopped tasks listed), the
/// calls it took, and the calls a minute of keeping it open costs.
async fn pulse(proxy: &str, steady: Duration) {
    let backend = connect(proxy, "eu-west-1").await;
    let ops = Arc::new(SdkOps::new(&backend));
    let backend: Arc<dyn Backend> = Arc::new(backend);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let worker = Worker::new(backend.clone(), ops, Arc::new(SystemClock), tx, 4);
    let mut app = App::new(
        backend.identity(),
        vec![Pane::Clusters, Pane::Pulse],
        SystemClock.now(),
        Some(chrono::Duration::seconds(5)),
    );
    app.cloudwatch = true;
    app.update(Action::Resize {
        width: 200,
        height: 50,
    });
    let since = http(proxy, "GET", "/_proxy/timeline?since=1e12", "").await["now"]
        .as_f64()
        .unwrap_or(0.0);
    let mut done = None;
    drive(
        &mut app,
        &worker,
        &mut rx,
        Duration::from_secs(60),
        |app, elapsed| {
            let Some(clusters) = app.store.clusters() else {
                return false;
            };
            let complete = |key: DataKey| {
                app.store
                    .load_state(&key)
                    .is_some_and(|s| !s.listing && s.described >= s.rows)
            };
            let all = !clusters.is_empty()
                && clusters.iter().all(|c| {
                    complete(DataKey::Services {
                        cluster: c.name.clone(),
                    }) && complete(DataKey::Tasks {
                        cluster: c.name.clone(),
                        service: None,
                        scope: TaskScope::Stopped,
                    })
                });
            // And CloudWatch: every service's metrics and the alarms.
            let all = all
                && app.metrics_missing() == 0
                && app
                    .store
                    .get(&DataKey::Alarms)
                    .is_some_and(|s| s.data.is_some());
            if all && done.is_none() {
                done = Some((elapsed, clusters.len()));
            }
            done.is_some()
        },
        None,
    )
    .await;
    let rows = app.rows(app.view()).1.len();
    let calls = http(proxy, "GET", &format!("/_proxy/timeline?since={since}"), "").await;
    let calls = calls["requests"].as_array().map_or(0, Vec::len);
    match done {
        Some((t, clusters)) => println!(
            ":pulse, {clusters} clusters: complete in {:.2} s with {calls} calls; {rows} services need attention",
            t.as_secs_f64()
        ),
        None => println!(":pulse: not complete in 60 s ({calls} calls)"),
    }
    let since = http(proxy, "GET", "/_proxy/timeline?since=1e12", "").await["now"]
        .as_f64()
        .unwrap_or(0.0);
    let before = metric_requests(proxy).await;
    drive(&mut app, &worker, &mut rx, steady, |_, _| false, None).await;
    metrics_report(proxy, before, steady.as_secs_f64()).await;
    let timeline = http(proxy, "GET", &format!("/_proxy/timeline?since={since}"), "").await;
    let requests = timeline["requests"].as_array().cloned().unwrap_or_default();
    let minutes = steady.as_secs_f64() / 60.0;
    println!(
        "  :pulse kept open {:.0} s: {} calls ({:.0} a minute)",
        steady.as_secs_f64(),
        requests.len(),
        requests.len() as f64 / minutes
    );
    steady_report(proxy, since, steady.as_secs_f64()).await;
}

/// Rows of a pane the harness's terminal shows, and the rows around them (header,
/// breadcrumb, borders, column titles, footer).
const ROWS_ON_SCREEN: u16 = 50;
const FRAME_ROWS: u16 = 6;

/// What every pane's run shares.
struct Run<'a> {
    backend: Arc<dyn Backend>,
    worker: &'a Worker,
    rx: &'a mut mpsc::UnboundedReceiver<Action>,
    proxy: &'a str,
    steady: Duration,
}

impl Run<'_> {
    /// Opens `pane` (under the clusters pane, as a user would reach it), times its load
    /// with a key pressed every tick, then keeps it open for the steady-state window and
    /// counts the calls it made.
    async fn pane(&mut self, pane: Pane, keys: &[DataKey], expected: usize, name: &str) -> App {
        let mut app = App::new(
            self.backend.identity(),
            vec![Pane::Clusters, pane],
            SystemClock.now(),
            Some(chrono::Duration::seconds(5)),
        );
        app.cloudwatch = true;
        // 50 rows on screen.
        app.update(Action::Resize {
            width: 200,
            height: ROWS_ON_SCREEN + FRAME_ROWS,
        });
        let mut load = load_pane(
            &mut app,
            self.worker,
            self.rx,
            keys,
            expected,
            Duration::from_secs(60),
        )
        .await;
        report(name, &mut load);
        let since = http(self.proxy, "GET", "/_proxy/timeline?since=1e12", "").await["now"]
            .as_f64()
            .unwrap_or(0.0);
        let before = metric_requests(self.proxy).await;
        drive(
            &mut app,
            self.worker,
            self.rx,
            self.steady,
            |_, _| false,
            None,
        )
        .await;
        steady_report(self.proxy, since, self.steady.as_secs_f64()).await;
        println!("  rows on screen: {}", app.page_rows);
        metrics_report(self.proxy, before, self.steady.as_secs_f64()).await;
        app
    }
}
