//! The profile: read (never written) from the AWS config and credentials files
//! with aws-config's profile loader.

use crate::error::{Error, causes};
use crate::session::Secret;
use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{
    EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles,
};
use aws_types::os_shim_internal::{Env, Fs};
use std::env;
use std::ffi::OsString;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Where the two files are, from AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE
/// or the defaults under $HOME.
#[derive(Debug, Clone)]
pub struct Files {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl Files {
    pub fn locate() -> Files {
        let home = env::var_os("HOME").filter(|h| !h.is_empty());
        let pick = |var: &str, default: &str| match env::var_os(var).filter(|p| !p.is_empty()) {
            Some(path) => expand_home(path, home.as_ref()),
            None => match &home {
                Some(home) => Path::new(home).join(default),
                None => PathBuf::from("~").join(default),
            },
        };
        Files {
            config: pick("AWS_CONFIG_FILE", ".aws/config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
        }
    }

    fn both(&self) -> String {
        format!(
            "{} and {}",
            self.config.display(),
            self.credentials.display()
        )
    }
}

fn expand_home(path: OsString, home: Option<&OsString>) -> PathBuf {
    let text = path.to_string_lossy();
    match (text.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ => PathBuf::from(path),
    }
}

/// What mfa-env needs from one profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub mfa_serial: Option<String>,
    pub region: Option<String>,
    pub ca_bundle: Option<String>,
    pub endpoint_url: Option<String>,
    /// The file the keys were read from, for error messages.
    pub key_file: PathBuf,
}

/// Loads and checks profile `name`: it must exist and hold long-term keys.
pub fn load(files: &Files, name: &str) -> Result<Profile, Error> {
    let set = parse(files, true, true)?;
    let Some(section) = set.get_profile(name) else {
        let mut found: Vec<&str> = set.profiles().collect();
        found.sort_unstable();
        return Err(Error::ProfileNotFound {
            profile: name.to_string(),
            files: files.both(),
            found: if found.is_empty() {
                "none".into()
            } else {
                found.join(", ")
            },
        });
    };
    let get = |key: &str| {
        section
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let key_file = key_file(files, name);
    let missing = |missing| Error::MissingKeys {
        profile: name.to_string(),
        missing,
        file: key_file.clone(),
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
            file: key_file,
            why,
        });
    }
    Ok(Profile {
        name: name.to_string(),
        access_key_id,
        secret_access_key: Secret::new(secret),
        mfa_serial: get("mfa_serial"),
        region: get("region"),
        ca_bundle: get("ca_bundle"),
        endpoint_url: get("endpoint_url"),
        key_file,
    })
}

/// The credentials file when it defines the profile's key, else the config file.
fn key_file(files: &Files, name: &str) -> PathBuf {
    let in_credentials = parse(files, false, true)
        .ok()
        .and_then(|set| {
            set.get_profile(name)
                .map(|p| p.get("aws_access_key_id").is_some())
        })
        .unwrap_or(false);
    if in_credentials {
        files.credentials.clone()
    } else {
        files.config.clone()
    }
}

fn parse(files: &Files, config: bool, credentials: bool) -> Result<ProfileSet, Error> {
    let mut builder = ProfileFiles::builder();
    let mut any = false;
    for (wanted, kind, path) in [
        (config, ProfileFileKind::Config, &files.config),
        (
            credentials,
            ProfileFileKind::Credentials,
            &files.credentials,
        ),
    ] {
        // Only files that exist are handed over: the loader refuses a named
        // file that is missing, and mfa-env says itself when both are.
        if wanted && path.is_file() {
            builder = builder.with_file(kind, path);
            any = true;
        }
    }
    if !any {
        return Err(Error::NoConfigFiles {
            config: files.config.clone(),
            credentials: files.credentials.clone(),
        });
    }
    let (fs, env, sources) = (Fs::real(), Env::real(), builder.build());
    block_on(aws_config::profile::load(&fs, &env, &sources, None))
        .map_err(|err| Error::ConfigUnreadable { why: causes(&err) })
}

/// The profile loader is async but reads files synchronously, so its future is
/// ready on the first poll: this needs no runtime (and keeps one off the
/// cache-hit path).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

/// The profile to use: the flag, then AWS_PROFILE, then MFA_ENV_PROFILE (which an
/// earlier `eval` leaves behind after unsetting AWS_PROFILE), then `default`.
pub fn profile_name(flag: Option<&str>) -> String {
    let from_env = |var| env::var(var).ok().filter(|v| !v.is_empty());
    flag.map(str::to_string)
        .or_else(|| from_env("AWS_PROFILE"))
        .or_else(|| from_env("MFA_ENV_PROFILE"))
        .unwrap_or_else(|| "default".to_string())
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
