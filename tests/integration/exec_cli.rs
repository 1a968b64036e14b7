//! `ecsdash exec` against moto behind the test layer (which answers ExecuteCommand and
//! adds runtime ids, the exec agent and `enableExecuteCommand` to DescribeTasks), with a
//! stand-in `session-manager-plugin` on PATH that records its arguments.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use aws_sdk_ecs::types::LaunchType;

use crate::support::{self, REGION, unique};

/// A stand-in plugin: writes its arguments (one per line) to `args` and exits `code`.
fn stand_in(dir: &Path, code: i32) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("session-manager-plugin");
    let record = dir.join("args");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\nexit {code}\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The arguments the stand-in plugin was run with, one per line.
fn recorded(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("args"))
        .expect("the plugin ran")
        .lines()
        .map(String::from)
        .collect()
}

fn exec(moto: &support::Moto, dir: &Path, path: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ecsdash"))
        .args(args)
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_STATE_HOME", dir)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", &moto.proxy)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env("PATH", format!("{}:/usr/bin:/bin", path.display()))
        .stdin(Stdio::null())
        .output()
        .expect("run ecsdash")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A cluster with one running task of service `web` (exec on or off).
async fn service_task(moto: &support::Moto, exec_on: bool) -> (String, String) {
    let ecs = support::ecs_via_proxy(moto, REGION);
    let (cluster, _) = support::cluster_with_instance(moto, &ecs, "exec-cli").await;
    let family = unique("exec-td");
    let td = support::small_task_definition(&ecs, &family, None, "nginx:1.27").await;
    let out = ecs
        .run_task()
        .cluster(&cluster)
        .task_definition(&td)
        .launch_type(LaunchType::Ec2)
        .group("service:web")
        .enable_execute_command(exec_on)
        .send()
        .await
        .expect("RunTask");
    let task = out.tasks()[0].task_arn().unwrap().to_owned();
    (cluster, task)
}

/// A task to exec into, a state directory and a stand-in plugin exiting `code`.
pub(crate) struct Setup {
    pub(crate) cluster: String,
    pub(crate) task_id: String,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) bin: std::path::PathBuf,
    pub(crate) target: String,
}

pub(crate) async fn setup(moto: &support::Moto, exec_on: bool, code: i32) -> Setup {
    let (cluster, task) = service_task(moto, exec_on).await;
    let task_id = task.rsplit('/').next().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let bin = stand_in(dir.path(), code);
    let target = format!("{cluster}/web");
    Setup {
        cluster,
        task_id,
        dir,
        bin,
        target,
    }
}

#[tokio::test]
async fn the_plugin_gets_the_session_and_the_target_and_its_exit_code_is_ours() {
    let Some(moto) = support::moto() else { return };
    let Setup {
        cluster,
        task_id,
        dir,
        bin,
        target,
    } = setup(&moto, true, 7).await;
    let o = exec(
        &moto,
        dir.path(),
        &bin,
        &["exec", &target, "--", "ls", "-l"],
    );
    assert_eq!(o.status.code(), Some(7), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&format!("using task {task_id}")),
        "{}",
        text(&o.stderr)
    );
    let args = recorded(dir.path());
    assert_eq!(args.len(), 6, "{args:?}");
    let session: serde_json::Value = serde_json::from_str(&args[0]).unwrap();
    assert!(
        session["sessionId"]
            .as_str()
            .unwrap()
            .starts_with("ecs-execute-command-")
    );
    assert!(
        session["tokenValue"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(&args[1..4], [REGION, "StartSession", ""]);
    let t: serde_json::Value = serde_json::from_str(&args[4]).unwrap();
    let expected = format!("ecs:{cluster}_{task_id}_{task_id}-");
    assert!(t["Target"].as_str().unwrap().starts_with(&expected), "{t}");
    assert_eq!(args[5], moto.proxy);
    let sent = support::requests(&moto, "ExecuteCommand", &task_id).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["command"], "ls -l");
    assert_eq!(sent[0]["interactive"], true);
    // One audit line, without the session's token.
    let audit = std::fs::read_to_string(dir.path().join("ecsdash/audit.log")).unwrap();
    assert_eq!(audit.lines().count(), 1);
    assert!(
        audit.contains("ExecuteCommand") && audit.contains("ls -l"),
        "{audit}"
    );
    assert!(
        !audit.contains(session["tokenValue"].as_str().unwrap()),
        "{audit}"
    );
}

#[tokio::test]
async fn what_cannot_work_is_said_and_nothing_is_sent() {
    let Some(moto) = support::moto() else { return };
    let Setup {
        cluster: _,
        task_id,
        dir,
        bin,
        target,
    } = setup(&moto, false, 0).await;
    let sent = || async {
        support::requests(&moto, "ExecuteCommand", &task_id)
            .await
            .len()
    };

    // Exec off on the task: the fix is named, nothing is called.
    let o = exec(&moto, dir.path(), &bin, &["exec", &target]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--enable-execute-command"),
        "{}",
        text(&o.stderr)
    );
    // Read-only: refused by the guard before anything is sent.
    support::http(
        &moto.proxy,
        "POST",
        "/_proxy/exec",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"task": "{task_id}", "enable_execute_command": true}}"#),
    )
    .await;
    let o = exec(&moto, dir.path(), &bin, &["--read-only", "exec", &target]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    // The agent not running.
    support::http(
        &moto.proxy,
        "POST",
        "/_proxy/exec",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"task": "{task_id}", "enable_execute_command": true, "agent": "PENDING"}}"#),
    )
    .await;
    let o = exec(&moto, dir.path(), &bin, &["exec", &target]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is PENDING, not RUNNING"),
        "{}",
        text(&o.stderr)
    );
    // No plugin on PATH: said before any call.
    let o = exec(
        &moto,
        dir.path(),
        Path::new("/nonexistent"),
        &["exec", &target],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("session-manager-plugin is not installed"));
    assert_eq!(sent().await, 0, "an ExecuteCommand was sent");
    // AccessDenied names the actions.
    support::http(
        &moto.proxy,
        "POST",
        "/_proxy/exec",
        &[("Content-Type", "application/json")],
        &format!(r#"{{"task": "{task_id}", "enable_execute_command": true, "agent": "RUNNING"}}"#),
    )
    .await;
    support::inject(
        &moto,
        serde_json::json!({"target": "ExecuteCommand", "match": task_id, "status": 400,
            "type": "AccessDeniedException", "message": "User is not authorized to perform: ecs:ExecuteCommand"}),
    )
    .await;
    let o = exec(&moto, dir.path(), &bin, &["exec", &target]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("ssmmessages:CreateControlChannel"),
        "{}",
        text(&o.stderr)
    );
    assert!(!dir.path().join("args").exists(), "the plugin ran");
}

/// The demo fleet answers with a built-in shell, so exec can be tried without AWS.
#[test]
fn the_demo_offers_a_shell_and_keeps_to_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let demo = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ecsdash"))
            .arg("--demo")
            .args(args)
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_STATE_HOME", dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run ecsdash")
    };
    let o = demo(&[
        "exec",
        "prod-core/checkout",
        "--container",
        "checkout",
        "--",
        "whoami",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).trim(), "root");
    let o = demo(&["exec", "prod-core/checkout"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("one of: checkout, envoy"),
        "{}",
        text(&o.stderr)
    );
    let o = demo(&[
        "--read-only",
        "exec",
        "prod-core/checkout",
        "--container",
        "checkout",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    let o = demo(&["exec", "prod/checkout"]);
    assert_ne!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // A command's exit code is ours, as a shell's would be.
    for (command, code) in [("exit 7", 7), ("false", 1), ("nosuchcmd", 127)] {
        let mut args = vec![
            "exec",
            "prod-core/checkout",
            "--container",
            "checkout",
            "--",
        ];
        args.extend(command.split(' '));
        let o = demo(&args);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{command}: {}",
            text(&o.stderr)
        );
    }
    // Blank or hidden names are said to be so before anything is called.
    for (flag, value) in [
        ("--task", ""),
        ("--container", " "),
        ("--task", "\u{1b}]52;c;eA==\u{7}"),
    ] {
        let o = demo(&["exec", "prod-core/checkout", flag, value]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{flag} {value:?}: {}",
            text(&o.stderr)
        );
        assert!(text(&o.stderr).contains(flag), "{}", text(&o.stderr));
    }
}

#[tokio::test]
async fn forward_starts_a_port_forwarding_session_and_hands_it_to_the_plugin() {
    let Some(moto) = support::moto() else { return };
    let Setup {
        cluster,
        task_id,
        dir,
        bin,
        target,
    } = setup(&moto, true, 0).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ports = format!("{port}:5432");

    // Read-only: refused, no StartSession.
    let o = exec(
        &moto,
        dir.path(),
        &bin,
        &["--read-only", "forward", &target, &ports],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        support::requests(&moto, "StartSession", &task_id)
            .await
            .is_empty()
    );

    let o = exec(
        &moto,
        dir.path(),
        &bin,
        &["forward", &target, &ports, "--host", "db.internal"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let sent = support::requests(&moto, "StartSession", &task_id).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["DocumentName"],
        "AWS-StartPortForwardingSessionToRemoteHost"
    );
    assert_eq!(sent[0]["Parameters"]["host"][0], "db.internal");
    assert_eq!(
        sent[0]["Parameters"]["localPortNumber"][0],
        port.to_string()
    );
    let args = recorded(dir.path());
    assert_eq!(args.len(), 6, "{args:?}");
    assert_eq!(args[2], "StartSession");
    let request: serde_json::Value = serde_json::from_str(&args[4]).unwrap();
    assert_eq!(
        request["DocumentName"],
        "AWS-StartPortForwardingSessionToRemoteHost"
    );
    assert_eq!(request["Parameters"]["portNumber"][0], "5432");
    assert!(
        request["Target"]
            .as_str()
            .unwrap()
            .starts_with(&format!("ecs:{cluster}_{task_id}_"))
    );

    // A local port in use is refused before anything is called.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let o = exec(
        &moto,
        dir.path(),
        &bin,
        &["forward", &target, &format!("{busy_port}:80")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("is not free"),
        "{}",
        text(&o.stderr)
    );
    for bad in ["0:80", "80:99999", "http", "-1"] {
        let o = exec(&moto, dir.path(), &bin, &["forward", &target, bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o.stderr));
    }
    assert_eq!(
        support::requests(&moto, "StartSession", &task_id)
            .await
            .len(),
        1
    );
}
