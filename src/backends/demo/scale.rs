//! `--demo-scale N`: the estate made N times larger, so that loading a big account (pages
//! of ARNs, describes in batches, the API budget) can be watched without one. Scale 1 is
//! the catalog's estate exactly; above it, generated services join two clusters:
//!
//! - `prod-platform` (Fargate) grows to 20 services per scale step, 2,000 at scale 100,
//!   each with a few tasks (1.7 on average);
//! - `prod-core` (EC2) gains one large service per step, 100 tasks apiece on average
//!   (10,000 more running tasks at scale 100), on m5/c5.2xlarge instances registered for
//!   them at about 24 tasks each (417 at scale 100), which leaves room for rollouts.
//!
//! Generated services are steady: deployed days ago, every task RUNNING and healthy, no
//! sidecars, crashes or Spot. They start `quiet`, so the simulation passes them by (but
//! for a steady-state event every six hours) until a change wakes them; then they step
//! like any other service until they have settled again. Their tasks are the simulation's
//! ordinary tasks, so every view, the logs and every operation work on them unchanged.
//!
//! Everything is drawn from a stream of its own (`STREAM_SCALE`), after the catalog's
//! estate is built, so the catalog's services, tasks and story are drawn exactly as at
//! scale 1; only where the EC2 scheduler later places a task can differ, as it has more
//! instances to choose from.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use chrono::{DateTime, Duration, Utc};
use fastrand::Rng;

use super::catalog::{CLUSTERS, ClusterSpec, instance};
use super::fleet::{build_instance, days, placement, secs};
use super::ids::{
    STREAM_SCALE, deployment_id, hex, private_addr, rng_for, role_arn, salt, target_group_arn, uuid,
};
use super::launch::{Batch, NewTask, Slot, new_task};
use super::state::{ClusterState, DeploymentState, Fleet, Launch, ServiceState, TaskStatus};
use super::taskdef::Family;
use crate::domain::model::{DeploymentConfig, LoadBalancer, NetworkConfig};

/// The largest `--demo-scale`.
pub const MAX_SCALE: u32 = 1000;
/// The Fargate cluster that grows to `SERVICES_PER_SCALE` services per scale step.
pub(super) const WIDE_CLUSTER: &str = "prod-platform";
pub(super) const SERVICES_PER_SCALE: usize = 20;
/// The EC2 cluster that gains `TASKS_PER_SCALE` running tasks per scale step.
pub(super) const DEEP_CLUSTER: &str = "prod-core";
pub(super) const TASKS_PER_SCALE: usize = 100;
/// Generated tasks per generated instance, of the 32 that fit: room to roll out.
const TASKS_PER_INSTANCE: usize = 24;
/// A deep service's task: small enough for 32 on a 2xlarge.
const DEEP_TASK_SIZE: (i32, i32) = (256, 512);
const STEADY_EVERY_SECS: u64 = 6 * 3600;

/// What generated services are called: `<domain>-<role>`, then `-2`, `-3`... once every
/// pair is taken.
const DOMAINS: &[&str] = &[
    "billing",
    "ledger",
    "invoicing",
    "catalog",
    "identity",
    "sessions",
    "consent",
    "loyalty",
    "rewards",
    "returns",
    "refunds",
    "tax",
    "fx-rates",
    "labels",
    "tracking",
    "warehouse",
    "fulfilment",
    "subscriptions",
    "bundles",
    "vouchers",
    "reviews",
    "messaging",
    "sms",
    "push",
    "onboarding",
    "kyc",
    "risk",
    "chargebacks",
    "payouts",
    "settlement",
    "reconciliation",
    "reporting",
    "exports",
    "imports",
    "affiliates",
    "ads",
    "campaigns",
    "segments",
    "experiments",
    "forecasting",
    "routing",
    "dispatch",
    "drivers",
    "stores",
    "menus",
    "bookings",
    "quotes",
    "contracts",
];
const ROLES: &[&str] = &[
    "api",
    "worker",
    "consumer",
    "sync",
    "scheduler",
    "exporter",
    "indexer",
    "cache",
    "gateway",
    "projector",
    "notifier",
    "backfill",
    "compactor",
    "webhooks",
    "reader",
    "writer",
];

/// Makes the estate `scale` times larger (1..=`MAX_SCALE`; 1 changes nothing).
pub(super) fn enlarge(fleet: &mut Fleet, scale: u32) {
    let scale = usize::try_from(scale.clamp(1, MAX_SCALE)).unwrap_or(1);
    if scale == 1 {
        return;
    }
    let mut rng = rng_for(fleet.seed, STREAM_SCALE, 0);
    let mut names = Names::default();
    widen(fleet, scale, &mut names, &mut rng);
    deepen(fleet, scale, &mut names, &mut rng);
}

#[derive(Default)]
struct Names {
    next: usize,
}

impl Names {
    /// The next name whose family is not taken (families are account-wide).
    fn next(&mut self, families: &BTreeMap<String, Family>, suffix: &str) -> String {
        let pairs = DOMAINS.len() * ROLES.len();
        loop {
            let i = self.next;
            self.next += 1;
            let domain = DOMAINS[i % DOMAINS.len()];
            let role = ROLES[(i / DOMAINS.len()) % ROLES.len()];
            let name = match i / pairs {
                0 => format!("{domain}-{role}"),
                round => format!("{domain}-{role}-{}", round + 1),
            };
            if !families.contains_key(&format!("{name}{suffix}")) {
                return name;
            }
        }
    }
}

/// One generated service's shape.
struct Shape {
    desired: usize,
    size: (i32, i32),
    port: Option<i32>,
}

/// The Fargate cluster up to `SERVICES_PER_SCALE` services per step: many small ones.
fn widen(fleet: &mut Fleet, scale: usize, names: &mut Names, rng: &mut Rng) {
    let Some((ci, spec)) = cluster(fleet, WIDE_CLUSTER) else {
        return;
    };
    let sg = format!("sg-0{}", hex(rng, 16));
    let have = fleet.clusters[ci].services.len();
    for _ in have..SERVICES_PER_SCALE * scale {
        let name = names.next(&fleet.families, spec.family_suffix);
        let shape = Shape {
            // 0 (a few parked), 1, 2 or 3 tasks: 1.7 on average.
            desired: match rng.u8(..20) {
                0 => 0,
                1..=8 => 1,
                9..=15 => 2,
                _ => 3,
            },
            size: [(256, 512), (512, 1024), (256, 1024), (1024, 2048)][rng.usize(..4)],
            port: (rng.u8(..10) < 6).then_some(8080),
        };
        let c = &mut fleet.clusters[ci];
        let net = c.net;
        let azs = c.subnets.len().max(1);
        let mut placed = 0;
        add_service(
            c,
            &mut fleet.families,
            spec,
            &name,
            &shape,
            Some(&sg),
            fleet.origin,
            rng,
            |rng| {
                let az = placed % azs;
                placed += 1;
                Slot {
                    az,
                    instance: None,
                    private_ip: private_addr(rng, net, az),
                    capacity_provider: None,
                    launch_type: "FARGATE",
                }
            },
        );
    }
}

/// The EC2 cluster `TASKS_PER_SCALE` tasks per step richer, in large services, on
/// instances registered for them.
fn deepen(fleet: &mut Fleet, scale: usize, names: &mut Names, rng: &mut Rng) {
    let Some((ci, spec)) = cluster(fleet, DEEP_CLUSTER) else {
        return;
    };
    let total = TASKS_PER_SCALE * scale;
    let first = fleet.clusters[ci].instances.len();
    for k in 0..total.div_ceil(TASKS_PER_INSTANCE) {
        let kind = if k % 5 == 4 {
            "c5.2xlarge"
        } else {
            "m5.2xlarge"
        };
        let agent = if k % 6 == 5 { "1.88.0" } else { "1.89.2" };
        let inst = build_instance(&instance(kind, k % 3, agent), spec, fleet.origin, rng);
        fleet.clusters[ci].instances.push(inst);
    }
    let hosts: Vec<(usize, String, Ipv4Addr)> = fleet.clusters[ci].instances[first..]
        .iter()
        .map(|i| {
            (
                i.az,
                i.id.clone(),
                i.private_ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED),
            )
        })
        .collect();
    // One service per step, in pairs of 100 ± v so that they add up to `total`.
    let mut next_host = 0;
    let mut spread = 0;
    for i in 0..scale {
        let desired = match (i % 2, i + 1 == scale) {
            (0, true) => TASKS_PER_SCALE,
            (0, false) => {
                spread = rng.usize(..60);
                TASKS_PER_SCALE + spread
            }
            _ => TASKS_PER_SCALE - spread,
        };
        let name = names.next(&fleet.families, spec.family_suffix);
        let shape = Shape {
            desired,
            size: DEEP_TASK_SIZE,
            port: (rng.u8(..2) == 0).then_some(8080),
        };
        add_service(
            &mut fleet.clusters[ci],
            &mut fleet.families,
            spec,
            &name,
            &shape,
            None,
            fleet.origin,
            rng,
            |_| {
                // Round robin: neighbouring tasks on neighbouring instances (and AZs).
                let (az, id, ip) = &hosts[next_host % hosts.len()];
                next_host += 1;
                Slot {
                    az: *az,
                    instance: Some(id.clone()),
                    // Bridge networking: the task is reached at its instance's address.
                    private_ip: *ip,
                    capacity_provider: None,
                    launch_type: "EC2",
                }
            },
        );
    }
}

fn cluster(fleet: &Fleet, name: &str) -> Option<(usize, &'static ClusterSpec)> {
    let ci = fleet.clusters.iter().position(|c| c.name == name)?;
    let spec = CLUSTERS.iter().find(|c| c.name == name)?;
    Some((ci, spec))
}

/// A steady generated service, its family and its running tasks (each where `slot` puts
/// it), with the events its last deployment left.
#[allow(clippy::too_many_arguments)]
fn add_service(
    cluster: &mut ClusterState,
    families: &mut BTreeMap<String, Family>,
    spec: &ClusterSpec,
    name: &str,
    shape: &Shape,
    shared_sg: Option<&str>,
    origin: DateTime<Utc>,
    rng: &mut Rng,
    mut slot: impl FnMut(&mut Rng) -> Slot,
) {
    let ec2 = cluster.ec2;
    let created_at = origin - days(rng, 60..420);
    let deployed_at = origin - days(rng, 1..25);
    let mut family = Family::generated(
        format!("{name}{}", spec.family_suffix),
        name.into(),
        1 + rng.i32(0..12),
        ec2,
        shape.size,
        shape.port,
        Vec::new(),
        1 + rng.u32(..4),
        origin,
    );
    let lead = 5 + i64::try_from(salt(&family.name) % 40).unwrap_or(0);
    family.base.1 = deployed_at - Duration::minutes(lead);
    let load_balancer = shape.port.map(|port| {
        let mut tg = format!("{}-{name}", cluster.name.replace("prod-", "p-"));
        tg.truncate(32);
        LoadBalancer {
            target_group_arn: Some(target_group_arn(&tg, &hex(rng, 16))),
            load_balancer_name: None,
            container_name: Some(name.into()),
            container_port: Some(port),
        }
    });
    let network = (!ec2).then(|| NetworkConfig {
        subnets: cluster.subnets.clone(),
        security_groups: std::iter::once(format!("sg-0{}", hex(rng, 16)))
            .chain(shared_sg.map(String::from))
            .collect(),
        assign_public_ip: Some("DISABLED".into()),
    });
    let dep_id = deployment_id(rng);
    let task_definition = family.revision_name(family.latest);
    let desired = i32::try_from(shape.desired).unwrap_or(i32::MAX);
    let mut svc = ServiceState {
        name: name.into(),
        family: family.name.clone(),
        desired,
        launch: if ec2 { Launch::Ec2 } else { Launch::Fargate },
        created_at,
        created_by: role_arn("terraform-deployer"),
        config: DeploymentConfig {
            minimum_healthy_percent: Some(if shape.port.is_some() { 100 } else { 50 }),
            maximum_percent: Some(200),
            circuit_breaker_enabled: desired > 0,
            circuit_breaker_rollback: desired > 0,
            controller: Some("ECS".into()),
        },
        load_balancer,
        placement_strategy: if ec2 {
            vec![
                placement("spread", "attribute:ecs.availability-zone"),
                placement("spread", "instanceId"),
            ]
        } else {
            Vec::new()
        },
        placement_constraints: Vec::new(),
        instance_family: None,
        network,
        grace_period: shape.port.map(|_| 60),
        exec: rng.u8(..3) != 0,
        last_completed: Some((dep_id.clone(), task_definition.clone())),
        deployments: vec![DeploymentState {
            rollout_reason: format!("ECS deployment {dep_id} completed."),
            id: dep_id.clone(),
            task_definition,
            rollout_state: "COMPLETED".into(),
            created_at: deployed_at,
            updated_at: deployed_at + Duration::minutes(3),
            failed: 0,
        }],
        events: Vec::new(),
        tasks: Vec::with_capacity(shape.desired),
        crashes_per_hour: 0.0,
        steady: true,
        last_steady_event: deployed_at,
        last_unplaceable_event: None,
        generated: true,
        quiet: true,
    };
    let group = format!("service:{name}");
    let drain_secs = svc.load_balancer.as_ref().map(|_| 30);
    let batch = Batch::new(&family, family.latest, &group, Some(&dep_id));
    for _ in 0..shape.desired {
        let created_at = deployed_at + secs(rng.u64(2..20));
        let new = NewTask {
            batch: &batch,
            status: TaskStatus::Running,
            next_at: None,
            created_at,
            drain_secs,
        };
        let at = slot(rng);
        let mut task = new_task(rng, new, at);
        task.started_at = Some(created_at + secs(rng.u64(15..60)));
        svc.tasks.push(task);
    }
    history(&mut svc, origin, rng);
    families.insert(family.name.clone(), family);
    cluster.services.push(svc);
}

/// The newest of the events ECS would have kept for a service deployed days ago, kept
/// short (a few thousand services carry them): its deployment completing and the last
/// steady-state note, within the past six hours.
fn history(svc: &mut ServiceState, origin: DateTime<Utc>, rng: &mut Rng) {
    let Some(dep) = svc.primary() else {
        return;
    };
    let done = dep.created_at + Duration::minutes(3);
    let completed = format!(
        "(service {}) (deployment {}) deployment completed.",
        svc.name, dep.id
    );
    svc.push_event(uuid(rng), done, completed);
    // Every six hours since, with a few minutes' drift; the last before the history starts.
    let since = u64::try_from((origin - done).num_seconds()).unwrap_or(0);
    let last = done + secs(since.saturating_sub(2) / STEADY_EVERY_SECS * STEADY_EVERY_SECS + 1);
    let last = (last - secs(rng.u64(..300))).max(done + secs(1));
    let steady = format!("(service {}) has reached a steady state.", svc.name);
    svc.push_event(uuid(rng), last, steady);
    svc.last_steady_event = last;
}

#[cfg(test)]
mod tests;
