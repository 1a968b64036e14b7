//! Keys of dialogs, pickers, popups and prompts come from the binding table: a `[keys]`
//! remap changes what they do and what their footers say.

use std::collections::BTreeMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

use super::dialogs::Dialog;
use super::dialogs_tests::{key, on_services, t0, top_dialog as dialog};
use super::form::Confirm;
use super::keymap::Keymap;
use super::tests::service;
use super::*;
use crate::ops::model::TaskDefDoc;
use crate::ui::theme::{ColorDepth, Theme};

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn remapped(pairs: &[(&str, &[&str])]) -> Keymap {
    let remaps: BTreeMap<String, Vec<String>> = pairs
        .iter()
        .map(|(a, ks)| (a.to_string(), ks.iter().map(|k| k.to_string()).collect()))
        .collect();
    Keymap::with(&remaps).unwrap()
}

fn render(app: &App, width: u16, height: u16) -> String {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::ui::draw(f, app, &theme)).unwrap();
    terminal.backend().to_string()
}

fn confirmation(app: &App) -> &Confirm {
    match dialog(app) {
        Some(Dialog::Confirm(c)) => c,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn sends(effects: &[Effect]) -> bool {
    effects.iter().any(|e| matches!(e, Effect::Mutate { .. }))
}

/// Scale `api` to 5 and stop at the confirmation.
fn at_the_confirmation(app: &mut App) {
    key(app, KeyCode::Char('s'));
    typed(app, "5");
    key(app, KeyCode::Enter);
    confirmation(app);
}

#[test]
fn a_remapped_confirm_yes_is_what_confirms_and_what_the_footer_names() {
    let mut app = on_services();
    app.keymap = remapped(&[("confirm_yes", &["Y"])]);
    at_the_confirmation(&mut app);
    let screen = render(&app, 100, 24);
    assert!(screen.contains(" Y: yes, do it   n/Esc: no "), "{screen}");
    assert!(!screen.contains(" y: yes"), "{screen}");

    let effects = key(&mut app, KeyCode::Char('y'));
    assert!(!sends(&effects), "y no longer confirms");
    confirmation(&app);
    assert!(sends(&key(&mut app, KeyCode::Char('Y'))));
    assert!(app.popups.is_empty());
}

#[test]
fn a_confirm_yes_away_from_letters_leaves_y_and_shift_y_doing_nothing() {
    let mut app = on_services();
    app.keymap = remapped(&[("confirm_yes", &["Ctrl-y"])]);
    at_the_confirmation(&mut app);
    for plain in ['y', 'Y'] {
        assert!(!sends(&key(&mut app, KeyCode::Char(plain))), "{plain}");
        confirmation(&app);
    }
    let effects = app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('y'),
        KeyModifiers::CONTROL,
    )));
    assert!(sends(&effects));
}

#[test]
fn the_default_confirmation_footer_and_keys_stay_as_they_were() {
    let mut app = on_services();
    at_the_confirmation(&mut app);
    let screen = render(&app, 100, 24);
    assert!(screen.contains(" y: yes, do it   n/Esc: no "), "{screen}");
    // `Y` and `q` work without being named.
    key(&mut app, KeyCode::Char('q'));
    assert!(app.popups.is_empty(), "q cancels");
    at_the_confirmation(&mut app);
    assert!(sends(&key(&mut app, KeyCode::Char('Y'))));
}

#[test]
fn a_remapped_confirm_no_takes_over_from_n_esc_and_q() {
    let mut app = on_services();
    app.keymap = remapped(&[("confirm_no", &["x"])]);
    at_the_confirmation(&mut app);
    for old in [KeyCode::Char('n'), KeyCode::Esc, KeyCode::Char('q')] {
        key(&mut app, old);
        confirmation(&app);
    }
    key(&mut app, KeyCode::Char('x'));
    assert!(app.popups.is_empty());
    assert!(app.pending_ops.is_empty());
}

/// PgUp and PgDn move a confirmation's diff by a screenful, as they do in popups.
#[test]
fn the_confirmation_pages_by_the_screen() {
    let mut app = on_services();
    app.update(Action::Resize {
        width: 100,
        height: 40,
    });
    let page = u16::try_from(app.page_rows).unwrap();
    assert_ne!(page, 10);
    at_the_confirmation(&mut app);
    key(&mut app, KeyCode::PageDown);
    assert_eq!(confirmation(&app).scroll, page);
    key(&mut app, KeyCode::Char('j'));
    assert_eq!(confirmation(&app).scroll, page + 1);
    key(&mut app, KeyCode::PageUp);
    assert_eq!(confirmation(&app).scroll, 1);
}

#[test]
fn form_keys_follow_the_remap_and_the_old_key_is_text_again() {
    let mut app = on_services();
    // Esc stays the form's only with `cancel`; here F3 cancels instead.
    app.keymap = remapped(&[("submit", &["F2"]), ("cancel", &["F3"])]);
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "5");
    key(&mut app, KeyCode::Enter);
    let Some(Dialog::Form(form)) = dialog(&app) else {
        panic!("Enter no longer submits");
    };
    assert_eq!(form.value("desired count"), "5", "and types nothing");
    key(&mut app, KeyCode::Esc);
    assert!(matches!(dialog(&app), Some(Dialog::Form(_))));
    let screen = render(&app, 100, 24);
    assert!(screen.contains(" F2: next step  F3: cancel "), "{screen}");
    key(&mut app, KeyCode::F(2));
    confirmation(&app);
}

#[test]
fn a_plain_character_remap_leaves_text_fields_their_characters() {
    // `q` cancels where nothing is typed (the revision picker), not in forms.
    let map = remapped(&[("cancel", &["Esc", "q"])]);
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(map.lookup(&q, keymap::place::PICKER), Some(Command::Cancel));
    assert_eq!(map.lookup(&q, keymap::place::FORM), None);
    let mut app = on_services();
    app.keymap = map;
    key(&mut app, KeyCode::Char('s'));
    typed(&mut app, "q");
    let Some(Dialog::Form(form)) = dialog(&app) else {
        panic!("q is typed, the form stays");
    };
    assert_eq!(form.value("desired count"), "q");
    // An action that would be left without a key where text is typed is refused.
    let remaps = BTreeMap::from([("submit".to_string(), vec!["x".to_string()])]);
    let e = Keymap::with(&remaps).unwrap_err();
    assert!(
        e.contains("[keys] submit") && e.contains("text is typed"),
        "{e}"
    );
}

#[test]
fn popups_close_and_scroll_with_their_bindings() {
    let mut app = on_services();
    // A character alone would leave the stream filter without `down`: ↓ stays there.
    app.keymap = remapped(&[("close", &["x"]), ("down", &["↓", "J"])]);
    key(&mut app, KeyCode::Char('d'));
    assert!(matches!(app.popups.last(), Some(Popup::Describe { .. })));
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('J'));
    assert!(matches!(
        app.popups.last(),
        Some(Popup::Describe { scroll: 1, .. })
    ));
    let screen = render(&app, 100, 30);
    assert!(
        screen.contains(" ↑↓ J PgUp PgDn scroll  x close "),
        "{screen}"
    );
    key(&mut app, KeyCode::Char('x'));
    assert!(app.popups.is_empty());
}

#[test]
fn the_help_popup_footer_names_the_help_key_in_force() {
    let mut app = on_services();
    app.keymap = remapped(&[("help", &["F1"])]);
    key(&mut app, KeyCode::F(1));
    assert_eq!(app.popups, vec![Popup::Help]);
    let screen = render(&app, 100, 50);
    assert!(screen.contains(" Esc/F1 close "), "{screen}");
    key(&mut app, KeyCode::F(1));
    assert!(app.popups.is_empty());
}

#[test]
fn the_command_line_completes_with_its_binding() {
    let mut app = on_services();
    app.keymap = remapped(&[("complete", &["Ctrl-t"])]);
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "taskd");
    let screen = render(&app, 100, 24);
    assert!(screen.contains("Ctrl-t completes"), "{screen}");
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('t'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(
        app.input.as_ref().map(Input::text).as_deref(),
        Some("taskdefs")
    );
}

fn running() -> TaskDefDoc {
    TaskDefDoc {
        arn: service("prod", "api").task_definition,
        family: "api".into(),
        revision: 3,
        json: json!({
            "family": "api",
            "containerDefinitions": [
                {"name": "app", "image": "nginx:1.27", "memory": 256, "essential": true},
                {"name": "log", "image": "fluent-bit:3", "memory": 64, "essential": false}
            ]
        }),
    }
}

/// The image dialog of `api`, its revision loaded.
fn image_dialog() -> App {
    let mut app = on_services();
    key(&mut app, KeyCode::Char('i'));
    let doc = running();
    app.update(Action::Loaded {
        key: DataKey::TaskDefDoc {
            arn: doc.arn.clone(),
        },
        result: Ok(Payload::TaskDefDoc(Arc::new(doc))),
        at: t0(),
    });
    app
}

fn image_of(app: &App) -> String {
    match dialog(app) {
        Some(Dialog::Form(f)) => f.value("image"),
        other => panic!("{other:?}"),
    }
}

/// Only a change of the container puts its image in the field: the letters of a choice
/// key typed into the image, or ticking "force", keep what was typed.
#[test]
fn only_choosing_a_container_replaces_the_image_typed() {
    let mut app = image_dialog();
    key(&mut app, KeyCode::Tab);
    for _ in 0.."1.27".len() {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "latest alpine");
    assert_eq!(image_of(&app), "nginx:latest alpine");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(image_of(&app), "nginx:latest alpine", "force ticked");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('l'));
    assert_eq!(image_of(&app), "fluent-bit:3", "the next container's image");
    key(&mut app, KeyCode::Left);
    assert_eq!(image_of(&app), "nginx:1.27");
}
