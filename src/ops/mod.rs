//! Operations: everything that changes the estate. One trait (`Ops`) with the reads the
//! operation screens need and a single write entry point, `execute`, which only the guard
//! (`guard::Guarded`) calls: read-only refusal and the audit log live there, so no write
//! can bypass them.

pub mod audit;
pub mod diff;
pub mod exec;
pub mod guard;
pub mod model;
pub mod plan;
pub mod rollout;
pub mod taskdef;
pub mod validate;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::BackendResult;
use crate::domain::model::{Service, cluster_label};
use model::{
    Family, ScalableTarget, Scaling, ScalingPolicy, ScheduledAction, TargetTracking, TaskDefDoc,
};

/// The reads operations need and the one write entry point.
#[async_trait]
pub trait Ops: Send + Sync {
    /// One service, freshly described (the rollout follower and "what AWS says now").
    async fn service(&self, cluster: &str, service: &str) -> BackendResult<Service>;

    /// The service's scalable target, policies, scheduled actions and recent activities.
    async fn scaling(&self, cluster: &str, service: &str) -> BackendResult<Scaling>;

    /// Task definition families (ACTIVE), each with its revisions newest first.
    async fn families(&self) -> BackendResult<Vec<Family>>;

    /// One family's revisions, newest first (a family with none has an empty list).
    async fn family(&self, name: &str) -> BackendResult<Family> {
        let families = self.families().await?;
        Ok(families
            .into_iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| Family {
                name: name.to_string(),
                revisions: Vec::new(),
            }))
    }

    /// One revision (ARN or `family:revision`) as RegisterTaskDefinition input JSON,
    /// tags included, fields unknown to the SDK kept.
    async fn task_definition_doc(&self, task_definition: &str) -> BackendResult<TaskDefDoc>;

    /// Carries out one mutation. Only the guard can make the `Pass` this takes, so no
    /// write reaches an implementation except through `guard::Guarded::apply`.
    async fn execute_with(&self, mutation: &Mutation, pass: guard::Pass) -> BackendResult<Outcome>;

    /// Unit tests drive implementations directly, past the guard (which has its own tests).
    #[cfg(test)]
    async fn execute(&self, mutation: &Mutation) -> BackendResult<Outcome> {
        self.execute_with(mutation, guard::Pass::for_tests()).await
    }
}

/// A container instance's state as an operator sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum InstanceState {
    Active,
    Draining,
}

impl InstanceState {
    pub fn api_name(self) -> &'static str {
        match self {
            InstanceState::Active => "ACTIVE",
            InstanceState::Draining => "DRAINING",
        }
    }
}

/// Every change ecsdash can make. Each carries what it changes from, so the confirmation,
/// the audit log and undo can say old value to new.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Mutation {
    /// UpdateService desiredCount.
    Scale {
        cluster: String,
        service: String,
        from: i32,
        to: i32,
    },
    /// UpdateService to another task definition (`to` differs from `from`), and/or a
    /// forced new deployment. taskDefinition is sent only when it changes.
    Deploy {
        cluster: String,
        service: String,
        from: String,
        to: String,
        force: bool,
    },
    /// RegisterTaskDefinition with this JSON (the input shape) as the request body.
    RegisterTaskDefinition {
        family: String,
        /// The revision it was edited from, if any.
        based_on: Option<String>,
        json: Value,
    },
    StopTask {
        cluster: String,
        task: String,
        reason: String,
    },
    /// UpdateContainerInstancesState.
    SetInstanceState {
        cluster: String,
        instance: String,
        from: String,
        to: InstanceState,
    },
    /// RegisterScalableTarget (creates or updates min, max and suspended state).
    PutScalableTarget {
        cluster: String,
        service: String,
        before: Option<ScalableTarget>,
        after: ScalableTarget,
    },
    /// DeregisterScalableTarget: turns auto scaling off (its policies go with it).
    DeleteScalableTarget {
        cluster: String,
        service: String,
        before: ScalableTarget,
    },
    /// PutScalingPolicy with a target tracking configuration.
    PutTargetTracking {
        cluster: String,
        service: String,
        name: String,
        before: Option<TargetTracking>,
        after: TargetTracking,
    },
    DeletePolicy {
        cluster: String,
        service: String,
        before: ScalingPolicy,
    },
    PutScheduledAction {
        cluster: String,
        service: String,
        before: Option<ScheduledAction>,
        after: ScheduledAction,
    },
    DeleteScheduledAction {
        cluster: String,
        service: String,
        before: ScheduledAction,
    },
    /// ExecuteCommand (interactive): a session in a container, which the Session Manager
    /// plugin then opens.
    ExecuteCommand {
        cluster: String,
        task: String,
        container: String,
        command: String,
    },
    /// SSM StartSession with a port forwarding document on a container of a task:
    /// `local` on this machine to `remote` in the task (or on `host`, reached from it).
    Forward {
        cluster: String,
        task: String,
        container: String,
        /// The container's runtime id (part of the session's target).
        runtime_id: String,
        local: u16,
        remote: u16,
        host: Option<String>,
    },
}

/// What a mutation ended in, as AWS reported it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// UpdateService's answer: the service as AWS now has it (the new deployment first).
    Service(Box<Service>),
    /// RegisterTaskDefinition's answer.
    Registered {
        arn: String,
        revision: i32,
    },
    Done,
    /// ExecuteCommand's session, for the Session Manager plugin. The token is a secret:
    /// it never reaches the audit log or the screen.
    Session(Session),
    /// The answer was lost (`lost` says how) and reading the resource back showed the
    /// change was made: `outcome` is what the read-back found.
    Verified {
        outcome: Box<Outcome>,
        lost: String,
    },
}

impl Outcome {
    /// The outcome itself, whether it came in AWS's answer or from a read-back.
    pub fn settled(&self) -> &Outcome {
        match self {
            Outcome::Verified { outcome, .. } => outcome.settled(),
            other => other,
        }
    }

    /// How the answer was lost, when the outcome was learned by reading back.
    pub fn verified_after(&self) -> Option<&str> {
        match self {
            Outcome::Verified { lost, .. } => Some(lost),
            _ => None,
        }
    }

    /// A short JSON form for the audit log.
    pub fn audit(&self) -> Value {
        match self {
            Outcome::Verified { outcome, lost } => {
                let verified = format!(
                    "the answer was lost ({lost}); reading back showed the change was made"
                );
                match outcome.audit() {
                    Value::Object(mut fields) => {
                        fields.insert("verified".into(), Value::String(verified));
                        Value::Object(fields)
                    }
                    other => json!({"result": other, "verified": verified}),
                }
            }
            Outcome::Service(s) => json!({
                "desired": s.desired,
                "running": s.running,
                "task_definition": s.task_definition,
                "deployment": s.primary_deployment().map(|d| d.id.clone()),
            }),
            Outcome::Registered { arn, revision } => json!({"arn": arn, "revision": revision}),
            Outcome::Done => json!("ok"),
            Outcome::Session(s) => json!({"session": s.id}),
        }
    }
}

/// An ECS Exec session as ExecuteCommand answers it.
#[derive(Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub stream_url: String,
    pub token: String,
}

/// Never prints the token.
impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("stream_url", &self.stream_url)
            .finish_non_exhaustive()
    }
}

/// The Application Auto Scaling resource id of a service.
pub fn resource_id(cluster: &str, service: &str) -> String {
    // Across regions the dashboard names a cluster by its ARN; the resource id wants
    // its name.
    let cluster = crate::domain::model::arn_name(cluster);
    format!("service/{cluster}/{service}")
}

impl Mutation {
    /// The API call, for audit lines and messages.
    pub fn api(&self) -> &'static str {
        match self {
            Mutation::Scale { .. } | Mutation::Deploy { .. } => "UpdateService",
            Mutation::RegisterTaskDefinition { .. } => "RegisterTaskDefinition",
            Mutation::StopTask { .. } => "StopTask",
            Mutation::SetInstanceState { .. } => "UpdateContainerInstancesState",
            Mutation::PutScalableTarget { .. } => "RegisterScalableTarget",
            Mutation::DeleteScalableTarget { .. } => "DeregisterScalableTarget",
            Mutation::PutTargetTracking { .. } => "PutScalingPolicy",
            Mutation::DeletePolicy { .. } => "DeleteScalingPolicy",
            Mutation::PutScheduledAction { .. } => "PutScheduledAction",
            Mutation::DeleteScheduledAction { .. } => "DeleteScheduledAction",
            Mutation::ExecuteCommand { .. } => "ExecuteCommand",
            Mutation::Forward { .. } => "StartSession",
        }
    }

    /// A verb phrase naming what happens: "scale", "stop task", ...
    pub fn action(&self) -> &'static str {
        match self {
            Mutation::Scale { .. } => "scale service",
            Mutation::Deploy {
                force: true,
                from,
                to,
                ..
            } if from == to => "force a new deployment",
            Mutation::Deploy { .. } => "roll out task definition",
            Mutation::RegisterTaskDefinition { .. } => "register task definition",
            Mutation::StopTask { .. } => "stop task",
            Mutation::SetInstanceState {
                to: InstanceState::Draining,
                ..
            } => "drain instance",
            Mutation::SetInstanceState { .. } => "activate instance",
            Mutation::PutScalableTarget { before: None, .. } => "create scalable target",
            Mutation::PutScalableTarget { .. } => "update scalable target",
            Mutation::DeleteScalableTarget { .. } => "remove scalable target",
            Mutation::PutTargetTracking { before: None, .. } => "create scaling policy",
            Mutation::PutTargetTracking { .. } => "update scaling policy",
            Mutation::DeletePolicy { .. } => "delete scaling policy",
            Mutation::PutScheduledAction { before: None, .. } => "create scheduled action",
            Mutation::PutScheduledAction { .. } => "update scheduled action",
            Mutation::DeleteScheduledAction { .. } => "delete scheduled action",
            Mutation::ExecuteCommand { .. } => "run a command in a container",
            Mutation::Forward { .. } => "forward a port",
        }
    }

    /// The cluster everything here happens in.
    pub fn cluster(&self) -> &str {
        match self {
            Mutation::Scale { cluster, .. }
            | Mutation::Deploy { cluster, .. }
            | Mutation::StopTask { cluster, .. }
            | Mutation::SetInstanceState { cluster, .. }
            | Mutation::PutScalableTarget { cluster, .. }
            | Mutation::DeleteScalableTarget { cluster, .. }
            | Mutation::PutTargetTracking { cluster, .. }
            | Mutation::DeletePolicy { cluster, .. }
            | Mutation::PutScheduledAction { cluster, .. }
            | Mutation::DeleteScheduledAction { cluster, .. }
            | Mutation::ExecuteCommand { cluster, .. }
            | Mutation::Forward { cluster, .. } => cluster,
            Mutation::RegisterTaskDefinition { .. } => "",
        }
    }

    /// What says the region this happens in: the cluster, or for a registration the
    /// revision it was edited from (either may be an ARN).
    pub fn place(&self) -> &str {
        match self {
            Mutation::RegisterTaskDefinition { based_on, .. } => {
                based_on.as_deref().unwrap_or_default()
            }
            other => other.cluster(),
        }
    }

    /// The service an auto scaling change is about.
    pub fn scaling_service(&self) -> Option<(&str, &str)> {
        match self {
            Mutation::PutScalableTarget {
                cluster, service, ..
            }
            | Mutation::DeleteScalableTarget {
                cluster, service, ..
            }
            | Mutation::PutTargetTracking {
                cluster, service, ..
            }
            | Mutation::DeletePolicy {
                cluster, service, ..
            }
            | Mutation::PutScheduledAction {
                cluster, service, ..
            }
            | Mutation::DeleteScheduledAction {
                cluster, service, ..
            } => Some((cluster, service)),
            _ => None,
        }
    }

    /// What is changed, in words: "service api in cluster prod", "task abc123 ...".
    pub fn target(&self) -> String {
        let svc = |cluster: &str, service: &str| {
            format!("service {service} in cluster {}", cluster_label(cluster))
        };
        if let Some((cluster, service)) = self.scaling_service() {
            return svc(cluster, service);
        }
        match self {
            Mutation::Scale {
                cluster, service, ..
            }
            | Mutation::Deploy {
                cluster, service, ..
            } => svc(cluster, service),
            Mutation::RegisterTaskDefinition { family, .. } => {
                format!("task definition family {family}")
            }
            Mutation::StopTask { cluster, task, .. } => {
                format!(
                    "task {} in cluster {}",
                    crate::domain::model::arn_name(task),
                    cluster_label(cluster)
                )
            }
            Mutation::SetInstanceState {
                cluster, instance, ..
            } => format!(
                "container instance {} in cluster {}",
                crate::domain::model::arn_name(instance),
                cluster_label(cluster)
            ),
            Mutation::ExecuteCommand {
                cluster,
                task,
                container,
                ..
            }
            | Mutation::Forward {
                cluster,
                task,
                container,
                ..
            } => format!(
                "container {container} of task {} in cluster {}",
                crate::domain::model::arn_name(task),
                cluster_label(cluster)
            ),
            // Auto scaling changes returned above.
            _ => cluster_label(self.cluster()),
        }
    }

    /// Old value to new, one line per field that changes, for the confirmation.
    pub fn changes(&self) -> Vec<String> {
        let opt = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
        match self {
            Mutation::Scale { from, to, .. } => vec![format!("desired count: {from} → {to}")],
            Mutation::Deploy {
                from, to, force, ..
            } => {
                let mut lines = Vec::new();
                if from != to {
                    lines.push(format!(
                        "task definition: {} → {}",
                        crate::domain::model::arn_name(from),
                        crate::domain::model::arn_name(to)
                    ));
                }
                if *force {
                    lines.push("force a new deployment: every task is replaced".into());
                }
                lines
            }
            Mutation::RegisterTaskDefinition {
                family, based_on, ..
            } => vec![format!(
                "new revision of {family}{}",
                based_on
                    .as_deref()
                    .map(|b| format!(" (from {})", crate::domain::model::arn_name(b)))
                    .unwrap_or_default()
            )],
            Mutation::StopTask { reason, .. } => {
                vec![
                    format!("task: RUNNING → STOPPED"),
                    format!("reason: {reason}"),
                ]
            }
            Mutation::SetInstanceState { from, to, .. } => {
                vec![format!("status: {from} → {}", to.api_name())]
            }
            Mutation::PutScalableTarget { before, after, .. } => {
                let b = before.as_ref();
                let susp = |s: Option<&ScalableTarget>| {
                    s.map_or("-".to_string(), |t| suspended_words(&t.suspended))
                };
                let mut lines = Vec::new();
                if b.map(|b| b.min) != Some(after.min) {
                    lines.push(format!("min: {} → {}", opt(b.map(|b| b.min)), after.min));
                }
                if b.map(|b| b.max) != Some(after.max) {
                    lines.push(format!("max: {} → {}", opt(b.map(|b| b.max)), after.max));
                }
                if b.map(|b| b.suspended) != Some(after.suspended) {
                    lines.push(format!("suspended: {} → {}", susp(b), susp(Some(after))));
                }
                lines
            }
            Mutation::DeleteScalableTarget { before, .. } => vec![format!(
                "scalable target (min {}, max {}) and its policies → none",
                before.min, before.max
            )],
            Mutation::PutTargetTracking {
                name,
                before,
                after,
                ..
            } => vec![format!(
                "policy {name}: {} → {}",
                before
                    .as_ref()
                    .map_or("none".to_string(), target_tracking_words),
                target_tracking_words(after)
            )],
            Mutation::DeletePolicy { before, .. } => {
                let what = match &before.kind {
                    model::PolicyKind::TargetTracking(t) => target_tracking_words(t),
                    model::PolicyKind::Step(_) => "step scaling".to_string(),
                };
                vec![format!("policy {}: {what} → deleted", before.name)]
            }
            Mutation::PutScheduledAction { before, after, .. } => vec![format!(
                "scheduled action {}: {} → {}",
                after.name,
                before.as_ref().map_or("none".to_string(), scheduled_words),
                scheduled_words(after)
            )],
            Mutation::DeleteScheduledAction { before, .. } => vec![format!(
                "scheduled action {}: {} → deleted",
                before.name,
                scheduled_words(before)
            )],
            Mutation::ExecuteCommand { command, .. } => vec![format!("run: {command}")],
            Mutation::Forward {
                local,
                remote,
                host,
                ..
            } => vec![format!(
                "forward: localhost:{local} → {}:{remote}",
                host.as_deref().unwrap_or("the task")
            )],
        }
    }

    /// Before and after, as JSON, for the audit log.
    pub fn before_after(&self) -> (Value, Value) {
        fn to_json<T: Serialize>(v: &T) -> Value {
            serde_json::to_value(v).unwrap_or(Value::Null)
        }
        match self {
            Mutation::Scale { from, to, .. } => (json!(from), json!(to)),
            Mutation::Deploy {
                from, to, force, ..
            } => (
                json!({"task_definition": from}),
                json!({"task_definition": to, "force": force}),
            ),
            Mutation::RegisterTaskDefinition { based_on, json, .. } => {
                (json!(based_on), json.clone())
            }
            Mutation::StopTask { reason, .. } => (
                json!("RUNNING"),
                json!({"status": "STOPPED", "reason": reason}),
            ),
            Mutation::SetInstanceState { from, to, .. } => (json!(from), json!(to.api_name())),
            Mutation::PutScalableTarget { before, after, .. } => (to_json(before), to_json(after)),
            Mutation::DeleteScalableTarget { before, .. } => (to_json(before), Value::Null),
            Mutation::PutTargetTracking { before, after, .. } => (to_json(before), to_json(after)),
            Mutation::DeletePolicy { before, .. } => (to_json(before), Value::Null),
            Mutation::PutScheduledAction { before, after, .. } => (to_json(before), to_json(after)),
            Mutation::DeleteScheduledAction { before, .. } => (to_json(before), Value::Null),
            Mutation::ExecuteCommand { command, .. } => (Value::Null, json!({"command": command})),
            Mutation::Forward {
                local,
                remote,
                host,
                ..
            } => (
                Value::Null,
                json!({"local_port": local, "remote_port": remote, "host": host}),
            ),
        }
    }
}

/// Suspended states in words: "none", "scale-in", "scale-in, scheduled".
/// A target tracking policy in a few words: metric, target, scale-in.
pub fn target_tracking_words(t: &TargetTracking) -> String {
    format!(
        "{} target {}{}",
        t.metric.api_name(),
        t.target_value,
        if t.disable_scale_in {
            ", scale-in disabled"
        } else {
            ""
        }
    )
}

/// A scheduled action in a few words, its time zone always named (AWS reads the
/// schedule in UTC unless one is set).
pub fn scheduled_words(a: &ScheduledAction) -> String {
    let opt = |v: Option<i32>| v.map_or("-".to_string(), |v| v.to_string());
    format!(
        "{} {} min {} max {}",
        a.schedule,
        a.timezone.as_deref().unwrap_or("UTC"),
        opt(a.min),
        opt(a.max)
    )
}

pub fn suspended_words(s: &model::Suspended) -> String {
    let mut parts = Vec::new();
    if s.dynamic_in {
        parts.push("scale-in");
    }
    if s.dynamic_out {
        parts.push("scale-out");
    }
    if s.scheduled {
        parts.push("scheduled");
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod changes_tests {
    use super::*;
    use crate::ops::model::{PolicyKind, ScalingPolicy, TrackedMetric};

    fn action(timezone: Option<&str>) -> ScheduledAction {
        ScheduledAction {
            name: "night".into(),
            schedule: "cron(0 22 * * ? *)".into(),
            timezone: timezone.map(str::to_owned),
            min: Some(1),
            max: Some(2),
            start: None,
            end: None,
        }
    }

    /// Deletions say what goes, not "→ deleted" after nothing; schedules name their
    /// time zone (UTC when none is set).
    #[test]
    fn deletions_and_schedules_say_what_they_are() {
        let policy = ScalingPolicy {
            name: "cpu70".into(),
            arn: None,
            kind: PolicyKind::TargetTracking(TargetTracking {
                metric: TrackedMetric::Cpu,
                target_value: 70.0,
                scale_in_cooldown: None,
                scale_out_cooldown: None,
                disable_scale_in: false,
            }),
        };
        let m = Mutation::DeletePolicy {
            cluster: "prod".into(),
            service: "payments".into(),
            before: policy,
        };
        assert_eq!(
            m.changes(),
            ["policy cpu70: ECSServiceAverageCPUUtilization target 70 → deleted"]
        );
        let m = Mutation::DeleteScheduledAction {
            cluster: "prod".into(),
            service: "payments".into(),
            before: action(None),
        };
        assert_eq!(
            m.changes(),
            ["scheduled action night: cron(0 22 * * ? *) UTC min 1 max 2 → deleted"]
        );
        let m = Mutation::PutScheduledAction {
            cluster: "prod".into(),
            service: "payments".into(),
            before: None,
            after: action(Some("Europe/Paris")),
        };
        assert_eq!(
            m.changes(),
            ["scheduled action night: none → cron(0 22 * * ? *) Europe/Paris min 1 max 2"]
        );
    }
}
