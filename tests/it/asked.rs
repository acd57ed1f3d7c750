//! What was asked is what you get: a reused session shorter than `-d` is
//! said, `-v` says why a session is or is not reused, and a profile name is
//! reported with where it came from.

use crate::common::*;

fn user_env() -> (TestEnv, Stub) {
    let (env, stub) = TestEnv::with_moto();
    (env, stub)
}

/// The -d rule (issue 19 item 2): -d sets the length of a new session; a
/// cached one is reused whatever -d made it while it has what the run needs,
/// unless it is clearly shorter than -d asks (by more than --min-ttl).
#[test]
fn duration_sets_a_new_sessions_length_and_refuses_one_clearly_shorter() {
    let (env, stub) = user_env();
    let out = env.run(&["-t", CODE]);
    ok(&out);
    set_expiration(&env.cache_entry(), &rfc3339_in(2 * 3600 + 55));
    // Less asked than is left, or no -d at all: reused, nothing to say.
    for args in [&["-d", "1h"][..], &[]] {
        let out = env.run(args);
        ok(&out);
        assert_eq!(stderr(&out), "", "{args:?}");
    }
    assert_eq!(stub.count(), 1);
    // 4h asked, 2h left: clearly short, so a new 4-hour session (a code).
    let out = env.run(&["-d", "4h", "--token-code", "-"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "asks for a code: {}",
        stderr(&out)
    );
    let out = env.run(&["-d", "4h", "-t", CODE]);
    ok(&out);
    assert_eq!(stderr(&out), "");
    assert_eq!(stub.count(), 2);
    assert_eq!(
        stub.requests()[1].param("DurationSeconds").as_deref(),
        Some("14400")
    );
    // Within the margin of what is asked: reused, and said.
    set_expiration(&env.cache_entry(), &rfc3339_in(4 * 3600 - 60 + 55));
    let out = env.run(&["-d", "4h"]);
    ok(&out);
    assert_eq!(
        stderr(&out),
        "mfa-env: reusing the cached session of profile 'default', which has 3h59m left, less than the 4h00m asked for; --refresh gets a full one now, or --min-ttl 4h00m whenever less is left\n"
    );
    assert_eq!(stub.count(), 2);
}

/// The -v lines about the cache, in order.
fn cache_lines(out: &std::process::Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.contains("of profile 'default'"))
        .map(str::to_string)
        .collect()
}

#[test]
fn verbose_says_why_a_session_is_or_is_not_reused() {
    let (env, _stub) = user_env();
    let what = "MFA session (GetSessionToken) of profile 'default'";
    let out = env.run(&["-v", "-t", CODE]);
    assert_eq!(cache_lines(&out), [format!("mfa-env: no cached {what}")]);
    set_expiration(&env.cache_entry(), &rfc3339_in(3 * 3600 + 55));
    let out = env.run(&["-v"]);
    assert_eq!(
        cache_lines(&out),
        [format!(
            "mfa-env: reusing the cached {what}: 3h00m left, more than --min-ttl 5m"
        )]
    );
    let out = env.run(&["-v", "--min-ttl", "4h", "-t", CODE]);
    assert_eq!(
        cache_lines(&out),
        [format!(
            "mfa-env: not reusing the cached {what}: 3h00m left, not more than --min-ttl 4h00m"
        )]
    );
    let out = env.run(&["-v", "--refresh", "-t", CODE]);
    assert_eq!(
        cache_lines(&out),
        [format!("mfa-env: --refresh: not reusing the cached {what}")]
    );
    let out = env.run(&["-v", "--no-cache", "-t", CODE]);
    assert_eq!(
        cache_lines(&out),
        [format!(
            "mfa-env: no session cache (--no-cache, or it cannot be used): a new {what}"
        )]
    );
}

#[test]
fn a_missing_profile_says_where_its_name_came_from() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let files = format!(
        "{} and {}",
        env.config_path().display(),
        env.credentials_path().display()
    );
    let expect = |out: &std::process::Output, text: String| {
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(out), "false\n");
        assert_eq!(stderr(out), format!("mfa-env: {text}\n"));
    };
    env.set("AWS_PROFILE", "nonexist");
    expect(
        &env.run(&[]),
        format!(
            "profile 'nonexist' (from AWS_PROFILE) was not found in {files}; profiles found: default. Set AWS_PROFILE to one of them or unset it, pick one with --profile NAME, or add [profile nonexist] to the config file"
        ),
    );
    let out = env.run(&["-v"]);
    assert!(
        stderr(&out).starts_with(&format!(
            "mfa-env: profile 'nonexist' from {files} (the name from AWS_PROFILE)\n"
        )),
        "{}",
        stderr(&out)
    );
    env.vars.remove("AWS_PROFILE");
    env.set("MFA_ENV_PROFILE", "gone");
    expect(
        &env.run(&[]),
        format!(
            "profile 'gone' (from MFA_ENV_PROFILE, which an earlier eval of mfa-env set) was not found in {files}; profiles found: default. Unset MFA_ENV_PROFILE, pick one with --profile NAME or AWS_PROFILE, or add [profile gone] to the config file"
        ),
    );
    env.set("MFA_ENV_PROFILE", "");
    expect(
        &env.run(&["-p", "typo"]),
        format!(
            "profile 'typo' (from --profile) was not found in {files}; profiles found: default. Pick one with --profile NAME or AWS_PROFILE, or add [profile typo] to the config file"
        ),
    );
    env.write_config(&format!("[profile work]\nmfa_serial = {SERIAL}\n"));
    env.write_credentials(&format!(
        "[work]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    expect(
        &env.run(&[]),
        format!(
            "profile 'default' (the default, as neither --profile, AWS_PROFILE nor MFA_ENV_PROFILE names one) was not found in {files}; profiles found: work. Pick one with --profile NAME or AWS_PROFILE, or add [profile default] to the config file"
        ),
    );
    assert_eq!(stub.count(), 0);
}
