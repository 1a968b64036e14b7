//! Tails of streams named outright (`LogScope::Streams`, the stream picker's choice):
//! read without asking ECS, limited to the named streams by polling and by Live Tail alike.

use std::sync::Arc;
use std::time::Duration;

use super::fakes::{FakeLogs, wall_ms};
use super::harness::*;
use super::{TailMsg, TailOptions, TailRequest, Transport};
use crate::domain::ErrorKind;
use crate::logs::LiveUpdate;
use crate::logs::source::{LogScope, SourceKind};

const FIRELENS: &str = "/fl/app";
const ROUTER_A: &str = "router-firelens-0a1b2c";
const ROUTER_B: &str = "router-firelens-3d4e5f";
const AWSLOGS_STYLE: &str = "ecs/web/9f8e7d6c";

fn named(streams: &[&str], follow: bool, start_ms: i64) -> TailRequest {
    TailRequest {
        scope: LogScope::Streams {
            region: String::new(),
            group: FIRELENS.into(),
            streams: streams.iter().map(|s| (*s).to_owned()).collect(),
        },
        container: None,
        start_ms,
        pattern: None,
        follow,
    }
}

/// ECS that fails every task listing: a tail of named streams must not need it.
fn no_ecs() -> Arc<super::fakes::FakeEcs> {
    let ecs = ecs_with(&[]);
    *ecs.fail_tasks.lock().unwrap() = Some(error(ErrorKind::AccessDenied));
    ecs
}

#[tokio::test(start_paused = true)]
async fn named_streams_are_read_alone_and_ecs_is_never_asked() {
    let logs = Arc::new(FakeLogs::new(3));
    let t = wall_ms() - 60_000;
    logs.put(FIRELENS, ROUTER_B, t + 2, "b 1");
    logs.put(FIRELENS, ROUTER_A, t + 1, "a 1");
    logs.put(FIRELENS, "router-firelens-unpicked", t + 1, "not picked");
    logs.put(FIRELENS, AWSLOGS_STYLE, t + 3, "web 1");
    logs.put(FIRELENS, ROUTER_A, t + 4, "a 2");
    let ecs = no_ecs();
    // Named twice: read once.
    let req = named(&[ROUTER_B, ROUTER_A, AWSLOGS_STYLE, ROUTER_A], true, t);
    let mut tail = start(Arc::clone(&ecs), Arc::clone(&logs), req, polling());
    let history = tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;

    let TailMsg::Sources(sources) = &history[0] else {
        panic!("sources first: {history:?}");
    };
    let described: Vec<(&str, &str, &str, &str)> = sources
        .iter()
        .map(|s| match &s.kind {
            SourceKind::CloudWatch { region, stream, .. } => (
                s.task_id.as_str(),
                s.container.as_str(),
                region.as_str(),
                stream.as_str(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        described,
        [
            ("", "", "eu-west-1", ROUTER_B),
            ("", "", "eu-west-1", ROUTER_A),
            // A name in the awslogs shape is attributed to its task and container.
            ("9f8e7d6c", "web", "eu-west-1", AWSLOGS_STYLE),
        ],
        "the connection's region when none is given"
    );
    assert_eq!(lines(&history), ["a 1", "b 1", "web 1", "a 2"]);
    assert!(!has(&history, |m| matches!(m, TailMsg::Error(_))));

    logs.put(
        FIRELENS,
        "router-firelens-unpicked",
        t + 10,
        "still not picked",
    );
    logs.put(FIRELENS, ROUTER_B, t + 11, "b 2");
    let seen = tail.during(Duration::from_secs(20)).await;
    assert_eq!(lines(&seen), ["b 2"]);
    assert!(!has(&seen, |m| matches!(
        m,
        TailMsg::Error(_) | TailMsg::Ended | TailMsg::Sources(_)
    )));

    let calls = logs.calls();
    assert!(calls.len() > 3);
    for (_, q) in &calls {
        assert_eq!(q.group, FIRELENS);
        assert_eq!(q.region, "eu-west-1");
        assert_eq!(q.streams, [AWSLOGS_STYLE, ROUTER_A, ROUTER_B]);
    }
    assert_eq!(*ecs.describes.lock().unwrap(), 0);
}

#[tokio::test(start_paused = true)]
async fn named_streams_are_live_tailed_by_name_and_strangers_dropped() {
    let logs = Arc::new(FakeLogs::new(100));
    let session = logs.live_session();
    let t = wall_ms() - 2_000;
    logs.put(FIRELENS, ROUTER_A, t, "history");
    let mut req = named(&[ROUTER_A], true, t - 1);
    if let LogScope::Streams { region, .. } = &mut req.scope {
        *region = "us-east-2".into();
    }
    let mut tail = start(no_ecs(), Arc::clone(&logs), req, TailOptions::default());
    let first = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(lines(&first), ["history"]);
    assert!(matches!(
        first.last(),
        Some(TailMsg::Transport(Transport::Live))
    ));
    assert_eq!(
        logs.live_calls(),
        [(FIRELENS.to_owned(), vec![ROUTER_A.to_owned()], None)]
    );

    let mine = logs.put(FIRELENS, ROUTER_A, t + 5, "live one");
    let stranger = logs.put(FIRELENS, ROUTER_B, t + 5, "not asked for");
    let update = LiveUpdate {
        events: [stranger, mine]
            .into_iter()
            .map(|e| crate::logs::LogEvent {
                event_id: None,
                ..e
            })
            .collect(),
        sampled: false,
    };
    session.send(Ok(update)).await.unwrap();
    let seen = tail.events(1).await;
    assert_eq!(lines(&seen), ["live one"]);
    // The catch-up poll after the session started asked for the named stream only, in
    // the region given.
    let calls = logs.calls();
    assert!(
        calls
            .iter()
            .all(|(_, q)| q.streams == [ROUTER_A] && q.region == "us-east-2")
    );
}

#[tokio::test(start_paused = true)]
async fn more_than_a_hundred_named_streams_are_polled_a_hundred_at_a_time() {
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 10_000;
    let names: Vec<String> = (0..150).map(|i| format!("fluent-bit-{i:03}")).collect();
    logs.put(FIRELENS, &names[0], t, "first stream");
    logs.put(FIRELENS, &names[149], t + 1, "last stream");
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    // Live Tail takes at most 100 stream names: polling instead, without trying.
    let mut tail = start(
        no_ecs(),
        Arc::clone(&logs),
        named(&refs, true, t - 1),
        TailOptions::default(),
    );
    let seen = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert!(matches!(
        seen.last(),
        Some(TailMsg::Transport(Transport::Poll))
    ));
    assert_eq!(lines(&seen), ["first stream", "last stream"]);
    assert!(logs.live_calls().is_empty());
    let calls = logs.calls();
    assert!(calls.iter().all(|(_, q)| q.streams.len() <= 100));
    let history: Vec<usize> = calls.iter().take(2).map(|(_, q)| q.streams.len()).collect();
    assert_eq!(history, [100, 50]);
}

#[tokio::test(start_paused = true)]
async fn naming_no_stream_ends_the_tail_with_the_reason() {
    let logs = Arc::new(FakeLogs::new(100));
    let mut tail = start(
        no_ecs(),
        Arc::clone(&logs),
        named(&[], true, wall_ms()),
        polling(),
    );
    let seen = tail.until(|m| matches!(m, TailMsg::Ended)).await;
    assert!(
        matches!(&seen[0], TailMsg::Error(e) if e.kind == ErrorKind::InvalidRequest && e.message.contains(FIRELENS)),
        "{seen:?}"
    );
    assert!(logs.calls().is_empty());
}
