//! The dashboard across several regions (`--region eu-west-1,us-east-1`): the clusters
//! pane gains a REGION column, and every pane below a cluster names it by its ARN, whose
//! region the backend routes each call by. In one region clusters keep their names.

use super::App;
use super::rows::{self, Column, Row};
use crate::domain::model::{Cluster, arn_region, cluster_label};
use crate::domain::sanitize::one_line;

/// The clusters pane across regions: the single-region columns with REGION after NAME.
pub const CLUSTER_REGION_COLUMNS: &[Column] = &[
    rows::col("NAME", 22, true),
    rows::col("REGION", 14, false),
    rows::lowest("STATUS", 8, false),
    rows::col("SERVICES", 8, false),
    rows::col("RUNNING", 7, false),
    rows::col("PENDING", 7, false),
    rows::col("INSTANCES", 9, false),
    rows::low("CAPACITY PROVIDERS", 18, true),
    rows::low("ATTENTION", 9, false),
    rows::low("CPU", 10, false),
    rows::low("MEM", 10, false),
    rows::low("ALARMS", 6, false),
];

/// The clusters' rows with each one's region in the second column.
pub fn cluster_region_rows(clusters: &[Cluster]) -> Vec<Row> {
    rows::cluster_rows(clusters)
        .into_iter()
        .map(|mut row| {
            let region = arn_region(&row.id).unwrap_or("-").to_owned();
            row.cells.insert(1, rows::Cell::text(region));
            row
        })
        .collect()
}

impl App {
    /// How the panes below the clusters pane name `c`.
    pub(super) fn cluster_key(&self, c: &Cluster) -> String {
        if self.identity.spans_regions() {
            c.arn.clone()
        } else {
            c.name.clone()
        }
    }

    /// The key of the cluster on a clusters pane row (`id` its ARN, `name` its name).
    pub(super) fn cluster_key_of_row(&self, id: &str, name: &str) -> String {
        if self.identity.spans_regions() {
            id.to_owned()
        } else {
            name.to_owned()
        }
    }

    /// How the revisions of `family` are asked for when seen from `place` (a cluster or
    /// a task definition, by name or ARN): across regions, a family of another region than
    /// the first is named by its ARN prefix, which the backend routes to that region.
    pub(super) fn family_key(&self, place: &str, family: &str) -> String {
        match arn_region(place) {
            Some(region) if self.identity.spans_regions() && region != self.identity.region => {
                let account = crate::domain::model::arn_account(place).unwrap_or_default();
                format!("arn:aws:ecs:{region}:{account}:task-definition/{family}")
            }
            _ => family.to_owned(),
        }
    }

    /// The key of the cluster a `:find` or `:pulse` row names in its second column.
    pub(super) fn row_cluster(&self, row: &Row) -> String {
        let label = row
            .cells
            .get(1)
            .map(|c| c.text.as_str())
            .unwrap_or_default();
        self.found_cluster(label)
    }

    /// The key of the cluster a `:find` row shows as `label`.
    pub(super) fn found_cluster(&self, label: &str) -> String {
        self.store
            .clusters()
            .and_then(|all| {
                all.iter()
                    .map(|c| self.cluster_key(c))
                    .find(|key| cluster_label(key) == label)
            })
            .unwrap_or_else(|| label.to_owned())
    }

    /// The key for a cluster the user typed (`:services prod`): across regions, the ARN
    /// of the one loaded cluster of that name. `None` (said on the status line) when
    /// loaded clusters of that name are in several regions: which one is not guessed.
    pub(super) fn typed_cluster(&mut self, typed: String) -> Option<String> {
        if let Some(region) = arn_region(&typed) {
            let in_use = if self.identity.spans_regions() {
                self.identity.regions.iter().any(|r| r == region)
            } else {
                region == self.identity.region
            };
            if !in_use {
                self.say(
                    format!(
                        "that cluster is in {}, which is not in use here ({}): :region switches",
                        one_line(region),
                        self.identity.regions_label()
                    ),
                    true,
                );
                return None;
            }
            return Some(typed);
        }
        if !self.identity.spans_regions() {
            return Some(typed);
        }
        let found: Vec<&Cluster> = self
            .store
            .clusters()
            .map(|all| all.iter().filter(|c| c.name == typed).collect())
            .unwrap_or_default();
        match found.as_slice() {
            [one] => Some(one.arn.clone()),
            // Not loaded yet: the backend finds the one region that has it, or says why.
            [] => Some(typed),
            several => {
                let regions: Vec<&str> =
                    several.iter().filter_map(|c| arn_region(&c.arn)).collect();
                self.say(
                    format!(
                        "there is a cluster '{}' in {}: pick one in the clusters pane",
                        one_line(&typed),
                        regions.join(" and ")
                    ),
                    true,
                );
                None
            }
        }
    }
}
