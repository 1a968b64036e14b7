//! What the screen shows that is derived from the app's state (diffs, pretty JSON,
//! rollout progress, describe lines): computed when its input changes and kept, so
//! drawing only draws.

/// Memos of derived views, each keyed by what it was computed from.
#[derive(Debug, Default)]
pub struct Derived {}
