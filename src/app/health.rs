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

/// The HEALTH cell: `3/3`, `1/3` (warn), `0/3` (error), `-` without a load balancer, `…`
/// until known.
pub fn health_cell(s: &Service, health: &HashMap<String, (usize, usize)>) -> Cell {
    let mut groups = target_groups(s).peekable();
    if groups.peek().is_none() {
        return Cell::text("-").tone(Tone::Dim);
    }
    let mut total = (0, 0);
    for tg in groups {
        let Some((ok, all)) = health.get(tg) else {
            return Cell::text("…").tone(Tone::Dim);
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
    pub(super) fn health_known(&self) -> Arc<HashMap<String, (usize, usize)>> {
        let mut known = HashMap::new();
        for (key, slot) in self.store.slots() {
            if let (
                DataKey::TargetHealth { target_group },
                Some(super::data::Payload::TargetHealth(t)),
            ) = (key, slot.data.as_ref())
            {
                known.insert(
                    target_group.clone(),
                    crate::domain::model::healthy_of([t.as_slice()]),
                );
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
                out.push(Line::field(2, name, "reading…"));
                continue;
            };
            let (ok, all) = crate::domain::model::healthy_of([targets.as_slice()]);
            out.push(Line::field(2, name, format!("{ok}/{all} healthy")));
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
