//! What the profile's sessions look like: the cache and console sign-in.

use super::Report;
use crate::cache::{Cache, Found, Key};
use crate::config::Profile;
use crate::context::Plan;
use crate::duration::left;
use crate::log::Log;
use crate::resolve::sessions::{self, Serves};
use crate::session::Made;
use crate::session::{now, parse_rfc3339};
use crate::sts::Endpoint;
use std::path::PathBuf;

/// Whether `mfa-env console` can sign in with the profile: a role's session
/// can; an IAM user's own MFA session cannot, and the line says what works.
pub(super) fn console_check(report: &mut Report, profile: Option<&Profile>, serial: Option<&str>) {
    match profile
        .zip(serial)
        .map(|(p, s)| crate::console::possible(p, s))
    {
        Some(Ok(detail)) => report.ok("console", detail),
        Some(Err(why)) => report.skip("console", &why),
        None => report.skip("console", "skipped: no usable profile"),
    }
}

pub(super) fn cache_check(
    report: &mut Report,
    folder: Option<PathBuf>,
    sessions_of: Option<((&Profile, &str), &Endpoint)>,
) {
    let cache = match Cache::inspect(folder, Log::silent()) {
        Found::NoHome => {
            report.warn(
                "cache",
                "no HOME or XDG_CACHE_HOME: sessions cannot be cached",
                "set HOME",
            );
            return;
        }
        Found::Missing(dir) => {
            report.ok(
                "cache",
                format!("{} not made yet (no session cached so far)", dir.display()),
            );
            return;
        }
        Found::Untrusted(dir, why) => {
            report.warn(
                "cache",
                format!("{}: {why}; mfa-env runs without it", dir.display()),
                format!("chmod 700 {} (or remove it)", dir.display()),
            );
            return;
        }
        Found::Ready(cache) => cache,
    };
    let dir = cache.dir();
    let Some(((profile, serial), endpoint)) = sessions_of else {
        report.ok("cache", format!("{} (mode 700)", dir.display()));
        return;
    };
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    // The sessions a run would use (`resolve::sessions`): for a role, its
    // role session (made either way) and the MFA session it is assumed with.
    // A role session made with the code, when none is cached, is not worth
    // a word.
    let mut keys: Vec<(&str, Key)> = Vec::new();
    for c in sessions::candidates(profile, serial, Plan::usual(profile), endpoint) {
        let label = match (c.serves, c.key.made) {
            (Serves::Signer, _) => "MFA session",
            (_, Made::DirectRole) if matches!(cache.entry(&c.key), Ok(None)) => continue,
            (_, Made::DirectRole) => "role session made with the code",
            _ => "session",
        };
        keys.push((label, c.key));
    }
    for (label, key) in keys {
        match cache.entry(&key) {
            Ok(Some(entry)) => {
                let secs = parse_rfc3339(&entry.expiration).unwrap_or(0) - now();
                parts.push(format!("{label} {}", left(secs)));
            }
            Ok(None) => parts.push(format!("no {label} cached")),
            Err(why) => problems.push(format!(
                "{label} entry {}: {why}",
                cache.path(&key).display()
            )),
        }
    }
    let detail = format!("{} (mode 700): {}", dir.display(), parts.join(", "));
    if problems.is_empty() {
        report.ok("cache", detail);
    } else {
        report.warn(
            "cache",
            format!("{detail}; {}", problems.join("; ")),
            format!("mfa-env clear -p {}", profile.name),
        );
    }
}
