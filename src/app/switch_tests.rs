//! `:profile` and `:region`: the lists, the switch asked for, and what a switch keeps and
//! drops.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::data::{DataKey, Payload};
use super::exec_tests::key;
use super::pane::Pane;
use super::switch::Switched;
use super::tests::{cluster, t0};
use super::*;
use crate::domain::places::{Places, ProfileInfo};

fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    app.update(key(KeyCode::Char(':')));
    typed(app, line);
    app.update(key(KeyCode::Enter))
}

fn identity(profile: &str, region: &str) -> Identity {
    Identity {
        profile: profile.into(),
        region: region.into(),
        account: Some("111111111111".into()),
        endpoint: None,
        regions: Vec::new(),
    }
}

/// On the services of `prod-core`, with the clusters loaded, as profile `staging`.
fn app() -> App {
    let mut app = App::new(
        identity("staging", "eu-west-1"),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod-core".into(),
            },
        ],
        t0(),
        None,
    );
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![cluster("prod-core")]))),
        at: t0(),
    });
    app
}

fn places() -> Places {
    let profile = |name: &str, kind, region: Option<&str>, read_only| ProfileInfo {
        name: name.into(),
        kind,
        region: region.map(Into::into),
        read_only,
    };
    Places {
        profiles: vec![
            profile("prod", "SSO", Some("us-east-1"), true),
            profile("staging", "keys", Some("eu-west-1"), false),
        ],
        regions: vec!["eu-west-1".into(), "us-east-1".into()],
    }
}

fn switch_of(effects: &[Effect]) -> Option<(Option<&str>, Option<&str>)> {
    effects.iter().find_map(|e| match e {
        Effect::Switch {
            profile, region, ..
        } => Some((profile.as_deref(), region.as_deref())),
        _ => None,
    })
}

#[test]
fn profile_lists_the_profiles_and_enter_switches_to_one() {
    let mut app = app();
    let effects = command(&mut app, "profile");
    assert_eq!(app.view().pane, Pane::Profiles);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::LoadPlaces)),
        "{effects:?}"
    );
    app.update(Action::Places(Ok(places())));
    let (_, rows) = app.rows(app.view());
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.row().cells.iter().map(|c| c.text.clone()).collect())
        .collect();
    assert_eq!(
        cells,
        vec![
            vec!["prod", "SSO", "us-east-1", "read-only", ""],
            vec!["staging", "keys", "eu-west-1", "", "●"],
        ]
    );
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(switch_of(&effects), Some((Some("prod"), None)));
    // One switch at a time.
    let effects = command(&mut app, "region us-east-1");
    assert_eq!(switch_of(&effects), None);
}

#[test]
fn region_by_name_switches_and_the_one_in_use_is_not_switched_to() {
    let mut app = app();
    let effects = command(&mut app, "region eu-west-1");
    assert_eq!(switch_of(&effects), None);
    assert!(app.status.as_ref().unwrap().text.contains("already on"));
    // The profile in use goes with the region.
    let effects = command(&mut app, "region us-east-1");
    assert_eq!(
        switch_of(&effects),
        Some((Some("staging"), Some("us-east-1")))
    );
}

#[test]
fn a_switch_drops_the_old_accounts_data_and_reloads_the_panes_that_make_sense() {
    let mut app = app();
    app.update(key(KeyCode::Char('l')));
    command(&mut app, "profile prod");
    let effects = app.update(Action::Switched(Ok(Switched {
        identity: identity("prod", "us-east-1"),
        read_only: true,
        colour: Some("red".into()),
    })));
    assert_eq!(app.identity.profile, "prod");
    assert!(app.read_only);
    assert_eq!(app.profile_colour.as_deref(), Some("red"));
    assert!(
        app.store.clusters().is_none(),
        "the old account's clusters went"
    );
    assert_eq!(
        app.stack.iter().map(|v| v.pane.clone()).collect::<Vec<_>>(),
        vec![
            Pane::Clusters,
            Pane::Services {
                cluster: "prod-core".into()
            }
        ]
    );
    // The services pane on screen is asked of the new account.
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::FetchPart { .. } | Effect::Fetch(DataKey::Services { .. })
        )),
        "{effects:?}"
    );
    assert!(
        app.status
            .as_ref()
            .unwrap()
            .text
            .contains("switched to profile prod")
    );
}

#[test]
fn a_failed_switch_changes_nothing_and_says_why() {
    let mut app = app();
    command(&mut app, "profile nope");
    app.update(Action::Switched(Err(
        "profile 'nope' is not in ~/.aws/config or ~/.aws/credentials".into(),
    )));
    assert_eq!(app.identity.profile, "staging");
    assert!(app.store.clusters().is_some(), "the data stayed");
    let status = app.status.as_ref().unwrap();
    assert!(status.error && status.text.contains("could not switch to profile nope"));
    assert_eq!(app.errors.len(), 1);
    // And the next switch may go.
    let effects = command(&mut app, "region us-east-1");
    assert!(switch_of(&effects).is_some());
}

/// The switch to `admin` answered that it needs an MFA code.
fn asked_for_a_code() -> App {
    let mut app = app();
    let effects = command(&mut app, "profile admin");
    assert_eq!(switch_of(&effects), Some((Some("admin"), None)));
    app.update(Action::NeedsMfa {
        serial: "arn:aws:iam::111111111111:mfa/me".into(),
        why: None,
    });
    assert_eq!(
        app.input.as_ref().map(|i| i.kind),
        Some(super::input::InputKind::MfaCode)
    );
    let prompt = app.input.as_ref().unwrap().prompt();
    assert_eq!(prompt, "MFA code for mfa/me: ");
    app
}

#[test]
fn a_code_aws_refused_is_asked_again_and_why_is_kept() {
    let mut app = asked_for_a_code();
    typed(&mut app, "123456");
    app.update(key(KeyCode::Enter));
    app.update(Action::NeedsMfa {
        serial: "arn:aws:iam::111111111111:mfa/me".into(),
        why: Some(
            "AWS refused the MFA code for profile 'admin' (MultiFactorAuthentication failed)"
                .into(),
        ),
    });
    assert_eq!(
        app.input.as_ref().unwrap().prompt(),
        "MFA code for mfa/me, again: "
    );
    assert!(
        app.errors
            .iter()
            .any(|e| e.error.message.contains("refused the MFA code"))
    );
    // A good switch afterwards leaves no error on the status line.
    typed(&mut app, "654321");
    app.update(key(KeyCode::Enter));
    app.update(Action::Switched(Ok(Switched {
        identity: identity("admin", "eu-west-1"),
        read_only: false,
        colour: None,
    })));
    let status = app.status.as_ref().unwrap();
    assert!(
        !status.error && status.text.starts_with("switched to profile admin"),
        "{}",
        status.text
    );
}

fn code_sent(effects: &[Effect]) -> Option<(Option<&str>, Option<&str>)> {
    effects.iter().find_map(|e| match e {
        Effect::Switch {
            profile, mfa_code, ..
        } => Some((profile.as_deref(), mfa_code.as_deref())),
        _ => None,
    })
}

#[test]
fn a_role_with_mfa_asks_for_the_code_and_switches_with_it() {
    let mut app = asked_for_a_code();
    // Not a code: said, the prompt stays with what was typed, nothing is sent.
    let effects = typed(&mut app, "12a456");
    assert!(code_sent(&effects).is_none());
    let effects = app.update(key(KeyCode::Enter));
    assert!(code_sent(&effects).is_none(), "{effects:?}");
    assert!(app.status.as_ref().unwrap().text.contains("6 digits"));
    assert_eq!(app.input.as_ref().map(|i| i.text()), Some("12a456".into()));
    // A code: the same switch again, with it.
    for _ in 0..6 {
        app.update(key(KeyCode::Backspace));
    }
    typed(&mut app, "123456");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(code_sent(&effects), Some((Some("admin"), Some("123456"))));
    assert!(app.input.is_none());
    // Its answer ends the switch as any other.
    let effects = app.update(Action::Switched(Ok(Switched {
        identity: identity("admin", "eu-west-1"),
        read_only: false,
        colour: None,
    })));
    assert!(code_sent(&effects).is_none());
    assert_eq!(app.identity.profile, "admin");
}

#[test]
fn esc_on_the_mfa_prompt_gives_the_switch_up_and_changes_nothing() {
    let mut app = asked_for_a_code();
    let effects = app.update(key(KeyCode::Esc));
    assert!(code_sent(&effects).is_none());
    assert!(app.input.is_none());
    assert_eq!(app.identity.profile, "staging");
    let status = &app.status.as_ref().unwrap().text;
    assert!(status.contains("no MFA code given"), "{status}");
    // Another switch may start.
    let effects = command(&mut app, "region us-east-1");
    assert!(switch_of(&effects).is_some());
}
