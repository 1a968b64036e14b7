//! The arguments of `ecsdash scale` and `ecsdash deploy`, and their checks (made before
//! any call).

use clap::Args;

use crate::ops::taskdef;

pub const EXIT_CODES: &str = "Exit codes: 0 done (or nothing to do), 1 an AWS error, 2 invalid input \
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

pub fn parse_revision(text: &str) -> Result<i32, String> {
    match text.trim().parse::<i32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "--revision `{text}` is not a revision number (1 or more)"
        )),
    }
}
