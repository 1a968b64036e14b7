//! At home in the shell: completion scripts and the manual page, both made from the
//! command-line definitions (`args::Cli`), so they cannot drift from what the flags are.

use std::io::Write;

use clap::CommandFactory;

use super::args::Cli;

/// An exit code and the message for stderr.
type Failure = (u8, String);

fn written(result: std::io::Result<()>) -> Result<(), Failure> {
    match result {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not a failure of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err((1, format!("cannot write to stdout: {e}"))),
    }
}

/// `ecsdash completions SHELL`: the completion script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ecsdash", &mut out);
    written(std::io::stdout().lock().write_all(&out))
}

/// `ecsdash man`: the manual page (roff) on stdout.
pub fn man() -> Result<(), Failure> {
    let mut out = Vec::new();
    written(
        clap_mangen::Man::new(Cli::command())
            .render(&mut out)
            .and_then(|()| std::io::stdout().lock().write_all(&out)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: clap_complete::Shell) -> String {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "ecsdash", &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn completions_know_the_subcommands_and_flags() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
        ] {
            let s = script(shell);
            for word in [
                "tail",
                "scale",
                "deploy",
                "demo",
                "read-only",
                "profile",
                "wait-timeout",
            ] {
                assert!(s.contains(word), "{shell}: no {word}");
            }
        }
    }

    #[test]
    fn the_manual_page_names_the_command_and_its_flags() {
        let mut out = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut out)
            .unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(
            page.contains(".TH ecsdash 1"),
            "{}",
            &page[..200.min(page.len())]
        );
        assert!(
            page.contains(".SH SUBCOMMANDS") && page.contains("ecsdash\\-tail"),
            "no subcommands"
        );
        assert!(page.contains("\\-\\-read\\-only"), "no --read-only");
    }
}
