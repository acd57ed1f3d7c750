//! The --min-ttl a run uses, and the one no new session could meet: a usage
//! error naming what caps the session (chained role, -d, duration_seconds,
//! the default, AWS's maximums), found before any request.

use super::{KEY, SERIAL, config, keys};
use crate::resolve::{Plan, chain};

const H: i64 = 3600;
const M: i64 = 60;
/// What the endpoint keeps left (server::MIN_LEFT).
const SERVED: Option<i64> = Some(15 * M);

/// base (keys, serial), admin (a role of base), six (a role of base with
/// duration_seconds = 21600), ops (a role assumed with admin's session:
/// two roles).
fn files() -> String {
    format!(
        "{}mfa_serial = {SERIAL}\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n\
         [profile six]\nrole_arn = arn:aws:iam::123456789012:role/six\nsource_profile = base\nduration_seconds = 21600\n\
         [profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = admin\n",
        keys("base", KEY)
    )
}

/// The run's min-ttl for `profile`, -d `flag`, --min-ttl `asked`, as
/// Context::min_ttl makes it; the error as the user reads it.
fn min_ttl(
    profile: &str,
    flag: Option<u32>,
    asked: i64,
    serving: Option<i64>,
) -> Result<i64, String> {
    let profile = chain::walk(&config(&files()), profile).expect("walks");
    let plan = Plan::choose(&profile, flag).expect("plan");
    plan.min_ttl(asked, serving)
        .ok_or_else(|| plan.unmet(asked, &profile, flag).to_string())
}

/// The words after "--min-ttl X cannot be met: a new session of profile 'P' ".
fn cap(result: &Result<i64, String>) -> Option<&str> {
    let text = result.as_ref().err()?;
    let rest = &text[text.find("' ")? + 2..];
    Some(&rest[..rest.find(", so none would ever have")?])
}

#[test]
fn a_min_ttl_no_new_session_could_meet_names_the_cap() {
    let chained =
        "is a role session assumed with the MFA session, which AWS caps at 1h00m (role chaining)";
    // (profile, -d, --min-ttl, serving, run's min-ttl or the cap's words)
    let rows: &[(&str, Option<u32>, i64, Option<i64>, Result<i64, &str>)] = &[
        // A user session: 12h by default, -d up to 36h.
        ("base", None, 5 * M, None, Ok(5 * M)),
        ("base", None, 5 * M, SERVED, Ok(15 * M)),
        ("base", None, 12 * H - 1, None, Ok(12 * H - 1)),
        (
            "base",
            None,
            12 * H,
            None,
            Err("lasts 12h00m (the default)"),
        ),
        (
            "base",
            None,
            13 * H,
            SERVED,
            Err("lasts 12h00m (the default)"),
        ),
        ("base", Some(86_400), 23 * H, None, Ok(23 * H)),
        (
            "base",
            Some(86_400),
            24 * H,
            None,
            Err("lasts 24h00m (-d 24h00m)"),
        ),
        ("base", Some(900), 15 * M, None, Err("lasts 15m (-d 15m)")),
        ("base", Some(900), 5 * M, SERVED, Ok(450)),
        (
            "base",
            Some(36 * 3600),
            36 * H,
            None,
            Err("lasts 36h00m (-d 36h00m)"),
        ),
        // A role assumed with the MFA session: AWS's 1-hour cap.
        ("admin", None, 59 * M, None, Ok(59 * M)),
        ("admin", None, 5 * M, SERVED, Ok(15 * M)),
        ("admin", None, H, None, Err(chained)),
        ("admin", None, 2 * H, SERVED, Err(chained)),
        ("admin", Some(1800), 30 * M, None, Err("lasts 30m (-d 30m)")),
        ("admin", Some(1800), 5 * M, SERVED, Ok(15 * M)),
        // Assumed directly (-d over 1h, or duration_seconds): up to 12h.
        ("admin", Some(4 * 3600), 3 * H, SERVED, Ok(3 * H)),
        (
            "admin",
            Some(4 * 3600),
            4 * H,
            None,
            Err("lasts 4h00m (-d 4h00m)"),
        ),
        (
            "admin",
            Some(12 * 3600),
            13 * H,
            None,
            Err("lasts 12h00m (-d 12h00m)"),
        ),
        ("six", None, 5 * H, None, Ok(5 * H)),
        (
            "six",
            None,
            6 * H,
            None,
            Err("lasts 6h00m (duration_seconds = 21600)"),
        ),
        ("six", Some(1800), 2 * H, None, Err("lasts 30m (-d 30m)")),
        // Two roles: 1 hour whatever is asked.
        ("ops", None, 2 * H, None, Err(chained)),
        ("ops", Some(1800), H, None, Err("lasts 30m (-d 30m)")),
    ];
    for (profile, flag, asked, serving, want) in rows {
        let got = min_ttl(profile, *flag, *asked, *serving);
        let row = format!("{profile} -d {flag:?} --min-ttl {asked} {serving:?}: {got:?}");
        match want {
            Ok(value) => assert_eq!(got.as_ref().ok(), Some(value), "{row}"),
            Err(words) => assert_eq!(cap(&got), Some(*words), "{row}"),
        }
    }
}

#[test]
fn the_fix_asks_for_less_or_for_a_longer_session_where_there_is_one() {
    let fix = |profile, flag, asked| {
        let text = min_ttl(profile, flag, asked, None).expect_err("refused");
        text[text.find(". Give").expect("a fix") + 2..].to_string()
    };
    for (profile, flag, asked, want) in [
        (
            "admin",
            None,
            2 * H,
            "Give a --min-ttl under 1h00m, or -d over 1h (up to 12h, within the role's maximum session duration) to assume the role directly with the long-term keys and a code",
        ),
        (
            "ops",
            None,
            2 * H,
            "Give a --min-ttl under 1h00m: this profile chains several roles, so no session of it lasts longer",
        ),
        (
            "ops",
            Some(1800),
            H,
            "Give a --min-ttl under 30m, or a longer session with -d (up to 1h00m)",
        ),
        (
            "base",
            None,
            12 * H,
            "Give a --min-ttl under 12h00m, or a longer session with -d (up to 36h00m)",
        ),
        (
            "base",
            Some(36 * 3600),
            36 * H,
            "Give a --min-ttl under 36h00m: GetSessionToken gives at most 36 hours",
        ),
        (
            "admin",
            Some(12 * 3600),
            12 * H,
            "Give a --min-ttl under 12h00m: AssumeRole gives at most 12 hours",
        ),
        (
            "six",
            None,
            6 * H,
            "Give a --min-ttl under 6h00m, or a longer session with -d (up to 12h00m)",
        ),
    ] {
        assert_eq!(
            fix(profile, flag, asked),
            want,
            "{profile} {flag:?} {asked}"
        );
    }
}
