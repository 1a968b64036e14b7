//! `L` and `:login`: signing in to SSO again, then reconnecting.

use crossterm::event::KeyCode;

use super::exec_tests::key;
use super::*;

fn app(profile: &str) -> App {
    App::new(
        Identity {
            profile: profile.into(),
            region: "eu-west-1".into(),
            account: None,
            endpoint: None,
            regions: Vec::new(),
        },
        vec![pane::Pane::Clusters],
        super::tests::t0(),
        None,
    )
}

#[test]
fn l_signs_in_to_the_profile_in_use_and_then_reconnects() {
    let mut a = app("prod");
    let effects = a.update(key(KeyCode::Char('L')));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SignIn { profile: Some(p) } if p == "prod")),
        "{effects:?}"
    );
    let effects = a.update(Action::SignedIn(Ok("signed in to profile prod".into())));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Switch { profile: Some(p), region: Some(r), .. } if p == "prod" && r == "eu-west-1"
        )),
        "{effects:?}"
    );
    // No profile named: none named again.
    let mut a = app("default");
    let effects = a.update(key(KeyCode::Char('L')));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SignIn { profile: None })),
        "{effects:?}"
    );
}

#[test]
fn a_failed_sign_in_says_why_and_the_demo_needs_none() {
    let mut a = app("prod");
    let effects = a.update(Action::SignedIn(Err(
        "the AWS CLI (aws) is not installed here".into(),
    )));
    assert!(effects.is_empty());
    let status = a.status.as_ref().unwrap();
    assert!(
        status.error && status.text.contains("not installed"),
        "{}",
        status.text
    );
    let mut demo = app("demo");
    let effects = demo.update(key(KeyCode::Char('L')));
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::SignIn { .. })),
        "{effects:?}"
    );
    assert!(
        demo.status
            .as_ref()
            .unwrap()
            .text
            .contains("needs no sign-in")
    );
}
