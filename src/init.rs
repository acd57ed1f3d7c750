//! What `init`, `completions` and `man` print. The integration scripts live as
//! files in shell/ and are built into the binary as they are.

use crate::cli::{Cli, InitShell};
use crate::error::Error;
use clap::CommandFactory;

pub const SH: &str = include_str!("../shell/mfa-env.sh");
pub const FISH: &str = include_str!("../shell/mfa-env.fish");
pub const POWERSHELL: &str = include_str!("../shell/mfa-env.ps1");
pub const DIRENV: &str = include_str!("../shell/direnvrc");

pub fn script(shell: InitShell) -> &'static str {
    match shell {
        InitShell::Bash | InitShell::Zsh => SH,
        InitShell::Fish => FISH,
        InitShell::Powershell => POWERSHELL,
        InitShell::Direnv => DIRENV,
    }
}

/// The shell's registration of dynamic completion: the script calls
/// `MFA_ENV_COMPLETE=SHELL mfa-env -- WORDS…`, so subcommands, options and profile
/// names come from the binary itself. The same as `MFA_ENV_COMPLETE=SHELL mfa-env`.
pub fn completions(shell: clap_complete::Shell) -> Result<String, Error> {
    let mut out = Vec::new();
    if let Some(completer) = clap_complete::env::Shells::builtins().completer(&shell.to_string()) {
        completer
            .write_registration(
                crate::usage::COMPLETE_VAR,
                "mfa-env",
                "mfa-env",
                "mfa-env",
                &mut out,
            )
            .map_err(Error::Stdout)?;
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

pub fn man() -> Result<String, Error> {
    Ok(crate::man::page(&Cli::command()))
}
