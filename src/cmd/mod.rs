//! The command line: its arguments (`args`), the wiring point that picks the adapters
//! (`wiring`), and the subcommands (`tail`; `change` for `scale` and `deploy`; `shell` for completions and the
//! manual page). The
//! dashboard itself runs from `crate::runtime`.

pub mod args;
pub mod change;
pub mod exec;
pub mod shell;
pub mod switch;
pub mod tail;
pub mod wiring;
