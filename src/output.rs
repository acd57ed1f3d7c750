//! What the shell or the child gets: the variables to set and to unset, and
//! their rendering for each shell, dotenv, JSON and credential_process.

use crate::error::Error;
use crate::quote;
use crate::session::Session;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

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

pub fn exports(session: &Session, region: Option<&str>, profile: &str) -> Exports {
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
    if let Some(region) = region {
        set.push(("AWS_REGION", region.to_string()));
        set.push(("AWS_DEFAULT_REGION", region.to_string()));
    }
    set.push(("MFA_ENV_PROFILE", profile.to_string()));
    Exports { set, unset: UNSET }
}

/// The exports in `format`.
pub fn render(format: Format, exports: &Exports) -> Result<String, Error> {
    let mut out = String::new();
    match format {
        Format::Sh => {
            for (name, value) in &exports.set {
                out.push_str(&format!("export {name}={}\n", quote::sh(value)));
            }
            out.push_str(&format!("unset {}\n", exports.unset.join(" ")));
        }
        Format::Fish => {
            // `set -e` fails for a variable that is not set, and fish's `set`
            // keeps the status it finds: `or true` keeps `| source` at 0.
            out.push_str(&format!("set -e {}; or true;\n", exports.unset.join(" ")));
            for (name, value) in &exports.set {
                out.push_str(&format!("set -gx {name} {};\n", quote::fish(value)));
            }
        }
        Format::Powershell => {
            for (name, value) in &exports.set {
                out.push_str(&format!("$Env:{name} = {}\n", quote::powershell(value)));
            }
            for name in exports.unset {
                out.push_str(&format!(
                    "Remove-Item -LiteralPath Env:{name} -ErrorAction SilentlyContinue\n"
                ));
            }
        }
        Format::Dotenv => {
            for (name, value) in &exports.set {
                let value = quote::dotenv(value).ok_or(Error::Unrepresentable {
                    name,
                    format: "dotenv",
                })?;
                out.push_str(&format!("{name}={value}\n"));
            }
        }
        Format::Json => {
            let mut object = serde_json::Map::new();
            for (name, value) in &exports.set {
                object.insert(name.to_string(), value.clone().into());
            }
            for name in exports.unset {
                object.insert(name.to_string(), serde_json::Value::Null);
            }
            out = serde_json::Value::Object(object).to_string();
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes `text` to stdout.
pub fn print(text: &str) -> Result<ExitCode, Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(Error::Stdout)?;
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

/// The credential_process answer (Version 1) and nothing else.
pub fn credential_process(session: &Session) -> String {
    let json = serde_json::json!({
        "Version": 1,
        "AccessKeyId": session.access_key_id,
        "SecretAccessKey": session.secret_access_key.expose(),
        "SessionToken": session.session_token.expose(),
        "Expiration": session.expiration_rfc3339(),
    });
    format!("{json}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Secret;

    #[test]
    fn debug_shows_names_not_values() {
        let session = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("very-secret"),
            session_token: Secret::new("token-secret"),
            expiration: 0,
        };
        let shown = format!("{:?}", exports(&session, None, "work"));
        assert!(shown.contains("AWS_SESSION_TOKEN"));
        assert!(!shown.contains("very-secret") && !shown.contains("token-secret"));
    }
}
