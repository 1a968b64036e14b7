//! Live Tail and its hand-overs, against scripted sessions on a paused clock.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::fakes::{FakeLogs, task, wall_ms};
use super::harness::*;
use super::{TailMsg, TailOptions, Transport};
use crate::domain::model::TaskScope;
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::logs::{LiveUpdate, LogEvent};

fn live() -> TailOptions {
    TailOptions::default()
}

/// How Live Tail delivers an event: no eventId.
fn delivered(event: &LogEvent) -> LogEvent {
    LogEvent {
        event_id: None,
        ..event.clone()
    }
}

async fn deliver(tx: &mpsc::Sender<BackendResult<LiveUpdate>>, events: &[LogEvent], sampled: bool) {
    let update = LiveUpdate {
        events: events.iter().map(delivered).collect(),
        sampled,
    };
    tx.send(Ok(update)).await.unwrap();
}

fn transports(messages: &[TailMsg]) -> Vec<Transport> {
    messages
        .iter()
        .filter_map(|m| match m {
            TailMsg::Transport(t) => Some(*t),
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn live_lines_flow_and_a_failed_session_hands_over_to_polling_without_repeats() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let session = logs.live_session();
    let t = wall_ms() - 2_000;
    logs.put(GROUP, &stream("t1"), t, "history");
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 1), live());
    let first = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(lines(&first), ["history"]);
    assert_eq!(transports(&first), [Transport::Live]);

    let e2 = logs.put(GROUP, &stream("t1"), t + 5, "live one");
    deliver(&session, &[e2], false).await;
    let seen = tail.events(1).await;
    assert_eq!(lines(&seen), ["live one"]);

    session
        .send(Err(BackendError::new(
            ErrorKind::Service,
            "StartLiveTail",
            "SessionStreamingException: boom",
        )))
        .await
        .unwrap();
    let seen = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert!(has(
        &seen,
        |m| matches!(m, TailMsg::Error(e) if e.message.contains("boom"))
    ));
    assert_eq!(transports(&seen), [Transport::Poll]);
    let e3 = logs.put(GROUP, &stream("t1"), t + 6, "polled one");
    let seen = tail.during(Duration::from_secs(120)).await;
    // The catch-up poll re-read "history" and "live one": neither is repeated.
    assert_eq!(lines(&seen), [e3.message]);
    assert_eq!(transports(&seen), []);
    assert_eq!(logs.live_calls().len(), 1, "never reconnected");
}

#[tokio::test(start_paused = true)]
async fn a_session_that_replays_history_and_ends_is_not_retried_and_repeats_nothing() {
    // moto's StartLiveTail: every stored event of the streams once, then the end.
    let ecs = ecs_with(&[("api", "t1"), ("worker", "w1")]);
    let logs = Arc::new(FakeLogs::new(2));
    let session = logs.live_session();
    let t = wall_ms() - 600_000;
    let old = logs.put(GROUP, &stream("t1"), t - 10, "before the start");
    let mut stored = vec![old];
    for i in 0..5 {
        stored.push(logs.put(GROUP, &stream("t1"), t + i * 60_000, &format!("h{i}")));
    }
    let theirs = logs.put(GROUP, &stream("w1"), t + 1, "another service");
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t), live());
    let first = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(lines(&first), ["h0", "h1", "h2", "h3", "h4"]);

    stored.push(theirs);
    deliver(&session, &stored, false).await;
    drop(session);
    let seen = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(transports(&seen), [Transport::Poll]);
    assert!(has(
        &seen,
        |m| matches!(m, TailMsg::Error(e) if e.operation == "StartLiveTail")
    ));
    let e = logs.put(GROUP, &stream("t1"), t + 600_000, "new");
    let seen_after = tail.during(Duration::from_secs(120)).await;
    let mut all = lines(&seen);
    all.extend(lines(&seen_after));
    assert_eq!(all, [e.message]);
    assert_eq!(logs.live_calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_refused_live_tail_falls_back_to_polling_once() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    logs.live_refused(BackendError::new(
        ErrorKind::AccessDenied,
        "StartLiveTail",
        "AccessDeniedException: not allowed",
    ));
    let t = wall_ms() - 1_000;
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t), live());
    let first = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(transports(&first), [Transport::Poll]);
    assert!(has(
        &first,
        |m| matches!(m, TailMsg::Error(e) if e.kind == ErrorKind::AccessDenied)
    ));
    logs.put(GROUP, &stream("t1"), t + 1, "polled");
    let seen = tail.during(Duration::from_secs(300)).await;
    assert_eq!(lines(&seen), ["polled"]);
    assert!(!has(&seen, |m| matches!(m, TailMsg::Ended)));
    assert_eq!(logs.live_calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_start_that_never_answers_times_out_into_polling() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    logs.live_hangs();
    let t = wall_ms() - 1_000;
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t), live());
    let first = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(transports(&first), [Transport::Poll]);
    assert!(has(
        &first,
        |m| matches!(m, TailMsg::Error(e) if e.kind == ErrorKind::Timeout)
    ));
}

#[tokio::test(start_paused = true)]
async fn sampled_updates_are_reported_and_the_window_backfilled() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(4));
    let session = logs.live_session();
    let begun = tokio::time::Instant::now();
    let t = wall_ms() - 1_000;
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 60_000), live());
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    // Past the catch-up poll that follows the start.
    tail.during(Duration::from_secs(5)).await;

    let burst: Vec<LogEvent> = (0..10)
        .map(|i| logs.put(GROUP, &stream("t1"), t + i * 10, &format!("b{i}")))
        .collect();
    let sample = [burst[2].clone(), burst[5].clone(), burst[7].clone()];
    let calls_before = logs.calls().len();
    deliver(&session, &sample, true).await;
    let seen = tail.during(Duration::from_secs(10)).await;

    let windows: Vec<(i64, i64)> = seen
        .iter()
        .filter_map(|m| match m {
            TailMsg::Sampled { from_ms, to_ms } => Some((*from_ms, *to_ms)),
            _ => None,
        })
        .collect();
    let [(from_ms, to_ms)] = windows[..] else {
        panic!("{seen:#?}")
    };
    // From the sample's first line (nothing was shown before it) to now, with a margin.
    assert_eq!(from_ms, t + 20 - 1_000);
    let now_ms = wall_ms() + i64::try_from(begun.elapsed().as_millis()).unwrap();
    assert!(
        to_ms >= t + 70 + 1_000 && to_ms <= now_ms + 1_000,
        "{to_ms} {now_ms}"
    );
    let mut got = lines(&seen);
    assert_eq!(got[..3], ["b2", "b5", "b7"]);
    got.sort();
    let want: Vec<String> = (0..10).map(|i| format!("b{i}")).collect();
    assert_eq!(got, want, "the sampled-out lines, once each");
    let backfill = &logs.calls()[calls_before..];
    assert!(!backfill.is_empty());
    assert!(backfill.iter().all(|(_, q)| q.end_ms == Some(to_ms)));
    assert_eq!(transports(&seen), [], "still live");
}

/// awslogs ships a container's lines every 5 s, so one update can hold lines stamped over
/// seconds; a sampler may keep the oldest of them or the newest. Either way every line
/// left out is backfilled (the window was once the sample's own times, which missed the
/// lines stamped after a sample of the oldest).
#[tokio::test(start_paused = true)]
async fn a_sample_of_the_oldest_or_the_newest_lines_still_backfills_every_line_left_out() {
    for keep_oldest in [true, false] {
        let ecs = ecs_with(&[("api", "t1")]);
        let logs = Arc::new(FakeLogs::new(100));
        let session = logs.live_session();
        let t = wall_ms() - 1_000;
        let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 60_000), live());
        tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
            .await;
        let before = logs.put(GROUP, &stream("t1"), t - 3_000, "before");
        deliver(&session, &[before], false).await;
        assert_eq!(lines(&tail.events(1).await), ["before"]);
        tail.during(Duration::from_secs(5)).await;

        let burst: Vec<LogEvent> = (0..40)
            .map(|i| {
                logs.put(
                    GROUP,
                    &stream("t1"),
                    t - 2_000 + i * 50,
                    &format!("b{i:02}"),
                )
            })
            .collect();
        let sample = if keep_oldest {
            &burst[..5]
        } else {
            &burst[35..]
        };
        deliver(&session, sample, true).await;
        let seen = tail.during(Duration::from_secs(10)).await;
        assert!(has(&seen, |m| matches!(m, TailMsg::Sampled { .. })));
        let mut got = lines(&seen);
        got.sort();
        let want: Vec<String> = burst.iter().map(|e| e.message.clone()).collect();
        assert_eq!(got, want, "keep_oldest {keep_oldest}: every line once");
        assert_eq!(transports(&seen), [], "still live");
    }
}

#[test]
fn the_sampled_window_runs_from_what_was_shown_to_now() {
    use super::live::sampled_window;
    let late = 30_000;
    // Nothing shown before: from the sample's first line.
    assert_eq!(
        sampled_window(Some((100_000, 100_050)), None, 101_000, late),
        (99_000, 102_000)
    );
    // Shown before: from there (lines between it and the sample were left out)...
    assert_eq!(
        sampled_window(Some((100_000, 100_050)), Some(98_000), 101_000, late),
        (97_000, 102_000)
    );
    // ...but never more than the late window before the sample.
    assert_eq!(
        sampled_window(Some((100_000, 100_050)), Some(10_000), 101_000, late),
        (69_000, 102_000)
    );
    // A sample stamped ahead of the clock (a skewed host) reaches its last line.
    assert_eq!(
        sampled_window(Some((100_000, 105_000)), None, 101_000, late),
        (99_000, 106_000)
    );
    // A sampled update without events: the last second.
    assert_eq!(
        sampled_window(None, Some(100_500), 101_000, late),
        (99_500, 102_000)
    );
}

#[tokio::test(start_paused = true)]
async fn sessions_are_renewed_before_their_limit_without_gaps_or_repeats() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let first = logs.live_session();
    let second = logs.live_session();
    let t = wall_ms() - 1_000;
    let opts = TailOptions {
        live_renew_after: Duration::from_secs(60),
        ..live()
    };
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 1), opts);
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    let a = logs.put(GROUP, &stream("t1"), t + 1_000, "a");
    deliver(&first, &[a], false).await;
    tail.events(1).await;

    // Just before the renewal: a line delivered by neither session.
    tail.during(Duration::from_secs(57)).await;
    let gap = logs.put(GROUP, &stream("t1"), t + 58_000, "in the gap");
    let seen = tail.during(Duration::from_secs(10)).await;
    assert_eq!(
        lines(&seen),
        ["in the gap"],
        "the catch-up poll after the renewal"
    );
    assert!(first.is_closed(), "the old session was stopped");
    assert_eq!(logs.live_calls().len(), 2);
    assert_eq!(transports(&seen), []);
    let b = logs.put(GROUP, &stream("t1"), t + 62_000, "b");
    deliver(&second, &[gap, b], false).await;
    let seen = tail.during(Duration::from_secs(20)).await;
    assert_eq!(lines(&seen), ["b"]);
}

#[tokio::test(start_paused = true)]
async fn a_task_that_joins_restarts_the_session_with_its_stream() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let _first = logs.live_session();
    let second = logs.live_session();
    let t = wall_ms() - 1_000;
    let opts = TailOptions {
        resolve_every: Duration::from_secs(5),
        ..live()
    };
    let mut tail = start(
        Arc::clone(&ecs),
        Arc::clone(&logs),
        request(true, t - 1),
        opts,
    );
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    ecs.add_task(Some("api"), TaskScope::Running, task("t2", TD, 5));
    let early = logs.put(GROUP, &stream("t2"), t + 10, "t2 started");
    tail.until(|m| matches!(m, TailMsg::Sources(_))).await;
    tail.during(Duration::from_secs(1)).await;
    let calls = logs.live_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].1, [stream("t1"), stream("t2")]);
    let later = logs.put(GROUP, &stream("t2"), t + 20, "t2 later");
    deliver(&second, &[early, later], false).await;
    let seen = tail.during(Duration::from_secs(10)).await;
    let mut got = lines(&seen);
    got.sort();
    assert_eq!(got, ["t2 later", "t2 started"]);
}

#[tokio::test(start_paused = true)]
async fn a_service_with_no_tasks_yet_goes_live_once_one_starts() {
    let ecs = ecs_with(&[]);
    let logs = Arc::new(FakeLogs::new(100));
    let _session = logs.live_session();
    let opts = TailOptions {
        resolve_every: Duration::from_secs(5),
        ..live()
    };
    let mut tail = start(
        Arc::clone(&ecs),
        Arc::clone(&logs),
        request(true, wall_ms()),
        opts,
    );
    let first = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(transports(&first), [Transport::Poll]);
    ecs.add_task(Some("api"), TaskScope::Running, task("t1", TD, 1));
    let seen = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(transports(&seen), [Transport::Live]);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_handle_ends_the_sessions() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let session = logs.live_session();
    let mut req = request(true, wall_ms());
    req.pattern = Some("ERROR".into());
    let mut tail = start(ecs, Arc::clone(&logs), req, live());
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    assert_eq!(logs.live_calls()[0].2.as_deref(), Some("ERROR"));
    let Tail { handle, .. } = tail;
    drop(handle);
    tokio::time::timeout(Duration::from_secs(1), session.closed())
        .await
        .expect("the session's receiver is dropped");
}
