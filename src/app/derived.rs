//! What the screen shows that is derived from the app's state (diffs, pretty JSON,
//! rollout progress, describe lines, the roll-out picker's facts, the auto scaling
//! pane's lines): computed when its input changes and kept, so drawing only draws.
//!
//! Each view has one memo: the key it was computed from and the value. A key holds the
//! store's answers it was built from (never bare addresses), so no newer answer can take
//! an address while it is remembered, and equal addresses mean the same answer.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::App;
use super::describe;
use super::dialogs::Pick;
use super::listing::Listing;
use super::pane::Pane;
use super::scaling::Section;
use super::shown::{Rows, Shown};
use crate::domain::model::{Service, Task, TaskScope, arn_name};
use crate::ops::diff::{self, DiffLine};
use crate::ops::model::Scaling;
use crate::ops::rollout::{self, Progress};
use crate::ops::taskdef;

/// Memos of derived views, each keyed by what it was computed from.
#[derive(Debug, Default)]
pub struct Derived {
    revision: Memo<Held, String>,
    diff: Memo<DiffKey, Vec<DiffLine>>,
    progress: Memo<ProgressKey, Progress>,
    describe: Memo<DescribeKey, Described>,
    pick: Memo<PickKey, Vec<PickFacts>>,
    scaling: Memo<ScalingKey, ScalingLayout>,
}

/// One kept value and the key it was computed from.
#[derive(Debug)]
struct Memo<K, V>(RefCell<Option<(K, Rc<V>)>>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(RefCell::new(None))
    }
}

impl<K: PartialEq, V> Memo<K, V> {
    /// The value kept for `key`; otherwise `compute`'s, kept in its place.
    fn get(&self, key: K, compute: impl FnOnce() -> V) -> Rc<V> {
        if let Some((kept, value)) = self.0.borrow().as_ref()
            && *kept == key
        {
            return Rc::clone(value);
        }
        let value = Rc::new(compute());
        *self.0.borrow_mut() = Some((key, Rc::clone(&value)));
        value
    }
}

/// An answer from the store (or none yet), held by the key that remembers it and
/// compared by address.
#[derive(Debug, Clone)]
struct Held(Option<Arc<dyn Any>>);

impl Held {
    fn of<T: 'static>(answer: Option<&Arc<T>>) -> Held {
        Held(answer.map(|a| Arc::clone(a) as Arc<dyn Any>))
    }
}

impl PartialEq for Held {
    fn eq(&self, other: &Held) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b)),
            (None, None) => true,
            _ => false,
        }
    }
}

/// Two revisions' documents, older first.
#[derive(Debug, PartialEq)]
struct DiffKey {
    old: Held,
    new: Held,
}

#[derive(Debug, PartialEq)]
struct ProgressKey {
    service: Held,
    deployment_id: String,
    since: DateTime<Utc>,
}

#[derive(Debug, PartialEq)]
struct DescribeKey {
    pane: Pane,
    id: String,
    /// Every answer the outline reads.
    answers: Vec<Held>,
    /// Ages in the outline move with the clock (services only).
    now: Option<DateTime<Utc>>,
}

#[derive(Debug, PartialEq)]
struct PickKey {
    cluster: String,
    service: String,
    current: String,
    arns: Vec<String>,
    /// What the service ran before is kept by the store and changes with its answers.
    generation: u64,
    /// The service, its cluster's services and the revisions' task definitions.
    answers: Vec<Held>,
}

#[derive(Debug)]
struct ScalingKey {
    scaling: Held,
    /// Held, and compared by address, as the answers are.
    rows: Rc<Rows>,
    canonical: bool,
}

impl PartialEq for ScalingKey {
    fn eq(&self, other: &ScalingKey) -> bool {
        self.scaling == other.scaling
            && Rc::ptr_eq(&self.rows, &other.rows)
            && self.canonical == other.canonical
    }
}

/// A describe view: its title, and the row's outline while the row exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Described {
    pub title: String,
    pub outline: Option<Vec<describe::Line>>,
}

/// What the roll-out picker says of one revision (see `App::pick_facts`).
pub type PickFacts = (Option<&'static str>, String);

/// One line of the auto scaling pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalingLine {
    Blank,
    Heading(Section),
    /// A section's column titles.
    Header(Section),
    /// The pane's row at this index.
    Row(usize),
    /// What an empty section says instead of rows.
    Placeholder(&'static str),
}

/// The auto scaling pane laid out by section.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalingLayout {
    pub lines: Vec<ScalingLine>,
    /// The section of each of the pane's rows, by index.
    pub sections: Vec<Section>,
}

impl App {
    /// A revision as the JSON RegisterTaskDefinition takes, indented; `None` until it
    /// has loaded.
    pub fn revision_json(&self, arn: &str) -> Option<Rc<String>> {
        let doc = self.store.task_def_doc(arn)?;
        Some(
            self.derived
                .revision
                .get(Held::of(Some(doc)), || taskdef::pretty(&doc.json)),
        )
    }

    /// Two revisions compared, older first; `None` until both have loaded.
    pub fn revision_diff(&self, old: &str, new: &str) -> Option<Rc<Vec<DiffLine>>> {
        let a = self.store.task_def_doc(old)?;
        let b = self.store.task_def_doc(new)?;
        let key = DiffKey {
            old: Held::of(Some(a)),
            new: Held::of(Some(b)),
        };
        Some(self.derived.diff.get(key, || {
            diff::unified(&taskdef::pretty(&a.json), &taskdef::pretty(&b.json), 3)
        }))
    }

    /// Where deployment `deployment_id` stands in `service` (an answer from the store),
    /// counting events since `since`.
    pub fn rollout_progress(
        &self,
        service: &Arc<Service>,
        deployment_id: &str,
        since: DateTime<Utc>,
    ) -> Rc<Progress> {
        let key = ProgressKey {
            service: Held::of(Some(service)),
            deployment_id: deployment_id.to_string(),
            since,
        };
        self.derived
            .progress
            .get(key, || rollout::progress(service, deployment_id, since))
    }

    /// The describe view of row `id` of `pane`, read from the current data so it stays
    /// fresh.
    pub fn described<'a>(&'a self, pane: &Pane, id: &str) -> Rc<Described> {
        let name = arn_name(id);
        let key = |answers: Vec<Held>, now: Option<DateTime<Utc>>| DescribeKey {
            pane: pane.clone(),
            id: id.to_string(),
            answers,
            now,
        };
        let memo = &self.derived.describe;
        match pane {
            Pane::Clusters => {
                let all = self.store.clusters();
                let answers = vec![Held::of(all), Held::of(self.store.alarms())];
                memo.get(key(answers, Some(self.now)), || Described {
                    title: format!("cluster {name}"),
                    outline: all.and_then(|c| c.iter().find(|c| c.arn == id)).map(|c| {
                        let mut out = self.cluster_alarm_lines(&self.cluster_key(c));
                        out.extend(describe::outline(c, &[]));
                        out
                    }),
                })
            }
            Pane::Services { cluster } => {
                let all = self.store.services(cluster);
                let s = all.and_then(|s| s.iter().find(|s| s.arn == id));
                let td = s.and_then(|s| self.store.task_definition(&s.task_definition));
                let stopped =
                    s.and_then(|s| self.store.tasks(cluster, Some(&s.name), TaskScope::Stopped));
                let mut answers = vec![
                    Held::of(all),
                    Held::of(td),
                    Held::of(stopped),
                    Held::of(self.store.alarms()),
                ];
                if let Some(s) = s {
                    answers.extend(
                        super::health::target_groups(s)
                            .map(|tg| Held::of(self.store.target_health(tg))),
                    );
                }
                memo.get(key(answers, Some(self.now)), || Described {
                    title: format!("service {name}"),
                    outline: s.map(|s| {
                        // Why its tasks die first: what an operator asks in an incident.
                        let deaths = self.death_lines(cluster, &s.name);
                        let mut out = describe::deaths(deaths);
                        out.extend(self.health_lines(s));
                        out.extend(self.alarm_lines(cluster, s));
                        out.extend(describe::service(s, td.map(|t| t.as_ref()), self.now));
                        out
                    }),
                })
            }
            Pane::Tasks {
                cluster, service, ..
            } => {
                let running = self
                    .store
                    .tasks(cluster, service.as_deref(), TaskScope::Running);
                let stopped = self
                    .store
                    .tasks(cluster, service.as_deref(), TaskScope::Stopped);
                let find = |all: Option<&'a Arc<Listing<Task>>>| {
                    all.and_then(|t| t.iter().find(|t| t.arn == id))
                };
                let t = find(running).or_else(|| find(stopped));
                let td = t.and_then(|t| self.store.task_definition(&t.task_definition_arn));
                let answers = vec![Held::of(running), Held::of(stopped), Held::of(td)];
                memo.get(key(answers, None), || Described {
                    title: format!("task {name}"),
                    outline: t.map(|t| describe::task(t, td.map(|t| t.as_ref()))),
                })
            }
            Pane::Instances { cluster } => {
                let all = self.store.instances(cluster);
                memo.get(key(vec![Held::of(all)], None), || Described {
                    title: format!("container instance {name}"),
                    outline: all
                        .and_then(|i| i.iter().find(|i| i.arn == id))
                        .map(|i| describe::outline(i, &[])),
                })
            }
            _ => memo.get(key(Vec::new(), None), || Described {
                title: pane.noun().to_string(),
                outline: None,
            }),
        }
    }

    /// What the roll-out picker says of each of `arns` (the revisions on screen), in
    /// their order.
    pub fn pick_window(&self, pick: &Pick, arns: &[String]) -> Rc<Vec<PickFacts>> {
        let mut answers = vec![
            Held::of(self.store.service(&pick.cluster, &pick.service)),
            Held::of(self.store.services(&pick.cluster)),
        ];
        answers.extend(arns.iter().map(|a| Held::of(self.store.task_definition(a))));
        let key = PickKey {
            cluster: pick.cluster.clone(),
            service: pick.service.clone(),
            current: pick.current.clone(),
            arns: arns.to_vec(),
            generation: self.store.generation(),
            answers,
        };
        self.derived.pick.get(key, || {
            arns.iter().map(|arn| self.pick_facts(pick, arn)).collect()
        })
    }

    /// The auto scaling pane's lines for its `rows` (from `rows`): in `canonical` order
    /// (unfiltered, unsorted) every section in turn, empty ones saying so; otherwise the
    /// rows in their order, with a heading wherever the section changes, so moving the
    /// selection always moves down the screen.
    pub fn scaling_layout(
        &self,
        scaling: &Arc<Scaling>,
        rows: &Rc<Rows>,
        canonical: bool,
    ) -> Rc<ScalingLayout> {
        let key = ScalingKey {
            scaling: Held::of(Some(scaling)),
            rows: Rc::clone(rows),
            canonical,
        };
        self.derived.scaling.get(key, || {
            let sections: Vec<Section> = rows.iter().map(|r| Section::of(scaling, &r.id)).collect();
            ScalingLayout {
                lines: scaling_lines(rows, &sections, canonical),
                sections,
            }
        })
    }
}

/// The lines of the auto scaling pane, given each row's section.
fn scaling_lines(rows: &[Rc<Shown>], sections: &[Section], canonical: bool) -> Vec<ScalingLine> {
    let mut lines = Vec::new();
    let with_columns = |s: Section| {
        rows.iter()
            .zip(sections)
            .any(|(r, &of)| r.cells.len() > 1 && of == s)
    };
    if canonical {
        for section in Section::ALL {
            let members: Vec<usize> = sections
                .iter()
                .enumerate()
                .filter(|&(_, &of)| of == section)
                .map(|(i, _)| i)
                .collect();
            let placeholder = section.placeholder();
            if members.is_empty() && placeholder.is_none() {
                continue;
            }
            if !lines.is_empty() {
                lines.push(ScalingLine::Blank);
            }
            lines.push(ScalingLine::Heading(section));
            match placeholder {
                Some(text) if members.is_empty() => lines.push(ScalingLine::Placeholder(text)),
                _ => {
                    if with_columns(section) {
                        lines.push(ScalingLine::Header(section));
                    }
                    lines.extend(members.into_iter().map(ScalingLine::Row));
                }
            }
        }
        return lines;
    }
    let mut previous = None;
    for (i, &section) in sections.iter().enumerate() {
        if previous != Some(section) {
            if !lines.is_empty() {
                lines.push(ScalingLine::Blank);
            }
            lines.push(ScalingLine::Heading(section));
            if with_columns(section) {
                lines.push(ScalingLine::Header(section));
            }
            previous = Some(section);
        }
        lines.push(ScalingLine::Row(i));
    }
    lines
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;
    use std::sync::Arc;

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use serde_json::json;

    use super::ScalingLine;
    use crate::app::App;
    use crate::app::data::{DataKey, Payload};
    use crate::app::dialogs::Pick;
    use crate::app::pane::Pane;
    use crate::app::scaling::Section;
    use crate::app::tests::service;
    use crate::domain::Identity;
    use crate::domain::model::{Deployment, TaskDefinition};
    use crate::ops::model::{Family, TaskDefDoc};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
    }

    fn app() -> App {
        App::new(Identity::default(), vec![Pane::Clusters], t0(), None)
    }

    fn land(app: &mut App, key: DataKey, payload: Payload) {
        app.store.land(&key, Ok(payload), app.now);
    }

    fn doc(arn: &str, image: &str) -> Payload {
        Payload::TaskDefDoc(Arc::new(TaskDefDoc {
            arn: arn.into(),
            family: "web".into(),
            revision: 1,
            json: json!({"family": "web", "containerDefinitions": [{"image": image}]}),
        }))
    }

    fn doc_key(arn: &str) -> DataKey {
        DataKey::TaskDefDoc { arn: arn.into() }
    }

    fn services(list: Vec<crate::domain::model::Service>) -> Payload {
        Payload::Services(Arc::new(list.into()))
    }

    fn services_key() -> DataKey {
        DataKey::Services {
            cluster: "prod".into(),
        }
    }

    #[test]
    fn revision_json_is_kept_until_a_new_document_lands() {
        let mut app = app();
        assert!(app.revision_json("web:1").is_none(), "nothing to show yet");
        land(&mut app, doc_key("web:1"), doc("web:1", "nginx:1"));
        let first = app.revision_json("web:1").unwrap();
        assert!(first.contains("\"image\": \"nginx:1\""), "{first}");
        assert!(Rc::ptr_eq(&first, &app.revision_json("web:1").unwrap()));
        // The same text from a new answer is still computed again.
        land(&mut app, doc_key("web:1"), doc("web:1", "nginx:1"));
        let again = app.revision_json("web:1").unwrap();
        assert!(!Rc::ptr_eq(&first, &again));
        assert_eq!(first, again);
        land(&mut app, doc_key("web:2"), doc("web:2", "nginx:2"));
        let other = app.revision_json("web:2").unwrap();
        assert!(other.contains("nginx:2"), "{other}");
    }

    #[test]
    fn a_diff_is_kept_until_either_side_changes() {
        let mut app = app();
        land(&mut app, doc_key("web:1"), doc("web:1", "nginx:1"));
        assert!(
            app.revision_diff("web:1", "web:2").is_none(),
            "one side loading"
        );
        land(&mut app, doc_key("web:2"), doc("web:2", "nginx:2"));
        let first = app.revision_diff("web:1", "web:2").unwrap();
        assert!(!first.is_empty());
        assert!(Rc::ptr_eq(
            &first,
            &app.revision_diff("web:1", "web:2").unwrap()
        ));
        let reversed = app.revision_diff("web:2", "web:1").unwrap();
        assert!(!Rc::ptr_eq(&first, &reversed));
        assert_ne!(first, reversed, "the sides swap");
        land(&mut app, doc_key("web:2"), doc("web:2", "nginx:1"));
        let same = app.revision_diff("web:1", "web:2").unwrap();
        assert!(same.is_empty(), "the new answer is identical: {same:?}");
    }

    fn deployment(id: &str) -> Deployment {
        Deployment {
            id: id.into(),
            status: "PRIMARY".into(),
            task_definition: format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/{id}"),
            desired: 2,
            running: 1,
            ..Deployment::default()
        }
    }

    #[test]
    fn rollout_progress_is_kept_per_answer_deployment_and_start() {
        let mut app = app();
        let key = DataKey::Service {
            cluster: "prod".into(),
            service: "api".into(),
        };
        let mut svc = service("prod", "api");
        svc.deployments = vec![deployment("new"), deployment("old")];
        land(
            &mut app,
            key.clone(),
            Payload::Service(Arc::new(svc.clone())),
        );
        let answer = Arc::clone(app.store.service("prod", "api").unwrap());
        let first = app.rollout_progress(&answer, "new", t0());
        assert_eq!(first.deployment_id, "new");
        assert!(Rc::ptr_eq(
            &first,
            &app.rollout_progress(&answer, "new", t0())
        ));

        let other = app.rollout_progress(&answer, "old", t0());
        assert!(!Rc::ptr_eq(&first, &other));
        assert_eq!(other.deployment_id, "old");

        let first = app.rollout_progress(&answer, "new", t0());
        let later = app.rollout_progress(&answer, "new", t0() + Duration::seconds(1));
        assert!(!Rc::ptr_eq(&first, &later), "a different start");

        svc.deployments[0].running = 2;
        land(&mut app, key, Payload::Service(Arc::new(svc)));
        let answer = Arc::clone(app.store.service("prod", "api").unwrap());
        let landed = app.rollout_progress(&answer, "new", t0() + Duration::seconds(1));
        assert!(!Rc::ptr_eq(&later, &landed), "a new answer landed");
        assert_eq!((later.new_running, landed.new_running), (1, 2));
    }

    fn td(arn: &str) -> TaskDefinition {
        TaskDefinition {
            arn: arn.into(),
            family: "api".into(),
            revision: 3,
            status: "ACTIVE".into(),
            task_role_arn: None,
            execution_role_arn: None,
            network_mode: None,
            cpu: None,
            memory: None,
            requires_compatibilities: Vec::new(),
            containers: Vec::new(),
            registered_at: Some(t0()),
        }
    }

    #[test]
    fn describe_lines_are_kept_until_the_row_the_clock_or_a_definition_changes() {
        let mut app = app();
        let pane = Pane::Services {
            cluster: "prod".into(),
        };
        let api = service("prod", "api");
        let id = api.arn.clone();
        assert_eq!(app.described(&pane, &id).outline, None, "not loaded yet");
        land(&mut app, services_key(), services(vec![api.clone()]));
        let first = app.described(&pane, &id);
        assert_eq!(first.title, "service api");
        assert!(first.outline.is_some());
        assert!(Rc::ptr_eq(&first, &app.described(&pane, &id)));

        app.now += Duration::seconds(1);
        let tick = app.described(&pane, &id);
        assert!(!Rc::ptr_eq(&first, &tick), "ages move with the clock");
        assert!(Rc::ptr_eq(&tick, &app.described(&pane, &id)));

        let arn = api.task_definition.clone();
        land(
            &mut app,
            DataKey::TaskDefinition { arn: arn.clone() },
            Payload::TaskDefinition(Arc::new(td(&arn))),
        );
        let with_td = app.described(&pane, &id);
        assert!(!Rc::ptr_eq(&tick, &with_td), "its task definition landed");

        let mut renamed = api.clone();
        renamed.desired = 7;
        land(&mut app, services_key(), services(vec![renamed]));
        let fresh = app.described(&pane, &id);
        assert!(!Rc::ptr_eq(&with_td, &fresh), "a new answer landed");
        assert_ne!(with_td.outline, fresh.outline);

        let gone = app.described(&pane, "arn:aws:ecs:eu-west-1:123456789012:service/prod/x");
        assert!(!Rc::ptr_eq(&fresh, &gone));
        assert_eq!((gone.title.as_str(), &gone.outline), ("service x", &None));

        let clusters = app.described(&Pane::Clusters, &id);
        assert_eq!(clusters.title, "cluster api", "another pane, another view");
    }

    #[test]
    fn pick_facts_are_kept_until_an_answer_lands_or_the_window_moves() {
        let mut app = app();
        let api = service("prod", "api");
        let family = "api";
        let arns: Vec<String> = (1..=3)
            .rev()
            .map(|n| format!("arn:aws:ecs:eu-west-1:123456789012:task-definition/api:{n}"))
            .collect();
        land(
            &mut app,
            DataKey::Family {
                name: family.into(),
            },
            Payload::Family(Arc::new(Family {
                name: family.into(),
                revisions: arns.clone(),
            })),
        );
        land(&mut app, services_key(), services(vec![api.clone()]));
        let pick = Pick {
            cluster: "prod".into(),
            service: "api".into(),
            family: family.into(),
            current: api.task_definition.clone(),
            selected: 0,
            force: false,
        };
        let first = app.pick_window(&pick, &arns[..2]);
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].1, "…", "its definition is loading");
        assert!(Rc::ptr_eq(&first, &app.pick_window(&pick, &arns[..2])));

        let moved = app.pick_window(&pick, &arns[1..]);
        assert!(!Rc::ptr_eq(&first, &moved), "another window");
        let first = app.pick_window(&pick, &arns[..2]);

        land(
            &mut app,
            DataKey::TaskDefinition {
                arn: arns[1].clone(),
            },
            Payload::TaskDefinition(Arc::new(td(&arns[1]))),
        );
        let loaded = app.pick_window(&pick, &arns[..2]);
        assert!(!Rc::ptr_eq(&first, &loaded), "a definition landed");
        assert_ne!(loaded[1].1, "…");

        let other = Pick {
            current: arns[2].clone(),
            ..pick.clone()
        };
        assert!(!Rc::ptr_eq(&loaded, &app.pick_window(&other, &arns[..2])));
    }

    #[test]
    fn the_scaling_layout_is_kept_until_rows_answer_or_order_change() {
        use crate::app::scaling::tests::{app_with, sample};
        let mut app = app_with(sample());
        let (_, rows) = app.rows(app.view());
        let scaling = Arc::clone(app.store.scaling("prod", "api").unwrap());
        let first = app.scaling_layout(&scaling, &rows, true);
        assert_eq!(first.sections.len(), rows.len());
        assert_eq!(first.lines[0], ScalingLine::Heading(Section::Target));
        assert!(Rc::ptr_eq(
            &first,
            &app.scaling_layout(&scaling, &rows, true)
        ));

        let sorted = app.scaling_layout(&scaling, &rows, false);
        assert!(!Rc::ptr_eq(&first, &sorted), "another order");

        let rebuilt = Rc::new(rows.as_ref().clone());
        let again = app.scaling_layout(&scaling, &rebuilt, false);
        assert!(!Rc::ptr_eq(&sorted, &again), "other rows");
        assert_eq!(sorted, again);

        app.store.land(
            &DataKey::Scaling {
                cluster: "prod".into(),
                service: "api".into(),
            },
            Ok(Payload::Scaling(Arc::new(sample()))),
            app.now,
        );
        let landed = Arc::clone(app.store.scaling("prod", "api").unwrap());
        let fresh = app.scaling_layout(&landed, &rebuilt, false);
        assert!(!Rc::ptr_eq(&again, &fresh), "a new answer landed");
    }
}
