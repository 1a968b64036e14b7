//! Running an ECS Exec session in the terminal: the Session Manager plugin, or the demo
//! fleet's built-in shell. Both own the terminal until the session ends; the dashboard
//! steps aside for them (as for `$EDITOR`) and `ecsdash exec` hands them its own.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use crate::domain::Identity;
use crate::domain::model::Task;
use crate::ops::exec::{self, DEFAULT_COMMAND, Opened, PLUGIN, PLUGIN_INSTALL};

/// The program `name` on PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The plugin on PATH, or the sentence saying where to get it.
pub fn plugin() -> Result<PathBuf, String> {
    on_path(PLUGIN).ok_or_else(|| {
            format!("{PLUGIN} is not installed (not found on PATH); nothing was called. Install it: {PLUGIN_INSTALL}")
        })
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// With this exit code (0: fine).
    Code(i32),
    /// The plugin could not run, or was killed; the sentence says which.
    Failed(String),
    /// Stopped by ecsdash (a forward stopped by the user, or on quit).
    Stopped,
}

/// Runs the session: the plugin with the arguments the AWS CLI gives it, or the demo's
/// shell when `plugin` is `None`.
pub fn run(
    plugin: Option<&PathBuf>,
    who: &Identity,
    cluster: &str,
    opened: &Opened,
    command: &str,
) -> Ended {
    let Some(plugin) = plugin else {
        return demo_shell(&opened.task, &opened.container.name, command);
    };
    let target = match exec::target(cluster, &opened.task, &opened.container) {
        Ok(t) => t,
        Err(m) => return Ended::Failed(m),
    };
    let profile =
        (!matches!(who.profile.as_str(), "default" | "env")).then_some(who.profile.as_str());
    // Across regions, the cluster's (its ARN says which).
    let region = who.region_of(cluster);
    let endpoint = exec::endpoint(who.endpoint.as_deref(), &region);
    let args = exec::plugin_args(&opened.session, &region, profile, &target, &endpoint);
    match std::process::Command::new(plugin).args(&args).status() {
        Ok(status) => match status.code() {
            Some(code) => Ended::Code(code),
            None => Ended::Failed(format!("{PLUGIN} was stopped by a signal")),
        },
        Err(e) => Ended::Failed(format!("cannot run {}: {e}", plugin.display())),
    }
}

/// The demo's session: a few canned answers, so exec can be tried without AWS.
fn demo_shell(task: &Task, container: &str, command: &str) -> Ended {
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
    // A shell (`/bin/sh`, `bash`, ...) is interactive; anything else answers once, with
    // a shell's exit codes: `exit N` its N, `false` 1, a command it does not know 127.
    if command != DEFAULT_COMMAND && !command.trim_end().ends_with("sh") {
        let mut words = command.split_whitespace();
        return match (words.next(), words.next()) {
            (Some("exit"), None) | (Some("true"), _) => Ended::Code(0),
            (Some("exit"), Some(n)) => Ended::Code(n.parse::<i32>().map_or(2, |n| n & 0xff)),
            (Some("false"), _) => Ended::Code(1),
            (Some("hostname" | "whoami" | "ls" | "env"), _) => {
                crate::say_out!("{}", answer(command).unwrap_or_default());
                Ended::Code(0)
            }
            _ => {
                crate::say_out!("{}", answer(command).unwrap_or_default());
                Ended::Code(127)
            }
        };
    }
    crate::say_out!(
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
            Ok(0) | Err(_) => return Ended::Code(0),
            Ok(_) => {}
        }
        // `exit` and `exit N`, as a shell ends.
        let mut words = line.split_whitespace();
        if words.next() == Some("exit") {
            return match words.next().map(str::parse::<i32>) {
                None => Ended::Code(0),
                Some(Ok(code)) => Ended::Code(code & 0xff),
                Some(Err(_)) => {
                    crate::say_out!("demo shell: exit: a number is expected");
                    continue;
                }
            };
        }
        if let Some(text) = answer(line.trim()) {
            crate::say_out!("{text}");
        }
    }
}
