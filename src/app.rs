//! The pipeline: flags + env + files → profile → MFA code → STS → output.

use crate::cli::{self, Cli};
use crate::config::{self, Files};
use crate::error::{self, Error};
use crate::sts::{self, Endpoint, SessionRequest};
use crate::{exec, mfa, output};
use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("mfa-env: {}", error::clean(&err.to_string()));
            err.exit_code()
        }
    }
}

fn run(cli: &Cli) -> Result<(), Error> {
    let log = Log {
        verbose: cli.verbose && !cli.quiet,
    };
    let duration = match &cli.duration {
        Some(text) => cli::parse_duration(text)?,
        None => cli::DEFAULT_DURATION,
    };

    let files = Files::locate();
    let name = config::profile_name(cli.profile.as_deref());
    log.say(&format!(
        "profile '{name}' from {} and {}",
        files.config.display(),
        files.credentials.display()
    ));
    let profile = config::load(&files, &name)?;
    let serial = match cli.serial.as_deref().or(profile.mfa_serial.as_deref()) {
        Some(serial) => serial.to_string(),
        None => {
            return Err(Error::NoSerial {
                profile: name,
                config: files.config,
            });
        }
    };
    mfa::check_serial(&serial)?;
    let region = config::region(cli.region.as_deref(), &profile)?;
    let endpoint = Endpoint::resolve(&profile, region.as_deref(), mfa::partition(&serial));
    exec::check(&cli.command)?;

    let code = mfa::code(cli.token_code.as_deref(), &name, &serial)?;
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
        "session {} valid until {}",
        session.access_key_id,
        session.expiration_rfc3339()
    ));

    let exports = output::exports(&session, region.as_deref(), &name);
    if cli.command.is_empty() {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(output::sh(&exports).as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(Error::Stdout)
    } else {
        Err(exec::run(&cli.command, &exports))
    }
}

/// Notes on stderr for `-v`; never a secret.
struct Log {
    verbose: bool,
}

impl Log {
    fn say(&self, text: &str) {
        if self.verbose {
            eprintln!("mfa-env: {}", error::clean(text));
        }
    }
}
