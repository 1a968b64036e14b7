//! Rolling a service out to a revision (`R`, the picker and its keys) and back (`b` in the
//! rollout view), and opening the rollout view once UpdateService has answered.

use crossterm::event::KeyEvent;

use super::Dialog;
use crate::app::data::{DataKey, Payload};
use crate::app::form::After;
use crate::app::keymap::{Command, place};
use crate::app::pane::Pane;
use crate::app::{App, Effect};
use crate::domain::model::{Service, arn_name, family_of};
use crate::ops::Mutation;

/// Choosing a revision to roll out.
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub cluster: String,
    pub service: String,
    pub family: String,
    /// The task definition the service runs now.
    pub current: String,
    pub selected: usize,
    pub force: bool,
}

impl App {
    pub(in crate::app) fn open_rollout_picker(&mut self) {
        if self.refuse_read_only("deploying") {
            return;
        }
        let Some((cluster, s)) = self.selected_service() else {
            return;
        };
        let family = family_of(&s.task_definition).to_string();
        self.open_dialog(Dialog::Pick(Pick {
            cluster,
            service: s.name.clone(),
            family,
            current: s.task_definition.clone(),
            selected: 0,
            force: false,
        }));
    }

    /// The revisions a picker offers, newest first.
    pub fn pick_options(&self, pick: &Pick) -> Option<Vec<String>> {
        self.store
            .family(&self.family_key(&pick.cluster, &pick.family))
            .map(|f| f.revisions.clone())
    }

    /// Keys in the picker: move, `f` (`force`) to force a new deployment, Enter
    /// (`submit`) to confirm.
    pub(super) fn pick_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let command = self.keymap.lookup(&key, place::PICKER);
        let Some(Dialog::Pick(p)) = self.dialog() else {
            return Vec::new();
        };
        let options = self.pick_options(p);
        let Some(Dialog::Pick(p)) = self.dialog_mut() else {
            return Vec::new();
        };
        let n = options.as_ref().map_or(0, Vec::len);
        match command {
            Some(Command::Cancel) => self.close_dialog(),
            Some(Command::Down) if n > 0 => p.selected = (p.selected + 1).min(n - 1),
            Some(Command::Up) => p.selected = p.selected.saturating_sub(1),
            Some(Command::Force) => p.force = !p.force,
            Some(Command::Submit) => {
                let Some(to) = options.as_ref().and_then(|o| o.get(p.selected).cloned()) else {
                    // No revision to pick: a forced deployment of what runs now still is.
                    if p.force {
                        let p = p.clone();
                        let to = p.current.clone();
                        self.close_dialog();
                        self.confirm_rollout(p, to);
                    } else if options.is_some() {
                        let force = self.keymap.key_for(Command::Force, place::PICKER);
                        self.say(
                            format!("no revision to pick: {force} forces a new deployment of what runs now"),
                            true,
                        );
                    }
                    return Vec::new();
                };
                let p = p.clone();
                self.close_dialog();
                self.confirm_rollout(p, to);
            }
            _ => {}
        }
        Vec::new()
    }

    /// The revision picked: confirm rolling out to it, with the diff from what runs now.
    fn confirm_rollout(&mut self, p: Pick, to: String) {
        if to == p.current && !p.force {
            let force = self.keymap.key_for(Command::Force, place::PICKER);
            self.say(
                format!(
                    "{} already runs {}: press {force} in the list to force a new deployment",
                    p.service,
                    arn_name(&to)
                ),
                true,
            );
            return;
        }
        let mut confirm = self.confirmation(
            format!("Roll out to {}", p.service),
            vec![Mutation::Deploy {
                cluster: p.cluster.clone(),
                service: p.service.clone(),
                from: p.current.clone(),
                to: to.clone(),
                force: p.force,
            }],
            Vec::new(),
            After::FollowRollout {
                cluster: p.cluster,
                service: p.service,
                previous: p.current.clone(),
            },
        );
        confirm.diff_loading = p.current != to;
        self.open_dialog(Dialog::Confirm(confirm));
        self.fill_confirm_diff();
    }

    pub(in crate::app) fn rollback(&mut self) {
        if self.refuse_read_only("rolling back") {
            return;
        }
        let Pane::Rollout {
            cluster,
            service,
            previous,
            ..
        } = self.view().pane.clone()
        else {
            return;
        };
        let Pane::Rollout { deployment_id, .. } = &self.view().pane else {
            return;
        };
        // What the followed deployment rolls out, else what the service runs.
        let current = self
            .store
            .service(&cluster, &service)
            .map(|s| {
                s.deployments
                    .iter()
                    .find(|d| &d.id == deployment_id)
                    .map_or_else(|| s.task_definition.clone(), |d| d.task_definition.clone())
            })
            .unwrap_or_default();
        if current.is_empty() {
            self.say("the service has not loaded yet", true);
            return;
        }
        if current == previous {
            // Already there (the circuit breaker rolled back, or an earlier `b`): say
            // whether getting there is finished.
            let state = self
                .store
                .service(&cluster, &service)
                .and_then(|s| s.primary_deployment().cloned())
                .filter(|d| d.task_definition == previous)
                .and_then(|d| d.rollout_state);
            let how = match state.as_deref() {
                Some("COMPLETED") => "the rollback is complete",
                Some("IN_PROGRESS") => "the rollback is still in progress",
                Some("FAILED") => "but that deployment FAILED too: look at the service's events",
                _ => "nothing to roll back",
            };
            self.say(
                format!("{service} already runs {}: {how}", arn_name(&previous)),
                false,
            );
            return;
        }
        let mut confirm = self.confirmation(
            format!("Roll {service} back"),
            vec![Mutation::Deploy {
                cluster: cluster.clone(),
                service: service.clone(),
                from: current.clone(),
                to: previous,
                force: false,
            }],
            Vec::new(),
            After::FollowRollout {
                cluster,
                service,
                previous: current,
            },
        );
        confirm.diff_loading = true;
        self.open_dialog(Dialog::Confirm(confirm));
        self.fill_confirm_diff();
    }

    /// UpdateService answered with the service `s`: keep it, open the rollout view on its
    /// new deployment, and say `summary` there.
    pub(super) fn follow_rollout(
        &mut self,
        cluster: &str,
        service: &str,
        previous: &str,
        s: &Service,
        summary: String,
    ) {
        let deployment_id = s
            .primary_deployment()
            .map(|d| d.id.clone())
            .unwrap_or_default();
        let to = s
            .primary_deployment()
            .map_or_else(|| s.task_definition.clone(), |d| d.task_definition.clone());
        let key = DataKey::Service {
            cluster: cluster.to_string(),
            service: service.to_string(),
        };
        let at = self.now;
        self.store
            .land(&key, Ok(Payload::Service(s.clone().into())), at);
        self.push(Pane::Rollout {
            cluster: cluster.to_string(),
            service: service.to_string(),
            deployment_id,
            to,
            previous: previous.to_string(),
            since: at - chrono::Duration::seconds(1),
        });
        // The note is about the pane just opened, not the one left.
        self.say(summary, false);
    }
}
