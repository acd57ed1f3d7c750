//! `--server`: mfa-env as the child's parent (exit status, signals, the
//! terminal, `shell --server`) and the bad inputs that stop it before the
//! child starts.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::thread;
use std::time::Duration;

fn moto_env() -> (TestEnv, Stub) {
    let (env, stub) = TestEnv::with_moto();
    (env, stub)
}

/// Counts the SIGINTs it gets ("INT n"), and ends with "end n" and status 3
/// once the file `stop` exists.
const COUNTS_SIGINT: &str = "n=0; trap 'n=$((n+1)); echo \"INT $n\"' INT; echo ready; \
                             while [ ! -e stop ]; do sleep 0.05; done; echo \"end $n\"; exit 3";

/// mfa-env `first` `--server -t CODE -- sh -c script`.
fn sh_with_server(env: &TestEnv, first: &[&str], script: &str) -> std::process::Output {
    let rest = ["--server", "-t", CODE, "--", "sh", "-c", script];
    env.run(&[first, &rest[..]].concat())
}

#[test]
fn exit_status_is_the_childs() {
    let (env, _stub) = moto_env();
    let out = sh_with_server(&env, &[], "echo out; exit 42");
    assert_eq!(out.status.code(), Some(42));
    assert_eq!(stdout(&out), "out\n");
    assert_eq!(stderr(&out), "");
    let out = env.run(&["--server", "--", "true"]);
    ok(&out);
}

#[test]
fn the_childs_fatal_signal_is_raised_again() {
    let (env, _stub) = moto_env();
    let run = |script: &str| {
        env.command(bin())
            .args(["--server", "-t", CODE, "--", "sh", "-c", script])
            .output()
            .expect("run")
    };
    let out = run("kill -TERM $$");
    assert_eq!(out.status.signal(), Some(15), "{}", stderr(&out));
    let out = run("kill -QUIT $$");
    assert_eq!(out.status.signal(), Some(3), "{}", stderr(&out));
    assert!(!out.status.core_dumped(), "mfa-env never dumps its memory");
    // What a calling shell sees: 128+N.
    let out = env
        .command("sh")
        .args(["-c", "\"$0\" --server -- sh -c 'kill -INT $$'; echo $?"])
        .arg(bin())
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "130\n");
}

#[test]
fn signals_sent_to_mfa_env_reach_the_child_once() {
    let (env, _stub) = moto_env();
    let script = "for s in INT TERM HUP QUIT USR1; do trap \"echo $s\" $s; done; echo ready; \
                  while [ ! -e stop ]; do sleep 0.05; done; echo end; exit 3";
    let mut child = env
        .mfa_env(&["--server", "-t", CODE, "--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut next = || lines.next().and_then(Result::ok).unwrap_or_default();
    assert_eq!(next(), "ready");
    let pid = child.id().to_string();
    for sig in ["INT", "TERM", "HUP", "QUIT", "USR1"] {
        let status = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        assert_eq!(next(), sig);
    }
    thread::sleep(Duration::from_millis(300));
    std::fs::write(env.home().join("work/stop"), "").expect("stop");
    assert_eq!(next(), "end", "each signal once");
    assert_eq!(child.wait().expect("wait").code(), Some(3));
}

#[test]
fn exec_with_server() {
    let (env, _stub) = moto_env();
    let out = sh_with_server(
        &env,
        &["exec", "default"],
        "echo \"$MFA_ENV_SERVER ${AWS_ACCESS_KEY_ID-none}\"",
    );
    assert_eq!(stdout(&out), "1 none\n", "{}", stderr(&out));
    ok(&out);
}

#[test]
fn ctrl_c_at_the_terminal_reaches_the_child_once() {
    let (env, _stub) = moto_env();
    let mut cmd = env.command(bin());
    cmd.args(["--server", "-t", CODE, "--", "sh", "-c", COUNTS_SIGINT]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("ready").expect("started");
    pty.send_control('c').expect("ctrl-c");
    pty.exp_string("INT 1").expect("the child got it");
    thread::sleep(Duration::from_millis(300));
    std::fs::write(env.home().join("work/stop"), "").expect("stop");
    pty.exp_string("end 1")
        .expect("once, and mfa-env still waits");
    let status = pty.process().wait().expect("wait");
    let shown = format!("{status:?}");
    assert!(
        shown.starts_with("Exited(Pid(") && shown.ends_with("), 3)"),
        "{shown}"
    );
}

/// An interactive bash on a pseudo-terminal, at its first prompt `$ `;
/// None without bash.
fn interactive_bash(env: &TestEnv) -> Option<rexpect::session::PtySession> {
    let mut cmd = env.command(tool("bash")?);
    cmd.args(["--norc", "--noprofile", "-i"])
        .env("PS1", "$ ")
        .stdin(Stdio::inherit());
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("$ ").expect("prompt");
    Some(pty)
}

#[test]
fn ctrl_z_and_fg_in_an_interactive_shell() {
    let (env, _stub) = moto_env();
    let Some(mut pty) = interactive_bash(&env) else {
        return;
    };
    pty.send_line(&format!(
        "{} --server -t {CODE} -- sh -c 'echo started; sleep 30; echo slept'",
        bin().display()
    ))
    .expect("run");
    pty.exp_string("started").expect("child runs");
    pty.send_control('z').expect("ctrl-z");
    pty.exp_string("Stopped").expect("the job stops");
    pty.send_line("fg").expect("fg");
    pty.exp_string("sleep 30").expect("fg names the job");
    thread::sleep(Duration::from_millis(300));
    pty.send_control('c').expect("ctrl-c");
    pty.exp_string("$ ").expect("prompt again");
    pty.send_line("echo \"rc=$?\"").expect("status");
    pty.exp_string("rc=130").expect("died by SIGINT");
    pty.send_line("exit").expect("exit");
}

#[test]
fn a_child_that_reads_the_terminal_in_the_background_stops_the_job() {
    let (env, _stub) = moto_env();
    let Some(mut pty) = interactive_bash(&env) else {
        return;
    };
    // Job changes said at once, not at the next prompt.
    pty.send_line("set -b").expect("set -b");
    pty.exp_string("$ ").expect("prompt");
    pty.send_line(&format!(
        "{} --server -t {CODE} -- sh -c 'read x; echo \"got $x\"; exit 3' &",
        bin().display()
    ))
    .expect("run");
    // The child reads the terminal from the background (SIGTTIN stops it):
    // mfa-env's wait sees it, and mfa-env stops too, as the job it is.
    pty.exp_string("Stopped").expect("the job stops");
    pty.send_line("fg").expect("fg");
    pty.exp_string("read x").expect("fg names the job");
    pty.send_line("hello").expect("the child's line");
    pty.exp_string("got hello")
        .expect("continued in the foreground");
    pty.exp_string("$ ").expect("prompt again");
    pty.send_line("echo \"rc=$?\"").expect("status");
    pty.exp_string("rc=3").expect("the child's status");
    pty.send_line("exit").expect("exit");
}

#[test]
fn shell_with_server() {
    let (mut env, _stub) = moto_env();
    env.set("SHELL", "/bin/sh");
    let out = run_with_input(
        &mut env.mfa_env(&["shell", "--server", "-t", CODE]),
        b"echo \"$MFA_ENV_SERVER $MFA_ENV_SHELL ${AWS_ACCESS_KEY_ID-none}\"; exit 4\n",
    );
    assert_eq!(stdout(&out), "1 default none\n", "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn the_child_ends_while_a_renewal_runs() {
    // Every role session is short, and the second AssumeRole takes 30 s.
    let roles = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = roles.clone();
    let stub = Stub::respond(move |_, request| {
        if request.param("Action").as_deref() == Some("GetSessionToken") {
            return (200, sts_session_xml());
        }
        if counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            thread::sleep(Duration::from_secs(30));
        }
        let xml =
            sts_role_xml("ASIAROLE000000000001").replace(stub_end(), &rfc3339_in(15 * 60 + 2));
        (200, xml)
    });
    let mut env = TestEnv::empty();
    env.endpoint(&stub.url());
    env.write_credentials(&format!(
        "[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    env.write_config(&format!(
        "[profile base]\nmfa_serial = {SERIAL}\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n"
    ));
    let mut served = Served::start(&env, &["--server", "-p", "admin", "-t", CODE]);
    thread::sleep(Duration::from_secs(4));
    let (url, token) = (served.url.clone(), served.token.clone());
    let waiting = thread::spawn(move || {
        let addr = url.trim_start_matches("http://").trim_end_matches('/');
        let request = format!("GET / HTTP/1.1\r\nAuthorization: {token}\r\n\r\n");
        http_raw(addr, request.as_bytes())
    });
    while roles.load(std::sync::atomic::Ordering::SeqCst) < 2 {
        thread::sleep(Duration::from_millis(50));
    }
    let out = served.finish();
    ok(&out);
    assert_eq!(
        waiting.join().expect("request"),
        None,
        "closed with mfa-env"
    );
}

#[test]
fn bad_uses_of_server_are_usage_errors() {
    let (env, stub) = moto_env();
    let out = env.run(&["--server", "-t", CODE]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("mfa-env: --server needs a command to serve the session to"),
        "{err}"
    );
    // What clap refuses: a format with a command, --server where no child runs.
    for (args, says) in [
        (
            &["--server", "-f", "json", "--", "env"][..],
            "cannot be used with",
        ),
        (&["credential-process", "--server"], "'--server'"),
        (&["console", "--server"], "'--server'"),
        (&["status", "--server"], "'--server'"),
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    assert_eq!(stub.count(), 0, "no code spent");
}

#[test]
fn no_loopback_stops_the_run_before_anything_runs() {
    let Some(unshare) = tool("unshare") else {
        return;
    };
    let (env, stub) = moto_env();
    let out = env
        .command(unshare)
        .args(["-n", "--"])
        .arg(bin())
        .args(["--server", "-t", CODE, "--", "touch", "ran"])
        .output()
        .expect("run");
    assert_fails_printing(
        &out,
        "",
        &["could not open the credential endpoint for --server"],
    );
    assert!(!env.home().join("work/ran").exists(), "nothing was run");
    assert_eq!(stub.count(), 0);
}

#[test]
fn a_renewal_in_an_interactive_shell_says_how_to_give_the_code() {
    let Some(bash) = tool("bash") else { return };
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url())
        .set("SHELL", &bash.to_string_lossy())
        .set("PS1", "$ ");
    let mut cmd = env.command(bin());
    cmd.args(["shell", "--server"]).stdin(Stdio::inherit());
    let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).expect("pty");
    let prompt = format!("MFA code for profile default ({SERIAL}): ");
    pty.exp_string(&prompt).expect("first prompt");
    pty.send_line(CODE).expect("code");
    pty.send_line("PS1='$ '").expect("a plain prompt");
    pty.exp_string("$ ").expect("the shell");
    pty.send_line(
        "echo \"at $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN .\"",
    )
    .expect("where");
    let (url, token) = endpoint_line(&mut pty);
    thread::sleep(Duration::from_secs(7));

    // The shell has the terminal: the renewal does not ask there, it says how.
    let (status, body) = http_get(&url, Some(&token));
    assert_eq!(status, 500, "{body}");
    assert!(
        body.contains("In a shell, run `mfa-env -p default --refresh -- true`"),
        "{body}"
    );
    pty.exp_string("run `mfa-env -p default --refresh -- true`")
        .expect("said on the terminal");
    assert_eq!(stub.actions(), ["GetSessionToken"]);

    // Asked in the shell itself, the code makes a session the endpoint serves.
    pty.send_line(&format!("{} --refresh -- true", bin().display()))
        .expect("refresh");
    pty.exp_string(&prompt).expect("asked in the shell");
    pty.send_line(CODE).expect("code");
    pty.exp_string("$ ").expect("the shell again");
    let (status, body) = http_get(&url, Some(&token));
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"AccessKeyId\":\"ASIAUSER000000000002\""),
        "{body}"
    );
    assert_eq!(stub.actions(), ["GetSessionToken", "GetSessionToken"]);

    pty.send_line("exit 3").expect("exit");
    let shown = format!("{:?}", pty.process().wait().expect("wait"));
    assert!(shown.ends_with("), 3)"), "{shown}");
}
