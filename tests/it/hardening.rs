//! Hardening: no core dump and no panic on a closed stdout or stderr, a
//! process no one can dump or trace, bounded reads, a cache folder that
//! cannot be swapped, a token command stopped with all it started.
//!
//! A run whose stdout or stderr is a pipe no one reads ends quietly with exit
//! status 141 (128 + SIGPIPE). A closed descriptor (`>&-`) is /dev/null to a
//! Rust program, so such a run goes on as usual.

use crate::common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

const NOBODY: &str = "65534";

/// A user profile with a cached session (so no run needs STS), a config for
/// every subcommand, and a folder to run in where a core file would land.
fn cached_env() -> (TestEnv, Stub) {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url()).set("SHELL", "/bin/true");
    let out = env.run(&["-t", CODE]);
    ok(&out);
    (env, stub)
}

/// mfa-env ARGS with `ulimit -c unlimited`, in an empty folder of its own.
fn dumping(env: &TestEnv, cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = env.command("sh");
    cmd.args([
        "-c",
        "ulimit -c unlimited && exec \"$@\"",
        "sh",
        "setsid",
        "-w",
    ])
    .arg(bin())
    .args(args)
    .current_dir(cwd);
    cmd
}

/// A pipe whose reading end is already closed.
fn broken_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    writer
}

fn assert_no_core(cwd: &Path, what: &str) {
    let cores: Vec<_> = std::fs::read_dir(cwd)
        .expect("cwd")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("core"))
        .collect();
    assert!(cores.is_empty(), "{what} left a core file: {cores:?}");
}

#[test]
fn a_stdout_no_one_reads_ends_every_subcommand_quietly() {
    let (env, _stub) = cached_env();
    let cwd = tempfile::tempdir().expect("cwd");
    let printing: &[&[&str]] = &[
        &["-t", CODE],
        &["--format", "json"],
        &["credential-process"],
        &["init", "bash"],
        &["completions", "bash"],
        &["man"],
        &["status"],
        &["status", "--json"],
        &["status", "--path"],
        &["list"],
        &["list", "--json"],
        &["doctor", "--offline"],
        &["doctor", "--offline", "--json"],
        &["--help"],
        &["--version"],
        &["clear"],
    ];
    for args in printing {
        let out = dumping(&env, cwd.path(), args)
            .stdout(broken_pipe())
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?} says nothing");
        assert_no_core(cwd.path(), &format!("{args:?}"));
    }
    // These print nothing themselves: the command's (or the check's) status.
    let (env, _stub) = cached_env();
    for (args, code) in [
        (&["status", "--check"][..], 0),
        (&["--", "true"][..], 0),
        (&["--", "false"][..], 1),
        (&["exec", "--", "true"][..], 0),
        (&["shell"][..], 0),
    ] {
        let out = dumping(&env, cwd.path(), args)
            .stdout(broken_pipe())
            .stderr(Stdio::piped())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert_no_core(cwd.path(), &format!("{args:?}"));
    }
}

#[test]
fn a_stderr_no_one_reads_ends_every_subcommand_quietly() {
    let (env, _stub) = cached_env();
    let cwd = tempfile::tempdir().expect("cwd");
    // Each of these says something on stderr: -v, a usage error, a warning
    // about the cache folder, an error.
    let saying: &[&[&str]] = &[
        &["-v"],
        &["-v", "--refresh", "-t", CODE],
        &["-v", "credential-process"],
        &["-v", "--", "true"],
        &["-v", "shell"],
        &["init", "nosuch"],
        &["completions", "nosuch"],
        &["man", "--nosuch"],
        &["doctor", "--nosuch"],
        &["status", "--nosuch"],
        &["clear", "--nosuch"],
        &["list", "--nosuch"],
        &["exec", "-v", "--", "true"],
        &["console"],
        &["console", "--print"],
        &["--profile", "missing"],
        &["credential-process", "--profile", "missing"],
    ];
    for args in saying {
        let out = dumping(&env, cwd.path(), args)
            .stdout(Stdio::piped())
            .stderr(broken_pipe())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(141), "{args:?}");
        assert_no_core(cwd.path(), &format!("{args:?}"));
    }
    // A cache folder open to others is warned about by status and clear.
    std::fs::set_permissions(env.cache_dir(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    for args in [&["status"][..], &["status", "--path"], &["clear"]] {
        let out = dumping(&env, cwd.path(), args)
            .stdout(Stdio::piped())
            .stderr(broken_pipe())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stdout(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
        assert_no_core(cwd.path(), &format!("{args:?}"));
    }
}

#[test]
fn a_closed_stdout_is_dev_null_and_the_run_goes_on() {
    let (env, _stub) = cached_env();
    let cwd = tempfile::tempdir().expect("cwd");
    for (args, code) in [
        (&["status"][..], 0),
        (&["doctor", "--offline"][..], 0),
        (&["credential-process"][..], 0),
    ] {
        let mut cmd = env.command("sh");
        cmd.args(["-c", "ulimit -c unlimited; exec \"$@\" >&-", "sh"])
            .arg(bin())
            .args(args)
            .current_dir(cwd.path());
        let out = cmd.output().expect("run");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert_no_core(cwd.path(), &format!("{args:?}"));
    }
}

/// Gives the test HOME to the unprivileged user, who runs mfa-env there.
fn hand_to_nobody(env: &TestEnv) -> Option<std::path::PathBuf> {
    let setpriv = tool("setpriv")?;
    let status = Command::new("chown")
        .args([
            "-R",
            &format!("{NOBODY}:{NOBODY}"),
            &env.home().to_string_lossy(),
        ])
        .status()
        .expect("chown");
    assert!(status.success());
    Some(setpriv)
}

fn as_nobody(setpriv: &Path) -> Vec<String> {
    vec![
        setpriv.to_string_lossy().into_owned(),
        "--reuid".into(),
        NOBODY.into(),
        "--regid".into(),
        NOBODY.into(),
        "--clear-groups".into(),
    ]
}

/// The pid the shell printed before it exec'd.
fn pid_of(pty: &mut rexpect::session::PtySession) -> i32 {
    let (_, found) = pty.exp_regex("pid=[0-9]+\\.").expect("pid");
    found
        .trim_start_matches("pid=")
        .trim_end_matches('.')
        .parse()
        .expect("a pid")
}

/// The owner of /proc/PID/status: the process's own user while it is
/// dumpable, root once it is not (proc(5)).
fn proc_owner(pid: i32) -> u32 {
    std::fs::metadata(format!("/proc/{pid}/status"))
        .expect("proc status")
        .uid()
}

#[test]
fn waiting_at_the_prompt_it_cannot_be_dumped_or_traced() {
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("SKIPPED: needs root to run mfa-env as another user");
        return;
    }
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let Some(setpriv) = hand_to_nobody(&env) else {
        return;
    };
    let cwd = env.home().join("work");

    // The method first: an ordinary process of that user is dumpable.
    let mut cmd = env.command("sh");
    cmd.arg("-c").arg(format!(
        "echo \"pid=$$.\"; exec {} sleep 30",
        as_nobody(&setpriv).join(" ")
    ));
    let mut sleeper = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    let pid = pid_of(&mut sleeper);
    let mut tries = 0;
    while !std::fs::read_to_string(format!("/proc/{pid}/cmdline"))
        .unwrap_or_default()
        .starts_with("sleep")
        && tries < 250
    {
        std::thread::sleep(std::time::Duration::from_millis(20));
        tries += 1;
    }
    assert_eq!(proc_owner(pid), 65534, "a plain process is dumpable");
    drop(sleeper);

    let mut cmd = env.command("sh");
    cmd.arg("-c")
        .arg(format!(
            "echo \"pid=$$.\"; ulimit -c unlimited; exec {} \"$0\"",
            as_nobody(&setpriv).join(" ")
        ))
        .arg(bin())
        .current_dir(&cwd);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    let pid = pid_of(&mut pty);
    pty.exp_string(&format!("MFA code for profile default ({SERIAL}): "))
        .expect("prompt");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    assert!(status.contains("\nUid:\t65534\t"), "{status}");
    assert_eq!(proc_owner(pid), 0, "not dumpable while it waits");
    // SIGQUIT dumps core by default: none may be written.
    let killed = Command::new("kill")
        .args(["-QUIT", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    pty.exp_eof().expect("ended");
    assert_no_core(&cwd, "SIGQUIT at the prompt");
    assert_eq!(stub.count(), 0);
}

#[test]
fn the_command_gets_the_users_core_limit_back() {
    let (env, _stub) = cached_env();
    let cwd = tempfile::tempdir().expect("cwd");
    let out = dumping(&env, cwd.path(), &["--", "sh", "-c", "ulimit -c"])
        .output()
        .expect("run");
    ok(&out);
    assert_eq!(stdout(&out), "unlimited\n");
}

#[test]
fn a_token_command_that_times_out_is_stopped_with_all_it_started() {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let marker = format!("300.{}", std::process::id());
    let out = env.run(&[
        "--token-command",
        &format!("sh -c 'sleep {marker}; echo 123456'"),
        "--token-timeout",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("did not finish within 1 seconds and was stopped"));
    let alive: Vec<String> = std::fs::read_dir("/proc")
        .expect("proc")
        .flatten()
        .filter(|e| {
            let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
            cmdline == format!("sleep\0{marker}\0").as_bytes()
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        // A zombie (state Z) is dead; its parent may be an init that does not reap.
        .filter(|stat| {
            !stat
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .collect();
    assert!(alive.is_empty(), "left running: {alive:?}");
    assert_eq!(stub.count(), 0);
}

#[test]
fn missing_cache_parents_are_made_0700() {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    let base = env.home().join("deep");
    env.endpoint(&stub.url())
        .set("XDG_CACHE_HOME", &base.join("a/b").to_string_lossy());
    let out = env.run(&["-t", CODE]);
    ok(&out);
    for dir in ["", "a", "a/b", "a/b/mfa-env"] {
        let mode = std::fs::metadata(base.join(dir)).expect("made").mode() & 0o777;
        assert_eq!(mode, 0o700, "{dir}");
    }
}

#[test]
fn clear_all_deletes_only_regular_files_of_this_user() {
    let (env, _stub) = cached_env();
    let dir = env.cache_dir();
    let outside = env.home().join("precious");
    std::fs::write(&outside, "keep").expect("write");
    let name = |i: u32| format!("{:032x}.json", 0xabcdef00u32 + i);
    std::os::unix::fs::symlink(&outside, dir.join(name(1))).expect("symlink");
    std::fs::create_dir(dir.join(name(2))).expect("dir");
    std::fs::write(dir.join(name(3)), "{}").expect("foreign");
    let root = rustix::process::geteuid().as_raw() == 0;
    if root {
        std::os::unix::fs::chown(dir.join(name(3)), Some(65534), Some(65534)).expect("chown");
    }
    let out = env.run(&["clear", "--all"]);
    ok(&out);
    let expected = if root { 1 } else { 2 };
    assert_eq!(
        stdout(&out),
        format!(
            "deleted {expected} cached session{} of all profiles from {}\n",
            if expected == 1 { "" } else { "s" },
            dir.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&outside).expect("kept"), "keep");
    assert!(dir.join(name(1)).symlink_metadata().is_ok(), "symlink left");
    assert!(dir.join(name(2)).is_dir(), "folder left");
    assert_eq!(dir.join(name(3)).exists(), root, "foreign file left");
}

#[test]
fn a_cache_folder_swapped_by_another_user_is_never_written_through() {
    if rustix::process::geteuid().as_raw() != 0 {
        eprintln!("SKIPPED: needs root to run the attacker as another user");
        return;
    }
    let Some(setpriv) = tool("setpriv") else {
        return;
    };
    // The system's python, which another user can run (not one under /root).
    let python = Path::new("/usr/bin/python3");
    if !python.exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "/usr/bin/python3 is needed"
        );
        eprintln!("SKIPPED: /usr/bin/python3 is not installed");
        return;
    }
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    // A shared parent another user may write in, and that user's own folder.
    let base = tempfile::tempdir().expect("base");
    std::fs::set_permissions(base.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let shared = base.path().join("shared");
    let evil = base.path().join("evil");
    for dir in [&shared, &evil] {
        std::fs::create_dir(dir).expect("mkdir");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    }
    std::os::unix::fs::chown(&evil, Some(65534), Some(65534)).expect("chown");
    env.endpoint(&stub.url())
        .set("XDG_CACHE_HOME", &shared.to_string_lossy());
    let out = env.run(&["-t", CODE]);
    ok(&out);

    // The attacker swaps the cache folder with a symlink to its own folder,
    // and back, as fast as it can (renameat2 RENAME_EXCHANGE).
    let attack = "import ctypes, os, sys\n\
        os.chdir(sys.argv[1]); os.symlink(sys.argv[2], 'link')\n\
        libc = ctypes.CDLL(None, use_errno=True)\n\
        while not os.path.exists(sys.argv[3]):\n\
        \x20   libc.renameat2(-100, b'mfa-env', -100, b'link', 2)\n";
    let stop = base.path().join("stop");
    let mut attacker = Reaper(
        Command::new(setpriv)
            .args(["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups"])
            .arg(python)
            .args(["-c", attack])
            .arg(&shared)
            .arg(&evil)
            .arg(&stop)
            .spawn()
            .expect("attacker"),
    );
    let link = shared.join("link");
    for _ in 0..500 {
        if link.symlink_metadata().is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(link.symlink_metadata().is_ok(), "the attacker started");
    for i in 0..150 {
        let args: &[&str] = if i % 10 == 9 {
            &["clear", "--all"]
        } else {
            &["--refresh", "-t", CODE]
        };
        let out = env.run(args);
        // clear ends with 1 when it finds the folder swapped for a symlink.
        let ok = if args[0] == "clear" { 0..=1 } else { 0..=0 };
        let code = out.status.code().unwrap_or(-1);
        assert!(ok.contains(&code), "{code}: {}", stderr(&out));
    }
    assert!(
        matches!(attacker.0.try_wait(), Ok(None)),
        "the attacker ran all along"
    );
    std::fs::write(&stop, "").expect("stop");
    let _ = attacker.0.wait();
    let written: Vec<_> = std::fs::read_dir(&evil)
        .expect("evil")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        written.is_empty(),
        "written into the other user's folder: {written:?}"
    );
    assert!(stub.count() > 100);
}

#[test]
fn a_token_command_in_its_own_group_can_still_ask_on_the_terminal() {
    let stub = Stub::start(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let mut cmd = env.command(bin());
    cmd.args([
        "--no-cache",
        "--token-timeout",
        "20s",
        "--token-command",
        "sh -c 'printf \"PIN? \" >&2; read pin </dev/tty; [ \"$pin\" = 4321 ] && echo 123456'",
    ]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("PIN? ").expect("the command asks");
    pty.send_line("4321").expect("type");
    pty.exp_string("export AWS_ACCESS_KEY_ID=")
        .expect("session");
    pty.exp_eof().expect("ended");
    assert_eq!(
        stub.requests()[0].param("TokenCode").as_deref(),
        Some("123456")
    );
}
