//! RegisterTaskDefinition from raw JSON. The request body is the JSON exactly (fields the
//! SDK does not model included), sent once: the call has no idempotency token, so a retry
//! after a lost answer would register a second revision. After an unclear failure (a
//! timeout, a broken connection, a 5xx) the family's latest revision says what happened.

use crate::domain::budget::{Category, Priority};
use serde_json::Value;

use super::SdkOps;
use super::rawjson::ReplaceBody;
use crate::backends::sdk::errors;
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::ops::{Ops, Outcome};

const OP: &str = "RegisterTaskDefinition";

pub(super) async fn register(ops: &SdkOps, family: &str, json: &Value) -> BackendResult<Outcome> {
    check_family(family, json)?;
    let body = serde_json::to_vec(json).map_err(|e| {
        BackendError::new(
            ErrorKind::InvalidRequest,
            OP,
            format!("the task definition cannot be written as JSON: {e}"),
        )
    })?;
    // What the family looked like before, so a recovery check can tell a new revision
    // from an identical older one.
    let before = latest_revision(ops, family)
        .await
        .map(|l| l.map(|(_, r)| r));

    ops.budget
        .acquire_as(Category::TaskDefinitionRegister, Priority::Write)
        .await;
    // The typed input only has to serialize; the interceptor swaps in the real body. One
    // attempt (`ecs_write`): the call has no idempotency token.
    let sent = ops
        .ecs_write
        .register_task_definition()
        .family(family)
        .set_container_definitions(Some(Vec::new()))
        .customize()
        .interceptor(ReplaceBody::new(body))
        .send()
        .await;
    match sent {
        Ok(out) => {
            let td = out.task_definition().ok_or_else(|| {
                BackendError::new(ErrorKind::Service, OP, "the answer has no task definition")
            })?;
            Ok(Outcome::Registered {
                arn: td.task_definition_arn().unwrap_or_default().to_owned(),
                revision: td.revision(),
            })
        }
        Err(e) => {
            let error = errors::from_sdk_error(OP, e);
            if error.is_unclear_write() {
                recover(ops, family, json, before, error).await
            } else {
                Err(error)
            }
        }
    }
}

/// The JSON must be an object naming the mutation's family: the audit line and the
/// recovery check both go by that family.
fn check_family(family: &str, json: &Value) -> BackendResult<()> {
    let invalid = |message: String| Err(BackendError::new(ErrorKind::InvalidRequest, OP, message));
    let Some(object) = json.as_object() else {
        return invalid("the task definition must be a JSON object".into());
    };
    match object.get("family").and_then(Value::as_str) {
        Some(f) if f == family => Ok(()),
        Some(f) => invalid(format!(
            "the JSON's family is '{f}', not '{family}': registering it would add a revision to another family"
        )),
        None => invalid("the task definition has no \"family\"".into()),
    }
}

/// The newest ACTIVE revision of `family` as (ARN, revision), if it has one.
async fn latest_revision(ops: &SdkOps, family: &str) -> BackendResult<Option<(String, i32)>> {
    let revisions = ops.revisions(family).await?;
    Ok(revisions
        .into_iter()
        .next()
        .and_then(|arn| crate::domain::model::revision_of(&arn).map(|r| (arn, r))))
}

/// After an unclear failure: a revision newer than `before` whose register shape is what
/// was sent means the call went through, and it is reported as registered. Anything else
/// returns the original error, saying what was found, so the operator checks before
/// trying again; nothing is re-sent here.
async fn recover(
    ops: &SdkOps,
    family: &str,
    sent: &Value,
    before: BackendResult<Option<i32>>,
    error: BackendError,
) -> BackendResult<Outcome> {
    // Not applied: the original error, saying what was found.
    let fail = |note: String| {
        Err(BackendError::new(
            error.kind,
            OP,
            format!("{}; {note}", error.message),
        ))
    };
    // Cannot be told: its own kind, so the caller (and the audit log) says "unknown".
    let unknown = |note: String| {
        Err(BackendError::new(
            ErrorKind::Uncertain,
            OP,
            format!(
                "{}; whether it was registered is unknown: {note}",
                error.message
            ),
        ))
    };
    let before = match before {
        Ok(before) => before,
        Err(e) => {
            return unknown(format!(
                "the family's latest revision could not be read before sending ({}), so whether {family} got a new revision is unknown: check it before registering again",
                e.message
            ));
        }
    };
    let latest = match latest_revision(ops, family).await {
        Ok(latest) => latest,
        Err(e) => {
            return unknown(format!(
                "could not check {family}'s latest revision ({}): check it before registering again",
                e.message
            ));
        }
    };
    let Some((arn, revision)) = latest.filter(|(_, r)| before.is_none_or(|b| *r > b)) else {
        let still = before.map_or("none".to_string(), |b| b.to_string());
        return fail(format!(
            "no new revision of {family} has appeared (the latest is still {still})"
        ));
    };
    match ops.task_definition_doc(&arn).await {
        Ok(doc) if same_registration(&doc.json, sent) => {
            tracing::warn!(
                arn = %arn,
                error = %error,
                "RegisterTaskDefinition failed unclearly but the revision is there: reported as registered"
            );
            Ok(Outcome::Verified {
                outcome: Box::new(Outcome::Registered { arn, revision }),
                lost: error.message.clone(),
            })
        }
        Ok(_) => unknown(format!(
            "{family}:{revision} appeared but differs from what was sent (someone else, or defaults AWS filled in): check it before registering again"
        )),
        Err(e) => unknown(format!(
            "could not read {family}:{revision} to compare ({}): check it before registering again",
            e.message
        )),
    }
}

/// Whether a revision's register shape is the JSON that was sent: equal in every field,
/// tags compared as a set (AWS does not promise their order; none and `[]` are the same).
fn same_registration(registered: &Value, sent: &Value) -> bool {
    normalized(registered) == normalized(sent)
}

fn normalized(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(object) = doc.as_object_mut() {
        let tags = object.remove("tags");
        if let Some(Value::Array(mut tags)) = tags
            && !tags.is_empty()
        {
            tags.sort_by_key(|t| t.get("key").and_then(Value::as_str).map(str::to_owned));
            object.insert("tags".into(), Value::Array(tags));
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use std::time::Duration;

    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;
    use serde_json::json;

    use super::*;

    #[test]
    fn the_family_must_match() {
        assert!(check_family("web", &json!({"family": "web"})).is_ok());
        let e = check_family("web", &json!({"family": "api"})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        assert!(e.message.contains("'api', not 'web'"), "{}", e.message);
        assert!(check_family("web", &json!({"containerDefinitions": []})).is_err());
        assert!(check_family("web", &json!(["web"])).is_err());
    }

    #[test]
    fn tag_order_does_not_matter_but_every_other_field_does() {
        let sent = json!({
            "family": "web",
            "containerDefinitions": [{"name": "app", "image": "nginx", "future": 1}],
            "tags": [{"key": "b", "value": "2"}, {"key": "a", "value": "1"}]
        });
        let registered = json!({
            "family": "web",
            "containerDefinitions": [{"name": "app", "image": "nginx", "future": 1}],
            "tags": [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
        });
        assert!(same_registration(&registered, &sent));
        let mut changed = registered.clone();
        changed["containerDefinitions"][0]["future"] = json!(2);
        assert!(!same_registration(&changed, &sent));
        let mut retagged = registered.clone();
        retagged["tags"][0]["value"] = json!("9");
        assert!(!same_registration(&retagged, &sent));
    }

    #[test]
    fn no_tags_and_empty_tags_are_the_same() {
        let a = json!({"family": "web", "tags": []});
        let b = json!({"family": "web"});
        assert!(same_registration(&a, &b));
        assert!(!same_registration(
            &json!({"family": "web", "tags": [{"key": "k"}]}),
            &b
        ));
    }

    fn service_error(status: u16) -> SdkError<RegisterTaskDefinitionError, HttpResponse> {
        let meta = ErrorMetadata::builder().code("ServerException").build();
        let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(RegisterTaskDefinitionError::generic(meta), raw)
    }

    #[test]
    fn only_failures_that_may_have_registered_are_unclear() {
        assert!(errors::from_sdk_error(OP, service_error(500)).is_unclear_write());
        assert!(errors::from_sdk_error(OP, service_error(503)).is_unclear_write());
        assert!(!errors::from_sdk_error(OP, service_error(400)).is_unclear_write());
        assert!(!errors::from_sdk_error(OP, service_error(429)).is_unclear_write());
        let timeout: SdkError<RegisterTaskDefinitionError, HttpResponse> =
            SdkError::timeout_error("slow");
        assert!(errors::from_sdk_error(OP, timeout).is_unclear_write());
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let dispatch: SdkError<RegisterTaskDefinitionError, HttpResponse> =
            SdkError::dispatch_failure(ConnectorError::io(Box::new(io)));
        assert!(errors::from_sdk_error(OP, dispatch).is_unclear_write());
        let construction: SdkError<RegisterTaskDefinitionError, HttpResponse> =
            SdkError::construction_failure("bad input");
        assert!(!errors::from_sdk_error(OP, construction).is_unclear_write());
    }

    #[test]
    fn the_single_attempt_gets_the_whole_timeout() {
        let t = super::super::single_attempt(Duration::from_secs(20));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(20)));
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(20)));
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(3)));
    }
}
