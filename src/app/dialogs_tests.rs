//! Operations from the keyboard: dialogs, confirmations, what is sent, what is shown after.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::dialogs::{Dialog, RANGE_TOO};
use super::form::After;
use super::tests::service;
use super::*;
use crate::domain::ErrorKind;
use crate::domain::model::Deployment;
use crate::ops::model::{Family, ScalableTarget, Scaling, TaskDefDoc};

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 3, 0, 0).unwrap()
}

fn who() -> Identity {
    Identity {
        profile: "prod-admin".into(),
        region: "eu-west-1".into(),
        account: Some("123456789012".into()),
        endpoint: None,
        regions: Vec::new(),
    }
}

pub(super) fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn land(app: &mut App, key: DataKey, payload: Payload) {
    app.update(Action::Loaded {
        key,
        result: Ok(payload),
        at: t0(),
    });
}

/// The services pane of cluster `prod` with one service `api` (desired 2), loaded.
pub(super) fn on_services() -> App {
    let mut app = App::new(
        who(),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod".into(),
            },
        ],
        t0(),
        None,
    );
    app.due_fetches();
    land(
        &mut app,
        DataKey::Services {
            cluster: "prod".into(),
        },
        Payload::Services(Arc::new(vec![service("prod", "api")].into())),
    );
    app
}

pub(super) fn top_dialog(app: &App) -> Option<&Dialog> {
    match app.popups.last() {
        Some(Popup::Dialog(d)) => Some(d),
        _ => None,
    }
}

fn confirm_of(app: &App) -> &super::form::Confirm {
    match top_dialog(app) {
        Some(Dialog::Confirm(c)) => c,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn mutate_plan(effects: &[Effect]) -> (u64, Vec<Mutation>) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Mutate { id, plan, .. } => Some((*id, plan.clone())),
            _ => None,
        })
        .expect("a Mutate effect")
}

#[test]
fn scale_replaces_the_selected_count_confirms_old_to_new_and_sends_one_update() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    assert!(matches!(top_dialog(&app), Some(Dialog::Form(_))));
    typed(&mut app, "5");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Mutate { .. })),
        "nothing sent before y"
    );
    let c = confirm_of(&app);
    assert_eq!(c.changes, vec!["desired count: 2 → 5".to_string()]);
    assert!(c.context[0].contains("profile prod-admin"));
    assert!(c.context[0].contains("region eu-west-1"));
    assert!(c.context.iter().any(|l| l == "service api in cluster prod"));
    let effects = key(&mut app, KeyCode::Char('y'));
    let (id, plan) = mutate_plan(&effects);
    assert_eq!(
        plan,
        vec![Mutation::Scale {
            cluster: "prod".into(),
            service: "api".into(),
            from: 2,
            to: 5
        }]
    );
    assert!(app.popups.is_empty());
    // AWS answers with the service as it now is: the row shows it at once.
    let mut after = service("prod", "api");
    after.desired = 5;
    let effects = app.update(Action::Mutated {
        id,
        results: vec![Ok(Outcome::Service(Box::new(after)))],
    });
    assert_eq!(
        app.store
            .services("prod")
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .desired,
        5
    );
    assert!(effects.contains(&Effect::Fetch(DataKey::Services {
        cluster: "prod".into()
    })));
    assert_eq!(
        app.undo
            .get(&("prod".into(), "api".into()))
            .map(|u| u.desired),
        Some(2)
    );
    // u undoes: back to 2, with the same confirmation.
    key(&mut app, KeyCode::Char('u'));
    assert_eq!(
        confirm_of(&app).changes,
        vec!["desired count: 5 → 2".to_string()]
    );
    let (_, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    assert!(matches!(plan[0], Mutation::Scale { from: 5, to: 2, .. }));
}

#[test]
fn a_count_that_is_not_a_whole_number_is_refused_in_the_dialog_and_kept() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "1O");
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.is_empty());
    let Some(Dialog::Form(form)) = top_dialog(&app) else {
        panic!("the form stays open");
    };
    assert_eq!(form.value("desired count"), "1O");
    assert!(
        form.error
            .as_deref()
            .unwrap()
            .contains("not a whole number")
    );
    typed(&mut app, "-");
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty(), "Esc cancels");
}

#[test]
fn n_cancels_the_confirmation_and_nothing_is_sent() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "3");
    key(&mut app, KeyCode::Enter);
    let effects = key(&mut app, KeyCode::Char('n'));
    assert!(effects.is_empty());
    assert!(app.popups.is_empty());
    assert!(app.pending_ops.is_empty());
}

#[test]
fn a_count_outside_the_auto_scaling_range_warns_and_can_move_the_range_in_the_same_step() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    let target = ScalableTarget {
        min: 1,
        max: 4,
        suspended: Default::default(),
    };
    land(
        &mut app,
        DataKey::Scaling {
            cluster: "prod".into(),
            service: "api".into(),
        },
        Payload::Scaling(Arc::new(Scaling {
            target: Some(target),
            ..Scaling::default()
        })),
    );
    typed(&mut app, "9");
    let Some(Dialog::Form(form)) = top_dialog(&app) else {
        panic!()
    };
    assert!(
        form.warning
            .as_deref()
            .unwrap()
            .contains("outside auto scaling's range 1–4")
    );
    assert!(form.fields.iter().any(|f| f.label == RANGE_TOO));
    // Tab to the option, Space turns it on: the warning goes, the new range is said.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char(' '));
    let Some(Dialog::Form(form)) = top_dialog(&app) else {
        panic!()
    };
    assert_eq!(form.warning, None, "ticked, yet still warned");
    assert!(
        form.info.iter().any(|i| i == "the range becomes 1–9"),
        "{:?}",
        form.info
    );
    key(&mut app, KeyCode::Enter);
    let c = confirm_of(&app);
    assert!(c.changes.contains(&"max: 4 → 9".to_string()));
    let (_, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    assert_eq!(plan.len(), 2);
    assert!(
        matches!(&plan[0], Mutation::PutScalableTarget { after, .. } if after.max == 9 && after.min == 1)
    );
    assert!(matches!(&plan[1], Mutation::Scale { to: 9, .. }));
}

#[test]
fn read_only_opens_no_dialog_and_each_refusal_is_audited() {
    let mut app = on_services();
    app.read_only = true;
    for k in ['s', 'u', 'i', 'R'] {
        let effects = key(&mut app, KeyCode::Char(k));
        assert!(
            app.popups.is_empty(),
            "{k} opened a dialog in read-only mode"
        );
        assert!(app.status.as_ref().unwrap().text.contains("read-only"));
        let audited: Vec<&Effect> = effects
            .iter()
            .filter(|e| matches!(e, Effect::AuditRefusal { .. }))
            .collect();
        assert_eq!(audited.len(), 1, "{k}: {effects:?}");
        let Effect::AuditRefusal { target, who, .. } = audited[0] else {
            unreachable!()
        };
        assert!(target.starts_with("prod"), "{k}: {target}");
        assert_eq!(who.profile, app.identity.profile);
    }
}

/// A change whose answer was lost but that reading back showed was made is reported as
/// done, saying so; one that cannot be told is an error that says it is unknown.
#[test]
fn a_verified_or_unknown_outcome_is_said_as_such() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "7");
    key(&mut app, KeyCode::Enter);
    let (id, _) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    assert!(app.status.as_ref().unwrap().text.contains("sent"));
    let mut after = service("prod", "api");
    after.desired = 7;
    app.update(Action::Mutated {
        id,
        results: vec![Ok(Outcome::Verified {
            outcome: Box::new(Outcome::Service(Box::new(after))),
            lost: "the connection was dropped before an answer came".into(),
        })],
    });
    let status = app.status.clone().unwrap();
    assert!(!status.error);
    assert!(
        status.text.contains(": done (AWS's answer was lost"),
        "{}",
        status.text
    );
    assert!(
        status
            .text
            .contains("reading back showed the change was made"),
        "{}",
        status.text
    );
    assert_eq!(
        app.store
            .services("prod")
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .desired,
        7
    );

    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "3");
    key(&mut app, KeyCode::Enter);
    let (id, _) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    let unknown = crate::domain::BackendError::new(
        ErrorKind::Uncertain,
        "UpdateService",
        "no answer within the operation timeout; whether the change was made is unknown: the service could not be read back",
    );
    app.update(Action::Mutated {
        id,
        results: vec![Err(OpError::Aws(unknown))],
    });
    let status = app.status.clone().unwrap();
    assert!(status.error);
    assert!(status.text.contains("outcome unknown"), "{}", status.text);
}

/// What is in flight stays on the status line until it ends, however long; a note does
/// not hide it; an error stays until something as important replaces it.
#[test]
fn in_flight_and_errors_stay_while_notes_fade() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "7");
    key(&mut app, KeyCode::Enter);
    let (id, _) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    app.update(Action::Tick(t0() + chrono::Duration::seconds(60)));
    let status = app.status.clone().unwrap();
    assert!(
        status.text.contains("sent, waiting for AWS"),
        "{}",
        status.text
    );
    key(&mut app, KeyCode::Char('r'));
    assert!(
        app.status.as_ref().unwrap().text.contains("sent, waiting"),
        "a note hid it"
    );
    let err = crate::domain::BackendError::new(ErrorKind::Timeout, "UpdateService", "slow");
    app.update(Action::Mutated {
        id,
        results: vec![Err(OpError::Aws(err))],
    });
    app.update(Action::Tick(t0() + chrono::Duration::seconds(600)));
    assert!(app.status.as_ref().unwrap().error, "the error faded");
    // Leaving the pane takes what was said about it away.
    key(&mut app, KeyCode::Esc);
    assert!(app.status.is_none(), "{:?}", app.status);
}

#[test]
fn an_aws_error_is_shown_with_its_message_and_nothing_is_remembered_for_undo() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "7");
    key(&mut app, KeyCode::Enter);
    let (id, _) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    let err = crate::domain::BackendError::new(
        ErrorKind::AccessDenied,
        "UpdateService",
        "User: arn:aws:iam::1:user/x is not authorized to perform: ecs:UpdateService",
    );
    app.update(Action::Mutated {
        id,
        results: vec![Err(OpError::Aws(err))],
    });
    let status = app.status.as_ref().unwrap();
    assert!(status.error);
    assert!(
        status
            .text
            .contains("not authorized to perform: ecs:UpdateService")
    );
    assert_eq!(
        app.errors.front().unwrap().error.kind,
        ErrorKind::AccessDenied
    );
    assert!(app.undo.is_empty());
    assert_eq!(
        app.store
            .services("prod")
            .unwrap()
            .iter()
            .next()
            .unwrap()
            .desired,
        2,
        "the screen keeps what AWS says"
    );
}

#[test]
fn stopping_a_task_asks_for_a_reason_then_confirms() {
    let mut app = App::new(
        who(),
        vec![Pane::Tasks {
            cluster: "prod".into(),
            service: Some("api".into()),
            instance: None,
        }],
        t0(),
        None,
    );
    app.due_fetches();
    let task = crate::domain::model::Task {
        arn: "arn:aws:ecs:eu-west-1:123456789012:task/prod/0123abcd".into(),
        last_status: "RUNNING".into(),
        ..crate::domain::model::Task::default()
    };
    land(
        &mut app,
        DataKey::Tasks {
            cluster: "prod".into(),
            service: Some("api".into()),
            scope: crate::domain::model::TaskScope::Running,
        },
        Payload::Tasks(Arc::new(vec![task].into())),
    );
    ctrl(&mut app, 'k');
    assert!(matches!(top_dialog(&app), Some(Dialog::Form(_))));
    // The suggested reason is selected: Backspace clears it, and an empty reason is
    // refused where it is typed.
    key(&mut app, KeyCode::Backspace);
    assert!(key(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(top_dialog(&app), Some(Dialog::Form(f)) if f.error.is_some()));
    typed(&mut app, "wedged on a lock");
    key(&mut app, KeyCode::Enter);
    assert_eq!(confirm_of(&app).changes[1], "reason: wedged on a lock");
    let (_, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    match &plan[0] {
        Mutation::StopTask { reason, task, .. } => {
            assert_eq!(reason, "wedged on a lock");
            assert!(task.ends_with("0123abcd"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_confirmed_rollout_opens_the_view_that_follows_its_deployment() {
    let mut app = on_services();
    let deploy = Mutation::Deploy {
        cluster: "prod".into(),
        service: "api".into(),
        from: "api:3".into(),
        to: "api:4".into(),
        force: false,
    };
    app.confirm(
        "Roll out".into(),
        vec![deploy],
        Vec::new(),
        After::FollowRollout {
            cluster: "prod".into(),
            service: "api".into(),
            previous: "api:3".into(),
        },
    );
    let (id, _) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    let mut after = service("prod", "api");
    after.task_definition = "api:4".into();
    after.deployments = vec![Deployment {
        id: "ecs-svc/999".into(),
        status: "PRIMARY".into(),
        task_definition: "api:4".into(),
        ..Deployment::default()
    }];
    app.update(Action::Mutated {
        id,
        results: vec![Ok(Outcome::Service(Box::new(after)))],
    });
    // Started, not done: the verdict is the rollout view's.
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(said.contains("started"), "{said}");
    assert!(!said.contains("done"), "{said}");
    match &app.view().pane {
        Pane::Rollout {
            deployment_id,
            to,
            previous,
            ..
        } => {
            assert_eq!(deployment_id, "ecs-svc/999");
            assert_eq!(previous, "api:3");
            // Kept for the header once the deployment has left the service's list.
            assert_eq!(to, "api:4");
        }
        other => panic!("{other:?}"),
    }
    // `b` offers the way back, confirmed.
    key(&mut app, KeyCode::Char('b'));
    let c = confirm_of(&app);
    assert!(c.changes[0].contains("api:4 → api:3"), "{:?}", c.changes);
    key(&mut app, KeyCode::Char('n'));

    // Once the service runs api:3 again (a circuit breaker's rollback), `b` says whether
    // that rollback is complete rather than only that it runs api:3.
    let mut back = service("prod", "api");
    back.task_definition = "api:3".into();
    back.deployments = vec![Deployment {
        id: "ecs-svc/1000".into(),
        status: "PRIMARY".into(),
        task_definition: "api:3".into(),
        rollout_state: Some("COMPLETED".into()),
        ..Deployment::default()
    }];
    land(
        &mut app,
        DataKey::Service {
            cluster: "prod".into(),
            service: "api".into(),
        },
        Payload::Service(Arc::new(back)),
    );
    key(&mut app, KeyCode::Char('b'));
    let said = app.status.as_ref().unwrap().text.clone();
    assert!(said.contains("the rollback is complete"), "{said}");
}

fn doc() -> TaskDefDoc {
    TaskDefDoc {
        arn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/api:3".into(),
        family: "api".into(),
        revision: 3,
        json: json!({
            "family": "api",
            "containerDefinitions": [{"name": "app", "image": "nginx:1.27", "memory": 256, "essential": true}]
        }),
    }
}

fn on_revisions() -> App {
    let mut app = App::new(
        who(),
        vec![Pane::Revisions {
            family: "api".into(),
        }],
        t0(),
        None,
    );
    app.due_fetches();
    land(
        &mut app,
        DataKey::Family { name: "api".into() },
        Payload::Family(Arc::new(Family {
            name: "api".into(),
            revisions: vec![doc().arn],
        })),
    );
    app
}

#[test]
fn editing_a_revision_checks_before_anything_is_sent_and_esc_guards_changes() {
    let mut app = on_revisions();
    let effects = key(&mut app, KeyCode::Char('e'));
    assert!(effects.contains(&Effect::Fetch(DataKey::TaskDefDoc { arn: doc().arn })));
    land(
        &mut app,
        DataKey::TaskDefDoc { arn: doc().arn },
        Payload::TaskDefDoc(Arc::new(doc())),
    );
    assert!(
        matches!(top_dialog(&app), Some(Dialog::Editor(_))),
        "opens once loaded"
    );
    // Break the JSON: a stray character at the very start.
    typed(&mut app, "x");
    let effects = ctrl(&mut app, 's');
    assert!(effects.is_empty());
    let Some(Dialog::Editor(ed)) = top_dialog(&app) else {
        panic!()
    };
    assert!(!ed.problems.is_empty());
    assert_eq!(ed.problems[0].line, 1);
    // Esc with changes asks once more; the second discards.
    key(&mut app, KeyCode::Esc);
    assert!(top_dialog(&app).is_some());
    key(&mut app, KeyCode::Esc);
    assert!(app.popups.is_empty());
}

#[test]
fn an_unchanged_revision_registers_the_same_json_after_a_confirmation() {
    let mut app = on_revisions();
    land(
        &mut app,
        DataKey::TaskDefDoc { arn: doc().arn },
        Payload::TaskDefDoc(Arc::new(doc())),
    );
    key(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 's');
    let c = confirm_of(&app);
    assert!(c.warnings.iter().any(|w| w.contains("no changes")));
    let (_, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    match &plan[0] {
        Mutation::RegisterTaskDefinition { json, based_on, .. } => {
            assert_eq!(json, &doc().json);
            assert_eq!(based_on.as_deref(), Some(doc().arn.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(app.popups.is_empty(), "editor and confirmation both closed");
}

#[test]
fn the_rollout_confirmation_shows_the_diff_once_both_revisions_have_loaded() {
    let mut app = on_services();
    let running = doc();
    let mut older = doc();
    older.arn = running.arn.replace(":3", ":2");
    older.revision = 2;
    older.json["containerDefinitions"][0]["image"] = json!("nginx:1.26");
    land(
        &mut app,
        DataKey::Family { name: "api".into() },
        Payload::Family(Arc::new(Family {
            name: "api".into(),
            revisions: vec![running.arn.clone(), older.arn.clone()],
        })),
    );
    let effects = key(&mut app, KeyCode::Char('R'));
    assert!(
        matches!(top_dialog(&app), Some(Dialog::Pick(_))),
        "{effects:?}"
    );
    key(&mut app, KeyCode::Down);
    let effects = key(&mut app, KeyCode::Enter);
    assert!(effects.contains(&Effect::Fetch(DataKey::TaskDefDoc {
        arn: older.arn.clone()
    })));
    assert!(confirm_of(&app).diff_loading);
    assert!(confirm_of(&app).diff.is_empty());
    for d in [&running, &older] {
        land(
            &mut app,
            DataKey::TaskDefDoc { arn: d.arn.clone() },
            Payload::TaskDefDoc(Arc::new(d.clone())),
        );
    }
    let c = confirm_of(&app);
    assert!(!c.diff_loading);
    assert!(
        c.changes
            .iter()
            .any(|l| l.contains("nginx:1.27 → nginx:1.26")),
        "{:?}",
        c.changes
    );
    assert!(c.diff.iter().any(|l| l.text.contains("nginx:1.26")));
}

#[test]
fn the_image_dialog_offers_the_containers_once_the_revision_loads_and_builds_a_two_step_plan() {
    let mut app = on_services();
    let effects = key(&mut app, KeyCode::Char('i'));
    let running = TaskDefDoc {
        arn: service("prod", "api").task_definition,
        ..doc()
    };
    assert!(effects.contains(&Effect::Fetch(DataKey::TaskDefDoc {
        arn: running.arn.clone()
    })));
    land(
        &mut app,
        DataKey::TaskDefDoc {
            arn: running.arn.clone(),
        },
        Payload::TaskDefDoc(Arc::new(running.clone())),
    );
    let Some(Dialog::Form(form)) = top_dialog(&app) else {
        panic!("the image dialog stays open");
    };
    assert_eq!(form.value("container"), "app");
    assert_eq!(form.value("image"), "nginx:1.27");
    key(&mut app, KeyCode::Tab);
    // The cursor waits at the end of the image: the tag is what usually changes.
    key(&mut app, KeyCode::Backspace);
    typed(&mut app, "8");
    key(&mut app, KeyCode::Enter);
    let c = confirm_of(&app);
    assert!(
        c.changes
            .iter()
            .any(|l| l.contains("nginx:1.27 → nginx:1.28")),
        "{:?}",
        c.changes
    );
    let (_, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    assert!(
        matches!(&plan[0], Mutation::RegisterTaskDefinition { json, .. }
        if json["containerDefinitions"][0]["image"] == "nginx:1.28")
    );
    assert!(
        matches!(&plan[1], Mutation::Deploy { to, .. } if to == crate::ops::plan::NEW_REVISION)
    );
}

#[test]
fn rollouts_refresh_often_and_families_rarely() {
    let app = on_services();
    let base = chrono::Duration::seconds(5);
    let service = DataKey::Service {
        cluster: "prod".into(),
        service: "api".into(),
    };
    assert_eq!(
        app.interval_for(&service, base),
        chrono::Duration::seconds(2)
    );
    assert_eq!(
        app.interval_for(&DataKey::Families, base),
        chrono::Duration::seconds(60)
    );
    assert_eq!(app.interval_for(&DataKey::Clusters, base), base);
}

/// A scale that also moved the auto scaling range is undone whole: the count and the
/// range it had.
#[test]
fn undo_restores_the_range_changed_in_the_same_step() {
    let mut app = on_services();
    let target = ScalableTarget {
        min: 1,
        max: 4,
        suspended: Default::default(),
    };
    let scaling_key = DataKey::Scaling {
        cluster: "prod".into(),
        service: "api".into(),
    };
    land(
        &mut app,
        scaling_key.clone(),
        Payload::Scaling(Arc::new(Scaling {
            target: Some(target),
            ..Scaling::default()
        })),
    );
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "9");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    let (id, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    let mut after = service("prod", "api");
    after.desired = 9;
    app.update(Action::Mutated {
        id,
        results: vec![Ok(Outcome::Done), Ok(Outcome::Service(Box::new(after)))],
    });
    assert_eq!(plan.len(), 2);
    // AWS now has the new range.
    land(
        &mut app,
        scaling_key,
        Payload::Scaling(Arc::new(Scaling {
            target: Some(ScalableTarget { max: 9, ..target }),
            ..Scaling::default()
        })),
    );
    key(&mut app, KeyCode::Char('u'));
    let c = confirm_of(&app);
    assert!(
        c.changes.contains(&"desired count: 9 → 2".to_string()),
        "{:?}",
        c.changes
    );
    assert!(
        c.changes.contains(&"max: 9 → 4".to_string()),
        "{:?}",
        c.changes
    );
    let (_, plan) = mutate_plan(&key(&mut app, KeyCode::Char('y')));
    assert!(
        matches!(&plan[0], Mutation::Scale { from: 9, to: 2, .. }),
        "{plan:?}"
    );
    assert!(
        matches!(&plan[1], Mutation::PutScalableTarget { after, .. } if after.max == 4 && after.min == 1),
        "{plan:?}"
    );
}

/// Text fields edit like ratatui-textarea's: the cursor moves, words and lines delete.
#[test]
fn text_fields_edit_in_place() {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "12");
    key(&mut app, KeyCode::Left);
    typed(&mut app, "3");
    let value = |app: &App| match top_dialog(app) {
        Some(Dialog::Form(f)) => f.value("desired count"),
        other => panic!("{other:?}"),
    };
    assert_eq!(value(&app), "132");
    key(&mut app, KeyCode::Home);
    typed(&mut app, "9");
    assert_eq!(value(&app), "9132");
    ctrl(&mut app, 'e');
    ctrl(&mut app, 'u');
    assert_eq!(value(&app), "", "Ctrl-u deletes to the start of the line");
    typed(&mut app, "40 50");
    ctrl(&mut app, 'w');
    assert_eq!(
        value(&app),
        "40 ",
        "Ctrl-w deletes the word before the cursor"
    );
}
