//! A confirmed plan on its way: sent as one `Effect::Mutate`, remembered until AWS
//! answers, and the answer said, shown and followed (undo kept, rollout opened, new
//! revision listed), with what it touched refreshed.

use super::Pane;
use crate::app::data::DataKey;
use crate::app::form::After;
use crate::app::{App, Effect, InFlight};
use crate::domain::model::arn_name;
use crate::ops::guard::OpError;
use crate::ops::{Mutation, Outcome};

/// An operation sent and not yet answered.
#[derive(Debug, Clone)]
pub struct PendingOp {
    pub plan: Vec<Mutation>,
    pub after: After,
}

const ROLLOUT_REFRESH_SECS: i64 = 2;
const FAMILIES_REFRESH_SECS: i64 = 60;
const TARGET_HEALTH_REFRESH_SECS: i64 = 30;

impl App {
    /// The refresh interval of a key: rollouts are followed more closely.
    pub(in crate::app) fn interval_for(
        &self,
        key: &DataKey,
        base: chrono::Duration,
    ) -> chrono::Duration {
        match key {
            DataKey::Service { .. } => base.min(chrono::Duration::seconds(ROLLOUT_REFRESH_SECS)),
            // One ListTaskDefinitions call per family: refreshed once a minute at most
            // (`r` still refreshes at once, and a registration here refreshes it).
            DataKey::Families => base.max(chrono::Duration::seconds(FAMILIES_REFRESH_SECS)),
            // ELBv2 checks targets every 5 to 300 s and has no published API rate: every
            // 30 s at most.
            DataKey::TargetHealth { .. } => {
                base.max(chrono::Duration::seconds(TARGET_HEALTH_REFRESH_SECS))
            }
            // Per-minute metrics, and alarms that change on their own period.
            DataKey::Metrics { .. } => base.max(chrono::Duration::seconds(
                crate::app::metrics::METRICS_REFRESH_SECS,
            )),
            DataKey::Alarms => base.max(chrono::Duration::seconds(
                crate::app::metrics::ALARMS_REFRESH_SECS,
            )),
            _ => base,
        }
    }

    /// Sends a confirmed plan and remembers it until AWS answers.
    pub(super) fn send(&mut self, plan: Vec<Mutation>, after: After) -> Vec<Effect> {
        let id = self.next_op;
        self.next_op += 1;
        let what = plan.last().map(Mutation::action).unwrap_or("change");
        self.busy(format!("{what}: sent, waiting for AWS…"), InFlight::Op(id));
        self.pending_ops.insert(
            id,
            PendingOp {
                plan: plan.clone(),
                after,
            },
        );
        vec![Effect::Mutate {
            id,
            who: self.identity.clone(),
            plan,
        }]
    }

    /// An operation's answer: say what AWS said, show the state it reports, and go on
    /// (remember the old count for undo, follow the rollout).
    pub(in crate::app) fn on_mutated(
        &mut self,
        id: u64,
        results: Vec<Result<Outcome, OpError>>,
    ) -> Vec<Effect> {
        self.dirty = true;
        let Some(op) = self.pending_ops.remove(&id) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        let mut service_after = None;
        for (m, r) in op.plan.iter().zip(&results) {
            if let Ok(Outcome::Service(s)) = r.as_ref().map(Outcome::settled) {
                self.store.put_service(m.cluster(), s.as_ref().clone());
                service_after = Some(s.clone());
            }
        }
        let failure = results.iter().find_map(|r| r.as_ref().err());
        match failure {
            Some(e) => {
                let step = results.len().saturating_sub(1);
                let what = op.plan.get(step).map(Mutation::action).unwrap_or("change");
                let done = if step > 0 {
                    format!(" (the {step} step(s) before it were done)")
                } else {
                    String::new()
                };
                self.finish(InFlight::Op(id), format!("{what} failed: {e}{done}"), true);
                if let OpError::Aws(err) = e {
                    let target = op.plan.get(step).map(Mutation::target).unwrap_or_default();
                    let err = err.clone();
                    self.record_error(&err, target, self.now);
                }
            }
            None => {
                // A lost answer that reading back settled is said as such: the change is
                // made, but the operator should know AWS never confirmed it.
                let verified = results
                    .iter()
                    .filter_map(|r| r.as_ref().ok().and_then(Outcome::verified_after))
                    .next()
                    .map(|lost| format!(" (AWS's answer was lost: {lost}; reading back showed the change was made)"))
                    .unwrap_or_default();
                // A rollout is only started when UpdateService answers: its verdict is
                // the rollout view's to give.
                let outcome = match op.after {
                    After::FollowRollout { .. } => "started, following the rollout",
                    _ => "done",
                };
                let summary = op
                    .plan
                    .last()
                    .map(|m| format!("{}: {outcome}{verified}", m.action()))
                    .unwrap_or_default();
                self.finish(InFlight::Op(id), summary.clone(), false);
                match &op.after {
                    After::Scaled {
                        cluster,
                        service,
                        from,
                    } => self.remember_scale(cluster, service, *from, &op.plan),
                    After::FollowRollout {
                        cluster,
                        service,
                        previous,
                    } => {
                        if let Some(s) = &service_after {
                            self.follow_rollout(cluster, service, previous, s, summary);
                        }
                    }
                    After::Registered { family } => {
                        if !matches!(&self.view().pane, Pane::Revisions { family: f } if f == family)
                        {
                            self.push(Pane::Revisions {
                                family: family.clone(),
                            });
                        }
                        // Said on the pane it is about (opening a pane clears notes).
                        if let Some(Ok(Outcome::Registered { arn, .. })) =
                            results.last().map(|r| r.as_ref().map(Outcome::settled))
                        {
                            self.say(format!("registered {}", arn_name(arn)), false);
                        }
                    }
                    After::Refresh => {}
                }
            }
        }
        // Whatever happened, show what AWS says now.
        effects.extend(self.refresh_after_change(&op.plan));
        effects
    }

    /// What to fetch again after a plan: the panes on screen, and what the plan touched
    /// elsewhere (a family's revisions, a service's auto scaling).
    fn refresh_after_change(&mut self, plan: &[Mutation]) -> Vec<Effect> {
        let mut keys = self.view().data_keys();
        for m in plan {
            match m {
                Mutation::RegisterTaskDefinition { family, .. } => {
                    keys.push(DataKey::Families);
                    keys.push(DataKey::Family {
                        name: self.family_key(m.place(), family),
                    });
                }
                m => {
                    if let Some((cluster, service)) = m.scaling_service() {
                        keys.push(DataKey::Scaling {
                            cluster: cluster.to_string(),
                            service: service.to_string(),
                        });
                    }
                }
            }
        }
        keys.dedup();
        keys.into_iter()
            .filter(|k| !k.is_immutable())
            .filter_map(|k| self.fetch(k))
            .collect()
    }
}
