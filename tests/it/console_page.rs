//! The console's sign-in token is in no argv: the browser gets a 0600 page in
//! a fresh 0700 folder that sends it on to the sign-in URL. Another local user
//! reads neither the token from the browser's /proc/PID/cmdline nor the page;
//! the page goes once the browser has had time to read it.

use crate::common::*;
use crate::console::{ADMIN, console_env, expected_login, federation, login_params, sign_in_page};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `args` run as the other local user (nobody), as an attacker would.
fn as_other_user(args: &[&str]) -> Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .args(args)
        .output()
        .expect("setpriv")
}

/// Waits (30 s at most) until `done` holds.
fn wait_for(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_sign_in_token_is_in_no_argv_and_the_page_is_the_users_alone() {
    if tool("setpriv").is_none() {
        return;
    }
    let sts = Stub::moto();
    let fed = federation();
    let mut env = console_env(&sts, &fed, SERIAL, ADMIN);
    let dir = tempfile::tempdir().expect("dir");
    let d = dir.path().display();
    // A browser that says its pid, then waits (for `go`, 30 s at most).
    let browser = env.write_script(
        "browser",
        &format!(
            "#!/bin/sh\necho $$ > '{d}/pid.tmp'; mv '{d}/pid.tmp' '{d}/pid'\n\
             n=0; while [ ! -e '{d}/go' ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done\n"
        ),
    );
    env.set("BROWSER", &browser.display().to_string());
    let out = env.run(&["console", "-p", "admin", "-t", CODE]);
    assert_eq!(ok(&out), "");
    let pid_file = dir.path().join("pid");
    wait_for("the browser started", Duration::from_secs(30), || {
        pid_file.exists()
    });
    let pid = std::fs::read_to_string(&pid_file).expect("pid");

    // The other user reads the browser's argv: no sign-in token in it.
    let read = as_other_user(&["cat", &format!("/proc/{}/cmdline", pid.trim())]);
    assert!(read.status.success(), "{}", stderr(&read));
    let argv: Vec<String> = stdout(&read)
        .split('\0')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(argv.len(), 3, "sh, the script and one page: {argv:?}");
    for arg in &argv {
        assert!(
            !arg.contains("SigninTok") && !arg.contains("Signin"),
            "the sign-in token is in the browser's argv: {arg}"
        );
    }
    let page = &argv[2];
    let path = Path::new(page.strip_prefix("file://").expect("a file URL"));

    // The other user cannot read the page; the browser (this user) can, and
    // it sends the browser on to the sign-in URL.
    let read = as_other_user(&["cat", &path.display().to_string()]);
    assert!(!read.status.success());
    assert_eq!(read.stdout, b"");
    assert_eq!(
        login_params(&sign_in_page(page), &fed),
        expected_login("https://console.aws.amazon.com/console/home?region=eu-central-1")
    );

    // Gone (with its folder) once the browser has had 30 seconds to read it.
    std::fs::write(dir.path().join("go"), "").expect("go");
    let folder = path.parent().expect("folder").to_path_buf();
    wait_for("the page was removed", Duration::from_secs(60), || {
        !folder.exists()
    });
}
