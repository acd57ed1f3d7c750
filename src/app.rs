//! The pipeline: flags + env + files → profile → cache → (MFA code → STS →
//! cache write) → exports, exec.

use crate::cache::{Cache, Entry, Key};
use crate::cli::{self, Cli, Command, Opts};
use crate::config::{self, Files};
use crate::error::{self, Error};
use crate::log::Log;
use crate::output::{self, Exports};
use crate::session::Session;
use crate::sts::{self, Endpoint, SessionRequest};
use crate::{exec, mfa, status};
use clap::Parser;
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let log = Log {
        quiet: cli.opts.quiet,
        verbose: cli.opts.verbose,
    };
    let result = match &cli.command {
        None => run(&cli.opts, &cli.exec, log).map(|()| ExitCode::SUCCESS),
        Some(Command::Status { check: false }) => status::list(&cli.opts, log),
        Some(Command::Status { check: true }) => Ok(status::check(&cli.opts)),
        Some(Command::Clear { all }) => status::clear(&cli.opts, *all, log),
    };
    result.unwrap_or_else(|err| {
        eprintln!("mfa-env: {}", error::clean(&err.to_string()));
        err.exit_code()
    })
}

/// Gets a session (from the cache, or with an MFA code from STS) and hands it
/// to the shell or to the command.
fn run(opts: &Opts, command: &[OsString], log: Log) -> Result<(), Error> {
    let duration = match &opts.duration {
        Some(text) => cli::parse_duration(text)?,
        None => cli::DEFAULT_DURATION,
    };
    let min_ttl = cli::parse_min_ttl(opts.min_ttl.as_deref())?;

    let files = Files::locate();
    let name = config::profile_name(opts.profile.as_deref());
    log.say(&format!(
        "profile '{name}' from {} and {}",
        files.config.display(),
        files.credentials.display()
    ));
    let profile = config::load(&files, &name)?;
    let serial = mfa::serial(opts.serial.as_deref(), &profile, &files)?;
    let region = config::region(opts.region.as_deref(), &profile)?;
    exec::check(command)?;

    let key = Key::user(&profile.access_key_id, &serial);
    let cache = if opts.no_cache {
        None
    } else {
        Cache::open(log)
    };
    let reuse = || match &cache {
        Some(cache) if !opts.refresh => cache.get(&key, status::now(), min_ttl),
        _ => None,
    };
    let session = match reuse() {
        Some(session) => cached(session, log),
        None => {
            let _lock = cache.as_ref().and_then(|c| c.lock(&key));
            // Another mfa-env may have made it while this one waited.
            match reuse() {
                Some(session) => cached(session, log),
                None => {
                    let endpoint =
                        Endpoint::resolve(&profile, region.as_deref(), mfa::partition(&serial));
                    let code = mfa::code(opts.token_code.as_deref(), &name, &serial)?;
                    log.say(&format!(
                        "GetSessionToken for {serial}, {duration}s, at {} (region {})",
                        endpoint.url(),
                        endpoint.region
                    ));
                    let session = sts::get_session_token(&SessionRequest {
                        profile: &profile,
                        serial: &serial,
                        code: &code,
                        duration_seconds: duration,
                        endpoint: &endpoint,
                    })?;
                    log.say(&format!(
                        "new session {} valid until {}",
                        session.access_key_id,
                        session.expiration_rfc3339()
                    ));
                    if let Some(cache) = &cache {
                        cache.put(&key, &Entry::new(&name, &key, &session));
                    }
                    session
                }
            }
        }
    };

    let exports = output::exports(&session, region.as_deref(), &name);
    deliver(command, &exports)
}

fn cached(session: Session, log: Log) -> Session {
    log.say(&format!(
        "cached session {} valid until {}",
        session.access_key_id,
        session.expiration_rfc3339()
    ));
    session
}

/// Prints the export lines, or runs the command with them.
fn deliver(command: &[OsString], exports: &Exports) -> Result<(), Error> {
    if command.is_empty() {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(output::sh(exports).as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(Error::Stdout)
    } else {
        Err(exec::run(command, exports))
    }
}
