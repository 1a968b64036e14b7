//! ECS Exec without the AWS CLI: what is checked before ExecuteCommand is called, and the
//! Session Manager plugin's arguments, exactly as the AWS CLI passes them (the session as
//! JSON, the region, `StartSession`, the profile, the target as JSON, the endpoint).

use serde_json::json;

use super::Session;
use crate::domain::model::{Container, Task};

/// The plugin the AWS CLI runs for a session.
pub const PLUGIN: &str = "session-manager-plugin";

/// Where the plugin comes from, for the message when it is missing.
pub const PLUGIN_INSTALL: &str = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html";

/// The command run when none is given (the config's `exec_command` overrides it).
pub const DEFAULT_COMMAND: &str = "/bin/sh";

/// The IAM actions exec needs, for the AccessDenied message.
pub const ACTIONS: &str = "ecs:ExecuteCommand for you, and ssmmessages:CreateControlChannel, CreateDataChannel, OpenControlChannel and OpenDataChannel for the task role";

/// The container to open a shell in: the one named, or the task's only one.
pub fn pick_container<'a>(task: &'a Task, name: Option<&str>) -> Result<&'a Container, String> {
    let names = || {
        task.containers
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(name) => task
            .containers
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| {
                format!(
                    "task {} has no container {name} (it has: {})",
                    task.id,
                    names()
                )
            }),
        None => match task.containers.as_slice() {
            [only] => Ok(only),
            [] => Err(format!("task {} has no containers", task.id)),
            _ => Err(format!(
                "task {} has several containers; name one with --container (one of: {})",
                task.id,
                names()
            )),
        },
    }
}

/// Why ExecuteCommand would fail for this task and container, in plain words with the
/// fix; `None` when nothing is known to be wrong. `cluster` and `service` name the
/// commands that would fix it.
pub fn refusal(
    task: &Task,
    container: &Container,
    cluster: &str,
    service: Option<&str>,
) -> Option<String> {
    if task.last_status != "RUNNING" {
        return Some(format!(
            "task {} is {}, not RUNNING: exec needs a running task",
            task.id, task.last_status
        ));
    }
    if !task.enable_execute_command {
        let service = service
            .map(str::to_owned)
            .or_else(|| task.service_name().map(str::to_owned));
        let fix = match service {
            Some(s) => format!(
                "turn it on for the service and start new tasks (nothing was changed):\n  aws ecs update-service --cluster {cluster} --service {s} --enable-execute-command --force-new-deployment\n  (tasks started before that keep it off)"
            ),
            None => "run a new task with --enable-execute-command (nothing was changed)".into(),
        };
        return Some(format!(
            "exec is not enabled on task {} (enableExecuteCommand was false when it started); {fix}",
            task.id
        ));
    }
    match container.exec_agent.as_deref() {
        Some("RUNNING") => None,
        Some(status) => Some(format!(
            "the ExecuteCommandAgent of container {} is {status}, not RUNNING: wait a minute and try again, or start a new task",
            container.name
        )),
        None => Some(format!(
            "container {} has no ExecuteCommandAgent: the task was started without exec, or its platform does not support it",
            container.name
        )),
    }
}

/// The target the plugin opens: `ecs:CLUSTER_TASKID_RUNTIMEID`.
pub fn target(cluster: &str, task: &Task, container: &Container) -> Result<String, String> {
    let runtime = container.runtime_id.as_deref().ok_or_else(|| {
        format!(
            "container {} has no runtime id yet (it has not started): try again in a moment",
            container.name
        )
    })?;
    Ok(format!("ecs:{cluster}_{}_{runtime}", task.id))
}

/// The plugin's six arguments, as the AWS CLI passes them.
pub fn plugin_args(
    session: &Session,
    region: &str,
    profile: Option<&str>,
    target: &str,
    endpoint: &str,
) -> Vec<String> {
    vec![
        json!({
            "sessionId": session.id,
            "streamUrl": session.stream_url,
            "tokenValue": session.token,
        })
        .to_string(),
        region.to_owned(),
        "StartSession".to_owned(),
        profile.unwrap_or_default().to_owned(),
        json!({ "Target": target }).to_string(),
        endpoint.to_owned(),
    ]
}

/// The ECS endpoint the session was made at: the configured one, else the region's.
pub fn endpoint(configured: Option<&str>, region: &str) -> String {
    configured
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://ecs.{region}.amazonaws.com"))
}

#[cfg(test)]
mod tests;
