//! What the shell or the child gets: the variables to set and to unset, and
//! their rendering as shell lines.

use crate::quote;
use crate::session::Session;

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

/// The environment change that hands a session over.
#[derive(Debug, PartialEq, Eq)]
pub struct Exports {
    /// Name and value, in the order they are printed. Values hold secrets: this
    /// type's Debug is only for tests and must never be logged.
    pub set: Vec<(&'static str, String)>,
    pub unset: &'static [&'static str],
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

/// POSIX sh lines, valid in bash, zsh and dash, for `eval "$(mfa-env)"`.
pub fn sh(exports: &Exports) -> String {
    let mut out = String::new();
    for (name, value) in &exports.set {
        out.push_str("export ");
        out.push_str(name);
        out.push('=');
        out.push_str(&quote::sh(value));
        out.push('\n');
    }
    out.push_str("unset");
    for name in exports.unset {
        out.push(' ');
        out.push_str(name);
    }
    out.push('\n');
    out
}
