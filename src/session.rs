//! The temporary credentials STS hands out, and the secret wrapper that keeps
//! them out of Debug output and logs.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroize;

/// A secret string: its Debug output is redacted, it has no Display, and its
/// bytes are overwritten with zeros when it is dropped.
/// It serializes as the plain string, for the cache file only.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the few places that must hand it on
    /// (signing, the exported environment).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How a session is made: part of what identifies it in the cache, so that
/// `-d 4h` on a role never gets a chained 1-hour session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Made {
    /// GetSessionToken with the long-term keys and the code.
    #[default]
    SessionToken,
    /// AssumeRole signed with the cached MFA session (1 hour at most).
    ChainedRole,
    /// AssumeRole with the long-term keys and the code itself.
    DirectRole,
}

impl Made {
    /// As messages say it.
    pub fn describe(self) -> &'static str {
        match self {
            Made::SessionToken => "MFA session (GetSessionToken)",
            Made::ChainedRole => "role session (AssumeRole from the MFA session)",
            Made::DirectRole => "role session (AssumeRole with the MFA code)",
        }
    }

    /// As the cache key holds it (never to change: it names the files).
    pub fn tag(self) -> &'static str {
        match self {
            Made::SessionToken => "session-token",
            Made::ChainedRole => "chained-role",
            Made::DirectRole => "direct-role",
        }
    }
}

/// A session from STS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// Seconds since the Unix epoch.
    pub expiration: i64,
}

impl Session {
    /// The expiration as RFC 3339 in UTC with a `Z` and no fraction,
    /// e.g. `2026-11-27T20:37:00Z`.
    pub fn expiration_rfc3339(&self) -> String {
        rfc3339(self.expiration)
    }
}

/// The longest a session may have left: AWS's longest (36 hours, from
/// GetSessionToken) and 5 minutes for a clock that lags STS's. A session
/// ending later did not come from AWS and is never used or cached.
pub const LONGEST_LEFT: i64 = 36 * 3600 + 5 * 60;

/// Whether a session ending at `expiration` lasts longer, at `now`, than any
/// AWS session can.
pub fn too_long(expiration: i64, now: i64) -> bool {
    expiration.saturating_sub(now) > LONGEST_LEFT
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Session {
    /// Seconds left at `now`.
    pub fn left(&self, now: i64) -> i64 {
        self.expiration - now
    }
}

/// A key id as AKIA…WXYZ, for what mfa-env shows of keys.
pub fn mask(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "…".into();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Parses RFC 3339 (as written by `rfc3339`, or with a fraction) to epoch seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    DateTime::from_str(text, Format::DateTime)
        .ok()
        .map(|t| t.secs())
}

pub fn rfc3339(epoch_seconds: i64) -> String {
    DateTime::from_secs(epoch_seconds)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| epoch_seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let s = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("very-secret"),
            session_token: Secret::new("token-secret"),
            expiration: 0,
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret") && !shown.contains("token-secret"));
        assert!(shown.contains("ASIAEXAMPLE"));
    }

    #[test]
    fn no_session_lasts_longer_than_36_hours_and_5_minutes() {
        for (left, refused) in [
            (0, false),
            (36 * 3600, false),
            (36 * 3600 + 300, false),
            (36 * 3600 + 301, true),
            (i64::MAX, true),
        ] {
            assert_eq!(
                too_long(1000i64.saturating_add(left), 1000),
                refused,
                "{left}"
            );
        }
        assert!(too_long(i64::MAX, i64::MIN), "no overflow");
    }

    #[test]
    fn masks() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        assert_eq!(mask("short"), "…");
    }

    #[test]
    fn rfc3339_has_no_fraction() {
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(parse_rfc3339("2026-11-18T11:06:40Z"), Some(1_795_000_000));
        assert_eq!(
            parse_rfc3339("2026-11-18T11:06:40.75Z"),
            Some(1_795_000_000)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
