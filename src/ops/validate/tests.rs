//! One test (or more) per rule, a passing and a failing case, for the document and task-level
//! rules, and where problems point. The container rules are tested in `container_tests.rs`.

use serde_json::{Value, json};

use super::{Problem, check};
use crate::ops::taskdef::pretty;

/// An EC2 task definition that breaks no rule and uses most of the checked fields.
pub(super) fn ec2() -> Value {
    json!({
        "family": "web",
        "networkMode": "bridge",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "nginx:1.25",
                "cpu": 128,
                "memory": 256,
                "memoryReservation": 128,
                "essential": true,
                "portMappings": [{"containerPort": 80, "hostPort": 0, "protocol": "tcp"}],
                "mountPoints": [{"sourceVolume": "data", "containerPath": "/data"}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1"}
                },
                "environment": [{"name": "PORT", "value": "80"}],
                "dependsOn": [{"containerName": "init", "condition": "SUCCESS"}]
            },
            {
                "name": "init",
                "image": "busybox",
                "memory": 64,
                "essential": false,
                "volumesFrom": [{"sourceContainer": "app"}]
            }
        ],
        "volumes": [{"name": "data", "host": {"sourcePath": "/srv/data"}}]
    })
}

/// A Fargate task definition that breaks no rule.
pub(super) fn fargate() -> Value {
    json!({
        "family": "api",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        "containerDefinitions": [{
            "name": "api",
            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1",
            "portMappings": [{"containerPort": 8080, "hostPort": 8080}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/api",
                    "awslogs-region": "eu-west-1",
                    "awslogs-stream-prefix": "api"
                }
            }
        }],
        "volumes": [{"name": "scratch", "host": {}}]
    })
}

pub(super) fn problems(doc: &Value) -> Vec<Problem> {
    match check(&pretty(doc)) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    }
}

#[track_caller]
pub(super) fn assert_ok(doc: &Value) {
    let p = problems(doc);
    assert!(p.is_empty(), "expected no problems, got {p:#?}");
}

/// Asserts there is exactly one problem, at `path`, whose message contains `needle`.
#[track_caller]
pub(super) fn assert_one(doc: &Value, path: &str, needle: &str) {
    let p = problems(doc);
    assert_eq!(p.len(), 1, "expected one problem at {path}, got {p:#?}");
    assert_eq!(p[0].path, path, "{p:#?}");
    assert!(
        p[0].message.contains(needle),
        "message {:?} lacks {needle:?}",
        p[0].message
    );
}

/// Asserts some problem is at `path` with `needle` in its message.
#[track_caller]
pub(super) fn assert_has(doc: &Value, path: &str, needle: &str) {
    let p = problems(doc);
    assert!(
        p.iter()
            .any(|x| x.path == path && x.message.contains(needle)),
        "no problem at {path} containing {needle:?} in {p:#?}"
    );
}

pub(super) fn with(mut doc: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a slash");
    let target = doc.pointer_mut(parent).expect("parent exists");
    match target {
        Value::Object(m) => {
            m.insert(key.to_string(), value);
        }
        Value::Array(a) => {
            let i: usize = key.parse().expect("index");
            if i == a.len() {
                a.push(value);
            } else {
                a[i] = value;
            }
        }
        _ => panic!("parent is a scalar"),
    }
    doc
}

pub(super) fn without(mut doc: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a slash");
    match doc.pointer_mut(parent).expect("parent exists") {
        Value::Object(m) => {
            m.shift_remove(key);
        }
        Value::Array(a) => {
            a.remove(key.parse::<usize>().expect("index"));
        }
        _ => panic!("parent is a scalar"),
    }
    doc
}

// ---- the baselines ----

#[test]
fn the_baselines_pass_and_the_document_comes_back() {
    assert_ok(&ec2());
    assert_ok(&fargate());
    assert_eq!(check(&pretty(&ec2())), Ok(ec2()));
}

// ---- syntax ----

#[test]
fn a_syntax_error_is_one_problem_with_serde_position_and_plain_words() {
    let text = "{\n  \"family\": \"web\"\n  \"cpu\": \"256\"\n}";
    let p = check(text).unwrap_err();
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].line, p[0].column), (3, 3));
    assert_eq!(p[0].path, "");
    assert!(p[0].message.contains("comma missing"), "{}", p[0].message);
    assert!(!p[0].message.contains("at line"), "{}", p[0].message);

    let trailing = check("{\"a\": [1, 2,]}").unwrap_err();
    assert!(trailing[0].message.contains("comma before"), "{trailing:?}");
    let open = check("{\"a\": 1").unwrap_err();
    assert!(open[0].message.contains("'}' is missing"), "{open:?}");
    let empty = check("  \n").unwrap_err();
    assert!(empty[0].message.contains("empty"), "{empty:?}");
    let unquoted = check("{family: 1}").unwrap_err();
    assert!(
        unquoted[0].message.contains("double quotes"),
        "{unquoted:?}"
    );
    let raw_newline = check("{\"a\": \"x\ny\"}").unwrap_err();
    assert!(
        raw_newline[0].message.contains("control character"),
        "{raw_newline:?}"
    );
}

#[test]
fn syntax_error_columns_count_characters() {
    // "é" is two bytes; serde_json reports byte columns.
    let p = check("{\"é\": x}").unwrap_err();
    assert_eq!((p[0].line, p[0].column), (1, 7));
    let p = check("{\"a\": \"ü\" \"b\"}").unwrap_err();
    assert_eq!((p[0].line, p[0].column), (1, 11));
}

// ---- document shape ----

#[test]
fn the_document_must_be_an_object() {
    for text in ["[]", "42", "\"web\"", "null"] {
        let p = check(text).unwrap_err();
        assert_eq!(p.len(), 1, "{text}");
        assert_eq!(p[0].path, "");
        assert!(p[0].message.contains("JSON object"), "{p:?}");
    }
}

#[test]
fn a_whole_describe_answer_is_recognised() {
    let doc = json!({"taskDefinition": ec2(), "tags": []});
    assert_one(&doc, "taskDefinition", "DescribeTaskDefinition answer");
}

#[test]
fn describe_only_fields_are_refused() {
    let fields = [
        (
            "taskDefinitionArn",
            json!("arn:aws:ecs:eu-west-1:1:task-definition/web:3"),
        ),
        ("revision", json!(3)),
        ("status", json!("ACTIVE")),
        ("requiresAttributes", json!([])),
        ("compatibilities", json!(["EC2"])),
        ("registeredAt", json!(1.7e9)),
        ("registeredBy", json!("arn:aws:iam::1:user/a")),
        ("deregisteredAt", json!(1.7e9)),
        ("deleteRequestedAt", json!(1.7e9)),
    ];
    for (key, value) in fields {
        let doc = with(ec2(), &format!("/{key}"), value);
        assert_one(&doc, key, "remove it");
    }
}

#[test]
fn family_is_required_and_well_formed() {
    assert_one(&without(ec2(), "/family"), "family", "required");
    assert_one(
        &with(ec2(), "/family", json!(7)),
        "family",
        "must be a string",
    );
    assert_one(&with(ec2(), "/family", json!("")), "family", "empty");
    assert_one(&with(ec2(), "/family", json!("my app")), "family", "' '");
    assert_one(&with(ec2(), "/family", json!("web.v2")), "family", "'.'");
    assert_ok(&with(ec2(), "/family", json!("Web_app-2")));
    assert_ok(&with(ec2(), "/family", json!("a".repeat(255))));
    assert_one(
        &with(ec2(), "/family", json!("a".repeat(256))),
        "family",
        "at most 255",
    );
}

#[test]
fn container_definitions_is_a_non_empty_list_of_at_most_ten() {
    assert_one(
        &without(ec2(), "/containerDefinitions"),
        "containerDefinitions",
        "required",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions", json!({})),
        "containerDefinitions",
        "must be a list",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions", json!([])),
        "containerDefinitions",
        "empty",
    );
    let container = |i: usize| json!({"name": format!("c{i}"), "image": "busybox", "memory": 16});
    let ten: Vec<Value> = (0..10).map(container).collect();
    assert_ok(&json!({"family": "f", "containerDefinitions": ten}));
    let eleven: Vec<Value> = (0..11).map(container).collect();
    assert_one(
        &json!({"family": "f", "containerDefinitions": eleven}),
        "containerDefinitions",
        "at most 10",
    );
    // A malformed entry also leaves the container the first one depends on unknown.
    assert_has(
        &with(ec2(), "/containerDefinitions/1", json!("busybox")),
        "containerDefinitions[1]",
        "is an object",
    );
}

// ---- launch types and network modes ----

#[test]
fn launch_types_and_network_modes_are_ones_ecs_knows() {
    assert_ok(&with(
        ec2(),
        "/requiresCompatibilities",
        json!(["EC2", "EXTERNAL"]),
    ));
    assert_one(
        &with(ec2(), "/requiresCompatibilities", json!(["EC2", "LAMBDA"])),
        "requiresCompatibilities[1]",
        "not a launch type",
    );
    assert_one(
        &with(ec2(), "/requiresCompatibilities", json!("EC2")),
        "requiresCompatibilities",
        "must be a list",
    );
    assert_one(
        &with(ec2(), "/networkMode", json!("overlay")),
        "networkMode",
        "bridge, host, awsvpc, none",
    );
    let no_network = with(ec2(), "/networkMode", json!("none"));
    assert_ok(&without(no_network, "/containerDefinitions/0/portMappings"));
}

#[test]
fn fargate_needs_awsvpc() {
    assert_one(
        &with(fargate(), "/networkMode", json!("bridge")),
        "networkMode",
        "only networkMode \"awsvpc\"",
    );
    assert_one(
        &without(fargate(), "/networkMode"),
        "networkMode",
        "not set",
    );
}

#[test]
fn fargate_needs_task_cpu_and_memory() {
    assert_one(
        &without(fargate(), "/cpu"),
        "cpu",
        "Fargate needs task-level cpu",
    );
    assert_one(
        &without(fargate(), "/memory"),
        "memory",
        "Fargate needs task-level memory",
    );
}

#[test]
fn fargate_cpu_and_memory_are_a_published_pair() {
    let pair = |cpu: &str, memory: &str| {
        with(
            with(fargate(), "/cpu", json!(cpu)),
            "/memory",
            json!(memory),
        )
    };
    for (cpu, memory) in [
        ("256", "512"),
        ("256", "2048"),
        ("512", "4 GB"),
        ("1 vCPU", "8192"),
        ("2048", "16384"),
        ("4096", "30720"),
        ("8192", "60 GB"),
        ("16384", "120 GB"),
        ("16 vCPU", "32768"),
    ] {
        assert_ok(&pair(cpu, memory));
    }
    assert_one(&pair("256", "3072"), "memory", "512, 1024 or 2048 MiB");
    assert_one(
        &pair("512", "512"),
        "memory",
        "1024 to 4096 MiB in steps of 1024",
    );
    assert_one(&pair("8192", "18432"), "memory", "in steps of 4096");
    assert_one(&pair("4096", "31744"), "memory", "8192 to 30720");
    assert_one(&pair("128", "512"), "cpu", "256, 512, 1024");
    assert_one(
        &pair("3072", "8192"),
        "cpu",
        "Fargate does not offer cpu 3072",
    );
}

#[test]
fn fargate_and_awsvpc_host_ports_equal_container_ports() {
    let port = "/containerDefinitions/0/portMappings/0/hostPort";
    assert_ok(&without(fargate(), port));
    assert_one(
        &with(fargate(), port, json!(80)),
        "containerDefinitions[0].portMappings[0].hostPort",
        "on Fargate",
    );
    // EC2 with awsvpc: the same rule.
    let awsvpc = with(ec2(), "/networkMode", json!("awsvpc"));
    assert_one(
        &awsvpc,
        "containerDefinitions[0].portMappings[0].hostPort",
        "with networkMode awsvpc, hostPort must be left out or equal containerPort (80)",
    );
    assert_ok(&with(
        awsvpc.clone(),
        "/containerDefinitions/0/portMappings/0/hostPort",
        json!(80),
    ));
    let host = with(ec2(), "/networkMode", json!("host"));
    assert_has(
        &host,
        "containerDefinitions[0].portMappings[0].hostPort",
        "networkMode host",
    );
    // Bridge mode maps any host port (0 is a dynamic port).
    assert_ok(&with(
        ec2(),
        "/containerDefinitions/0/portMappings/0/hostPort",
        json!(8080),
    ));
}

#[test]
fn fargate_refuses_host_paths() {
    assert_ok(&fargate());
    let doc = with(fargate(), "/volumes/0/host", json!({"sourcePath": "/data"}));
    assert_one(
        &doc,
        "volumes[0].host.sourcePath",
        "Fargate does not support host volumes",
    );
    // The same volume is fine on EC2.
    assert_ok(&ec2());
}

#[test]
fn fargate_refuses_placement_constraints() {
    let constraint = json!([{"type": "memberOf", "expression": "attribute:x == y"}]);
    assert_one(
        &with(fargate(), "/placementConstraints", constraint.clone()),
        "placementConstraints",
        "placement",
    );
    assert_ok(&with(fargate(), "/placementConstraints", json!([])));
    assert_ok(&with(ec2(), "/placementConstraints", constraint));
}

#[test]
fn fargate_needs_an_execution_role_for_awslogs_and_private_ecr() {
    let doc = without(fargate(), "/executionRoleArn");
    let p = problems(&doc);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert!(p.iter().all(|x| x.path == "executionRoleArn"));
    assert!(p.iter().any(|x| x.message.contains("awslogs")));
    assert!(p.iter().any(|x| x.message.contains("private ECR")));
    // A public image and no log driver need no role.
    let doc = without(doc, "/containerDefinitions/0/logConfiguration");
    let doc = with(doc, "/containerDefinitions/0/image", json!("nginx:1.25"));
    assert_ok(&doc);
    // On EC2 the instance role does this.
    let doc = with(
        ec2(),
        "/containerDefinitions/1/image",
        json!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/x"),
    );
    assert_ok(&doc);
}

// ---- duplicate keys ----

#[test]
fn a_key_given_twice_is_reported_where_it_repeats() {
    let text = r#"{
  "family": "web",
  "containerDefinitions": [{"name": "a", "image": "x", "memory": 64, "memory": 128}],
  "family": "web"
}"#;
    let p = check(text).unwrap_err();
    let found: Vec<(&str, usize, usize)> = p
        .iter()
        .map(|x| (x.path.as_str(), x.line, x.column))
        .collect();
    assert_eq!(
        found,
        [("containerDefinitions[0].memory", 3, 70), ("family", 4, 3)]
    );
    assert!(p[0].message.contains("given twice"));
}

// ---- locations ----

const LOCATED: &str = r#"{
  "family": "web",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "awsvpc",
  "cpu": "256",
  "memory": "512",
  "executionRoleArn": "arn:aws:iam::1:role/x",
  "containerDefinitions": [
    {
      "name": "app",
      "image": "nginx:1.25",
      "command": [
        "sh", "-c",
        "echo \"{ [ memory ]\""
      ],
      "portMappings": [{"containerPort": 80, "hostPort": 8080}]
    },
    {
      "name": "side",
      "image": "busybox",
      "memory": 1024,
      "logConfiguration": {"logDriver": "awslogs", "options": {
        "awslogs-group": "g",
        "awslogs-region": "eu-west-1"
      }}
    }
  ]
}
"#;

#[test]
fn problems_point_at_their_fields_in_line_order() {
    let p = check(LOCATED).unwrap_err();
    let found: Vec<(&str, usize, usize)> = p
        .iter()
        .map(|x| (x.path.as_str(), x.line, x.column))
        .collect();
    assert_eq!(
        found,
        [
            ("containerDefinitions[0].portMappings[0].hostPort", 16, 46),
            ("containerDefinitions[1].memory", 21, 7),
            (
                "containerDefinitions[1].logConfiguration.options.awslogs-stream-prefix",
                22,
                52
            ),
        ],
        "{p:#?}"
    );
}

#[test]
fn a_missing_field_points_at_the_object_that_should_hold_it() {
    let text = "{\n  \"family\": \"web\",\n  \"containerDefinitions\": [\n    {\"name\": \"a\", \"memory\": 8},\n    {\n      \"image\": \"x\", \"memory\": 8\n    }\n  ]\n}";
    let p = check(text).unwrap_err();
    let found: Vec<(&str, usize, usize)> = p
        .iter()
        .map(|x| (x.path.as_str(), x.line, x.column))
        .collect();
    assert_eq!(
        found,
        [
            ("containerDefinitions[0].image", 4, 5),
            ("containerDefinitions[1].name", 5, 5)
        ]
    );
    // A missing top-level field points at the document.
    let p = check(
        "\n\n  {\"containerDefinitions\": [{\"name\": \"a\", \"image\": \"x\", \"memory\": 8}]}",
    )
    .unwrap_err();
    assert_eq!(
        (p[0].path.as_str(), p[0].line, p[0].column),
        ("family", 3, 3)
    );
}

#[test]
fn every_problem_is_returned_not_just_the_first() {
    let doc = json!({
        "family": "bad family",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "300",
        "revision": 2,
        "containerDefinitions": [
            {"name": "a", "image": "Bad", "essential": false},
            {"name": "a", "essential": false, "dependsOn": [{"containerName": "zz"}]}
        ]
    });
    let p = problems(&doc);
    let paths: Vec<&str> = p.iter().map(|x| x.path.as_str()).collect();
    for expected in [
        "family",
        "networkMode",
        "cpu",
        "memory",
        "revision",
        "containerDefinitions",
        "containerDefinitions[0].image",
        "containerDefinitions[1].name",
        "containerDefinitions[1].image",
        "containerDefinitions[1].dependsOn[0].containerName",
        "containerDefinitions[1].dependsOn[0].condition",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    let positions: Vec<(usize, usize)> = p.iter().map(|x| (x.line, x.column)).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted);
}
