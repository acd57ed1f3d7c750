//! Where a run starts (`main`: hardening, the snapshot, the command line)
//! and which command runs: the session commands (the default run, `exec`,
//! `shell`, `credential-process`) go through app.rs's pipeline; the others
//! (console, init, list, status, clear, doctor, completions, man) run here;
//! `docker` is a run under `--containers`, `serve` a standing endpoint.

use crate::app::{self, Deliver, setup};
use crate::cli::{Cli, Command, ContainerOpts, KeysCommand, ServeOpt};
use crate::context::Wanted;
use crate::error::{self, Error};
use crate::log::Log;
use crate::snapshot::{self, Snapshot};
use crate::{
    console, containers, doctor, duration, init, keys, list, output, serve, server, status, stdio,
    usage,
};
use std::process::ExitCode;

pub fn main() -> ExitCode {
    crate::proc::harden();
    if let Some(code) = server::held(&std::env::args_os().collect::<Vec<_>>()) {
        return code;
    }
    // What the run may read, read once (the files when first asked).
    snapshot::install(Snapshot::real());
    // `MFA_ENV_COMPLETE=bash mfa-env -- WORDS…`: the shells' completion scripts ask
    // the binary itself (profile names included), then it exits.
    if let Some(code) = usage::complete() {
        return code;
    }
    let cli = match usage::parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let log = Log {
        quiet: cli.log.quiet,
        verbose: cli.log.verbose,
    };
    let printed = (cli.command.is_none() && cli.exec.is_empty()).then_some(cli.format);
    let result = dispatch(cli, log);
    result.unwrap_or_else(|err| {
        output::print_failed(printed);
        stdio::err(&format!("mfa-env: {}\n", error::clean(&err.to_string())));
        err.exit_code()
    })
}

/// Runs the command the command line names.
pub(crate) fn dispatch(cli: Cli, log: Log) -> Result<ExitCode, Error> {
    let snap = Snapshot::current();
    let Some(command) = cli.command else {
        let deliver = match cli.exec.is_empty() {
            true => Deliver::Print(cli.format),
            false => Deliver::Exec(&cli.exec),
        };
        return app::run(&cli.session, deliver, &cli.serve, log);
    };
    match command {
        Command::Shell {
            name,
            mut session,
            serve,
        } => {
            session.profile = name.or(session.profile);
            app::run(&session, Deliver::Shell, &serve, log)
        }
        Command::Exec {
            name,
            mut session,
            serve,
            command,
            ..
        } => {
            session.profile = name.or(session.profile);
            match command.is_empty() {
                true => app::run(&session, Deliver::Shell, &serve, log),
                false => app::run(&session, Deliver::Exec(&command), &serve, log),
            }
        }
        Command::Docker {
            name,
            mut session,
            container_cli,
            args,
        } => {
            session.profile = name.or(session.profile);
            let containers = ContainerOpts {
                containers: true,
                container_cli,
            };
            let cli = containers::cli(containers.container_cli.as_deref(), Snapshot::current());
            let argv = containers::docker_argv(&cli, &args).map_err(Error::Usage)?;
            let serve = ServeOpt {
                server: true,
                containers,
            };
            app::run(&session, Deliver::Exec(&argv), &serve, log)
        }
        Command::Serve {
            name,
            mut session,
            containers,
            port,
            format,
        } => {
            session.profile = name.or(session.profile);
            serve::run(&session, &containers, port.unwrap_or(0), format, log)
        }
        Command::CredentialProcess(opts) => {
            app::run(&opts, Deliver::CredentialProcess, &ServeOpt::default(), log)
        }
        Command::Console(mut args) => {
            args.session.profile = args.name.take().or(args.session.profile.take());
            console_run(args, log)
        }
        Command::Init { shell } => output::print(init::script(shell)),
        Command::Keys(command) => keys_command(snap, command, log),
        Command::List { json } => list::rows(snap).and_then(|rows| {
            output::print(&if json {
                list::json(&rows)
            } else {
                list::table(&rows)
            })
        }),
        Command::Status {
            profile,
            serial,
            duration,
            check,
            min_ttl,
            path,
            json,
        } => {
            let wanted = Wanted::of(profile.profile.as_deref(), serial.as_deref(), None);
            let check = check.then(|| min_ttl.unwrap_or(duration::DEFAULT_MIN_TTL));
            status::run(snap, &Wanted { duration, ..wanted }, check, path, json, log)
        }
        Command::Clear { profile, all } => {
            status::clear(snap, profile.profile.as_deref(), all, log)
                .and_then(output::print_or_fail)
        }
        Command::Doctor {
            profile,
            serial,
            region,
            offline,
            json,
        } => {
            let wanted = Wanted::of(
                profile.profile.as_deref(),
                serial.as_deref(),
                region.as_deref(),
            );
            doctor::run(snap, &wanted, offline, json)
        }
        Command::Completions { shell } => {
            init::completions(shell).and_then(|text| output::print(&text))
        }
        Command::Man => init::man().and_then(|page| output::print(&page)),
    }
}

/// `console [PROFILE]` (alias `login`).
fn console_run(args: crate::cli::ConsoleArgs, log: Log) -> Result<ExitCode, Error> {
    let resolved = setup(&args.session, None, log)?;
    let page = console::Page {
        service: args.service.as_deref(),
        destination: args.destination.as_deref(),
    };
    console::run(resolved, &page, args.session.refresh, args.print, log)
}

/// `mfa-env keys …`.
fn keys_command(snap: &Snapshot, command: KeysCommand, log: Log) -> Result<ExitCode, Error> {
    match command {
        KeysCommand::Add { profile, from_file } => keys::add(snap, &profile, from_file),
        KeysCommand::List { json } => keys::list(snap, json),
        KeysCommand::Remove { profile } => keys::remove(snap, &profile),
        KeysCommand::Rotate { name, mut session } => {
            session.profile = Some(name);
            keys::rotate(setup(&session, None, log)?, session.refresh, log)
        }
    }
}
