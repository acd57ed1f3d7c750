//! A private Secret Service for the keystore tests: its own dbus-daemon (no
//! service activation, so nothing starts behind a test's back) and
//! gnome-keyring-daemon with a keyring unlocked by a throw-away password, in
//! a temporary folder. Nothing depends on the developer's own session; CI and
//! a laptop run the same thing.

use super::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub struct Keyring {
    dir: tempfile::TempDir,
    pub address: String,
    bus: Option<Reaper>,
    daemon: Option<Reaper>,
}

impl Keyring {
    /// Starts the bus and the keyring; None (SKIPPED) when the tools are missing.
    pub fn start() -> Option<Keyring> {
        for name in [
            "dbus-daemon",
            "gnome-keyring-daemon",
            "secret-tool",
            "dbus-send",
        ] {
            tool(name)?;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("bus");
        let conf = dir.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<busconfig><type>session</type><listen>unix:path={}</listen>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>\
                 <allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>",
                socket.display()
            ),
        )
        .expect("bus config");
        let bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .arg("--nofork")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon");
        let mut keyring = Keyring {
            address: format!("unix:path={}", socket.display()),
            dir,
            bus: Some(Reaper(bus)),
            daemon: None,
        };
        keyring.wait_for(|| socket.exists(), "the D-Bus socket");
        let mut daemon = keyring
            .command("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon");
        let mut stdin = daemon.stdin.take().expect("stdin");
        stdin
            .write_all(b"throw-away-test-password")
            .expect("password");
        drop(stdin);
        keyring.daemon = Some(Reaper(daemon));
        keyring.wait_for(|| keyring.serving(), "the Secret Service");
        Some(keyring)
    }

    /// A command on this bus, with the keyring's own HOME and runtime folder.
    pub fn command(&self, program: &str) -> Command {
        let home = self.dir.path();
        let mut cmd = Command::new(program);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs of mfa-env in `env` use this Secret Service.
    pub fn apply(&self, env: &mut TestEnv) {
        env.set("DBUS_SESSION_BUS_ADDRESS", &self.address);
    }

    fn serving(&self) -> bool {
        let out = self
            .command("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output();
        out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
    }

    fn wait_for(&self, ready: impl Fn() -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready() {
            assert!(Instant::now() < deadline, "{what} did not start");
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// `secret-tool search --all` for the items mfa-env stored for `profile`:
    /// its output (attributes and secrets).
    pub fn search(&self, profile: &str) -> String {
        let out = self
            .command("secret-tool")
            .args(["search", "--all", "service", "mfa-env", "username", profile])
            .output()
            .expect("secret-tool");
        format!("{}{}", stdout(&out), stderr(&out))
    }

    /// Stops the Secret Service (the keyring daemon); the bus stays.
    pub fn stop_service(&mut self) {
        self.daemon.take();
        self.wait_for(|| !self.serving(), "the Secret Service to stop");
    }

    /// Stops the bus too: no D-Bus session at all.
    pub fn stop_bus(&mut self) {
        self.daemon.take();
        self.bus.take();
    }
}
