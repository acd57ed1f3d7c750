//! The pipeline: flags + env + files → profile → cache → (MFA code → STS →
//! cache write) → exports, exec.

use crate::cache::{Cache, Entry, Key};
use crate::cli::{self, Cli, Command, Opts};
use crate::config::{self, Files, Profile};
use crate::error::{self, Error};
use crate::log::Log;
use crate::mfa::{self, Ask, Source};
use crate::output::{self, Format};
use crate::session::{self, Session};
use crate::sts::{self, Call, Endpoint, Signer};
use crate::{doctor, exec, init, status};
use clap::Parser;
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn main() -> ExitCode {
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
        Some(Command::Status { check: true, .. }) => Ok(status::check(opts)),
        Some(Command::Status { path: true, .. }) => status::path(opts, log),
        Some(Command::Status { .. }) => status::list(opts, log),
        Some(Command::Clear { all }) => status::clear(opts, *all, log),
        Some(Command::Doctor { offline, json }) => doctor::run(opts, *offline, *json),
        Some(Command::Completions { shell }) => print(&init::completions(*shell)),
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
            profile: config::profile_name(opts.profile.as_deref()),
        });
    }
    let duration = opts
        .duration
        .as_deref()
        .map(cli::parse_duration)
        .transpose()?;
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
    // Outside the aws partition a region is needed to work at all: the
    // serial's partition picks its usual one when none is configured.
    let region = config::region(opts.region.as_deref(), &profile)?
        .or_else(|| sts::partition_region(mfa::partition(&serial)).map(str::to_string));
    let plan = Plan::choose(&profile, duration)?;
    let shell = exec::shell();
    match &deliver {
        Deliver::Exec(command) => exec::check(command)?,
        Deliver::Shell => exec::check(std::slice::from_ref(&shell))?,
        _ => {}
    }

    let endpoint = Endpoint::resolve(&profile, region.as_deref(), mfa::partition(&serial));
    let call = Call {
        profile: &profile,
        serial: &serial,
        endpoint: &endpoint,
    };
    let cache = if opts.no_cache {
        None
    } else {
        Cache::open(log)
    };
    let get = Getter {
        source: Source::choose(
            opts.token_code.as_deref(),
            opts.token_command.as_deref(),
            &profile,
        ),
        ask: Ask {
            profile: &name,
            serial: &serial,
            timeout: cli::parse_token_timeout(opts.token_timeout.as_deref())?,
        },
        log,
        cache: cache.as_ref(),
        min_ttl,
        call: &call,
    };
    let session = match plan {
        Plan::User(duration) => get.mfa_session(duration, opts.refresh)?,
        Plan::Role { duration, direct } => get.cached_or_new(
            &Key::session(&profile, &serial),
            &name,
            opts.refresh,
            || {
                if direct {
                    get.direct(duration)
                } else {
                    get.chained(duration)
                }
            },
        )?,
    };

    let mut exports = output::exports(&session, region.as_deref(), &name);
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
            exports.set.push((exec::SHELL_MARK, name.clone()));
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

/// How the session of the selected profile is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// GetSessionToken for this many seconds.
    User(u32),
    /// AssumeRole for this many seconds: signed with the (cached) MFA session
    /// (no second prompt, at most 1 hour, as AWS caps chained role sessions),
    /// or when `direct`, with the long-term keys and the MFA code itself (for
    /// more than 1 hour, up to 12).
    Role { duration: u32, direct: bool },
}

const CHAINED_MAX: u32 = 3600;
const ROLE_MAX: u32 = 12 * 3600;

impl Plan {
    fn choose(profile: &Profile, flag: Option<u32>) -> Result<Plan, Error> {
        if profile.roles.is_empty() {
            return Ok(Plan::User(flag.unwrap_or(cli::DEFAULT_DURATION)));
        }
        let asked = flag.or(profile.duration_seconds);
        let too_long = |why| Error::RoleDuration {
            asked: status::left(i64::from(asked.unwrap_or(0))),
            why,
        };
        match asked {
            None => Ok(Plan::Role {
                duration: CHAINED_MAX,
                direct: false,
            }),
            Some(d) if d < cli::MIN_DURATION => Err(Error::RoleDuration {
                asked: format!("{d}s"),
                why: "a role session lasts at least 15 minutes",
            }),
            Some(d) if d <= CHAINED_MAX => Ok(Plan::Role {
                duration: d,
                direct: false,
            }),
            Some(d) if d > ROLE_MAX => Err(too_long("AssumeRole gives at most 12 hours")),
            Some(_) if profile.roles.len() > 1 => Err(too_long(
                "this profile chains several roles, and AWS caps a chained role session at 1 hour",
            )),
            Some(d) => Ok(Plan::Role {
                duration: d,
                direct: true,
            }),
        }
    }
}

/// Gets sessions from the cache or from STS, asking for a code only when needed.
struct Getter<'a> {
    source: Source,
    ask: Ask<'a>,
    log: Log,
    cache: Option<&'a Cache>,
    min_ttl: i64,
    call: &'a Call<'a>,
}

impl Getter<'_> {
    /// The cached session of `key`, or a new one from `make`, under the entry's
    /// lock so that runs started together ask for one code.
    fn cached_or_new(
        &self,
        key: &Key,
        profile: &str,
        refresh: bool,
        make: impl FnOnce() -> Result<Session, Error>,
    ) -> Result<Session, Error> {
        let reuse = || match self.cache {
            Some(cache) if !refresh => cache.get(key, status::now(), self.min_ttl),
            _ => None,
        };
        if let Some(session) = reuse() {
            self.say("cached", &session);
            return Ok(session);
        }
        let _lock = self.cache.and_then(|c| c.lock(key));
        // Another mfa-env may have made it while this one waited.
        if let Some(session) = reuse() {
            self.say("cached", &session);
            return Ok(session);
        }
        let session = make()?;
        self.say("new", &session);
        if let Some(cache) = self.cache {
            cache.put(key, &Entry::new(profile, key, &session));
        }
        Ok(session)
    }

    fn say(&self, kind: &str, session: &Session) {
        self.log.say(&format!(
            "{kind} session {} valid until {}",
            session::mask(&session.access_key_id),
            session.expiration_rfc3339()
        ));
    }

    /// Gets a code and makes `request` with it. A code STS refuses as wrong is
    /// asked for again when a person is at the terminal (3 tries in all);
    /// any other source fails at once.
    fn with_code(
        &self,
        request: impl Fn(&str) -> Result<Session, Error>,
    ) -> Result<Session, Error> {
        const TRIES: u32 = 3;
        self.log.say(&format!("using {}", self.source.describe()));
        let mut note = None;
        let mut attempt = 1;
        loop {
            let code = self.source.code(&self.ask, note.as_deref())?;
            match request(&code) {
                Err(err) if err.is_wrong_code() && self.source.interactive() && attempt < TRIES => {
                    attempt += 1;
                    note = Some(format!(
                        "STS refused that code: it was wrong, or already used (a code works only once). Wait for the next code. Try {attempt} of {TRIES}."
                    ));
                }
                other => return other,
            }
        }
    }

    /// The MFA session of the long-term keys (GetSessionToken), cached under
    /// the keys' own profile.
    fn mfa_session(&self, duration: u32, refresh: bool) -> Result<Session, Error> {
        let keys = &self.call.profile.keys;
        let key = Key::user(&keys.access_key_id, self.call.serial);
        self.cached_or_new(&key, &keys.profile, refresh, || {
            self.with_code(|code| {
                self.log.say(&format!(
                    "GetSessionToken for {}, {duration}s, at {} (region {})",
                    self.call.serial,
                    self.call.endpoint.url(),
                    self.call.endpoint.region
                ));
                sts::get_session_token(self.call, code, duration)
            })
        })
    }

    /// Each role of the chain assumed in turn from the MFA session. When STS
    /// rejects a cached MFA session (expired early, revoked), it is dropped and
    /// a new one made, once.
    fn chained(&self, duration: u32) -> Result<Session, Error> {
        let profile = self.call.profile;
        self.log.say(&format!(
            "role {}: AssumeRole for {duration}s signed with the MFA session of profile '{}' (chained: no second prompt, 1 hour at most)",
            profile.roles.last().map(|r| r.arn.as_str()).unwrap_or(""),
            profile.keys.profile
        ));
        let mfa = self.mfa_session(cli::DEFAULT_DURATION, false)?;
        match self.assume_chain(&mfa, duration) {
            Err(err) if err.is_rejected_session() => {
                self.log.warn(
                    "STS rejected the cached MFA session; dropping it and asking for a new one",
                );
                if let Some(cache) = self.cache {
                    let keys = &self.call.profile.keys;
                    cache.remove(&Key::user(&keys.access_key_id, self.call.serial));
                }
                let mfa = self.mfa_session(cli::DEFAULT_DURATION, true)?;
                self.assume_chain(&mfa, duration)
            }
            other => other,
        }
    }

    fn assume_chain(&self, mfa: &Session, duration: u32) -> Result<Session, Error> {
        let mut current = mfa.clone();
        for role in &self.call.profile.roles {
            self.log
                .say(&format!("AssumeRole {} as {}", role.arn, role.session_name));
            current = sts::assume_role(self.call, Signer::session(&current), role, duration, None)?;
        }
        Ok(current)
    }

    /// One role, assumed with the long-term keys and the code itself.
    fn direct(&self, duration: u32) -> Result<Session, Error> {
        let profile = self.call.profile;
        let role = profile.roles.last().ok_or_else(|| Error::Request {
            why: "no role to assume".into(),
        })?;
        self.log.say(&format!(
            "role {}: AssumeRole for {duration}s with the MFA code itself, because more than 1 hour was asked for and AWS caps chained role sessions at 1 hour",
            role.arn
        ));
        self.with_code(|code| {
            self.log.say(&format!(
                "AssumeRole {} as {} with the MFA code",
                role.arn, role.session_name
            ));
            sts::assume_role(
                self.call,
                Signer::keys(&profile.keys),
                role,
                duration,
                Some(code),
            )
        })
    }
}
