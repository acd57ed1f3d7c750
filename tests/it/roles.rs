//! Role profiles: one MFA prompt for many roles, the over-1h direct path,
//! re-assuming from the cached MFA session, and bad role configuration.

use crate::common::*;
use std::fmt::Write;

const ADMIN: &str = ADMIN_ROLE;
const READONLY: &str = "arn:aws:iam::123456789012:role/readonly";

/// `base` holds the keys and the serial; `admin` and `ro` are roles of it.
fn roles_env(url: &str) -> TestEnv {
    role_env(
        url,
        &format!(
            "[profile ro]\nrole_arn = {READONLY}\nsource_profile = base\nexternal_id = ext-42\nrole_session_name = alice-ro\n"
        ),
    )
}

#[test]
fn one_prompt_serves_two_roles() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    let admin = ok(&env.run(&["-p", "admin", "-t", CODE]));
    // No code source and no terminal: it must not need a code.
    let ro = ok(&env.run(&["-p", "ro"]));
    assert_eq!(
        stub.actions(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"]
    );

    let responses = stub.responses();
    let mfa_key = xml_field(&responses[0], "AccessKeyId").expect("mfa key");
    let mfa_token = xml_field(&responses[0], "SessionToken").expect("mfa token");
    let requests = stub.requests();
    assert_eq!(
        requests[0].param("DurationSeconds").as_deref(),
        Some("43200")
    );
    for (request, arn) in [(&requests[1], ADMIN), (&requests[2], READONLY)] {
        let auth = request.header("authorization").expect("signed");
        assert!(
            auth.contains(&format!("Credential={mfa_key}/")),
            "signed with the MFA session: {auth}"
        );
        assert_eq!(
            request.header("x-amz-security-token"),
            Some(mfa_token.as_str())
        );
        assert_eq!(request.param("RoleArn").as_deref(), Some(arn));
        assert_eq!(request.param("DurationSeconds").as_deref(), Some("3600"));
        assert_eq!(request.param("TokenCode"), None, "chained: no code");
        assert_eq!(request.param("SerialNumber"), None);
    }
    assert_eq!(
        requests[1].param("RoleSessionName").as_deref(),
        Some("mfa-env-admin")
    );
    assert_eq!(requests[1].param("ExternalId"), None);
    assert_eq!(
        requests[2].param("RoleSessionName").as_deref(),
        Some("alice-ro")
    );
    assert_eq!(requests[2].param("ExternalId").as_deref(), Some("ext-42"));

    for (text, response, profile) in [(&admin, &responses[1], "admin"), (&ro, &responses[2], "ro")]
    {
        let key = xml_field(response, "AccessKeyId").expect("role key");
        assert!(text.contains(&format!("export AWS_ACCESS_KEY_ID='{key}'\n")));
        assert!(text.contains(&format!("export MFA_ENV_PROFILE='{profile}'\n")));
    }
    assert!(admin.contains("export AWS_REGION='eu-central-1'\n"));

    // One cache entry per role, and the MFA session under its own profile.
    assert_eq!(env.cache_files(".json").len(), 3);
    let status = stdout(&env.run(&["status"]));
    assert!(status.contains(&format!("admin    {ADMIN}")), "{status}");
    assert!(status.contains("base     -"), "{status}");
    assert!(status.contains(&format!("ro       {READONLY}")), "{status}");

    // Both role sessions are now cached: no more requests.
    assert_eq!(ok(&env.run(&["-p", "admin"])), admin);
    assert_eq!(stub.count(), 3);
}

#[test]
fn expired_role_session_is_assumed_again_without_a_prompt() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    ok(&env.run(&["-p", "admin", "-t", CODE]));
    // Make the role entry nearly expired (the MFA session stays valid).
    let soon = rfc3339_in(60);
    let mut rewritten = 0;
    for path in env.cache_files(".json") {
        if std::fs::read_to_string(&path)
            .expect("read")
            .contains(ADMIN)
        {
            set_expiration(&path, &soon);
            rewritten += 1;
        }
    }
    assert_eq!(rewritten, 1);
    let out = env.run(&["-p", "admin"]);
    ok(&out);
    assert_eq!(
        stub.actions(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"]
    );
}

#[test]
fn over_one_hour_assumes_directly_with_the_code() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    let out = env.run(&["-p", "ro", "-d", "4h", "-t", CODE, "-v"]);
    ok(&out);
    assert!(
        stderr(&out).contains("with the MFA code itself, because more than 1 hour"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stub.actions(), ["AssumeRole"]);
    let request = &stub.requests()[0];
    let auth = request.header("authorization").expect("signed");
    assert!(
        auth.contains(&format!("Credential={KEY_ID}/")),
        "long-term keys: {auth}"
    );
    assert_eq!(request.header("x-amz-security-token"), None);
    assert_eq!(request.param("DurationSeconds").as_deref(), Some("14400"));
    assert_eq!(request.param("SerialNumber").as_deref(), Some(SERIAL));
    assert_eq!(request.param("TokenCode").as_deref(), Some(CODE));
    assert_eq!(request.param("ExternalId").as_deref(), Some("ext-42"));
    assert_eq!(
        env.cache_files(".json").len(),
        1,
        "the role session is cached"
    );

    // duration_seconds in the profile chooses the same path.
    let stub = Stub::moto();
    let mut env = roles_env(&stub.url());
    env.write_config(&format!(
        "[profile base]\nmfa_serial = {SERIAL}\n[profile admin]\nrole_arn = {ADMIN}\nsource_profile = base\nduration_seconds = 7200\n"
    ));
    env.endpoint(&stub.url());
    ok(&env.run(&["-p", "admin", "-t", CODE]));
    assert_eq!(stub.actions(), ["AssumeRole"]);
    assert_eq!(
        stub.requests()[0].param("DurationSeconds").as_deref(),
        Some("7200")
    );
}

#[test]
fn rejected_mfa_session_is_dropped_and_made_again() {
    // One STS for both runs: a session is cached under the STS it came from.
    let script = Stub::script(vec![
        (200, sts_session_xml_for("ASIAFIRSTFIRSTFIRST1")),
        (
            400,
            sts_error_xml(
                "ExpiredToken",
                "The security token included in the request is expired",
            ),
        ),
        (200, sts_session_xml()),
        (200, sts_role_xml("ASIAROLEROLEROLE1234")),
    ]);
    let env = roles_env(&script.url());
    ok(&env.run(&["-p", "base", "-t", CODE]));
    assert_eq!(env.cache_files(".json").len(), 1);

    let out = env.run(&["-p", "admin", "-t", CODE]);
    let text = ok(&out);
    assert!(
        stderr(&out).contains("warning: STS rejected the cached MFA session"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        script.actions(),
        [
            "GetSessionToken",
            "AssumeRole",
            "GetSessionToken",
            "AssumeRole"
        ]
    );
    assert!(text.contains("export AWS_ACCESS_KEY_ID='ASIAROLEROLEROLE1234'\n"));
    // The new MFA session signed the second AssumeRole and replaced the old one.
    let auth = script.requests()[3]
        .header("authorization")
        .unwrap_or("")
        .to_string();
    assert!(auth.contains("Credential=ASIASTUBSTUBSTUB1234/"), "{auth}");
    let status = stdout(&env.run(&["status"]));
    assert!(status.contains(stub_end()), "{status}");
}

#[test]
fn access_denied_by_the_trust_policy() {
    let script = Stub::script(vec![
        (200, sts_session_xml()),
        (
            403,
            sts_error_xml(
                "AccessDenied",
                &format!(
                    "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: {ADMIN}"
                ),
            ),
        ),
    ]);
    let env = roles_env(&script.url());
    let out = env.run(&["-p", "admin", "-t", CODE]);
    assert_fails(
        &out,
        &[
            "AccessDenied",
            "is not authorized to perform: sts:AssumeRole",
            &format!("The trust policy of {ADMIN}"),
            "aws:MultiFactorAuthPresent",
        ],
    );
    assert_eq!(script.count(), 2);
}

#[test]
fn role_profile_runs_a_command_and_refuses_stale_environment_keys() {
    let stub = Stub::moto();
    let mut env = roles_env(&stub.url());
    env.set("AWS_ACCESS_KEY_ID", "ASIAOLDSESSIONOLDSESS");
    env.set("AWS_SESSION_TOKEN", "old");
    env.set("AWS_PROFILE", "admin");
    let out = env.run(&[
        "-t",
        CODE,
        "--",
        "sh",
        "-c",
        "echo \"$AWS_ACCESS_KEY_ID $MFA_ENV_PROFILE ${AWS_PROFILE-unset}\"; exit 3",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let key = xml_field(&stub.responses()[1], "AccessKeyId").expect("role key");
    assert_eq!(stdout(&out), format!("{key} admin unset\n"));
    let auth = stub.requests()[0]
        .header("authorization")
        .unwrap_or("")
        .to_string();
    assert!(auth.contains(&format!("Credential={KEY_ID}/")), "{auth}");
}

#[test]
fn session_name_is_cleaned_and_partition_picks_the_region() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    env.write_config(
        "[profile base]\nmfa_serial = arn:aws-cn:iam::123456789012:mfa/alice\n\
         [profile team/admin:x]\nrole_arn = arn:aws-cn:iam::123456789012:role/admin\nsource_profile = base\n",
    );
    let text = ok(&env.run(&["-p", "team/admin:x", "-t", CODE]));
    let requests = stub.requests();
    assert_eq!(
        requests[1].param("RoleSessionName").as_deref(),
        Some("mfa-env-team-admin-x")
    );
    for request in &requests {
        let auth = request.header("authorization").unwrap_or("");
        assert!(auth.contains("/cn-north-1/sts/aws4_request"), "{auth}");
    }
    assert!(text.contains("export AWS_REGION='cn-north-1'\n"));
}

#[test]
fn chain_of_two_roles() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    env.write_config(&format!(
        "[profile base]\nmfa_serial = {SERIAL}\n[profile admin]\nrole_arn = {ADMIN}\nsource_profile = base\n\
         [profile deep]\nrole_arn = arn:aws:iam::210987654321:role/deep\nsource_profile = admin\n"
    ));
    ok(&env.run(&["-p", "deep", "-t", CODE]));
    assert_eq!(
        stub.actions(),
        ["GetSessionToken", "AssumeRole", "AssumeRole"]
    );
    let requests = stub.requests();
    assert_eq!(requests[1].param("RoleArn").as_deref(), Some(ADMIN));
    assert_eq!(
        requests[2].param("RoleArn").as_deref(),
        Some("arn:aws:iam::210987654321:role/deep")
    );
    let admin_key = xml_field(&stub.responses()[1], "AccessKeyId").expect("key");
    let auth = requests[2].header("authorization").unwrap_or("");
    assert!(auth.contains(&format!("Credential={admin_key}/")), "{auth}");

    // Known before any request, like any --duration AWS does not give: exit 2.
    let out = env.run(&["-p", "deep", "-d", "2h", "-t", CODE]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "false\n");
    assert!(
        stderr(&out)
            .contains("chains several roles, and AWS caps a chained role session at 1 hour")
    );
}

fn bad_config(config: &str, args: &[&str], expected: &[&str]) {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let env = roles_env(&stub.url());
    env.write_config(config);
    let out = env.run(args);
    assert_fails(&out, expected);
    assert_eq!(stub.count(), 0, "no request for {expected:?}");
}

/// `admin`, a role of `base` with `extra` config, is refused with `expected`.
fn bad_admin(extra: &str, expected: &[&str]) {
    bad_config(
        &format!(
            "[profile base]\nmfa_serial = {SERIAL}\n[profile admin]\nrole_arn = {ADMIN}\nsource_profile = base\n{extra}"
        ),
        &["-p", "admin", "-t", CODE],
        expected,
    );
}

#[test]
fn bad_role_configuration() {
    let base = format!("[profile base]\nmfa_serial = {SERIAL}\n");
    bad_config(
        &format!("{base}[profile admin]\nrole_arn = {ADMIN}\n"),
        &["-p", "admin", "-t", CODE],
        &[
            "profile 'admin' has a role_arn but no source_profile",
            "source_profile = NAME",
        ],
    );
    bad_config(
        &format!("{base}[profile admin]\nrole_arn = {ADMIN}\nsource_profile = nowhere\n"),
        &["-p", "admin", "-t", CODE],
        &["profile 'admin' names source_profile 'nowhere', which is not in"],
    );
    bad_config(
        &format!(
            "{base}[profile a]\nrole_arn = {ADMIN}\nsource_profile = b\n[profile b]\nrole_arn = {ADMIN}\nsource_profile = a\n"
        ),
        &["-p", "a", "-t", CODE],
        &["goes round in a circle: a → b → a"],
    );
    bad_config(
        &format!(
            "{base}[profile admin]\nrole_arn = arn:aws:iam::123456789012:user/admin\nsource_profile = base\n"
        ),
        &["-p", "admin", "-t", CODE],
        &[
            "role_arn 'arn:aws:iam::123456789012:user/admin', which is not a role ARN",
            "arn:aws:iam::ACCOUNT:role/NAME",
        ],
    );
    bad_admin(
        "external_id =\n",
        &["profile 'admin' has an empty external_id"],
    );
    bad_admin(
        "duration_seconds = 46800\n",
        &[
            "a role session of 13h00m is longer than AWS allows: AssumeRole gives at most 12 hours. Ask for less with --duration or duration_seconds",
        ],
    );
    bad_admin("duration_seconds = 600\n", &["at least 15 minutes"]);
    bad_admin(
        "duration_seconds = long\n",
        &["duration_seconds = long, which is not a number"],
    );
}

/// `-d 4h` on a role whose chained 1-hour session is cached: the way a
/// session is made is part of its cache key, so this makes exactly one
/// direct AssumeRole with the code for 4 hours.
#[test]
fn longer_duration_on_a_cached_chained_role_assumes_directly() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    ok(&env.run(&["-p", "admin", "-t", CODE]));
    assert_eq!(stub.actions(), ["GetSessionToken", "AssumeRole"]);

    let out = env.run(&["-p", "admin", "-d", "4h", "-t", CODE, "-v"]);
    ok(&out);
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("not reusing"))
        .unwrap_or_default();
    assert!(
        line.starts_with("mfa-env: not reusing the cached role session (AssumeRole from the MFA session) of profile 'admin': ")
            && line.ends_with(" left, more than --min-ttl 5m short of the 4h00m --duration asks for"),
        "{err}"
    );
    let requests = stub.requests();
    assert_eq!(requests.len(), 3, "exactly one more request");
    let direct = &requests[2];
    assert_eq!(direct.param("Action").as_deref(), Some("AssumeRole"));
    assert_eq!(direct.param("RoleArn").as_deref(), Some(ADMIN));
    assert_eq!(direct.param("DurationSeconds").as_deref(), Some("14400"));
    assert_eq!(direct.param("TokenCode").as_deref(), Some(CODE));
    assert_eq!(direct.param("SerialNumber").as_deref(), Some(SERIAL));
    let auth = direct.header("authorization").expect("signed");
    assert!(auth.contains(&format!("Credential={KEY_ID}/")), "{auth}");
    assert_eq!(direct.header("x-amz-security-token"), None);
    assert_eq!(
        env.cache_files(".json").len(),
        3,
        "MFA session, chained and direct role sessions"
    );

    // The same role's session is reused whatever made it (issue 19 item 2):
    // a plain run, and -d 1h, get the 4-hour one (the most left), no code.
    let direct_vars = session_vars(&stub, 2);
    for args in [
        &["-p", "admin"][..],
        &["-p", "admin", "-d", "4h"],
        &["-p", "admin", "-d", "1h"],
    ] {
        let out = env.run(&[args, &["-f", "json"]].concat());
        let json: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
        assert_eq!(
            json["AWS_ACCESS_KEY_ID"], direct_vars["AWS_ACCESS_KEY_ID"],
            "{args:?}"
        );
    }
    assert_eq!(stub.count(), 3);

    // status picks the entry the same way: -d names the direct one.
    let direct_path = ok(&env.run(&["status", "--path", "-p", "admin", "-d", "4h"]));
    let chained_path = ok(&env.run(&["status", "--path", "-p", "admin"]));
    assert_ne!(direct_path, chained_path);
    for path in [&direct_path, &chained_path] {
        assert!(std::path::Path::new(path.trim_end()).is_file(), "{path}");
    }
    let check = |min_ttl: &str| {
        let args = ["status", "--check", "-p", "admin", "-d", "4h", "--min-ttl"];
        env.run(&[&args[..], &[min_ttl]].concat()).status.code()
    };
    assert_eq!(check("3h"), Some(0), "the direct session has 4h");
    assert_eq!(check("5h"), Some(1), "and not 5h");
}

/// `source_profile` without `role_arn` (aws-vault shares keys this way): the
/// source profile's keys, this profile's mfa_serial and region; the MFA
/// session is the source's own, so one code serves both.
#[test]
fn source_profile_without_role_shares_the_source_keys() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    let mut config = std::fs::read_to_string(env.config_path()).unwrap();
    let _ = write!(
        config,
        "[profile dev]\nsource_profile = base\nmfa_serial = {SERIAL}\nregion = eu-north-1\n"
    );
    env.write_config(&config);
    let out = env.run(&["-p", "dev", "-t", CODE, "-f", "json"]);
    let json: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(stub.actions(), ["GetSessionToken"]);
    let request = &stub.requests()[0];
    let auth = request.header("authorization").expect("signed");
    assert!(auth.contains(&format!("Credential={KEY_ID}/")), "{auth}");
    assert_eq!(request.param("SerialNumber").as_deref(), Some(SERIAL));
    assert_eq!(json["AWS_REGION"], "eu-north-1");
    assert_eq!(json["MFA_ENV_PROFILE"], "dev");
    // The same MFA session serves the source profile: no second code.
    ok(&env.run(&["-p", "base"]));
    assert_eq!(stub.count(), 1);
    let list = ok(&env.run(&["list"]));
    let dev = list.lines().find(|l| l.starts_with("dev ")).unwrap_or("");
    assert!(dev.contains("user with MFA, keys of base"), "{list}");

    // A source without keys is named, with the credentials file.
    env.write_config(&format!(
        "[profile dev]\nsource_profile = empty\nmfa_serial = {SERIAL}\n[profile empty]\nregion = eu-west-1\n"
    ));
    let out = env.run(&["-p", "dev", "-t", CODE]);
    let file = env.credentials_path().display().to_string();
    assert_fails(
        &out,
        &[
            "profile 'empty' has no aws_access_key_id",
            &format!("under [empty] in {file}"),
        ],
    );
    assert_eq!(stub.count(), 1);
}
