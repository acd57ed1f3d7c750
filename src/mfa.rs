//! The MFA device (serial) and the one-time code: from the flag, from stdin, or
//! asked for on the terminal itself.

use crate::arn::IamArn;
use crate::config::{Files, Profile};
use crate::error::{Error, clean_lines};
use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Duration;
use zeroize::Zeroizing;

mod token;

/// An MFA code; its bytes are zeroed when dropped.
pub type Code = Zeroizing<String>;

/// The longest line read as a code (from stdin or the terminal); a code with
/// spaces is 7 characters, so anything near this is not one.
pub const MAX_LINE: usize = 256;

/// Set in the token command's environment, so that an `mfa-env
/// credential-process` it starts (through the AWS CLI, say) sees the loop.
pub const TOKEN_COMMAND_MARK: &str = "MFA_ENV_TOKEN_COMMAND";

/// The MFA device: the flag, else the profile's mfa_serial; checked.
pub fn serial(flag: Option<&str>, profile: &Profile, files: &Files) -> Result<String, Error> {
    let serial = flag
        .or(profile.mfa_serial.as_deref())
        .ok_or_else(|| Error::NoSerial {
            profile: profile.name.clone(),
            config: files.config.clone(),
        })?;
    check_serial(serial)?;
    Ok(serial.to_string())
}

/// Checks the serial before any request: a user ARN in place of the device ARN
/// is the most common mistake, and STS only answers it with a vague error.
pub fn check_serial(serial: &str) -> Result<(), Error> {
    let bad = || Error::BadSerial {
        serial: serial.to_string(),
    };
    if serial.starts_with("arn:") {
        let arn = IamArn::parse(serial).ok_or_else(bad)?;
        if let Some(suggestion) = arn.device_of_user() {
            return Err(Error::UserArnSerial {
                serial: serial.to_string(),
                suggestion,
            });
        }
        return match arn.name_of("mfa") {
            Some(_) if arn.account_ok() => Ok(()),
            _ => Err(bad()),
        };
    }
    // A hardware token's serial number (e.g. GAHT12345678): STS allows 9 to 256
    // characters of [\w+=/:,.@-].
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c);
    if (9..=256).contains(&serial.len()) && serial.chars().all(allowed) {
        Ok(())
    } else {
        Err(bad())
    }
}

/// Where the code comes from, first that applies: `--token-code` (or `-` for
/// stdin), `--token-command` or the profile's `mfa_process`, the terminal.
/// No Debug: it can hold the code.
#[derive(Clone, PartialEq, Eq)]
pub enum Source {
    Flag(String),
    Stdin,
    /// The command line and where it was configured.
    Command(String, String),
    Prompt,
}

impl Source {
    pub fn choose(flag: Option<&str>, command: Option<&str>, profile: &Profile) -> Source {
        match (flag, command, &profile.mfa_process) {
            (Some("-"), _, _) => Source::Stdin,
            (Some(code), _, _) => Source::Flag(code.to_string()),
            (None, Some(cmd), _) => Source::Command(cmd.to_string(), "--token-command".into()),
            (None, None, Some(cmd)) => Source::Command(
                cmd.clone(),
                format!("mfa_process of profile '{}'", profile.name),
            ),
            (None, None, None) => Source::Prompt,
        }
    }

    /// For `-v`: never the code, never the whole command line.
    pub fn describe(&self) -> String {
        match self {
            Source::Flag(_) => "the MFA code from --token-code".into(),
            Source::Stdin => "the MFA code from stdin".into(),
            Source::Command(cmd, origin) => {
                format!("the MFA code from the command {} ({origin})", program(cmd))
            }
            Source::Prompt => "the MFA code asked for on the terminal".into(),
        }
    }

    /// Only a person at the terminal can type a second code.
    pub fn interactive(&self) -> bool {
        *self == Source::Prompt
    }

    /// One code. `note` is said on the terminal before a prompt (after a
    /// refused code, say).
    pub fn code(&self, ask: &Ask<'_>, note: Option<&str>) -> Result<Code, Error> {
        match self {
            Source::Flag(code) => normalize(code),
            Source::Stdin => {
                let line = read_line(&mut std::io::stdin().lock(), "stdin")?.unwrap_or_default();
                if line.trim().is_empty() {
                    return Err(Error::NoCode {
                        why: "--token-code - was given but stdin held no line".into(),
                    });
                }
                normalize(&line)
            }
            Source::Command(cmd, origin) => token::run(cmd, origin, ask.timeout),
            Source::Prompt => prompt(ask, note),
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

/// One line of at most MAX_LINE bytes (without its newline), or an error that
/// says the line was too long; None at the end of input.
fn read_line(reader: &mut impl BufRead, source_name: &'static str) -> Result<Option<Code>, Error> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(MAX_LINE + 2));
    let read = reader
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', &mut bytes)
        .map_err(|err| Error::CodeUnreadable {
            source_name,
            why: err.to_string(),
        })?;
    if read == 0 {
        return Ok(None);
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    if bytes.len() > MAX_LINE {
        return Err(Error::CodeUnreadable {
            source_name,
            why: format!(
                "the line is longer than {MAX_LINE} bytes, so it is not an MFA code; give the 6 digits on a line of their own"
            ),
        });
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Some(Zeroizing::new(text.to_string()))),
        Err(_) => Err(Error::BadCode {
            why: "holds characters other than digits".into(),
        }),
    }
}

/// What a prompt names, and how long a token command may take.
pub struct Ask<'a> {
    pub profile: &'a str,
    pub serial: &'a str,
    pub timeout: Duration,
}

/// The program of a command line, for messages (its arguments may hold secrets).
pub fn program(cmd: &str) -> String {
    shell_words::split(cmd)
        .ok()
        .and_then(|words| words.into_iter().next())
        .unwrap_or_default()
}

/// Asks on /dev/tty, never stdout, so it works inside `$(…)`, direnv and
/// credential_process. The terminal is left as it is: the code is visible
/// while typed (as in aws-vault's terminal prompt; botocore hides it) and Ctrl-C ends mfa-env by
/// SIGINT like any command, with nothing written and no terminal mode to undo.
fn prompt(ask: &Ask<'_>, note: Option<&str>) -> Result<Code, Error> {
    let tty = OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|err| Error::NoCode {
            why: format!("there is no terminal to ask on (/dev/tty: {err})"),
        })?;
    let unreadable = |err: std::io::Error| Error::CodeUnreadable {
        source_name: "the terminal",
        why: err.to_string(),
    };
    let mut writer = &tty;
    let mut reader = BufReader::new(&tty);
    let mut note = note.map(str::to_string);
    // A mistyped code (not 6 digits) is asked for again, never sent.
    for attempt in 1..=3 {
        let mut text = note.take().map(|n| format!("{n}\n")).unwrap_or_default();
        text.push_str(&format!(
            "MFA code for profile {} ({}): ",
            ask.profile, ask.serial
        ));
        writer
            .write_all(clean_lines(&text).as_bytes())
            .and_then(|()| writer.flush())
            .map_err(unreadable)?;
        let Some(line) = read_line(&mut reader, "the terminal")? else {
            // Ctrl-D: end the prompt's line, then say no code was typed.
            let _ = writer.write_all(b"\n");
            return Err(Error::NoCode {
                why: "none was typed at the prompt".into(),
            });
        };
        match normalize(&line) {
            Err(err) if attempt < 3 => note = Some(err.to_string()),
            result => return result,
        }
    }
    Err(Error::NoCode {
        why: "none was typed at the prompt".into(),
    })
}

/// A code is 6 ASCII digits; spaces (as in "123 456") are ignored.
pub fn normalize(raw: &str) -> Result<Code, Error> {
    let code: Code = Zeroizing::new(raw.chars().filter(|c| !c.is_whitespace()).collect());
    let why = if code.is_empty() {
        "is empty".to_string()
    } else if !code.chars().all(|c| c.is_ascii_digit()) {
        "holds characters other than digits".to_string()
    } else if code.len() != 6 {
        format!("has {} digits", code.len())
    } else {
        return Ok(code);
    };
    Err(Error::BadCode { why })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials() {
        assert!(check_serial("arn:aws:iam::123456789012:mfa/alice").is_ok());
        assert!(check_serial("arn:aws-cn:iam::123456789012:mfa/path/alice").is_ok());
        assert!(check_serial("GAHT12345678").is_ok());
        let err = check_serial("arn:aws:iam::123456789012:user/alice").unwrap_err();
        assert!(
            err.to_string()
                .contains("arn:aws:iam::123456789012:mfa/alice")
        );
        for bad in [
            "arn:aws:iam::12:mfa/a",
            "arn:aws:s3:::bucket",
            "short",
            "has space 123",
        ] {
            assert!(check_serial(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes() {
        assert_eq!(
            normalize(" 123 456\n").ok().as_deref().map(String::as_str),
            Some("123456")
        );
        assert!(normalize("12345").is_err());
        assert!(normalize("1234567").is_err());
        assert!(normalize("12a456").is_err());
        assert!(normalize("").is_err());
    }
}
