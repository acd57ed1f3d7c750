//! Unit tests of output: what Debug shows, and the one buffer render writes.

use super::*;
use crate::session::Secret;

#[test]
fn debug_shows_names_not_values() {
    let session = Session {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: Secret::new("very-secret"),
        session_token: Secret::new("token-secret"),
        expiration: 0,
    };
    let shown = format!("{:?}", exports(&session, None, None, "work"));
    assert!(shown.contains("AWS_SESSION_TOKEN"));
    assert!(!shown.contains("very-secret") && !shown.contains("token-secret"));
}

/// Every format renders into the one buffer sized first: its capacity is
/// unchanged (a String that grew would have left a copy of the secrets).
#[test]
fn render_never_grows_its_buffer() {
    for value in ["plain", "a'b\\c\"d$e`f\u{2018}g\u{201B}h'"] {
        let value = value.repeat(400);
        let session = Session {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new(&value),
            session_token: Secret::new(&value),
            expiration: 0,
        };
        let exports = exports(&session, Some("123456789012"), Some("eu-west-1"), "it's");
        for format in [
            Format::Sh,
            Format::Fish,
            Format::Powershell,
            Format::Dotenv,
            Format::Json,
        ] {
            match render(format, &exports) {
                Ok(out) => assert_eq!(out.capacity(), size(&exports), "{format:?}"),
                Err(_) => assert_eq!(format, Format::Dotenv, "only dotenv refuses a value"),
            }
        }
    }
    let session = Session {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: Secret::new("\\\"".repeat(3000)),
        session_token: Secret::new("t".repeat(8000)),
        expiration: 0,
    };
    let out = credential_process(&session, Some("123456789012")).expect("json");
    assert_eq!(out.capacity(), 2 * (11 + 6000 + 8000 + 12) + 256);
}
