//! `ecsdash exec`: a shell (or a command) in a container of a service's task, for runbooks.
//! Checks first what it can (the plugin, the task, exec being on, the agent), then calls
//! ExecuteCommand through the guard (read-only refuses it; one audit line) and hands the
//! session to the Session Manager plugin, whose exit code becomes ours. The demo fleet
//! answers with a small built-in shell instead of the plugin. `ecsdash forward` keeps a
//! port forward open the same way until Ctrl-c.

use super::args::change::parse_target;
use super::args::exec::{ExecArgs, ForwardArgs};
use super::args::{Cli, Settings};
use super::change::{EXIT_AWS, EXIT_BAD_INPUT, EXIT_REFUSED, Failure, runtime, session};
use crate::domain::Identity;
use crate::ops::exec::{self, Forward, NotOpened, Opened, Request};
use crate::runtime::forward::{self, Seen};
use crate::runtime::session::{self as shell, Ended};

/// `--task` and `--container` name something: not blank, no control characters (which
/// the screen would not show).
fn check_names(task: Option<&str>, container: Option<&str>) -> Result<(), Failure> {
    for (flag, value) in [("--task", task), ("--container", container)] {
        match value {
            Some(v) if v.trim().is_empty() => {
                return Err((EXIT_BAD_INPUT, format!("{flag} is empty")));
            }
            Some(v) if v.chars().any(char::is_control) => {
                return Err((
                    EXIT_BAD_INPUT,
                    format!("{flag} holds control characters (an escape, a newline)"),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn run(cli: &Cli, args: &ExecArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    check_names(args.task.as_deref(), args.container.as_deref())?;
    let command = if args.command.is_empty() {
        settings.exec_command.clone()
    } else {
        args.command.join(" ")
    };
    if command.trim().is_empty() {
        return Err((EXIT_BAD_INPUT, "the command is empty".into()));
    }
    // Before any call: without the plugin a session would be opened for nothing.
    super::wiring::one_region(settings)?;
    let plugin = if cli.demo {
        None
    } else {
        Some(shell::plugin().map_err(|m| (EXIT_BAD_INPUT, m))?)
    };
    let request = Request {
        cluster: cluster.clone(),
        service: Some(service.clone()),
        task: args.task.clone(),
        container: args.container.clone(),
        command: command.clone(),
    };
    let rt = runtime()?;
    let (who, opened) = rt.block_on(open(cli, settings, What::Exec(&request)))?;
    if opened.picked {
        crate::say_err!(
            "ecsdash: using task {} of {cluster}/{service}",
            opened.task.id
        );
    }
    let ended = rt.block_on(async {
        // A Ctrl-c typed before the plugin takes the terminal, or into the demo's shell,
        // is the session's: it must not end ecsdash and lose the session's exit code.
        let _interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt());
        tokio::task::spawn_blocking(move || {
            shell::run(plugin.as_ref(), &who, &cluster, &opened, &command)
        })
        .await
        .unwrap_or_else(|e| Ended::Failed(format!("the session's thread failed: {e}")))
    });
    ended_as("session", ended)
}

/// `ecsdash forward`: the local port checked free, the task found and checked as for
/// exec, StartSession through the guard, then the plugin until Ctrl-c (exit 0).
pub fn forward(cli: &Cli, args: &ForwardArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    check_names(args.task.as_deref(), args.container.as_deref())?;
    let (local, remote) = exec::parse_ports(&args.ports).map_err(|m| (EXIT_BAD_INPUT, m))?;
    if let Some(host) = &args.host {
        exec::check_host(host).map_err(|m| (EXIT_BAD_INPUT, format!("--host: {m}")))?;
    }
    forward::port_free(local).map_err(|m| (EXIT_BAD_INPUT, m))?;
    super::wiring::one_region(settings)?;
    let plugin = if cli.demo {
        None
    } else {
        Some(shell::plugin().map_err(|m| (EXIT_BAD_INPUT, m))?)
    };
    let request = Forward {
        task: Request {
            cluster: cluster.clone(),
            service: Some(service.clone()),
            task: args.task.clone(),
            container: args.container.clone(),
            command: String::new(),
        },
        local,
        remote,
        host: args.host.clone(),
    };
    let rt = runtime()?;
    let (who, opened) = rt.block_on(open(cli, settings, What::Forward(&request)))?;
    crate::say_err!(
        "ecsdash: forwarding localhost:{local} to {}:{remote} through task {} of {cluster}/{service}; Ctrl-c ends it",
        args.host.as_deref().unwrap_or("the task"),
        opened.task.id
    );
    let ended = rt.block_on(async {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = stop.send(());
            }
        });
        let seen = |s: Seen| {
            if let Seen::Line(line) = s {
                crate::say_err!("{line}");
            }
        };
        forward::keep(plugin, &who, &cluster, &opened, &request, stopped, seen).await
    });
    if ended == Ended::Stopped {
        // After the terminal's `^C`, on a line of its own.
        crate::say_err!("\necsdash: the forward of localhost:{local} stopped");
    }
    ended_as("forward", ended)
}

/// The exit of a session or a forward: the plugin's own code when it ran.
fn ended_as(what: &str, ended: Ended) -> Result<(), Failure> {
    match ended {
        Ended::Code(0) | Ended::Stopped => Ok(()),
        Ended::Code(code) => Err((
            u8::try_from(code).unwrap_or(EXIT_AWS),
            format!("the {what} ended with exit code {code}"),
        )),
        Ended::Failed(m) => Err((EXIT_AWS, m)),
    }
}

enum What<'a> {
    Exec(&'a Request),
    Forward(&'a Forward),
}

/// The session asked for, through the guard, with the identity it was asked as.
async fn open(
    cli: &Cli,
    settings: &Settings,
    what: What<'_>,
) -> Result<(Identity, Opened), Failure> {
    let s = session(cli, settings).await?;
    let opened = match what {
        What::Exec(r) => exec::open(s.ecs.as_ref(), &s.guard, &s.who, r).await,
        What::Forward(r) => exec::open_forward(s.ecs.as_ref(), &s.guard, &s.who, r).await,
    }
    .map_err(|e| match e {
        NotOpened::Unusable(m) | NotOpened::Choose { message: m, .. } => (EXIT_BAD_INPUT, m),
        NotOpened::Refused(m) => (EXIT_REFUSED, m),
        NotOpened::Aws(m) => (EXIT_AWS, m),
    })?;
    Ok((s.who, opened))
}
