//! `ecsdash exec`: a shell (or a command) in a container of a service's task, for runbooks.
//! Checks first what it can (the plugin, the task, exec being on, the agent), then calls
//! ExecuteCommand through the guard (read-only refuses it; one audit line) and hands the
//! session to the Session Manager plugin, whose exit code becomes ours. The demo fleet
//! answers with a small built-in shell instead of the plugin.

use super::args::change::parse_target;
use super::args::exec::{ExecArgs, ForwardArgs};
use super::args::{Cli, Settings};
use super::change::{EXIT_AWS, EXIT_BAD_INPUT, EXIT_REFUSED, Failure, runtime, session};
use crate::domain::Identity;
use crate::ops::exec::{self, Forward, NotOpened, Opened, Request};
use crate::runtime::session::{self as shell, Ended};

pub fn run(cli: &Cli, args: &ExecArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    let command = if args.command.is_empty() {
        settings.exec_command.clone()
    } else {
        args.command.join(" ")
    };
    if command.trim().is_empty() {
        return Err((EXIT_BAD_INPUT, "the command is empty".into()));
    }
    // Before any call: without the plugin a session would be opened for nothing.
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
    let (who, opened) = open(cli, settings, What::Exec(&request))?;
    if opened.picked {
        crate::say_err!(
            "ecsdash: using task {} of {cluster}/{service}",
            opened.task.id
        );
    }
    match shell::run(plugin.as_ref(), &who, &cluster, &opened, &command) {
        Ended::Code(0) => Ok(()),
        Ended::Code(code) => Err((
            u8::try_from(code).unwrap_or(EXIT_AWS),
            format!("the session ended with exit code {code}"),
        )),
        Ended::Failed(m) => Err((EXIT_AWS, m)),
    }
}

/// `ecsdash forward`: the local port checked free, the task found and checked as for
/// exec, StartSession through the guard, then the plugin until Ctrl-c.
pub fn forward(cli: &Cli, args: &ForwardArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    let (local, remote) = exec::parse_ports(&args.ports).map_err(|m| (EXIT_BAD_INPUT, m))?;
    if let Some(host) = &args.host
        && (host.trim().is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err((EXIT_BAD_INPUT, format!("`{host}` is not a host name")));
    }
    shell::port_free(local).map_err(|m| (EXIT_BAD_INPUT, m))?;
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
    let (who, opened) = open(cli, settings, What::Forward(&request))?;
    crate::say_err!(
        "ecsdash: forwarding localhost:{local} to {}:{remote} through task {} of {cluster}/{service}; Ctrl-c ends it",
        args.host.as_deref().unwrap_or("the task"),
        opened.task.id
    );
    match shell::forward(plugin.as_ref(), &who, &cluster, &opened, &request) {
        Ended::Code(0) => Ok(()),
        Ended::Code(code) => Err((
            u8::try_from(code).unwrap_or(EXIT_AWS),
            format!("the forward ended with exit code {code}"),
        )),
        Ended::Failed(m) => Err((EXIT_AWS, m)),
    }
}

enum What<'a> {
    Exec(&'a Request),
    Forward(&'a Forward),
}

/// The session asked for, through the guard, with the identity it was asked as.
fn open(cli: &Cli, settings: &Settings, what: What) -> Result<(Identity, Opened), Failure> {
    runtime()?.block_on(async {
        let s = session(cli, settings).await?;
        let opened = match what {
            What::Exec(r) => exec::open(s.ecs.as_ref(), &s.guard, &s.who, r).await,
            What::Forward(r) => exec::open_forward(s.ecs.as_ref(), &s.guard, &s.who, r).await,
        }
        .map_err(|e| match e {
            NotOpened::Unusable(m) => (EXIT_BAD_INPUT, m),
            NotOpened::Refused(m) => (EXIT_REFUSED, m),
            NotOpened::Aws(m) => (EXIT_AWS, m),
        })?;
        Ok((s.who, opened))
    })
}
