//! The mouse on a drawn frame: a click lands on the row drawn under it, a second click on
//! that row opens it, the wheel moves three rows; dialogs keep to the keyboard.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Duration as Age;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::app::data::{DataKey, Payload};
use crate::app::mouse::{Mouse, MouseKind};
use crate::app::pane::Pane;
use crate::app::tests::{cluster, t0};
use crate::app::{Action, App, Popup};
use crate::domain::Identity;
use crate::ui::theme::{ColorDepth, Theme};

fn drawn(app: &App) -> String {
    let theme = Theme::load("dark", None, ColorDepth::TrueColor).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 20)).unwrap();
    terminal.draw(|f| crate::ui::draw(f, app, &theme)).unwrap();
    terminal.backend().to_string()
}

fn clusters(n: usize) -> App {
    let mut app = App::new(
        Identity::default(),
        vec![Pane::Clusters],
        t0(),
        Some(Age::seconds(5)),
    );
    let names: Vec<String> = (0..n).map(|i| format!("cluster-{i:02}")).collect();
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(
            names.iter().map(|n| cluster(n)).collect(),
        ))),
        at: t0(),
    });
    drawn(&app);
    app
}

fn at(kind: MouseKind, column: u16, row: u16, at: Instant) -> Action {
    Action::Mouse(Mouse {
        kind,
        column,
        row,
        at,
    })
}

/// The screen row `name` is drawn on.
fn line_of(app: &App, name: &str) -> u16 {
    let screen = drawn(app);
    let i = screen
        .lines()
        .position(|l| l.contains(name))
        .unwrap_or_else(|| panic!("{name} not drawn:\n{screen}"));
    u16::try_from(i).unwrap()
}

fn selected(app: &App) -> String {
    let (_, rows) = app.rows(app.view());
    rows[App::selected_index(app.view(), &rows)].row().cells[0]
        .text
        .clone()
}

#[test]
fn a_click_selects_the_row_under_it_and_a_second_one_opens_it() {
    let mut app = clusters(5);
    let y = line_of(&app, "cluster-03");
    let t = Instant::now();
    app.update(at(MouseKind::Click, 5, y, t));
    assert_eq!(selected(&app), "cluster-03");
    assert_eq!(app.view().pane, Pane::Clusters);
    app.update(at(MouseKind::Click, 5, y, t + Duration::from_millis(200)));
    assert_eq!(
        app.view().pane,
        Pane::Services {
            cluster: "cluster-03".into()
        }
    );
}

#[test]
fn clicks_far_apart_or_on_other_rows_only_select() {
    let mut app = clusters(5);
    let t = Instant::now();
    let y = line_of(&app, "cluster-01");
    app.update(at(MouseKind::Click, 5, y, t));
    app.update(at(MouseKind::Click, 5, y, t + Duration::from_secs(2)));
    assert_eq!(
        app.view().pane,
        Pane::Clusters,
        "too slow for a double click"
    );
    let other = line_of(&app, "cluster-02");
    app.update(at(
        MouseKind::Click,
        5,
        other,
        t + Duration::from_millis(2100),
    ));
    assert_eq!(app.view().pane, Pane::Clusters, "another row");
    assert_eq!(selected(&app), "cluster-02");
    // The header, the border and below the last row select nothing.
    for y in [0, 1, 2, 3, 19] {
        app.update(at(MouseKind::Click, 5, y, t + Duration::from_secs(10)));
        assert_eq!(selected(&app), "cluster-02", "row {y}");
    }
}

#[test]
fn the_wheel_moves_three_rows_and_scrolls_a_popup() {
    let mut app = clusters(30);
    let t = Instant::now();
    app.update(at(MouseKind::WheelDown, 5, 10, t));
    assert_eq!(selected(&app), "cluster-03");
    app.update(at(MouseKind::WheelUp, 5, 10, t));
    assert_eq!(selected(&app), "cluster-00");
    app.popups.push(Popup::Text {
        title: "t".into(),
        body: "a\nb\nc\nd\ne\n".into(),
        scroll: 0,
    });
    app.update(at(MouseKind::WheelDown, 5, 10, t));
    assert!(
        matches!(app.popups.last(), Some(Popup::Text { scroll: 3, .. })),
        "{:?}",
        app.popups.last()
    );
    assert_eq!(
        selected(&app),
        "cluster-00",
        "the popup scrolled, not the table"
    );
}

#[test]
fn a_dialog_keeps_to_the_keyboard() {
    let mut app = clusters(5);
    let y = line_of(&app, "cluster-03");
    app.update(Action::Key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Char(':'),
        crossterm::event::KeyModifiers::NONE,
    )));
    app.update(at(MouseKind::Click, 5, y, Instant::now()));
    assert_eq!(selected(&app), "cluster-00");
}
