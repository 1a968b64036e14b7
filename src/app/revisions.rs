//! What a revision list says about each revision so the known-good one can be picked
//! without opening each JSON: when it was registered, its images, and where it runs or
//! ran (the service's deployments as AWS lists them, and what this session saw before).
//!
//! Details come from DescribeTaskDefinition, one call per revision, fetched only for the
//! rows on screen and never again (a revision does not change).

use chrono::{DateTime, Utc};

use super::App;
use super::Popup;
use super::data::DataKey;
use super::dialogs::{Dialog, Pick};
use super::pane::Pane;
use super::rows::{Cell, Row, SortKey, Tone};
use crate::domain::model::{Service, TaskDefinition, arn_name, revision_of};

/// A container image in a few characters: the repository's last path part with its tag,
/// or with the first 12 hex digits of its digest (`orders@sha256:0123456789ab…`).
pub fn image_short(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    // The last path part; a registry port (`host:5000/app`) is not a tag.
    let last = name.rsplit('/').next().unwrap_or(name);
    match digest {
        Some(d) => {
            let (algo, hex) = d.split_once(':').unwrap_or(("", d));
            let short: String = hex.chars().take(12).collect();
            let cut = if hex.chars().count() > 12 { "…" } else { "" };
            if algo.is_empty() {
                format!("{last}@{short}{cut}")
            } else {
                format!("{last}@{algo}:{short}{cut}")
            }
        }
        None => last.to_string(),
    }
}

/// Every container's image, short, in the definition's order.
pub fn images_of(td: &TaskDefinition) -> String {
    td.containers
        .iter()
        .map(|c| image_short(&c.image))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How revision `arn` stands in `service`: what it runs, rolls out, failed, or ran
/// before; `None` when the revision has nothing to do with it as far as is known.
pub fn usage_in(service: &Service, ran_before: &[&str], arn: &str) -> Option<&'static str> {
    let rolling = service.deployments.len() > 1;
    let mine = || {
        service
            .deployments
            .iter()
            .filter(|d| d.task_definition == arn)
    };
    if let Some(d) = mine().find(|d| d.status == "PRIMARY") {
        return Some(
            if rolling && d.rollout_state.as_deref() != Some("COMPLETED") {
                "rolling out"
            } else {
                "running now"
            },
        );
    }
    if let Some(d) = mine().next() {
        return Some(match d.rollout_state.as_deref() {
            Some("FAILED") => "failed",
            _ => "previous (still running)",
        });
    }
    if service.deployments.is_empty() && service.task_definition == arn {
        return Some("running now");
    }
    ran_before.contains(&arn).then_some("ran before")
}

pub const REVISION_COLUMNS: &[super::rows::Column] = &[
    super::rows::col("REVISION", 8, false),
    super::rows::col("IN USE", 12, true),
    super::rows::col("REGISTERED", 16, false),
    super::rows::low("IMAGES", 28, true),
    super::rows::lowest("TASK DEFINITION", 24, true),
    super::rows::low("MARK", 6, false),
];

impl App {
    /// Every service whose list is loaded, with the cluster it belongs to.
    fn loaded_services(&self) -> Vec<&Service> {
        let mut all = Vec::new();
        if let Some(clusters) = self.store.clusters() {
            for c in clusters.iter() {
                if let Some(list) = self.store.services(&self.cluster_key(c)) {
                    all.extend(list.iter());
                }
            }
        }
        all
    }

    /// Where a revision is in use across the services loaded: `running now: orders`.
    pub fn revision_usage(&self, arn: &str) -> String {
        let mut uses: Vec<String> = Vec::new();
        for s in self.loaded_services() {
            let before = self.store.ran_before(s);
            if let Some(u) = usage_in(s, &before, arn) {
                uses.push(format!("{u}: {}", s.name));
            }
        }
        uses.join("; ")
    }

    /// The revisions pane's rows: number, registration time, images, where in use.
    pub fn revision_rows(&self, family: &str) -> Vec<Row> {
        let Some(f) = self.store.family(family) else {
            return Vec::new();
        };
        f.revisions
            .iter()
            .map(|arn| {
                let name = arn_name(arn);
                let revision = revision_of(arn).map_or(0, i64::from);
                let td = self.store.task_definition(arn);
                let usage = self.revision_usage(arn);
                let tone = if usage.starts_with("failed") {
                    Tone::Error
                } else if usage.is_empty() {
                    Tone::Normal
                } else {
                    Tone::Ok
                };
                Row {
                    id: arn.clone(),
                    cells: vec![
                        Cell::num(revision),
                        Cell::text(usage).tone(tone),
                        registered_cell(td.and_then(|t| t.registered_at), td.is_some()),
                        Cell::text(td.map_or_else(|| "…".to_string(), |t| images_of(t))),
                        Cell::text(name),
                        Cell::text(if self.marked.as_deref() == Some(arn.as_str()) {
                            "marked"
                        } else {
                            ""
                        }),
                    ],
                    tone: Tone::Normal,
                }
            })
            .collect()
    }

    /// What the roll-out picker says of one revision: where it stands in the service
    /// (`running now`, `failed`, `ran before`…) and when it was registered with its
    /// images (`2026-11-19 14:03  orders:1.6.1, envoy:v1.27`; `…` while loading).
    pub fn pick_facts(&self, pick: &Pick, arn: &str) -> (Option<&'static str>, String) {
        let usage = self
            .store
            .service(&pick.cluster, &pick.service)
            .map(|s| s.as_ref())
            .or_else(|| {
                self.store
                    .services(&pick.cluster)
                    .and_then(|l| l.iter().find(|s| s.name == pick.service))
            })
            .and_then(|s| usage_in(s, &self.store.ran_before(s), arn))
            .or_else(|| (arn == pick.current).then_some("running now"));
        let details = match self.store.task_definition(arn) {
            Some(t) => format!(
                "{}  {}",
                super::format::minute(t.registered_at),
                images_of(t)
            ),
            None => "…".into(),
        };
        (usage, details)
    }

    /// The revisions whose details the screen shows now: the rows of a revisions pane
    /// in view and the picker's window. Nothing else is described.
    pub(super) fn revision_detail_keys(&self) -> Vec<DataKey> {
        let page = self.page_rows.max(1);
        let mut arns: Vec<String> = Vec::new();
        if let Pane::Revisions { .. } = &self.view().pane {
            let (_, rows) = self.rows(self.view());
            let start = self.view().offset.min(rows.len());
            arns.extend(rows[start..].iter().take(page).map(|r| r.id.clone()));
        }
        for popup in &self.popups {
            if let Popup::Dialog(d) = popup
                && let Dialog::Pick(p) = d.as_ref()
                && let Some(options) = self.pick_options(p)
            {
                let start = p.selected.saturating_sub(page.saturating_sub(1));
                arns.extend(options.into_iter().skip(start).take(page));
            }
        }
        arns.into_iter()
            .map(|arn| DataKey::TaskDefinition { arn })
            .collect()
    }
}

/// Registration time to the minute, sorting by the time; `…` while it loads.
fn registered_cell(at: Option<DateTime<Utc>>, loaded: bool) -> Cell {
    let mut cell = Cell::text(if loaded {
        super::format::minute(at)
    } else {
        "…".into()
    });
    cell.sort = SortKey::Num(at.map_or(i64::MIN, |t| t.timestamp_millis()));
    cell
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Deployment;

    #[test]
    fn images_keep_their_tag_or_a_short_digest() {
        assert_eq!(
            image_short("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/orders:1.6.1"),
            "orders:1.6.1"
        );
        assert_eq!(image_short("registry:5000/app"), "app");
        assert_eq!(image_short("nginx"), "nginx");
        assert_eq!(
            image_short("public.ecr.aws/envoy@sha256:0123456789abcdef0123"),
            "envoy@sha256:0123456789ab…"
        );
        assert_eq!(image_short("x@sha256:abc"), "x@sha256:abc");
    }

    fn deployment(arn: &str, status: &str, state: &str) -> Deployment {
        Deployment {
            id: format!("ecs-svc/{arn}"),
            status: status.into(),
            task_definition: arn.into(),
            rollout_state: Some(state.into()),
            ..Deployment::default()
        }
    }

    #[test]
    fn usage_reads_the_deployments_then_the_session() {
        let mut svc = crate::app::tests::service("prod", "orders");
        svc.task_definition = "td:25".into();
        svc.deployments = vec![
            deployment("td:25", "PRIMARY", "IN_PROGRESS"),
            deployment("td:26", "ACTIVE", "FAILED"),
            deployment("td:24", "ACTIVE", "COMPLETED"),
        ];
        let before = ["td:23"];
        assert_eq!(usage_in(&svc, &before, "td:25"), Some("rolling out"));
        assert_eq!(usage_in(&svc, &before, "td:26"), Some("failed"));
        assert_eq!(
            usage_in(&svc, &before, "td:24"),
            Some("previous (still running)")
        );
        assert_eq!(usage_in(&svc, &before, "td:23"), Some("ran before"));
        assert_eq!(usage_in(&svc, &before, "td:22"), None);
        svc.deployments = vec![deployment("td:25", "PRIMARY", "COMPLETED")];
        assert_eq!(usage_in(&svc, &before, "td:25"), Some("running now"));
    }

    #[test]
    fn the_store_remembers_what_a_service_ran_before() {
        use super::super::data::{Payload, Store};
        use std::sync::Arc;
        let mut store = Store::default();
        let key = DataKey::Services {
            cluster: "prod".into(),
        };
        let at = chrono::Utc::now();
        let mut svc = crate::app::tests::service("prod", "orders");
        for td in ["td:24", "td:24", "td:25", "td:26", "td:25"] {
            svc.task_definition = td.into();
            store.land(
                &key,
                Ok(Payload::Services(Arc::new(vec![svc.clone()].into()))),
                at,
            );
        }
        // Runs td:25 again (a rollback): what ran before is td:26 then td:24, once each.
        assert_eq!(store.ran_before(&svc), ["td:26", "td:24"]);
        svc.task_definition = "td:27".into();
        store.put_service("prod", svc.clone());
        assert_eq!(store.ran_before(&svc), ["td:25", "td:26", "td:24"]);
    }
}
