//! Load balancer target health of the services behind one: the HEALTH column of the
//! services pane (healthy / total over the service's target groups) for the rows on
//! screen, and each target's state, reason and description in the service's describe
//! view. Read with DescribeTargetHealth, one call per target group, every 30 s at most.

use std::collections::HashMap;
use std::sync::Arc;

use super::App;
use super::Popup;
use super::data::{DataKey, target_group_name};
use super::describe::Line;
use super::pane::Pane;
use super::rows::{Cell, Tone};
use crate::domain::model::Service;

/// The target groups a service's load balancers name.
pub fn target_groups(s: &Service) -> impl Iterator<Item = &str> {
    s.load_balancers
        .iter()
        .filter_map(|lb| lb.target_group_arn.as_deref())
}

/// What is known of each target group: healthy and counted targets, or `None` when the
/// last read failed.
pub type HealthKnown = HashMap<String, Option<(usize, usize)>>;

/// The HEALTH cell: `3/3`, `1/3` (warn), `0/3` (error), `-` without a load balancer, `…`
/// until known, `?` when it could not be read (`:errors` says why).
pub fn health_cell(s: &Service, health: &HealthKnown) -> Cell {
    let mut groups = target_groups(s).peekable();
    if groups.peek().is_none() {
        return Cell::text("-").tone(Tone::Dim);
    }
    let mut total = (0, 0);
    for tg in groups {
        let (ok, all) = match health.get(tg) {
            None => return Cell::text("…").tone(Tone::Dim),
            Some(None) => return Cell::text("?").tone(Tone::Error),
            Some(Some(counts)) => counts,
        };
        total = (total.0 + ok, total.1 + all);
    }
    let (ok, all) = total;
    let tone = if all > 0 && ok == 0 {
        Tone::Error
    } else if ok < all {
        Tone::Warn
    } else {
        Tone::Normal
    };
    Cell::text(format!("{ok}/{all}")).tone(tone)
}

impl App {
    /// Target group health known, as healthy / total per target group ARN.
    pub(super) fn health_known(&self) -> Arc<HealthKnown> {
        let mut known = HashMap::new();
        for (key, slot) in self.store.slots() {
            let DataKey::TargetHealth { target_group } = key else {
                continue;
            };
            match (&slot.data, &slot.error) {
                (Some(super::data::Payload::TargetHealth(t)), _) => {
                    known.insert(
                        target_group.clone(),
                        Some(crate::domain::model::healthy_of([t.as_slice()])),
                    );
                }
                (None, Some(_)) => {
                    known.insert(target_group.clone(), None);
                }
                _ => {}
            }
        }
        Arc::new(known)
    }

    /// What target health the screen needs: the services on screen in the services
    /// pane, and the service described.
    pub(super) fn health_keys(&self) -> Vec<DataKey> {
        let mut services: Vec<Arc<Service>> = Vec::new();
        if let Pane::Services { cluster } = &self.view().pane
            && let Some(list) = self.store.services(cluster)
        {
            for id in self.on_screen(self.view()) {
                if let Some(s) = list.get(&id).and_then(|e| e.item.clone()) {
                    services.push(s);
                }
            }
        }
        if let Some(Popup::Describe {
            pane: Pane::Services { cluster },
            id,
            ..
        }) = self.popups.last()
            && let Some(s) = self
                .store
                .services(cluster)
                .and_then(|l| l.get(id))
                .and_then(|e| e.item.clone())
        {
            services.push(s);
        }
        let mut keys: Vec<DataKey> = Vec::new();
        for s in &services {
            for tg in target_groups(s) {
                let key = DataKey::TargetHealth {
                    target_group: tg.to_owned(),
                };
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        keys
    }

    /// The describe view's section on the service's load balancer targets.
    pub(super) fn health_lines(&self, s: &Service) -> Vec<Line> {
        let groups: Vec<&str> = target_groups(s).collect();
        if groups.is_empty() {
            return Vec::new();
        }
        let mut out = vec![Line::heading("Load balancer targets")];
        for tg in groups {
            let name = target_group_name(tg);
            let Some(targets) = self.store.target_health(tg) else {
                let said = match self.store.get(&DataKey::TargetHealth {
                    target_group: tg.to_owned(),
                }) {
                    Some(slot) if slot.error.is_some() => slot
                        .error
                        .as_ref()
                        .map(|e| format!("could not be read: {}", e.message))
                        .unwrap_or_default(),
                    _ => "reading…".to_owned(),
                };
                out.push(Line::field(2, name, said));
                continue;
            };
            let (ok, all) = crate::domain::model::healthy_of([targets.as_slice()]);
            out.push(Line::field(
                2,
                name,
                format!(
                    "{ok}/{all} healthy (unused, draining and registering targets not counted)"
                ),
            ));
            for t in targets.iter() {
                let port = t.port.map(|p| format!(":{p}")).unwrap_or_default();
                let why = [t.reason.as_deref(), t.description.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ");
                let tone = match t.state.as_str() {
                    "healthy" => Tone::Normal,
                    "unhealthy" | "unavailable" => Tone::Error,
                    _ => Tone::Warn,
                };
                let value = if why.is_empty() {
                    t.state.clone()
                } else {
                    format!("{} ({why})", t.state)
                };
                out.push(Line {
                    tone,
                    ..Line::field(4, &format!("{}{port}", t.target), value)
                });
            }
        }
        out
    }
}
