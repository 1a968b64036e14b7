//! The container rules: a passing and a failing case for each.

use serde_json::{Value, json};

use super::tests::{assert_has, assert_ok, assert_one, ec2, fargate, problems, with, without};

// ---- containers ----

#[test]
fn at_least_one_container_is_essential_and_absent_means_true() {
    let none = with(ec2(), "/containerDefinitions/0/essential", json!(false));
    assert_one(&none, "containerDefinitions", "essential");
    assert_ok(&without(ec2(), "/containerDefinitions/0/essential"));
    assert_one(
        &with(ec2(), "/containerDefinitions/0/essential", json!("yes")),
        "containerDefinitions[0].essential",
        "true or false",
    );
}

#[test]
fn every_container_has_a_unique_valid_name() {
    let doc = without(ec2(), "/containerDefinitions/1/name");
    assert_has(&doc, "containerDefinitions[1].name", "needs a name");
    let doc = with(ec2(), "/containerDefinitions/1/name", json!("app"));
    assert_has(
        &doc,
        "containerDefinitions[1].name",
        "already used by containerDefinitions[0]",
    );
    let doc = with(
        json!({"family": "f", "containerDefinitions": [{"name": "a b", "image": "x", "memory": 8}]}),
        "/family",
        json!("f"),
    );
    assert_one(&doc, "containerDefinitions[0].name", "' '");
}

#[test]
fn every_container_has_a_valid_image() {
    assert_one(
        &without(ec2(), "/containerDefinitions/1/image"),
        "containerDefinitions[1].image",
        "needs an image",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions/1/image", json!("BusyBox")),
        "containerDefinitions[1].image",
        "lowercase",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions/1/image", json!(["busybox"])),
        "containerDefinitions[1].image",
        "must be a string",
    );
    assert_ok(&with(
        ec2(),
        "/containerDefinitions/1/image",
        json!("public.ecr.aws/docker/library/busybox:1.36"),
    ));
}

#[test]
fn without_task_memory_each_container_needs_memory_or_a_reservation() {
    let doc = without(ec2(), "/containerDefinitions/1/memory");
    assert_one(
        &doc,
        "containerDefinitions[1].memory",
        "memory or memoryReservation",
    );
    assert_ok(&with(
        doc.clone(),
        "/containerDefinitions/1/memoryReservation",
        json!(32),
    ));
    assert_ok(&with(doc.clone(), "/memory", json!("1024")));
    assert_one(
        &with(ec2(), "/containerDefinitions/1/memory", json!(0)),
        "containerDefinitions[1].memory",
        "more than 0",
    );
}

#[test]
fn memory_reservation_does_not_exceed_memory() {
    assert_ok(&with(
        ec2(),
        "/containerDefinitions/0/memoryReservation",
        json!(256),
    ));
    assert_one(
        &with(
            ec2(),
            "/containerDefinitions/0/memoryReservation",
            json!(257),
        ),
        "containerDefinitions[0].memoryReservation",
        "must not exceed memory (256 MiB)",
    );
}

#[test]
fn reservations_add_up_to_at_most_the_task_memory() {
    let doc = without(ec2(), "/containerDefinitions/0/memory");
    let doc = with(doc, "/containerDefinitions/0/memoryReservation", json!(300));
    let doc = without(doc, "/containerDefinitions/1/memory");
    let doc = with(doc, "/containerDefinitions/1/memoryReservation", json!(212));
    assert_ok(&with(doc.clone(), "/memory", json!("512")));
    assert_one(
        &with(doc, "/memory", json!("500")),
        "memory",
        "add up to 512 MiB",
    );
}

#[test]
fn no_container_memory_exceeds_the_task_memory() {
    assert_ok(&with(ec2(), "/memory", json!("256")));
    assert_one(
        &with(ec2(), "/memory", json!("255")),
        "containerDefinitions[0].memory",
        "more than the task's memory (255 MiB)",
    );
}

#[test]
fn container_cpu_adds_up_to_at_most_the_task_cpu() {
    assert_ok(&with(ec2(), "/cpu", json!("128")));
    let doc = with(ec2(), "/containerDefinitions/1/cpu", json!(1));
    assert_one(
        &with(doc, "/cpu", json!("128")),
        "cpu",
        "add up to 129 units",
    );
}

#[test]
fn task_sizes_are_strings_in_the_forms_aws_accepts() {
    let doc = with(
        with(ec2(), "/cpu", json!("1 vCPU")),
        "/memory",
        json!("2 GB"),
    );
    assert_ok(&doc);
    let doc = with(
        with(ec2(), "/cpu", json!("0.25 vcpu")),
        "/memory",
        json!("0.5GB"),
    );
    assert_ok(&doc);
    assert_one(
        &with(ec2(), "/memory", json!(512)),
        "memory",
        "must be a string",
    );
    assert_one(
        &with(ec2(), "/cpu", json!(256)),
        "cpu",
        "put the number in quotes",
    );
    assert_one(
        &with(ec2(), "/memory", json!("512MB")),
        "memory",
        "not a size AWS accepts",
    );
    assert_one(&with(ec2(), "/cpu", json!("fast")), "cpu", "vCPU");
    assert_one(&with(ec2(), "/memory", json!("0")), "memory", "more than 0");
    assert_one(&with(ec2(), "/cpu", json!(true)), "cpu", "must be a string");
    // A bare number is still read for the size rules.
    let doc = with(ec2(), "/memory", json!(200));
    assert_has(
        &doc,
        "containerDefinitions[0].memory",
        "more than the task's memory",
    );
}

#[test]
fn container_sizes_are_whole_non_negative_numbers() {
    let at = "containerDefinitions[1].memory";
    assert_one(
        &with(ec2(), "/containerDefinitions/1/memory", json!("64")),
        at,
        "without quotes",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions/1/memory", json!(64.5)),
        at,
        "whole number",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions/1/memory", json!(-1)),
        at,
        "between 0 and",
    );
    assert_one(
        &with(
            ec2(),
            "/containerDefinitions/1/memory",
            json!(3_000_000_000u64),
        ),
        at,
        "between 0 and 2147483647",
    );
    assert_one(
        &with(ec2(), "/containerDefinitions/1/cpu", json!(-5)),
        "containerDefinitions[1].cpu",
        "between 0",
    );
    assert_one(
        &with(
            ec2(),
            "/containerDefinitions/0/memoryReservation",
            json!({}),
        ),
        "containerDefinitions[0].memoryReservation",
        "must be a number",
    );
    assert_ok(&with(ec2(), "/containerDefinitions/1/cpu", json!(0)));
}

#[test]
fn null_fields_count_as_absent() {
    assert_ok(&with(
        ec2(),
        "/containerDefinitions/0/memoryReservation",
        json!(null),
    ));
    assert_ok(&with(ec2(), "/taskRoleArn", json!(null)));
}

// ---- port mappings ----

#[test]
fn port_numbers_are_in_range() {
    let mapping = |m: Value| with(ec2(), "/containerDefinitions/0/portMappings/0", m);
    let at = "containerDefinitions[0].portMappings[0]";
    assert_ok(&mapping(json!({"containerPort": 65535, "hostPort": 65535})));
    assert_ok(&mapping(json!({"containerPort": 1})));
    assert_one(
        &mapping(json!({"containerPort": 0})),
        &format!("{at}.containerPort"),
        "between 1 and 65535",
    );
    assert_one(
        &mapping(json!({"containerPort": 65536})),
        &format!("{at}.containerPort"),
        "between 1 and 65535",
    );
    assert_one(
        &mapping(json!({"containerPort": 80, "hostPort": -1})),
        &format!("{at}.hostPort"),
        "between 0 and 65535",
    );
    assert_one(
        &mapping(json!({"containerPort": 80, "hostPort": 70000})),
        &format!("{at}.hostPort"),
        "between 0 and 65535",
    );
    assert_one(
        &mapping(json!({"hostPort": 80})),
        &format!("{at}.containerPort"),
        "needs containerPort",
    );
    assert_ok(&mapping(json!({"containerPortRange": "8000-8010"})));
    assert_one(&mapping(json!("80:80")), at, "is an object");
}

#[test]
fn protocols_are_tcp_or_udp() {
    let p = "/containerDefinitions/0/portMappings/0/protocol";
    assert_ok(&with(ec2(), p, json!("udp")));
    assert_one(
        &with(ec2(), p, json!("TCP")),
        "containerDefinitions[0].portMappings[0].protocol",
        "lowercase",
    );
    assert_one(
        &with(ec2(), p, json!("http")),
        "containerDefinitions[0].portMappings[0].protocol",
        "\"tcp\" or \"udp\"",
    );
}

#[test]
fn a_container_port_and_protocol_are_mapped_once() {
    let p = "/containerDefinitions/0/portMappings/1";
    assert_ok(&with(
        ec2(),
        p,
        json!({"containerPort": 80, "protocol": "udp"}),
    ));
    assert_ok(&with(ec2(), p, json!({"containerPort": 81})));
    // Protocol defaults to tcp, so this repeats 80/tcp.
    assert_one(
        &with(ec2(), p, json!({"containerPort": 80, "hostPort": 8080})),
        "containerDefinitions[0].portMappings[1].containerPort",
        "80/tcp is mapped twice",
    );
    // The same port in two containers is another rule's business (host ports), not this one.
    assert_ok(&with(
        ec2(),
        "/containerDefinitions/1/portMappings",
        json!([{"containerPort": 80}]),
    ));
}

// ---- volumes ----

#[test]
fn volume_names_are_unique_and_well_formed() {
    let doc = with(ec2(), "/volumes/1", json!({"name": "data"}));
    assert_one(&doc, "volumes[1].name", "must be unique");
    let renamed = with(ec2(), "/volumes/0/name", json!("my data"));
    // The mount point then names a volume that no longer exists.
    assert_has(&renamed, "volumes[0].name", "' '");
    assert_has(
        &renamed,
        "containerDefinitions[0].mountPoints[0].sourceVolume",
        "no volume",
    );
    assert_ok(&with(ec2(), "/volumes/1", json!({"name": "other"})));
    assert_has(
        &with(ec2(), "/volumes", json!({"name": "x"})),
        "volumes",
        "must be a list",
    );
}

#[test]
fn mount_points_name_declared_volumes() {
    let p = "/containerDefinitions/0/mountPoints/0/sourceVolume";
    let at = "containerDefinitions[0].mountPoints[0].sourceVolume";
    assert_one(
        &with(ec2(), p, json!("logs")),
        at,
        "no volume named \"logs\"",
    );
    assert_has(&with(ec2(), p, json!("logs")), at, "the volumes are: data");
    assert_one(&without(ec2(), "/volumes"), at, "declares no volumes");
    assert_one(&without(ec2(), p), at, "needs sourceVolume");
}

#[test]
fn volumes_from_names_another_container() {
    let p = "/containerDefinitions/1/volumesFrom/0/sourceContainer";
    let at = "containerDefinitions[1].volumesFrom[0].sourceContainer";
    assert_one(
        &with(ec2(), p, json!("db")),
        at,
        "no container named \"db\"",
    );
    assert_one(&with(ec2(), p, json!("init")), at, "this container itself");
    assert_one(&without(ec2(), p), at, "needs sourceContainer");
}

// ---- logs ----

#[test]
fn awslogs_needs_a_group_and_a_region() {
    let options = "/containerDefinitions/0/logConfiguration/options";
    let at = "containerDefinitions[0].logConfiguration.options";
    assert_one(
        &without(ec2(), &format!("{options}/awslogs-group")),
        &format!("{at}.awslogs-group"),
        "needs awslogs-group",
    );
    assert_one(
        &without(ec2(), &format!("{options}/awslogs-region")),
        &format!("{at}.awslogs-region"),
        "needs awslogs-region",
    );
    assert_one(
        &with(ec2(), &format!("{options}/awslogs-region"), json!(" ")),
        &format!("{at}.awslogs-region"),
        "empty",
    );
    let p = problems(&without(ec2(), options));
    assert_eq!(p.len(), 2, "{p:#?}");
    // On EC2 the stream prefix is optional.
    assert_ok(&ec2());
    // Another driver has its own options.
    let gelf = json!({"logDriver": "gelf", "options": {"gelf-address": "udp://x:12201"}});
    assert_ok(&with(
        ec2(),
        "/containerDefinitions/0/logConfiguration",
        gelf,
    ));
}

#[test]
fn awslogs_on_fargate_needs_a_stream_prefix() {
    let doc = without(
        fargate(),
        "/containerDefinitions/0/logConfiguration/options/awslogs-stream-prefix",
    );
    assert_one(
        &doc,
        "containerDefinitions[0].logConfiguration.options.awslogs-stream-prefix",
        "on Fargate the awslogs driver needs awslogs-stream-prefix",
    );
}

#[test]
fn log_configuration_has_a_driver_and_string_options() {
    assert_one(
        &without(ec2(), "/containerDefinitions/0/logConfiguration/logDriver"),
        "containerDefinitions[0].logConfiguration.logDriver",
        "needs logDriver",
    );
    assert_one(
        &with(
            ec2(),
            "/containerDefinitions/0/logConfiguration/options/awslogs-create-group",
            json!(true),
        ),
        "containerDefinitions[0].logConfiguration.options.awslogs-create-group",
        "strings",
    );
}

// ---- dependsOn ----

#[test]
fn depends_on_names_an_existing_container_with_a_known_condition() {
    let d = "/containerDefinitions/0/dependsOn/0";
    let at = "containerDefinitions[0].dependsOn[0]";
    for condition in ["START", "COMPLETE", "SUCCESS", "HEALTHY"] {
        assert_ok(&with(ec2(), &format!("{d}/condition"), json!(condition)));
    }
    assert_one(
        &with(ec2(), &format!("{d}/condition"), json!("READY")),
        &format!("{at}.condition"),
        "START, COMPLETE, SUCCESS, HEALTHY",
    );
    assert_one(
        &without(ec2(), &format!("{d}/condition")),
        &format!("{at}.condition"),
        "needs a condition",
    );
    assert_one(
        &with(ec2(), &format!("{d}/containerName"), json!("db")),
        &format!("{at}.containerName"),
        "containers: app, init",
    );
    assert_one(
        &with(ec2(), &format!("{d}/containerName"), json!("app")),
        &format!("{at}.containerName"),
        "itself",
    );
    assert_one(
        &without(ec2(), &format!("{d}/containerName")),
        &format!("{at}.containerName"),
        "needs containerName",
    );
}

// ---- environment ----

#[test]
fn environment_values_are_strings() {
    let p = "/containerDefinitions/0/environment/0/value";
    assert_one(
        &with(ec2(), p, json!(80)),
        "containerDefinitions[0].environment[0].value",
        "put it in quotes",
    );
    assert_ok(&with(ec2(), p, json!("")));
}
