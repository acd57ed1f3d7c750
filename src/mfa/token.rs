//! Programs that print the code: the token command (`--token-command`,
//! `mfa_process`) and `ykman`, run on the terminal when there is one (see
//! run.rs); the last non-empty line of their stdout is the code.

use super::run::{self, Streams};
use super::{Code, normalize, program};
use crate::error::Error;
use rustix::process::Signal;
use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

/// The token command: `cmd` split with shell-words, its last non-empty line
/// of stdout the code.
pub fn command(cmd: &str, origin: &str, timeout: Duration) -> Result<Code, Error> {
    let words = shell_words::split(cmd).map_err(|err| Error::TokenCommand {
        program: program(cmd),
        origin: origin.to_string(),
        why: format!("cannot be split into words ({err})"),
    })?;
    code_from(&words, origin, timeout)
}

/// `ykman [--device SERIAL] oath accounts code --single -- NAME`: the code
/// of the OATH account NAME on the YubiKey (touch it when the account asks).
/// Neither lands as an option of ykman: the device serial is digits, the name
/// does not start with `-` (and follows `--`); Err says which is wrong.
pub fn ykman_argv(name: &str, device: Option<&str>) -> Result<Vec<String>, String> {
    if name.trim().is_empty() || name.starts_with('-') || crate::quote::has_control(name) {
        return Err(format!(
            "cannot ask for the OATH account '{name}': an account name is not empty, does not start with '-' and holds no control character; set mfa_oath_name in the profile to the account's name as `ykman oath accounts list` shows it"
        ));
    }
    let mut argv = vec!["ykman".to_string()];
    if let Some(device) = device {
        if device.is_empty() || device.len() > 10 || !device.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{} = '{device}' is not a YubiKey serial number (digits, as `ykman list --serials` prints them)",
                super::YKMAN_DEVICE_VAR
            ));
        }
        argv.extend(["--device".to_string(), device.to_string()]);
    }
    argv.extend(
        ["oath", "accounts", "code", "--single", "--", name]
            .iter()
            .map(|s| s.to_string()),
    );
    Ok(argv)
}

/// Runs `argv` on the terminal (when there is one) and takes the last
/// non-empty line of its stdout as the code.
pub fn code_from(argv: &[String], origin: &str, timeout: Duration) -> Result<Code, Error> {
    let name = argv.first().cloned().unwrap_or_default();
    let fail = |why: String, tail: &str| Error::TokenCommand {
        program: name.clone(),
        origin: origin.to_string(),
        why: if tail.is_empty() {
            why
        } else {
            format!("{why}; its stderr ended with: {tail}")
        },
    };
    if argv.is_empty() {
        return Err(fail("is empty".into(), ""));
    }
    let done = run::run(argv, Streams::Terminal, timeout).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => fail("was not found on PATH".into(), ""),
        _ => fail(format!("could not start ({err})"), ""),
    })?;
    let tail = &done.tail;
    match done.status {
        None => {
            return Err(fail(
                format!(
                    "did not finish within {} seconds and was stopped",
                    timeout.as_secs()
                ),
                tail,
            ));
        }
        // Ctrl-C while the command had the terminal reached it, not mfa-env:
        // the person gave up, as at the prompt.
        Some(status) if status.signal() == Some(Signal::INT.as_raw()) => {
            return Err(Error::Cancelled {
                how: format!("the token command {name} was interrupted (Ctrl-C)"),
            });
        }
        Some(status) if !status.success() => {
            let why = match status.code() {
                Some(code) => format!("failed with exit status {code}"),
                None => "was killed by a signal".to_string(),
            };
            return Err(fail(why, tail));
        }
        Some(_) => {}
    }
    let last = done
        .stdout
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("");
    normalize(last).map_err(|_| fail("printed no 6-digit code as its last line".into(), tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ykman_arguments() {
        assert_eq!(
            ykman_argv("arn:aws:iam::123456789012:mfa/alice", None).unwrap(),
            [
                "ykman",
                "oath",
                "accounts",
                "code",
                "--single",
                "--",
                "arn:aws:iam::123456789012:mfa/alice"
            ]
        );
        assert_eq!(
            ykman_argv("AWS:alice", Some("12345678")).unwrap(),
            [
                "ykman",
                "--device",
                "12345678",
                "oath",
                "accounts",
                "code",
                "--single",
                "--",
                "AWS:alice"
            ]
        );
    }

    #[test]
    fn nothing_lands_as_an_option_of_ykman() {
        for (name, device, refused) in [
            ("--password=x", None, "starts with '-'"),
            ("-h", None, "starts with '-'"),
            ("", None, "not empty"),
            ("a\nb", None, "control character"),
            ("AWS:alice", Some("-p"), "not a YubiKey serial"),
            ("AWS:alice", Some("--password=x"), "not a YubiKey serial"),
            ("AWS:alice", Some("12345678901"), "not a YubiKey serial"),
            ("AWS:alice", Some(""), "not a YubiKey serial"),
        ] {
            let err = ykman_argv(name, device).unwrap_err();
            assert!(
                err.contains(refused) || err.contains("does not start with '-'"),
                "{name:?} {device:?}: {err}"
            );
        }
    }
}
