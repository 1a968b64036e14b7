//! `SdkOps` through the real SDK orchestrator against a scripted HTTP client: what goes
//! over the wire for RegisterTaskDefinition, what comes back from DescribeTaskDefinition,
//! and the single attempt with its recovery check.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;
use serde_json::{Value, json};

use super::*;
use crate::backends::sdk::ConnectOptions;

/// One request as it left the SDK.
#[derive(Debug, Clone)]
struct Seen {
    target: String,
    body: Vec<u8>,
    content_length: Option<String>,
    signed: bool,
}

#[derive(Debug, Default)]
struct Script {
    /// Answers per X-Amz-Target operation name, used in order.
    answers: HashMap<String, VecDeque<(u16, Value)>>,
    seen: Vec<Seen>,
}

/// An HTTP client that answers from a script and records every request.
#[derive(Debug, Clone, Default)]
struct FakeAws(Arc<Mutex<Script>>);

impl FakeAws {
    fn answer(&self, target: &str, status: u16, body: Value) -> &Self {
        let mut script = self.0.lock().unwrap();
        script
            .answers
            .entry(target.to_owned())
            .or_default()
            .push_back((status, body));
        self
    }

    fn seen(&self, target: &str) -> Vec<Seen> {
        let script = self.0.lock().unwrap();
        script
            .seen
            .iter()
            .filter(|s| s.target == target)
            .cloned()
            .collect()
    }
}

impl HttpConnector for FakeAws {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let target = request
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or_default()
            .to_owned();
        let mut script = self.0.lock().unwrap();
        script.seen.push(Seen {
            target: target.clone(),
            body: request.body().bytes().unwrap_or_default().to_vec(),
            content_length: request.headers().get("content-length").map(str::to_owned),
            signed: request.headers().contains_key("authorization"),
        });
        let (status, body) = script
            .answers
            .get_mut(&target)
            .and_then(VecDeque::pop_front)
            .unwrap_or((
                400,
                json!({"__type": "UnexpectedCall", "message": format!("no answer for {target}")}),
            ));
        let mut response = HttpResponse::new(
            StatusCode::try_from(status).unwrap(),
            SdkBody::from(body.to_string()),
        );
        response
            .headers_mut()
            .insert("content-type", "application/x-amz-json-1.1");
        HttpConnectorFuture::ready(Ok(response))
    }
}

impl HttpClient for FakeAws {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.clone().into_shared()
    }
}

async fn ops(fake: &FakeAws) -> SdkOps {
    let opts = ConnectOptions {
        profile: None,
        region: Some("eu-west-1".into()),
        operation_timeout: Duration::from_secs(5),
        describe_concurrency: 2,
        api_share: crate::domain::budget::DEFAULT_SHARE_PERCENT,
        assumed: None,
    };
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url("http://127.0.0.1:9")
        .http_client(fake.clone())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"));
    let backend = SdkBackend::connect_with(opts, loader).await.unwrap();
    SdkOps::new(&backend)
}

const ARN: &str = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web";

fn doc() -> Value {
    json!({
        "family": "web",
        "containerDefinitions": [
            {"name": "app", "image": "nginx:1.27", "memory": 256, "ecsdashFuture": {"a": [1, 2]}}
        ],
        "ecsdashFutureTopLevel": true,
        "tags": [{"key": "team", "value": "web"}]
    })
}

/// The DescribeTaskDefinition answer for `doc()` registered as `revision`.
fn described(revision: i32) -> Value {
    let mut td = doc();
    let tags = td.as_object_mut().unwrap().remove("tags").unwrap();
    td["taskDefinitionArn"] = json!(format!("{ARN}:{revision}"));
    td["revision"] = json!(revision);
    td["status"] = json!("ACTIVE");
    td["compatibilities"] = json!(["EC2"]);
    json!({"taskDefinition": td, "tags": tags})
}

#[tokio::test]
async fn task_definition_doc_keeps_fields_the_sdk_does_not_know() {
    let fake = FakeAws::default();
    fake.answer("DescribeTaskDefinition", 200, described(3));
    let got = ops(&fake).await.task_definition_doc("web:3").await.unwrap();
    assert_eq!(got.arn, format!("{ARN}:3"));
    assert_eq!(got.family, "web");
    assert_eq!(got.revision, 3);
    assert_eq!(got.json, doc());
    let asked: Value =
        serde_json::from_slice(&fake.seen("DescribeTaskDefinition")[0].body).unwrap();
    assert_eq!(
        asked,
        json!({"taskDefinition": "web:3", "include": ["TAGS"]})
    );
}

#[tokio::test]
async fn register_sends_the_json_exactly_and_signed() {
    let fake = FakeAws::default();
    fake.answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:4")]}),
    )
    .answer("RegisterTaskDefinition", 200, described(5));
    let m = Mutation::RegisterTaskDefinition {
        family: "web".into(),
        based_on: Some(format!("{ARN}:4")),
        json: doc(),
    };
    let outcome = ops(&fake).await.execute(&m).await.unwrap();
    assert_eq!(
        outcome.settled(),
        &Outcome::Registered {
            arn: format!("{ARN}:5"),
            revision: 5
        }
    );
    assert!(
        outcome.verified_after().is_none(),
        "a clear answer: {outcome:?}"
    );
    let sent = fake.seen("RegisterTaskDefinition");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body, serde_json::to_vec(&doc()).unwrap());
    assert_eq!(
        sent[0].content_length.as_deref(),
        Some(sent[0].body.len().to_string().as_str())
    );
    assert!(sent[0].signed);
}

#[tokio::test]
async fn a_register_that_failed_unclearly_but_went_through_is_reported_registered() {
    let fake = FakeAws::default();
    fake.answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:4")]}),
    )
    .answer(
        "RegisterTaskDefinition",
        500,
        json!({"__type": "ServerException", "message": "Service Unavailable"}),
    )
    .answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:4"), format!("{ARN}:5")]}),
    )
    .answer("DescribeTaskDefinition", 200, described(5));
    let m = Mutation::RegisterTaskDefinition {
        family: "web".into(),
        based_on: None,
        json: doc(),
    };
    let outcome = ops(&fake).await.execute(&m).await.unwrap();
    assert!(outcome.verified_after().is_some(), "{outcome:?}");
    let outcome = outcome.settled().clone();
    assert_eq!(
        outcome,
        Outcome::Registered {
            arn: format!("{ARN}:5"),
            revision: 5
        }
    );
    assert_eq!(
        fake.seen("RegisterTaskDefinition").len(),
        1,
        "never retried"
    );
}

#[tokio::test]
async fn a_register_that_failed_unclearly_and_left_nothing_is_an_error() {
    let fake = FakeAws::default();
    fake.answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:4")]}),
    )
    .answer(
        "RegisterTaskDefinition",
        503,
        json!({"__type": "ServerException", "message": "Service Unavailable"}),
    )
    .answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:4")]}),
    );
    let m = Mutation::RegisterTaskDefinition {
        family: "web".into(),
        based_on: None,
        json: doc(),
    };
    let e = ops(&fake).await.execute(&m).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Service);
    assert_eq!(e.operation, "RegisterTaskDefinition");
    assert!(
        e.message
            .starts_with("ServerException: Service Unavailable"),
        "{}",
        e.message
    );
    assert!(e.message.contains("latest is still 4"), "{}", e.message);
    assert_eq!(
        fake.seen("RegisterTaskDefinition").len(),
        1,
        "never retried"
    );
    assert!(fake.seen("DescribeTaskDefinition").is_empty());
}

#[tokio::test]
async fn a_new_revision_that_differs_is_not_claimed() {
    let fake = FakeAws::default();
    let mut other = described(5);
    other["taskDefinition"]["containerDefinitions"][0]["image"] = json!("nginx:1.28");
    fake.answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:4")]}),
    )
    .answer(
        "RegisterTaskDefinition",
        500,
        json!({"__type": "ServerException", "message": "boom"}),
    )
    .answer(
        "ListTaskDefinitions",
        200,
        json!({"taskDefinitionArns": [format!("{ARN}:5")]}),
    )
    .answer("DescribeTaskDefinition", 200, other);
    let m = Mutation::RegisterTaskDefinition {
        family: "web".into(),
        based_on: None,
        json: doc(),
    };
    let e = ops(&fake).await.execute(&m).await.unwrap_err();
    assert!(
        e.message.contains("web:5 appeared but differs"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn a_clear_refusal_is_returned_without_a_recovery_check() {
    let fake = FakeAws::default();
    fake.answer("ListTaskDefinitions", 200, json!({"taskDefinitionArns": []}))
        .answer(
            "RegisterTaskDefinition",
            400,
            json!({"__type": "ClientException", "message": "Container.image should not be null or empty."}),
        );
    let m = Mutation::RegisterTaskDefinition {
        family: "web".into(),
        based_on: None,
        json: doc(),
    };
    let e = ops(&fake).await.execute(&m).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert_eq!(
        e.message,
        "ClientException: Container.image should not be null or empty."
    );
    assert_eq!(
        fake.seen("ListTaskDefinitions").len(),
        1,
        "only the check before"
    );
}

#[tokio::test]
async fn deploy_sends_the_task_definition_only_when_it_changes() {
    let fake = FakeAws::default();
    let service = json!({"service": {
        "serviceArn": "arn:aws:ecs:eu-west-1:123456789012:service/prod/web",
        "serviceName": "web", "status": "ACTIVE", "desiredCount": 2,
        "taskDefinition": format!("{ARN}:4")
    }});
    fake.answer("UpdateService", 200, service.clone())
        .answer("UpdateService", 200, service);
    let ops = ops(&fake).await;
    let deploy = |to: &str, force| Mutation::Deploy {
        cluster: "prod".into(),
        service: "web".into(),
        from: format!("{ARN}:4"),
        to: to.into(),
        force,
    };
    let outcome = ops
        .execute(&deploy(&format!("{ARN}:4"), true))
        .await
        .unwrap();
    match outcome {
        Outcome::Service(s) => assert_eq!(s.desired, 2),
        other => panic!("{other:?}"),
    }
    ops.execute(&deploy(&format!("{ARN}:5"), false))
        .await
        .unwrap();
    let bodies: Vec<Value> = fake
        .seen("UpdateService")
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    assert_eq!(
        bodies,
        vec![
            json!({"cluster": "prod", "service": "web", "forceNewDeployment": true}),
            json!({"cluster": "prod", "service": "web", "taskDefinition": format!("{ARN}:5")}),
        ]
    );
    let e = ops
        .execute(&deploy(&format!("{ARN}:4"), false))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidRequest);
    assert_eq!(
        fake.seen("UpdateService").len(),
        2,
        "nothing sent for a no-op"
    );
}
