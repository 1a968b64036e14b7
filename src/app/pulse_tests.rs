//! `:pulse`: what it reads, the services it lists (most urgent first, each with why),
//! Enter and `d` on a row, and the clusters pane's ATTENTION count.

use std::sync::Arc;

use chrono::Duration;
use crossterm::event::KeyCode;

use super::data::{DataKey, Payload};
use super::exec_tests::key;
use super::pane::Pane;
use super::tests::{cluster, service, t0};
use super::*;
use crate::domain::model::{Container, Task, TaskScope};

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    app.update(key(KeyCode::Char(':')));
    for c in line.chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter))
}

fn land(app: &mut App, key: DataKey, payload: Payload) {
    app.update(Action::Loaded {
        key,
        result: Ok(payload),
        at: t0(),
    });
}

pub(super) fn oom(service: &str, minutes_ago: i64) -> Task {
    Task {
        arn: format!("arn:aws:ecs:eu-west-1:123456789012:task/prod/{service}{minutes_ago}"),
        group: Some(format!("service:{service}").as_str().into()),
        last_status: "STOPPED".into(),
        stop_code: Some("EssentialContainerExited".into()),
        stopped_reason: Some("Essential container in task exited".into()),
        stopped_at: Some(t0() - Duration::minutes(minutes_ago)),
        containers: vec![Container {
            name: "app".into(),
            image: None,
            last_status: Some("STOPPED".into()),
            health: None,
            exit_code: Some(137),
            reason: Some("OutOfMemoryError: Container killed due to memory usage".into()),
            runtime_id: None,
            exec_agent: None,
        }],
        ..Task::default()
    }
}

/// Two clusters: `prod` with a service none of whose tasks run, one whose tasks die of
/// OOM and a healthy one; `tools` with a healthy one.
fn app() -> App {
    let mut app = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    land(
        &mut app,
        DataKey::Clusters,
        Payload::Clusters(Arc::new(vec![cluster("prod"), cluster("tools")])),
    );
    app
}

fn seed(app: &mut App) {
    let mut down = service("prod", "checkout");
    down.running = 0;
    land(
        app,
        DataKey::Services {
            cluster: "prod".into(),
        },
        Payload::Services(Arc::new(
            vec![down, service("prod", "pdf"), service("prod", "api")].into(),
        )),
    );
    land(
        app,
        DataKey::Tasks {
            cluster: "prod".into(),
            service: None,
            scope: TaskScope::Stopped,
        },
        Payload::Tasks(Arc::new(
            vec![oom("pdf", 3), oom("pdf", 9), oom("pdf", 30)].into(),
        )),
    );
    land(
        app,
        DataKey::Services {
            cluster: "tools".into(),
        },
        Payload::Services(Arc::new(vec![service("tools", "ci")].into())),
    );
    land(
        app,
        DataKey::Tasks {
            cluster: "tools".into(),
            service: None,
            scope: TaskScope::Stopped,
        },
        Payload::Tasks(Arc::new(Vec::new().into())),
    );
}

fn cells(app: &App) -> Vec<Vec<String>> {
    let (_, rows) = app.rows(app.view());
    rows.iter()
        .map(|r| r.row().cells.iter().map(|c| c.text.clone()).collect())
        .collect()
}

#[test]
fn pulse_reads_every_clusters_services_and_stopped_tasks() {
    let mut app = app();
    let effects = command(&mut app, "pulse");
    assert_eq!(app.view().pane, Pane::Pulse);
    let wanted = |cluster: &str, what: &str| {
        effects.iter().any(|e| match e {
            Effect::FetchPart { key, .. } => {
                let text = format!("{key:?}");
                text.contains(&format!("\"{cluster}\"")) && text.contains(what)
            }
            _ => false,
        })
    };
    for c in ["prod", "tools"] {
        assert!(wanted(c, "Services"), "{c}: {effects:?}");
        assert!(wanted(c, "Stopped"), "{c}: {effects:?}");
    }
}

#[test]
fn the_most_urgent_come_first_each_with_why() {
    let mut app = app();
    command(&mut app, "pulse");
    seed(&mut app);
    assert_eq!(
        cells(&app),
        [
            vec!["checkout", "prod", "0/2", "none of 2 running"],
            vec![
                "pdf",
                "prod",
                "2/2",
                "3 tasks died in 1 h: 3× OutOfMemoryError (container app)"
            ],
        ]
    );
    // Enter opens the service's tasks in its cluster.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Tasks {
            cluster: "prod".into(),
            service: Some("pdf".into()),
            instance: None,
        }
    );
}

#[test]
fn d_describes_the_service_with_why_its_tasks_stopped() {
    let mut app = app();
    command(&mut app, "pulse");
    seed(&mut app);
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Char('d')));
    // The service's own stopped tasks are read for it.
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::FetchPart {
                key: DataKey::Tasks { service: Some(s), scope: TaskScope::Stopped, .. },
                ..
            } if s == "pdf"
        )) || app.due_fetches().iter().any(|e| matches!(
            e,
            Effect::FetchPart {
                key: DataKey::Tasks { service: Some(s), scope: TaskScope::Stopped, .. },
                ..
            } if s == "pdf"
        )),
        "{effects:?}"
    );
    land(
        &mut app,
        DataKey::Tasks {
            cluster: "prod".into(),
            service: Some("pdf".into()),
            scope: TaskScope::Stopped,
        },
        Payload::Tasks(Arc::new(vec![oom("pdf", 3), oom("pdf", 9)].into())),
    );
    let Some(Popup::Describe { pane, id, .. }) = app.popups.last().cloned() else {
        panic!("no describe popup");
    };
    let described = app.described(&pane, &id);
    let text: Vec<String> = described
        .outline
        .as_ref()
        .unwrap()
        .iter()
        .take(2)
        .map(|l| format!("{} {}", l.key, l.value))
        .collect();
    assert_eq!(
        text,
        [
            "Why tasks stopped (last hour) ",
            " ✗ 2 × OutOfMemoryError (container app), last 3 min ago"
        ]
    );
}

#[test]
fn the_clusters_pane_counts_what_needs_attention_once_known() {
    let mut app = app();
    let attention = |app: &App| -> Vec<String> {
        let (columns, _) = app.rows(app.view());
        let at = columns.iter().position(|c| c.title == "ATTENTION").unwrap();
        cells(app).iter().map(|c| c[at].clone()).collect()
    };
    assert_eq!(attention(&app), ["-", "-"]);
    seed(&mut app);
    assert_eq!(attention(&app), ["2", "0"]);
    // A read that failed is no count at all, not a wrong 0.
    app.update(Action::Loaded {
        key: DataKey::Tasks {
            cluster: "tools".into(),
            service: None,
            scope: TaskScope::Stopped,
        },
        result: Err(crate::domain::BackendError::new(
            crate::domain::ErrorKind::AccessDenied,
            "ListTasks",
            "not allowed",
        )),
        at: t0(),
    });
    assert_eq!(attention(&app), ["2", "?"]);
}
