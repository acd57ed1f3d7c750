//! Renewals under `--server` (issue 20): no storms, no code used twice, no
//! line of the child's stdin or terminal read.

use crate::common::*;

/// A --min-ttl no new session could meet is refused before any request
/// (exit 2, the cap named), with or without --server, and nothing runs.
#[test]
fn a_min_ttl_no_new_session_could_meet_is_a_usage_error_naming_the_cap() {
    let stub = Stub::moto();
    let env = role_env(&stub.url(), "");
    let ran = env.home().join("ran");
    let touch = format!("touch {}", ran.display());
    let chained = "mfa-env: --min-ttl 2h00m cannot be met: a new session of profile 'admin' is a role session assumed with the MFA session, which AWS caps at 1h00m (role chaining), so none would ever have more than 2h00m left, and every run (every request under --server) would ask STS for another. Give a --min-ttl under 1h00m, or -d over 1h (up to 12h, within the role's maximum session duration) to assume the role directly with the long-term keys and a code\n";
    for args in [
        &[
            "--server",
            "-p",
            "admin",
            "--min-ttl",
            "2h",
            "-t",
            CODE,
            "--",
            "sh",
            "-c",
            &touch,
        ][..],
        &["-p", "admin", "--min-ttl", "2h", "-t", CODE],
        &["serve", "admin", "--min-ttl", "2h", "-t", CODE],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?} {}", stderr(&out));
        assert_eq!(stderr(&out), chained, "{args:?}");
        // The printing run prints `false`, so that an eval of it fails.
        assert!(!stdout(&out).contains("AWS_"), "{args:?}");
    }
    let out = env.run(&["-p", "admin", "-d", "4h", "--min-ttl", "4h", "-t", CODE]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mfa-env: --min-ttl 4h00m cannot be met: a new session of profile 'admin' lasts 4h00m (-d 4h00m), so none would ever have more than 4h00m left, and every run (every request under --server) would ask STS for another. Give a --min-ttl under 4h00m, or a longer session with -d (up to 12h00m)\n"
    );
    assert!(stub.actions().is_empty(), "{:?}", stub.actions());
    assert!(!ran.exists(), "the command ran");

    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&[
        "--server",
        "-d",
        "15m",
        "--min-ttl",
        "15m",
        "-t",
        CODE,
        "--",
        "true",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "mfa-env: --min-ttl 15m cannot be met: a new session of profile 'default' lasts 15m (-d 15m), so none would ever have more than 15m left, and every run (every request under --server) would ask STS for another. Give a --min-ttl under 15m, or a longer session with -d (up to 36h00m)\n"
    );
    assert!(stub.actions().is_empty(), "{:?}", stub.actions());
}

#[test]
fn a_short_session_is_renewed_once_per_half_of_its_life_not_per_request() {
    let (env, stub) = TestEnv::with_moto();
    let runs = env.home().join("token-command-runs");
    let command = format!("sh -c 'echo run >> {}; echo {CODE}'", runs.display());
    let mut served = Served::start(
        &env,
        &["--server", "-d", "15m", "--token-command", &command],
    );
    let keys: Vec<String> = (0..10).map(|_| served.key()).collect();
    assert_eq!(keys, vec![keys[0].clone(); 10]);
    let out = served.finish();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stub.actions(), ["GetSessionToken"]);
    assert_eq!(
        std::fs::read_to_string(&runs).ok().as_deref(),
        Some("run\n")
    );
}

/// What a renewal that needs a code says when it has no way to get one
/// (no token command, no dialog): `first` is how the first code was given.
fn no_way_to_a_code(first: &str) -> String {
    format!(
        "renewing the session of profile 'default' needs a new MFA code{first}; mfa-env does not ask on the terminal while it serves a command or shell there (the two would share the lines typed), and no desktop dialog works here. In a shell, run `mfa-env -p default --refresh -- true` and type the code: the endpoint then serves the session it caches. To renew without asking, give --token-command or set mfa_process; for a dialog, install zenity or kdialog and set DISPLAY or WAYLAND_DISPLAY"
    )
}

#[test]
fn a_code_given_with_t_is_for_the_first_session_only() {
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let args = ["--server", "-t", CODE, "--token-command", "echo 222222"];
    let mut served = Served::start(&env, &args);
    let first = served.key();
    // Past the threshold: the renewal needs a new code, and takes it from
    // the token command, not the -t code again.
    std::thread::sleep(std::time::Duration::from_secs(7));
    assert_ne!(served.key(), first);
    let out = served.finish();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(codes_sent(&stub), [CODE, "222222"]);
}

#[test]
fn a_renewal_with_only_a_t_code_fails_saying_how_to_give_one() {
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let mut served = Served::start(&env, &["--server", "-t", CODE]);
    assert_eq!(served.key(), "ASIAUSER000000000001");
    std::thread::sleep(std::time::Duration::from_secs(7));
    let said = no_way_to_a_code(
        " (the code given with -t was for the first session only: a code works once)",
    );
    let (status, body) = served.get();
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, serde_json::json!({ "Message": said }).to_string());
    let out = served.finish();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out),
        format!("mfa-env: warning: renewing the session failed: {said}\n")
    );
    assert_eq!(codes_sent(&stub), [CODE], "the code is not sent again");
}

#[test]
fn stdin_is_read_for_the_first_code_only_and_the_rest_is_the_childs() {
    use std::io::{BufRead, Write};
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let script = "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN\"; \
                  while [ ! -e go ]; do sleep 0.05; done; cat; exit 3";
    let mut child = env
        .mfa_env(&["--server", "-t", "-", "--", "sh", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(format!("{CODE}\nline one\nline two\n").as_bytes())
        .expect("write");
    drop(stdin);
    let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("endpoint line");
    let (url, token) = line.trim().split_once(' ').expect("url and token");
    std::thread::sleep(std::time::Duration::from_secs(7));

    // The renewal reads no line of the child's stdin: it has no way to a code.
    let said = no_way_to_a_code(
        " (stdin, read with -t -, gave the first session's code only: it is the command's once it runs)",
    );
    let (status, body) = http_get(url, Some(token));
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, serde_json::json!({ "Message": said }).to_string());

    std::fs::write(env.home().join("work/go"), "").expect("go");
    let out = child.wait_with_output().expect("wait");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).expect("rest");
    assert_eq!(rest, "line one\nline two\n", "the child's stdin, intact");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        stderr(&out),
        format!("mfa-env: warning: renewing the session failed: {said}\n")
    );
    assert_eq!(codes_sent(&stub), [CODE]);
}

/// Echoes its endpoint line, then reads four lines from the terminal and
/// says each; ends with 3.
const READS_FOUR_LINES: &str = "echo \"at $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN .\"; \
     for i in 1 2 3 4; do read line; echo \"child got $line\"; done; exit 3";

#[test]
fn a_renewal_never_reads_the_terminal_the_child_reads() {
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let Some((mut pty, url, token)) = on_a_terminal(&env, &["--server"], READS_FOUR_LINES, true)
    else {
        return;
    };
    std::thread::sleep(std::time::Duration::from_secs(7));

    // The renewal needs a code: no prompt on the terminal the child reads
    // (no dialog works here), the message that says how instead.
    let waiting = std::thread::spawn(move || http_get(&url, Some(&token)));
    let said = no_way_to_a_code("");
    pty.exp_string(&format!(
        "mfa-env: warning: renewing the session failed: {said}\r\n"
    ))
    .expect("the renewal says how, and does not ask");
    let (status, body) = waiting.join().expect("request");
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, serde_json::json!({ "Message": said }).to_string());

    // Every line typed is the child's.
    for line in ["111111", "222222", "333333", "444444"] {
        pty.send_line(line).expect("type");
        pty.exp_string(&format!("child got {line}\r\n"))
            .expect("the child's");
    }
    let shown = format!("{:?}", pty.process().wait().expect("wait"));
    assert!(shown.ends_with("), 3)"), "{shown}");
    assert_eq!(codes_sent(&stub), [CODE]);
}

/// A token command that prints CODE the first time; for a renewal it waits
/// until its group has the terminal, says so (the file `lent`), and prints
/// the line it reads there.
const READS_THE_TERMINAL: &str = "if [ ! -e first ]; then : > first; echo 914725; exit 0; fi
while :; do
  read -r _ _ _ _ pgrp _ _ tpgid _ < /proc/$$/stat
  [ \"$pgrp\" = \"$tpgid\" ] && break
  sleep 0.05
done
: > lent
read code
echo \"$code\"
";

/// The state letter of process `pid` (R, S, T…).
fn state_of(pid: &str) -> String {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, rest)| rest);
    after.chars().take(1).collect()
}

#[test]
fn a_child_stopped_while_a_renewal_lent_the_terminal_is_continued() {
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let work = env.home().join("work");
    std::fs::write(work.join("token.sh"), READS_THE_TERMINAL).expect("token.sh");
    // The child reads the terminal while the renewal's token command has it.
    let script = "echo $$ > child; \
                  echo \"at $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN .\"; \
                  while [ ! -e lent ]; do sleep 0.05; done; read line; echo \"child got $line\"; exit 3";
    let args = ["--server", "--token-command", "sh token.sh"];
    let Some((mut pty, url, token)) = on_a_terminal(&env, &args, script, false) else {
        return;
    };
    std::thread::sleep(std::time::Duration::from_secs(7));
    let waiting = std::thread::spawn(move || http_get(&url, Some(&token)));

    // The child is stopped (SIGTTIN) while the token command reads its code.
    let child = std::fs::read_to_string(work.join("child")).expect("child pid");
    let child = child.trim();
    let mut tries = 0;
    while state_of(child) != "T" {
        tries += 1;
        assert!(tries < 600, "the child never stopped: {}", state_of(child));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    pty.send_line("222222").expect("the renewal's code");
    renewed_with(waiting.join().expect("request"), &stub, "222222");

    // The terminal is back: the child goes on and reads its own line.
    pty.send_line("hello").expect("the child's line");
    pty.exp_string("child got hello\r\n")
        .expect("the child was continued");
    let shown = format!("{:?}", pty.process().wait().expect("wait"));
    assert!(shown.ends_with("), 3)"), "{shown}");
}

/// `mfa-env serve` keeps its threshold under half a new session too: a
/// 15-minute session is served, not renewed on every request (which, for a
/// user profile whose code was given with -t, fails every request).
#[test]
fn serve_renews_a_short_session_once_per_half_of_its_life_not_per_request() {
    let (env, stub) = TestEnv::with_moto();
    let port = free_port().to_string();
    let args = ["serve", "-d", "15m", "-t", CODE, "--port", &port];
    let mut serve = Reaper(
        env.mfa_env(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve"),
    );
    let url = format!("http://127.0.0.1:{port}/");
    let (served, token) = served_by(&mut serve);
    assert_eq!(served, url);
    let key = |body: &str| {
        let rest = body.split("\"AccessKeyId\":\"").nth(1)?;
        rest.split('"').next().map(String::from)
    };
    let answers: Vec<(u16, Option<String>)> = (0..10)
        .map(|_| {
            let (status, body) = http_get(&url, Some(&token));
            (status, key(&body))
        })
        .collect();
    assert_eq!(answers, vec![answers[0].clone(); 10]);
    assert_eq!(answers[0].0, 200, "{answers:?}");
    assert_eq!(stub.actions(), ["GetSessionToken"]);
}

#[test]
fn serve_sends_a_t_code_for_the_first_session_only() {
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let mut serve = Reaper(
        env.mfa_env(&["serve", "-t", CODE])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("serve"),
    );
    let (url, token) = served_by(&mut serve);
    std::thread::sleep(std::time::Duration::from_secs(7));

    // No terminal (setsid), no dialog: the renewal has no way to a code, and
    // does not send the first one again.
    let said = "no MFA code: there is no terminal to ask on (/dev/tty: No such device or address (os error 6)) and no desktop dialog (zenity or kdialog with DISPLAY or WAYLAND_DISPLAY set, osascript on macOS). Pass it with --token-code CODE or --token-code - (one line of stdin), name a command that prints it with --token-command CMD or mfa_process in the profile, run mfa-env in a terminal so it can ask, or on a desktop where it can show a dialog (--prompt zenity, kdialog or osascript)";
    let (status, body) = http_get(&url, Some(&token));
    assert_eq!(status, 500, "{body}");
    assert_eq!(body, serde_json::json!({ "Message": said }).to_string());
    assert_eq!(codes_sent(&stub), [CODE], "the code is not sent again");
    proc_kill(serve.0.id(), "TERM");
    let out = serve.0.wait().expect("wait");
    assert_eq!(out.code(), Some(0));
}

/// The endpoint and the token a started `mfa-env serve` gave (its lines
/// in sh, the token in its file).
fn served_by(serve: &mut Reaper) -> (String, String) {
    use std::io::BufRead;
    let stdout = serve.0.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut value = |name: &str| loop {
        let line = lines.next().and_then(Result::ok).expect("a line");
        if let Some(rest) = line.strip_prefix(&format!("export {name}='")) {
            break rest.trim_end_matches('\'').to_string();
        }
    };
    let url = value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    let file = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    let token = std::fs::read_to_string(file).expect("token file");
    (url, token.trim().to_string())
}

/// `kill -SIG PID`.
fn proc_kill(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}
