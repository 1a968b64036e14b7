//! The task-level rules and the rules that span containers. Per-container rules are in
//! `container.rs`. Each rule adds a `Finding` naming the field it concerns.

use serde_json::{Map, Value};

use super::container::{self, ContainerFacts};
use super::size;
use crate::ops::taskdef::DESCRIBE_ONLY;
use crate::ops::taskdef::path::JsonPath;

/// ECS's limit on containers in one task definition.
pub const MAX_CONTAINERS: usize = 10;
const NETWORK_MODES: [&str; 4] = ["bridge", "host", "awsvpc", "none"];
const COMPATIBILITIES: [&str; 4] = ["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"];

/// One broken rule: the field it concerns, and where to show it when that field is absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: JsonPath,
    /// Where to point when `path` does not exist in the text (a missing field).
    pub anchor: Option<JsonPath>,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    /// A problem with a field that is there.
    pub fn at(&mut self, path: JsonPath, message: impl Into<String>) {
        self.0.push(Finding {
            path,
            anchor: None,
            message: message.into(),
        });
    }

    /// A problem with a field that is absent, shown at `anchor`.
    pub fn missing(&mut self, path: JsonPath, anchor: JsonPath, message: impl Into<String>) {
        self.0.push(Finding {
            path,
            anchor: Some(anchor),
            message: message.into(),
        });
    }
}

/// What the container rules need to know about the task around them.
#[derive(Debug, Default)]
pub struct Task<'a> {
    pub fargate: bool,
    pub network_mode: Option<&'a str>,
    /// Task-level cpu (units) and memory (MiB), when given and readable.
    pub cpu: Option<u64>,
    pub memory: Option<u64>,
    /// Whether the document has task-level memory at all (readable or not).
    pub memory_given: bool,
    /// Names of the declared volumes.
    pub volumes: Vec<&'a str>,
    /// Each container's name, by index (None when it has none).
    pub container_names: Vec<Option<&'a str>>,
}

/// A value's JSON type in words, for messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A member, treating `null` as absent (ECS reads an explicit null as "not set").
pub fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A string member; reports another type and returns None.
pub fn string_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &JsonPath,
    out: &mut Findings,
) -> Option<&'a str> {
    let v = field(obj, key)?;
    match v.as_str() {
        Some(s) => Some(s),
        None => {
            out.at(
                path.key(key),
                format!("{key} must be a string, not {}", kind(v)),
            );
            None
        }
    }
}

/// A list member; reports another type and returns None.
pub fn array_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &JsonPath,
    out: &mut Findings,
) -> Option<&'a Vec<Value>> {
    let v = field(obj, key)?;
    match v.as_array() {
        Some(a) => Some(a),
        None => {
            out.at(
                path.key(key),
                format!("{key} must be a list, not {}", kind(v)),
            );
            None
        }
    }
}

/// An object member; reports another type and returns None.
pub fn object_field<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &JsonPath,
    out: &mut Findings,
) -> Option<&'a Map<String, Value>> {
    let v = field(obj, key)?;
    match v.as_object() {
        Some(o) => Some(o),
        None => {
            out.at(
                path.key(key),
                format!("{key} must be an object, not {}", kind(v)),
            );
            None
        }
    }
}

/// A whole number member within `min..=max`; reports anything else and returns None.
pub fn int_field(
    obj: &Map<String, Value>,
    key: &str,
    path: &JsonPath,
    (min, max): (i64, i64),
    out: &mut Findings,
) -> Option<i64> {
    let v = field(obj, key)?;
    let here = path.key(key);
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => Some(i),
            Some(_) => {
                out.at(
                    here,
                    format!("{key} must be between {min} and {max}, not {n}"),
                );
                None
            }
            None if n.is_u64() => {
                out.at(
                    here,
                    format!("{key} must be between {min} and {max}, not {n}"),
                );
                None
            }
            None => {
                out.at(here, format!("{key} must be a whole number, not {n}"));
                None
            }
        },
        Value::String(s) => {
            out.at(
                here,
                format!("{key} must be a number, not a string: write {s} without quotes"),
            );
            None
        }
        other => {
            out.at(here, format!("{key} must be a number, not {}", kind(other)));
            None
        }
    }
}

/// ECS names (family, container, volume): letters, digits, hyphens and underscores, 1 to
/// 255 of them. Returns what is wrong.
pub fn name_problem(what: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!("{what} must not be empty"));
    }
    let count = name.chars().count();
    if count > 255 {
        return Some(format!(
            "{what} is {count} characters long; at most 255 are allowed"
        ));
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        .map(|c| {
            format!(
                "{what} {name:?} has {:?}: only letters, digits, hyphens and underscores are allowed",
                c
            )
        })
}

/// Runs every rule over a parsed document.
pub fn check_document(doc: &Value, out: &mut Findings) {
    let root = JsonPath::root();
    let Some(obj) = doc.as_object() else {
        out.at(
            root,
            format!(
                "a task definition is a JSON object ({{ ... }}), not {}",
                kind(doc)
            ),
        );
        return;
    };

    let wrapped = obj.contains_key("taskDefinition") && !obj.contains_key("family");
    if wrapped {
        out.at(
            root.key("taskDefinition"),
            "this is a DescribeTaskDefinition answer: register the object inside taskDefinition \
             (without its describe-only fields) instead",
        );
        return;
    }
    for key in obj.keys() {
        if DESCRIBE_ONLY.contains(&key.as_str()) {
            out.at(
                root.key(key),
                format!(
                    "{key} is part of DescribeTaskDefinition's answer, which \
                     RegisterTaskDefinition refuses: remove it"
                ),
            );
        }
    }

    check_family(obj, out);
    let mut task = task_facts(obj, out);
    check_fargate_task(obj, &task, out);
    check_volumes(obj, &mut task, out);

    let Some(list) = container_list(obj, out) else {
        return;
    };
    task.container_names = list
        .iter()
        .map(|c| c.get("name").and_then(Value::as_str))
        .collect();
    let facts: Vec<ContainerFacts> = list
        .iter()
        .enumerate()
        .map(|(i, c)| container::check(&task, i, c, out))
        .collect();
    check_across_containers(obj, &task, &facts, out);
}

fn check_family(obj: &Map<String, Value>, out: &mut Findings) {
    let root = JsonPath::root();
    match obj.get("family") {
        None | Some(Value::Null) => out.missing(
            root.key("family"),
            root.clone(),
            "family is required: the name the revisions are registered under",
        ),
        Some(Value::String(name)) => {
            if let Some(why) = name_problem("family", name) {
                out.at(root.key("family"), why);
            }
        }
        Some(other) => out.at(
            root.key("family"),
            format!("family must be a string, not {}", kind(other)),
        ),
    }
}

/// Reads the task-level settings the other rules depend on, checking each.
fn task_facts<'a>(obj: &'a Map<String, Value>, out: &mut Findings) -> Task<'a> {
    let root = JsonPath::root();
    let mut task = Task::default();

    if let Some(list) = array_field(obj, "requiresCompatibilities", &root, out) {
        for (i, v) in list.iter().enumerate() {
            let here = root.key("requiresCompatibilities").index(i);
            match v.as_str() {
                Some("FARGATE") => task.fargate = true,
                Some(s) if COMPATIBILITIES.contains(&s) => {}
                Some(s) => out.at(
                    here,
                    format!(
                        "{s:?} is not a launch type ECS knows: use {}",
                        COMPATIBILITIES.join(", ")
                    ),
                ),
                None => out.at(
                    here,
                    format!(
                        "launch types are strings such as \"FARGATE\", not {}",
                        kind(v)
                    ),
                ),
            }
        }
    }

    if let Some(mode) = string_field(obj, "networkMode", &root, out) {
        if NETWORK_MODES.contains(&mode) {
            task.network_mode = Some(mode);
        } else {
            out.at(
                root.key("networkMode"),
                format!(
                    "networkMode {mode:?} is not one ECS knows: use {}",
                    NETWORK_MODES.join(", ")
                ),
            );
        }
    }

    task.cpu = task_size(obj, "cpu", size::parse_cpu, "CPU units", "\"256\"", out);
    task.memory_given = field(obj, "memory").is_some();
    task.memory = task_size(obj, "memory", size::parse_memory, "MiB", "\"512\"", out);

    for role in ["executionRoleArn", "taskRoleArn"] {
        string_field(obj, role, &root, out);
    }
    task
}

/// Task-level cpu or memory: a string in the API. A bare number is reported (AWS refuses
/// it) but still read, so the rules that compare sizes can run.
fn task_size(
    obj: &Map<String, Value>,
    key: &str,
    parse: fn(&str) -> Result<u64, String>,
    unit: &str,
    example: &str,
    out: &mut Findings,
) -> Option<u64> {
    let here = JsonPath::root().key(key);
    let parsed = match field(obj, key)? {
        Value::String(s) => match parse(s) {
            Ok(n) => n,
            Err(why) => {
                out.at(here, format!("task {key}: {why}"));
                return None;
            }
        },
        Value::Number(n) => {
            out.at(
                here.clone(),
                format!(
                    "task-level {key} must be a string, e.g. {example}: put the number in quotes"
                ),
            );
            n.as_u64()?
        }
        other => {
            out.at(
                here,
                format!(
                    "task-level {key} must be a string, e.g. {example}, not {}",
                    kind(other)
                ),
            );
            return None;
        }
    };
    if parsed == 0 {
        out.at(here, format!("task {key} must be more than 0 {unit}"));
        return None;
    }
    Some(parsed)
}

fn check_fargate_task(obj: &Map<String, Value>, task: &Task, out: &mut Findings) {
    if !task.fargate {
        return;
    }
    let root = JsonPath::root();
    let why_here = root.key("requiresCompatibilities");
    match field(obj, "networkMode").and_then(Value::as_str) {
        Some("awsvpc") => {}
        Some(mode) if NETWORK_MODES.contains(&mode) => out.at(
            root.key("networkMode"),
            format!("Fargate supports only networkMode \"awsvpc\", not {mode:?}"),
        ),
        Some(_) => {}
        None if field(obj, "networkMode").is_some() => {}
        None => out.missing(
            root.key("networkMode"),
            why_here.clone(),
            "Fargate needs networkMode \"awsvpc\" (it is not set)",
        ),
    }
    if field(obj, "cpu").is_none() {
        out.missing(
            root.key("cpu"),
            why_here.clone(),
            "Fargate needs task-level cpu, e.g. \"256\" or \"0.25 vCPU\"",
        );
    }
    if field(obj, "memory").is_none() {
        out.missing(
            root.key("memory"),
            why_here.clone(),
            "Fargate needs task-level memory, e.g. \"512\" or \"0.5 GB\"",
        );
    }
    if let Some(cpu) = task.cpu {
        match size::fargate_memory_options(cpu) {
            None => out.at(
                root.key("cpu"),
                format!(
                    "Fargate does not offer cpu {cpu}: use one of {} (1024 units = 1 vCPU)",
                    size::FARGATE_CPU.map(|c| c.to_string()).join(", ")
                ),
            ),
            Some(options) => {
                if let Some(memory) = task.memory
                    && !options.contains(&memory)
                {
                    out.at(
                        root.key("memory"),
                        format!(
                            "Fargate does not offer memory {memory} MiB with cpu {cpu}: with that \
                             cpu, memory is {}",
                            size::describe_options(&options)
                        ),
                    );
                }
            }
        }
    }
    if let Some(list) = field(obj, "placementConstraints").and_then(Value::as_array)
        && !list.is_empty()
    {
        out.at(
            root.key("placementConstraints"),
            "Fargate does not support task placement constraints: remove them",
        );
    }
}

/// Volume names (unique, well formed) and, on Fargate, no host paths.
fn check_volumes<'a>(obj: &'a Map<String, Value>, task: &mut Task<'a>, out: &mut Findings) {
    let root = JsonPath::root();
    let Some(list) = array_field(obj, "volumes", &root, out) else {
        return;
    };
    for (i, v) in list.iter().enumerate() {
        let here = root.key("volumes").index(i);
        let Some(volume) = v.as_object() else {
            out.at(here, format!("each volume is an object, not {}", kind(v)));
            continue;
        };
        if let Some(name) = string_field(volume, "name", &here, out) {
            if let Some(why) = name_problem("volume name", name) {
                out.at(here.key("name"), why);
            } else if task.volumes.contains(&name) {
                out.at(
                    here.key("name"),
                    format!("another volume is already named {name:?}: names must be unique"),
                );
            } else {
                task.volumes.push(name);
            }
        }
        // Fargate has no host to bind: a host path is refused. An empty `host` object is
        // what DescribeTaskDefinition returns for a Fargate bind mount, so it is allowed.
        let host_path = volume
            .get("host")
            .and_then(Value::as_object)
            .and_then(|h| field(h, "sourcePath"));
        if task.fargate && host_path.is_some() {
            out.at(
                here.key("host").key("sourcePath"),
                "Fargate does not support host volumes (host.sourcePath): remove sourcePath",
            );
        }
    }
}

fn container_list<'a>(obj: &'a Map<String, Value>, out: &mut Findings) -> Option<&'a Vec<Value>> {
    let root = JsonPath::root();
    let here = root.key("containerDefinitions");
    let Some(v) = field(obj, "containerDefinitions") else {
        out.missing(
            here,
            root,
            "containerDefinitions is required: a list of at least one container",
        );
        return None;
    };
    let Some(list) = v.as_array() else {
        out.at(
            here,
            format!(
                "containerDefinitions must be a list of containers, not {}",
                kind(v)
            ),
        );
        return None;
    };
    if list.is_empty() {
        out.at(
            here,
            "containerDefinitions is empty: a task needs at least one container",
        );
        return None;
    }
    if list.len() > MAX_CONTAINERS {
        out.at(
            here,
            format!(
                "a task definition has at most {MAX_CONTAINERS} containers; this one has {}",
                list.len()
            ),
        );
    }
    Some(list)
}

fn check_across_containers(
    obj: &Map<String, Value>,
    task: &Task,
    facts: &[ContainerFacts],
    out: &mut Findings,
) {
    let root = JsonPath::root();
    let list_path = root.key("containerDefinitions");

    for (i, name) in task.container_names.iter().enumerate() {
        if let Some(name) = name
            && let Some(first) = task.container_names[..i]
                .iter()
                .position(|n| n == &Some(*name))
        {
            out.at(
                list_path.index(i).key("name"),
                format!(
                    "container name {name:?} is already used by containerDefinitions[{first}]: \
                     names must be unique"
                ),
            );
        }
    }

    if !facts.iter().any(|f| f.essential) {
        out.at(
            list_path.clone(),
            "at least one container must be essential (essential is true when left out); \
             every container here has \"essential\": false",
        );
    }

    if let Some(task_memory) = task.memory {
        let reserved: i64 = facts.iter().filter_map(|f| f.memory_reservation).sum();
        if reserved > task_memory as i64 {
            out.at(
                root.key("memory"),
                format!(
                    "the containers' memoryReservation add up to {reserved} MiB, more than the \
                     task's memory ({task_memory} MiB)"
                ),
            );
        }
    }
    if let Some(task_cpu) = task.cpu {
        let cpu: i64 = facts.iter().filter_map(|f| f.cpu).sum();
        if cpu > task_cpu as i64 {
            out.at(
                root.key("cpu"),
                format!(
                    "the containers' cpu add up to {cpu} units, more than the task's cpu \
                     ({task_cpu} units)"
                ),
            );
        }
    }

    if task.fargate && field(obj, "executionRoleArn").is_none() {
        if let Some(i) = facts.iter().position(|f| f.awslogs) {
            out.missing(
                root.key("executionRoleArn"),
                list_path.index(i).key("logConfiguration"),
                "Fargate needs executionRoleArn to send logs with the awslogs driver",
            );
        }
        if let Some(i) = facts.iter().position(|f| f.private_ecr) {
            out.missing(
                root.key("executionRoleArn"),
                list_path.index(i).key("image"),
                "Fargate needs executionRoleArn to pull images from a private ECR repository",
            );
        }
    }
}
