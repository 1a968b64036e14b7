//! Across regions: the clusters pane's REGION column, clusters named by ARN below it,
//! names that are in two regions never guessed, and `m` on `:region` to span several.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::data::{DataKey, Payload};
use super::exec_tests::key;
use super::pane::Pane;
use super::tests::{cluster, t0};
use super::*;
use crate::domain::places::Places;

const WEST: &str = "arn:aws:ecs:eu-west-1:123456789012:cluster/prod";
const EAST: &str = "arn:aws:ecs:us-east-1:123456789012:cluster/prod";

fn spanning() -> Identity {
    Identity {
        profile: "ops".into(),
        region: "eu-west-1".into(),
        account: Some("123456789012".into()),
        endpoint: None,
        regions: vec!["eu-west-1".into(), "us-east-1".into()],
    }
}

fn in_region(name: &str, region: &str) -> crate::domain::model::Cluster {
    let mut c = cluster(name);
    c.arn = c.arn.replace("eu-west-1", region);
    c
}

/// The clusters pane across two regions, each with a `prod`, and `tools` in one.
fn app() -> App {
    let mut app = App::new(spanning(), vec![Pane::Clusters], t0(), None);
    app.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![
            in_region("prod", "eu-west-1"),
            in_region("prod", "us-east-1"),
            in_region("tools", "us-east-1"),
        ]))),
        at: t0(),
    });
    app
}

fn cells(app: &App) -> Vec<Vec<String>> {
    let (_, rows) = app.rows(app.view());
    rows.iter()
        .map(|r| r.row().cells.iter().map(|c| c.text.clone()).collect())
        .collect()
}

fn command(app: &mut App, line: &str) -> Vec<Effect> {
    app.update(key(KeyCode::Char(':')));
    for c in line.chars() {
        app.update(key(KeyCode::Char(c)));
    }
    app.update(key(KeyCode::Enter))
}

#[test]
fn the_clusters_pane_names_each_clusters_region() {
    let app = app();
    let (columns, _) = app.rows(app.view());
    assert_eq!(columns[1].title, "REGION");
    let shown: Vec<(String, String)> = cells(&app)
        .into_iter()
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    assert_eq!(
        shown,
        [
            ("prod".to_string(), "eu-west-1".to_string()),
            ("prod".to_string(), "us-east-1".to_string()),
            ("tools".to_string(), "us-east-1".to_string()),
        ]
    );
    // In one region the column is not there.
    let mut one = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    one.update(Action::Loaded {
        key: DataKey::Clusters,
        result: Ok(Payload::Clusters(Arc::new(vec![cluster("prod")]))),
        at: t0(),
    });
    assert_ne!(one.rows(one.view()).0[1].title, "REGION");
}

#[test]
fn enter_names_the_cluster_by_its_arn_and_fetches_from_its_region() {
    let mut app = app();
    app.update(key(KeyCode::Down));
    let mut fetches = app.update(key(KeyCode::Enter));
    assert_eq!(
        app.view().pane,
        Pane::Services {
            cluster: EAST.into()
        }
    );
    assert_eq!(app.crumbs()[0], "prod (us-east-1)");
    fetches.extend(app.due_fetches());
    assert!(
        fetches.iter().any(|e| matches!(
            e,
            Effect::Fetch(DataKey::Services { cluster }) if cluster == EAST
        ) || matches!(
            e,
            Effect::FetchPart { key: DataKey::Services { cluster }, .. } if cluster == EAST
        )),
        "{fetches:?}"
    );
    // The services keys do not name the west one.
    assert!(!format!("{fetches:?}").contains(WEST), "{fetches:?}");
}

#[test]
fn a_typed_name_in_two_regions_is_not_guessed() {
    let mut app = app();
    command(&mut app, "services prod");
    assert_eq!(app.view().pane, Pane::Clusters);
    let status = &app.status.as_ref().unwrap().text;
    assert!(status.contains("eu-west-1 and us-east-1"), "{status}");
    // A name in one region is that cluster.
    command(&mut app, "services tools");
    assert_eq!(
        app.view().pane,
        Pane::Services {
            cluster: "arn:aws:ecs:us-east-1:123456789012:cluster/tools".into()
        }
    );
}

#[test]
fn marked_regions_are_switched_to_together_in_the_lists_order() {
    let mut app = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    command(&mut app, "region");
    assert_eq!(app.view().pane, Pane::Regions);
    app.update(Action::Places(Ok(Places {
        profiles: Vec::new(),
        regions: vec!["eu-west-1".into(), "us-east-1".into(), "ap-south-1".into()],
    })));
    // Mark ap-south-1, then eu-west-1.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Char('m')));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Char('m')));
    let marks: Vec<String> = cells(&app).into_iter().map(|c| c[3].clone()).collect();
    assert_eq!(marks, ["✓", "", "✓"]);
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Switch { region: Some(r), .. } if r == "eu-west-1,ap-south-1"
        )),
        "{effects:?}"
    );
}

#[test]
fn m_again_unmarks_and_enter_then_switches_to_the_selected_region() {
    let mut app = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    command(&mut app, "region");
    app.update(Action::Places(Ok(Places {
        profiles: Vec::new(),
        regions: vec!["eu-west-1".into(), "us-east-1".into()],
    })));
    app.update(key(KeyCode::Char('m')));
    app.update(key(KeyCode::Char('m')));
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::Switch { region: Some(r), .. } if r == "us-east-1"
        )),
        "{effects:?}"
    );
}

#[test]
fn the_confirmation_names_the_clusters_region() {
    let mut app = app();
    let confirm = app.confirmation(
        "scale".into(),
        vec![crate::ops::Mutation::Scale {
            cluster: EAST.into(),
            service: "web".into(),
            from: 1,
            to: 2,
        }],
        Vec::new(),
        super::form::After::Refresh,
    );
    let text = format!("{confirm:?}");
    assert!(text.contains("region us-east-1"), "{text}");
    assert!(
        text.contains("service web in cluster prod (us-east-1)"),
        "{text}"
    );
    app.update(key(KeyCode::Esc));
}

#[test]
fn revisions_are_read_in_the_clusters_region() {
    let app = app();
    assert_eq!(
        app.family_key(EAST, "web"),
        "arn:aws:ecs:us-east-1:123456789012:task-definition/web"
    );
    // The first region's families, and any in one region, by name.
    assert_eq!(app.family_key(WEST, "web"), "web");
    assert_eq!(app.family_key("prod", "web"), "web");
    let one = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    assert_eq!(one.family_key(EAST, "web"), "web");
}

#[test]
fn a_region_list_may_be_typed_with_spaces() {
    use super::command::{LineCommand, parse};
    assert_eq!(
        parse("region eu-west-1, us-east-1"),
        Ok(LineCommand::Region(Some("eu-west-1,us-east-1".into())))
    );
    assert_eq!(
        parse("region eu-west-1 us-east-1"),
        Ok(LineCommand::Region(Some("eu-west-1,us-east-1".into())))
    );
    assert_eq!(parse("region"), Ok(LineCommand::Region(None)));
}

#[test]
fn a_typed_cluster_arn_of_a_region_not_in_use_is_refused() {
    let mut app = app();
    command(
        &mut app,
        "services arn:aws:ecs:ap-south-1:123456789012:cluster/prod",
    );
    assert_eq!(app.view().pane, Pane::Clusters);
    let status = &app.status.as_ref().unwrap().text;
    assert!(
        status.contains("ap-south-1, which is not in use"),
        "{status}"
    );
    // One region in use: the same.
    let mut one = App::new(Identity::default(), vec![Pane::Clusters], t0(), None);
    one.identity.region = "eu-west-1".into();
    command(&mut one, &format!("services {EAST}"));
    assert_eq!(one.view().pane, Pane::Clusters);
    command(&mut one, &format!("services {WEST}"));
    assert_eq!(
        one.view().pane,
        Pane::Services {
            cluster: WEST.into()
        }
    );
}
