//! `mfa-env -- CMD`: the child's environment, exit status and signals.

use crate::common::*;
use std::collections::BTreeMap;

fn env_with_moto() -> (TestEnv, Stub) {
    let (env, stub) = TestEnv::with_moto();
    (env, stub)
}

#[test]
fn child_gets_exactly_the_session() {
    let (mut env, stub) = env_with_moto();
    env.set("AWS_PROFILE", "default");
    env.set("AWS_SECURITY_TOKEN", "stale");
    env.set("AWS_SESSION_TOKEN", "stale");
    let files = env.snapshot();
    let out = env.run(&["-t", "123456", "--", "env", "-0"]);
    ok(&out);

    let mut expected: BTreeMap<String, String> = env.base_env();
    expected.remove("AWS_PROFILE");
    expected.remove("AWS_SECURITY_TOKEN");
    expected.extend(session_vars(&stub, 0));
    expected.insert("AWS_ACCOUNT_ID".into(), ACCOUNT.into());
    expected.insert("AWS_REGION".into(), "eu-west-1".into());
    expected.insert("AWS_DEFAULT_REGION".into(), "eu-west-1".into());
    expected.insert("MFA_ENV_PROFILE".into(), "default".into());
    assert_eq!(parse_env0(&out.stdout), expected);
    assert_eq!(stub.count(), 1);
    assert_eq!(env.snapshot(), files);
}

#[test]
fn exit_status_is_the_childs() {
    let (env, _stub) = env_with_moto();
    let out = env.run(&["-t", "123456", "--", "sh", "-c", "exit 0"]);
    ok(&out);
    let out = env.run(&[
        "-t",
        "123456",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 42",
    ]);
    assert_eq!(out.status.code(), Some(42));
    assert_eq!(stdout(&out), "out\n");
    assert_eq!(stderr(&out), "err\n");
}

#[test]
fn arguments_pass_through_untouched() {
    let (env, _stub) = env_with_moto();
    let out = env.run(&[
        "-t", "123456", "--", "printf", "[%s]", "a b", "$(x)", "", "--help",
    ]);
    ok(&out);
    assert_eq!(stdout(&out), "[a b][$(x)][][--help]");
}

#[cfg(unix)]
#[test]
fn a_signal_is_the_childs_own() {
    use std::os::unix::process::ExitStatusExt;
    let (env, _stub) = env_with_moto();
    // Without setsid: the binary itself must be replaced by the child, so the
    // waiting parent sees the child's signal.
    let out = env
        .command(bin())
        .args(["-t", "123456", "--", "sh", "-c", "kill -TERM $$"])
        .output()
        .expect("run");
    assert_eq!(out.status.signal(), Some(15), "{}", stderr(&out));
}

#[test]
fn same_process_by_exec() {
    let (env, _stub) = env_with_moto();
    let child = env
        .command(bin())
        .args(["-t", "123456", "--", "sh", "-c", "echo $$"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        stdout(&out).trim(),
        pid.to_string(),
        "the command replaced mfa-env"
    );
}

#[test]
fn missing_program() {
    let (env, stub) = env_with_moto();
    let out = env.run(&["-t", "123456", "--", "no-such-program-xyz", "arg"]);
    assert_eq!(out.status.code(), Some(127));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(stderr(&out).contains("command not found: no-such-program-xyz"));
    assert_eq!(
        stub.count(),
        0,
        "no code spent on a command that cannot run"
    );
}

/// As a shell does: a file that is not executable, or a directory, is 126
/// with the reason, before any code is spent.
#[test]
fn what_cannot_run_is_126() {
    let (mut env, stub) = env_with_moto();
    let script = env.home().join("work/script.sh");
    std::fs::write(&script, "#!/bin/sh\necho ran\n").unwrap();
    let bin = env.home().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(bin.join("tool"), "#!/bin/sh\necho ran\n").unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    env.set("PATH", &path);
    let home = env.home().display().to_string();
    for (program, why) in [
        (
            "./script.sh",
            "could not run ./script.sh: permission denied: it is not executable. Make it executable (chmod +x ./script.sh), or run it with its interpreter (sh ./script.sh)",
        ),
        (
            "tool",
            "could not run tool: permission denied: it is not executable. Make it executable (chmod +x tool), or run it with its interpreter (sh tool)",
        ),
        (
            &home,
            &format!(
                "could not run {home}: it is a directory, not a program. Name the program to run"
            ),
        ),
    ] {
        let out = env.run(&["-t", CODE, "--", program]);
        assert_eq!(out.status.code(), Some(126), "{program}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_eq!(stderr(&out), format!("mfa-env: {why}\n"));
    }
    assert_eq!(stub.count(), 0, "no code spent on what cannot run");
}

#[test]
fn a_code_on_stdin_leaves_the_rest_of_stdin_to_the_child() {
    let (env, stub) = env_with_moto();
    let input = format!("{CODE}\nline one\nline two\n");
    let out = run_with_input(
        &mut env.mfa_env(&["-t", "-", "--", "sh", "-c", "cat"]),
        input.as_bytes(),
    );
    assert_eq!(ok(&out), "line one\nline two\n");
    assert_eq!(stub.requests()[0].param("TokenCode").as_deref(), Some(CODE));
}
