//! What a cache entry is: its key (what identifies a session) and the file's
//! contents.

use crate::config::Profile;
use crate::session::{Made, Secret, Session, parse_rfc3339, rfc3339};
use crate::sts::Endpoint;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The format version this build reads and writes.
pub const VERSION: u32 = 1;

/// What identifies a session: the same tuple asks STS for the same thing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Key {
    pub access_key_id: String,
    pub serial: String,
    pub role_arn: String,
    pub session_name: String,
    pub external_id: String,
    pub made: Made,
    /// The STS it came from (`Endpoint::cache_id`): a session from a test
    /// emulator or a hostile endpoint is never handed out for AWS's.
    pub endpoint: String,
}

impl Key {
    /// The key of the session the profile resolves to: its role session made
    /// as `made` says, or for a user profile its MFA session.
    pub fn profile_session(
        profile: &Profile,
        serial: &str,
        made: Made,
        endpoint: &Endpoint,
    ) -> Key {
        let roles = &profile.roles;
        let last = roles.last();
        Key {
            role_arn: roles
                .iter()
                .map(|r| r.arn.as_str())
                .collect::<Vec<_>>()
                .join(" > "),
            session_name: last.map(|r| r.session_name.clone()).unwrap_or_default(),
            external_id: last.and_then(|r| r.external_id.clone()).unwrap_or_default(),
            made: if last.is_some() {
                made
            } else {
                Made::SessionToken
            },
            ..Key::mfa_session(&profile.keys.access_key_id, serial, endpoint)
        }
    }

    /// The key of the MFA session of long-term keys (GetSessionToken), which
    /// a user profile hands out and a role profile assumes its role with.
    pub fn mfa_session(access_key_id: &str, serial: &str, endpoint: &Endpoint) -> Key {
        Key {
            access_key_id: access_key_id.to_string(),
            serial: serial.to_string(),
            endpoint: endpoint.cache_id(),
            ..Key::default()
        }
    }

    /// The file stem: 32 hex digits of SHA-256 over the tuple (and how the
    /// session is made, and where from).
    pub(super) fn stem(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            &self.access_key_id,
            &self.serial,
            &self.role_arn,
            &self.session_name,
            &self.external_id,
            self.made.tag(),
            &self.endpoint,
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One cache file. Its Debug shows no secret (Secret redacts itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    pub profile: String,
    pub serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: String,
}

impl Entry {
    pub fn new(profile: &str, key: &Key, session: &Session) -> Entry {
        Entry {
            version: VERSION,
            profile: profile.to_string(),
            serial: key.serial.clone(),
            role_arn: Some(key.role_arn.clone()).filter(|r| !r.is_empty()),
            access_key_id: session.access_key_id.clone(),
            secret_access_key: session.secret_access_key.clone(),
            session_token: session.session_token.clone(),
            expiration: rfc3339(session.expiration),
        }
    }

    pub fn session(&self) -> Option<Session> {
        Some(Session {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
            expiration: parse_rfc3339(&self.expiration)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn stems_differ_per_field() {
        let base = Key {
            access_key_id: "AKIA1".into(),
            serial: "s".into(),
            ..Key::default()
        };
        let role = Key {
            role_arn: "r".into(),
            ..base.clone()
        };
        // The separator keeps ("ab", "") apart from ("a", "b").
        let shifted = Key {
            access_key_id: "AKIA1s".into(),
            serial: String::new(),
            ..Key::default()
        };
        let direct = Key {
            made: crate::session::Made::DirectRole,
            ..role.clone()
        };
        let elsewhere = Key {
            endpoint: "url http://127.0.0.1:1".into(),
            ..base.clone()
        };
        assert_eq!(base.stem().len(), 32);
        assert_ne!(base.stem(), role.stem());
        assert_ne!(role.stem(), direct.stem());
        assert_ne!(base.stem(), shifted.stem());
        assert_ne!(base.stem(), elsewhere.stem());
        assert_eq!(base.stem(), base.clone().stem());
    }
}
