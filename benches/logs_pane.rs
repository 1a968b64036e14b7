//! Drawing the logs pane over a full 100,000-line buffer (target: under 2 ms a frame),
//! following, paused in the middle, with wrapping, and with a search highlighted.
//! Run: `cargo bench --bench logs_pane`.

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use ecsdash::app::pane::Pane;
use ecsdash::app::{Action, App, Effect};
use ecsdash::domain::Identity;
use ecsdash::logs::LogEvent;
use ecsdash::logs::ring::Ring;
use ecsdash::logs::source::{LogScope, LogSource, SourceKind};
use ecsdash::logs::tail::TailMsg;
use ecsdash::ui::theme::{ColorDepth, Theme};

const LINES: usize = Ring::DEFAULT_CAPACITY;

fn message(i: usize) -> String {
    match i % 10 {
        0 => format!(
            r#"{{"level":"info","ts":"2026-11-21T03:00:00Z","msg":"order placed","order_id":"o-{i}","latency_ms":{}}}"#,
            i % 97
        ),
        3 => format!("WARN slow query on carts ({} ms)", 500 + i % 400),
        7 => format!(
            "ERROR payment declined for order o-{i}\njava.lang.IllegalStateException: card expired\n\tat com.shop.Payments.charge(Payments.java:88)"
        ),
        _ => format!(
            "10.0.3.{} - - [21/Nov/2026:03:00:01 +0000] \"GET /api/cart/{i} HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0\" 0.012",
            i % 250
        ),
    }
}

/// A logs pane holding a full buffer from three sources.
fn full_pane() -> App {
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap();
    let scope = LogScope::Service {
        cluster: "prod-core".into(),
        service: "checkout".into(),
    };
    let mut app = App::new(
        Identity::default(),
        vec![
            Pane::Clusters,
            Pane::Logs {
                scope: scope.clone(),
            },
        ],
        now,
        None,
    );
    app.update(Action::Resize {
        width: 200,
        height: 50,
    });
    // Open the tail the way the pane does, through a service row.
    let streams: Vec<String> = (0..3).map(|k| format!("ecs/checkout/{k:032x}")).collect();
    let sources = streams
        .iter()
        .enumerate()
        .map(|(k, s)| LogSource {
            task_id: format!("{k:032x}"),
            container: "checkout".into(),
            kind: SourceKind::CloudWatch {
                region: "eu-west-1".into(),
                group: "/ecs/checkout".into(),
                stream: s.clone(),
            },
        })
        .collect();
    let request = ecsdash::logs::tail::TailRequest {
        scope,
        container: None,
        start_ms: now.timestamp_millis(),
        pattern: None,
        follow: true,
    };
    app.log = Some(ecsdash::app::logs::LogView::new(1, request, LINES));
    app.update(Action::Tail {
        id: 1,
        msg: TailMsg::Sources(sources),
    });
    let t0 = now.timestamp_millis();
    for chunk in (0..LINES).collect::<Vec<_>>().chunks(10_000) {
        let events = chunk
            .iter()
            .map(|&i| LogEvent {
                timestamp: t0 + i as i64,
                ingestion_time: t0 + i as i64,
                event_id: Some(i.to_string()),
                group: "/ecs/checkout".into(),
                stream: streams[i % 3].clone(),
                message: message(i),
            })
            .collect();
        app.update(Action::Tail {
            id: 1,
            msg: TailMsg::Events(events),
        });
    }
    assert_eq!(app.log.as_ref().map(|l| l.ring.len()), Some(LINES));
    app
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn bench(c: &mut Criterion) {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut draw = |c: &mut Criterion, name: &str, app: &App| {
        c.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ecsdash::ui::draw(f, black_box(app), &theme))
                    .unwrap();
            })
        });
    };

    let mut app = full_pane();
    draw(c, "logs pane: follow, 100k lines, 200x50", &app);
    key(&mut app, KeyCode::Char('w'));
    draw(c, "logs pane: follow + wrap, 100k lines, 200x50", &app);
    for _ in 0..50_000 / 48 {
        key(&mut app, KeyCode::PageUp);
    }
    draw(c, "logs pane: paused mid-buffer + wrap, 100k lines", &app);
    key(&mut app, KeyCode::Char('/'));
    for ch in "order".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    draw(c, "logs pane: paused + search highlight, 100k lines", &app);
}

criterion_group! {
    name = logs_pane;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).sample_size(30);
    targets = bench
}
criterion_main!(logs_pane);
