//! `ecsdash scale` and `ecsdash deploy`: the dashboard's operations for runbooks, through
//! the same guarded path (read-only refusal, audit log), with a diff printed and a
//! confirmation asked unless `--yes`.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use clap::Args;

use crate::app::dialog::parse_count;
use crate::aws::model::arn_name;
use crate::aws::{BackendError, Identity};
use crate::cli::{Cli, Settings};
use crate::clock::{Clock, SystemClock};
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

const EXIT_CODES: &str = "Exit codes: 0 done (or nothing to do), 1 an AWS error, 2 invalid input \
(nothing was called), 3 refused (read-only, not confirmed, no terminal to ask on, audit log \
not writable), 4 the rollout failed or was still in progress at --wait-timeout, 5 AWS's answer \
to a change was lost and reading back could not tell whether it was made (look before trying \
again).";

#[derive(Debug, Clone, Args)]
#[command(after_help = EXIT_CODES)]
pub struct ScaleArgs {
    /// The service, as CLUSTER/SERVICE.
    #[arg(value_name = "CLUSTER/SERVICE")]
    pub target: String,
    /// The new desired count (a whole number from 0 up).
    #[arg(value_name = "COUNT", allow_hyphen_values = true)]
    pub count: String,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = EXIT_CODES)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["image", "revision"])))]
pub struct DeployArgs {
    /// The service, as CLUSTER/SERVICE.
    #[arg(value_name = "CLUSTER/SERVICE")]
    pub target: String,
    /// A new image for one container (repeatable): registers a revision of the task
    /// definition the service runs now with only these images changed.
    #[arg(long, value_name = "CONTAINER=IMAGE")]
    pub image: Vec<String>,
    /// Roll out this revision of the service's task definition family.
    #[arg(long, value_name = "N")]
    pub revision: Option<String>,
    /// Force a new deployment (also with an unchanged task definition).
    #[arg(long)]
    pub force: bool,
    /// Follow the rollout to its end; exit 4 if it fails (or outlasts --wait-timeout).
    #[arg(long)]
    pub wait: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// With --wait: give up waiting after this many seconds (the rollout goes on; exit 4).
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub wait_timeout: u64,
    /// Seconds between checks while waiting.
    #[arg(long, value_name = "SECS", default_value_t = 5, hide = true)]
    pub poll: u64,
}

/// `CLUSTER/SERVICE` → its parts.
pub fn parse_target(text: &str) -> Result<(String, String), String> {
    let bad = || format!("`{text}` is not CLUSTER/SERVICE (e.g. prod/api)");
    let (cluster, service) = text.split_once('/').ok_or_else(bad)?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 255
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if !ok(cluster) || !ok(service) {
        return Err(bad());
    }
    Ok((cluster.to_string(), service.to_string()))
}

/// `CONTAINER=IMAGE` → its parts, the image checked.
pub fn parse_image(text: &str) -> Result<(String, String), String> {
    let (container, image) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not CONTAINER=IMAGE"))?;
    if container.trim().is_empty() {
        return Err(format!("`{text}`: the container name is empty"));
    }
    taskdef::check_image(image).map_err(|e| format!("`{image}`: {e}"))?;
    Ok((container.trim().to_string(), image.to_string()))
}

fn parse_revision(text: &str) -> Result<i32, String> {
    match text.trim().parse::<i32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "--revision `{text}` is not a revision number (1 or more)"
        )),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| (EXIT_AWS, format!("cannot start the async runtime: {e}")))
}

struct Session {
    guard: Guarded,
    who: Identity,
}

async fn session(cli: &Cli, settings: &Settings) -> Result<Session, Failure> {
    let b = crate::tailcmd::backends(cli, settings).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let who = b.ecs.identity();
    // Read-only follows the profile the backend settled on, however it was chosen.
    let read_only = settings.read_only_for(&who.profile);
    Ok(Session {
        who,
        guard: Guarded::new(
            b.ops,
            read_only,
            Audit::at(settings.audit_log.clone()),
            clock,
        ),
    })
}

fn aws(e: BackendError) -> Failure {
    let hint = e
        .hint()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default();
    (
        EXIT_AWS,
        format!("{} failed: {}{hint}", e.operation, e.message),
    )
}

fn op_failure(e: OpError) -> Failure {
    match e {
        OpError::ReadOnly | OpError::Audit(_) => (EXIT_REFUSED, e.to_string()),
        OpError::Aws(e) if e.kind == crate::aws::ErrorKind::Uncertain => {
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
        who.account = who.account.or_else(|| crate::aws::model::arn_account(&current.arn).map(str::to_string));
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
        who.account = who.account.or_else(|| crate::aws::model::arn_account(&current.arn).map(str::to_string));
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
                Outcome::Done | Outcome::Verified { .. } => {}
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
