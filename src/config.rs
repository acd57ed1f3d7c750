//! The profile as resolved (`resolve::chain` walks the files, read once by
//! `snapshot`): its long-term keys, its roles, its MFA settings.

pub use crate::snapshot::{Files, HIDDEN, HIDDEN_CREDENTIALS};

use crate::error::Error;
use crate::session::{Secret, mask};
use std::path::PathBuf;
use std::sync::OnceLock;

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

/// Long-term keys and where they were read. The secret of keys in the OS
/// keystore is read only when a request is signed with them (a cache miss):
/// resolution knows their id from the keystore index.
#[derive(Debug, Clone)]
pub struct Keys {
    pub profile: String,
    pub access_key_id: String,
    secret: OnceLock<Secret>,
    pub place: Place,
    /// The file the keys were read from; for keys in the keystore, the
    /// credentials file that lacks them (for messages).
    pub file: PathBuf,
}

/// Where a profile's long-term keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    File,
    Keystore,
}

impl Place {
    /// As `list`, `status`, `doctor` and -v say it: "keys: keystore".
    pub fn describe(self) -> &'static str {
        match self {
            Place::File => "credentials file",
            Place::Keystore => "keystore",
        }
    }
}

impl Keys {
    /// Keys read from a file, secret included.
    pub fn in_file(profile: &str, access_key_id: &str, secret: Secret, file: PathBuf) -> Keys {
        Keys {
            profile: profile.to_string(),
            access_key_id: access_key_id.to_string(),
            secret: OnceLock::from(secret),
            place: Place::File,
            file,
        }
    }

    /// Keys the keystore holds, known by their id until signing needs more.
    pub fn in_keystore(profile: &str, access_key_id: &str, file: PathBuf) -> Keys {
        Keys {
            profile: profile.to_string(),
            access_key_id: access_key_id.to_string(),
            secret: OnceLock::new(),
            place: Place::Keystore,
            file,
        }
    }

    /// The file the keys were read from, for messages.
    pub fn file(&self) -> PathBuf {
        self.file.clone()
    }

    /// The secret access key; for keys in the keystore, read from it now
    /// (once), and checked to belong to the key id the index gave.
    pub fn secret(&self) -> Result<&Secret, Error> {
        if let Some(secret) = self.secret.get() {
            return Ok(secret);
        }
        let stored = crate::keystore::load(&self.profile)?;
        if stored.aws_access_key_id != self.access_key_id {
            return Err(Error::Keystore {
                what: format!("the keys of profile '{}' in the OS keystore", self.profile),
                why: format!(
                    "the keystore holds key {} but mfa-env's index says {}",
                    mask(&stored.aws_access_key_id),
                    mask(&self.access_key_id)
                ),
                fix: format!(
                    "store the right keys again with `mfa-env keys add {}`",
                    self.profile
                ),
            });
        }
        Ok(self.secret.get_or_init(|| stored.aws_secret_access_key))
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
