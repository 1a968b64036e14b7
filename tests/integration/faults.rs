//! What an unlucky or hostile on-call engineer meets, against moto behind the test proxy:
//! read-only whichever way the profile was chosen, bad environment values, writes whose
//! answer is lost, and commands that must end (or say they are failing) under faults.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::json;

use crate::support::{self, REGION, unique};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The binary against moto, with a private config and state directory and an AWS config
/// file of its own that defines `staging` (so a named profile is a real one).
struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new(config: &str) -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ecsdash")).unwrap();
        std::fs::write(dir.path().join("ecsdash/config.toml"), config).unwrap();
        std::fs::write(
            dir.path().join("aws-config"),
            format!("[default]\nregion = {REGION}\n[profile staging]\nregion = {REGION}\n"),
        )
        .unwrap();
        Run { dir }
    }

    fn command(&self, moto: &support::Moto, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsdash"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.dir.path())
            .env("XDG_STATE_HOME", self.dir.path())
            .env("AWS_CONFIG_FILE", self.dir.path().join("aws-config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.dir.path().join("none"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ENDPOINT_URL", &moto.proxy)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_PROFILE")
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, moto: &support::Moto, args: &[&str]) -> Output {
        self.command(moto, args).output().expect("run ecsdash")
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        match std::fs::read_to_string(self.dir.path().join("ecsdash/audit.log")) {
            Ok(t) => t
                .lines()
                .map(|l| serde_json::from_str(l).expect("each audit line is JSON"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// A cluster with one service `web` at `desired` tasks, named for this test alone.
async fn service(moto: &support::Moto, prefix: &str, desired: i32) -> String {
    let ecs = support::ecs(moto, REGION);
    let cluster = unique(prefix);
    ecs.create_cluster()
        .cluster_name(&cluster)
        .send()
        .await
        .unwrap();
    let family = unique(&format!("{prefix}-td"));
    support::small_task_definition(&ecs, &family, None, "nginx:1.27").await;
    ecs.create_service()
        .cluster(&cluster)
        .service_name("web")
        .task_definition(&family)
        .desired_count(desired)
        .send()
        .await
        .unwrap();
    cluster
}

async fn desired(moto: &support::Moto, cluster: &str) -> i32 {
    let out = support::ecs(moto, REGION)
        .describe_services()
        .cluster(cluster)
        .services("web")
        .send()
        .await
        .unwrap();
    out.services()[0].desired_count()
}

async fn writes(moto: &support::Moto, cluster: &str) -> u64 {
    let stats = support::stats(moto, Some(REGION), Some(cluster)).await;
    support::count(&stats, "UpdateService")
}

/// `read_only = true` for the profile in use holds however that profile was chosen: by
/// flag, by AWS_PROFILE, by the config file's `profile`, or by naming none (`default`).
#[tokio::test]
async fn read_only_follows_the_profile_in_use_however_it_was_chosen() {
    let Some(moto) = support::moto() else { return };
    let cluster = service(&moto, "ro-profile", 1).await;
    let target = format!("{cluster}/web");
    let scale = ["scale", target.as_str(), "4", "--yes"];
    let cases: [(&str, &str, Vec<&str>, Option<&str>); 4] = [
        (
            "none named",
            "[profiles.default]\nread_only = true\n",
            scale.to_vec(),
            None,
        ),
        (
            "flag",
            "[profiles.staging]\nread_only = true\n",
            [&["--profile", "staging"][..], &scale].concat(),
            None,
        ),
        (
            "AWS_PROFILE",
            "[profiles.staging]\nread_only = true\n",
            scale.to_vec(),
            Some("staging"),
        ),
        (
            "config file",
            "profile = \"staging\"\n[profiles.staging]\nread_only = true\n",
            scale.to_vec(),
            None,
        ),
    ];
    for (how, config, args, env_profile) in cases {
        let run = Run::new(config);
        let mut cmd = run.command(&moto, &args);
        if let Some(p) = env_profile {
            cmd.env("AWS_PROFILE", p);
        }
        let o = cmd.output().unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(3), "{how}: {err}");
        assert!(err.contains("read-only"), "{how}: {err}");
        let audit = run.audit();
        assert_eq!(audit.len(), 1, "{how}: {audit:?}");
        assert_eq!(audit[0]["result"], "refused", "{how}");
    }
    assert_eq!(writes(&moto, &cluster).await, 0, "read-only sent a write");
    assert_eq!(desired(&moto, &cluster).await, 1);

    // The same profile without read-only in its section does change the service.
    let run = Run::new("[profiles.staging]\nread_only = true\n");
    let o = run.run(&moto, &scale);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(desired(&moto, &cluster).await, 4);
}

/// An empty or malformed AWS variable is bad input for every command, the dashboard
/// included: exit 2 with the variable's name, before any call (no moto needed: nothing is
/// sent).
#[test]
fn empty_or_malformed_environment_values_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 4] = [
        &["tail", "core/web"],
        &["scale", "core/web", "3", "--yes"],
        &["deploy", "core/web", "--revision", "3", "--yes"],
        &[],
    ];
    let values = [
        ("AWS_ENDPOINT_URL", "", "AWS_ENDPOINT_URL is set but empty"),
        ("AWS_ENDPOINT_URL", "not a url\u{1b}]0;pwned\u{7}", "not a URL"),
        ("AWS_REGION", "", "AWS_REGION is set but empty"),
        ("AWS_PROFILE", "", "AWS_PROFILE is set but empty"),
    ];
    for args in commands {
        for (name, value, said) in values {
            let o = Command::new(env!("CARGO_BIN_EXE_ecsdash"))
                .args(args)
                .env("XDG_CONFIG_HOME", dir.path())
                .env("XDG_STATE_HOME", dir.path())
                .env("AWS_EC2_METADATA_DISABLED", "true")
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", REGION)
                .env_remove("AWS_PROFILE")
                .env(name, value)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{args:?} {name}={value:?}: {err}");
            assert!(err.contains(said), "{args:?} {name}={value:?}: {err}");
            assert!(
                !err.contains('\u{1b}') && !err.contains('\u{7}'),
                "escapes reached stderr: {err:?}"
            );
            assert!(o.stdout.is_empty(), "{args:?}: {}", text(&o.stdout));
        }
    }
    assert!(
        !dir.path().join("ecsdash/audit.log").exists(),
        "nothing was attempted"
    );
}
