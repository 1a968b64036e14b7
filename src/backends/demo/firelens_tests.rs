//! The FireLens service of the demo: its application logs through a Fluent Bit router to a
//! group of its own under names the task definition cannot predict, so its logs are found
//! the way the logs pane's stream picker finds them: resolve the sources (the application
//! is `Elsewhere`, with the group), list the group's streams, tail the one picked.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::catalog::{FIRELENS_CLUSTER, FIRELENS_SERVICE};
use super::taskdef::LOG_ROUTER;
use super::{DemoBackend, DemoOptions};
use crate::domain::Backend;
use crate::domain::clock::{Clock, ManualClock};
use crate::domain::model::{Task, TaskScope};
use crate::logs::source::{LogScope, SourceKind, TaskDefCache, resolve};
use crate::logs::tail::{RequestBudget, TailMsg, TailOptions, TailRequest, Transport, spawn};
use crate::logs::{FilterQuery, LogEvent, LogsApi};
use crate::ops::{Mutation, Ops};

const REGION: &str = "eu-west-1";
const FIRELENS_GROUP: &str = "/ecs/firelens/shipping-quotes";
const AWSLOGS_GROUP: &str = "/ecs/shipping-quotes";
const STREAM_PREFIX: &str = "fluent-bit-shipping-quotes-firelens-";
const NO_LATENCY: std::ops::Range<StdDuration> = StdDuration::ZERO..StdDuration::ZERO;

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

fn demo() -> (Arc<DemoBackend>, Arc<dyn LogsApi>, ManualClock) {
    let clock = ManualClock::new(opens_at());
    let backend = DemoBackend::new(DemoOptions {
        seed: 7,
        clock: Arc::new(clock.clone()),
        latency: NO_LATENCY,
    });
    let logs = backend.logs();
    (Arc::new(backend), logs, clock)
}

fn service_scope() -> LogScope {
    LogScope::Service {
        cluster: FIRELENS_CLUSTER.into(),
        service: FIRELENS_SERVICE.into(),
    }
}

async fn tasks(b: &DemoBackend, scope: TaskScope) -> Vec<Task> {
    b.tasks(FIRELENS_CLUSTER, Some(FIRELENS_SERVICE), scope)
        .await
        .unwrap()
}

/// Redeploys the service's revision and lets the rollout replace every task, so the
/// group holds streams of stopped tasks beside those of running ones.
async fn replace_every_task(b: &DemoBackend, clock: &ManualClock) -> (Vec<Task>, Vec<Task>) {
    let svc = b.service(FIRELENS_CLUSTER, FIRELENS_SERVICE).await.unwrap();
    let before: BTreeSet<String> = tasks(b, TaskScope::Running)
        .await
        .into_iter()
        .map(|t| t.id)
        .collect();
    b.execute(&Mutation::Deploy {
        cluster: FIRELENS_CLUSTER.into(),
        service: FIRELENS_SERVICE.into(),
        from: svc.task_definition.clone(),
        to: svc.task_definition.clone(),
        force: true,
    })
    .await
    .unwrap();
    clock.advance(Duration::minutes(10));
    let running = tasks(b, TaskScope::Running).await;
    let stopped = tasks(b, TaskScope::Stopped).await;
    assert!(
        running.iter().all(|t| !before.contains(&t.id)),
        "the rollout replaced every task"
    );
    assert!(stopped.iter().any(|t| before.contains(&t.id)));
    (running, stopped)
}

async fn all_events(logs: &dyn LogsApi, mut q: FilterQuery) -> Vec<LogEvent> {
    let mut out = Vec::new();
    loop {
        let page = logs.filter_page(&q).await.unwrap();
        out.extend(page.events);
        match page.next_token {
            Some(token) => q.next_token = Some(token),
            None => return out,
        }
    }
}

#[tokio::test]
async fn the_task_definition_routes_the_application_through_fluent_bit() {
    let (b, ..) = demo();
    let svc = b.service(FIRELENS_CLUSTER, FIRELENS_SERVICE).await.unwrap();
    let doc = b.task_definition_doc(&svc.task_definition).await.unwrap();
    let containers = doc.json["containerDefinitions"].as_array().unwrap();
    let by_name = |name: &str| -> &Value {
        containers
            .iter()
            .find(|c| c["name"] == json!(name))
            .unwrap_or_else(|| panic!("no container {name}"))
    };
    let app = by_name(FIRELENS_SERVICE);
    assert_eq!(
        app["logConfiguration"]["logDriver"],
        json!("awsfirelens"),
        "{app}"
    );
    assert_eq!(
        app["logConfiguration"]["options"],
        json!({
            "Name": "cloudwatch_logs",
            "region": REGION,
            "log_group_name": FIRELENS_GROUP,
            "log_stream_prefix": "fluent-bit-",
            "auto_create_group": "true",
            "log_key": "log",
        })
    );
    assert!(
        app["dependsOn"]
            .as_array()
            .unwrap()
            .contains(&json!({ "containerName": LOG_ROUTER, "condition": "START" }))
    );
    let router = by_name(LOG_ROUTER);
    assert_eq!(router["firelensConfiguration"]["type"], json!("fluentbit"));
    assert_eq!(router["essential"], json!(true));
    assert_eq!(router["logConfiguration"]["logDriver"], json!("awslogs"));
    assert_eq!(
        router["logConfiguration"]["options"]["awslogs-group"],
        json!(AWSLOGS_GROUP)
    );

    // DescribeTaskDefinition lists the capabilities FireLens needs, as AWS does.
    let revision = doc.revision;
    let described = {
        let fleet = b.fleet.lock().unwrap();
        fleet.families[FIRELENS_SERVICE].describe(revision).unwrap()
    };
    let attributes = described["taskDefinition"]["requiresAttributes"].to_string();
    assert!(attributes.contains("ecs.capability.firelens.fluentbit"));
    assert!(attributes.contains("com.amazonaws.ecs.capability.logging-driver.awsfirelens"));

    // What is registered from the document comes back with the same log configuration.
    let (_, registered) = super::registry::parse(&doc.json, opens_at(), "me").unwrap();
    let model = b.task_definition(&svc.task_definition).await.unwrap();
    assert_eq!(
        registered.definition(&doc.family, revision + 1).containers,
        model.containers
    );
}

#[tokio::test]
async fn sources_send_the_application_to_the_picker_and_the_router_to_its_stream() {
    let (b, logs, _) = demo();
    let sources = resolve(&*b, &service_scope(), None, &TaskDefCache::default())
        .await
        .unwrap();
    let running = tasks(&b, TaskScope::Running).await;
    assert_eq!(running.len(), 2);
    assert_eq!(sources.len(), 2 * running.len(), "{sources:#?}");
    for t in &running {
        let app = sources
            .iter()
            .find(|s| s.task_id == t.id && s.container == FIRELENS_SERVICE)
            .unwrap();
        let SourceKind::Elsewhere {
            driver,
            group,
            reason,
        } = &app.kind
        else {
            panic!("the FireLens application has no stream to derive: {app:?}");
        };
        assert_eq!(driver.as_deref(), Some("awsfirelens"));
        assert_eq!(
            group,
            &Some((REGION.to_owned(), FIRELENS_GROUP.to_owned())),
            "{reason}"
        );
        let router = sources
            .iter()
            .find(|s| s.task_id == t.id && s.container == LOG_ROUTER)
            .unwrap();
        let stream = format!("ecs/log_router/{}", t.id);
        assert_eq!(
            router.cloudwatch(),
            Some((REGION, AWSLOGS_GROUP, stream.as_str()))
        );
    }

    // The family's own group holds the routers' streams and no application stream.
    let own = logs
        .streams(REGION, AWSLOGS_GROUP, None, 100)
        .await
        .unwrap();
    let names: BTreeSet<&str> = own.iter().map(|s| s.name.as_str()).collect();
    let routers: BTreeSet<String> = running
        .iter()
        .map(|t| format!("ecs/log_router/{}", t.id))
        .collect();
    assert_eq!(
        names,
        routers.iter().map(String::as_str).collect::<BTreeSet<_>>()
    );
}

#[tokio::test]
async fn the_group_lists_fluent_bit_streams_newest_first() {
    let (b, logs, clock) = demo();
    let (running, stopped) = replace_every_task(&b, &clock).await;
    let streams = logs
        .streams(REGION, FIRELENS_GROUP, None, 100)
        .await
        .unwrap();
    let names: BTreeSet<String> = streams.iter().map(|s| s.name.clone()).collect();
    let expected: BTreeSet<String> = running
        .iter()
        .chain(&stopped)
        .filter(|t| t.started_at.is_some())
        .map(|t| format!("{STREAM_PREFIX}{}", t.id))
        .collect();
    assert_eq!(names, expected, "one stream per task that started");
    assert!(streams.len() >= 4);
    assert!(
        streams
            .windows(2)
            .all(|w| w[0].last_event_ms >= w[1].last_event_ms),
        "{streams:#?}"
    );
    // The running tasks' streams, still written to, come before the stopped ones'.
    let live: BTreeSet<String> = running
        .iter()
        .map(|t| format!("{STREAM_PREFIX}{}", t.id))
        .collect();
    let first: BTreeSet<String> = streams[..live.len()]
        .iter()
        .map(|s| s.name.clone())
        .collect();
    assert_eq!(first, live);

    // A prefix narrows the listing, and the limit cuts it after the newest.
    let one = &stopped[0].id;
    let prefix = format!("{STREAM_PREFIX}{}", &one[..6]);
    let narrowed = logs
        .streams(REGION, FIRELENS_GROUP, Some(&prefix), 100)
        .await
        .unwrap();
    assert_eq!(narrowed.len(), 1);
    assert_eq!(narrowed[0].name, format!("{STREAM_PREFIX}{one}"));
    let newest = logs
        .streams(REGION, FIRELENS_GROUP, Some(STREAM_PREFIX), 1)
        .await
        .unwrap();
    assert_eq!(newest, streams[..1]);

    // The new tasks' routers say which stream they created, and where.
    let fresh = &running[0];
    let router_lines = all_events(
        &*logs,
        FilterQuery {
            region: REGION.into(),
            group: AWSLOGS_GROUP.into(),
            streams: vec![format!("ecs/log_router/{}", fresh.id)],
            start_ms: opens_at().timestamp_millis(),
            ..FilterQuery::default()
        },
    )
    .await;
    let created = format!("Created log stream {STREAM_PREFIX}{}", fresh.id);
    assert!(
        router_lines.iter().any(|e| e.message.contains(&created)),
        "{router_lines:#?}"
    );
    // The application's banner went through the router to the FireLens stream.
    let app_lines = all_events(
        &*logs,
        FilterQuery {
            region: REGION.into(),
            group: FIRELENS_GROUP.into(),
            streams: vec![format!("{STREAM_PREFIX}{}", fresh.id)],
            start_ms: opens_at().timestamp_millis(),
            limit: Some(40),
            ..FilterQuery::default()
        },
    )
    .await;
    assert!(
        app_lines
            .iter()
            .any(|e| e.message.contains("Started ShippingQuotesApplication")),
        "{app_lines:#?}"
    );
}

fn picked(stream: &str, start_ms: i64, follow: bool) -> TailRequest {
    TailRequest {
        scope: LogScope::Streams {
            // The connection's own region, as the picker leaves it when the group names none.
            region: String::new(),
            group: FIRELENS_GROUP.into(),
            streams: vec![stream.to_owned()],
        },
        container: None,
        start_ms,
        pattern: None,
        follow,
    }
}

fn events_of(messages: &[TailMsg]) -> Vec<LogEvent> {
    messages
        .iter()
        .filter_map(|m| match m {
            TailMsg::Events(events) => Some(events.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Messages until `done` says stop (or the tail ends), within an hour of virtual time.
async fn read_until(
    rx: &mut mpsc::UnboundedReceiver<TailMsg>,
    done: impl Fn(&TailMsg) -> bool,
) -> Vec<TailMsg> {
    let mut seen = Vec::new();
    while let Ok(Some(message)) =
        tokio::time::timeout(StdDuration::from_secs(3600), rx.recv()).await
    {
        let last = done(&message);
        seen.push(message);
        if last {
            break;
        }
    }
    seen
}

#[tokio::test]
async fn a_picked_stream_is_read_alone() {
    let (b, logs, clock) = demo();
    let (running, _) = replace_every_task(&b, &clock).await;
    let start_ms = (clock.now() - Duration::minutes(5)).timestamp_millis();
    let chosen = format!("{STREAM_PREFIX}{}", running[0].id);
    let other = format!("{STREAM_PREFIX}{}", running[1].id);

    // The group as a whole has lines of both tasks in the window.
    let whole = all_events(
        &*logs,
        FilterQuery {
            region: REGION.into(),
            group: FIRELENS_GROUP.into(),
            start_ms,
            ..FilterQuery::default()
        },
    )
    .await;
    assert!(whole.iter().any(|e| e.stream == other));

    let (tx, mut rx) = mpsc::unbounded_channel();
    let ecs: Arc<dyn Backend> = b.clone();
    let _tail = spawn(
        ecs,
        Arc::clone(&logs),
        picked(&chosen, start_ms, false),
        TailOptions::default(),
        RequestBudget::new(1000.0, 1000),
        tx,
    );
    let seen = read_until(&mut rx, |m| matches!(m, TailMsg::Ended)).await;
    assert!(
        matches!(seen.last(), Some(TailMsg::Ended)),
        "the history ends: {seen:#?}"
    );
    assert!(!seen.iter().any(|m| matches!(m, TailMsg::Error(_))));
    let Some(TailMsg::Sources(sources)) = seen.first() else {
        panic!("sources first: {seen:#?}");
    };
    assert_eq!(sources.len(), 1);
    assert_eq!(
        sources[0].cloudwatch(),
        Some((REGION, FIRELENS_GROUP, chosen.as_str()))
    );
    let events = events_of(&seen);
    assert!(events.len() > 10, "{} events", events.len());
    assert!(events.iter().all(|e| e.stream == chosen));
    // Exactly the chosen stream's part of the group, each line once.
    let expected: Vec<&LogEvent> = whole.iter().filter(|e| e.stream == chosen).collect();
    let expected_ids: BTreeSet<_> = expected.iter().map(|e| e.event_id.clone()).collect();
    let got_ids: BTreeSet<_> = events.iter().map(|e| e.event_id.clone()).collect();
    assert_eq!(got_ids.len(), events.len(), "no line twice");
    assert_eq!(got_ids, expected_ids);
}

/// A clock that moves with tokio's (paused) time from the real present, so the demo and the
/// tail engine's wall clock agree.
struct TokioClock {
    start: DateTime<Utc>,
    base: tokio::time::Instant,
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + Duration::from_std(self.base.elapsed()).unwrap_or_default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_picked_stream_is_followed_live() {
    let clock = Arc::new(TokioClock {
        start: Utc::now(),
        base: tokio::time::Instant::now(),
    });
    let backend = DemoBackend::new(DemoOptions {
        seed: 7,
        clock: clock.clone(),
        latency: NO_LATENCY,
    });
    let logs = backend.logs();
    let b = Arc::new(backend);
    let running = tasks(&b, TaskScope::Running).await;
    let chosen = format!("{STREAM_PREFIX}{}", running[0].id);
    let start_ms = (clock.now() - Duration::minutes(1)).timestamp_millis();

    let (tx, mut rx) = mpsc::unbounded_channel();
    let ecs: Arc<dyn Backend> = b.clone();
    let _tail = spawn(
        ecs,
        Arc::clone(&logs),
        picked(&chosen, start_ms, true),
        TailOptions::default(),
        RequestBudget::new(1000.0, 1000),
        tx,
    );
    let history = read_until(&mut rx, |m| matches!(m, TailMsg::Transport(_))).await;
    assert!(
        history
            .iter()
            .any(|m| matches!(m, TailMsg::Transport(Transport::Live))),
        "the demo's Live Tail takes over after the history: {history:#?}"
    );
    let history_done = tokio::time::Instant::now();
    let mut following = Vec::new();
    while history_done.elapsed() < StdDuration::from_secs(120) {
        match tokio::time::timeout(StdDuration::from_secs(5), rx.recv()).await {
            Ok(Some(message)) => following.push(message),
            Ok(None) => panic!("the tail stopped: {following:#?}"),
            Err(_) => {}
        }
    }
    assert!(
        !following
            .iter()
            .any(|m| matches!(m, TailMsg::Error(_) | TailMsg::Ended)),
        "{following:#?}"
    );
    let live = events_of(&following);
    let newest_history = events_of(&history)
        .iter()
        .map(|e| e.timestamp)
        .max()
        .unwrap_or(start_ms);
    assert!(live.len() >= 5, "two minutes of a running task: {live:#?}");
    assert!(live.iter().all(|e| e.stream == chosen));
    assert!(live.iter().any(|e| e.timestamp > newest_history));
}
