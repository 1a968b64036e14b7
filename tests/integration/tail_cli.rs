//! `ecsdash tail` as a user runs it: on the demo fleet (history, JSON, grep, a reader that
//! stops early, bad input) and against moto (every line once, in order).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_ecs::types::{ContainerDefinition, LaunchType, LogConfiguration, LogDriver};
use regex::Regex;

use crate::support::{self, Moto, REGION, unique};

fn command(args: &[&str]) -> (Command, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsdash"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    (cmd, dir)
}

fn ecsdash(args: &[&str]) -> Output {
    let (mut cmd, _dir) = command(args);
    cmd.output().expect("run ecsdash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An event line: time, 8 characters of task id, `/container`, the message.
fn event_line(time: &str) -> Regex {
    Regex::new(&format!(r"^({time}) ([0-9a-f]{{8}})/([a-z-]+) ")).unwrap()
}

const UTC_TIME: &str = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z";
const LOCAL_TIME: &str = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d";

#[test]
fn demo_history_is_printed_in_order_from_every_task_and_container() {
    let o = ecsdash(&[
        "--demo",
        "tail",
        "prod-core/checkout",
        "--since",
        "5m",
        "--utc",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!o.stdout.contains(&0x1b), "an escape byte reached stdout");
    let out = text(&o.stdout);
    let line = event_line(UTC_TIME);
    let mut times = Vec::new();
    let mut tasks = std::collections::BTreeSet::new();
    let mut containers = std::collections::BTreeSet::new();
    let mut continuation = 0;
    for l in out.lines() {
        match line.captures(l) {
            Some(c) => {
                times.push(c[1].to_owned());
                tasks.insert(c[2].to_owned());
                containers.insert(c[3].to_owned());
            }
            // The second and later lines of a stack trace (one event) follow their first.
            None => continuation += 1,
        }
    }
    assert!(times.len() > 300, "{} events in 5 minutes", times.len());
    assert!(
        continuation < times.len() / 10,
        "{continuation} lines are not events"
    );
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    assert!(tasks.len() >= 4, "tasks: {tasks:?}");
    let expected: std::collections::BTreeSet<String> = ["checkout", "envoy"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(containers, expected);
    assert!(!text(&o.stderr).contains("error"), "{}", text(&o.stderr));
}

#[test]
fn times_are_local_with_their_offset_unless_utc() {
    let o = ecsdash(&["--demo", "tail", "prod-core/cart", "--since", "2m"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let first = out.lines().next().expect("a cart line in two minutes");
    assert!(event_line(LOCAL_TIME).is_match(first), "{first}");
}

#[test]
fn json_is_one_object_per_line() {
    let o = ecsdash(&[
        "--demo",
        "tail",
        "prod-core/checkout",
        "--since",
        "2m",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let mut containers = std::collections::BTreeSet::new();
    let mut n = 0;
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        for field in [
            "timestamp",
            "task",
            "container",
            "stream",
            "group",
            "message",
        ] {
            assert!(v[field].is_string(), "{field} missing in {l}");
        }
        assert_eq!(v["group"], "/ecs/checkout");
        let stream = v["stream"].as_str().unwrap();
        assert_eq!(
            stream,
            format!(
                "ecs/{}/{}",
                v["container"].as_str().unwrap(),
                v["task"].as_str().unwrap()
            )
        );
        containers.insert(v["container"].as_str().unwrap().to_owned());
        n += 1;
    }
    assert!(n > 50);
    assert_eq!(containers.len(), 2);
}

#[test]
fn grep_and_filter_keep_only_matching_events() {
    let o = ecsdash(&[
        "--demo",
        "tail",
        "prod-core/checkout",
        "--since",
        "3m",
        "--grep",
        r"order_id=ORD-\d+",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let grepped = text(&o.stdout);
    assert!(grepped.lines().count() > 20);
    assert!(grepped.lines().all(|l| l.contains("order_id=ORD-")));

    let o = ecsdash(&[
        "--demo",
        "tail",
        "prod-core/checkout",
        "--since",
        "3m",
        "--filter",
        "\"order placed\"",
        "--container",
        "checkout",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let filtered = text(&o.stdout);
    assert!(filtered.lines().count() > 20);
    assert!(
        filtered
            .lines()
            .all(|l| l.contains("/checkout ") && l.contains("order placed"))
    );
}

fn wait_for(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("ecsdash did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_reader_that_stops_early_ends_it_quietly() {
    // Following, so it never ends by itself: only the closed pipe can end it.
    let (mut cmd, _dir) = command(&[
        "--demo",
        "tail",
        "prod-core/checkout",
        "--since",
        "30m",
        "--follow",
    ]);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    for _ in 0..3 {
        let mut l = String::new();
        assert!(reader.read_line(&mut l).unwrap() > 0);
    }
    drop(reader);
    let status = wait_for(&mut child, Duration::from_secs(60));
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    let complaints: Vec<&str> = err
        .lines()
        .filter(|l| !l.starts_with("ecsdash: following"))
        .collect();
    assert!(complaints.is_empty(), "{err}");
}

#[test]
fn sigterm_ends_a_follower_with_success() {
    let (mut cmd, _dir) = command(&["--demo", "tail", "prod-core/cart", "--since", "1m", "-f"]);
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = wait_for(&mut child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
}

fn refused(args: &[&str], expect: &str) {
    let o = ecsdash(args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(expect), "{args:?}: {err}");
    assert!(o.stdout.is_empty(), "{args:?} printed events");
}

#[test]
fn bad_input_is_refused_with_exit_code_2() {
    refused(
        &[
            "--demo",
            "tail",
            "prod-core/checkout",
            "--since",
            "yesterday",
        ],
        "--since",
    );
    refused(
        &[
            "--demo",
            "tail",
            "prod-core/checkout",
            "--since",
            "2099-01-01T00:00:00Z",
        ],
        "future",
    );
    refused(
        &[
            "--demo",
            "tail",
            "prod-core/checkout",
            "--grep",
            "(unclosed",
        ],
        "--grep",
    );
    refused(&["--demo", "tail", "nocluster"], "CLUSTER/SERVICE");
    refused(
        &["--demo", "tail", "nocluster/checkout"],
        "Cluster not found",
    );
    refused(&["--demo", "tail", "prod-core/nope"], "Service not found");
}

#[test]
fn bad_arguments_are_refused_before_any_call() {
    // No --demo and an endpoint nothing listens on: an argument error must come first.
    let o = {
        let (mut cmd, _dir) = command(&["tail", "nocluster", "--region", "us-east-1"]);
        cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap()
    };
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("CLUSTER/SERVICE"));
}

/// A CloudWatch Logs client straight to moto, for seeding.
fn logs_client(moto: &Moto) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .endpoint_url(&moto.direct)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(aws_sdk_ecs::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

#[tokio::test]
async fn against_moto_every_line_of_a_service_appears_once_in_order() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let (cluster, _) = support::cluster_with_instance(&moto, &ecs, "tail").await;
    let group = format!("/ecs/{}", unique("tailgrp"));
    let family = unique("tailfam");
    let td = ecs
        .register_task_definition()
        .family(&family)
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx:1.27")
                .cpu(8)
                .memory(16)
                .log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::Awslogs)
                        .options("awslogs-group", &group)
                        .options("awslogs-region", REGION)
                        .options("awslogs-stream-prefix", "ecs")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .and_then(|t| t.task_definition_arn)
        .unwrap();
    let service = unique("tailsvc");
    ecs.create_service()
        .cluster(&cluster)
        .service_name(&service)
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .unwrap();
    let run = ecs
        .run_task()
        .cluster(&cluster)
        .task_definition(&td)
        .launch_type(LaunchType::Ec2)
        .count(2)
        .group(format!("service:{service}"))
        .send()
        .await
        .unwrap();
    let task_ids: Vec<String> = run
        .tasks()
        .iter()
        .filter_map(|t| t.task_arn()?.rsplit('/').next().map(str::to_owned))
        .collect();
    assert_eq!(task_ids.len(), 2);

    let logs = logs_client(&moto);
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let mut expected = Vec::new();
    for (t, task) in task_ids.iter().enumerate() {
        let stream = format!("ecs/web/{task}");
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name(&stream)
            .send()
            .await
            .unwrap();
        let mut events = Vec::new();
        // Two tasks' lines interleave in time: the output must merge them.
        for i in 0..60i64 {
            let ts = now - 300_000 + i * 1_000 + i64::try_from(t).unwrap() * 500;
            let message = format!("line {} of task {t}", i * 2 + i64::try_from(t).unwrap());
            expected.push((ts, message.clone()));
            events.push(
                InputLogEvent::builder()
                    .timestamp(ts)
                    .message(message)
                    .build()
                    .unwrap(),
            );
        }
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(&stream)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    }
    expected.sort();

    let target = format!("{cluster}/{service}");
    let o = {
        let (mut cmd, _dir) = command(&[
            "tail", &target, "--since", "10m", "--utc", "--region", REGION,
        ]);
        cmd.env("AWS_ENDPOINT_URL", &moto.proxy)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap()
    };
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let printed: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| l.splitn(3, ' ').nth(2).unwrap_or_default().to_owned())
        .collect();
    let wanted: Vec<String> = expected.into_iter().map(|(_, m)| m).collect();
    assert_eq!(printed, wanted);
}

/// `--json` lines of the demo's `prod-core/checkout` over the last `since`.
fn demo_json(args: &[&str]) -> Vec<serde_json::Value> {
    let o = ecsdash(args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn demo_streams_named_with_group_and_stream_are_tailed_alone() {
    let all = demo_json(&[
        "--demo",
        "tail",
        "prod-core/checkout",
        "--since",
        "5m",
        "--json",
        "--container",
        "checkout",
    ]);
    let stream = all
        .first()
        .and_then(|v| v["stream"].as_str())
        .expect("checkout logged in five minutes")
        .to_owned();
    let picked = demo_json(&[
        "--demo",
        "tail",
        "--group",
        "/ecs/checkout",
        "--stream",
        &stream,
        "--since",
        "5m",
        "--json",
    ]);
    assert!(picked.len() > 10, "{} events", picked.len());
    for v in &picked {
        assert_eq!(v["stream"], stream.as_str(), "{v}");
        assert_eq!(v["group"], "/ecs/checkout");
        // An awslogs-shaped name still says whose it is.
        assert_eq!(v["container"], "checkout");
    }
    let times: Vec<&str> = picked
        .iter()
        .map(|v| v["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
}

#[test]
fn group_and_stream_arguments_are_checked() {
    refused(
        &["--demo", "tail", "--group", "/ecs/checkout"],
        "--stream NAME",
    );
    refused(&["--demo", "tail", "--stream", "x"], "--group GROUP");
    refused(
        &[
            "--demo",
            "tail",
            "prod-core/checkout",
            "--group",
            "/ecs/checkout",
            "--stream",
            "x",
        ],
        "no TARGET",
    );
    refused(&["--demo", "tail"], "--group GROUP --stream NAME");
    // The group does not exist: nothing could be read.
    refused(
        &[
            "--demo", "tail", "--group", "/nope", "--stream", "x", "--since", "1m",
        ],
        "--group /nope --stream x",
    );
}

#[tokio::test]
async fn against_moto_only_the_named_streams_of_a_group_are_printed() {
    let Some(moto) = support::moto() else { return };
    let logs = logs_client(&moto);
    let group = format!("/fl/{}", unique("named"));
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let streams = [
        "router-firelens-a1",
        "router-firelens-b2",
        "router-firelens-c3",
    ];
    let mut expected = Vec::new();
    for (s, stream) in streams.iter().enumerate() {
        logs.create_log_stream()
            .log_group_name(&group)
            .log_stream_name(*stream)
            .send()
            .await
            .unwrap();
        let s = i64::try_from(s).unwrap();
        let events: Vec<InputLogEvent> = (0..20i64)
            .map(|i| {
                let ts = now - 120_000 + i * 1_000 + s * 300;
                let message = format!("{stream} line {i}");
                if *stream != "router-firelens-b2" {
                    expected.push((ts, format!("{stream} {message}")));
                }
                InputLogEvent::builder()
                    .timestamp(ts)
                    .message(message)
                    .build()
                    .unwrap()
            })
            .collect();
        logs.put_log_events()
            .log_group_name(&group)
            .log_stream_name(*stream)
            .set_log_events(Some(events))
            .send()
            .await
            .unwrap();
    }
    expected.sort();

    let o = {
        let (mut cmd, _dir) = command(&[
            "tail",
            "--group",
            &group,
            "--stream",
            "router-firelens-c3",
            "--stream",
            "router-firelens-a1",
            "--since",
            "10m",
            "--utc",
            "--region",
            REGION,
        ]);
        cmd.env("AWS_ENDPOINT_URL", &moto.proxy)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap()
    };
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // `TIME STREAM MESSAGE`: a name not in the awslogs shape is printed whole.
    let printed: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| {
            l.split_once(' ')
                .map(|(_, rest)| rest.to_owned())
                .unwrap_or_default()
        })
        .collect();
    let wanted: Vec<String> = expected.into_iter().map(|(_, m)| m).collect();
    assert_eq!(printed, wanted);
}
