//! Snapshots of the logs pane's stream picker at a fixed size and clock: the plain note
//! about containers the pane cannot read, the list over the pane, typing a filter, its
//! loading, error and empty states, and the pane tailing a picked stream.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::data::{DataKey, Payload};
use crate::app::pane::Pane;
use crate::app::tests::{cluster, service};
use crate::app::{Action, App, Effect};
use crate::domain::{BackendError, ErrorKind, Identity};
use crate::logs::source::{LogSource, SourceKind};
use crate::logs::tail::{TailMsg, Transport};
use crate::logs::{LogEvent, StreamInfo};
use crate::ui::theme::{ColorDepth, Theme};

const GROUP: &str = "/fl/checkout";
const TASK_A: &str = "0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e";
const TASK_B: &str = "5d6e7f8091a2b3c4d5e6f708192a3b4c";
const CHECKOUT_A: &str = "ecs/checkout/0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e";

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

fn ms_ago(seconds: i64) -> i64 {
    now().timestamp_millis() - seconds * 1000
}

fn render(app: &App, width: u16, height: u16) -> String {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::ui::draw(f, app, &theme)).unwrap();
    terminal.backend().to_string()
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn firelens(task: &str) -> LogSource {
    LogSource {
        task_id: task.into(),
        container: "log_router".into(),
        kind: SourceKind::Elsewhere {
            driver: Some("awsfirelens".into()),
            reason: "FireLens sends these logs through Fluent Bit, which names the streams itself"
                .into(),
            group: Some(("eu-west-1".into(), GROUP.into())),
        },
    }
}

/// The logs of service `checkout`: its own container in CloudWatch, a FireLens router in
/// both tasks, and a container with no log driver.
fn checkout_logs() -> (App, u64) {
    let mut app = App::new(
        Identity {
            profile: "demo".into(),
            region: "eu-west-1".into(),
            account: Some("123456789012".into()),
            endpoint: None,
            regions: Vec::new(),
        },
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod-core".into(),
            },
        ],
        now(),
        None,
    );
    app.update(Action::Resize {
        width: 100,
        height: 22,
    });
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![cluster("prod-core")]))),
        at: now(),
    });
    app.update(Action::Loaded {
        key: DataKey::Services {
            cluster: "prod-core".into(),
        },
        result: Ok(Payload::Services(Arc::new(
            vec![service("prod-core", "checkout")].into(),
        ))),
        at: now(),
    });
    let effects = press(&mut app, KeyCode::Char('l'));
    let Some(Effect::StartTail { id, .. }) = effects.first() else {
        panic!("{effects:?}");
    };
    let id = *id;
    let checkout = LogSource {
        task_id: TASK_A.into(),
        container: "checkout".into(),
        kind: SourceKind::CloudWatch {
            region: "eu-west-1".into(),
            group: "/ecs/checkout".into(),
            stream: CHECKOUT_A.into(),
        },
    };
    let quiet = LogSource {
        task_id: TASK_A.into(),
        container: "warmup".into(),
        kind: SourceKind::Elsewhere {
            driver: None,
            reason: "no log driver is configured: ECS keeps none of this container's output".into(),
            group: None,
        },
    };
    let event = |ago: i64, message: &str| LogEvent {
        timestamp: ms_ago(ago),
        ingestion_time: ms_ago(ago),
        event_id: Some(format!("{ago}")),
        group: "/ecs/checkout".into(),
        stream: CHECKOUT_A.into(),
        message: message.into(),
    };
    for msg in [
        TailMsg::Transport(Transport::Poll),
        TailMsg::Sources(vec![checkout, firelens(TASK_A), quiet, firelens(TASK_B)]),
        TailMsg::Events(vec![
            event(50, "GET /cart 200"),
            event(40, "order placed order_id=ORD-1001"),
            event(30, "WARN slow query on carts (812 ms)"),
        ]),
        TailMsg::HistoryDone,
    ] {
        app.update(Action::Tail { id, msg });
    }
    (app, id)
}

fn streams() -> Vec<StreamInfo> {
    let info = |name: &str, ago: Option<i64>| StreamInfo {
        name: name.into(),
        last_event_ms: ago.map(ms_ago),
        creation_ms: Some(ms_ago(86_400)),
    };
    vec![
        info(
            "checkout-firelens-0f4c2a9e8b7d4c1f9a3e2d1c0b9a8f7e",
            Some(3),
        ),
        info(
            "checkout-firelens-5d6e7f8091a2b3c4d5e6f708192a3b4c",
            Some(45),
        ),
        info(
            "checkout-firelens-77aa01bc9d8e4f10a2b3c4d5e6f70811",
            Some(5400),
        ),
        info("checkout-firelens-1234abcd5678ef901234abcd5678ef90", None),
    ]
}

#[test]
fn the_pane_names_what_it_cannot_read_and_the_picker_lists_streams_newest_first() {
    let (mut app, id) = checkout_logs();
    insta::assert_snapshot!("logs_elsewhere_notes", render(&app, 100, 22));

    press(&mut app, KeyCode::Char('p'));
    insta::assert_snapshot!("stream_picker_loading", render(&app, 100, 22));

    app.update(Action::Streams {
        id,
        result: Ok(streams()),
    });
    press(&mut app, KeyCode::Down);
    let screen = render(&app, 100, 22);
    assert!(!screen.contains("loading streams"), "{screen}");
    insta::assert_snapshot!("stream_picker_list", screen);

    press(&mut app, KeyCode::Char('/'));
    for c in "77aa".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    insta::assert_snapshot!("stream_picker_filtered", render(&app, 100, 22));

    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::StartTail { id: picked, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    let picked = *picked;
    insta::assert_snapshot!("stream_picked", render(&app, 100, 14));

    // Again from the picked stream: the way back first, the stream tailed now marked.
    press(&mut app, KeyCode::Char('p'));
    app.update(Action::Streams {
        id: picked,
        result: Ok(streams()),
    });
    insta::assert_snapshot!("stream_picker_from_a_picked_stream", render(&app, 100, 16));
}

#[test]
fn aws_errors_and_empty_groups_are_said_in_the_picker() {
    let (mut app, id) = checkout_logs();
    press(&mut app, KeyCode::Char('p'));
    app.update(Action::Streams {
        id,
        result: Err(BackendError::new(
            ErrorKind::AccessDenied,
            "DescribeLogStreams",
            "User: arn:aws:sts::123456789012:assumed-role/oncall is not authorized to perform: \
             logs:DescribeLogStreams on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/fl/checkout",
        )),
    });
    insta::assert_snapshot!("stream_picker_error", render(&app, 80, 16));

    press(&mut app, KeyCode::Char('r'));
    app.update(Action::Streams {
        id,
        result: Ok(Vec::new()),
    });
    let screen = render(&app, 80, 16);
    assert!(
        screen.contains(&format!("no streams in {GROUP}")),
        "{screen}"
    );
}

/// The picker draws at any size without panicking, down to 1x1.
#[test]
fn tiny_terminals_do_not_panic_with_the_picker_open() {
    let (mut app, id) = checkout_logs();
    press(&mut app, KeyCode::Char('p'));
    app.update(Action::Streams {
        id,
        result: Ok(streams()),
    });
    for (w, h) in [(40, 10), (20, 5), (1, 1), (200, 3), (3, 200), (44, 12)] {
        let screen = render(&app, w, h);
        assert_eq!(screen.lines().count(), usize::from(h), "{w}x{h}");
    }
}
