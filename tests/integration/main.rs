//! The one integration-test binary: each module is one area. Tests that need moto get its
//! address from `support::moto()`, which skips them (or fails them under CI) without it.

mod support;

mod budget;
mod cli;
mod cloudwatch;
mod exec_cli;
mod faults;
mod forwards;
mod live_tail;
mod moto_logs;
mod moto_ops;
mod moto_reads;
mod ops_cli;
mod pulse;
mod regions;
mod switch;
mod tail_cli;
mod target_health;
mod terminal;
