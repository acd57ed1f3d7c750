//! `mfa-env keys rotate` (issue 23): IAM and STS are moto's, behind a
//! recording stub that also injects IAM's and STS's real error answers; the
//! keystore is a private Secret Service. Each test makes its own IAM user.

use crate::common::*;
use std::process::Output;

/// Profile `default` (its MFA device, no keys in any file) with STS and IAM
/// at `stub`, the private Secret Service, and the user's first key stored
/// with `keys add`.
fn stored(stub: &Stub, key: &(String, String)) -> Option<(TestEnv, Keyring)> {
    stored_as(stub, key, "[default]\n", "default")
}

/// The same for `profile`, whose config `section` starts with.
fn stored_as(
    stub: &Stub,
    key: &(String, String),
    section: &str,
    profile: &str,
) -> Option<(TestEnv, Keyring)> {
    let keyring = Keyring::start()?;
    let mut env = TestEnv::empty();
    env.write_config(&format!(
        "{section}mfa_serial = {SERIAL}\nregion = eu-west-1\n"
    ));
    env.endpoint(&stub.url())
        .set("AWS_ENDPOINT_URL_IAM", &stub.url());
    keyring.apply(&mut env);
    let added = run_with_input(
        &mut env.mfa_env(&["keys", "add", profile]),
        format!("{}\n{}\n", key.0, key.1).as_bytes(),
    );
    ok(&added);
    Some((env, keyring))
}

/// What a rotation left: the env and keystore, the IAM user, its keys made
/// before (the first one stored), the run, and the user's keys after it.
struct Rotated {
    env: TestEnv,
    keyring: Keyring,
    name: String,
    made: Vec<(String, String)>,
    old: String,
    out: Output,
    listed: Vec<String>,
}

/// A user with `keys` keys, the first stored (`first` is told its id
/// before), then `keys rotate default` run against `stub`.
fn rotated(stub: &Stub, tag: &str, keys: usize, first: impl FnOnce(&str)) -> Option<Rotated> {
    let (name, made) = iam_user(tag, keys);
    first(&made[0].0);
    let (env, keyring) = stored(stub, &made[0])?;
    let out = rotate(&env);
    let listed = iam(&["list", &name]);
    Some(Rotated {
        env,
        keyring,
        name,
        old: made[0].0.clone(),
        made,
        out,
        listed,
    })
}

fn mask(id: &str) -> String {
    format!("{}…{}", &id[..4], &id[id.len() - 4..])
}

/// The stub's requests as "Action KEY-ID", or "Action session" for those
/// signed with an MFA session (a session token sent).
fn calls(stub: &Stub) -> Vec<String> {
    stub.requests()
        .iter()
        .map(|r| {
            let key = r.signed_with();
            let signer = match r.header("x-amz-security-token") {
                Some(_) => "session",
                None => &key,
            };
            format!("{} {signer}", r.param("Action").unwrap_or_default())
        })
        .collect()
}

fn rotate(env: &TestEnv) -> Output {
    env.run(&["keys", "rotate", "default", "-t", CODE])
}

/// Exit 1, nothing on stdout, exactly `text` on stderr.
fn fails_with(out: &Output, text: String) {
    assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
    assert_eq!(stdout(out), "");
    assert_eq!(stderr(out), text);
}

fn no_secret(out: &Output, secrets: &[&str]) {
    for text in [stdout(out), stderr(out)] {
        for secret in secrets {
            assert!(!text.contains(secret), "a secret leaked into: {text}");
        }
    }
}

/// IAM's error document (IAM and STS answer alike).
fn denied(operation: &str) -> (u16, String) {
    (
        403,
        sts_error_xml(
            "AccessDenied",
            &format!("User is not authorized to perform: iam:{operation}"),
        ),
    )
}

#[test]
fn rotate_replaces_the_key_and_the_next_run_signs_with_the_new_one() {
    let stub = Stub::moto();
    let Some(r) = rotated(&stub, "rotated", 1, |_| {}) else {
        return;
    };
    let (env, keyring, name, made, old, out, listed) = (
        &r.env, &r.keyring, &r.name, &r.made, &r.old, &r.out, &r.listed,
    );
    assert_eq!(listed.len(), 1, "one key left: {listed:?}");
    let new = &listed[0];
    assert_ne!(new, old);
    assert_eq!(
        ok(out),
        format!(
            "rotated the keys of profile 'default' (IAM user {name}): the new key {} is stored in the OS keystore, the old key {} is deleted from IAM\n\
             deleted 1 cached session made with the old key: the next run asks for a code\n",
            mask(new),
            mask(old)
        )
    );
    assert_eq!(
        calls(&stub),
        [
            format!("GetCallerIdentity {old}"),
            format!("GetSessionToken {old}"),
            "ListAccessKeys session".into(),
            "CreateAccessKey session".into(),
            format!("GetCallerIdentity {new}"),
            "DeleteAccessKey session".into(),
        ]
    );
    let found = keyring.search("default");
    assert!(found.contains(new.as_str()), "{found}");
    assert!(!found.contains(old.as_str()), "{found}");
    let index = std::fs::read_to_string(env.home().join(".config/mfa-env/keystore.json"))
        .expect("the index");
    assert!(index.contains(new.as_str()), "{index}");
    no_secret(out, &[&made[0].1, CODE]);
    // No cached session is left: the next run makes one with the new key.
    let next = env.run(&["-t", CODE]);
    assert!(ok(&next).contains("export AWS_SESSION_TOKEN="));
    assert_eq!(
        calls(&stub)[6..],
        [format!("GetSessionToken {new}")],
        "the next run signs with the new key"
    );
}

#[test]
fn a_user_with_two_keys_is_refused_with_nothing_changed() {
    let stub = Stub::moto();
    let Some(r) = rotated(&stub, "full", 2, |_| {}) else {
        return;
    };
    let (keyring, name, made, out, listed) = (&r.keyring, &r.name, &r.made, &r.out, &r.listed);
    let (old, other) = (&made[0].0, &made[1].0);
    fails_with(
        out,
        format!(
            "mfa-env: rotating the keys of profile 'default' stopped: IAM user {name} already has 2 access keys ({}, {}), the most IAM allows, and rotating makes a second one; nothing was changed. Delete the one mfa-env does not use with `mfa-env -p default -- aws iam delete-access-key --user-name {name} --access-key-id {other}`, then run `mfa-env keys rotate default` again\n",
            mask(old),
            mask(other)
        ),
    );
    assert_eq!(listed, &[old.clone(), other.clone()]);
    assert!(keyring.search("default").contains(old.as_str()));
    assert!(
        !calls(&stub)
            .iter()
            .any(|c| c.starts_with("CreateAccessKey"))
    );
}

#[test]
fn keys_in_the_credentials_file_are_refused_before_any_request() {
    let (env, stub) = TestEnv::with_moto();
    let out = rotate(&env);
    let file = env.credentials_path().display().to_string();
    fails_with(
        &out,
        format!(
            "mfa-env: rotating the keys of profile 'default' stopped: its keys are in the credentials file {file}, which mfa-env never writes; nothing was changed. Move them into the OS keystore with `mfa-env keys add default --from-file` (and delete the lines it prints from the file), then run `mfa-env keys rotate default`\n"
        ),
    );
    assert_eq!(stub.count(), 0, "no request");
}

#[test]
fn a_failed_delete_of_the_old_key_leaves_the_new_one_stored_and_says_what_to_delete() {
    let stub = Stub::moto_except(|r| {
        (r.param("Action").as_deref() == Some("DeleteAccessKey")).then(|| denied("DeleteAccessKey"))
    });
    let Some(r) = rotated(&stub, "undeleted", 1, |_| {}) else {
        return;
    };
    let (env, keyring, name, made, old, out, listed) = (
        &r.env, &r.keyring, &r.name, &r.made, &r.old, &r.out, &r.listed,
    );
    assert_eq!(listed.len(), 2, "both keys: {listed:?}");
    let new = listed.iter().find(|id| *id != old).expect("the new key");
    fails_with(
        out,
        format!(
            "mfa-env: rotating the keys of profile 'default' stopped: IAM DeleteAccessKey failed: AccessDenied: User is not authorized to perform: iam:DeleteAccessKey (IAM at {}); the new key {} exists in IAM and is stored in the OS keystore (runs use it); the old key {} could not be deleted and still exists in IAM. Delete it with `mfa-env -p default -- aws iam delete-access-key --user-name {name} --access-key-id {old}`\n",
            stub.url(),
            mask(new),
            mask(old)
        ),
    );
    assert!(keyring.search("default").contains(new.as_str()));
    no_secret(out, &[&made[0].1, CODE]);
    let next = env.run(&["-t", CODE]);
    assert!(ok(&next).contains("export AWS_SESSION_TOKEN="));
    assert_eq!(calls(&stub).last(), Some(&format!("GetSessionToken {new}")));
}

#[test]
fn a_new_key_that_does_not_work_is_deleted_again_or_named_for_deletion() {
    for undo_fails in [false, true] {
        // STS refuses the new key (any key but the user's first); IAM
        // refuses DeleteAccessKey too when `undo_fails`.
        let first = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let seen = std::sync::Arc::clone(&first);
        let stub = Stub::moto_except(move |r| {
            let action = r.param("Action").unwrap_or_default();
            let old = seen.lock().expect("first key").clone();
            match action.as_str() {
                "GetCallerIdentity" if r.signed_with() != old => Some((
                    403,
                    sts_error_xml("AccessDenied", "The key is not allowed here"),
                )),
                "DeleteAccessKey" if undo_fails => Some(denied("DeleteAccessKey")),
                _ => None,
            }
        });
        let Some(r) = rotated(&stub, &format!("unproven-{undo_fails}"), 1, |id| {
            *first.lock().expect("first key") = id.to_string();
        }) else {
            return;
        };
        let (keyring, name, old, out, listed) = (&r.keyring, &r.name, &r.old, &r.out, &r.listed);
        let answers = stub.responses();
        let made: Vec<&String> = answers
            .iter()
            .filter(|body| body.contains("<CreateAccessKeyResult>"))
            .collect();
        assert_eq!(made.len(), 1, "one CreateAccessKey");
        let new = xml_field(made[0], "AccessKeyId").expect("the new key id");
        let (state, fix) = if undo_fails {
            assert_eq!(listed, &[old.clone(), new.clone()], "both keys");
            (
                format!(
                    "the new key {} exists in IAM but is not stored and could not be deleted (its secret is gone); the old key {} is still stored and works",
                    mask(&new),
                    mask(old)
                ),
                format!(
                    "Delete the new key with `mfa-env -p default -- aws iam delete-access-key --user-name {name} --access-key-id {new}`"
                ),
            )
        } else {
            assert_eq!(
                listed,
                std::slice::from_ref(old),
                "the new key was deleted again"
            );
            (
                format!(
                    "nothing was changed: the new key {} was deleted again, and the old key {} is still stored and works",
                    mask(&new),
                    mask(old)
                ),
                "Run `mfa-env keys rotate default` again in a few minutes".into(),
            )
        };
        fails_with(
            out,
            format!(
                "mfa-env: rotating the keys of profile 'default' stopped: the new key {} did not work (GetCallerIdentity with it: STS refused the request: AccessDenied: The key is not allowed here); {state}. {fix}\n",
                mask(&new)
            ),
        );
        let found = keyring.search("default");
        assert!(found.contains(old.as_str()), "the old key is still stored");
    }
}

/// The README's rotate line, as written (its comment cut), run by sh with
/// the binary on PATH; the code comes from the profile's mfa_process.
#[test]
fn the_readme_rotate_line_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let lines: Vec<&str> = readme
        .lines()
        .filter(|l| l.starts_with("mfa-env keys rotate "))
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .collect();
    assert_eq!(lines, ["mfa-env keys rotate work"]);
    let stub = Stub::moto();
    let (name, made) = iam_user("readme", 1);
    let section = format!("[profile work]\nmfa_process = echo {CODE}\n");
    let Some((mut env, keyring)) = stored_as(&stub, &made[0], &section, "work") else {
        return;
    };
    env.with_binary_on_path();
    let out = env
        .command("sh")
        .args(["-c", lines[0]])
        .output()
        .expect("sh");
    let listed = iam(&["list", &name]);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        ok(&out),
        format!(
            "rotated the keys of profile 'work' (IAM user {name}): the new key {} is stored in the OS keystore, the old key {} is deleted from IAM\n\
             deleted 1 cached session made with the old key: the next run asks for a code\n",
            mask(&listed[0]),
            mask(&made[0].0)
        )
    );
    assert!(keyring.search("work").contains(listed[0].as_str()));
}

/// The MFA session comes as in any run: a cached one is used, and no code
/// is asked for (stdin closed, no terminal, no -t).
#[test]
fn a_cached_mfa_session_is_used_without_a_code() {
    let stub = Stub::moto();
    let (name, made) = iam_user("cached", 1);
    let Some((env, _keyring)) = stored(&stub, &made[0]) else {
        return;
    };
    let old = &made[0].0;
    ok(&env.run(&["-t", CODE]));
    let out = env.run(&["keys", "rotate", "default"]);
    let listed = iam(&["list", &name]);
    assert_eq!(listed.len(), 1);
    let new = &listed[0];
    assert!(ok(&out).ends_with(
        "deleted 1 cached session made with the old key: the next run asks for a code\n"
    ));
    assert_eq!(
        calls(&stub),
        [
            format!("GetSessionToken {old}"),
            format!("GetCallerIdentity {old}"),
            "ListAccessKeys session".into(),
            "CreateAccessKey session".into(),
            format!("GetCallerIdentity {new}"),
            "DeleteAccessKey session".into(),
        ]
    );
}
