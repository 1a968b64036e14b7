//! Task definitions as the JSON DescribeTaskDefinition returns: generated revisions written
//! out in full (roles, environment, secrets, health checks, log options matching the demo's
//! log groups: awslogs, or FireLens with its `log_router`; tags), registered ones as they
//! were sent plus what AWS adds.

use serde_json::{Map, Value, json};

use super::catalog::Sidecar;
use super::ids::{ACCOUNT, REGION, task_definition_arn};
use super::registry;
use super::taskdef::{Family, LOG_ROUTER};

/// Who registered the generated revisions: the deploy pipeline's role.
fn pipeline(family: &Family) -> String {
    let role = if family.name.ends_with("-staging") {
        "github-actions-deploy"
    } else {
        "terraform-deployer"
    };
    format!(
        "arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{}-deploy",
        family.app
    )
}

fn env(name: &str, value: impl Into<String>) -> Value {
    json!({ "name": name, "value": value.into() })
}

fn health_check(command: &str, interval: i32, timeout: i32, start: i32) -> Value {
    json!({
        "command": ["CMD-SHELL", command],
        "interval": interval,
        "timeout": timeout,
        "retries": 3,
        "startPeriod": start,
    })
}

impl Family {
    fn environment_name(&self) -> &'static str {
        if self.name.ends_with("-staging") {
            "staging"
        } else {
            "production"
        }
    }

    /// The RegisterTaskDefinition input of a generated revision (tags included).
    fn generated_input(&self, revision: i32) -> Option<Value> {
        let def = self.definition(revision)?;
        let fargate = !self.ec2;
        let containers: Vec<Value> = def
            .containers
            .iter()
            .map(|c| {
                let is_app = c.name == self.app;
                let mut o = Map::new();
                o.insert("name".into(), json!(c.name));
                o.insert("image".into(), json!(c.image));
                o.insert("cpu".into(), json!(c.cpu));
                if let Some(m) = c.memory {
                    o.insert("memory".into(), json!(m));
                }
                if let Some(m) = c.memory_reservation {
                    o.insert("memoryReservation".into(), json!(m));
                }
                let ports: Vec<Value> = self
                    .ports(&c.name, is_app)
                    .iter()
                    .map(|p| {
                        let port = p.container_port.unwrap_or(0);
                        let protocol = p.protocol.clone().unwrap_or_else(|| "tcp".into());
                        let mut m = json!({
                            "containerPort": port,
                            "hostPort": p.host_port.unwrap_or(port),
                            "protocol": protocol,
                            "name": format!("{}-{port}-{protocol}", c.name),
                        });
                        if is_app {
                            m["appProtocol"] = json!("http");
                        }
                        m
                    })
                    .collect();
                o.insert("portMappings".into(), Value::Array(ports));
                o.insert("essential".into(), json!(c.essential));
                let (environment, secrets, check) = self.extras(&c.name, is_app, fargate);
                o.insert("environment".into(), Value::Array(environment));
                o.insert("mountPoints".into(), json!([]));
                o.insert("volumesFrom".into(), json!([]));
                if !secrets.is_empty() {
                    o.insert("secrets".into(), Value::Array(secrets));
                }
                if is_app {
                    let mut depends = Vec::new();
                    // The router must be up before the application writes its first line.
                    if self.firelens() {
                        depends.push(json!({ "containerName": LOG_ROUTER, "condition": "START" }));
                    }
                    if self.sidecars.contains(&Sidecar::Envoy) {
                        depends.push(json!({ "containerName": "envoy", "condition": "HEALTHY" }));
                    }
                    if !depends.is_empty() {
                        o.insert("dependsOn".into(), Value::Array(depends));
                    }
                }
                if c.name == "envoy" {
                    o.insert("user".into(), json!("1337"));
                }
                if c.name == LOG_ROUTER {
                    o.insert("user".into(), json!("0"));
                    o.insert(
                        "firelensConfiguration".into(),
                        json!({
                            "type": "fluentbit",
                            "options": { "enable-ecs-log-metadata": "true" },
                        }),
                    );
                }
                if let Some(log) = &c.log_configuration {
                    o.insert(
                        "logConfiguration".into(),
                        json!({ "logDriver": log.driver, "options": log.options, "secretOptions": [] }),
                    );
                }
                if let Some(check) = check {
                    o.insert("healthCheck".into(), check);
                }
                o.insert("systemControls".into(), json!([]));
                Value::Object(o)
            })
            .collect();
        let mut td = Map::new();
        td.insert("containerDefinitions".into(), Value::Array(containers));
        td.insert("family".into(), json!(self.name));
        td.insert("taskRoleArn".into(), json!(def.task_role_arn));
        td.insert("executionRoleArn".into(), json!(def.execution_role_arn));
        td.insert("networkMode".into(), json!(def.network_mode));
        td.insert("volumes".into(), json!([]));
        td.insert("placementConstraints".into(), json!([]));
        if fargate {
            td.insert(
                "runtimePlatform".into(),
                json!({ "cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX" }),
            );
        }
        td.insert(
            "requiresCompatibilities".into(),
            json!(def.requires_compatibilities),
        );
        td.insert("cpu".into(), json!(def.cpu));
        td.insert("memory".into(), json!(def.memory));
        td.insert(
            "tags".into(),
            json!([
                { "key": "service", "value": self.app },
                { "key": "env", "value": self.environment_name() },
                { "key": "managed-by", "value": "terraform" },
            ]),
        );
        Some(Value::Object(td))
    }

    /// Environment, secrets and health check of one container.
    fn extras(
        &self,
        container: &str,
        is_app: bool,
        fargate: bool,
    ) -> (Vec<Value>, Vec<Value>, Option<Value>) {
        let secret = |name: &str, what: &str| {
            json!({
                "name": name,
                "valueFrom": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{}/{what}", self.name),
            })
        };
        if is_app {
            let mut environment = vec![
                env("APP_ENV", self.environment_name()),
                env("AWS_REGION", REGION),
                env("LOG_LEVEL", "info"),
                env("OTEL_SERVICE_NAME", self.app.clone()),
            ];
            let check = self.port.map(|port| {
                environment.push(env("PORT", port.to_string()));
                health_check(
                    &format!("curl -fsS http://localhost:{port}/health || exit 1"),
                    30,
                    5,
                    60,
                )
            });
            let secrets = vec![secret("DATABASE_URL", "database-url")];
            return (environment, secrets, check);
        }
        match container {
            "envoy" => (
                vec![env(
                    "APPMESH_RESOURCE_ARN",
                    format!(
                        "arn:aws:appmesh:{REGION}:{ACCOUNT}:mesh/{}/virtualNode/{}",
                        self.environment_name(),
                        self.app
                    ),
                )],
                Vec::new(),
                Some(health_check(
                    "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE",
                    5,
                    2,
                    10,
                )),
            ),
            "datadog-agent" => {
                let mut environment = vec![
                    env("DD_APM_ENABLED", "true"),
                    env("DD_SITE", "datadoghq.eu"),
                    env("DD_SERVICE", self.app.clone()),
                ];
                if fargate {
                    environment.push(env("ECS_FARGATE", "true"));
                }
                let secrets = vec![json!({
                    "name": "DD_API_KEY",
                    "valueFrom": format!("arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/datadog/api-key"),
                })];
                (
                    environment,
                    secrets,
                    Some(health_check("agent health", 30, 5, 15)),
                )
            }
            _ => (Vec::new(), Vec::new(), None),
        }
    }

    /// The DescribeTaskDefinition answer (`include=[TAGS]`) for a revision.
    pub fn describe(&self, revision: i32) -> Option<Value> {
        let arn = task_definition_arn(&self.revision_name(revision));
        if let Some(r) = self.registered.get(&revision) {
            return Some(registry::describe(&r.json, &arn, revision, r.at, &r.by));
        }
        let input = self.generated_input(revision)?;
        Some(registry::describe(
            &input,
            &arn,
            revision,
            self.registered_time(revision),
            &pipeline(self),
        ))
    }
}
