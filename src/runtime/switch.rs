//! Switching profile or region in place. The command layer knows how to build backends
//! for a profile (the config file's section for it, the SDK's credential chain); the
//! runtime swaps them in: every fetch and tail of the old identity is cut off (their
//! answers never reach the app), the guard takes the new profile's read-only setting, and
//! the app starts over on the new account with the panes that still make sense.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::app::Action;
use crate::domain::Backend;
use crate::domain::places::Places;
use crate::logs::LogsApi;
use crate::ops::Ops;

/// Builds backends for another profile or region.
#[async_trait::async_trait]
pub trait Switcher: Send + Sync {
    /// The profiles and regions to offer.
    async fn places(&self) -> Result<Places, String>;

    /// Backends for `profile` (`None`: the one in use) in `region` (`None`: the
    /// profile's own), with the MFA code an assume-role profile may need.
    async fn connect(
        &self,
        profile: Option<String>,
        region: Option<String>,
        mfa_code: Option<String>,
    ) -> Result<Connected, Refused>;

    /// Whether `profile` (`None`: the one in use) assumes a role with an MFA code.
    async fn needs_mfa(&self, _profile: Option<String>) -> bool {
        false
    }
}

/// Why a switch did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The sentence to show.
    Failed(String),
    /// The profile assumes a role with MFA: the user is asked for a code of this device,
    /// and the switch is tried again with it.
    NeedsMfa {
        serial: String,
        /// Why it is asked again (AWS refused the last code).
        why: Option<String>,
    },
}

impl From<String> for Refused {
    fn from(message: String) -> Refused {
        Refused::Failed(message)
    }
}

/// Backends for a new identity, with what the config file says of its profile.
pub struct Connected {
    pub ecs: Arc<dyn Backend>,
    pub logs: Arc<dyn LogsApi>,
    pub ops: Arc<dyn Ops>,
    pub read_only: bool,
    pub audit_log: PathBuf,
    /// The header's colour for this profile (the config's `colour`).
    pub colour: Option<String>,
}

/// A channel into the app's that can be shut: what a fetch of an old identity answers
/// after a switch is dropped, never applied to the new one's panes.
pub(super) struct Gate {
    pub(super) tx: mpsc::UnboundedSender<Action>,
    forwarder: tokio::task::JoinHandle<()>,
}

impl Gate {
    pub(super) fn open(app: &mpsc::UnboundedSender<Action>) -> Gate {
        let (tx, mut rx) = mpsc::unbounded_channel::<Action>();
        let app = app.clone();
        let forwarder = tokio::spawn(async move {
            while let Some(action) = rx.recv().await {
                if app.send(action).is_err() {
                    return;
                }
            }
        });
        Gate { tx, forwarder }
    }

    /// Shuts the gate and waits until nothing more can pass it.
    pub(super) async fn shut(self) {
        self.forwarder.abort();
        let _ = self.forwarder.await;
    }
}
