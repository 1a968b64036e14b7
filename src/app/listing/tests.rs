use super::*;
use chrono::TimeZone;

#[derive(Debug, Clone, PartialEq)]
struct Item(String);

impl Listed for Item {
    fn arn(&self) -> &str {
        &self.0
    }
}

fn t(s: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + s, 0).single().unwrap()
}

fn arn(i: usize) -> String {
    format!("arn:aws:ecs:us-east-1:1:service/big/svc-{i:04}")
}

fn timing(s: i64) -> Timing {
    Timing {
        now: t(s),
        refresh: Some(Duration::seconds(5)),
    }
}

fn page(from: usize, to: usize, next: Option<&str>) -> Result<PartAnswer<Item>, ()> {
    Ok(PartAnswer::Page {
        arns: (from..to).map(arn).collect(),
        next: next.map(str::to_owned),
    })
}

fn described(arns: &[String]) -> Result<PartAnswer<Item>, ()> {
    Ok(PartAnswer::Described(
        arns.iter().map(|a| Item(a.clone())).collect(),
    ))
}

fn describes(plan: &[(Part, Priority)]) -> Vec<(Vec<String>, Priority)> {
    plan.iter()
        .filter_map(|(p, pr)| match p {
            Part::Describe { arns } => Some((arns.clone(), *pr)),
            Part::List { .. } => None,
        })
        .collect()
}

/// Lands every describe of `plan` at `at`.
fn answer(loader: &mut Loader<Item>, plan: &[(Part, Priority)], at: DateTime<Utc>) {
    for (part, _) in plan {
        if let Part::Describe { arns } = part {
            loader.land(part, described(arns), at);
        }
    }
}

/// Plans and answers until nothing is left to ask for at `at`.
fn settle(loader: &mut Loader<Item>, at: i64, visible: &[String]) {
    for _ in 0..1000 {
        let plan = loader.plan(timing(at), visible);
        if plan.is_empty() {
            return;
        }
        for (part, _) in &plan {
            match part {
                Part::Describe { arns } => loader.land(part, described(arns), t(at)),
                Part::List { .. } => loader.land(part, page(0, 0, None), t(at)),
            };
        }
    }
    panic!("never settled");
}

#[test]
fn rows_appear_page_by_page_and_the_rows_on_screen_are_described_first() {
    let mut loader: Loader<Item> = Loader::new(10);
    let plan = loader.plan(timing(0), &[]);
    assert_eq!(plan, vec![(Part::List { token: None }, Priority::Load)]);
    assert!(loader.land(&plan[0].0, page(0, 100, Some("p2")), t(0)));
    assert_eq!(loader.listing.counts(), (100, 0));
    assert!(loader.state().listing);
    // The screen shows rows 40..60 (scrolled): those go first, all at the load's rate.
    let visible: Vec<String> = (40..60).map(arn).collect();
    let plan = loader.plan(timing(0), &visible);
    assert_eq!(
        plan[0],
        (
            Part::List {
                token: Some("p2".into())
            },
            Priority::Load
        )
    );
    let d = describes(&plan);
    assert_eq!(d.len(), DESCRIBES_IN_FLIGHT, "a few in flight, no more");
    assert_eq!(d[0].0, visible[..10].to_vec());
    assert_eq!(d[1].0, visible[10..].to_vec());
    assert_eq!(
        d[2].0,
        (0..10).map(arn).collect::<Vec<_>>(),
        "then the rest"
    );
    assert!(d.iter().all(|(_, p)| *p == Priority::Load));
    // Nothing more until one lands.
    assert!(loader.plan(timing(0), &visible).is_empty());
    answer(&mut loader, &plan, t(1));
    assert_eq!(loader.listing.counts(), (100, 30));
    assert!(loader.listing.get(&visible[0]).unwrap().item.is_some());
}

#[test]
fn the_last_page_drops_rows_the_list_no_longer_has() {
    let mut loader: Loader<Item> = Loader::new(10);
    let seeded = Listing::from((0..5).map(|i| Item(arn(i))).collect::<Vec<_>>());
    loader = Loader {
        listing: Arc::new(seeded),
        ..loader
    };
    let plan = loader.plan(timing(0), &[]);
    let list = plan
        .iter()
        .find(|(p, _)| matches!(p, Part::List { .. }))
        .unwrap();
    assert!(loader.land(&list.0, page(1, 3, None), t(0)));
    let names: Vec<&str> = loader.listing.entries().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["svc-0001", "svc-0002"]);
    assert!(loader.listing.complete);
}

#[test]
fn a_row_missing_when_described_is_gone() {
    let mut loader: Loader<Item> = Loader::new(10);
    let plan = loader.plan(timing(0), &[]);
    loader.land(&plan[0].0, page(0, 3, None), t(0));
    let plan = loader.plan(timing(0), &[]);
    let (part, _) = &plan[0];
    let Part::Describe { arns } = part else {
        panic!("{plan:?}");
    };
    assert!(loader.land(part, described(&arns[..2]), t(0)));
    assert_eq!(loader.listing.counts(), (2, 2));
}

#[test]
fn steady_state_refreshes_the_screen_often_and_sweeps_the_rest_slowly() {
    let mut loader: Loader<Item> = Loader::new(10);
    let visible: Vec<String> = (0..20).map(arn).collect();
    let plan = loader.plan(timing(0), &visible);
    loader.land(&plan[0].0, page(0, 200, None), t(0));
    settle(&mut loader, 0, &visible);
    assert_eq!(loader.listing.counts(), (200, 200));
    assert_eq!(loader.state().sweep, None);
    // One refresh interval later: only the rows on screen, within the share.
    let plan = loader.plan(timing(5), &visible);
    let d = describes(&plan);
    assert_eq!(d.len(), 2, "{plan:?}");
    assert!(d.iter().all(|(_, p)| *p == Priority::Visible));
    assert_eq!(d.concat_arns(), visible);
    answer(&mut loader, &plan, t(5));
    assert!(loader.plan(timing(6), &visible).is_empty());
    // The sweep age (30 s): the rest, oldest first, in the background; the list again.
    let plan = loader.plan(timing(31), &visible);
    assert!(plan.contains(&(Part::List { token: None }, Priority::Visible)));
    let d = describes(&plan);
    assert!(
        d.iter().any(|(_, p)| *p == Priority::Background),
        "{plan:?}"
    );
    let sweep = loader.state().sweep.unwrap();
    assert_eq!(sweep.1, 180, "every row off screen is due: {sweep:?}");
}

trait Concat {
    fn concat_arns(&self) -> Vec<String>;
}

impl Concat for Vec<(Vec<String>, Priority)> {
    fn concat_arns(&self) -> Vec<String> {
        self.iter().flat_map(|(a, _)| a.clone()).collect()
    }
}

#[test]
fn a_failure_waits_out_the_backoff_then_asks_again() {
    let mut loader: Loader<Item> = Loader::new(10);
    let plan = loader.plan(timing(0), &[]);
    assert!(!loader.land(&plan[0].0, Err(()), t(0)));
    assert!(loader.plan(timing(1), &[]).is_empty());
    let plan = loader.plan(timing(6), &[]);
    assert_eq!(plan[0].0, Part::List { token: None });
}

#[test]
fn a_refresh_asked_for_lists_again_and_describes_the_screen_at_the_full_rate() {
    let mut loader: Loader<Item> = Loader::new(10);
    let visible: Vec<String> = (0..10).map(arn).collect();
    let plan = loader.plan(timing(0), &visible);
    loader.land(&plan[0].0, page(0, 50, None), t(0));
    settle(&mut loader, 0, &visible);
    assert!(loader.plan(timing(1), &visible).is_empty());
    loader.force(t(2));
    let plan = loader.plan(timing(2), &visible);
    assert_eq!(plan[0], (Part::List { token: None }, Priority::Load));
    let d = describes(&plan);
    assert_eq!(d[0], (visible.clone(), Priority::Load));
}

#[test]
fn with_refresh_off_rows_are_described_once() {
    let mut loader: Loader<Item> = Loader::new(10);
    let off = |s| Timing {
        now: t(s),
        refresh: None,
    };
    let plan = loader.plan(off(0), &[]);
    loader.land(&plan[0].0, page(0, 15, None), t(0));
    let plan = loader.plan(off(0), &[]);
    assert_eq!(describes(&plan).len(), 2);
    answer(&mut loader, &plan, t(0));
    assert!(loader.plan(off(10_000), &[]).is_empty());
}

#[test]
fn a_sweep_only_goes_forward_until_every_row_is_fresh() {
    let mut loader: Loader<Item> = Loader::new(10);
    let plan = loader.plan(timing(0), &[]);
    loader.land(&plan[0].0, page(0, 100, None), t(0));
    settle(&mut loader, 0, &[]);
    let mut seen = Vec::new();
    for step in 0..100 {
        let now = 40 + step;
        let plan = loader.plan(timing(now), &[]);
        if let Some((done, total)) = loader.state().sweep {
            seen.push(done * 100 / total);
        }
        if plan.is_empty() && loader.state().sweep.is_none() {
            break;
        }
        for (part, _) in &plan {
            match part {
                Part::Describe { arns } => loader.land(part, described(arns), t(now)),
                Part::List { .. } => loader.land(part, page(0, 100, None), t(now)),
            };
        }
    }
    assert!(seen.len() > 2, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "never backwards: {seen:?}"
    );
    assert_eq!(
        loader.state().sweep,
        None,
        "every row fresh again: {seen:?}"
    );
}
