//! The two AWS files: where they are, and their parse with aws-config's
//! profile loader (bounded in size, never written).

use crate::error::{Error, causes};
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

/// The credentials file a child of `--server` is given (the SDKs would read
/// the default profile's long-term keys in the real one before they ask the
/// endpoint), and the variable that then names the real one for an mfa-env
/// in the child.
pub const HIDDEN: &str = "/dev/null";
pub const HIDDEN_CREDENTIALS: &str = "MFA_ENV_SHARED_CREDENTIALS_FILE";

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
        // In the child of `--server` the SDKs get no credentials file; mfa-env
        // still reads the real one.
        let hidden = env::var_os("AWS_SHARED_CREDENTIALS_FILE").is_some_and(|p| p == HIDDEN)
            && env::var_os(HIDDEN_CREDENTIALS).is_some_and(|p| !p.is_empty());
        let credentials = if hidden {
            HIDDEN_CREDENTIALS
        } else {
            "AWS_SHARED_CREDENTIALS_FILE"
        };
        Files {
            config: pick("AWS_CONFIG_FILE", ".aws/config"),
            credentials: pick(credentials, ".aws/credentials"),
        }
    }

    pub(super) fn both(&self) -> String {
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

/// A config or credentials file larger than this is not one.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// The file that holds (or should hold) the profile's key: the config file
/// when only it defines the key, else the credentials file.
pub(super) fn key_file(files: &Files, name: &str) -> PathBuf {
    let defines = |config, credentials| {
        parse(files, config, credentials)
            .ok()
            .and_then(|set| {
                set.get_profile(name)
                    .map(|p| p.get("aws_access_key_id").is_some())
            })
            .unwrap_or(false)
    };
    // Keys missing from both belong in the credentials file.
    if !defines(false, true) && defines(true, false) {
        files.config.clone()
    } else {
        files.credentials.clone()
    }
}

pub(super) fn parse(files: &Files, config: bool, credentials: bool) -> Result<ProfileSet, Error> {
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
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size > MAX_FILE {
                return Err(Error::ConfigTooLarge {
                    path: path.clone(),
                    size: size / 1024 / 1024,
                });
            }
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
