//! Unit tests of the logs pane's `update`: opening and stopping tails, follow and pause,
//! search, the client-side filter, the server-side pattern, copying and pretty JSON.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::tests::{cluster, service};
use super::*;
use crate::logs::LogEvent;
use crate::logs::source::{LogSource, SourceKind};

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

const T0: i64 = 1_795_000_000_000;

fn event(ms: i64, stream: &str, message: &str) -> LogEvent {
    LogEvent {
        timestamp: T0 + ms,
        ingestion_time: T0 + ms,
        event_id: Some(format!("{ms}-{message}")),
        group: "/ecs/web".into(),
        stream: stream.into(),
        message: message.into(),
    }
}

const STREAM_A: &str = "ecs/web/aaaaaaaa11112222333344445555aaaa";
const STREAM_B: &str = "ecs/envoy/bbbbbbbb11112222333344445555bbbb";

/// A services pane of cluster `prod` with one service `web`, and its logs opened.
fn logs_open() -> (App, u64) {
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap();
    let mut app = App::new(
        Identity::default(),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod".into(),
            },
        ],
        now,
        None,
    );
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![cluster("prod")]))),
        at: now,
    });
    app.update(Action::Loaded {
        key: DataKey::Services {
            cluster: "prod".into(),
        },
        result: Ok(Payload::Services(Arc::new(
            vec![service("prod", "web")].into(),
        ))),
        at: now,
    });
    let effects = app.update(key(KeyCode::Char('l')));
    let id = match effects.as_slice() {
        [Effect::StartTail { id, request }] => {
            assert_eq!(
                request.scope,
                LogScope::Service {
                    cluster: "prod".into(),
                    service: "web".into()
                }
            );
            assert!(request.follow);
            assert_eq!(
                request.start_ms,
                (now - Duration::minutes(5)).timestamp_millis(),
                "the last few minutes by default"
            );
            *id
        }
        other => panic!("expected one StartTail, got {other:?}"),
    };
    let source = |task: &str, container: &str, stream: &str| LogSource {
        task_id: task.into(),
        container: container.into(),
        kind: SourceKind::CloudWatch {
            region: "eu-west-1".into(),
            group: "/ecs/web".into(),
            stream: stream.into(),
        },
    };
    app.update(Action::Tail {
        id,
        msg: TailMsg::Sources(vec![
            source("aaaaaaaa11112222333344445555aaaa", "web", STREAM_A),
            source("bbbbbbbb11112222333344445555bbbb", "envoy", STREAM_B),
        ]),
    });
    (app, id)
}

fn feed(app: &mut App, id: u64, events: Vec<LogEvent>) {
    app.update(Action::Tail {
        id,
        msg: TailMsg::Events(events),
    });
}

#[test]
fn logs_open_on_the_service_and_stop_when_left() {
    let (mut app, id) = logs_open();
    assert!(matches!(app.view().pane, Pane::Logs { .. }));
    feed(&mut app, id, vec![event(1, STREAM_A, "hello")]);
    assert_eq!(app.log.as_ref().unwrap().ring.len(), 1);
    // Messages of another tail (an old one) are ignored.
    feed(&mut app, id + 7, vec![event(2, STREAM_A, "stray")]);
    assert_eq!(app.log.as_ref().unwrap().ring.len(), 1);
    let effects = app.update(key(KeyCode::Esc));
    assert_eq!(effects, vec![Effect::StopTail { id }]);
    assert!(app.log.is_none());
    assert!(matches!(app.view().pane, Pane::Services { .. }));
}

#[test]
fn moving_up_pauses_and_counts_new_lines_and_f_resumes() {
    let (mut app, id) = logs_open();
    feed(
        &mut app,
        id,
        (0..10)
            .map(|i| event(i, STREAM_A, &format!("line {i}")))
            .collect(),
    );
    let log = app.log.as_ref().unwrap();
    assert!(log.follow);
    assert_eq!(log.selected_text(), Some("line 9"));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    let log = app.log.as_ref().unwrap();
    assert!(!log.follow);
    assert_eq!(log.selected_text(), Some("line 7"));
    feed(
        &mut app,
        id,
        vec![event(20, STREAM_B, "new 1"), event(21, STREAM_B, "new 2")],
    );
    let log = app.log.as_ref().unwrap();
    assert_eq!(log.waiting(), 2, "two lines wait while paused");
    assert_eq!(log.selected_text(), Some("line 7"), "the view did not jump");
    app.update(key(KeyCode::Char('f')));
    let log = app.log.as_ref().unwrap();
    assert!(log.follow);
    assert_eq!(log.waiting(), 0);
    assert_eq!(log.selected_text(), Some("new 2"));
}

#[test]
fn moving_past_the_top_asks_for_older_lines_once() {
    let (mut app, id) = logs_open();
    feed(
        &mut app,
        id,
        vec![event(5, STREAM_A, "first"), event(6, STREAM_A, "second")],
    );
    app.update(key(KeyCode::Up));
    let effects = app.update(key(KeyCode::Up));
    assert_eq!(effects.len(), 1);
    assert!(
        matches!(effects[0], Effect::LoadOlder { id: i, before_ms } if i == id && before_ms == T0 + 5)
    );
    assert!(
        app.update(key(KeyCode::Up)).is_empty(),
        "one request at a time"
    );
    app.update(Action::Tail {
        id,
        msg: TailMsg::Older {
            events: vec![event(1, STREAM_A, "older")],
            more: false,
        },
    });
    let log = app.log.as_ref().unwrap();
    assert_eq!(log.ring.len(), 3);
    assert_eq!(
        log.selected_text(),
        Some("first"),
        "selection stays on its line"
    );
    app.update(key(KeyCode::Up));
    assert!(app.update(key(KeyCode::Up)).is_empty(), "no more history");
}

#[test]
fn search_jumps_between_matches_and_grep_hides_the_rest() {
    let (mut app, id) = logs_open();
    feed(
        &mut app,
        id,
        vec![
            event(1, STREAM_A, "GET /cart 200"),
            event(2, STREAM_A, "ERROR payment declined"),
            event(3, STREAM_B, "GET /health 200"),
            event(4, STREAM_A, "error: timeout"),
        ],
    );
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "error");
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.log.as_ref().unwrap().selected_text(),
        Some("error: timeout"),
        "smart case: lowercase matches both"
    );
    app.update(key(KeyCode::Char('N')));
    assert_eq!(
        app.log.as_ref().unwrap().selected_text(),
        Some("ERROR payment declined")
    );
    app.update(key(KeyCode::Char('&')));
    type_text(&mut app, "GET");
    app.update(key(KeyCode::Enter));
    let log = app.log.as_ref().unwrap();
    let shown: Vec<_> = log
        .ring
        .iter()
        .filter(|l| log.visible(l))
        .map(|l| l.text.clone())
        .collect();
    assert_eq!(shown, ["GET /cart 200", "GET /health 200"]);
    assert!(log.export().contains("GET /health 200"));
    assert!(
        !log.export().contains("declined"),
        "saving writes what is shown"
    );
}

#[test]
fn a_bad_regex_is_refused_and_keeps_what_was_typed() {
    let (mut app, _) = logs_open();
    app.update(key(KeyCode::Char('&')));
    type_text(&mut app, "(unclosed");
    app.update(key(KeyCode::Enter));
    assert!(app.status.as_ref().unwrap().error);
    assert_eq!(app.input.as_ref().unwrap().text(), "(unclosed");
    assert!(app.log.as_ref().unwrap().grep.is_none());
}

#[test]
fn a_server_pattern_restarts_the_tail_with_it() {
    let (mut app, id) = logs_open();
    app.log.as_mut().unwrap().wrap = true;
    app.update(key(KeyCode::Char('F')));
    type_text(&mut app, "?ERROR ?WARN");
    let effects = app.update(key(KeyCode::Enter));
    let new_id = match effects.as_slice() {
        [
            Effect::StopTail { id: old },
            Effect::StartTail { id: new, request },
        ] => {
            assert_eq!(*old, id);
            assert_eq!(request.pattern.as_deref(), Some("?ERROR ?WARN"));
            *new
        }
        other => panic!("{other:?}"),
    };
    let log = app.log.as_ref().unwrap();
    assert_eq!(log.tail_id, new_id);
    assert!(log.wrap, "display settings survive the restart");
}

#[test]
fn container_key_cycles_through_the_containers() {
    let (mut app, _) = logs_open();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let effects = app.update(key(KeyCode::Char('c')));
        let Some(Effect::StartTail { request, .. }) = effects.last() else {
            panic!("{effects:?}");
        };
        seen.push(request.container.clone());
        // The restarted tail names its sources again.
        let sources = vec![
            LogSource {
                task_id: "a".into(),
                container: "web".into(),
                kind: SourceKind::Elsewhere {
                    driver: None,
                    reason: "x".into(),
                    group: None,
                },
            },
            LogSource {
                task_id: "a".into(),
                container: "envoy".into(),
                kind: SourceKind::Elsewhere {
                    driver: None,
                    reason: "x".into(),
                    group: None,
                },
            },
        ];
        let id = app.log.as_ref().unwrap().tail_id;
        app.update(Action::Tail {
            id,
            msg: TailMsg::Sources(sources),
        });
    }
    assert_eq!(
        seen,
        [Some("envoy".to_string()), Some("web".to_string()), None]
    );
}

#[test]
fn enter_pretty_prints_json_and_y_copies() {
    let (mut app, id) = logs_open();
    feed(
        &mut app,
        id,
        vec![event(
            1,
            STREAM_A,
            r#"{"level":"info","msg":"order placed","id":7}"#,
        )],
    );
    app.update(key(KeyCode::Enter));
    let Some(Popup::Text { body, .. }) = app.popups.last() else {
        panic!("{:?}", app.popups);
    };
    assert!(body.contains("\n  \"msg\": \"order placed\""), "{body}");
    app.update(key(KeyCode::Esc));
    let effects = app.update(key(KeyCode::Char('y')));
    assert_eq!(
        effects,
        vec![Effect::Copy(
            r#"{"level":"info","msg":"order placed","id":7}"#.to_string()
        )]
    );
}

#[test]
fn hostile_lines_are_stored_sanitized() {
    let (mut app, id) = logs_open();
    feed(
        &mut app,
        id,
        vec![event(
            1,
            STREAM_A,
            "\x1b]0;pwned\x07\x1b[2Jhello\u{9b}31mworld",
        )],
    );
    let text = app
        .log
        .as_ref()
        .unwrap()
        .selected_text()
        .unwrap()
        .to_string();
    assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    assert!(
        text.contains("hello") && !text.contains("pwned"),
        "{text:?}"
    );
}

#[test]
fn save_asks_for_a_file_name_and_refuses_an_empty_one() {
    let (mut app, id) = logs_open();
    feed(&mut app, id, vec![event(1, STREAM_A, "x")]);
    app.update(key(KeyCode::Char('S')));
    let name = app.input.as_ref().unwrap().text();
    assert!(
        name.starts_with("ecsdash-service_web-") && name.ends_with(".log"),
        "{name}"
    );
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(&effects[..], [Effect::Save { path, contents }] if *path == name && contents.contains(" x\n"))
    );
    app.update(key(KeyCode::Char('S')));
    for _ in 0..name.len() {
        app.update(key(KeyCode::Backspace));
    }
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.status.as_ref().unwrap().error);
}

#[test]
fn since_restarts_the_tail_from_there_and_bad_values_change_nothing() {
    let (mut app, id) = logs_open();
    app.update(key(KeyCode::Char(':')));
    type_text(&mut app, "since 2h");
    let effects = app.update(key(KeyCode::Enter));
    match effects.as_slice() {
        [
            Effect::StopTail { id: old },
            Effect::StartTail { request, .. },
        ] => {
            assert_eq!(*old, id);
            assert_eq!(
                request.start_ms,
                (app.now - Duration::hours(2)).timestamp_millis()
            );
        }
        other => panic!("{other:?}"),
    }
    let current = app.log.as_ref().unwrap().tail_id;
    app.update(key(KeyCode::Char(':')));
    type_text(&mut app, "since lately");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.status.as_ref().unwrap().error);
    assert_eq!(
        app.log.as_ref().unwrap().tail_id,
        current,
        "nothing restarted"
    );
}

// The stream picker (`p`): containers whose streams the pane cannot name.

const FIRELENS_GROUP: &str = "/fl/web";
const TASK_A: &str = "aaaaaaaa11112222333344445555aaaa";
const TASK_B: &str = "bbbbbbbb11112222333344445555bbbb";

fn elsewhere(task: &str, container: &str, group: Option<&str>) -> LogSource {
    LogSource {
        task_id: task.into(),
        container: container.into(),
        kind: SourceKind::Elsewhere {
            driver: Some("awsfirelens".into()),
            reason: "FireLens sends these logs through Fluent Bit, which names the streams itself"
                .into(),
            group: group.map(|g| ("eu-west-1".to_string(), g.to_string())),
        },
    }
}

/// The logs pane of `web`, whose tasks run a FireLens `router` next to `web`.
fn logs_with_firelens() -> (App, u64) {
    let (mut app, id) = logs_open();
    let cw = LogSource {
        task_id: TASK_A.into(),
        container: "web".into(),
        kind: SourceKind::CloudWatch {
            region: "eu-west-1".into(),
            group: "/ecs/web".into(),
            stream: STREAM_A.into(),
        },
    };
    app.update(Action::Tail {
        id,
        msg: TailMsg::Sources(vec![
            cw,
            elsewhere(TASK_A, "router", Some(FIRELENS_GROUP)),
            elsewhere(TASK_B, "router", Some(FIRELENS_GROUP)),
        ]),
    });
    (app, id)
}

fn stream_info(name: &str, age_s: i64) -> crate::logs::StreamInfo {
    crate::logs::StreamInfo {
        name: name.into(),
        last_event_ms: Some(T0 - age_s * 1000),
        creation_ms: Some(T0 - 86_400_000),
    }
}

fn newest() -> Vec<crate::logs::StreamInfo> {
    vec![
        stream_info("router-firelens-aaaa", 2),
        stream_info("router-firelens-bbbb", 40),
        stream_info("router-firelens-cccc", 7200),
    ]
}

fn picker(app: &App) -> &logs::StreamPicker {
    app.log
        .as_ref()
        .and_then(|l| l.picker.as_ref())
        .expect("the picker is open")
}

fn selected_name(app: &App) -> Option<String> {
    match picker(app).selected_row() {
        Some(logs::Row::Stream(s)) => Some(s.name.clone()),
        Some(logs::Row::Back) => Some("<back>".into()),
        None => None,
    }
}

/// `p`, checking it asks for the group's streams (newest first: no prefix).
fn open_picker(app: &mut App, id: u64) {
    let effects = app.update(key(KeyCode::Char('p')));
    match effects.as_slice() {
        [
            Effect::ListStreams {
                id: asked,
                region,
                group,
                prefix: None,
            },
        ] => {
            assert_eq!((*asked, region.as_str()), (id, "eu-west-1"));
            assert_eq!(group, FIRELENS_GROUP);
        }
        other => panic!("expected one ListStreams, got {other:?}"),
    }
    assert_eq!(picker(app).listing, logs::Listing::Loading);
}

#[test]
fn the_pane_says_plainly_which_containers_it_cannot_read_and_how_to_pick() {
    let (mut app, id) = logs_with_firelens();
    let notes = app.log.as_ref().unwrap().elsewhere();
    assert_eq!(
        notes.len(),
        1,
        "two tasks saying the same are one note: {notes:?}"
    );
    assert_eq!(notes[0].who, "router (2 tasks)");
    assert_eq!(notes[0].group.as_deref(), Some(FIRELENS_GROUP));
    assert!(notes[0].reason.contains("FireLens"));

    app.update(Action::Tail {
        id,
        msg: TailMsg::Sources(vec![elsewhere(TASK_A, "sidecar", None)]),
    });
    let notes = app.log.as_ref().unwrap().elsewhere();
    assert_eq!(notes[0].who, "aaaaaaaa/sidecar");
    assert_eq!(notes[0].group, None);
    // No group known: nothing to pick, and the key says why.
    assert!(app.update(key(KeyCode::Char('p'))).is_empty());
    assert!(app.log.as_ref().unwrap().picker.is_none());
    let status = app.status.as_ref().unwrap();
    assert!(
        status.error && status.text.contains("sidecar"),
        "{}",
        status.text
    );
}

#[test]
fn with_every_stream_known_there_is_nothing_to_pick() {
    let (mut app, _) = logs_open();
    assert!(app.update(key(KeyCode::Char('p'))).is_empty());
    assert!(app.log.as_ref().unwrap().picker.is_none());
    let text = &app.status.as_ref().unwrap().text;
    assert!(text.contains("reads already"), "{text}");
}

#[test]
fn the_picker_lists_newest_first_moves_and_enter_tails_the_choice() {
    let (mut app, id) = logs_with_firelens();
    let start_ms = app.log.as_ref().unwrap().request.start_ms;
    open_picker(&mut app, id);
    // While open it takes every key: `p` asks nothing more.
    assert!(app.update(key(KeyCode::Char('p'))).is_empty());
    app.update(Action::Streams {
        id,
        result: Ok(newest()),
    });
    assert_eq!(selected_name(&app).as_deref(), Some("router-firelens-aaaa"));
    app.update(key(KeyCode::Char('j')));
    assert_eq!(selected_name(&app).as_deref(), Some("router-firelens-bbbb"));
    app.update(key(KeyCode::Up));
    assert_eq!(selected_name(&app).as_deref(), Some("router-firelens-aaaa"));
    for _ in 0..5 {
        app.update(key(KeyCode::Down));
    }
    assert_eq!(
        selected_name(&app).as_deref(),
        Some("router-firelens-cccc"),
        "stops at the last"
    );

    let effects = app.update(key(KeyCode::Enter));
    let picked_id = match effects.as_slice() {
        [
            Effect::StopTail { id: old },
            Effect::StartTail { id: new, request },
        ] => {
            assert_eq!(*old, id);
            assert_eq!(
                request.scope,
                LogScope::Streams {
                    region: "eu-west-1".into(),
                    group: FIRELENS_GROUP.into(),
                    streams: vec!["router-firelens-cccc".into()],
                }
            );
            assert_eq!(request.start_ms, start_ms, "the same window");
            assert!(request.follow);
            *new
        }
        other => panic!("{other:?}"),
    };
    let log = app.log.as_ref().unwrap();
    assert_eq!(log.tail_id, picked_id);
    assert!(log.picker.is_none());
    assert_eq!(
        log.title(),
        format!("stream router-firelens-cccc of {FIRELENS_GROUP}")
    );
    assert_eq!(log.origin.as_ref().unwrap().title, "service web");
    assert!(
        matches!(app.view().pane, Pane::Logs { .. }),
        "the same pane"
    );

    // From the picked stream: the same group again, the stream tailed now selected, and
    // a way back first.
    open_picker(&mut app, picked_id);
    app.update(Action::Streams {
        id: picked_id,
        result: Ok(newest()),
    });
    assert_eq!(selected_name(&app).as_deref(), Some("router-firelens-cccc"));
    assert_eq!(picker(&app).rows().len(), 4);
    app.update(key(KeyCode::Char('g')));
    assert_eq!(selected_name(&app).as_deref(), Some("<back>"));
    let effects = app.update(key(KeyCode::Enter));
    let Some(Effect::StartTail { request, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        request.scope,
        LogScope::Service {
            cluster: "prod".into(),
            service: "web".into()
        }
    );
    assert!(app.log.as_ref().unwrap().origin.is_none());
}

#[test]
fn typing_filters_and_a_name_no_listed_stream_has_is_asked_of_aws_as_a_prefix() {
    let (mut app, id) = logs_with_firelens();
    open_picker(&mut app, id);
    app.update(Action::Streams {
        id,
        result: Ok(newest()),
    });
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "BBB");
    let rows = picker(&app).rows().len();
    assert_eq!(rows, 1, "case-insensitive substring");
    assert_eq!(selected_name(&app).as_deref(), Some("router-firelens-bbbb"));
    // j is text while typing, not a move.
    type_text(&mut app, "j");
    assert!(picker(&app).rows().is_empty());
    app.update(key(KeyCode::Backspace));

    app.update(key(KeyCode::Esc));
    let p = picker(&app);
    assert!(!p.filtering && p.filter.is_empty() && p.rows().len() == 3);

    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "router-firelens-old");
    let effects = app.update(key(KeyCode::Enter));
    match effects.as_slice() {
        [Effect::ListStreams { prefix, group, .. }] => {
            assert_eq!(prefix.as_deref(), Some("router-firelens-old"));
            assert_eq!(group, FIRELENS_GROUP);
        }
        other => panic!("{other:?}"),
    }
    app.update(Action::Streams {
        id,
        result: Ok(vec![stream_info("router-firelens-old1", 90_000)]),
    });
    assert_eq!(selected_name(&app).as_deref(), Some("router-firelens-old1"));
    let effects = app.update(key(KeyCode::Enter));
    let Some(Effect::StartTail { request, .. }) = effects.last() else {
        panic!("{effects:?}");
    };
    assert!(matches!(
        &request.scope,
        LogScope::Streams { streams, .. } if streams == &["router-firelens-old1"]
    ));
}

#[test]
fn errors_show_aws_message_stale_answers_are_ignored_and_esc_closes() {
    let (mut app, id) = logs_with_firelens();
    open_picker(&mut app, id);
    // An answer for another pane's picker changes nothing.
    app.update(Action::Streams {
        id: id + 9,
        result: Ok(newest()),
    });
    assert_eq!(picker(&app).listing, logs::Listing::Loading);
    app.update(Action::Streams {
        id,
        result: Err(BackendError::new(
            crate::domain::ErrorKind::AccessDenied,
            "DescribeLogStreams",
            "User is not authorized to perform: logs:DescribeLogStreams",
        )),
    });
    match &picker(&app).listing {
        logs::Listing::Failed(e) => assert!(e.contains("not authorized"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        app.errors.front().unwrap().error.operation,
        "DescribeLogStreams"
    );

    // r asks again; closing and opening while that question is out asks nothing more.
    assert_eq!(app.update(key(KeyCode::Char('r'))).len(), 1);
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.log.as_ref().unwrap().picker.is_none());
    assert_eq!(app.log.as_ref().unwrap().tail_id, id, "the tail goes on");
    assert!(app.update(key(KeyCode::Char('p'))).is_empty());
    app.update(Action::Streams {
        id,
        result: Ok(Vec::new()),
    });
    assert_eq!(picker(&app).listing, logs::Listing::Loaded(Vec::new()));
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "nothing to tail"
    );
    app.update(key(KeyCode::Char('q')));
    assert!(app.log.as_ref().unwrap().picker.is_none(), "q closes too");
    assert!(!app.quit);
}

#[test]
fn tab_moves_to_the_next_group_and_an_answer_for_the_last_one_is_not_shown() {
    let (mut app, id) = logs_open();
    app.update(Action::Tail {
        id,
        msg: TailMsg::Sources(vec![
            elsewhere(TASK_A, "router", Some(FIRELENS_GROUP)),
            elsewhere(TASK_A, "metrics", Some("/fl/metrics")),
        ]),
    });
    open_picker(&mut app, id);
    assert!(
        app.update(key(KeyCode::Tab)).is_empty(),
        "one question at a time"
    );
    assert_eq!(picker(&app).group().unwrap().group, "/fl/metrics");
    // The answer about /fl/web is not shown as /fl/metrics: /fl/metrics is asked now.
    let effects = app.update(Action::Streams {
        id,
        result: Ok(newest()),
    });
    match effects.as_slice() {
        [Effect::ListStreams { group, .. }] => assert_eq!(group, "/fl/metrics"),
        other => panic!("{other:?}"),
    }
    assert_eq!(picker(&app).listing, logs::Listing::Loading);
    app.update(Action::Streams {
        id,
        result: Ok(vec![stream_info("metrics-firelens-1", 5)]),
    });
    assert_eq!(selected_name(&app).as_deref(), Some("metrics-firelens-1"));
    let quit = app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(quit.is_empty() && app.quit, "Ctrl-c still quits");
}

/// The picker's keys are the bindings in force: remapped, the old keys do nothing and
/// the filter's leaving key takes the new one.
#[test]
fn the_stream_picker_keys_follow_a_remap() {
    let (mut app, id) = logs_with_firelens();
    let remaps = [
        ("close", vec!["x".to_string()]),
        ("filter", vec!["f".to_string()]),
        ("cancel", vec!["Ctrl-g".to_string()]),
    ]
    .into_iter()
    .map(|(a, k)| (a.to_string(), k))
    .collect();
    app.keymap = keymap::Keymap::with(&remaps).unwrap();
    open_picker(&mut app, id);
    app.update(Action::Streams {
        id,
        result: Ok(newest()),
    });
    app.update(key(KeyCode::Char('/')));
    assert!(!picker(&app).filtering, "/ no longer filters");
    app.update(key(KeyCode::Char('f')));
    assert!(picker(&app).filtering);
    type_text(&mut app, "bbb");
    assert_eq!(picker(&app).filter, "bbb");
    app.update(key(KeyCode::Esc));
    assert!(picker(&app).filtering, "Esc no longer leaves the filter");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('g'),
        KeyModifiers::CONTROL,
    )));
    assert!(!picker(&app).filtering && picker(&app).filter.is_empty());
    for old in [KeyCode::Esc, KeyCode::Char('q')] {
        app.update(key(old));
        picker(&app);
    }
    app.update(key(KeyCode::Char('x')));
    assert!(app.log.as_ref().unwrap().picker.is_none());
}

/// Expired credentials stop the pane's tail: the pane says so (not POLL FOLLOW), `r`
/// asks the tail to try again at once, and when it works again the note goes.
#[test]
fn a_stopped_tail_says_so_and_r_tries_again() {
    let (mut app, id) = logs_open();
    let expired = crate::domain::BackendError::new(
        crate::domain::ErrorKind::ExpiredCredentials,
        "FilterLogEvents",
        "ExpiredTokenException: The security token included in the request is expired",
    );
    app.update(Action::Tail {
        id,
        msg: TailMsg::Stopped(expired),
    });
    let stopped = app.log.as_ref().unwrap().stopped.clone().expect("stopped");
    assert!(stopped.contains("credentials expired"), "{stopped}");
    assert!(stopped.contains("aws sso login"), "{stopped}");
    assert!(stopped.contains("r tries again"), "{stopped}");
    let effects = app.update(key(KeyCode::Char('r')));
    assert_eq!(effects, [Effect::RetryTail { id }]);
    app.update(Action::Tail {
        id,
        msg: TailMsg::Recovered,
    });
    let log = app.log.as_ref().unwrap();
    assert!(log.stopped.is_none() && log.last_error.is_none());
    // Working again, r is the pane's ordinary refresh, not a retry.
    let effects = app.update(key(KeyCode::Char('r')));
    assert!(!effects.contains(&Effect::RetryTail { id }), "{effects:?}");
}

/// As the engine does: a tail of one container reports only that container. `c` still
/// goes all → each container in turn → all.
#[test]
fn container_key_reaches_every_container_when_each_tail_reports_only_its_own() {
    let (mut app, _) = logs_open();
    let mut seen = Vec::new();
    for _ in 0..3 {
        let effects = app.update(key(KeyCode::Char('c')));
        let Some(Effect::StartTail { request, .. }) = effects.last() else {
            panic!("{effects:?}");
        };
        seen.push(request.container.clone());
        let only: Vec<LogSource> = ["web", "envoy"]
            .iter()
            .filter(|c| request.container.as_deref().is_none_or(|want| want == **c))
            .map(|c| LogSource {
                task_id: "aaaaaaaa11112222333344445555aaaa".into(),
                container: (*c).into(),
                kind: SourceKind::CloudWatch {
                    region: "eu-west-1".into(),
                    group: "/ecs/web".into(),
                    stream: format!("ecs/{c}/aaaaaaaa11112222333344445555aaaa"),
                },
            })
            .collect();
        let id = app.log.as_ref().unwrap().tail_id;
        app.update(Action::Tail {
            id,
            msg: TailMsg::Sources(only),
        });
    }
    assert_eq!(
        seen,
        [Some("envoy".to_string()), Some("web".to_string()), None]
    );
}

/// Esc clears the `&` filter, then the search, and only then leaves the pane; reopening
/// a prompt selects its old text so typing replaces it.
#[test]
fn esc_clears_filters_before_leaving_and_prompts_reopen_selected() {
    let (mut app, _) = logs_open();
    app.update(key(KeyCode::Char('&')));
    type_text(&mut app, "error");
    app.update(key(KeyCode::Enter));
    assert!(app.log.as_ref().unwrap().grep.is_some());
    // Reopened: the old text is selected; typing replaces it.
    app.update(key(KeyCode::Char('&')));
    assert_eq!(app.input.as_ref().unwrap().text(), "error");
    type_text(&mut app, "timeout");
    assert_eq!(app.input.as_ref().unwrap().text(), "timeout");
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.log.as_ref().unwrap().grep.as_ref().unwrap().text,
        "timeout"
    );
    app.update(key(KeyCode::Esc));
    assert!(
        matches!(app.view().pane, Pane::Logs { .. }),
        "left with a filter set"
    );
    assert!(app.log.as_ref().unwrap().grep.is_none());
    app.update(key(KeyCode::Esc));
    assert!(!matches!(app.view().pane, Pane::Logs { .. }));
}

/// `y` in the full-line popup copies the line it shows.
#[test]
fn y_in_the_full_line_popup_copies_it() {
    let (mut app, id) = logs_open();
    feed(&mut app, id, vec![event(1, STREAM_A, r#"{"a":1}"#)]);
    app.update(key(KeyCode::Enter));
    assert!(matches!(app.popups.last(), Some(Popup::Text { .. })));
    let effects = app.update(key(KeyCode::Char('y')));
    let [Effect::Copy(text)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert!(text.contains("\"a\": 1"), "{text}");
}
