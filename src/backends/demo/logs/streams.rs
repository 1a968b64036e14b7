//! The demo's log streams, read off the fleet: one per container of every task that has
//! started, named and grouped as the container's log configuration says: awslogs with
//! prefix `ecs` gives `ecs/<container>/<task-id>` in `/ecs/<family>`; a FireLens
//! application (`awsfirelens`, Fluent Bit's cloudwatch_logs output) gives
//! `<log_stream_prefix><container>-firelens-<task-id>` in its `log_group_name`. With each
//! stream come the moments that shape its lines: when it started, when it got SIGTERM or
//! crashed, and when it fell silent.
//!
//! Only what the fleet already knows is used. A crash known at step `s` only adds lines
//! at or after `s`, never before, so a line that was once visible never changes or
//! disappears as the simulation moves on.

use std::collections::HashMap;

use super::super::ids::{REGION, salt};
use super::super::state::{ClusterState, Fleet, TaskState};
use super::super::taskdef::{Family, parse_reference};
use super::lines::Kind;
use crate::domain::model::{ContainerDefinition, TaskDefinition};

/// How a container's stream ends, as far as the fleet knows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// Still running: lines go on up to the present.
    Running,
    /// Sent SIGTERM (scheduler stop, spot interruption, a sibling container crashing):
    /// a graceful-shutdown script, then silence.
    Sigterm { at_ms: i64 },
    /// The process ended by itself at `at_ms` with this exit code (137: OOM-killed).
    Exit { at_ms: i64, code: i32 },
}

/// One log stream and everything its lines are generated from.
#[derive(Debug, Clone)]
pub(super) struct StreamCtx {
    pub name: String,
    pub group: String,
    /// The service's (or batch family's) application name: picks the vocabulary.
    pub app: String,
    pub kind: Kind,
    /// Salt of the stream name: seeds every draw of this stream.
    pub salt: u64,
    /// The task's address (the awsvpc ENI, or the EC2 instance's).
    pub ip: String,
    /// Image tag of this container (`v2.31.3`), for start-up banners.
    pub version: String,
    pub start_ms: i64,
    pub ending: Ending,
    /// Load-balancer deregistration started here: traffic stops, the process lives on.
    pub drain_from_ms: Option<i64>,
    /// Mean lines per second in steady state.
    pub rate: f64,
    /// Emits terminal colour codes (a misconfigured logger; the sanitizer's job).
    pub ansi: bool,
    /// The broken datadog-agent sidecar: it logs errors instead of check runs.
    pub broken: bool,
    /// A FireLens router's output: the `(group, stream)` it writes the application's
    /// lines to.
    pub forwards_to: Option<(String, String)>,
}

/// Lines per second across a whole service's application containers: busy front doors a
/// few a second, quiet back-office workers one every few seconds or less.
fn service_rate(app: &str) -> f64 {
    match app {
        "api-gateway" | "event-ingest" => 6.0,
        "checkout" | "web-frontend" | "clickstream-consumer" => 4.0,
        "payments" | "orders" | "graphql-bff" | "cart" | "rate-limiter" => 3.0,
        "sitemap-generator" | "etl-scheduler" | "search-feeder" | "admin-console" => 0.1,
        "legacy-reporting" | "batch-report" | "pdf-renderer" => 0.3,
        _ => 1.0,
    }
}

/// Per-task application rate for a service running `desired` tasks; `staging` is quiet.
fn app_rate(app: &str, desired: i32, staging: bool) -> f64 {
    let tasks = f64::from(desired.max(1));
    let env = if staging { 0.2 } else { 1.0 };
    (service_rate(app) * env / tasks).clamp(0.02, 3.0)
}

fn colourful(app: &str) -> bool {
    // Spring Boot with ANSI output forced on, and pino-pretty left on in production.
    matches!(app, "checkout" | "web-frontend")
}

/// Every stream of `group` (in `region`) the fleet can account for now, by name; `None`
/// when no task definition of the fleet logs to that group.
pub(super) fn streams_of(fleet: &Fleet, region: &str, group: &str) -> Option<Vec<StreamCtx>> {
    if region != REGION {
        return None;
    }
    // Task definitions are immutable: each is read once per call, however many tasks run it.
    let mut definitions: HashMap<&str, Option<(&Family, TaskDefinition)>> = HashMap::new();
    let mut out = Vec::new();
    for cluster in &fleet.clusters {
        for (task, desired) in tasks_of(cluster) {
            let known = definitions
                .entry(&*task.task_definition)
                .or_insert_with(|| {
                    let (family, revision) = parse_reference(&task.task_definition);
                    let family = fleet.families.get(family)?;
                    let revision = revision?;
                    // Most of a large estate's revisions log elsewhere: their definitions
                    // are not built at all.
                    if !family.may_log_to(revision, group) {
                        return None;
                    }
                    Some((family, family.definition(revision)?))
                });
            if let Some((family, definition)) = known {
                push_task(&mut out, group, family, definition, desired, task);
            }
        }
    }
    if out.is_empty() && !group_exists(fleet, group) {
        return None;
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Some(out)
}

/// Whether a log group exists although no task has written to it yet: every family's
/// awslogs group, and the groups its latest revision names.
fn group_exists(fleet: &Fleet, group: &str) -> bool {
    let family_group = group
        .strip_prefix("/ecs/")
        .is_some_and(|name| fleet.families.contains_key(name));
    family_group
        || fleet.families.values().any(|f| {
            f.definition(f.latest).is_some_and(|d| {
                d.containers
                    .iter()
                    .any(|c| destination(c, "", "").is_some_and(|(g, _)| g == group))
            })
        })
}

fn option<'a>(c: &'a ContainerDefinition, key: &str) -> Option<&'a str> {
    c.log_configuration
        .as_ref()?
        .options
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Where a container of task `task_id` writes, as `(group, stream)`, when its log
/// configuration sends its lines to a CloudWatch group of the demo's region.
/// `runtime_id` names the stream of awslogs without a prefix (the Docker container id).
/// A FireLens output with a fixed `log_stream_name` (every task writing to one stream) is
/// not simulated.
pub(super) fn destination(
    c: &ContainerDefinition,
    task_id: &str,
    runtime_id: &str,
) -> Option<(String, String)> {
    let driver = c.log_configuration.as_ref()?.driver.as_str();
    match driver {
        "awslogs" => {
            if option(c, "awslogs-region").is_some_and(|r| r != REGION) {
                return None;
            }
            let group = option(c, "awslogs-group")?;
            let stream = match option(c, "awslogs-stream-prefix") {
                Some(prefix) => format!("{prefix}/{}/{task_id}", c.name),
                None => runtime_id.to_owned(),
            };
            Some((group.to_owned(), stream))
        }
        "awsfirelens" => {
            let output = option(c, "Name").or_else(|| option(c, "name"))?;
            if !matches!(output, "cloudwatch_logs" | "cloudwatch")
                || option(c, "region").is_some_and(|r| r != REGION)
            {
                return None;
            }
            let group = option(c, "log_group_name")?;
            let prefix = option(c, "log_stream_prefix")?;
            Some((
                group.to_owned(),
                format!("{prefix}{}-firelens-{task_id}", c.name),
            ))
        }
        _ => None,
    }
}

fn tasks_of(cluster: &ClusterState) -> impl Iterator<Item = (&TaskState, i32)> {
    let services = cluster
        .services
        .iter()
        .flat_map(|s| s.tasks.iter().map(move |t| (t, s.desired)));
    services.chain(cluster.standalone.iter().map(|t| (t, 1)))
}

/// The streams of `group` one task writes.
fn push_task(
    out: &mut Vec<StreamCtx>,
    group: &str,
    family: &Family,
    definition: &TaskDefinition,
    desired: i32,
    t: &TaskState,
) {
    let Some(started) = t.started_at else {
        // Never started: no container ever wrote a line, so no stream exists.
        return;
    };
    let app = family.app.as_str();
    let definitions: Vec<Option<&ContainerDefinition>> = t
        .containers
        .iter()
        .map(|c| definition.containers.iter().find(|d| d.name == c.plan.name))
        .collect();
    let destinations: Vec<Option<(String, String)>> = t
        .containers
        .iter()
        .zip(&definitions)
        .map(|(c, def)| destination((*def)?, &t.id, &c.runtime_id))
        .collect();
    if !destinations.iter().flatten().any(|(g, _)| g == group) {
        return;
    }
    // Where the task's FireLens router sends the application's lines, for its own lines.
    let forwarded = definitions
        .iter()
        .zip(&destinations)
        .find(|(def, _)| {
            def.and_then(|d| d.log_configuration.as_ref())
                .is_some_and(|l| l.driver == "awsfirelens")
        })
        .and_then(|(_, dest)| dest.clone());
    let start_ms = started.timestamp_millis();
    let stopping_ms = t.stopping_at.map(|at| at.timestamp_millis());
    let essential_exit = t.stop_code.as_deref() == Some("EssentialContainerExited");
    let app_exit = t
        .containers
        .first()
        .and_then(|c| c.exit_code)
        .filter(|_| essential_exit);
    // Behind a load balancer a scheduler stop first deregisters for `drain_secs`; only
    // then does ECS send SIGTERM.
    let drained =
        !essential_exit && t.drain_secs.is_some() && stopping_ms.is_some_and(|s| s >= start_ms);
    let drain_ms = t
        .drain_secs
        .map_or(0, |d| i64::try_from(d).unwrap_or(0) * 1000);
    let staging = family.name.ends_with("-staging");
    for (i, (c, dest)) in t.containers.iter().zip(destinations).enumerate() {
        let Some((container_group, name)) = dest else {
            continue;
        };
        if container_group != group {
            continue;
        }
        let salt = salt(&name);
        let ending = match (stopping_ms, app_exit) {
            (None, _) => Ending::Running,
            (Some(at), Some(code)) if i == 0 => Ending::Exit {
                // ECS noticed within the second; the process died a little after the step.
                at_ms: at + 300 + i64::try_from(salt % 500).unwrap_or(0),
                code,
            },
            // The other containers are stopped once the essential one has gone.
            (Some(at), Some(_)) => Ending::Sigterm { at_ms: at + 500 },
            (Some(at), None) if drained => Ending::Sigterm {
                at_ms: at + drain_ms,
            },
            (Some(at), None) => Ending::Sigterm { at_ms: at },
        };
        let kind = Kind::of(app, &c.plan.name);
        let rate = match kind {
            Kind::Envoy => app_rate(app, desired, staging) * 0.8,
            Kind::Datadog => 0.12,
            Kind::FluentBit => 0.05,
            _ => app_rate(app, desired, staging),
        };
        out.push(StreamCtx {
            group: group.to_owned(),
            app: app.to_owned(),
            kind,
            salt,
            ip: t.private_ip.to_string(),
            version: c
                .plan
                .image
                .rsplit_once(':')
                .map_or("latest", |(_, tag)| tag)
                .to_owned(),
            start_ms,
            ending,
            drain_from_ms: stopping_ms.filter(|_| drained),
            rate,
            ansi: i == 0 && colourful(app),
            broken: c.unhealthy,
            forwards_to: forwarded.clone().filter(|_| kind == Kind::FluentBit),
            name,
        });
    }
}

impl StreamCtx {
    /// The last moment this stream can have a line, if it is known yet.
    pub fn end_ms(&self) -> Option<i64> {
        match self.ending {
            Ending::Running => None,
            Ending::Sigterm { at_ms } => Some(at_ms + super::lines::SHUTDOWN_SPAN_MS),
            Ending::Exit { at_ms, .. } => Some(at_ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::LogConfiguration;

    fn container(name: &str, driver: &str, options: &[(&str, &str)]) -> ContainerDefinition {
        ContainerDefinition {
            name: name.into(),
            image: "img".into(),
            essential: true,
            cpu: 0,
            memory: None,
            memory_reservation: Some(64),
            port_mappings: Vec::new(),
            log_configuration: Some(LogConfiguration {
                driver: driver.into(),
                options: options
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            }),
        }
    }

    fn at(c: &ContainerDefinition) -> Option<(String, String)> {
        destination(c, "0a1b", "d0cker1d")
    }

    fn pair(group: &str, stream: &str) -> Option<(String, String)> {
        Some((group.to_owned(), stream.to_owned()))
    }

    #[test]
    fn awslogs_streams_follow_the_prefix_or_the_docker_id() {
        let with_prefix = [
            ("awslogs-group", "/ecs/web"),
            ("awslogs-region", REGION),
            ("awslogs-stream-prefix", "svc"),
        ];
        assert_eq!(
            at(&container("web", "awslogs", &with_prefix)),
            pair("/ecs/web", "svc/web/0a1b")
        );
        let no_prefix = [("awslogs-group", "/ecs/web")];
        assert_eq!(
            at(&container("web", "awslogs", &no_prefix)),
            pair("/ecs/web", "d0cker1d")
        );
        let elsewhere = [
            ("awslogs-group", "/ecs/web"),
            ("awslogs-region", "us-east-1"),
        ];
        assert_eq!(at(&container("web", "awslogs", &elsewhere)), None);
        assert_eq!(at(&container("web", "awslogs", &[])), None);
    }

    #[test]
    fn firelens_streams_are_the_prefix_and_the_tag() {
        let options = [
            ("Name", "cloudwatch_logs"),
            ("region", REGION),
            ("log_group_name", "/fl/web"),
            ("log_stream_prefix", "from-fluent-bit-"),
        ];
        assert_eq!(
            at(&container("web", "awsfirelens", &options)),
            pair("/fl/web", "from-fluent-bit-web-firelens-0a1b")
        );
        // One fixed stream for every task, another output, another region: not simulated.
        let fixed = [
            ("Name", "cloudwatch_logs"),
            ("log_group_name", "/fl/web"),
            ("log_stream_name", "all-tasks"),
        ];
        assert_eq!(at(&container("web", "awsfirelens", &fixed)), None);
        let firehose = [("Name", "firehose"), ("delivery_stream", "s")];
        assert_eq!(at(&container("web", "awsfirelens", &firehose)), None);
        let mut far = options;
        far[1] = ("region", "us-east-2");
        assert_eq!(at(&container("web", "awsfirelens", &far)), None);
        assert_eq!(
            at(&container("web", "splunk", &[("splunk-url", "x")])),
            None
        );
    }
}
