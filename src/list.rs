//! `mfa-env list`: every profile of the AWS files, what mfa-env can do with it,
//! its region and the time left of its cached session. Never a secret: key
//! ids are masked, and nothing of a cache entry but its expiry is read out.

use crate::cache::{Cache, Found, Key};
use crate::config::{self, Files, Profile};
use crate::context::Plan;
use crate::duration::left;
use crate::error::{Error, clean};
use crate::log::Log;
use crate::mfa;
use crate::session::{mask, now, parse_rfc3339};
use serde::Serialize;

/// One profile as `list` shows it.
#[derive(Debug, Serialize)]
pub struct Row {
    pub profile: String,
    /// `user`, `role`, `keys` (without MFA) or `unusable`.
    pub kind: &'static str,
    /// The kind in a few words: "user with MFA", "role via base", "keys
    /// without MFA", "not usable: …".
    pub detail: String,
    pub region: Option<String>,
    /// The long-term key id the session is made from, masked (AKIA…WXYZ).
    pub key_id: Option<String>,
    /// The cached session's expiry (RFC 3339) and seconds left.
    pub expiration: Option<String>,
    pub seconds_left: Option<i64>,
}

/// The rows of every profile, sorted by name.
pub fn rows() -> Result<Vec<Row>, Error> {
    let files = Files::locate();
    let quiet = Log {
        quiet: true,
        verbose: false,
    };
    let cache = match Cache::inspect(quiet) {
        Found::Ready(cache) => Some(cache),
        _ => None,
    };
    let now = now();
    Ok(config::profiles(&files)?
        .into_iter()
        .map(|(name, region)| row(&files, cache.as_ref(), now, name, region))
        .collect())
}

fn row(
    files: &Files,
    cache: Option<&Cache>,
    now: i64,
    name: String,
    region: Option<String>,
) -> Row {
    let mut row = Row {
        profile: name,
        kind: "unusable",
        detail: String::new(),
        region,
        key_id: None,
        expiration: None,
        seconds_left: None,
    };
    let profile = match config::load(files, &row.profile) {
        Ok(profile) => profile,
        Err(err) => {
            row.detail = format!("not usable: {}", why(&err));
            return row;
        }
    };
    row.key_id = Some(mask(&profile.keys.access_key_id));
    let serial = match mfa::serial(None, &profile, files) {
        Ok(serial) => serial,
        Err(Error::NoSerial { .. }) if profile.roles.is_empty() => {
            row.kind = "keys";
            row.detail = "keys without MFA (no mfa_serial)".into();
            return row;
        }
        Err(Error::NoSerial { .. }) => {
            row.detail = "not usable: no mfa_serial in its source_profile chain".into();
            return row;
        }
        Err(_) => {
            row.detail = "not usable: mfa_serial is not an MFA device".into();
            return row;
        }
    };
    (row.kind, row.detail) = describe(&profile);
    if let Some(entry) = cache.and_then(|c| {
        c.entry(&Key::profile_session(
            &profile,
            &serial,
            Plan::usual(&profile),
        ))
        .ok()
        .flatten()
    }) {
        row.seconds_left = parse_rfc3339(&entry.expiration).map(|end| end - now);
        row.expiration = Some(entry.expiration);
    }
    row
}

fn describe(profile: &Profile) -> (&'static str, String) {
    if profile.roles.is_empty() && profile.keys.profile != profile.name {
        (
            "user",
            format!("user with MFA, keys of {}", profile.keys.profile),
        )
    } else if profile.roles.is_empty() {
        ("user", "user with MFA".into())
    } else {
        ("role", format!("role via {}", profile.keys.profile))
    }
}

/// Why a profile cannot be used, in a few words.
fn why(err: &Error) -> String {
    match err {
        Error::MissingKeys { missing, .. } => format!("no {missing}"),
        Error::TemporaryKeys { .. } => "temporary keys (ASIA… or a session token)".into(),
        Error::SelfReference { .. } => "its credential_process is mfa-env".into(),
        Error::SourceNotFound { source_profile, .. } => {
            format!("source_profile '{source_profile}' does not exist")
        }
        Error::SourceCycle { .. } => "its source_profile chain loops".into(),
        Error::NoSourceProfile { .. } => "role_arn without source_profile".into(),
        Error::BadRoleArn { .. } => "role_arn is not a role ARN".into(),
        Error::EmptyExternalId { .. } => "external_id is empty".into(),
        Error::BadDurationSeconds { .. } => "duration_seconds is not a number".into(),
        _ => "cannot be read".into(),
    }
}

/// The table: PROFILE, KIND, REGION, SESSION (time left).
pub fn table(rows: &[Row]) -> String {
    let mut cells = vec![[
        "PROFILE".to_string(),
        "KIND".into(),
        "REGION".into(),
        "SESSION".into(),
    ]];
    for row in rows {
        cells.push([
            clean(&row.profile),
            clean(&row.detail),
            clean(row.region.as_deref().unwrap_or("-")),
            row.seconds_left.map(left).unwrap_or_else(|| "-".into()),
        ]);
    }
    crate::output::columns(&cells)
}

/// The rows as one JSON document: `{"profiles": [...]}`.
pub fn json(rows: &[Row]) -> String {
    format!("{}\n", serde_json::json!({ "profiles": rows }))
}
