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
