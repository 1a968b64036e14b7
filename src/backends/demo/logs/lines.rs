//! What the demo's containers say in steady state, per kind of software: nginx and envoy
//! access logs, Spring Boot (with the odd Java stack trace as one event, as an awslogs
//! multiline pattern makes it), Go and Node JSON logs, Python workers (with tracebacks),
//! uvicorn, the datadog-agent sidecar, and Fluent Bit as a FireLens log router.

use chrono::{DateTime, Utc};
use fastrand::Rng;

use super::super::taskdef::LOG_ROUTER;
use super::streams::StreamCtx;
use super::vocab;

/// Shutdown scripts fit in this long after SIGTERM.
pub(super) const SHUTDOWN_SPAN_MS: i64 = 1_500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Nginx,
    Spring,
    GoJson,
    NodeJson,
    Uvicorn,
    PyWorker,
    JavaWorker,
    Envoy,
    Datadog,
    FluentBit,
}

impl Kind {
    pub fn of(app: &str, container: &str) -> Kind {
        match container {
            "envoy" => return Kind::Envoy,
            "datadog-agent" => return Kind::Datadog,
            LOG_ROUTER => return Kind::FluentBit,
            _ => {}
        }
        match app {
            "api-gateway" => Kind::Nginx,
            "checkout" | "payments" | "orders" | "inventory" | "pricing" | "shipping-quotes"
            | "fraud-scoring" | "search-api" | "partner-api" => Kind::Spring,
            "kafka-connect" | "pdf-renderer" => Kind::JavaWorker,
            "cart" | "user-profile" | "auth" | "feature-flags" | "geo-lookup" | "rate-limiter"
            | "event-ingest" | "media-upload" => Kind::GoJson,
            "web-frontend" | "graphql-bff" | "admin-console" => Kind::NodeJson,
            "recommendations" => Kind::Uvicorn,
            _ => Kind::PyWorker,
        }
    }

    pub fn is_java(self) -> bool {
        matches!(self, Kind::Spring | Kind::JavaWorker)
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

pub(super) fn iso(ms: i64) -> String {
    at(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `2026-11-21 03:00:01,123`, Python logging's default.
pub(super) fn py_time(ms: i64) -> String {
    at(ms).format("%Y-%m-%d %H:%M:%S,%3f").to_string()
}

pub(super) fn nginx_time(ms: i64) -> String {
    at(ms).format("%d/%b/%Y:%H:%M:%S +0000").to_string()
}

pub(super) fn nginx_error_time(ms: i64) -> String {
    at(ms).format("%Y/%m/%d %H:%M:%S").to_string()
}

pub(super) fn envoy_time(ms: i64) -> String {
    at(ms).format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// `[2026/11/21 03:00:01] [ info]`, Fluent Bit's prefix: levels padded to five.
pub(super) fn fluent_bit_head(ms: i64, level: &str) -> String {
    format!("[{}] [{level:>5}]", at(ms).format("%Y/%m/%d %H:%M:%S"))
}

pub(super) fn dd_time(ms: i64) -> String {
    at(ms).format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Log levels as each kind spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn draw(rng: &mut Rng) -> Level {
        match rng.u32(..1000) {
            0..15 => Level::Error,
            15..70 => Level::Warn,
            _ => Level::Info,
        }
    }

    pub fn lower(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }

    pub fn upper(self) -> &'static str {
        match self {
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// A Spring Boot 3 console line; with `ansi` the level is coloured as `%clr` does.
pub(super) fn spring(
    ctx: &StreamCtx,
    ms: i64,
    level: Level,
    thread: &str,
    logger: &str,
    msg: &str,
) -> String {
    let lvl = format!("{:>5}", level.upper());
    let lvl = if ctx.ansi {
        let colour = match level {
            Level::Info => "32",
            Level::Warn => "33",
            Level::Error => "31",
        };
        format!("\u{1b}[{colour}m{lvl}\u{1b}[0;39m")
    } else {
        lvl
    };
    format!(
        "{} {lvl} 1 --- [{}] [{thread:>15}] {logger:<40} : {msg}",
        iso(ms),
        ctx.app
    )
}

pub(super) fn python(ctx: &StreamCtx, ms: i64, level: Level, msg: &str) -> String {
    let name = ctx.app.replace('-', "_");
    format!(
        "{} {:<7} [{name}] {msg}",
        py_time(ms),
        match level {
            Level::Warn => "WARNING",
            l => l.upper(),
        }
    )
}

pub(super) fn go_json(ms: i64, level: Level, caller: &str, msg: &str, fields: &str) -> String {
    let comma = if fields.is_empty() { "" } else { "," };
    format!(
        r#"{{"level":"{}","ts":"{}","caller":"{caller}","msg":"{msg}"{comma}{fields}}}"#,
        level.lower(),
        iso(ms)
    )
}

pub(super) fn node_json(ctx: &StreamCtx, ms: i64, level: Level, msg: &str, fields: &str) -> String {
    if ctx.ansi {
        // pino-pretty: human-friendly, and full of colour codes.
        let colour = match level {
            Level::Info => "32",
            Level::Warn => "33",
            Level::Error => "31",
        };
        let clock = at(ms).format("%H:%M:%S%.3f");
        let extra = if fields.is_empty() {
            String::new()
        } else {
            format!(" {{{fields}}}")
        };
        return format!(
            "[{clock}] \u{1b}[{colour}m{}\u{1b}[39m (1): \u{1b}[36m{msg}\u{1b}[39m{extra}",
            level.upper()
        );
    }
    let n = match level {
        Level::Info => 30,
        Level::Warn => 40,
        Level::Error => 50,
    };
    let comma = if fields.is_empty() { "" } else { "," };
    format!(
        r#"{{"level":{n},"time":{ms},"pid":1,"hostname":"{}","msg":"{msg}"{comma}{fields}}}"#,
        vocab::hostname(&ctx.ip)
    )
}

pub(super) fn datadog(ms: i64, level: Level, source: &str, msg: &str) -> String {
    format!(
        "{} | CORE | {} | ({source}) | {msg}",
        dd_time(ms),
        level.upper()
    )
}

/// One steady-state line of a stream at `ms`.
pub(super) fn regular(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    match ctx.kind {
        Kind::Nginx => nginx(ctx, rng, ms),
        Kind::Envoy => envoy(ctx, rng, ms),
        Kind::Spring => spring_line(ctx, rng, ms),
        Kind::JavaWorker => java_worker(ctx, rng, ms),
        Kind::GoJson => go_line(ctx, rng, ms),
        Kind::NodeJson => node_line(ctx, rng, ms),
        Kind::Uvicorn => uvicorn(ctx, rng, ms),
        Kind::PyWorker => py_worker(ctx, rng, ms),
        Kind::Datadog => datadog_line(ctx, rng, ms),
        Kind::FluentBit => fluent_bit_line(ctx, rng, ms),
    }
}

fn nginx(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    let req = vocab::request(&ctx.app, rng);
    if rng.u32(..400) == 0 {
        return format!(
            "{} [error] 29#29: *{} upstream timed out (110: Connection timed out) while reading \
             response header from upstream, client: {}, server: _, request: \"{} {} HTTP/1.1\", \
             upstream: \"http://{}:8080{}\"",
            nginx_error_time(ms),
            rng.u32(1000..900_000),
            vocab::client_ip(ctx, rng),
            req.method,
            req.path,
            vocab::upstream_ip(ctx, rng),
            req.path
        );
    }
    format!(
        "{} - - [{}] \"{} {} HTTP/1.1\" {} {} \"-\" \"{}\" {:.3}",
        vocab::client_ip(ctx, rng),
        nginx_time(ms),
        req.method,
        req.path,
        req.status,
        req.bytes,
        vocab::user_agent(rng),
        f64::from(req.latency_ms) / 1000.0
    )
}

fn envoy(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    if rng.u32(..300) == 0 {
        return format!(
            "[{}][1][warning][config] [source/extensions/config_subscription/grpc/grpc_stream.h:193] \
             StreamAggregatedResources gRPC config stream to xds closed since {}s ago: 14, \
             upstream connect error or disconnect/reset before headers",
            envoy_time(ms),
            rng.u32(30..4000)
        );
    }
    let req = vocab::request(&ctx.app, rng);
    format!(
        "[{}] \"{} {} HTTP/1.1\" {} - 0 {} {} {} \"{}\" \"{}\" \"{}\" \"{}.prod.internal\" \"127.0.0.1:8080\"",
        iso(ms),
        req.method,
        req.path,
        req.status,
        req.bytes,
        req.latency_ms + 1,
        req.latency_ms,
        vocab::client_ip(ctx, rng),
        vocab::user_agent(rng),
        vocab::uuid(rng),
        ctx.app
    )
}

fn spring_line(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    let thread = format!("nio-8080-exec-{}", rng.u32(1..11));
    let pkg = vocab::java_package(&ctx.app);
    match Level::draw(rng) {
        Level::Info => {
            let (logger, msg) = vocab::business_event(&ctx.app, rng);
            spring(
                ctx,
                ms,
                Level::Info,
                &thread,
                &format!("{pkg}.{logger}"),
                &msg,
            )
        }
        Level::Warn => spring(
            ctx,
            ms,
            Level::Warn,
            &thread,
            "com.zaxxer.hikari.pool.HikariPool",
            &format!(
                "HikariPool-1 - Connection is not available, request timed out after {}ms \
                 (total=20, active=20, idle=0, waiting={})",
                rng.u32(3000..30000),
                rng.u32(1..40)
            ),
        ),
        Level::Error if rng.u32(..4) == 0 => {
            let head = spring(
                ctx,
                ms,
                Level::Error,
                &thread,
                "o.a.c.c.C.[.[.[/].[dispatcherServlet]",
                "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception",
            );
            format!("{head}\n{}", vocab::java_trace(&ctx.app, rng))
        }
        Level::Error => spring(
            ctx,
            ms,
            Level::Error,
            &thread,
            &format!("{pkg}.client.DownstreamClient"),
            &format!(
                "call to {} failed after {} attempts: 503 Service Unavailable",
                vocab::downstream(&ctx.app),
                rng.u32(2..4)
            ),
        ),
    }
}

fn java_worker(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    let pkg = vocab::java_package(&ctx.app);
    let thread = format!("worker-{}", rng.u32(1..5));
    // The renderer that gets OOM-killed complains about its heap long before it dies.
    if ctx.app == "pdf-renderer" && rng.u32(..6) == 0 {
        let used = 1500 + rng.u32(..500);
        return spring(
            ctx,
            ms,
            Level::Warn,
            &thread,
            &format!("{pkg}.MemoryWatchdog"),
            &format!(
                "heap usage {used} MiB of 2048 MiB after full GC ({}% of limit)",
                used * 100 / 2048
            ),
        );
    }
    match Level::draw(rng) {
        Level::Error if rng.u32(..3) == 0 => {
            let head = spring(
                ctx,
                ms,
                Level::Error,
                &thread,
                &format!("{pkg}.JobRunner"),
                "job failed, will retry",
            );
            format!("{head}\n{}", vocab::java_trace(&ctx.app, rng))
        }
        level => {
            let (logger, msg) = vocab::business_event(&ctx.app, rng);
            spring(ctx, ms, level, &thread, &format!("{pkg}.{logger}"), &msg)
        }
    }
}

fn go_line(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    let req = vocab::request(&ctx.app, rng);
    let fields = format!(
        r#""method":"{}","path":"{}","status":{},"latency_ms":{},"request_id":"{}""#,
        req.method,
        req.path,
        req.status,
        req.latency_ms,
        vocab::uuid(rng)
    );
    match Level::draw(rng) {
        Level::Info => go_json(
            ms,
            Level::Info,
            "httpx/middleware.go:88",
            "request",
            &fields,
        ),
        Level::Warn => go_json(
            ms,
            Level::Warn,
            "store/redis.go:141",
            "slow cache call",
            &format!(r#""op":"GET","latency_ms":{}"#, rng.u32(250..2000)),
        ),
        Level::Error => go_json(
            ms,
            Level::Error,
            "httpx/middleware.go:97",
            "request failed",
            &format!(r#"{fields},"error":"context deadline exceeded""#),
        ),
    }
}

fn node_line(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    let req = vocab::request(&ctx.app, rng);
    let level = Level::draw(rng);
    let fields = format!(
        r#""req":{{"method":"{}","url":"{}"}},"res":{{"statusCode":{}}},"responseTime":{}"#,
        req.method, req.path, req.status, req.latency_ms
    );
    match level {
        Level::Info => node_json(ctx, ms, level, "request completed", &fields),
        Level::Warn => node_json(
            ctx,
            ms,
            level,
            "upstream slow, serving stale cache",
            &format!(r#""upstream":"{}""#, vocab::downstream(&ctx.app)),
        ),
        Level::Error => node_json(
            ctx,
            ms,
            level,
            "unhandled error in resolver",
            &format!(
                r#""err":{{"type":"FetchError","message":"request to http://{}/ failed, reason: socket hang up"}}"#,
                vocab::downstream(&ctx.app)
            ),
        ),
    }
}

fn uvicorn(ctx: &StreamCtx, rng: &mut Rng, _ms: i64) -> String {
    let req = vocab::request(&ctx.app, rng);
    match Level::draw(rng) {
        Level::Error => format!(
            "ERROR:    Exception in ASGI application\n{}",
            vocab::python_trace(&ctx.app, rng)
        ),
        _ => format!(
            "INFO:     {}:{} - \"{} {} HTTP/1.1\" {} {}",
            vocab::client_ip(ctx, rng),
            rng.u32(30000..61000),
            req.method,
            req.path,
            req.status,
            vocab::reason_phrase(req.status)
        ),
    }
}

fn py_worker(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    match Level::draw(rng) {
        Level::Info => python(ctx, ms, Level::Info, &vocab::worker_event(&ctx.app, rng)),
        Level::Warn => python(
            ctx,
            ms,
            Level::Warn,
            &format!(
                "retrying message id={} attempt={} after {}s: throttled by downstream",
                vocab::uuid(rng),
                rng.u32(2..5),
                rng.u32(1..30)
            ),
        ),
        Level::Error if rng.u32(..3) == 0 => {
            let head = python(
                ctx,
                ms,
                Level::Error,
                &format!("failed to process message id={}", vocab::uuid(rng)),
            );
            format!("{head}\n{}", vocab::python_trace(&ctx.app, rng))
        }
        Level::Error => python(
            ctx,
            ms,
            Level::Error,
            &format!(
                "giving up on message id={} after 5 attempts, sent to {}-dlq",
                vocab::uuid(rng),
                ctx.app
            ),
        ),
    }
}

fn datadog_line(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    if ctx.broken {
        return datadog(
            ms,
            Level::Error,
            "pkg/forwarder/worker.go:184 in process",
            "Error while processing transaction: error while sending transaction, rescheduling \
             it: Post \"https://7-54-1-app.agent.datadoghq.eu/api/v1/check_run\": dial tcp: \
             lookup 7-54-1-app.agent.datadoghq.eu on 10.0.0.2:53: no such host",
        );
    }
    match rng.u32(..10) {
        0 => datadog(
            ms,
            Level::Warn,
            "pkg/collector/corechecks/containers/generic/processor.go:163 in Run",
            "Container stats for: ecs_container_id could not be retrieved, will retry",
        ),
        1..4 => datadog(
            ms,
            Level::Info,
            "pkg/forwarder/transaction/transaction.go:433 in internalProcess",
            &format!(
                "Successfully posted payload to \"https://7-54-1-app.agent.datadoghq.eu/api/v1/series\" ({} bytes)",
                rng.u32(800..9000)
            ),
        ),
        _ => datadog(
            ms,
            Level::Info,
            "pkg/collector/worker/check_logger.go:71 in CheckStarted",
            &format!(
                "check:{} | Running check...",
                ["ecs_fargate", "cpu", "memory", "network", "io", "disk"][rng.usize(..6)]
            ),
        ),
    }
}

/// A log router in steady state says little: a chunk that CloudWatch refused for a moment
/// and its retry, the odd throttled PutLogEvents or slow DNS answer.
fn fluent_bit_line(ctx: &StreamCtx, rng: &mut Rng, ms: i64) -> String {
    let chunk = format!(
        "1-{}.{:09}.flb",
        ms.div_euclid(1000),
        rng.u32(..1_000_000_000)
    );
    let route = format!(
        "task_id={}, input=forward.1 > output=cloudwatch_logs.0 (out_id=0)",
        rng.u32(..8)
    );
    let stream = ctx
        .forwards_to
        .as_ref()
        .map_or(ctx.name.as_str(), |(_, stream)| stream.as_str());
    match rng.u32(..20) {
        0..8 => format!(
            "{} [engine] flush chunk '{chunk}' succeeded at retry 1: {route}",
            fluent_bit_head(ms, "info")
        ),
        8..16 => format!(
            "{} [engine] failed to flush chunk '{chunk}', retry in {} seconds: {route}",
            fluent_bit_head(ms, "warn"),
            rng.u32(6..20)
        ),
        16..18 => format!(
            "{} [output:cloudwatch_logs:cloudwatch_logs.0] PutLogEvents API responded with \
             error='ThrottlingException', message='Rate exceeded for logStreamName {stream}'",
            fluent_bit_head(ms, "error")
        ),
        _ => format!(
            "{} [net] getaddrinfo(host='logs.eu-west-1.amazonaws.com', err=12): Timeout while \
             contacting DNS servers",
            fluent_bit_head(ms, "warn")
        ),
    }
}
