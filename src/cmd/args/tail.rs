//! `ecsdash tail`'s arguments, checked before anything is sent: a bad target, time or
//! regex is refused here with a message that says what would have been right.

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;

use crate::logs::source::LogScope;

/// `ecsdash tail CLUSTER/SERVICE`, `ecsdash tail CLUSTER --task ID`, or
/// `ecsdash tail --group GROUP --stream NAME`.
#[derive(Debug, Clone, clap::Args)]
pub struct TailArgs {
    /// CLUSTER/SERVICE (every task of the service, new ones included), or CLUSTER with --task.
    /// Not given with --group.
    #[arg(value_name = "TARGET", default_value = "", hide_default_value = true)]
    pub target: String,

    /// A log group (in --region) whose streams are named with --stream, for logs whose
    /// stream names the task definition does not tell (FireLens, awslogs without a prefix).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,

    /// A stream of --group to tail; repeat for several.
    #[arg(long = "stream", value_name = "NAME")]
    pub streams: Vec<String>,

    /// One task (id or ARN) of CLUSTER, such as a task started outside any service.
    #[arg(long, value_name = "ID")]
    pub task: Option<String>,

    /// Only this container of each task.
    #[arg(long, value_name = "NAME")]
    pub container: Option<String>,

    /// Start this long ago (10m, 1h, 2d) or at this time (2026-11-21T03:00:00Z; without a
    /// zone, local time, or UTC with --utc).
    #[arg(long, value_name = "DURATION|TIME", default_value = "10m")]
    pub since: String,

    /// CloudWatch filter pattern, applied by AWS (e.g. `ERROR`, `"order placed"`, `?WARN ?ERROR`).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,

    /// Regular expression the printed message must match, applied here.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// Keep printing new events until interrupted (Ctrl-C or SIGTERM).
    #[arg(long, short = 'f')]
    pub follow: bool,

    /// One JSON object per event: timestamp, task, container, stream, group, message.
    #[arg(long)]
    pub json: bool,

    /// Print (and read --since) times in UTC instead of local time.
    #[arg(long)]
    pub utc: bool,
}

/// What to tail and how to print it, once every argument made sense.
#[derive(Debug, Clone)]
pub struct Plan {
    pub scope: LogScope,
    pub container: Option<String>,
    pub start_ms: i64,
    pub pattern: Option<String>,
    pub grep: Option<Regex>,
    pub follow: bool,
    pub json: bool,
    pub utc: bool,
}

impl Plan {
    pub fn from_args(args: &TailArgs, now: DateTime<Utc>) -> Result<Plan, String> {
        let scope = match &args.group {
            Some(group) => named_streams(args, group)?,
            None if !args.streams.is_empty() => {
                return Err("--stream names a stream of --group GROUP: give the group too".into());
            }
            None => target(&args.target, args.task.as_deref())?,
        };
        let container = match args.container.as_deref().map(str::trim) {
            Some("") => return Err("--container: give a container name".into()),
            other => other.map(String::from),
        };
        let grep = args
            .grep
            .as_deref()
            .map(|g| {
                Regex::new(g).map_err(|e| format!("--grep: not a valid regular expression: {e}"))
            })
            .transpose()?;
        Ok(Plan {
            scope,
            container,
            start_ms: since(&args.since, now, args.utc)?,
            pattern: args
                .filter
                .as_deref()
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(String::from),
            grep,
            follow: args.follow,
            json: args.json,
            utc: args.utc,
        })
    }
}

/// `CLUSTER/SERVICE`, a service ARN, or `CLUSTER` with a task.
pub fn target(target: &str, task: Option<&str>) -> Result<LogScope, String> {
    let target = target.trim();
    if let Some(task) = task {
        let task = task.trim();
        if task.is_empty() {
            return Err("--task: give a task id or ARN".into());
        }
        if target.is_empty() || target.contains('/') {
            return Err(format!(
                "with --task, give the cluster alone: `ecsdash tail CLUSTER --task {task}` (got `{target}`)"
            ));
        }
        return Ok(LogScope::Task {
            cluster: target.to_owned(),
            task: task.to_owned(),
        });
    }
    // arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE names the same pair.
    let pair = match target.split_once(":service/") {
        Some((arn, rest)) if arn.starts_with("arn:") => rest,
        _ => target,
    };
    match pair.split_once('/') {
        Some((cluster, service))
            if !cluster.is_empty() && !service.is_empty() && !service.contains('/') =>
        {
            Ok(LogScope::Service {
                cluster: cluster.to_owned(),
                service: service.to_owned(),
            })
        }
        _ if target.is_empty() => {
            Err("give CLUSTER/SERVICE, CLUSTER --task ID, or --group GROUP --stream NAME".into())
        }
        _ => Err(format!(
            "`{target}` is not CLUSTER/SERVICE; for a task outside any service use \
             `ecsdash tail CLUSTER --task ID`"
        )),
    }
}

/// `--group GROUP --stream NAME...`, alone: streams named outright belong to no cluster,
/// task or container.
fn named_streams(args: &TailArgs, group: &str) -> Result<LogScope, String> {
    let group = group.trim();
    if group.is_empty() {
        return Err("--group: give a log group name".into());
    }
    if !args.target.trim().is_empty() || args.task.is_some() || args.container.is_some() {
        return Err(format!(
            "--group tails streams named with --stream, not a cluster's tasks: \
             `ecsdash tail --group {group} --stream NAME` (no TARGET, --task or --container)"
        ));
    }
    let mut streams = Vec::new();
    for name in &args.streams {
        let name = name.trim();
        if name.is_empty() {
            return Err("--stream: give a stream name".into());
        }
        if !streams.iter().any(|s| s == name) {
            streams.push(name.to_owned());
        }
    }
    if streams.is_empty() {
        return Err(format!(
            "--group {group}: name the streams to tail with --stream NAME (the dashboard's \
             logs pane lists a group's newest streams: p)"
        ));
    }
    Ok(LogScope::Streams {
        // The connection's region (--region, the profile's, the environment's).
        region: String::new(),
        group: group.to_owned(),
        streams,
    })
}

/// `--since`: a duration back from `now`, or a point in time. Milliseconds since the epoch.
pub fn since(text: &str, now: DateTime<Utc>, utc: bool) -> Result<i64, String> {
    let text = text.trim();
    let bad = || {
        format!(
            "--since: `{text}` is neither a duration (10m, 1h, 2d) nor a time \
             (2026-11-21T03:00:00Z, 2026-11-21T04:00:00+01:00, 2026-11-21 03:00)"
        )
    };
    let at = if let Ok(ago) = humantime::parse_duration(text) {
        let ago = chrono::Duration::from_std(ago).map_err(|_| bad())?;
        now.checked_sub_signed(ago)
            .ok_or_else(|| format!("--since: `{text}` reaches before any date there is"))?
    } else if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else {
        let naive = naive_time(text).ok_or_else(bad)?;
        let zoned = if utc {
            Some(Utc.from_utc_datetime(&naive))
        } else {
            // A time skipped by a daylight-saving change has no local reading.
            Local
                .from_local_datetime(&naive)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        };
        zoned.ok_or_else(|| format!("--since: `{text}` does not exist in the local time zone"))?
    };
    if at > now {
        return Err(format!("--since: `{text}` is in the future"));
    }
    Ok(at.timestamp_millis())
}

fn naive_time(text: &str) -> Option<NaiveDateTime> {
    const FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 3, 0, 0).unwrap()
    }

    fn ms(t: DateTime<Utc>) -> i64 {
        t.timestamp_millis()
    }

    #[test]
    fn since_takes_durations_and_times() {
        let n = now();
        assert_eq!(since("10m", n, false), Ok(ms(n) - 600_000));
        assert_eq!(since("2d", n, false), Ok(ms(n) - 2 * 86_400_000));
        assert_eq!(since("1h30m", n, false), Ok(ms(n) - 5_400_000));
        assert_eq!(
            since("2026-11-21T02:00:00Z", n, false),
            Ok(ms(n) - 3_600_000)
        );
        assert_eq!(
            since("2026-11-21T03:30:00+01:00", n, false),
            Ok(ms(n) - 1_800_000)
        );
        assert_eq!(since("2026-11-21 02:30", n, true), Ok(ms(n) - 1_800_000));
        assert_eq!(since("2026-11-21", n, true), Ok(ms(n) - 3 * 3_600_000));
    }

    #[test]
    fn since_refuses_nonsense_and_the_future() {
        let n = now();
        for bad in ["yesterday", "10", "-5m", "2026-13-01", ""] {
            let e = since(bad, n, true).unwrap_err();
            assert!(e.contains("--since") && e.contains("10m"), "{bad}: {e}");
        }
        assert!(
            since("2027-01-01T00:00:00Z", n, true)
                .unwrap_err()
                .contains("future")
        );
        assert!(since("99999999d", n, true).is_err());
    }

    #[test]
    fn targets() {
        assert_eq!(
            target("prod-core/checkout", None),
            Ok(LogScope::Service {
                cluster: "prod-core".into(),
                service: "checkout".into()
            })
        );
        assert_eq!(
            target(
                "arn:aws:ecs:eu-west-1:123456789012:service/prod-core/checkout",
                None
            ),
            target("prod-core/checkout", None)
        );
        assert_eq!(
            target("data-pipeline", Some("abc123")),
            Ok(LogScope::Task {
                cluster: "data-pipeline".into(),
                task: "abc123".into()
            })
        );
        for bad in ["nocluster", "a/", "/b", "a/b/c", ""] {
            let e = target(bad, None).unwrap_err();
            assert!(e.contains("CLUSTER/SERVICE"), "{bad}: {e}");
        }
        assert!(
            target("a/b", Some("t"))
                .unwrap_err()
                .contains("cluster alone")
        );
        assert!(target("a", Some(" ")).is_err());
    }

    fn plan(args: &[&str]) -> Result<Plan, String> {
        #[derive(clap::Parser)]
        struct Line {
            #[command(flatten)]
            tail: TailArgs,
        }
        let line = <Line as clap::Parser>::try_parse_from(
            std::iter::once("tail").chain(args.iter().copied()),
        )
        .map_err(|e| e.to_string())?;
        Plan::from_args(&line.tail, now())
    }

    #[test]
    fn a_group_and_its_streams_are_tailed_by_name() {
        let p = plan(&[
            "--group",
            "/fl/app",
            "--stream",
            "router-a",
            "--stream",
            " router-b ",
            "--stream",
            "router-a",
        ])
        .unwrap();
        assert_eq!(
            p.scope,
            LogScope::Streams {
                region: String::new(),
                group: "/fl/app".into(),
                streams: vec!["router-a".into(), "router-b".into()],
            }
        );
        assert_eq!(p.container, None);
    }

    #[test]
    fn a_group_is_refused_with_a_target_without_streams_and_streams_without_a_group() {
        let cases: [(&[&str], &str); 6] = [
            (&["--group", "/g"], "--stream NAME"),
            (&["--stream", "s"], "--group GROUP"),
            (&["core/web", "--group", "/g", "--stream", "s"], "no TARGET"),
            (
                &["--group", "/g", "--stream", "s", "--container", "c"],
                "no TARGET",
            ),
            (&["--group", " ", "--stream", "s"], "--group: give"),
            (&["--group", "/g", "--stream", ""], "--stream: give"),
        ];
        for (args, expect) in cases {
            let e = plan(args).unwrap_err();
            assert!(e.contains(expect), "{args:?}: {e}");
        }
        let e = plan(&[]).unwrap_err();
        assert!(e.contains("--group GROUP --stream NAME"), "{e}");
    }
}
