//! Where `keys add` gets the pair: two lines on stdin, the terminal (the
//! secret not echoed), or the credentials file (`--from-file`). Never argv.

use crate::error::Error;
use crate::session::Secret;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

/// At most this much is read from stdin.
const MAX_INPUT: u64 = 4096;

/// The key id and secret: from stdin when it is not a terminal, else asked
/// on /dev/tty with the secret not shown.
pub fn read(profile: &str) -> Result<(String, Secret), Error> {
    let failed = |why: String| {
        Error::Keystore {
        what: format!("could not read the keys of profile '{profile}'"),
        why,
        fix: "give the access key id and the secret access key on two lines of stdin, or run `mfa-env keys add PROFILE` at a terminal".into(),
    }
    };
    if !std::io::stdin().is_terminal() {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_INPUT)
            .read_to_string(&mut text)
            .map_err(|err| failed(format!("stdin: {err}")))?;
        let text = Secret::new(text);
        let mut lines = text.expose().lines().map(str::trim);
        let id = lines.next().unwrap_or("").to_string();
        let secret = Secret::new(lines.next().unwrap_or(""));
        return Ok((id, secret));
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|err| failed(format!("/dev/tty: {err}")))?;
    let mut out = &tty;
    write!(out, "AWS access key id of profile '{profile}' (AKIA…): ")
        .map_err(|err| failed(format!("/dev/tty: {err}")))?;
    let mut id = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut id)
        .map_err(|err| failed(format!("/dev/tty: {err}")))?;
    let secret = rpassword::prompt_password("AWS secret access key (not shown): ")
        .map(Secret::new)
        .map_err(|err| failed(format!("/dev/tty: {err}")))?;
    Ok((id.trim().to_string(), Secret::new(secret.expose().trim())))
}

/// What `--from-file` found in the credentials file.
pub struct FromFile {
    pub key_id: String,
    pub secret: Secret,
    /// The lines that hold the keys (number, text), the secret's value
    /// replaced: for the user to delete.
    pub lines: Vec<(usize, String)>,
}

/// The keys of `[profile]` in the credentials file, and the lines that hold
/// them.
pub fn from_file(file: &Path, profile: &str) -> Result<FromFile, Error> {
    let none = |why: String| Error::Keystore {
        what: format!(
            "no keys of profile '{profile}' were copied from {}",
            file.display()
        ),
        why,
        fix: format!("give them on stdin instead: `mfa-env keys add {profile}`"),
    };
    let text = std::fs::read_to_string(file)
        .map(Secret::new)
        .map_err(|err| none(err.to_string()))?;
    let mut section = String::new();
    let (mut key_id, mut secret, mut lines) = (None, None, Vec::new());
    for (number, line) in text.expose().lines().enumerate() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.split(']').next()) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            continue;
        };
        if section != profile {
            continue;
        }
        match key.trim() {
            "aws_access_key_id" => {
                key_id = Some(value.trim().to_string());
                lines.push((number + 1, line.to_string()));
            }
            "aws_secret_access_key" => {
                secret = Some(Secret::new(value.trim()));
                let shown = line.split('=').next().unwrap_or("").to_string();
                lines.push((number + 1, format!("{shown}= …")));
            }
            "aws_session_token" => lines.push((number + 1, "aws_session_token = …".into())),
            _ => {}
        }
    }
    match (key_id, secret) {
        (Some(key_id), Some(secret)) => Ok(FromFile {
            key_id,
            secret,
            lines,
        }),
        _ => Err(none(format!(
            "[{profile}] there has no aws_access_key_id and aws_secret_access_key"
        ))),
    }
}
