//! What the demo estate is made of, as plain tables: clusters, their services and the EC2
//! instances of the EC2 cluster. `fleet.rs` turns these into state with seeded ids and
//! times; keeping the shape here makes it easy to see (and change) what the demo shows.

/// Sidecar containers some task definitions carry next to the application container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sidecar {
    Envoy,
    Datadog,
    /// A FireLens log router (`log_router`, Fluent Bit): the application logs through it
    /// with the `awsfirelens` driver to a group of its own, under stream names Fluent Bit
    /// makes up, while the router itself logs with awslogs like every other container.
    FireLens,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct ServiceSpec {
    pub name: &'static str,
    pub desired: i32,
    pub cpu: i32,
    pub memory: i32,
    /// The application port behind a load balancer; `None` for queue workers.
    pub port: Option<i32>,
    pub sidecars: &'static [Sidecar],
    /// Fargate: run mostly on FARGATE_SPOT through a capacity provider strategy.
    pub spot: bool,
    /// Task crashes per task-hour (OOM kills and failed exits): the noisy worker.
    pub crashes_per_hour: f64,
    /// A `memberOf` placement constraint on the instance type family (EC2 only).
    pub instance_family: Option<&'static str>,
}

const fn web(name: &'static str, desired: i32, cpu: i32, memory: i32) -> ServiceSpec {
    ServiceSpec {
        name,
        desired,
        cpu,
        memory,
        port: Some(8080),
        sidecars: &[],
        spot: false,
        crashes_per_hour: 0.0,
        instance_family: None,
    }
}

const fn worker(name: &'static str, desired: i32, cpu: i32, memory: i32) -> ServiceSpec {
    ServiceSpec {
        port: None,
        ..web(name, desired, cpu, memory)
    }
}

impl ServiceSpec {
    const fn port(self, port: i32) -> Self {
        ServiceSpec {
            port: Some(port),
            ..self
        }
    }
    const fn with(self, sidecars: &'static [Sidecar]) -> Self {
        ServiceSpec { sidecars, ..self }
    }
    const fn spot(self) -> Self {
        ServiceSpec { spot: true, ..self }
    }
    const fn crashy(self, crashes_per_hour: f64) -> Self {
        ServiceSpec {
            crashes_per_hour,
            ..self
        }
    }
    const fn on(self, instance_family: &'static str) -> Self {
        ServiceSpec {
            instance_family: Some(instance_family),
            ..self
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct InstanceSpec {
    pub instance_type: &'static str,
    /// Index into `ids::AZS`.
    pub az: usize,
    /// Registered CPU units and MiB: the instance's size minus what the OS and agent keep.
    pub cpu: i32,
    pub memory: i32,
    pub agent_version: &'static str,
    pub docker_version: &'static str,
    pub agent_connected: bool,
}

pub(super) const fn instance(
    instance_type: &'static str,
    az: usize,
    agent_version: &'static str,
) -> InstanceSpec {
    let (cpu, memory) = match instance_type.as_bytes() {
        [b'c', b'5', b'.', b'2', ..] => (8192, 15_306),
        [b'm', b'5', b'.', b'2', ..] => (8192, 31_657),
        [b'r', b'5', ..] => (4096, 31_649),
        _ => (4096, 15_563),
    };
    InstanceSpec {
        instance_type,
        az,
        cpu,
        memory,
        agent_version,
        docker_version: "DockerVersion: 25.0.6",
        agent_connected: true,
    }
}

impl InstanceSpec {
    const fn docker(self, docker_version: &'static str) -> Self {
        InstanceSpec {
            docker_version,
            ..self
        }
    }
    const fn disconnected(self) -> Self {
        InstanceSpec {
            agent_connected: false,
            ..self
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct ClusterSpec {
    pub name: &'static str,
    pub env: &'static str,
    /// EC2 container instances (bridge networking) rather than Fargate (awsvpc).
    pub ec2: bool,
    /// Second octet of the cluster's VPC (`10.<net>.0.0/16`).
    pub net: u8,
    /// Appended to service names to make task definition families (`checkout-staging`).
    pub family_suffix: &'static str,
    pub container_insights: &'static str,
    pub services: &'static [ServiceSpec],
    pub instances: &'static [InstanceSpec],
}

const ENVOY: &[Sidecar] = &[Sidecar::Envoy];
const DATADOG: &[Sidecar] = &[Sidecar::Datadog];
const BOTH: &[Sidecar] = &[Sidecar::Envoy, Sidecar::Datadog];
const FIRELENS: &[Sidecar] = &[Sidecar::FireLens];

/// The cluster whose `checkout` service is mid-rollout when the demo starts.
pub(super) const ROLLOUT_CLUSTER: &str = "prod-core";
pub(super) const ROLLOUT_SERVICE: &str = "checkout";
/// The service whose family's newest revision (registered, never deployed) fails its
/// health checks: rolling it out trips the circuit breaker and rolls back.
pub(super) const FAILING_CLUSTER: &str = "prod-core";
pub(super) const FAILING_SERVICE: &str = "orders";
/// The service whose first task runs an UNHEALTHY (non-essential) datadog-agent.
pub(super) const UNHEALTHY_SIDECAR_SERVICE: &str = "search-indexer";
/// The service whose application logs through FireLens: its streams can only be found
/// with the logs pane's stream picker.
#[cfg(test)]
pub(super) const FIRELENS_CLUSTER: &str = "prod-core";
#[cfg(test)]
pub(super) const FIRELENS_SERVICE: &str = "shipping-quotes";
/// Standalone RunTask work, started on a schedule in the data cluster.
pub(super) const BATCH_CLUSTER: &str = "data-pipeline";
pub(super) const BATCH_FAMILY: &str = "batch-report";

pub(super) const CLUSTERS: &[ClusterSpec] = &[
    ClusterSpec {
        name: "prod-core",
        env: "prod",
        ec2: true,
        net: 0,
        family_suffix: "",
        container_insights: "enhanced",
        services: &[
            web("api-gateway", 6, 512, 1024).with(ENVOY),
            web("checkout", 8, 512, 1024).with(ENVOY),
            web("payments", 4, 512, 1024).with(BOTH),
            web("orders", 4, 512, 1024),
            web("inventory", 3, 256, 512),
            web("cart", 3, 256, 512),
            web("user-profile", 3, 256, 512),
            web("search-api", 3, 1024, 2048).port(9000),
            worker("search-indexer", 2, 1024, 2048).with(DATADOG),
            web("pricing", 2, 256, 512),
            web("recommendations", 2, 1024, 3072),
            worker("notifications", 2, 256, 512).with(DATADOG),
            worker("pdf-renderer", 3, 1024, 2048).crashy(1.5).on("c5"),
            web("shipping-quotes", 2, 256, 512).with(FIRELENS),
            web("fraud-scoring", 2, 512, 2048).with(DATADOG),
            worker("legacy-reporting", 0, 512, 1024),
        ],
        instances: &[
            instance("m5.2xlarge", 0, "1.89.2"),
            instance("m5.2xlarge", 1, "1.89.2"),
            instance("m5.2xlarge", 2, "1.89.2"),
            instance("c5.2xlarge", 0, "1.89.2"),
            instance("c5.2xlarge", 1, "1.88.0"),
            instance("r5.xlarge", 2, "1.88.0"),
            instance("m5.2xlarge", 2, "1.87.1")
                .docker("DockerVersion: 24.0.9")
                .disconnected(),
            // Drained a minute before the demo starts: its tasks move elsewhere.
            instance("m5.xlarge", 1, "1.86.3").docker("DockerVersion: 20.10.25"),
        ],
    },
    ClusterSpec {
        name: "prod-platform",
        env: "prod",
        ec2: false,
        net: 16,
        family_suffix: "",
        container_insights: "enabled",
        services: &[
            web("web-frontend", 4, 512, 1024).port(3000),
            web("graphql-bff", 4, 512, 1024).port(4000).with(DATADOG),
            web("auth", 3, 256, 512),
            web("media-upload", 2, 512, 1024),
            worker("image-resizer", 3, 1024, 2048).spot(),
            worker("webhooks-dispatcher", 2, 256, 512).spot(),
            web("feature-flags", 2, 256, 512),
            worker("audit-log-shipper", 2, 256, 512).spot(),
            web("geo-lookup", 2, 256, 512),
            web("admin-console", 1, 256, 512).port(3000),
            worker("email-renderer", 2, 256, 1024),
            web("rate-limiter", 3, 256, 512).with(ENVOY),
            web("partner-api", 2, 512, 1024).with(ENVOY),
            worker("sitemap-generator", 1, 256, 512).spot(),
        ],
        instances: &[],
    },
    ClusterSpec {
        name: "data-pipeline",
        env: "prod",
        ec2: false,
        net: 32,
        family_suffix: "",
        container_insights: "enabled",
        services: &[
            web("event-ingest", 4, 512, 1024),
            worker("clickstream-consumer", 3, 1024, 2048).spot(),
            worker("orders-cdc", 2, 512, 1024),
            worker("kafka-connect", 2, 1024, 4096),
            worker("etl-scheduler", 1, 256, 512),
            worker("metrics-aggregator", 2, 512, 1024).spot(),
            worker("warehouse-loader", 2, 1024, 2048).spot(),
            worker("search-feeder", 1, 256, 512),
        ],
        instances: &[],
    },
    ClusterSpec {
        name: "staging",
        env: "staging",
        ec2: false,
        net: 64,
        family_suffix: "-staging",
        container_insights: "disabled",
        services: &[
            web("api-gateway", 1, 256, 512).with(ENVOY),
            web("checkout", 1, 256, 512).with(ENVOY),
            web("payments", 1, 256, 512),
            web("web-frontend", 1, 256, 512).port(3000),
            web("auth", 1, 256, 512),
            worker("notifications", 1, 256, 512).spot(),
        ],
        instances: &[],
    },
];
