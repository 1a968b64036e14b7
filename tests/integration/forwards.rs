//! Port forwards kept open in the background: the dashboard's (`p`, `:forwards`, `x`,
//! quit) and `ecsdash forward`'s Ctrl-c, against moto behind the test layer (which
//! answers StartSession), with a stand-in plugin that stays up as the real one does.
//! What is proven: each forward starts one plugin with one StartSession, `x` ends its
//! plugin, and no plugin outlives the dashboard or the command.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::exec_cli::{Setup, setup};
use crate::support::{self, REGION};
use crate::terminal::Dashboard;

/// A stand-in plugin that stays up like the real one: records its arguments and its
/// pid, prints what the plugin prints for a port forward, then waits to be ended.
fn lasting_plugin(dir: &Path) -> PathBuf {
    let bin = dir.join("lasting");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("session-manager-plugin");
    let pids = dir.join("pids");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho $$ >> '{}'\necho 'Starting session with SessionId: ecsdash-test'\necho 'Waiting for connections...'\necho 'Connection accepted for session [ecsdash-test]'\nexec sleep 300\n",
            pids.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// The pids of the plugins started so far.
fn pids(dir: &Path) -> Vec<u32> {
    std::fs::read_to_string(dir.join("pids"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Whether process `pid` runs (a zombie, ended and not yet reaped, does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(") ")?.1.chars().next()?;
            Some(state != 'Z')
        })
        .unwrap_or(false)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn env(moto: &support::Moto, dir: &Path, bin: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("XDG_CONFIG_HOME", dir.display().to_string()),
        ("XDG_STATE_HOME", dir.display().to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("AWS_PROFILE", String::new()),
        ("AWS_ENDPOINT_URL", moto.proxy.clone()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", REGION.into()),
        ("PATH", format!("{}:/usr/bin:/bin", bin.display())),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboards_forwards_are_listed_stopped_and_never_outlive_it() {
    let Some(moto) = support::moto() else { return };
    let Setup {
        cluster,
        task_id,
        dir,
        ..
    } = setup(&moto, true, 0).await;
    let bin = lasting_plugin(dir.path());
    let vars = env(&moto, dir.path(), &bin);
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (first, second) = (free_port(), free_port());
    // The test's runtime has threads to spare: waiting on the terminal here is fine.
    let mut d = Dashboard::start_with(
        &["--cluster", &cluster, "--service", "web", "--refresh", "2"],
        &vars,
    );
    d.wait_for("RUNNING");
    let mut keys = d.master.take_writer().unwrap();

    // A forward from the tasks pane: one plugin, one StartSession.
    keys.write_all(b"p").unwrap();
    d.wait_for("Forward a port");
    keys.write_all(format!("{first}:5432\r").as_bytes())
        .unwrap();
    wait_until("the first plugin", || pids(dir.path()).len() == 1);
    let plugin = pids(dir.path())[0];
    assert!(alive(plugin));
    d.wait_for("1 forward");

    // Listed, and stopped with x: its plugin ends.
    keys.write_all(b":forwards\r").unwrap();
    d.wait_for("CONNS");
    d.wait_for(&format!("localhost:{first}"));
    keys.write_all(b"x").unwrap();
    wait_until("the first plugin to end", || !alive(plugin));

    // Another one, then quit: no plugin is left behind.
    keys.write_all(b"\x1b").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    keys.write_all(b"p").unwrap();
    d.wait_for("Forward a port");
    keys.write_all(format!("{second}:80\r").as_bytes()).unwrap();
    wait_until("the second plugin", || pids(dir.path()).len() == 2);
    let plugin = pids(dir.path())[1];
    assert!(alive(plugin));
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
    wait_until("the second plugin to end", || !alive(plugin));

    let sent = support::requests(&moto, "StartSession", &task_id).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent[0]["Parameters"]["localPortNumber"][0],
        first.to_string()
    );
    assert_eq!(sent[1]["Parameters"]["portNumber"][0], "80");
    let audit = std::fs::read_to_string(dir.path().join("ecsdash/audit.log")).unwrap();
    assert_eq!(
        audit.matches("\"api\":\"StartSession\"").count(),
        2,
        "{audit}"
    );
}

#[tokio::test]
async fn ctrl_c_ends_ecsdash_forward_and_its_plugin_with_exit_0() {
    let Some(moto) = support::moto() else { return };
    let Setup { dir, target, .. } = setup(&moto, true, 0).await;
    let bin = lasting_plugin(dir.path());
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_ecsdash"))
        .args(["forward", &target, &format!("{port}:80")])
        .env_remove("AWS_PROFILE")
        .envs(
            env(&moto, dir.path(), &bin)
                .into_iter()
                .filter(|(k, _)| *k != "AWS_PROFILE"),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the plugin", || pids(dir.path()).len() == 1);
    let plugin = pids(dir.path())[0];
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Ctrl-c ends it"), "{stderr}");
    // The plugin's own lines reach stderr.
    assert!(stderr.contains("Waiting for connections"), "{stderr}");
    wait_until("the plugin to end", || !alive(plugin));
}
