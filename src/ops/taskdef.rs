//! Task definitions as JSON: from a DescribeTaskDefinition answer to the input that
//! RegisterTaskDefinition takes, keeping every field (also ones the SDK does not model).

use serde_json::{Map, Value};

/// Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not take.
pub const DESCRIBE_ONLY: &[&str] = &[
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
    "deleteRequestedAt",
];

/// Turns a raw DescribeTaskDefinition response body (`{"taskDefinition": {...}, "tags":
/// [...]}`) into RegisterTaskDefinition input: the describe-only fields removed, tags
/// (when there are any) added, everything else kept as it came, in its order.
pub fn register_shape(describe_response: &Value) -> Result<Value, String> {
    let td = describe_response
        .get("taskDefinition")
        .and_then(Value::as_object)
        .ok_or("the answer has no taskDefinition object")?;
    let mut out = Map::new();
    for (k, v) in td {
        if !DESCRIBE_ONLY.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(tags) = describe_response.get("tags").and_then(Value::as_array)
        && !tags.is_empty()
    {
        out.insert("tags".into(), Value::Array(tags.clone()));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn describe_only_fields_go_and_unknown_fields_and_tags_stay() {
        let answer = json!({
            "taskDefinition": {
                "taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/web:3",
                "family": "web",
                "revision": 3,
                "status": "ACTIVE",
                "containerDefinitions": [{"name": "app", "image": "nginx", "futureField": {"x": 1}}],
                "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.awslogs"}],
                "compatibilities": ["EC2"],
                "registeredAt": 1.7e9,
                "registeredBy": "arn:aws:iam::1:user/a",
                "brandNewTopLevel": true
            },
            "tags": [{"key": "team", "value": "web"}]
        });
        let shape = register_shape(&answer).unwrap();
        assert_eq!(
            shape,
            json!({
                "family": "web",
                "containerDefinitions": [{"name": "app", "image": "nginx", "futureField": {"x": 1}}],
                "brandNewTopLevel": true,
                "tags": [{"key": "team", "value": "web"}]
            })
        );
        let keys: Vec<&String> = shape.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["family", "containerDefinitions", "brandNewTopLevel", "tags"]
        );
    }

    #[test]
    fn empty_tags_are_left_out_and_a_broken_answer_is_an_error() {
        let shape =
            register_shape(&json!({"taskDefinition": {"family": "f"}, "tags": []})).unwrap();
        assert_eq!(shape, json!({"family": "f"}));
        assert!(register_shape(&json!({"nope": 1})).is_err());
    }
}
