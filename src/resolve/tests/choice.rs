//! Which cached sessions a run would use: shared keys, both role plans, and
//! the -d rule.

use super::{KEY, SERIAL, config, keys};
use crate::cache::Key;
use crate::resolve::sessions::{self, Candidate, Serves};
use crate::resolve::{Plan, chain};
use crate::session::Made;
use crate::sts::Endpoint;

const ADMIN: &str = "arn:aws:iam::123456789012:role/admin";

/// base (keys, serial), dev (source_profile = base, no role), admin and ro
/// (roles of base).
fn files() -> String {
    format!(
        "{}mfa_serial = {SERIAL}\n[profile dev]\nsource_profile = base\n[profile admin]\nrole_arn = {ADMIN}\nsource_profile = base\n[profile ro]\nrole_arn = arn:aws:iam::123456789012:role/ro\nsource_profile = base\nexternal_id = x\n",
        keys("base", KEY)
    )
}

/// AWS's own STS in `region`.
fn aws(region: &str) -> Endpoint {
    Endpoint {
        url_override: None,
        region: region.into(),
        use_fips: false,
    }
}

fn candidates(name: &str, duration: Option<u32>) -> Vec<Candidate> {
    let profile = chain::walk(&config(&files()), name).expect("walks");
    let plan = Plan::choose(&profile, duration).expect("plan");
    sessions::candidates(&profile, SERIAL, plan, &aws("us-east-1"))
}

#[test]
fn sessions_are_cached_under_the_sts_they_came_from() {
    let profile = chain::walk(&config(&files()), "admin").expect("walks");
    let plan = Plan::usual(&profile);
    let keys = |endpoint: &Endpoint| -> Vec<Key> {
        sessions::candidates(&profile, SERIAL, plan, endpoint)
            .into_iter()
            .map(|c| c.key)
            .collect()
    };
    let url = |url: &str| Endpoint {
        url_override: Some(url.into()),
        ..aws("us-east-1")
    };
    let home = keys(&aws("us-east-1"));
    for (endpoint, same) in [
        (aws("eu-west-1"), true),
        (
            Endpoint {
                use_fips: true,
                ..aws("us-east-1")
            },
            true,
        ),
        (aws("cn-north-1"), false),
        (aws("us-gov-west-1"), false),
        (url("http://127.0.0.1:9"), false),
        (url("https://sts.amazonaws.com"), false),
    ] {
        let other = keys(&endpoint);
        assert_eq!(other.len(), home.len());
        for (a, b) in home.iter().zip(&other) {
            assert_eq!(a == b, same, "{endpoint:?}");
        }
    }
    assert_ne!(
        keys(&url("http://127.0.0.1:9")),
        keys(&url("http://127.0.0.1:10"))
    );
}

#[test]
fn profiles_sharing_keys_share_their_mfa_session() {
    let mfa = Key::mfa_session(KEY, SERIAL, &aws("us-east-1"));
    let base = candidates("base", None);
    let dev = candidates("dev", None);
    assert_eq!(base, dev, "dev uses exactly base's session");
    assert_eq!(
        base,
        [Candidate {
            key: mfa.clone(),
            serves: Serves::Session
        }]
    );
    // A role assumed from base's keys signs with that same MFA session.
    let admin = candidates("admin", None);
    assert_eq!(
        admin.last(),
        Some(&Candidate {
            key: mfa,
            serves: Serves::Signer
        })
    );
}

#[test]
fn a_role_finds_its_session_made_either_way() {
    for duration in [None, Some(1800), Some(14_400)] {
        let found = candidates("admin", duration);
        let made: Vec<(Made, Serves)> = found.iter().map(|c| (c.key.made, c.serves)).collect();
        let mut want = vec![
            (Made::ChainedRole, Serves::Session),
            (Made::DirectRole, Serves::Session),
        ];
        // Assumed with the code itself, a direct plan needs no MFA session.
        if duration != Some(14_400) {
            want.push((Made::SessionToken, Serves::Signer));
        }
        assert_eq!(made, want, "{duration:?}");
        assert!(found[..2].iter().all(|c| c.key.role_arn == ADMIN));
    }
    // Two roles of one source: different role sessions, one MFA session.
    let (admin, ro) = (candidates("admin", None), candidates("ro", None));
    assert_ne!(admin[0].key, ro[0].key);
    assert_eq!(ro[0].key.external_id, "x");
    assert_eq!(admin[2], ro[2]);
}

#[test]
fn clear_takes_what_any_run_could_use() {
    let profile = chain::walk(&config(&files()), "admin").expect("walks");
    let keys = sessions::any_run(&profile, SERIAL, &aws("us-east-1"));
    let made: Vec<Made> = keys.iter().map(|k| k.made).collect();
    assert_eq!(
        made,
        [Made::ChainedRole, Made::DirectRole, Made::SessionToken]
    );
}

#[test]
fn the_duration_rule() {
    const M: i64 = 300;
    // (left, --duration, serves?)
    let cases: &[(i64, Option<u32>, bool)] = &[
        (43_000, None, true),
        (301, None, true),
        (300, None, false),
        (-5, None, false),
        (43_000, Some(3600), true),
        (7200, Some(14_400), false),
        (14_400 - 300, Some(14_400), true),
        (14_400 - 301, Some(14_400), false),
        (14_400 + 60, Some(14_400), true),
    ];
    for (left, asked, want) in cases {
        assert_eq!(
            sessions::serves(*left, M, *asked),
            *want,
            "{left} {asked:?}"
        );
    }
}

#[test]
fn the_choice_among_cached_sessions() {
    let found = candidates("admin", None);
    // (left of chained, direct, MFA; --duration) → index chosen
    let cases: &[([Option<i64>; 3], Option<u32>, Option<usize>)] = &[
        ([None, None, None], None, None),
        ([Some(3000), None, Some(40_000)], None, Some(0)),
        ([Some(3000), Some(14_000), None], None, Some(1)),
        ([Some(100), None, Some(40_000)], None, Some(2)),
        ([Some(3000), None, None], Some(14_400), None),
        ([Some(3000), Some(14_300), None], Some(14_400), Some(1)),
        ([None, None, Some(100)], None, None),
        ([Some(3500), Some(3500), None], None, Some(0)),
    ];
    for (left, asked, want) in cases {
        assert_eq!(
            sessions::choose(&found, left, 300, *asked),
            *want,
            "{left:?} {asked:?}"
        );
    }
}
