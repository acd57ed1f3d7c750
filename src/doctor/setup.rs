//! The steps of resolving the profile, each reported: the files, the profile
//! and its keys, the MFA serial, the region.

use super::Report;
use crate::arn;
use crate::config::{Files, Place, Profile};
use crate::context::Wanted;
use crate::error::Error;
use crate::limits;
use crate::mfa;
use crate::resolve;
use crate::session::mask;
use crate::snapshot::Snapshot;
use std::os::unix::fs::PermissionsExt;

/// Whether either file exists; when neither does, one failure says so.
pub(super) fn files_check(report: &mut Report, snap: &Snapshot) -> bool {
    let files = snap.files();
    let origin = |var: &str| {
        if snap.is_set(var) {
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

pub(super) fn profile_checks(report: &mut Report, snap: &Snapshot, name: &str) -> Option<Profile> {
    match resolve::chain::walk(snap, name) {
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
            if keys.place == Place::Keystore {
                report.ok(
                    "keys",
                    format!(
                        "{id}, long-term, profile '{}' (keys: keystore; read only when a new session is made)",
                        keys.profile
                    ),
                );
            } else if keys.access_key_id.starts_with("AKIA") {
                report.ok(
                    "keys",
                    format!(
                        "{id}, long-term, profile '{}' in {} (keys: credentials file)",
                        keys.profile,
                        keys.file().display()
                    ),
                );
                if let Some(stored) = snap.keystore().key_id(&keys.profile) {
                    report.warn(
                        "keystore",
                        format!(
                            "the OS keystore also holds keys ({}) for profile '{}', unused: the file's keys win, as the AWS SDKs would see them",
                            mask(stored),
                            keys.profile
                        ),
                        format!(
                            "delete the two key lines from {} to use the keystore's, or `mfa-env keys remove {}`",
                            keys.file().display(),
                            keys.profile
                        ),
                    );
                }
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
                | Error::SelfReference { .. }
                | Error::SignInProfile { .. } => {
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

pub(super) fn serial_check(
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

pub(super) fn region_check(
    report: &mut Report,
    snap: &Snapshot,
    wanted: &Wanted<'_>,
    profile: &Profile,
    serial: Option<&str>,
) -> Option<String> {
    let partition = serial.map(arn::partition).unwrap_or("aws");
    match resolve::configured_region(snap, wanted.region, profile) {
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
        Ok(None) => match limits::partition_region(partition) {
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
