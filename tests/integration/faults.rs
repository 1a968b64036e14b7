//! What an unlucky or hostile on-call engineer meets, against moto behind the test proxy:
//! read-only whichever way the profile was chosen, bad environment values, writes whose
//! answer is lost, and commands that must end (or say they are failing) under faults.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::{self, REGION, unique};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The binary against moto, with a private config and state directory and an AWS config
/// file of its own that defines `staging` (so a named profile is a real one).
struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new(config: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ecsdash")).unwrap();
        std::fs::write(dir.path().join("ecsdash/config.toml"), config).unwrap();
        std::fs::write(
            dir.path().join("aws-config"),
            format!("[default]\nregion = {REGION}\n[profile staging]\nregion = {REGION}\n"),
        )
        .unwrap();
        Run { dir }
    }

    fn command(&self, moto: &support::Moto, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsdash"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path())
            .env("AWS_CONFIG_FILE", self.dir.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.path().join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", &moto.proxy)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_PROFILE")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, moto: &support::Moto, args: &[&str]) -> Output {
        self.command(moto, args).output().expect("run ecsdash")
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.dir.path().join("ecsdash/audit.log")) {
            Ok(t) => t
                .lines()
                .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// A cluster with one service `web` at `desired` tasks, named for this test alone.
async fn service(moto: &support::Moto, prefix: &str, desired: i32) -> String {
    let ecs = support::ecs(moto, REGION);
    let cluster = unique(prefix);
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let family = unique(&format!("{prefix}-td"));
    support::small_task_definition(&ecs, &family, None, "nginx:1.27").await;
    ecs.create_service()
        .cluster(&cluster)
        .service_name("web")
        .task_definition(&family)
        .desired_count(desired)
        .send()
        .await
        .unwrap();
    cluster
}

async fn desired(moto: &support::Moto, cluster: &str) -> i32 {
    let out = support::ecs(moto, REGION)
        .describe_services()
        .cluster(cluster)
        .services("web")
        .send()
        .await
        .unwrap();
    out.services()[0].desired_count()
}

async fn writes(moto: &support::Moto, cluster: &str) -> u64 {
    let stats = support::stats(moto, Some(REGION), Some(cluster)).await;
    support::count(&stats, "UpdateService")
}

/// `read_only = true` for the profile in use holds however that profile was chosen: by
/// flag, by AWS_PROFILE, by the config file's `profile`, or by naming none (`default`).
#[tokio::test]
async fn read_only_follows_the_profile_in_use_however_it_was_chosen() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "ro-profile", 1).await;
    let target = format!("{cluster}/web");
    let scale = ["scale", target.as_str(), "4", "--yes"];
    let cases: [(&str, &str, Vec<&str>, Option<&str>); 4] = [
        (
            "none named",
            "[profiles.default]\nread_only = true\n",
            scale.to_vec(),
            None,
        ),
        (
            "flag",
            "[profiles.staging]\nread_only = true\n",
            [&["--profile", "staging"][..], &scale].concat(),
            None,
        ),
        (
            "AWS_PROFILE",
            "[profiles.staging]\nread_only = true\n",
            scale.to_vec(),
            Some("staging"),
        ),
        (
            "config file",
            "profile = \"staging\"\n[profiles.staging]\nread_only = true\n",
            scale.to_vec(),
            None,
        ),
    ];
    for (how, config, args, env_profile) in cases {
        let run = Run::new(config);
        let mut cmd = run.command(&moto, &args);
        if let Some(p) = env_profile {
            cmd.env("AWS_PROFILE", p);
        }
        let o = cmd.output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{how}: {err}");
        assert!(err.contains("read-only"), "{how}: {err}");
        let audit = run.audit();
        assert_eq!(audit.len(), 1, "{how}: {audit:?}");
        assert_eq!(audit[0]["result"], "refused", "{how}");
    }
    assert_eq!(writes(&moto, &cluster).await, 0, "read-only sent a write");
    assert_eq!(desired(&moto, &cluster).await, 1);

    // The same profile without read-only in its section does change the service.
    let run = Run::new("[profiles.staging]\nread_only = true\n");
    let o = run.run(&moto, &scale);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(desired(&moto, &cluster).await, 4);
}

/// An empty or malformed AWS variable is bad input for every command, the dashboard
/// included: exit 2 with the variable's name, before any call (no moto needed: nothing is
/// sent).
#[test]
fn empty_or_malformed_environment_values_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 4] = [
        &["tail", "core/web"],
        &["scale", "core/web", "3", "--yes"],
        &["deploy", "core/web", "--revision", "3", "--yes"],
        &[],
    ];
    let values = [
        ("AWS_ENDPOINT_URL", "", "AWS_ENDPOINT_URL is set but empty"),
        (
            "AWS_ENDPOINT_URL",
            "not a url\u{1b}]0;pwned\u{7}",
            "not a URL",
        ),
        ("AWS_REGION", "", "AWS_REGION is set but empty"),
        ("AWS_PROFILE", "", "AWS_PROFILE is set but empty"),
    ];
    for args in commands {
        for (name, value, said) in values {
            let o = Command::new(env!("CARGO_BIN_EXE_ecsdash"))
                .args(args)
                .env("XDG_CONFIG_HOME", dir.path())
                .env("XDG_STATE_HOME", dir.path())
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", REGION)
                .env_remove("AWS_PROFILE")
                .env(name, value)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?} {name}={value:?}: {err}");
            assert!(err.contains(said), "{args:?} {name}={value:?}: {err}");
            assert!(
                !err.contains('\u{1b}') && !err.contains('\u{7}'),
                "escapes reached stderr: {err:?}"
            );
            assert!(o.stdout.is_empty(), "{args:?}: {}", text(&o.stdout));
        }
    }
    assert!(
        !dir.path().join("ecsdash/audit.log").exists(),
        "nothing was attempted"
    );
}

/// A scale whose answer is lost after moto applied it (500, dropped connection, or no
/// answer within the timeout) is read back and reported as done, audited `ok` with the
/// verification, and UpdateService is sent exactly once each time.
#[tokio::test]
async fn a_lost_answer_to_an_applied_scale_is_read_back_and_reported_done() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "lost-ok", 3).await;
    let target = format!("{cluster}/web");
    let run = Run::new("");
    let faults = [
        json!({"kind": "error", "status": 500, "type": "InternalFailure"}),
        json!({"kind": "drop"}),
        json!({"kind": "hang", "hang_ms": 8000}),
    ];
    for (i, fault) in faults.into_iter().enumerate() {
        let (from, to) = (3 + i as i32, 4 + i as i32);
        let mut fault = fault;
        fault["target"] = json!("UpdateService");
        fault["match"] = json!(cluster);
        fault["forward"] = json!(true);
        support::inject(&moto, fault.clone()).await;
        let sent_before = writes(&moto, &cluster).await;
        let o = run.run(
            &moto,
            &["--timeout", "3", "scale", &target, &to.to_string(), "--yes"],
        );
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(0), "{fault}: {err}");
        assert!(
            out.contains(&format!("desired count {to}")),
            "{fault}: {out}"
        );
        assert!(
            err.contains("reading back showed the change was made"),
            "{fault}: {err}"
        );
        assert!(
            !err.contains("HttpResponse") && !err.contains("{"),
            "a debug dump: {err}"
        );
        assert_eq!(desired(&moto, &cluster).await, to, "{fault}");
        assert_eq!(
            writes(&moto, &cluster).await - sent_before,
            1,
            "{fault}: sent again"
        );
        let audit = run.audit();
        let line = audit.last().unwrap();
        assert_eq!(line["result"], "ok", "{fault}: {line}");
        assert_eq!(line["before"], from);
        assert!(
            line["outcome"]["verified"]
                .as_str()
                .is_some_and(|v| v.contains("lost")),
            "{fault}: {line}"
        );
    }
}

/// A scale that AWS did not apply and whose answer was an error without a clear answer
/// (a 500 that never reached moto) is reported as failed after reading back: exit 1,
/// audit `error`, the count unchanged, one UpdateService.
#[tokio::test]
async fn a_failed_scale_is_read_back_and_reported_not_applied() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "lost-no", 2).await;
    let target = format!("{cluster}/web");
    let run = Run::new("");
    support::inject(
        &moto,
        json!({"target": "UpdateService", "match": cluster, "kind": "error", "status": 503, "type": "ServiceUnavailableException", "message": "Service Unavailable"}),
    )
    .await;
    let o = run.run(&moto, &["scale", &target, "5", "--yes"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not applied (the desired count is still 2)"),
        "{err}"
    );
    assert_eq!(desired(&moto, &cluster).await, 2);
    assert_eq!(writes(&moto, &cluster).await, 1, "sent again");
    assert_eq!(run.audit().last().unwrap()["result"], "error");
}

/// When reading back fails too, the outcome is unknown: its own exit code (5) and audit
/// result, and a hint to look before trying again.
#[tokio::test]
async fn a_lost_answer_that_cannot_be_read_back_is_unknown() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "lost-unknown", 1).await;
    let backend = support::backend_with_timeout(&moto, REGION, Duration::from_secs(3)).await;
    let ops: std::sync::Arc<dyn ecsdash::ops::Ops> =
        std::sync::Arc::new(ecsdash::backends::sdk::ops::SdkOps::new(&backend));
    let dir = tempfile::tempdir().unwrap();
    let audit_path = dir.path().join("audit.log");
    let guard = ecsdash::ops::guard::Guarded::new(
        ops,
        false,
        ecsdash::ops::audit::Audit::at(&audit_path),
        std::sync::Arc::new(ecsdash::domain::clock::SystemClock),
    );
    support::inject(
        &moto,
        json!({"target": "UpdateService", "match": cluster, "kind": "drop", "forward": true}),
    )
    .await;
    support::inject(
        &moto,
        json!({"target": "DescribeServices", "match": cluster, "kind": "error", "status": 500, "count": -1}),
    )
    .await;
    let who = ecsdash::domain::Backend::identity(&backend);
    let m = ecsdash::ops::Mutation::Scale {
        cluster: cluster.clone(),
        service: "web".into(),
        from: 1,
        to: 2,
    };
    let result = guard.apply(&who, &m).await;
    clear(&moto, "DescribeServices", &cluster).await;
    let Err(ecsdash::ops::guard::OpError::Aws(e)) = result else {
        panic!("{result:?}")
    };
    assert_eq!(e.kind, ecsdash::domain::ErrorKind::Uncertain, "{e}");
    assert!(e.message.contains("could not be read back"), "{e}");
    assert!(e.hint().unwrap().contains("before trying again"));
    let line: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&audit_path)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["result"], "unknown", "{line}");
    assert_eq!(writes(&moto, &cluster).await, 1, "sent again");
    assert_eq!(desired(&moto, &cluster).await, 2, "moto did apply it");
}

/// Removes the proxy's faults for `target` that match `matching` (this test's own).
async fn clear(moto: &support::Moto, target: &str, matching: &str) {
    let body = json!({ "target": target, "match": matching }).to_string();
    let headers = [("Content-Type", "application/json")];
    let (status, answer) =
        support::http(&moto.proxy, "POST", "/_proxy/clear", &headers, &body).await;
    assert_eq!(status, 200, "{answer}");
}

/// A log group with one stream `app` and `n` events of the last minutes, straight into moto.
async fn log_group(moto: &support::Moto, prefix: &str, n: i64) -> String {
    let logs = support::logs(moto, REGION);
    let group = format!("/faults/{}", unique(prefix));
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("app")
        .send()
        .await
        .unwrap();
    put_lines(moto, &group, 0..n, 120_000).await;
    group
}

/// Events `line N` for each N, stamped `ago_ms` before now plus N ms.
async fn put_lines(moto: &support::Moto, group: &str, lines: std::ops::Range<i64>, ago_ms: i64) {
    let now = chrono::Utc::now().timestamp_millis();
    let events: Vec<aws_sdk_cloudwatchlogs::types::InputLogEvent> = lines
        .map(|i| {
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(now - ago_ms + i)
                .message(format!("line {i}"))
                .build()
                .unwrap()
        })
        .collect();
    support::logs(moto, REGION)
        .put_log_events()
        .log_group_name(group)
        .log_stream_name("app")
        .set_log_events(Some(events))
        .send()
        .await
        .unwrap();
}

/// `ecsdash tail` without following, under a fault that does not end: it gives up in
/// bounded time, says why in one sentence on stderr (no debug dump) and exits 1. Every
/// fault class at once, each on its own log group.
#[tokio::test]
async fn tail_without_follow_gives_up_under_a_persistent_fault() {
    let Some(moto) = support::moto() else { return };
    let faults = [
        json!({"kind": "error", "status": 500, "type": "InternalFailure"}),
        json!({"kind": "error", "status": 503, "type": "ServiceUnavailableException"}),
        json!({"kind": "throttle"}),
        json!({"kind": "hang", "hang_ms": 60000}),
        json!({"kind": "drop"}),
        json!({"kind": "garbage"}),
    ];
    let mut runs = Vec::new();
    for fault in faults {
        let group = log_group(&moto, "give-up", 3).await;
        let mut fault = fault;
        fault["target"] = json!("FilterLogEvents");
        fault["match"] = json!(group);
        fault["count"] = json!(-1);
        support::inject(&moto, fault.clone()).await;
        let run = Run::new("");
        let cmd = run.command(
            &moto,
            &[
                "--timeout",
                "2",
                "tail",
                "--group",
                &group,
                "--stream",
                "app",
                "--since",
                "10m",
            ],
        );
        runs.push((fault, group, run, cmd));
    }
    let started = std::time::Instant::now();
    let handles: Vec<_> = runs
        .into_iter()
        .map(|(fault, group, run, mut cmd)| {
            std::thread::spawn(move || {
                let o = cmd.output().unwrap();
                let took = started.elapsed();
                drop(run);
                (fault, group, o, took)
            })
        })
        .collect();
    for h in handles {
        let (fault, group, o, took) = h.join().unwrap();
        clear_all(&moto, &group).await;
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{fault}: {err}");
        assert!(took < Duration::from_secs(45), "{fault}: took {took:?}");
        let said = err
            .lines()
            .filter(|l| l.contains("gave up after"))
            .collect::<Vec<_>>();
        assert_eq!(said.len(), 1, "{fault}: {err}");
        assert!(
            said[0].starts_with("ecsdash: FilterLogEvents failed"),
            "{fault}: {err}"
        );
        for dump in ["{", "HttpResponse", "ConnectorError", "DispatchFailure"] {
            assert!(
                !err.contains(dump),
                "{fault}: a debug dump on stderr: {err}"
            );
        }
        assert!(o.stdout.is_empty(), "{fault}: {}", text(&o.stdout));
    }
}

/// `ecsdash tail -f` under a fault keeps trying and says on stderr when the failure starts
/// and when it ends; once AWS answers again every line appears exactly once.
#[tokio::test]
async fn tail_follow_says_when_failing_starts_and_stops_and_loses_nothing() {
    use std::io::{BufRead, BufReader};
    let Some(moto) = support::moto() else { return };
    let group = log_group(&moto, "follow-fault", 5).await;
    let run = Run::new("");
    let mut child = run
        .command(
            &moto,
            &[
                "--timeout",
                "2",
                "tail",
                "--group",
                &group,
                "--stream",
                "app",
                "--since",
                "10m",
                "-f",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out_tx, out_rx) = std::sync::mpsc::channel::<String>();
    let (err_tx, err_rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(l);
        }
    });
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = err_tx.send(l);
        }
    });
    let mut out = Vec::new();
    let mut err = Vec::new();
    let wait = |rx: &std::sync::mpsc::Receiver<String>,
                seen: &mut Vec<String>,
                want: &dyn Fn(&[String]) -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(40);
        while !want(seen) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(l) => seen.push(l),
                Err(_) => return false,
            }
        }
        true
    };
    assert!(
        wait(&out_rx, &mut out, &|o| o.len() >= 5),
        "history: {out:?}"
    );
    support::inject(
        &moto,
        json!({"target": "FilterLogEvents", "match": group, "kind": "error", "status": 500, "count": -1}),
    )
    .await;
    assert!(
        wait(&err_rx, &mut err, &|e| e
            .iter()
            .any(|l| l.contains("still trying"))),
        "the failure was not told: {err:?}"
    );
    // Written while failing: must appear once AWS answers again.
    put_lines(&moto, &group, 5..10, 0).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    clear_all(&moto, &group).await;
    assert!(
        wait(&err_rx, &mut err, &|e| e
            .iter()
            .any(|l| l.contains("AWS answers again"))),
        "the recovery was not told: {err:?}"
    );
    assert!(
        wait(&out_rx, &mut out, &|o| o.len() >= 10),
        "after recovery: {out:?}"
    );
    std::thread::sleep(Duration::from_secs(2));
    while let Ok(l) = out_rx.try_recv() {
        out.push(l);
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let lines: Vec<String> = out
        .iter()
        .map(|l| {
            l.rsplit_once(' ')
                .map(|(_, n)| n.to_owned())
                .unwrap_or_default()
        })
        .collect();
    let expected: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    assert_eq!(lines, expected, "every line once, in order: {out:?}");
    assert!(err.iter().all(|l| !l.contains('{')), "{err:?}");
}

/// Removes every fault of this test (by its unique name).
async fn clear_all(moto: &support::Moto, matching: &str) {
    let body = json!({ "match": matching }).to_string();
    let headers = [("Content-Type", "application/json")];
    let (status, answer) =
        support::http(&moto.proxy, "POST", "/_proxy/clear", &headers, &body).await;
    assert_eq!(status, 200, "{answer}");
}

/// Text from arguments is never echoed raw: an escape sequence in an image or a target
/// (here one that would retitle the window) reaches neither stderr nor stdout.
#[test]
fn hostile_arguments_are_sanitized_before_they_reach_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let hostile = "\u{1b}]0;pwned\u{7}";
    let cases: [Vec<String>; 4] = [
        vec![
            "deploy".into(),
            "prod-core/payments".into(),
            "--image".into(),
            format!("payments=nginx:1{hostile}"),
            "--yes".into(),
        ],
        vec![
            "scale".into(),
            format!("prod-core/pay{hostile}"),
            "3".into(),
            "--yes".into(),
        ],
        vec![
            "scale".into(),
            "prod-core/payments".into(),
            format!("3{hostile}"),
            "--yes".into(),
        ],
        vec!["tail".into(), format!("prod-core/{hostile}")],
    ];
    for args in cases {
        let o = Command::new(env!("CARGO_BIN_EXE_ecsdash"))
            .arg("--demo")
            .args(&args)
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.is_empty(), "{args:?}");
        for (name, stream) in [("stderr", &err), ("stdout", &out)] {
            assert!(
                !stream.contains('\u{1b}') && !stream.contains('\u{7}'),
                "{args:?}: an escape sequence reached {name}: {stream:?}"
            );
        }
    }
}

/// The account is asked of STS at start, so the header names it before any pane loads.
#[tokio::test]
async fn the_account_is_known_before_any_pane_has_loaded() {
    let Some(moto) = support::moto() else { return };
    let backend = support::backend(&moto, REGION).await;
    assert_eq!(ecsdash::domain::Backend::identity(&backend).account, None);
    let account = ecsdash::domain::Backend::account(&backend).await;
    assert_eq!(account.as_deref(), Some(support::ACCOUNT));
    assert_eq!(
        ecsdash::domain::Backend::identity(&backend)
            .account
            .as_deref(),
        Some(support::ACCOUNT)
    );
}

/// Every fault class across a pane's refresh (the services of a cluster): an error of
/// the right kind said in words (no debug dump), and the next refresh after the fault
/// clears works.
#[tokio::test]
async fn each_fault_class_across_a_refresh_is_said_in_words_and_recovers() {
    use ecsdash::domain::{Backend, ErrorKind};
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "refresh-faults", 1).await;
    // Long enough for the SDK's retries of a 5xx on a busy machine, short for a hang.
    let backend = support::backend_with_timeout(&moto, REGION, Duration::from_secs(8)).await;
    let cases = [
        (
            json!({"kind": "error", "status": 500, "type": "InternalFailure"}),
            ErrorKind::Service,
            "InternalFailure",
        ),
        (
            json!({"kind": "error", "status": 503, "type": "ServiceUnavailableException", "message": "Service Unavailable"}),
            ErrorKind::Service,
            "Service Unavailable",
        ),
        (
            json!({"kind": "throttle"}),
            ErrorKind::Throttled,
            "Rate exceeded",
        ),
        (
            json!({"kind": "hang", "hang_ms": 30000}),
            ErrorKind::Timeout,
            "no answer within the operation timeout",
        ),
        (
            json!({"kind": "drop"}),
            ErrorKind::Unreachable,
            "dropped before an answer came",
        ),
        (
            json!({"kind": "garbage"}),
            ErrorKind::Service,
            "could not be read",
        ),
        (
            json!({"kind": "error", "status": 400, "type": "ExpiredTokenException", "message": "The security token included in the request is expired"}),
            ErrorKind::ExpiredCredentials,
            "expired",
        ),
        (
            json!({"kind": "error", "status": 400, "type": "UnrecognizedClientException", "message": "The security token included in the request is invalid."}),
            ErrorKind::BadCredentials,
            "invalid",
        ),
        (
            json!({"kind": "error", "status": 400, "type": "AccessDeniedException", "message": "User is not authorized to perform: ecs:ListServices"}),
            ErrorKind::AccessDenied,
            "not authorized",
        ),
    ];
    for (fault, kind, said) in cases {
        let mut fault = fault;
        fault["target"] = json!("ListServices");
        fault["match"] = json!(cluster);
        fault["count"] = json!(-1);
        support::inject(&moto, fault.clone()).await;
        let started = std::time::Instant::now();
        let e = backend.services(&cluster).await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{fault}: {:?}",
            started.elapsed()
        );
        assert_eq!(e.kind, kind, "{fault}: {e}");
        assert!(e.message.contains(said), "{fault}: {e}");
        let shown = format!("{e} {}", e.hint().unwrap_or_default());
        for dump in [
            "{",
            "HttpResponse",
            "ConnectorError",
            "DispatchFailure",
            "Error {",
        ] {
            assert!(!shown.contains(dump), "{fault}: a debug dump: {shown}");
        }
        if kind == ErrorKind::BadCredentials {
            assert!(!shown.contains("sso login"), "{shown}");
        }
        if kind == ErrorKind::AccessDenied {
            assert!(shown.contains("ecs:ListServices"), "{shown}");
        }
        clear_all(&moto, &cluster).await;
        let services = backend.services(&cluster).await.expect("recovered");
        assert_eq!(services.len(), 1, "{fault}");
    }
}

/// A throttled write was refused (nothing done), so it is sent again after a pause and
/// goes through: two UpdateService requests, one change.
#[tokio::test]
async fn a_throttled_scale_is_sent_again_and_goes_through() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "throttled-write", 1).await;
    let run = Run::new("");
    support::inject(
        &moto,
        json!({"target": "UpdateService", "match": cluster, "kind": "throttle"}),
    )
    .await;
    let o = run.run(&moto, &["scale", &format!("{cluster}/web"), "2", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(desired(&moto, &cluster).await, 2);
    assert_eq!(writes(&moto, &cluster).await, 2);
    assert_eq!(run.audit().last().unwrap()["result"], "ok");
}

/// AccessDenied on a write names the write permission, not a read one; the CLI never
/// says "press r".
#[tokio::test]
async fn access_denied_on_a_write_names_that_permission() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "denied-write", 1).await;
    let run = Run::new("");
    support::inject(
        &moto,
        json!({"target": "UpdateService", "match": cluster, "kind": "error", "status": 400,
               "type": "AccessDeniedException", "message": "User: arn:aws:iam::123456789012:user/oncall is not authorized to perform: ecs:UpdateService"}),
    )
    .await;
    let o = run.run(&moto, &["scale", &format!("{cluster}/web"), "2", "--yes"]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("may not call ecs:UpdateService"), "{err}");
    assert!(
        !err.contains("read permission") && !err.contains("press r"),
        "{err}"
    );
    assert_eq!(
        writes(&moto, &cluster).await,
        1,
        "a clear refusal is not sent again"
    );
    assert_eq!(run.audit().last().unwrap()["result"], "error");
}

/// `deploy --wait` outlasts a few seconds of 500s while following the rollout: it says
/// so on stderr and goes on to its verdict (moto never finishes a deployment, so here
/// the verdict is the --wait-timeout, exit 4, not the AWS error's exit 1).
#[tokio::test]
async fn deploy_wait_outlasts_transient_errors_while_following() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "deploy-wait", 1).await;
    let run = Run::new("");
    let child = run
        .command(
            &moto,
            &[
                "deploy",
                &format!("{cluster}/web"),
                "--image",
                "web=nginx:1.28",
                "--yes",
                "--wait",
                "--poll",
                "1",
                "--wait-timeout",
                "10",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the rollout is being followed (UpdateService sent), DescribeServices fails.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while writes(&moto, &cluster).await == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "UpdateService never sent"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    support::inject(
        &moto,
        json!({"target": "DescribeServices", "match": cluster, "kind": "error", "status": 500,
               "type": "InternalFailure", "count": -1}),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    clear_all(&moto, &cluster).await;
    let o = child.wait_with_output().unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("cannot read the rollout's progress"), "{err}");
    assert!(
        err.contains("reading the rollout's progress again"),
        "{err}"
    );
    assert!(err.contains("still in progress after 10 s"), "{err}");
}
