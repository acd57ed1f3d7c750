//! What the shell or the child gets: the variables to set and to unset, and
//! their rendering for each shell, dotenv, JSON and credential_process.

use crate::config;
use crate::error::Error;
use crate::quote;
use crate::session::Session;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::io::IsTerminal;
use std::process::ExitCode;
use zeroize::{Zeroize, Zeroizing};

/// Variables removed from the environment because they would shadow or
/// contradict the session (botocore reads AWS_SECURITY_TOKEN before
/// AWS_SESSION_TOKEN; a profile variable would make clients ignore the keys).
pub const UNSET: &[&str] = &[
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
];

/// The same and AWS_ACCOUNT_ID, for a session whose account is not known: an
/// account id left from an earlier session would be another account's.
pub const UNSET_WITH_ACCOUNT: &[&str] = &[
    "AWS_SECURITY_TOKEN",
    "AWS_SESSION_EXPIRATION",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_ACCOUNT_ID",
];

/// Variables a child of `--server` must not have: with any of them, the SDKs
/// would use static keys, a profile or another endpoint before the served one.
pub const SERVER_UNSET: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// Set in the child of `--server`.
pub const SERVER_MARK: &str = "MFA_ENV_SERVER";

/// The output syntaxes of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// POSIX sh lines for bash, zsh and dash
    #[value(alias = "bash", alias = "zsh")]
    Sh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    /// KEY=value lines (set only)
    Dotenv,
    /// One object: name to value, null for a variable to unset
    Json,
}

/// The environment change that hands a session over.
#[derive(PartialEq, Eq)]
pub struct Exports {
    /// Name and value, in the order they are printed. The values hold secrets.
    pub set: Vec<(&'static str, String)>,
    pub unset: &'static [&'static str],
}

/// Names only: the values hold the session's secrets.
impl std::fmt::Debug for Exports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.set.iter().map(|(name, _)| *name).collect();
        f.debug_struct("Exports")
            .field("set", &names)
            .field("unset", &self.unset)
            .finish()
    }
}

/// The session's variables; AWS_ACCOUNT_ID (which the SDKs read with the keys)
/// only when the `account` is known, else it is unset.
pub fn exports(
    session: &Session,
    account: Option<&str>,
    region: Option<&str>,
    profile: &str,
) -> Exports {
    let mut set = vec![
        ("AWS_ACCESS_KEY_ID", session.access_key_id.clone()),
        (
            "AWS_SECRET_ACCESS_KEY",
            session.secret_access_key.expose().to_string(),
        ),
        (
            "AWS_SESSION_TOKEN",
            session.session_token.expose().to_string(),
        ),
        ("AWS_CREDENTIAL_EXPIRATION", session.expiration_rfc3339()),
    ];
    if let Some(account) = account {
        set.push(("AWS_ACCOUNT_ID", account.to_string()));
    }
    if let Some(region) = region {
        set.push(("AWS_REGION", region.to_string()));
        set.push(("AWS_DEFAULT_REGION", region.to_string()));
    }
    set.push(("MFA_ENV_PROFILE", profile.to_string()));
    let unset = match account {
        Some(_) => UNSET,
        None => UNSET_WITH_ACCOUNT,
    };
    Exports { set, unset }
}

/// The values are zeroed when the exports are dropped.
impl Drop for Exports {
    fn drop(&mut self) {
        for (_, value) in &mut self.set {
            value.zeroize();
        }
    }
}

/// What a child of `--server` gets: the endpoint and its token instead of
/// keys. The shared credentials file is hidden (`/dev/null`), as the SDKs read
/// its default profile's long-term keys before they ask the endpoint; an
/// mfa-env in the child finds it in MFA_ENV_SHARED_CREDENTIALS_FILE.
pub fn server_exports(
    url: &str,
    token: &str,
    region: Option<&str>,
    profile: &str,
    credentials: &std::path::Path,
) -> Exports {
    let mut set = vec![
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.to_string()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", config::HIDDEN.to_string()),
        (
            config::HIDDEN_CREDENTIALS,
            credentials.to_string_lossy().into_owned(),
        ),
    ];
    if let Some(region) = region {
        set.push(("AWS_REGION", region.to_string()));
        set.push(("AWS_DEFAULT_REGION", region.to_string()));
    }
    set.push(("MFA_ENV_PROFILE", profile.to_string()));
    set.push((SERVER_MARK, "1".to_string()));
    Exports {
        set,
        unset: SERVER_UNSET,
    }
}

/// The exports in `format`. A value holding a control character is refused in
/// every format: no session value has one, and shells disagree on them.
pub fn render(format: Format, exports: &Exports) -> Result<Zeroizing<String>, Error> {
    if let Some((name, _)) = exports.set.iter().find(|(_, v)| quote::has_control(v)) {
        return Err(Error::ControlCharacter { name });
    }
    let unrepresentable = |name| Error::Unrepresentable {
        name,
        format: match format {
            Format::Sh => "sh",
            Format::Fish => "fish",
            Format::Powershell => "powershell",
            Format::Dotenv => "dotenv",
            Format::Json => "json",
        },
    };
    // One buffer, sized before the first byte, so that it never grows:
    // a grown String leaves its old copy (with the secrets) unzeroed.
    let mut out = Zeroizing::new(String::with_capacity(size(exports)));
    let buffer = &mut *out;
    // Writing into a String cannot fail.
    match format {
        Format::Sh => {
            for (name, value) in &exports.set {
                let value = Zeroizing::new(quote::sh(value).ok_or(unrepresentable(name))?);
                let _ = writeln!(buffer, "export {name}={}", *value);
            }
            let _ = writeln!(buffer, "unset {}", exports.unset.join(" "));
        }
        Format::Fish => {
            // `set -e` fails for a variable that is not set, and fish's `set`
            // keeps the status it finds: `or true` keeps `| source` at 0.
            let _ = writeln!(buffer, "set -e {}; or true;", exports.unset.join(" "));
            for (name, value) in &exports.set {
                let value = Zeroizing::new(quote::fish(value).ok_or(unrepresentable(name))?);
                let _ = writeln!(buffer, "set -gx {name} {};", *value);
            }
        }
        Format::Powershell => {
            for (name, value) in &exports.set {
                let value = Zeroizing::new(quote::powershell(value).ok_or(unrepresentable(name))?);
                let _ = writeln!(buffer, "$Env:{name} = {}", *value);
            }
            for name in exports.unset {
                let _ = writeln!(
                    buffer,
                    "Remove-Item -LiteralPath Env:{name} -ErrorAction SilentlyContinue"
                );
            }
        }
        Format::Dotenv => {
            for (name, value) in &exports.set {
                let value = Zeroizing::new(quote::dotenv(value).ok_or(unrepresentable(name))?);
                let _ = writeln!(buffer, "{name}={}", *value);
            }
        }
        Format::Json => {
            // Sorted by name, borrowing the values (no copy to zero).
            let mut object: BTreeMap<&str, Option<&str>> = BTreeMap::new();
            for (name, value) in &exports.set {
                object.insert(name, Some(value));
            }
            for name in exports.unset {
                object.insert(name, None);
            }
            out = json_line(&object, size(exports));
        }
    }
    Ok(out)
}

/// Room for the rendering of `exports` in any format: a quoted value takes at
/// most 4 bytes for each of its own (sh's `'\''` for a `'`; the others and
/// JSON at most 2, control characters being refused), a line at most 64 more.
fn size(exports: &Exports) -> usize {
    let set: usize = exports
        .set
        .iter()
        .map(|(n, v)| n.len() + 4 * v.len() + 64)
        .sum();
    let unset: usize = exports.unset.iter().map(|n| n.len() + 64).sum();
    set + unset + 64
}

/// Writes `text` to stdout.
pub fn print(text: &str) -> Result<ExitCode, Error> {
    crate::stdio::out(text)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the text, or exits 1 when there is none (the reason was warned about).
pub fn print_or_fail(text: Option<String>) -> Result<ExitCode, Error> {
    match text {
        Some(text) => print(&text),
        None => Ok(ExitCode::from(1)),
    }
}

/// What a failed run prints for `eval "$(mfa-env)"` or `mfa-env -f fish |
/// source` (of `format`, when the run was one whose output is `eval`ed), so
/// that the eval fails as the run did (an empty output would succeed): a
/// statement that fails, and nothing else. Nothing to a terminal.
pub fn print_failed(format: Option<Format>) {
    let line = match format {
        Some(Format::Sh | Format::Fish) => "false\n",
        _ => return,
    };
    if !std::io::stdout().is_terminal() {
        let _ = print(line);
    }
}

/// The credential_process answer (Version 1) and nothing else; AccountId only
/// when the account is known.
pub fn credential_process(
    session: &Session,
    account: Option<&str>,
) -> Result<Zeroizing<String>, Error> {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Answer<'a> {
        access_key_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        account_id: Option<&'a str>,
        expiration: String,
        secret_access_key: &'a str,
        session_token: &'a str,
        version: u32,
    }
    let answer = Answer {
        access_key_id: &session.access_key_id,
        account_id: account,
        expiration: session.expiration_rfc3339(),
        secret_access_key: session.secret_access_key.expose(),
        session_token: session.session_token.expose(),
        version: 1,
    };
    for (name, value) in [
        ("AccessKeyId", answer.access_key_id),
        ("SecretAccessKey", answer.secret_access_key),
        ("SessionToken", answer.session_token),
    ] {
        if quote::has_control(value) {
            return Err(Error::ControlCharacter { name });
        }
    }
    // Each value at most doubled by JSON's escapes, plus the names.
    let capacity = 2
        * (answer.access_key_id.len()
            + answer.secret_access_key.len()
            + answer.session_token.len()
            + account.map_or(0, str::len))
        + 256;
    Ok(json_line(&answer, capacity))
}

/// One line of JSON, written straight into zeroing memory of `capacity`
/// bytes (room enough: it never grows, which would leave a copy unzeroed).
fn json_line(value: &impl serde::Serialize, capacity: usize) -> Zeroizing<String> {
    let mut bytes = Zeroizing::new(Vec::with_capacity(capacity));
    // Serializing strings and numbers into memory cannot fail.
    let _ = serde_json::to_writer(&mut *bytes, value);
    bytes.push(b'\n');
    // serde_json writes UTF-8 only; the vector moves into the string uncopied.
    Zeroizing::new(String::from_utf8(std::mem::take(&mut *bytes)).unwrap_or_default())
}

/// Rows as aligned columns (two spaces apart, no trailing blanks), for the
/// tables of `list` and `status`.
pub fn columns<const N: usize>(rows: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
