//! The adapters behind the ground layer's `Backend` and the logs and operations seams: the
//! AWS SDK (`sdk`) and the embedded demo fleet (`demo`). Only the wiring point
//! (`crate::cmd::wiring`) chooses one; nothing below this layer names them.

pub mod demo;
pub mod regions;
pub mod sdk;
