//! Desktop dialogs: zenity under Xvfb, driven by xdotool, asking for the code
//! of a credential_process the AWS CLI runs with no terminal, and for a
//! `--server` renewal while the child reads the terminal.

use crate::common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// An X server of its own on a free display, ended with the test.
fn xvfb() -> Option<(Reaper, String)> {
    let xvfb = tool("Xvfb")?;
    tool("zenity")?;
    tool("xdotool")?;
    // Two servers starting together can race for a display: try again.
    for _ in 0..5 {
        let mut child = Command::new(&xvfb)
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "1024x768x24",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
        let server = Reaper(child);
        if !line.trim().is_empty() {
            return Some((server, format!(":{}", line.trim())));
        }
    }
    panic!("Xvfb did not start");
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = try_xdotool(display, args);
    assert!(out.status.success(), "xdotool {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn try_xdotool(display: &str, args: &[&str]) -> std::process::Output {
    Command::new("timeout")
        .arg("60")
        .arg("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool")
}

/// Waits for an mfa-env dialog of a zenity other than the one with pid `old`;
/// returns its window, its pid and the arguments its zenity was started with.
///
/// The search is polled, not `search --sync`: xdotool walks every window, and
/// one that closes during the walk (the answered dialog, a GTK helper window)
/// makes it fail with X's BadWindow. That is a race, not an answer: try again.
fn dialog(display: &str, old: &str) -> (String, String, Vec<String>) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if std::time::Instant::now() > deadline {
            // What ran, to tell a dialog that never came from one not found.
            let ps = Command::new("ps")
                .args(["-eo", "pid,ppid,stat,etime,args"])
                .output()
                .expect("ps");
            let ps: Vec<&str> = std::str::from_utf8(&ps.stdout)
                .unwrap_or("")
                .lines()
                .filter(|l| {
                    ["zenity", "mfa-env", "aws", "Xvfb"]
                        .iter()
                        .any(|w| l.contains(w))
                })
                .collect();
            panic!(
                "no mfa-env dialog (other than zenity {old:?}) on {display} within 60 s; processes:\n{}",
                ps.join("\n")
            );
        }
        let found = try_xdotool(display, &["search", "--onlyvisible", "--name", "^mfa-env$"]);
        for window in stdout(&found).lines() {
            // A window found may be gone by now (the dialog just answered).
            let pid = try_xdotool(display, &["getwindowpid", window]);
            let pid = stdout(&pid).trim().to_string();
            if pid.is_empty() || pid == old {
                continue;
            }
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let argv = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            if !try_xdotool(display, &["windowfocus", "--sync", window])
                .status
                .success()
            {
                continue;
            }
            return (window.to_string(), pid, argv);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Whether process `pid` is gone (or a zombie) within 10 seconds.
fn gone(pid: &str) -> bool {
    (0..100).any(|_| {
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ");
        if alive {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        !alive
    })
}

/// A HOME whose profile `via-mfa-env` runs mfa-env as credential_process
/// (through a wrapper that records its exit status), on `display`.
fn dialog_env(url: &str, display: &str) -> TestEnv {
    let mut env = TestEnv::new();
    env.endpoint(url).set("DISPLAY", display);
    let wrap = env.write_script(
        "wrap.sh",
        "#!/bin/sh\n\"$@\"\nrc=$?\necho \"$rc\" > \"$HOME/rc\"\nexit \"$rc\"\n",
    );
    env.write_via_mfa_env_config(&format!(
        "{} {} credential-process --profile default",
        wrap.display(),
        bin().display()
    ));
    env
}

/// `aws sts get-caller-identity` with no terminal (a new session), started.
fn aws_without_terminal(env: &TestEnv, aws: &std::path::Path) -> std::process::Child {
    env.command("setsid")
        .arg("-w")
        .arg(aws)
        .args(aws_identity_args("text"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aws")
}

#[test]
fn zenity_asks_for_the_code_of_a_credential_process_without_a_terminal() {
    let Some(aws) = tool("aws") else { return };
    let Some((_x, display)) = xvfb() else { return };
    let stub = Stub::moto();
    let env = dialog_env(&stub.url(), &display);
    let aws = aws_without_terminal(&env, &aws);

    // A typo is asked again, in a new dialog that says why.
    let (first, pid, argv) = dialog(&display, "");
    let text = format!("MFA code for profile default ({SERIAL}):");
    assert_eq!(
        argv,
        [
            "zenity", "--entry", "--title", "mfa-env", "--text", &text, "--width", "420"
        ]
    );
    xdotool(&display, &["type", "--window", &first, "12345"]);
    xdotool(&display, &["key", "--window", &first, "Return"]);
    let (second, _, argv) = dialog(&display, &pid);
    assert_eq!(
        argv[5],
        format!(
            "the MFA code must be 6 digits, and this one has 5 digits. Type the 6 digits your authenticator shows now. Try 2 of 3.\n\n{text}"
        )
    );
    xdotool(&display, &["type", "--window", &second, CODE]);
    xdotool(&display, &["key", "--window", &second, "Return"]);

    let out = aws.wait_with_output().expect("aws");
    ok(&out);
    assert!(stdout(&out).contains("123456789012"), "{}", stdout(&out));
    assert_eq!(stub.actions(), ["GetSessionToken", "GetCallerIdentity"]);
    assert_eq!(stub.requests()[0].param("TokenCode").as_deref(), Some(CODE));
    let rc = std::fs::read_to_string(env.home().join("rc")).unwrap();
    assert_eq!(rc, "0\n");
    assert_eq!(env.cache_files(".json").len(), 1);
}

#[test]
fn zenity_cancel_ends_with_130_and_nothing_cached() {
    let Some(aws) = tool("aws") else { return };
    let Some((_x, display)) = xvfb() else { return };
    let stub = Stub::moto();
    let env = dialog_env(&stub.url(), &display);
    let aws = aws_without_terminal(&env, &aws);
    let (window, _, _) = dialog(&display, "");
    // Tab from the entry to Cancel, and press it.
    xdotool(&display, &["key", "--window", &window, "Tab", "space"]);
    let out = aws.wait_with_output().expect("aws");
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains(
            "no MFA code: the zenity dialog was cancelled, so nothing was written or cached"
        ),
        "{err}"
    );
    let rc = std::fs::read_to_string(env.home().join("rc")).unwrap();
    assert_eq!(rc, "130\n");
    assert!(env.cache_files(".json").is_empty(), "nothing cached");
    assert_eq!(stub.count(), 0);
}

#[test]
fn ctrl_c_on_the_terminal_closes_the_dialog_too() {
    let Some((_x, display)) = xvfb() else { return };
    let stub = Stub::moto();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url()).set("DISPLAY", &display);
    let mut cmd = env.command("sh");
    cmd.args([
        "-c",
        "trap : INT; \"$0\" --prompt zenity > out; echo \"rc=$?\"; sleep 0.2",
    ])
    .arg(bin());
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    let (_, pid, _) = dialog(&display, "");
    pty.send_control('c').expect("ctrl-c");
    pty.exp_string("rc=130").expect("interrupted");
    // The dialog was in mfa-env's process group, so Ctrl-C ended it too.
    assert!(gone(&pid), "zenity {pid} is still running");
    assert!(env.cache_files(".json").is_empty());
    assert_eq!(stub.count(), 0);
}

#[test]
fn a_renewal_asks_in_a_dialog_while_the_child_reads_the_terminal() {
    let Some((_x, display)) = xvfb() else { return };
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url()).set("DISPLAY", &display);
    let script = "echo \"at $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN .\"; \
                  for i in 1 2; do read line; echo \"child got $line\"; done; exit 3";
    // The first code is typed at the terminal's prompt, before the child runs.
    let Some((mut pty, url, token)) = on_a_terminal(&env, &["--server"], script, true) else {
        return;
    };
    std::thread::sleep(std::time::Duration::from_secs(7));

    // The renewal asks in a dialog, not on the terminal the child reads.
    let waiting = std::thread::spawn(move || http_get(&url, Some(&token)));
    let (window, _, argv) = dialog(&display, "");
    assert_eq!(argv[5], format!("MFA code for profile default ({SERIAL}):"));
    pty.send_line("111111").expect("type");
    pty.exp_string("child got 111111\r\n")
        .expect("a line typed meanwhile is the child's");
    xdotool(&display, &["type", "--window", &window, "222222"]);
    xdotool(&display, &["key", "--window", &window, "Return"]);
    renewed_with(waiting.join().expect("request"), &stub, "222222");

    pty.send_line("333333").expect("type");
    pty.exp_string("child got 333333\r\n").expect("the child's");
    let shown = format!("{:?}", pty.process().wait().expect("wait"));
    assert!(shown.ends_with("), 3)"), "{shown}");
}

#[test]
fn a_renewal_dialog_outlives_a_ctrl_c_for_the_child_but_not_the_child() {
    let Some((_x, display)) = xvfb() else { return };
    let stub = short_user_sts();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url()).set("DISPLAY", &display);
    let script = "trap 'echo INT' INT; \
                  echo \"at $AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN .\"; \
                  while [ ! -e stop ]; do sleep 0.05; done; exit 3";
    let Some((mut pty, url, token)) = on_a_terminal(&env, &["--server"], script, true) else {
        return;
    };
    std::thread::sleep(std::time::Duration::from_secs(7));
    let waiting = std::thread::spawn(move || {
        let addr = url.trim_start_matches("http://").trim_end_matches('/');
        let request = format!("GET / HTTP/1.1\r\nAuthorization: {token}\r\n\r\n");
        http_raw(addr, request.as_bytes())
    });
    let (_, pid, _) = dialog(&display, "");

    // Ctrl-C on the terminal is the child's: the renewal's dialog stays.
    pty.send_control('c').expect("ctrl-c");
    pty.exp_string("INT").expect("the child got it");
    assert!(!gone(&pid), "zenity {pid} was closed by the child's Ctrl-C");

    // The child ends while the dialog waits: mfa-env ends with its status,
    // and the dialog with it.
    std::fs::write(env.home().join("work/stop"), "").expect("stop");
    let shown = format!("{:?}", pty.process().wait().expect("wait"));
    assert!(shown.ends_with("), 3)"), "{shown}");
    assert!(gone(&pid), "zenity {pid} is still running after mfa-env");
    assert_eq!(
        waiting.join().expect("request"),
        None,
        "closed with mfa-env"
    );
    assert_eq!(codes_sent(&stub), [CODE]);
}
