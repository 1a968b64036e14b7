//! Shared helpers for tests against moto behind `tests/aws_proxy.py` (started by
//! `scripts/test.sh`). Tests share one moto and run in parallel: every test makes its own
//! names with `unique`, and nothing ever resets moto.

#![allow(dead_code)] // each test module uses its own subset

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::Region;
use aws_sdk_ecs::config::Credentials;
use aws_smithy_http_client::tls::Provider;
use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns};
use ecsdash::backends::sdk::{ConnectOptions, SdkBackend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The region most tests use. A test that needs a region to itself (because it lists
/// everything in it) picks another one and says so.
pub const REGION: &str = "us-east-1";
/// moto's fixed account id, which ARNs carry.
pub const ACCOUNT: &str = "123456789012";

/// Where moto is: `proxy` (AWS-like paging and limits) for the code under test, `direct`
/// for seeding, so seeding neither counts in the proxy's stats nor meets injected faults.
#[derive(Debug, Clone)]
pub struct Moto {
    pub proxy: String,
    pub direct: String,
}

/// moto's addresses from ECSDASH_MOTO_URL and ECSDASH_MOTO_DIRECT. Without them the test
/// is skipped with a note, except under CI=true, where a skipped AWS test would hide a
/// broken harness.
pub fn moto() -> Option<Moto> {
    let proxy = std::env::var("ECSDASH_MOTO_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let direct = std::env::var("ECSDASH_MOTO_DIRECT")
        .ok()
        .filter(|v| !v.is_empty());
    match (proxy, direct) {
        (Some(proxy), Some(direct)) => Some(Moto { proxy, direct }),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "ECSDASH_MOTO_URL and ECSDASH_MOTO_DIRECT are not set under CI: run `bash scripts/test.sh`"
        ),
        _ => {
            eprintln!("skipped: moto is not running (run `bash scripts/test.sh`)");
            None
        }
    }
}

/// A name no other test (or earlier run against the same moto) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{:06x}-{n}", fastrand::u32(..0xff_ffff))
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "ecsdash-tests")
}

/// An ECS client straight to moto, for seeding.
pub fn ecs(moto: &Moto, region: &str) -> aws_sdk_ecs::Client {
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.direct)
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials())
        .build();
    aws_sdk_ecs::Client::from_conf(config)
}

/// A CloudWatch Logs client straight to moto, for seeding log groups, streams and events.
pub fn logs(moto: &Moto, region: &str) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.direct)
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials())
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

/// An ECS client through the proxy, to check the proxy itself behaves like AWS.
pub fn ecs_via_proxy(moto: &Moto, region: &str) -> aws_sdk_ecs::Client {
    let direct = Moto {
        direct: moto.proxy.clone(),
        ..moto.clone()
    };
    ecs(&direct, region)
}

/// The backend under test, pointed at the proxy.
pub async fn backend(moto: &Moto, region: &str) -> SdkBackend {
    backend_with_timeout(moto, region, Duration::from_secs(30)).await
}

pub async fn backend_with_timeout(moto: &Moto, region: &str, timeout: Duration) -> SdkBackend {
    let opts = ConnectOptions {
        profile: None,
        region: Some(region.to_owned()),
        operation_timeout: timeout,
        describe_concurrency: 4,
        api_share: ecsdash::domain::budget::DEFAULT_SHARE_PERCENT,
        assumed: None,
    };
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&moto.proxy)
        .credentials_provider(credentials());
    SdkBackend::connect_with(opts, loader)
        .await
        .expect("connect to moto")
}

/// Resolves every name to 127.0.0.1, so a client can reach moto by a host name (and the
/// SDK's `stream-` host prefix for Live Tail still lands on it) without asking DNS.
#[derive(Debug, Clone)]
struct Loopback;

impl ResolveDns for Loopback {
    fn resolve_dns<'a>(&'a self, _name: &'a str) -> DnsFuture<'a> {
        DnsFuture::ready(Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST)]))
    }
}

/// The backend under test, pointed at the proxy as `http://moto.localhost:PORT`, a name
/// only its own resolver knows.
pub async fn backend_by_name(moto: &Moto, region: &str) -> SdkBackend {
    let port = moto.proxy.rsplit(':').next().expect("a port");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .build_with_resolver(Loopback);
    let opts = ConnectOptions {
        profile: None,
        region: Some(region.to_owned()),
        operation_timeout: Duration::from_secs(30),
        describe_concurrency: 4,
        api_share: ecsdash::domain::budget::DEFAULT_SHARE_PERCENT,
        assumed: None,
    };
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(format!("http://moto.localhost:{port}"))
        .http_client(http)
        .credentials_provider(credentials());
    SdkBackend::connect_with(opts, loader)
        .await
        .expect("connect to moto")
}

/// A minimal HTTP/1.1 exchange with a loopback server (moto or the proxy); returns the
/// status and body. Enough for EC2's query API and the proxy's control endpoints, which
/// the test dependencies have no client for.
pub async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let host = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host).await.expect("connect to moto");
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "chunked answers are not supported by this helper: {head}"
    );
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    (status, body.to_owned())
}

/// One call of EC2's query API on moto (unsigned: moto reads only the region from the
/// credential scope).
pub async fn ec2(moto: &Moto, region: &str, params: &str) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"
    );
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Authorization", auth.as_str()),
    ];
    let body = format!("Version=2016-11-15&{params}");
    let (status, answer) = http(&moto.direct, "POST", "/", &headers, &body).await;
    assert_eq!(status, 200, "EC2 {params}: {answer}");
    answer
}

/// The text of every `<tag>...</tag>` in an XML answer, in order.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    xml.split(&open)
        .skip(1)
        .filter_map(|rest| rest.split_once(&close).map(|(value, _)| value.to_owned()))
        .collect()
}

/// Starts `count` EC2 instances; moto's RegisterContainerInstance needs them to exist.
pub async fn run_instances(
    moto: &Moto,
    region: &str,
    count: usize,
    instance_type: &str,
) -> Vec<String> {
    let answer = ec2(
        moto,
        region,
        &format!("Action=RunInstances&ImageId=ami-12345678&MinCount={count}&MaxCount={count}&InstanceType={instance_type}"),
    )
    .await;
    let ids = xml_values(&answer, "instanceId");
    assert_eq!(ids.len(), count, "RunInstances answer: {answer}");
    ids
}

/// A subnet and security group of moto's default VPC, for awsvpc tasks and services.
pub async fn default_network(moto: &Moto, region: &str) -> (String, String) {
    let subnets = xml_values(
        &ec2(moto, region, "Action=DescribeSubnets").await,
        "subnetId",
    );
    let groups = xml_values(
        &ec2(moto, region, "Action=DescribeSecurityGroups").await,
        "groupId",
    );
    let subnet = subnets.first().cloned().expect("moto's default subnet");
    let group = groups
        .first()
        .cloned()
        .expect("moto's default security group");
    (subnet, group)
}

/// Registers EC2 instances into a cluster; returns container instance ARNs in order.
pub async fn register_instances(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    instance_ids: &[String],
) -> Vec<String> {
    use futures::StreamExt;
    futures::stream::iter(instance_ids)
        .map(|id| async move {
            let document = serde_json::json!({ "instanceId": id }).to_string();
            ecs.register_container_instance()
                .cluster(cluster)
                .instance_identity_document(document)
                .send()
                .await
                .expect("RegisterContainerInstance")
                .container_instance
                .and_then(|ci| ci.container_instance_arn)
                .expect("a container instance ARN")
        })
        .buffered(16)
        .collect()
        .await
}

/// By default moto moves a task one step towards STOPPED each time it is described
/// (RUNNING, DEACTIVATING, ...), so a second read would see tasks dying. Tasks in AWS run
/// until stopped: make moto's tasks wait for a billion describes instead. Idempotent.
pub async fn steady_tasks(moto: &Moto) {
    let body = r#"{"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000000}}"#;
    let headers = [("Content-Type", "application/json")];
    let path = "/moto-api/state-manager/set-transition";
    let (status, answer) = http(&moto.direct, "POST", path, &headers, body).await;
    assert!(status < 300, "set-transition: {status} {answer}");
}

/// A cluster with one registered container instance, ready for EC2 RunTask (and tasks
/// that stay RUNNING).
pub async fn cluster_with_instance(
    moto: &Moto,
    ecs: &aws_sdk_ecs::Client,
    prefix: &str,
) -> (String, String) {
    steady_tasks(moto).await;
    let cluster = unique(prefix);
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let ids = run_instances(moto, REGION, 1, "m5.large").await;
    let arns = register_instances(ecs, &cluster, &ids).await;
    (cluster, arns[0].clone())
}

/// Proxy request counts per target (short name, e.g. `ListServices`) for one region
/// and/or cluster.
pub async fn stats(
    moto: &Moto,
    region: Option<&str>,
    cluster: Option<&str>,
) -> HashMap<String, u64> {
    let mut query = Vec::new();
    if let Some(region) = region {
        query.push(format!("region={region}"));
    }
    if let Some(cluster) = cluster {
        query.push(format!("cluster={cluster}"));
    }
    let path = format!("/_proxy/stats?{}", query.join("&"));
    let (status, body) = http(&moto.proxy, "GET", &path, &[], "").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("stats JSON")
}

/// Proxy request counts per target for one CloudWatch Logs group.
pub async fn group_stats(moto: &Moto, group: &str) -> HashMap<String, u64> {
    let query: String = group
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let path = format!("/_proxy/stats?group={query}");
    let (status, body) = http(&moto.proxy, "GET", &path, &[], "").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("stats JSON")
}

/// Count of one target in a stats answer (0 when absent).
pub fn count(stats: &HashMap<String, u64>, target: &str) -> u64 {
    stats.get(target).copied().unwrap_or_default()
}

/// Makes the proxy fail or delay the next requests: see tests/aws_proxy.py.
pub async fn inject(moto: &Moto, fault: serde_json::Value) {
    let body = fault.to_string();
    let headers = [("Content-Type", "application/json")];
    let (status, answer) = http(&moto.proxy, "POST", "/_proxy/inject", &headers, &body).await;
    assert_eq!(status, 200, "{answer}");
}

/// `value` escaped for a URL query.
fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The bodies of the API requests the proxy received for `target` (e.g.
/// `RegisterTaskDefinition`) whose text contains `matching`, oldest first, parsed as JSON.
pub async fn requests(moto: &Moto, target: &str, matching: &str) -> Vec<serde_json::Value> {
    let path = format!(
        "/_proxy/requests?target={}&match={}",
        query_escape(target),
        query_escape(matching)
    );
    let (status, body) = http(&moto.proxy, "GET", &path, &[], "").await;
    assert_eq!(status, 200, "{body}");
    let found: Vec<serde_json::Value> = serde_json::from_str(&body).expect("requests JSON");
    found.into_iter().map(|mut r| r["body"].take()).collect()
}

/// One ECS call straight to moto with a raw JSON body, for seeding what the typed SDK
/// cannot express (fields it does not model). Panics on a non-200 answer.
pub async fn ecs_json(
    moto: &Moto,
    region: &str,
    target: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20240101/{region}/ecs/aws4_request, SignedHeaders=host, Signature=0"
    );
    let target = format!("AmazonEC2ContainerServiceV20141113.{target}");
    let headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("X-Amz-Target", target.as_str()),
        ("Authorization", auth.as_str()),
    ];
    let (status, answer) = http(&moto.direct, "POST", "/", &headers, &body.to_string()).await;
    assert_eq!(status, 200, "{target}: {answer}");
    serde_json::from_str(&answer).expect("a JSON answer")
}

/// An Application Auto Scaling client straight to moto, for seeding and reading back.
pub fn autoscaling(moto: &Moto, region: &str) -> aws_sdk_applicationautoscaling::Client {
    let config = aws_sdk_applicationautoscaling::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.direct)
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials())
        .build();
    aws_sdk_applicationautoscaling::Client::from_conf(config)
}

/// Registers a one-container task definition (container `web`; moto needs `memory` to
/// place tasks); returns its ARN.
pub async fn small_task_definition(
    ecs: &aws_sdk_ecs::Client,
    family: &str,
    network: Option<aws_sdk_ecs::types::NetworkMode>,
    image: &str,
) -> String {
    ecs.register_task_definition()
        .family(family)
        .set_network_mode(network)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image(image)
                .cpu(8)
                .memory(16)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition")
        .task_definition
        .and_then(|td| td.task_definition_arn)
        .expect("a task definition ARN")
}

/// Services of `names` (desired count 2, EC2), sixteen at a time.
pub async fn create_services(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    task_definition: &str,
    names: &[String],
) {
    use futures::StreamExt;
    futures::stream::iter(names)
        .for_each_concurrent(16, |name| async move {
            ecs.create_service()
                .cluster(cluster)
                .service_name(name)
                .task_definition(task_definition)
                .desired_count(2)
                .launch_type(aws_sdk_ecs::types::LaunchType::Ec2)
                .send()
                .await
                .expect("CreateService");
        })
        .await;
}

/// A cluster with `n` services.
pub async fn cluster_with_services(moto: &Moto, n: usize) -> String {
    let ecs = ecs(moto, REGION);
    let cluster = unique("faults");
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .expect("CreateCluster");
    let td = small_task_definition(
        &ecs,
        &unique("faultfam"),
        Some(aws_sdk_ecs::types::NetworkMode::Bridge),
        "nginx:1.27",
    )
    .await;
    let names: Vec<String> = (0..n).map(|i| format!("svc-{i}")).collect();
    create_services(&ecs, &cluster, &td, &names).await;
    cluster
}
