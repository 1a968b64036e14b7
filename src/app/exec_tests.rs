//! `x`: exec from the tasks and services panes.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::data::{DataKey, Payload};
use super::pane::Pane;
use super::*;
use crate::domain::model::{Container, Task, TaskScope};
use crate::ops::exec::Request;

pub(super) fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn container(name: &str) -> Container {
    Container {
        name: name.into(),
        image: None,
        last_status: Some("RUNNING".into()),
        health: None,
        exit_code: None,
        reason: None,
        runtime_id: Some(format!("abc-{name}")),
        exec_agent: Some("RUNNING".into()),
    }
}

pub(super) fn tasks_app(containers: &[&str]) -> App {
    let t0 = super::tests::t0();
    let pane = Pane::Tasks {
        cluster: "prod".into(),
        service: Some("web".into()),
        instance: None,
    };
    let mut app = App::new(Identity::default(), vec![Pane::Clusters, pane], t0, None);
    let task = Task {
        arn: "arn:aws:ecs:eu-west-1:1:task/prod/0123abcd".into(),
        id: "0123abcd".into(),
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        group: Some("service:web".into()),
        enable_execute_command: true,
        containers: containers.iter().map(|c| container(c)).collect(),
        ..Task::default()
    };
    app.update(Action::Loaded {
        key: DataKey::Tasks {
            cluster: "prod".into(),
            service: Some("web".into()),
            scope: TaskScope::Running,
        },
        result: Ok(Payload::Tasks(Arc::new(vec![task].into()))),
        at: t0,
    });
    app
}

fn exec_of(effects: &[Effect]) -> Option<&Request> {
    effects.iter().find_map(|e| match e {
        Effect::Exec(r) => Some(r),
        _ => None,
    })
}

#[test]
fn x_on_a_task_with_one_container_opens_it() {
    let mut app = tasks_app(&["web"]);
    let effects = app.update(key(KeyCode::Char('x')));
    let r = exec_of(&effects).expect("an exec");
    assert_eq!(r.container.as_deref(), Some("web"));
    assert_eq!(
        r.task.as_deref(),
        Some("arn:aws:ecs:eu-west-1:1:task/prod/0123abcd")
    );
    assert_eq!(r.command, "/bin/sh");
}

#[test]
fn several_containers_are_chosen_once_then_remembered_for_the_service() {
    let mut app = tasks_app(&["web", "envoy"]);
    let effects = app.update(key(KeyCode::Char('x')));
    assert!(exec_of(&effects).is_none(), "asks first");
    app.update(key(KeyCode::Right));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        exec_of(&effects).and_then(|r| r.container.as_deref()),
        Some("envoy")
    );
    // Next time the choice starts at envoy.
    app.update(key(KeyCode::Char('x')));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        exec_of(&effects).and_then(|r| r.container.as_deref()),
        Some("envoy")
    );
}

#[test]
fn read_only_sends_no_exec() {
    let mut app = tasks_app(&["web"]);
    app.read_only = true;
    let effects = app.update(key(KeyCode::Char('x')));
    assert!(exec_of(&effects).is_none());
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::AuditRefusal { .. })),
        "{effects:?}"
    );
}

#[test]
fn the_sessions_end_is_said_on_the_status_line() {
    let mut app = tasks_app(&["web"]);
    app.update(Action::ExecEnded(Err(
        "exec is not enabled on task 0123abcd".into(),
    )));
    let status = app.status.as_ref().expect("a status");
    assert!(
        status.error && status.text.contains("not enabled"),
        "{}",
        status.text
    );
}

#[test]
fn a_task_not_running_is_refused_before_anything() {
    let mut app = tasks_app(&["web"]);
    app.update(key(KeyCode::Char('a')));
    let pane = app.view().pane.clone();
    let stopped = Task {
        last_status: "STOPPED".into(),
        ..(**app.pane_tasks(&pane)[0]).clone()
    };
    app.update(Action::Loaded {
        key: DataKey::Tasks {
            cluster: "prod".into(),
            service: Some("web".into()),
            scope: TaskScope::Running,
        },
        result: Ok(Payload::Tasks(Arc::new(vec![stopped].into()))),
        at: super::tests::t0(),
    });
    let effects = app.update(key(KeyCode::Char('x')));
    assert!(exec_of(&effects).is_none());
    let status = app.status.as_ref().expect("a status");
    assert!(
        status.text.contains("exec needs a running task"),
        "{}",
        status.text
    );
}

#[test]
fn the_command_comes_from_the_command_line_else_the_config() {
    let mut app = tasks_app(&["web"]);
    app.exec_command = "/bin/bash".into();
    let effects = app.update(key(KeyCode::Char('x')));
    assert_eq!(
        exec_of(&effects).map(|r| r.command.as_str()),
        Some("/bin/bash")
    );
    app.update(key(KeyCode::Char(':')));
    for c in "exec ls -l /app".chars() {
        app.update(key(KeyCode::Char(c)));
    }
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        exec_of(&effects).map(|r| r.command.as_str()),
        Some("ls -l /app")
    );
}

#[test]
fn an_exec_error_reaches_the_status_line_as_one_clean_line() {
    let mut app = tasks_app(&["web"]);
    app.update(Action::ExecEnded(Err(
        "ExecuteCommand: denied \u{1b}]0;pwned\u{7}\n  exec needs ecs:ExecuteCommand".into(),
    )));
    let text = &app.status.as_ref().expect("a status").text;
    assert!(!text.contains('\u{1b}') && !text.contains('\n'), "{text:?}");
    assert!(text.contains("exec needs ecs:ExecuteCommand"), "{text}");
    // In full in a popup (a fix does not fit a status line), and in the error history.
    match app.popups.last() {
        Some(Popup::Text { body, .. }) => assert!(body.contains("\n  exec needs"), "{body}"),
        other => panic!("no popup: {other:?}"),
    }
    assert_eq!(app.errors.len(), 1);
    assert!(app.errors[0].error.message.contains("exec needs"));
}

#[test]
fn exec_on_a_service_whose_task_has_several_containers_offers_the_choice() {
    let mut app = tasks_app(&["web"]);
    let request = Request {
        cluster: "prod".into(),
        service: Some("web".into()),
        task: Some("arn:aws:ecs:eu-west-1:1:task/prod/0123abcd".into()),
        container: None,
        command: "/bin/sh".into(),
    };
    app.update(Action::ExecChoose {
        request: request.clone(),
        containers: vec!["web".into(), "envoy".into()],
    });
    assert!(matches!(app.popups.last(), Some(Popup::Dialog(_))));
    app.update(key(KeyCode::Right));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        exec_of(&effects),
        Some(&Request {
            container: Some("envoy".into()),
            ..request
        })
    );
}
