//! The session cache: reuse, safety of files and folder, locking across
//! processes, status and clear.

use crate::common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .expect("stat")
        .permissions()
        .mode()
        & 0o777
}

/// Sets the cached entry's expiration to `seconds` from now.
fn expire_in(env: &TestEnv, seconds: i64) -> String {
    let when = rfc3339_in(seconds);
    set_expiration(&env.cache_entry(), &when);
    when
}

#[test]
fn second_run_reuses_the_session_without_a_request() {
    let (env, stub, first) = warm();
    let second = env.run(&["-t", CODE]);
    ok(&second);
    assert_eq!(stdout(&second), stdout(&first));
    assert_eq!(stub.count(), 1, "no second STS request");
    // Without a code source at all: the cache answers before any prompt.
    let third = env.run(&[]);
    assert_eq!(stdout(&third), stdout(&first), "{}", stderr(&third));
    assert_eq!(stub.count(), 1);
}

#[test]
fn cache_hit_makes_no_connection() {
    // STS answers once, then its port is closed: the hit cannot connect.
    let (url, served) = Stub::once(Behavior::Reply(200, sts_session_xml()));
    let mut env = TestEnv::new();
    env.endpoint(&url);
    let first = env.run(&["-t", CODE]);
    ok(&first);
    served.join().expect("stub");
    let out = env.run(&[]);
    ok(&out);
    assert_eq!(stdout(&out), stdout(&first));
}

#[test]
fn cache_hit_opens_no_socket_and_loads_no_certificates() {
    let Some(strace) = tool("strace") else { return };
    let (env, _stub, _) = warm();
    let trace = |args: &[&str]| {
        let log = env.home().join("strace.log");
        let out = env
            .command(&strace)
            .args(["-f", "-qq", "-e", "trace=socket,connect,open,openat", "-o"])
            .arg(&log)
            .arg(bin())
            .args(args)
            .output()
            .expect("strace");
        ok(&out);
        std::fs::read_to_string(&log).expect("strace log")
    };
    let hit = trace(&[]);
    assert!(
        !hit.contains("socket("),
        "the hit path opened a socket:\n{hit}"
    );
    assert!(!hit.contains("connect("), "{hit}");
    assert!(
        !hit.contains("/etc/ssl"),
        "the hit path loaded certificates:\n{hit}"
    );
    // The same trace of a miss shows what the hit path avoids.
    let miss = trace(&["--refresh", "-t", CODE]);
    assert!(miss.contains("connect("), "{miss}");
}

#[test]
fn refresh_and_no_cache() {
    let (env, stub, _) = warm();
    let out = env.run(&["--refresh", "-t", CODE]);
    ok(&out);
    assert_eq!(stub.count(), 2, "--refresh asks STS again");

    let stub = Stub::moto();
    let mut fresh = TestEnv::new();
    fresh.endpoint(&stub.url());
    for _ in 0..2 {
        let out = fresh.run(&["--no-cache", "-t", CODE]);
        ok(&out);
    }
    assert_eq!(stub.count(), 2, "--no-cache never reads");
    assert!(fresh.cache_files("").is_empty(), "--no-cache never writes");
}

#[test]
fn folder_0700_files_0600() {
    let (env, _stub, _) = warm();
    assert_eq!(mode(&env.cache_dir()), 0o700);
    let entry = env.cache_entry();
    assert_eq!(mode(&entry), 0o600);
    for lock in env.cache_files(".lock") {
        assert_eq!(mode(&lock), 0o600);
    }
    let name = entry.file_name().and_then(|n| n.to_str()).unwrap_or("");
    assert!(name.len() == 37 && name.ends_with(".json"), "{name}");
    assert!(env.cache_files(".tmp").is_empty(), "no temp file left");
}

#[test]
fn reuse_depends_on_min_ttl_at_the_margin() {
    let (env, stub, _) = warm();
    expire_in(&env, 5 * 60 + 30);
    let out = env.run(&[]);
    ok(&out);
    assert_eq!(stub.count(), 1, "5m30s left > 5m: reused");

    let when = expire_in(&env, 5 * 60 - 30);
    let out = env.run(&["--min-ttl", "1m"]);
    assert!(stdout(&out).contains(&format!("AWS_CREDENTIAL_EXPIRATION='{when}'")));
    assert_eq!(stub.count(), 1, "4m30s left > --min-ttl 1m: reused");

    let out = env.run(&["-t", CODE]);
    ok(&out);
    assert_eq!(stub.count(), 2, "4m30s left < 5m: a new session");
    assert!(!stdout(&out).contains(&when));
}

#[test]
fn five_processes_together_make_one_request() {
    // STS answers slowly, so the five overlap for sure.
    let stub = Stub::start(Behavior::Slow(
        Duration::from_millis(800),
        Box::new(Behavior::Forward(
            moto().trim_start_matches("http://").to_string(),
        )),
    ));
    let mut env = TestEnv::new();
    env.endpoint(&stub.url());
    let children: Vec<std::process::Child> = (0..5)
        .map(|_| {
            env.mfa_env(&["-v", "-t", CODE])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|child| child.wait_with_output().expect("wait"))
        .collect();
    for out in &outputs {
        ok(out);
        assert_eq!(
            stdout(out),
            stdout(&outputs[0]),
            "all print the same session"
        );
    }
    assert_eq!(stub.count(), 1, "one STS request for five processes");
    let asked = outputs
        .iter()
        .filter(|o| stderr(o).contains("GetSessionToken for"))
        .count();
    assert_eq!(asked, 1, "one code used");
}

#[test]
fn a_killed_lock_holder_does_not_block_the_next_run() {
    let silent = Stub::start(Behavior::Silent);
    let mut env = TestEnv::new();
    env.endpoint(&silent.url());
    let mut holder = Reaper(env.mfa_env(&["-t", CODE]).spawn().expect("spawn"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while silent.count() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(silent.count(), 1, "the holder is waiting on STS, lock held");
    // setsid -w forwards nothing: kill the whole group with SIGKILL.
    let pid = holder.0.id().to_string();
    let _ = std::process::Command::new("pkill")
        .args(["-KILL", "-P", &pid])
        .status();
    let _ = holder.0.kill();
    let _ = holder.0.wait();

    let stub = Stub::moto();
    env.endpoint(&stub.url());
    let mut next = Reaper(
        env.mfa_env(&["-t", CODE])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = next.0.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the next run is blocked by a dead lock holder"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    assert_eq!(stub.count(), 1);
}

#[test]
fn corrupt_entry_is_ignored_and_replaced() {
    let (env, stub, _) = warm();
    let entry = env.cache_entry();
    std::fs::write(&entry, "{\"version\": 1, \"access_key_id\": ").expect("corrupt");
    goes_on_uncached(
        &env,
        &stub,
        &["ignoring the cached session", "damaged JSON"],
    );
    // The new session replaced it: the next run is a quiet hit.
    let out = env.run(&[]);
    assert_eq!(stderr(&out), "");
    assert_eq!(stub.count(), 2);
}

#[test]
fn other_format_version_is_ignored() {
    let (env, stub, _) = warm();
    let entry = env.cache_entry();
    let text = std::fs::read_to_string(&entry).expect("read");
    std::fs::write(&entry, text.replace("\"version\": 1", "\"version\": 2")).expect("write");
    goes_on_uncached(&env, &stub, &["format version 2", "reads version 1"]);
}

#[test]
fn entry_open_to_others_is_ignored() {
    let (env, stub, _) = warm();
    let entry = env.cache_entry();
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    goes_on_uncached(&env, &stub, &["group or others can open it (mode 644)"]);
    assert_eq!(mode(&entry), 0o600, "rewritten with 0600");
}

#[test]
fn folder_open_to_others_is_not_used() {
    let (env, stub, _) = warm();
    std::fs::set_permissions(env.cache_dir(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod");
    let entry = std::fs::read(env.cache_entry()).expect("read");
    goes_on_uncached(
        &env,
        &stub,
        &["not using the session cache", "mode 755", "chmod 700"],
    );
    assert_eq!(
        std::fs::read(env.cache_entry()).expect("read"),
        entry,
        "not written"
    );
}

#[test]
fn entry_of_another_user_is_ignored() {
    if rustix_is_root() {
        let (env, stub, _) = warm();
        let entry = env.cache_entry();
        std::os::unix::fs::chown(&entry, Some(65534), Some(65534)).expect("chown");
        goes_on_uncached(&env, &stub, &["owned by another user (uid 65534)"]);
        assert_eq!(
            std::fs::metadata(&entry).expect("stat").uid(),
            0,
            "replaced by ours"
        );
    } else if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI runs as root so that this can be tested");
    } else {
        eprintln!("SKIPPED: chown needs root");
    }
}

fn rustix_is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

#[test]
fn planted_symlink_is_never_followed() {
    let (env, stub, _) = warm();
    let entry = env.cache_entry();
    // A valid entry elsewhere, linked in place of ours.
    let elsewhere = env.home().join("elsewhere.json");
    std::fs::rename(&entry, &elsewhere).expect("move");
    std::os::unix::fs::symlink(&elsewhere, &entry).expect("symlink");
    let planted = std::fs::read(&elsewhere).expect("read");
    goes_on_uncached(&env, &stub, &["symbolic link", "does not follow"]);
    assert_eq!(
        std::fs::read(&elsewhere).expect("read"),
        planted,
        "target untouched"
    );
    assert!(
        !std::fs::symlink_metadata(&entry)
            .expect("stat")
            .file_type()
            .is_symlink()
    );

    // The folder itself a symlink: not used at all.
    let real = env.home().join("real-cache");
    std::fs::rename(env.cache_dir(), &real).expect("move dir");
    std::os::unix::fs::symlink(&real, env.cache_dir()).expect("symlink dir");
    goes_on_uncached(
        &env,
        &stub,
        &["not using the session cache", "symbolic link"],
    );
}

#[test]
fn leftover_temp_file_is_ignored_and_cleaned() {
    let (env, stub, _) = warm();
    let entry = env.cache_entry();
    let tmp = entry.with_extension("json.tmp");
    std::fs::write(&tmp, "{\"half\": ").expect("plant");
    let out = env.run(&["--refresh", "-t", CODE]);
    ok(&out);
    assert_eq!(stderr(&out), "");
    assert!(!tmp.exists(), "the leftover was cleaned up");
    assert_eq!(stub.count(), 2);
}

/// Runs mfa-env in a private mount namespace with a tmpfs mounted at `at`.
fn with_tmpfs(env: &TestEnv, at: &Path, options: &str, fill: bool) -> Option<Output> {
    tool("unshare")?;
    let script = "t=$1; o=$2; f=$3; shift 3; mount -t tmpfs -o \"$o\" none \"$t\" || exit 99; \
                  if [ \"$f\" = 1 ]; then head -c 4000000 /dev/zero > \"$t/fill\" 2>/dev/null; fi; exec \"$@\"";
    let out = env
        .command("unshare")
        .args(["-m", "sh", "-c", script, "sh"])
        .arg(at)
        .arg(options)
        .arg(if fill { "1" } else { "0" })
        .arg(bin())
        .args(["-t", CODE])
        .output()
        .expect("unshare");
    if out.status.code() == Some(99) || stderr(&out).contains("unshare failed") {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI must be able to mount a tmpfs: {}", stderr(&out));
        }
        eprintln!("SKIPPED: no mount namespace here: {}", stderr(&out));
        return None;
    }
    Some(out)
}

/// With a tmpfs (`options`, filled up when `fill`) as the cache folder, the
/// session still comes out, with a warning naming `why`.
fn unwritable_cache_is_a_warning(options: &str, fill: bool, why: &str) {
    let (env, _stub) = TestEnv::with_moto();
    std::fs::create_dir_all(env.cache_dir()).expect("mkdir");
    let Some(out) = with_tmpfs(&env, &env.cache_dir(), options, fill) else {
        return;
    };
    ok(&out);
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="));
    let err = stderr(&out);
    assert!(err.contains("could not save the session"), "{err}");
    assert!(err.contains(why), "{err}");
}

#[test]
fn read_only_cache_folder_is_a_warning() {
    unwritable_cache_is_a_warning("ro,mode=0700", false, "Read-only file system");
}

#[test]
fn full_cache_folder_is_a_warning() {
    unwritable_cache_is_a_warning("size=64k,mode=0700", true, "No space left on device");
}

#[test]
fn status_lists_sessions_and_never_a_secret() {
    let (env, _stub, first) = warm();
    let out = env.run(&["status"]);
    ok(&out);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("PROFILE  ROLE  SERIAL"), "{text}");
    let cells: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(cells[..3], ["default", "-", SERIAL]);
    let exported = stdout(&first);
    assert!(exported.contains(&format!("AWS_CREDENTIAL_EXPIRATION='{}'", cells[3])));
    assert!(cells[4] == "12h00m" || cells[4] == "11h59m", "{}", cells[4]);
    for secret in ["wJalrXUtnFEMI", "AQoEXAMPLE", SECRET, KEY_ID] {
        assert!(!text.contains(secret), "status shows a secret: {text}");
    }
}

#[test]
fn status_check_for_prompts() {
    let (mut env, _stub, _) = warm();
    let out = env.run(&["status", "--check"]);
    assert_eq!(
        (out.status.code(), stdout(&out), stderr(&out)),
        (Some(0), String::new(), String::new())
    );
    let out = env.run(&["status", "--check", "--min-ttl", "13h"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
    let out = env.run(&["status", "--check", "-p", "nope"]);
    assert_eq!(
        (out.status.code(), stdout(&out), stderr(&out)),
        (Some(1), String::new(), String::new())
    );
    env.set("MFA_ENV_PROFILE", "default");
    let out = env.run(&["status", "--check"]);
    ok(&out);
    let empty = TestEnv::new();
    let out = empty.run(&["status", "--check"]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(1), String::new()));
}

#[test]
fn clear_deletes_only_its_own_entries() {
    let (env, _stub) = TestEnv::with_moto();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile other]\nmfa_serial = arn:aws:iam::123456789012:mfa/other\n"
    ));
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n[other]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"
    ));
    for profile in ["default", "other"] {
        let out = env.run(&["-p", profile, "-t", CODE]);
        ok(&out);
    }
    assert_eq!(env.cache_files(".json").len(), 2);
    let foreign = env.cache_dir().join("notes.txt");
    std::fs::write(&foreign, "mine").expect("write");

    let out = env.run(&["clear", "-p", "other"]);
    ok(&out);
    assert!(stdout(&out).starts_with("deleted 1 cached session of profile 'other'"));
    let out = env.run(&["status"]);
    assert!(stdout(&out).contains("default") && !stdout(&out).contains("other"));

    let out = env.run(&["clear", "--all"]);
    assert!(stdout(&out).starts_with("deleted 1 cached session of all profiles"));
    let left: Vec<_> = env.cache_files("");
    assert_eq!(left, vec![foreign.clone()], "only mfa-env's own files go");
    assert_eq!(std::fs::read_to_string(&foreign).expect("read"), "mine");
}
