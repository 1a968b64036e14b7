//! ecsdash: a terminal dashboard for operating AWS ECS.
#![forbid(unsafe_code)]

pub mod app;
pub mod aws;
pub mod cli;
pub mod clock;
pub mod config;
pub mod environment;
pub mod logs;
pub mod ops;
pub mod opscmd;
pub mod runtime;
pub mod sync;
pub mod tailcmd;
pub mod ui;
