//! The words of every error: what failed and why (`what`), and how to fix
//! it (`fix`), kept apart so `doctor` can show them on their own lines. An
//! error prints as "what. Fix".

use super::{Error, FirstCode};
use std::fmt;

/// An error in words: what failed and why, and how to fix it (a sentence
/// that starts with a capital, or none when there is nothing to say).
pub struct Message {
    pub what: String,
    pub fix: Option<String>,
}

impl Error {
    /// The error's words, what and fix apart.
    pub fn message(&self) -> Message {
        let (what, fix) = match self {
            Error::NoConfigFiles { config, credentials } => { let config = config.display(); let credentials = credentials.display(); (format!("no AWS configuration found: neither {config} nor {credentials} exists"), Some("Create them with `aws configure --profile NAME`, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at them".into())) }
            Error::ConfigTooLarge { path, size } => { let path = path.display(); (format!("{path} is {size} MiB, and an AWS config or credentials file is a few KB: mfa-env reads none over 16 MiB"), Some("Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the right file, or trim it".into())) }
            Error::ConfigUnreadable { why } => (format!("could not read the AWS configuration ({why})"), Some("Fix that line, then run mfa-env again".into())),
            Error::ProfileNotFound { profile, from, files, found, fix } => (format!("profile '{profile}'{from} was not found in {files}; profiles found: {found}"), Some(format!("{fix}add [profile {profile}] to the config file"))),
            Error::Keystore { what, why, fix } => {
                let mut fix = fix.clone();
                if let Some(first) = fix.get(..1).map(str::to_uppercase) {
                    fix.replace_range(..1, &first);
                }
                (format!("{what}: {why}"), Some(fix))
            }
            Error::Iam { operation, why, fix } => (format!("IAM {operation} failed: {why}"), Some(fix.clone())),
            Error::Rotation { profile, why, state, fix } => (format!("rotating the keys of profile '{profile}' stopped: {why}; {state}"), Some(fix.clone())),
            Error::MissingKeys { profile, missing, file } => { let file = file.display(); (format!("profile '{profile}' has no {missing}, so there is no long-term key to sign the STS request with"), Some(format!("Add aws_access_key_id and aws_secret_access_key (your permanent AKIA… key) under [{profile}] in {file}, e.g. with `aws configure --profile {profile}`, or store them in the OS keystore with `mfa-env keys add {profile}`"))) }
            Error::TemporaryKeys { profile, file, why } => { let file = file.display(); (format!("profile '{profile}' in {file} holds temporary session keys ({why}), not the permanent AKIA… keys, and STS refuses to make an MFA session from a session (\"Cannot call GetSessionToken with session credentials\")"), Some("Put the long-term aws_access_key_id and aws_secret_access_key back and remove aws_session_token; mfa-env never needs a session in that file".into())) }
            Error::SourceNotFound { profile, source_profile, files } => (format!("profile '{profile}' names source_profile '{source_profile}', which is not in {files}"), Some("Fix source_profile, or add that profile with the long-term keys".into())),
            Error::SourceCycle { chain } => (format!("the source_profile chain goes round in a circle: {chain}"), Some("Point the last source_profile at a profile with long-term keys".into())),
            Error::NoSourceProfile { profile } => (format!("profile '{profile}' has a role_arn but no source_profile, so mfa-env does not know whose long-term keys assume the role"), Some("Add `source_profile = NAME` naming the profile with your AKIA… keys (credential_source is not supported)".into())),
            Error::BadRoleArn { profile, arn } => (format!("profile '{profile}' has role_arn '{arn}', which is not a role ARN"), Some("It must look like arn:aws:iam::ACCOUNT:role/NAME".into())),
            Error::EmptyExternalId { profile } => (format!("profile '{profile}' has an empty external_id"), Some("Remove the line, or set it to the external ID the role's trust policy asks for".into())),
            Error::BadDurationSeconds { profile, value } => (format!("profile '{profile}' has duration_seconds = {value}, which is not a number of seconds"), Some("Use e.g. duration_seconds = 3600".into())),
            Error::RoleDuration { asked, why, .. } => (format!("a role session of {asked} is longer than AWS allows: {why}"), Some("Ask for less with --duration or duration_seconds".into())),
            Error::MinTtl { min_ttl, profile, cap, fix } => (format!("--min-ttl {min_ttl} cannot be met: a new session of profile '{profile}' {cap}, so none would ever have more than {min_ttl} left, and every run (every request under --server) would ask STS for another"), Some(fix.clone())),
            Error::NoSerial { profile, config } => { let config = config.display(); (format!("profile '{profile}' has no mfa_serial, so mfa-env does not know which MFA device to ask for"), Some(format!("Add `mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME` (IAM console → your user → Security credentials → Assigned MFA device) to [profile {profile}] in {config}, or pass --serial ARN"))) }
            Error::UserArnSerial { serial, suggestion } => (format!("the MFA serial '{serial}' is a user ARN, not an MFA device: STS would answer \"unable to validate MFA code\""), Some(format!("Use the device ARN, which looks like {suggestion} (IAM console → your user → Security credentials → Assigned MFA device)"))),
            Error::BadSerial { serial } => (format!("the MFA serial '{serial}' is not an MFA device ARN"), Some("It must look like arn:aws:iam::ACCOUNT:mfa/NAME (or a hardware token's serial number); copy it from IAM console → your user → Security credentials → Assigned MFA device".into())),
            Error::BadCode { why } => (format!("the MFA code must be 6 digits, and this one {why}"), Some("Type the 6 digits your authenticator shows now".into())),
            Error::NoCode { why } => (format!("no MFA code: {why}"), Some("Pass it with --token-code CODE or --token-code - (one line of stdin), name a command that prints it with --token-command CMD or mfa_process in the profile, run mfa-env in a terminal so it can ask, or on a desktop where it can show a dialog (--prompt zenity, kdialog or osascript)".into())),
            Error::TokenCommand { program, origin, why } => (format!("the MFA token command {program} (from {origin}) {why}"), Some("Fix the command, or pass the code with --token-code".into())),
            Error::Cancelled { how } => (format!("no MFA code: {how}, so nothing was written or cached"), Some("Run the command again when you have the code".into())),
            Error::Dialog { program, why } => (format!("the {program} dialog for the MFA code {why}"), Some("Use another --prompt (terminal, zenity, kdialog, osascript), or pass the code with --token-code".into())),
            Error::BadPrompt { value, origin, names } => (format!("{origin} is '{value}', which is not a way to ask for the code"), Some(format!("Use one of: {names}"))),
            Error::CodeUnreadable { source_name, why } => (format!("could not read the MFA code from {source_name}: {why}"), None),
            Error::BadRegion { region } => (format!("region '{region}' is not a region name: AWS needs letters, digits and dashes, like eu-west-1"), Some("Fix --region, the profile's region, or AWS_REGION".into())),
            Error::CaBundle { path, why } => (format!("AWS_CA_BUNDLE / ca_bundle '{path}' could not be read ({why})"), Some("Point it at a readable PEM file, or unset it to use the system's certificates".into())),
            Error::Sts { code, message, hint } => (format!("STS refused the request: {code}: {message}"), Some(hint.clone())),
            Error::Unreachable { url, why } => (format!("STS at {url} could not be reached: {why}"), Some("Check the network, HTTPS_PROXY / NO_PROXY, and the region or AWS_ENDPOINT_URL_STS".into())),
            Error::Timeout { url, secs } => (format!("STS at {url} did not answer within {secs} seconds"), Some("Check the network, HTTPS_PROXY / NO_PROXY, and the region or AWS_ENDPOINT_URL_STS; the MFA code was not retried, so wait for the next one before trying again".into())),
            Error::BadResponse { url, why } => (format!("STS at {url} gave an answer mfa-env does not understand ({why})"), Some("Is AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL pointing at STS?".into())),
            Error::StaleSession { url, expiration, left, asked } => (format!("STS at {url} handed out a session that expires at {expiration}: {left}, though {asked} were asked for. Nothing was exported or cached"), Some(format!("This machine's clock is likely wrong (check it: timedatectl, or date -u), or {url} is not AWS STS (check AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL)"))),
            Error::Request { why } => (format!("the STS request could not be made: {why}"), None),
            Error::Runtime(v0) => (format!("could not start the async runtime: {v0}"), None),
            Error::Unrepresentable { name, format } => (format!("{name} holds a character that {format} cannot carry safely"), Some("Use --format sh or json".into())),
            Error::ControlCharacter { name } => (format!("the session's {name} holds a control character (NUL, a line break or another), which no real STS answer has and no shell carries safely; nothing was printed"), Some("Is AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL pointing at STS?".into())),
            Error::SelfReference { profile } => (format!("profile '{profile}' gets its credentials from `mfa-env credential-process` itself, so it holds no long-term keys and reading it would call mfa-env again"), Some("Give --profile the profile that holds the AKIA… keys (the one named after --profile in that credential_process line)".into())),
            Error::CredentialProcessLoop { profile } => ("mfa-env credential-process was started by its own token command (a loop through credential_process)".into(), Some(format!("Make the token command print the code without calling the AWS CLI or an SDK with profile '{profile}'"))),
            Error::ConsoleUserProfile { profile, signin, partition, account, keys_profile } => (format!("profile '{profile}' is an IAM user's own profile, and AWS does not let its MFA session (from GetSessionToken) sign in to the console: the federation endpoint takes only role sessions. mfa-env does not fall back to GetFederationToken, which carries no MFA (a \"deny unless MFA\" policy blocks it)"), Some(format!("Sign in at {signin} with your password and MFA device, or add a role profile ([profile NAME] role_arn = arn:{partition}:iam::{account}:role/ROLE, source_profile = {keys_profile}) and run mfa-env console -p NAME"))),
            Error::ConsolePartition { arn, partition } => (format!("the role {arn} is in partition '{partition}', whose console mfa-env does not know (it knows aws, aws-cn and aws-us-gov)"), Some("Sign in through your partition's own sign-in page".into())),
            Error::BadDestination { url, why, partition, console } => (format!("--destination '{url}' {why}"), Some(format!("Give an https URL of the {partition} console ({console} or one of its subdomains): mfa-env hands the sign-in page no other address"))),
            Error::BadService { name } => (format!("--service '{name}' is not a console service name"), Some("Give the service's path in the console, like s3, ec2, iam or cloudformation (lowercase letters, digits and dashes), or a console URL with --destination".into())),
            Error::BadFederationUrl { url } => (format!("MFA_ENV_FEDERATION_URL '{url}' is not an http or https URL"), Some("Set it to the federation endpoint, like https://signin.aws.amazon.com/federation, or unset it".into())),
            Error::FederationRefused { url, status, body, hint } => (format!("the AWS federation endpoint {url} refused the sign-in token: HTTP {status}{body}"), Some(format!("{hint}. No browser was started"))),
            Error::NoSigninToken { url, status, what } => (format!("the AWS federation endpoint {url} answered HTTP {status} {what}"), Some("Is MFA_ENV_FEDERATION_URL pointing at the federation endpoint? No browser was started".into())),
            Error::FederationUnreachable { url, why } => (format!("the AWS federation endpoint {url} could not be reached (no HTTP status): {why}"), Some("Check the network, HTTPS_PROXY / NO_PROXY and MFA_ENV_FEDERATION_URL. No browser was started".into())),
            Error::FederationTimeout { url, secs } => (format!("the AWS federation endpoint {url} did not answer within {secs} seconds (no HTTP status)"), Some("Check the network, HTTPS_PROXY / NO_PROXY and MFA_ENV_FEDERATION_URL. No browser was started".into())),
            Error::Stdout(v0) => (format!("could not write to stdout: {v0}"), None),
            Error::CommandNotFound { name } => (format!("command not found: {name}"), Some("Check the spelling, or that it is installed and on PATH".into())),
            Error::Exec { name, why } => (format!("could not run {name}: {why}"), None),
            Error::NotExecutable { name, why } => (format!("could not run {name}: {why}"), None),
            Error::Endpoint { why } => (format!("could not open the credential endpoint for --server: {why}"), Some("Check that the loopback interface is up (ip link set lo up); nothing was run".into())),
            Error::TerminalTaken { profile, first } => {
                let first = match first {
                    None => "",
                    Some(FirstCode::Flag) => " (the code given with -t was for the first session only: a code works once)",
                    Some(FirstCode::Stdin) => " (stdin, read with -t -, gave the first session's code only: it is the command's once it runs)",
                };
                (format!("renewing the session of profile '{profile}' needs a new MFA code{first}; mfa-env does not ask on the terminal while it serves a command or shell there (the two would share the lines typed), and no desktop dialog works here"), Some(format!("In a shell, run `mfa-env -p {} --refresh -- true` and type the code: the endpoint then serves the session it caches. To renew without asking, give --token-command or set mfa_process; for a dialog, install zenity or kdialog and set DISPLAY or WAYLAND_DISPLAY", crate::quote::sh_word(profile))))
            }
            Error::Usage(v0) => (v0.clone(), None),
            Error::Containers { why } => (why.clone(), None),
            Error::ConfigNotText { path } => (
                format!(
                    "{} is not a text file (it holds bytes that are not UTF-8), so its profiles cannot be read",
                    path.display()
                ),
                Some("Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the right file, or save it as UTF-8 text".into()),
            ),
            Error::SourceAndCredentialSource { profile } => (
                format!(
                    "profile '{profile}' has both source_profile and credential_source, and the AWS SDKs refuse a profile with both"
                ),
                Some("Keep source_profile (naming the profile with your long-term AKIA… keys) and remove credential_source".into()),
            ),
            Error::SignInProfile { profile, kind, login } => (
                format!(
                    "profile '{profile}' is {kind}: it signs in through AWS ({login}), not with long-term keys and an MFA code, so mfa-env has nothing to do for it"
                ),
                Some(format!(
                    "Use `{login} --profile {profile}` and the profile itself, or give mfa-env a profile with long-term keys and mfa_serial"
                )),
            ),

        };
        Message { what, fix }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Message { what, fix } = self.message();
        match fix {
            Some(fix) => write!(f, "{what}. {fix}"),
            None => f.write_str(&what),
        }
    }
}

impl std::error::Error for Error {}
