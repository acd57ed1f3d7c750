//! `mfa-env doctor`: each check's passing and failing case.

use crate::common::*;
use serde_json::Value;

/// One check as (check, status, detail, fix).
type Row = (String, String, String, String);

/// Runs doctor --json and returns the exit code and the checks.
fn doctor(env: &TestEnv, extra: &[&str]) -> (Option<i32>, Vec<Row>) {
    let mut args = vec!["doctor", "--json"];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    let text = stdout(&out);
    for secret in [SECRET, KEY_ID, "wJalrXUtnFEMI", "AQoEXAMPLE", "hunter2"] {
        assert!(
            !text.contains(secret) && !stderr(&out).contains(secret),
            "doctor shows a secret: {text}"
        );
    }
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text} {}", stderr(&out)));
    assert_eq!(value["ok"], Value::Bool(out.status.code() == Some(0)));
    let field = |c: &Value, k: &str| c[k].as_str().unwrap_or("").to_string();
    let checks = value["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                field(c, "check"),
                field(c, "status"),
                field(c, "detail"),
                field(c, "fix"),
            )
        })
        .collect();
    (out.status.code(), checks)
}

/// The one check named `name` whose detail contains `needle`, as (status, detail, fix).
fn find(
    checks: &[(String, String, String, String)],
    name: &str,
    needle: &str,
) -> (String, String, String) {
    checks
        .iter()
        .find(|(c, _, d, _)| c == name && d.contains(needle))
        .map(|(_, s, d, f)| (s.clone(), d.clone(), f.clone()))
        .unwrap_or_else(|| panic!("no {name} check with {needle:?} in {checks:#?}"))
}

#[test]
fn healthy_setup_online_against_moto() {
    let (env, stub) = TestEnv::with_moto();
    std::fs::set_permissions(
        env.credentials_path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .expect("chmod");
    let (code, checks) = doctor(&env, &[]);
    let statuses: Vec<(String, String)> = checks
        .iter()
        .map(|(c, s, _, _)| (c.clone(), s.clone()))
        .collect();
    let names = [
        "config files",
        "profile",
        "keys",
        "mfa serial",
        "region",
        "environment",
        "cache",
        "console",
        "sts",
        "identity",
        "clock",
    ];
    assert_eq!(
        statuses.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(),
        names
    );
    assert_eq!(find(&checks, "keys", "AKIA…1234").0, "ok");
    assert_eq!(
        find(&checks, "environment", "AWS_ENDPOINT_URL_STS").0,
        "warn"
    );
    assert_eq!(find(&checks, "sts", &stub.url()).0, "ok");
    assert_eq!(find(&checks, "identity", "the keys belong to").0, "ok");
    assert_eq!(find(&checks, "clock", "off by").0, "ok");
    assert_eq!(code, Some(0));
    assert_eq!(stub.actions(), ["GetCallerIdentity"]);
    let auth = stub.requests()[0]
        .header("authorization")
        .unwrap_or("")
        .to_string();
    assert!(
        auth.contains(&format!("Credential={KEY_ID}/")),
        "long-term keys, no MFA: {auth}"
    );

    // Readable output too, with the same verdict.
    let out = env.run(&["doctor"]);
    ok(&out);
    let text = stdout(&out);
    assert!(
        text.starts_with("mfa-env doctor: profile 'default'\n"),
        "{text}"
    );
    assert!(
        text.contains("ok    keys          AKIA…1234, long-term"),
        "{text}"
    );
    assert!(text.ends_with("0 failed, 1 warning\n"), "{text}");
}

#[test]
fn offline_makes_no_request() {
    let (env, stub) = TestEnv::with_moto();
    let (_, checks) = doctor(&env, &["--offline"]);
    for name in ["sts", "identity", "clock"] {
        assert_eq!(find(&checks, name, "--offline").0, "skip");
    }
    assert_eq!(stub.count(), 0);
}

#[test]
fn files_missing_or_open_to_others() {
    let env = TestEnv::empty();
    let (code, checks) = doctor(&env, &["--offline"]);
    assert_eq!(code, Some(1));
    let (status, _, fix) = find(&checks, "config files", "missing");
    assert_eq!(status, "fail");
    assert!(fix.contains("aws configure"), "{fix}");

    let env = TestEnv::new();
    std::fs::set_permissions(
        env.credentials_path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .expect("chmod");
    let (_, checks) = doctor(&env, &["--offline"]);
    let (status, _, fix) = find(
        &checks,
        "config files",
        "readable by group or others (mode 644)",
    );
    assert_eq!(status, "warn");
    assert_eq!(
        fix,
        format!("chmod 600 {}", env.credentials_path().display())
    );
}

#[test]
fn profile_and_keys_problems() {
    let env = TestEnv::new();
    let (code, checks) = doctor(&env, &["--offline", "-p", "nope"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        find(&checks, "profile", "profile 'nope' was not found").0,
        "fail"
    );

    env.write_credentials(&format!(
        "[default]\naws_access_key_id = ASIAPASTEDSESSIONKEY\naws_secret_access_key = {SECRET}\naws_session_token = hunter2\n"
    ));
    let (code, checks) = doctor(&env, &["--offline"]);
    assert_eq!(code, Some(1));
    let (status, _, fix) = find(&checks, "keys", "temporary session keys");
    assert_eq!(status, "fail");
    assert!(fix.contains("remove aws_session_token"), "{fix}");
    assert_eq!(find(&checks, "sts", "skipped").0, "skip");

    env.write_credentials(&format!(
        "[default]\naws_access_key_id = XYZWFAKEFAKEFAKE1234\naws_secret_access_key = {SECRET}\n"
    ));
    let (_, checks) = doctor(&env, &["--offline"]);
    assert_eq!(
        find(
            &checks,
            "keys",
            "does not look like an IAM user's access key id"
        )
        .0,
        "warn"
    );
}

#[test]
fn serial_forms() {
    let env = TestEnv::new();
    env.write_config("[default]\nmfa_serial = arn:aws:iam::123456789012:user/alice\n");
    let (code, checks) = doctor(&env, &["--offline"]);
    assert_eq!(code, Some(1));
    let (status, _, fix) = find(&checks, "mfa serial", "is a user ARN");
    assert_eq!(status, "fail");
    assert!(fix.contains("arn:aws:iam::123456789012:mfa/alice"), "{fix}");

    env.write_config("[default]\nmfa_serial = GAHT12345678\nregion = eu-west-1\n");
    let (code, checks) = doctor(&env, &["--offline"]);
    assert_eq!(
        find(&checks, "mfa serial", "a hardware token's serial number").0,
        "ok"
    );
    assert_eq!(code, Some(0));

    env.write_config("[default]\nmfa_serial = arn:aws-us-gov:iam::123456789012:mfa/alice\n");
    let (_, checks) = doctor(&env, &["--offline"]);
    assert_eq!(find(&checks, "mfa serial", "partition aws-us-gov").0, "ok");
    assert_eq!(
        find(
            &checks,
            "region",
            "us-gov-west-1 (the usual region of partition aws-us-gov)"
        )
        .0,
        "ok"
    );

    env.write_config("[default]\nregion = eu-west-1\n");
    let (_, checks) = doctor(&env, &["--offline"]);
    assert_eq!(find(&checks, "mfa serial", "has no mfa_serial").0, "fail");
}

#[test]
fn environment_that_overrides_or_confuses() {
    let mut env = TestEnv::new();
    env.set("AWS_ACCESS_KEY_ID", "ASIAOLDSESSIONOLD123")
        .set("AWS_SESSION_TOKEN", "hunter2")
        .set("AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z")
        .set("MFA_ENV_PROFILE", "default")
        .set("AWS_SECURITY_TOKEN", "hunter2")
        .set("AWS_PROFILE", "other")
        .set("AWS_CA_BUNDLE", "/nonexistent/ca.pem")
        .set("HTTPS_PROXY", "http://user:hunter2@proxy.internal:3128");
    let (code, checks) = doctor(&env, &["--offline", "-p", "default"]);
    assert_eq!(code, Some(1), "the unreadable CA bundle fails");
    let (status, detail, fix) = find(&checks, "environment", "expired at 2020-01-01T00:00:00Z");
    assert_eq!(status, "warn");
    assert!(
        detail.contains("ASIA…D123 of profile 'default' from mfa-env"),
        "{detail}"
    );
    assert!(fix.contains("eval \"$(mfa-env)\""));
    assert_eq!(
        find(&checks, "environment", "AWS_SECURITY_TOKEN is set").0,
        "warn"
    );
    let (status, detail, _) = find(&checks, "environment", "AWS_PROFILE=other");
    assert_eq!(status, "warn");
    assert!(
        detail.contains("differs from MFA_ENV_PROFILE=default"),
        "{detail}"
    );
    assert_eq!(
        find(
            &checks,
            "environment",
            "AWS_CA_BUNDLE=/nonexistent/ca.pem cannot be read"
        )
        .0,
        "fail"
    );
    assert_eq!(
        find(
            &checks,
            "environment",
            "HTTPS_PROXY=http://***@proxy.internal:3128"
        )
        .0,
        "ok"
    );

    let mut env = TestEnv::new();
    env.set("AWS_ACCESS_KEY_ID", KEY_ID)
        .set("AWS_SECRET_ACCESS_KEY", SECRET);
    let (_, checks) = doctor(&env, &["--offline"]);
    let (status, _, fix) = find(
        &checks,
        "environment",
        "long-term keys AKIA…1234 in AWS_ACCESS_KEY_ID",
    );
    assert_eq!(status, "warn");
    assert!(fix.starts_with("unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY"));

    let env = TestEnv::new();
    let (_, checks) = doctor(&env, &["--offline"]);
    assert_eq!(
        find(&checks, "environment", "no AWS variables here").0,
        "ok"
    );
}

#[test]
fn cache_modes_and_time_left() {
    let (env, _stub) = TestEnv::with_moto();
    let (_, checks) = doctor(&env, &["--offline"]);
    assert_eq!(find(&checks, "cache", "not made yet").0, "ok");
    assert_eq!(env.run(&["-t", CODE]).status.code(), Some(0));
    let (_, checks) = doctor(&env, &["--offline"]);
    let (status, detail, _) = find(&checks, "cache", "(mode 700): session");
    assert_eq!(status, "ok");
    assert!(
        detail.contains("session 12h00m") || detail.contains("session 11h59m"),
        "{detail}"
    );
    std::fs::set_permissions(
        env.cache_dir(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let (_, checks) = doctor(&env, &["--offline"]);
    let (status, _, fix) = find(&checks, "cache", "group or others can open it (mode 755)");
    assert_eq!(status, "warn");
    assert!(fix.starts_with("chmod 700"));
}

#[test]
fn invalid_key_answered_by_sts() {
    let stub = Stub::sts_error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    );
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let (code, checks) = doctor(&env, &[]);
    assert_eq!(code, Some(1));
    let (status, detail, fix) = find(&checks, "identity", "InvalidClientTokenId");
    assert_eq!(status, "fail");
    assert_eq!(
        detail,
        "STS refused the request: InvalidClientTokenId: The security token included in the request is invalid"
    );
    assert!(
        fix.starts_with("the long-term access key id of profile 'default'"),
        "{fix}"
    );
    assert_eq!(find(&checks, "sts", "answered").0, "ok");

    let mut env = TestEnv::new();
    env.endpoint(&closed_port_url());
    let (code, checks) = doctor(&env, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(find(&checks, "sts", "could not be reached").0, "fail");
}

fn http_date(offset: i64) -> String {
    date_in(offset, "+%a, %d %b %Y %H:%M:%S GMT")
}

#[test]
fn clock_skew_from_the_date_header() {
    for (offset, status, needle) in [
        (600, "fail", "more than 5 minutes"),
        (-120, "warn", "more than a minute"),
        (0, "ok", "off by"),
    ] {
        let stub = Stub::start(Behavior::ReplyWith(
            200,
            vec![("Date".into(), http_date(offset))],
            sts_identity_xml("alice"),
        ));
        let mut env = TestEnv::new();
        env.endpoint(&stub.url());
        let (code, checks) = doctor(&env, &[]);
        let (got, detail, _) = find(&checks, "clock", needle);
        assert_eq!(got, status, "{offset}: {detail}");
        assert_eq!(code, Some(if status == "fail" { 1 } else { 0 }), "{offset}");
    }
}

#[test]
fn missing_serial_is_answered_with_the_likely_device() {
    let stub = Stub::start(Behavior::ReplyWith(
        200,
        vec![("Date".into(), http_date(0))],
        sts_identity_xml("alice"),
    ));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    env.write_config("[default]\nregion = eu-west-1\n");
    let (code, checks) = doctor(&env, &[]);
    assert_eq!(code, Some(1), "no serial is a failure");
    let (status, detail, fix) = find(&checks, "identity", "arn:aws:iam::123456789012:user/alice");
    assert_eq!(status, "warn");
    assert!(
        detail.contains("likely arn:aws:iam::123456789012:mfa/alice"),
        "{detail}"
    );
    assert!(
        fix.starts_with("mfa_serial = arn:aws:iam::123456789012:mfa/alice"),
        "{fix}"
    );

    env.write_config(
        "[default]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::999999999999:mfa/alice\n",
    );
    let (_, checks) = doctor(&env, &[]);
    let (status, detail, _) = find(
        &checks,
        "identity",
        "is not in this user's account 123456789012",
    );
    assert_eq!(status, "warn", "{detail}");
}

#[test]
fn role_profile_chain_is_shown() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\nregion = eu-west-1\n"
    ));
    let (code, checks) = doctor(&env, &["--offline", "-p", "admin"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        find(
            &checks,
            "profile",
            "admin → default (role arn:aws:iam::123456789012:role/admin)"
        )
        .0,
        "ok"
    );
    assert_eq!(find(&checks, "keys", "profile 'default' in").0, "ok");
    env.write_config("[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = admin2\n[profile admin2]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = admin\n");
    let (code, checks) = doctor(&env, &["--offline", "-p", "admin"]);
    assert_eq!(code, Some(1));
    assert_eq!(find(&checks, "profile", "admin → admin2 → admin").0, "fail");
}

/// Without any AWS file: one failure with its fix line, not two; the
/// profile is skipped, not failed again.
#[test]
fn no_aws_files_is_one_failure_with_a_fix_line() {
    let env = TestEnv::empty();
    let out = env.run(&["doctor", "--offline"]);
    assert_eq!(out.status.code(), Some(1));
    let home = env.home().display().to_string();
    let cache = env.cache_dir().display().to_string();
    assert_eq!(
        stdout(&out),
        format!(
            "mfa-env doctor: profile 'default'\n\
             fail  config files  config {home}/.aws/config missing; credentials {home}/.aws/credentials missing\n\
             \x20                   fix: create them with `aws configure --profile NAME`, or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at them\n\
             skip  profile       skipped: no config files\n\
             ok    environment   no AWS variables here that override or confuse\n\
             ok    cache         {cache} not made yet (no session cached so far)\n\
             skip  console       skipped: no usable profile\n\
             skip  sts           skipped (--offline)\n\
             skip  identity      skipped (--offline)\n\
             skip  clock         skipped (--offline)\n\
             1 failed, 0 warnings\n"
        )
    );
}

/// Every fail line has its fix line; a fix is said once; the JSON carries
/// mfa-env's version for bug reports.
#[test]
fn fails_have_a_fix_line_and_json_has_the_version() {
    let env = TestEnv::new();
    env.write_config(
        "[default]\nmfa_serial = arn:aws:iam::123456789012:user/alice\nregion = eu-west-1\n",
    );
    std::fs::create_dir_all(env.cache_dir()).expect("mkdir");
    std::fs::set_permissions(
        env.cache_dir(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let out = env.run(&["doctor", "--offline"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("fail ") || line.starts_with("warn ") {
            let next = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                next.starts_with(&format!("{:20}fix: ", "")),
                "{line:?} has no fix line:\n{text}"
            );
            assert!(!line.contains("fix:"), "the fix said twice: {line:?}");
        }
    }
    assert!(
        text.contains("fail  mfa serial    the MFA serial 'arn:aws:iam::123456789012:user/alice' is a user ARN"),
        "{text}"
    );
    assert!(text.contains("fix: use the device ARN"), "{text}");
    assert!(text.ends_with("1 failed, 2 warnings\n"), "{text}");
    let (_, checks) = doctor(&env, &["--offline"]);
    let (status, detail, fix) = find(&checks, "cache", "group or others");
    assert_eq!(status, "warn");
    assert!(!detail.contains("chmod"), "{detail}");
    assert!(fix.starts_with("chmod 700 "), "{fix}");
    let json: Value =
        serde_json::from_str(&stdout(&env.run(&["doctor", "--offline", "--json"]))).expect("json");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}
