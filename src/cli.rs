//! Command-line flags (clap derive types only). Each command has its own
//! options; `-q`/`-v` are the only global ones. Values are typed by the
//! parsers of `duration`, so a malformed one is a usage error (exit 2).

use crate::duration;
use crate::output::Format;
use clap::{Args, Parser, Subcommand};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use std::ffi::OsString;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  eval \"$(mfa-env)\"                      export a session of the default profile into this shell
  eval \"$(mfa-env --profile work)\"       ... of profile 'work'
  mfa-env -- aws s3 ls                   run one command with the session
  mfa-env -p work -d 1h -- terraform plan
  mfa-env exec work -- aws s3 ls         the same, spelled as aws-vault does
  op item get AWS --otp | mfa-env -t -   read the MFA code from stdin
  mfa-env shell work                     a subshell with the session of 'work'
  mfa-env list                           every profile: kind, region, time left
  mfa-env console admin                  the AWS console in the browser, signed in as the role
  mfa-env status                         list cached sessions and their time left
  eval \"$(mfa-env init bash)\"            mfa-env-use, mfa-env-unset, mfa-env-prompt in bash
  credential_process = mfa-env credential-process --profile work   (in ~/.aws/config)

A session is cached (~/.cache/mfa-env, mode 0600) and reused while more than
--min-ttl is left; it is never written to ~/.aws/credentials or ~/.aws/config.
Each command takes its own options after it: mfa-env COMMAND --help lists them.";

/// No Debug: the options can hold an MFA code.
#[derive(Parser)]
#[command(
    name = "mfa-env",
    version = env!("MFA_ENV_VERSION"),
    about = "Get an AWS MFA session and hand it to your shell or to one command",
    after_help = EXAMPLES
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub session: SessionOpts,

    #[command(flatten)]
    pub serve: ServeOpt,

    /// Output syntax of the session: sh (= bash, zsh), fish, powershell, dotenv, json
    #[arg(short, long, value_enum, default_value = "sh", conflicts_with = "exec")]
    pub format: Format,

    /// Words that are no command (`mfa-env -p work aws s3 ls`): refused
    /// with a hint
    #[arg(hide = true, value_name = "WORD", allow_hyphen_values = true)]
    pub stray: Vec<OsString>,

    /// Command to run with the session, after `--`
    #[arg(last = true, value_name = "CMD")]
    pub exec: Vec<OsString>,

    #[command(flatten)]
    pub log: LogOpts,
}

#[derive(Subcommand)]
pub enum Command {
    /// Start $SHELL (else /bin/sh) with the session of PROFILE
    Shell {
        /// The profile [default: --profile, $AWS_PROFILE, $MFA_ENV_PROFILE, 'default']
        #[arg(value_name = "PROFILE", conflicts_with = "profile", add = ArgValueCandidates::new(profile_candidates))]
        name: Option<String>,
        #[command(flatten)]
        session: SessionOpts,
        #[command(flatten)]
        serve: ServeOpt,
    },
    /// Run a command with the session of PROFILE (aws-vault's spelling of
    /// `mfa-env -p PROFILE -- CMD`); without CMD, start $SHELL
    Exec {
        /// The profile [default: --profile, $AWS_PROFILE, $MFA_ENV_PROFILE, 'default']
        #[arg(value_name = "PROFILE", conflicts_with = "profile", add = ArgValueCandidates::new(profile_candidates))]
        name: Option<String>,
        /// Words between PROFILE and `--` (refused with a hint)
        #[arg(hide = true, value_name = "WORD", allow_hyphen_values = true)]
        stray: Vec<OsString>,
        #[command(flatten)]
        session: SessionOpts,
        #[command(flatten)]
        serve: ServeOpt,
        /// The command and its arguments, after `--`
        #[arg(last = true, value_name = "CMD")]
        command: Vec<OsString>,
    },
    /// Run the container CLI with ARGS and the session's endpoint on the
    /// network 'mfa-env': `run` and `create` get `--network mfa-env` and
    /// the two variables (by name; the values go through the environment)
    Docker {
        /// The profile [default: --profile, $AWS_PROFILE, $MFA_ENV_PROFILE, 'default']
        #[arg(value_name = "PROFILE", conflicts_with = "profile", add = ArgValueCandidates::new(profile_candidates))]
        name: Option<String>,
        #[command(flatten)]
        session: SessionOpts,
        /// The container CLI (one that speaks Docker's flags, e.g. podman)
        /// [default: $MFA_ENV_CONTAINER_CLI, then docker]
        #[arg(long, value_name = "CLI")]
        container_cli: Option<OsString>,
        /// The CLI's arguments, after `--`: run --rm IMAGE …, compose up, …
        #[arg(last = true, value_name = "ARGS", required = true)]
        args: Vec<OsString>,
    },
    /// A standing credential endpoint (for `docker run -d`, compose,
    /// devcontainers) until Ctrl-C or SIGTERM; prints the lines that set
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
    Serve {
        /// The profile [default: --profile, $AWS_PROFILE, $MFA_ENV_PROFILE, 'default']
        #[arg(value_name = "PROFILE", conflicts_with = "profile", add = ArgValueCandidates::new(profile_candidates))]
        name: Option<String>,
        #[command(flatten)]
        session: SessionOpts,
        #[command(flatten)]
        containers: ContainerOpts,
        /// The port to listen on [default: one the system picks]
        #[arg(long, value_name = "N")]
        port: Option<u16>,
        /// Syntax of the printed lines: sh (= bash, zsh), fish, powershell, dotenv, json
        #[arg(short, long, value_enum, default_value = "sh")]
        format: Format,
    },
    /// Print the session as credential_process JSON, for
    /// `credential_process = mfa-env credential-process --profile P` in ~/.aws/config
    CredentialProcess(SessionOpts),
    /// Open the AWS console in the browser, signed in with the role session of
    /// PROFILE (`login` is aws-vault's spelling)
    #[command(visible_alias = "login")]
    Console(ConsoleArgs),
    /// Print the integration for a shell or direnv (mfa-env-use, mfa-env-prompt, use_mfa_env)
    Init {
        #[arg(value_enum)]
        shell: InitShell,
    },
    /// List the profiles of the AWS files: what mfa-env can do with each, its
    /// region and the time left of its cached session (never a secret)
    #[command(visible_alias = "profiles")]
    List {
        /// Print the list as JSON (for scripts)
        #[arg(long)]
        json: bool,
    },
    /// Keep a profile's long-term keys in the OS keystore instead of the
    /// credentials file: add, list, remove, rotate
    #[command(subcommand)]
    Keys(KeysCommand),
    /// List cached sessions: profile, role, serial, expiry and time left (never a secret)
    Status {
        #[command(flatten)]
        profile: ProfileOpt,
        /// The MFA device whose session to look for [default: the profile's mfa_serial]
        #[arg(long, value_name = "ARN")]
        serial: Option<String>,
        /// The --duration of the run to ask about: a cached session with more than
        /// --min-ttl less left than this would not be reused
        #[arg(short, long, value_name = "TIME", value_parser = duration::session_arg)]
        duration: Option<u32>,
        /// Print nothing; exit 0 when the profile has a cached session with more
        /// than --min-ttl left, else 1 (for prompts and scripts)
        #[arg(long, conflicts_with_all = ["path", "json"])]
        check: bool,
        /// With --check: how much must be left [default: 5m]
        #[arg(long, value_name = "TIME", requires = "check", value_parser = duration::min_ttl_arg)]
        min_ttl: Option<i64>,
        /// Print the path of the profile's cache entry (for direnv's watch_file)
        #[arg(long, conflicts_with = "json")]
        path: bool,
        /// Print the sessions as JSON (for scripts)
        #[arg(long)]
        json: bool,
    },
    /// Delete mfa-env's cached sessions of the profile, or all of them
    Clear {
        #[command(flatten)]
        profile: ProfileOpt,
        /// Delete every session mfa-env has cached
        #[arg(long, conflicts_with = "profile")]
        all: bool,
    },
    /// Walk through the setup and say what is wrong and how to fix it
    Doctor {
        #[command(flatten)]
        profile: ProfileOpt,
        /// ARN of the MFA device [default: the profile's mfa_serial]
        #[arg(long, value_name = "ARN")]
        serial: Option<String>,
        /// Region for STS [default: the profile's region, then $AWS_REGION]
        #[arg(long, value_name = "REGION")]
        region: Option<String>,
        /// Make no request to STS
        #[arg(long)]
        offline: bool,
        /// Print the report as JSON (for bug reports)
        #[arg(long)]
        json: bool,
    },
    /// Print the shell's completion script; it asks mfa-env for subcommands,
    /// options and profile names (the same as MFA_ENV_COMPLETE=SHELL mfa-env)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
}

/// `console`: its own options and those of every command that makes a session.
#[derive(Args)]
pub struct ConsoleArgs {
    /// The profile [default: --profile, $AWS_PROFILE, $MFA_ENV_PROFILE, 'default']
    #[arg(value_name = "PROFILE", conflicts_with = "profile", add = ArgValueCandidates::new(profile_candidates))]
    pub name: Option<String>,

    /// Print the sign-in URL on stdout instead of starting a browser (it signs in
    /// whoever opens it within 15 minutes)
    #[arg(long)]
    pub print: bool,

    /// The service's console page: its path in the console, e.g. s3, ec2, iam,
    /// cloudformation [default: the console's home]
    #[arg(long, value_name = "NAME", conflicts_with = "destination")]
    pub service: Option<String>,

    /// The console URL to open (https, on the partition's console domain)
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,

    #[command(flatten)]
    pub session: SessionOpts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "pwsh")]
    Powershell,
    Direnv,
}

#[derive(Args)]
pub struct ProfileOpt {
    /// Profile to use [default: $AWS_PROFILE, then $MFA_ENV_PROFILE, then 'default']
    #[arg(short, long, value_name = "NAME", add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,
}

/// How to get a session: the options of every command that makes one.
#[derive(Args)]
pub struct SessionOpts {
    /// Profile to use [default: $AWS_PROFILE, then $MFA_ENV_PROFILE, then 'default']
    #[arg(short, long, value_name = "NAME", add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// ARN of the MFA device [default: the profile's mfa_serial]
    #[arg(long, value_name = "ARN")]
    pub serial: Option<String>,

    /// The 6-digit MFA code; '-' reads one line from stdin [default: ask on the terminal]
    #[arg(short = 't', long, value_name = "CODE")]
    pub token_code: Option<String>,

    /// A command that prints the code, run without a shell, e.g. 'ykman oath accounts code --single NAME' [default: the profile's mfa_process]
    #[arg(long, value_name = "CMD")]
    pub token_command: Option<String>,

    /// How to ask for the code when no code or command is given: auto (the terminal, else a
    /// desktop dialog), terminal, zenity, kdialog, osascript, or ykman (the YubiKey's OATH
    /// account named by mfa_oath_name, else the serial) [default: $MFA_ENV_PROMPT, then the
    /// profile's mfa_prompt, then auto]
    #[arg(long, value_name = "HOW", value_parser = crate::mfa::Prompter::NAMES)]
    pub prompt: Option<String>,

    /// How long the token command, ykman or a dialog may take: 1s to 10m [default: 60s]
    #[arg(long, value_name = "TIME", value_parser = duration::token_timeout_arg)]
    pub token_timeout: Option<Duration>,

    /// How long a new session lasts: 15m to 36h, as 90m, 12h, 1d, 1h30m or seconds [default: 12h;
    /// a role 1h]. A cached session of the same user or role is reused whatever made it, unless
    /// it has more than --min-ttl less left than this
    #[arg(short, long, value_name = "TIME", value_parser = duration::session_arg)]
    pub duration: Option<u32>,

    /// Region for STS, the exported AWS_REGION and the console [default: the profile's region, then $AWS_REGION]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Get a new session even if a cached one is still valid
    #[arg(long)]
    pub refresh: bool,

    /// Neither read nor write the session cache
    #[arg(long, conflicts_with = "refresh")]
    pub no_cache: bool,

    /// Reuse a cached session only while more than this is left: 0 to 36h, and less than a new
    /// session lasts (1h for a role assumed with the MFA session) [default: 5m]
    #[arg(long, value_name = "TIME", value_parser = duration::min_ttl_arg)]
    pub min_ttl: Option<i64>,
}

/// `--server`: an option of the commands that run a child only.
#[derive(Args, Clone, Default)]
pub struct ServeOpt {
    /// Stay the parent and serve the session to the command on 127.0.0.1
    /// (AWS_CONTAINER_CREDENTIALS_FULL_URI), renewed before less than 15
    /// minutes are left, instead of handing it fixed keys
    #[arg(long)]
    pub server: bool,

    #[command(flatten)]
    pub containers: ContainerOpts,
}

/// `--containers`: the endpoint where containers reach it.
#[derive(Args, Clone, Default)]
pub struct ContainerOpts {
    /// --server on 169.254.170.2, the host's side of the Docker network
    /// 'mfa-env' (169.254.170.0/24, made when missing), so containers on
    /// that network reach it; the command gets MFA_ENV_CONTAINER_NETWORK
    #[arg(long)]
    pub containers: bool,

    /// The container CLI (one that speaks Docker's flags, e.g. podman)
    /// [default: $MFA_ENV_CONTAINER_CLI, then docker]
    #[arg(long, value_name = "CLI")]
    pub container_cli: Option<OsString>,
}

/// Said on stderr: the only options every command takes.
#[derive(Args, Clone, Copy)]
pub struct LogOpts {
    /// Print nothing but errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Say on stderr what mfa-env does (files, profile, serial, cache, endpoint)
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

/// The profile names of the AWS files, for completion (names only: nothing
/// else of the files is read out). None when the files cannot be read.
pub fn profile_candidates() -> Vec<CompletionCandidate> {
    let snap = crate::snapshot::Snapshot::current();
    crate::resolve::chain::names(snap)
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

/// `mfa-env keys …`: long-term keys in the OS keystore.
#[derive(Subcommand)]
pub enum KeysCommand {
    /// Store PROFILE's access key id and secret in the OS keystore: two lines
    /// on stdin (key id, then secret), else asked on the terminal (the secret
    /// not echoed); never from the command line
    Add {
        #[arg(value_name = "PROFILE", add = ArgValueCandidates::new(profile_candidates))]
        profile: String,
        /// Copy the keys the credentials file holds for PROFILE, then print
        /// the lines to delete from it (mfa-env never writes that file)
        #[arg(long)]
        from_file: bool,
    },
    /// List the profiles with keys in the OS keystore (key ids masked)
    List {
        /// Print the list as JSON (for scripts)
        #[arg(long)]
        json: bool,
    },
    /// Delete PROFILE's keys from the OS keystore
    Remove {
        #[arg(value_name = "PROFILE", add = ArgValueCandidates::new(profile_candidates))]
        profile: String,
    },
    /// Replace PROFILE's keys with a new access key of its IAM user, made with
    /// an MFA session (IAM CreateAccessKey), proven, stored, then the old key
    /// deleted (DeleteAccessKey)
    Rotate {
        #[arg(value_name = "PROFILE", conflicts_with = "profile", add = ArgValueCandidates::new(profile_candidates))]
        name: String,
        #[command(flatten)]
        session: SessionOpts,
    },
}
