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

pub fn completions(shell: clap_complete::Shell) -> String {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mfa-env", &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

pub fn man() -> Result<String, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(Error::Stdout)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}
