//! The profile: read (never written) from the AWS config and credentials files
//! with aws-config's profile loader.

mod files;

pub use files::{Files, HIDDEN, HIDDEN_CREDENTIALS, MAX_FILE};

use crate::arn::IamArn;
use crate::error::Error;
use crate::session::Secret;
use aws_config::profile::ProfileSet;
use files::{key_file, parse};
use std::env;
use std::path::PathBuf;

/// The selected profile, resolved through its source_profile chain.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// The long-term keys at the end of the chain.
    pub keys: Keys,
    /// The roles to assume, from the keys outward; empty for a user profile.
    pub roles: Vec<Role>,
    /// The first mfa_serial from the selected profile toward the keys.
    pub mfa_serial: Option<String>,
    /// The first mfa_process (a command that prints a code), found the same way.
    pub mfa_process: Option<String>,
    /// The first mfa_prompt (how to ask for the code), found the same way.
    pub mfa_prompt: Option<String>,
    /// The first mfa_oath_name (the YubiKey OATH account), found the same way.
    pub mfa_oath_name: Option<String>,
    /// The selected profile's duration_seconds.
    pub duration_seconds: Option<u32>,
    pub region: Option<String>,
    pub ca_bundle: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Long-term keys and where they were read.
#[derive(Debug, Clone)]
pub struct Keys {
    pub profile: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// Where to look for the file the keys came from (only errors need it).
    files: Files,
}

impl Keys {
    /// The file the keys were read from, for messages. Found on demand: the
    /// profile loader merges both files, so naming one costs a second parse,
    /// which the cache-hit path must not pay.
    pub fn file(&self) -> PathBuf {
        key_file(&self.files, &self.profile)
    }
}

/// One role of a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub profile: String,
    pub arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
}

/// Loads profile `name` and follows source_profile to the long-term keys.
pub fn load(files: &Files, name: &str) -> Result<Profile, Error> {
    let set = parse(files, true, true)?;
    let selected = set
        .get_profile(name)
        .ok_or_else(|| not_found(&set, files, name))?;
    let value = |section: &aws_config::profile::Profile, key: &str| {
        section
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let duration_seconds = match value(selected, "duration_seconds") {
        Some(text) => Some(text.parse::<u32>().map_err(|_| Error::BadDurationSeconds {
            profile: name.to_string(),
            value: text,
        })?),
        None => None,
    };
    let mut visited: Vec<String> = Vec::new();
    let mut roles = Vec::new();
    let mut mfa_serial = None;
    let mut mfa_process = None;
    let mut mfa_prompt = None;
    let mut mfa_oath_name = None;
    let mut current = name.to_string();
    let keys = loop {
        if visited.contains(&current) {
            visited.push(current);
            return Err(Error::SourceCycle {
                chain: visited.join(" → "),
            });
        }
        let Some(section) = set.get_profile(&current) else {
            return Err(Error::SourceNotFound {
                profile: visited.last().cloned().unwrap_or_default(),
                source_profile: current,
                files: files.both(),
            });
        };
        visited.push(current.clone());
        mfa_serial = mfa_serial.or_else(|| value(section, "mfa_serial"));
        mfa_process = mfa_process.or_else(|| value(section, "mfa_process"));
        mfa_prompt = mfa_prompt.or_else(|| value(section, "mfa_prompt"));
        mfa_oath_name = mfa_oath_name.or_else(|| value(section, "mfa_oath_name"));
        let Some(arn) = value(section, "role_arn") else {
            // source_profile without role_arn, as aws-vault reads it: the keys
            // of the source profile (unless this one has its own), with this
            // profile's mfa_serial, region and duration_seconds.
            match value(section, "source_profile") {
                Some(source)
                    if source != current && value(section, "aws_access_key_id").is_none() =>
                {
                    current = source;
                    continue;
                }
                _ => break keys(files, section, &current)?,
            }
        };
        check_role_arn(&current, &arn)?;
        let external_id = match section.get("external_id").map(str::trim) {
            Some("") => return Err(Error::EmptyExternalId { profile: current }),
            other => other.map(str::to_string),
        };
        roles.push(Role {
            session_name: value(section, "role_session_name")
                .unwrap_or_else(|| default_session_name(&current)),
            profile: current.clone(),
            arn,
            external_id,
        });
        let Some(source) = value(section, "source_profile") else {
            return Err(Error::NoSourceProfile { profile: current });
        };
        // `source_profile` naming itself means: my own keys assume my role.
        if source == current {
            break keys(files, section, &current)?;
        }
        current = source;
    };
    roles.reverse();
    Ok(Profile {
        name: name.to_string(),
        keys,
        roles,
        mfa_serial,
        mfa_process,
        mfa_prompt,
        mfa_oath_name,
        duration_seconds,
        region: value(selected, "region"),
        ca_bundle: value(selected, "ca_bundle"),
        endpoint_url: value(selected, "endpoint_url"),
    })
}

/// Every profile of the two files, sorted, with its own `region` (for `list`
/// and the completion of profile names; nothing secret is read out).
pub fn profiles(files: &Files) -> Result<Vec<(String, Option<String>)>, Error> {
    let set = parse(files, true, true)?;
    let mut found: Vec<(String, Option<String>)> = set
        .profiles()
        .map(|name| {
            let region = set
                .get_profile(name)
                .and_then(|p| p.get("region"))
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string);
            (name.to_string(), region)
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Ok when the files define profile `name`; else the error that lists the
/// profiles they do define.
pub fn exists(files: &Files, name: &str) -> Result<(), Error> {
    let set = parse(files, true, true)?;
    match set.get_profile(name) {
        Some(_) => Ok(()),
        None => Err(not_found(&set, files, name)),
    }
}
/// At most this many profile names are listed in a message.
const LISTED: usize = 20;

fn not_found(set: &ProfileSet, files: &Files, name: &str) -> Error {
    let mut found: Vec<&str> = set.profiles().collect();
    found.sort_unstable();
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
        files: files.both(),
        found: match found.len() {
            0 => "none".into(),
            n if n <= LISTED => listed,
            n => format!("{listed} and {} more ({n} in all)", n - LISTED),
        },
    }
}

/// The long-term keys of one profile, refused when missing or temporary.
fn keys(files: &Files, section: &aws_config::profile::Profile, name: &str) -> Result<Keys, Error> {
    let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty());
    let missing = |missing| Error::MissingKeys {
        profile: name.to_string(),
        missing,
        file: key_file(files, name),
    };
    if get("aws_access_key_id").is_none()
        && get("credential_process").is_some_and(|p| p.contains("mfa-env"))
    {
        return Err(Error::SelfReference {
            profile: name.to_string(),
        });
    }
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
            file: key_file(files, name),
            why,
        });
    }
    Ok(Keys {
        profile: name.to_string(),
        access_key_id: access_key_id.to_string(),
        secret_access_key: Secret::new(secret),
        files: files.clone(),
    })
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

/// `mfa-env-PROFILE`, kept to what STS allows in a session name
/// ([A-Za-z0-9_+=,.@-], at most 64 characters).
pub fn default_session_name(profile: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    format!("mfa-env-{profile}")
        .chars()
        .map(|c| if allowed(c) { c } else { '-' })
        .take(64)
        .collect()
}

/// The region: the flag, then the profile's `region`, then AWS_REGION /
/// AWS_DEFAULT_REGION. The profile comes before the environment because an
/// earlier `eval` of mfa-env exported AWS_REGION: switching profiles must not keep
/// the previous profile's region.
pub fn region(flag: Option<&str>, profile: &Profile) -> Result<Option<String>, Error> {
    let from_env = |var| env::var(var).ok().filter(|v| !v.trim().is_empty());
    let region = flag
        .map(str::to_string)
        .or_else(|| profile.region.clone())
        .or_else(|| from_env("AWS_REGION"))
        .or_else(|| from_env("AWS_DEFAULT_REGION"));
    match region {
        Some(r) if !is_host_label(&r) => Err(Error::BadRegion { region: r }),
        other => Ok(other),
    }
}

/// The SDK signs with and builds the endpoint from the region, and refuses one
/// that is not a DNS label: say so before asking for a code.
fn is_host_label(region: &str) -> bool {
    (1..=63).contains(&region.len())
        && !region.starts_with('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::default_session_name;

    #[test]
    fn session_names() {
        assert_eq!(default_session_name("work"), "mfa-env-work");
        assert_eq!(default_session_name("a/b:c%d"), "mfa-env-a-b-c-d");
        assert_eq!(default_session_name(&"x".repeat(100)).len(), 64);
    }
}
