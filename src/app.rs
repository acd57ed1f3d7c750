//! The pipeline: parse the command line (`usage`) → resolve the profile
//! (`context`) → acquire a session (`acquire`: cache, code, STS) → deliver it
//! (exports, exec, a shell, credential_process JSON, or a console sign-in).

use crate::acquire::{Acquirer, Options};
use crate::cli::{Command, SessionOpts};
use crate::context::{self, Context, Wanted};
use crate::error::{self, Error};
use crate::log::Log;
use crate::mfa::{self, Source};
use crate::output::{self, Format};
use crate::server::{self, Endpoint};
use crate::{console, doctor, duration, exec, init, list, status, stdio, usage};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

pub fn main() -> ExitCode {
    // `COMPLETE=bash mfa-env -- WORDS…`: the shells' completion scripts ask
    // the binary itself (profile names included), then it exits.
    crate::harden::start();
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
    let result = match cli.command {
        None if cli.exec.is_empty() => {
            let deliver = Deliver::Print(cli.format);
            run(&cli.session, deliver, cli.serve.server, log)
        }
        None => run(
            &cli.session,
            Deliver::Exec(&cli.exec),
            cli.serve.server,
            log,
        ),
        Some(Command::Shell { session, serve }) => run(&session, Deliver::Shell, serve.server, log),
        Some(Command::Exec {
            name,
            mut session,
            serve,
            command,
            ..
        }) => {
            session.profile = name.or(session.profile);
            match command.is_empty() {
                true => run(&session, Deliver::Shell, serve.server, log),
                false => run(&session, Deliver::Exec(&command), serve.server, log),
            }
        }
        Some(Command::CredentialProcess(opts)) => {
            run(&opts, Deliver::CredentialProcess, false, log)
        }
        Some(Command::Console(args)) => setup(&args.session, log).and_then(|resolved| {
            let page = console::Page {
                service: args.service.as_deref(),
                destination: args.destination.as_deref(),
            };
            console::run(resolved, &page, args.session.refresh, args.print, log)
        }),
        Some(Command::Init { shell }) => output::print(init::script(shell)),
        Some(Command::List { json }) => list::rows().and_then(|rows| {
            output::print(&if json {
                list::json(&rows)
            } else {
                list::table(&rows)
            })
        }),
        Some(Command::Status {
            profile,
            serial,
            duration,
            check,
            min_ttl,
            path,
            json,
        }) => {
            let wanted = Wanted::of(profile.profile.as_deref(), serial.as_deref(), None);
            let check = check.then(|| min_ttl.unwrap_or(duration::DEFAULT_MIN_TTL));
            status::run(&Wanted { duration, ..wanted }, check, path, json, log)
        }
        Some(Command::Clear { profile, all }) => {
            status::clear(profile.profile.as_deref(), all, log).and_then(output::print_or_fail)
        }
        Some(Command::Doctor {
            profile,
            serial,
            region,
            offline,
            json,
        }) => {
            let wanted = Wanted::of(
                profile.profile.as_deref(),
                serial.as_deref(),
                region.as_deref(),
            );
            doctor::run(&wanted, offline, json)
        }
        Some(Command::Completions { shell }) => {
            init::completions(shell).and_then(|text| output::print(&text))
        }
        Some(Command::Man) => init::man().and_then(|page| output::print(&page)),
    };
    result.unwrap_or_else(|err| {
        output::print_failed(printed);
        stdio::err(&format!("mfa-env: {}\n", error::clean(&err.to_string())));
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
fn run(
    opts: &SessionOpts,
    deliver: Deliver<'_>,
    server: bool,
    log: Log,
) -> Result<ExitCode, Error> {
    // Before any other thread starts: --server takes the signals on one.
    let signals = if server {
        check_server(&deliver)?;
        Some(exec::Signals::take()?)
    } else {
        None
    };
    if matches!(deliver, Deliver::CredentialProcess)
        && std::env::var_os(mfa::TOKEN_COMMAND_MARK).is_some()
    {
        return Err(Error::CredentialProcessLoop {
            profile: context::profile_name(opts.profile.as_deref()).0,
        });
    }
    let (ctx, mut options) = setup(opts, log)?;
    if server {
        options.min_ttl = options.min_ttl.max(server::MIN_LEFT);
    }
    let renew_below = options.min_ttl;
    let shell = exec::shell();
    match &deliver {
        Deliver::Exec(command) => exec::check(command)?,
        Deliver::Shell => exec::check(std::slice::from_ref(&shell))?,
        _ => {}
    }
    // Before a code is spent: a port the OS cannot give stops the run here.
    let endpoint = signals.as_ref().map(|_| Endpoint::bind()).transpose()?;
    let acquirer = Acquirer::new(ctx, options, log);
    let session = acquirer.session(opts.refresh)?;
    if let (Some(endpoint), Some(signals)) = (endpoint, signals) {
        let (argv, is_shell) = match deliver {
            Deliver::Exec(command) => (command.to_vec(), false),
            _ => (vec![shell], true),
        };
        let child = server::Child {
            argv: &argv,
            is_shell,
        };
        return server::run(
            endpoint,
            signals,
            acquirer,
            session,
            child,
            renew_below,
            log,
        );
    }
    let ctx = acquirer.context();

    let mut exports = output::exports(&session, ctx.region.as_deref(), &ctx.name);
    match deliver {
        Deliver::Print(format) => {
            if std::io::stdout().is_terminal() && format != Format::Json && format != Format::Dotenv
            {
                log.note("these lines change nothing when only printed: run eval \"$(mfa-env …)\", mfa-env shell, or mfa-env -- COMMAND");
            }
            output::print(&output::render(format, &exports)?)
        }
        Deliver::CredentialProcess => output::print(&output::credential_process(&session)?),
        Deliver::Exec(command) => Err(exec::run(command, &exports)),
        Deliver::Shell => {
            exec::mark_shell(&mut exports, &ctx.name, log);
            Err(exec::run(&[shell], &exports))
        }
    }
}

/// `--server` needs a child to serve: a command or a shell.
fn check_server(deliver: &Deliver<'_>) -> Result<(), Error> {
    match deliver {
        Deliver::Print(_) => Err(Error::Usage(
            "--server needs a command to serve the session to: mfa-env --server -p PROFILE -- COMMAND, or mfa-env shell --server".into(),
        )),
        _ => Ok(()),
    }
}

/// The resolved context and how its session is to be got, from the options;
/// no request is made yet.
fn setup(opts: &SessionOpts, log: Log) -> Result<(Context, Options), Error> {
    let wanted = Wanted {
        duration: opts.duration,
        ..Wanted::of(
            opts.profile.as_deref(),
            opts.serial.as_deref(),
            opts.region.as_deref(),
        )
    };
    let ctx = Context::resolve(&wanted, log)?;
    let source = Source::choose(
        opts.token_code.as_deref(),
        opts.token_command.as_deref(),
        opts.prompt.as_deref(),
        &ctx.profile,
    )?;
    let options = Options {
        source,
        token_timeout: opts
            .token_timeout
            .unwrap_or(duration::DEFAULT_TOKEN_TIMEOUT),
        min_ttl: opts.min_ttl.unwrap_or(duration::DEFAULT_MIN_TTL),
        use_cache: !opts.no_cache,
        asked: opts.duration,
    };
    Ok((ctx, options))
}
