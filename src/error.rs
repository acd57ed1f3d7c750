//! Every failure mfa-env reports: what failed, why, and how to fix it.
//! No variant ever holds a secret (key, token or MFA code).

mod message;
mod text;

pub use message::Message;
pub use text::{causes, clean, clean_lines, mask_url};

use std::path::PathBuf;
use std::process::ExitCode;

/// How the first session's code was given under `--server`, when that is
/// why a renewal needs another way to get one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstCode {
    /// `-t CODE`: a code works once.
    Flag,
    /// `-t -`: stdin is the command's once it runs.
    Stdin,
}

#[derive(Debug)]
pub enum Error {
    NoConfigFiles {
        config: PathBuf,
        credentials: PathBuf,
    },

    ConfigTooLarge {
        path: PathBuf,
        size: u64,
    },

    ConfigUnreadable {
        why: String,
    },

    ProfileNotFound {
        profile: String,
        /// Where the name came from, as " (from AWS_PROFILE)"; may be empty.
        from: &'static str,
        files: String,
        found: String,
        /// The fix that fits where the name came from, up to "or ".
        fix: &'static str,
    },

    MissingKeys {
        profile: String,
        missing: &'static str,
        file: PathBuf,
    },

    /// The OS keystore or its index failed.
    Keystore {
        what: String,
        why: String,
        fix: String,
    },

    /// An IAM request of `keys rotate` failed.
    Iam {
        operation: &'static str,
        why: String,
        fix: String,
    },

    /// `keys rotate` refused or stopped: why, and the state IAM and the
    /// keystore are left in.
    Rotation {
        profile: String,
        why: String,
        state: String,
        fix: String,
    },

    TemporaryKeys {
        profile: String,
        file: PathBuf,
        why: &'static str,
    },

    SourceNotFound {
        profile: String,
        source_profile: String,
        files: String,
    },

    SourceCycle {
        chain: String,
    },

    NoSourceProfile {
        profile: String,
    },

    BadRoleArn {
        profile: String,
        arn: String,
    },

    EmptyExternalId {
        profile: String,
    },

    BadDurationSeconds {
        profile: String,
        value: String,
    },

    RoleDuration {
        asked: String,
        why: &'static str,
        /// Asked with --duration (a usage error), not duration_seconds.
        flag: bool,
    },

    /// A --min-ttl that no new session of the profile could meet.
    MinTtl {
        min_ttl: String,
        profile: String,
        /// What caps a new session: "lasts 1h00m (-d 1h00m)".
        cap: String,
        fix: String,
    },

    NoSerial {
        profile: String,
        config: PathBuf,
    },

    UserArnSerial {
        serial: String,
        suggestion: String,
    },

    BadSerial {
        serial: String,
    },

    BadCode {
        why: String,
    },

    NoCode {
        why: String,
    },

    TokenCommand {
        program: String,
        origin: String,
        why: String,
    },

    Cancelled {
        how: String,
    },

    Dialog {
        program: &'static str,
        why: String,
    },

    BadPrompt {
        value: String,
        origin: String,
        names: String,
    },

    CodeUnreadable {
        source_name: &'static str,
        why: String,
    },

    BadRegion {
        region: String,
    },

    CaBundle {
        path: String,
        why: String,
    },

    Sts {
        code: String,
        message: String,
        hint: String,
    },

    Unreachable {
        url: String,
        why: String,
    },

    Timeout {
        url: String,
        secs: u64,
    },

    BadResponse {
        url: String,
        why: String,
    },

    StaleSession {
        url: String,
        expiration: String,
        left: String,
        asked: String,
    },

    Request {
        why: String,
    },

    Runtime(std::io::Error),

    Unrepresentable {
        name: &'static str,
        format: &'static str,
    },

    ControlCharacter {
        name: &'static str,
    },

    SelfReference {
        profile: String,
    },

    CredentialProcessLoop {
        profile: String,
    },

    ConsoleUserProfile {
        profile: String,
        signin: String,
        partition: String,
        account: String,
        keys_profile: String,
    },

    ConsolePartition {
        arn: String,
        partition: String,
    },

    BadDestination {
        url: String,
        why: &'static str,
        partition: &'static str,
        console: &'static str,
    },

    BadService {
        name: String,
    },

    BadFederationUrl {
        url: String,
    },

    FederationRefused {
        url: String,
        status: u16,
        body: &'static str,
        hint: String,
    },

    NoSigninToken {
        url: String,
        status: u16,
        what: &'static str,
    },

    FederationUnreachable {
        url: String,
        why: String,
    },

    FederationTimeout {
        url: String,
        secs: u64,
    },

    Stdout(std::io::Error),

    CommandNotFound {
        name: String,
    },

    Exec {
        name: String,
        why: String,
    },

    NotExecutable {
        name: String,
        why: String,
    },

    Endpoint {
        why: String,
    },

    TerminalTaken {
        profile: String,
        first: Option<FirstCode>,
    },

    Usage(String),

    /// `--containers`, `docker`, `serve`: the engine, its network or the
    /// bridge's address; `why` says what to do.
    Containers {
        why: String,
    },

    ConfigNotText {
        path: PathBuf,
    },

    SourceAndCredentialSource {
        profile: String,
    },

    SignInProfile {
        profile: String,
        kind: &'static str,
        login: &'static str,
    },
}

impl Error {
    /// 127 and 126 follow the shell's convention for a command that is missing or
    /// cannot be run, 130 for a dialog's Cancel as for Ctrl-C, 2 for what the
    /// command line asks that cannot be (a --duration no role session can
    /// have included, known before any request); everything else mfa-env
    /// reports is a setup or AWS error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::CommandNotFound { .. } => ExitCode::from(127),
            // As a shell reports a command ended by Ctrl-C.
            Error::Cancelled { .. } => ExitCode::from(130),
            Error::Exec { .. } | Error::NotExecutable { .. } => ExitCode::from(126),
            Error::BadDestination { .. } | Error::BadService { .. } => ExitCode::from(2),
            Error::Usage(_) | Error::MinTtl { .. } | Error::RoleDuration { flag: true, .. } => {
                ExitCode::from(2)
            }
            _ => ExitCode::from(1),
        }
    }
}

#[cfg(test)]
mod tests;
