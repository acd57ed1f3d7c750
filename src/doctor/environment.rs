//! The AWS variables in this shell that override or confuse.

use super::Report;
use crate::duration::left;
use crate::error::mask_url;
use crate::session::now;
use crate::session::{mask, parse_rfc3339};
use crate::snapshot::{PROXIES, Snapshot};

pub(super) fn checks(report: &mut Report, snap: &Snapshot) {
    let var = |name: &str| {
        snap.var_os(name)
            .and_then(|v| v.to_str())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let before = report.0.len();
    if let Some(id) = var("AWS_ACCESS_KEY_ID") {
        let masked = mask(&id);
        match (var("AWS_SESSION_TOKEN"), var("AWS_CREDENTIAL_EXPIRATION")) {
            (Some(_), Some(expiration)) => {
                let whose = var("MFA_ENV_PROFILE")
                    .map(|p| format!("of profile '{p}' from mfa-env"))
                    .unwrap_or_else(|| "(not from mfa-env)".into());
                match parse_rfc3339(&expiration).map(|end| end - now()) {
                    Some(secs) if secs > 0 => report.ok(
                        "environment",
                        format!("a session {masked} {whose} in this shell, {} left", left(secs)),
                    ),
                    _ => report.warn(
                        "environment",
                        format!("the session {masked} {whose} in this shell expired at {expiration}"),
                        "run eval \"$(mfa-env)\" again (or mfa-env-use PROFILE)",
                    ),
                }
            }
            (Some(_), None) => report.ok(
                "environment",
                format!("a session {masked} in this shell, of unknown expiry"),
            ),
            (None, _) if id.starts_with("ASIA") => report.warn(
                "environment",
                format!("AWS_ACCESS_KEY_ID {masked} is a session key without AWS_SESSION_TOKEN: every call fails"),
                "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY, then eval \"$(mfa-env)\"",
            ),
            (None, _) => report.warn(
                "environment",
                format!("long-term keys {masked} in AWS_ACCESS_KEY_ID: AWS tools use them before any profile, and they carry no MFA"),
                "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY, then eval \"$(mfa-env)\"",
            ),
        }
    }
    if var("AWS_SECURITY_TOKEN").is_some() {
        report.warn(
            "environment",
            "AWS_SECURITY_TOKEN is set: botocore reads it before AWS_SESSION_TOKEN, so a stale one breaks the session",
            "unset AWS_SECURITY_TOKEN (mfa-env's exports unset it)",
        );
    }
    if let Some(profile) = var("AWS_PROFILE") {
        let mut trouble = Vec::new();
        if var("AWS_ACCESS_KEY_ID").is_some() {
            trouble.push(
                "it sits beside keys in the environment, and tools may use the profile's instead"
                    .to_string(),
            );
        }
        if let Some(m) = var("MFA_ENV_PROFILE").filter(|m| *m != profile) {
            trouble.push(format!(
                "it differs from MFA_ENV_PROFILE={m}, and mfa-env uses AWS_PROFILE first"
            ));
        }
        if trouble.is_empty() {
            report.ok(
                "environment",
                format!("AWS_PROFILE={profile} selects the profile"),
            );
        } else {
            report.warn(
                "environment",
                format!("AWS_PROFILE={profile}: {}", trouble.join("; ")),
                "unset AWS_PROFILE (mfa-env's exports unset it), or pass --profile",
            );
        }
    }
    for name in ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"] {
        if let Some(url) = var(name) {
            report.warn(
                "environment",
                format!(
                    "{name}={}: STS requests go there, not to AWS",
                    mask_url(&url)
                ),
                format!("unset {name} unless you meant it"),
            );
        }
    }
    if let Some(bundle) = var("AWS_CA_BUNDLE") {
        match std::fs::File::open(&bundle) {
            Ok(_) => report.ok(
                "environment",
                format!("AWS_CA_BUNDLE={bundle} replaces the system's certificates"),
            ),
            Err(err) => report.fail(
                "environment",
                format!("AWS_CA_BUNDLE={bundle} cannot be read ({err})"),
                "point AWS_CA_BUNDLE at a readable PEM file, or unset it",
            ),
        }
    }
    for name in PROXIES {
        if let Some(value) = var(name) {
            report.ok(
                "environment",
                format!("{name}={} is used", mask_url(&value)),
            );
        }
    }
    if report.0.len() == before {
        report.ok(
            "environment",
            "no AWS variables here that override or confuse",
        );
    }
}
