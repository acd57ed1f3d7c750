//! `mfa-env serve`: a standing credential endpoint for containers that
//! outlive one command. It prints the lines that set
//! AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
//! keeps the token in a 0600 file in a fresh 0700 folder (under
//! $XDG_RUNTIME_DIR, else the cache folder), and serves and renews until
//! Ctrl-C or SIGTERM, which end it with 0 and the folder removed.

use crate::acquire::Acquirer;
use crate::cli::{ContainerOpts, SessionOpts};
use crate::error::Error;
use crate::log::Log;
use crate::output::{self, Exports, Format};
use crate::proc::{self, c_int};
use crate::server::{self, Keeper};
use crate::snapshot::Snapshot;
use crate::{app, containers, resolve};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// What a shell that takes the lines must not keep: a token or an endpoint
/// of before, and keys the SDKs would use before the endpoint.
const UNSET: &[&str] = &[
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
];

/// The signals that end a serve.
const ENDING: [c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

pub fn run(
    opts: &SessionOpts,
    containers: &ContainerOpts,
    port: u16,
    format: Format,
    log: Log,
) -> Result<ExitCode, Error> {
    let folder = take_signals()?;
    let (ctx, options) = app::setup(opts, Some(server::MIN_LEFT), log)?;
    let renew_below = options.min_ttl;
    // Before a code is spent: the engine, the network and the port.
    let (endpoint, _) = containers::endpoint(containers, port)?;
    let mut acquirer = Acquirer::new(ctx, options, log);
    let session = acquirer.session(opts.refresh)?;
    // A code given with -t (or on stdin) was for the first session only.
    acquirer.renewing();
    let base = base(Snapshot::current())?;
    let dir = base.join(format!("serve-{}", endpoint.port()));
    let token_file = dir.join("token");
    let exports = Exports {
        set: vec![
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint.url()),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                token_file.to_string_lossy().into_owned(),
            ),
        ],
        unset: UNSET,
    };
    let lines = output::render(format, &exports)?;
    write_token(&base, &dir, endpoint.token().expose(), &folder)?;
    crate::stdio::serving();
    let served = endpoint.serve(Keeper::new(acquirer, session, renew_below, log), log);
    if let Err(err) = served.and_then(|_serving| output::print(&lines)) {
        if let Some(dir) = folder.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        return Err(err);
    }
    let _ = std::io::stdout().flush();
    log.note("serving the session until Ctrl-C or SIGTERM");
    loop {
        std::thread::park();
    }
}

/// Where the token's folder goes: $XDG_RUNTIME_DIR/mfa-env, else the cache
/// folder.
fn base(snap: &Snapshot) -> Result<PathBuf, Error> {
    let runtime = snap
        .var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir());
    runtime
        .map(|dir| dir.join("mfa-env"))
        .or_else(|| resolve::cache_folder(snap))
        .ok_or_else(|| Error::Containers {
            why: "there is no folder for the token file: set XDG_RUNTIME_DIR or HOME".into(),
        })
}

/// Makes `dir/token` (0600 in `dir`, a 0700 folder in `base`, made fresh:
/// one left by a serve that was killed on this port is replaced, as this
/// run holds the port now) and registers `dir` for removal at exit; on
/// failure nothing is left.
fn write_token(base: &Path, dir: &Path, token: &str, registered: &Folder) -> Result<(), Error> {
    let failed = |what: &Path, err: std::io::Error| Error::Containers {
        why: format!(
            "could not write the token file {} ({err}). Check that folder, or set XDG_RUNTIME_DIR",
            what.display()
        ),
    };
    crate::cache::folder::prepare(base).map_err(|why| Error::Containers {
        why: format!("the folder {} cannot hold the token: {why}", base.display()),
    })?;
    if dir.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(dir).map_err(|err| failed(dir, err))?;
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .map_err(|err| failed(dir, err))?;
    let path = dir.join("token");
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .and_then(|mut file| file.write_all(token.as_bytes()));
    match written {
        Ok(()) => {
            *registered.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir.to_path_buf());
            Ok(())
        }
        Err(err) => {
            let _ = std::fs::remove_dir_all(dir);
            Err(failed(&path, err))
        }
    }
}

/// The token's folder, once made: removed when a signal ends the serve.
type Folder = Arc<Mutex<Option<PathBuf>>>;

/// Blocks the ending signals in every thread (before any other starts) and
/// takes them on one: before the folder exists a signal ends mfa-env as it
/// would have without this; after, it removes the folder and exits 0.
fn take_signals() -> Result<Folder, Error> {
    let blocked = [&ENDING[..], &[libc::SIGTTIN, libc::SIGTTOU]].concat();
    if !proc::block(&blocked) {
        return Err(Error::Endpoint {
            why: "mfa-env could not block its signals".into(),
        });
    }
    let folder: Folder = Arc::new(Mutex::new(None));
    let watched = Arc::clone(&folder);
    std::thread::Builder::new()
        .name("signals".into())
        .stack_size(64 * 1024)
        .spawn(move || watch(&watched))
        .map_err(|err| Error::Endpoint {
            why: format!("mfa-env could not start its signal thread ({err})"),
        })?;
    Ok(folder)
}

fn watch(folder: &Folder) {
    let (sig, _) = proc::wait_signal(&ENDING);
    let made = folder.lock().unwrap_or_else(|e| e.into_inner()).take();
    match made {
        Some(dir) => {
            let _ = std::fs::remove_dir_all(dir);
            std::process::exit(0)
        }
        None => proc::die_by(sig),
    }
}
