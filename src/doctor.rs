//! `mfa-env doctor`: the troubleshooting page as a command. Each check says
//! ok, warn or fail, and the fix. Nothing secret is ever printed: key ids are
//! shown as AKIA…WXYZ, and no secret key, token or code is read out.

mod environment;
mod online;

use crate::cache::{Cache, Found, Key};
use crate::config::{self, Files, Profile};
use crate::context::{Plan, Wanted};
use crate::duration::left;
use crate::error::{Error, clean};
use crate::log::Log;
use crate::mfa;
use crate::session::now;
use crate::session::{mask, parse_rfc3339};
use crate::sts;
use crate::{arn, context};
use serde::Serialize;
use std::env;
use std::os::unix::fs::PermissionsExt;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    pub status: Status,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Default)]
struct Report(Vec<Check>);

impl Report {
    fn add(
        &mut self,
        check: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.0.push(Check {
            check,
            status,
            detail: clean(&detail.into()),
            fix: fix.map(|f| clean(&f)),
        });
    }
    fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Ok, detail, None);
    }
    fn warn(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Warn, detail, Some(fix.into()));
    }
    fn fail(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Fail, detail, Some(fix.into()));
    }
    /// A failure from an mfa-env error: its last sentence (the fix) goes on
    /// the fix line.
    fn fail_with(&mut self, check: &'static str, err: &Error) {
        let message = err.to_string();
        let (detail, fix) = split_fix(&message);
        let fix = fix.map(|f| {
            let mut chars = f.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        });
        self.add(check, Status::Fail, detail, fix);
    }
    fn skip(&mut self, check: &'static str, why: &str) {
        self.add(check, Status::Skip, why, None);
    }
}

pub fn run(wanted: &Wanted<'_>, offline: bool, json: bool) -> Result<ExitCode, Error> {
    let mut report = Report::default();
    let files = Files::locate();
    let (name, _) = context::profile_name(wanted.profile);
    let profile = if files_check(&mut report, &files) {
        profile_checks(&mut report, &files, &name)
    } else {
        report.skip("profile", "skipped: no config files");
        None
    };
    let serial = profile
        .as_ref()
        .and_then(|p| serial_check(&mut report, wanted, p, &files));
    let region = profile
        .as_ref()
        .and_then(|p| region_check(&mut report, wanted, p, serial.as_deref()));
    environment::checks(&mut report);
    cache_check(&mut report, profile.as_ref(), serial.as_deref());
    console_check(&mut report, profile.as_ref(), serial.as_deref());
    match (&profile, offline) {
        (_, true) => {
            for check in ["sts", "identity", "clock"] {
                report.skip(check, "skipped (--offline)");
            }
        }
        (None, false) => {
            for check in ["sts", "identity", "clock"] {
                report.skip(check, "skipped: the profile has no usable long-term keys");
            }
        }
        (Some(profile), false) => online::checks(
            &mut report,
            &name,
            &files,
            profile,
            serial.as_deref(),
            region.as_deref(),
        ),
    }

    let failed = report.0.iter().any(|c| c.status == Status::Fail);
    let text = if json {
        let value = serde_json::json!({
            "version": env!("CARGO_PKG_VERSION"),
            "profile": name,
            "ok": !failed,
            "checks": report.0,
        });
        format!("{value}\n")
    } else {
        human(&name, &report.0)
    };
    crate::stdio::out(&text)?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn human(profile: &str, checks: &[Check]) -> String {
    let mut out = format!("mfa-env doctor: profile '{}'\n", clean(profile));
    for c in checks {
        let status = match c.status {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        };
        out.push_str(&format!("{status:<5} {:<13} {}\n", c.check, c.detail));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("{:<19} fix: {fix}\n", ""));
        }
    }
    let fails = checks.iter().filter(|c| c.status == Status::Fail).count();
    let warns = checks.iter().filter(|c| c.status == Status::Warn).count();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    out.push_str(&format!(
        "{fails} failed, {warns} warning{}\n",
        plural(warns)
    ));
    out
}

/// An error message split into what went wrong and its fix: the last
/// sentence, when the message has more than one.
fn split_fix(message: &str) -> (&str, Option<&str>) {
    let ends = message
        .match_indices(". ")
        .filter(|(i, _)| message[i + 2..].starts_with(|c: char| c.is_ascii_uppercase()));
    match ends.last() {
        Some((i, _)) => (&message[..i], Some(&message[i + 2..])),
        None => (message, None),
    }
}

/// Whether either file exists; when neither does, one failure says so.
fn files_check(report: &mut Report, files: &Files) -> bool {
    let origin = |var: &str| {
        if env::var_os(var).is_some_and(|v| !v.is_empty()) {
            format!(" (from {var})")
        } else {
            String::new()
        }
    };
    let mut found = 0;
    let mut parts = Vec::new();
    for (label, path, var) in [
        ("config", &files.config, "AWS_CONFIG_FILE"),
        (
            "credentials",
            &files.credentials,
            "AWS_SHARED_CREDENTIALS_FILE",
        ),
    ] {
        let state = match std::fs::File::open(path) {
            Ok(_) => {
                found += 1;
                "found"
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => "missing",
            Err(_) => "not readable",
        };
        parts.push(format!("{label} {}{} {state}", path.display(), origin(var)));
    }
    let detail = parts.join("; ");
    if found == 0 {
        report.fail(
            "config files",
            detail,
            "create them with `aws configure --profile NAME`, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at them",
        );
        return false;
    }
    match std::fs::metadata(&files.credentials).map(|m| m.permissions().mode() & 0o777) {
        Ok(mode) if mode & 0o044 != 0 => report.warn(
            "config files",
            format!(
                "{detail}; the credentials file is readable by group or others (mode {mode:03o})"
            ),
            format!("chmod 600 {}", files.credentials.display()),
        ),
        _ => report.ok("config files", detail),
    }
    true
}

fn profile_checks(report: &mut Report, files: &Files, name: &str) -> Option<Profile> {
    match config::load(files, name) {
        Ok(profile) => {
            let mut chain: Vec<String> = vec![profile.name.clone()];
            for role in profile.roles.iter().rev() {
                if role.profile != profile.name && !chain.contains(&role.profile) {
                    chain.push(role.profile.clone());
                }
            }
            if !chain.contains(&profile.keys.profile) {
                chain.push(profile.keys.profile.clone());
            }
            let roles = match profile.roles.last() {
                Some(role) => format!(" (role {})", role.arn),
                None => " (an IAM user's own keys)".to_string(),
            };
            report.ok("profile", format!("{}{roles}", chain.join(" → ")));
            let keys = &profile.keys;
            let id = mask(&keys.access_key_id);
            if keys.access_key_id.starts_with("AKIA") {
                report.ok(
                    "keys",
                    format!(
                        "{id}, long-term, profile '{}' in {}",
                        keys.profile,
                        keys.file().display()
                    ),
                );
            } else {
                report.warn(
                    "keys",
                    format!("{id} in {} does not look like an IAM user's access key id", keys.file().display()),
                    "use the permanent AKIA… key from IAM console → your user → Security credentials",
                );
            }
            Some(profile)
        }
        Err(err) => {
            let check = match err {
                Error::MissingKeys { .. }
                | Error::TemporaryKeys { .. }
                | Error::SelfReference { .. } => {
                    report.ok("profile", format!("'{name}' found"));
                    "keys"
                }
                Error::NoConfigFiles { .. }
                | Error::ConfigUnreadable { .. }
                | Error::ConfigTooLarge { .. } => "config files",
                _ => "profile",
            };
            report.fail_with(check, &err);
            None
        }
    }
}

fn serial_check(
    report: &mut Report,
    wanted: &Wanted<'_>,
    profile: &Profile,
    files: &Files,
) -> Option<String> {
    match mfa::serial(wanted.serial, profile, files) {
        Ok(serial) => {
            let kind = if serial.starts_with("arn:") {
                format!("an MFA device ARN in partition {}", arn::partition(&serial))
            } else {
                "a hardware token's serial number".to_string()
            };
            report.ok("mfa serial", format!("{serial} ({kind})"));
            Some(serial)
        }
        Err(err) => {
            report.fail_with("mfa serial", &err);
            None
        }
    }
}

fn region_check(
    report: &mut Report,
    wanted: &Wanted<'_>,
    profile: &Profile,
    serial: Option<&str>,
) -> Option<String> {
    let partition = serial.map(arn::partition).unwrap_or("aws");
    match config::region(wanted.region, profile) {
        Ok(Some(region)) => {
            let from = if wanted.region.is_some() {
                "--region"
            } else if profile.region.is_some() {
                "the profile"
            } else {
                "AWS_REGION / AWS_DEFAULT_REGION"
            };
            report.ok("region", format!("{region} (from {from})"));
            Some(region)
        }
        Ok(None) => match sts::partition_region(partition) {
            Some(region) => {
                report.ok(
                    "region",
                    format!("{region} (the usual region of partition {partition})"),
                );
                Some(region.to_string())
            }
            None => {
                report.warn(
                    "region",
                    "none configured: STS is asked in us-east-1 and no AWS_REGION is exported",
                    format!(
                        "add `region = eu-west-1` (say) to [profile {}]",
                        profile.name
                    ),
                );
                None
            }
        },
        Err(err) => {
            report.fail_with("region", &err);
            None
        }
    }
}

/// Whether `mfa-env console` can sign in with the profile: a role's session
/// can; an IAM user's own MFA session cannot, and the line says what works.
fn console_check(report: &mut Report, profile: Option<&Profile>, serial: Option<&str>) {
    match profile
        .zip(serial)
        .map(|(p, s)| crate::console::possible(p, s))
    {
        Some(Ok(detail)) => report.ok("console", detail),
        Some(Err(why)) => report.skip("console", &why),
        None => report.skip("console", "skipped: no usable profile"),
    }
}

fn cache_check(report: &mut Report, profile: Option<&Profile>, serial: Option<&str>) {
    let quiet = Log {
        quiet: true,
        verbose: false,
    };
    let cache = match Cache::inspect(quiet) {
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
                format!(
                    "{}: {}; mfa-env runs without it",
                    dir.display(),
                    why.split(" (fix: ").next().unwrap_or(&why)
                ),
                format!("chmod 700 {} (or remove it)", dir.display()),
            );
            return;
        }
        Found::Ready(cache) => cache,
    };
    let dir = cache.dir();
    let (Some(profile), Some(serial)) = (profile, serial) else {
        report.ok("cache", format!("{} (mode 700)", dir.display()));
        return;
    };
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    let own = Key::profile_session(profile, serial, Plan::usual(profile));
    let mfa_key = Key::mfa_session(&profile.keys.access_key_id, serial);
    let mut keys = vec![("session", own.clone())];
    if own != mfa_key {
        keys.push(("MFA session", mfa_key));
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
