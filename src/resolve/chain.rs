//! The profile and its source_profile chain, walked as the AWS SDKs walk it:
//! the selected profile's role_arn is assumed with the credentials of its
//! source_profile; a profile further down with long-term keys signs with them
//! (its own role_arn is not assumed); a role_arn with both source_profile and
//! credential_source is refused, as every SDK refuses it.

use crate::arn::IamArn;
use crate::config::{Keys, Profile, Role, default_session_name};
use crate::error::Error;
use crate::session::Secret;
use crate::snapshot::Snapshot;
use aws_config::profile::Profile as Section;
use std::path::PathBuf;

/// At most this many profile names are listed in a message.
const LISTED: usize = 20;

/// A property of a section, trimmed; None when missing or blank.
fn value(section: &Section, key: &str) -> Option<String> {
    section
        .get(key)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// Loads profile `name` and follows source_profile to the long-term keys.
pub fn walk(snap: &Snapshot, name: &str) -> Result<Profile, Error> {
    let selected = snap.profile(name)?.ok_or_else(|| not_found(snap, name))?;
    let duration_seconds = match value(&selected, "duration_seconds") {
        Some(text) => Some(text.parse::<u32>().map_err(|_| Error::BadDurationSeconds {
            profile: name.to_string(),
            value: text,
        })?),
        None => None,
    };
    let mut visited: Vec<String> = Vec::new();
    let mut roles = Vec::new();
    let mut found = Found::default();
    let mut current = name.to_string();
    let mut section = selected.clone();
    let keys = loop {
        visited.push(current.clone());
        found.take(&section);
        let source = value(&section, "source_profile");
        let has_keys = value(&section, "aws_access_key_id").is_some();
        let Some(arn) = value(&section, "role_arn") else {
            // source_profile without role_arn, as aws-vault reads it: the keys
            // of the source profile (unless this one has its own), with this
            // profile's mfa_serial, region and duration_seconds.
            match source {
                Some(source) if source != current && !has_keys => {
                    (current, section) = next(snap, &visited, source)?;
                    continue;
                }
                _ => break keys(snap, &section, &current)?,
            }
        };
        // Below the selected profile, long-term keys sign: the SDKs assume
        // no role of a source profile that has its own keys.
        if visited.len() > 1 && has_keys {
            break keys(snap, &section, &current)?;
        }
        if source.is_some() && value(&section, "credential_source").is_some() {
            return Err(Error::SourceAndCredentialSource { profile: current });
        }
        check_role_arn(&current, &arn)?;
        let external_id = match section.get("external_id").map(str::trim) {
            Some("") => return Err(Error::EmptyExternalId { profile: current }),
            other => other.map(str::to_string),
        };
        roles.push(Role {
            session_name: value(&section, "role_session_name")
                .unwrap_or_else(|| default_session_name(&current)),
            profile: current.clone(),
            arn,
            external_id,
        });
        let Some(source) = source else {
            return Err(Error::NoSourceProfile { profile: current });
        };
        // `source_profile` naming itself means: my own keys assume my role.
        if source == current {
            break keys(snap, &section, &current)?;
        }
        (current, section) = next(snap, &visited, source)?;
    };
    roles.reverse();
    Ok(Profile {
        name: name.to_string(),
        keys,
        roles,
        mfa_serial: found.mfa_serial,
        mfa_process: found.mfa_process,
        mfa_prompt: found.mfa_prompt,
        mfa_oath_name: found.mfa_oath_name,
        duration_seconds,
        region: value(&selected, "region"),
        ca_bundle: value(&selected, "ca_bundle"),
        endpoint_url: value(&selected, "endpoint_url"),
    })
}

/// The settings found first from the selected profile toward the keys.
#[derive(Default)]
struct Found {
    mfa_serial: Option<String>,
    mfa_process: Option<String>,
    mfa_prompt: Option<String>,
    mfa_oath_name: Option<String>,
}

impl Found {
    fn take(&mut self, section: &Section) {
        for (slot, key) in [
            (&mut self.mfa_serial, "mfa_serial"),
            (&mut self.mfa_process, "mfa_process"),
            (&mut self.mfa_prompt, "mfa_prompt"),
            (&mut self.mfa_oath_name, "mfa_oath_name"),
        ] {
            if slot.is_none() {
                *slot = value(section, key);
            }
        }
    }
}

/// The source profile's section, refused when it loops or is missing.
fn next(snap: &Snapshot, visited: &[String], source: String) -> Result<(String, Section), Error> {
    if visited.contains(&source) {
        let mut chain = visited.to_vec();
        chain.push(source);
        return Err(Error::SourceCycle {
            chain: chain.join(" → "),
        });
    }
    match snap.profile(&source)? {
        Some(section) => Ok((source, section)),
        None => Err(Error::SourceNotFound {
            profile: visited.last().cloned().unwrap_or_default(),
            source_profile: source,
            files: snap.files().both(),
        }),
    }
}

/// Every profile name of both files, sorted.
pub fn names(snap: &Snapshot) -> Result<Vec<&str>, Error> {
    let mut found: Vec<&str> = snap.profiles()?.profiles().collect();
    found.sort_unstable();
    Ok(found)
}

/// Ok when the files define profile `name`; else the error that lists the
/// profiles they do define.
pub fn exists(snap: &Snapshot, name: &str) -> Result<(), Error> {
    match snap.profile(name)? {
        Some(_) => Ok(()),
        None => Err(not_found(snap, name)),
    }
}

fn not_found(snap: &Snapshot, name: &str) -> Error {
    let found = match names(snap) {
        Ok(found) => found,
        Err(err) => return err,
    };
    let listed = found
        .iter()
        .take(LISTED)
        .map(|p| p.chars().take(64).collect::<String>())
        .collect::<Vec<_>>()
        .join(", ");
    Error::ProfileNotFound {
        profile: name.to_string(),
        from: "",
        fix: "Pick one with --profile NAME or AWS_PROFILE, or ",
        files: snap.files().both(),
        found: match found.len() {
            0 => "none".into(),
            n if n <= LISTED => listed,
            n => format!("{listed} and {} more ({n} in all)", n - LISTED),
        },
    }
}

/// The file that holds (or should hold) the profile's key: the config file
/// when only it defines the key, else the credentials file.
fn key_file(snap: &Snapshot, name: &str) -> PathBuf {
    let files = snap.files();
    let in_credentials = snap.defines(name, "aws_access_key_id", true);
    // Keys missing from both belong in the credentials file.
    if !in_credentials && snap.defines(name, "aws_access_key_id", false) {
        files.config.clone()
    } else {
        files.credentials.clone()
    }
}

/// What kind of profile signs in some other way than with long-term keys,
/// as errors and `list` name it.
pub fn sign_in_kind(section: &Section) -> Option<&'static str> {
    let has = |key| value(section, key).is_some();
    if has("sso_session") || has("sso_start_url") {
        Some("an IAM Identity Center (SSO) profile")
    } else if has("login_session") {
        Some("an `aws login` profile")
    } else {
        None
    }
}

/// The long-term keys of one profile, refused when missing or temporary.
fn keys(snap: &Snapshot, section: &Section, name: &str) -> Result<Keys, Error> {
    let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    // Neither file has keys for this profile: those `mfa-env keys add` put
    // in the OS keystore, known here by the id its index holds (the secret
    // is read only when a request is signed).
    if get("aws_access_key_id").is_none()
        && get("aws_secret_access_key").is_none()
        && let Some(id) = snap.keystore().key_id(name)
    {
        return Ok(Keys::in_keystore(name, id, key_file(snap, name)));
    }
    if get("aws_access_key_id").is_none() {
        if get("credential_process").is_some_and(|p| p.contains("mfa-env")) {
            return Err(Error::SelfReference {
                profile: name.to_string(),
            });
        }
        if let Some(kind) = sign_in_kind(section) {
            return Err(Error::SignInProfile {
                profile: name.to_string(),
                kind,
                login: if kind.contains("SSO") {
                    "aws sso login"
                } else {
                    "aws login"
                },
            });
        }
    }
    let missing = |missing| Error::MissingKeys {
        profile: name.to_string(),
        missing,
        file: key_file(snap, name),
    };
    let access_key_id = get("aws_access_key_id").ok_or_else(|| missing("aws_access_key_id"))?;
    let secret = get("aws_secret_access_key").ok_or_else(|| missing("aws_secret_access_key"))?;
    let temporary = if get("aws_session_token").is_some() {
        Some("it has an aws_session_token")
    } else if access_key_id.starts_with("ASIA") {
        Some("its key id starts with ASIA")
    } else {
        None
    };
    if let Some(why) = temporary {
        return Err(Error::TemporaryKeys {
            profile: name.to_string(),
            file: key_file(snap, name),
            why,
        });
    }
    Ok(Keys::in_file(
        name,
        access_key_id,
        Secret::new(secret),
        key_file(snap, name),
    ))
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME`, caught before any request.
fn check_role_arn(profile: &str, arn: &str) -> Result<(), Error> {
    match IamArn::parse(arn) {
        Some(parsed) if parsed.account_ok() && parsed.name_of("role").is_some() => Ok(()),
        _ => Err(Error::BadRoleArn {
            profile: profile.to_string(),
            arn: arn.to_string(),
        }),
    }
}
