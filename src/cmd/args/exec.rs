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
