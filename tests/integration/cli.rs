//! The binary on bad input: each mistake gets a clear message and exit code 2, before
//! anything is drawn or sent.

use std::process::{Command, Output};

fn ecsdash(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsdash"));
    cmd.args(args)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run ecsdash")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn help_names_the_demo() {
    let o = ecsdash(&["--help"], &[]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("--demo"));
}

#[test]
fn a_count_that_is_not_a_number_is_refused() {
    let o = ecsdash(&["--demo", "--refresh", "5s"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--refresh"), "{}", stderr(&o));
}

#[test]
fn service_without_cluster_is_refused() {
    let o = ecsdash(&["--demo", "--service", "web"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--cluster"), "{}", stderr(&o));
}

#[test]
fn a_config_typo_names_the_key_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "refersh = 5\n").unwrap();
    let o = ecsdash(&["--demo", "--config", path.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("refersh") && e.contains("config.toml"), "{e}");
}

#[test]
fn a_bad_key_remap_is_refused_before_the_dashboard_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    for (text, want) in [
        ("[keys]\nscael = \"S\"\n", "no action `scael`"),
        ("[keys]\nscale = \"d\"\n", "would both"),
        ("[keys]\nscale = \"Ctrl-\\u001b[31m\"\n", "is not a key"),
    ] {
        std::fs::write(&path, text).unwrap();
        let o = ecsdash(&["--demo", "--config", path.to_str().unwrap()], &[]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let e = stderr(&o);
        assert!(e.contains(want), "{text}: {e}");
        assert!(!e.contains('\u{1b}'), "an escape reached stderr: {e:?}");
    }
}

#[test]
fn version_names_the_commit_and_the_shell_gets_completions_and_a_manual() {
    let o = ecsdash(&["--version"], &[]);
    assert_eq!(o.status.code(), Some(0));
    let v = String::from_utf8_lossy(&o.stdout).to_string();
    let commit = v
        .trim()
        .strip_prefix("ecsdash 0.1.0 (commit ")
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
    // A broken config file does not stand in the way: these read no configuration.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "refersh = 5\n").unwrap();
    for (shell, mark) in [
        ("bash", "complete -F _ecsdash"),
        ("zsh", "#compdef ecsdash"),
        ("fish", "complete -c ecsdash"),
    ] {
        let o = ecsdash(
            &["completions", shell, "--config", path.to_str().unwrap()],
            &[],
        );
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        assert!(String::from_utf8_lossy(&o.stdout).contains(mark), "{shell}");
    }
    let o = ecsdash(&["man"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains(".TH ecsdash 1"));
    let o = ecsdash(&["completions", "tcsh"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_named_config_is_an_error() {
    let o = ecsdash(&["--demo", "--config", "/nonexistent/ecsdash.toml"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

#[test]
fn an_unknown_theme_lists_the_built_in_ones() {
    let o = ecsdash(&["--demo", "--theme", "solarised"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("solarised") && e.contains("dark, light"), "{e}");
}

#[test]
fn no_terminal_is_a_clear_error_not_a_garbled_screen() {
    let o = ecsdash(&["--demo"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs a terminal"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing drawn on a pipe");
}

#[test]
fn an_unknown_profile_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile other]\nregion = eu-west-1\n").unwrap();
    let creds = dir.path().join("credentials");
    std::fs::write(&creds, "").unwrap();
    let o = ecsdash(
        &["--profile", "prdo"],
        &[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("prdo"), "{e}");
    assert!(e.contains("--demo"), "suggests the demo: {e}");
}
