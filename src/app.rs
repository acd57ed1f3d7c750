//! The session pipeline, for a command line `commands` has parsed: resolve
//! the profile (`context`, from the snapshot) → acquire a session
//! (`acquire`: cache, code, STS) → deliver it (exports, exec, a shell,
//! credential_process JSON, or a console sign-in).

use crate::acquire::{Acquirer, Options};
use crate::cli::{ServeOpt, SessionOpts};
use crate::context::{Context, Wanted};
use crate::error::Error;
use crate::log::Log;
use crate::mfa::{self, Source};
use crate::output::{self, Format};
use crate::server;
use crate::snapshot::Snapshot;
use crate::{containers, duration, exec, resolve};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Where the session goes.
pub(crate) enum Deliver<'a> {
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
pub(crate) fn run(
    opts: &SessionOpts,
    deliver: Deliver<'_>,
    serve: &ServeOpt,
    log: Log,
) -> Result<ExitCode, Error> {
    let server = serve.server || serve.containers.containers;
    // --server needs a child to serve; before any other thread starts, it
    // takes the signals on one.
    if server && matches!(deliver, Deliver::Print(_)) {
        return Err(Error::Usage(
            "--server needs a command to serve the session to: mfa-env --server -p PROFILE -- COMMAND, or mfa-env shell --server".into(),
        ));
    }
    let signals = server.then(server::take_signals).transpose()?;
    let snap = Snapshot::current();
    if matches!(deliver, Deliver::CredentialProcess)
        && snap.var_os(mfa::TOKEN_COMMAND_MARK).is_some()
    {
        return Err(Error::CredentialProcessLoop {
            profile: resolve::profile_name(snap, opts.profile.as_deref()).0,
        });
    }
    let (ctx, options) = setup(opts, server.then_some(server::MIN_LEFT), log)?;
    let renew_below = options.min_ttl;
    let shell = exec::shell();
    // Before a code is spent: a port the OS cannot give, or a container
    // engine that cannot serve containers, stops the run here.
    let endpoint = signals
        .as_ref()
        .map(|_| containers::endpoint(&serve.containers, 0))
        .transpose()?;
    match &deliver {
        Deliver::Exec(command) => exec::check(command)?,
        Deliver::Shell => exec::check(std::slice::from_ref(&shell))?,
        _ => {}
    }
    let acquirer = Acquirer::new(ctx, options, log);
    let session = acquirer.session(opts.refresh)?;
    if let (Some((endpoint, env)), Some(signals)) = (endpoint, signals) {
        let (argv, is_shell) = match deliver {
            Deliver::Exec(command) => (command.to_vec(), false),
            _ => (vec![shell], true),
        };
        let child = server::Child {
            argv: &argv,
            is_shell,
            env,
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
    let account = ctx.account();
    let mut exports = output::exports(&session, account, ctx.region.as_deref(), &ctx.name);
    match deliver {
        Deliver::Print(format) => {
            if std::io::stdout().is_terminal() && format != Format::Json && format != Format::Dotenv
            {
                log.note("these lines change nothing when only printed: run eval \"$(mfa-env …)\", mfa-env shell, or mfa-env -- COMMAND");
            }
            output::print(&output::render(format, &exports)?)
        }
        Deliver::CredentialProcess => {
            output::print(&output::credential_process(&session, account)?)
        }
        Deliver::Exec(command) => Err(exec::run(command, &exports)),
        Deliver::Shell => {
            exec::mark_shell(&mut exports, &ctx.name, log);
            Err(exec::run(&[shell], &exports))
        }
    }
}

/// The resolved context and how its session is to be got (`serving`: what
/// the endpoint keeps left), from the options; no request is made yet.
pub(crate) fn setup(
    opts: &SessionOpts,
    serving: Option<i64>,
    log: Log,
) -> Result<(Context, Options), Error> {
    let wanted = Wanted {
        duration: opts.duration,
        ..Wanted::of(
            opts.profile.as_deref(),
            opts.serial.as_deref(),
            opts.region.as_deref(),
        )
    };
    let snap = Snapshot::current();
    let ctx = Context::resolve(snap, &wanted, log)?;
    let (source, renewal) = Source::choose(
        opts.token_code.as_deref(),
        opts.token_command.as_deref(),
        opts.prompt.as_deref(),
        snap.var(mfa::PROMPT_VAR),
        &ctx.profile,
    )?;
    let options = Options {
        source,
        renewal,
        token_timeout: opts
            .token_timeout
            .unwrap_or(duration::DEFAULT_TOKEN_TIMEOUT),
        min_ttl: ctx.min_ttl(opts.min_ttl, serving, opts.duration)?,
        use_cache: !opts.no_cache,
        asked: opts.duration,
    };
    Ok((ctx, options))
}
