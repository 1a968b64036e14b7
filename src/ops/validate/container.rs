//! Rules for one container definition, given what the task around it says.

use serde_json::{Map, Value};

use super::rules::{
    Findings, Task, array_field, field, int_field, kind, name_problem, object_field, string_field,
};
use crate::ops::taskdef::image;
use crate::ops::taskdef::path::JsonPath;

const DEPENDENCY_CONDITIONS: [&str; 4] = ["START", "COMPLETE", "SUCCESS", "HEALTHY"];
const PROTOCOLS: [&str; 2] = ["tcp", "udp"];
/// ECS sizes are 32-bit integers.
const INT_MAX: i64 = i32::MAX as i64;

/// What the rules across containers need from one container.
#[derive(Debug, Default)]
pub struct ContainerFacts {
    pub essential: bool,
    pub cpu: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub awslogs: bool,
    pub private_ecr: bool,
}

/// Checks container `index` and reports what the task-wide rules need from it.
pub fn check(task: &Task, index: usize, value: &Value, out: &mut Findings) -> ContainerFacts {
    let here = JsonPath::root().key("containerDefinitions").index(index);
    let Some(c) = value.as_object() else {
        out.at(
            here,
            format!(
                "each container definition is an object, not {}",
                kind(value)
            ),
        );
        // Counted as essential so that one malformed entry does not also raise
        // "no essential container".
        return ContainerFacts {
            essential: true,
            ..ContainerFacts::default()
        };
    };
    let name = check_name(c, &here, out);
    let mut facts = ContainerFacts {
        essential: check_essential(c, &here, out),
        ..ContainerFacts::default()
    };
    facts.private_ecr = check_image(c, &here, out);
    (facts.cpu, facts.memory_reservation) = check_sizes(task, c, &here, out);
    check_port_mappings(task, c, &here, out);
    check_mount_points(task, c, &here, out);
    check_volumes_from(task, name, c, &here, out);
    facts.awslogs = check_log_configuration(task, c, &here, out);
    check_depends_on(task, name, c, &here, out);
    check_environment(c, &here, out);
    facts
}

fn check_name<'a>(
    c: &'a Map<String, Value>,
    here: &JsonPath,
    out: &mut Findings,
) -> Option<&'a str> {
    if field(c, "name").is_none() {
        out.missing(
            here.key("name"),
            here.clone(),
            "every container needs a name",
        );
        return None;
    }
    let name = string_field(c, "name", here, out)?;
    if let Some(why) = name_problem("container name", name) {
        out.at(here.key("name"), why);
    }
    Some(name)
}

/// Whether the container is essential (true when left out).
fn check_essential(c: &Map<String, Value>, here: &JsonPath, out: &mut Findings) -> bool {
    match field(c, "essential") {
        None | Some(Value::Bool(true)) => true,
        Some(Value::Bool(false)) => false,
        Some(other) => {
            out.at(
                here.key("essential"),
                format!("essential must be true or false, not {}", kind(other)),
            );
            true
        }
    }
}

/// Checks the image reference; returns whether it is in a private ECR registry.
fn check_image(c: &Map<String, Value>, here: &JsonPath, out: &mut Findings) -> bool {
    if field(c, "image").is_none() {
        out.missing(
            here.key("image"),
            here.clone(),
            "every container needs an image",
        );
        return false;
    }
    let Some(reference) = string_field(c, "image", here, out) else {
        return false;
    };
    match image::check_image(reference) {
        Ok(()) => image::is_private_ecr(reference),
        Err(why) => {
            out.at(here.key("image"), why);
            false
        }
    }
}

/// cpu, memory and memoryReservation: whole numbers, consistent with each other and with
/// the task.
fn check_sizes(
    task: &Task,
    c: &Map<String, Value>,
    here: &JsonPath,
    out: &mut Findings,
) -> (Option<i64>, Option<i64>) {
    let cpu = int_field(c, "cpu", here, (0, INT_MAX), out);
    let memory = int_field(c, "memory", here, (0, INT_MAX), out);
    let reservation = int_field(c, "memoryReservation", here, (0, INT_MAX), out);

    // Fargate requires task-level memory, reported at the task when it is missing.
    if !task.memory_given && !task.fargate {
        if field(c, "memory").is_none() && field(c, "memoryReservation").is_none() {
            out.missing(
                here.key("memory"),
                here.clone(),
                "without task-level memory, each container needs memory or memoryReservation (MiB)",
            );
        } else if (memory.is_some() || reservation.is_some())
            && memory.unwrap_or(0) == 0
            && reservation.unwrap_or(0) == 0
        {
            let key = if memory.is_some() {
                "memory"
            } else {
                "memoryReservation"
            };
            out.at(
                here.key(key),
                "without task-level memory, a container's memory or memoryReservation must be \
                 more than 0",
            );
        }
    }
    if let (Some(hard), Some(soft)) = (memory, reservation)
        && soft > hard
    {
        out.at(
            here.key("memoryReservation"),
            format!("memoryReservation ({soft} MiB) must not exceed memory ({hard} MiB)"),
        );
    }
    if let (Some(hard), Some(task_memory)) = (memory, task.memory)
        && hard > task_memory as i64
    {
        out.at(
            here.key("memory"),
            format!("memory ({hard} MiB) is more than the task's memory ({task_memory} MiB)"),
        );
    }
    (cpu, reservation)
}

fn check_port_mappings(task: &Task, c: &Map<String, Value>, here: &JsonPath, out: &mut Findings) {
    let Some(list) = array_field(c, "portMappings", here, out) else {
        return;
    };
    // Fargate is awsvpc (a wrong networkMode there is reported at the task level).
    let same_port_mode = if task.fargate {
        Some("on Fargate")
    } else {
        match task.network_mode {
            Some("awsvpc") => Some("with networkMode awsvpc"),
            Some("host") => Some("with networkMode host"),
            _ => None,
        }
    };
    let mut seen: Vec<(i64, &str)> = Vec::new();
    for (i, v) in list.iter().enumerate() {
        let at = here.key("portMappings").index(i);
        let Some(mapping) = v.as_object() else {
            out.at(
                at,
                format!("each port mapping is an object, not {}", kind(v)),
            );
            continue;
        };
        let container_port = int_field(mapping, "containerPort", &at, (1, 65535), out);
        let host_port = int_field(mapping, "hostPort", &at, (0, 65535), out);
        let protocol = match string_field(mapping, "protocol", &at, out) {
            None => Some("tcp"),
            Some(p) if PROTOCOLS.contains(&p) => Some(p),
            Some(p) => {
                out.at(
                    at.key("protocol"),
                    format!("protocol must be \"tcp\" or \"udp\" (lowercase), not {p:?}"),
                );
                None
            }
        };
        if field(mapping, "containerPort").is_none()
            && field(mapping, "containerPortRange").is_none()
        {
            out.missing(
                at.key("containerPort"),
                at.clone(),
                "a port mapping needs containerPort (or containerPortRange)",
            );
        }
        if let (Some(mode), Some(cp), Some(hp)) = (same_port_mode, container_port, host_port)
            && hp != cp
        {
            out.at(
                at.key("hostPort"),
                format!(
                    "{mode}, hostPort must be left out or equal containerPort ({cp}), not {hp}"
                ),
            );
        }
        if let (Some(cp), Some(protocol)) = (container_port, protocol) {
            if seen.contains(&(cp, protocol)) {
                out.at(
                    at.key("containerPort"),
                    format!("containerPort {cp}/{protocol} is mapped twice in this container"),
                );
            } else {
                seen.push((cp, protocol));
            }
        }
    }
}

fn check_mount_points(task: &Task, c: &Map<String, Value>, here: &JsonPath, out: &mut Findings) {
    let Some(list) = array_field(c, "mountPoints", here, out) else {
        return;
    };
    for (i, v) in list.iter().enumerate() {
        let at = here.key("mountPoints").index(i);
        let Some(mount) = v.as_object() else {
            out.at(
                at,
                format!("each mount point is an object, not {}", kind(v)),
            );
            continue;
        };
        if field(mount, "sourceVolume").is_none() {
            out.missing(
                at.key("sourceVolume"),
                at.clone(),
                "a mount point needs sourceVolume: the name of a volume in volumes",
            );
            continue;
        }
        let Some(volume) = string_field(mount, "sourceVolume", &at, out) else {
            continue;
        };
        if !task.volumes.contains(&volume) {
            let declared = if task.volumes.is_empty() {
                "the task declares no volumes".to_string()
            } else {
                format!("the volumes are: {}", task.volumes.join(", "))
            };
            out.at(
                at.key("sourceVolume"),
                format!("no volume named {volume:?} is declared in volumes; {declared}"),
            );
        }
    }
}

/// Why `target` cannot be referred to from container `own` (None when it can).
fn container_reference_problem(task: &Task, own: Option<&str>, target: &str) -> Option<String> {
    if own == Some(target) {
        return Some(format!("{target:?} is this container itself"));
    }
    if task.container_names.contains(&Some(target)) {
        return None;
    }
    let names: Vec<&str> = task.container_names.iter().flatten().copied().collect();
    Some(format!(
        "no container named {target:?} in this task definition (containers: {})",
        names.join(", ")
    ))
}

fn check_volumes_from(
    task: &Task,
    own: Option<&str>,
    c: &Map<String, Value>,
    here: &JsonPath,
    out: &mut Findings,
) {
    let Some(list) = array_field(c, "volumesFrom", here, out) else {
        return;
    };
    for (i, v) in list.iter().enumerate() {
        let at = here.key("volumesFrom").index(i);
        let Some(entry) = v.as_object() else {
            out.at(
                at,
                format!("each volumesFrom entry is an object, not {}", kind(v)),
            );
            continue;
        };
        if field(entry, "sourceContainer").is_none() {
            out.missing(
                at.key("sourceContainer"),
                at.clone(),
                "volumesFrom needs sourceContainer: the name of another container",
            );
            continue;
        }
        if let Some(source) = string_field(entry, "sourceContainer", &at, out)
            && let Some(why) = container_reference_problem(task, own, source)
        {
            out.at(at.key("sourceContainer"), format!("volumesFrom: {why}"));
        }
    }
}

/// Checks logConfiguration; returns whether the container uses the awslogs driver.
fn check_log_configuration(
    task: &Task,
    c: &Map<String, Value>,
    here: &JsonPath,
    out: &mut Findings,
) -> bool {
    let Some(config) = object_field(c, "logConfiguration", here, out) else {
        return false;
    };
    let at = here.key("logConfiguration");
    if field(config, "logDriver").is_none() {
        out.missing(
            at.key("logDriver"),
            at.clone(),
            "logConfiguration needs logDriver, e.g. \"awslogs\"",
        );
    }
    let driver = string_field(config, "logDriver", &at, out);
    let options = object_field(config, "options", &at, out);
    if let Some(options) = options {
        for (key, value) in options {
            if !value.is_string() {
                out.at(
                    at.key("options").key(key),
                    format!(
                        "log option values are strings, not {}: put it in quotes",
                        kind(value)
                    ),
                );
            }
        }
    }
    if driver != Some("awslogs") {
        return false;
    }
    let mut required = vec![
        (
            "awslogs-group",
            "the awslogs driver needs awslogs-group (the log group to write to)",
        ),
        (
            "awslogs-region",
            "the awslogs driver needs awslogs-region (the log group's region)",
        ),
    ];
    if task.fargate {
        required.push((
            "awslogs-stream-prefix",
            "on Fargate the awslogs driver needs awslogs-stream-prefix (streams are named \
             prefix/container/task-id)",
        ));
    }
    for (key, what) in required {
        let value = options.and_then(|o| field(o, key));
        match value {
            Some(Value::String(s)) if s.trim().is_empty() => {
                out.at(at.key("options").key(key), format!("{what}; it is empty"))
            }
            Some(_) => {}
            None => out.missing(
                at.key("options").key(key),
                if options.is_some() {
                    at.key("options")
                } else {
                    at.clone()
                },
                what,
            ),
        }
    }
    true
}

fn check_depends_on(
    task: &Task,
    own: Option<&str>,
    c: &Map<String, Value>,
    here: &JsonPath,
    out: &mut Findings,
) {
    let Some(list) = array_field(c, "dependsOn", here, out) else {
        return;
    };
    for (i, v) in list.iter().enumerate() {
        let at = here.key("dependsOn").index(i);
        let Some(dependency) = v.as_object() else {
            out.at(
                at,
                format!("each dependsOn entry is an object, not {}", kind(v)),
            );
            continue;
        };
        if field(dependency, "containerName").is_none() {
            out.missing(
                at.key("containerName"),
                at.clone(),
                "dependsOn needs containerName: the container to wait for",
            );
        } else if let Some(target) = string_field(dependency, "containerName", &at, out)
            && let Some(why) = container_reference_problem(task, own, target)
        {
            out.at(at.key("containerName"), format!("dependsOn: {why}"));
        }
        let conditions = DEPENDENCY_CONDITIONS.join(", ");
        if field(dependency, "condition").is_none() {
            out.missing(
                at.key("condition"),
                at.clone(),
                format!("dependsOn needs a condition: {conditions}"),
            );
        } else if let Some(condition) = string_field(dependency, "condition", &at, out)
            && !DEPENDENCY_CONDITIONS.contains(&condition)
        {
            out.at(
                at.key("condition"),
                format!("condition {condition:?} is not one of {conditions}"),
            );
        }
    }
}

/// Environment entries are name/value strings; a bare number or boolean is refused.
fn check_environment(c: &Map<String, Value>, here: &JsonPath, out: &mut Findings) {
    let Some(list) = array_field(c, "environment", here, out) else {
        return;
    };
    for (i, v) in list.iter().enumerate() {
        let at = here.key("environment").index(i);
        let Some(entry) = v.as_object() else {
            out.at(
                at,
                format!(
                    "each environment entry is {{\"name\": ..., \"value\": ...}}, not {}",
                    kind(v)
                ),
            );
            continue;
        };
        for key in ["name", "value"] {
            if let Some(v) = field(entry, key)
                && !v.is_string()
            {
                out.at(
                    at.key(key),
                    format!(
                        "environment {key}s are strings, not {}: put it in quotes",
                        kind(v)
                    ),
                );
            }
        }
    }
}
