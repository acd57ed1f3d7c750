//! The pipeline: parse the command line → resolve the profile (`context`) →
//! acquire a session (`acquire`: cache, code, STS) → deliver it (exports,
//! exec, a shell, credential_process JSON).

use crate::acquire::{Acquirer, Options};
use crate::cli::{Cli, Command, Opts};
use crate::context::{self, Context, Wanted};
use crate::error::{self, Error};
use crate::log::Log;
use crate::mfa::{self, Source};
use crate::output::{self, Format};
use crate::{doctor, duration, exec, init, list, status};
use clap::{CommandFactory, Parser};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    // `COMPLETE=bash mfa-env -- WORDS…`: the shells' completion scripts ask
    // the binary itself (profile names included), then it exits.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = Cli::parse();
    let log = Log {
        quiet: cli.opts.quiet,
        verbose: cli.opts.verbose,
    };
    let opts = &cli.opts;
    let result = match &cli.command {
        None if cli.exec.is_empty() => run(opts, Deliver::Print(opts.format), log),
        None => run(opts, Deliver::Exec(&cli.exec), log),
        Some(Command::Shell) => run(opts, Deliver::Shell, log),
        Some(Command::CredentialProcess) => run(opts, Deliver::CredentialProcess, log),
        Some(Command::Init { shell }) => print(init::script(*shell)),
        Some(Command::List { json }) => list::rows().and_then(|rows| {
            print(&if *json {
                list::json(&rows)
            } else {
                list::table(&rows)
            })
        }),
        Some(Command::Status { check: true, .. }) => Ok(status::check(opts)),
        Some(Command::Status { path: true, .. }) => status::path(opts, log),
        Some(Command::Status { json, .. }) => {
            status::list(opts, *json, log).and_then(print_or_fail)
        }
        Some(Command::Clear { all }) => status::clear(opts, *all, log).and_then(print_or_fail),
        Some(Command::Doctor { offline, json }) => doctor::run(opts, *offline, *json),
        Some(Command::Completions { shell }) => {
            init::completions(*shell).and_then(|text| print(&text))
        }
        Some(Command::Man) => init::man().and_then(|page| print(&page)),
    };
    result.unwrap_or_else(|err| {
        eprintln!("mfa-env: {}", error::clean(&err.to_string()));
        err.exit_code()
    })
}

/// Where the session goes.
enum Deliver<'a> {
    /// Lines for `eval`, in this syntax.
    Print(Format),
    /// This command, by exec.
    Exec(&'a [OsString]),
    /// $SHELL, by exec.
    Shell,
    /// The credential_process JSON.
    CredentialProcess,
}

/// Gets a session (from the cache, or with an MFA code from STS) and hands it
/// to the shell or to the command.
fn run(opts: &Opts, deliver: Deliver<'_>, log: Log) -> Result<ExitCode, Error> {
    if matches!(deliver, Deliver::CredentialProcess)
        && std::env::var_os(mfa::TOKEN_COMMAND_MARK).is_some()
    {
        return Err(Error::CredentialProcessLoop {
            profile: context::profile_name(opts.profile.as_deref()).0,
        });
    }
    let wanted = Wanted {
        profile: opts.profile.as_deref(),
        serial: opts.serial.as_deref(),
        region: opts.region.as_deref(),
        duration: opts
            .duration
            .as_deref()
            .map(duration::parse_session)
            .transpose()?,
    };
    let min_ttl = duration::parse_min_ttl(opts.min_ttl.as_deref())?;
    let token_timeout = duration::parse_token_timeout(opts.token_timeout.as_deref())?;
    let ctx = Context::resolve(&wanted, log)?;
    let shell = exec::shell();
    match &deliver {
        Deliver::Exec(command) => exec::check(command)?,
        Deliver::Shell => exec::check(std::slice::from_ref(&shell))?,
        _ => {}
    }
    let source = Source::choose(
        opts.token_code.as_deref(),
        opts.token_command.as_deref(),
        &ctx.profile,
    );
    let options = Options {
        source,
        token_timeout,
        min_ttl,
        use_cache: !opts.no_cache,
    };
    let acquirer = Acquirer::new(ctx, options, log);
    let session = acquirer.session(opts.refresh)?;
    let ctx = acquirer.context();

    let mut exports = output::exports(&session, ctx.region.as_deref(), &ctx.name);
    match deliver {
        Deliver::Print(format) => {
            if std::io::stdout().is_terminal() && format != Format::Json && format != Format::Dotenv
            {
                log.note("these lines change nothing when only printed: run eval \"$(mfa-env …)\", mfa-env shell, or mfa-env -- COMMAND");
            }
            print(&output::render(format, &exports)?)
        }
        Deliver::CredentialProcess => print(&output::credential_process(&session)),
        Deliver::Exec(command) => Err(exec::run(command, &exports)),
        Deliver::Shell => {
            if let Ok(outer) = std::env::var(exec::SHELL_MARK) {
                log.note(&format!(
                    "starting a shell inside another mfa-env shell (profile '{outer}'); exit returns to it"
                ));
            }
            exports.set.push((exec::SHELL_MARK, ctx.name.clone()));
            Err(exec::run(&[shell], &exports))
        }
    }
}

/// Writes `text` to stdout.
fn print(text: &str) -> Result<ExitCode, Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(Error::Stdout)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the text, or exits 1 when there is none (the reason was warned about).
fn print_or_fail(text: Option<String>) -> Result<ExitCode, Error> {
    match text {
        Some(text) => print(&text),
        None => Ok(ExitCode::from(1)),
    }
}
