//! Long-term keys in the OS keystore (issue 23), against a real Secret
//! Service (gnome-keyring on a private D-Bus) and moto's STS.

use crate::common::*;

/// A profile `default` with its MFA device but no keys in any file, STS at a
/// recording stub in front of moto, and the private Secret Service.
fn keystore_env() -> Option<(TestEnv, Stub, Keyring)> {
    let keyring = Keyring::start()?;
    let stub = Stub::moto();
    let mut env = TestEnv::empty();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
    ));
    env.endpoint(&stub.url());
    keyring.apply(&mut env);
    Some((env, stub, keyring))
}

fn add(env: &TestEnv, profile: &str, id: &str, secret: &str) -> std::process::Output {
    run_with_input(
        &mut env.mfa_env(&["keys", "add", profile]),
        format!("{id}\n{secret}\n").as_bytes(),
    )
}

fn no_secret(outputs: &[&std::process::Output]) {
    for out in outputs {
        for text in [stdout(out), stderr(out)] {
            assert!(!text.contains(SECRET), "the secret leaked into: {text}");
        }
    }
}

#[test]
fn add_from_stdin_then_a_run_signs_with_the_stored_key() {
    let Some((env, stub, keyring)) = keystore_env() else {
        return;
    };
    let added = add(&env, "default", KEY_ID, SECRET);
    assert_eq!(
        ok(&added),
        "stored the keys of profile 'default' (AKIA…1234) in the OS keystore\n"
    );
    let found = keyring.search("default");
    assert!(found.contains("attribute.service = mfa-env"), "{found}");
    assert!(found.contains("attribute.username = default"), "{found}");
    let run = env.run(&["-t", CODE, "-v"]);
    assert!(ok(&run).contains("export AWS_SESSION_TOKEN="));
    assert!(stderr(&run).contains("keys: keystore"), "{}", stderr(&run));
    let requests = stub.requests();
    assert_eq!(stub.actions(), ["GetSessionToken"]);
    assert_eq!(requests[0].signed_with(), KEY_ID);
    assert!(!env.credentials_path().exists(), "no credentials file made");
    let index =
        std::fs::read_to_string(env.home().join(".config/mfa-env/keystore.json")).expect("index");
    assert!(!index.contains(SECRET), "the index holds no secret");
    no_secret(&[&added, &run]);
}

#[test]
fn add_on_the_terminal_keeps_the_secret_out_of_argv_and_echo() {
    let Some((env, _stub, keyring)) = keystore_env() else {
        return;
    };
    // stdin is the terminal too (the helper's command has it closed).
    let mut cmd = env.command("sh");
    cmd.args(["-c", "exec \"$0\" keys add default < /dev/tty"])
        .arg(bin());
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("AWS access key id of profile 'default' (AKIA")
        .expect("key id prompt");
    pty.send_line(KEY_ID).expect("type the id");
    pty.exp_string("AWS secret access key (not shown): ")
        .expect("secret prompt");
    // While it waits for the secret: its command line, as ps shows it.
    let home = format!("HOME={}", env.home().display());
    let ours: Vec<String> = std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("environ"))
                .is_ok_and(|b| b.split(|c| *c == 0).any(|v| v == home.as_bytes()))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(ours.len(), 1, "one mfa-env waits: {ours:?}");
    let ps = std::process::Command::new("ps")
        .args(["-o", "args=", "-p", &ours[0]])
        .output()
        .expect("ps");
    assert_eq!(
        stdout(&ps).trim(),
        format!("{} keys add default", bin().display())
    );
    pty.send_line(SECRET).expect("type the secret");
    let rest = pty.exp_eof().expect("exit");
    assert!(!rest.contains(SECRET), "the secret was echoed: {rest}");
    assert!(
        rest.contains("stored the keys of profile 'default'"),
        "{rest}"
    );
    assert!(keyring.search("default").contains(SECRET));
}

#[test]
fn refused_pairs_store_nothing() {
    let Some((env, _stub, keyring)) = keystore_env() else {
        return;
    };
    for (id, secret, why) in [
        ("ASIAFAKEFAKEFAKE1234", SECRET, "temporary session key"),
        ("AKIASHORT", SECRET, "not an access key id"),
        (KEY_ID, "", "secret access key is empty"),
    ] {
        let out = add(&env, "default", id, secret);
        assert_fails_printing(&out, "", &[why, "were not stored"]);
    }
    assert!(!keyring.search("default").contains("mfa-env"));
}

#[test]
fn from_file_prints_the_lines_and_leaves_the_file_as_it_was() {
    let Some((env, _stub, keyring)) = keystore_env() else {
        return;
    };
    env.write_credentials(&format!(
        "[other]\naws_access_key_id = AKIAOTHEROTHEROTHER1\naws_secret_access_key = x\n\n\
         [default]\n# mine\naws_access_key_id = {KEY_ID}\naws_secret_access_key={SECRET}\n"
    ));
    let before = env.snapshot();
    let out = env.run(&["keys", "add", "default", "--from-file"]);
    let file = env.credentials_path().display().to_string();
    assert_eq!(
        ok(&out),
        format!(
            "stored the keys of profile 'default' (AKIA…1234) in the OS keystore\n\
             mfa-env never writes {file}: delete these lines from it yourself (the secret is not shown here), then runs of profile 'default' use the keystore:\n\
             7: aws_access_key_id = {KEY_ID}\n\
             8: aws_secret_access_key= …\n"
        )
    );
    assert_eq!(
        env.snapshot(),
        before,
        "the files are byte for byte as they were"
    );
    assert!(keyring.search("default").contains(SECRET));
    no_secret(&[&out]);
}

#[test]
fn a_cache_hit_needs_no_keystore_and_a_miss_says_why_it_failed() {
    let Some((env, stub, mut keyring)) = keystore_env() else {
        return;
    };
    ok(&add(&env, "default", KEY_ID, SECRET));
    let first = ok(&env.run(&["-t", CODE]));
    keyring.stop_service();
    let hit = env.run(&[]);
    assert_eq!(ok(&hit), first, "the cached session, without the keystore");
    assert_eq!(stub.count(), 1);
    let miss = env.run(&["-t", CODE, "--refresh"]);
    assert_fails(
        &miss,
        &[
            "could not read the keys of profile 'default' in the OS keystore",
            "no Secret Service",
            "profiles with keys in the credentials file work without it",
        ],
    );
    keyring.stop_bus();
    let no_bus = env.run(&["-t", CODE, "--refresh"]);
    assert_fails(&no_bus, &["could not read the keys of profile 'default'"]);
    assert_eq!(stub.count(), 1, "no STS request without the keys");
}

#[test]
fn list_and_remove() {
    let Some((env, _stub, keyring)) = keystore_env() else {
        return;
    };
    ok(&add(&env, "default", KEY_ID, SECRET));
    ok(&add(&env, "work", "AKIAWORKWORKWORK5678", SECRET));
    assert_eq!(
        ok(&env.run(&["keys", "list", "--json"])),
        "[\n  {\n    \"profile\": \"default\",\n    \"key_id\": \"AKIA…1234\"\n  },\n  {\n    \"profile\": \"work\",\n    \"key_id\": \"AKIA…5678\"\n  }\n]\n"
    );
    assert_eq!(
        ok(&env.run(&["keys", "remove", "work"])),
        "removed the keys of profile 'work' AKIA…5678 from the OS keystore\n"
    );
    assert!(!keyring.search("work").contains("mfa-env"));
    assert!(keyring.search("default").contains("mfa-env"));
    assert_eq!(ok(&env.run(&["keys", "list"])), "default  AKIA…1234\n");
    let again = env.run(&["keys", "remove", "work"]);
    assert_fails_printing(&again, "", &["no keys of profile 'work' were removed"]);
}

#[test]
fn keys_in_the_file_win_and_doctor_says_the_keystore_copy_is_unused() {
    let Some((env, stub, _keyring)) = keystore_env() else {
        return;
    };
    ok(&add(&env, "default", "AKIASTOREDSTORED5678", SECRET));
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    ok(&env.run(&["-t", CODE]));
    assert_eq!(stub.requests()[0].signed_with(), KEY_ID);
    let doctor = stdout(&env.run(&["doctor", "--offline"]));
    assert!(doctor.contains("(keys: credentials file)"), "{doctor}");
    assert!(
        doctor
            .contains("the OS keystore also holds keys (AKIA…5678) for profile 'default', unused"),
        "{doctor}"
    );
    let list = ok(&env.run(&["list", "--json"]));
    assert!(list.contains("\"keys\":\"credentials file\""), "{list}");
}

#[test]
fn status_says_where_the_keys_came_from() {
    let Some((env, _stub, _keyring)) = keystore_env() else {
        return;
    };
    ok(&add(&env, "default", KEY_ID, SECRET));
    let config = std::fs::read_to_string(env.config_path()).expect("config");
    env.write_config(&format!(
        "{config}[profile filed]\nmfa_serial = arn:aws:iam::123456789012:mfa/filed\n"
    ));
    env.write_credentials(&format!(
        "[filed]\naws_access_key_id = AKIAFILEFILEFILE5678\naws_secret_access_key = {SECRET}\n"
    ));
    ok(&env.run(&["-t", CODE]));
    ok(&env.run(&["-p", "filed", "-t", CODE]));
    // Each row's profile and its last column (KEYS).
    let cells = |args: &[&str]| -> Vec<(String, String)> {
        ok(&env.run(args))
            .lines()
            .map(|line| {
                let first = line.split("  ").next().unwrap_or_default();
                let last = line.rsplit("  ").next().unwrap_or_default();
                (first.to_string(), last.to_string())
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        cells(&["status"]),
        [
            pair("PROFILE", "KEYS"),
            pair("default", "keystore"),
            pair("filed", "credentials file")
        ]
    );
    assert_eq!(
        cells(&["status", "-p", "default"]),
        [pair("PROFILE", "KEYS"), pair("default", "keystore")]
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(&env.run(&["status", "--json"]))).expect("json");
    let keys: Vec<&serde_json::Value> = json["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| &s["keys"])
        .collect();
    assert_eq!(keys, ["keystore", "credentials file"]);
}
