//! A child run under `--server`, and its credential endpoint.

use super::*;
use std::io::Read;
use std::process::{Child, Output, Stdio};

/// `mfa-env ARGS -- sh -c …` under --server: the child prints its endpoint
/// and token on one line, then waits until `finish` closes its stdin.
pub struct Served {
    child: Option<Child>,
    pub url: String,
    pub token: String,
}

impl Served {
    pub fn start(env: &TestEnv, args: &[&str]) -> Served {
        let mut child = env
            .mfa_env(args)
            .args([
                "--",
                "sh",
                "-c",
                "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN\"; read x; exit 0",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mfa-env");
        let mut line = String::new();
        let stdout = child.stdout.as_mut().expect("stdout");
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).unwrap_or(0) == 1 && byte[0] != b'\n' {
            line.push(byte[0] as char);
        }
        let mut served = Served {
            child: Some(child),
            url: String::new(),
            token: String::new(),
        };
        let Some((url, token)) = line.split_once(' ') else {
            let out = served.finish();
            panic!("mfa-env did not start the child: {}", stderr(&out));
        };
        served.url = url.to_string();
        served.token = token.to_string();
        served
    }

    /// mfa-env's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// The host:port of the endpoint.
    pub fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }

    /// GET with the right token.
    pub fn get(&self) -> (u16, String) {
        http_get(&self.url, Some(&self.token))
    }

    /// The access key id of a 200 answer.
    pub fn key(&self) -> String {
        let (status, body) = self.get();
        assert_eq!(status, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        json["AccessKeyId"].as_str().expect("key").to_string()
    }

    /// Lets the child end and returns mfa-env's output.
    pub fn finish(&mut self) -> Output {
        let mut child = self.child.take().expect("running");
        drop(child.stdin.take());
        child.wait_with_output().expect("wait")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The endpoint and token the child echoed as `at URL TOKEN .`.
pub fn endpoint_line(pty: &mut rexpect::session::PtySession) -> (String, String) {
    let (_, line) = pty
        .exp_regex(r"at http://127\.0\.0\.1:\d+/ [0-9a-f]{64} \.")
        .expect("served");
    let mut words = line.split_whitespace().skip(1);
    (
        words.next().expect("url").to_string(),
        words.next().expect("token").to_string(),
    )
}

/// The codes STS was sent, in order.
pub fn codes_sent(stub: &Stub) -> Vec<String> {
    stub.requests()
        .iter()
        .filter_map(|r| r.param("TokenCode"))
        .collect()
}

/// `mfa-env ARGS -- sh -c SCRIPT` on a pseudo-terminal, as a job of bash
/// (`-m`: in a process group of its own, which has the terminal, as in an
/// interactive shell; a group whose parent is out of the session would be
/// orphaned, and the terminal never stops an orphan). Its first code typed
/// at the prompt when `typed`; the script must echo its endpoint line.
/// None without bash.
pub fn on_a_terminal(
    env: &TestEnv,
    args: &[&str],
    script: &str,
    typed: bool,
) -> Option<(rexpect::session::PtySession, String, String)> {
    let bash = tool("bash")?;
    let mut cmd = env.command(bash);
    cmd.args([
        "--norc",
        "--noprofile",
        "-m",
        "-c",
        "\"$0\" \"$@\"; exit $?",
    ])
    .arg(bin())
    .args(args)
    .args(["--", "sh", "-c", script])
    .stdin(std::process::Stdio::inherit());
    let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).expect("pty");
    if typed {
        pty.exp_string(&format!("MFA code for profile default ({SERIAL}): "))
            .expect("first prompt");
        pty.send_line(CODE).expect("code");
    }
    let (url, token) = endpoint_line(&mut pty);
    Some((pty, url, token))
}

/// Checks the answer to a request that renewed with `code` (with
/// `short_user_sts`): 200 with its second session, and the codes STS got
/// were CODE, then `code`.
pub fn renewed_with((status, body): (u16, String), stub: &Stub, code: &str) {
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("\"AccessKeyId\":\"ASIAUSER000000000002\""),
        "{body}"
    );
    assert_eq!(codes_sent(stub), [CODE, code]);
}
