//! Live Tail end to end: the real tail engine on the SDK backend (`SdkLogs`) through the
//! test proxy at 127.0.0.1, where StartLiveTail now arrives because the SDK's `stream-`
//! host prefix is dropped for a custom endpoint. Against moto's own StartLiveTail (which
//! replays the stored events once and ends) and against the proxy's Live Tail stand-in
//! (an update every `update_ms`, sampling, the session's end, an error frame, a dropped
//! connection, a refusal), each configured for this test's log group only, so tests
//! running in parallel do not meet each other's configuration.
//!
//! Lines are written straight into moto while the tail follows; each carries a unique id,
//! and every test asserts that none is missing and none repeated.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use ecsdash::backends::sdk::logs::SdkLogs;
use ecsdash::logs::LogsApi;
use ecsdash::logs::source::LogScope;
use ecsdash::logs::tail::{
    self, RequestBudget, TailHandle, TailMsg, TailOptions, TailRequest, Transport,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::support::{self, Moto, REGION, count, unique};

const STREAM: &str = "app/web/5f1e0c";
/// The stand-in's update interval: a quarter of AWS's second, to keep the tests short.
const UPDATE_MS: u64 = 250;
/// How long the lines take to appear, at most (tests run in parallel on few cores).
const ARRIVAL: Duration = Duration::from_secs(20);
/// How long the tail is watched after the last line came, for repeats.
const QUIET: Duration = Duration::from_millis(2_500);

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Fast follow timings for a local endpoint (as in moto_logs.rs).
fn quick() -> TailOptions {
    TailOptions {
        live_tail: true,
        resolve_every: Duration::from_millis(800),
        poll_min: Duration::from_millis(100),
        poll_max: Duration::from_millis(400),
        late_sweep_every: Duration::from_millis(800),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        live_start_timeout: Duration::from_secs(10),
        ..TailOptions::default()
    }
}

/// `value` escaped for a URL query.
fn escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A log group of this test's own with one stream, in moto.
#[derive(Clone)]
struct Group {
    moto: Moto,
    logs: aws_sdk_cloudwatchlogs::Client,
    name: String,
    /// When the test began, for the report it prints.
    begun: Instant,
}

impl Group {
    async fn new(moto: &Moto, prefix: &str) -> Group {
        let begun = Instant::now();
        let logs = support::logs(moto, REGION);
        let name = format!("/live/{}", unique(prefix));
        logs.create_log_group()
            .log_group_name(&name)
            .send()
            .await
            .expect("CreateLogGroup");
        logs.create_log_stream()
            .log_group_name(&name)
            .log_stream_name(STREAM)
            .send()
            .await
            .expect("CreateLogStream");
        Group {
            moto: moto.clone(),
            logs,
            name,
            begun,
        }
    }

    /// Sets the proxy's Live Tail config for this group only.
    async fn live_tail_config(&self, mut config: Value) {
        config["match"] = json!(self.name);
        let headers = [("Content-Type", "application/json")];
        let body = config.to_string();
        let (status, answer) = support::http(
            &self.moto.proxy,
            "POST",
            "/_proxy/livetail",
            &headers,
            &body,
        )
        .await;
        assert_eq!(status, 200, "{answer}");
    }

    /// The stand-in answers this group's StartLiveTail calls.
    async fn standin(&self, mut config: Value) {
        config["mode"] = json!("standin");
        config
            .as_object_mut()
            .expect("an object")
            .entry("update_ms")
            .or_insert(json!(UPDATE_MS));
        self.live_tail_config(config).await;
    }

    /// PutLogEvents straight into moto (the proxy neither counts nor faults it).
    async fn put(&self, lines: &[(i64, String)]) {
        let events = lines
            .iter()
            .map(|(ts, message)| {
                InputLogEvent::builder()
                    .timestamp(*ts)
                    .message(message)
                    .build()
                    .expect("an event")
            })
            .collect();
        self.logs
            .put_log_events()
            .log_group_name(&self.name)
            .log_stream_name(STREAM)
            .set_log_events(Some(events))
            .send()
            .await
            .expect("PutLogEvents");
    }

    /// Writes `n` lines, one every `every`, each stamped when written; returns them.
    fn writer(&self, tag: &str, n: usize, every: Duration) -> JoinHandle<Vec<String>> {
        let group = self.clone();
        let tag = tag.to_owned();
        tokio::spawn(async move {
            let mut written = Vec::new();
            for i in 0..n {
                let line = format!("{tag} line {i:03}");
                group.put(&[(now_ms(), line.clone())]).await;
                written.push(line);
                tokio::time::sleep(every).await;
            }
            written
        })
    }

    async fn tail(&self, start_ms: i64, opts: TailOptions) -> Tail {
        let backend = Arc::new(support::backend(&self.moto, REGION).await);
        let logs = Arc::new(SdkLogs::new(backend.sdk_config()));
        let req = TailRequest {
            scope: LogScope::Streams {
                region: REGION.into(),
                group: self.name.clone(),
                streams: vec![STREAM.into()],
            },
            container: None,
            start_ms,
            pattern: None,
            follow: true,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = tail::spawn(backend, logs, req, opts, RequestBudget::new(50.0, 50), tx);
        Tail {
            _handle: handle,
            rx,
            seen: Vec::new(),
        }
    }

    /// The stand-in's sessions of this group, oldest first.
    async fn sessions(&self) -> Vec<Value> {
        let path = format!("/_proxy/livetail/sessions?group={}", escape(&self.name));
        let (status, body) = support::http(&self.moto.proxy, "GET", &path, &[], "").await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("sessions JSON")
    }

    /// How many times the code under test called `target` for this group.
    async fn calls(&self, target: &str) -> u64 {
        count(&support::group_stats(&self.moto, &self.name).await, target)
    }

    /// Prints what the test saw (shown with `--nocapture`).
    fn report(&self, what: &str) {
        eprintln!("{what} [{:.1} s]", self.begun.elapsed().as_secs_f64());
    }

    /// The FilterLogEvents requests of this group that had an end time: backfills.
    async fn backfills(&self) -> Vec<Value> {
        support::requests(&self.moto, "FilterLogEvents", &self.name)
            .await
            .into_iter()
            .filter(|r| r.get("endTime").is_some())
            .collect()
    }
}

struct Tail {
    _handle: TailHandle,
    rx: mpsc::UnboundedReceiver<TailMsg>,
    /// Every message so far.
    seen: Vec<TailMsg>,
}

impl Tail {
    async fn next(&mut self, deadline: Instant) -> Option<TailMsg> {
        match tokio::time::timeout_at(deadline, self.rx.recv()).await {
            Ok(Some(message)) => {
                self.seen.push(message.clone());
                Some(message)
            }
            Ok(None) => panic!("the tail stopped; it said {:#?}", self.seen),
            Err(_) => None,
        }
    }

    /// Waits for the first message that matches (30 s at most).
    async fn until(&mut self, done: impl Fn(&TailMsg) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.next(deadline).await {
                Some(message) if done(&message) => return,
                Some(_) => {}
                None => panic!("no matching message within 30 s; got {:#?}", self.seen),
            }
        }
    }

    /// Reads while `writer` writes, until every line it wrote has come (or `ARRIVAL` has
    /// passed), then for `QUIET` more; returns the lines written.
    async fn follow(&mut self, writer: JoinHandle<Vec<String>>) -> Vec<String> {
        let deadline = Instant::now() + ARRIVAL;
        let mut writer = std::pin::pin!(writer);
        let written = loop {
            tokio::select! {
                lines = &mut writer => break lines.expect("the writer"),
                message = self.next(deadline) => {
                    assert!(message.is_some(), "the writer did not finish");
                }
            }
        };
        let deadline = Instant::now() + ARRIVAL;
        while !written.iter().all(|l| self.lines().contains(l)) {
            if self.next(deadline).await.is_none() {
                break; // the assertions say what is missing
            }
        }
        let quiet = Instant::now() + QUIET;
        while self.next(quiet).await.is_some() {}
        written
    }

    fn lines(&self) -> Vec<String> {
        self.seen
            .iter()
            .filter_map(|m| match m {
                TailMsg::Events(events) => Some(events.iter().map(|e| e.message.clone())),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn transports(&self) -> Vec<Transport> {
        self.seen
            .iter()
            .filter_map(|m| match m {
                TailMsg::Transport(t) => Some(*t),
                _ => None,
            })
            .collect()
    }

    fn errors(&self) -> Vec<String> {
        self.seen
            .iter()
            .filter_map(|m| match m {
                TailMsg::Error(e) => Some(e.to_string()),
                _ => None,
            })
            .collect()
    }

    /// Asserts that the tail showed exactly `want`, each line once; returns how many lines
    /// it showed.
    fn assert_each_once(&self, want: &[String]) -> usize {
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        let lines = self.lines();
        for line in &lines {
            *shown.entry(line.as_str()).or_default() += 1;
        }
        let missing: Vec<&String> = want
            .iter()
            .filter(|l| !shown.contains_key(l.as_str()))
            .collect();
        let repeated: Vec<(&str, usize)> = shown
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(l, n)| (*l, *n))
            .collect();
        let unexpected: Vec<&str> = shown
            .keys()
            .filter(|l| !want.iter().any(|w| w == *l))
            .copied()
            .collect();
        assert!(
            missing.is_empty() && repeated.is_empty() && unexpected.is_empty(),
            "{} of {} lines missing: {missing:?}\nrepeated: {repeated:?}\nnot written: \
             {unexpected:?}\ntransports {:?}, errors {:?}",
            missing.len(),
            want.len(),
            self.transports(),
            self.errors(),
        );
        lines.len()
    }
}

/// A line written before the tail starts, after its start time: the history.
async fn history(group: &Group) -> (i64, String) {
    let t = now_ms() - 2_000;
    let line = "history line".to_owned();
    group.put(&[(t, line.clone())]).await;
    (t - 3_000, line)
}

#[tokio::test]
async fn moto_start_live_tail_is_decoded_then_polling_takes_over_once() {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, "livemoto").await;
    group.live_tail_config(json!({"mode": "moto"})).await;
    let t = now_ms() - 10_000;
    let stored: Vec<(i64, String)> = (0..3)
        .map(|i| (t + i * 10, format!("stored {i}")))
        .collect();
    group.put(&[(t - 60_000, "before the start".into())]).await;
    group.put(&stored).await;

    // The SDK's StartLiveTail through 127.0.0.1: moto's event stream, decoded.
    let backend = support::backend(&moto, REGION).await;
    assert!(
        backend
            .sdk_config()
            .endpoint_url()
            .is_some_and(|e| e.starts_with("http://127.0.0.1:")),
        "the proxy is reached by IP address"
    );
    let logs = SdkLogs::new(backend.sdk_config());
    let mut session = logs
        .live_tail(REGION, &group.name, &[STREAM.into()], None)
        .await
        .expect("StartLiveTail through the proxy");
    let mut updates = Vec::new();
    while let Some(update) = tokio::time::timeout(Duration::from_secs(10), session.updates.recv())
        .await
        .expect("moto ends its session")
    {
        updates.push(update.expect("a decoded update"));
    }
    assert_eq!(updates.len(), 1, "{updates:?}");
    assert!(!updates[0].sampled);
    let decoded: Vec<(i64, &str, &str)> = updates[0]
        .events
        .iter()
        .map(|e| (e.timestamp, e.stream.as_str(), e.message.as_str()))
        .collect();
    let mut want = vec![(t - 60_000, STREAM, "before the start")];
    want.extend(stored.iter().map(|(ts, m)| (*ts, STREAM, m.as_str())));
    assert_eq!(decoded, want, "every stored event, replayed once");
    assert!(updates[0].events.iter().all(|e| e.group == group.name));
    assert_eq!(group.calls("StartLiveTail").await, 1);

    // The engine on the same endpoint: Live, moto's session ends at once, polling for good.
    let mut tail = group.tail(t - 1, quick()).await;
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Poll)))
        .await;
    let writer = group.writer("after", 10, Duration::from_millis(100));
    let after = tail.follow(writer).await;
    let mut want: Vec<String> = stored.into_iter().map(|(_, m)| m).collect();
    want.extend(after);
    let shown = tail.assert_each_once(&want);
    assert_eq!(tail.transports(), [Transport::Live, Transport::Poll]);
    let errors = tail.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("StartLiveTail: ") && errors[0].contains("session ended after"),
        "a clean end of the stream, not a decoding failure: {errors:?}"
    );
    assert_eq!(group.calls("StartLiveTail").await, 2, "not reconnected");
    group.report(&format!(
        "moto: {shown} lines, 1 session + 1 direct, 1 fall-back"
    ));
}

#[tokio::test]
async fn live_tail_lines_flow_live_from_the_standin() {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, "liveflow").await;
    group.standin(json!({})).await;
    let (start, old) = history(&group).await;
    let mut tail = group.tail(start, quick()).await;
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    let polls_at_live = group.calls("FilterLogEvents").await;
    let writer = group.writer("flow", 30, Duration::from_millis(100));
    let mut want = vec![old];
    want.extend(tail.follow(writer).await);

    let shown = tail.assert_each_once(&want);
    assert_eq!(tail.transports(), [Transport::Live], "live throughout");
    assert!(tail.errors().is_empty(), "{:?}", tail.errors());
    assert_eq!(group.calls("StartLiveTail").await, 1);
    let sessions = group.sessions().await;
    assert_eq!(sessions.len(), 1, "{sessions:?}");
    let session = &sessions[0];
    assert_eq!(
        session["match"],
        json!(group.name),
        "this test's own config"
    );
    assert_eq!(session["ended"], Value::Null, "still running");
    assert_eq!(session["dropped"], 0);
    // Every written line came through the session: polling only caught up once.
    assert_eq!(session["events"], 30, "{session}");
    let polls = group.calls("FilterLogEvents").await;
    assert!(
        polls <= polls_at_live + 1,
        "no polling while live: {polls_at_live} then {polls}"
    );
    assert_eq!(
        session["logStreamNames"],
        json!([STREAM]),
        "the tail's stream"
    );
    group.report(&format!(
        "flow: {shown} lines, {} updates, 1 session, {polls} FilterLogEvents",
        session["updates"]
    ));
}

#[tokio::test]
async fn live_tail_session_end_before_renewal_hands_over_to_polling_once() {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, "liveend").await;
    // The 3-hour limit scaled down to 1.5 s; renewal would come only after a minute.
    group.standin(json!({"end_after_ms": 1_500})).await;
    let (start, old) = history(&group).await;
    let opts = TailOptions {
        live_renew_after: Duration::from_secs(60),
        ..quick()
    };
    let mut tail = group.tail(start, opts).await;
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    let writer = group.writer("end", 35, Duration::from_millis(100));
    let mut want = vec![old];
    want.extend(tail.follow(writer).await);

    let shown = tail.assert_each_once(&want);
    assert_eq!(tail.transports(), [Transport::Live, Transport::Poll]);
    let errors = tail.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("SessionTimeoutException"), "{errors:?}");
    assert_eq!(group.calls("StartLiveTail").await, 1, "not reconnected");
    let sessions = group.sessions().await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["ended"], "SessionTimeoutException");
    let live = sessions[0]["events"].as_u64().unwrap_or_default();
    assert!(
        live > 0 && live < 35,
        "lines came both ways across the end: {live} live"
    );
    let polls = group.calls("FilterLogEvents").await;
    group.report(&format!(
        "end: {shown} lines, {live} of them live, 1 session, 1 fall-back, {polls} \
         FilterLogEvents"
    ));
}

#[tokio::test]
async fn live_tail_sessions_renewed_before_their_end_lose_and_repeat_nothing() {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, "liverenew").await;
    // Sessions would end after 3 s (the 3-hour limit scaled down); the tail renews them
    // every 1.2 s, before any reaches its end.
    group.standin(json!({"end_after_ms": 3_000})).await;
    let (start, old) = history(&group).await;
    let opts = TailOptions {
        live_renew_after: Duration::from_millis(1_200),
        ..quick()
    };
    let mut tail = group.tail(start, opts).await;
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    let writer = group.writer("renew", 45, Duration::from_millis(100));
    let mut want = vec![old];
    want.extend(tail.follow(writer).await);

    let shown = tail.assert_each_once(&want);
    assert_eq!(tail.transports(), [Transport::Live], "live throughout");
    assert!(tail.errors().is_empty(), "{:?}", tail.errors());
    // Stopping the tail closes its session; none ever reached its end.
    drop(tail);
    let deadline = Instant::now() + Duration::from_secs(5);
    let sessions = loop {
        let sessions = group.sessions().await;
        if sessions.iter().all(|s| s["ended"] != Value::Null) || Instant::now() > deadline {
            break sessions;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(sessions.len() >= 3, "renewed: {sessions:?}");
    let calls = group.calls("StartLiveTail").await;
    assert_eq!(calls, u64::try_from(sessions.len()).unwrap());
    assert!(
        sessions.iter().all(|s| s["ended"] == "client closed"),
        "each session was closed by the tail, none reached its end: {sessions:?}"
    );
    let live: u64 = sessions.iter().filter_map(|s| s["events"].as_u64()).sum();
    assert!(live > 0, "{sessions:?}");
    group.report(&format!(
        "renew: {shown} lines, {} sessions, {live} events sent live",
        sessions.len()
    ));
}

#[tokio::test]
async fn live_tail_sampled_updates_are_reported_and_backfilled_once() {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, "livesample").await;
    group
        .standin(json!({"sample_max": 5, "update_ms": 500}))
        .await;
    let (start, old) = history(&group).await;
    let mut tail = group.tail(start, quick()).await;
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    // Past the catch-up poll that follows the start, and far enough from the session's
    // start that the burst's earliest stamps are after it.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    // A burst of 40 lines in one PutLogEvents, stamped over the last 2 s as a log driver
    // that batches (awslogs sends every 5 s) delivers them.
    let now = now_ms();
    let burst: Vec<(i64, String)> = (0..40)
        .map(|i| (now - 2_000 + i * 50, format!("burst line {i:03}")))
        .collect();
    group.put(&burst).await;
    let writer = group.writer("after burst", 5, Duration::from_millis(200));
    let mut want = vec![old];
    want.extend(burst.into_iter().map(|(_, m)| m));
    want.extend(tail.follow(writer).await);

    let shown = tail.assert_each_once(&want);
    let sampled: Vec<(i64, i64)> = tail
        .seen
        .iter()
        .filter_map(|m| match m {
            TailMsg::Sampled { from_ms, to_ms } => Some((*from_ms, *to_ms)),
            _ => None,
        })
        .collect();
    assert!(!sampled.is_empty(), "sampling was reported");
    assert_eq!(tail.transports(), [Transport::Live], "still live");
    assert!(tail.errors().is_empty(), "{:?}", tail.errors());
    assert_eq!(group.calls("StartLiveTail").await, 1);
    let sessions = group.sessions().await;
    let dropped = sessions[0]["dropped"].as_u64().unwrap_or_default();
    assert!(dropped >= 35 - 5, "the stand-in sampled: {sessions:?}");
    let backfills = group.backfills().await;
    assert!(!backfills.is_empty(), "the window was backfilled");
    group.report(&format!(
        "sample: {shown} lines, {dropped} dropped by sampling, windows {sampled:?}, {} \
         backfill requests",
        backfills.len()
    ));
}

/// A session that fails mid-way (as `config` says): a single hand-over to polling, and
/// every line once across it.
async fn fails_over_once(prefix: &str, config: Value, ended: &str, error: &str) {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, prefix).await;
    group.standin(config).await;
    let (start, old) = history(&group).await;
    let mut tail = group.tail(start, quick()).await;
    tail.until(|m| matches!(m, TailMsg::Transport(Transport::Live)))
        .await;
    let writer = group.writer(prefix, 35, Duration::from_millis(100));
    let mut want = vec![old];
    want.extend(tail.follow(writer).await);

    let shown = tail.assert_each_once(&want);
    assert_eq!(tail.transports(), [Transport::Live, Transport::Poll]);
    let errors = tail.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("StartLiveTail: "), "{errors:?}");
    assert!(errors[0].contains(error), "{errors:?}");
    assert_eq!(group.calls("StartLiveTail").await, 1, "not reconnected");
    let sessions = group.sessions().await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["ended"], ended);
    let live = sessions[0]["events"].as_u64().unwrap_or_default();
    assert!(live > 0, "some lines came live first: {sessions:?}");
    let polls = group.calls("FilterLogEvents").await;
    group.report(&format!(
        "{prefix}: {shown} lines, {live} of them live, 1 session, 1 fall-back, {polls} \
         FilterLogEvents"
    ));
}

#[tokio::test]
async fn live_tail_error_frame_hands_over_to_polling_once() {
    fails_over_once(
        "liveerror",
        json!({"error_after_ms": 1_500, "error_type": "ServiceUnavailableException",
               "error_message": "the stand-in failed"}),
        "error: ServiceUnavailableException",
        "the stand-in failed",
    )
    .await;
}

#[tokio::test]
async fn live_tail_streaming_exception_hands_over_to_polling_once() {
    fails_over_once(
        "livestreamerr",
        json!({"error_after_ms": 1_500, "error_type": "SessionStreamingException",
               "error_message": "streaming broke"}),
        "error: SessionStreamingException",
        "SessionStreamingException",
    )
    .await;
}

#[tokio::test]
async fn live_tail_dropped_connection_hands_over_to_polling_once() {
    fails_over_once(
        "livedrop",
        json!({"drop_after_ms": 1_500}),
        "dropped",
        "StartLiveTail",
    )
    .await;
}

#[tokio::test]
async fn live_tail_refused_polls_at_once() {
    let Some(moto) = support::moto() else { return };
    let group = Group::new(&moto, "liverefuse").await;
    group
        .standin(json!({"refuse": "LimitExceededException", "refuse_message": "too many"}))
        .await;
    let (start, old) = history(&group).await;
    let mut tail = group.tail(start, quick()).await;
    tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert_eq!(tail.transports(), [Transport::Poll], "never live");
    let writer = group.writer("refused", 15, Duration::from_millis(100));
    let mut want = vec![old];
    want.extend(tail.follow(writer).await);

    let shown = tail.assert_each_once(&want);
    assert_eq!(tail.transports(), [Transport::Poll]);
    let errors = tail.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("LimitExceededException") && errors[0].contains("too many"),
        "{errors:?}"
    );
    assert_eq!(group.calls("StartLiveTail").await, 1, "asked once");
    let sessions = group.sessions().await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["ended"], "refused: LimitExceededException");
    group.report(&format!("refuse: {shown} lines, polled"));
}
