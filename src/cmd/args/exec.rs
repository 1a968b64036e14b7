//! The arguments of `ecsdash exec`.

use clap::Args;

pub const EXIT_CODES: &str = "Exit codes: the shell's own when the session ran; 1 an AWS error \
(AccessDenied names the IAM actions exec needs) or the plugin could not run; 2 invalid input, \
the plugin not installed, or a task or container exec cannot use (not running, exec not \
enabled, its agent not running): nothing was called; 3 refused (read-only, audit log not \
writable).";

#[derive(Debug, Clone, Args)]
#[command(after_help = EXIT_CODES)]
pub struct ExecArgs {
    /// The service, as CLUSTER/SERVICE.
    #[arg(value_name = "CLUSTER/SERVICE")]
    pub target: String,
    /// The task (id or ARN); without it, a running task of the service is picked and
    /// named on stderr.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// The container; needed when the task has several.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
    /// The command to run (after `--`); `/bin/sh` when none is given.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub const FORWARD_EXIT_CODES: &str = "Exit codes: 0 the forward ended (Ctrl-c); 1 an AWS error or \
the plugin could not run; 2 invalid input, the local port in use, the plugin not installed, or a \
task or container that cannot be used (nothing was called); 3 refused (read-only, audit log not \
writable).";

#[derive(Debug, Clone, Args)]
#[command(after_help = FORWARD_EXIT_CODES)]
pub struct ForwardArgs {
    /// The service, as CLUSTER/SERVICE.
    #[arg(value_name = "CLUSTER/SERVICE")]
    pub target: String,
    /// The ports: LOCAL:REMOTE (or one port for both), e.g. 8080:80.
    #[arg(value_name = "LOCAL:REMOTE")]
    pub ports: String,
    /// Reach this host from the task (a database the task can reach) instead of the task.
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The task (id or ARN); without it, the service's newest running task.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,
    /// The container; needed when the task has several.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,
}
