//! The test environment: a temporary HOME with AWS files and XDG folders,
//! runs of the real binary in it, and the assertions on what a run did.

use super::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary HOME with `.aws/config`, `.aws/credentials` and XDG folders.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    /// Extra variables for every run (the endpoint, say).
    pub vars: BTreeMap<String, String>,
}

impl TestEnv {
    /// A user profile `default` with long-term keys, mfa_serial and a region.
    pub fn new() -> TestEnv {
        let env = TestEnv::empty();
        env.write_config(&format!(
            "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
        ));
        env.write_credentials(&format!(
            "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
        ));
        env
    }

    /// The default user profile, with STS at a recording stub in front of
    /// moto (the stub counts and keeps every request).
    pub fn with_moto() -> (TestEnv, Stub) {
        let stub = Stub::moto();
        let mut env = TestEnv::new();
        env.endpoint(&stub.url());
        (env, stub)
    }

    /// A HOME with no AWS files at all.
    pub fn empty() -> TestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in [".aws", ".cache", ".config", "work"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        TestEnv {
            dir,
            vars: BTreeMap::new(),
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.home().join(".aws/config")
    }

    pub fn credentials_path(&self) -> PathBuf {
        self.home().join(".aws/credentials")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::write(self.config_path(), text).expect("write config");
    }

    pub fn write_credentials(&self, text: &str) {
        std::fs::write(self.credentials_path(), text).expect("write credentials");
    }

    /// The bytes of both AWS files, to prove they were not written.
    pub fn snapshot(&self) -> (Vec<u8>, Vec<u8>) {
        (
            std::fs::read(self.config_path()).unwrap_or_default(),
            std::fs::read(self.credentials_path()).unwrap_or_default(),
        )
    }

    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.vars.insert(name.to_string(), value.to_string());
        self
    }

    pub fn endpoint(&mut self, url: &str) -> &mut Self {
        self.set("AWS_ENDPOINT_URL_STS", url)
    }

    /// The exact environment every run starts from: nothing of the developer's
    /// (no AWS_*, no real HOME), only this.
    pub fn base_env(&self) -> BTreeMap<String, String> {
        let home = self.home().to_string_lossy().into_owned();
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
        env.insert("HOME".into(), home.clone());
        env.insert("XDG_CACHE_HOME".into(), format!("{home}/.cache"));
        env.insert("XDG_CONFIG_HOME".into(), format!("{home}/.config"));
        env.insert("LC_ALL".into(), "C.UTF-8".into());
        env.extend(self.vars.clone());
        env
    }

    /// A command with exactly `base_env`, run in HOME/work.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .envs(self.base_env())
            .current_dir(self.home().join("work"))
            .stdin(Stdio::null());
        cmd
    }

    /// PATH with the binary's folder first, for scripts that call `mfa-env`.
    pub fn with_binary_on_path(&mut self) -> &mut Self {
        let dir = bin()
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let path = format!("{dir}:{}", std::env::var("PATH").unwrap_or_default());
        self.set("PATH", &path)
    }

    /// mfa-env with `args`, stdin closed, and no controlling terminal.
    pub fn mfa_env(&self, args: &[&str]) -> Command {
        let mut cmd = self.command("setsid");
        cmd.arg("-w").arg(bin()).args(args);
        cmd
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".cache/mfa-env")
    }

    /// The cache files whose names end in `ext`, sorted.
    pub fn cache_files(&self, ext: &str) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(self.cache_dir())
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        found.retain(|p| p.to_string_lossy().ends_with(ext));
        found.sort();
        found
    }

    /// The one cached session file.
    pub fn cache_entry(&self) -> PathBuf {
        let files = self.cache_files(".json");
        assert_eq!(files.len(), 1, "one cache entry: {files:?}");
        files[0].clone()
    }

    /// The environment a script wrote with `env -0 > "$HOME/NAME"`, without
    /// what the shell itself keeps there (`_`, SHLVL, PWD, OLDPWD).
    pub fn env_file(&self, name: &str) -> BTreeMap<String, String> {
        let mut vars = parse_env0(&std::fs::read(self.home().join(name)).expect("env file"));
        for noise in ["_", "SHLVL", "PWD", "OLDPWD"] {
            vars.remove(noise);
        }
        vars
    }

    /// The one helper for "the environment after eval": runs `script` in
    /// `shell` (with `args` before it), which writes `env -0` to `before` and
    /// `after` in HOME, and returns both.
    pub fn env_change(
        &self,
        shell: &Path,
        args: &[&str],
        script: &str,
    ) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let out = self.run_script(shell, args, script);
        assert!(
            out.status.success(),
            "{shell:?}: {}\n{}",
            stderr(&out),
            stdout(&out)
        );
        (self.env_file("before"), self.env_file("after"))
    }

    /// Runs `script` in `shell`, with `args` before it.
    pub fn run_script(&self, shell: &Path, args: &[&str], script: &str) -> Output {
        self.command(shell)
            .args(args)
            .arg(script)
            .output()
            .expect("shell")
    }

    /// Writes the executable script `name` in HOME; returns its path.
    pub fn write_script(&self, name: &str, text: &str) -> PathBuf {
        let path = self.home().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        path
    }

    /// A config whose `[default]` has the MFA serial and whose profile
    /// `via-mfa-env` runs `process` as its credential_process.
    pub fn write_via_mfa_env_config(&self, process: &str) {
        self.write_config(&format!(
            "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\
             [profile via-mfa-env]\nregion = eu-west-1\ncredential_process = {process}\n"
        ));
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.mfa_env(args).output().expect("run mfa-env")
    }
}

/// Asserts a run succeeded (showing its stderr when it did not) and gives
/// its stdout.
#[track_caller]
/// The AWS CLI's arguments that ask STS who profile `via-mfa-env` is.
pub fn aws_identity_args(output: &str) -> [&str; 6] {
    [
        "sts",
        "get-caller-identity",
        "--profile",
        "via-mfa-env",
        "--output",
        output,
    ]
}

/// Starts `cmd` with stdin, stdout and stderr piped.
pub fn spawn_piped(cmd: &mut Command) -> std::process::Child {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Runs `cmd` with `input` on its stdin (then closed) and waits for it.
pub fn run_with_input(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = spawn_piped(cmd);
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), input).expect("write");
    child.wait_with_output().expect("wait")
}

pub fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(out));
    stdout(out)
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a failure of the default run (the one whose output is `eval`ed):
/// exit 1, `false` and nothing else on stdout (so the `eval` fails too), one
/// line on stderr that contains every part of `expected`.
pub fn assert_fails(out: &Output, expected: &[&str]) {
    assert_fails_printing(out, "false\n", expected);
}

/// The same for any command, with exactly `printed` on stdout.
pub fn assert_fails_printing(out: &Output, printed: &str, expected: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert_eq!(stdout(out), printed, "stdout on failure");
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    for part in expected {
        assert!(err.contains(part), "stderr lacks {part:?}: {err}");
    }
    for secret in [SECRET, CODE] {
        assert!(!err.contains(secret), "a secret leaked into: {err}");
    }
}

/// Parses `env -0` output.
pub fn parse_env0(bytes: &[u8]) -> BTreeMap<String, String> {
    bytes
        .split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .filter_map(|entry| {
            let text = String::from_utf8_lossy(entry);
            text.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// A default profile on moto with one session cached (one STS request).
pub fn warm() -> (TestEnv, Stub, Output) {
    let (env, stub) = TestEnv::with_moto();
    let out = env.run(&["-t", CODE]);
    ok(&out);
    assert_eq!(stub.count(), 1);
    (env, stub, out)
}

/// Runs after planting something in the cache: a warning, exit 0, a new session.
pub fn goes_on_uncached(env: &TestEnv, stub: &Stub, warning: &[&str]) -> Output {
    let before = stub.count();
    let out = env.run(&["-t", CODE]);
    ok(&out);
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="));
    let err = stderr(&out);
    assert!(err.starts_with("mfa-env: warning: "), "{err}");
    for part in warning {
        assert!(err.contains(part), "warning lacks {part:?}: {err}");
    }
    assert!(!err.contains(SECRET) && !err.contains("wJalrXUtnFEMI"));
    assert_eq!(stub.count(), before + 1, "the bad entry was not trusted");
    out
}
