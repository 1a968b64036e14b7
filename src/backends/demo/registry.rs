//! Task definition revisions as JSON: RegisterTaskDefinition input checked the way the
//! service checks it, kept exactly as sent, and described back with the fields AWS adds
//! (ARN, revision, status, required attributes, compatibilities, registration time).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::taskdef::ContainerPlan;
use crate::domain::model::{ContainerDefinition, LogConfiguration, PortMapping, TaskDefinition};
use crate::domain::{BackendError, BackendResult, ErrorKind};

const OPERATION: &str = "RegisterTaskDefinition";
const MAX_CONTAINERS: usize = 10;

/// One revision registered through RegisterTaskDefinition.
#[derive(Debug, Clone)]
pub(super) struct Registered {
    /// The request body, exactly as sent (tags included).
    pub json: Value,
    pub at: DateTime<Utc>,
    pub by: String,
    pub containers: Vec<ContainerPlan>,
    pub cpu: i32,
    pub memory: i32,
    pub awsvpc: bool,
    /// Runs on Fargate: awsvpc with task-level CPU and memory.
    pub fargate: bool,
    /// An image tag says the build is broken: its tasks fail their health checks.
    pub failing: bool,
}

fn invalid(message: impl Into<String>) -> BackendError {
    BackendError::new(ErrorKind::InvalidRequest, OPERATION, message)
}

fn valid_name(name: &str) -> bool {
    (1..=255).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// CPU units from `"512"`, `512` or `"0.5 vCPU"`.
fn cpu_units(v: &Value) -> Option<i32> {
    amount(v, &["vcpu"])
}

/// MiB from `"1024"`, `1024` or `"2 GB"`.
fn memory_mib(v: &Value) -> Option<i32> {
    amount(v, &["gb"])
}

fn amount(v: &Value, kilo_units: &[&str]) -> Option<i32> {
    if let Some(n) = v.as_i64() {
        return i32::try_from(n).ok().filter(|n| *n >= 0);
    }
    let text = v.as_str()?.trim().to_ascii_lowercase();
    let (number, scale) = match kilo_units.iter().find_map(|u| text.strip_suffix(u)) {
        Some(n) => (n.trim(), 1024.0),
        None => (text.as_str(), 1.0),
    };
    let n: f64 = number.parse().ok()?;
    let scaled = (n * scale).round();
    (scaled >= 0.0 && scaled <= f64::from(i32::MAX)).then_some(scaled as i32)
}

/// The image's tag (`repo/app:v1.2.3` -> `v1.2.3`), if it has one.
fn image_tag(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or(image);
    let last = last.split('@').next().unwrap_or(last);
    last.split_once(':').map(|(_, tag)| tag)
}

fn tag_says_broken(image: &str) -> bool {
    image_tag(image).is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t.contains("broken") || t.contains("bad")
    })
}

/// Checks a RegisterTaskDefinition body as the service would and reads what the
/// simulation needs from it: the family the body names, and the revision to keep.
pub(super) fn parse(
    body: &Value,
    at: DateTime<Utc>,
    by: &str,
) -> BackendResult<(String, Registered)> {
    let td = body
        .as_object()
        .ok_or_else(|| invalid("The request body must be a JSON object."))?;
    let family = match td.get("family") {
        None | Some(Value::Null) => {
            return Err(invalid("Missing required parameter in input: \"family\""));
        }
        Some(v) => v
            .as_str()
            .ok_or_else(|| invalid("Family must be a string."))?,
    };
    if !valid_name(family) {
        return Err(invalid(
            "Family name must be 1 to 255 letters, numbers, hyphens and underscores.",
        ));
    }
    let containers = match td.get("containerDefinitions") {
        None | Some(Value::Null) => {
            return Err(invalid(
                "Missing required parameter in input: \"containerDefinitions\"",
            ));
        }
        Some(v) => v
            .as_array()
            .ok_or_else(|| invalid("containerDefinitions must be a list."))?,
    };
    if containers.is_empty() {
        return Err(invalid("Container list cannot be empty."));
    }
    if containers.len() > MAX_CONTAINERS {
        return Err(invalid(format!(
            "Too many containers: a task definition can have at most {MAX_CONTAINERS}, this one has {}.",
            containers.len()
        )));
    }
    let task_cpu = match td.get("cpu") {
        None | Some(Value::Null) => None,
        Some(v) => Some(cpu_units(v).ok_or_else(|| invalid("Invalid 'cpu' setting for task."))?),
    };
    let task_memory = match td.get("memory") {
        None | Some(Value::Null) => None,
        Some(v) => {
            Some(memory_mib(v).ok_or_else(|| invalid("Invalid 'memory' setting for task."))?)
        }
    };
    let network_mode = td.get("networkMode").and_then(Value::as_str);
    let fargate = td
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_some_and(|c| c.iter().any(|c| c.as_str() == Some("FARGATE")));
    if fargate && network_mode != Some("awsvpc") {
        return Err(invalid("Fargate only supports network mode 'awsvpc'."));
    }
    if fargate && (task_cpu.is_none() || task_memory.is_none()) {
        return Err(invalid(
            "Fargate requires that 'cpu' and 'memory' be defined at the task level.",
        ));
    }
    let mut plans = Vec::with_capacity(containers.len());
    let mut names = BTreeSet::new();
    let (mut cpu_sum, mut memory_sum) = (0i32, 0i32);
    let mut failing = false;
    for c in containers {
        let c = c
            .as_object()
            .ok_or_else(|| invalid("Each container definition must be a JSON object."))?;
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid("Container.name should not be null or empty."))?;
        if !valid_name(name) {
            return Err(invalid(format!(
                "Container name {name} must be 1 to 255 letters, numbers, hyphens and underscores."
            )));
        }
        if !names.insert(name) {
            return Err(invalid(format!(
                "Container names must be unique within a task definition: {name} appears twice."
            )));
        }
        let image = c
            .get("image")
            .and_then(Value::as_str)
            .filter(|i| !i.is_empty())
            .ok_or_else(|| invalid("Container.image should not be null or empty."))?;
        let memory = c.get("memory").and_then(Value::as_i64);
        let reservation = c.get("memoryReservation").and_then(Value::as_i64);
        if task_memory.is_none() && memory.is_none() && reservation.is_none() {
            return Err(invalid(format!(
                "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."
            )));
        }
        if let (Some(task), Some(hard)) = (task_memory, memory)
            && hard > i64::from(task)
        {
            return Err(invalid(format!(
                "Invalid setting for container '{name}': its memory ({hard}) is more than the task's ({task})."
            )));
        }
        let container_cpu = c.get("cpu").and_then(Value::as_i64).unwrap_or(0);
        cpu_sum = cpu_sum.saturating_add(i32::try_from(container_cpu).unwrap_or(0));
        memory_sum = memory_sum
            .saturating_add(i32::try_from(memory.or(reservation).unwrap_or(0)).unwrap_or(0));
        failing |= tag_says_broken(image);
        plans.push(ContainerPlan {
            name: name.into(),
            image: image.into(),
            essential: c.get("essential").and_then(Value::as_bool).unwrap_or(true),
            health_check: c.get("healthCheck").is_some_and(Value::is_object),
        });
    }
    if !plans.iter().any(|p| p.essential) {
        return Err(invalid(
            "A task definition must have at least one essential container.",
        ));
    }
    Ok((
        family.to_string(),
        Registered {
            json: body.clone(),
            at,
            by: by.into(),
            containers: plans,
            cpu: task_cpu.unwrap_or(cpu_sum),
            memory: task_memory.unwrap_or(memory_sum),
            awsvpc: network_mode == Some("awsvpc"),
            fargate: network_mode == Some("awsvpc") && task_cpu.is_some() && task_memory.is_some(),
            failing,
        },
    ))
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(String::from)
}

fn int(v: Option<&Value>) -> Option<i32> {
    v.and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
}

impl Registered {
    /// The revision as the panes' model describes it.
    pub fn definition(&self, family: &str, revision: i32) -> TaskDefinition {
        let td = &self.json;
        let containers = td
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .map(|cs| cs.iter().map(container).collect())
            .unwrap_or_default();
        TaskDefinition {
            arn: super::ids::task_definition_arn(&format!("{family}:{revision}")),
            family: family.into(),
            revision,
            status: "ACTIVE".into(),
            task_role_arn: string(td.get("taskRoleArn")),
            execution_role_arn: string(td.get("executionRoleArn")),
            network_mode: string(td.get("networkMode")),
            cpu: td.get("cpu").and_then(cpu_units).map(|c| c.to_string()),
            memory: td.get("memory").and_then(memory_mib).map(|m| m.to_string()),
            requires_compatibilities: td
                .get("requiresCompatibilities")
                .and_then(Value::as_array)
                .map(|cs| {
                    cs.iter()
                        .filter_map(|c| c.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
            containers,
            registered_at: Some(self.at),
        }
    }
}

fn container(c: &Value) -> ContainerDefinition {
    let port_mappings = c
        .get("portMappings")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| PortMapping {
                    container_port: int(p.get("containerPort")),
                    host_port: int(p.get("hostPort")),
                    protocol: string(p.get("protocol")),
                })
                .collect()
        })
        .unwrap_or_default();
    let log_configuration = c.get("logConfiguration").and_then(|l| {
        let options: BTreeMap<String, String> = l
            .get("options")
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Some(LogConfiguration {
            driver: string(l.get("logDriver"))?,
            options,
        })
    });
    ContainerDefinition {
        name: string(c.get("name")).unwrap_or_default(),
        image: string(c.get("image")).unwrap_or_default(),
        essential: c.get("essential").and_then(Value::as_bool).unwrap_or(true),
        cpu: int(c.get("cpu")).unwrap_or(0),
        memory: int(c.get("memory")),
        memory_reservation: int(c.get("memoryReservation")),
        port_mappings,
        log_configuration,
    }
}

/// The attributes a container instance needs for this task definition, as DescribeTaskDefinition lists them.
fn requires_attributes(td: &Map<String, Value>) -> Vec<Value> {
    let mut names = BTreeSet::new();
    let containers = td
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    if td.contains_key("taskRoleArn") {
        names.insert("com.amazonaws.ecs.capability.task-iam-role");
    }
    if td.get("networkMode").and_then(Value::as_str) == Some("awsvpc") {
        names.insert("ecs.capability.task-eni");
    }
    let has_execution_role = td.contains_key("executionRoleArn");
    for c in containers {
        if c.pointer("/logConfiguration/logDriver")
            .and_then(Value::as_str)
            == Some("awslogs")
        {
            names.insert("com.amazonaws.ecs.capability.logging-driver.awslogs");
            names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.19");
            if has_execution_role {
                names.insert("ecs.capability.execution-role-awslogs");
            }
        }
        if c.pointer("/logConfiguration/logDriver")
            .and_then(Value::as_str)
            == Some("awsfirelens")
        {
            names.insert("com.amazonaws.ecs.capability.logging-driver.awsfirelens");
        }
        match c
            .pointer("/firelensConfiguration/type")
            .and_then(Value::as_str)
        {
            Some("fluentbit") => {
                names.insert("ecs.capability.firelens.fluentbit");
            }
            Some("fluentd") => {
                names.insert("ecs.capability.firelens.fluentd");
            }
            _ => {}
        }
        if c.get("healthCheck").is_some() {
            names.insert("ecs.capability.container-health-check");
            names.insert("com.amazonaws.ecs.capability.docker-remote-api.1.24");
        }
        if c.get("dependsOn").is_some() {
            names.insert("ecs.capability.container-ordering");
        }
        if c.get("image")
            .and_then(Value::as_str)
            .is_some_and(|i| i.contains(".dkr.ecr."))
        {
            names.insert("com.amazonaws.ecs.capability.ecr-auth");
            if has_execution_role {
                names.insert("ecs.capability.execution-role-ecr-pull");
            }
        }
        if c.get("secrets").is_some() {
            names.insert("ecs.capability.secrets.asm.environment-variables");
        }
    }
    names.into_iter().map(|n| json!({ "name": n })).collect()
}

/// What the task definition can run on: Fargate needs awsvpc and task-level sizes.
fn compatibilities(td: &Map<String, Value>) -> Value {
    let awsvpc = td.get("networkMode").and_then(Value::as_str) == Some("awsvpc");
    if awsvpc && td.contains_key("cpu") && td.contains_key("memory") {
        json!(["EC2", "FARGATE"])
    } else {
        json!(["EXTERNAL", "EC2"])
    }
}

/// A DescribeTaskDefinition answer (`include=[TAGS]`) for an input-shaped body: the
/// body's fields as they are, tags beside the definition, and the fields AWS adds.
pub(super) fn describe(
    body: &Value,
    arn: &str,
    revision: i32,
    at: DateTime<Utc>,
    by: &str,
) -> Value {
    let mut td = Map::new();
    td.insert("taskDefinitionArn".into(), json!(arn));
    let mut tags = Value::Array(Vec::new());
    if let Some(fields) = body.as_object() {
        for (k, v) in fields {
            if k == "tags" {
                tags = v.clone();
            } else {
                td.insert(k.clone(), v.clone());
            }
        }
    }
    td.insert("revision".into(), json!(revision));
    td.insert("status".into(), json!("ACTIVE"));
    td.insert(
        "requiresAttributes".into(),
        Value::Array(requires_attributes(&td)),
    );
    td.insert("compatibilities".into(), compatibilities(&td));
    // The API's timestamps are epoch seconds with milliseconds.
    td.insert(
        "registeredAt".into(),
        json!(at.timestamp_millis() as f64 / 1000.0),
    );
    td.insert("registeredBy".into(), json!(by));
    json!({ "taskDefinition": Value::Object(td), "tags": tags })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-03-14T09:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn body() -> Value {
        json!({
            "family": "web",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "0.5 vCPU",
            "memory": "1 GB",
            "containerDefinitions": [
                {"name": "app", "image": "123.dkr.ecr.eu-west-1.amazonaws.com/web:v1.2.3",
                 "healthCheck": {"command": ["CMD", "true"]},
                 "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}}},
                {"name": "sidecar", "image": "busybox", "essential": false, "memoryReservation": 64}
            ],
            "tags": [{"key": "team", "value": "web"}],
            "someFutureField": {"kept": true}
        })
    }

    #[test]
    fn a_valid_body_is_read_and_kept_as_sent() {
        let (family, r) = parse(&body(), at(), "me").unwrap();
        assert_eq!(family, "web");
        assert_eq!(
            (r.cpu, r.memory, r.awsvpc, r.failing),
            (512, 1024, true, false)
        );
        assert_eq!(r.json, body());
        assert!(r.containers[0].health_check && r.containers[0].essential);
        assert!(!r.containers[1].essential);
        let d = r.definition("web", 3);
        assert_eq!(d.cpu.as_deref(), Some("512"));
        assert_eq!(
            d.containers[0].log_configuration.as_ref().unwrap().options["awslogs-group"],
            "/ecs/web"
        );
        assert_eq!(d.containers[1].memory_reservation, Some(64));
    }

    #[test]
    fn describe_adds_what_aws_adds_and_register_shape_takes_it_away() {
        let (_, r) = parse(&body(), at(), "arn:aws:sts::1:assumed-role/x/y").unwrap();
        let described = describe(
            &r.json,
            "arn:aws:ecs:eu-west-1:1:task-definition/web:3",
            3,
            at(),
            &r.by,
        );
        let td = &described["taskDefinition"];
        assert_eq!(td["revision"], 3);
        assert_eq!(td["compatibilities"], json!(["EC2", "FARGATE"]));
        let attrs = td["requiresAttributes"].to_string();
        assert!(
            attrs.contains("ecs.capability.task-eni") && attrs.contains("container-health-check")
        );
        assert!(td.get("tags").is_none());
        assert_eq!(described["tags"], body()["tags"]);
        let back = crate::ops::taskdef::register_shape(&described).unwrap();
        assert_eq!(back, body());
    }

    #[test]
    fn broken_or_bad_image_tags_fail() {
        let mut b = body();
        b["containerDefinitions"][0]["image"] = json!("repo/web:v1.2.4-broken");
        assert!(parse(&b, at(), "me").unwrap().1.failing);
        b["containerDefinitions"][0]["image"] = json!("registry:5000/web:BAD-build");
        assert!(parse(&b, at(), "me").unwrap().1.failing);
        // A registry port or a repository name is not a tag.
        b["containerDefinitions"][0]["image"] = json!("bad-registry:5000/broken/web");
        assert!(!parse(&b, at(), "me").unwrap().1.failing);
    }

    #[test]
    fn invalid_bodies_get_aws_like_messages() {
        let err = |f: &dyn Fn(&mut Value)| {
            let mut b = body();
            f(&mut b);
            let e = parse(&b, at(), "me").unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidRequest);
            e.message
        };
        assert!(
            err(&|b| {
                b.as_object_mut().unwrap().remove("family");
            })
            .contains("\"family\"")
        );
        assert!(
            err(&|b| {
                b.as_object_mut().unwrap().remove("containerDefinitions");
            })
            .contains("\"containerDefinitions\"")
        );
        assert_eq!(
            err(&|b| b["containerDefinitions"] = json!([])),
            "Container list cannot be empty."
        );
        assert!(err(&|b| b["family"] = json!("no spaces")).contains("Family name"));
        assert!(
            err(&|b| b["containerDefinitions"][0]["image"] = json!("")).contains("Container.image")
        );
        assert!(err(&|b| b["containerDefinitions"][1]["name"] = json!("app")).contains("unique"));
        assert!(
            err(&|b| b["containerDefinitions"][0]["essential"] = json!(false))
                .contains("essential")
        );
        assert!(err(&|b| b["networkMode"] = json!("bridge")).contains("awsvpc"));
        assert!(
            err(&|b| {
                b.as_object_mut().unwrap().remove("memory");
                b["requiresCompatibilities"] = json!(["EC2"]);
            })
            .contains("memoryReservation")
        );
        assert!(
            err(&|b| b["containerDefinitions"][0]["memory"] = json!(4096))
                .contains("more than the task")
        );
        assert!(err(&|b| b["cpu"] = json!("lots")).contains("'cpu'"));
        let e = parse(&json!([1]), at(), "me").unwrap_err();
        assert!(e.message.contains("JSON object"));
    }
}
