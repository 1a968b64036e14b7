//! What the dashboard steps aside for: an exec session and the external editor. Both
//! need the terminal and its input to themselves; the loop stops reading keys, these
//! leave the dashboard's screen (cursor shown), and the loop redraws it whole after.

use std::io::{self, Write};

use super::effects::Effects;
use super::session;
use crate::app::Action;
use crate::ops::exec::{NotOpened, Request};

/// Opens an exec session (checks, ExecuteCommand through the guard) and runs it with the
/// dashboard's screen left; says how it ended.
pub(super) async fn exec_session(worker: &Effects, request: Request) -> Action {
    match run_exec(worker, request.clone()).await {
        Ok(note) => Action::ExecEnded(Ok(note)),
        Err(NotOpened::Choose {
            task, containers, ..
        }) => Action::ExecChoose {
            request: Request {
                task: Some(task),
                ..request
            },
            containers,
        },
        Err(e) => Action::ExecEnded(Err(e.message().to_string())),
    }
}

async fn run_exec(worker: &Effects, request: Request) -> Result<String, NotOpened> {
    use session::Ended;
    // Ctrl-c in the session is the session's (the plugin passes it on, the demo shell
    // ignores it): from now on it no longer ends the dashboard, whose own Ctrl-c is a key.
    let _interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| NotOpened::Aws(format!("cannot keep Ctrl-c for the session: {e}")))?;
    let who = worker.ecs.identity();
    let plugin = if who.profile == "demo" {
        None
    } else {
        Some(session::plugin().map_err(NotOpened::Unusable)?)
    };
    let opened = crate::ops::exec::open(worker.ecs.as_ref(), &worker.guard, &who, &request).await?;
    let cluster = request.cluster.clone();
    let command = request.command.clone();
    let what = format!(
        "{} in container {} of task {}",
        command, opened.container.name, opened.task.id
    );
    let mouse = worker.mouse;
    tokio::task::spawn_blocking(move || {
        step_aside(mouse);
        crate::say_out!("ecsdash: {what}; the dashboard comes back when it ends");
        let ended = session::run(plugin.as_ref(), &who, &cluster, &opened, &command);
        let interactive = command == crate::ops::exec::DEFAULT_COMMAND
            || command.trim_end().ends_with("sh");
        if ended != Ended::Code(0) || !interactive {
            // A command's output, or the plugin's last lines, are on this screen: leave
            // them until read.
            let how = match &ended {
                Ended::Code(code) => format!("with exit code {code}"),
                Ended::Failed(m) => format!("badly: {m}"),
                Ended::Stopped => "when stopped".to_string(),
            };
            crate::say_out!("ecsdash: the session ended {how} (see above); press Enter to go back to the dashboard");
            let _ = std::io::stdin().read_line(&mut String::new());
        }
        come_back(mouse)
            .map_err(|e| NotOpened::Aws(format!("cannot take the terminal back: {e}")))?;
        match ended {
            Ended::Code(0) | Ended::Stopped => Ok(format!("session ended: {what}")),
            Ended::Code(code) => Ok(format!("session ended with exit code {code}: {what}")),
            Ended::Failed(m) => Err(NotOpened::Aws(m)),
        }
    })
    .await
    .map_err(|e| NotOpened::Aws(format!("exec task failed: {e}")))?
}

/// Opens `text` in `$VISUAL` or `$EDITOR` (else `vi`) on a private temporary file and
/// returns what was saved. The dashboard's screen is left while the editor runs.
pub(super) async fn external_edit(text: String, mouse: bool) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let set = |name: &str| std::env::var(name).ok().filter(|e| !e.trim().is_empty());
        let editor = set("VISUAL")
            .or_else(|| set("EDITOR"))
            .unwrap_or_else(|| "vi".into());
        let path = std::env::temp_dir().join(format!(
            "ecsdash-{}-{:08x}.json",
            std::process::id(),
            fastrand::u32(..)
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let write = options
            .open(&path)
            .and_then(|mut f| f.write_all(text.as_bytes()));
        if let Err(e) = write {
            return Err(format!("cannot write {}: {e}", path.display()));
        }
        step_aside(mouse);
        // Through the shell, so EDITOR may carry arguments ("code --wait").
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("ecsdash-editor")
            .arg(&path)
            .status();
        let back = come_back(mouse);
        let result = match status {
            Ok(s) if s.success() => std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display())),
            Ok(s) => Err(format!("{editor} exited with {s}; nothing changed")),
            Err(e) => Err(format!("cannot run {editor}: {e}")),
        };
        let _ = std::fs::remove_file(&path);
        back.map_err(|e| format!("cannot take the terminal back: {e}"))?;
        result
    })
    .await
    .map_err(|e| format!("editor task failed: {e}"))?
}

/// `aws sso login` for `profile`, with the dashboard's screen left: with
/// `--use-device-code` where no browser can open here (no display, or over SSH), so the
/// code can be entered on the engineer's own machine.
pub(super) async fn sso_login(profile: Option<String>, mouse: bool) -> Result<String, String> {
    let Some(aws) = session::on_path("aws") else {
        let command = sso_command(profile.as_deref(), true).join(" ");
        return Err(format!(
            "the AWS CLI (aws) is not installed here: run `{command}` where it is (or refresh the keys), then press r"
        ));
    };
    tokio::task::spawn_blocking(move || {
        let display = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
        let remote = std::env::var_os("SSH_CONNECTION").is_some();
        let args = sso_command(profile.as_deref(), remote || !display);
        step_aside(mouse);
        crate::say_out!(
            "ecsdash: {}; the dashboard comes back when it ends",
            args.join(" ")
        );
        let status = std::process::Command::new(&aws).args(&args[1..]).status();
        let back = come_back(mouse);
        let result = match status {
            Ok(s) if s.success() => Ok(match &profile {
                Some(p) => format!("signed in to profile {p}"),
                None => "signed in".to_string(),
            }),
            Ok(s) => Err(format!(
                "aws sso login ended with {}; nothing changed",
                s.code()
                    .map_or("a signal".to_string(), |c| format!("exit code {c}"))
            )),
            Err(e) => Err(format!("cannot run {}: {e}", aws.display())),
        };
        back.map_err(|e| format!("cannot take the terminal back: {e}"))?;
        result
    })
    .await
    .map_err(|e| format!("sign-in task failed: {e}"))?
}

/// `aws sso login [--profile P] [--use-device-code]`, as words.
fn sso_command(profile: Option<&str>, device_code: bool) -> Vec<String> {
    let mut args: Vec<String> = ["aws", "sso", "login"].map(String::from).to_vec();
    if let Some(p) = profile {
        args.extend(["--profile".to_string(), p.to_string()]);
    }
    if device_code {
        args.push("--use-device-code".into());
    }
    args
}

/// Leaves the dashboard's screen to a program that needs the terminal: raw mode off, the
/// alternate screen left, the cursor shown (the dashboard hides it), the mouse given back.
fn step_aside(mouse: bool) {
    if mouse {
        let _ = crossterm::execute!(io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
}

/// Takes the terminal back from `step_aside`.
fn come_back(mouse: bool) -> io::Result<()> {
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::cursor::Hide
    )?;
    if mouse {
        crossterm::execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    Ok(())
}
