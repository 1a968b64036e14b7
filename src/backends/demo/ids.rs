//! Names, ARNs and seeded randomness for the demo fleet.
//!
//! Every random draw comes from an RNG derived from (seed, stream, index), never from a
//! shared generator, so what the fleet shows depends on the seed and the time alone and
//! not on how often or in what order the panes asked.

use std::net::Ipv4Addr;

use fastrand::Rng;

pub(super) const ACCOUNT: &str = "123456789012";
pub(super) const REGION: &str = "eu-west-1";
pub(super) const AZS: [&str; 3] = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

/// Independent random streams, so adding draws to one never shifts another.
pub(super) const STREAM_ESTATE: u64 = 1;
pub(super) const STREAM_STEP: u64 = 2;
pub(super) const STREAM_LATENCY: u64 = 3;
pub(super) const STREAM_INJECT: u64 = 4;
pub(super) const STREAM_SCALING: u64 = 5;
pub(super) const STREAM_OPS: u64 = 6;
/// FireLens log routers' runtime ids, keyed by their task.
pub(super) const STREAM_ROUTER: u64 = 7;
/// What `--demo-scale` adds to the estate, so the catalog's own draws never shift.
pub(super) const STREAM_SCALE: u64 = 8;
/// Quiet (generated, steady) services' steady-state events, keyed by step and service.
pub(super) const STREAM_QUIET: u64 = 9;

/// The splitmix64 finaliser: neighbouring inputs (step 7, step 8) give unrelated outputs.
pub(super) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub(super) fn rng_for(seed: u64, stream: u64, index: u64) -> Rng {
    Rng::with_seed(mix(seed ^ mix(stream ^ mix(index))))
}

/// FNV-1a: a stable salt from a name (std's hasher is not stable across releases).
pub(super) fn salt(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub(super) fn hex(rng: &mut Rng, len: usize) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    (0..len)
        .map(|_| char::from(DIGITS[rng.usize(..16)]))
        .collect()
}

pub(super) fn digits(rng: &mut Rng, len: usize) -> String {
    let first = char::from(b'1' + rng.u8(..9));
    std::iter::once(first)
        .chain((1..len).map(|_| char::from(b'0' + rng.u8(..10))))
        .collect()
}

/// ECS task and container-instance ids are 32 lowercase hex characters.
pub(super) fn task_id(rng: &mut Rng) -> String {
    hex(rng, 32)
}

pub(super) fn ec2_instance_id(rng: &mut Rng) -> String {
    format!("i-0{}", hex(rng, 16))
}

pub(super) fn uuid(rng: &mut Rng) -> String {
    format!(
        "{}-{}-4{}-{}{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 3),
        ["8", "9", "a", "b"][rng.usize(..4)],
        hex(rng, 3),
        hex(rng, 12)
    )
}

pub(super) fn deployment_id(rng: &mut Rng) -> String {
    format!("ecs-svc/{}", digits(rng, 19))
}

/// An address in `10.<net>.<az block>.x`: each AZ's subnet owns 32 third-octet values.
pub(super) fn private_ip(rng: &mut Rng, net: u8, az: usize) -> String {
    private_addr(rng, net, az).to_string()
}

/// `private_ip` as an address (four bytes, where a task keeps it).
pub(super) fn private_addr(rng: &mut Rng, net: u8, az: usize) -> Ipv4Addr {
    let block = u8::try_from(az % 8).unwrap_or(0) * 32;
    Ipv4Addr::new(10, net, block + rng.u8(..32), rng.u8(4..251))
}

pub(super) fn cluster_arn(cluster: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{cluster}")
}

pub(super) fn service_arn(cluster: &str, service: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:service/{cluster}/{service}")
}

pub(super) fn task_arn(cluster: &str, id: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task/{cluster}/{id}")
}

pub(super) fn container_instance_arn(cluster: &str, id: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:container-instance/{cluster}/{id}")
}

pub(super) fn task_definition_arn(family_revision: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/{family_revision}")
}

pub(super) fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

pub(super) fn target_group_arn(name: &str, suffix: &str) -> String {
    format!("arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/{name}/{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = hex(&mut rng_for(7, STREAM_STEP, 3), 32);
        assert_eq!(a, hex(&mut rng_for(7, STREAM_STEP, 3), 32));
        assert_ne!(a, hex(&mut rng_for(7, STREAM_STEP, 4), 32));
        assert_ne!(a, hex(&mut rng_for(7, STREAM_ESTATE, 3), 32));
        assert_ne!(a, hex(&mut rng_for(8, STREAM_STEP, 3), 32));
    }

    #[test]
    fn id_shapes() {
        let mut rng = rng_for(1, STREAM_ESTATE, 0);
        let id = task_id(&mut rng);
        assert_eq!(id.len(), 32);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let i = ec2_instance_id(&mut rng);
        assert!(i.starts_with("i-0") && i.len() == 19);
        let d = deployment_id(&mut rng);
        assert_eq!(d.len(), "ecs-svc/".len() + 19);
        assert_eq!(uuid(&mut rng).len(), 36);
        let ip = private_ip(&mut rng, 20, 2);
        let octets: Vec<u8> = ip.split('.').filter_map(|o| o.parse().ok()).collect();
        assert_eq!(octets.len(), 4);
        assert_eq!(&octets[..2], &[10, 20]);
        assert!((64..96).contains(&octets[2]));
    }
}
