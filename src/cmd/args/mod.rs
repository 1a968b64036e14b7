//! The command line, and how it combines with the config file.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;
pub mod change;
pub mod exec;
pub mod tail;

use tail::TailArgs;

/// A terminal dashboard for operating AWS ECS.
///
/// Without a command it opens the dashboard; `ecsdash tail` prints logs instead.
/// Flags marked global work before or after the command.
#[derive(Debug, Clone, Parser)]
#[command(name = "ecsdash", version = VERSION, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Open on the embedded demo fleet: no AWS account, no credentials, no network.
    #[arg(long, global = true)]
    pub demo: bool,

    /// AWS profile (from ~/.aws/config); defaults to AWS_PROFILE, then the config file.
    #[arg(long, value_name = "NAME", global = true)]
    pub profile: Option<String>,

    /// AWS region; defaults to AWS_REGION, then the config file, then the profile's. A list
    /// (eu-west-1,us-east-1) spans several regions in the dashboard.
    #[arg(long, value_name = "NAME", global = true)]
    pub region: Option<String>,

    /// Open on this cluster's services (the clusters pane is one Esc away).
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,

    /// With --cluster: open on this service's tasks.
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub service: Option<String>,

    /// Seconds between refreshes of the visible pane; 0 turns automatic refresh off.
    #[arg(long, value_name = "SECS")]
    pub refresh: Option<u64>,

    /// Colour theme: dark, light, or a file in the config directory's themes/.
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Seconds before an AWS call is abandoned and shown as timed out.
    #[arg(long, value_name = "SECS", global = true)]
    pub timeout: Option<u64>,

    /// Config file (default: $XDG_CONFIG_HOME/ecsdash/config.toml).
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,

    /// Log file (default: $XDG_STATE_HOME/ecsdash/ecsdash.log). Logs never go to the terminal.
    #[arg(long, value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,

    /// Refuse every change (scale, deploy, auto scaling, stop, drain, exec, port forwarding):
    /// nothing can be written.
    /// Also `read_only = true` in the config file, for all profiles or one.
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Audit log of every change (default: $XDG_STATE_HOME/ecsdash/audit.log).
    #[arg(long, value_name = "PATH", global = true)]
    pub audit_log: Option<PathBuf>,

    /// The part of each AWS API category's sustained rate to use in steady state, in
    /// percent (1-100, default 25): the account's quota is shared with deploy pipelines
    /// and every other tool. Also `api_share` in the config file.
    #[arg(long, value_name = "PERCENT", global = true,
          value_parser = clap::value_parser!(u8).range(1..=100))]
    pub api_share: Option<u8>,

    /// Make the demo fleet this many times larger: with 100, one cluster holds about
    /// 2,000 services and another 10,000 tasks (the progressive load and the API budget
    /// can be watched without AWS).
    #[arg(long, value_name = "N", global = true,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub demo_scale: Option<u32>,

    /// Seed of the demo fleet (the same seed gives the same fleet).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 7,
        hide = true,
        global = true
    )]
    pub demo_seed: u64,

    /// Print how long the first frame and the first frame with data took, then exit.
    #[arg(long, hide = true)]
    pub measure_startup: bool,
}

/// The version and the commit it was built from: `0.1.0 (commit 1a2b3c4d5e6f)`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ECSDASH_COMMIT"),
    ")"
);

/// What to do instead of opening the dashboard.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Print a service's or a task's logs to stdout (no dashboard), optionally following.
    Tail(TailArgs),
    /// Change a service's desired count (asks first unless --yes).
    Scale(change::ScaleArgs),
    /// Roll out a new image or a revision to a service (asks first unless --yes).
    Deploy(change::DeployArgs),
    /// Open a shell (or run a command) in a container of a service's task, with ECS Exec
    /// and the Session Manager plugin.
    Exec(exec::ExecArgs),
    /// Forward a local port to a port of a service's task (or a host it can reach), with
    /// SSM port forwarding and the Session Manager plugin, until Ctrl-c.
    Forward(exec::ForwardArgs),
    /// Print a shell completion script, made from these command-line definitions
    /// (e.g. `ecsdash completions bash > ~/.local/share/bash-completion/completions/ecsdash`).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), made from these command-line definitions
    /// (e.g. `ecsdash man > ~/.local/share/man/man1/ecsdash.1`).
    Man,
}

pub const DEFAULT_REFRESH_SECS: u64 = 5;
pub const DEFAULT_TIMEOUT_SECS: u64 = 20;

/// Command line over config file over defaults, for one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub cluster: Option<String>,
    pub service: Option<String>,
    /// `None`: automatic refresh off.
    pub refresh: Option<std::time::Duration>,
    pub theme: String,
    pub timeout: std::time::Duration,
    /// Read-only for the profile `profile` names (or `default` when none is named); use
    /// `read_only_for` with the profile the backend actually settled on.
    pub read_only: bool,
    /// `--read-only` on the command line: read-only whatever the profile.
    pub read_only_flag: bool,
    /// `read_only` per profile section, over the top level's.
    read_only_profiles: std::collections::BTreeMap<String, bool>,
    read_only_default: bool,
    /// Where every change is recorded.
    pub audit_log: PathBuf,
    /// Lines a logs pane keeps.
    pub log_lines: usize,
    /// What exec runs when no command is given.
    pub exec_command: String,
    /// Clicks and the wheel are the dashboard's (`mouse = false`: the terminal's).
    pub mouse: bool,
    /// Percent of each API category's sustained rate used in steady state.
    pub api_share: u8,
    /// The header's colour for the profile in use (its section's `colour`).
    pub colour: Option<String>,
    /// The MFA code for an assume-role profile with `mfa_serial`, once asked.
    pub mfa_code: Option<String>,
    /// When `:pulse` says a service needs attention (`[pulse]`).
    pub pulse: crate::domain::pulse::Thresholds,
    /// CloudWatch metrics and alarms are read (`metrics = false`: not).
    pub metrics: bool,
}

impl Settings {
    /// Whether changes are refused for `profile`, the one the backend is really using:
    /// the flag, else that profile's section, else the top level.
    pub fn read_only_for(&self, profile: &str) -> bool {
        self.read_only_flag
            || self
                .read_only_profiles
                .get(profile)
                .copied()
                .unwrap_or(self.read_only_default)
    }

    /// `env_profile` is AWS_PROFILE, which sits between the flag and the config file.
    pub fn resolve(cli: &Cli, config: &Config, env_profile: Option<String>) -> Settings {
        let profile = cli
            .profile
            .clone()
            .or(env_profile)
            .or_else(|| config.profile.clone());
        // With no profile named the SDK uses `default` (the demo fleet is `demo`): its
        // section applies, read-only above all.
        let in_use = match (&profile, cli.demo) {
            (_, true) => "demo",
            (Some(p), false) => p.as_str(),
            (None, false) => "default",
        };
        let section = config.profile(Some(in_use));
        let refresh = cli
            .refresh
            .or(section.refresh)
            .or(config.refresh)
            .unwrap_or(DEFAULT_REFRESH_SECS);
        let timeout = cli
            .timeout
            .or(section.timeout)
            .or(config.timeout)
            .unwrap_or(DEFAULT_TIMEOUT_SECS)
            .max(1);
        Settings {
            region: cli
                .region
                .clone()
                .or_else(|| section.region.clone())
                .or_else(|| config.region.clone()),
            cluster: cli
                .cluster
                .clone()
                .or_else(|| section.cluster.clone())
                .or_else(|| config.cluster.clone()),
            service: cli.service.clone(),
            refresh: (refresh > 0).then(|| std::time::Duration::from_secs(refresh)),
            theme: cli
                .theme
                .clone()
                .or_else(|| section.theme.clone())
                .or_else(|| config.theme.clone())
                .unwrap_or_else(|| "dark".to_string()),
            timeout: std::time::Duration::from_secs(timeout),
            read_only: cli.read_only || section.read_only.or(config.read_only).unwrap_or(false),
            read_only_flag: cli.read_only,
            read_only_profiles: config
                .profiles
                .iter()
                .filter_map(|(name, p)| p.read_only.map(|r| (name.clone(), r)))
                .collect(),
            read_only_default: config.read_only.unwrap_or(false),
            audit_log: cli
                .audit_log
                .clone()
                .or_else(crate::ops::audit::Audit::default_path)
                .unwrap_or_else(|| PathBuf::from("ecsdash-audit.log")),
            api_share: cli
                .api_share
                .or(section.api_share)
                .or(config.api_share)
                .unwrap_or(crate::domain::budget::DEFAULT_SHARE_PERCENT),
            exec_command: config
                .exec_command
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| crate::ops::exec::DEFAULT_COMMAND.to_string()),
            mouse: config.mouse.unwrap_or(true),
            colour: section.colour.clone(),
            mfa_code: None,
            pulse: {
                let d = crate::domain::pulse::Thresholds::default();
                let p = &config.pulse;
                crate::domain::pulse::Thresholds {
                    below_desired_minutes: p
                        .below_desired_minutes
                        .map_or(d.below_desired_minutes, i64::from),
                    stuck_rollout_minutes: p
                        .stuck_rollout_minutes
                        .map_or(d.stuck_rollout_minutes, i64::from),
                    deaths: p.deaths.map_or(d.deaths, |n| n as usize),
                    cpu_percent: p.cpu_percent.map_or(d.cpu_percent, f64::from),
                    memory_percent: p.memory_percent.map_or(d.memory_percent, f64::from),
                }
            },
            metrics: section.metrics.or(config.metrics).unwrap_or(true),
            log_lines: config
                .log_lines
                .unwrap_or(crate::logs::ring::Ring::DEFAULT_CAPACITY)
                .max(1),
            profile,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("ecsdash").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn flags_beat_profile_section_beat_top_level() {
        let config = Config::parse(
            "region = \"eu-west-1\"\nrefresh = 9\ntheme = \"light\"\n[profiles.p]\nregion = \"us-east-2\"\ncluster = \"core\"\n",
        )
        .unwrap();
        let s = Settings::resolve(&cli(&["--profile", "p"]), &config, None);
        assert_eq!(s.region.as_deref(), Some("us-east-2"));
        assert_eq!(s.cluster.as_deref(), Some("core"));
        assert_eq!(s.refresh, Some(std::time::Duration::from_secs(9)));
        assert_eq!(s.theme, "light");
        let s = Settings::resolve(
            &cli(&["--region", "ap-south-1", "--refresh", "0"]),
            &config,
            None,
        );
        assert_eq!(s.region.as_deref(), Some("ap-south-1"));
        assert_eq!(s.refresh, None, "0 turns refresh off");
    }

    #[test]
    fn aws_profile_env_sits_between_flag_and_config() {
        let config = Config::parse("profile = \"from-file\"\n").unwrap();
        let s = Settings::resolve(&cli(&[]), &config, Some("from-env".into()));
        assert_eq!(s.profile.as_deref(), Some("from-env"));
        let s = Settings::resolve(
            &cli(&["--profile", "flag"]),
            &config,
            Some("from-env".into()),
        );
        assert_eq!(s.profile.as_deref(), Some("flag"));
    }

    #[test]
    fn read_only_follows_the_profile_in_use() {
        let config = Config::parse(
            "[profiles.default]\nread_only = true\n[profiles.staging]\nregion = \"us-east-1\"\n",
        )
        .unwrap();
        // No profile named anywhere: the SDK uses `default`, and so does read-only.
        let s = Settings::resolve(&cli(&[]), &config, None);
        assert!(s.read_only, "the default profile's section applies");
        assert!(s.read_only_for("default"));
        assert!(!s.read_only_for("staging"));
        let s = Settings::resolve(&cli(&["--profile", "staging"]), &config, None);
        assert!(!s.read_only);
        let s = Settings::resolve(&cli(&["--read-only"]), &config, None);
        assert!(s.read_only_for("staging"), "the flag covers every profile");
        // The top level applies to a profile without a setting of its own.
        let config = Config::parse("read_only = true\n[profiles.rw]\nread_only = false\n").unwrap();
        let s = Settings::resolve(&cli(&[]), &config, Some("rw".into()));
        assert!(!s.read_only);
        assert!(s.read_only_for("other"));
        // The demo fleet's profile is `demo`, whatever AWS_PROFILE says.
        let config = Config::parse("[profiles.default]\nread_only = true\n").unwrap();
        let s = Settings::resolve(&cli(&["--demo"]), &config, None);
        assert!(!s.read_only);
    }

    #[test]
    fn tail_takes_the_global_flags_on_either_side() {
        for args in [
            &["--demo", "--region", "eu-west-1", "tail", "core/web"][..],
            &["tail", "core/web", "--demo", "--region", "eu-west-1"][..],
        ] {
            let c = cli(args);
            assert!(c.demo);
            assert_eq!(c.region.as_deref(), Some("eu-west-1"));
            let Some(Command::Tail(t)) = c.command else {
                panic!("no tail command")
            };
            assert_eq!(t.target, "core/web");
        }
        assert!(cli(&[]).command.is_none());
    }

    #[test]
    fn service_needs_cluster_and_counts_must_be_numbers() {
        assert!(Cli::try_parse_from(["ecsdash", "--service", "x"]).is_err());
        let e = Cli::try_parse_from(["ecsdash", "--refresh", "5s"]).unwrap_err();
        assert!(e.to_string().contains("--refresh"), "{e}");
    }
}
