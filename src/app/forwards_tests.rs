//! `p` and `:forwards`: port forwards from the dashboard.

use crossterm::event::KeyCode;

use super::exec_tests::{key, tasks_app};
use super::forwards::{ForwardEvent, ForwardState};
use super::pane::Pane;
use super::*;
use crate::ops::exec::Forward;

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

fn forward_of(effects: &[Effect]) -> Option<(u64, &Forward)> {
    effects.iter().find_map(|e| match e {
        Effect::Forward { id, request } => Some((*id, request)),
        _ => None,
    })
}

/// `p`, the ports typed, Enter: the forward's id and request.
fn start(app: &mut App, ports: &str) -> (u64, Forward) {
    app.update(key(KeyCode::Char('p')));
    typed(app, ports);
    let effects = app.update(key(KeyCode::Enter));
    let (id, request) = forward_of(&effects).expect("a forward");
    (id, request.clone())
}

#[test]
fn p_on_a_task_asks_for_the_ports_and_starts_the_forward() {
    let mut app = tasks_app(&["web"]);
    let effects = app.update(key(KeyCode::Char('p')));
    assert!(forward_of(&effects).is_none(), "asks first");
    assert!(matches!(app.popups.last(), Some(Popup::Dialog(_))));
    typed(&mut app, "8080:80");
    let effects = app.update(key(KeyCode::Enter));
    let (id, r) = forward_of(&effects).expect("a forward");
    assert_eq!((r.local, r.remote, r.host.as_deref()), (8080, 80, None));
    assert_eq!(r.task.container.as_deref(), Some("web"));
    assert_eq!(
        r.task.task.as_deref(),
        Some("arn:aws:ecs:eu-west-1:1:task/prod/0123abcd")
    );
    assert_eq!(app.forwards[0].state, ForwardState::Opening);
    assert_eq!(app.active_forwards(), 1);
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Opened {
            task: "0123abcd".into(),
            container: "web".into(),
        },
    });
    assert_eq!(app.forwards[0].state, ForwardState::Open);
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Connection,
    });
    assert_eq!(app.forwards[0].connections, 1);
}

#[test]
fn bad_ports_or_host_keep_the_form_open_and_start_nothing() {
    let mut app = tasks_app(&["web"]);
    app.update(key(KeyCode::Char('p')));
    for bad in ["80:99999", "http", "0", ""] {
        typed(&mut app, bad);
        let effects = app.update(key(KeyCode::Enter));
        assert!(forward_of(&effects).is_none(), "{bad}");
        assert!(matches!(app.popups.last(), Some(Popup::Dialog(_))), "{bad}");
        for _ in 0..bad.len() {
            app.update(key(KeyCode::Backspace));
        }
    }
    typed(&mut app, "5432");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "db internal");
    let effects = app.update(key(KeyCode::Enter));
    assert!(forward_of(&effects).is_none(), "a host with a space");
    assert!(app.forwards.is_empty());
}

#[test]
fn a_host_reached_through_the_task_is_forwarded_to() {
    let mut app = tasks_app(&["web"]);
    app.update(key(KeyCode::Char('p')));
    typed(&mut app, "15432:5432");
    app.update(key(KeyCode::Tab));
    typed(&mut app, "db.internal");
    let effects = app.update(key(KeyCode::Enter));
    let (_, r) = forward_of(&effects).expect("a forward");
    assert_eq!(r.host.as_deref(), Some("db.internal"));
    assert_eq!(app.forwards[0].to(), "db.internal:5432");
}

#[test]
fn a_local_port_an_open_forward_holds_is_refused() {
    let mut app = tasks_app(&["web"]);
    start(&mut app, "8080:80");
    app.update(key(KeyCode::Char('p')));
    typed(&mut app, "8080:443");
    let effects = app.update(key(KeyCode::Enter));
    assert!(forward_of(&effects).is_none());
    assert_eq!(app.forwards.len(), 1);
}

#[test]
fn with_several_containers_the_form_asks_which() {
    let mut app = tasks_app(&["web", "envoy"]);
    app.update(key(KeyCode::Char('p')));
    typed(&mut app, "9901");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Right));
    let effects = app.update(key(KeyCode::Enter));
    let (_, r) = forward_of(&effects).expect("a forward");
    assert_eq!(r.task.container.as_deref(), Some("envoy"));
}

#[test]
fn read_only_starts_no_forward() {
    let mut app = tasks_app(&["web"]);
    app.read_only = true;
    let effects = app.update(key(KeyCode::Char('p')));
    assert!(forward_of(&effects).is_none());
    assert!(app.popups.is_empty(), "no form opens");
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::AuditRefusal { .. })),
        "{effects:?}"
    );
}

#[test]
fn the_forwards_pane_lists_them_and_x_stops_one_then_clears_it() {
    let mut app = tasks_app(&["web"]);
    let (id, _) = start(&mut app, "8080:80");
    app.update(key(KeyCode::Char(':')));
    typed(&mut app, "forwards");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.view().pane, Pane::Forwards);
    let (_, rows) = app.rows(app.view());
    assert_eq!(rows.len(), 1);
    let cells = rows[0].row().cells.clone();
    assert_eq!(cells[0].text, "localhost:8080");
    assert_eq!(cells[1].text, "task:80");
    assert_eq!(cells[7].text, "opening");
    let effects = app.update(key(KeyCode::Char('x')));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::StopForward { id: i } if *i == id)),
        "{effects:?}"
    );
    assert_eq!(app.active_forwards(), 0);
    // What the session does after the stop changes nothing.
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Opened {
            task: "0123abcd".into(),
            container: "web".into(),
        },
    });
    assert_eq!(app.active_forwards(), 0);
    // An ended forward is taken off the list by a second x.
    let effects = app.update(key(KeyCode::Char('x')));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.forwards.is_empty());
}

#[test]
fn a_forward_that_fails_says_why_and_keeps_the_plugins_last_lines() {
    let mut app = tasks_app(&["web"]);
    let (id, _) = start(&mut app, "8080:80");
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Opened {
            task: "0123abcd".into(),
            container: "web".into(),
        },
    });
    for line in ["Starting session", "An error occurred: TargetNotConnected"] {
        app.update(Action::Forward {
            id,
            event: ForwardEvent::Line(line.into()),
        });
    }
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Ended(Err("session-manager-plugin exited with code 1".into())),
    });
    let status = app.status.as_ref().expect("a status");
    assert!(
        status.error && status.text.contains("exited with code 1"),
        "{}",
        status.text
    );
    assert_eq!(app.active_forwards(), 0);
    app.update(key(KeyCode::Char(':')));
    typed(&mut app, "forwards");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Enter));
    match app.popups.last() {
        Some(Popup::Text { body, .. }) => {
            assert!(body.contains("TargetNotConnected"), "{body}");
        }
        other => panic!("no details: {other:?}"),
    }
}

#[test]
fn a_task_of_several_containers_found_for_a_service_brings_the_form_back() {
    let mut app = tasks_app(&["web"]);
    let (id, _) = start(&mut app, "8080:80");
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Choose {
            task: "arn:aws:ecs:eu-west-1:1:task/prod/feed".into(),
            containers: vec!["web".into(), "envoy".into()],
        },
    });
    assert!(app.forwards.is_empty(), "nothing was opened");
    // The ports are kept; the container, the new question, has the focus.
    app.update(key(KeyCode::Right));
    let effects = app.update(key(KeyCode::Enter));
    let (_, r) = forward_of(&effects).expect("a forward");
    assert_eq!((r.local, r.remote), (8080, 80));
    assert_eq!(r.task.container.as_deref(), Some("envoy"));
    assert_eq!(
        r.task.task.as_deref(),
        Some("arn:aws:ecs:eu-west-1:1:task/prod/feed")
    );
}

#[test]
fn a_forward_that_never_opened_leaves_no_row_but_says_why() {
    let mut app = tasks_app(&["web"]);
    let (id, _) = start(&mut app, "8080:80");
    assert_eq!(app.forwards[0].task.as_deref(), Some("0123abcd"));
    app.update(Action::Forward {
        id,
        event: ForwardEvent::Ended(Err("local port 8080 is not free".into())),
    });
    assert!(app.forwards.is_empty());
    let status = app.status.as_ref().expect("a status");
    assert!(
        status.error && status.text.contains("was not opened"),
        "{}",
        status.text
    );
    assert!(app.errors[0].error.message.contains("not free"));
}
