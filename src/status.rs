//! `mfa-env status` and `mfa-env clear`: what the cache holds, never a secret.

use crate::cache::{Cache, Entry, Key};
use crate::config::{self, Files};
use crate::context::{self, Context, Wanted};
use crate::duration::left;
use crate::error::Error;
use crate::log::Log;
use crate::session::{Made, now, parse_rfc3339};
use crate::stdio;
use std::process::ExitCode;

/// `mfa-env status`: the table (or JSON), `--check` (with this min-ttl) or
/// `--path`.
pub fn run(
    wanted: &Wanted<'_>,
    check: Option<i64>,
    path: bool,
    json: bool,
    log: Log,
) -> Result<ExitCode, Error> {
    match (check, path) {
        (Some(min_ttl), _) => Ok(self::check(wanted, min_ttl)),
        (None, true) => self::path(wanted, log),
        (None, false) => list(wanted.profile, json, log).and_then(crate::output::print_or_fail),
    }
}

/// The table (or with `json` the JSON) of cached sessions, of --profile when
/// given. A profile that is neither in the files nor in the cache is an error
/// naming the profiles that exist.
/// None when the cache cannot be used (after a warning).
pub fn list(profile: Option<&str>, json: bool, log: Log) -> Result<Option<String>, Error> {
    let Some(cache) = Cache::open(log) else {
        return Ok(None);
    };
    let now = now();
    let all = cache.entries();
    let entries: Vec<&Entry> = all
        .iter()
        .map(|(_, entry)| entry)
        .filter(|entry| profile.is_none_or(|p| p == entry.profile))
        .collect();
    if let (Some(name), true) = (profile, entries.is_empty()) {
        config::exists(&Files::locate(), name)?;
    }
    let seconds_left = |entry: &Entry| parse_rfc3339(&entry.expiration).unwrap_or(0) - now;
    if json {
        let sessions: Vec<serde_json::Value> = entries
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "profile": entry.profile,
                    "role_arn": entry.role_arn,
                    "serial": entry.serial,
                    "expiration": entry.expiration,
                    "seconds_left": seconds_left(entry),
                })
            })
            .collect();
        let value = serde_json::json!({ "cache": cache.dir(), "sessions": sessions });
        return Ok(Some(format!("{value}\n")));
    }
    let mut rows = vec![[
        "PROFILE".to_string(),
        "ROLE".into(),
        "SERIAL".into(),
        "EXPIRES".into(),
        "LEFT".into(),
    ]];
    for entry in &entries {
        rows.push([
            entry.profile.clone(),
            entry.role_arn.clone().unwrap_or_else(|| "-".into()),
            entry.serial.clone(),
            entry.expiration.clone(),
            left(seconds_left(entry)),
        ]);
    }
    let mut out = String::new();
    if rows.len() == 1 {
        out.push_str(&match profile {
            Some(name) if !all.is_empty() => format!(
                "no cached session of profile '{name}' in {} ({} of other profiles: `mfa-env status` lists them)\n",
                cache.dir().display(),
                sessions(all.len())
            ),
            _ => format!("no cached sessions in {}\n", cache.dir().display()),
        });
    } else {
        out.push_str(&crate::output::columns(&rows));
    }
    Ok(Some(crate::error::clean_lines(&out)))
}

/// "1 cached session", "3 cached sessions".
fn sessions(n: usize) -> String {
    format!("{n} cached session{}", if n == 1 { "" } else { "s" })
}

/// `status --check`: 0 when the profile mfa-env would use has a cached session
/// (its own, or the MFA session its role is assumed from) with more than
/// --min-ttl left, else 1. Prints nothing, ever.
pub fn check(wanted: &Wanted<'_>, min_ttl: i64) -> ExitCode {
    let valid = || -> Option<()> {
        let silent = Log {
            quiet: true,
            verbose: false,
        };
        let ctx = Context::resolve(wanted, silent).ok()?;
        let (profile, serial) = (&ctx.profile, &ctx.serial);
        let cache = Cache::open(silent)?;
        // Valid when mfa-env can hand out a session without asking for a code:
        // the profile's own session, or the MFA session a role is assumed from.
        // (A role assumed directly with the code has only its own.)
        let own = Key::profile_session(profile, serial, ctx.plan.made());
        let mfa = Key::mfa_session(&profile.keys.access_key_id, serial);
        let keys = match ctx.plan.made() {
            Made::DirectRole => vec![own],
            _ => vec![own, mfa],
        };
        keys.iter()
            .find_map(|key| cache.fresh_session(key, now(), min_ttl))
            .map(|_| ())
    };
    match valid() {
        Some(()) => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    }
}

/// `status --path`: where the profile's session is (or would be) cached, for
/// direnv's watch_file.
pub fn path(wanted: &Wanted<'_>, log: Log) -> Result<ExitCode, Error> {
    let ctx = Context::resolve(wanted, log)?;
    let Some(cache) = Cache::open(log) else {
        return Ok(ExitCode::from(1));
    };
    stdio::out(&format!(
        "{}\n",
        cache
            .path(&Key::profile_session(
                &ctx.profile,
                &ctx.serial,
                ctx.plan.made()
            ))
            .display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `clear`: the sessions cached for the profile (by the name they were cached
/// under), or with `--all` every file mfa-env made in its folder. A profile
/// that is neither in the files nor in the cache is an error naming the
/// profiles that exist.
/// None when the cache cannot be used (after a warning).
pub fn clear(profile: Option<&str>, all: bool, log: Log) -> Result<Option<String>, Error> {
    let Some(cache) = Cache::open(log) else {
        return Ok(None);
    };
    let dir = cache.dir().display();
    let text = if all {
        let deleted = cache.clear_all();
        format!("deleted {} of all profiles from {dir}", sessions(deleted))
    } else {
        let (name, _) = context::profile_name(profile);
        let deleted = cache.clear(|entry| entry.profile == name);
        let known = config::exists(&Files::locate(), &name);
        match (deleted, known) {
            (0, Err(err)) => return Err(err),
            (0, Ok(())) => {
                let others = cache.entries().len();
                let rest = if others == 0 {
                    String::new()
                } else {
                    format!(
                        "; {} of other profiles {}",
                        sessions(others),
                        if others == 1 { "stays" } else { "stay" }
                    )
                };
                format!("profile '{name}' had no cached session in {dir}{rest}")
            }
            (n, Ok(())) => format!("deleted {} of profile '{name}' from {dir}", sessions(n)),
            (n, Err(_)) => format!(
                "deleted {} of profile '{name}' (which is no longer in the AWS files) from {dir}",
                sessions(n)
            ),
        }
    };
    Ok(Some(if log.quiet {
        String::new()
    } else {
        format!("{}\n", crate::error::clean(&text))
    }))
}
