//! The log tail against moto behind the AWS-like proxy: a service's streams found from its
//! tasks' task definition, its history across pages in time order, following new lines
//! and new tasks, same-millisecond and late lines, throttling, and Live Tail through a
//! custom endpoint ending early (moto's replays and ends) with polling taking over once.
//! Live behaviour (updates, renewal, sampling, error frames) is in `live_tail.rs`, against
//! the test layer's stand-in. Seeding goes straight to moto; the code under test goes through the
//! proxy, which counts its requests per log group and injects faults.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_ecs::types::{ContainerDefinition, LaunchType, LogConfiguration, LogDriver};
use ecsdash::backends::sdk::SdkBackend;
use ecsdash::backends::sdk::logs::SdkLogs;
use ecsdash::domain::Backend;
use ecsdash::domain::model::arn_name;
use ecsdash::logs::source::{LogScope, SourceKind, TaskDefCache, resolve};
use ecsdash::logs::tail::{
    self, RequestBudget, TailHandle, TailMsg, TailOptions, TailRequest, Transport,
};
use ecsdash::logs::{LogEvent, LogsApi};
use serde_json::json;
use tokio::sync::mpsc;

use crate::support::{self, Moto, REGION, count, unique};

/// A cluster with an instance, a log group, and an awslogs task definition writing to it
/// under the stream prefix `app`.
struct Seed {
    moto: Moto,
    /// Where the log group is: awslogs may write to another region than the cluster's.
    logs_region: String,
    ecs: aws_sdk_ecs::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    cluster: String,
    group: String,
    task_definition: String,
}

fn awslogs(group: &str, region: &str) -> LogConfiguration {
    LogConfiguration::builder()
        .log_driver(LogDriver::Awslogs)
        .options("awslogs-group", group)
        .options("awslogs-region", region)
        .options("awslogs-stream-prefix", "app")
        .build()
        .expect("a log configuration")
}

fn container(name: &str, logs: Option<LogConfiguration>) -> ContainerDefinition {
    ContainerDefinition::builder()
        .name(name)
        .image("nginx:1.27")
        .cpu(8)
        .memory(16)
        .set_log_configuration(logs)
        .build()
}

async fn seed(moto: &Moto, name: &str) -> Seed {
    seed_in(moto, name, REGION).await
}

async fn seed_in(moto: &Moto, name: &str, logs_region: &str) -> Seed {
    let ecs = support::ecs(moto, REGION);
    let (cluster, _) = support::cluster_with_instance(moto, &ecs, name).await;
    let group = format!("/ecs/{}", unique(name));
    let logs = support::logs(moto, logs_region);
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .expect("CreateLogGroup");
    let task_definition = ecs
        .register_task_definition()
        .family(unique(name))
        .container_definitions(container("web", Some(awslogs(&group, logs_region))))
        .send()
        .await
        .expect("RegisterTaskDefinition")
        .task_definition
        .and_then(|td| td.task_definition_arn)
        .expect("a task definition ARN");
    Seed {
        moto: moto.clone(),
        logs_region: logs_region.to_owned(),
        ecs,
        logs,
        cluster,
        group,
        task_definition,
    }
}

impl Seed {
    /// Starts `count` tasks of `service` (as a service would: group `service:<name>`);
    /// returns their ids.
    async fn run(&self, service: &str, count: i32) -> Vec<String> {
        run_tasks(
            &self.ecs,
            &self.cluster,
            &self.task_definition,
            service,
            count,
        )
        .await
    }

    /// PutLogEvents into a stream, creating it first if needed.
    async fn put(&self, stream: &str, events: &[(i64, String)]) {
        let exists = self
            .logs
            .describe_log_streams()
            .log_group_name(&self.group)
            .log_stream_name_prefix(stream)
            .send()
            .await
            .expect("DescribeLogStreams")
            .log_streams()
            .iter()
            .any(|s| s.log_stream_name() == Some(stream));
        if !exists {
            self.logs
                .create_log_stream()
                .log_group_name(&self.group)
                .log_stream_name(stream)
                .send()
                .await
                .expect("CreateLogStream");
        }
        let events = events
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
            .log_group_name(&self.group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .expect("PutLogEvents");
    }

    fn scope(&self, service: &str) -> LogScope {
        LogScope::Service {
            cluster: self.cluster.clone(),
            service: service.to_owned(),
        }
    }

    async fn tail(&self, service: &str, start_ms: i64, follow: bool, opts: TailOptions) -> Tail {
        let backend = support::backend(&self.moto, REGION).await;
        self.tail_with(backend, service, start_ms, follow, opts)
    }

    fn tail_with(
        &self,
        backend: SdkBackend,
        service: &str,
        start_ms: i64,
        follow: bool,
        opts: TailOptions,
    ) -> Tail {
        let backend = Arc::new(backend);
        let logs = Arc::new(SdkLogs::new(backend.sdk_config()));
        let req = TailRequest {
            scope: self.scope(service),
            container: None,
            start_ms,
            pattern: None,
            follow,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = tail::spawn(backend, logs, req, opts, RequestBudget::new(50.0, 50), tx);
        Tail { handle, rx }
    }

    async fn filter_calls(&self) -> u64 {
        count(
            &support::group_stats(&self.moto, &self.group).await,
            "FilterLogEvents",
        )
    }
}

async fn run_tasks(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    task_definition: &str,
    service: &str,
    count: i32,
) -> Vec<String> {
    let out = ecs
        .run_task()
        .cluster(cluster)
        .task_definition(task_definition)
        .launch_type(LaunchType::Ec2)
        .count(count)
        .group(format!("service:{service}"))
        .send()
        .await
        .expect("RunTask");
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    out.tasks()
        .iter()
        .filter_map(|t| t.task_arn().map(|arn| arn_name(arn).to_owned()))
        .collect()
}

fn stream(task_id: &str) -> String {
    format!("app/web/{task_id}")
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Fast follow timings for tests against a local endpoint.
fn quick(live_tail: bool) -> TailOptions {
    TailOptions {
        live_tail,
        resolve_every: Duration::from_millis(800),
        poll_min: Duration::from_millis(100),
        poll_max: Duration::from_millis(400),
        late_sweep_every: Duration::from_millis(800),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(1),
        ..TailOptions::default()
    }
}

struct Tail {
    handle: TailHandle,
    rx: mpsc::UnboundedReceiver<TailMsg>,
}

impl Tail {
    /// Messages up to and including the first that matches; fails after 30 s.
    async fn until(&mut self, done: impl Fn(&TailMsg) -> bool) -> Vec<TailMsg> {
        let mut seen = Vec::new();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(30), self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no matching message within 30 s; got {seen:#?}"))
                .expect("the tail stopped");
            let last = done(&message);
            seen.push(message);
            if last {
                return seen;
            }
        }
    }

    /// Messages until `n` events in all have come.
    async fn lines(&mut self, n: usize) -> Vec<TailMsg> {
        let mut seen = Vec::new();
        while events(&seen).len() < n {
            let more = self.until(|m| matches!(m, TailMsg::Events(_))).await;
            seen.extend(more);
        }
        seen
    }

    async fn during(&mut self, d: Duration) -> Vec<TailMsg> {
        let deadline = tokio::time::Instant::now() + d;
        let mut seen = Vec::new();
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            seen.push(message);
        }
        seen
    }
}

fn events(messages: &[TailMsg]) -> Vec<LogEvent> {
    messages
        .iter()
        .filter_map(|m| match m {
            TailMsg::Events(e) => Some(e.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn lines(messages: &[TailMsg]) -> Vec<String> {
    events(messages).into_iter().map(|e| e.message).collect()
}

fn errors(messages: &[TailMsg]) -> Vec<String> {
    messages
        .iter()
        .filter_map(|m| match m {
            TailMsg::Error(e) => Some(e.to_string()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_services_history_is_each_of_its_lines_once_in_time_order_across_pages() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "loghist").await;
    let api = seed.run("api", 3).await;
    // Another service on the same task definition: same group, same stream prefix.
    let worker = seed.run("worker", 1).await;
    let start = now_ms() - 600_000;
    let mut want = Vec::new();
    for (i, task) in api.iter().enumerate() {
        let i = i64::try_from(i).unwrap();
        let lines: Vec<(i64, String)> = (0..12)
            .map(|j| (start + j * 3 + i, format!("api task {i} line {j}")))
            .collect();
        want.extend(lines.clone());
        seed.put(&stream(task), &lines).await;
    }
    seed.put(
        &stream(&api[0]),
        &[(start - 5_000, "before the start".into())],
    )
    .await;
    let worker_lines: Vec<(i64, String)> = (0..10)
        .map(|j| (start + j * 3, format!("worker {j}")))
        .collect();
    seed.put(&stream(&worker[0]), &worker_lines).await;
    want.sort();
    let want: Vec<String> = want.into_iter().map(|(_, m)| m).collect();

    // Pages of 5: 36 lines take 8 requests; a client reading one page would see 5.
    let opts = TailOptions {
        page_limit: Some(5),
        ..quick(false)
    };
    let mut tail = seed.tail("api", start, false, opts).await;
    let seen = tail.until(|m| matches!(m, TailMsg::Ended)).await;

    let TailMsg::Sources(sources) = &seen[0] else {
        panic!("{seen:#?}")
    };
    let mut streams: Vec<String> = sources
        .iter()
        .map(|s| match &s.kind {
            SourceKind::CloudWatch {
                region,
                group,
                stream,
            } => {
                assert_eq!(
                    (region.as_str(), group.as_str()),
                    (REGION, seed.group.as_str())
                );
                stream.clone()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    streams.sort();
    let mut api_streams: Vec<String> = api.iter().map(|t| stream(t)).collect();
    api_streams.sort();
    assert_eq!(streams, api_streams);
    assert_eq!(lines(&seen), want, "every api line once, in time order");
    assert!(matches!(seen[seen.len() - 2], TailMsg::HistoryDone));
    assert_eq!(seed.filter_calls().await, 8);

    // Scrolling up past the top reads what came before the start.
    tail.handle.load_older(start);
    let older = tail.until(|m| matches!(m, TailMsg::Older { .. })).await;
    let Some(TailMsg::Older { events, more }) = older.last() else {
        unreachable!()
    };
    let older: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(older, ["before the start"]);
    assert!(!more);
}

#[tokio::test]
async fn following_picks_up_new_lines_and_a_task_that_starts_later() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "logfollow").await;
    let first = seed.run("api", 1).await.remove(0);
    let t = now_ms() - 60_000;
    seed.put(&stream(&first), &[(t, "one".into()), (t + 1, "two".into())])
        .await;
    let mut tail = seed.tail("api", t - 1, true, quick(false)).await;
    let history = tail.until(|m| matches!(m, TailMsg::HistoryDone)).await;
    assert_eq!(lines(&history), ["one", "two"]);
    let seen = tail.until(|m| matches!(m, TailMsg::Transport(_))).await;
    assert!(matches!(
        seen.last(),
        Some(TailMsg::Transport(Transport::Poll))
    ));

    seed.put(&stream(&first), &[(t + 2, "three".into())]).await;
    assert_eq!(lines(&tail.lines(1).await), ["three"]);

    // A deploy starts a second task, which logs before the tail notices it.
    let second = seed.run("api", 1).await.remove(0);
    seed.put(
        &stream(&second),
        &[
            (t + 10, "second task a".into()),
            (t + 11, "second task b".into()),
        ],
    )
    .await;
    let seen = tail.until(|m| matches!(m, TailMsg::Sources(_))).await;
    let Some(TailMsg::Sources(sources)) = seen.last() else {
        unreachable!()
    };
    let mut tasks: Vec<&str> = sources.iter().map(|s| s.task_id.as_str()).collect();
    tasks.sort_unstable();
    let mut want = vec![first.as_str(), second.as_str()];
    want.sort_unstable();
    assert_eq!(tasks, want);
    let mut got = lines(&seen);
    got.extend(lines(&tail.lines(2usize.saturating_sub(got.len())).await));
    assert_eq!(got, ["second task a", "second task b"]);
    // Seconds of polls and re-lists later: nothing repeated.
    let later = tail.during(Duration::from_secs(3)).await;
    assert_eq!(lines(&later), Vec::<String>::new());
    assert!(errors(&later).is_empty(), "{later:?}");
}

#[tokio::test]
async fn same_millisecond_and_late_lines_each_arrive_once() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "logms").await;
    let task = seed.run("api", 1).await.remove(0);
    let s = stream(&task);
    let t = now_ms() - 20_000;
    seed.put(&s, &[(t, "first at t".into())]).await;
    let mut tail = seed.tail("api", t - 1, true, quick(false)).await;
    tail.until(|m| matches!(m, TailMsg::Transport(_))).await;

    // A later PutLogEvents in the same millisecond as the newest line shown.
    seed.put(&s, &[(t, "second at t".into()), (t, "third at t".into())])
        .await;
    assert_eq!(lines(&tail.lines(2).await), ["second at t", "third at t"]);
    seed.put(&s, &[(t + 5_000, "at t+5s".into())]).await;
    assert_eq!(lines(&tail.lines(1).await), ["at t+5s"]);
    // Put after a newer line, stamped before it: found by the late-window sweep.
    seed.put(&s, &[(t + 2_000, "late, at t+2s".into())]).await;
    assert_eq!(lines(&tail.lines(1).await), ["late, at t+2s"]);
    let later = tail.during(Duration::from_secs(3)).await;
    assert_eq!(lines(&later), Vec::<String>::new(), "nothing repeated");
}

#[tokio::test]
async fn throttling_is_reported_then_recovered_and_the_tail_goes_on() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "logthrottle").await;
    let task = seed.run("api", 1).await.remove(0);
    let t = now_ms() - 10_000;
    seed.put(&stream(&task), &[(t, "before".into())]).await;
    let mut tail = seed.tail("api", t - 1, true, quick(false)).await;
    tail.until(|m| matches!(m, TailMsg::Transport(_))).await;

    let before = seed.filter_calls().await;
    support::inject(
        &moto,
        json!({
            "target": "Logs_20140328.FilterLogEvents",
            "status": 400,
            "type": "ThrottlingException",
            "message": "Rate exceeded",
            "count": 3,
            "match": seed.group,
        }),
    )
    .await;
    seed.put(&stream(&task), &[(t + 1, "after".into())]).await;
    let seen = tail.lines(1).await;

    let throttled: Vec<bool> = seen
        .iter()
        .filter_map(|m| match m {
            TailMsg::Throttled(on) => Some(*on),
            _ => None,
        })
        .collect();
    assert_eq!(throttled, [true, false]);
    assert_eq!(lines(&seen), ["after"]);
    assert!(!seen.iter().any(|m| matches!(m, TailMsg::Ended)));
    assert!(
        errors(&seen).is_empty(),
        "throttling is not an error: {seen:?}"
    );
    // Three refused, then the one that worked (the SDK itself did not retry them).
    assert!(seed.filter_calls().await - before >= 4);
}

/// Asserts the hand-over after the first Live Tail failure: polling reported, one error,
/// the history and later lines each once, and no second attempt.
async fn polling_takes_over_once(seed: &Seed, mut tail: Tail, t: i64, task: &str) -> Vec<String> {
    let seen = tail
        .until(|m| matches!(m, TailMsg::Transport(Transport::Poll)))
        .await;
    let failures = errors(&seen);
    assert_eq!(failures.len(), 1, "{seen:#?}");
    assert!(failures[0].starts_with("StartLiveTail: "), "{failures:?}");
    assert_eq!(
        lines(&seen),
        ["history"],
        "the history once, whatever the session replayed"
    );

    seed.put(
        &stream(task),
        &[(t + 1, "polled a".into()), (t + 2, "polled b".into())],
    )
    .await;
    assert_eq!(lines(&tail.lines(2).await), ["polled a", "polled b"]);
    let later = tail.during(Duration::from_secs(3)).await;
    assert_eq!(lines(&later), Vec::<String>::new(), "nothing repeated");
    assert!(errors(&later).is_empty(), "no reconnect loop: {later:?}");
    assert!(!later.iter().any(|m| matches!(m, TailMsg::Transport(_))));
    failures
}

#[tokio::test]
async fn live_tail_through_an_ip_endpoint_reaches_moto_and_polling_takes_over() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "logliveip").await;
    let task = seed.run("api", 1).await.remove(0);
    let t = now_ms() - 10_000;
    seed.put(&stream(&task), &[(t, "history".into())]).await;
    // The proxy by IP address: without the SDK's `stream-` host prefix (dropped for a
    // custom endpoint), StartLiveTail reaches it, and moto replays the stream and ends.
    let tail = seed.tail("api", t - 1, true, quick(true)).await;

    let failures = polling_takes_over_once(&seed, tail, t, &task).await;
    assert!(failures[0].contains("session ended after"), "{failures:?}");
    let stats = support::group_stats(&moto, &seed.group).await;
    assert_eq!(count(&stats, "StartLiveTail"), 1, "{stats:?}");
    let sent = support::requests(&moto, "StartLiveTail", &seed.group).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["logStreamNames"], json!([stream(&task)]));
}

#[tokio::test]
async fn live_tail_on_moto_ends_at_once_and_polling_takes_over_without_repeats() {
    let Some(moto) = support::moto() else { return };
    // The log group in another region than the cluster, as awslogs-region allows.
    let seed = seed_in(&moto, "loglive", "eu-north-1").await;
    let task = seed.run("api", 1).await.remove(0);
    let t = now_ms() - 10_000;
    seed.put(&stream(&task), &[(t - 5, "before the start".into())])
        .await;
    seed.put(&stream(&task), &[(t, "history".into())]).await;
    // By host name this time (the `stream-` prefix is dropped for any custom endpoint):
    // moto answers with what the streams hold and ends.
    let backend = support::backend_by_name(&moto, REGION).await;
    let tail = seed.tail_with(backend, "api", t - 1, true, quick(true));

    polling_takes_over_once(&seed, tail, t, &task).await;
    let stats = support::group_stats(&moto, &seed.group).await;
    assert_eq!(count(&stats, "StartLiveTail"), 1, "{stats:?}");
    assert!(count(&stats, "FilterLogEvents") >= 2, "{stats:?}");
    assert_eq!(seed.logs_region, "eu-north-1");
}

#[tokio::test]
async fn containers_whose_logs_are_not_in_cloudwatch_are_reported() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "logkinds").await;
    let firelens = LogConfiguration::builder()
        .log_driver(LogDriver::Awsfirelens)
        .options("Name", "cloudwatch_logs")
        .options("log_group_name", "/firelens/app")
        .options("region", "eu-west-1")
        .build()
        .expect("a log configuration");
    let td = seed
        .ecs
        .register_task_definition()
        .family(unique("kinds"))
        .container_definitions(container("web", Some(awslogs(&seed.group, REGION))))
        .container_definitions(container("router", Some(firelens)))
        .container_definitions(container("quiet", None))
        .send()
        .await
        .expect("RegisterTaskDefinition")
        .task_definition
        .and_then(|td| td.task_definition_arn)
        .expect("a task definition ARN");
    let task = run_tasks(&seed.ecs, &seed.cluster, &td, "kinds", 1)
        .await
        .remove(0);

    let backend = support::backend(&moto, REGION).await;
    let cache = TaskDefCache::default();
    let sources = resolve(&backend, &seed.scope("kinds"), None, &cache)
        .await
        .expect("sources");
    let by_name = |name: &str| {
        sources
            .iter()
            .find(|s| s.container == name)
            .map(|s| s.kind.clone())
            .expect(name)
    };
    assert_eq!(
        by_name("web"),
        SourceKind::CloudWatch {
            region: REGION.into(),
            group: seed.group.clone(),
            stream: stream(&task),
        }
    );
    let SourceKind::Elsewhere { driver, group, .. } = by_name("router") else {
        panic!("{sources:?}")
    };
    assert_eq!(driver.as_deref(), Some("awsfirelens"));
    assert_eq!(group, Some(("eu-west-1".into(), "/firelens/app".into())));
    let SourceKind::Elsewhere { driver, group, .. } = by_name("quiet") else {
        panic!("{sources:?}")
    };
    assert_eq!((driver, group), (None, None));
    assert_eq!(sources.len(), 3);
    let only = resolve(&backend, &seed.scope("kinds"), Some("web"), &cache)
        .await
        .expect("sources");
    assert_eq!(only.len(), 1);
    assert_eq!(cache.len(), 1, "the task definition was described once");
    assert_eq!(backend.identity().region, REGION);
}

#[tokio::test]
async fn the_stream_picker_lists_streams_newest_first() {
    let Some(moto) = support::moto() else { return };
    let seed = seed(&moto, "logpick").await;
    let t = now_ms() - 60_000;
    for (name, at) in [("fl/a", t), ("fl/b", t + 2_000), ("other/c", t + 1_000)] {
        seed.put(name, &[(at, format!("{name} line"))]).await;
    }
    let backend = support::backend(&moto, REGION).await;
    let logs = SdkLogs::new(backend.sdk_config());
    let names = |streams: Vec<ecsdash::logs::StreamInfo>| -> Vec<String> {
        streams.into_iter().map(|s| s.name).collect()
    };
    let all = logs
        .streams(REGION, &seed.group, None, 10)
        .await
        .expect("streams");
    assert_eq!(names(all.clone()), ["fl/b", "other/c", "fl/a"]);
    assert_eq!(all[0].last_event_ms, Some(t + 2_000));
    let two = logs
        .streams(REGION, &seed.group, None, 2)
        .await
        .expect("streams");
    assert_eq!(names(two), ["fl/b", "other/c"]);
    let prefixed = logs
        .streams(REGION, &seed.group, Some("fl/"), 10)
        .await
        .expect("streams");
    assert_eq!(names(prefixed), ["fl/b", "fl/a"]);
}
