//! The decisions of `keys rotate`, by table: which profiles are refused
//! before any request, whose key it is, room for a second key, and what a
//! failure after CreateAccessKey says.

use super::*;
use crate::resolve::chain;

const OLD: &str = "AKIAOLDOLDOLDOLD1234";
const NEW: &str = "AKIANEWNEWNEWNEW5678";

fn profile(config: &str, credentials: &str, index: &str, name: &str) -> Profile {
    let snap = Snapshot::from_tables(
        &[("HOME", "/h")],
        &[
            ("/h/.aws/config", config.as_bytes()),
            ("/h/.aws/credentials", credentials.as_bytes()),
            ("/h/.config/mfa-env/keystore.json", index.as_bytes()),
        ],
    );
    chain::walk(&snap, name).expect("the profile resolves")
}

fn text(result: Result<(), Error>) -> Option<String> {
    result.err().map(|err| err.to_string())
}

#[test]
fn refused_before_any_request() {
    let index = format!(r#"{{"keys":{{"base":"{OLD}"}}}}"#);
    let file_keys = format!("[base]\naws_access_key_id = {OLD}\naws_secret_access_key = s\n");
    let role = "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\n[profile base]\n";
    let table: &[(&str, &str, &str, Option<&str>)] = &[
        // Keystore keys of a user profile: rotated.
        ("base", "[profile base]\n", "", None),
        // Keystore keys reached through source_profile without a role: rotated.
        (
            "dev",
            "[profile dev]\nsource_profile = base\n[profile base]\n",
            "",
            None,
        ),
        (
            "base",
            "[profile base]\n",
            &file_keys,
            Some(
                "rotating the keys of profile 'base' stopped: its keys are in the credentials file /h/.aws/credentials, which mfa-env never writes; nothing was changed. Move them into the OS keystore with `mfa-env keys add base --from-file` (and delete the lines it prints from the file), then run `mfa-env keys rotate base`",
            ),
        ),
        (
            "admin",
            role,
            "",
            Some(
                "rotating the keys of profile 'base' stopped: profile 'admin' assumes role arn:aws:iam::123456789012:role/Admin, and IAM must be asked as the user whose keys profile 'base' holds; nothing was changed. Rotate them as that profile: `mfa-env keys rotate base`",
            ),
        ),
    ];
    for (name, config, credentials, want) in table {
        let p = profile(config, credentials, &index, name);
        assert_eq!(text(refuse(name, &p)).as_deref(), *want, "{name}");
    }
}

#[test]
fn the_user_of_the_key() {
    let table: &[(&str, Option<&str>)] = &[
        ("arn:aws:iam::123456789012:user/alice", Some("alice")),
        ("arn:aws:iam::123456789012:user/team/ops/bob", Some("bob")),
        ("arn:aws:iam::123456789012:root", None),
        ("arn:aws:sts::123456789012:assumed-role/R/s", None),
        ("", None),
    ];
    for (arn, want) in table {
        assert_eq!(user_name("base", arn).ok().as_deref(), *want, "{arn}");
    }
    let refused = user_name("base", "arn:aws:iam::123456789012:root").err();
    assert_eq!(
        refused.map(|e| e.to_string()).as_deref(),
        Some(
            "rotating the keys of profile 'base' stopped: its key belongs to arn:aws:iam::123456789012:root, which is not an IAM user; nothing was changed. Rotate the keys of the root user or of others in the IAM console"
        )
    );
}

#[test]
fn room_for_a_second_key() {
    let other = "AKIAOTHEROTHEROTHER9";
    let table: &[(&[&str], Option<&str>)] = &[
        (&[OLD], None),
        (&[], None),
        (
            &[OLD, other],
            Some(
                "rotating the keys of profile 'base' stopped: IAM user alice already has 2 access keys (AKIA…1234, AKIA…HER9), the most IAM allows, and rotating makes a second one; nothing was changed. Delete the one mfa-env does not use with `mfa-env -p base -- aws iam delete-access-key --user-name alice --access-key-id AKIAOTHEROTHEROTHER9`, then run `mfa-env keys rotate base` again",
            ),
        ),
    ];
    for (listed, want) in table {
        let listed: Vec<String> = listed.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            text(room("base", "alice", OLD, &listed)).as_deref(),
            *want,
            "{listed:?}"
        );
    }
}

#[test]
fn state_after_a_failure_before_the_new_key_is_stored() {
    assert_eq!(
        unused("alice", "base", OLD, NEW, true),
        (
            "nothing was changed: the new key AKIA…5678 was deleted again, and the old key AKIA…1234 is still stored and works".into(),
            None
        )
    );
    assert_eq!(
        unused("alice", "my base", OLD, NEW, false),
        (
            "the new key AKIA…5678 exists in IAM but is not stored and could not be deleted (its secret is gone); the old key AKIA…1234 is still stored and works".into(),
            Some("Delete the new key with `mfa-env -p 'my base' -- aws iam delete-access-key --user-name alice --access-key-id AKIANEWNEWNEWNEW5678`".into())
        )
    );
}

#[test]
fn only_a_key_not_yet_spread_is_tried_again() {
    let sts = |code: &str| Error::Sts {
        code: code.into(),
        message: "m".into(),
        hint: String::new(),
    };
    assert!(spreading(&sts("InvalidClientTokenId")));
    assert!(!spreading(&sts("AccessDenied")));
    assert!(!spreading(&Error::Request { why: "x".into() }));
}
