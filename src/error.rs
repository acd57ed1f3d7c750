//! Every failure mfa-env reports: what failed, why, and how to fix it.
//! No variant ever holds a secret (key, token or MFA code).

mod text;

pub use text::{causes, clean, clean_lines, mask_url};

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no AWS configuration found: neither {config} nor {credentials} exists. Create them with `aws configure --profile NAME`, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at them"
    )]
    NoConfigFiles {
        config: PathBuf,
        credentials: PathBuf,
    },

    #[error(
        "{path} is {size} MiB, and an AWS config or credentials file is a few KB: mfa-env reads none over 16 MiB. Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the right file, or trim it"
    )]
    ConfigTooLarge { path: PathBuf, size: u64 },

    #[error("could not read the AWS configuration ({why}). Fix that line, then run mfa-env again")]
    ConfigUnreadable { why: String },

    #[error(
        "profile '{profile}'{from} was not found in {files}; profiles found: {found}. {fix}add [profile {profile}] to the config file"
    )]
    ProfileNotFound {
        profile: String,
        /// Where the name came from, as " (from AWS_PROFILE)"; may be empty.
        from: &'static str,
        files: String,
        found: String,
        /// The fix that fits where the name came from, up to "or ".
        fix: &'static str,
    },

    #[error(
        "profile '{profile}' has no {missing}, so there is no long-term key to sign the STS request with. Add aws_access_key_id and aws_secret_access_key (your permanent AKIA… key) under [{profile}] in {file}, e.g. with `aws configure --profile {profile}`"
    )]
    MissingKeys {
        profile: String,
        missing: &'static str,
        file: PathBuf,
    },

    #[error(
        "profile '{profile}' in {file} holds temporary session keys ({why}), not the permanent AKIA… keys, and STS refuses to make an MFA session from a session (\"Cannot call GetSessionToken with session credentials\"). Put the long-term aws_access_key_id and aws_secret_access_key back and remove aws_session_token; mfa-env never needs a session in that file"
    )]
    TemporaryKeys {
        profile: String,
        file: PathBuf,
        why: &'static str,
    },

    #[error(
        "profile '{profile}' names source_profile '{source_profile}', which is not in {files}. Fix source_profile, or add that profile with the long-term keys"
    )]
    SourceNotFound {
        profile: String,
        source_profile: String,
        files: String,
    },

    #[error(
        "the source_profile chain goes round in a circle: {chain}. Point the last source_profile at a profile with long-term keys"
    )]
    SourceCycle { chain: String },

    #[error(
        "profile '{profile}' has a role_arn but no source_profile, so mfa-env does not know whose long-term keys assume the role. Add `source_profile = NAME` naming the profile with your AKIA… keys (credential_source is not supported)"
    )]
    NoSourceProfile { profile: String },

    #[error(
        "profile '{profile}' has role_arn '{arn}', which is not a role ARN. It must look like arn:aws:iam::ACCOUNT:role/NAME"
    )]
    BadRoleArn { profile: String, arn: String },

    #[error(
        "profile '{profile}' has an empty external_id. Remove the line, or set it to the external ID the role's trust policy asks for"
    )]
    EmptyExternalId { profile: String },

    #[error(
        "profile '{profile}' has duration_seconds = {value}, which is not a number of seconds. Use e.g. duration_seconds = 3600"
    )]
    BadDurationSeconds { profile: String, value: String },

    #[error(
        "a role session of {asked} is longer than AWS allows: {why}. CodeRequest for less with --duration or duration_seconds"
    )]
    RoleDuration { asked: String, why: &'static str },

    #[error(
        "profile '{profile}' has no mfa_serial, so mfa-env does not know which MFA device to ask for. Add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME` (IAM console → your user → Security credentials → Assigned MFA device) to [profile {profile}] in {config}, or pass --serial ARN"
    )]
    NoSerial { profile: String, config: PathBuf },

    #[error(
        "the MFA serial '{serial}' is a user ARN, not an MFA device: STS would answer \"unable to validate MFA code\". Use the device ARN, which looks like {suggestion} (IAM console → your user → Security credentials → Assigned MFA device)"
    )]
    UserArnSerial { serial: String, suggestion: String },

    #[error(
        "the MFA serial '{serial}' is not an MFA device ARN. It must look like arn:aws:iam::ACCOUNT:mfa/NAME (or a hardware token's serial number); copy it from IAM console → your user → Security credentials → Assigned MFA device"
    )]
    BadSerial { serial: String },

    #[error(
        "the MFA code must be 6 digits, and this one {why}. Type the 6 digits your authenticator shows now"
    )]
    BadCode { why: String },

    #[error(
        "no MFA code: {why}. Pass it with --token-code CODE or --token-code - (one line of stdin), name a command that prints it with --token-command CMD or mfa_process in the profile, run mfa-env in a terminal so it can ask, or on a desktop where it can show a dialog (--prompt zenity, kdialog or osascript)"
    )]
    NoCode { why: String },

    #[error(
        "the MFA token command {program} (from {origin}) {why}. Fix the command, or pass the code with --token-code"
    )]
    TokenCommand {
        program: String,
        origin: String,
        why: String,
    },

    #[error(
        "no MFA code: {how}, so nothing was written or cached. Run the command again when you have the code"
    )]
    Cancelled { how: String },

    #[error(
        "the {program} dialog for the MFA code {why}. Use another --prompt (terminal, zenity, kdialog, osascript), or pass the code with --token-code"
    )]
    Dialog { program: &'static str, why: String },

    #[error("{origin} is '{value}', which is not a way to ask for the code. Use one of: {names}")]
    BadPrompt {
        value: String,
        origin: String,
        names: String,
    },

    #[error("could not read the MFA code from {source_name}: {why}")]
    CodeUnreadable {
        source_name: &'static str,
        why: String,
    },

    #[error(
        "region '{region}' is not a region name: AWS needs letters, digits and dashes, like eu-west-1. Fix --region, the profile's region, or AWS_REGION"
    )]
    BadRegion { region: String },

    #[error(
        "AWS_CA_BUNDLE / ca_bundle '{path}' could not be read ({why}). Point it at a readable PEM file, or unset it to use the system's certificates"
    )]
    CaBundle { path: String, why: String },

    #[error("STS refused the request: {code}: {message} {hint}")]
    Sts {
        code: String,
        message: String,
        hint: String,
    },

    #[error(
        "STS at {url} could not be reached: {why}. Check the network, HTTPS_PROXY / NO_PROXY, and the region or AWS_ENDPOINT_URL_STS"
    )]
    Unreachable { url: String, why: String },

    #[error(
        "STS at {url} did not answer within {secs} seconds. Check the network, HTTPS_PROXY / NO_PROXY, and the region or AWS_ENDPOINT_URL_STS; the MFA code was not retried, so wait for the next one before trying again"
    )]
    Timeout { url: String, secs: u64 },

    #[error(
        "STS at {url} gave an answer mfa-env does not understand ({why}). Is AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL pointing at STS?"
    )]
    BadResponse { url: String, why: String },

    #[error(
        "STS at {url} handed out a session that expires at {expiration}: {left}, though {asked} were asked for. Nothing was exported or cached. This machine's clock is likely wrong (check it: timedatectl, or date -u), or {url} is not AWS STS (check AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL)"
    )]
    StaleSession {
        url: String,
        expiration: String,
        left: String,
        asked: String,
    },

    #[error("the STS request could not be made: {why}")]
    Request { why: String },

    #[error("could not start the async runtime: {0}")]
    Runtime(std::io::Error),

    #[error("{name} holds a character that {format} cannot carry safely. Use --format sh or json")]
    Unrepresentable {
        name: &'static str,
        format: &'static str,
    },

    #[error(
        "the session's {name} holds a control character (NUL, a line break or another), which no real STS answer has and no shell carries safely; nothing was printed. Is AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL pointing at STS?"
    )]
    ControlCharacter { name: &'static str },

    #[error(
        "profile '{profile}' gets its credentials from `mfa-env credential-process` itself, so it holds no long-term keys and reading it would call mfa-env again. Give --profile the profile that holds the AKIA… keys (the one named after --profile in that credential_process line)"
    )]
    SelfReference { profile: String },

    #[error(
        "mfa-env credential-process was started by its own token command (a loop through credential_process). Make the token command print the code without calling the AWS CLI or an SDK with profile '{profile}'"
    )]
    CredentialProcessLoop { profile: String },

    #[error(
        "profile '{profile}' is an IAM user's own profile, and AWS does not let its MFA session (from GetSessionToken) sign in to the console: the federation endpoint takes only role sessions. mfa-env does not fall back to GetFederationToken, which carries no MFA (a \"deny unless MFA\" policy blocks it). Sign in at {signin} with your password and MFA device, or add a role profile ([profile NAME] role_arn = arn:{partition}:iam::{account}:role/ROLE, source_profile = {keys_profile}) and run mfa-env console -p NAME"
    )]
    ConsoleUserProfile {
        profile: String,
        signin: String,
        partition: String,
        account: String,
        keys_profile: String,
    },

    #[error(
        "the role {arn} is in partition '{partition}', whose console mfa-env does not know (it knows aws, aws-cn and aws-us-gov). Sign in through your partition's own sign-in page"
    )]
    ConsolePartition { arn: String, partition: String },

    #[error(
        "--destination '{url}' {why}. Give an https URL of the {partition} console ({console} or one of its subdomains): mfa-env hands the sign-in page no other address"
    )]
    BadDestination {
        url: String,
        why: &'static str,
        partition: &'static str,
        console: &'static str,
    },

    #[error(
        "--service '{name}' is not a console service name. Give the service's path in the console, like s3, ec2, iam or cloudformation (lowercase letters, digits and dashes), or a console URL with --destination"
    )]
    BadService { name: String },

    #[error(
        "MFA_ENV_FEDERATION_URL '{url}' is not an http or https URL. Set it to the federation endpoint, like https://signin.aws.amazon.com/federation, or unset it"
    )]
    BadFederationUrl { url: String },

    #[error(
        "the AWS federation endpoint {url} refused the sign-in token: HTTP {status}{body}. {hint}. No browser was started"
    )]
    FederationRefused {
        url: String,
        status: u16,
        body: &'static str,
        hint: String,
    },

    #[error(
        "the AWS federation endpoint {url} answered HTTP {status} {what}. Is MFA_ENV_FEDERATION_URL pointing at the federation endpoint? No browser was started"
    )]
    NoSigninToken {
        url: String,
        status: u16,
        what: &'static str,
    },

    #[error(
        "the AWS federation endpoint {url} could not be reached (no HTTP status): {why}. Check the network, HTTPS_PROXY / NO_PROXY and MFA_ENV_FEDERATION_URL. No browser was started"
    )]
    FederationUnreachable { url: String, why: String },

    #[error(
        "the AWS federation endpoint {url} did not answer within {secs} seconds (no HTTP status). Check the network, HTTPS_PROXY / NO_PROXY and MFA_ENV_FEDERATION_URL. No browser was started"
    )]
    FederationTimeout { url: String, secs: u64 },

    #[error("could not write to stdout: {0}")]
    Stdout(std::io::Error),

    #[error("command not found: {name}. Check the spelling, or that it is installed and on PATH")]
    CommandNotFound { name: String },

    #[error("could not run {name}: {why}")]
    Exec { name: String, why: String },

    #[error("could not run {name}: {why}")]
    NotExecutable { name: String, why: String },

    #[error(
        "could not open the credential endpoint for --server: {why}. Check that the loopback interface is up (ip link set lo up); nothing was run"
    )]
    Endpoint { why: String },

    #[error(
        "a new MFA code is needed for profile '{profile}', but the terminal belongs to the shell mfa-env serves, so mfa-env does not ask there. In that shell, run `mfa-env --refresh -- true` and type the code: the endpoint then serves the session it caches"
    )]
    TerminalTaken { profile: String },

    #[error("{0}")]
    Usage(String),

    /// `--containers`, `docker`, `serve`: the engine, its network or the
    /// bridge's address; `why` says what to do.
    #[error("{why}")]
    Containers { why: String },

    #[error(
        "{path} is not a text file (it holds bytes that are not UTF-8), so its profiles cannot be read. Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the right file, or save it as UTF-8 text"
    )]
    ConfigNotText { path: PathBuf },

    #[error(
        "profile '{profile}' has both source_profile and credential_source, and the AWS SDKs refuse a profile with both. Keep source_profile (naming the profile with your long-term AKIA… keys) and remove credential_source"
    )]
    SourceAndCredentialSource { profile: String },

    #[error(
        "profile '{profile}' is {kind}: it signs in through AWS ({login}), not with long-term keys and an MFA code, so mfa-env has nothing to do for it. Use `{login} --profile {profile}` and the profile itself, or give mfa-env a profile with long-term keys and mfa_serial"
    )]
    SignInProfile {
        profile: String,
        kind: &'static str,
        login: &'static str,
    },
}

impl Error {
    /// 127 and 126 follow the shell's convention for a command that is missing or
    /// cannot be run, 130 for a dialog's Cancel as for Ctrl-C; everything else mfa-env reports is a setup or AWS error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::CommandNotFound { .. } => ExitCode::from(127),
            // As a shell reports a command ended by Ctrl-C.
            Error::Cancelled { .. } => ExitCode::from(130),
            Error::Exec { .. } | Error::NotExecutable { .. } => ExitCode::from(126),
            Error::BadDestination { .. } | Error::BadService { .. } => ExitCode::from(2),
            Error::Usage(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}
