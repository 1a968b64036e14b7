//! The seeded initial estate: `catalog` tables made concrete with ids, addresses, times,
//! running tasks and a plausible event history. The opening scenario (an instance
//! draining, `checkout` rolling out) is scripted here and played by the simulation.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use fastrand::Rng;

use super::catalog::{
    BATCH_CLUSTER, BATCH_FAMILY, CLUSTERS, ClusterSpec, FAILING_CLUSTER, FAILING_SERVICE,
    InstanceSpec, ROLLOUT_CLUSTER, ROLLOUT_SERVICE, ServiceSpec, UNHEALTHY_SIDECAR_SERVICE,
};
use super::ids::{
    STREAM_ESTATE, deployment_id, ec2_instance_id, hex, private_ip, rng_for, role_arn, salt,
    target_group_arn, task_id, uuid,
};
use super::launch::{Ask, Batch, NewTask, new_task, place};
use super::state::{
    ClusterState, DeploymentState, Fleet, InstanceState, Intervention, Launch, Schedule,
    ServiceState, TaskStatus,
};
use super::taskdef::Family;
use crate::domain::model::{
    CapacityProviderItem, DeploymentConfig, LoadBalancer, NetworkConfig, Placement,
};

/// How much history the simulation plays before the demo opens.
pub(super) const WARMUP_SECS: u64 = 3600;
/// The opening scenario, in seconds before the demo opens.
const DRAIN_LEAD_SECS: u64 = 50;
const ROLLOUT_LEAD_SECS: u64 = 40;

pub(super) fn secs(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(0))
}

pub(super) fn days(rng: &mut Rng, range: std::ops::Range<u64>) -> Duration {
    secs(rng.u64(range) * 86_400 + rng.u64(..86_400))
}

/// The estate at step 0, `WARMUP_SECS` before `opens_at`.
pub(super) fn build(seed: u64, opens_at: DateTime<Utc>) -> Fleet {
    let origin = opens_at - secs(WARMUP_SECS);
    let mut rng = rng_for(seed, STREAM_ESTATE, 0);
    let mut families = BTreeMap::new();
    let clusters = CLUSTERS
        .iter()
        .map(|spec| build_cluster(spec, origin, &mut rng, &mut families))
        .collect();
    let draining = CLUSTERS
        .iter()
        .find(|c| c.name == ROLLOUT_CLUSTER)
        .map_or(0, |c| c.instances.len().saturating_sub(1));
    let script = vec![
        (
            WARMUP_SECS - DRAIN_LEAD_SECS,
            Intervention::Drain {
                cluster: ROLLOUT_CLUSTER.into(),
                instance: draining,
            },
        ),
        (
            WARMUP_SECS - ROLLOUT_LEAD_SECS,
            Intervention::Rollout {
                cluster: ROLLOUT_CLUSTER.into(),
                service: ROLLOUT_SERVICE.into(),
            },
        ),
    ];
    let mut fleet = Fleet {
        seed,
        origin,
        step: 0,
        clusters,
        families,
        script,
        autoscaling: Default::default(),
    };
    fleet.autoscaling = super::scaling_estate::initial(&fleet);
    fleet
}

fn build_cluster(
    spec: &ClusterSpec,
    origin: DateTime<Utc>,
    rng: &mut Rng,
    families: &mut BTreeMap<String, Family>,
) -> ClusterState {
    let (capacity_providers, default_strategy) = if spec.ec2 {
        let asg = format!("{}-asg", spec.name);
        (vec![asg.clone()], vec![provider(&asg, 1, 0)])
    } else {
        (
            vec!["FARGATE".into(), "FARGATE_SPOT".into()],
            vec![provider("FARGATE", 1, 0)],
        )
    };
    let mut cluster = ClusterState {
        name: spec.name.into(),
        ec2: spec.ec2,
        net: spec.net,
        capacity_providers,
        default_strategy,
        container_insights: spec.container_insights.into(),
        tags: tags(&[
            ("env", spec.env),
            ("team", "platform"),
            ("managed-by", "terraform"),
        ]),
        subnets: (0..3)
            .map(|_| format!("subnet-0{}", hex(rng, 16)))
            .collect(),
        instances: Vec::new(),
        services: Vec::new(),
        standalone: Vec::new(),
        schedules: Vec::new(),
    };
    let shared_sg = format!("sg-0{}", hex(rng, 16));
    cluster.instances = spec
        .instances
        .iter()
        .map(|i| build_instance(i, spec, origin, rng))
        .collect();
    for s in spec.services {
        let mut family = family_for(s, spec, origin, rng);
        let service = build_service(s, &cluster, &family, &shared_sg, origin, rng);
        // Registered by the pipeline shortly before it was deployed.
        if let Some(d) = service.primary() {
            let lead = 5 + i64::try_from(salt(&family.name) % 40).unwrap_or(0);
            family.base.1 = d.created_at - Duration::minutes(lead);
        }
        families.insert(family.name.clone(), family);
        cluster.services.push(service);
        populate(&mut cluster, families, origin, rng);
        if spec.name == FAILING_CLUSTER && s.name == FAILING_SERVICE {
            preregister_failing(families, s.name, origin);
        }
    }
    if spec.name == BATCH_CLUSTER {
        let latest = 3 + rng.i32(0..20);
        families.insert(
            BATCH_FAMILY.into(),
            Family::generated(
                BATCH_FAMILY.into(),
                BATCH_FAMILY.into(),
                latest,
                false,
                (1024, 2048),
                None,
                Vec::new(),
                1,
                origin - Duration::days(9),
            ),
        );
        cluster.schedules.push(Schedule {
            family: BATCH_FAMILY.into(),
            every_secs: 1200,
            offset_secs: 300,
            run_secs: 360..840,
            fail_one_in: 5,
        });
    }
    cluster
}

fn provider(name: &str, weight: i32, base: i32) -> CapacityProviderItem {
    CapacityProviderItem {
        provider: name.into(),
        weight,
        base,
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(super) fn build_instance(
    spec: &InstanceSpec,
    cluster: &ClusterSpec,
    origin: DateTime<Utc>,
    rng: &mut Rng,
) -> InstanceState {
    InstanceState {
        id: task_id(rng),
        ec2_instance_id: ec2_instance_id(rng),
        status: "ACTIVE".into(),
        agent_connected: spec.agent_connected,
        agent_version: spec.agent_version.into(),
        docker_version: spec.docker_version.into(),
        instance_type: spec.instance_type.into(),
        az: spec.az,
        private_ip: private_ip(rng, cluster.net, spec.az),
        cpu: spec.cpu,
        memory: spec.memory,
        capacity_provider: format!("{}-asg", cluster.name),
        registered_at: origin - days(rng, 2..40),
    }
}

fn family_for(
    s: &ServiceSpec,
    cluster: &ClusterSpec,
    origin: DateTime<Utc>,
    rng: &mut Rng,
) -> Family {
    let latest = 4 + rng.i32(0..150);
    let major = 1 + rng.u32(..4);
    Family::generated(
        format!("{}{}", s.name, cluster.family_suffix),
        s.name.into(),
        latest,
        cluster.ec2,
        (s.cpu, s.memory),
        s.port,
        s.sidecars.to_vec(),
        major,
        origin,
    )
}

/// A newer revision the pipeline registered but nobody has deployed: its application
/// never passes its health checks, so rolling it out trips the circuit breaker.
fn preregister_failing(families: &mut BTreeMap<String, Family>, name: &str, origin: DateTime<Utc>) {
    if let Some(f) = families.get_mut(name) {
        f.latest += 1;
        f.failing.insert(f.latest);
        f.registered_at
            .insert(f.latest, origin - Duration::minutes(95));
    }
}

fn build_service(
    s: &ServiceSpec,
    cluster: &ClusterState,
    family: &Family,
    shared_sg: &str,
    origin: DateTime<Utc>,
    rng: &mut Rng,
) -> ServiceState {
    let created_at = origin - days(rng, 60..420);
    let deployed_at = origin - days(rng, 1..25);
    let launch = match (cluster.ec2, s.spot) {
        (true, _) => Launch::Ec2,
        (false, true) => Launch::Strategy(vec![
            provider("FARGATE", 1, 1),
            provider("FARGATE_SPOT", 3, 0),
        ]),
        (false, false) => Launch::Fargate,
    };
    let is_rollout = cluster.name == ROLLOUT_CLUSTER && s.name == ROLLOUT_SERVICE;
    let config = DeploymentConfig {
        // The rollout service moves two tasks at a time so the demo shows it in stages.
        minimum_healthy_percent: Some(if s.port.is_some() || is_rollout {
            100
        } else {
            50
        }),
        maximum_percent: Some(if is_rollout { 125 } else { 200 }),
        circuit_breaker_enabled: s.desired > 0,
        circuit_breaker_rollback: s.desired > 0,
        controller: Some("ECS".into()),
    };
    let load_balancer = s.port.map(|port| {
        let short = cluster.name.replace("prod-", "p-");
        let mut name = format!("{short}-{}", s.name);
        name.truncate(32);
        LoadBalancer {
            target_group_arn: Some(target_group_arn(&name, &hex(rng, 16))),
            load_balancer_name: None,
            container_name: Some(s.name.into()),
            container_port: Some(port),
        }
    });
    let (placement_strategy, placement_constraints) = if cluster.ec2 {
        (
            vec![
                placement("spread", "attribute:ecs.availability-zone"),
                placement("spread", "instanceId"),
            ],
            s.instance_family
                .map(|f| placement("memberOf", &format!("attribute:ecs.instance-type =~ {f}.*")))
                .into_iter()
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let network = (!cluster.ec2).then(|| NetworkConfig {
        subnets: cluster.subnets.clone(),
        security_groups: vec![format!("sg-0{}", hex(rng, 16)), shared_sg.to_string()],
        assign_public_ip: Some("DISABLED".into()),
    });
    let env = cluster.tags.get("env").cloned().unwrap_or_default();
    let id = deployment_id(rng);
    let task_definition = family.revision_name(family.latest);
    ServiceState {
        name: s.name.into(),
        family: family.name.clone(),
        desired: s.desired,
        launch,
        created_at,
        created_by: role_arn(if env == "prod" {
            "terraform-deployer"
        } else {
            "github-actions-deploy"
        }),
        config,
        load_balancer,
        placement_strategy,
        placement_constraints,
        instance_family: s.instance_family.map(String::from),
        network,
        grace_period: s.port.map(|_| 60),
        exec: rng.u8(..3) != 0,
        last_completed: Some((id.clone(), task_definition.clone())),
        deployments: vec![DeploymentState {
            rollout_reason: format!("ECS deployment {id} completed."),
            id,
            task_definition,
            rollout_state: "COMPLETED".into(),
            created_at: deployed_at,
            updated_at: deployed_at + Duration::minutes(3),
            failed: 0,
        }],
        events: Vec::new(),
        tasks: Vec::new(),
        crashes_per_hour: s.crashes_per_hour,
        steady: true,
        last_steady_event: deployed_at,
        last_unplaceable_event: None,
        generated: false,
        quiet: false,
    }
}

pub(super) fn placement(kind: &str, detail: &str) -> Placement {
    Placement {
        kind: kind.into(),
        detail: Some(detail.into()),
    }
}

/// Starts the newest service's tasks as they have been running since its last deployment,
/// and writes the events that deployment left behind.
fn populate(
    cluster: &mut ClusterState,
    families: &BTreeMap<String, Family>,
    origin: DateTime<Utc>,
    rng: &mut Rng,
) {
    let Some(si) = cluster.services.len().checked_sub(1) else {
        return;
    };
    let svc = &cluster.services[si];
    let Some((family, dep)) = families.get(&svc.family).zip(svc.primary()) else {
        return;
    };
    let group = format!("service:{}", svc.name);
    let ask = Ask {
        group: &group,
        launch: &svc.launch,
        instance_family: svc.instance_family.as_deref(),
        cpu: family.cpu,
        memory: family.memory,
    };
    let desired = usize::try_from(svc.desired).unwrap_or(0);
    let slots = place(cluster, &ask, desired, rng, true);
    let deployed_at = dep.created_at;
    let dep_id = dep.id.clone();
    // A crashing worker's tasks are recent replacements, not weeks old.
    let recent = svc.crashes_per_hour > 0.0;
    let drain_secs = svc.load_balancer.as_ref().map(|_| 30);
    let batch = Batch::new(family, family.latest, &group, Some(&dep_id));
    let mut tasks = Vec::with_capacity(slots.len());
    for slot in slots {
        let created_at = if recent {
            origin - secs(rng.u64(300..3600))
        } else {
            deployed_at + secs(rng.u64(2..20))
        };
        let spec = NewTask {
            batch: &batch,
            status: TaskStatus::Running,
            next_at: None,
            created_at,
            drain_secs,
        };
        let mut task = new_task(rng, spec, slot);
        task.started_at = Some(created_at + secs(rng.u64(15..60)));
        tasks.push(task);
    }
    let svc = &mut cluster.services[si];
    if svc.name == UNHEALTHY_SIDECAR_SERVICE
        && let Some(c) = tasks
            .first_mut()
            .and_then(|t| t.containers.iter_mut().find(|c| !c.plan.essential))
    {
        c.unhealthy = true;
    }
    svc.tasks = tasks;
    history(svc, origin, rng);
}

/// The events ECS would have kept: the last deployment and a steady-state note every six
/// hours since (DescribeServices keeps the newest hundred).
fn history(svc: &mut ServiceState, origin: DateTime<Utc>, rng: &mut Rng) {
    let Some(dep) = svc.primary().cloned() else {
        return;
    };
    let name = svc.name.clone();
    let t = dep.created_at;
    let refs = |ids: Vec<String>| {
        ids.iter()
            .map(|id| format!("(task {id})"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if svc.desired > 0 {
        let ids: Vec<String> = svc.tasks.iter().map(|t| t.id.clone()).collect();
        let n = ids.len();
        svc.push_event(
            uuid(rng),
            t + secs(4),
            format!("(service {name}) has started {n} tasks: {}.", refs(ids)),
        );
        if let Some(tg) = svc
            .load_balancer
            .as_ref()
            .and_then(|lb| lb.target_group_arn.clone())
        {
            svc.push_event(
                uuid(rng),
                t + secs(70),
                format!("(service {name}) registered {n} targets in (target-group {tg})"),
            );
        }
    } else {
        let ids = (0..2).map(|_| task_id(rng)).collect();
        svc.push_event(
            uuid(rng),
            t + secs(4),
            format!(
                "(service {name}) has stopped 2 running tasks: {}.",
                refs(ids)
            ),
        );
    }
    let done = t + Duration::minutes(3);
    svc.push_event(
        uuid(rng),
        done,
        format!(
            "(service {name}) (deployment {}) deployment completed.",
            dep.id
        ),
    );
    svc.push_event(
        uuid(rng),
        done + secs(1),
        format!("(service {name}) has reached a steady state."),
    );
    let mut at = done + secs(1);
    loop {
        let next = at + Duration::hours(6) + secs(rng.u64(..300));
        if next >= origin {
            break;
        }
        at = next;
        svc.push_event(
            uuid(rng),
            at,
            format!("(service {name}) has reached a steady state."),
        );
    }
    svc.last_steady_event = at;
}
