//! The config file: `$XDG_CONFIG_HOME/ecsdash/config.toml` (default `~/.config/ecsdash`).
//! Defaults for the command line, and per-profile settings under `[profiles.NAME]`.
//!
//! ```toml
//! profile = "prod-readonly"
//! region = "eu-west-1"
//! refresh = 5          # seconds; 0 turns automatic refresh off
//! theme = "dark"
//! timeout = 20         # seconds per AWS call
//! log_lines = 100000   # lines a logs pane keeps
//! api_share = 25       # percent of each AWS API rate to use in steady state
//! exec_command = "/bin/bash"   # what `x` and `ecsdash exec` run (default /bin/sh)
//! mouse = false        # leave the mouse to the terminal (default: the dashboard's)
//! metrics = false      # read no CloudWatch metrics or alarms (default: read them)
//!
//! [profiles.prod-admin]
//! region = "us-east-1"
//! cluster = "prod-core"
//! read_only = true
//! colour = "red"       # the header's colour while this profile is in use
//!
//! [pulse]              # when :pulse says a service needs attention
//! below_desired_minutes = 5    # running below desired for longer than this
//! stuck_rollout_minutes = 30   # a rollout still in progress after this long
//! deaths = 3                   # failed tasks within the hour ECS keeps them
//! cpu_percent = 90             # CPU over the last five minutes at or above this
//! memory_percent = 90          # memory likewise
//!
//! [keys]               # remap an action (names as in the README's key table)
//! scale = "S"
//! stop_task = ["Ctrl-x", "X"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub cluster: Option<String>,
    pub refresh: Option<u64>,
    pub theme: Option<String>,
    pub timeout: Option<u64>,
    pub read_only: Option<bool>,
    /// Lines a logs pane keeps (default 100,000): the newest stay, the oldest go.
    pub log_lines: Option<usize>,
    /// The dashboard takes the mouse (default true); false leaves it to the terminal,
    /// for selecting text.
    pub mouse: Option<bool>,
    /// CloudWatch metrics and alarms are read (default true); false for accounts that
    /// watch their CloudWatch bill.
    pub metrics: Option<bool>,
    /// Percent of each API category's sustained rate used in steady state (1-100).
    #[serde(default, deserialize_with = "percent")]
    pub api_share: Option<u8>,
    /// What exec runs when no command is given (default `/bin/sh`).
    #[serde(default, deserialize_with = "command")]
    pub exec_command: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// When `:pulse` says a service needs attention.
    #[serde(default)]
    pub pulse: PulseConfig,
    /// Keys remapped: action name → one key or a list of keys.
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
}

/// `[pulse]`: each a whole number; unset keeps the default.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a [pulse] section with below_desired_minutes, stuck_rollout_minutes, deaths, cpu_percent or memory_percent"
)]
pub struct PulseConfig {
    #[serde(default, deserialize_with = "minutes")]
    pub below_desired_minutes: Option<u32>,
    #[serde(default, deserialize_with = "minutes")]
    pub stuck_rollout_minutes: Option<u32>,
    #[serde(default, deserialize_with = "deaths")]
    pub deaths: Option<u32>,
    #[serde(default, deserialize_with = "utilisation")]
    pub cpu_percent: Option<u32>,
    #[serde(default, deserialize_with = "utilisation")]
    pub memory_percent: Option<u32>,
}

/// A utilisation threshold in percent: 1 to 1000 (a service's CPU can go above 100% of
/// what it reserved on EC2).
fn utilisation<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if (1..=1000).contains(&n) => Ok(u32::try_from(n).ok()),
        other => Err(serde::de::Error::custom(format!(
            "a utilisation threshold is a whole number of percent from 1 to 1000, not {other}"
        ))),
    }
}

/// A number of minutes, 0 to a week.
fn minutes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if (0..=10_080).contains(&n) => Ok(u32::try_from(n).ok()),
        other => Err(serde::de::Error::custom(format!(
            "a number of minutes is a whole number from 0 to 10080 (a week), not {other}"
        ))),
    }
}

/// How many failed tasks in the hour make "dying repeatedly": 1 to 1000.
fn deaths<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if (1..=1000).contains(&n) => Ok(u32::try_from(n).ok()),
        other => Err(serde::de::Error::custom(format!(
            "deaths is how many failed tasks in an hour, a whole number from 1 to 1000, not {other}"
        ))),
    }
}

/// The keys an action takes: `"S"` or `["S", "Ctrl-s"]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl Config {
    /// `[keys]` as action → keys.
    pub fn key_remaps(&self) -> BTreeMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(action, keys)| {
                let keys = match keys {
                    KeyList::One(k) => vec![k.clone()],
                    KeyList::Many(ks) => ks.clone(),
                };
                (action.clone(), keys)
            })
            .collect()
    }
}

/// Settings that apply only when this profile is in use; they win over the top level.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    pub region: Option<String>,
    pub cluster: Option<String>,
    pub refresh: Option<u64>,
    pub theme: Option<String>,
    pub timeout: Option<u64>,
    pub read_only: Option<bool>,
    #[serde(default, deserialize_with = "percent")]
    pub api_share: Option<u8>,
    /// CloudWatch metrics and alarms for this profile (over the top level's `metrics`).
    pub metrics: Option<bool>,
    /// The header's colour while this profile is in use (`red` for production, say).
    #[serde(default, deserialize_with = "colour")]
    pub colour: Option<String>,
}

/// `api_share`: a whole number from 1 to 100, said in those words when it is not.
fn percent<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::Integer(n) if (1..=100).contains(&n) => Ok(u8::try_from(n).ok()),
        other => Err(serde::de::Error::custom(format!(
            "api_share is a percentage of each API rate, a whole number from 1 to 100, not {other}"
        ))),
    }
}

/// A profile's `colour`: a colour name (`red`, `lightyellow`) or `#rrggbb`.
fn colour<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    match text.parse::<ratatui::style::Color>() {
        Ok(_) => Ok(Some(text)),
        Err(_) => Err(serde::de::Error::custom(format!(
            "colour is a colour name (red, yellow, lightred...) or #rrggbb, not `{}`",
            text.chars().filter(|c| !c.is_control()).collect::<String>()
        ))),
    }
}

/// `exec_command`: a command line, not blank and with no control characters (it is
/// shown on screen and sent to the container as typed).
fn command<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let text = String::deserialize(d)?;
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "exec_command is empty: give the command exec runs, e.g. \"/bin/bash\"",
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(serde::de::Error::custom(
            "exec_command holds a control character (a tab, a newline, an escape): give a plain command line",
        ));
    }
    Ok(Some(text))
}

/// The directory holding config.toml and themes/.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("ecsdash"));
    }
    directories::BaseDirs::new().map(|b| b.home_dir().join(".config").join("ecsdash"))
}

/// The directory for the log file (and, later, the audit log).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(x).join("ecsdash"));
    }
    directories::BaseDirs::new().map(|b| b.home_dir().join(".local/state/ecsdash"))
}

impl Config {
    /// Reads the file at `path`. A missing file is an empty config when `required` is
    /// false (the default location); a file that is there but wrong is always an error.
    pub fn load(path: &Path, required: bool) -> Result<Config, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Config::default())
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    /// The config file's text, read. Errors are one line: where, and what is wrong.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| {
            let message = e.message().trim().replace('\n', " ");
            let Some(start) = e.span().map(|span| span.start.min(text.len())) else {
                return message;
            };
            let line = text[..start].matches('\n').count() + 1;
            let source: String = text
                .lines()
                .nth(line - 1)
                .unwrap_or("")
                .trim()
                .chars()
                .take(60)
                .collect();
            format!("line {line} (`{source}`): {message}")
        })
    }

    /// The section for `profile`, or an empty one.
    pub fn profile(&self, profile: Option<&str>) -> ProfileConfig {
        profile
            .and_then(|p| self.profiles.get(p))
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profiles_colour_is_a_colour() {
        let c = Config::parse(
            "[profiles.prod]\ncolour = \"red\"\n[profiles.dev]\ncolour = \"#00ff7f\"\n",
        )
        .unwrap();
        assert_eq!(c.profile(Some("prod")).colour.as_deref(), Some("red"));
        assert_eq!(c.profile(Some("dev")).colour.as_deref(), Some("#00ff7f"));
        let e = Config::parse("[profiles.prod]\ncolour = \"reddish\"\n").unwrap_err();
        assert!(e.contains("colour") && e.contains("reddish"), "{e}");
    }

    #[test]
    fn exec_command_is_a_plain_command_line() {
        assert_eq!(
            Config::parse("exec_command = \"/bin/bash -l\"\n")
                .unwrap()
                .exec_command
                .as_deref(),
            Some("/bin/bash -l")
        );
        for bad in [
            "exec_command = \"\"\n",
            "exec_command = \"sh\\u001b[2J\"\n",
            "exec_command = \"a\\nb\"\n",
        ] {
            let e = Config::parse(bad).unwrap_err();
            assert!(e.contains("exec_command"), "{bad}: {e}");
        }
    }

    #[test]
    fn pulse_thresholds_are_whole_numbers_in_range() {
        let c = Config::parse("[pulse]\nbelow_desired_minutes = 10\ndeaths = 5\n").unwrap();
        assert_eq!(c.pulse.below_desired_minutes, Some(10));
        assert_eq!(c.pulse.stuck_rollout_minutes, None);
        assert_eq!(c.pulse.deaths, Some(5));
        for bad in [
            "[pulse]\ndeaths = 0\n",
            "[pulse]\nbelow_desired_minutes = -1\n",
            "[pulse]\nstuck_rollout_minutes = \"30m\"\n",
            "[pulse]\ndeath = 3\n",
            "pulse = 3\n",
        ] {
            let e = Config::parse(bad).unwrap_err();
            assert!(!e.contains('\n'), "one line: {e}");
            assert!(e.contains("death") || e.contains("minutes"), "{bad}: {e}");
            assert!(!e.contains("PulseConfig"), "{bad}: {e}");
        }
        let c = Config::parse("metrics = false\n[pulse]\ncpu_percent = 150\n").unwrap();
        assert_eq!((c.metrics, c.pulse.cpu_percent), (Some(false), Some(150)));
        for bad in [
            "[pulse]\ncpu_percent = 0\n",
            "[pulse]\nmemory_percent = \"90%\"\n",
        ] {
            let e = Config::parse(bad).unwrap_err();
            assert!(e.contains("utilisation threshold"), "{bad}: {e}");
        }
        let e = Config::parse("metrics = \"no\"\n").unwrap_err();
        assert!(e.contains("metrics"), "{e}");
    }

    #[test]
    fn api_share_is_a_percentage() {
        assert_eq!(
            Config::parse("api_share = 40\n").unwrap().api_share,
            Some(40)
        );
        for bad in ["api_share = 0\n", "[profiles.p]\napi_share = 0\n"] {
            let e = Config::parse(bad).unwrap_err();
            assert!(e.contains("api_share") && e.contains("1 to 100"), "{e}");
        }
        let e = Config::parse("api_share = 400\n").unwrap_err();
        assert!(e.contains("api_share"), "{e}");
        for bad in [
            "api_share = \"25%\"\n",
            "api_share = 25.5\n",
            "api_share = -1\n",
        ] {
            let e = Config::parse(bad).unwrap_err();
            assert!(
                e.starts_with("line 1 (`api_share") && e.contains("): api_share is a percentage"),
                "{e}"
            );
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn parses_defaults_and_profiles() {
        let c = Config::parse(
            "profile = \"p\"\nrefresh = 0\n[profiles.p]\nregion = \"us-east-1\"\nread_only = true\n",
        )
        .unwrap();
        assert_eq!(c.profile.as_deref(), Some("p"));
        assert_eq!(c.refresh, Some(0));
        let p = c.profile(Some("p"));
        assert_eq!(p.region.as_deref(), Some("us-east-1"));
        assert_eq!(p.read_only, Some(true));
        assert_eq!(c.profile(Some("other")), ProfileConfig::default());
    }

    #[test]
    fn keys_take_one_key_or_a_list() {
        let c = Config::parse("[keys]\nscale = \"S\"\nstop_task = [\"Ctrl-x\", \"X\"]\n").unwrap();
        let remaps = c.key_remaps();
        assert_eq!(remaps["scale"], ["S"]);
        assert_eq!(remaps["stop_task"], ["Ctrl-x", "X"]);
        assert!(Config::parse("[keys]\nscale = 5\n").is_err());
    }

    #[test]
    fn typos_are_errors_that_name_the_key() {
        let e = Config::parse("refersh = 5\n").unwrap_err();
        assert!(e.contains("refersh"), "{e}");
        let e = Config::parse("refresh = \"fast\"\n").unwrap_err();
        assert!(e.contains("refresh") || e.contains("integer"), "{e}");
    }

    #[test]
    fn missing_default_file_is_empty_but_missing_named_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("none.toml");
        assert_eq!(Config::load(&p, false).unwrap(), Config::default());
        assert!(Config::load(&p, true).unwrap_err().contains("cannot read"));
    }
}
