//! `mfa-env list`: every profile of the AWS files, what mfa-env can do with it,
//! its region and the time left of its cached session. Never a secret: key
//! ids are masked, and nothing of a cache entry but its expiry is read out.

use crate::cache::{Cache, Found};
use crate::config::{Place, Profile};
use crate::duration::left;
use crate::error::{Error, clean};
use crate::log::Log;
use crate::resolve::{self, Plan, chain, sessions};
use crate::session::{mask, now, parse_rfc3339};
use crate::snapshot::Snapshot;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;

/// One profile as `list` shows it.
#[derive(Debug, Serialize)]
pub struct Row {
    pub profile: String,
    /// `user`, `role`, `keys` (without MFA), `served` (its credential_process
    /// is mfa-env), `sign-in` (IAM Identity Center or `aws login`) or
    /// `unusable`.
    pub kind: &'static str,
    /// The kind in a few words: "user with MFA", "role via base", "keys
    /// without MFA", "not usable: …".
    pub detail: String,
    pub region: Option<String>,
    /// The long-term key id the session is made from, masked (AKIA…WXYZ).
    pub key_id: Option<String>,
    /// Where those keys are: `credentials file` or `keystore`.
    pub keys: Option<&'static str>,
    /// The cached session's expiry (RFC 3339) and seconds left.
    pub expiration: Option<String>,
    pub seconds_left: Option<i64>,
}

/// The rows of every profile, sorted by name: the files are parsed once,
/// and each profile asks `resolve` what a run for it would use.
pub fn rows(snap: &Snapshot) -> Result<Vec<Row>, Error> {
    let cache = match Cache::inspect(resolve::cache_folder(snap), Log::silent()) {
        Found::Ready(cache) => Some(cache),
        _ => None,
    };
    // The cache's expiries, read once (not an open per profile and plan).
    let expiries: HashMap<PathBuf, String> = cache
        .as_ref()
        .map(|c| {
            c.entries()
                .into_iter()
                .map(|(path, e)| (path, e.expiration))
                .collect()
        })
        .unwrap_or_default();
    let cached = cache.as_ref().map(|c| (c, &expiries));
    let now = now();
    let all = snap.profiles()?;
    let mut names: Vec<&str> = all.profiles().collect();
    names.sort_unstable();
    Ok(names
        .into_iter()
        .map(|name| {
            let region = all
                .get_profile(name)
                .and_then(|p| p.get("region"))
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string);
            row(snap, cached, now, name.to_string(), region)
        })
        .collect())
}

fn row(
    snap: &Snapshot,
    cache: Option<(&Cache, &HashMap<PathBuf, String>)>,
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
        keys: None,
        expiration: None,
        seconds_left: None,
    };
    let profile = match chain::walk(snap, &row.profile) {
        Ok(profile) => profile,
        Err(Error::SelfReference { .. }) => {
            row.kind = "served";
            row.detail = "served by mfa-env (credential_process)".into();
            return row;
        }
        Err(Error::SignInProfile { kind, .. }) => {
            row.kind = "sign-in";
            row.detail = format!("{kind}: not for mfa-env");
            return row;
        }
        Err(err) => {
            row.detail = format!("not usable: {}", why(&err));
            return row;
        }
    };
    row.key_id = Some(mask(&profile.keys.access_key_id));
    row.keys = Some(profile.keys.place.describe());
    let serial = match resolve::serial(snap, None, &profile) {
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
    if profile.keys.place == Place::Keystore {
        row.detail.push_str(" (keys: keystore)");
    }
    // The session a run would use: the one it hands out, else the MFA
    // session its role would be assumed with (no code needed).
    if let Some((cache, expiries)) = cache {
        let endpoint = resolve::usual_endpoint(snap, &profile, &serial);
        let found = sessions::candidates(&profile, &serial, Plan::usual(&profile), &endpoint);
        let entries: Vec<Option<String>> = found
            .iter()
            .map(|c| expiries.get(&cache.path(&c.key)).cloned())
            .collect();
        let left: Vec<Option<i64>> = entries
            .iter()
            .map(|e| e.as_deref().and_then(parse_rfc3339).map(|end| end - now))
            .collect();
        let chosen = sessions::choose(&found, &left, 0, None)
            .or_else(|| left.iter().position(Option::is_some));
        if let Some(i) = chosen {
            row.seconds_left = left[i];
            row.expiration = entries[i].clone();
        }
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
