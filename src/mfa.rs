//! The MFA device (serial) and the one-time code: from the flag, from stdin,
//! from a token command or ykman (token.rs), asked for on the terminal itself
//! (prompt.rs) or in a desktop dialog (dialog.rs); which of them, for the
//! first session and for a renewal, is source.rs's choice.

use crate::arn::IamArn;
use crate::config::{Files, Profile};
use crate::error::Error;
use std::io::{BufRead, Read};
use std::time::Duration;
use zeroize::Zeroizing;

mod dialog;
mod prompt;
mod run;
mod source;
mod token;

pub use prompt::serving;
pub use run::end_running;

/// An MFA code; its bytes are zeroed when dropped.
pub type Code = Zeroizing<String>;

/// The longest line read as a code (from stdin or the terminal); a code with
/// spaces is 7 characters, so anything near this is not one.
pub const MAX_LINE: usize = 256;

pub use dialog::Dialog;
pub use source::{Prompter, Source};

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

/// Chooses how to ask when no flag does.
pub const PROMPT_VAR: &str = "MFA_ENV_PROMPT";
/// The YubiKey `--prompt ykman` asks, by serial number (as aws-vault).
pub const YKMAN_DEVICE_VAR: &str = "YKMAN_OATH_DEVICE_SERIAL";

/// What a prompt names, and how long a token command or dialog may take.
pub struct CodeRequest<'a> {
    pub profile: &'a str,
    pub serial: &'a str,
    /// The OATH account `--prompt ykman` asks for (else the serial).
    pub oath_name: Option<&'a str>,
    pub timeout: Duration,
}

impl CodeRequest<'_> {
    /// The question on the terminal.
    pub fn prompt(&self) -> String {
        format!("MFA code for profile {} ({}): ", self.profile, self.serial)
    }

    /// The text of a dialog: the note, then the question.
    fn dialog_text(&self, note: Option<&str>) -> String {
        let question = format!("MFA code for profile {} ({}):", self.profile, self.serial);
        match note {
            Some(note) => format!("{note}\n\n{question}"),
            None => question,
        }
    }
}

/// The program of a command line, for messages (its arguments may hold secrets).
pub fn program(cmd: &str) -> String {
    shell_words::split(cmd)
        .ok()
        .and_then(|words| words.into_iter().next())
        .unwrap_or_default()
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
