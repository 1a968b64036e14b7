//! What a chatty service costs: raw CloudWatch events to the pane's ring buffer
//! (sanitize, guess the level, store), in batches of 10,000 into a full ring of the
//! default capacity. The issue asks for at least 200,000 lines/s.
//! Run: `cargo bench --bench logs_ingest`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use fastrand::Rng;

use ecsdash::domain::sanitize;
use ecsdash::logs::LogEvent;
use ecsdash::logs::ring::{Line, Ring};

const BATCH: usize = 10_000;

const PATHS: [&str; 5] = [
    "/api/orders/",
    "/api/carts/",
    "/health",
    "/static/app.js?v=",
    "/api/users/",
];
const MESSAGES: [&str; 5] = [
    "order placed",
    "cache miss, fetching from origin",
    "retrying after error",
    "slow query",
    "payment authorised",
];

/// An nginx-style access log line.
fn access_line(rng: &mut Rng) -> String {
    format!(
        "10.0.{}.{} - - [21/Nov/2026:03:{:02}:{:02} +0000] \"GET {}{} HTTP/1.1\" {} {} \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
        rng.u8(0..8),
        rng.u8(1..255),
        rng.u8(0..60),
        rng.u8(0..60),
        PATHS[rng.usize(..PATHS.len())],
        rng.u32(1..99_999),
        [200, 200, 200, 201, 304, 404, 500][rng.usize(..7)],
        rng.u32(100..20_000),
    )
}

/// A JSON line; some are coloured or carry a tab, as logging libraries on a TTY emit.
fn json_line(rng: &mut Rng) -> String {
    let level = ["info", "info", "info", "debug", "warn", "error"][rng.usize(..6)];
    let msg = MESSAGES[rng.usize(..MESSAGES.len())];
    let line = format!(
        "{{\"level\":\"{level}\",\"ts\":\"2026-11-21T03:00:{:02}.{:03}Z\",\"msg\":\"{msg}\",\"order_id\":{},\"latency_ms\":{}}}",
        rng.u8(0..60),
        rng.u16(0..1000),
        rng.u32(1..1_000_000),
        rng.u16(1..900),
    );
    match rng.u8(0..10) {
        0 => format!("\x1b[32mINFO\x1b[0m\t{line}"),
        1 => format!("{line}\t\x1b]0;svc\x07\r\n"),
        _ => line,
    }
}

/// A 30-line Java stack trace: one event, as CloudWatch keeps it with multiline config.
fn stack_trace(rng: &mut Rng) -> String {
    let mut trace = format!(
        "java.lang.IllegalStateException: connection pool exhausted (id {})\n",
        rng.u32(..)
    );
    for frame in 0..29 {
        trace.push_str(&format!(
            "\tat com.example.orders.Service{frame}.handle(Service{frame}.java:{})\n",
            rng.u16(10..900)
        ));
    }
    trace
}

fn events(n: usize) -> Vec<LogEvent> {
    let mut rng = Rng::with_seed(42);
    let mut timestamp = 1_795_000_000_000i64;
    (0..n)
        .map(|i| {
            timestamp += i64::from(rng.u8(0..3));
            let message = match i % 200 {
                0 => stack_trace(&mut rng),
                k if k % 2 == 0 => access_line(&mut rng),
                _ => json_line(&mut rng),
            };
            // About one in fifty arrives a little late.
            let late = if rng.u8(0..50) == 0 {
                rng.i64(1..40)
            } else {
                0
            };
            LogEvent {
                timestamp: timestamp - late,
                ingestion_time: timestamp + 300,
                event_id: None,
                group: "/ecs/orders".to_owned(),
                stream: "orders/app/0f3c9a".to_owned(),
                message,
            }
        })
        .collect()
}

fn ingest(c: &mut Criterion) {
    let batch = events(BATCH);
    let bytes: usize = batch.iter().map(|e| e.message.len()).sum();
    let span = batch.last().map_or(0, |e| e.timestamp) - batch[0].timestamp + 100;
    println!(
        "logs_ingest: {BATCH} events, {} bytes on average",
        bytes / BATCH
    );

    let mut group = c.benchmark_group("logs_ingest");
    group.throughput(Throughput::Elements(BATCH as u64));

    // One ring for the whole run: after ten batches it is full, so every push also evicts,
    // as it would for a service that has been chatty for a while. Each batch is shifted
    // forward in time so it arrives as new lines, not as history older than the ring.
    let mut ring = Ring::new(Ring::DEFAULT_CAPACITY);
    let mut shift = 0i64;
    group.bench_function("from_event_and_push_10k", |b| {
        b.iter(|| {
            for (i, e) in batch.iter().enumerate() {
                let mut line = Line::from_event(e, (i % 4) as u16);
                line.timestamp += shift;
                ring.push(line);
            }
            shift += span;
        })
    });
    black_box(ring.len());

    group.bench_function("for_screen_and_level_10k", |b| {
        b.iter(|| {
            for e in &batch {
                let text = sanitize::for_screen(black_box(&e.message));
                black_box(sanitize::level(&text));
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("logs_ingest_hostile");
    let megabyte = "\x1b[31mERROR\x1b[0m\tpayload é中🚀 ".repeat(1 << 15);
    group.throughput(Throughput::Bytes(megabyte.len() as u64));
    group.bench_function("for_screen_1mib_line", |b| {
        b.iter_batched(
            || (),
            |()| sanitize::for_screen(black_box(&megabyte)),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
