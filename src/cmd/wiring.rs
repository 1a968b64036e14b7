//! The wiring point: the one place that chooses an adapter (the AWS SDK, or the demo
//! fleet with `--demo`) and hands the dashboard and the commands their backends.

use std::sync::Arc;

use super::args::{Cli, Settings};
use crate::backends::demo::{DEFAULT_LATENCY, DemoBackend, DemoOptions, DemoSetup};
use crate::backends::sdk::logs::SdkLogs;
use crate::backends::sdk::ops::SdkOps;
use crate::backends::sdk::{ConnectOptions, SdkBackend};
use crate::domain::budget::{ApiLimits, Budget};
use crate::domain::clock::SystemClock;
use crate::domain::{Backend, BackendError};
use crate::logs::LogsApi;
use crate::ops::Ops;

/// An exit code and the message for stderr.
pub type Failure = (u8, String);

const EXIT_BAD_INPUT: u8 = 2;

/// The ECS backend and the logs API, the same way the dashboard builds them: the demo
/// fleet with `--demo` (no AWS configuration read at all), else the SDK with the resolved
/// profile, region and timeout.
pub async fn backends(cli: &Cli, settings: &Settings) -> Result<Backends, Failure> {
    if cli.demo {
        let demo = Arc::new(DemoBackend::with_setup(
            DemoOptions {
                seed: cli.demo_seed,
                clock: Arc::new(SystemClock),
                latency: DEFAULT_LATENCY,
            },
            DemoSetup {
                scale: cli.demo_scale.unwrap_or(1),
                // The same kind of budget the SDK adapter keeps to.
                budget: Arc::new(Budget::new(ApiLimits::default(), settings.api_share)),
            },
        ));
        return Ok(Backends {
            logs: demo.logs(),
            ecs: demo.clone(),
            ops: demo,
        });
    }
    let backend = SdkBackend::connect(ConnectOptions {
        profile: settings.profile.clone(),
        region: settings.region.clone(),
        operation_timeout: settings.timeout,
        describe_concurrency: 4,
        api_share: settings.api_share,
    })
    .await
    .map_err(|e| (EXIT_BAD_INPUT, with_hint(&e)))?;
    let logs: Arc<dyn LogsApi> = Arc::new(SdkLogs::new(backend.sdk_config()));
    let ops: Arc<dyn Ops> = Arc::new(SdkOps::new(&backend));
    Ok(Backends {
        ecs: Arc::new(backend),
        logs,
        ops,
    })
}

/// The profiles and regions of the AWS config files, for `:profile` and `:region`.
pub async fn places(
    read_only: impl Fn(&str) -> bool,
) -> Result<crate::domain::places::Places, String> {
    crate::backends::sdk::places::places(read_only).await
}

/// The three ways to AWS (or the demo fleet) that commands and the dashboard use.
pub struct Backends {
    pub ecs: Arc<dyn Backend>,
    pub logs: Arc<dyn LogsApi>,
    pub ops: Arc<dyn Ops>,
}

/// An error's message with its hint on the next line, for stderr.
pub fn with_hint(e: &BackendError) -> String {
    let hint = e
        .hint()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default();
    format!("{}{hint}", e.message)
}
