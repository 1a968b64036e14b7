//! The dashboard in a real pseudo-terminal: it draws, and the terminal is restored on `q`,
//! SIGTERM, SIGHUP and a panic.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Leaving the alternate screen: the last thing a restored terminal sees.
const LEAVE_ALT_SCREEN: &str = "\x1b[?1049l";
const ENTER_ALT_SCREEN: &str = "\x1b[?1049h";

pub(crate) struct Dashboard {
    child: Box<dyn Child + Send + Sync>,
    pub(crate) master: Box<dyn MasterPty + Send>,
    output: Arc<Mutex<Vec<u8>>>,
    _dir: tempfile::TempDir,
}

impl Dashboard {
    /// The demo fleet, refreshed every second.
    fn start(extra_env: &[(&str, &str)]) -> Dashboard {
        Dashboard::start_with(&["--demo", "--refresh", "1"], extra_env)
    }

    /// ecsdash with these arguments and variables (its config and state in a fresh
    /// directory).
    pub(crate) fn start_with(args: &[&str], extra_env: &[(&str, &str)]) -> Dashboard {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ecsdash"));
        cmd.args(args);
        cmd.env("XDG_CONFIG_HOME", dir.path());
        cmd.env("XDG_STATE_HOME", dir.path());
        cmd.env("TERM", "xterm-256color");
        // An empty value takes the variable away.
        for (k, v) in extra_env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn ecsdash");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Dashboard {
            child,
            master: pair.master,
            output,
            _dir: dir,
        }
    }

    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// What the screen shows now (the output so far, played through a terminal).
    pub(crate) fn screen(&self) -> String {
        let mut parser = vt100::Parser::new(24, 100, 0);
        parser.process(&self.output.lock().unwrap());
        parser.screen().contents()
    }

    /// Waits until the screen no longer shows `needle` (a key that follows Esc too
    /// closely would be read as Alt and that key).
    pub(crate) fn wait_gone(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.screen().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "`{needle}` never went; the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `needle`, and returns the screen.
    pub(crate) fn wait_screen(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{needle}` never showed; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("`{needle}` never appeared; output:\n{:?}", self.text());
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.process_id().expect("child pid");
        let status = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub(crate) fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain what the child wrote last.
                std::thread::sleep(Duration::from_millis(200));
                return status;
            }
            assert!(Instant::now() < deadline, "ecsdash did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal was put back: the alternate screen was left after it was entered,
    /// and the cursor shown again.
    pub(crate) fn assert_restored(&self) {
        let out = self.text();
        let entered = out
            .find(ENTER_ALT_SCREEN)
            .expect("entered the alternate screen");
        let left = out
            .rfind(LEAVE_ALT_SCREEN)
            .expect("left the alternate screen");
        assert!(left > entered);
        assert!(out[entered..].contains("\x1b[?25h"), "cursor shown again");
    }
}

#[test]
fn q_quits_and_restores() {
    let mut d = Dashboard::start(&[]);
    d.wait_for("prod-core");
    d.master.take_writer().unwrap().write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

#[test]
fn sigterm_restores() {
    let mut d = Dashboard::start(&[]);
    d.wait_for("prod-core");
    d.signal("TERM");
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

#[test]
fn sighup_restores() {
    let mut d = Dashboard::start(&[]);
    d.wait_for("prod-core");
    d.signal("HUP");
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

#[test]
fn panic_restores() {
    let mut d = Dashboard::start(&[("ECSDASH_TEST_PANIC", "1")]);
    let status = d.wait_exit();
    assert!(!status.success());
    d.assert_restored();
    let out = d.text();
    let left = out.rfind(LEAVE_ALT_SCREEN).unwrap();
    assert!(
        out[left..].contains("panic requested"),
        "the panic message is printed on the restored screen: {:?}",
        &out[left..]
    );
}

/// A panic in a background task is not swallowed by the async runtime: the process ends
/// non-zero with the terminal restored, instead of drawing on with a worker gone.
#[test]
fn a_worker_panic_ends_the_process_with_the_terminal_restored() {
    let mut d = Dashboard::start(&[("ECSDASH_TEST_PANIC", "worker")]);
    let status = d.wait_exit();
    assert!(!status.success(), "{status:?}");
    d.assert_restored();
    let out = d.text();
    let left = out.rfind(LEAVE_ALT_SCREEN).unwrap();
    assert!(
        out[left..].contains("internal error") && out[left..].contains("worker panic requested"),
        "the panic is named on the restored screen: {:?}",
        &out[left..]
    );
}

/// Ctrl-e on a revision hands the terminal to `$EDITOR` and takes it back: the edited JSON
/// is checked, diffed and, once confirmed, registered (and recorded in the audit log).
#[test]
fn external_editor_edits_a_revision_and_the_dashboard_comes_back() {
    let scripts = tempfile::tempdir().unwrap();
    let editor = scripts.path().join("edit.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/payments:v4.3.0/payments:v4.3.1/' \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let editor = editor.to_str().unwrap().to_string();
    let mut d = Dashboard::start(&[("EDITOR", &editor), ("VISUAL", "")]);
    d.wait_for("prod-core");
    let mut keys = d.master.take_writer().unwrap();
    keys.write_all(b":taskdefs payments\r").unwrap();
    d.wait_for("payments:12");
    // Ctrl-e: the editor runs, then the check and the confirmation with the diff.
    keys.write_all(b"\x05").unwrap();
    d.wait_for("Register a new revision of payments");
    d.wait_for("payments:v4.3.1");
    keys.write_all(b"y").unwrap();
    // The screen is drawn as differences from the frame before, so the new revision's
    // name is not in the output in one piece: the audit log says when it is done.
    let audit_path = d._dir.path().join("ecsdash/audit.log");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&audit_path).is_ok_and(|a| a.contains("\"result\":\"ok\"")) {
        assert!(
            Instant::now() < deadline,
            "the revision was never registered"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
    let audit = std::fs::read_to_string(&audit_path).unwrap();
    let line: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(line["api"], "RegisterTaskDefinition");
    assert_eq!(line["result"], "ok");
    assert!(
        line["after"].to_string().contains("payments:v4.3.1"),
        "{line}"
    );
}

/// `x` on a task: the dashboard steps aside for the session (the demo's shell here), the
/// session gets the keys, and the dashboard comes back and is restored on quit.
#[test]
fn exec_steps_aside_for_the_session_and_the_dashboard_comes_back() {
    let mut d = Dashboard::start(&[]);
    d.wait_for("prod-core");
    let mut keys = d.master.take_writer().unwrap();
    keys.write_all(b":services prod-core\r").unwrap();
    d.wait_for("api-gateway");
    // Services in name order: api-gateway, cart, checkout.
    keys.write_all(b"jj\r").unwrap();
    d.wait_for("checkout:6");
    // Every task described, then only the running ones.
    std::thread::sleep(Duration::from_secs(3));
    keys.write_all(b"/RUNNING\r").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    keys.write_all(b"x").unwrap();
    d.wait_for("Exec into task");
    keys.write_all(b"\r").unwrap();
    d.wait_for("type exit to leave");
    let before = d.text().matches(ENTER_ALT_SCREEN).count();
    keys.write_all(b"whoami\r").unwrap();
    d.wait_for("root");
    keys.write_all(b"exit\r").unwrap();
    // Back on the dashboard's screen, with the session's end on the status line.
    let deadline = Instant::now() + Duration::from_secs(30);
    while d.text().matches(ENTER_ALT_SCREEN).count() == before {
        assert!(Instant::now() < deadline, "the dashboard never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
    d.wait_for("session ended");
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
    let audit = std::fs::read_to_string(d._dir.path().join("ecsdash/audit.log")).unwrap();
    assert!(audit.contains("\"api\":\"ExecuteCommand\""), "{audit}");
}

/// What crossterm sends to take the mouse (button presses, drags, SGR coordinates) and
/// to give it back.
const MOUSE_ON: &str = "\x1b[?1000h";
const MOUSE_OFF: &str = "\x1b[?1000l";

/// The dashboard takes the mouse, a double click on the first row opens it, and the mouse
/// is given back on quit.
#[test]
fn the_mouse_is_taken_used_and_given_back() {
    let mut d = Dashboard::start(&[]);
    d.wait_for("prod-core");
    assert!(d.text().contains(MOUSE_ON), "mouse capture asked for");
    let mut keys = d.master.take_writer().unwrap();
    // SGR mouse reports, 1-based: the left button pressed and released on the first row
    // (below the two header lines, the border and the column titles), twice.
    for _ in 0..2 {
        keys.write_all(b"\x1b[<0;10;5M\x1b[<0;10;5m").unwrap();
    }
    d.wait_for("TASK DEFINITION");
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
    let out = d.text();
    let on = out.rfind(MOUSE_ON).unwrap();
    assert!(out[on..].contains(MOUSE_OFF), "the mouse was given back");
}

/// `mouse = false`: the terminal keeps the mouse (for selecting text).
#[test]
fn mouse_false_leaves_the_mouse_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "mouse = false\n").unwrap();
    let mut d = Dashboard::start_with(&["--demo", "--config", config.to_str().unwrap()], &[]);
    d.wait_for("prod-core");
    d.master.take_writer().unwrap().write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(!d.text().contains(MOUSE_ON), "the mouse was taken");
}
