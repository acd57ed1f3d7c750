//! `mfa-env status` and `mfa-env clear`: what the cache holds, never a secret.

use crate::cache::{Cache, Key};
use crate::cli::Opts;
use crate::context::{self, Context, Wanted};
use crate::duration::{self, left};
use crate::error::Error;
use crate::log::Log;
use crate::session::{now, parse_rfc3339};
use std::process::ExitCode;

/// The table of cached sessions (of --profile when given).
pub fn list(opts: &Opts, log: Log) -> Result<ExitCode, Error> {
    let Some(cache) = Cache::open(log) else {
        return Ok(ExitCode::from(1));
    };
    let now = now();
    let mut rows = vec![[
        "PROFILE".to_string(),
        "ROLE".into(),
        "SERIAL".into(),
        "EXPIRES".into(),
        "LEFT".into(),
    ]];
    for (_, entry) in cache.entries() {
        if opts.profile.as_ref().is_some_and(|p| *p != entry.profile) {
            continue;
        }
        let expires = parse_rfc3339(&entry.expiration).unwrap_or(0);
        rows.push([
            entry.profile.clone(),
            entry.role_arn.clone().unwrap_or_else(|| "-".into()),
            entry.serial.clone(),
            entry.expiration.clone(),
            left(expires - now),
        ]);
    }
    let mut out = String::new();
    if rows.len() == 1 {
        out.push_str(&format!(
            "no cached sessions in {}\n",
            cache.dir().display()
        ));
    } else {
        let widths: Vec<usize> = (0..5)
            .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            out.push_str(cells.join("  ").trim_end());
            out.push('\n');
        }
    }
    print!("{}", crate::error::clean_lines(&out));
    Ok(ExitCode::SUCCESS)
}

/// `status --check`: 0 when the profile mfa-env would use has a cached session
/// (its own, or the MFA session its role is assumed from) with more than
/// --min-ttl left, else 1. Prints nothing, ever.
pub fn check(opts: &Opts) -> ExitCode {
    let valid = || -> Option<()> {
        let min_ttl = duration::parse_min_ttl(opts.min_ttl.as_deref()).ok()?;
        let silent = Log {
            quiet: true,
            verbose: false,
        };
        let ctx = Context::resolve(&wanted(opts), silent).ok()?;
        let (profile, serial) = (&ctx.profile, &ctx.serial);
        let cache = Cache::open(silent)?;
        // Valid when mfa-env can hand out a session without asking for a code:
        // the profile's own session, or the MFA session a role is assumed from.
        let own = Key::session(profile, serial);
        let mfa = Key::user(&profile.keys.access_key_id, serial);
        [own, mfa]
            .iter()
            .find_map(|key| cache.get(key, now(), min_ttl))
            .map(|_| ())
    };
    match valid() {
        Some(()) => ExitCode::SUCCESS,
        None => ExitCode::from(1),
    }
}

/// `status --path`: where the profile's session is (or would be) cached, for
/// direnv's watch_file.
pub fn path(opts: &Opts, log: Log) -> Result<ExitCode, Error> {
    let ctx = Context::resolve(&wanted(opts), log)?;
    let Some(cache) = Cache::open(log) else {
        return Ok(ExitCode::from(1));
    };
    println!(
        "{}",
        cache
            .path(&Key::session(&ctx.profile, &ctx.serial))
            .display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `clear`: the sessions cached for the profile (by the name they were cached
/// under), or with `--all` every file mfa-env made in its folder.
pub fn clear(opts: &Opts, all: bool, log: Log) -> Result<ExitCode, Error> {
    let Some(cache) = Cache::open(log) else {
        return Ok(ExitCode::from(1));
    };
    let (deleted, whose) = if all {
        (cache.clear_all(), "all profiles".to_string())
    } else {
        let (name, _) = context::profile_name(opts.profile.as_deref());
        (
            cache.clear(|entry| entry.profile == name),
            format!("profile '{name}'"),
        )
    };
    if !opts.quiet {
        println!(
            "{}",
            crate::error::clean(&format!(
                "deleted {deleted} cached session{} of {whose} from {}",
                if deleted == 1 { "" } else { "s" },
                cache.dir().display()
            ))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// What status asks of the context: the profile and serial, never a duration.
fn wanted(opts: &Opts) -> Wanted<'_> {
    Wanted {
        profile: opts.profile.as_deref(),
        serial: opts.serial.as_deref(),
        region: opts.region.as_deref(),
        duration: None,
    }
}
