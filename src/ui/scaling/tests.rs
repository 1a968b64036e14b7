//! Snapshots of the auto scaling pane and its forms at fixed sizes.

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::App;
use crate::app::scaling::tests::{app_with, press, sample, select};
use crate::ops::model::Scaling;
use crate::ui::theme::{ColorDepth, Theme};

fn render(app: &App, width: u16, height: u16) -> String {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| crate::ui::draw(f, app, &theme)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn pane_with_every_section() {
    let app = app_with(sample());
    insta::assert_snapshot!("scaling_pane", render(&app, 130, 30));
}

#[test]
fn pane_without_target_or_activities() {
    let app = app_with(Scaling {
        activities: Err("DescribeScalingActivities: the endpoint answered HTTP 500".into()),
        ..Scaling::default()
    });
    insta::assert_snapshot!("scaling_pane_empty", render(&app, 100, 18));
}

#[test]
fn filtered_pane_keeps_headings_over_what_is_left() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('/'));
    for c in "cpu".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("scaling_pane_filtered", render(&app, 110, 16));
}

#[test]
fn a_selection_low_in_a_short_pane_scrolls_into_view() {
    let mut app = app_with(sample());
    select(&mut app, "activity:1");
    let screen = render(&app, 110, 14);
    assert!(screen.contains("Setting desired count to 12."), "{screen}");
    insta::assert_snapshot!("scaling_pane_scrolled", screen);
}

#[test]
fn target_form() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('e'));
    insta::assert_snapshot!("scaling_target_form", render(&app, 100, 26));
}

#[test]
fn policy_form_with_a_bad_value() {
    let mut app = app_with(sample());
    select(&mut app, "policy:cpu");
    press(&mut app, KeyCode::Enter);
    for _ in 0..2 {
        press(&mut app, KeyCode::Tab);
    }
    for c in "x".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    insta::assert_snapshot!("scaling_policy_form", render(&app, 110, 30));
}

#[test]
fn schedule_form() {
    let mut app = app_with(sample());
    select(&mut app, "schedule:night");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("scaling_schedule_form", render(&app, 110, 30));
}

#[test]
fn suspend_scale_in_confirmation() {
    let mut app = app_with(sample());
    press(&mut app, KeyCode::Char('i'));
    insta::assert_snapshot!("scaling_suspend_confirm", render(&app, 110, 24));
}

/// A new policy or schedule form opens clean: no red until something is typed or a
/// submit is tried; then the empty required fields say so.
#[test]
fn new_forms_open_without_errors_until_touched() {
    for open in ['p', 'c'] {
        let mut app = app_with(sample());
        press(&mut app, KeyCode::Char(open));
        let screen = render(&app, 110, 30);
        assert!(!screen.contains('✗'), "{open}: {screen}");
        press(&mut app, KeyCode::Enter);
        let screen = render(&app, 110, 30);
        assert!(
            screen.contains('✗'),
            "{open}: a submit shows what is missing: {screen}"
        );
    }
}
