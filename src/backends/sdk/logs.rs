//! `LogsApi` over aws-sdk-cloudwatchlogs, built from the ECS backend's `SdkConfig` so the
//! profile, credentials, endpoint and timeouts match. One client per region: awslogs may
//! write to another region than the cluster's.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{Region, SdkConfig};
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::config::Builder as LogsConfig;
use aws_sdk_cloudwatchlogs::types::error::StartLiveTailResponseStreamError;
use aws_sdk_cloudwatchlogs::types::{LogStream, OrderBy, StartLiveTailResponseStream};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::endpoint::EndpointPrefix;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextMut;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::service_config::ServiceConfigKey;
use tokio::sync::mpsc;

use super::errors;
use crate::domain::{BackendError, BackendResult, ErrorKind};
use crate::logs::{
    FilterPage, FilterQuery, LiveSession, LiveUpdate, LogEvent, LogsApi, StreamInfo,
};

/// DescribeLogStreams returns at most 50 streams a page.
const STREAMS_PAGE: i32 = 50;
/// With a prefix, streams can only be listed by name: read this many, then sort by time.
const STREAMS_SCAN: usize = 1_000;
/// Live Tail sends an update a second; this holds a minute of them if the reader lags.
const LIVE_BUFFER: usize = 64;
/// How long StartLiveTail may take when the configuration sets no operation timeout.
const LIVE_START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct SdkLogs {
    config: SdkConfig,
    clients: Mutex<HashMap<String, Client>>,
    /// Log group ARNs for Live Tail, by (region, group name): they never change.
    arns: Mutex<HashMap<(String, String), String>>,
}

impl std::fmt::Debug for SdkLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkLogs")
            .field("region", &self.config.region())
            .finish_non_exhaustive()
    }
}

impl SdkLogs {
    pub fn new(sdk_config: &SdkConfig) -> Self {
        SdkLogs {
            config: sdk_config.clone(),
            clients: Mutex::new(HashMap::new()),
            arns: Mutex::new(HashMap::new()),
        }
    }

    /// The client of `region` (the configuration's own region when empty).
    fn client(&self, region: &str) -> Client {
        let region = if region.is_empty() {
            self.config
                .region()
                .map(|r| r.as_ref().to_owned())
                .unwrap_or_default()
        } else {
            region.to_owned()
        };
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(region.clone())
            .or_insert_with(|| {
                let config = LogsConfig::from(&self.config)
                    .region(Region::new(region))
                    .build();
                Client::from_conf(config)
            })
            .clone()
    }

    /// The ARN Live Tail wants: `log_group_arn` (without the trailing `:*` of `arn`).
    async fn group_arn(&self, region: &str, group: &str) -> BackendResult<String> {
        const OP: &str = "DescribeLogGroups";
        let key = (region.to_owned(), group.to_owned());
        if let Some(arn) = self
            .arns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(arn.clone());
        }
        let client = self.client(region);
        let mut token = None;
        loop {
            let out = client
                .describe_log_groups()
                .log_group_name_prefix(group)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(OP, e))?;
            let found = out
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(group))
                .and_then(|g| {
                    g.log_group_arn()
                        .map(str::to_owned)
                        .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned()))
                });
            if let Some(arn) = found {
                self.arns
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, arn.clone());
                return Ok(arn);
            }
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                return Err(BackendError::new(
                    ErrorKind::NotFound,
                    OP,
                    format!("log group '{group}' not found in {region}"),
                ));
            }
        }
    }
}

/// The engine retries FilterLogEvents itself (with backoff, within the shared budget) and
/// must see throttling to report it: the SDK's own retries would hide it and double the
/// load on a throttled account.
fn without_retries() -> LogsConfig {
    LogsConfig::default().retry_config(RetryConfig::disabled())
}

/// A Live Tail session lasts up to three hours: no operation timeout may cut it. The
/// connect timeout stays; `live_tail` bounds the start itself.
fn for_live_tail() -> LogsConfig {
    LogsConfig::default()
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .disable_operation_timeout()
                .disable_operation_attempt_timeout()
                .disable_read_timeout()
                .build(),
        )
}

fn stream_info(s: &LogStream) -> Option<StreamInfo> {
    Some(StreamInfo {
        name: s.log_stream_name()?.to_owned(),
        last_event_ms: s.last_event_timestamp(),
        creation_ms: s.creation_time(),
    })
}

#[async_trait]
impl LogsApi for SdkLogs {
    async fn filter_page(&self, query: &FilterQuery) -> BackendResult<FilterPage> {
        const OP: &str = "FilterLogEvents";
        let streams = (!query.streams.is_empty()).then(|| query.streams.clone());
        let pattern = query.pattern.clone().filter(|p| !p.is_empty());
        let request = self
            .client(&query.region)
            .filter_log_events()
            .log_group_name(&query.group)
            .set_log_stream_names(streams)
            .start_time(query.start_ms)
            .set_end_time(query.end_ms)
            .set_filter_pattern(pattern)
            .set_next_token(query.next_token.clone())
            .set_limit(query.limit);
        // AWS ignores `interleaved` (always true); moto and LocalStack honour it and would
        // otherwise page stream by stream instead of in time order.
        #[allow(deprecated)]
        let request = request.interleaved(true);
        let out = request
            .customize()
            .config_override(without_retries())
            .send()
            .await
            .map_err(|e| errors::from_sdk_error(OP, e))?;
        let events = out
            .events()
            .iter()
            .map(|e| LogEvent {
                timestamp: e.timestamp().unwrap_or_default(),
                ingestion_time: e.ingestion_time().unwrap_or_default(),
                event_id: e.event_id().map(str::to_owned),
                group: query.group.clone(),
                stream: e.log_stream_name().unwrap_or_default().to_owned(),
                message: e.message().unwrap_or_default().to_owned(),
            })
            .collect();
        let next_token = out
            .next_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        Ok(FilterPage { events, next_token })
    }

    async fn streams(
        &self,
        region: &str,
        group: &str,
        prefix: Option<&str>,
        limit: usize,
    ) -> BackendResult<Vec<StreamInfo>> {
        const OP: &str = "DescribeLogStreams";
        let prefix = prefix.filter(|p| !p.is_empty());
        let client = self.client(region);
        // The API orders by last event time only without a prefix.
        let wanted = if prefix.is_some() {
            STREAMS_SCAN
        } else {
            limit
        };
        let mut streams = Vec::new();
        let mut token = None;
        while streams.len() < wanted {
            let request = client
                .describe_log_streams()
                .log_group_name(group)
                .limit(STREAMS_PAGE)
                .set_next_token(token);
            let request = match prefix {
                Some(p) => request
                    .log_stream_name_prefix(p)
                    .order_by(OrderBy::LogStreamName),
                None => request.order_by(OrderBy::LastEventTime).descending(true),
            };
            let out = request
                .send()
                .await
                .map_err(|e| errors::from_sdk_error(OP, e))?;
            streams.extend(out.log_streams().iter().filter_map(stream_info));
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            if token.is_none() {
                break;
            }
        }
        // lastEventTimestamp can lag by an hour in AWS: creation time breaks ties sensibly.
        streams
            .sort_by_key(|s| std::cmp::Reverse((s.last_event_ms.or(s.creation_ms), s.creation_ms)));
        streams.truncate(limit);
        Ok(streams)
    }

    async fn live_tail(
        &self,
        region: &str,
        group: &str,
        streams: &[String],
        pattern: Option<&str>,
    ) -> BackendResult<LiveSession> {
        const OP: &str = "StartLiveTail";
        if streams.len() > 100 {
            return Err(BackendError::new(
                ErrorKind::InvalidRequest,
                OP,
                format!("{} streams: Live Tail takes at most 100", streams.len()),
            ));
        }
        let arn = self.group_arn(region, group).await?;
        let streams = (!streams.is_empty()).then(|| streams.to_vec());
        let pattern = pattern.filter(|p| !p.is_empty()).map(str::to_owned);
        let request = self
            .client(region)
            .start_live_tail()
            .log_group_identifiers(arn)
            .set_log_stream_names(streams)
            .set_log_event_filter_pattern(pattern)
            .customize()
            .config_override(for_live_tail());
        // The SDK sends this call to `stream-<host>`: right for AWS, but a custom endpoint
        // (moto, LocalStack, a proxy, an IP address) serves it at the address given.
        let request = if custom_endpoint(&self.config) {
            request.interceptor(NoHostPrefix)
        } else {
            request
        };
        let send = request.send();
        let limit = self
            .config
            .timeout_config()
            .and_then(|t| t.operation_timeout())
            .unwrap_or(LIVE_START_TIMEOUT);
        let out = match tokio::time::timeout(limit, send).await {
            Ok(answer) => answer.map_err(|e| errors::from_sdk_error(OP, e))?,
            Err(_) => {
                return Err(BackendError::new(
                    ErrorKind::Timeout,
                    OP,
                    "no answer within the operation timeout",
                ));
            }
        };
        let (tx, rx) = mpsc::channel(LIVE_BUFFER);
        tokio::spawn(forward(out.response_stream, tx, group.to_owned()));
        Ok(LiveSession { updates: rx })
    }
}

/// Whether CloudWatch Logs calls go to an endpoint of the user's (`AWS_ENDPOINT_URL`,
/// `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, `endpoint_url` in the profile) rather than AWS's own,
/// read as the SDK's client configuration reads it.
fn custom_endpoint(config: &SdkConfig) -> bool {
    if config.endpoint_url().is_some() {
        return true;
    }
    let key = ServiceConfigKey::builder()
        .service_id("CloudWatch Logs")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build();
    key.ok()
        .and_then(|key| config.service_config()?.load_config(key))
        .is_some_and(|url| !url.is_empty())
}

/// Removes the host prefix an operation asks for (StartLiveTail's `stream-`), so the
/// request goes to the endpoint exactly as configured. The operation stores the prefix
/// (`EndpointPrefix`) in the config bag in `read_before_execution`; the endpoint is
/// resolved and applied in each attempt, after serialization: between the two, in
/// `modify_before_serialization`, the prefix is unset. Only for custom endpoints: AWS
/// serves Live Tail on the `stream-` host alone.
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_serialization(
        &self,
        _context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().unset::<EndpointPrefix>();
        Ok(())
    }
}

type ResponseStream = aws_sdk_cloudwatchlogs::primitives::event_stream::EventReceiver<
    StartLiveTailResponseStream,
    StartLiveTailResponseStreamError,
>;

/// Reads the session's stream into the channel until either side ends. Dropping the
/// receiver ends the session: the stream is dropped with this task.
async fn forward(
    mut stream: ResponseStream,
    tx: mpsc::Sender<BackendResult<LiveUpdate>>,
    group: String,
) {
    loop {
        let next = tokio::select! {
            () = tx.closed() => return,
            next = stream.recv() => next,
        };
        let update = match next {
            Ok(Some(StartLiveTailResponseStream::SessionUpdate(update))) => {
                let events = update
                    .session_results()
                    .iter()
                    .map(|e| LogEvent {
                        timestamp: e.timestamp().unwrap_or_default(),
                        ingestion_time: e.ingestion_time().unwrap_or_default(),
                        event_id: None,
                        group: group.clone(),
                        stream: e.log_stream_name().unwrap_or_default().to_owned(),
                        message: e.message().unwrap_or_default().to_owned(),
                    })
                    .collect();
                let sampled = update.session_metadata().is_some_and(|m| m.sampled());
                Ok(LiveUpdate { events, sampled })
            }
            // SessionStart, and variants newer than this SDK.
            Ok(Some(_)) => continue,
            Ok(None) => return,
            Err(e) => Err(stream_error(e)),
        };
        let failed = update.is_err();
        if tx.send(update).await.is_err() || failed {
            return;
        }
    }
}

/// Classifies an error read from the Live Tail stream (not an HTTP answer).
fn stream_error<R>(err: SdkError<StartLiveTailResponseStreamError, R>) -> BackendError
where
    R: std::fmt::Debug,
{
    const OP: &str = "StartLiveTail";
    match &err {
        SdkError::ServiceError(context) => {
            let e = context.err();
            let (code, message) = stream_error_text(e);
            errors::service_error(OP, code, message, 200)
        }
        SdkError::TimeoutError(_) => {
            BackendError::new(ErrorKind::Timeout, OP, errors::display_chain(&err))
        }
        SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            BackendError::new(ErrorKind::Unreachable, OP, errors::display_chain(&err))
        }
        _ => BackendError::new(ErrorKind::Service, OP, errors::display_chain(&err)),
    }
}

/// The code and message of an exception frame. The frames of the modelled exceptions name
/// their type in a header only, not in the payload the SDK reads the code from: name it
/// after the variant, so that the user reads "SessionTimeoutException: ..." and not just
/// the message.
fn stream_error_text(e: &StartLiveTailResponseStreamError) -> (Option<&str>, Option<&str>) {
    use StartLiveTailResponseStreamError as E;
    let (code, message) = match e {
        E::SessionTimeoutException(x) => (Some("SessionTimeoutException"), x.message()),
        E::SessionStreamingException(x) => (Some("SessionStreamingException"), x.message()),
        _ => (None, None),
    };
    (e.code().or(code), e.message().or(message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_smithy_http_client::test_util::{CaptureRequestReceiver, capture_request};

    const ARN: &str = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app";

    /// Starts Live Tail of `/ecs/app` on a client that only records the request it sends.
    async fn live_tail_request(endpoint: Option<&str>) -> CaptureRequestReceiver {
        let (http, request) = capture_request(None);
        let credentials = Credentials::new("testing", "testing", None, None, "tests");
        let mut config = SdkConfig::builder()
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .http_client(http)
            .behavior_version(aws_config::BehaviorVersion::latest());
        config.set_endpoint_url(endpoint.map(str::to_owned));
        let config = config.build();
        let logs = SdkLogs::new(&config);
        logs.arns
            .lock()
            .unwrap()
            .insert(("us-east-1".into(), "/ecs/app".into()), ARN.into());
        // Whatever the empty answer makes of the session: only the request matters here.
        let _ = logs.live_tail("us-east-1", "/ecs/app", &[], None).await;
        request
    }

    #[tokio::test]
    async fn live_tail_goes_to_a_custom_endpoint_as_given() {
        for endpoint in [
            "http://127.0.0.1:4566",
            "http://localhost.localstack.cloud:4566",
        ] {
            let sent = live_tail_request(Some(endpoint)).await.expect_request();
            assert_eq!(sent.uri(), format!("{endpoint}/"));
            assert_eq!(
                sent.headers().get("x-amz-target"),
                Some("Logs_20140328.StartLiveTail")
            );
        }
    }

    #[test]
    fn exception_frames_are_named_after_their_type() {
        use aws_sdk_cloudwatchlogs::types::error::{
            SessionStreamingException, SessionTimeoutException,
        };
        use aws_smithy_types::event_stream::RawMessage;
        let classify = |e: StartLiveTailResponseStreamError| {
            stream_error(SdkError::service_error(e, RawMessage::invalid(None)))
        };
        let timeout = classify(StartLiveTailResponseStreamError::SessionTimeoutException(
            SessionTimeoutException::builder()
                .message("Session timed out")
                .build(),
        ));
        assert_eq!(
            timeout.to_string(),
            "StartLiveTail: AWS error: SessionTimeoutException: Session timed out"
        );
        let streaming = classify(StartLiveTailResponseStreamError::SessionStreamingException(
            SessionStreamingException::builder()
                .message("broke")
                .build(),
        ));
        assert_eq!(streaming.message, "SessionStreamingException: broke");
        // A code the payload names wins (an exception this SDK does not model).
        let other = classify(StartLiveTailResponseStreamError::generic(
            aws_smithy_types::error::ErrorMetadata::builder()
                .code("ServiceUnavailableException")
                .message("down")
                .build(),
        ));
        assert_eq!(other.message, "ServiceUnavailableException: down");
    }

    #[tokio::test]
    async fn live_tail_keeps_the_stream_host_on_aws() {
        let sent = live_tail_request(None).await.expect_request();
        assert_eq!(sent.uri(), "https://stream-logs.us-east-1.amazonaws.com/");
    }
}
