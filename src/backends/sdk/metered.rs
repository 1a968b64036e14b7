//! The ECS client, metered against the API budget beyond what `Budget::acquire` sees: the
//! SDK retries some failed attempts by itself (each costs AWS a token too, so each retry
//! is charged), and a throttled answer halves its category's rates, whether the SDK then
//! retries it or gives up.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_sdk_ecs::Client;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::domain::budget::{Budget, Category};

/// An ECS client whose every attempt is metered against `budget`.
pub(super) fn client(config: &SdkConfig, budget: &Arc<Budget>) -> Client {
    let conf = aws_sdk_ecs::config::Builder::from(config)
        .interceptor(Metered {
            budget: Arc::clone(budget),
            of: Category::of_ecs_operation,
        })
        .build();
    Client::from_conf(conf)
}

/// An Elastic Load Balancing client metered the same way.
pub(super) fn elb_client(
    config: &SdkConfig,
    budget: &Arc<Budget>,
) -> aws_sdk_elasticloadbalancingv2::Client {
    let conf = aws_sdk_elasticloadbalancingv2::config::Builder::from(config)
        .interceptor(Metered {
            budget: Arc::clone(budget),
            of: Category::of_elb_operation,
        })
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
}

/// A CloudWatch client metered the same way.
pub(super) fn cloudwatch_client(
    config: &SdkConfig,
    budget: &Arc<Budget>,
) -> aws_sdk_cloudwatch::Client {
    let conf = aws_sdk_cloudwatch::config::Builder::from(config)
        .interceptor(Metered {
            budget: Arc::clone(budget),
            of: Category::of_cloudwatch_operation,
        })
        .build();
    aws_sdk_cloudwatch::Client::from_conf(conf)
}

#[derive(Debug)]
struct Metered {
    budget: Arc<Budget>,
    /// The category of an operation of this client's service.
    of: fn(&str) -> Option<Category>,
}

impl Metered {
    fn category(&self, cfg: &ConfigBag) -> Option<Category> {
        (self.of)(cfg.load::<Metadata>()?.name())
    }
}

/// Whether an answer is AWS asking to slow down: ECS's ThrottlingException (in the
/// error-type header or, failing that, the body; CloudWatch's `Throttling` is in its
/// CBOR body as plain text), or a plain 429.
pub(super) fn is_throttle(response: &HttpResponse) -> bool {
    let status = response.status().as_u16();
    if status == 429 {
        return true;
    }
    if status != 400 {
        return false;
    }
    let says = |text: &[u8]| {
        let text = String::from_utf8_lossy(text);
        text.contains("Throttling") || text.contains("RequestLimitExceeded")
    };
    response
        .headers()
        .get_bytes("x-amzn-errortype")
        .is_some_and(says)
        || response.body().bytes().is_some_and(says)
}

impl Intercept for Metered {
    fn name(&self) -> &'static str {
        "Metered"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The first attempt was paid for by `acquire`; a retry goes out unasked.
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        if attempt > 1
            && let Some(category) = self.category(cfg)
        {
            self.budget.charge(category);
        }
        Ok(())
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if is_throttle(context.response())
            && let Some(category) = self.category(cfg)
        {
            self.budget.throttled(category);
        }
        Ok(())
    }
}
