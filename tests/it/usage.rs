//! The command line's contract: each command takes its own options, values are
//! typed (a malformed one is exit 2 naming the forms), command words without
//! `--` get the spelling that works, `exec [PROFILE]`, and a failed run makes
//! the `eval` of its output fail.

use crate::common::*;
use std::collections::BTreeSet;

/// The long options a command's --help lists.
fn options(env: &TestEnv, command: &[&str]) -> BTreeSet<String> {
    let mut args = command.to_vec();
    args.push("--help");
    let out = env.run(&args);
    ok(&out);
    stdout(&out)
        .lines()
        // "  -p, --profile" or "      --serial"; wrapped text is indented deeper.
        .filter(|line| line.starts_with("  -") || line.starts_with("      --"))
        .filter_map(|line| line.split_whitespace().find(|w| w.starts_with("--")))
        .map(|word| word.trim_end_matches(',').to_string())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

const SESSION: &[&str] = &[
    "--profile",
    "--serial",
    "--token-code",
    "--token-command",
    "--prompt",
    "--token-timeout",
    "--duration",
    "--region",
    "--refresh",
    "--no-cache",
    "--min-ttl",
];
const CONTAINERS: [&str; 2] = ["--containers", "--container-cli"];
const EVERYWHERE: &[&str] = &["--quiet", "--verbose", "--help"];

#[test]
fn each_help_lists_only_its_own_options() {
    let env = TestEnv::new();
    let with = |extra: &[&str], own: &[&str]| {
        let mut all = set(EVERYWHERE);
        all.extend(set(extra));
        all.extend(set(own));
        all
    };
    assert_eq!(
        options(&env, &[]),
        with(
            SESSION,
            &[
                "--format",
                "--version",
                "--server",
                CONTAINERS[0],
                CONTAINERS[1]
            ]
        )
    );
    for command in ["shell", "exec"] {
        assert_eq!(
            options(&env, &[command]),
            with(SESSION, &["--server", CONTAINERS[0], CONTAINERS[1]]),
            "{command}"
        );
    }
    assert_eq!(
        options(&env, &["docker"]),
        with(SESSION, &["--container-cli"])
    );
    assert_eq!(
        options(&env, &["serve"]),
        with(
            SESSION,
            &[CONTAINERS[0], CONTAINERS[1], "--port", "--format"]
        )
    );
    assert_eq!(options(&env, &["credential-process"]), with(SESSION, &[]));
    for command in [&["init"][..], &["completions"], &["man"]] {
        assert_eq!(options(&env, command), with(&[], &[]), "{command:?}");
    }
    assert_eq!(
        options(&env, &["status"]),
        with(
            &[],
            &[
                "--profile",
                "--serial",
                "--duration",
                "--check",
                "--min-ttl",
                "--path",
                "--json"
            ]
        )
    );
    assert_eq!(options(&env, &["list"]), with(&[], &["--json"]));
    assert_eq!(
        options(&env, &["clear"]),
        with(&[], &["--profile", "--all"])
    );
    assert_eq!(
        options(&env, &["doctor"]),
        with(
            &[],
            &["--profile", "--serial", "--region", "--offline", "--json"]
        )
    );
}

/// Exit 2, nothing on stdout (none of these is an `eval`ed run), clap's
/// message with `expected` in it.
fn usage_error(env: &TestEnv, args: &[&str], printed: &str, expected: &str) {
    let out = env.run(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(stdout(&out), printed, "{args:?}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(err.contains(expected), "{args:?} lacks {expected:?}: {err}");
}

#[test]
fn misplaced_options_are_usage_errors() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    usage_error(
        &env,
        &["man", "-t", "12", "-d", "1m"],
        "",
        "unexpected argument '-t' found",
    );
    usage_error(
        &env,
        &["doctor", "-f", "json"],
        "",
        "unexpected argument '-f' found",
    );
    usage_error(
        &env,
        &["shell", "-f", "json"],
        "",
        "unexpected argument '-f' found",
    );
    usage_error(
        &env,
        &["init", "bash", "--duration", "1h"],
        "",
        "unexpected argument '--duration' found",
    );
    usage_error(
        &env,
        &["status", "-t", CODE],
        "",
        "unexpected argument '-t' found",
    );
    usage_error(
        &env,
        &["-t", CODE, "status"],
        "",
        "error: 'mfa-env status' takes no --token-code; `mfa-env status --help` lists its options",
    );
    usage_error(
        &env,
        &["-p", "work", "shell"],
        "",
        "error: --profile goes after the command: mfa-env shell --profile …",
    );
    usage_error(
        &env,
        &["-f", "json", "credential-process"],
        "",
        "error: 'mfa-env credential-process' takes no --format",
    );
    usage_error(
        &env,
        &["-f", "json", "--", "true"],
        "",
        "error: the argument '--format <FORMAT>' cannot be used with '[CMD]...'",
    );
    usage_error(
        &env,
        &["clear", "--all", "-p", "x"],
        "",
        "cannot be used with",
    );
    assert_eq!(stub.count(), 0);
    // -q and -v go anywhere.
    for args in [
        &["-v", "status"][..],
        &["status", "-q"],
        &["init", "bash", "-v"],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn malformed_values_are_usage_errors_naming_the_forms() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let forms = "as 90m, 12h, 1d, 1h30m, 45s or seconds (3600)";
    usage_error(
        &env,
        &["--min-ttl", "soon"],
        "false\n",
        &format!(
            "error: invalid value 'soon' for '--min-ttl <TIME>': not a duration; give 0 to 36h, {forms}\n"
        ),
    );
    usage_error(
        &env,
        &["shell", "--token-timeout", "1d"],
        "",
        &format!(
            "error: invalid value '1d' for '--token-timeout <TIME>': longer than 10 minutes; give 1s to 10m, {forms}\n"
        ),
    );
    usage_error(
        &env,
        &["credential-process", "-d", "2d"],
        "",
        &format!(
            "error: invalid value '2d' for '--duration <TIME>': longer than STS allows; give 15m to 36h, {forms}\n"
        ),
    );
    // status --check with a malformed --min-ttl is not "no session" (1).
    usage_error(
        &env,
        &["status", "--check", "--min-ttl", "soon"],
        "",
        &format!(
            "error: invalid value 'soon' for '--min-ttl <TIME>': not a duration; give 0 to 36h, {forms}\n"
        ),
    );
    assert_eq!(stub.count(), 0);
}

#[test]
fn one_day_is_a_duration() {
    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&["-t", CODE, "-d", "1d", "--min-ttl", "23h"]);
    ok(&out);
    let requests = stub.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].param("Action").as_deref(),
        Some("GetSessionToken")
    );
    assert_eq!(
        requests[0].param("DurationSeconds").as_deref(),
        Some("86400")
    );
}

#[test]
fn command_words_without_dashes_get_the_spelling_that_works() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    // The default run's output is eval'ed: `false` makes that eval fail.
    usage_error(
        &env,
        &["-p", "work", "aws", "s3", "ls"],
        "false\n",
        "error: 'aws' is not an mfa-env command (`mfa-env --help` lists them)\n\n  tip: to run a command with the session: mfa-env -p work -- aws s3 ls\n",
    );
    usage_error(
        &env,
        &["-p", "work", "aws", "s3", "ls", "--recursive", "s3://a b"],
        "false\n",
        "tip: to run a command with the session: mfa-env -p work -- aws s3 ls --recursive 's3://a b'\n",
    );
    usage_error(
        &env,
        &["work", "--", "aws", "s3", "ls"],
        "",
        "error: 'work' is not an mfa-env command\n\n  tip: to run a command with the session of profile 'work': mfa-env -p work -- aws s3 ls\n       or: mfa-env exec work -- aws s3 ls\n",
    );
    usage_error(
        &env,
        &["exec", "work", "aws", "s3", "ls"],
        "",
        "error: 'aws' comes before `--`, so it is no command to run\n\n  tip: to run a command with the session: mfa-env exec work -- aws s3 ls\n",
    );
    usage_error(
        &env,
        &["-v", "exec", "-d", "1h", "work", "aws", "--", "s3"],
        "",
        "tip: to run a command with the session: mfa-env -v exec -d 1h work -- aws s3\n",
    );
    assert_eq!(stub.count(), 0);
}

fn alice() -> (TestEnv, Stub) {
    let (env, stub) = TestEnv::with_moto();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n[profile alice]\nmfa_serial = {SERIAL}\nregion = eu-north-1\n"
    ));
    env.write_credentials(&format!(
        "[alice]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    (env, stub)
}

#[test]
fn exec_with_a_profile_runs_the_command() {
    let (env, stub) = alice();
    let out = env.run(&["exec", "alice", "-t", CODE, "--", "true"]);
    ok(&out);
    assert_eq!(stdout(&out), "");
    assert_eq!(stub.count(), 1);

    let out = env.run(&["exec", "alice", "--", "env", "-0"]);
    ok(&out);
    let mut expected = env.base_env();
    expected.extend(session_vars(&stub, 0));
    expected.insert("AWS_ACCOUNT_ID".into(), ACCOUNT.into());
    expected.insert("AWS_REGION".into(), "eu-north-1".into());
    expected.insert("AWS_DEFAULT_REGION".into(), "eu-north-1".into());
    expected.insert("MFA_ENV_PROFILE".into(), "alice".into());
    assert_eq!(parse_env0(&out.stdout), expected);
    assert_eq!(stub.count(), 1, "the cached session");

    // Without PROFILE: the usual choice (--profile, AWS_PROFILE, …).
    let out = env.run(&[
        "exec",
        "-p",
        "alice",
        "--",
        "sh",
        "-c",
        "echo $MFA_ENV_PROFILE",
    ]);
    assert_eq!(stdout(&out), "alice\n");
    // Both is a usage error.
    usage_error(
        &env,
        &["exec", "alice", "-p", "alice", "--", "true"],
        "",
        "cannot be used with",
    );
}

#[test]
fn exec_without_a_command_starts_the_shell() {
    let (mut env, _stub) = alice();
    let script = env.home().join("fake-shell");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf '%s|%s|%s' \"$MFA_ENV_PROFILE\" \"$MFA_ENV_SHELL\" \"$#\"\n",
    )
    .unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    env.set("SHELL", &script.to_string_lossy());
    let out = env.run(&["exec", "alice", "-t", CODE]);
    ok(&out);
    assert_eq!(stdout(&out), "alice|alice|0");
}

/// `eval "$(mfa-env …)"` of a failed run fails in every shell, and leaves
/// every AWS variable as it was.
#[test]
fn failed_eval_fails_in_every_shell() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url())
        .with_binary_on_path()
        .set("AWS_ACCESS_KEY_ID", "ASIABEFORE")
        .set("AWS_SESSION_TOKEN", "before");
    let before = "AWS_ACCESS_KEY_ID=ASIABEFORE\nAWS_ENDPOINT_URL_STS=".to_string()
        + &stub.url()
        + "\nAWS_SESSION_TOKEN=before\n";
    let show = "env | grep '^AWS_' | sort";
    for args in ["-p nope", "-d soon", "-p nope -f bash"] {
        for shell in ["bash", "dash", "zsh"] {
            let Some(path) = tool(shell) else { continue };
            let script = format!("eval \"$(mfa-env {args})\"; echo \"rc=$?\"; {show}");
            let out = env.command(&path).args(["-c", &script]).output().unwrap();
            assert_eq!(stdout(&out), format!("rc=1\n{before}"), "{shell} {args}");
            assert!(stderr(&out).contains("nope") || stderr(&out).contains("soon"));
        }
        let Some(bash) = tool("bash") else { continue };
        let script = format!("set -e; eval \"$(mfa-env {args})\"; echo reached");
        let out = env.command(&bash).args(["-c", &script]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "bash -e {args}");
        assert_eq!(stdout(&out), "", "bash -e stops at the eval");
    }
    if let Some(fish) = tool("fish") {
        for args in ["-p nope", "-d soon"] {
            let script = format!("mfa-env -f fish {args} | source; echo \"rc=$status\"; {show}");
            let out = env.command(&fish).args(["-c", &script]).output().unwrap();
            assert_eq!(stdout(&out), format!("rc=1\n{before}"), "fish {args}");
        }
    }
    assert_eq!(stub.count(), 0);
}

/// A duration longer than AWS gives is known before any request: exit 2 for a
/// role (`-d 13h`) as for a user (`-d 37h`). `false` goes to stdout only for a
/// run whose output is `eval`ed: not with `-- CMD`, `exec` or `shell`, even
/// when clap refused the words before the `--`.
#[test]
fn too_long_durations_are_usage_errors_and_false_is_only_for_eval() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let env = role_env(&stub.url(), "");
    let role = "mfa-env: a role session of 13h00m is longer than AWS allows: AssumeRole gives at most 12 hours. Ask for less with --duration or duration_seconds\n";
    for (args, printed) in [
        (&["-p", "admin", "-d", "13h", "-t", CODE][..], "false\n"),
        (&["-p", "admin", "-d", "13h", "-t", CODE, "--", "true"], ""),
        (
            &["exec", "admin", "-d", "13h", "-t", CODE, "--", "true"],
            "",
        ),
        (&["shell", "-p", "admin", "-d", "13h", "-t", CODE], ""),
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), printed, "{args:?}");
        assert_eq!(stderr(&out), role, "{args:?}");
    }
    for args in [
        &["-p", "base", "-d", "37h", "--", "true"][..],
        &["--bogus", "--", "true"],
        &["-p", "base", "--duraton", "1h", "--", "true"],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}: no `false` for a command");
    }
    assert_eq!(stub.count(), 0);
}

/// A mistyped option gets clap's "a similar argument exists", a mistyped
/// command the similar command, and no tip is a command line that would
/// run the mistyped word.
#[test]
fn typos_get_the_similar_spelling_and_never_a_tip_that_runs_them() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    for (args, printed, similar) in [
        (
            &["-p", "work", "--duraton", "1h", "--", "true"][..],
            "",
            "'--duration'",
        ),
        (&["--refrsh"], "false\n", "'--refresh'"),
        (
            &["exec", "work", "--duraton", "1h", "--", "true"],
            "",
            "'--duration'",
        ),
        (&["shell", "--duraton", "1h"], "", "'--duration'"),
        (&["lgoin", "work"], "false\n", "command exists: 'login'"),
        (&["stauts"], "false\n", "command exists: 'status'"),
    ] {
        let out = env.run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(stdout(&out), printed, "{args:?}");
        assert!(err.contains(similar), "{args:?}: {err}");
        assert!(
            !err.contains("-- -"),
            "{args:?} a tip runs an option: {err}"
        );
        assert!(
            !err.contains("mfa-env -- "),
            "{args:?} a tip runs a typo: {err}"
        );
        assert!(!err.contains("-p -"), "{args:?}: {err}");
    }
    let err = stderr(&env.run(&["-p", "work", "--duraton", "1h", "--", "true"]));
    assert!(
        err.starts_with("error: unexpected argument '--duraton' found\n\n  tip: a similar argument exists: '--duration'\n"),
        "{err}"
    );
    // An option nothing resembles: no tip at all.
    let err = stderr(&env.run(&["--bogus"]));
    assert!(
        err.starts_with("error: unexpected argument '--bogus' found\n\nUsage:"),
        "{err}"
    );
    assert_eq!(stub.count(), 0);
}

/// `login` is aws-vault's spelling of `console`; `shell PROFILE` and
/// `console PROFILE` take the profile as `exec PROFILE` does.
#[test]
fn shell_console_and_login_take_the_profile_as_a_word() {
    let (mut env, _stub) = alice();
    let script = env.write_script(
        "fake-shell",
        "#!/bin/sh\nprintf '%s|%s' \"$MFA_ENV_PROFILE\" \"$MFA_ENV_SHELL\"\n",
    );
    env.set("SHELL", &script.to_string_lossy());
    let out = env.run(&["shell", "alice", "-t", CODE]);
    ok(&out);
    assert_eq!(stdout(&out), "alice|alice");
    // A user profile cannot sign in to the console: the refusal names it,
    // so the word was taken as the profile (by both spellings).
    for command in ["console", "login"] {
        let out = env.run(&[command, "alice", "--print"]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        assert!(
            stderr(&out).contains("profile 'alice' is an IAM user's own profile"),
            "{command}: {}",
            stderr(&out)
        );
    }
    for command in ["shell", "console", "login"] {
        usage_error(
            &env,
            &[command, "alice", "-p", "alice"],
            "",
            "cannot be used with",
        );
    }
}

/// Escape sequences and bidi controls typed on the command line do not reach
/// the terminal through a usage error (clap's message, the "not a command"
/// hint, a completion error).
#[test]
fn usage_errors_do_not_echo_control_characters() {
    let stub = Stub::sts_error(500, "ShouldNotBeCalled", "no request was expected");
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let hostile = "x\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}gnp.exe";
    for args in [
        &["-p", "work", hostile, "s3"][..],
        &[hostile],
        &["--duration", hostile],
        &["-d", "1h", &format!("--{hostile}")],
        &["status", hostile],
        &["init", hostile],
    ] {
        let out = env.run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("gnp.exe"), "{args:?}: {err:?}");
        assert!(
            !err.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{args:?}: {err:?}"
        );
    }
    let out = env
        .mfa_env(&["--", "mfa-env", ""])
        .env("MFA_ENV_COMPLETE", hostile)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !stderr(&out).contains(['\u{1b}', '\u{202e}']),
        "{:?}",
        stderr(&out)
    );
    assert_eq!(stub.count(), 0);
}
