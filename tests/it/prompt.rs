//! The init scripts' prompt helper and mfa-env-unset in the real shells:
//! the README's prompt lines, no fork in zsh and bash 5, nothing at all
//! without a session, hostile expiries that run nothing, and an unset that
//! leaves the environment as it was before mfa-env-use.

use crate::common::*;
use std::path::Path;

fn run(env: &TestEnv, shell: &Path, script: &str) -> (String, String) {
    let flag = if shell.ends_with("fish") {
        "--no-config"
    } else if shell.ends_with("zsh") {
        "-f"
    } else {
        "--norc"
    };
    let out = env
        .command(shell)
        .args([flag, "-c", script])
        .output()
        .expect("shell");
    (stdout(&out), stderr(&out))
}

fn load(shell: &str) -> String {
    if shell == "fish" {
        "mfa-env init fish | source".into()
    } else {
        format!("eval \"$(mfa-env init {shell})\"")
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[test]
fn readme_prompt_lines_in_bash_zsh_and_fish() {
    let sign = if is_root() { "#" } else { "$" };
    let zsign = if is_root() { "#" } else { "%" };
    // The prompt lines exactly as the README shows them.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let readme_line = |start: &str| -> String {
        let line = readme
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("README has no line starting {start:?}"));
        line.split("  #")
            .next()
            .unwrap_or(line)
            .trim_end()
            .to_string()
    };
    for (shell, line, expand) in [
        ("bash", readme_line("PS1="), r#"printf '%s' "${PS1@P}""#),
        (
            "zsh",
            readme_line("setopt prompt_subst;"),
            r#"print -rn -- "${(%%)PROMPT}""#,
        ),
        ("fish", readme_line("function fish_prompt;"), "fish_prompt"),
    ] {
        let Some(path) = tool(shell) else { continue };
        let mut env = TestEnv::new();
        env.with_binary_on_path();
        let script = format!("{}; {line}; {expand}", load(shell));
        let end = match shell {
            "bash" => format!("{sign} "),
            "zsh" => format!("{zsign} "),
            _ => "> ".into(),
        };
        assert_eq!(
            run(&env, &path, &script),
            (end.clone(), String::new()),
            "{shell}: no session"
        );
        env.set("MFA_ENV_PROFILE", "w%rk")
            .set("AWS_CREDENTIAL_EXPIRATION", &rfc3339_in(42 * 60 + 30));
        assert_eq!(
            run(&env, &path, &script),
            (format!("[w%rk 42m] {end}"), String::new()),
            "{shell}"
        );
    }
}

#[test]
fn prompt_prints_nothing_without_a_whole_session() {
    for shell in ["bash", "zsh", "fish"] {
        let Some(path) = tool(shell) else { continue };
        for (profile, expiration) in [
            (None, None),
            (Some("work"), None),
            (None, Some(rfc3339_in(600))),
            (Some(""), Some(rfc3339_in(600))),
            (Some("work"), Some(String::new())),
        ] {
            let mut env = TestEnv::new();
            env.with_binary_on_path();
            if let Some(p) = profile {
                env.set("MFA_ENV_PROFILE", p);
            }
            if let Some(e) = &expiration {
                env.set("AWS_CREDENTIAL_EXPIRATION", e);
            }
            let script = format!("{}; mfa-env-prompt '[%s] '", load(shell));
            assert_eq!(
                run(&env, &path, &script),
                (String::new(), String::new()),
                "{shell}: {profile:?} {expiration:?}"
            );
        }
    }
}

#[test]
fn hostile_expiries_run_nothing_and_print_nothing() {
    let hostile = [
        "x[$(touch PWNED)]",
        "a[$(touch PWNED)]+1",
        "$(touch PWNED)",
        "`touch PWNED`",
        "2026-11-27T20:42:08Z$(touch PWNED)",
        "2026-11-27T20:42:08Zx[$(touch PWNED)]",
        "x[$(touch PWNED)]-11-27T20:42:08Z",
        "2026-11-27T20:42:08Z\n",
        "2026-11-27T20:42:08",
        "2026-11-27 20:42:08Z",
        "２０２６-11-27T20:42:08Z",
        "+026-11-27T20:42:08Z",
        "-1-11-27T20:42:08Z",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let Some(path) = tool(shell) else { continue };
        for value in hostile {
            let mut env = TestEnv::new();
            env.with_binary_on_path()
                .set("MFA_ENV_PROFILE", "work")
                .set("AWS_CREDENTIAL_EXPIRATION", value);
            let script = format!("{}; mfa-env-prompt", load(shell));
            assert_eq!(
                run(&env, &path, &script),
                (String::new(), String::new()),
                "{shell}: {value:?}"
            );
            assert!(
                !env.home().join("work/PWNED").exists(),
                "{shell} ran code from {value:?}"
            );
        }
    }
}

/// zsh (zsh/datetime) and bash 5 (EPOCHSECONDS) know the time: the prompt
/// helper starts no process at all.
#[test]
fn prompt_starts_no_process_in_zsh_and_bash() {
    let Some(strace) = tool("strace") else { return };
    for shell in ["zsh", "bash"] {
        let Some(path) = tool(shell) else { continue };
        let mut env = TestEnv::new();
        env.set("MFA_ENV_PROFILE", "work").set(
            "AWS_CREDENTIAL_EXPIRATION",
            &rfc3339_in(3 * 3600 + 5 * 60 + 30),
        );
        let script = env.home().join("init.sh");
        std::fs::write(&script, stdout(&env.run(&["init", shell]))).expect("write");
        let log = env.home().join("trace");
        let out = env
            .command(&strace)
            .args([
                "-f",
                "-qq",
                "-e",
                "trace=execve,clone,clone3,fork,vfork",
                "-o",
            ])
            .arg(&log)
            .arg(&path)
            .arg("-c")
            .arg(format!(
                ". '{}'; mfa-env-prompt; mfa-env-prompt '[%s]'",
                script.display()
            ))
            .output()
            .expect("strace");
        assert_eq!(
            stdout(&out),
            "work 3h05m[work 3h05m]",
            "{shell}: {}",
            stderr(&out)
        );
        let trace = std::fs::read_to_string(&log).expect("trace");
        let calls: Vec<&str> = trace.lines().filter(|l| !l.contains("exited")).collect();
        assert_eq!(
            calls.len(),
            1,
            "{shell}: only the shell's own execve: {trace}"
        );
        assert!(calls[0].contains("execve("), "{trace}");
    }
}

#[test]
fn unset_leaves_the_environment_as_before_use() {
    for shell in ["bash", "zsh", "fish"] {
        let Some(path) = tool(shell) else { continue };
        let stub = Stub::moto();
        let mut env = TestEnv::new();
        env.endpoint(&stub.url()).with_binary_on_path();
        let script = format!(
            "{}; env -0 > $HOME/before; mfa-env-use default -t {CODE}; or exit 7; env -0 > $HOME/during; mfa-env-unset; env -0 > $HOME/after",
            load(shell)
        )
        .replace("; or exit 7", if shell == "fish" { "; or exit 7" } else { " || exit 7" });
        let (out, err) = run(&env, &path, &script);
        assert_eq!(out, "", "{shell}: {err}");
        let (before, during, after) = (
            env.env_file("before"),
            env.env_file("during"),
            env.env_file("after"),
        );
        assert_eq!(
            during.get("MFA_ENV_PROFILE").map(String::as_str),
            Some("default")
        );
        assert!(during.contains_key("AWS_SESSION_TOKEN"), "{shell}");
        assert_eq!(
            after, before,
            "{shell}: mfa-env-unset removes what mfa-env-use set"
        );
    }
}
