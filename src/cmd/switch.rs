//! How the dashboard switches profile or region in place: the backends are built as at
//! start (`wiring::backends`), with the settings the config file gives that profile (its
//! section: region, read-only, API share, colour). The demo fleet has one profile and one
//! region, and says so.

use std::sync::Arc;

use super::args::{Cli, Settings};
use crate::config::Config;
use crate::domain::places::{Places, ProfileInfo};
use crate::runtime::switch::{Connected, Refused, Switcher};

/// The switcher for this run: the SDK's, or the demo fleet's.
pub fn switcher(cli: &Cli, config: &Config) -> Arc<dyn Switcher> {
    if cli.demo {
        let settings = Settings::resolve(cli, config, None);
        Arc::new(Demo {
            read_only: settings.read_only_for("demo"),
        })
    } else {
        Arc::new(Sdk {
            cli: cli.clone(),
            config: config.clone(),
        })
    }
}

struct Sdk {
    cli: Cli,
    config: Config,
}

impl Sdk {
    /// The settings for `profile` (its own region unless `region` names one).
    fn settings(&self, profile: Option<String>, region: Option<String>) -> (Cli, Settings) {
        let mut cli = self.cli.clone();
        cli.profile = profile;
        cli.region = region;
        let settings = Settings::resolve(&cli, &self.config, None);
        (cli, settings)
    }
}

#[async_trait::async_trait]
impl Switcher for Sdk {
    async fn places(&self) -> Result<Places, String> {
        let (_, settings) = self.settings(None, None);
        super::wiring::places(|p| settings.read_only_for(p)).await
    }

    async fn needs_mfa(&self, profile: Option<String>) -> bool {
        let (_, settings) = self.settings(profile, None);
        matches!(
            super::wiring::mfa_serial(settings.profile.as_deref(), settings.timeout).await,
            Ok(Some(_))
        )
    }

    async fn connect(
        &self,
        profile: Option<String>,
        region: Option<String>,
        mfa_code: Option<String>,
    ) -> Result<Connected, Refused> {
        let (cli, mut settings) = self.settings(profile, region);
        if mfa_code.is_none()
            && let Some(serial) =
                super::wiring::mfa_serial(settings.profile.as_deref(), settings.timeout).await?
        {
            return Err(Refused::NeedsMfa { serial, why: None });
        }
        let tried = mfa_code.is_some();
        settings.mfa_code = mfa_code;
        let b = match super::wiring::estate(&cli, &settings).await {
            Ok(b) => b,
            // AWS refused the code: asked again, with why.
            Err((_, message)) if tried && super::wiring::mfa_code_refused(&message) => {
                let serial =
                    super::wiring::mfa_serial(settings.profile.as_deref(), settings.timeout)
                        .await?
                        .unwrap_or_default();
                return Err(Refused::NeedsMfa {
                    serial,
                    why: Some(message.replace('\n', " ")),
                });
            }
            Err((_, message)) => return Err(Refused::Failed(message.replace('\n', " "))),
        };
        // Read-only follows the profile the backend settled on.
        let who = b.ecs.identity();
        let colour = self.config.profile(Some(&who.profile)).colour;
        Ok(Connected {
            read_only: settings.read_only_for(&who.profile),
            audit_log: settings.audit_log,
            colour,
            ecs: b.ecs,
            logs: b.logs,
            ops: b.ops,
        })
    }
}

struct Demo {
    read_only: bool,
}

const DEMO_REGION: &str = "eu-west-1";

#[async_trait::async_trait]
impl Switcher for Demo {
    async fn places(&self) -> Result<Places, String> {
        Ok(Places {
            profiles: vec![ProfileInfo {
                name: "demo".into(),
                kind: "demo fleet",
                region: Some(DEMO_REGION.into()),
                read_only: self.read_only,
            }],
            regions: vec![DEMO_REGION.into()],
        })
    }

    async fn connect(
        &self,
        _profile: Option<String>,
        _region: Option<String>,
        _mfa_code: Option<String>,
    ) -> Result<Connected, Refused> {
        Err(Refused::Failed(format!(
            "the demo fleet has one profile (demo) and one region ({DEMO_REGION}); run ecsdash without --demo to use your AWS profiles"
        )))
    }
}
