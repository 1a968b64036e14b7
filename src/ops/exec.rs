//! ECS Exec without the AWS CLI: what is checked before ExecuteCommand is called, and the
//! Session Manager plugin's arguments, exactly as the AWS CLI passes them (the session as
//! JSON, the region, `StartSession`, the profile, the target as JSON, the endpoint).

use serde_json::json;

use super::guard::{Guarded, OpError};
use super::{Mutation, Outcome, Session};
use crate::domain::model::{Container, Task, TaskScope, arn_name};
use crate::domain::{Backend, ErrorKind, Identity};

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
    let cluster = crate::domain::model::arn_name(cluster);
    Ok(format!("ecs:{cluster}_{}_{runtime}", task.id))
}

/// The SSM document of a port forward: to the task itself, or to a host it can reach.
pub fn forward_document(host: Option<&str>) -> &'static str {
    if host.is_some() {
        "AWS-StartPortForwardingSessionToRemoteHost"
    } else {
        "AWS-StartPortForwardingSession"
    }
}

/// The document's parameters (each a list of strings, as SSM takes them).
pub fn forward_parameters(local: u16, remote: u16, host: Option<&str>) -> serde_json::Value {
    let mut p = json!({
        "portNumber": [remote.to_string()],
        "localPortNumber": [local.to_string()],
    });
    if let Some(host) = host {
        p["host"] = json!([host]);
    }
    p
}

/// `LOCAL:REMOTE` (or one port for both) as two ports from 1 to 65535.
pub fn parse_ports(text: &str) -> Result<(u16, u16), String> {
    let port = |p: &str| -> Result<u16, String> {
        let p = p.trim();
        p.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| p.parse::<u16>().ok())
            .flatten()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("`{p}` is not a port (1 to 65535)"))
    };
    if text.trim().is_empty() {
        return Err("give the ports as LOCAL:REMOTE (e.g. 8080:80), or one port for both".into());
    }
    match text.split_once(':') {
        Some((local, remote)) => Ok((port(local)?, port(remote)?)),
        None => {
            let p = port(text)?;
            Ok((p, p))
        }
    }
}

/// A `--host` to forward to: a DNS name (letters, digits, `.`, `-`, `_`, at most 253
/// characters) or an IP address; its port goes in LOCAL:REMOTE, never in the host.
pub fn check_host(host: &str) -> Result<(), String> {
    if host.trim().is_empty() {
        return Err("the host is empty".into());
    }
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    if host.contains(':') && host.is_ascii() {
        return Err("give the host without a port: the port goes in LOCAL:REMOTE".into());
    }
    let name_chars = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !name_chars || host.len() > 253 {
        return Err(
            "a host is a DNS name (letters, digits, dots, hyphens; at most 253) or an IP address"
                .into(),
        );
    }
    Ok(())
}

/// The plugin's arguments for a port forward: the StartSession request the AWS CLI
/// passes (target, document, parameters) and the SSM endpoint.
pub fn forward_plugin_args(
    session: &Session,
    region: &str,
    profile: Option<&str>,
    target: &str,
    forward: &Forward,
    ssm_endpoint: &str,
) -> Vec<String> {
    let host = forward.host.as_deref();
    let request = json!({
        "Target": target,
        "DocumentName": forward_document(host),
        "Parameters": forward_parameters(forward.local, forward.remote, host),
    });
    let mut args = plugin_args(session, region, profile, target, ssm_endpoint);
    args[4] = request.to_string();
    args
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

/// The endpoint of `service` (`ecs`, `ssm`) the session was made at: the configured one,
/// else the region's.
pub fn endpoint(configured: Option<&str>, region: &str) -> String {
    service_endpoint(configured, "ecs", region)
}

pub fn service_endpoint(configured: Option<&str>, service: &str, region: &str) -> String {
    configured
        .map(str::to_owned)
        .unwrap_or_else(|| format!("https://{service}.{region}.amazonaws.com"))
}

/// What to open: the task (or, without one, the service's newest running task), the
/// container (or the task's only one) and the command.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub cluster: String,
    pub service: Option<String>,
    pub task: Option<String>,
    pub container: Option<String>,
    pub command: String,
}

/// A session opened, for the plugin.
#[derive(Debug, Clone)]
pub struct Opened {
    pub task: Task,
    pub container: Container,
    pub session: Session,
    /// The task was picked (none was named).
    pub picked: bool,
}

/// Why no session was opened.
#[derive(Debug, Clone, PartialEq)]
pub enum NotOpened {
    /// The request cannot work (no such task or container, exec off, agent down): said
    /// before anything was sent.
    Unusable(String),
    /// Refused by the guard (read-only, audit log not writable).
    Refused(String),
    /// AWS refused or failed.
    Aws(String),
    /// No container was named and the task has several: nothing was sent. The
    /// dashboard offers the choice; a command says to name one.
    Choose {
        /// The task's ARN.
        task: String,
        containers: Vec<String>,
        /// What to say where no choice can be offered.
        message: String,
    },
}

impl NotOpened {
    pub fn message(&self) -> &str {
        match self {
            NotOpened::Unusable(m)
            | NotOpened::Refused(m)
            | NotOpened::Aws(m)
            | NotOpened::Choose { message: m, .. } => m,
        }
    }
}

fn aws_failure(e: crate::domain::BackendError) -> NotOpened {
    NotOpened::Aws(format!("{}: {}", e.operation, e.message))
}

/// The task and the container `req` names (or picks), checked for what exec and port
/// forwarding need: a RUNNING task started with exec on, the agent running.
async fn find(ecs: &dyn Backend, req: &Request) -> Result<(Task, Container), NotOpened> {
    let tasks = ecs
        .tasks(&req.cluster, req.service.as_deref(), TaskScope::Running)
        .await
        .map_err(aws_failure)?;
    let whose = req
        .service
        .as_deref()
        .map_or(format!("cluster {}", req.cluster), |s| {
            format!("service {s}")
        });
    let task = match req.task.as_deref() {
        // An ARN names its cluster too: one of another cluster is not this one's.
        Some(id) => tasks
            .into_iter()
            .find(|t| {
                if id.starts_with("arn:") {
                    t.arn == id
                } else {
                    t.id == id
                }
            })
            .ok_or_else(|| {
                NotOpened::Unusable(format!(
                    "{} is not a running task of {whose} (exec and port forwarding need a running task)",
                    arn_name(id)
                ))
            })?,
        None => tasks
            .into_iter()
            .filter(|t| t.last_status == "RUNNING")
            .max_by_key(|t| t.started_at)
            .ok_or_else(|| {
                NotOpened::Unusable(format!("{whose} has no running task"))
            })?,
    };
    let container = match pick_container(&task, req.container.as_deref()) {
        Ok(c) => c.clone(),
        Err(message) if req.container.is_none() && task.containers.len() > 1 => {
            return Err(NotOpened::Choose {
                task: task.arn.clone(),
                containers: task.containers.iter().map(|c| c.name.to_string()).collect(),
                message,
            });
        }
        Err(message) => return Err(NotOpened::Unusable(message)),
    };
    if let Some(why) = refusal(&task, &container, &req.cluster, req.service.as_deref()) {
        return Err(NotOpened::Unusable(format!("{why}; nothing was called")));
    }
    Ok((task, container))
}

/// The session of `mutation`, through the guard.
async fn start(guard: &Guarded, who: &Identity, mutation: &Mutation) -> Result<Session, NotOpened> {
    let outcome = guard.apply(who, mutation).await.map_err(|e| match e {
        OpError::ReadOnly | OpError::Audit(_) => NotOpened::Refused(e.to_string()),
        OpError::Aws(e) if e.kind == ErrorKind::AccessDenied => NotOpened::Aws(format!(
            "{}: {}\n  exec needs {ACTIONS}",
            e.operation, e.message
        )),
        OpError::Aws(e) => aws_failure(e),
    })?;
    match outcome.settled() {
        Outcome::Session(session) => Ok(session.clone()),
        _ => Err(NotOpened::Aws(format!(
            "{} answered without a session",
            mutation.api()
        ))),
    }
}

/// Finds the task and the container, checks what can be checked, and asks ExecuteCommand
/// for a session through the guard.
pub async fn open(
    ecs: &dyn Backend,
    guard: &Guarded,
    who: &Identity,
    req: &Request,
) -> Result<Opened, NotOpened> {
    let (task, container) = find(ecs, req).await?;
    let mutation = Mutation::ExecuteCommand {
        cluster: req.cluster.clone(),
        task: task.arn.clone(),
        container: container.name.to_string(),
        command: req.command.clone(),
    };
    let session = start(guard, who, &mutation).await?;
    Ok(Opened {
        task,
        container,
        session,
        picked: req.task.is_none(),
    })
}

/// A port forward to open: the task as for exec, and the ports.
#[derive(Debug, Clone, PartialEq)]
pub struct Forward {
    pub task: Request,
    pub local: u16,
    pub remote: u16,
    pub host: Option<String>,
}

/// As `open`, with SSM StartSession and a port forwarding document.
pub async fn open_forward(
    ecs: &dyn Backend,
    guard: &Guarded,
    who: &Identity,
    req: &Forward,
) -> Result<Opened, NotOpened> {
    let (task, container) = find(ecs, &req.task).await?;
    let runtime_id = container.runtime_id.clone().ok_or_else(|| {
        NotOpened::Unusable(format!(
            "container {} has no runtime id yet",
            container.name
        ))
    })?;
    let mutation = Mutation::Forward {
        cluster: req.task.cluster.clone(),
        task: task.arn.clone(),
        container: container.name.to_string(),
        runtime_id,
        local: req.local,
        remote: req.remote,
        host: req.host.clone(),
    };
    let session = start(guard, who, &mutation).await?;
    Ok(Opened {
        task,
        container,
        session,
        picked: req.task.task.is_none(),
    })
}

#[cfg(test)]
mod tests;
