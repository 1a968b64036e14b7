//! Raw JSON around the typed SDK calls. The typed structs drop fields their model does not
//! know, so task definitions travel as JSON: the DescribeTaskDefinition answer is read
//! from the response body, and the RegisterTaskDefinition request body is replaced by the
//! JSON to register before the request is signed.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;

/// Keeps the body of a successful answer. The SDK reads the whole body into memory before
/// it deserializes, so the bytes are the ones the service sent, untouched by the typed
/// model; they are taken once deserialization has run. Per operation:
/// `.customize().interceptor(capture.clone())`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CaptureBody {
    body: Arc<Mutex<Option<Vec<u8>>>>,
}

impl CaptureBody {
    /// The last successful answer's body, if one arrived.
    pub(crate) fn take(&self) -> Option<Vec<u8>> {
        self.body.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "CaptureBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if response.status().is_success()
            && let Some(bytes) = response.body().bytes()
        {
            *self.body.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes.to_vec());
        }
        Ok(())
    }
}

/// Replaces the serialized request body with `body` (and its Content-Length) before the
/// request is signed, so the signature covers the body actually sent. The typed input
/// only has to be valid enough for the SDK to serialize it.
#[derive(Debug, Clone)]
pub(crate) struct ReplaceBody {
    body: Arc<Vec<u8>>,
}

impl ReplaceBody {
    pub(crate) fn new(body: Vec<u8>) -> ReplaceBody {
        ReplaceBody {
            body: Arc::new(body),
        }
    }
}

impl Intercept for ReplaceBody {
    fn name(&self) -> &'static str {
        "ReplaceBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = SdkBody::from(self.body.as_slice().to_vec());
        request
            .headers_mut()
            .insert("content-length", self.body.len().to_string());
        Ok(())
    }
}
