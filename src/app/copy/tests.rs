//! `y` and `Y` on the table panes and `y` in popups: what goes to the clipboard (the
//! `Effect::Copy` the runtime writes as OSC 52) and what the status line says.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::{PREVIEW_COLUMNS, preview};
use crate::app::data::{DataKey, Payload};
use crate::app::keymap::{Command, Keymap, PLACES, Scope};
use crate::app::pane::Pane;
use crate::app::tests::{cluster, service};
use crate::app::{Action, App, Effect, Popup};
use crate::domain::Identity;
use crate::domain::model::{ContainerInstance, Task, TaskScope};
use crate::ops::model::{Family, PolicyKind, Scaling, ScalingPolicy, TaskDefDoc};

const TASK_ID: &str = "0123abcdef0123456789abcdef012345";
const TASK_ARN: &str =
    "arn:aws:ecs:eu-west-1:123456789012:task/prod/0123abcdef0123456789abcdef012345";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
}

fn press(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn land(app: &mut App, key: DataKey, payload: Payload) {
    app.update(Action::Loaded {
        key,
        result: Ok(payload),
        at: t0(),
    });
}

fn on(pane: Pane) -> App {
    let mut app = App::new(Identity::default(), vec![pane], t0(), None);
    app.due_fetches();
    app
}

fn status(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// The one text `effects` puts on the clipboard (a key may also start fetches).
fn copied(effects: &[Effect]) -> String {
    let copies: Vec<&String> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Copy(text) => Some(text),
            _ => None,
        })
        .collect();
    match copies.as_slice() {
        [text] => (*text).clone(),
        _ => panic!("expected one copy, got {effects:?}"),
    }
}

fn copies_nothing(effects: &[Effect]) -> bool {
    !effects.iter().any(|e| matches!(e, Effect::Copy(_)))
}

fn on_tasks() -> App {
    let mut app = on(Pane::Tasks {
        cluster: "prod".into(),
        service: Some("api".into()),
        instance: None,
    });
    let task = Task {
        arn: TASK_ARN.into(),
        id: TASK_ID.into(),
        last_status: "RUNNING".into(),
        desired_status: "RUNNING".into(),
        group: Some("service:api".into()),
        ..Task::default()
    };
    land(
        &mut app,
        DataKey::Tasks {
            cluster: "prod".into(),
            service: Some("api".into()),
            scope: TaskScope::Running,
        },
        Payload::Tasks(Arc::new(vec![task].into())),
    );
    app
}

fn on_services(names: &[&str]) -> App {
    let mut app = on(Pane::Services {
        cluster: "prod".into(),
    });
    let services = names.iter().map(|n| service("prod", n)).collect::<Vec<_>>();
    land(
        &mut app,
        DataKey::Services {
            cluster: "prod".into(),
        },
        Payload::Services(Arc::new(services.into())),
    );
    app
}

#[test]
fn y_on_a_task_copies_its_id_and_the_status_line_says_so() {
    let mut app = on_tasks();
    let effects = press(&mut app, 'y');
    assert_eq!(copied(&effects), TASK_ID);
    assert_eq!(
        status(&app),
        format!("copied task id {TASK_ID} (32 characters)")
    );
    assert!(!app.status.as_ref().unwrap().error);
}

#[test]
fn shift_y_on_a_task_copies_its_arn_cut_to_fit_on_the_status_line() {
    let mut app = on_tasks();
    let effects = press(&mut app, 'Y');
    assert_eq!(copied(&effects), TASK_ARN);
    let said = status(&app);
    let n = TASK_ARN.chars().count();
    assert!(
        said.starts_with("copied task ARN arn:aws:ecs:eu-"),
        "{said}"
    );
    assert!(said.contains('…'), "{said}");
    assert!(
        said.ends_with(&format!("6789abcdef012345 ({n} characters)")),
        "{said}"
    );
    assert!(said.chars().count() <= 80, "{said}");
}

#[test]
fn y_on_a_service_copies_its_name_and_shift_y_its_arn() {
    let mut app = on_services(&["api"]);
    assert_eq!(copied(&press(&mut app, 'y')), "api");
    assert_eq!(status(&app), "copied service name api (3 characters)");
    assert_eq!(
        copied(&press(&mut app, 'Y')),
        "arn:aws:ecs:eu-west-1:123456789012:service/prod/api"
    );
    assert!(status(&app).starts_with("copied service ARN "));
}

#[test]
fn y_on_a_cluster_copies_its_name() {
    let mut app = on(Pane::Clusters);
    land(
        &mut app,
        DataKey::Clusters,
        Payload::Clusters(Arc::new(vec![cluster("prod-core")])),
    );
    assert_eq!(copied(&press(&mut app, 'y')), "prod-core");
    assert_eq!(
        copied(&press(&mut app, 'Y')),
        "arn:aws:ecs:eu-west-1:123456789012:cluster/prod-core"
    );
}

#[test]
fn an_empty_pane_copies_nothing_and_says_so() {
    let mut app = on_services(&[]);
    for c in ['y', 'Y'] {
        app.status = None;
        let effects = press(&mut app, c);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Copy(_))),
            "{effects:?}"
        );
        assert_eq!(status(&app), "nothing copied: no row is selected");
    }
}

#[test]
fn a_row_without_an_arn_copies_nothing_on_shift_y_and_says_so() {
    let mut app = on(Pane::Families);
    land(
        &mut app,
        DataKey::Families,
        Payload::Families(Arc::new(vec![Family {
            name: "api".into(),
            revisions: vec![],
        }])),
    );
    let effects = press(&mut app, 'Y');
    assert!(!effects.iter().any(|e| matches!(e, Effect::Copy(_))));
    assert!(status(&app).contains("has no ARN"), "{}", status(&app));
    assert_eq!(copied(&press(&mut app, 'y')), "api");
    assert_eq!(
        status(&app),
        "copied task definition family api (3 characters)"
    );
}

#[test]
fn hostile_text_in_a_name_never_reaches_the_terminal_raw() {
    let evil = "api\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}[2J\u{9b}31m\u{202e}x";
    let mut app = on_services(&[evil]);
    let text = copied(&press(&mut app, 'y'));
    let said = status(&app);
    for s in [&text, &said] {
        assert!(
            !s.chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{s:?}"
        );
    }
    assert!(text.starts_with("api"), "{text:?}");
    assert!(said.starts_with("copied service name api"), "{said:?}");
}

#[test]
fn a_very_long_name_is_copied_whole_and_shown_cut() {
    let long = format!("svc-{}", "x".repeat(200));
    let mut app = on_services(&[&long]);
    assert_eq!(copied(&press(&mut app, 'y')), long);
    let said = status(&app);
    assert!(said.contains('…'), "{said}");
    assert!(said.ends_with("(204 characters)"), "{said}");
    assert!(said.chars().count() <= 80, "{said}");
}

fn instance(arn: &str, ec2: &str) -> ContainerInstance {
    ContainerInstance {
        arn: arn.into(),
        ec2_instance_id: ec2.into(),
        status: "ACTIVE".into(),
        status_reason: None,
        agent_connected: true,
        agent_version: None,
        docker_version: None,
        cpu_registered: 0,
        cpu_remaining: 0,
        memory_registered: 0,
        memory_remaining: 0,
        running_tasks: 0,
        pending_tasks: 0,
        capacity_provider: None,
        instance_type: None,
        availability_zone: None,
        registered_at: None,
    }
}

#[test]
fn y_on_an_instance_copies_its_ec2_id_else_its_container_instance_id() {
    let a = "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/aaaa1111";
    let b = "arn:aws:ecs:eu-west-1:123456789012:container-instance/prod/bbbb2222";
    let mut app = on(Pane::Instances {
        cluster: "prod".into(),
    });
    land(
        &mut app,
        DataKey::Instances {
            cluster: "prod".into(),
        },
        Payload::Instances(Arc::new(
            vec![instance(a, "i-0abc123"), instance(b, "")].into(),
        )),
    );
    app.stack.last_mut().unwrap().selected_id = Some(a.into());
    assert_eq!(copied(&press(&mut app, 'y')), "i-0abc123");
    assert!(status(&app).starts_with("copied EC2 instance id i-0abc123"));
    assert_eq!(copied(&press(&mut app, 'Y')), a);
    assert!(status(&app).starts_with("copied container instance ARN "));
    app.stack.last_mut().unwrap().selected_id = Some(b.into());
    assert_eq!(copied(&press(&mut app, 'y')), "bbbb2222");
    assert!(status(&app).starts_with("copied container instance id bbbb2222"));
}

#[test]
fn on_the_scaling_pane_a_policy_gives_its_name_and_its_arn() {
    let mut scaling = Scaling::default();
    scaling.policies.push(ScalingPolicy {
        name: "cpu60".into(),
        arn: Some("arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:x:resource/ecs/service/prod/api:policyName/cpu60".into()),
        kind: PolicyKind::TargetTracking(crate::ops::model::TargetTracking {
            metric: crate::ops::model::TrackedMetric::Cpu,
            target_value: 60.0,
            scale_in_cooldown: None,
            scale_out_cooldown: None,
            disable_scale_in: false,
        }),
    });
    let mut app = on(Pane::Scaling {
        cluster: "prod".into(),
        service: "api".into(),
    });
    land(
        &mut app,
        DataKey::Scaling {
            cluster: "prod".into(),
            service: "api".into(),
        },
        Payload::Scaling(Arc::new(scaling)),
    );
    app.stack.last_mut().unwrap().selected_id = Some("policy:cpu60".into());
    assert_eq!(copied(&press(&mut app, 'y')), "cpu60");
    assert!(copied(&press(&mut app, 'Y')).ends_with("policyName/cpu60"));
    app.stack.last_mut().unwrap().selected_id = Some("target".into());
    assert_eq!(copied(&press(&mut app, 'y')), "service/prod/api");
    assert!(
        !press(&mut app, 'Y')
            .iter()
            .any(|e| matches!(e, Effect::Copy(_)))
    );
    assert!(status(&app).contains("no ARN"), "{}", status(&app));
}

#[test]
fn y_in_the_describe_popup_copies_what_it_shows() {
    let mut app = on_tasks();
    press(&mut app, 'd');
    assert!(matches!(app.popups.last(), Some(Popup::Describe { .. })));
    let text = copied(&press(&mut app, 'y'));
    assert!(text.contains(TASK_ARN), "{text}");
    assert!(text.lines().count() > 3, "{text}");
    assert!(status(&app).starts_with("copied task "), "{}", status(&app));
    assert!(app.popups.last().is_some(), "the popup stays open");
}

#[test]
fn y_in_the_task_definition_json_popup_copies_the_json() {
    let arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:3";
    let mut app = on(Pane::Revisions {
        family: "api".into(),
    });
    land(
        &mut app,
        DataKey::Family { name: "api".into() },
        Payload::Family(Arc::new(Family {
            name: "api".into(),
            revisions: vec![arn.into()],
        })),
    );
    assert_eq!(copied(&press(&mut app, 'y')), "api:3");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    assert!(matches!(app.popups.last(), Some(Popup::Revision { .. })));
    // Not loaded yet: nothing to copy, and it says so.
    assert!(copies_nothing(&press(&mut app, 'y')));
    assert!(status(&app).contains("not loaded"), "{}", status(&app));
    land(
        &mut app,
        DataKey::TaskDefDoc { arn: arn.into() },
        Payload::TaskDefDoc(Arc::new(TaskDefDoc {
            arn: arn.into(),
            family: "api".into(),
            revision: 3,
            json: json!({"family": "api", "containerDefinitions": [{"image": "nginx:1.27"}]}),
        })),
    );
    let text = copied(&press(&mut app, 'y'));
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["containerDefinitions"][0]["image"], "nginx:1.27");
    assert!(
        status(&app).starts_with("copied api:3 as JSON"),
        "{}",
        status(&app)
    );
}

#[test]
fn y_in_a_json_text_popup_copies_the_text_without_escape_sequences() {
    let mut app = on_services(&["api"]);
    app.popups.push(Popup::Text {
        title: "scaling policy \u{1b}[2Jcpu".into(),
        body: "{\n  \"a\": \"\u{1b}]0;pwned\u{7}b\"\n}".into(),
        scroll: 0,
    });
    let text = copied(&press(&mut app, 'y'));
    assert_eq!(text, "{\n  \"a\": \"b\"\n}");
    assert!(!status(&app).contains('\u{1b}'), "{:?}", status(&app));
    assert_eq!(
        status(&app),
        "copied scaling policy cpu (3 lines, 14 characters)"
    );
}

#[test]
fn y_in_help_copies_nothing_and_says_so() {
    let mut app = on_services(&["api"]);
    app.popups.push(Popup::Help);
    assert!(copies_nothing(&press(&mut app, 'y')));
    assert!(
        status(&app).starts_with("nothing copied"),
        "{}",
        status(&app)
    );
}

#[test]
fn y_and_shift_y_copy_on_every_table_pane_and_clash_with_nothing() {
    let keymap = Keymap::default();
    let y = KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE);
    let shift_y = KeyEvent::new(KeyCode::Char('Y'), KeyModifiers::SHIFT);
    let tables: Vec<_> = PLACES
        .iter()
        .filter(|p| p.contains(&Scope::Table))
        .collect();
    assert!(tables.len() >= 6, "{tables:?}");
    for place in tables {
        assert_eq!(keymap.lookup(&y, place), Some(Command::CopyId), "{place:?}");
        assert_eq!(
            keymap.lookup(&shift_y, place),
            Some(Command::CopyArn),
            "{place:?}"
        );
    }
    assert_eq!(Pane::Find.scopes().last(), Some(&Scope::Table));
}

#[test]
fn preview_keeps_short_text_and_cuts_long_text_in_the_middle() {
    assert_eq!(preview("api", PREVIEW_COLUMNS), "api");
    assert_eq!(preview(TASK_ID, PREVIEW_COLUMNS), TASK_ID);
    let cut = preview(TASK_ARN, 20);
    assert_eq!(cut, "arn:aws:e…cdef012345");
    assert_eq!(cut.chars().count(), 20);
    // Wide characters count two columns.
    let wide = preview(&"漢".repeat(30), 10);
    assert!(
        unicode_width::UnicodeWidthStr::width(wide.as_str()) <= 10,
        "{wide}"
    );
}
