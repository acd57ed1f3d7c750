//! Where the code comes from (`Source`): the flag, stdin, a token command,
//! ykman, the terminal or a dialog, chosen in that order; and where a
//! renewal under `--server` takes it while the child runs (`Source::renewal`).

use super::{Code, CodeRequest, Dialog, PROMPT_VAR, YKMAN_DEVICE_VAR};
use super::{normalize, program, prompt, read_line, token};
use crate::config::Profile;
use crate::error::{Error, FirstCode};

/// How a code is asked for: `--prompt`, `MFA_ENV_PROMPT`, `mfa_prompt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompter {
    /// The terminal when /dev/tty opens, else the first dialog that works here.
    Auto,
    Terminal,
    Dialog(Dialog),
    /// `ykman oath accounts code --single NAME`.
    Ykman,
}

impl Prompter {
    /// The names `--prompt` takes.
    pub const NAMES: [&str; 6] = [
        "auto",
        "terminal",
        "zenity",
        "kdialog",
        "osascript",
        "ykman",
    ];

    pub fn parse(name: &str) -> Option<Prompter> {
        Some(match name.trim() {
            "auto" => Prompter::Auto,
            "terminal" => Prompter::Terminal,
            "zenity" => Prompter::Dialog(Dialog::Zenity),
            "kdialog" => Prompter::Dialog(Dialog::Kdialog),
            "osascript" => Prompter::Dialog(Dialog::Osascript),
            "ykman" => Prompter::Ykman,
            _ => return None,
        })
    }
}

/// Where the code comes from, first that applies: `--token-code` (or `-` for
/// stdin), `--token-command`, `--prompt`, the profile's `mfa_process`, then
/// `MFA_ENV_PROMPT`, the profile's `mfa_prompt`, else `auto`.
/// No Debug: it can hold the code.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    Flag(String),
    Stdin,
    /// A command that prints the code, and where it was configured.
    Command {
        line: String,
        origin: String,
    },
    /// Asking a person (or ykman), and where that was configured.
    Prompt {
        how: Prompter,
        origin: String,
    },
    /// A renewal's question while `--server`'s child runs on the terminal:
    /// in a desktop dialog when one works here, else `Error::TerminalTaken`
    /// (which says how to renew from a shell); with no child (`serve`), as
    /// `Prompter::Auto`. `first`: how the first
    /// session's code was given, when that is why a renewal asks.
    Away {
        first: Option<FirstCode>,
    },
}

impl Source {
    /// The first session's source, and a renewal's under `--server` while
    /// the child runs: never the code given with -t again (a code works
    /// once), never stdin (the child's once it runs), never the terminal (the
    /// child reads it, and the two would share what is typed). A renewal
    /// takes the token command, `mfa_process`, ykman or a dialog chosen as
    /// for the first session; the terminal's prompt becomes `Away` (a dialog,
    /// else the message that says how to renew).
    pub fn choose(
        flag: Option<&str>,
        command: Option<&str>,
        prompt: Option<&str>,
        env_prompt: Option<&str>,
        profile: &Profile,
    ) -> Result<(Source, Source), Error> {
        let prompter = |value: &str, origin: String| match Prompter::parse(value) {
            Some(how) => Ok(Source::Prompt { how, origin }),
            None => Err(Error::BadPrompt {
                value: value.to_string(),
                origin,
                names: Prompter::NAMES.join(", "),
            }),
        };
        let from_env = env_prompt.filter(|v| !v.trim().is_empty());
        let pick = |flag: Option<&str>| match (flag, command, prompt, &profile.mfa_process) {
            (Some("-"), ..) => Ok(Source::Stdin),
            (Some(code), ..) => Ok(Source::Flag(code.to_string())),
            (None, Some(cmd), ..) => Ok(Source::Command {
                line: cmd.to_string(),
                origin: "--token-command".into(),
            }),
            (None, None, Some(name), _) => prompter(name, "--prompt".into()),
            (None, None, None, Some(cmd)) => Ok(Source::Command {
                line: cmd.clone(),
                origin: format!("mfa_process of profile '{}'", profile.name),
            }),
            (None, None, None, None) => match (from_env, &profile.mfa_prompt) {
                (Some(name), _) => prompter(name, PROMPT_VAR.into()),
                (None, Some(name)) => {
                    prompter(name, format!("mfa_prompt of profile '{}'", profile.name))
                }
                (None, None) => Ok(Source::Prompt {
                    how: Prompter::Auto,
                    origin: "the default".into(),
                }),
            },
        };
        let given = match flag {
            Some("-") => Some(FirstCode::Stdin),
            Some(_) => Some(FirstCode::Flag),
            None => None,
        };
        let renewal = match pick(None)? {
            Source::Prompt {
                how: Prompter::Auto | Prompter::Terminal,
                ..
            } => Source::Away { first: given },
            other => other,
        };
        Ok((pick(flag)?, renewal))
    }

    /// For `-v`: never the code, never the whole command line.
    pub fn describe(&self) -> String {
        match self {
            Source::Flag(_) => "the MFA code from --token-code".into(),
            Source::Stdin => "the MFA code from stdin".into(),
            Source::Command { line: cmd, origin } => {
                format!("the MFA code from the command {} ({origin})", program(cmd))
            }
            Source::Prompt {
                how: prompter,
                origin,
            } => {
                let how = match prompter {
                    Prompter::Auto => "asked for on the terminal, else in a desktop dialog".into(),
                    Prompter::Terminal => "asked for on the terminal".into(),
                    Prompter::Dialog(d) => format!("asked for in a {} dialog", d.program()),
                    Prompter::Ykman => "from ykman".into(),
                };
                format!("the MFA code {how} ({origin})")
            }
            Source::Away { .. } => {
                "the MFA code asked for in a desktop dialog, not on the terminal a command of --server reads (a renewal)".into()
            }
        }
    }

    /// Only a person can type a second code (at the terminal or in a dialog).
    pub fn interactive(&self) -> bool {
        match self {
            Source::Prompt { how, .. } => *how != Prompter::Ykman,
            Source::Away { .. } => true,
            _ => false,
        }
    }

    /// One code. A person's answer that is not a code is `Error::BadCode`
    /// (the caller asks again). `note` is said before the question (after a
    /// refused code, say).
    pub fn code(&self, ask: &CodeRequest<'_>, note: Option<&str>) -> Result<Code, Error> {
        match self {
            Source::Flag(code) => normalize(code),
            Source::Stdin => {
                let stdin = &mut std::io::BufReader::with_capacity(1, crate::stdio::Unbuffered);
                let line = read_line(stdin, "stdin")?.unwrap_or_default();
                if line.trim().is_empty() {
                    return Err(Error::NoCode {
                        why: "--token-code - was given but stdin held no line".into(),
                    });
                }
                normalize(&line)
            }
            Source::Command { line: cmd, origin } => token::command(cmd, origin, ask.timeout),
            Source::Prompt {
                how: Prompter::Ykman,
                origin,
            } => {
                let name = ask.oath_name.unwrap_or(ask.serial);
                let device = crate::snapshot::Snapshot::current().var(YKMAN_DEVICE_VAR);
                let origin = match origin.as_str() {
                    "--prompt" => "--prompt ykman",
                    other => other,
                };
                let argv = token::ykman_argv(name, device).map_err(|why| Error::TokenCommand {
                    program: "ykman".into(),
                    origin: origin.to_string(),
                    why,
                })?;
                token::code_from(&argv, origin, ask.timeout)
            }
            Source::Prompt {
                how: Prompter::Terminal,
                ..
            } => {
                let tty = prompt::open().map_err(|err| Error::NoCode {
                    why: format!("there is no terminal to ask on (/dev/tty: {err})"),
                })?;
                normalize(&prompt::ask(&tty, ask, note)?)
            }
            Source::Prompt {
                how: Prompter::Dialog(dialog),
                ..
            } => {
                if let Some(why) = dialog.unavailable() {
                    return Err(Error::NoCode { why });
                }
                normalize(&dialog.ask(&ask.dialog_text(note), ask.timeout)?)
            }
            // With no child on the terminal (`serve`): as `auto` below.
            Source::Away { first } if crate::proc::child_shares_group() => {
                match Dialog::first_available() {
                    Some(dialog) => normalize(&dialog.ask(&ask.dialog_text(note), ask.timeout)?),
                    None => Err(Error::TerminalTaken {
                        profile: ask.profile.to_string(),
                        first: *first,
                    }),
                }
            }
            Source::Prompt {
                how: Prompter::Auto,
                ..
            }
            | Source::Away { .. } => match prompt::open() {
                Ok(tty) => normalize(&prompt::ask(&tty, ask, note)?),
                Err(err) => match Dialog::first_available() {
                    Some(dialog) => normalize(&dialog.ask(&ask.dialog_text(note), ask.timeout)?),
                    None => Err(Error::NoCode {
                        why: format!(
                            "there is no terminal to ask on (/dev/tty: {err}) and no desktop dialog (zenity or kdialog with DISPLAY or WAYLAND_DISPLAY set, osascript on macOS)"
                        ),
                    }),
                },
            },
        }
    }
}

impl Drop for Source {
    fn drop(&mut self) {
        if let Source::Flag(code) = self {
            zeroize::Zeroize::zeroize(code);
        }
    }
}
