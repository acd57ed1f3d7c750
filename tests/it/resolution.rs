//! One resolution for every command (issue 19): what `status`, `clear` and
//! `list` say agrees with what a run reuses, and the source_profile chain
//! walks as the AWS SDKs walk it.

use crate::common::*;

const ROLE_A: &str = "arn:aws:iam::123456789012:role/RoleA";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/RoleB";

fn roles_env(url: &str) -> TestEnv {
    role_env(url, "")
}

/// Issue 19 item 1: `dev` shares base's keys (source_profile, no role).
/// `status -p dev`, `status --check -p dev`, `clear -p dev` and `list` ask
/// what a run for dev would reuse; the shared entry is labelled with both
/// profiles; after `clear -p X`, a run for X asks for a code.
#[test]
fn status_clear_and_list_agree_with_what_a_run_reuses() {
    let stub = Stub::moto();
    let env = roles_env(&stub.url());
    let mut config = std::fs::read_to_string(env.config_path()).unwrap();
    config.push_str("[profile dev]\nsource_profile = base\n");
    env.write_config(&config);
    ok(&env.run(&["-p", "dev", "-t", CODE]));
    assert_eq!(stub.count(), 1);

    let status = ok(&env.run(&["status", "-p", "dev"]));
    let rows: Vec<&str> = status.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{status}");
    assert!(rows[0].starts_with("dev  "), "{status}");
    let all = ok(&env.run(&["status"]));
    assert!(
        all.lines().nth(1).unwrap_or("").starts_with("base, dev  "),
        "{all}"
    );
    let check = |profile: &str| env.run(&["status", "--check", "-p", profile]).status.code();
    assert_eq!(
        (check("dev"), check("base"), check("admin")),
        (Some(0), Some(0), Some(0))
    );
    let list = ok(&env.run(&["list"]));
    let row = |name: &str| {
        let line = list
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or("");
        line.split_whitespace().last().unwrap_or("").to_string()
    };
    assert!(
        row("dev").ends_with('m') && row("dev") == row("base"),
        "{list}"
    );

    let out = ok(&env.run(&["clear", "-p", "dev"]));
    assert!(
        out.starts_with("deleted 1 cached session of profile 'dev' "),
        "{out}"
    );
    assert!(out.ends_with(" (also used by base)\n"), "{out}");
    assert_eq!(check("dev"), Some(1));
    assert_eq!(check("base"), Some(1), "it was base's too");
    // No code source and no terminal: a run that needs a code fails.
    let out = env.run(&["-p", "dev"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stub.count(), 1, "no request without a code");

    // A profile no run can use (keys without MFA) has nothing cached.
    let mut config = std::fs::read_to_string(env.config_path()).unwrap();
    config.push_str("[profile nomfa]\nsource_profile = base\nmfa_serial =\n");
    env.write_config(&config);
    let out = ok(&env.run(&["status", "-p", "nomfa"]));
    assert!(out.starts_with("no cached session"), "{out}");

    // A role: clear -p admin takes its role session and the MFA session it
    // is assumed with, so the next run asks for a code.
    ok(&env.run(&["-p", "admin", "-t", CODE]));
    assert_eq!(check("admin"), Some(0));
    let out = ok(&env.run(&["clear", "-p", "admin"]));
    assert!(
        out.starts_with("deleted 2 cached sessions of profile 'admin' "),
        "{out}"
    );
    assert_eq!(check("admin"), Some(1));
    assert_eq!(env.run(&["-p", "admin"]).status.code(), Some(1));
}

/// Issue 19 item 8: a profile in the middle of a chain with its own keys and
/// a role_arn signs with its keys; only the roles above it are assumed.
#[test]
fn a_source_profile_with_keys_and_a_role_signs_with_its_keys() {
    let stub = Stub::moto();
    let mut env = TestEnv::empty();
    env.endpoint(&stub.url());
    env.write_config(&format!(
        "[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\nmfa_serial = {SERIAL}\n\
         [profile b]\nrole_arn = {ROLE_B}\nsource_profile = c\n\
         [profile c]\nregion = eu-west-1\n"
    ));
    env.write_credentials(&format!(
        "[b]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\
         [c]\naws_access_key_id = AKIAFAKEFAKEFAKE7777\naws_secret_access_key = {SECRET}\n"
    ));
    ok(&env.run(&["-p", "a", "-t", CODE]));
    assert_eq!(stub.actions(), ["GetSessionToken", "AssumeRole"]);
    let requests = stub.requests();
    let auth = requests[0].header("authorization").expect("signed");
    assert!(
        auth.contains(&format!("Credential={KEY_ID}/")),
        "b's keys: {auth}"
    );
    assert_eq!(requests[1].param("RoleArn").as_deref(), Some(ROLE_A));
}

/// Issue 19 item 8: source_profile and credential_source together are
/// refused, as every SDK refuses them, before any request.
#[test]
fn source_profile_with_credential_source_is_refused() {
    let stub = Stub::moto();
    let env = role_env(
        &stub.url(),
        &format!(
            "[profile both]\nrole_arn = {ROLE_A}\nsource_profile = base\ncredential_source = Environment\n"
        ),
    );
    let out = env.run(&["-p", "both", "-t", CODE]);
    assert_fails(
        &out,
        &["profile 'both' has both source_profile and credential_source"],
    );
    assert_eq!(stub.count(), 0);
}

/// Issue 19 item 8: a config file that is not text (botocore's
/// aws_config_badbytes) is an error, not an empty list of profiles.
#[test]
fn a_config_file_that_is_not_text_is_an_error() {
    let env = TestEnv::empty();
    std::fs::write(
        env.config_path(),
        b"[default]\nregion = us-east-1\n\xff\xfe\x00bad\n",
    )
    .expect("write");
    for args in [&["list"][..], &["-p", "default", "-t", CODE]] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let text = format!("{} is not a text file", env.config_path().display());
        assert!(stderr(&out).contains(&text), "{args:?}: {}", stderr(&out));
    }
}

/// Issue 19 item 7: list names the README's credential_process profile as
/// served by mfa-env, and IAM Identity Center and `aws login` profiles as
/// such; running one of those says what it is and the command that works.
#[test]
fn list_names_served_and_sign_in_profiles() {
    let stub = Stub::moto();
    let env = role_env(
        &stub.url(),
        "[profile work]\ncredential_process = mfa-env credential-process --profile base\n\
         [profile corp]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = dev\n\
         [profile old]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n\
         [profile cli]\nlogin_session = arn:aws:iam::123456789012:user/alice\n\
         [sso-session corp]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\n",
    );
    let list = ok(&env.run(&["list"]));
    let detail = |name: &str| {
        let line = list
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or("");
        line[name.len()..].trim().to_string()
    };
    assert!(detail("work").starts_with("served by mfa-env"), "{list}");
    assert!(
        detail("corp").starts_with("an IAM Identity Center (SSO) profile: not for mfa-env"),
        "{list}"
    );
    assert!(
        detail("old").starts_with("an IAM Identity Center (SSO) profile"),
        "{list}"
    );
    assert!(
        detail("cli").starts_with("an `aws login` profile: not for mfa-env"),
        "{list}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&env.run(&["list", "--json"]))).unwrap();
    let kind = |name: &str| {
        json["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["profile"] == name)
            .map(|r| r["kind"].clone())
    };
    assert_eq!(kind("work"), Some("served".into()));
    assert_eq!(kind("corp"), Some("sign-in".into()));
    for (name, login) in [("corp", "aws sso login"), ("cli", "aws login")] {
        let out = env.run(&["-p", name, "-t", CODE]);
        assert_fails(
            &out,
            &[
                &format!("profile '{name}' is an "),
                &format!("`{login} --profile {name}`"),
            ],
        );
        assert!(!stderr(&out).contains("aws configure"), "{}", stderr(&out));
    }
    assert_eq!(stub.count(), 0);
}

/// Issue 19: what a run may read is read once, by the snapshot; nothing
/// else in src/ reads the environment (a new variable goes into
/// snapshot::VARS).
#[test]
fn only_the_snapshot_reads_the_environment() {
    let mut found = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("src/snapshot.rs")
            {
                let text = std::fs::read_to_string(&path).expect("read");
                for (n, line) in text.lines().enumerate() {
                    if ["env::var(", "env::var_os(", "env::vars(", "env::vars_os("]
                        .iter()
                        .any(|call| line.contains(call))
                    {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "read through snapshot::Snapshot instead:\n{}",
        found.join("\n")
    );
}
