//! The wiring point: the one place that chooses an adapter (the AWS SDK, or the demo
//! fleet with `--demo`) and hands the dashboard and the commands their backends.

use std::sync::Arc;

use super::args::{Cli, Settings};
use crate::backends::demo::{DEFAULT_LATENCY, DemoBackend, DemoOptions, DemoSetup};
use crate::backends::regions::{Region, Regions};
use crate::backends::sdk::logs::SdkLogs;
use crate::backends::sdk::ops::SdkOps;
use crate::backends::sdk::{ConnectOptions, SdkBackend, mfa};
use crate::domain::budget::{ApiLimits, Budget};
use crate::domain::clock::SystemClock;
use crate::domain::{Backend, BackendError};
use crate::logs::LogsApi;
use crate::ops::Ops;

/// An exit code and the message for stderr.
pub type Failure = (u8, String);

const EXIT_BAD_INPUT: u8 = 2;

/// The backends for a command: one region, which `--region` must not make several. A
/// profile that needs an MFA code asks for it on the terminal first.
pub async fn backends(cli: &Cli, settings: &Settings) -> Result<Backends, Failure> {
    let mut settings = settings.clone();
    ask_mfa(cli, &mut settings).await?;
    let settings = &settings;
    one_region(settings)?;
    estate(cli, settings).await
}

/// Refuses a list of regions for a command (checked before anything else it needs).
pub fn one_region(settings: &Settings) -> Result<(), Failure> {
    let regions = regions(settings)?;
    if regions.len() > 1 {
        return Err((
            EXIT_BAD_INPUT,
            format!(
                "--region names {} regions ({}); commands work in one region at a time (the dashboard spans several)",
                regions.len(),
                regions.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The regions `--region` (or the config) names: none (the profile's), one, or several
/// separated by commas, each once.
pub fn regions(settings: &Settings) -> Result<Vec<String>, Failure> {
    let Some(named) = settings.region.as_deref() else {
        // The SDK reads these as one region; a list there would fail late and obscurely.
        for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let Ok(value) = std::env::var(var)
                && value.contains(',')
            {
                return Err((
                    EXIT_BAD_INPUT,
                    format!(
                        "{var} is '{}', a list; it names one region: give several with --region or the config file's region",
                        crate::domain::sanitize::one_line(&value)
                    ),
                ));
            }
        }
        return Ok(Vec::new());
    };
    let mut regions: Vec<String> = Vec::new();
    for part in named.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err((
                EXIT_BAD_INPUT,
                format!(
                    "region list '{}' has an empty name; separate regions with single commas",
                    crate::domain::sanitize::one_line(named)
                ),
            ));
        }
        if !regions.iter().any(|r| r == part) {
            regions.push(part.to_owned());
        }
    }
    Ok(regions)
}

/// The dashboard's backends: the demo fleet with `--demo` (no AWS configuration read at
/// all), else the SDK with the resolved profile, region(s) and timeout. Several regions
/// get a backend each (each with its own API budget) behind one router.
pub async fn estate(cli: &Cli, settings: &Settings) -> Result<Backends, Failure> {
    let regions = regions(settings)?;
    if regions.len() > 1 {
        if cli.demo {
            return Err((
                EXIT_BAD_INPUT,
                "the demo fleet has one region (eu-west-1); name one --region or none".into(),
            ));
        }
        return several(settings, regions).await;
    }
    if cli.demo {
        let demo = Arc::new(DemoBackend::with_setup(
            DemoOptions {
                seed: cli.demo_seed,
                clock: Arc::new(SystemClock),
                latency: DEFAULT_LATENCY,
            },
            DemoSetup {
                scale: cli.demo_scale.unwrap_or(1),
                // The same kind of budget the SDK adapter keeps to.
                budget: Arc::new(Budget::new(ApiLimits::default(), settings.api_share)),
            },
        ));
        return Ok(Backends {
            logs: demo.logs(),
            ecs: demo.clone(),
            ops: demo,
        });
    }
    let region = regions.into_iter().next();
    let assumed = assumed(settings, region.as_deref()).await?;
    let backend = sdk(settings, region, assumed).await?;
    let logs: Arc<dyn LogsApi> = Arc::new(SdkLogs::new(backend.sdk_config()));
    let ops: Arc<dyn Ops> = Arc::new(SdkOps::new(&backend));
    // Behind the router even alone: another region's cluster ARN is refused, not read
    // (or changed) here.
    let router = Regions::new(vec![Region {
        name: backend.identity().region,
        ecs: Arc::new(backend),
        ops,
    }]);
    Ok(Backends {
        ecs: router.clone(),
        ops: router,
        logs,
    })
}

async fn sdk(
    settings: &Settings,
    region: Option<String>,
    assumed: Option<mfa::Credentials>,
) -> Result<SdkBackend, Failure> {
    SdkBackend::connect(ConnectOptions {
        profile: settings.profile.clone(),
        region,
        operation_timeout: settings.timeout,
        describe_concurrency: 4,
        api_share: settings.api_share,
        assumed,
    })
    .await
    .map_err(|e| (EXIT_BAD_INPUT, with_hint(&e)))
}

/// One SDK backend per region behind the router; the logs API is region-aware already
/// (awslogs names the region of each group).
async fn several(settings: &Settings, regions: Vec<String>) -> Result<Backends, Failure> {
    // One AssumeRole for every region: a code is good for one call.
    let assumed = assumed(settings, regions.first().map(String::as_str)).await?;
    let connected = futures::future::join_all(
        regions
            .iter()
            .map(|r| sdk(settings, Some(r.clone()), assumed.clone())),
    )
    .await;
    let mut each = Vec::new();
    let mut logs: Option<Arc<dyn LogsApi>> = None;
    for (name, backend) in regions.into_iter().zip(connected) {
        let backend = backend?;
        logs.get_or_insert_with(|| Arc::new(SdkLogs::new(backend.sdk_config())));
        let ops: Arc<dyn Ops> = Arc::new(SdkOps::new(&backend));
        each.push(Region {
            name,
            ecs: Arc::new(backend),
            ops,
        });
    }
    let router = Regions::new(each);
    Ok(Backends {
        ecs: router.clone(),
        ops: router,
        logs: logs.expect("several regions connected"),
    })
}

/// Credentials assumed with a code, by profile and code: a code is good for one
/// AssumeRole, so every region and every reconnect with it uses the same answer.
static ASSUMED: std::sync::Mutex<Vec<(String, String, mfa::Credentials)>> =
    std::sync::Mutex::new(Vec::new());

/// The role's credentials when the profile in use assumes a role with MFA and a code was
/// given; `None` otherwise (connecting then says a code is needed, if one is).
async fn assumed(
    settings: &Settings,
    region: Option<&str>,
) -> Result<Option<mfa::Credentials>, Failure> {
    let Some(code) = &settings.mfa_code else {
        return Ok(None);
    };
    let Some(needs) = mfa::needs_code(settings.profile.as_deref())
        .await
        .map_err(|e| (EXIT_BAD_INPUT, with_hint(&e)))?
    else {
        return Ok(None);
    };
    assume_once(&needs, code, region, settings.timeout)
        .await
        .map(Some)
        .map_err(|e| (EXIT_BAD_INPUT, with_hint(&e)))
}

/// AssumeRole with `code`, or the credentials it already gave.
async fn assume_once(
    needs: &mfa::Mfa,
    code: &str,
    region: Option<&str>,
    timeout: std::time::Duration,
) -> Result<mfa::Credentials, BackendError> {
    let cached = |cache: &[(String, String, mfa::Credentials)]| {
        cache
            .iter()
            .find(|(p, c, _)| *p == needs.profile && c == code)
            .map(|(_, _, creds)| creds.clone())
    };
    if let Some(creds) = cached(&ASSUMED.lock().unwrap_or_else(|p| p.into_inner())) {
        return Ok(creds);
    }
    let creds = mfa::assume(needs, code, region, timeout).await?;
    ASSUMED.lock().unwrap_or_else(|p| p.into_inner()).push((
        needs.profile.clone(),
        code.to_owned(),
        creds.clone(),
    ));
    Ok(creds)
}

/// The MFA device an assume-role profile (`None`: the one in use) needs a code of, if it
/// does. A profile whose source has no credentials says so here, before any code is
/// asked for.
pub async fn mfa_serial(
    profile: Option<&str>,
    timeout: std::time::Duration,
) -> Result<Option<String>, String> {
    let Some(needs) = mfa::needs_code(profile).await.map_err(|e| e.message)? else {
        return Ok(None);
    };
    mfa::check_source(&needs, timeout)
        .await
        .map_err(|e| e.message)?;
    Ok(Some(needs.serial))
}

/// Whether `message` says AWS refused an MFA code (ask again).
pub fn mfa_code_refused(message: &str) -> bool {
    message.starts_with(mfa::CODE_REFUSED)
}

/// The terminal to ask on: /dev/tty, so a prompt shows even with stderr redirected;
/// stdin and stderr where there is none.
struct Asker {
    tty: Option<std::fs::File>,
}

impl Asker {
    fn open() -> Asker {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .ok();
        Asker { tty }
    }

    fn say(&mut self, text: &str) {
        use std::io::Write;
        match &mut self.tty {
            Some(t) => {
                let _ = t.write_all(text.as_bytes());
                let _ = t.flush();
            }
            None => {
                eprint!("{text}");
                let _ = std::io::stderr().flush();
            }
        }
    }

    /// One line typed, `None` at end of input.
    fn line(&mut self) -> Option<String> {
        use std::io::BufRead;
        let mut line = String::new();
        let read = match &self.tty {
            Some(t) => std::io::BufReader::new(t).read_line(&mut line),
            None => std::io::stdin().lock().read_line(&mut line),
        };
        match read {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line),
        }
    }
}

/// Asks on the terminal (before the dashboard takes it, or for a command) for the MFA
/// code of an assume-role profile with `mfa_serial`, and assumes the role with it. Three
/// tries, at a code of the right shape and at one AWS accepts; without a terminal, says
/// why it cannot go on.
pub async fn ask_mfa(cli: &Cli, settings: &mut Settings) -> Result<(), Failure> {
    use std::io::IsTerminal;
    if cli.demo || settings.mfa_code.is_some() {
        return Ok(());
    }
    let Some(needs) = mfa::needs_code(settings.profile.as_deref())
        .await
        .map_err(|e| (EXIT_BAD_INPUT, with_hint(&e)))?
    else {
        return Ok(());
    };
    let serial = crate::domain::sanitize::one_line(&needs.serial);
    let profile = crate::domain::sanitize::one_line(&needs.profile);
    // Only where someone types: a command in a pipeline is never held on a prompt.
    let mut asker = Asker::open();
    if !std::io::stdin().is_terminal() {
        return Err((
            EXIT_BAD_INPUT,
            format!(
                "profile '{profile}' needs an MFA code (mfa_serial {serial}) and there is no terminal to ask for it on"
            ),
        ));
    }
    // A source without credentials is said now, not blamed on the code afterwards.
    mfa::check_source(&needs, settings.timeout)
        .await
        .map_err(|e| {
            (
                EXIT_BAD_INPUT,
                crate::domain::sanitize::one_line(&e.message),
            )
        })?;
    let region = regions(settings)?.into_iter().next();
    for _ in 0..3 {
        asker.say(&format!("MFA code for {serial} (profile {profile}): "));
        let Some(line) = asker.line() else {
            asker.say("\n");
            break;
        };
        let code = match crate::domain::places::check_mfa_code(&line) {
            Ok(code) => code,
            Err(why) => {
                asker.say(&format!("{why}\n"));
                continue;
            }
        };
        match assume_once(&needs, &code, region.as_deref(), settings.timeout).await {
            Ok(_) => {
                settings.mfa_code = Some(code);
                return Ok(());
            }
            Err(e) if mfa::code_refused(&e) => {
                asker.say(&format!(
                    "{}\n",
                    crate::domain::sanitize::one_line(&e.message)
                ));
            }
            Err(e) => return Err((EXIT_BAD_INPUT, with_hint(&e))),
        }
    }
    Err((
        EXIT_BAD_INPUT,
        format!("no MFA code for profile '{profile}' was accepted: nothing else was sent"),
    ))
}

/// The profiles and regions of the AWS config files, for `:profile` and `:region`.
pub async fn places(
    read_only: impl Fn(&str) -> bool,
) -> Result<crate::domain::places::Places, String> {
    crate::backends::sdk::places::places(read_only).await
}

/// The three ways to AWS (or the demo fleet) that commands and the dashboard use.
pub struct Backends {
    pub ecs: Arc<dyn Backend>,
    pub logs: Arc<dyn LogsApi>,
    pub ops: Arc<dyn Ops>,
}

/// An error's message with its hint on the next line, for stderr.
pub fn with_hint(e: &BackendError) -> String {
    let hint = e
        .hint()
        .map(|h| format!("\n  hint: {h}"))
        .unwrap_or_default();
    format!("{}{hint}", e.message)
}
