use super::*;

fn task(status: &str, exec: bool, agent: Option<&str>) -> Task {
    Task {
        id: "0123abcd".into(),
        arn: "arn:aws:ecs:eu-west-1:1:task/prod/0123abcd".into(),
        last_status: status.into(),
        group: Some("service:api".into()),
        enable_execute_command: exec,
        containers: vec![Container {
            name: "app".into(),
            image: None,
            last_status: Some("RUNNING".into()),
            health: None,
            exit_code: None,
            reason: None,
            runtime_id: Some("0123abcd-2531612879".into()),
            exec_agent: agent.map(Into::into),
        }],
        ..Task::default()
    }
}

#[test]
fn the_plugin_gets_the_session_and_the_target_from_the_runtime_id() {
    let t = task("RUNNING", true, Some("RUNNING"));
    let c = pick_container(&t, None).unwrap();
    assert_eq!(refusal(&t, c, "prod", None), None);
    let target = target("prod", &t, c).unwrap();
    assert_eq!(target, "ecs:prod_0123abcd_0123abcd-2531612879");
    let session = Session {
        id: "ecs-execute-command-1".into(),
        stream_url: "wss://ssmmessages.eu-west-1.amazonaws.com/v1/data-channel/x".into(),
        token: "secret".into(),
    };
    let args = plugin_args(
        &session,
        "eu-west-1",
        Some("prod"),
        &target,
        &endpoint(None, "eu-west-1"),
    );
    assert_eq!(args.len(), 6);
    let s: serde_json::Value = serde_json::from_str(&args[0]).unwrap();
    assert_eq!(s["sessionId"], "ecs-execute-command-1");
    assert_eq!(s["tokenValue"], "secret");
    assert_eq!(&args[1..4], ["eu-west-1", "StartSession", "prod"]);
    let t: serde_json::Value = serde_json::from_str(&args[4]).unwrap();
    assert_eq!(t["Target"], "ecs:prod_0123abcd_0123abcd-2531612879");
    assert_eq!(args[5], "https://ecs.eu-west-1.amazonaws.com");
    assert!(
        !format!("{session:?}").contains("secret"),
        "the token never prints"
    );
}

#[test]
fn each_reason_exec_cannot_work_is_said_with_its_fix() {
    let cases = [
        (task("PENDING", true, Some("RUNNING")), "not RUNNING"),
        (
            task("RUNNING", false, None),
            "--enable-execute-command --force-new-deployment",
        ),
        (
            task("RUNNING", true, Some("STOPPED")),
            "ExecuteCommandAgent of container app is STOPPED",
        ),
        (task("RUNNING", true, None), "has no ExecuteCommandAgent"),
    ];
    for (t, words) in cases {
        let c = pick_container(&t, None).unwrap();
        let why = refusal(&t, c, "prod", None).expect("refused");
        assert!(why.contains(words), "{why}");
    }
    let off = task("RUNNING", false, None);
    let why = refusal(&off, &off.containers[0], "prod", None).unwrap();
    assert!(why.contains("--cluster prod --service api"), "{why}");
}

#[test]
fn a_container_is_named_or_the_only_one() {
    let mut t = task("RUNNING", true, Some("RUNNING"));
    assert!(
        pick_container(&t, Some("nope"))
            .unwrap_err()
            .contains("has no container nope")
    );
    let mut second = t.containers[0].clone();
    second.name = "envoy".into();
    t.containers.push(second);
    let e = pick_container(&t, None).unwrap_err();
    assert!(e.contains("app, envoy"), "{e}");
    assert_eq!(pick_container(&t, Some("envoy")).unwrap().name, "envoy");
    t.containers[1].runtime_id = None;
    assert!(
        target("prod", &t, &t.containers[1])
            .unwrap_err()
            .contains("no runtime id")
    );
}

#[test]
fn ports_are_local_colon_remote_or_one_for_both() {
    assert_eq!(parse_ports("8080:80"), Ok((8080, 80)));
    assert_eq!(parse_ports("5432"), Ok((5432, 5432)));
    for bad in [
        "0:80", "80:65536", "http", "-1", ":80", "80:", "", "+8080:80", "1:2:3",
    ] {
        assert!(parse_ports(bad).is_err(), "{bad}");
    }
    let to_db = forward_parameters(15432, 5432, Some("db.internal"));
    assert_eq!(to_db["host"][0], "db.internal");
    assert_eq!(to_db["localPortNumber"][0], "15432");
    assert_eq!(
        forward_document(Some("db")),
        "AWS-StartPortForwardingSessionToRemoteHost"
    );
    assert_eq!(forward_document(None), "AWS-StartPortForwardingSession");
    assert!(forward_parameters(1, 2, None).get("host").is_none());
}

#[test]
fn a_host_is_a_name_or_an_address_and_never_carries_the_port() {
    for good in [
        "db.internal",
        "orders-db.cluster-x.eu-west-1.rds.amazonaws.com",
        "10.0.1.5",
        "fe80::1",
    ] {
        assert_eq!(check_host(good), Ok(()), "{good}");
    }
    let with_port = check_host("db:5432").unwrap_err();
    assert!(with_port.contains("LOCAL:REMOTE"), "{with_port}");
    let long = "a".repeat(254);
    for bad in [
        "",
        " ",
        "db internal",
        "db$(id)",
        "db\u{202e}live",
        "db\u{200b}",
        "db;x",
        long.as_str(),
    ] {
        assert!(check_host(bad).is_err(), "{bad:?}");
    }
}
