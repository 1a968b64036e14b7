//! `ecsdash exec`: a shell (or a command) in a container of a service's task, for runbooks.
//! Checks first what it can (the plugin, the task, exec being on, the agent), then calls
//! ExecuteCommand through the guard (read-only refuses it; one audit line) and hands the
//! session to the Session Manager plugin, whose exit code becomes ours. The demo fleet
//! answers with a small built-in shell instead of the plugin.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::Command as Process;

use super::args::change::parse_target;
use super::args::exec::ExecArgs;
use super::args::{Cli, Settings};
use super::change::{EXIT_AWS, EXIT_BAD_INPUT, Failure, op_failure, runtime, session};
use crate::domain::model::{Task, TaskScope, arn_name};
use crate::ops::exec::{self, DEFAULT_COMMAND, PLUGIN, PLUGIN_INSTALL};
use crate::ops::{Mutation, Outcome};

pub fn run(cli: &Cli, args: &ExecArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    let command = if args.command.is_empty() {
        DEFAULT_COMMAND.to_string()
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
        Some(find_on_path(PLUGIN).ok_or_else(|| {
            (
                EXIT_BAD_INPUT,
                format!("{PLUGIN} is not installed (not found on PATH); nothing was called. Install it: {PLUGIN_INSTALL}"),
            )
        })?)
    };
    let rt = runtime()?;
    let (s, task, container, session) = rt.block_on(async {
        let s = session(cli, settings).await?;
        let tasks = s
            .ecs
            .tasks(&cluster, Some(&service), TaskScope::Running)
            .await
            .map_err(super::change::aws)?;
        let task = pick_task(&tasks, args.task.as_deref(), &service)?;
        if args.task.is_none() {
            crate::say_err!("ecsdash: using task {} of {cluster}/{service}", task.id);
        }
        let container = exec::pick_container(&task, args.container.as_deref())
            .map_err(|m| (EXIT_BAD_INPUT, m))?
            .clone();
        if let Some(why) = exec::refusal(&task, &container, &cluster, Some(&service)) {
            return Err((EXIT_AWS, format!("{why}\n  nothing was called")));
        }
        let mutation = Mutation::ExecuteCommand {
            cluster: cluster.clone(),
            task: task.arn.clone(),
            container: container.name.clone(),
            command: command.clone(),
        };
        let outcome = s.guard.apply(&s.who, &mutation).await.map_err(|e| {
            let (code, message) = op_failure(e);
            let denied = message.contains("AccessDenied") || message.contains("not authorized");
            let more = if denied {
                format!("\n  exec needs {}", exec::ACTIONS)
            } else {
                String::new()
            };
            (code, format!("{message}{more}"))
        })?;
        let Outcome::Session(session) = outcome.settled().clone() else {
            return Err((EXIT_AWS, "ExecuteCommand answered without a session".into()));
        };
        Ok((s, task, container, session))
    })?;
    drop(rt);
    let Some(plugin) = plugin else {
        return demo_shell(&task, &container.name, &command);
    };
    let target = exec::target(&cluster, &task, &container).map_err(|m| (EXIT_AWS, m))?;
    let profile =
        (!matches!(s.who.profile.as_str(), "default" | "env")).then_some(s.who.profile.as_str());
    let endpoint = exec::endpoint(s.who.endpoint.as_deref(), &s.who.region);
    let plugin_args = exec::plugin_args(&session, &s.who.region, profile, &target, &endpoint);
    let status = Process::new(&plugin)
        .args(&plugin_args)
        .status()
        .map_err(|e| (EXIT_AWS, format!("cannot run {}: {e}", plugin.display())))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err((
            u8::try_from(code).unwrap_or(EXIT_AWS),
            format!("the session ended with exit code {code} ({PLUGIN} or the command)"),
        )),
        None => Err((EXIT_AWS, format!("{PLUGIN} was stopped by a signal"))),
    }
}

/// The task named (id or ARN), or the newest running one.
fn pick_task(tasks: &[Task], named: Option<&str>, service: &str) -> Result<Task, Failure> {
    match named {
        Some(id) => tasks
            .iter()
            .find(|t| t.id == arn_name(id))
            .cloned()
            .ok_or_else(|| {
                (
                    EXIT_BAD_INPUT,
                    format!("{id} is not a running task of service {service} (exec needs a running task)"),
                )
            }),
        None => tasks
            .iter()
            .filter(|t| t.last_status == "RUNNING")
            .max_by_key(|t| t.started_at)
            .cloned()
            .ok_or_else(|| (EXIT_AWS, format!("service {service} has no running task to exec into"))),
    }
}

/// An executable named `name` in a PATH directory.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The demo's session: a few canned answers, so exec can be tried without AWS.
fn demo_shell(task: &Task, container: &str, command: &str) -> Result<(), Failure> {
    let answer = |line: &str| -> Option<String> {
        match line.split_whitespace().next()? {
            "exit" => None,
            "hostname" => Some(format!("ip-10-0-1-{}", task.id.len())),
            "whoami" => Some("root".into()),
            "ls" => Some("app  bin  etc  proc  tmp  usr  var".into()),
            "env" => Some(format!(
                "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/{}\nHOME=/root",
                task.id
            )),
            other => Some(format!(
                "demo shell: {other}: try hostname, whoami, ls, env or exit"
            )),
        }
    };
    if command != DEFAULT_COMMAND {
        println!("{}", answer(command).unwrap_or_default());
        return Ok(());
    }
    crate::say_err!(
        "demo: a shell in container {container} of task {} (type exit to leave)",
        task.id
    );
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    let mut line = String::new();
    loop {
        let _ = write!(out, "# ").and_then(|_| out.flush());
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return Ok(()),
            Ok(_) => {}
        }
        match answer(line.trim()) {
            Some(text) => crate::say_out!("{text}"),
            None if line.trim().is_empty() => {}
            None => return Ok(()),
        }
    }
}
