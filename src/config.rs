//! The profile as resolved (`resolve::chain` walks the files, read once by
//! `snapshot`): its long-term keys, its roles, its MFA settings.

pub use crate::snapshot::{Files, HIDDEN, HIDDEN_CREDENTIALS};

use crate::session::Secret;
use std::path::PathBuf;

/// The selected profile, resolved through its source_profile chain.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// The long-term keys at the end of the chain.
    pub keys: Keys,
    /// The roles to assume, from the keys outward; empty for a user profile.
    pub roles: Vec<Role>,
    /// The first mfa_serial from the selected profile toward the keys.
    pub mfa_serial: Option<String>,
    /// The first mfa_process (a command that prints a code), found the same way.
    pub mfa_process: Option<String>,
    /// The first mfa_prompt (how to ask for the code), found the same way.
    pub mfa_prompt: Option<String>,
    /// The first mfa_oath_name (the YubiKey OATH account), found the same way.
    pub mfa_oath_name: Option<String>,
    /// The selected profile's duration_seconds.
    pub duration_seconds: Option<u32>,
    pub region: Option<String>,
    pub ca_bundle: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Long-term keys and where they were read.
#[derive(Debug, Clone)]
pub struct Keys {
    pub profile: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// The file the keys were read from (for messages).
    pub file: PathBuf,
}

impl Keys {
    /// The file the keys were read from, for messages.
    pub fn file(&self) -> PathBuf {
        self.file.clone()
    }
}

/// One role of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub profile: String,
    pub arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

/// `mfa-env-PROFILE`, kept to what STS allows in a session name
/// ([A-Za-z0-9_+=,.@-], at most 64 characters).
pub fn default_session_name(profile: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    format!("mfa-env-{profile}")
        .chars()
        .map(|c| if allowed(c) { c } else { '-' })
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::default_session_name;

    #[test]
    fn session_names() {
        assert_eq!(default_session_name("work"), "mfa-env-work");
        assert_eq!(default_session_name("a/b:c%d"), "mfa-env-a-b-c-d");
        assert_eq!(default_session_name(&"x".repeat(100)).len(), 64);
    }
}
