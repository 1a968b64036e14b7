//! `ecsdash scale` and `ecsdash deploy`: the dashboard's operations for runbooks, through
//! the same guarded path (read-only refusal, audit log), with a diff printed and a
//! confirmation asked unless `--yes`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use super::args::change::{DeployArgs, ScaleArgs, parse_image, parse_revision, parse_target};
use super::args::{Cli, Settings};
use crate::app::form::parse_count;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::model::arn_name;
use crate::domain::{BackendError, Identity};
use crate::ops::audit::Audit;
use crate::ops::guard::{Guarded, OpError};
use crate::ops::plan::{self, NEW_REVISION};
use crate::ops::rollout::{self, Verdict};
use crate::ops::{Mutation, Outcome, diff, taskdef};

/// Exit codes of `scale` and `deploy` (the README lists them).
pub const EXIT_AWS: u8 = 1;
pub const EXIT_BAD_INPUT: u8 = 2;
pub const EXIT_REFUSED: u8 = 3;
pub const EXIT_ROLLOUT_FAILED: u8 = 4;
/// The answer to a change was lost and reading back could not tell whether it was made.
pub const EXIT_UNKNOWN: u8 = 5;

pub type Failure = (u8, String);

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| (EXIT_AWS, format!("cannot start the async runtime: {e}")))
}

pub(super) struct Session {
    pub(super) guard: Guarded,
    pub(super) who: Identity,
    /// The reads (`exec` finds its task with them).
    pub(super) ecs: Arc<dyn crate::domain::Backend>,
}

pub(super) async fn session(cli: &Cli, settings: &Settings) -> Result<Session, Failure> {
    let b = super::wiring::backends(cli, settings).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let who = b.ecs.identity();
    // Read-only follows the profile the backend settled on, however it was chosen.
    let read_only = settings.read_only_for(&who.profile);
    Ok(Session {
        who,
        ecs: b.ecs,
        guard: Guarded::new(
            b.ops,
            read_only,
            Audit::at(settings.audit_log.clone()),
            clock,
        ),
    })
}

pub(super) fn aws(e: BackendError) -> Failure {
    let hint = e
        .hint()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default();
    (
        EXIT_AWS,
        format!("{} failed: {}{hint}", e.operation, e.message),
    )
}

pub(super) fn op_failure(e: OpError) -> Failure {
    match e {
        OpError::ReadOnly | OpError::Audit(_) => (EXIT_REFUSED, e.to_string()),
        OpError::Aws(e) if e.kind == crate::domain::ErrorKind::Uncertain => {
            let (_, message) = aws(e);
            (EXIT_UNKNOWN, message)
        }
        OpError::Aws(e) => aws(e),
    }
}

/// Says on stderr when an outcome was learned by reading back after a lost answer.
fn note_verified(outcome: &Outcome) {
    if let Some(lost) = outcome.verified_after() {
        crate::say_err!(
            "ecsdash: AWS's answer was lost ({lost}); reading back showed the change was made"
        );
    }
}

/// Prints where and what, then asks on the terminal unless `yes`. Read-only mode skips the
/// question: the guard refuses (and records the refusal) right after.
fn confirm(
    who: &Identity,
    plan: &[Mutation],
    extra: &[String],
    yes: bool,
    read_only: bool,
) -> Result<(), Failure> {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "profile {} · region {} · account {}{}",
        who.profile,
        who.region,
        who.account.as_deref().unwrap_or("unknown"),
        who.endpoint
            .as_deref()
            .map(|e| format!(" · endpoint {e}"))
            .unwrap_or_default()
    );
    for m in plan {
        let _ = crate::say_to_err!(err, "{}: {}", m.action(), m.target());
        for c in m.changes() {
            let _ = crate::say_to_err!(err, "  {c}");
        }
    }
    for l in extra {
        let _ = crate::say_to_err!(err, "{l}");
    }
    if yes || read_only {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err((
            EXIT_REFUSED,
            "refused: no terminal to ask for confirmation on; pass --yes to go ahead".into(),
        ));
    }
    let _ = crate::say_to_err_prompt!(err, "Go ahead? [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| (EXIT_REFUSED, format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err((EXIT_REFUSED, "not confirmed: nothing was changed".into()))
    }
}

/// `ecsdash scale CLUSTER/SERVICE COUNT`.
pub fn scale(cli: &Cli, args: &ScaleArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    let to = parse_count(&args.count)
        .map_err(|m| (EXIT_BAD_INPUT, format!("count `{}`: {m}", args.count)))?;
    runtime()?.block_on(async {
        let s = session(cli, settings).await?;
        let ops = s.guard.ops().clone();
        let current = ops.service(&cluster, &service).await.map_err(aws)?;
        let mut who = s.who.clone();
        who.account = who.account.or_else(|| crate::domain::model::arn_account(&current.arn).map(str::to_string));
        if current.desired == to {
            crate::say_out!("{service} already has desired count {to}: nothing to do");
            return Ok(());
        }
        let mut extra = Vec::new();
        match ops.scaling(&cluster, &service).await {
            Ok(sc) => {
                if let Some(t) = sc.target
                    && (to < t.min || to > t.max)
                {
                    extra.push(format!(
                        "warning: {to} is outside auto scaling's range {}–{}: auto scaling will move it back",
                        t.min, t.max
                    ));
                }
            }
            Err(e) => extra.push(format!("note: could not read auto scaling ({})", e.message)),
        }
        let plan = vec![Mutation::Scale {
            cluster: cluster.clone(),
            service: service.clone(),
            from: current.desired,
            to,
        }];
        confirm(&who, &plan, &extra, args.yes, s.guard.read_only())?;
        let outcome = s.guard.apply(&who, &plan[0]).await.map_err(op_failure)?;
        note_verified(&outcome);
        match outcome.settled() {
            Outcome::Service(svc) => crate::say_out!(
                "{service}: desired count {} (running {}, pending {})",
                svc.desired, svc.running, svc.pending
            ),
            _ => crate::say_out!("{service}: desired count {to}"),
        }
        Ok(())
    })
}

/// `ecsdash deploy CLUSTER/SERVICE (--image C=I... | --revision N)`.
pub fn deploy(cli: &Cli, args: &DeployArgs, settings: &Settings) -> Result<(), Failure> {
    let (cluster, service) = parse_target(&args.target).map_err(|m| (EXIT_BAD_INPUT, m))?;
    let images = args
        .image
        .iter()
        .map(|i| parse_image(i))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| (EXIT_BAD_INPUT, m))?;
    let revision = args
        .revision
        .as_deref()
        .map(parse_revision)
        .transpose()
        .map_err(|m| (EXIT_BAD_INPUT, m))?;
    if args.poll == 0 || args.wait_timeout == 0 {
        return Err((
            EXIT_BAD_INPUT,
            "--poll and --wait-timeout must be at least 1 second".into(),
        ));
    }
    runtime()?.block_on(async {
        let s = session(cli, settings).await?;
        let ops = s.guard.ops().clone();
        let current = ops.service(&cluster, &service).await.map_err(aws)?;
        let mut who = s.who.clone();
        who.account = who.account.or_else(|| crate::domain::model::arn_account(&current.arn).map(str::to_string));
        // From the revision the service runs now, not the family's latest.
        let running = ops.task_definition_doc(&current.task_definition).await.map_err(aws)?;
        let (plan, new_json) = match revision {
            Some(n) => {
                let target = format!("{}:{n}", running.family);
                let doc = ops.task_definition_doc(&target).await.map_err(aws)?;
                if doc.arn == running.arn && !args.force {
                    crate::say_out!("{service} already runs {}: nothing to do (--force starts a new deployment)", arn_name(&doc.arn));
                    return Ok(());
                }
                (
                    vec![Mutation::Deploy {
                        cluster: cluster.clone(),
                        service: service.clone(),
                        from: current.task_definition.clone(),
                        to: doc.arn.clone(),
                        force: args.force,
                    }],
                    doc.json.clone(),
                )
            }
            None => {
                let mut json = running.json.clone();
                for (container, image) in &images {
                    json = taskdef::with_image(&json, container, image).map_err(|m| (EXIT_BAD_INPUT, m))?;
                }
                if json == running.json && !args.force {
                    crate::say_out!("{service} already runs these images: nothing to do (--force starts a new deployment)");
                    return Ok(());
                }
                let mut plan = Vec::new();
                if json != running.json {
                    plan.push(Mutation::RegisterTaskDefinition {
                        family: running.family.clone(),
                        based_on: Some(running.arn.clone()),
                        json: json.clone(),
                    });
                }
                plan.push(Mutation::Deploy {
                    cluster: cluster.clone(),
                    service: service.clone(),
                    from: current.task_definition.clone(),
                    to: if json != running.json {
                        NEW_REVISION.to_string()
                    } else {
                        current.task_definition.clone()
                    },
                    force: args.force,
                });
                (plan, json)
            }
        };
        let mut extra: Vec<String> = diff::summary(&running.json, &new_json);
        let unified = diff::unified(&taskdef::pretty(&running.json), &taskdef::pretty(&new_json), 3);
        for line in &unified {
            use crate::ops::diff::LineKind;
            let prefix = match line.kind {
                LineKind::Added => "+",
                LineKind::Removed => "-",
                LineKind::Context => " ",
                LineKind::Hunk => "",
            };
            crate::say_out!("{prefix}{}", line.text);
        }
        if unified.is_empty() {
            extra.push("task definition unchanged: a new deployment replaces every task".into());
        }
        confirm(&who, &plan, &extra, args.yes, s.guard.read_only())?;
        let since = chrono::Utc::now() - chrono::Duration::seconds(1);
        let results = plan::run(&s.guard, &who, &plan).await;
        let mut deployment = None;
        for r in results {
            let outcome = r.map_err(op_failure)?;
            note_verified(&outcome);
            match outcome.settled() {
                Outcome::Registered { arn, .. } => crate::say_out!("registered {}", arn_name(arn)),
                Outcome::Service(svc) => {
                    let d = svc.primary_deployment().map(|d| d.id.clone()).unwrap_or_default();
                    crate::say_out!("{service}: rolling out {} (deployment {d})", arn_name(&svc.task_definition));
                    deployment = Some(d);
                }
                Outcome::Done | Outcome::Session(_) | Outcome::Verified { .. } => {}
            }
        }
        if !args.wait {
            return Ok(());
        }
        let Some(deployment) = deployment.filter(|d| !d.is_empty()) else {
            return Err((EXIT_AWS, "UpdateService answered without a deployment to follow".into()));
        };
        let mut last = String::new();
        let mut on_update = |p: &rollout::Progress| {
            let line = format!(
                "{}: {}{}",
                match &p.verdict {
                    Verdict::InProgress => "in progress",
                    Verdict::Completed => "completed",
                    Verdict::Failed { .. } => "FAILED",
                },
                p.counts_line(),
                p.rollout_state.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default()
            );
            if line != last {
                crate::say_err!("{line}");
                last = line;
            }
        };
        let followed = tokio::time::timeout(
            Duration::from_secs(args.wait_timeout),
            rollout::follow(
                ops.as_ref(),
                &cluster,
                &service,
                &deployment,
                since,
                Duration::from_secs(args.poll),
                &mut on_update,
                &mut |trouble| match trouble {
                    Some(e) => crate::say_err!(
                        "ecsdash: cannot read the rollout's progress ({}: {}); still trying until --wait-timeout",
                        e.operation, e.message
                    ),
                    None => crate::say_err!("ecsdash: reading the rollout's progress again"),
                },
            ),
        )
        .await;
        let Ok(end) = followed else {
            return Err((
                EXIT_ROLLOUT_FAILED,
                format!(
                    "{service}: deployment {deployment} still in progress after {} s; it goes on (follow it with `ecsdash`)",
                    args.wait_timeout
                ),
            ));
        };
        let end = end.map_err(aws)?;
        match end.verdict {
            Verdict::Completed => {
                crate::say_out!("{service}: rollout completed");
                Ok(())
            }
            Verdict::Failed { ref reason } => Err((
                EXIT_ROLLOUT_FAILED,
                match end.causes_words() {
                    Some(why) => format!("{service}: rollout FAILED: {reason} (the service events show {why})"),
                    None => format!("{service}: rollout FAILED: {reason}"),
                },
            )),
            Verdict::InProgress => Err((EXIT_AWS, "the rollout follower stopped early".into())),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_cluster_slash_service() {
        assert_eq!(parse_target("prod/api"), Ok(("prod".into(), "api".into())));
        for bad in ["prod", "/api", "prod/", "a/b/c", "pr od/api", "prod/api\n"] {
            assert!(parse_target(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn images_are_container_equals_a_valid_reference() {
        assert_eq!(
            parse_image("web=nginx:1.27"),
            Ok(("web".into(), "nginx:1.27".into()))
        );
        assert!(parse_image("nginx:1.27").is_err());
        assert!(parse_image("=nginx").is_err());
        assert!(parse_image("web=NGINX latest").is_err());
    }

    #[test]
    fn revisions_are_positive_numbers() {
        assert_eq!(parse_revision("12"), Ok(12));
        for bad in ["0", "-3", "x", "1.5", ""] {
            assert!(parse_revision(bad).is_err());
        }
    }
}
