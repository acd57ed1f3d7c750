//! `mfa-env status` and `mfa-env clear`: what the cache holds, never a secret.

use crate::cache::{Cache, Entry, Key};
use crate::context::{Context, Plan, Wanted};
use crate::duration::left;
use crate::error::Error;
use crate::log::Log;
use crate::resolve::{
    self,
    sessions::{self, Candidate, Serves},
};
use crate::session::{now, parse_rfc3339};
use crate::snapshot::Snapshot;
use crate::stdio;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// `mfa-env status`: the table (or JSON), `--check` (with this min-ttl) or
/// `--path`.
pub fn run(
    snap: &Snapshot,
    wanted: &Wanted<'_>,
    check: Option<i64>,
    path: bool,
    json: bool,
    log: Log,
) -> Result<ExitCode, Error> {
    match (check, path) {
        (Some(min_ttl), _) => Ok(self::check(snap, wanted, min_ttl)),
        (None, true) => self::path(snap, wanted, log),
        (None, false) => list(snap, wanted, json, log).and_then(crate::output::print_or_fail),
    }
}

/// The cached sessions a run for the profile would use (`resolve::sessions`),
/// with the paths of their entries; an unknown profile is an error naming
/// the profiles that exist.
fn of_profile(
    snap: &Snapshot,
    cache: &Cache,
    wanted: &Wanted<'_>,
) -> Result<(Context, Vec<Candidate>), Error> {
    let ctx = Context::resolve(snap, wanted, Log::silent())?;
    let found = sessions::candidates(&ctx.profile, &ctx.serial, ctx.plan, &ctx.endpoint)
        .into_iter()
        .filter(|c| matches!(cache.entry(&c.key), Ok(Some(_))))
        .collect();
    Ok((ctx, found))
}

/// Which profiles each cached entry serves, by the entry's path: the
/// profiles that hand it out, else those whose roles are assumed with it;
/// and where the keys it was made with are (`keys: keystore`).
fn labels(snap: &Snapshot, cache: &Cache) -> (HashMap<PathBuf, Vec<String>>, Places) {
    let mut handed: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut signs: HashMap<PathBuf, Vec<String>> = HashMap::new();
    let mut places = Places::new();
    for (name, resolved) in resolve::every_profile(snap) {
        let Ok((profile, serial)) = resolved else {
            continue;
        };
        let endpoint = resolve::usual_endpoint(snap, &profile, &serial);
        for c in sessions::candidates(&profile, &serial, Plan::usual(&profile), &endpoint) {
            let map = match c.serves {
                Serves::Session => &mut handed,
                Serves::Signer => &mut signs,
            };
            let path = cache.path(&c.key);
            places.insert(path.clone(), profile.keys.place.describe());
            map.entry(path).or_default().push(name.clone());
        }
    }
    for (path, names) in signs {
        handed.entry(path).or_insert(names);
    }
    (handed, places)
}

/// Where the keys of each cached entry's session are, by its path.
type Places = HashMap<PathBuf, &'static str>;

/// At most this many profile names label one entry.
const NAMED: usize = 3;

fn label(names: &[String]) -> String {
    match names.len() {
        n if n <= NAMED => names.join(", "),
        n => format!("{}, … ({n} profiles)", names[..NAMED].join(", ")),
    }
}

/// The table (or with `json` the JSON) of cached sessions, with the
/// profiles that use each; with --profile, those a run for it would use. A
/// profile that is neither in the files nor in the cache is an error naming
/// the profiles that exist.
/// None when the cache cannot be used (after a warning).
pub fn list(
    snap: &Snapshot,
    wanted: &Wanted<'_>,
    json: bool,
    log: Log,
) -> Result<Option<String>, Error> {
    let Some(cache) = Cache::open(resolve::cache_folder(snap), log) else {
        return Ok(None);
    };
    let now = now();
    let all = cache.entries();
    let entries: Vec<(Vec<String>, Option<&str>, &Entry)> = match wanted.profile {
        Some(name) => match of_profile(snap, &cache, wanted) {
            Ok((ctx, found)) => found
                .iter()
                .filter_map(|c| all.iter().find(|(path, _)| *path == cache.path(&c.key)))
                .map(|(_, entry)| {
                    let keys = ctx.profile.keys.place.describe();
                    (vec![ctx.name.clone()], Some(keys), entry)
                })
                .collect(),
            // A profile gone from the files (or that no run can use): what
            // is cached under its name.
            Err(err) => {
                let named: Vec<_> = all
                    .iter()
                    .filter(|(_, entry)| entry.profile == name)
                    .map(|(_, entry)| (vec![name.to_string()], None, entry))
                    .collect();
                if named.is_empty() && resolve::chain::exists(snap, name).is_err() {
                    return Err(err);
                }
                named
            }
        },
        None => {
            let (labels, places) = labels(snap, &cache);
            all.iter()
                .map(|(path, entry)| {
                    let names = labels
                        .get(path)
                        .cloned()
                        .unwrap_or_else(|| vec![entry.profile.clone()]);
                    (names, places.get(path).copied(), entry)
                })
                .collect()
        }
    };
    let seconds_left = |entry: &Entry| parse_rfc3339(&entry.expiration).unwrap_or(0) - now;
    if json {
        let sessions: Vec<serde_json::Value> = entries
            .iter()
            .map(|(names, keys, entry)| {
                serde_json::json!({
                    "profile": names.first(),
                    "profiles": names,
                    "keys": keys,
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
        "KEYS".into(),
    ]];
    for (names, keys, entry) in &entries {
        rows.push([
            label(names),
            entry.role_arn.clone().unwrap_or_else(|| "-".into()),
            entry.serial.clone(),
            entry.expiration.clone(),
            left(seconds_left(entry)),
            keys.unwrap_or("-").into(),
        ]);
    }
    let out = if rows.len() == 1 {
        match wanted.profile {
            Some(name) if !all.is_empty() => format!(
                "no cached session of profile '{name}' in {} ({} of other profiles: `mfa-env status` lists them)\n",
                cache.dir().display(),
                sessions(all.len())
            ),
            _ => format!("no cached sessions in {}\n", cache.dir().display()),
        }
    } else {
        crate::output::columns(&rows)
    };
    Ok(Some(crate::error::clean_lines(&out)))
}

/// "1 cached session", "3 cached sessions".
fn sessions(n: usize) -> String {
    format!("{n} cached session{}", if n == 1 { "" } else { "s" })
}

/// `status --check`: 0 when a run for the profile would use a cached session
/// (the one it hands out, or the MFA session its role is assumed from) with
/// more than --min-ttl left, else 1: the rule of `resolve::sessions`.
/// Prints nothing, ever.
pub fn check(snap: &Snapshot, wanted: &Wanted<'_>, min_ttl: i64) -> ExitCode {
    let valid = || -> Option<()> {
        let silent = Log::silent();
        let cache = Cache::open(resolve::cache_folder(snap), silent)?;
        let ctx = Context::resolve(snap, wanted, silent).ok()?;
        let found = sessions::candidates(&ctx.profile, &ctx.serial, ctx.plan, &ctx.endpoint);
        let now = now();
        let left: Vec<Option<i64>> = found
            .iter()
            .map(|c| {
                cache
                    .fresh_session(&c.key, now, i64::MIN)
                    .map(|s| s.expiration - now)
            })
            .collect();
        sessions::choose(&found, &left, min_ttl, wanted.duration).map(|_| ())
    };
    match valid() {
        Some(()) => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    }
}

/// `status --path`: where the profile's session is (or would be) cached, for
/// direnv's watch_file.
pub fn path(snap: &Snapshot, wanted: &Wanted<'_>, log: Log) -> Result<ExitCode, Error> {
    let ctx = Context::resolve(snap, wanted, log)?;
    let Some(cache) = Cache::open(ctx.cache.clone(), log) else {
        return Ok(ExitCode::from(1));
    };
    stdio::out(&format!(
        "{}\n",
        cache
            .path(&Key::profile_session(
                &ctx.profile,
                &ctx.serial,
                ctx.plan.made(),
                &ctx.endpoint,
            ))
            .display()
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `clear`: every cached session a run for the profile could use (its role
/// session made either way, the MFA session of its keys), and those cached
/// under its name; or with `--all` every file mfa-env made in its folder. A
/// profile that is neither in the files nor in the cache is an error naming
/// the profiles that exist.
/// None when the cache cannot be used (after a warning).
pub fn clear(
    snap: &Snapshot,
    profile: Option<&str>,
    all: bool,
    log: Log,
) -> Result<Option<String>, Error> {
    let Some(cache) = Cache::open(resolve::cache_folder(snap), log) else {
        return Ok(None);
    };
    let dir = cache.dir().display();
    let text = if all {
        let deleted = cache.clear_all();
        format!("deleted {} of all profiles from {dir}", sessions(deleted))
    } else {
        let (name, origin) = resolve::profile_name(snap, profile);
        let resolved = resolve::profile(snap, (&name, origin));
        let used: Vec<PathBuf> = match &resolved {
            Ok(p) => match crate::mfa::serial(None, p, snap.files()) {
                Ok(serial) => {
                    sessions::any_run(p, &serial, &resolve::usual_endpoint(snap, p, &serial))
                        .iter()
                        .map(|key| cache.path(key))
                        .collect()
                }
                Err(_) => Vec::new(),
            },
            Err(_) => Vec::new(),
        };
        let shared = shared_with(snap, &cache, &used, &name);
        let deleted =
            cache.clear(|path, entry| entry.profile == name || used.iter().any(|p| p == path));
        let known = resolve::chain::exists(snap, &name).map_err(|err| origin.label(err));
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
            (n, Ok(())) => format!(
                "deleted {} of profile '{name}' from {dir}{shared}",
                sessions(n)
            ),
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

/// The other profiles that used the cached sessions `used` (of profile
/// `name`) that are there, as " (also used by base, dev)"; else nothing.
fn shared_with(snap: &Snapshot, cache: &Cache, used: &[PathBuf], name: &str) -> String {
    let present: Vec<PathBuf> = cache
        .entries()
        .into_iter()
        .map(|(path, _)| path)
        .filter(|path| used.contains(path))
        .collect();
    if present.is_empty() {
        return String::new();
    }
    let (labels, _) = labels(snap, cache);
    let mut others: Vec<String> = present
        .iter()
        .filter_map(|path| labels.get(path))
        .flatten()
        .filter(|other| *other != name)
        .cloned()
        .collect();
    others.sort();
    others.dedup();
    match others.is_empty() {
        true => String::new(),
        false => format!(" (also used by {})", label(&others)),
    }
}
