//! Carrying out several mutations as one operation, in order, stopping at the first
//! failure: raise the auto scaling max then scale; register a revision then roll it out.

use crate::domain::Identity;

use super::guard::{Guarded, OpError};
use super::{Mutation, Outcome};

/// Stands for "the revision the step before registered" in a `Deploy` step's `to`.
pub const NEW_REVISION: &str = "(new revision)";

/// Runs `plan` through the guard; one result per step tried.
pub async fn run(
    guard: &Guarded,
    who: &Identity,
    plan: &[Mutation],
) -> Vec<Result<Outcome, OpError>> {
    let mut results = Vec::with_capacity(plan.len());
    let mut registered: Option<String> = None;
    for step in plan {
        let mut step = step.clone();
        if let Mutation::Deploy { to, .. } = &mut step
            && to == NEW_REVISION
        {
            match &registered {
                Some(arn) => *to = arn.clone(),
                // A plan built wrongly: say so rather than deploy something unintended.
                None => {
                    results.push(Err(OpError::Audit(
                        "no revision was registered before the rollout step".into(),
                    )));
                    break;
                }
            }
        }
        let result = guard.apply(who, &step).await;
        if let Ok(Outcome::Registered { arn, .. }) = result.as_ref().map(Outcome::settled) {
            registered = Some(arn.clone());
        }
        let failed = result.is_err();
        results.push(result);
        if failed {
            break;
        }
    }
    results
}
