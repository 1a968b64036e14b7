//! Switching profile and region in place, against moto behind the test layer: two
//! profiles in AWS config files written for the test (one per region of the same moto),
//! a cluster in each region. What is proven: after `:profile` or `:region` the clusters
//! pane shows the other identity's cluster and never the old one, the header names the
//! new profile and region, and the new profile's read-only setting is in force.

use std::io::Write;

use crate::support::{self, unique};
use crate::terminal::Dashboard;

async fn cluster_in(moto: &support::Moto, region: &str, prefix: &str) -> String {
    let name = unique(prefix);
    support::ecs_via_proxy(moto, region)
        .create_cluster()
        .cluster_name(&name)
        .send()
        .await
        .expect("CreateCluster");
    name
}

#[tokio::test(flavor = "multi_thread")]
async fn a_switch_shows_the_other_identitys_clusters_and_never_the_old_ones() {
    let Some(moto) = support::moto() else { return };
    let east = cluster_in(&moto, "us-east-1", "sw-east").await;
    let west = cluster_in(&moto, "eu-west-1", "sw-west").await;
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("aws-config");
    let credentials = dir.path().join("aws-credentials");
    std::fs::write(
        &aws_config,
        "[profile east]\nregion = us-east-1\n[profile west]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[east]\naws_access_key_id = testing\naws_secret_access_key = testing\n\
         [west]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let config = dir.path().join("ecsdash.toml");
    std::fs::write(
        &config,
        "[profiles.west]\nread_only = true\ncolour = \"red\"\n",
    )
    .unwrap();
    let (aws_config, credentials) = (
        aws_config.display().to_string(),
        credentials.display().to_string(),
    );
    let vars = [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_CONFIG_FILE", aws_config.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_REGION", ""),
        ("AWS_DEFAULT_REGION", ""),
        ("AWS_PROFILE", ""),
    ];
    let mut d = Dashboard::start_with(
        &["--profile", "east", "--config", config.to_str().unwrap()],
        &vars,
    );
    let mut keys = d.master.take_writer().unwrap();
    // A shared moto holds many clusters: only this test's are kept on screen (the
    // clusters pane keeps its filter across the switch).
    d.wait_screen("clusters (");
    keys.write_all(b"/sw-\r").unwrap();
    let screen = d.wait_screen(&east);
    assert!(!screen.contains(&west), "{screen}");
    assert!(screen.contains("us-east-1"), "{screen}");

    // The profiles the files hold, then Enter on `west`.
    keys.write_all(b":profile\r").unwrap();
    let screen = d.wait_screen("read-only");
    assert!(
        screen.contains("west") && screen.contains("keys"),
        "{screen}"
    );
    keys.write_all(b"/west\r\r").unwrap();
    let screen = d.wait_screen("switched to profile west");
    assert!(
        screen.contains("eu-west-1") && screen.contains("READ-ONLY"),
        "{screen}"
    );
    keys.write_all(b":clusters\r").unwrap();
    let screen = d.wait_screen(&west);
    assert!(
        !screen.contains(&east),
        "the old account's cluster is gone: {screen}"
    );

    // A region by name: the same profile, the other region.
    keys.write_all(b":region us-east-1\r").unwrap();
    d.wait_screen("switched to profile west, region us-east-1");
    keys.write_all(b":clusters\r").unwrap();
    let screen = d.wait_screen(&east);
    assert!(!screen.contains(&west), "{screen}");

    // A profile that is not there: said, and nothing changes.
    keys.write_all(b":profile nope\r").unwrap();
    let screen = d.wait_screen("could not switch to profile nope");
    assert!(screen.contains(&east), "{screen}");

    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

/// `L`: the dashboard steps aside for `aws sso login` (a stand-in `aws` on PATH that
/// records its arguments), with a device code when no browser can open here, and
/// reconnects after.
#[tokio::test(flavor = "multi_thread")]
async fn l_runs_aws_sso_login_for_the_profile_and_reconnects() {
    use std::os::unix::fs::PermissionsExt;
    let Some(moto) = support::moto() else { return };
    let east = cluster_in(&moto, "us-east-1", "sso-east").await;
    let dir = tempfile::tempdir().unwrap();
    let aws_config = dir.path().join("aws-config");
    std::fs::write(
        &aws_config,
        "[profile east]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = dir.path().join("aws-args");
    std::fs::write(
        bin.join("aws"),
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\necho 'Successfully logged into Start URL'\n",
            record.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(bin.join("aws"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (aws_config, path) = (
        aws_config.display().to_string(),
        format!("{}:/usr/bin:/bin", bin.display()),
    );
    let vars = [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_CONFIG_FILE", aws_config.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_REGION", ""),
        ("AWS_PROFILE", ""),
        ("DISPLAY", ""),
        ("WAYLAND_DISPLAY", ""),
        ("PATH", path.as_str()),
    ];
    let mut d = Dashboard::start_with(&["--profile", "east"], &vars);
    let mut keys = d.master.take_writer().unwrap();
    d.wait_screen("clusters (");
    keys.write_all(b"/sso-\r").unwrap();
    d.wait_screen(&east);
    std::thread::sleep(std::time::Duration::from_millis(500));
    keys.write_all(b"L").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !record.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "aws never ran:\n{}",
            d.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let args = std::fs::read_to_string(&record).expect("aws ran");
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        ["sso", "login", "--profile", "east", "--use-device-code"]
    );
    d.wait_screen(&east);
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

/// AWS config files with `base` (keys, us-east-1) and `admin`, a role assumed from `base`
/// with an MFA device; the variables that point everything at moto and at those files.
fn mfa_files(dir: &std::path::Path) -> (String, String) {
    let aws_config = dir.join("aws-config");
    std::fs::write(
        &aws_config,
        "[profile base]\nregion = us-east-1\naws_access_key_id = testing\naws_secret_access_key = testing\n\
         [profile admin]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/oncall\n",
    )
    .unwrap();
    let credentials = dir.join("aws-credentials");
    std::fs::write(&credentials, "").unwrap();
    (
        aws_config.display().to_string(),
        credentials.display().to_string(),
    )
}

/// An assume-role profile with `mfa_serial`: the code is asked on the terminal before the
/// dashboard starts and AssumeRole carries it (the SDK alone would send none), and a
/// switch to it from inside the dashboard asks on the prompt.
#[tokio::test(flavor = "multi_thread")]
async fn a_role_with_mfa_is_assumed_with_the_code_asked_for() {
    let Some(moto) = support::moto() else { return };
    let east = cluster_in(&moto, "us-east-1", "mfa-east").await;
    let dir = tempfile::tempdir().unwrap();
    let (aws_config, credentials) = mfa_files(dir.path());
    let vars = [
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ENDPOINT_URL", moto.proxy.as_str()),
        ("AWS_CONFIG_FILE", aws_config.as_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_REGION", ""),
        ("AWS_DEFAULT_REGION", ""),
        ("AWS_PROFILE", ""),
    ];
    // Codes of this run only (a shared moto keeps every run's requests).
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let first = format!("{:06}", nanos % 1_000_000);
    let second = format!("{:06}", (nanos / 7 + 1) % 1_000_000);
    // AWS refuses one code (a typo of the right shape): asked again.
    let refused = format!("{:06}", (nanos / 3 + 7) % 1_000_000);
    support::inject(
        &moto,
        serde_json::json!({
            "target": "AssumeRole", "match": format!("TokenCode={refused}"), "status": 403,
            "type": "AccessDenied",
            "message": "MultiFactorAuthentication failed with invalid MFA one time pass code."
        }),
    )
    .await;
    let mut d = Dashboard::start_with(&["--profile", "admin"], &vars);
    let mut keys = d.master.take_writer().unwrap();
    d.wait_screen("MFA code for arn:aws:iam::123456789012:mfa/oncall (profile admin)");
    // A typo is asked again; nothing is sent for it.
    keys.write_all(b"12345\r").unwrap();
    d.wait_screen("6 digits");
    keys.write_all(format!("{refused}\r").as_bytes()).unwrap();
    d.wait_screen("AWS refused the MFA code");
    keys.write_all(format!("{first}\r").as_bytes()).unwrap();
    d.wait_screen("clusters (");
    keys.write_all(b"/mfa-\r").unwrap();
    d.wait_screen(&east);
    let sent = support::requests(&moto, "AssumeRole", &format!("TokenCode={first}")).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let form = sent[0].as_str().unwrap_or_default();
    assert!(
        form.contains("SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Foncall"),
        "{form}"
    );
    // The typo never left: every AssumeRole carries six digits.
    let all = support::requests(&moto, "AssumeRole", "TokenCode=").await;
    assert!(
        all.iter().all(|r| {
            let form = r.as_str().unwrap_or_default();
            let code = form.rsplit("TokenCode=").next().unwrap_or_default();
            code.len() >= 6 && code[..6].bytes().all(|b| b.is_ascii_digit())
        }),
        "{all:?}"
    );

    // From inside: to `base` (no code), then back to `admin`, which asks on the prompt.
    keys.write_all(b":profile base\r").unwrap();
    d.wait_screen("switched to profile base");
    keys.write_all(b":profile admin\r").unwrap();
    d.wait_screen("MFA code for mfa/oncall:");
    keys.write_all(format!("{second}\r").as_bytes()).unwrap();
    d.wait_screen("switched to profile admin");
    assert_eq!(
        support::requests(&moto, "AssumeRole", &format!("TokenCode={second}"))
            .await
            .len(),
        1
    );
    keys.write_all(b"q").unwrap();
    let status = d.wait_exit();
    assert!(status.success(), "{status:?}");
    d.assert_restored();
}

/// Without a terminal to ask on, a command says why it cannot go on and sends nothing.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_terminal_the_mfa_code_cannot_be_asked_and_nothing_is_sent() {
    let Some(moto) = support::moto() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (aws_config, credentials) = mfa_files(dir.path());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsdash"))
        .args(["scale", "nowhere/web", "2", "--profile", "admin"])
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &moto.proxy)
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("needs an MFA code") && stderr.contains("no terminal"),
        "{stderr}"
    );
}
