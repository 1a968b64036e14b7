//! The scripted moments of a stream: the start-up banner of a new task (what a deploy
//! looks like), the graceful shutdown after SIGTERM, and the last lines of a process
//! that exits by itself (the OOM-killed renderer, a crash, a finished batch job).

use fastrand::Rng;

use super::lines::{
    Kind, Level, SHUTDOWN_SPAN_MS, datadog, envoy_time, fluent_bit_head, go_json, nginx_error_time,
    node_json, python, spring,
};
use super::streams::{Ending, StreamCtx};
use super::vocab;

/// A stream's scripted lines (absolute ms) and the span its steady-state lines fill.
#[derive(Debug, Clone)]
pub(super) struct Script {
    pub lines: Vec<(i64, String)>,
    pub regular_from: i64,
    /// Exclusive; `None` while the stream is still running.
    pub regular_until: Option<i64>,
}

pub(super) fn script(ctx: &StreamCtx, rng: &mut Rng) -> Script {
    let mut lines = startup(ctx, rng);
    let regular_from = lines.last().map_or(ctx.start_ms, |(ms, _)| ms + 1);
    let regular_until = match ctx.ending {
        Ending::Running => None,
        Ending::Sigterm { at_ms } => {
            lines.extend(shutdown(ctx, at_ms));
            Some(at_ms)
        }
        Ending::Exit { at_ms, code } => {
            let last = last_words(ctx, rng, at_ms, code);
            let until = last.first().map_or(at_ms, |(ms, _)| *ms);
            lines.extend(last);
            Some(until)
        }
    };
    // A task stopped during its start-up cuts the banner short.
    if let Some(end) = ctx.end_ms() {
        lines.retain(|(ms, _)| *ms <= end);
    }
    Script {
        lines,
        regular_from,
        regular_until,
    }
}

/// Lines at cumulative gaps from `base`; the texts carry the same times they land at.
fn spaced(base: i64, steps: Vec<(i64, String)>) -> Vec<(i64, String)> {
    let mut at = base;
    steps
        .into_iter()
        .map(|(gap, text)| {
            at += gap;
            (at, text)
        })
        .collect()
}

fn startup(ctx: &StreamCtx, rng: &mut Rng) -> Vec<(i64, String)> {
    let t = ctx.start_ms;
    let v = &ctx.version;
    let app = &ctx.app;
    let steps: Vec<(i64, String)> = match ctx.kind {
        Kind::Spring | Kind::JavaWorker => {
            let main = format!("{}.{}Application", vocab_pkg(app), camel(app));
            let banner = [
                "  .   ____          _            __ _ _",
                " /\\\\ / ___'_ __ _ _(_)_ __  __ _ \\ \\ \\ \\",
                "( ( )\\___ | '_ | '_| | '_ \\/ _` | \\ \\ \\ \\",
                " \\\\/  ___)| |_)| | | | | || (_| |  ) ) ) )",
                "  '  |____| .__|_| |_|_| |_\\__, | / / / /",
                " =========|_|==============|___/=/_/_/_/",
                "",
                " :: Spring Boot ::                (v3.3.5)",
            ];
            let mut steps: Vec<(i64, String)> = banner.iter().map(|l| (2, l.to_string())).collect();
            let mut say = |gap: i64, logger: &str, msg: String| {
                let ms = t + steps.iter().map(|(g, _)| g).sum::<i64>() + gap;
                steps.push((gap, spring(ctx, ms, Level::Info, "main", logger, &msg)));
            };
            say(
                600,
                &main,
                format!("Starting {}Application {v} using Java 21.0.5 with PID 1", camel(app)),
            );
            say(
                20,
                &main,
                "The following 1 profile is active: \"prod\"".into(),
            );
            if ctx.kind == Kind::Spring {
                say(
                    2_100,
                    "o.s.b.w.embedded.tomcat.TomcatWebServer",
                    "Tomcat initialized with port 8080 (http)".into(),
                );
            }
            say(1_400, "com.zaxxer.hikari.HikariDataSource", "HikariPool-1 - Starting...".into());
            say(
                380,
                "com.zaxxer.hikari.HikariDataSource",
                "HikariPool-1 - Start completed.".into(),
            );
            if ctx.kind == Kind::Spring {
                say(
                    2_600,
                    "o.s.b.w.embedded.tomcat.TomcatWebServer",
                    "Tomcat started on port 8080 (http) with context path '/'".into(),
                );
            }
            say(
                40,
                &main,
                format!(
                    "Started {}Application in {}.{:03} seconds (process running for {}.{:03})",
                    camel(app),
                    7,
                    rng.u32(..1000),
                    8,
                    rng.u32(..1000)
                ),
            );
            steps
        }
        Kind::GoJson => {
            let go = |ms: i64, msg: &str, fields: String| {
                go_json(ms, Level::Info, "cmd/server/main.go:57", msg, &fields)
            };
            vec![
                (
                    150,
                    go(t + 150, "starting", format!(r#""service":"{app}","version":"{v}","go":"go1.23.3""#)),
                ),
                (
                    240,
                    go(t + 390, "connected to redis", format!(r#""addr":"{app}-cache.prod.internal:6379""#)),
                ),
                (60, go(t + 450, "listening", r#""addr":":8080""#.into())),
            ]
        }
        Kind::NodeJson => vec![
            (300, format!("> {app}@{} start", v.trim_start_matches('v'))),
            (10, "> node server.js".into()),
            (
                900,
                node_json(ctx, t + 1_210, Level::Info, "server listening", r#""port":3000"#),
            ),
        ],
        Kind::Uvicorn => vec![
            (700, "INFO:     Started server process [1]".into()),
            (5, "INFO:     Waiting for application startup.".into()),
            (1_800, "INFO:     Application startup complete.".into()),
            (
                5,
                "INFO:     Uvicorn running on http://0.0.0.0:8080 (Press CTRL+C to quit)".into(),
            ),
        ],
        Kind::PyWorker => vec![
            (600, python(ctx, t + 600, Level::Info, &format!("starting {app} {v} (python 3.12.7)"))),
            (
                400,
                python(
                    ctx,
                    t + 1_000,
                    Level::Info,
                    &format!("polling https://sqs.eu-west-1.amazonaws.com/123456789012/{app}-jobs"),
                ),
            ),
            (20, python(ctx, t + 1_020, Level::Info, "worker ready, concurrency=8")),
        ],
        Kind::Nginx => vec![
            (
                20,
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration".into(),
            ),
            (
                30,
                "/docker-entrypoint.sh: Configuration complete; ready for start up".into(),
            ),
            (
                10,
                format!("{} [notice] 1#1: nginx/1.27.2", nginx_error_time(t + 60)),
            ),
            (
                2,
                format!("{} [notice] 1#1: start worker processes", nginx_error_time(t + 62)),
            ),
        ],
        Kind::Envoy => {
            let e = |ms: i64, src: &str, msg: &str| {
                format!("[{}][1][info][{src}] {msg}", envoy_time(ms))
            };
            vec![
                (
                    80,
                    e(
                        t + 80,
                        "main",
                        "[source/server/server.cc:430] initializing epoch 0 (base id=0, hot restart version=11.104)",
                    ),
                ),
                (
                    300,
                    e(
                        t + 380,
                        "upstream",
                        "[source/common/upstream/cds_api_helper.cc:32] cds: add 3 cluster(s), remove 0 cluster(s)",
                    ),
                ),
                (
                    120,
                    e(
                        t + 500,
                        "main",
                        "[source/server/server.cc:917] starting main dispatch loop",
                    ),
                ),
            ]
        }
        Kind::FluentBit => {
            let mut steps: Vec<(i64, String)> = [
                "AWS for Fluent Bit Container Image Version 2.32.4",
                "Fluent Bit v1.9.10",
                "* Copyright (C) 2015-2022 The Fluent Bit Authors",
                "* Fluent Bit is a CNCF sub-project under the umbrella of Fluentd",
                "* https://fluentbit.io",
            ]
            .iter()
            .map(|l| (3, l.to_string()))
            .collect();
            let mut say = |gap: i64, level: &str, msg: String| {
                let ms = t + steps.iter().map(|(g, _)| g).sum::<i64>() + gap;
                steps.push((gap, format!("{} {msg}", fluent_bit_head(ms, level))));
            };
            say(
                40,
                "info",
                "[fluent bit] version=1.9.10, commit=760956f50c, pid=1".into(),
            );
            say(
                5,
                "info",
                "[storage] version=1.4.0, type=memory-only, sync=normal, checksum=disabled, \
                 max_chunks_up=128"
                    .into(),
            );
            say(2, "info", "[cmetrics] version=0.3.7".into());
            say(
                30,
                "info",
                "[input:tcp:tcp.0] listening on 127.0.0.1:8877".into(),
            );
            say(
                4,
                "info",
                "[input:forward:forward.1] listening on unix:///var/run/fluent.sock".into(),
            );
            say(
                3,
                "info",
                "[input:forward:forward.2] listening on 127.0.0.1:24224".into(),
            );
            say(
                10,
                "info",
                "[output:cloudwatch_logs:cloudwatch_logs.0] worker #0 started".into(),
            );
            say(2, "info", "[sp] stream processor started".into());
            if let Some((group, stream)) = &ctx.forwards_to {
                let out = "[output:cloudwatch_logs:cloudwatch_logs.0]";
                say(
                    1_300,
                    "info",
                    format!("{out} Creating log stream {stream} in log group {group}"),
                );
                say(90, "info", format!("{out} Created log stream {stream}"));
            }
            steps
        }
        Kind::Datadog => vec![
            (
                900,
                datadog(
                    t + 900,
                    Level::Info,
                    "cmd/agent/subcommands/run/command.go:352 in startAgent",
                    "Starting Datadog Agent v7.54.1",
                ),
            ),
            (
                200,
                datadog(
                    t + 1_100,
                    Level::Info,
                    "pkg/util/hostname/providers.go:156 in getHostname",
                    &format!("Hostname is: {}", vocab::hostname(&ctx.ip)),
                ),
            ),
        ],
    };
    spaced(t, steps)
}

fn shutdown(ctx: &StreamCtx, at: i64) -> Vec<(i64, String)> {
    let steps: Vec<(i64, String)> = match ctx.kind {
        Kind::Spring | Kind::JavaWorker => {
            let logger = "o.s.b.w.e.tomcat.GracefulShutdown";
            vec![
                (
                    30,
                    spring(
                        ctx,
                        at + 30,
                        Level::Info,
                        "SpringApplicationShutdownHook",
                        logger,
                        "Commencing graceful shutdown. Waiting for active requests to complete",
                    ),
                ),
                (
                    400,
                    spring(
                        ctx,
                        at + 430,
                        Level::Info,
                        "tomcat-shutdown",
                        logger,
                        "Graceful shutdown complete",
                    ),
                ),
                (
                    20,
                    spring(
                        ctx,
                        at + 450,
                        Level::Info,
                        "SpringApplicationShutdownHook",
                        "com.zaxxer.hikari.HikariDataSource",
                        "HikariPool-1 - Shutdown completed.",
                    ),
                ),
            ]
        }
        Kind::GoJson => vec![
            (
                10,
                go_json(
                    at + 10,
                    Level::Info,
                    "cmd/server/main.go:81",
                    "shutting down",
                    r#""signal":"terminated""#,
                ),
            ),
            (
                300,
                go_json(
                    at + 310,
                    Level::Info,
                    "cmd/server/main.go:92",
                    "server stopped",
                    "",
                ),
            ),
        ],
        Kind::NodeJson => vec![(
            20,
            node_json(
                ctx,
                at + 20,
                Level::Info,
                "SIGTERM received, closing server",
                "",
            ),
        )],
        Kind::Uvicorn => vec![
            (10, "INFO:     Shutting down".into()),
            (100, "INFO:     Waiting for application shutdown.".into()),
            (20, "INFO:     Application shutdown complete.".into()),
            (5, "INFO:     Finished server process [1]".into()),
        ],
        Kind::PyWorker => vec![
            (
                10,
                python(
                    ctx,
                    at + 10,
                    Level::Info,
                    "received SIGTERM, finishing in-flight messages",
                ),
            ),
            (600, python(ctx, at + 610, Level::Info, "worker stopped")),
        ],
        Kind::Nginx => vec![
            (
                5,
                format!(
                    "{} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down",
                    nginx_error_time(at)
                ),
            ),
            (
                200,
                format!("{} [notice] 1#1: exit", nginx_error_time(at + 200)),
            ),
        ],
        Kind::Envoy => vec![
            (
                5,
                format!(
                    "[{}][1][warning][main] [source/server/server.cc:868] caught ENVOY_SIGTERM",
                    envoy_time(at + 5)
                ),
            ),
            (
                150,
                format!(
                    "[{}][1][info][main] [source/server/server.cc:1009] main dispatch loop exited",
                    envoy_time(at + 155)
                ),
            ),
        ],
        Kind::FluentBit => {
            let head = |gap: i64, level: &str| fluent_bit_head(at + gap, level);
            let out = "[output:cloudwatch_logs:cloudwatch_logs.0]";
            vec![
                // Fluent Bit prints its signal notice without a level.
                (
                    5,
                    format!(
                        "[{}] [engine] caught signal (SIGTERM)",
                        nginx_error_time(at + 5)
                    ),
                ),
                (5, format!("{} [input] pausing forward.1", head(10, "info"))),
                (
                    5,
                    format!(
                        "{} [engine] service will shutdown in max 5 seconds",
                        head(15, "warn")
                    ),
                ),
                (
                    900,
                    format!(
                        "{} [engine] service has stopped (0 pending tasks)",
                        head(915, "info")
                    ),
                ),
                (
                    20,
                    format!("{} {out} thread worker #0 stopping...", head(935, "info")),
                ),
                (
                    10,
                    format!("{} {out} thread worker #0 stopped", head(945, "info")),
                ),
            ]
        }
        Kind::Datadog => vec![(
            50,
            datadog(
                at + 50,
                Level::Info,
                "cmd/agent/subcommands/run/command.go:262 in stopAgent",
                "See ya!",
            ),
        )],
    };
    let lines = spaced(at, steps);
    debug_assert!(lines.iter().all(|(ms, _)| *ms <= at + SHUTDOWN_SPAN_MS));
    lines
}

/// What a process says just before it exits by itself at `at`. The lines fall within
/// the quarter second before (see `streams`: never before the fleet knew).
fn last_words(ctx: &StreamCtx, rng: &mut Rng, at: i64, code: i32) -> Vec<(i64, String)> {
    let base = at - 250;
    let thread = "worker-1";
    let pkg = vocab_pkg(&ctx.app);
    let steps: Vec<(i64, String)> = match (code, ctx.kind.is_java()) {
        // The kernel's OOM killer sends SIGKILL: no goodbye, just the work in hand.
        (137, true) => vec![
            (
                10,
                spring(
                    ctx,
                    base + 10,
                    Level::Warn,
                    thread,
                    &format!("{pkg}.MemoryWatchdog"),
                    "heap usage 2019 MiB of 2048 MiB after full GC (98% of limit)",
                ),
            ),
            (
                90,
                spring(
                    ctx,
                    base + 100,
                    Level::Info,
                    thread,
                    &format!("{pkg}.render.StatementRenderer"),
                    &format!(
                        "rendering statement STM-{} pages=1432 images=2210",
                        rng.u32(100_000..999_999)
                    ),
                ),
            ),
        ],
        (137, false) => vec![(
            20,
            python(
                ctx,
                base + 20,
                Level::Warn,
                "memory usage at 97% of the container limit",
            ),
        )],
        (0, _) => vec![
            (
                20,
                python(
                    ctx,
                    base + 20,
                    Level::Info,
                    &format!(
                        "report complete: {} rows written to s3://reports/daily/{}.parquet",
                        rng.u32(100_000..2_000_000),
                        vocab::uuid(rng)
                    ),
                ),
            ),
            (
                30,
                python(ctx, base + 50, Level::Info, "exiting with status 0"),
            ),
        ],
        (_, true) => vec![(
            40,
            format!(
                "Exception in thread \"main\" java.lang.IllegalStateException: render queue consumer died\n\tat {}.render.QueueConsumer.poll(QueueConsumer.java:{})\n\tat {}.JobRunner.run(JobRunner.java:{})\n\tat java.base/java.lang.Thread.run(Thread.java:1583)",
                vocab_full(&ctx.app),
                rng.u32(40..200),
                vocab_full(&ctx.app),
                rng.u32(20..90)
            ),
        )],
        (_, false) => vec![(
            40,
            format!(
                "{}\n{}",
                python(ctx, base + 40, Level::Error, "unhandled exception, exiting"),
                vocab::python_trace(&ctx.app, rng)
            ),
        )],
    };
    // No jitter here: the lines must stay inside the window the fleet vouches for.
    let mut ms = base;
    steps
        .into_iter()
        .map(|(gap, text)| {
            ms += gap;
            (ms, text)
        })
        .collect()
}

fn vocab_pkg(app: &str) -> String {
    vocab::java_package(app)
}

fn vocab_full(app: &str) -> String {
    vocab::full_package(app)
}

fn camel(app: &str) -> String {
    vocab::camel(app)
}
