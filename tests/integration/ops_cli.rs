//! `ecsdash scale` and `ecsdash deploy` as a runbook runs them: exit codes, refusals,
//! the audit log, and against moto the state read back and no write in read-only mode.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output, Stdio};

use crate::support::{self, REGION, unique};

fn command(args: &[&str], state: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsdash"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", state)
        .env("XDG_STATE_HOME", state)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        // No terminal to ask on, as in CI or a cron job.
        .stdin(Stdio::null());
    cmd
}

fn run(args: &[&str], state: &std::path::Path) -> Output {
    command(args, state).output().expect("run ecsdash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn audit_lines(state: &std::path::Path) -> Vec<serde_json::Value> {
    let path = state.join("ecsdash/audit.log");
    match std::fs::read_to_string(&path) {
        Ok(t) => t
            .lines()
            .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn demo_scale_with_yes_changes_the_count_and_records_it_privately() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &["--demo", "scale", "prod-core/payments", "7", "--yes"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("desired count 7"),
        "{}",
        text(&o.stdout)
    );
    assert!(
        text(&o.stderr).contains("desired count: 4 → 7"),
        "{}",
        text(&o.stderr)
    );
    let lines = audit_lines(dir.path());
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!(l["result"], "ok");
    assert_eq!(l["api"], "UpdateService");
    assert_eq!(l["profile"], "demo");
    assert_eq!(l["before"], 4);
    assert_eq!(l["after"], 7);
    assert_eq!(l["target"], "service payments in cluster prod-core");
    let mode = std::fs::metadata(dir.path().join("ecsdash/audit.log"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "audit log mode {mode:o}");
}

#[test]
fn bad_input_is_refused_before_any_call_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--demo", "scale", "prod-core/payments", "seven", "--yes"][..],
        &["--demo", "scale", "prod-core/payments", "-1", "--yes"],
        &["--demo", "scale", "prod-core/payments", "2.5", "--yes"],
        &["--demo", "scale", "payments", "3", "--yes"],
        &[
            "--demo",
            "deploy",
            "prod-core/payments",
            "--image",
            "payments=Not An Image",
            "--yes",
        ],
        &[
            "--demo",
            "deploy",
            "prod-core/payments",
            "--image",
            "nginx:1.27",
            "--yes",
        ],
        &[
            "--demo",
            "deploy",
            "prod-core/payments",
            "--revision",
            "zero",
            "--yes",
        ],
        &[
            "--demo",
            "deploy",
            "prod-core/payments",
            "--image",
            "nosuch=nginx:1",
            "--yes",
        ],
    ] {
        let o = run(args, dir.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(!text(&o.stderr).trim().is_empty(), "{args:?} said nothing");
    }
    assert!(audit_lines(dir.path()).is_empty(), "nothing was attempted");
    // clap's own refusals (both or neither of --image/--revision) are bad input too.
    let o = run(
        &["--demo", "deploy", "prod-core/payments", "--yes"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn read_only_refuses_with_exit_3_before_or_after_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &[
            "--read-only",
            "--demo",
            "scale",
            "prod-core/payments",
            "5",
            "--yes",
        ][..],
        &[
            "--demo",
            "scale",
            "prod-core/payments",
            "5",
            "--yes",
            "--read-only",
        ],
        &[
            "--demo",
            "deploy",
            "prod-core/payments",
            "--image",
            "payments=nginx:1.27",
            "--yes",
            "--read-only",
        ],
    ] {
        let o = run(args, dir.path());
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("read-only"), "{}", text(&o.stderr));
    }
    let lines = audit_lines(dir.path());
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|l| l["result"] == "refused"), "{lines:?}");
}

#[test]
fn without_yes_and_without_a_terminal_it_refuses_rather_than_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(&["--demo", "scale", "prod-core/payments", "5"], dir.path());
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("--yes"), "{}", text(&o.stderr));
    assert!(audit_lines(dir.path()).is_empty());
}

#[test]
fn an_aws_error_exits_1_with_its_message() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &["--demo", "scale", "prod-core/no-such-service", "5", "--yes"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).to_lowercase().contains("not found"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn demo_deploy_of_a_failing_image_waits_for_the_circuit_breaker_and_exits_4() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        &[
            "--demo",
            "deploy",
            "prod-core/payments",
            "--image",
            "payments=payments:broken",
            "--wait",
            "--yes",
            "--poll",
            "1",
        ],
        dir.path(),
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("circuit breaker"), "{err}");
    let out = text(&o.stdout);
    assert!(
        out.contains("+      \"image\": \"payments:broken\""),
        "the diff: {out}"
    );
    assert!(out.contains("registered payments:"), "{out}");
    let lines = audit_lines(dir.path());
    let apis: Vec<&str> = lines.iter().map(|l| l["api"].as_str().unwrap()).collect();
    assert_eq!(apis, ["RegisterTaskDefinition", "UpdateService"]);
    assert!(lines.iter().all(|l| l["result"] == "ok"));
}

/// Runs the binary against moto through the proxy, as a user with a profile would.
fn moto_command(moto: &support::Moto, args: &[&str], state: &std::path::Path) -> Command {
    let mut cmd = command(args, state);
    cmd.env("AWS_ENDPOINT_URL", &moto.proxy)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION);
    cmd
}

#[tokio::test]
async fn moto_scale_is_read_back_and_read_only_sends_no_write() {
    let Some(moto) = support::moto() else { return };
    let ecs = support::ecs(&moto, REGION);
    let cluster = unique("ops-cli");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let family = unique("ops-cli-td");
    support::small_task_definition(&ecs, &family, None, "nginx:1.27").await;
    ecs.create_service()
        .cluster(&cluster)
        .service_name("web")
        .task_definition(&family)
        .desired_count(1)
        .send()
        .await
        .unwrap();
    let target = format!("{cluster}/web");
    let dir = tempfile::tempdir().unwrap();

    let before = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    let o = moto_command(
        &moto,
        &["scale", &target, "3", "--yes", "--read-only"],
        dir.path(),
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let after = support::stats(&moto, Some(REGION), Some(&cluster)).await;
    assert_eq!(
        support::count(&after, "UpdateService"),
        support::count(&before, "UpdateService"),
        "read-only sent an UpdateService"
    );

    let o = moto_command(&moto, &["scale", &target, "3", "--yes"], dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let read = ecs
        .describe_services()
        .cluster(&cluster)
        .services("web")
        .send()
        .await
        .unwrap();
    assert_eq!(read.services()[0].desired_count(), 3);

    // deploy --image registers a revision from the one the service runs and rolls it out.
    // (moto never finishes a deployment, so --wait is tested on the demo fleet; here it
    // must give up at its deadline with exit 4.)
    let o = moto_command(
        &moto,
        &[
            "deploy",
            &target,
            "--image",
            "web=nginx:1.28",
            "--yes",
            "--wait",
            "--poll",
            "1",
            "--wait-timeout",
            "3",
        ],
        dir.path(),
    )
    .output()
    .unwrap();
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains("still in progress after 3 s"), "{err}");
    let read = ecs
        .describe_services()
        .cluster(&cluster)
        .services("web")
        .send()
        .await
        .unwrap();
    let td = read.services()[0].task_definition().unwrap().to_string();
    assert!(td.ends_with(&format!("{family}:2")), "{td}");
    let def = ecs
        .describe_task_definition()
        .task_definition(&td)
        .send()
        .await
        .unwrap();
    assert_eq!(
        def.task_definition().unwrap().container_definitions()[0].image(),
        Some("nginx:1.28")
    );
}
