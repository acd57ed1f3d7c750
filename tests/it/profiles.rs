//! `mfa-env list` (and its alias `profiles`), `status --json`, and what
//! `status` and `clear` say of a profile that does not exist or has no
//! session while others do.

use crate::common::*;

/// Profiles of every kind; `default` gets a cached session from moto.
fn profiles_env() -> (TestEnv, Stub) {
    let (env, stub) = TestEnv::with_moto();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n[profile admin]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = default\nregion = us-east-2\n\n[profile loop]\nrole_arn = arn:aws:iam::210987654321:role/x\nsource_profile = loop2\n\n[profile loop2]\nrole_arn = arn:aws:iam::210987654321:role/y\nsource_profile = loop\n\n[profile nokeys]\nregion = us-east-1\n\n[profile temp]\nregion = us-west-2\n"
    ));
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n[plain]\naws_access_key_id = AKIAFAKEFAKEFAKE9999\naws_secret_access_key = {SECRET}\n\n[temp]\naws_access_key_id = ASIAFAKEFAKEFAKE7777\naws_secret_access_key = {SECRET}\naws_session_token = tok\n"
    ));
    let out = env.run(&["-t", CODE]);
    ok(&out);
    (env, stub)
}

fn table(left: &str) -> String {
    format!(
        "PROFILE  KIND                                                   REGION     SESSION\n\
         admin    role via default                                       us-east-2  {left}\n\
         default  user with MFA                                          eu-west-1  {left}\n\
         loop     not usable: its source_profile chain loops             -          -\n\
         loop2    not usable: its source_profile chain loops             -          -\n\
         nokeys   not usable: no aws_access_key_id                       us-east-1  -\n\
         plain    keys without MFA (no mfa_serial)                       -          -\n\
         temp     not usable: temporary keys (ASIA… or a session token)  us-west-2  -\n"
    )
}

#[test]
fn list_shows_every_profile_its_kind_region_and_session() {
    let (env, _stub) = profiles_env();
    for command in ["list", "profiles"] {
        let out = env.run(&[command]);
        ok(&out);
        let text = stdout(&out);
        assert!(
            text == table("12h00m") || text == table("11h59m"),
            "{command}:\n{text}"
        );
        assert_eq!(stderr(&out), "");
    }
}

#[test]
fn list_json_masks_key_ids_and_holds_no_secret() {
    let (env, _stub) = profiles_env();
    let out = env.run(&["list", "--json"]);
    ok(&out);
    let text = stdout(&out);
    for secret in [
        SECRET,
        KEY_ID,
        "AKIAFAKEFAKEFAKE9999",
        "ASIAFAKEFAKEFAKE7777",
        "tok\"",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let value: serde_json::Value = serde_json::from_str(&text).expect("json");
    let rows = value["profiles"].as_array().expect("profiles");
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["profile"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "admin", "default", "loop", "loop2", "nokeys", "plain", "temp"
        ]
    );
    let default = &rows[1];
    assert_eq!(default["kind"], "user");
    assert_eq!(default["detail"], "user with MFA");
    assert_eq!(default["region"], "eu-west-1");
    assert_eq!(default["key_id"], "AKIA…1234");
    let left = default["seconds_left"].as_i64().expect("seconds");
    assert!((43_100..=43_200).contains(&left), "{left}");
    assert!(
        default["expiration"]
            .as_str()
            .expect("expiry")
            .ends_with('Z')
    );
    assert_eq!(rows[0]["kind"], "role");
    assert_eq!(rows[0]["detail"], "role via default");
    // Its role session is assumed with default's MFA session: no code.
    assert_eq!(rows[0]["seconds_left"], default["seconds_left"]);
    assert_eq!(rows[5]["kind"], "keys");
    assert_eq!(rows[5]["key_id"], "AKIA…9999");
    assert_eq!(rows[6]["kind"], "unusable");
    assert_eq!(rows[6]["key_id"], serde_json::Value::Null);
}

#[test]
fn list_without_files_says_so() {
    let env = TestEnv::empty();
    let out = env.run(&["list"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("mfa-env: "), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn status_json_lists_sessions_without_secrets() {
    let (env, _stub) = profiles_env();
    let out = env.run(&["status", "--json"]);
    ok(&out);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(
        value["cache"],
        env.cache_dir().to_string_lossy().as_ref(),
        "{value}"
    );
    let sessions = value["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["profile"], "default");
    assert_eq!(sessions[0]["serial"], SERIAL);
    assert_eq!(sessions[0]["role_arn"], serde_json::Value::Null);
    let keys: Vec<&String> = sessions[0].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "expiration",
            "keys",
            "profile",
            "profiles",
            "role_arn",
            "seconds_left",
            "serial"
        ]
    );
    add_solo(&env);
    let empty = env.run(&["status", "--json", "-p", "solo"]);
    assert_eq!(
        stdout(&empty),
        format!(
            "{{\"cache\":\"{}\",\"sessions\":[]}}\n",
            env.cache_dir().display()
        )
    );
    let both = env.run(&["status", "--json", "--check"]);
    assert_eq!(both.status.code(), Some(2), "--json and --check conflict");
}

/// A user profile of its own keys and device, with no session cached.
fn add_solo(env: &TestEnv) {
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    env.write_config(&format!(
        "{config}\n[profile solo]\nmfa_serial = arn:aws:iam::123456789012:mfa/solo\n"
    ));
    let credentials = std::fs::read_to_string(env.credentials_path()).expect("credentials");
    env.write_credentials(&format!(
        "{credentials}\n[solo]\naws_access_key_id = AKIAFAKEFAKEFAKE5555\naws_secret_access_key = {SECRET}\n"
    ));
}

#[test]
fn status_and_clear_of_a_profile_without_session_while_others_have_one() {
    let (env, _stub) = profiles_env();
    add_solo(&env);
    let dir = env.cache_dir().display().to_string();
    let out = env.run(&["status", "-p", "solo"]);
    ok(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "no cached session of profile 'solo' in {dir} (1 cached session of other profiles: `mfa-env status` lists them)\n"
        )
    );
    let out = env.run(&["clear", "-p", "solo"]);
    ok(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "profile 'solo' had no cached session in {dir}; 1 cached session of other profiles stays\n"
        )
    );
    assert_eq!(env.cache_files(".json").len(), 1, "nothing deleted");
}

#[test]
fn status_and_clear_of_a_profile_that_does_not_exist() {
    let (env, _stub) = profiles_env();
    let files = format!(
        "{} and {}",
        env.config_path().display(),
        env.credentials_path().display()
    );
    for args in [&["status", "-p", "nope"][..], &["clear", "-p", "nope"]] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            format!(
                "mfa-env: profile 'nope' (from --profile) was not found in {files}; profiles found: admin, default, loop, loop2, nokeys, plain, temp. Pick one with --profile NAME or AWS_PROFILE, or add [profile nope] to the config file\n"
            ),
            "{args:?}"
        );
    }
    assert_eq!(env.cache_files(".json").len(), 1, "nothing deleted");
}

#[test]
fn clear_deletes_the_sessions_of_a_profile_no_longer_in_the_files() {
    let (env, _stub) = profiles_env();
    let dir = env.cache_dir().display().to_string();
    env.write_config("[profile other]\nregion = eu-west-1\n");
    env.write_credentials("");
    let out = env.run(&["clear", "-p", "default"]);
    ok(&out);
    assert_eq!(
        stdout(&out),
        format!(
            "deleted 1 cached session of profile 'default' (which is no longer in the AWS files) from {dir}\n"
        )
    );
    assert!(env.cache_files(".json").is_empty());
}
