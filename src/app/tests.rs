//! Unit tests of `update`: navigation, filtering, the Esc order, the command line,
//! refresh scheduling and coalescing.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::listing::Part;
use crate::domain::ErrorKind;
use crate::domain::budget::Priority;
use crate::domain::model::{Cluster, DeploymentConfig, Service};

pub(crate) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

pub(crate) fn cluster(name: &str) -> Cluster {
    Cluster {
        arn: format!("arn:aws:ecs:eu-west-1:123456789012:cluster/{name}"),
        name: name.into(),
        status: "ACTIVE".into(),
        active_services: 1,
        running_tasks: 2,
        pending_tasks: 0,
        registered_instances: 0,
        capacity_providers: vec![],
        default_strategy: vec![],
        container_insights: None,
        tags: Default::default(),
    }
}

pub(crate) fn service(cluster: &str, name: &str) -> Service {
    Service {
        arn: format!("arn:aws:ecs:eu-west-1:123456789012:service/{cluster}/{name}"),
        name: name.into(),
        cluster_arn: format!("arn:aws:ecs:eu-west-1:123456789012:cluster/{cluster}"),
        status: "ACTIVE".into(),
        desired: 2,
        running: 2,
        pending: 0,
        task_definition: format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/{name}:3"),
        launch_type: Some("FARGATE".into()),
        capacity_provider_strategy: vec![],
        scheduling_strategy: None,
        platform_version: None,
        created_at: Some(t0() - Duration::days(3)),
        created_by: None,
        role_arn: None,
        deployment_config: DeploymentConfig::default(),
        deployments: vec![],
        events: vec![],
        load_balancers: vec![],
        placement_strategy: vec![],
        placement_constraints: vec![],
        network: None,
        health_check_grace_period: None,
        enable_execute_command: false,
    }
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn chars(app: &mut App, s: &str) -> Vec<Effect> {
    s.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn app_with_clusters(names: &[&str]) -> App {
    let mut app = App::new(
        Identity::default(),
        vec![Pane::Clusters],
        t0(),
        Some(Duration::seconds(5)),
    );
    let effects = app.due_fetches();
    assert_eq!(effects, vec![Effect::Fetch(DataKey::Clusters)]);
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(
            names.iter().map(|n| cluster(n)).collect(),
        ))),
        at: t0(),
    });
    app
}

fn selected_name(app: &App) -> String {
    let (_, rows) = app.rows(app.view());
    rows[App::selected_index(app.view(), &rows)].cells[0]
        .text
        .clone()
}

#[test]
fn account_comes_from_the_first_arn() {
    let app = app_with_clusters(&["a"]);
    assert_eq!(app.identity.account.as_deref(), Some("123456789012"));
}

#[test]
fn moves_and_clamps() {
    let mut app = app_with_clusters(&["a", "b", "c"]);
    assert_eq!(selected_name(&app), "a");
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Down));
    assert_eq!(selected_name(&app), "c");
    app.update(key(KeyCode::Down));
    assert_eq!(selected_name(&app), "c", "stays on the last row");
    app.update(key(KeyCode::Char('g')));
    assert_eq!(selected_name(&app), "a");
    app.update(key(KeyCode::Char('G')));
    assert_eq!(selected_name(&app), "c");
    app.update(key(KeyCode::PageUp));
    assert_eq!(selected_name(&app), "a");
}

#[test]
fn selection_follows_the_row_across_refreshes() {
    let mut app = app_with_clusters(&["b", "c"]);
    app.update(key(KeyCode::Down));
    assert_eq!(selected_name(&app), "c");
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![
            cluster("a"),
            cluster("b"),
            cluster("c"),
        ]))),
        at: t0(),
    });
    assert_eq!(selected_name(&app), "c");
}

#[test]
fn enter_drills_down_and_esc_goes_back() {
    let mut app = app_with_clusters(&["prod", "staging"]);
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Services {
            cluster: "staging".into()
        }
    );
    assert_eq!(
        effects,
        vec![Effect::FetchPart {
            key: DataKey::Services {
                cluster: "staging".into()
            },
            part: Part::List { token: None },
            priority: Priority::Load,
        }],
        "the new pane's list is asked for at once, at the full rate"
    );
    app.update(Action::Loaded {
        key: DataKey::Services {
            cluster: "staging".into(),
        },
        result: Ok(Payload::Services(Arc::new(
            vec![service("staging", "web")].into(),
        ))),
        at: t0(),
    });
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Tasks {
            cluster: "staging".into(),
            service: Some("web".into()),
            instance: None,
        }
    );
    assert_eq!(effects.len(), 2, "running and stopped tasks: {effects:?}");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.view().pane, Pane::Clusters);
    assert_eq!(selected_name(&app), "staging", "back where the user left");
    app.update(key(KeyCode::Esc));
    assert_eq!(app.stack.len(), 1, "Esc at the root stays");
    assert!(!app.quit);
}

#[test]
fn filter_narrows_as_you_type_and_enter_keeps_it() {
    let mut app = app_with_clusters(&["prod-core", "prod-edge", "staging"]);
    app.update(key(KeyCode::Char('/')));
    chars(&mut app, "EDG");
    let (_, rows) = app.rows(app.view());
    assert_eq!(rows.len(), 1, "case-insensitive substring");
    app.update(key(KeyCode::Enter));
    assert!(app.input.is_none());
    assert_eq!(app.view().filter, "edg");
    assert_eq!(selected_name(&app), "prod-edge");
    // Keys go to the table again: `j` moves instead of typing.
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.view().filter, "edg");
}

#[test]
fn esc_closes_popup_then_clears_filter_then_goes_back() {
    let mut app = app_with_clusters(&["prod", "staging"]);
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('/')));
    chars(&mut app, "x");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('?')));
    assert_eq!(app.popups, vec![Popup::Help]);
    app.update(key(KeyCode::Esc));
    assert!(app.popups.is_empty());
    assert_eq!(app.view().filter, "x");
    app.update(key(KeyCode::Esc));
    assert_eq!(app.view().filter, "");
    assert!(matches!(app.view().pane, Pane::Services { .. }));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.view().pane, Pane::Clusters);
}

#[test]
fn esc_while_typing_a_filter_clears_it() {
    let mut app = app_with_clusters(&["prod", "staging"]);
    app.update(key(KeyCode::Char('/')));
    chars(&mut app, "stag");
    assert_eq!(app.rows(app.view()).1.len(), 1);
    app.update(key(KeyCode::Esc));
    assert!(app.input.is_none());
    assert_eq!(app.rows(app.view()).1.len(), 2);
}

#[test]
fn command_line_uses_the_selected_cluster_and_completes() {
    let mut app = app_with_clusters(&["prod-core", "staging"]);
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "ta");
    app.update(key(KeyCode::Tab));
    // :tasks and :taskdefs share "task": Tab goes as far as they agree.
    assert_eq!(app.input.as_ref().unwrap().text(), "task");
    chars(&mut app, "s");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.input.as_ref().unwrap().text(), "tasks ");
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Tasks {
            cluster: "staging".into(),
            service: None,
            instance: None,
        }
    );
    assert_eq!(app.stack.len(), 2, "clusters one Esc away");
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "instances prod-core");
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Instances {
            cluster: "prod-core".into()
        }
    );
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "bogus");
    app.update(key(KeyCode::Enter));
    let status = app.status.as_ref().unwrap();
    assert!(status.error && status.text.contains("unknown command"));
    assert!(
        matches!(app.view().pane, Pane::Instances { .. }),
        "nothing changed"
    );
}

#[test]
fn sort_by_column_and_reverse() {
    let mut app = app_with_clusters(&["b", "a", "c"]);
    app.update(key(KeyCode::Char('1')));
    let names: Vec<_> = app
        .rows(app.view())
        .1
        .iter()
        .map(|r| r.cells[0].text.clone())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    app.update(key(KeyCode::Char('1')));
    let names: Vec<_> = app
        .rows(app.view())
        .1
        .iter()
        .map(|r| r.cells[0].text.clone())
        .collect();
    assert_eq!(names, ["c", "b", "a"]);
    // The ninth column of clusters is CPU.
    app.update(key(KeyCode::Char('9')));
    assert!(app.status.as_ref().is_none_or(|s| !s.error));
    chars(&mut app, ":pulse");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.view().pane, Pane::Pulse);
    app.update(key(KeyCode::Char('9')));
    assert!(app.status.as_ref().unwrap().error, "no 9th column on pulse");
}

#[test]
fn refresh_is_scheduled_coalesced_and_can_be_off() {
    let mut app = app_with_clusters(&["a"]);
    assert!(
        app.update(Action::Tick(t0() + Duration::seconds(4)))
            .is_empty()
    );
    let due = app.update(Action::Tick(t0() + Duration::seconds(5)));
    assert_eq!(due, vec![Effect::Fetch(DataKey::Clusters)]);
    // In flight: neither the schedule nor `r` starts a second one...
    assert!(
        app.update(Action::Tick(t0() + Duration::seconds(30)))
            .is_empty()
    );
    assert!(app.update(key(KeyCode::Char('r'))).is_empty());
    // ...but `r` is remembered and runs when the first one lands.
    let again = app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![cluster("a")]))),
        at: t0() + Duration::seconds(31),
    });
    assert_eq!(again, vec![Effect::Fetch(DataKey::Clusters)]);

    let mut off = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    assert_eq!(
        off.due_fetches().len(),
        1,
        "first load even with refresh off"
    );
    off.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![]))),
        at: t0(),
    });
    assert!(
        off.update(Action::Tick(t0() + Duration::hours(1)))
            .is_empty()
    );
    assert_eq!(
        off.update(key(KeyCode::Char('r'))).len(),
        1,
        "r still works"
    );
}

#[test]
fn errors_keep_data_and_enter_the_history() {
    let mut app = app_with_clusters(&["a"]);
    app.update(Action::Tick(t0() + Duration::seconds(5)));
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Err(BackendError::new(
            ErrorKind::AccessDenied,
            "DescribeClusters",
            "User is not authorized",
        )),
        at: t0() + Duration::seconds(6),
    });
    assert_eq!(app.rows(app.view()).1.len(), 1, "old data still shown");
    assert!(app.visible_slots()[0].unwrap().is_stale());
    assert_eq!(app.errors.len(), 1);
    app.update(key(KeyCode::Char('E')));
    assert_eq!(app.popups, vec![Popup::Errors { scroll: 0 }]);
}

#[test]
fn describe_opens_on_the_selected_row_and_fetches_its_task_definition() {
    let mut app = app_with_clusters(&["prod"]);
    app.update(key(KeyCode::Enter));
    app.update(Action::Loaded {
        key: DataKey::Services {
            cluster: "prod".into(),
        },
        result: Ok(Payload::Services(Arc::new(
            vec![service("prod", "web")].into(),
        ))),
        at: t0(),
    });
    let effects = app.update(key(KeyCode::Char('d')));
    assert!(matches!(&app.popups[0], Popup::Describe { id, .. } if id.ends_with("/prod/web")));
    assert!(effects.contains(&Effect::Fetch(DataKey::TaskDefinition {
        arn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3".into()
    })));
    // q closes the popup rather than quitting.
    app.update(key(KeyCode::Char('q')));
    assert!(app.popups.is_empty());
    assert!(!app.quit);
    app.update(key(KeyCode::Char('q')));
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_even_while_typing() {
    let mut app = app_with_clusters(&["a"]);
    app.update(key(KeyCode::Char('/')));
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

#[test]
fn the_account_learned_at_start_shows_before_any_pane_loads() {
    let mut app = App::new(
        Identity::default(),
        vec![Pane::Clusters],
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        None,
    );
    assert_eq!(app.identity.account, None);
    app.update(Action::Account("123456789012".into()));
    assert_eq!(app.identity.account.as_deref(), Some("123456789012"));
    assert!(app.dirty);
}

/// `/` starts fresh as in k9s: the kept filter is selected, so typing replaces it
/// instead of appending ("/checkout" then "/shipping" is "shipping", not
/// "checkoutshipping").
#[test]
fn slash_replaces_the_kept_filter_when_typing() {
    let mut app = App::new(
        Identity::default(),
        vec![Pane::Clusters],
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        None,
    );
    let press = |app: &mut App, c: KeyCode| {
        app.update(Action::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    };
    press(&mut app, KeyCode::Char('/'));
    for c in "checkout".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.view().filter, "checkout");
    press(&mut app, KeyCode::Char('/'));
    for c in "shipping".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert_eq!(app.view().filter, "shipping");
    // ← keeps the old text for editing instead.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    for c in "web".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('/'));
    press(&mut app, KeyCode::End);
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.view().filter, "webs");
}

/// The error history names what failed ("services of cluster staging") and counts a
/// repeated error instead of listing it once per refresh.
#[test]
fn error_history_names_the_target_and_counts_repeats() {
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut app = App::new(
        Identity::default(),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "staging".into(),
            },
        ],
        t,
        None,
    );
    let missing = crate::domain::BackendError::new(
        ErrorKind::NotFound,
        "ListServices",
        "ClusterNotFoundException: Cluster not found.",
    );
    let key = DataKey::Services {
        cluster: "staging".into(),
    };
    for i in 0..3 {
        app.update(Action::Loaded {
            key: key.clone(),
            result: Err(missing.clone()),
            at: t + Duration::seconds(5 * i),
        });
    }
    assert_eq!(app.errors.len(), 1, "{:?}", app.errors);
    let r = &app.errors[0];
    assert_eq!(r.count, 3);
    assert_eq!(r.target, "services of cluster staging");
    assert_eq!(r.at, t + Duration::seconds(10));
}

/// Enter on a container instance lists the tasks placed on it (as k9s lists a node's
/// pods), each naming its service.
#[test]
fn enter_on_an_instance_lists_its_tasks_with_their_service() {
    use crate::domain::model::{ContainerInstance, Task, TaskScope};
    let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut app = App::new(
        Identity::default(),
        vec![
            Pane::Clusters,
            Pane::Instances {
                cluster: "prod".into(),
            },
        ],
        t,
        None,
    );
    let instance = |arn: &str| ContainerInstance {
        arn: arn.into(),
        ec2_instance_id: format!("i-{arn}"),
        status: "ACTIVE".into(),
        status_reason: None,
        agent_connected: true,
        agent_version: None,
        docker_version: None,
        cpu_registered: 0,
        cpu_remaining: 0,
        memory_registered: 0,
        memory_remaining: 0,
        running_tasks: 1,
        pending_tasks: 0,
        capacity_provider: None,
        instance_type: None,
        availability_zone: None,
        registered_at: None,
    };
    app.update(Action::Loaded {
        key: DataKey::Instances {
            cluster: "prod".into(),
        },
        result: Ok(Payload::Instances(Arc::new(
            vec![instance("ci-a"), instance("ci-b")].into(),
        ))),
        at: t,
    });
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Tasks {
            cluster: "prod".into(),
            service: None,
            instance: Some("ci-a".into()),
        }
    );
    let task = |id: &str, on: &str, group: &str| Task {
        arn: format!("arn:task/{id}"),
        id: id.into(),
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        container_instance_arn: Some(on.into()),
        group: Some(group.into()),
        ..Task::default()
    };
    app.update(Action::Loaded {
        key: DataKey::Tasks {
            cluster: "prod".into(),
            service: None,
            scope: TaskScope::Running,
        },
        result: Ok(Payload::Tasks(Arc::new(
            vec![
                task("t1", "ci-a", "service:web"),
                task("t2", "ci-b", "service:api"),
                task("t3", "ci-a", "family:batch"),
            ]
            .into(),
        ))),
        at: t,
    });
    let (columns, rows) = app.rows(app.view());
    assert_eq!(columns[1].title, "SERVICE");
    let shown: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.cells[0].text.clone(), r.cells[1].text.clone()))
        .collect();
    assert_eq!(
        shown,
        [
            ("t1".to_string(), "web".to_string()),
            ("t3".to_string(), "family:batch".to_string())
        ]
    ); // The header names the instance as the instances pane does: by its EC2 id.
    assert_eq!(app.crumbs(), ["prod", "i-ci-a", "tasks"]);
}

/// `:services staging` then Esc lands on the clusters pane with staging selected, not
/// where the selection was before.
#[test]
fn esc_after_a_command_line_jump_selects_the_cluster_jumped_to() {
    let mut app = app_with_clusters(&["prod-core", "staging"]);
    app.update(key(KeyCode::Char(':')));
    chars(&mut app, "services staging");
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Services {
            cluster: "staging".into()
        }
    );
    app.update(key(KeyCode::Esc));
    assert_eq!(app.view().pane, Pane::Clusters);
    assert_eq!(app.selected_cluster().as_deref(), Some("staging"));
}

#[test]
fn find_reads_every_clusters_names_and_opens_the_services_tasks() {
    let mut app = app_with_clusters(&["prod", "staging"]);
    chars(&mut app, ":find web");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(app.view().pane, Pane::Find);
    assert_eq!(app.view().filter, "web");
    let mut lists = Vec::new();
    for e in &effects {
        match e {
            Effect::FetchPart {
                key,
                part: Part::List { token: None },
                ..
            } => lists.push(key.clone()),
            Effect::FetchPart { part, .. } => panic!("names only, not {part:?}"),
            _ => {}
        }
    }
    assert_eq!(lists.len(), 2, "{effects:?}");
    let arn = |c: &str, s: &str| format!("arn:aws:ecs:us-east-1:123456789012:service/{c}/{s}");
    let describes = |effects: Vec<Effect>| -> Vec<String> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::FetchPart {
                    part: Part::Describe { arns },
                    ..
                } => Some(arns),
                Effect::FetchPart { part, .. } => panic!("the lists are read: {part:?}"),
                _ => None,
            })
            .flatten()
            .collect()
    };
    let mut described = Vec::new();
    for (cluster, names) in [
        ("prod", vec!["web", "api"]),
        ("staging", vec!["web-canary"]),
    ] {
        let effects = app.update(Action::PartLoaded {
            key: DataKey::Services {
                cluster: cluster.into(),
            },
            part: Part::List { token: None },
            result: Ok(data::PartPayload::Page {
                arns: names.iter().map(|n| arn(cluster, n)).collect(),
                next: None,
            }),
            at: t0(),
        });
        described.extend(describes(effects));
    }
    // After a frame has drawn the rows, those on screen are described, and only they
    // (`api` is filtered out).
    let _frame = app.rows(app.view());
    described.extend(describes(app.due_fetches()));
    described.sort();
    assert_eq!(
        described,
        [arn("prod", "web"), arn("staging", "web-canary")]
    );
    let (_, rows) = app.rows(app.view());
    let found: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r.cells[0].text.clone(), r.cells[1].text.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("web".to_string(), "prod".to_string()),
            ("web-canary".to_string(), "staging".to_string())
        ]
    );
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Tasks {
            cluster: "staging".into(),
            service: Some("web-canary".into()),
            instance: None,
        }
    );
}

/// New details for one task rebuild that task's row only: the other rows are the ones
/// already drawn, and the list changes in place rather than being copied for a view.
#[test]
fn details_landing_rebuild_only_the_rows_that_changed() {
    use crate::domain::model::{Task, TaskScope};
    let pane = Pane::Tasks {
        cluster: "prod".into(),
        service: Some("web".into()),
        instance: None,
    };
    let mut app = App::new(Identity::default(), vec![Pane::Clusters, pane], t0(), None);
    let task = |id: &str, health: &str| Task {
        arn: format!("arn:aws:ecs:us-east-1:123456789012:task/prod/{id}"),
        id: id.into(),
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        health: Some(health.into()),
        ..Task::default()
    };
    let key = DataKey::Tasks {
        cluster: "prod".into(),
        service: Some("web".into()),
        scope: TaskScope::Running,
    };
    app.update(Action::Loaded {
        key: key.clone(),
        result: Ok(Payload::Tasks(Arc::new(
            vec![
                task("a1", "UNKNOWN"),
                task("b2", "UNKNOWN"),
                task("c3", "UNKNOWN"),
            ]
            .into(),
        ))),
        at: t0(),
    });
    let listing = |app: &App| {
        Arc::as_ptr(
            app.store
                .tasks("prod", Some("web"), TaskScope::Running)
                .expect("tasks"),
        )
    };
    let describe = |app: &mut App, t: &Task, seconds: i64| {
        app.update(Action::PartLoaded {
            key: key.clone(),
            part: Part::Describe {
                arns: vec![t.arn.clone()],
            },
            result: Ok(data::PartPayload::Tasks(vec![t.clone()])),
            at: t0() + Duration::seconds(seconds),
        })
    };
    describe(&mut app, &task("a1", "UNKNOWN"), 1);
    let (_, before) = app.rows(app.view());
    let list_before = listing(&app);
    let b2 = task("b2", "HEALTHY");
    describe(&mut app, &b2, 5);
    assert_eq!(listing(&app), list_before, "the list was copied");
    let (_, after) = app.rows(app.view());
    let row = |rows: &shown::Rows, arn: &str| {
        rows.iter()
            .find(|r| r.id == arn)
            .cloned()
            .expect("row present")
    };
    for id in ["a1", "c3"] {
        let arn = task(id, "").arn;
        assert!(
            Rc::ptr_eq(&row(&before, &arn), &row(&after, &arn)),
            "{id} rebuilt"
        );
    }
    let changed = row(&after, &b2.arn);
    assert!(!Rc::ptr_eq(&row(&before, &b2.arn), &changed));
    assert!(
        changed.cells.iter().any(|c| c.text == "HEALTHY"),
        "{changed:?}"
    );
}
