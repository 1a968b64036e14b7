//! Where a new task goes and what it looks like when it starts: placement on the EC2
//! cluster's instances (constraints, AZ spread, instance spread, free CPU and memory), AZ
//! and capacity-provider choice on Fargate, and construction of the task itself.

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::ids::{STREAM_ROUTER, digits, hex, private_addr, rng_for, salt, task_id};
use super::state::{ClusterState, ContainerState, Launch, SharedStr, TaskState, TaskStatus};
use super::taskdef::{ContainerPlan, Family, LOG_ROUTER};
use crate::domain::model::CapacityProviderItem;

/// What is being placed: the tasks of one group (`service:<name>` or `family:<name>`).
pub(super) struct Ask<'a> {
    pub group: &'a str,
    pub launch: &'a Launch,
    pub instance_family: Option<&'a str>,
    pub cpu: i32,
    pub memory: i32,
}

/// Where one new task runs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Slot {
    pub az: usize,
    pub instance: Option<String>,
    pub private_ip: Ipv4Addr,
    pub capacity_provider: Option<String>,
    pub launch_type: &'static str,
}

/// Slots for up to `n` new tasks, in order; fewer when the EC2 cluster has no room.
/// `any_instance` lets the initial estate use instances that later drain or disconnect.
pub(super) fn place(
    cluster: &ClusterState,
    ask: &Ask<'_>,
    n: usize,
    rng: &mut Rng,
    any_instance: bool,
) -> Vec<Slot> {
    match ask.launch {
        Launch::Ec2 => place_ec2(cluster, ask, n, any_instance),
        Launch::Fargate | Launch::Strategy(_) => place_fargate(cluster, ask, n, rng),
    }
}

fn place_ec2(cluster: &ClusterState, ask: &Ask<'_>, n: usize, any_instance: bool) -> Vec<Slot> {
    let instances = &cluster.instances;
    let mut used = vec![(0, 0); instances.len()];
    let mut mine = vec![0; instances.len()];
    let mut mine_per_az = [0; 3];
    // By id, so a large cluster (`--demo-scale`) is not searched once per task.
    let index: HashMap<&str, usize> = instances
        .iter()
        .enumerate()
        // Reversed so that, as with a search, the first of equal ids wins.
        .rev()
        .map(|(i, inst)| (inst.id.as_str(), i))
        .collect();
    for t in cluster.tasks().filter(|t| t.holds_resources()) {
        let Some(&i) = t.instance.as_deref().and_then(|id| index.get(id)) else {
            continue;
        };
        used[i].0 += t.cpu;
        used[i].1 += t.memory;
        if t.group == ask.group && t.desired_running {
            mine[i] += 1;
            mine_per_az[instances[i].az % 3] += 1;
        }
    }
    let mut slots = Vec::with_capacity(n);
    for _ in 0..n {
        let fits: Vec<usize> = (0..instances.len())
            .filter(|&i| {
                let inst = &instances[i];
                (any_instance || inst.accepts_tasks())
                    && ask
                        .instance_family
                        .is_none_or(|f| inst.instance_type.split('.').next() == Some(f))
                    && inst.cpu - used[i].0 >= ask.cpu
                    && inst.memory - used[i].1 >= ask.memory
            })
            .collect();
        // The services' strategy: spread over AZs, then over instances; among equals,
        // prefer the emptier instance so load stays even.
        let Some(&best) = fits.iter().min_by_key(|&&i| {
            let free = instances[i].memory - used[i].1;
            (mine_per_az[instances[i].az % 3], mine[i], -free, i)
        }) else {
            break;
        };
        used[best].0 += ask.cpu;
        used[best].1 += ask.memory;
        mine[best] += 1;
        mine_per_az[instances[best].az % 3] += 1;
        let inst = &instances[best];
        slots.push(Slot {
            az: inst.az,
            instance: Some(inst.id.clone()),
            // Bridge networking: the task is reached at its instance's address.
            private_ip: inst.private_ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED),
            capacity_provider: None,
            launch_type: "EC2",
        });
    }
    slots
}

fn place_fargate(cluster: &ClusterState, ask: &Ask<'_>, n: usize, rng: &mut Rng) -> Vec<Slot> {
    let azs = cluster.subnets.len().max(1);
    let mut per_az = vec![0; azs];
    let mut per_provider: BTreeMap<String, i32> = BTreeMap::new();
    for t in cluster
        .tasks()
        .filter(|t| t.group == ask.group && t.desired_running)
    {
        per_az[t.az % azs] += 1;
        if let Some(cp) = &t.capacity_provider {
            *per_provider.entry(cp.clone()).or_default() += 1;
        }
    }
    let mut slots = Vec::with_capacity(n);
    for _ in 0..n {
        let az = (0..azs).min_by_key(|&a| (per_az[a], a)).unwrap_or(0);
        per_az[az] += 1;
        let capacity_provider = match ask.launch {
            Launch::Strategy(items) => {
                let chosen = pick_provider(items, &per_provider);
                if let Some(cp) = &chosen {
                    *per_provider.entry(cp.clone()).or_default() += 1;
                }
                chosen
            }
            _ => None,
        };
        slots.push(Slot {
            az,
            instance: None,
            private_ip: private_addr(rng, cluster.net, az),
            capacity_provider,
            launch_type: "FARGATE",
        });
    }
    slots
}

/// The provider the next task goes to: each provider's base first, then the rest in
/// proportion to the weights.
fn pick_provider(items: &[CapacityProviderItem], counts: &BTreeMap<String, i32>) -> Option<String> {
    let count = |p: &CapacityProviderItem| counts.get(&p.provider).copied().unwrap_or(0);
    if let Some(under_base) = items.iter().find(|p| count(p) < p.base) {
        return Some(under_base.provider.clone());
    }
    items
        .iter()
        .filter(|p| p.weight > 0)
        // Smallest share beyond base per unit of weight: compare a/wa < b/wb as a*wb < b*wa.
        .min_by(|a, b| {
            let ea = i64::from((count(a) - a.base).max(0)) * i64::from(b.weight);
            let eb = i64::from((count(b) - b.base).max(0)) * i64::from(a.weight);
            ea.cmp(&eb).then(b.weight.cmp(&a.weight))
        })
        .map(|p| p.provider.clone())
}

/// What the tasks started together share: one revision of one family, one group, one
/// deployment. Made once per batch; each task references its strings and containers
/// rather than carrying copies (a large service's tasks would otherwise repeat them).
pub(super) struct Batch<'a> {
    pub family: &'a Family,
    pub revision: i32,
    task_definition: SharedStr,
    group: SharedStr,
    deployment: Option<SharedStr>,
    plans: Vec<Arc<ContainerPlan>>,
}

impl<'a> Batch<'a> {
    pub fn new(family: &'a Family, revision: i32, group: &str, deployment: Option<&str>) -> Self {
        Batch {
            family,
            revision,
            task_definition: family.revision_name(revision).into(),
            group: group.into(),
            deployment: deployment.map(SharedStr::from),
            plans: family
                .containers(revision)
                .into_iter()
                .map(Arc::new)
                .collect(),
        }
    }
}

/// What a new task needs besides its batch and its slot.
pub(super) struct NewTask<'a> {
    pub batch: &'a Batch<'a>,
    pub status: TaskStatus,
    pub next_at: Option<u64>,
    pub created_at: DateTime<Utc>,
    pub drain_secs: Option<u64>,
}

pub(super) fn new_task(rng: &mut Rng, spec: NewTask<'_>, slot: Slot) -> TaskState {
    let batch = spec.batch;
    let id = task_id(rng);
    let awsvpc = batch.family.awsvpc(batch.revision);
    let (cpu, memory) = batch.family.size(batch.revision);
    let containers = batch
        .plans
        .iter()
        .map(|plan| {
            // A FireLens router draws from a stream of its own, keyed by the task, so a
            // family with a router shifts none of the ids drawn after its tasks.
            let mut own;
            let draw = if plan.name == LOG_ROUTER {
                own = rng_for(salt(&id), STREAM_ROUTER, salt(&plan.name));
                &mut own
            } else {
                &mut *rng
            };
            // Docker ids on EC2; Fargate names runtimes after the task.
            let runtime_id = if awsvpc {
                format!("{id}-{}", digits(draw, 10))
            } else {
                hex(draw, 64)
            };
            ContainerState {
                plan: Arc::clone(plan),
                unhealthy: false,
                exit_code: None,
                reason: None,
                runtime_id,
            }
        })
        .collect();
    TaskState {
        task_definition: batch.task_definition.clone(),
        group: batch.group.clone(),
        deployment: batch.deployment.clone(),
        status: spec.status,
        desired_running: true,
        next_at: spec.next_at,
        healthy_at: None,
        exit_at: None,
        launch_type: slot.launch_type,
        capacity_provider: slot.capacity_provider,
        az: slot.az,
        private_ip: slot.private_ip,
        instance: slot.instance,
        awsvpc,
        drain_secs: spec.drain_secs,
        cpu,
        memory,
        created_at: spec.created_at,
        started_at: None,
        stopping_at: None,
        stopped_at: None,
        stopped_reason: None,
        stop_code: None,
        containers,
        failing: None,
        fail_at: None,
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(provider: &str, weight: i32, base: i32) -> CapacityProviderItem {
        CapacityProviderItem {
            provider: provider.into(),
            weight,
            base,
        }
    }

    #[test]
    fn providers_fill_base_then_follow_weights() {
        let items = [item("FARGATE", 1, 1), item("FARGATE_SPOT", 3, 0)];
        let mut counts = BTreeMap::new();
        let mut picks = Vec::new();
        for _ in 0..5 {
            let p = pick_provider(&items, &counts).unwrap();
            *counts.entry(p.clone()).or_default() += 1;
            picks.push(p);
        }
        assert_eq!(picks[0], "FARGATE");
        assert_eq!(counts["FARGATE_SPOT"], 3);
        assert_eq!(counts["FARGATE"], 2);
    }
}
