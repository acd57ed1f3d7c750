//! Where the long-term keys come from: the files, else the keystore (known by
//! its index, a file of the snapshot); both: the file wins.

use super::*;
use crate::config::Place;
use crate::resolve::chain;

const INDEX: &str = "/h/.config/mfa-env/keystore.json";

#[test]
fn keys_from_the_files_else_the_keystore() {
    let stored = r#"{"keys":{"base":"AKIASTOREDSTORED0001","work":"AKIASTOREDSTORED0002"}}"#;
    let role =
        "[profile work]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\n";
    let table: &[(
        &str,
        String,
        Option<&str>,
        Result<(Place, &str, &str), &str>,
    )] = &[
        // No keys in any file: the keystore's, by the index's id.
        (
            "base",
            "[profile base]\n".into(),
            Some(stored),
            Ok((Place::Keystore, "base", "AKIASTOREDSTORED0001")),
        ),
        // Through source_profile: the source profile's keystore keys.
        (
            "work",
            format!("{role}[profile base]\n"),
            Some(stored),
            Ok((Place::Keystore, "base", "AKIASTOREDSTORED0001")),
        ),
        // Keys in the file and in the keystore: the file's.
        (
            "base",
            keys("base", KEY),
            Some(stored),
            Ok((Place::File, "base", KEY)),
        ),
        // No index: no keystore keys; the error says how to store them.
        (
            "base",
            "[profile base]\n".into(),
            None,
            Err("mfa-env keys add base"),
        ),
        // A damaged index is no index.
        (
            "base",
            "[profile base]\n".into(),
            Some("{not json"),
            Err("aws_access_key_id"),
        ),
        // Only a secret in the file: not the keystore (the file is half done).
        (
            "base",
            "[profile base]\naws_secret_access_key = s\n".into(),
            Some(stored),
            Err("aws_access_key_id"),
        ),
    ];
    for (name, config, index, want) in table {
        let mut files: Vec<(&str, &[u8])> = vec![("/h/.aws/config", config.as_bytes())];
        if let Some(index) = index {
            files.push((INDEX, index.as_bytes()));
        }
        let snap = Snapshot::from_tables(&[("HOME", "/h")], &files);
        match (chain::walk(&snap, name), want) {
            (Ok(p), Ok((place, profile, id))) => {
                assert_eq!(
                    (
                        p.keys.place,
                        p.keys.profile.as_str(),
                        p.keys.access_key_id.as_str()
                    ),
                    (*place, *profile, *id),
                    "{name}: {config}"
                );
            }
            (Err(err), Err(part)) => assert!(err.to_string().contains(part), "{name}: {err}"),
            (got, want) => panic!("{name} ({config}): got {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn the_index_is_under_xdg_config_home() {
    let index = br#"{"keys":{"base":"AKIASTOREDSTORED0001"}}"#;
    let config: &[u8] = b"[profile base]\n";
    let snap = Snapshot::from_tables(
        &[("HOME", "/h"), ("XDG_CONFIG_HOME", "/x")],
        &[
            ("/h/.aws/config", config),
            ("/x/mfa-env/keystore.json", index),
        ],
    );
    assert_eq!(snap.keystore().key_id("base"), Some("AKIASTOREDSTORED0001"));
}

/// Where `keys rotate` asks IAM: its own variable, then AWS_ENDPOINT_URL and
/// the profile's endpoint_url as for STS (never STS's own variable), in the
/// STS endpoint's region.
#[test]
fn the_iam_endpoint() {
    let plain = keys("p", KEY);
    let with_url = format!("{plain}endpoint_url = http://127.0.0.1:9\n");
    let table: &[(&str, &[(&str, &str)], &str, Option<&str>)] = &[
        ("AWS's IAM", &[], &plain, None),
        (
            "not STS's variable",
            &[("AWS_ENDPOINT_URL_STS", "http://sts")],
            &plain,
            None,
        ),
        (
            "AWS_ENDPOINT_URL_IAM first",
            &[
                ("AWS_ENDPOINT_URL_IAM", "http://iam"),
                ("AWS_ENDPOINT_URL", "http://all"),
            ],
            &with_url,
            Some("http://iam"),
        ),
        (
            "then AWS_ENDPOINT_URL",
            &[("AWS_ENDPOINT_URL", "http://all")],
            &with_url,
            Some("http://all"),
        ),
        (
            "then endpoint_url",
            &[],
            &with_url,
            Some("http://127.0.0.1:9"),
        ),
        (
            "none when told to ignore them",
            &[
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
                ("AWS_ENDPOINT_URL_IAM", "http://iam"),
            ],
            &with_url,
            None,
        ),
    ];
    for (what, vars, text, want) in table {
        let snap = snap(vars, Some(text), None);
        let profile = chain::walk(&snap, "p").expect("walks");
        let sts = crate::resolve::endpoint(&snap, &profile, Some("eu-west-1"), "aws");
        let iam = crate::resolve::iam_endpoint(&snap, &profile, &sts);
        assert_eq!(iam.url_override.as_deref(), *want, "{what}");
        assert_eq!(iam.region, "eu-west-1", "{what}");
    }
}
