//! The demo fleet through the `Ops` trait: reads, every mutation and auto scaling; the
//! rollout follower on the simulation (circuit breaker included) is in `rollout_tests.rs`.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures::FutureExt;
use serde_json::{Value, json};

use super::catalog::{FAILING_CLUSTER, FAILING_SERVICE};
use super::{DemoBackend, DemoOptions};
use crate::domain::clock::ManualClock;
use crate::domain::model::{Service, Task, TaskScope};
use crate::domain::{Backend, ErrorKind};
use crate::ops::model::{
    ScalableTarget, ScheduledAction, Suspended, TargetTracking, TrackedMetric,
};
use crate::ops::{InstanceState, Mutation, Ops, Outcome};

const NO_LATENCY: std::ops::Range<StdDuration> = StdDuration::ZERO..StdDuration::ZERO;

fn opens_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

fn demo(seed: u64) -> (DemoBackend, ManualClock) {
    let clock = ManualClock::new(opens_at());
    let backend = DemoBackend::new(DemoOptions {
        seed,
        clock: Arc::new(clock.clone()),
        latency: NO_LATENCY,
    });
    (backend, clock)
}

fn deploy(cluster: &str, service: &str, from: &str, to: &str, force: bool) -> Mutation {
    Mutation::Deploy {
        cluster: cluster.into(),
        service: service.into(),
        from: from.into(),
        to: to.into(),
        force,
    }
}

fn register(family: &str, json: Value) -> Mutation {
    Mutation::RegisterTaskDefinition {
        family: family.into(),
        based_on: None,
        json,
    }
}

fn service_of(outcome: Outcome) -> Service {
    match outcome {
        Outcome::Service(s) => *s,
        other => panic!("expected a service, got {other:?}"),
    }
}

fn registered(outcome: Outcome) -> (String, i32) {
    match outcome {
        Outcome::Registered { arn, revision } => (arn, revision),
        other => panic!("expected a registration, got {other:?}"),
    }
}

/// The service's current revision as RegisterTaskDefinition JSON, with every image tag
/// replaced by `tag`.
async fn retagged(b: &DemoBackend, cluster: &str, service: &str, tag: &str) -> (String, Value) {
    let svc = b.service(cluster, service).await.unwrap();
    let doc = b.task_definition_doc(&svc.task_definition).await.unwrap();
    let mut json = doc.json.clone();
    for c in json["containerDefinitions"].as_array_mut().unwrap() {
        let image = c["image"].as_str().unwrap();
        let repo = image.rsplit_once(':').unwrap().0.to_string();
        if c["name"] == doc.json["containerDefinitions"][0]["name"] {
            c["image"] = json!(format!("{repo}:{tag}"));
        }
    }
    (doc.family, json)
}

#[tokio::test]
async fn service_reads_one_service_by_name_or_arn() {
    let (b, _) = demo(1);
    let svc = b.service("prod-core", "checkout").await.unwrap();
    assert_eq!(svc.name, "checkout");
    let by_arn = b
        .service(
            "arn:aws:ecs:eu-west-1:123456789012:cluster/prod-core",
            "arn:aws:ecs:eu-west-1:123456789012:service/prod-core/checkout",
        )
        .await
        .unwrap();
    assert_eq!(by_arn, svc);
    let e = b.service("prod-core", "nope").await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::NotFound, "Service not found.")
    );
    let e = b.service("nope", "checkout").await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::NotFound, "Cluster not found.")
    );
}

#[tokio::test]
async fn families_list_every_revision_newest_first() {
    let (b, _) = demo(1);
    let families = b.families().await.unwrap();
    assert!(families.len() >= 40);
    for f in &families {
        let revisions: Vec<i32> = f
            .revisions
            .iter()
            .map(|arn| {
                assert!(arn.starts_with(&format!(
                    "arn:aws:ecs:eu-west-1:123456789012:task-definition/{}:",
                    f.name
                )));
                arn.rsplit(':').next().unwrap().parse().unwrap()
            })
            .collect();
        assert!(revisions.windows(2).all(|w| w[0] == w[1] + 1), "{}", f.name);
        assert_eq!(revisions.last(), Some(&1));
    }
    // The failing revision is registered but not deployed: newer than what runs.
    let orders = families.iter().find(|f| f.name == FAILING_SERVICE).unwrap();
    let running = b.service(FAILING_CLUSTER, FAILING_SERVICE).await.unwrap();
    assert_eq!(orders.revisions[1], running.task_definition);
}

#[tokio::test]
async fn generated_task_definition_docs_are_full_and_match_the_fleet() {
    let (b, _) = demo(1);
    for (cluster, service) in [
        ("prod-core", "payments"),
        ("prod-platform", "web-frontend"),
        ("staging", "checkout"),
        ("prod-core", "shipping-quotes"),
    ] {
        let svc = b.service(cluster, service).await.unwrap();
        let doc = b.task_definition_doc(&svc.task_definition).await.unwrap();
        let td = b.task_definition(&svc.task_definition).await.unwrap();
        assert_eq!(
            (doc.arn.as_str(), doc.family.as_str(), doc.revision),
            (td.arn.as_str(), td.family.as_str(), td.revision)
        );
        let j = &doc.json;
        for gone in crate::ops::taskdef::DESCRIBE_ONLY {
            assert!(j.get(gone).is_none(), "{gone} is describe-only");
        }
        assert_eq!(j["family"], json!(td.family));
        assert_eq!(j["taskRoleArn"], json!(td.task_role_arn));
        assert_eq!(j["executionRoleArn"], json!(td.execution_role_arn));
        assert_eq!(j["networkMode"], json!(td.network_mode));
        assert_eq!(j["cpu"], json!(td.cpu));
        assert_eq!(j["memory"], json!(td.memory));
        assert_eq!(
            j["requiresCompatibilities"],
            json!(td.requires_compatibilities)
        );
        assert!(j["tags"].as_array().is_some_and(|t| !t.is_empty()));
        let containers = j["containerDefinitions"].as_array().unwrap();
        assert_eq!(containers.len(), td.containers.len());
        for (c, model) in containers.iter().zip(&td.containers) {
            assert_eq!(c["name"], json!(model.name));
            assert_eq!(c["image"], json!(model.image));
            assert_eq!(c["essential"], json!(model.essential));
            assert_eq!(c["cpu"], json!(model.cpu));
            assert_eq!(
                c.get("memory").and_then(Value::as_i64),
                model.memory.map(i64::from)
            );
            assert_eq!(c["memoryReservation"], json!(model.memory_reservation));
            assert!(c["environment"].is_array());
            // The same log configuration as the model: what finding the streams reads.
            let log = &c["logConfiguration"];
            let model_log = model.log_configuration.as_ref().unwrap();
            assert_eq!(log["logDriver"], json!(model_log.driver));
            assert_eq!(log["options"], json!(model_log.options));
            if model_log.driver == "awslogs" {
                assert_eq!(
                    log["options"]["awslogs-group"],
                    json!(format!("/ecs/{}", td.family))
                );
                assert_eq!(log["options"]["awslogs-region"], "eu-west-1");
                assert_eq!(log["options"]["awslogs-stream-prefix"], "ecs");
            }
            let ports: Vec<i64> = c["portMappings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["containerPort"].as_i64().unwrap())
                .collect();
            let model_ports: Vec<i64> = model
                .port_mappings
                .iter()
                .map(|p| i64::from(p.container_port.unwrap()))
                .collect();
            assert_eq!(ports, model_ports);
        }
        // Services behind a load balancer check their application's health.
        assert!(containers[0]["healthCheck"]["command"].is_array());
    }
    let e = b.task_definition_doc("payments:99999").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
    let e = b.task_definition_doc("nope").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound);
}

#[tokio::test]
async fn a_registered_revision_comes_back_exactly_as_sent() {
    let (b, _) = demo(1);
    let svc = b.service("prod-core", "payments").await.unwrap();
    let old = b.task_definition_doc(&svc.task_definition).await.unwrap();
    let mut json = old.json.clone();
    json["containerDefinitions"][0]["environment"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "FEATURE_X", "value": "on"}));
    // A field this build's SDK would not know is kept too.
    json["containerDefinitions"][0]["restartPolicy"] =
        json!({"enabled": true, "restartAttemptPeriod": 60});
    let (arn, revision) = registered(
        b.execute(&register("payments", json.clone()))
            .await
            .unwrap(),
    );
    assert_eq!(revision, old.revision + 1);
    assert_eq!(
        arn,
        format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/payments:{revision}")
    );
    let doc = b.task_definition_doc(&arn).await.unwrap();
    assert_eq!(doc.json, json);
    assert_eq!(doc.revision, revision);
    let by_family = b.task_definition_doc("payments").await.unwrap();
    assert_eq!(by_family, doc);
    // The panes' model reads it like any other revision.
    let model = b.task_definition(&arn).await.unwrap();
    let before = b.task_definition(&svc.task_definition).await.unwrap();
    assert_eq!(model.containers, before.containers);
    assert_eq!(
        (model.cpu.clone(), model.memory.clone()),
        (before.cpu, before.memory)
    );
    assert!(
        b.families()
            .await
            .unwrap()
            .iter()
            .any(|f| f.name == "payments" && f.revisions[0] == arn)
    );

    // A brand-new family starts at revision 1.
    let fresh = json!({
        "family": "canary-probe",
        "containerDefinitions": [{"name": "probe", "image": "busybox:1.36", "memory": 64}]
    });
    let (arn, revision) = registered(
        b.execute(&register("canary-probe", fresh.clone()))
            .await
            .unwrap(),
    );
    assert_eq!(revision, 1);
    assert_eq!(b.task_definition_doc(&arn).await.unwrap().json, fresh);
}

#[tokio::test]
async fn invalid_registrations_are_refused_like_aws() {
    let (b, _) = demo(1);
    let cases = [
        (
            json!({"containerDefinitions": [{"name": "a", "image": "x", "memory": 8}]}),
            "\"family\"",
        ),
        (json!({"family": "f"}), "\"containerDefinitions\""),
        (
            json!({"family": "f", "containerDefinitions": []}),
            "Container list cannot be empty.",
        ),
        (
            json!({"family": "f", "containerDefinitions": [{"image": "x", "memory": 8}]}),
            "Container.name",
        ),
    ];
    for (body, says) in cases {
        let e = b.execute(&register("f", body)).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        assert_eq!(e.operation, "RegisterTaskDefinition");
        assert!(e.message.contains(says), "{} lacks {says}", e.message);
    }
    let body = json!({"family": "other", "containerDefinitions": [{"name": "a", "image": "x", "memory": 8}]});
    let e = b.execute(&register("f", body)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(
        !b.families()
            .await
            .unwrap()
            .iter()
            .any(|f| f.name == "f" || f.name == "other")
    );
}

#[tokio::test]
async fn scale_changes_the_desired_count_and_tasks_follow() {
    let (b, clock) = demo(2);
    let m = Mutation::Scale {
        cluster: "prod-platform".into(),
        service: "auth".into(),
        from: 3,
        to: 5,
    };
    let svc = service_of(b.execute(&m).await.unwrap());
    assert_eq!((svc.desired, svc.running), (5, 3));
    clock.advance(Duration::minutes(3));
    let svc = b.service("prod-platform", "auth").await.unwrap();
    assert_eq!((svc.desired, svc.running, svc.pending), (5, 5, 0));

    let missing = Mutation::Scale {
        cluster: "prod-platform".into(),
        service: "nope".into(),
        from: 1,
        to: 2,
    };
    assert_eq!(
        b.execute(&missing).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let negative = Mutation::Scale {
        cluster: "prod-platform".into(),
        service: "auth".into(),
        from: 5,
        to: -1,
    };
    assert_eq!(
        b.execute(&negative).await.unwrap_err().kind,
        ErrorKind::InvalidRequest
    );
}

#[tokio::test]
async fn deploy_starts_a_primary_deployment_and_force_redeploys_the_same_revision() {
    let (b, clock) = demo(3);
    let before = b.service("prod-platform", "feature-flags").await.unwrap();
    let current = before.task_definition.clone();
    // Same revision, not forced: nothing to roll out.
    let same = service_of(
        b.execute(&deploy(
            "prod-platform",
            "feature-flags",
            &current,
            &current,
            false,
        ))
        .await
        .unwrap(),
    );
    assert_eq!(same.deployments.len(), 1);
    assert_eq!(same.deployments[0].id, before.deployments[0].id);

    let forced = service_of(
        b.execute(&deploy(
            "prod-platform",
            "feature-flags",
            &current,
            &current,
            true,
        ))
        .await
        .unwrap(),
    );
    let new = &forced.deployments[0];
    assert_eq!(
        (new.status.as_str(), new.rollout_state.as_deref()),
        ("PRIMARY", Some("IN_PROGRESS"))
    );
    assert_ne!(new.id, before.deployments[0].id);
    assert_eq!(new.task_definition, current);
    assert_eq!(forced.deployments.len(), 2);
    let old_ids: Vec<String> = b
        .tasks("prod-platform", Some("feature-flags"), TaskScope::Running)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    clock.advance(Duration::minutes(6));
    let after = b.service("prod-platform", "feature-flags").await.unwrap();
    assert_eq!(after.deployments.len(), 1);
    assert_eq!(
        after.deployments[0].rollout_state.as_deref(),
        Some("COMPLETED")
    );
    let running = b
        .tasks("prod-platform", Some("feature-flags"), TaskScope::Running)
        .await
        .unwrap();
    assert!(
        running.iter().all(|t| !old_ids.contains(&t.id)),
        "every task replaced"
    );

    let missing = deploy(
        "prod-platform",
        "feature-flags",
        &current,
        "feature-flags:99999",
        false,
    );
    assert_eq!(
        b.execute(&missing).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    // An EC2-only (bridge) revision cannot run on Fargate.
    let ec2_only = b
        .service("prod-core", "cart")
        .await
        .unwrap()
        .task_definition;
    let e = b
        .execute(&deploy(
            "prod-platform",
            "feature-flags",
            &current,
            &ec2_only,
            false,
        ))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert!(e.message.contains("FARGATE"));
}

#[tokio::test]
async fn stop_task_stops_it_with_the_reason_and_the_service_replaces_it() {
    let (b, clock) = demo(4);
    let tasks = b
        .tasks("prod-platform", Some("geo-lookup"), TaskScope::Running)
        .await
        .unwrap();
    let victim = tasks[0].clone();
    let m = Mutation::StopTask {
        cluster: "prod-platform".into(),
        task: victim.arn.clone(),
        reason: "stuck on a bad connection".into(),
    };
    assert_eq!(b.execute(&m).await.unwrap(), Outcome::Done);
    clock.advance(Duration::minutes(2));
    let stopped: Vec<Task> = b
        .tasks("prod-platform", Some("geo-lookup"), TaskScope::Stopped)
        .await
        .unwrap();
    let t = stopped.iter().find(|t| t.id == victim.id).unwrap();
    assert_eq!(t.last_status, "STOPPED");
    assert_eq!(
        t.stopped_reason.as_deref(),
        Some("stuck on a bad connection")
    );
    assert_eq!(t.stop_code.as_deref(), Some("UserInitiated"));
    let running = b
        .tasks("prod-platform", Some("geo-lookup"), TaskScope::Running)
        .await
        .unwrap();
    assert_eq!(running.len(), tasks.len());
    assert!(running.iter().all(|t| t.id != victim.id));

    let missing = Mutation::StopTask {
        cluster: "prod-platform".into(),
        task: "0123456789abcdef0123456789abcdef".into(),
        reason: "x".into(),
    };
    let e = b.execute(&missing).await.unwrap_err();
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ErrorKind::NotFound, "The referenced task was not found.")
    );
}

#[tokio::test]
async fn draining_an_instance_moves_its_tasks_and_activating_it_takes_them_again() {
    let (b, clock) = demo(5);
    let instances = b.container_instances("prod-core").await.unwrap();
    let busy = instances
        .iter()
        .filter(|i| i.status == "ACTIVE" && i.agent_connected)
        .max_by_key(|i| i.running_tasks)
        .unwrap()
        .clone();
    assert!(busy.running_tasks > 0);
    let drain = Mutation::SetInstanceState {
        cluster: "prod-core".into(),
        instance: busy.arn.clone(),
        from: "ACTIVE".into(),
        to: InstanceState::Draining,
    };
    assert_eq!(b.execute(&drain).await.unwrap(), Outcome::Done);
    clock.advance(Duration::minutes(5));
    let now = b.container_instances("prod-core").await.unwrap();
    let it = now.iter().find(|i| i.arn == busy.arn).unwrap();
    assert_eq!((it.status.as_str(), it.running_tasks), ("DRAINING", 0));
    let activate = Mutation::SetInstanceState {
        cluster: "prod-core".into(),
        instance: busy.arn.clone(),
        from: "DRAINING".into(),
        to: InstanceState::Active,
    };
    b.execute(&activate).await.unwrap();
    let it = b
        .container_instances("prod-core")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.arn == busy.arn)
        .unwrap();
    assert_eq!(it.status, "ACTIVE");
    let missing = Mutation::SetInstanceState {
        cluster: "prod-core".into(),
        instance: "nope".into(),
        from: "ACTIVE".into(),
        to: InstanceState::Draining,
    };
    assert_eq!(
        b.execute(&missing).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn auto_scaling_mutations_change_what_scaling_reads() {
    let (b, clock) = demo(6);
    let none = b.scaling("staging", "payments").await.unwrap();
    assert_eq!(none.target, None);
    let target = ScalableTarget {
        min: 1,
        max: 3,
        suspended: Suspended::default(),
    };
    let put = Mutation::PutScalableTarget {
        cluster: "staging".into(),
        service: "payments".into(),
        before: None,
        after: target,
    };
    b.execute(&put).await.unwrap();
    let tt = TargetTracking {
        metric: TrackedMetric::Memory,
        target_value: 70.0,
        scale_in_cooldown: Some(300),
        scale_out_cooldown: Some(60),
        disable_scale_in: false,
    };
    b.execute(&Mutation::PutTargetTracking {
        cluster: "staging".into(),
        service: "payments".into(),
        name: "memory".into(),
        before: None,
        after: tt.clone(),
    })
    .await
    .unwrap();
    let action = ScheduledAction {
        name: "weekend".into(),
        schedule: "cron(0 0 ? * SAT *)".into(),
        timezone: Some("Europe/Berlin".into()),
        min: Some(1),
        max: Some(1),
        start: None,
        end: None,
    };
    b.execute(&Mutation::PutScheduledAction {
        cluster: "staging".into(),
        service: "payments".into(),
        before: None,
        after: action.clone(),
    })
    .await
    .unwrap();
    let s = b.scaling("staging", "payments").await.unwrap();
    assert_eq!(s.target, Some(target));
    assert_eq!(s.policies.len(), 1);
    assert_eq!(s.scheduled, vec![action.clone()]);

    // Scaling past the maximum is accepted, then auto scaling moves it back.
    let svc = service_of(
        b.execute(&Mutation::Scale {
            cluster: "staging".into(),
            service: "payments".into(),
            from: 1,
            to: 5,
        })
        .await
        .unwrap(),
    );
    assert_eq!(svc.desired, 5);
    clock.advance(Duration::minutes(2));
    assert_eq!(b.service("staging", "payments").await.unwrap().desired, 3);
    let activities = b
        .scaling("staging", "payments")
        .await
        .unwrap()
        .activities
        .unwrap();
    assert_eq!(activities[0].description, "Setting desired count to 3.");

    let policy = s.policies[0].clone();
    b.execute(&Mutation::DeletePolicy {
        cluster: "staging".into(),
        service: "payments".into(),
        before: policy.clone(),
    })
    .await
    .unwrap();
    b.execute(&Mutation::DeleteScheduledAction {
        cluster: "staging".into(),
        service: "payments".into(),
        before: action.clone(),
    })
    .await
    .unwrap();
    b.execute(&Mutation::DeleteScalableTarget {
        cluster: "staging".into(),
        service: "payments".into(),
        before: target,
    })
    .await
    .unwrap();
    assert_eq!(b.scaling("staging", "payments").await.unwrap().target, None);
    let again = Mutation::DeletePolicy {
        cluster: "staging".into(),
        service: "payments".into(),
        before: policy,
    };
    assert_eq!(
        b.execute(&again).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
    let missing = Mutation::PutScalableTarget {
        cluster: "staging".into(),
        service: "nope".into(),
        before: None,
        after: target,
    };
    assert_eq!(
        b.execute(&missing).await.unwrap_err().kind,
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn operations_wait_out_the_latency_and_are_deterministic() {
    let clock = ManualClock::new(opens_at());
    let slow = DemoBackend::new(DemoOptions {
        seed: 1,
        clock: Arc::new(clock.clone()),
        latency: StdDuration::from_millis(20)..StdDuration::from_millis(30),
    });
    let m = Mutation::Scale {
        cluster: "staging".into(),
        service: "auth".into(),
        from: 1,
        to: 2,
    };
    assert!(
        slow.execute(&m).now_or_never().is_none(),
        "the call should be waiting"
    );
    assert!(slow.service("staging", "auth").now_or_never().is_none());

    // The same calls at the same times give the same fleet.
    let run = || async {
        let (b, clock) = demo(9);
        let svc = b.service("prod-platform", "partner-api").await.unwrap();
        b.execute(&deploy(
            "prod-platform",
            "partner-api",
            &svc.task_definition,
            &svc.task_definition,
            true,
        ))
        .await
        .unwrap();
        clock.advance(Duration::seconds(45));
        b.execute(&Mutation::Scale {
            cluster: "prod-platform".into(),
            service: "partner-api".into(),
            from: 2,
            to: 3,
        })
        .await
        .unwrap();
        clock.advance(Duration::seconds(70));
        let tasks = b
            .tasks("prod-platform", Some("partner-api"), TaskScope::Running)
            .await
            .unwrap();
        (
            b.service("prod-platform", "partner-api").await.unwrap(),
            tasks,
        )
    };
    assert_eq!(run().await, run().await);
}

mod rollouts;
