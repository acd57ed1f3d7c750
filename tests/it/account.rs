//! The account id as the SDKs read it: AWS_ACCOUNT_ID in the environment and
//! AccountId in the credential_process JSON, from the role's ARN or the MFA
//! device's; absent (and a stale one removed) when no ARN names it.

use crate::common::*;
use std::collections::BTreeMap;

/// A role in another account than the user's MFA device.
const ROLE: &str = "arn:aws:iam::210987654321:role/admin";
const ROLE_ACCOUNT: &str = "210987654321";

/// `default` (device in ACCOUNT), `admin` (ROLE from default), `token` (a
/// hardware token's serial, no account), `via` and `via-token` (the AWS CLI's
/// profiles that run mfa-env as credential_process for admin and token).
fn accounts_env() -> (TestEnv, Stub) {
    let stub = Stub::moto();
    let mut env = TestEnv::empty();
    env.endpoint(&stub.url()).with_binary_on_path();
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\
         [token]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    let bin = bin().display().to_string();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\
         [profile admin]\nrole_arn = {ROLE}\nsource_profile = default\nregion = eu-central-1\n\
         [profile token]\nmfa_serial = GAHT12345678\nregion = eu-west-1\n\
         [profile via]\nregion = eu-central-1\ncredential_process = {bin} credential-process --profile admin -t {CODE}\n\
         [profile via-token]\nregion = eu-west-1\ncredential_process = {bin} credential-process --profile token -t {CODE}\n"
    ));
    env.set("AWS_CONFIG_FILE", &env.config_path().display().to_string());
    env.set("AWS_ACCOUNT_ID", "999999999999");
    (env, stub)
}

/// `-f json` of PROFILE: the account variable's value (None when unset).
fn exported_account(env: &TestEnv, profile: &str) -> serde_json::Value {
    let out = env.run(&["-p", profile, "-t", CODE, "-f", "json"]);
    ok(&out);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    value["AWS_ACCOUNT_ID"].clone()
}

/// The credential_process JSON of PROFILE.
fn credential_process(env: &TestEnv, profile: &str) -> serde_json::Value {
    let out = env.run(&["credential-process", "-p", profile, "-t", CODE]);
    ok(&out);
    serde_json::from_str(&stdout(&out)).expect("json")
}

#[test]
fn the_account_comes_from_the_role_or_the_device_and_is_never_guessed() {
    let (env, _stub) = accounts_env();
    assert_eq!(exported_account(&env, "default"), ACCOUNT);
    assert_eq!(exported_account(&env, "admin"), ROLE_ACCOUNT);
    // Unset, not left at the stale 999999999999 nor guessed.
    assert_eq!(exported_account(&env, "token"), serde_json::Value::Null);

    assert_eq!(credential_process(&env, "default")["AccountId"], ACCOUNT);
    assert_eq!(credential_process(&env, "admin")["AccountId"], ROLE_ACCOUNT);
    let answer = credential_process(&env, "token");
    let keys: Vec<&str> = answer
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );

    // In a real shell: the stale account id goes.
    let script = "env -0 > \"$HOME/before\"; eval \"$(mfa-env -p token -t 914725)\" || exit 7; env -0 > \"$HOME/after\"";
    let (before, after): (BTreeMap<_, _>, BTreeMap<_, _>) =
        env.env_change(std::path::Path::new("/bin/sh"), &["-c"], script);
    assert_eq!(
        before.get("AWS_ACCOUNT_ID").map(String::as_str),
        Some("999999999999")
    );
    assert_eq!(after.get("AWS_ACCOUNT_ID"), None);
}

/// How boto3 got the credentials of `profile` and the account it read: with
/// no profile, from the environment of `mfa-env -p admin -- python3`.
fn boto3_account(env: &TestEnv, python: &std::path::Path, profile: Option<&str>) -> String {
    let code = "import sys, boto3\n\
                s = boto3.Session(profile_name=sys.argv[1] or None)\n\
                c = s.get_credentials()\n\
                print(c.method, c.get_frozen_credentials().account_id)";
    let mut cmd = match profile {
        Some(profile) => {
            let mut cmd = env.command(python);
            cmd.args(["-c", code, profile]);
            cmd
        }
        None => {
            let mut cmd = env.command(bin());
            cmd.args(["-p", "admin", "-t", CODE, "--"]);
            cmd.arg(python).args(["-c", code, ""]);
            cmd
        }
    };
    let out = cmd.output().expect("python3");
    assert!(out.status.success(), "boto3: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

#[test]
fn boto3_reads_the_account_from_the_environment_and_credential_process() {
    let Some(python) = tool("python3") else {
        return;
    };
    let (env, _stub) = accounts_env();
    assert_eq!(
        boto3_account(&env, &python, None),
        format!("env {ROLE_ACCOUNT}")
    );
    assert_eq!(
        boto3_account(&env, &python, Some("via")),
        format!("custom-process {ROLE_ACCOUNT}")
    );
    assert_eq!(
        boto3_account(&env, &python, Some("via-token")),
        "custom-process None"
    );
}

/// The AWS CLI through credential_process: DynamoDB's account-based endpoint
/// carries the account. The request itself goes to a closed port on
/// 127.0.0.1 (the proxy; STS on 127.0.0.1 is reached directly), so nothing
/// leaves the machine.
#[test]
fn aws_cli_uses_the_account_from_credential_process() {
    let Some(aws) = tool("aws") else { return };
    let (mut env, _stub) = accounts_env();
    env.vars.remove("AWS_ACCOUNT_ID");
    let proxy = closed_port_url();
    for profile in ["via", "via-token"] {
        let out = env
            .command(&aws)
            .args(["dynamodb", "list-tables", "--debug", "--profile", profile])
            .env("HTTPS_PROXY", &proxy)
            .env("HTTP_PROXY", &proxy)
            .env("NO_PROXY", "127.0.0.1")
            .env("AWS_MAX_ATTEMPTS", "1")
            .output()
            .expect("aws");
        let log = stderr(&out);
        let (account_endpoint, plain) = (
            format!("https://{ROLE_ACCOUNT}.ddb.eu-central-1.amazonaws.com"),
            "https://dynamodb.eu-west-1.amazonaws.com",
        );
        match profile {
            "via" => assert!(log.contains(&account_endpoint), "{log}"),
            _ => {
                assert!(log.contains(plain), "{log}");
                assert!(!log.contains(".ddb."), "{log}");
            }
        }
    }
}
