//! The demo's CloudWatch Logs through `LogsApi`, on a manual clock with no latency.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::super::{DemoBackend, DemoOptions};
use super::generate::MAX_REGULAR_PER_SECOND;
use crate::domain::clock::{Clock, ManualClock};
use crate::domain::model::{Task, TaskScope};
use crate::domain::{Backend, ErrorKind};
use crate::logs::{FilterQuery, LogEvent, LogsApi};

const REGION: &str = "eu-west-1";
const CHECKOUT: &str = "/ecs/checkout";

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

fn demo(seed: u64) -> (DemoBackend, Arc<dyn LogsApi>, ManualClock) {
    let clock = ManualClock::new(opens_at());
    let backend = DemoBackend::new(DemoOptions {
        seed,
        clock: Arc::new(clock.clone()),
        latency: StdDuration::ZERO..StdDuration::ZERO,
    });
    let logs = backend.logs();
    (backend, logs, clock)
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn query(group: &str, from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> FilterQuery {
    FilterQuery {
        region: REGION.into(),
        group: group.into(),
        start_ms: ms(from),
        end_ms: to.map(ms),
        ..FilterQuery::default()
    }
}

/// Every event of a query, following tokens; also counts the pages.
async fn all(logs: &dyn LogsApi, mut q: FilterQuery) -> (Vec<LogEvent>, usize) {
    let mut out = Vec::new();
    let mut pages = 0;
    loop {
        let page = logs.filter_page(&q).await.unwrap();
        pages += 1;
        out.extend(page.events);
        match page.next_token {
            Some(t) => q.next_token = Some(t),
            None => return (out, pages),
        }
        assert!(pages < 10_000, "tokens never end");
    }
}

fn last_minutes(n: i64) -> DateTime<Utc> {
    opens_at() - Duration::minutes(n)
}

#[tokio::test]
async fn same_seed_same_lines_other_seed_other_lines() {
    let (_a, logs_a, _) = demo(7);
    let (_b, logs_b, _) = demo(7);
    let (_c, logs_c, _) = demo(8);
    let q = query(CHECKOUT, last_minutes(10), None);
    let (a, _) = all(&*logs_a, q.clone()).await;
    let (b, _) = all(&*logs_b, q.clone()).await;
    let (c, _) = all(&*logs_c, q.clone()).await;
    assert!(a.len() > 100, "{} events", a.len());
    assert_eq!(a, b);
    assert_ne!(a, c);
    // Asking again later gives the same past.
    let (again, _) = all(&*logs_a, q).await;
    assert_eq!(a, again);
}

#[tokio::test]
async fn pages_and_windows_cover_every_event_exactly_once() {
    let (_b, logs, _) = demo(7);
    let q = query(CHECKOUT, last_minutes(15), None);
    let (whole, pages) = all(&*logs, q.clone()).await;
    assert_eq!(pages, 1);
    let ids: HashSet<_> = whole.iter().map(|e| e.event_id.clone().unwrap()).collect();
    assert_eq!(ids.len(), whole.len(), "event ids are unique");
    assert!(
        whole
            .windows(2)
            .all(|w| (w[0].timestamp, &w[0].stream) <= (w[1].timestamp, &w[1].stream)),
        "sorted by time"
    );

    let (paged, pages) = all(
        &*logs,
        FilterQuery {
            limit: Some(37),
            ..q.clone()
        },
    )
    .await;
    assert!(pages > 10);
    assert_eq!(paged, whole);

    // Adjacent inclusive windows split at an arbitrary millisecond.
    let cut = last_minutes(7) + Duration::milliseconds(123);
    let (left, _) = all(&*logs, query(CHECKOUT, last_minutes(15), Some(cut))).await;
    let right_from = cut + Duration::milliseconds(1);
    let (right, _) = all(&*logs, query(CHECKOUT, right_from, Some(opens_at()))).await;
    let joined: Vec<_> = left.into_iter().chain(right).collect();
    assert_eq!(joined, whole);
}

#[tokio::test]
async fn a_long_window_pages_with_bounded_scans() {
    let (_b, logs, _) = demo(7);
    let q = FilterQuery {
        pattern: Some("\"order placed\"".into()),
        ..query(CHECKOUT, opens_at() - Duration::hours(6), None)
    };
    let (events, pages) = all(&*logs, q).await;
    assert!(pages > 1, "six hours of a busy group is more than one scan");
    assert!(events.iter().all(|e| e.message.contains("order placed")));
    assert!(!events.is_empty());
}

#[tokio::test]
async fn tokens_survive_time_passing_without_gaps_or_repeats() {
    let (_b, logs, clock) = demo(7);
    let q = FilterQuery {
        limit: Some(50),
        ..query(CHECKOUT, last_minutes(5), Some(opens_at()))
    };
    let mut seen = Vec::new();
    let mut q2 = q.clone();
    loop {
        let page = logs.filter_page(&q2).await.unwrap();
        seen.extend(page.events);
        clock.advance(Duration::seconds(3));
        match page.next_token {
            Some(t) => q2.next_token = Some(t),
            None => break,
        }
    }
    let (whole, _) = all(&*logs, q).await;
    assert_eq!(seen, whole);
}

async fn tasks_of(backend: &DemoBackend, cluster: &str, service: &str) -> Vec<Task> {
    let mut tasks = backend
        .tasks(cluster, Some(service), TaskScope::Running)
        .await
        .unwrap();
    tasks.extend(
        backend
            .tasks(cluster, Some(service), TaskScope::Stopped)
            .await
            .unwrap(),
    );
    tasks
}

#[tokio::test]
async fn streams_have_events_only_while_their_task_runs() {
    let (backend, logs, clock) = demo(7);
    // Let the rollout replace tasks, so some streams have ended.
    clock.advance(Duration::minutes(20));
    let now = clock.now();
    let tasks = tasks_of(&backend, "prod-core", "checkout").await;
    assert!(tasks.iter().any(|t| t.stopped_at.is_some()));
    let (events, _) = all(&*logs, query(CHECKOUT, now - Duration::minutes(70), None)).await;
    let mut per_stream: BTreeMap<&str, Vec<&LogEvent>> = BTreeMap::new();
    for e in &events {
        per_stream.entry(e.stream.as_str()).or_default().push(e);
    }
    for t in &tasks {
        for c in &t.containers {
            let name = format!("ecs/{}/{}", c.name, t.id);
            let mine = per_stream.remove(name.as_str()).unwrap_or_default();
            let Some(started) = t.started_at else {
                assert!(mine.is_empty(), "{name} never started");
                continue;
            };
            for e in &mine {
                assert!(e.timestamp >= ms(started), "{name} before start");
                if let Some(stopped) = t.stopped_at {
                    assert!(e.timestamp <= ms(stopped), "{name} after stop");
                }
            }
            if t.stopped_at.is_some() && ms(started) > ms(now - Duration::minutes(60)) {
                assert!(!mine.is_empty(), "{name} ran but logged nothing");
            }
        }
    }
    assert!(
        per_stream.is_empty(),
        "streams of unknown tasks: {:?}",
        per_stream.keys()
    );
}

#[tokio::test]
async fn new_tasks_print_a_start_up_banner_and_stopped_ones_say_goodbye() {
    let (backend, logs, clock) = demo(7);
    clock.advance(Duration::minutes(20));
    let tasks = tasks_of(&backend, "prod-core", "checkout").await;
    let fresh = tasks
        .iter()
        .find(|t| t.started_at.is_some_and(|s| s > opens_at()) && t.stopped_at.is_none())
        .expect("the rollout started new tasks");
    let stream = format!("ecs/checkout/{}", fresh.id);
    let q = FilterQuery {
        streams: vec![stream.clone()],
        limit: Some(30),
        ..query(CHECKOUT, opens_at(), None)
    };
    let first = logs.filter_page(&q).await.unwrap().events;
    assert!(
        first[0].message.contains("  .   ____"),
        "{}",
        first[0].message
    );
    assert!(
        first
            .iter()
            .any(|e| e.message.contains("Started CheckoutApplication"))
    );
    let stopped = tasks
        .iter()
        .find(|t| t.stopped_at.is_some_and(|s| s > opens_at()))
        .expect("the rollout stopped old tasks");
    let q = FilterQuery {
        streams: vec![format!("ecs/envoy/{}", stopped.id)],
        ..query(CHECKOUT, opens_at() - Duration::hours(1), None)
    };
    let (events, _) = all(&*logs, q).await;
    assert!(
        events
            .last()
            .unwrap()
            .message
            .contains("main dispatch loop exited")
    );
}

#[tokio::test]
async fn stack_traces_are_one_event() {
    let (_b, logs, _) = demo(7);
    let mut traces = 0;
    for group in [
        "/ecs/checkout",
        "/ecs/payments",
        "/ecs/notifications",
        "/ecs/search-indexer",
    ] {
        let (events, _) = all(&*logs, query(group, last_minutes(60), None)).await;
        for e in &events {
            assert!(!e.message.starts_with("\tat "), "a frame on its own: {e:?}");
            assert!(!e.message.starts_with("Caused by"), "a cause on its own");
            assert!(!e.message.starts_with("  File \""), "a frame on its own");
            if e.message.contains("\n\tat ") || e.message.contains("\nTraceback") {
                traces += 1;
                assert!(e.message.lines().count() > 4);
            }
        }
    }
    assert!(traces > 0, "an hour of four services has a stack trace");
}

#[tokio::test]
async fn rates_are_bounded_and_suit_the_service() {
    let (_b, logs, _) = demo(7);
    let minutes = 20;
    let rate = |events: &[LogEvent]| events.len() as f64 / (minutes as f64 * 60.0);
    let (busy, _) = all(&*logs, query(CHECKOUT, last_minutes(minutes), None)).await;
    let (quiet, _) = all(
        &*logs,
        query("/ecs/sitemap-generator", last_minutes(minutes), None),
    )
    .await;
    assert!(
        (1.0..20.0).contains(&rate(&busy)),
        "checkout: {}/s",
        rate(&busy)
    );
    assert!(rate(&quiet) < 0.5, "sitemap-generator: {}/s", rate(&quiet));
    let mut per_second: BTreeMap<(&str, i64), usize> = BTreeMap::new();
    for e in &busy {
        *per_second
            .entry((e.stream.as_str(), e.timestamp.div_euclid(1000)))
            .or_default() += 1;
    }
    let worst = per_second.values().max().copied().unwrap_or(0);
    // Steady lines plus at most a banner's worth in the same second.
    assert!(
        worst <= MAX_REGULAR_PER_SECOND + 12,
        "{worst} in one second"
    );
}

#[tokio::test]
async fn the_oom_killed_renderer_leaves_its_last_lines() {
    let (backend, logs, clock) = demo(7);
    let mut victim = None;
    for _ in 0..12 {
        victim = tasks_of(&backend, "prod-core", "pdf-renderer")
            .await
            .into_iter()
            .find(|t| {
                t.containers
                    .first()
                    .is_some_and(|c| c.exit_code == Some(137))
            });
        if victim.is_some() {
            break;
        }
        clock.advance(Duration::minutes(15));
    }
    let victim = victim.expect("pdf-renderer crashes 1.5 times per task-hour");
    let q = FilterQuery {
        streams: vec![format!("ecs/pdf-renderer/{}", victim.id)],
        ..query(
            "/ecs/pdf-renderer",
            victim.stopping_at.unwrap() - Duration::minutes(30),
            None,
        )
    };
    let (events, _) = all(&*logs, q).await;
    let n = events.len();
    assert!(n >= 2);
    assert!(events[n - 1].message.contains("rendering statement"));
    assert!(events[n - 2].message.contains("98% of limit"));
    assert!(events[n - 1].timestamp >= ms(victim.stopping_at.unwrap()));
}

#[tokio::test]
async fn some_lines_carry_escape_sequences_for_the_sanitizer() {
    let (_b, logs, _) = demo(7);
    let (events, _) = all(&*logs, query(CHECKOUT, last_minutes(5), None)).await;
    assert!(events.iter().any(|e| e.message.contains('\u{1b}')));
}

#[tokio::test]
async fn patterns_filter_and_unsupported_ones_are_refused() {
    let (_b, logs, _) = demo(7);
    let q = FilterQuery {
        pattern: Some("?ERROR ?WARN -Hikari".into()),
        ..query(CHECKOUT, last_minutes(30), None)
    };
    let (events, _) = all(&*logs, q).await;
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| {
        (e.message.contains("ERROR") || e.message.contains("WARN")) && !e.message.contains("Hikari")
    }));
    let q = FilterQuery {
        pattern: Some("{ $.level = \"error\" }".into()),
        ..query(CHECKOUT, last_minutes(30), None)
    };
    let e = logs.filter_page(&q).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn unknown_groups_regions_and_tokens_are_refused() {
    let (_b, logs, _) = demo(7);
    let e = logs
        .filter_page(&query("/ecs/nope", last_minutes(5), None))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = logs
        .filter_page(&FilterQuery {
            region: "us-east-1".into(),
            ..query(CHECKOUT, last_minutes(5), None)
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = logs
        .filter_page(&FilterQuery {
            next_token: Some("garbage".into()),
            ..query(CHECKOUT, last_minutes(5), None)
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
}

#[tokio::test]
async fn streams_are_listed_newest_first() {
    let (_b, logs, clock) = demo(7);
    clock.advance(Duration::minutes(20));
    let streams = logs.streams(REGION, CHECKOUT, None, 100).await.unwrap();
    assert!(streams.len() >= 16, "app and envoy of every task");
    assert!(
        streams
            .windows(2)
            .all(|w| w[0].last_event_ms >= w[1].last_event_ms)
    );
    let envoy = logs
        .streams(REGION, CHECKOUT, Some("ecs/envoy/"), 3)
        .await
        .unwrap();
    assert_eq!(envoy.len(), 3);
    assert!(envoy.iter().all(|s| s.name.starts_with("ecs/envoy/")));
}

#[tokio::test(start_paused = true)]
async fn live_tail_delivers_what_filter_finds_once_a_second() {
    let (_b, logs, clock) = demo(7);
    let t0 = ms(clock.now());
    let mut session = logs.live_tail(REGION, CHECKOUT, &[], None).await.unwrap();
    let mut live = Vec::new();
    for _ in 0..8 {
        clock.advance(Duration::seconds(1));
        tokio::time::advance(StdDuration::from_secs(1)).await;
        let update = session.updates.recv().await.unwrap().unwrap();
        assert!(!update.sampled);
        assert!(update.events.iter().all(|e| e.event_id.is_none()));
        live.extend(update.events);
    }
    let t1 = ms(clock.now());
    let (mut polled, _) = all(
        &*logs,
        query(CHECKOUT, opens_at() - Duration::seconds(5), None),
    )
    .await;
    polled.retain(|e| e.ingestion_time > t0 && e.ingestion_time <= t1);
    let key = |e: &LogEvent| (e.timestamp, e.stream.clone(), e.message.clone());
    let mut live: Vec<_> = live.iter().map(key).collect();
    let mut polled: Vec<_> = polled.iter().map(key).collect();
    live.sort();
    polled.sort();
    assert!(!live.is_empty());
    let only_live: Vec<_> = live.iter().filter(|e| !polled.contains(e)).collect();
    let only_polled: Vec<_> = polled.iter().filter(|e| !live.contains(e)).collect();
    assert!(
        only_live.is_empty() && only_polled.is_empty(),
        "live only: {only_live:?}\npolled only: {only_polled:?}"
    );
}

#[tokio::test]
async fn what_was_shown_never_changes_as_tasks_stop_and_crash() {
    let (_b, logs, clock) = demo(7);
    let window = |g: &str| {
        query(
            g,
            last_minutes(10),
            Some(opens_at() + Duration::minutes(20)),
        )
    };
    let mut before = Vec::new();
    for _ in 0..8 {
        for g in [CHECKOUT, "/ecs/pdf-renderer"] {
            before.push((clock.now(), all(&*logs, window(g)).await.0));
        }
        clock.advance(Duration::seconds(151));
    }
    for (at, shown) in before {
        let group = shown.first().map(|e| e.group.clone()).unwrap();
        let (now, _) = all(&*logs, window(&group)).await;
        let still: Vec<_> = now
            .into_iter()
            .filter(|e| e.ingestion_time <= ms(at))
            .collect();
        assert_eq!(still, shown, "{group} as shown at {at}");
    }
}
