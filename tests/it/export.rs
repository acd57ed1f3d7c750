//! `eval "$(mfa-env)"` in real shells: the exact environment they end up with.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;

const STALE: [(&str, &str); 9] = [
    ("AWS_ACCOUNT_ID", "999999999999"),
    ("AWS_ACCESS_KEY_ID", "ASIAOLDSESSIONOLDSESS"),
    ("AWS_SECRET_ACCESS_KEY", "old-session-secret"),
    ("AWS_SESSION_TOKEN", "old-session-token"),
    ("AWS_SECURITY_TOKEN", "old-security-token"),
    ("AWS_SESSION_EXPIRATION", "2020-01-01T00:00:00Z"),
    ("AWS_DEFAULT_PROFILE", "default"),
    ("AWS_SDK_LOAD_CONFIG", "1"),
    ("AWS_PROFILE", "default"),
];

/// Runs `eval "$(mfa-env ARGS)"` in `shell` and returns the environment before
/// and after.
fn eval_in(
    shell: &Path,
    env: &TestEnv,
    args: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let script = format!(
        "env -0 > \"$HOME/before\"; out=$(\"$0\" {args}) || exit 7; eval \"$out\" || exit 8; env -0 > \"$HOME/after\"; exit 0"
    );
    let bin = bin().to_string_lossy().into_owned();
    env.env_change(shell, &["-c", &script, &bin], "")
}

fn check_shell(name: &str) {
    let Some(shell) = tool(name) else { return };
    let (mut env, stub) = TestEnv::with_moto();
    for (k, v) in STALE {
        env.set(k, v);
    }
    let files = env.snapshot();

    let (before, after) = eval_in(&shell, &env, "--token-code 123456");

    let mut expected = before.clone();
    for name in UNSET {
        expected.remove(name);
    }
    expected.extend(session_vars(&stub, 0));
    expected.insert("AWS_ACCOUNT_ID".into(), ACCOUNT.into());
    expected.insert("AWS_REGION".into(), "eu-west-1".into());
    expected.insert("AWS_DEFAULT_REGION".into(), "eu-west-1".into());
    expected.insert("MFA_ENV_PROFILE".into(), "default".into());
    assert_eq!(after, expected, "{name} ends up with exactly the session");
    assert_eq!(env.snapshot(), files, "config and credentials untouched");
}

#[test]
fn eval_in_bash() {
    check_shell("bash");
}

#[test]
fn eval_in_dash() {
    check_shell("dash");
}

#[test]
fn eval_in_zsh() {
    check_shell("zsh");
}

#[test]
fn one_request_signed_with_long_term_keys_not_the_session_in_the_environment() {
    let (mut env, stub) = TestEnv::with_moto();
    for (k, v) in STALE {
        env.set(k, v);
    }
    let out = env.run(&["-t", "123 456"]);
    ok(&out);

    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    let auth = request.header("authorization").expect("signed");
    assert!(
        auth.contains(&format!("Credential={KEY_ID}/")),
        "signed with the profile's long-term key: {auth}"
    );
    assert!(!auth.contains("ASIAOLD"));
    assert_eq!(request.header("x-amz-security-token"), None);
    assert_eq!(request.param("Action").as_deref(), Some("GetSessionToken"));
    assert_eq!(request.param("SerialNumber").as_deref(), Some(SERIAL));
    assert_eq!(request.param("TokenCode").as_deref(), Some("123456"));
    assert_eq!(request.param("DurationSeconds").as_deref(), Some("43200"));
    assert!(auth.contains("/eu-west-1/sts/aws4_request"), "{auth}");
}

#[test]
fn stdout_is_exactly_the_export_lines() {
    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&["--token-code", "654321"]);
    ok(&out);
    let vars = session_vars(&stub, 0);
    let expected = format!(
        "export AWS_ACCESS_KEY_ID='{}'\nexport AWS_SECRET_ACCESS_KEY='{}'\nexport AWS_SESSION_TOKEN='{}'\nexport AWS_CREDENTIAL_EXPIRATION='{}'\nexport AWS_ACCOUNT_ID='123456789012'\nexport AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\nexport MFA_ENV_PROFILE='default'\nunset AWS_SECURITY_TOKEN AWS_SESSION_EXPIRATION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SDK_LOAD_CONFIG\n",
        vars["AWS_ACCESS_KEY_ID"],
        vars["AWS_SECRET_ACCESS_KEY"],
        vars["AWS_SESSION_TOKEN"],
        vars["AWS_CREDENTIAL_EXPIRATION"],
    );
    assert_eq!(stdout(&out), expected);
    assert_eq!(stderr(&out), "", "quiet by default");
}

#[test]
fn code_from_stdin_duration_region_and_profile_flags() {
    let (env, stub) = TestEnv::with_moto();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/work\n"
    ));
    env.write_credentials(&format!(
        "[work]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    let mut cmd = env.mfa_env(&[
        "-p",
        "work",
        "-t",
        "-",
        "-d",
        "90m",
        "--region",
        "ap-south-1",
    ]);
    use std::process::Stdio;
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"222333\n")
        .expect("write code");
    let out = child.wait_with_output().expect("wait");
    ok(&out);
    let text = stdout(&out);
    assert!(text.contains("export AWS_REGION='ap-south-1'\n"));
    assert!(text.contains("export MFA_ENV_PROFILE='work'\n"));
    let request = &stub.requests()[0];
    assert_eq!(request.param("TokenCode").as_deref(), Some("222333"));
    assert_eq!(request.param("DurationSeconds").as_deref(), Some("5400"));
    assert_eq!(
        request.param("SerialNumber").as_deref(),
        Some("arn:aws:iam::123456789012:mfa/work")
    );
}

#[test]
fn profile_from_aws_profile_then_mfa_env_profile() {
    let (mut env, stub) = TestEnv::with_moto();
    env.write_config(&format!(
        "[profile a]\nmfa_serial = {SERIAL}\n[profile b]\nmfa_serial = {SERIAL}\n"
    ));
    env.write_credentials(&format!(
        "[a]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n[b]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    env.set("MFA_ENV_PROFILE", "b");
    let out = env.run(&["-t", "123456"]);
    assert!(
        stdout(&out).contains("export MFA_ENV_PROFILE='b'\n"),
        "{}",
        stderr(&out)
    );
    env.set("AWS_PROFILE", "a");
    let out = env.run(&["--no-cache", "-t", "123456"]);
    assert!(
        stdout(&out).contains("export MFA_ENV_PROFILE='a'\n"),
        "{}",
        stderr(&out)
    );
    // No region anywhere: none exported, STS signed for us-east-1.
    assert!(!stdout(&out).contains("AWS_REGION"));
    let auth = stub.requests()[1]
        .header("authorization")
        .unwrap_or("")
        .to_string();
    assert!(auth.contains("/us-east-1/sts/aws4_request"), "{auth}");
}

#[test]
fn odd_profile_name_survives_the_round_trip() {
    let (env, _stub) = TestEnv::with_moto();
    // The AWS profile parser allows only [A-Za-z0-9_-/.%@:+] in names.
    let profile = "a/b.c%d@e:f+g-h_i";
    env.write_config(&format!("[profile {profile}]\nmfa_serial = {SERIAL}\n"));
    env.write_credentials(&format!(
        "[{profile}]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    for shell in ["bash", "dash", "zsh"] {
        let Some(shell) = tool(shell) else { continue };
        let (_, after) = eval_in(&shell, &env, &format!("-t 123456 -p '{profile}'"));
        assert_eq!(
            after.get("MFA_ENV_PROFILE").map(String::as_str),
            Some(profile)
        );
    }
}

#[test]
fn hostile_region_is_refused_before_any_request_and_runs_nothing() {
    let (env, stub) = TestEnv::with_moto();
    let region = "it's$(touch${IFS}pwned)`touch${IFS}pwned2`\"q\"\\;*!$HOME'";
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = {region}\n"
    ));
    let out = env.run(&["-t", "123456"]);
    assert_fails(
        &out,
        &[
            &format!("region '{region}' is not a region name"),
            "eu-west-1",
        ],
    );
    let out = env.run(&["-t", "123456", "--region", "eu west\n1"]);
    assert_fails(&out, &["region 'eu west1' is not a region name"]);
    assert_eq!(stub.count(), 0);
    for planted in ["pwned", "pwned2"] {
        assert!(
            !env.home().join("work").join(planted).exists(),
            "{planted} ran"
        );
    }
}

#[test]
fn hostile_profile_flag_is_reported_cleanly() {
    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&["-t", "123456", "-p", "x'$(touch pwned)\n\u{1b}[31mfake"]);
    assert_fails(
        &out,
        &[
            "profile 'x'$(touch pwned)[31mfake' (from --profile) was not found",
            "profiles found: default",
        ],
    );
    assert!(!stderr(&out).contains('\u{1b}'));
    assert_eq!(stub.count(), 0);
    assert!(!env.home().join("work/pwned").exists());
}
