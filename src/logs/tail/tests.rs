//! The engine against scripted fakes on a paused clock: history, polling, throttling,
//! tasks joining, older events, the shared budget. Live Tail is in `live_tests`.

use std::sync::Arc;
use std::time::Duration;

use super::fakes::{FakeLogs, awslogs, task, task_definition, wall_ms};
use super::harness::*;
use super::{RequestBudget, TailMsg, TailOptions, Transport};
use crate::domain::ErrorKind;
use crate::domain::model::TaskScope;
use crate::logs::source::{LogScope, SourceKind};

const SIDE: &str = "/ecs/side";

fn timestamps_ascend(messages: &[TailMsg]) -> bool {
    events(messages)
        .windows(2)
        .all(|w| w[0].timestamp <= w[1].timestamp)
}

#[tokio::test(start_paused = true)]
async fn history_is_every_line_once_in_time_order_across_pages_groups_and_tasks() {
    // Two containers logging to two groups; the api service has a running and a stopped
    // task; the worker service runs the same task definition (same prefix, same groups).
    let td = "arn:aws:ecs:eu-west-1:123456789012:task-definition/two:1";
    let ecs = super::fakes::FakeEcs::with_task_definitions(vec![task_definition(
        td,
        vec![awslogs("web", GROUP), awslogs("side", SIDE)],
    )]);
    ecs.add_task(Some("api"), TaskScope::Running, task("t1", td, 2));
    ecs.add_task(Some("api"), TaskScope::Stopped, task("t0", td, 1));
    ecs.add_task(Some("worker"), TaskScope::Running, task("w1", td, 3));
    let logs = Arc::new(FakeLogs::new(4));
    logs.overlap_pages(2);
    let t0 = wall_ms() - 600_000;
    logs.put(GROUP, "app/web/t1", t0 - 1, "before the start");
    let mut want = Vec::new();
    for i in 0..60_i64 {
        let (group, container) = if i % 3 == 0 {
            (SIDE, "side")
        } else {
            (GROUP, "web")
        };
        let task = if i % 2 == 0 { "t0" } else { "t1" };
        // Pairs of lines share a millisecond.
        let e = logs.put(
            group,
            &format!("app/{container}/{task}"),
            t0 + i / 2,
            &format!("api {i}"),
        );
        want.push(e.message);
        logs.put(group, &format!("app/{container}/w1"), t0 + i / 2, "worker");
    }
    logs.put(GROUP, "app/web/unrelated", t0 + 5, "a stream of no task");

    let mut tail = start(
        Arc::new(ecs),
        Arc::clone(&logs),
        request(false, t0),
        polling(),
    );
    let messages = tail.until(|m| matches!(m, TailMsg::Ended)).await;

    let TailMsg::Sources(sources) = &messages[0] else {
        panic!("sources first: {messages:?}");
    };
    let streams: Vec<String> = sources
        .iter()
        .map(|s| match &s.kind {
            SourceKind::CloudWatch {
                group,
                stream,
                region,
            } => {
                assert_eq!(region, "eu-west-1");
                format!("{group} {stream}")
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        streams,
        [
            "/ecs/app app/web/t0",
            "/ecs/side app/side/t0",
            "/ecs/app app/web/t1",
            "/ecs/side app/side/t1"
        ]
    );
    assert!(matches!(messages[1], TailMsg::Transport(Transport::Poll)));
    // Interleaved by time across both groups, each line once, nothing of the worker's.
    // (Within one millisecond the order across groups is not defined.)
    let by_time = |mut lines: Vec<String>| {
        lines.sort_by_key(|m| (m[4..].parse::<i64>().unwrap() / 2, m.clone()));
        lines
    };
    let got = lines(&messages);
    assert_eq!(got.len(), 60);
    assert_eq!(by_time(got), by_time(want));
    assert!(timestamps_ascend(&messages));
    let n = messages.len();
    assert!(matches!(messages[n - 2], TailMsg::HistoryDone));
    // Many overlapping pages were read, all scoped to the service's own streams.
    let calls = logs.calls();
    // 40 web lines and 20 side lines, 4 new ones a page.
    assert_eq!(calls.len(), 40 / 4 + 20 / 4);
    for (_, q) in &calls {
        assert_eq!(q.start_ms, t0);
        let want_streams = if q.group == GROUP {
            ["app/web/t0", "app/web/t1"]
        } else {
            ["app/side/t0", "app/side/t1"]
        };
        assert_eq!(q.streams, want_streams);
    }
}

#[tokio::test(start_paused = true)]
async fn polls_start_at_the_newest_timestamp_so_same_millisecond_lines_are_not_lost() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 5_000;
    logs.put(GROUP, &stream("t1"), t, "first");
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 60_000), polling());
    let history = tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    assert_eq!(lines(&history), ["first"]);
    let calls_before = logs.calls().len();

    logs.put(GROUP, &stream("t1"), t, "same millisecond");
    logs.put(GROUP, &stream("t1"), t + 3, "later");
    let seen = tail.during(Duration::from_secs(30)).await;
    assert_eq!(lines(&seen), ["same millisecond", "later"]);
    assert!(!has(&seen, |m| matches!(
        m,
        TailMsg::Ended | TailMsg::Error(_)
    )));
    let calls = logs.calls();
    let head_polls: Vec<i64> = calls[calls_before..]
        .iter()
        .map(|(_, q)| q.start_ms)
        .collect();
    assert_eq!(head_polls[0], t, "from the newest, not newest + 1");
    assert!(head_polls.contains(&(t + 3)));
}

#[tokio::test(start_paused = true)]
async fn late_events_inside_the_late_window_are_found_and_repeats_dropped() {
    let ecs = ecs_with(&[("api", "t1"), ("api", "t2")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 20_000;
    logs.put(GROUP, &stream("t1"), t, "a");
    let opts = TailOptions {
        late_sweep_every: Duration::from_secs(5),
        ..polling()
    };
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 60_000), opts);
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;

    logs.put(GROUP, &stream("t1"), t + 10_000, "b");
    tail.events(1).await;
    // t2's driver flushes late: its line is older than what was shown already.
    logs.put(GROUP, &stream("t2"), t + 4_000, "late from t2");
    let seen = tail.during(Duration::from_secs(60)).await;
    assert_eq!(lines(&seen), ["late from t2"]);
    // A minute of polls and sweeps re-read the window without repeating anything.
    let sweeps = logs
        .calls()
        .iter()
        .filter(|(_, q)| q.start_ms == t + 10_000 - 30_000)
        .count();
    assert!(sweeps >= 5, "{sweeps} sweeps");
}

/// Errors tend to come as a few lines after a quiet spell: a tail polls as often while
/// quiet as while lines flow, whatever `poll_max` says, so a burst waits one interval at
/// most.
#[tokio::test(start_paused = true)]
async fn polls_come_at_one_interval_whether_lines_flow_or_not() {
    let every = Duration::from_millis(550);
    assert_eq!(polling().poll_min, every, "the default interval");
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 1_000;
    logs.put(GROUP, &stream("t1"), t, "a");
    let opts = TailOptions {
        poll_max: Duration::from_secs(10),
        ..polling()
    };
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 1), opts);
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    // Ten quiet polls, a burst of three lines, then lines flowing, then quiet again.
    tail.during(every * 10 + Duration::from_millis(100)).await;
    let burst_at = tokio::time::Instant::now();
    for i in 0..3 {
        logs.put(GROUP, &stream("t1"), t + 10, &format!("burst {i}"));
    }
    let seen = tail.events(3).await;
    assert_eq!(lines(&seen), ["burst 0", "burst 1", "burst 2"]);
    assert!(burst_at.elapsed() <= every, "one interval at most");
    for i in 0..4_i64 {
        logs.put(GROUP, &stream("t1"), t + 20 + i, &format!("flow {i}"));
        tail.events(1).await;
    }
    tail.during(every * 3 + Duration::from_millis(100)).await;

    let at: Vec<_> = logs.calls().iter().map(|(at, _)| *at).collect();
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // History, then the same interval between polls all along.
    assert!(gaps.len() >= 10 + 1 + 4 + 3, "{gaps:?}");
    assert!(gaps.iter().all(|&gap| gap == every), "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn throttling_backs_off_exponentially_is_reported_and_never_ends_the_tail() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 1_000;
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 1), polling());
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    logs.fail_next((0..7).map(|_| error(ErrorKind::Throttled)));
    logs.put(GROUP, &stream("t1"), t, "after the storm");
    let before = logs.calls().len();
    let seen = tail.events(1).await;

    let throttled: Vec<bool> = seen
        .iter()
        .filter_map(|m| match m {
            TailMsg::Throttled(on) => Some(*on),
            _ => None,
        })
        .collect();
    assert_eq!(throttled, [true, false], "reported once each way");
    assert_eq!(lines(&seen), ["after the storm"]);
    assert!(!has(&seen, |m| matches!(
        m,
        TailMsg::Ended | TailMsg::Error(_)
    )));
    let at: Vec<_> = logs.calls()[before..].iter().map(|(at, _)| *at).collect();
    let waits: Vec<u64> = at.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect();
    assert_eq!(waits, [1, 2, 4, 5, 5, 5, 5], "doubling, capped at 5 s");
}

#[tokio::test(start_paused = true)]
async fn fatal_errors_end_the_tail_but_older_events_still_load() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 1_000;
    logs.put(GROUP, &stream("t1"), t - 50, "older");
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t), polling());
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    logs.fail_next([error(ErrorKind::InvalidRequest)]);
    let seen = tail.until(|m| matches!(m, TailMsg::Ended)).await;
    assert!(has(
        &seen,
        |m| matches!(m, TailMsg::Error(e) if e.kind == ErrorKind::InvalidRequest)
    ));

    tail.handle.load_older(t);
    let older = tail.until(|m| matches!(m, TailMsg::Older { .. })).await;
    let Some(TailMsg::Older { events, more }) = older.last() else {
        unreachable!()
    };
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message, "older");
    assert!(!more);
}

/// Expired credentials stop a follower instead of ending it: it says so, tries again
/// every `stopped_retry_every` (and at once on `retry_now`), and once they work again it
/// reads on from where it stopped: lines written meanwhile appear once, none twice.
#[tokio::test(start_paused = true)]
async fn expired_credentials_stop_the_follow_until_they_work_again_and_nothing_is_lost() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 1_000;
    logs.put(GROUP, &stream("t1"), t - 10, "before");
    let mut tail = start(ecs, Arc::clone(&logs), request(true, t - 100), polling());
    assert_eq!(lines(&tail.events(1).await), ["before"]);
    logs.fail_next((0..50).map(|_| error(ErrorKind::ExpiredCredentials)));
    let seen = tail.until(|m| matches!(m, TailMsg::Stopped(_))).await;
    assert!(!has(&seen, |m| matches!(m, TailMsg::Ended)));
    logs.put(GROUP, &stream("t1"), t + 1, "while stopped 1");
    logs.put(GROUP, &stream("t1"), t + 2, "while stopped 2");
    // Still failing: told once, retried at the slow pace, not ended.
    let calls = logs.calls().len();
    let quiet = tail.during(Duration::from_secs(40)).await;
    assert!(
        !has(&quiet, |m| matches!(
            m,
            TailMsg::Stopped(_) | TailMsg::Ended
        )),
        "{quiet:?}"
    );
    let retries = logs.calls().len() - calls;
    assert!(
        (2..=3).contains(&retries),
        "every 15 s: {retries} retries in 40 s"
    );
    // Credentials work again; `r` tries at once rather than at the next retry.
    logs.clear_failures();
    let asked = tokio::time::Instant::now();
    tail.handle.retry_now();
    let seen = tail.until(|m| matches!(m, TailMsg::Recovered)).await;
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    let mut seen = seen;
    seen.extend(tail.events(2).await);
    assert_eq!(lines(&seen), ["while stopped 1", "while stopped 2"]);
    let later = tail.during(Duration::from_secs(10)).await;
    assert!(lines(&later).is_empty(), "repeated: {later:?}");
}

/// Without following, a fault that does not end is given up on after `give_up_after`:
/// the error, then the end.
#[tokio::test(start_paused = true)]
async fn a_history_gives_up_after_failing_for_too_long() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    logs.fail_next((0..1000).map(|_| error(ErrorKind::Service).without_clear_answer()));
    let opts = TailOptions {
        give_up_after: Some(Duration::from_secs(30)),
        ..polling()
    };
    let begun = tokio::time::Instant::now();
    let mut tail = start(ecs, Arc::clone(&logs), request(false, 0), opts);
    let seen = tail.until(|m| matches!(m, TailMsg::Ended)).await;
    let took = begun.elapsed();
    assert!(
        took >= Duration::from_secs(30) && took < Duration::from_secs(40),
        "{took:?}"
    );
    let Some(TailMsg::Error(e)) = seen.iter().rev().find(|m| matches!(m, TailMsg::Error(_))) else {
        panic!("{seen:?}")
    };
    assert!(e.message.contains("gave up after"), "{}", e.message);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_service_or_task_ends_the_tail_with_the_reason() {
    let ecs = ecs_with(&[]);
    let logs = Arc::new(FakeLogs::new(100));
    let mut req = request(true, 0);
    req.scope = LogScope::Task {
        cluster: "prod".into(),
        task: "nope".into(),
    };
    let mut tail = start(ecs, logs, req, polling());
    let seen = tail.until(|m| matches!(m, TailMsg::Ended)).await;
    assert!(matches!(&seen[0], TailMsg::Error(e) if e.kind == ErrorKind::NotFound));
}

#[tokio::test(start_paused = true)]
async fn a_missing_log_group_is_reported_once_and_the_other_groups_go_on() {
    let td = "arn:aws:ecs:eu-west-1:123456789012:task-definition/two:1";
    let ecs = super::fakes::FakeEcs::with_task_definitions(vec![task_definition(
        td,
        vec![awslogs("web", GROUP), awslogs("side", SIDE)],
    )]);
    ecs.add_task(Some("api"), TaskScope::Running, task("t1", td, 1));
    let logs = Arc::new(FakeLogs::new(100));
    logs.missing_group(SIDE);
    let t = wall_ms() - 1_000;
    let mut tail = start(
        Arc::new(ecs),
        Arc::clone(&logs),
        request(true, t - 1),
        polling(),
    );
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    logs.put(GROUP, "app/web/t1", t, "web goes on");
    let seen = tail.during(Duration::from_secs(60)).await;
    assert_eq!(lines(&seen), ["web goes on"]);
    assert!(!has(&seen, |m| matches!(m, TailMsg::Ended)));
    let errors = seen
        .iter()
        .filter(|m| matches!(m, TailMsg::Error(_)))
        .count();
    assert_eq!(errors, 0, "reported once, during the history");
    // Asked again on sweeps only, not at every poll.
    let side_calls = logs.calls().iter().filter(|(_, q)| q.group == SIDE).count();
    let sweeps = (60 / polling().late_sweep_every.as_secs()) as usize;
    assert!(
        (sweeps.saturating_sub(1)..=sweeps + 2).contains(&side_calls),
        "{side_calls} calls for {sweeps} sweeps"
    );
}

#[tokio::test(start_paused = true)]
async fn tasks_that_join_are_read_from_the_start_and_sources_are_sent_again() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(3));
    let t = wall_ms() - 120_000;
    logs.put(GROUP, &stream("t1"), t, "t1 first");
    let opts = TailOptions {
        resolve_every: Duration::from_secs(5),
        ..polling()
    };
    let mut tail = start(
        Arc::clone(&ecs),
        Arc::clone(&logs),
        request(true, t - 1),
        opts,
    );
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;

    // A deploy: t2 starts and has logged for a while (its lines are older than "now").
    ecs.add_task(Some("api"), TaskScope::Running, task("t2", TD, 9));
    for i in 0..7 {
        logs.put(GROUP, &stream("t2"), t + 1_000 + i, &format!("t2 {i}"));
    }
    let seen = tail.until(|m| matches!(m, TailMsg::Sources(_))).await;
    let Some(TailMsg::Sources(sources)) = seen.last() else {
        unreachable!()
    };
    let tasks: Vec<&str> = sources.iter().map(|s| s.task_id.as_str()).collect();
    assert_eq!(tasks, ["t1", "t2"]);
    let seen = tail.during(Duration::from_secs(30)).await;
    let want: Vec<String> = (0..7).map(|i| format!("t2 {i}")).collect();
    assert_eq!(lines(&seen), want);
    assert!(
        !has(&seen, |m| matches!(m, TailMsg::Sources(_))),
        "unchanged: not resent"
    );
    let backfill = logs
        .calls()
        .iter()
        .any(|(_, q)| q.streams == [stream("t2")] && q.start_ms == t - 1);
    assert!(backfill, "the new stream alone, from the start");
}

#[tokio::test(start_paused = true)]
async fn older_events_come_newest_first_in_batches_until_none_are_left() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let s = wall_ms() - 3_600_000;
    // One line a minute for 25 minutes before the start.
    for k in 1..=25 {
        logs.put(GROUP, &stream("t1"), s - k * 60_000, &format!("-{k}m"));
    }
    let opts = TailOptions {
        older_batch: 10,
        ..polling()
    };
    let mut tail = start(ecs, Arc::clone(&logs), request(false, s), opts);
    tail.until(|m| matches!(m, TailMsg::Ended)).await;

    let mut before = s;
    let mut batches = Vec::new();
    loop {
        tail.handle.load_older(before);
        let seen = tail.until(|m| matches!(m, TailMsg::Older { .. })).await;
        let Some(TailMsg::Older { events, more }) = seen.last().cloned() else {
            unreachable!()
        };
        assert!(events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
        batches.push(events.iter().map(|e| e.message.clone()).collect::<Vec<_>>());
        if !more {
            break;
        }
        before = events[0].timestamp;
    }
    let all: Vec<String> = batches.iter().rev().flatten().cloned().collect();
    let want: Vec<String> = (1..=25).rev().map(|k| format!("-{k}m")).collect();
    assert_eq!(all, want, "every older line once, in order: {batches:?}");
    assert!(batches[0].len() >= 10);
}

#[tokio::test(start_paused = true)]
async fn a_crowded_window_is_narrowed_instead_of_read_to_the_end() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(5));
    let s = wall_ms() - 60_000;
    for k in 1..=100 {
        logs.put(GROUP, &stream("t1"), s - k, &format!("-{k}"));
    }
    let opts = TailOptions {
        older_batch: 10,
        ..polling()
    };
    let mut tail = start(ecs, Arc::clone(&logs), request(false, s), opts);
    tail.until(|m| matches!(m, TailMsg::Ended)).await;
    let calls_before = logs.calls().len();
    tail.handle.load_older(s);
    let seen = tail.until(|m| matches!(m, TailMsg::Older { .. })).await;
    let Some(TailMsg::Older { events, more }) = seen.last() else {
        unreachable!()
    };
    let got: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    let want: Vec<String> = (1..=10).rev().map(|k| format!("-{k}")).collect();
    assert_eq!(got, want);
    assert!(more);
    // 100 lines in pages of 5 would be 20 calls for the first window alone.
    let calls = logs.calls().len() - calls_before;
    assert!(calls <= 16, "{calls} calls");
}

#[tokio::test(start_paused = true)]
async fn every_tail_of_the_process_shares_one_budget() {
    let logs = Arc::new(FakeLogs::new(100));
    let budget = RequestBudget::new(1.0, 1);
    let t = wall_ms();
    // Four quiet tails want two requests a second between them.
    let tails: Vec<_> = (0..4)
        .map(|_| {
            start_with_budget(
                ecs_with(&[("api", "t1")]),
                Arc::clone(&logs),
                request(true, t),
                polling(),
                Arc::clone(&budget),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(20)).await;
    let calls = logs.calls();
    assert_eq!(budget.requests_made(), u64::try_from(calls.len()).unwrap());
    let first = calls[0].0;
    let in_window = calls
        .iter()
        .filter(|(at, _)| *at - first < Duration::from_secs(10))
        .count();
    assert!((9..=11).contains(&in_window), "{in_window} calls in 10 s");
    drop(tails);
}

#[tokio::test(start_paused = true)]
async fn the_pattern_goes_to_every_query() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let t = wall_ms() - 1_000;
    logs.put(GROUP, &stream("t1"), t, "GET /health");
    logs.put(GROUP, &stream("t1"), t + 1, "ERROR boom");
    let mut req = request(false, t);
    req.pattern = Some("ERROR".into());
    let mut tail = start(ecs, Arc::clone(&logs), req, polling());
    let seen = tail.until(|m| matches!(m, TailMsg::Ended)).await;
    assert_eq!(lines(&seen), ["ERROR boom"]);
    assert!(
        logs.calls()
            .iter()
            .all(|(_, q)| q.pattern.as_deref() == Some("ERROR"))
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_the_handle_stops_polling() {
    let ecs = ecs_with(&[("api", "t1")]);
    let logs = Arc::new(FakeLogs::new(100));
    let mut tail = start(ecs, Arc::clone(&logs), request(true, wall_ms()), polling());
    tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    tail.during(Duration::from_secs(5)).await;
    let Tail { handle, mut rx, .. } = tail;
    drop(handle);
    let calls = logs.calls().len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(logs.calls().len(), calls);
    while let Ok(m) = rx.try_recv() {
        assert!(!matches!(m, TailMsg::Events(_)), "{m:?}");
    }
}
