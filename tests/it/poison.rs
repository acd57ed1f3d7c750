//! Cache poisoning: a session is cached under the STS it came from, one
//! lasting longer than any AWS session is refused from STS and from the
//! cache, and an entry no STS could have written is ignored.

use crate::common::*;

/// A GetSessionToken answer ending at `expiration`.
fn ending(expiration: &str) -> String {
    sts_session_xml().replace(stub_end(), expiration)
}

#[test]
fn a_session_from_one_endpoint_is_not_handed_out_for_another() {
    let (mut env, first, _) = warm();
    let other = Stub::start(Behavior::Reply(
        200,
        sts_session_xml_for("ASIAOTHEROTHEROTHER1"),
    ));
    env.endpoint(&other.url());
    let out = env.run(&["-t", CODE]);
    assert!(ok(&out).contains("export AWS_ACCESS_KEY_ID='ASIAOTHEROTHEROTHER1'"));
    assert_eq!((first.count(), other.count()), (1, 1));
    assert_eq!(env.cache_files(".json").len(), 2, "one entry per endpoint");
    // And none of them for AWS's own STS: nothing valid is cached for it.
    env.vars.remove("AWS_ENDPOINT_URL_STS");
    let out = env.run(&["status", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn sts_handing_out_a_session_longer_than_36_hours_is_refused() {
    for end in ["9999-12-31T23:59:59Z", &rfc3339_in(37 * 3600)] {
        let stub = Stub::start(Behavior::Reply(200, ending(end)));
        let mut env = TestEnv::new();
        env.endpoint(&stub.url());
        let out = env.run(&["-t", CODE]);
        assert_fails(&out, &[&format!("ends at {end}"), "36 hours", "date -u"]);
        assert!(env.cache_files(".json").is_empty(), "nothing cached");
    }
    // AWS's longest, 36 hours, is taken.
    let stub = Stub::start(Behavior::Reply(200, ending(&rfc3339_in(36 * 3600))));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    ok(&env.run(&["-t", CODE, "-d", "36h"]));
}

#[test]
fn a_cached_session_longer_than_36_hours_is_ignored() {
    let (env, stub, _) = warm();
    set_expiration(&env.cache_entry(), "9999-12-31T23:59:59Z");
    goes_on_uncached(
        &env,
        &stub,
        &[
            "ignoring the cached session",
            "later than any AWS session could",
        ],
    );
    assert_eq!(stderr(&env.run(&[])), "", "the new session replaced it");
}

#[test]
fn a_cached_entry_with_a_control_character_is_ignored() {
    for (field, value) in [
        ("secret_access_key", "abc\\u001b[2Jdef"),
        ("session_token", "tok\\nexport X=1"),
        ("access_key_id", "ASIA\\u0000X"),
    ] {
        let (env, stub, _) = warm();
        let entry = env.cache_entry();
        let text = std::fs::read_to_string(&entry).expect("entry");
        let mut json: serde_json::Value = serde_json::from_str(&text).expect("json");
        let old = json[field].as_str().expect("field").to_string();
        let text = text.replace(&format!("\"{old}\""), &format!("\"{value}\""));
        json = serde_json::from_str(&text).expect("still JSON");
        assert_ne!(json[field].as_str(), Some(old.as_str()));
        std::fs::write(&entry, text).expect("write");
        goes_on_uncached(
            &env,
            &stub,
            &["ignoring the cached session", "control character"],
        );
    }
}
