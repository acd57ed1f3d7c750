//! Every variant's whole message, as users read it, against expected.txt: a
//! rename that reaches the words shows up here. To add a variant, give it a
//! sample below (`kind` will not compile without it) and its lines in
//! expected.txt; a failing run writes the whole text as it is to
//! target/expected.txt, to compare and copy over.

use super::{Error, FirstCode};
use std::fmt::Write;
use std::io;
use std::path::PathBuf;

/// The variant's name; a match without `_`, so a new variant must be named here.
fn kind(err: &Error) -> &'static str {
    match err {
        Error::NoConfigFiles { .. } => "NoConfigFiles",
        Error::ConfigTooLarge { .. } => "ConfigTooLarge",
        Error::ConfigUnreadable { .. } => "ConfigUnreadable",
        Error::ProfileNotFound { .. } => "ProfileNotFound",
        Error::MissingKeys { .. } => "MissingKeys",
        Error::Keystore { .. } => "Keystore",
        Error::Iam { .. } => "Iam",
        Error::Rotation { .. } => "Rotation",
        Error::TemporaryKeys { .. } => "TemporaryKeys",
        Error::SourceNotFound { .. } => "SourceNotFound",
        Error::SourceCycle { .. } => "SourceCycle",
        Error::NoSourceProfile { .. } => "NoSourceProfile",
        Error::BadRoleArn { .. } => "BadRoleArn",
        Error::EmptyExternalId { .. } => "EmptyExternalId",
        Error::BadDurationSeconds { .. } => "BadDurationSeconds",
        Error::RoleDuration { .. } => "RoleDuration",
        Error::MinTtl { .. } => "MinTtl",
        Error::NoSerial { .. } => "NoSerial",
        Error::UserArnSerial { .. } => "UserArnSerial",
        Error::BadSerial { .. } => "BadSerial",
        Error::BadCode { .. } => "BadCode",
        Error::NoCode { .. } => "NoCode",
        Error::TokenCommand { .. } => "TokenCommand",
        Error::Cancelled { .. } => "Cancelled",
        Error::Dialog { .. } => "Dialog",
        Error::BadPrompt { .. } => "BadPrompt",
        Error::CodeUnreadable { .. } => "CodeUnreadable",
        Error::BadRegion { .. } => "BadRegion",
        Error::CaBundle { .. } => "CaBundle",
        Error::Sts { .. } => "Sts",
        Error::Unreachable { .. } => "Unreachable",
        Error::Timeout { .. } => "Timeout",
        Error::BadResponse { .. } => "BadResponse",
        Error::StaleSession { .. } => "StaleSession",
        Error::Request { .. } => "Request",
        Error::Runtime(_) => "Runtime",
        Error::Unrepresentable { .. } => "Unrepresentable",
        Error::ControlCharacter { .. } => "ControlCharacter",
        Error::SelfReference { .. } => "SelfReference",
        Error::CredentialProcessLoop { .. } => "CredentialProcessLoop",
        Error::ConsoleUserProfile { .. } => "ConsoleUserProfile",
        Error::ConsolePartition { .. } => "ConsolePartition",
        Error::BadDestination { .. } => "BadDestination",
        Error::BadService { .. } => "BadService",
        Error::BadFederationUrl { .. } => "BadFederationUrl",
        Error::FederationRefused { .. } => "FederationRefused",
        Error::NoSigninToken { .. } => "NoSigninToken",
        Error::FederationUnreachable { .. } => "FederationUnreachable",
        Error::FederationTimeout { .. } => "FederationTimeout",
        Error::Stdout(_) => "Stdout",
        Error::CommandNotFound { .. } => "CommandNotFound",
        Error::Exec { .. } => "Exec",
        Error::NotExecutable { .. } => "NotExecutable",
        Error::Endpoint { .. } => "Endpoint",
        Error::TerminalTaken { .. } => "TerminalTaken",
        Error::Usage(_) => "Usage",
        Error::Containers { .. } => "Containers",
        Error::ConfigNotText { .. } => "ConfigNotText",
        Error::SourceAndCredentialSource { .. } => "SourceAndCredentialSource",
        Error::SignInProfile { .. } => "SignInProfile",
    }
}

const URL: &str = "https://sts.eu-west-1.amazonaws.com";
const FEDERATION: &str = "https://signin.aws.amazon.com/federation";

/// One of each variant, with values as a run would give them.
fn samples() -> Vec<Error> {
    let s = |text: &str| text.to_string();
    vec![
        Error::NoConfigFiles {
            config: PathBuf::from("/home/u/.aws/config"),
            credentials: PathBuf::from("/home/u/.aws/credentials"),
        },
        Error::ConfigTooLarge {
            path: PathBuf::from("/home/u/.aws/config"),
            size: 20,
        },
        Error::ConfigUnreadable {
            why: s("/home/u/.aws/config line 3: expected ']'"),
        },
        Error::ProfileNotFound {
            profile: s("wrok"),
            from: " (from AWS_PROFILE)",
            files: s("/home/u/.aws/config and /home/u/.aws/credentials"),
            found: s("default, work"),
            fix: "Fix AWS_PROFILE, or ",
        },
        Error::Keystore {
            what: s("could not read the keys of profile 'work' in the OS keystore"),
            why: s("no Secret Service (GNOME Keyring, KeePassXC) runs on the D-Bus session"),
            fix: s("Start a desktop session, or start and unlock the Secret Service yourself"),
        },
        Error::Iam {
            operation: "CreateAccessKey",
            why: s(
                "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: iam:CreateAccessKey",
            ),
            fix: s(
                "Your IAM policy must let your user list, create and delete its own access keys (iam:ListAccessKeys, iam:CreateAccessKey, iam:DeleteAccessKey on arn:aws:iam::ACCOUNT:user/${aws:username}) with MFA",
            ),
        },
        Error::Rotation {
            profile: s("work"),
            why: s("IAM DeleteAccessKey failed: AccessDenied: not authorized"),
            state: s(
                "the new key AKIA…5678 exists in IAM and is stored in the OS keystore (runs use it); the old key AKIA…1234 could not be deleted and still exists in IAM",
            ),
            fix: s(
                "Delete it with `mfa-env -p work -- aws iam delete-access-key --user-name alice --access-key-id AKIAFAKEFAKEFAKE1234`",
            ),
        },
        Error::MissingKeys {
            profile: s("work"),
            missing: "aws_secret_access_key",
            file: PathBuf::from("/home/u/.aws/credentials"),
        },
        Error::TemporaryKeys {
            profile: s("work"),
            file: PathBuf::from("/home/u/.aws/credentials"),
            why: "it has an aws_session_token",
        },
        Error::SourceNotFound {
            profile: s("admin"),
            source_profile: s("base"),
            files: s("/home/u/.aws/config and /home/u/.aws/credentials"),
        },
        Error::SourceCycle {
            chain: s("a → b → a"),
        },
        Error::NoSourceProfile {
            profile: s("admin"),
        },
        Error::BadRoleArn {
            profile: s("admin"),
            arn: s("arn:aws:iam::123456789012:user/alice"),
        },
        Error::EmptyExternalId {
            profile: s("admin"),
        },
        Error::BadDurationSeconds {
            profile: s("admin"),
            value: s("1h"),
        },
        Error::RoleDuration {
            asked: s("13h"),
            why: "AssumeRole gives at most 12 hours",
            flag: true,
        },
        Error::MinTtl {
            min_ttl: s("2h00m"),
            profile: s("admin"),
            cap: s(
                "is a role session assumed with the MFA session, which AWS caps at 1h00m (role chaining)",
            ),
            fix: s(
                "Give a --min-ttl under 1h00m, or -d over 1h (up to 12h, within the role's maximum session duration) to assume the role directly with the long-term keys and a code",
            ),
        },
        Error::NoSerial {
            profile: s("work"),
            config: PathBuf::from("/home/u/.aws/config"),
        },
        Error::UserArnSerial {
            serial: s("arn:aws:iam::123456789012:user/alice"),
            suggestion: s("arn:aws:iam::123456789012:mfa/alice"),
        },
        Error::BadSerial { serial: s("alice") },
        Error::BadCode {
            why: s("has 5 digits"),
        },
        Error::NoCode {
            why: s("there is no terminal to ask on"),
        },
        Error::TokenCommand {
            program: s("op"),
            origin: s("mfa_process in profile 'work'"),
            why: s("printed no 6-digit code"),
        },
        Error::Cancelled {
            how: s("the prompt was interrupted"),
        },
        Error::Dialog {
            program: "zenity",
            why: s("could not open the display"),
        },
        Error::BadPrompt {
            value: s("gui"),
            origin: s("--prompt"),
            names: s("auto, terminal, zenity, kdialog, osascript, ykman"),
        },
        Error::CodeUnreadable {
            source_name: "stdin",
            why: s("it is empty"),
        },
        Error::BadRegion {
            region: s("eu west 1"),
        },
        Error::CaBundle {
            path: s("/etc/ca.pem"),
            why: s("No such file or directory (os error 2)"),
        },
        Error::Sts {
            code: s("AccessDenied"),
            message: s("MultiFactorAuthentication failed with invalid MFA one time pass code"),
            hint: s(
                "The code was wrong or already used: each code works only once. Wait for the next code and run mfa-env again",
            ),
        },
        Error::Unreachable {
            url: s(URL),
            why: s("connection refused"),
        },
        Error::Timeout {
            url: s(URL),
            secs: 30,
        },
        Error::BadResponse {
            url: s(URL),
            why: s("HTTP status 200 without credentials"),
        },
        Error::StaleSession {
            url: s(URL),
            expiration: s("2026-01-01T00:00:00Z"),
            left: s("5m ago"),
            asked: s("12h"),
        },
        Error::Request {
            why: s("no credentials to sign with"),
        },
        Error::Runtime(io::Error::other("too many open files")),
        Error::Unrepresentable {
            name: "AWS_SESSION_TOKEN",
            format: "dotenv",
        },
        Error::ControlCharacter {
            name: "AWS_SESSION_TOKEN",
        },
        Error::SelfReference { profile: s("work") },
        Error::CredentialProcessLoop { profile: s("work") },
        Error::ConsoleUserProfile {
            profile: s("work"),
            signin: s("https://123456789012.signin.aws.amazon.com/console"),
            partition: s("aws"),
            account: s("123456789012"),
            keys_profile: s("work"),
        },
        Error::ConsolePartition {
            arn: s("arn:aws-iso:iam::123456789012:role/admin"),
            partition: s("aws-iso"),
        },
        Error::BadDestination {
            url: s("http://example.com/"),
            why: "is not https",
            partition: "aws",
            console: "console.aws.amazon.com",
        },
        Error::BadService { name: s("S3!") },
        Error::BadFederationUrl { url: s("ftp://x") },
        Error::FederationRefused {
            url: s(FEDERATION),
            status: 400,
            body: "",
            hint: s(
                "It takes only a valid role session: if the cached one expired early or was revoked, run again with --refresh",
            ),
        },
        Error::NoSigninToken {
            url: s(FEDERATION),
            status: 200,
            what: "without a SigninToken",
        },
        Error::FederationUnreachable {
            url: s(FEDERATION),
            why: s("connection refused"),
        },
        Error::FederationTimeout {
            url: s(FEDERATION),
            secs: 30,
        },
        Error::Stdout(io::Error::other("No space left on device")),
        Error::CommandNotFound {
            name: s("terrafrom"),
        },
        Error::Exec {
            name: s("./run"),
            why: s("Exec format error (os error 8)"),
        },
        Error::NotExecutable {
            name: s("./run"),
            why: s("Permission denied (os error 13)"),
        },
        Error::Endpoint {
            why: s("Cannot assign requested address (os error 99)"),
        },
        Error::TerminalTaken {
            profile: s("work"),
            first: Some(FirstCode::Flag),
        },
        Error::Usage(s(
            "--server needs a command to serve the session to: mfa-env --server -p PROFILE -- COMMAND, or mfa-env shell --server",
        )),
        Error::Containers {
            why: s(
                "docker is not installed: install Docker, or name the CLI with MFA_ENV_CONTAINER_CLI",
            ),
        },
        Error::ConfigNotText {
            path: PathBuf::from("/home/u/.aws/config"),
        },
        Error::SourceAndCredentialSource {
            profile: s("admin"),
        },
        Error::SignInProfile {
            profile: s("sso"),
            kind: "an IAM Identity Center (SSO) profile",
            login: "aws sso login",
        },
    ]
}

/// Each sample as `Kind: message` and, for doctor, `  fix: …`.
fn render() -> String {
    let mut out = String::new();
    for err in samples() {
        let _ = writeln!(out, "{}: {err}", kind(&err));
        let message = err.message();
        let _ = writeln!(out, "  what: {}", message.what);
        if let Some(fix) = message.fix {
            let _ = writeln!(out, "  fix: {fix}");
        }
    }
    out
}

#[test]
fn every_message_is_as_expected() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let got = render();
    let expected =
        std::fs::read_to_string(format!("{dir}/src/error/expected.txt")).unwrap_or_default();
    if got != expected {
        // The text as it is now, to compare (and, once reviewed, copy over).
        let _ = std::fs::write(format!("{dir}/target/expected.txt"), &got);
    }
    for (line, (want, have)) in expected.lines().zip(got.lines()).enumerate() {
        assert_eq!(
            have,
            want,
            "src/error/expected.txt line {} (the whole text as it is now: target/expected.txt)",
            line + 1
        );
    }
    assert_eq!(got, expected, "src/error/expected.txt");
}

#[test]
fn every_variant_has_a_sample() {
    let mut kinds: Vec<&str> = samples().iter().map(kind).collect();
    let all = kinds.len();
    kinds.dedup();
    assert_eq!(kinds.len(), all, "one sample per variant");
    assert_eq!(all, 60, "a sample for each variant");
}
