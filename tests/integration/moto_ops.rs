//! `SdkOps` against moto behind the AWS-like proxy, every write through `Guarded`: each
//! mutation is checked by reading the state back through the API; task definitions keep
//! every field through describe → register; read-only mode sends nothing; AWS errors keep
//! their message; RegisterTaskDefinition is sent once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_ecs::types::LaunchType;
use chrono::{TimeZone, Utc};
use ecsdash::backends::sdk::SdkBackend;
use ecsdash::backends::sdk::ops::SdkOps;
use ecsdash::domain::clock::SystemClock;
use ecsdash::domain::{Backend, ErrorKind, Identity};
use ecsdash::ops::audit::Audit;
use ecsdash::ops::guard::{Guarded, OpError};
use ecsdash::ops::model::{
    PolicyKind, ScalableTarget, ScheduledAction, Suspended, TargetTracking, TrackedMetric,
};
use ecsdash::ops::{InstanceState, Mutation, Ops, Outcome};
use serde_json::{Value, json};

use crate::support::{self, Moto, REGION, count, unique};

/// The code under test (through the proxy), the guard in front of it, a direct client
/// for seeding and checking, and the audit log in a temporary directory.
struct Harness {
    ecs: aws_sdk_ecs::Client,
    backend: SdkBackend,
    ops: Arc<SdkOps>,
    guard: Guarded,
    who: Identity,
    audit: PathBuf,
    _dir: tempfile::TempDir,
}

async fn harness(moto: &Moto, region: &str, read_only: bool) -> Harness {
    let backend = support::backend(moto, region).await;
    let ops = Arc::new(SdkOps::new(&backend));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let audit = dir.path().join("state").join("audit.log");
    let guard = Guarded::new(
        ops.clone(),
        read_only,
        Audit::at(&audit),
        Arc::new(SystemClock),
    );
    Harness {
        ecs: support::ecs(moto, region),
        who: backend.identity(),
        backend,
        ops,
        guard,
        audit,
        _dir: dir,
    }
}

impl Harness {
    async fn apply(&self, m: &Mutation) -> Result<Outcome, OpError> {
        self.guard.apply(&self.who, m).await
    }

    async fn ok(&self, m: &Mutation) -> Outcome {
        match self.apply(m).await {
            Ok(outcome) => outcome,
            Err(e) => panic!("{}: {e}", m.action()),
        }
    }
}

/// The RegisterTaskDefinition request bodies the proxy received for `family`.
async fn register_bodies(moto: &Moto, family: &str) -> Vec<Value> {
    support::requests(moto, "RegisterTaskDefinition", family)
        .await
        .into_iter()
        .filter(|b| b["family"] == family)
        .collect()
}

fn audit_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("the audit log")
        .lines()
        .map(|l| serde_json::from_str(l).expect("an audit line is JSON"))
        .collect()
}

/// A cluster with one service (desired 1) on a fresh family; returns (cluster, service,
/// task definition ARN).
async fn cluster_with_service(ecs: &aws_sdk_ecs::Client, prefix: &str) -> (String, String, String) {
    let cluster = unique(prefix);
    let service = unique("svc");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let td = support::small_task_definition(ecs, &unique(prefix), None, "nginx:1.27").await;
    ecs.create_service()
        .cluster(&cluster)
        .service_name(&service)
        .task_definition(&td)
        .desired_count(1)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .expect("CreateService");
    (cluster, service, td)
}

async fn described_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
) -> aws_sdk_ecs::types::Service {
    ecs.describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .expect("DescribeServices")
        .services
        .and_then(|s| s.into_iter().next())
        .expect("the service")
}

#[tokio::test]
async fn scale_is_read_back_and_audited() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, service, _) = cluster_with_service(&h.ecs, "scale").await;

    let outcome = h
        .ok(&Mutation::Scale {
            cluster: cluster.clone(),
            service: service.clone(),
            from: 1,
            to: 5,
        })
        .await;
    match &outcome {
        Outcome::Service(s) => {
            assert_eq!(s.name, service);
            assert_eq!(s.desired, 5, "the answer is what AWS now has");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        described_service(&h.ecs, &cluster, &service)
            .await
            .desired_count(),
        5
    );
    assert_eq!(h.ops.service(&cluster, &service).await.unwrap().desired, 5);

    let lines = audit_lines(&h.audit);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["result"], "ok");
    assert_eq!(lines[0]["api"], "UpdateService");
    assert_eq!(lines[0]["before"], 1);
    assert_eq!(lines[0]["after"], 5);
    assert_eq!(lines[0]["outcome"]["desired"], 5);
}

#[tokio::test]
async fn a_missing_service_is_not_found_with_the_reason() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, _, _) = cluster_with_service(&h.ecs, "nosvc").await;
    let e = h.ops.service(&cluster, "nope").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert_eq!(e.operation, "DescribeServices");
    assert!(e.message.contains("'nope'"), "{}", e.message);
    assert!(e.message.contains("MISSING"), "{}", e.message);
}

#[tokio::test]
async fn roll_out_a_revision_then_force_a_deployment() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, service, first) = cluster_with_service(&h.ecs, "deploy").await;
    let family = first
        .rsplit('/')
        .next()
        .and_then(|n| n.split(':').next())
        .unwrap()
        .to_owned();
    let second = support::small_task_definition(&h.ecs, &family, None, "nginx:1.28").await;
    assert_ne!(first, second);

    let outcome = h
        .ok(&Mutation::Deploy {
            cluster: cluster.clone(),
            service: service.clone(),
            from: first.clone(),
            to: second.clone(),
            force: false,
        })
        .await;
    match &outcome {
        Outcome::Service(s) => assert_eq!(s.task_definition, second),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        described_service(&h.ecs, &cluster, &service)
            .await
            .task_definition(),
        Some(second.as_str())
    );

    let before = h.ops.service(&cluster, &service).await.unwrap();
    let before_id = before.deployments.first().map(|d| d.id.clone());
    assert!(before_id.is_some(), "moto gives a service a deployment");
    h.ok(&Mutation::Deploy {
        cluster: cluster.clone(),
        service: service.clone(),
        from: second.clone(),
        to: second.clone(),
        force: true,
    })
    .await;
    let after = h.ops.service(&cluster, &service).await.unwrap();
    assert_eq!(after.task_definition, second);
    assert_ne!(
        after.deployments.first().map(|d| d.id.clone()),
        before_id,
        "a forced deployment is a new deployment"
    );

    let sent: Vec<Value> = support::requests(&moto, "UpdateService", &service)
        .await
        .into_iter()
        .filter(|b| b["service"] == service)
        .collect();
    assert_eq!(
        sent,
        vec![
            json!({"cluster": cluster, "service": service, "taskDefinition": second}),
            json!({"cluster": cluster, "service": service, "forceNewDeployment": true}),
        ],
        "taskDefinition only when it changes"
    );
}

#[tokio::test]
async fn stop_a_task_with_a_reason() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, _) = support::cluster_with_instance(&moto, &h.ecs, "stop").await;
    let td = support::small_task_definition(&h.ecs, &unique("stop"), None, "nginx:1.27").await;
    let task = h
        .ecs
        .run_task()
        .cluster(&cluster)
        .task_definition(&td)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .expect("RunTask")
        .tasks
        .and_then(|t| t.into_iter().next())
        .and_then(|t| t.task_arn)
        .expect("a task");

    let reason = "ecsdash test: stuck on a bad config";
    let outcome = h
        .ok(&Mutation::StopTask {
            cluster: cluster.clone(),
            task: task.clone(),
            reason: reason.into(),
        })
        .await;
    assert_eq!(outcome, Outcome::Done);
    let stopped = h
        .ecs
        .describe_tasks()
        .cluster(&cluster)
        .tasks(&task)
        .send()
        .await
        .expect("DescribeTasks")
        .tasks
        .and_then(|t| t.into_iter().next())
        .expect("the task");
    assert_eq!(stopped.last_status(), Some("STOPPED"));
    assert_eq!(stopped.desired_status(), Some("STOPPED"));
    assert_eq!(stopped.stopped_reason(), Some(reason));
}

async fn instance_status(backend: &SdkBackend, cluster: &str, instance: &str) -> String {
    backend
        .container_instances(cluster)
        .await
        .expect("container instances")
        .into_iter()
        .find(|i| i.arn == instance)
        .expect("the instance")
        .status
}

#[tokio::test]
async fn drain_an_instance_and_activate_it_again() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, instance) = support::cluster_with_instance(&moto, &h.ecs, "drain").await;
    assert_eq!(
        instance_status(&h.backend, &cluster, &instance).await,
        "ACTIVE"
    );
    h.ok(&Mutation::SetInstanceState {
        cluster: cluster.clone(),
        instance: instance.clone(),
        from: "ACTIVE".into(),
        to: InstanceState::Draining,
    })
    .await;
    assert_eq!(
        instance_status(&h.backend, &cluster, &instance).await,
        "DRAINING"
    );
    h.ok(&Mutation::SetInstanceState {
        cluster: cluster.clone(),
        instance: instance.clone(),
        from: "DRAINING".into(),
        to: InstanceState::Active,
    })
    .await;
    assert_eq!(
        instance_status(&h.backend, &cluster, &instance).await,
        "ACTIVE"
    );

    let missing = h
        .apply(&Mutation::SetInstanceState {
            cluster: cluster.clone(),
            instance: "0123456789abcdef0123456789abcdef".into(),
            from: "ACTIVE".into(),
            to: InstanceState::Draining,
        })
        .await
        .unwrap_err();
    match missing {
        OpError::Aws(e) => {
            assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
            assert!(e.message.contains("MISSING"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn scalable_target_policies_and_schedules_are_read_back() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, service, _) = cluster_with_service(&h.ecs, "aas").await;
    let scaling = || h.ops.scaling(&cluster, &service);

    let none = scaling().await.expect("scaling");
    assert_eq!(none.target, None);
    assert!(none.policies.is_empty() && none.scheduled.is_empty());
    let why = none
        .activities
        .expect_err("moto has no DescribeScalingActivities");
    assert!(why.starts_with("not available: "), "{why}");

    // Create, then change min and max.
    let created = ScalableTarget {
        min: 1,
        max: 4,
        suspended: Suspended::default(),
    };
    h.ok(&Mutation::PutScalableTarget {
        cluster: cluster.clone(),
        service: service.clone(),
        before: None,
        after: created,
    })
    .await;
    assert_eq!(scaling().await.unwrap().target, Some(created));
    let wider = ScalableTarget {
        min: 2,
        max: 8,
        ..created
    };
    h.ok(&Mutation::PutScalableTarget {
        cluster: cluster.clone(),
        service: service.clone(),
        before: Some(created),
        after: wider,
    })
    .await;
    assert_eq!(scaling().await.unwrap().target, Some(wider));

    // Suspend scale-in (the incident switch), then resume it.
    let suspended = ScalableTarget {
        suspended: Suspended {
            dynamic_in: true,
            ..Suspended::default()
        },
        ..wider
    };
    h.ok(&Mutation::PutScalableTarget {
        cluster: cluster.clone(),
        service: service.clone(),
        before: Some(wider),
        after: suspended,
    })
    .await;
    assert_eq!(scaling().await.unwrap().target, Some(suspended));
    h.ok(&Mutation::PutScalableTarget {
        cluster: cluster.clone(),
        service: service.clone(),
        before: Some(suspended),
        after: wider,
    })
    .await;
    assert_eq!(scaling().await.unwrap().target, Some(wider));
    let direct = support::autoscaling(&moto, REGION)
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .resource_ids(format!("service/{cluster}/{service}"))
        .send()
        .await
        .expect("DescribeScalableTargets");
    let state = direct.scalable_targets()[0].suspended_state().unwrap();
    assert_eq!(state.dynamic_scaling_in_suspended(), Some(false));

    // A target tracking policy: create, edit, and an ALB one with its resource label.
    let cpu = TargetTracking {
        metric: TrackedMetric::Cpu,
        target_value: 60.0,
        scale_in_cooldown: Some(300),
        scale_out_cooldown: Some(60),
        disable_scale_in: false,
    };
    h.ok(&Mutation::PutTargetTracking {
        cluster: cluster.clone(),
        service: service.clone(),
        name: "cpu60".into(),
        before: None,
        after: cpu.clone(),
    })
    .await;
    let policies = scaling().await.unwrap().policies;
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0].name, "cpu60");
    assert!(policies[0].arn.is_some());
    assert_eq!(policies[0].kind, PolicyKind::TargetTracking(cpu.clone()));
    let edited = TargetTracking {
        metric: TrackedMetric::Memory,
        target_value: 45.5,
        scale_in_cooldown: None,
        scale_out_cooldown: Some(30),
        disable_scale_in: true,
    };
    h.ok(&Mutation::PutTargetTracking {
        cluster: cluster.clone(),
        service: service.clone(),
        name: "cpu60".into(),
        before: Some(cpu),
        after: edited.clone(),
    })
    .await;
    let alb = TargetTracking {
        metric: TrackedMetric::AlbRequests {
            resource_label: "app/web-lb/50dc6c495c0c9188/targetgroup/web-tg/6d0ecf831eec9f09"
                .into(),
        },
        target_value: 1000.0,
        scale_in_cooldown: Some(120),
        scale_out_cooldown: Some(120),
        disable_scale_in: false,
    };
    h.ok(&Mutation::PutTargetTracking {
        cluster: cluster.clone(),
        service: service.clone(),
        name: "alb".into(),
        before: None,
        after: alb.clone(),
    })
    .await;
    let mut policies = scaling().await.unwrap().policies;
    policies.sort_by(|a, b| a.name.cmp(&b.name));
    let kinds: Vec<(&str, &PolicyKind)> = policies
        .iter()
        .map(|p| (p.name.as_str(), &p.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("alb", &PolicyKind::TargetTracking(alb)),
            ("cpu60", &PolicyKind::TargetTracking(edited)),
        ]
    );
    h.ok(&Mutation::DeletePolicy {
        cluster: cluster.clone(),
        service: service.clone(),
        before: policies[1].clone(),
    })
    .await;
    let left: Vec<String> = scaling()
        .await
        .unwrap()
        .policies
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(left, vec!["alb".to_string()]);

    // A scheduled action: create, edit, delete.
    let night = ScheduledAction {
        name: "night".into(),
        schedule: "cron(0 22 * * ? *)".into(),
        timezone: Some("Europe/Berlin".into()),
        min: Some(1),
        max: Some(2),
        start: Some(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()),
        end: Some(Utc.with_ymd_and_hms(2031, 1, 1, 0, 0, 0).unwrap()),
    };
    h.ok(&Mutation::PutScheduledAction {
        cluster: cluster.clone(),
        service: service.clone(),
        before: None,
        after: night.clone(),
    })
    .await;
    assert_eq!(scaling().await.unwrap().scheduled, vec![night.clone()]);
    let later = ScheduledAction {
        schedule: "cron(30 23 * * ? *)".into(),
        timezone: None,
        min: Some(0),
        max: Some(3),
        start: None,
        end: None,
        ..night.clone()
    };
    h.ok(&Mutation::PutScheduledAction {
        cluster: cluster.clone(),
        service: service.clone(),
        before: Some(night),
        after: later.clone(),
    })
    .await;
    let scheduled = scaling().await.unwrap().scheduled;
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0].schedule, later.schedule);
    assert_eq!((scheduled[0].min, scheduled[0].max), (Some(0), Some(3)));
    h.ok(&Mutation::DeleteScheduledAction {
        cluster: cluster.clone(),
        service: service.clone(),
        before: later,
    })
    .await;
    assert!(scaling().await.unwrap().scheduled.is_empty());

    // Auto scaling off.
    h.ok(&Mutation::DeleteScalableTarget {
        cluster: cluster.clone(),
        service: service.clone(),
        before: wider,
    })
    .await;
    assert_eq!(scaling().await.unwrap().target, None);

    let lines = audit_lines(&h.audit);
    assert_eq!(lines.len(), 12);
    assert!(lines.iter().all(|l| l["result"] == "ok"), "{lines:?}");
}

/// A task definition using every RegisterTaskDefinition field moto keeps (it drops
/// `enableFaultInjection`, which the request-body test covers instead).
fn every_field(family: &str) -> Value {
    let mut doc: Value = serde_json::from_str(EVERY_FIELD).expect("EVERY_FIELD is JSON");
    doc["family"] = json!(family);
    doc
}

const EVERY_FIELD: &str = r#"{
        "family": "replaced",
        "taskRoleArn": "arn:aws:iam::123456789012:role/task",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "networkMode": "awsvpc",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "nginx:1.27",
                "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:creds"},
                "cpu": 256,
                "memory": 512,
                "memoryReservation": 256,
                "links": [],
                "portMappings": [
                    {"containerPort": 80, "hostPort": 80, "protocol": "tcp", "name": "http", "appProtocol": "http"},
                    {"containerPortRange": "8000-8010", "protocol": "udp"}
                ],
                "essential": true,
                "restartPolicy": {"enabled": true, "ignoredExitCodes": [0, 2], "restartAttemptPeriod": 300},
                "entryPoint": ["/docker-entrypoint.sh"],
                "command": ["nginx", "-g", "daemon off;"],
                "environment": [{"name": "MODE", "value": "prod"}],
                "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
                "mountPoints": [{"sourceVolume": "scratch", "containerPath": "/scratch", "readOnly": false}],
                "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": true}],
                "linuxParameters": {
                    "capabilities": {"add": ["SYS_PTRACE"], "drop": ["NET_RAW"]},
                    "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse", "permissions": ["read", "write"]}],
                    "initProcessEnabled": true,
                    "sharedMemorySize": 64,
                    "tmpfs": [{"containerPath": "/tmp", "size": 128, "mountOptions": ["noexec"]}],
                    "maxSwap": 0,
                    "swappiness": 10
                },
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}],
                "dependsOn": [{"containerName": "sidecar", "condition": "START"}],
                "startTimeout": 30,
                "stopTimeout": 20,
                "versionConsistency": "disabled",
                "hostname": "app",
                "user": "1000:1000",
                "workingDirectory": "/srv",
                "disableNetworking": false,
                "privileged": false,
                "readonlyRootFilesystem": true,
                "dnsServers": ["10.0.0.2"],
                "dnsSearchDomains": ["internal"],
                "extraHosts": [{"hostname": "db", "ipAddress": "10.0.0.5"}],
                "dockerSecurityOptions": ["no-new-privileges"],
                "interactive": false,
                "pseudoTerminal": false,
                "dockerLabels": {"team": "web"},
                "ulimits": [{"name": "nofile", "softLimit": 65536, "hardLimit": 65536}],
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"},
                    "secretOptions": [{"name": "token", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/tok"}]
                },
                "healthCheck": {
                    "command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
                    "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 10
                },
                "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
                "resourceRequirements": [{"value": "1", "type": "GPU"}],
                "credentialSpecs": ["credentialspec:arn:aws:s3:::bucket/spec.json"]
            },
            {
                "name": "sidecar",
                "image": "fluent/fluent-bit:3",
                "memory": 128,
                "essential": false,
                "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}}
            }
        ],
        "volumes": [
            {"name": "scratch", "host": {"sourcePath": "/var/scratch"}},
            {"name": "docker", "dockerVolumeConfiguration": {"scope": "shared", "autoprovision": true, "driver": "local", "driverOpts": {"type": "tmpfs"}, "labels": {"k": "v"}}},
            {"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678", "rootDirectory": "/data", "transitEncryption": "ENABLED", "transitEncryptionPort": 2049, "authorizationConfig": {"accessPointId": "fsap-1234", "iam": "ENABLED"}}},
            {"name": "fsx", "fsxWindowsFileServerVolumeConfiguration": {"fileSystemId": "fs-0123456789abcdef0", "rootDirectory": "share", "authorizationConfig": {"credentialsParameter": "arn:aws:ssm:us-east-1:123456789012:parameter/fsx", "domain": "corp.example.com"}}},
            {"name": "later", "configuredAtLaunch": true}
        ],
        "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ m5.*"}],
        "requiresCompatibilities": ["EC2"],
        "cpu": "1024",
        "memory": "2048",
        "tags": [{"key": "team", "value": "web"}, {"key": "cost", "value": "42"}],
        "pidMode": "task",
        "ipcMode": "task",
        "proxyConfiguration": {"type": "APPMESH", "containerName": "sidecar", "properties": [{"name": "IgnoredUID", "value": "1337"}, {"name": "ProxyIngressPort", "value": "15000"}]},
        "inferenceAccelerators": [{"deviceName": "device1", "deviceType": "eia2.medium"}],
        "ephemeralStorage": {"sizeInGiB": 30},
        "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}
    }"#;

/// Every field of `want` is in `got` with the same value (`got` may add defaults).
fn assert_contains(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => {
            for (k, v) in w {
                let inner = g
                    .get(k)
                    .unwrap_or_else(|| panic!("{at}.{k} is missing from {got}"));
                assert_contains(inner, v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{at}: {got} vs {want}");
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                assert_contains(g, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}

#[tokio::test]
async fn no_field_is_lost_from_describe_to_register() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let family = unique("every-field");
    let seeded = every_field(&family);
    support::ecs_json(&moto, REGION, "RegisterTaskDefinition", &seeded).await;

    let first = h
        .ops
        .task_definition_doc(&format!("{family}:1"))
        .await
        .expect("the seeded revision");
    assert_eq!(
        (first.family.as_str(), first.revision),
        (family.as_str(), 1)
    );
    assert!(first.arn.ends_with(&format!("task-definition/{family}:1")));
    assert_contains(&first.json, &seeded, "doc");
    for describe_only in ["taskDefinitionArn", "revision", "status", "compatibilities"] {
        assert!(first.json.get(describe_only).is_none(), "{describe_only}");
    }

    let outcome = h
        .ok(&Mutation::RegisterTaskDefinition {
            family: family.clone(),
            based_on: Some(first.arn.clone()),
            json: first.json.clone(),
        })
        .await;
    let Outcome::Registered { arn, revision } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(revision, 2);
    assert!(
        arn.ends_with(&format!("task-definition/{family}:2")),
        "{arn}"
    );

    let second = h
        .ops
        .task_definition_doc(&arn)
        .await
        .expect("the new revision");
    assert_eq!(second.revision, 2);
    assert_eq!(second.json, first.json, "every field, tags included");
    assert_eq!(
        second.json.to_string(),
        first.json.to_string(),
        "and in the same order"
    );

    let sent = register_bodies(&moto, &family).await;
    assert_eq!(sent, vec![first.json.clone()], "the body was the document");
    let lines = audit_lines(&h.audit);
    assert_eq!(lines[0]["result"], "ok");
    assert_eq!(lines[0]["outcome"]["revision"], 2);
}

#[tokio::test]
async fn fields_unknown_to_the_sdk_reach_the_request_body() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let family = unique("future");
    let json = json!({
        "family": family,
        "containerDefinitions": [{
            "name": "app",
            "image": "nginx:1.27",
            "memory": 64,
            "ecsdashFutureContainerField": {"mode": "strict", "levels": [1, 2, 3]}
        }],
        "ecsdashFutureField": {"nested": [1, {"deep": true}], "text": "kept"},
        "enableFaultInjection": false,
        "tags": [{"key": "origin", "value": "ecsdash-test"}]
    });
    let outcome = h
        .ok(&Mutation::RegisterTaskDefinition {
            family: family.clone(),
            based_on: None,
            json: json.clone(),
        })
        .await;
    assert!(
        matches!(outcome, Outcome::Registered { revision: 1, .. }),
        "{outcome:?}"
    );

    let sent = register_bodies(&moto, &family).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0], json, "the whole document, unknown fields included");
    assert_eq!(sent[0]["ecsdashFutureField"]["nested"][1]["deep"], true);
    assert_eq!(
        sent[0]["containerDefinitions"][0]["ecsdashFutureContainerField"]["mode"],
        "strict"
    );
}

#[tokio::test]
async fn register_is_sent_once_and_checked_after_an_unclear_failure() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let family = unique("once");
    support::small_task_definition(&h.ecs, &family, None, "nginx:1.27").await;
    let doc = h
        .ops
        .task_definition_doc(&format!("{family}:1"))
        .await
        .expect("revision 1");
    let mut json = doc.json.clone();
    json["containerDefinitions"][0]["image"] = json!("nginx:1.28");
    let register = Mutation::RegisterTaskDefinition {
        family: family.clone(),
        based_on: Some(doc.arn.clone()),
        json: json.clone(),
    };

    // A 500 that never reached moto: one request, no retry, nothing registered.
    support::inject(
        &moto,
        json!({"target": "RegisterTaskDefinition", "status": 500, "type": "ServerException",
               "message": "injected: service unavailable", "match": family}),
    )
    .await;
    let e = match h.apply(&register).await {
        Err(OpError::Aws(e)) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(e.operation, "RegisterTaskDefinition");
    assert_eq!(e.kind, ErrorKind::Service);
    assert!(
        e.message
            .starts_with("ServerException: injected: service unavailable"),
        "{}",
        e.message
    );
    assert!(e.message.contains("latest is still 1"), "{}", e.message);
    assert_eq!(
        register_bodies(&moto, &family).await.len(),
        1,
        "exactly one request, no retry"
    );
    let revisions = h
        .ecs
        .list_task_definitions()
        .family_prefix(&family)
        .send()
        .await
        .expect("ListTaskDefinitions")
        .task_definition_arns
        .unwrap_or_default();
    assert_eq!(revisions.len(), 1, "nothing registered");

    // A 500 after moto registered it (a lost answer): reported as registered.
    support::inject(
        &moto,
        json!({"target": "RegisterTaskDefinition", "status": 500, "type": "ServerException",
               "message": "injected: answer lost", "match": family, "forward": true}),
    )
    .await;
    let outcome = h.apply(&register).await.expect("recovered");
    assert!(outcome.verified_after().is_some(), "{outcome:?}");
    let Outcome::Registered { arn, revision } = outcome.settled().clone() else {
        panic!("{outcome:?}")
    };
    assert_eq!(revision, 2);
    assert_eq!(
        register_bodies(&moto, &family).await.len(),
        2,
        "one more request, still no retry"
    );
    let registered = h.ops.task_definition_doc(&arn).await.unwrap();
    assert_eq!(registered.json, json);

    let lines = audit_lines(&h.audit);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["result"], "error");
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .contains("injected: service unavailable")
    );
    assert_eq!(lines[1]["result"], "ok");
    assert_eq!(lines[1]["outcome"]["revision"], 2);
    assert!(
        lines[1]["outcome"]["verified"]
            .as_str()
            .is_some_and(|v| v.contains("injected: answer lost")),
        "{}",
        lines[1]
    );
}

#[tokio::test]
async fn aws_errors_keep_their_message_and_are_audited() {
    let Some(moto) = support::moto() else { return };
    let h = harness(&moto, REGION, false).await;
    let (cluster, service, _) = cluster_with_service(&h.ecs, "errors").await;

    // moto's own answer for a service that does not exist.
    let missing = h
        .apply(&Mutation::Scale {
            cluster: cluster.clone(),
            service: "no-such-service".into(),
            from: 1,
            to: 2,
        })
        .await;
    let Err(OpError::Aws(e)) = missing else {
        panic!("{missing:?}")
    };
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert_eq!(e.operation, "UpdateService");
    assert!(
        e.message.starts_with("ServiceNotFoundException"),
        "{}",
        e.message
    );

    // An injected AccessDenied, for ECS and for Application Auto Scaling.
    let denied = "User: arn:aws:iam::123456789012:user/oncall is not authorized to perform: ecs:UpdateService";
    support::inject(
        &moto,
        json!({"target": "UpdateService", "status": 400, "type": "AccessDeniedException",
               "message": denied, "match": service}),
    )
    .await;
    let scale = Mutation::Scale {
        cluster: cluster.clone(),
        service: service.clone(),
        from: 1,
        to: 3,
    };
    let Err(OpError::Aws(e)) = h.apply(&scale).await else {
        panic!("not refused")
    };
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    assert_eq!(e.message, format!("AccessDeniedException: {denied}"));
    assert_eq!(
        described_service(&h.ecs, &cluster, &service)
            .await
            .desired_count(),
        1,
        "unchanged"
    );

    let aas_denied =
        "User is not authorized to perform: application-autoscaling:RegisterScalableTarget";
    support::inject(
        &moto,
        json!({"target": "RegisterScalableTarget", "status": 400, "type": "AccessDeniedException",
               "message": aas_denied, "match": service}),
    )
    .await;
    let Err(OpError::Aws(e)) = h
        .apply(&Mutation::PutScalableTarget {
            cluster: cluster.clone(),
            service: service.clone(),
            before: None,
            after: ScalableTarget {
                min: 1,
                max: 2,
                suspended: Suspended::default(),
            },
        })
        .await
    else {
        panic!("not refused")
    };
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    assert_eq!(e.operation, "RegisterScalableTarget");
    assert_eq!(e.message, format!("AccessDeniedException: {aas_denied}"));

    let lines = audit_lines(&h.audit);
    assert_eq!(lines.len(), 3);
    assert!(lines.iter().all(|l| l["result"] == "error"), "{lines:?}");
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("not found: ServiceNotFoundException")
    );
    assert_eq!(
        lines[1]["error"],
        format!("access denied: AccessDeniedException: {denied}")
    );
    assert_eq!(
        lines[2]["error"],
        format!("access denied: AccessDeniedException: {aas_denied}")
    );
}

/// Every kind of mutation, aimed at real things so that any of them would change state
/// if it were sent.
fn every_mutation(cluster: &str, service: &str, td: &str, instance: &str) -> Vec<Mutation> {
    let target = ScalableTarget {
        min: 1,
        max: 3,
        suspended: Suspended::default(),
    };
    let tracking = TargetTracking {
        metric: TrackedMetric::Cpu,
        target_value: 50.0,
        scale_in_cooldown: None,
        scale_out_cooldown: None,
        disable_scale_in: false,
    };
    let action = ScheduledAction {
        name: "night".into(),
        schedule: "cron(0 22 * * ? *)".into(),
        timezone: None,
        min: Some(0),
        max: Some(1),
        start: None,
        end: None,
    };
    let (c, s) = (cluster.to_owned(), service.to_owned());
    let family = td
        .rsplit('/')
        .next()
        .and_then(|n| n.split(':').next())
        .unwrap_or_default()
        .to_owned();
    vec![
        Mutation::Scale {
            cluster: c.clone(),
            service: s.clone(),
            from: 1,
            to: 4,
        },
        Mutation::Deploy {
            cluster: c.clone(),
            service: s.clone(),
            from: td.into(),
            to: td.into(),
            force: true,
        },
        Mutation::RegisterTaskDefinition {
            family: family.clone(),
            based_on: None,
            json: json!({"family": family, "containerDefinitions": [{"name": "a", "image": "b", "memory": 16}]}),
        },
        Mutation::StopTask {
            cluster: c.clone(),
            task: "0123456789abcdef0123456789abcdef".into(),
            reason: "read-only test".into(),
        },
        Mutation::SetInstanceState {
            cluster: c.clone(),
            instance: instance.into(),
            from: "ACTIVE".into(),
            to: InstanceState::Draining,
        },
        Mutation::PutScalableTarget {
            cluster: c.clone(),
            service: s.clone(),
            before: None,
            after: target,
        },
        Mutation::DeleteScalableTarget {
            cluster: c.clone(),
            service: s.clone(),
            before: target,
        },
        Mutation::PutTargetTracking {
            cluster: c.clone(),
            service: s.clone(),
            name: "cpu".into(),
            before: None,
            after: tracking.clone(),
        },
        Mutation::DeletePolicy {
            cluster: c.clone(),
            service: s.clone(),
            before: ecsdash::ops::model::ScalingPolicy {
                name: "cpu".into(),
                arn: None,
                kind: PolicyKind::TargetTracking(tracking),
            },
        },
        Mutation::PutScheduledAction {
            cluster: c.clone(),
            service: s.clone(),
            before: None,
            after: action.clone(),
        },
        Mutation::DeleteScheduledAction {
            cluster: c,
            service: s,
            before: action,
        },
    ]
}

#[tokio::test]
async fn read_only_refuses_every_mutation_and_sends_nothing() {
    let Some(moto) = support::moto() else { return };
    // The proxy's counts are per region: this region is this test's alone.
    let region = "sa-east-1";
    let h = harness(&moto, region, true).await;
    assert!(h.guard.read_only());
    let (cluster, service, td) = cluster_with_service(&h.ecs, "readonly").await;
    let instance_ids = support::run_instances(&moto, region, 1, "m5.large").await;
    let instance = support::register_instances(&h.ecs, &cluster, &instance_ids).await[0].clone();

    let before = support::stats(&moto, Some(region), None).await;
    let mutations = every_mutation(&cluster, &service, &td, &instance);
    assert_eq!(mutations.len(), 11);
    for m in &mutations {
        match h.apply(m).await {
            Err(OpError::ReadOnly) => {}
            other => panic!("{}: {other:?}", m.action()),
        }
    }
    let after = support::stats(&moto, Some(region), None).await;
    for write in [
        "UpdateService",
        "RegisterTaskDefinition",
        "StopTask",
        "UpdateContainerInstancesState",
        "RegisterScalableTarget",
        "DeregisterScalableTarget",
        "PutScalingPolicy",
        "DeleteScalingPolicy",
        "PutScheduledAction",
        "DeleteScheduledAction",
        // Nor the reads a register would make first.
        "ListTaskDefinitions",
    ] {
        assert_eq!(
            count(&after, write),
            count(&before, write),
            "{write} reached AWS in read-only mode"
        );
    }
    assert_eq!(after, before, "no request at all");
    assert_eq!(
        described_service(&h.ecs, &cluster, &service)
            .await
            .desired_count(),
        1
    );

    let lines = audit_lines(&h.audit);
    assert_eq!(lines.len(), mutations.len(), "one line per attempt");
    for (line, m) in lines.iter().zip(&mutations) {
        assert_eq!(line["result"], "refused");
        assert_eq!(line["error"], "read-only mode");
        assert_eq!(line["api"], m.api());
        assert_eq!(line["region"], region);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&h.audit).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
}

#[tokio::test]
async fn families_are_listed_to_the_end_with_the_newest_revisions_first() {
    let Some(moto) = support::moto() else { return };
    // Every family of the region is listed: this region is this test's alone.
    let region = "ca-central-1";
    let h = harness(&moto, region, false).await;
    let prefix = unique("fam");
    let names: Vec<String> = (0..102).map(|i| format!("{prefix}-{i:03}")).collect();
    for name in &names {
        support::small_task_definition(&h.ecs, name, None, "nginx:1.27").await;
    }
    let long = format!("{prefix}-long");
    for _ in 0..105 {
        support::small_task_definition(&h.ecs, &long, None, "nginx:1.27").await;
    }
    let gone = format!("{prefix}-gone");
    let gone_arn = support::small_task_definition(&h.ecs, &gone, None, "nginx:1.27").await;
    h.ecs
        .deregister_task_definition()
        .task_definition(&gone_arn)
        .send()
        .await
        .expect("DeregisterTaskDefinition");

    let before = support::stats(&moto, Some(region), None).await;
    let families = h.ops.families().await.expect("families");
    let after = support::stats(&moto, Some(region), None).await;

    let mine: Vec<_> = families
        .iter()
        .filter(|f| f.name.starts_with(&prefix))
        .collect();
    assert_eq!(mine.len(), 103, "every family with an ACTIVE revision");
    assert!(mine.iter().all(|f| f.name != gone));
    for name in &names {
        let f = mine.iter().find(|f| &f.name == name).expect(name);
        assert_eq!(f.revisions.len(), 1);
        assert!(f.revisions[0].ends_with(&format!("{name}:1")));
    }
    let long_family = mine.iter().find(|f| f.name == long).unwrap();
    let revisions: Vec<i32> = long_family
        .revisions
        .iter()
        .map(|a| a.rsplit(':').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        revisions,
        (6..=105).rev().collect::<Vec<i32>>(),
        "the newest 100, newest first"
    );

    let listed = |target| count(&after, target) - count(&before, target);
    assert!(
        listed("ListTaskDefinitionFamilies") >= 2,
        "more than one page of families"
    );
    let all_names = support::ecs(&moto, region)
        .list_task_definition_families()
        .send()
        .await
        .expect("ListTaskDefinitionFamilies")
        .families
        .unwrap_or_default();
    assert_eq!(
        listed("ListTaskDefinitions"),
        u64::try_from(all_names.len()).unwrap(),
        "one page of revisions per family"
    );
}
