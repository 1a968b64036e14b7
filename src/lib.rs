//! ecsdash: a terminal dashboard for operating AWS ECS.
#![forbid(unsafe_code)]

/// Everything the commands print passes the sanitizer: AWS's text and the user's own
/// arguments can carry escape sequences (a window title, a clipboard write), and stderr is
/// a terminal as often as stdout. Lines stay lines; escapes and controls go.
#[macro_export]
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::domain::sanitize::for_screen(&format!($($arg)*)))
    };
}

/// `say_err!` for stdout.
#[macro_export]
macro_rules! say_out {
    ($($arg:tt)*) => {
        println!("{}", $crate::domain::sanitize::for_screen(&format!($($arg)*)))
    };
}

/// `say_err!` into a locked stderr (`writeln!`); the result is the write's.
#[macro_export]
macro_rules! say_to_err {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, "{}", $crate::domain::sanitize::for_screen(&format!($($arg)*)))
    };
}

/// `say_to_err!` without the newline, for a question the answer follows on the same line.
#[macro_export]
macro_rules! say_to_err_prompt {
    ($out:expr, $($arg:tt)*) => {
        write!($out, "{}", $crate::domain::sanitize::for_screen(&format!($($arg)*)))
    };
}

pub mod app;
pub mod backends;
pub mod cmd;
pub mod config;
pub mod domain;
pub mod environment;
pub mod logs;
pub mod ops;
pub mod runtime;
pub mod ui;

#[cfg(test)]
mod layers_tests;
