//! Task definition families of the demo fleet. A generated revision is a pure function of
//! its family and number, so every revision up to the latest can be described without
//! storing it; revisions registered through RegisterTaskDefinition are kept as their JSON
//! (`registry`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::catalog::Sidecar;
use super::ids::{ACCOUNT, REGION, role_arn, salt, task_definition_arn};
use super::registry::Registered;
use crate::domain::model::{ContainerDefinition, LogConfiguration, PortMapping, TaskDefinition};

const ENVOY_IMAGE: &str =
    "840364872350.dkr.ecr.eu-west-1.amazonaws.com/aws-appmesh-envoy:v1.29.6.0-prod";
const DATADOG_IMAGE: &str = "public.ecr.aws/datadog/agent:7.54.1";
const FLUENT_BIT_IMAGE: &str = "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4";

/// The FireLens router's container name, as the AWS examples and most estates call it.
pub(super) const LOG_ROUTER: &str = "log_router";
/// Fluent Bit's cloudwatch_logs output names a stream `log_stream_prefix` followed by the
/// record's tag, which FireLens sets to `<container>-firelens-<task-id>`.
const FIRELENS_STREAM_PREFIX: &str = "fluent-bit-";

#[derive(Debug, Clone)]
pub(super) struct Family {
    pub name: String,
    /// The application container's name and ECR repository (the service's own name).
    pub app: String,
    pub latest: i32,
    pub ec2: bool,
    pub cpu: i32,
    pub memory: i32,
    pub port: Option<i32>,
    pub sidecars: Vec<Sidecar>,
    /// Image versions are `v<major>.<minor>.<patch>`, moving on with each revision.
    pub major: u32,
    /// Whether revisions 1..=latest not in `registered` are generated from the fields
    /// above; a family first made by RegisterTaskDefinition has only registered ones.
    pub synthetic: bool,
    /// Revisions registered through RegisterTaskDefinition, kept as sent.
    pub registered: BTreeMap<i32, Registered>,
    /// Generated revisions whose application never passes its health checks.
    pub failing: BTreeSet<i32>,
    /// The revision the estate started on and when it was registered; older generated
    /// revisions are spaced back from it.
    pub base: (i32, DateTime<Utc>),
    /// When generated revisions after `base` were registered.
    pub registered_at: BTreeMap<i32, DateTime<Utc>>,
}

/// One container of a running task as the simulation tracks it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ContainerPlan {
    pub name: String,
    pub image: String,
    pub essential: bool,
    pub health_check: bool,
}

impl Family {
    /// A generated family as the estate starts with it: revisions 1..=`latest`, the
    /// latest registered at `registered`.
    #[allow(clippy::too_many_arguments)]
    pub fn generated(
        name: String,
        app: String,
        latest: i32,
        ec2: bool,
        (cpu, memory): (i32, i32),
        port: Option<i32>,
        sidecars: Vec<Sidecar>,
        major: u32,
        registered: DateTime<Utc>,
    ) -> Family {
        Family {
            name,
            app,
            latest,
            ec2,
            cpu,
            memory,
            port,
            sidecars,
            major,
            synthetic: true,
            registered: BTreeMap::new(),
            failing: BTreeSet::new(),
            base: (latest, registered),
            registered_at: BTreeMap::new(),
        }
    }

    /// A family first made by RegisterTaskDefinition.
    pub fn from_registration(name: &str, app: &str) -> Family {
        Family {
            name: name.into(),
            app: app.into(),
            latest: 0,
            ec2: false,
            cpu: 0,
            memory: 0,
            port: None,
            sidecars: Vec::new(),
            major: 1,
            synthetic: false,
            registered: BTreeMap::new(),
            failing: BTreeSet::new(),
            base: (0, DateTime::<Utc>::MIN_UTC),
            registered_at: BTreeMap::new(),
        }
    }

    pub fn revision_name(&self, revision: i32) -> String {
        format!("{}:{revision}", self.name)
    }

    /// Whether the revision exists (registered, or generated up to the latest).
    pub fn exists(&self, revision: i32) -> bool {
        self.registered.contains_key(&revision)
            || (self.synthetic && (1..=self.latest).contains(&revision))
    }

    /// Every revision, newest first.
    pub fn revisions(&self) -> Vec<i32> {
        (1..=self.latest)
            .rev()
            .filter(|&r| self.exists(r))
            .collect()
    }

    /// Task-level CPU units and memory (MiB) of a revision: what placement reserves.
    pub fn size(&self, revision: i32) -> (i32, i32) {
        match self.registered.get(&revision) {
            Some(r) => (r.cpu, r.memory),
            None => (self.cpu, self.memory),
        }
    }

    /// Whether the revision's tasks get their own network interface (awsvpc).
    pub fn awsvpc(&self, revision: i32) -> bool {
        self.registered
            .get(&revision)
            .map_or(!self.ec2, |r| r.awsvpc)
    }

    /// Whether the revision can run on Fargate.
    pub fn fargate_compatible(&self, revision: i32) -> bool {
        self.registered
            .get(&revision)
            .map_or(!self.ec2, |r| r.fargate)
    }

    /// Whether the revision's tasks fail their health checks (or exit at once).
    pub fn is_failing(&self, revision: i32) -> bool {
        self.failing.contains(&revision)
            || self.registered.get(&revision).is_some_and(|r| r.failing)
    }

    /// When the revision was registered.
    pub fn registered_time(&self, revision: i32) -> DateTime<Utc> {
        if let Some(r) = self.registered.get(&revision) {
            return r.at;
        }
        if let Some(at) = self.registered_at.get(&revision) {
            return *at;
        }
        let (base, at) = self.base;
        // Older revisions a day or three apart, the same for every look.
        let back: i64 = (revision..base)
            .map(|r| 20 + i64::try_from(salt(&self.revision_name(r)) % 52).unwrap_or(0))
            .sum();
        at - Duration::hours(back)
    }

    /// Whether a task of `revision` can log to `group` at all: a registered revision may
    /// name any group; a generated one logs to the family's group (`log_group`) and, for a
    /// FireLens application, to its FireLens group (`firelens_group`).
    pub fn may_log_to(&self, revision: i32, group: &str) -> bool {
        if self.registered.contains_key(&revision) {
            return true;
        }
        group.strip_prefix("/ecs/").is_some_and(|rest| {
            rest == self.name
                || (self.firelens() && rest.strip_prefix("firelens/") == Some(self.name.as_str()))
        })
    }

    pub fn log_group(&self) -> String {
        format!("/ecs/{}", self.name)
    }

    fn app_image(&self, revision: i32) -> String {
        // Spread revisions over minor/patch numbers so neighbouring revisions differ.
        let minor = revision / 4;
        let patch = revision % 4;
        format!(
            "{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{}:v{}.{minor}.{patch}",
            self.app, self.major
        )
    }

    /// The containers a task of this revision runs, application first.
    pub fn containers(&self, revision: i32) -> Vec<ContainerPlan> {
        if let Some(r) = self.registered.get(&revision) {
            return r.containers.clone();
        }
        let mut out = vec![ContainerPlan {
            name: self.app.clone(),
            image: self.app_image(revision),
            essential: true,
            // Services behind a load balancer get a container health check too.
            health_check: self.port.is_some(),
        }];
        for sidecar in &self.sidecars {
            out.push(match sidecar {
                Sidecar::Envoy => ContainerPlan {
                    name: "envoy".into(),
                    image: ENVOY_IMAGE.into(),
                    essential: true,
                    health_check: true,
                },
                Sidecar::Datadog => ContainerPlan {
                    name: "datadog-agent".into(),
                    image: DATADOG_IMAGE.into(),
                    essential: false,
                    health_check: true,
                },
                // Essential: without its router the application's logs go nowhere.
                Sidecar::FireLens => ContainerPlan {
                    name: LOG_ROUTER.into(),
                    image: FLUENT_BIT_IMAGE.into(),
                    essential: true,
                    health_check: false,
                },
            });
        }
        out
    }

    /// The definition as DescribeTaskDefinition would return it, or `None` past the latest.
    pub fn definition(&self, revision: i32) -> Option<TaskDefinition> {
        if let Some(r) = self.registered.get(&revision) {
            return Some(r.definition(&self.name, revision));
        }
        if !self.exists(revision) {
            return None;
        }
        let sidecar_memory: i32 = self.sidecars.iter().map(|s| sidecar_size(*s).1).sum();
        let sidecar_cpu: i32 = self.sidecars.iter().map(|s| sidecar_size(*s).0).sum();
        let containers = self
            .containers(revision)
            .into_iter()
            .map(|c| {
                let is_app = c.name == self.app;
                let (cpu, reservation) =
                    match self.sidecars.iter().find(|s| sidecar_name(**s) == c.name) {
                        Some(s) => sidecar_size(*s),
                        None => (self.cpu - sidecar_cpu, self.memory - sidecar_memory),
                    };
                ContainerDefinition {
                    port_mappings: self.ports(&c.name, is_app),
                    log_configuration: Some(self.log_configuration(is_app)),
                    name: c.name,
                    image: c.image,
                    essential: c.essential,
                    cpu,
                    // The application gets a hard limit at the task's size: going past it is
                    // what the OOM-killed worker does.
                    memory: is_app.then_some(self.memory),
                    memory_reservation: Some(reservation),
                }
            })
            .collect();
        let family_revision = self.revision_name(revision);
        Some(TaskDefinition {
            arn: task_definition_arn(&family_revision),
            family: self.name.clone(),
            revision,
            status: "ACTIVE".into(),
            task_role_arn: Some(role_arn(&format!("{}-task", self.name))),
            execution_role_arn: Some(role_arn("ecsTaskExecutionRole")),
            network_mode: Some(if self.ec2 { "bridge" } else { "awsvpc" }.into()),
            cpu: Some(self.cpu.to_string()),
            memory: Some(self.memory.to_string()),
            requires_compatibilities: vec![if self.ec2 { "EC2" } else { "FARGATE" }.into()],
            containers,
            registered_at: Some(self.registered_time(revision)),
        })
    }

    pub(super) fn ports(&self, container: &str, is_app: bool) -> Vec<PortMapping> {
        let ports: Vec<(i32, &str)> = match container {
            _ if is_app => self.port.map(|p| (p, "tcp")).into_iter().collect(),
            "envoy" => vec![(9901, "tcp")],
            "datadog-agent" => vec![(8125, "udp"), (8126, "tcp")],
            _ => Vec::new(),
        };
        ports
            .into_iter()
            .map(|(port, protocol)| PortMapping {
                container_port: Some(port),
                // Bridge networking maps to dynamic host ports (so two tasks can share an
                // instance); awsvpc must mirror the container port.
                host_port: Some(if self.ec2 { 0 } else { port }),
                protocol: Some(protocol.into()),
            })
            .collect()
    }

    /// Where a FireLens application's lines go: a group Fluent Bit writes to, apart from
    /// the family's awslogs group.
    pub fn firelens_group(&self) -> String {
        format!("/ecs/firelens/{}", self.name)
    }

    /// Whether the application logs through a FireLens router.
    pub fn firelens(&self) -> bool {
        self.sidecars.contains(&Sidecar::FireLens)
    }

    /// A generated container's log configuration: awslogs into the family's group, or, for
    /// the application of a family with a log router, `awsfirelens` options that Fluent
    /// Bit's cloudwatch_logs output reads (`log_key` sends the bare line, not the record).
    pub(super) fn log_configuration(&self, is_app: bool) -> LogConfiguration {
        let (driver, options): (&str, Vec<(&str, String)>) = if is_app && self.firelens() {
            (
                "awsfirelens",
                vec![
                    ("Name", "cloudwatch_logs".into()),
                    ("region", REGION.into()),
                    ("log_group_name", self.firelens_group()),
                    ("log_stream_prefix", FIRELENS_STREAM_PREFIX.into()),
                    ("auto_create_group", "true".into()),
                    ("log_key", "log".into()),
                ],
            )
        } else {
            (
                "awslogs",
                vec![
                    ("awslogs-group", self.log_group()),
                    ("awslogs-region", REGION.into()),
                    ("awslogs-stream-prefix", "ecs".into()),
                ],
            )
        };
        LogConfiguration {
            driver: driver.into(),
            options: options
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        }
    }
}

fn sidecar_name(sidecar: Sidecar) -> &'static str {
    match sidecar {
        Sidecar::Envoy => "envoy",
        Sidecar::Datadog => "datadog-agent",
        Sidecar::FireLens => LOG_ROUTER,
    }
}

/// CPU units and memory reservation (MiB) a sidecar takes out of the task's share.
fn sidecar_size(sidecar: Sidecar) -> (i32, i32) {
    match sidecar {
        Sidecar::Envoy => (64, 128),
        Sidecar::Datadog => (64, 256),
        Sidecar::FireLens => (32, 64),
    }
}

/// Splits `family:revision` (or a task definition ARN) into its parts; a bare family
/// means its latest revision.
pub(super) fn parse_reference(reference: &str) -> (&str, Option<i32>) {
    let tail = reference
        .strip_prefix("arn:")
        .and_then(|_| reference.rsplit_once('/').map(|(_, t)| t))
        .unwrap_or(reference);
    match tail.rsplit_once(':') {
        Some((family, rev)) => match rev.parse() {
            Ok(rev) => (family, Some(rev)),
            Err(_) => (tail, None),
        },
        None => (tail, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family() -> Family {
        Family::generated(
            "payments".into(),
            "payments".into(),
            12,
            true,
            (512, 1024),
            Some(8080),
            vec![Sidecar::Envoy, Sidecar::Datadog],
            3,
            DateTime::parse_from_rfc3339("2025-03-01T10:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        )
    }

    #[test]
    fn revisions_within_latest_only() {
        let f = family();
        assert!(f.definition(0).is_none());
        assert!(f.definition(13).is_none());
        let d = f.definition(12).unwrap();
        assert_eq!(
            d.arn,
            "arn:aws:ecs:eu-west-1:123456789012:task-definition/payments:12"
        );
        assert_eq!(d.containers.len(), 3);
        assert_ne!(
            d.containers[0].image,
            f.definition(11).unwrap().containers[0].image
        );
    }

    #[test]
    fn older_revisions_were_registered_earlier() {
        let f = family();
        assert_eq!(f.registered_time(12), f.base.1);
        assert!(f.registered_time(11) < f.registered_time(12));
        assert!(f.registered_time(1) < f.registered_time(11));
        assert_eq!(f.revisions().first(), Some(&12));
        assert_eq!(f.revisions().len(), 12);
        assert!(!f.exists(13) && !f.exists(0));
    }

    #[test]
    fn memory_reservations_fit_the_task() {
        let d = family().definition(5).unwrap();
        let reserved: i32 = d
            .containers
            .iter()
            .filter_map(|c| c.memory_reservation)
            .sum();
        assert_eq!(reserved, 1024);
        let cpu: i32 = d.containers.iter().map(|c| c.cpu).sum();
        assert_eq!(cpu, 512);
        assert!(d.containers.iter().any(|c| !c.essential));
    }

    #[test]
    fn a_generated_revision_logs_only_where_may_log_to_says() {
        for sidecars in [
            vec![Sidecar::Envoy, Sidecar::Datadog],
            vec![Sidecar::FireLens],
        ] {
            let f = Family {
                sidecars,
                ..family()
            };
            let d = f.definition(5).unwrap();
            for c in &d.containers {
                let options = &c.log_configuration.as_ref().unwrap().options;
                let group = options
                    .get("awslogs-group")
                    .or_else(|| options.get("log_group_name"))
                    .unwrap();
                assert!(f.may_log_to(5, group), "{} logs to {group}", c.name);
            }
            assert!(!f.may_log_to(5, "/ecs/checkout"));
            assert!(!f.may_log_to(5, "/ecs/firelens/checkout"));
        }
    }

    #[test]
    fn references() {
        assert_eq!(parse_reference("checkout:7"), ("checkout", Some(7)));
        assert_eq!(parse_reference("checkout"), ("checkout", None));
        assert_eq!(
            parse_reference("arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout:7"),
            ("checkout", Some(7))
        );
    }
}
