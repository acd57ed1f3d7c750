//! Every output format in its real consumer, the init scripts in real shells,
//! `mfa-env shell`, credential_process, direnv, and the AWS CLI.

use crate::common::*;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// The variables moto's answer must become, with the profile's region.
fn expected_vars(stub: &Stub, index: usize) -> BTreeMap<String, String> {
    let mut vars = session_vars(stub, index);
    for (k, v) in [
        ("AWS_ACCOUNT_ID", ACCOUNT),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "eu-west-1"),
        ("MFA_ENV_PROFILE", "default"),
    ] {
        vars.insert(k.to_string(), v.to_string());
    }
    vars
}

/// The variables a session sets, in the order the formats print them.
const SET: [&str; 8] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCOUNT_ID",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "MFA_ENV_PROFILE",
];

const STALE: [(&str, &str); 4] = [
    ("AWS_ACCOUNT_ID", "999999999999"),
    ("AWS_PROFILE", "default"),
    ("AWS_SECURITY_TOKEN", "old"),
    ("AWS_SDK_LOAD_CONFIG", "1"),
];

fn moto_env() -> (TestEnv, Stub) {
    let stub = Stub::moto();
    let mut env = TestEnv::new();
    env.endpoint(&stub.url()).with_binary_on_path();
    for (k, v) in STALE {
        env.set(k, v);
    }
    (env, stub)
}

fn assert_session(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    stub: &Stub,
) {
    let mut expected = before.clone();
    for name in UNSET {
        expected.remove(name);
    }
    expected.extend(expected_vars(stub, 0));
    assert_eq!(after, &expected);
}

/// Runs `script` (which saves the environment to `before` and `after`) in
/// `shell` on moto and asserts the session it set; returns the HOME.
fn session_in(shell: &Path, args: &[&str], script: &str) -> TestEnv {
    let (env, stub) = moto_env();
    let (before, after) = env.env_change(shell, args, script);
    assert_session(&before, &after, &stub);
    env
}

/// `session_in` fish, if fish is here.
fn session_in_fish(script: &str) {
    let Some(fish) = tool("fish") else { return };
    session_in(&fish, &["--no-config", "-c"], script);
}

#[test]
fn fish_format_in_fish() {
    session_in_fish(
        "env -0 > $HOME/before; mfa-env --format fish -t 914725 | source; or exit 7; env -0 > $HOME/after",
    );
}

#[test]
fn dotenv_format_read_by_sh() {
    let (env, stub) = moto_env();
    let out = env.run(&["--format", "dotenv", "-t", CODE]);
    ok(&out);
    let text = stdout(&out);
    let vars = expected_vars(&stub, 0);
    let expected: String = SET.iter().map(|k| format!("{k}={}\n", vars[*k])).collect();
    assert_eq!(text, expected, "bare KEY=value lines");
    std::fs::write(env.home().join("session.env"), &text).expect("write");
    let script = "env -0 > \"$HOME/before\"; set -a; . \"$HOME/session.env\"; set +a; env -0 > \"$HOME/after\"; exit 0";
    let (before, after) = env.env_change(Path::new("/bin/sh"), &["-c"], script);
    let mut wanted = before.clone();
    wanted.extend(vars);
    assert_eq!(after, wanted);
}

#[test]
fn json_format() {
    let (env, stub) = moto_env();
    let out = env.run(&["-f", "json", "-t", CODE]);
    ok(&out);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let mut expected = serde_json::Map::new();
    for (k, v) in expected_vars(&stub, 0) {
        expected.insert(k, v.into());
    }
    for name in UNSET {
        expected.insert(name.into(), serde_json::Value::Null);
    }
    assert_eq!(value, serde_json::Value::Object(expected));
}

#[test]
fn powershell_format_exact_lines() {
    let (env, stub) = moto_env();
    let out = env.run(&["-f", "powershell", "-t", CODE]);
    ok(&out);
    let v = expected_vars(&stub, 0);
    let mut expected = String::new();
    for k in SET {
        let _ = writeln!(expected, "$Env:{k} = '{}'", v[k]);
    }
    for k in [
        "AWS_SECURITY_TOKEN",
        "AWS_SESSION_EXPIRATION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SDK_LOAD_CONFIG",
    ] {
        let _ = writeln!(
            expected,
            "Remove-Item -LiteralPath Env:{k} -ErrorAction SilentlyContinue"
        );
    }
    assert_eq!(stdout(&out), expected);
    // bash and zsh are names for sh.
    let sh = stdout(&env.run(&["-f", "sh"]));
    assert_eq!(stdout(&env.run(&["-f", "bash"])), sh);
    assert_eq!(stdout(&env.run(&["-f", "zsh"])), sh);
}

#[test]
fn init_functions_in_bash_and_zsh() {
    for name in ["bash", "zsh"] {
        let Some(shell) = tool(name) else { continue };
        let script = format!(
            "eval \"$(mfa-env init {name})\"; env -0 > \"$HOME/before\"; mfa-env-use default -t 914725 || exit 7; env -0 > \"$HOME/after\"; mfa-env-prompt > \"$HOME/prompt\"; exit 0"
        );
        let env = session_in(&shell, &["-c"], &script);
        let prompt = std::fs::read_to_string(env.home().join("prompt")).expect("prompt");
        assert!(
            prompt == "default 12h00m" || prompt == "default 11h59m",
            "{name}: {prompt:?}"
        );
    }
}

#[test]
fn prompt_helper_counts_down() {
    for name in ["bash", "zsh", "fish"] {
        let Some(shell) = tool(name) else { continue };
        let mut env = TestEnv::new();
        env.with_binary_on_path().set("MFA_ENV_PROFILE", "work");
        for (offset, expected) in [
            (42 * 60 + 30, "work 42m"),
            (3 * 3600 + 5 * 60 + 30, "work 3h05m"),
            (0, "work expired"),
        ] {
            env.set("AWS_CREDENTIAL_EXPIRATION", &rfc3339_in(offset));
            let script = if name == "fish" {
                "mfa-env init fish | source; mfa-env-prompt".to_string()
            } else {
                format!("eval \"$(mfa-env init {name})\"; mfa-env-prompt")
            };
            let out = env
                .command(&shell)
                .args(["-c", &script])
                .output()
                .expect("run");
            assert_eq!(stdout(&out), expected, "{name}: {}", stderr(&out));
        }
        env.vars.remove("AWS_CREDENTIAL_EXPIRATION");
        let script = if name == "fish" {
            "mfa-env init fish | source; mfa-env-prompt"
        } else {
            "eval \"$(mfa-env init bash)\"; mfa-env-prompt"
        };
        let out = env
            .command(&shell)
            .args(["-c", script])
            .output()
            .expect("run");
        assert_eq!(stdout(&out), "", "no session, no prompt text");
    }
}

#[test]
fn init_function_in_fish() {
    session_in_fish(
        "mfa-env init fish | source; env -0 > $HOME/before; mfa-env-use default -t 914725; or exit 7; env -0 > $HOME/after",
    );
}

#[test]
fn scripts_in_shell_folder_are_what_init_prints() {
    let env = TestEnv::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shell");
    for (shell, file) in [
        ("bash", "mfa-env.sh"),
        ("zsh", "mfa-env.sh"),
        ("fish", "mfa-env.fish"),
        ("powershell", "mfa-env.ps1"),
        ("direnv", "direnvrc"),
    ] {
        let out = env.run(&["init", shell]);
        ok(&out);
        assert_eq!(
            stdout(&out),
            std::fs::read_to_string(root.join(file)).expect("file"),
            "{shell}"
        );
    }
}

#[test]
fn shellcheck_over_shell_folder() {
    let Some(shellcheck) = tool("shellcheck") else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("shell");
    let out = std::process::Command::new(shellcheck)
        .args(["-s", "bash"])
        .arg(root.join("mfa-env.sh"))
        .arg(root.join("direnvrc"))
        .output()
        .expect("shellcheck");
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn subshell_gets_the_session_and_marks_nesting() {
    let (mut env, stub) = moto_env();
    let script = env.home().join("fake-shell");
    std::fs::write(&script, "#!/bin/sh\nenv -0 > \"$HOME/after\"\nexit 5\n").expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    env.set("SHELL", &script.display().to_string());
    let out = env.run(&["shell", "-t", CODE]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "the shell's own status: {}",
        stderr(&out)
    );
    assert_eq!(stderr(&out), "");
    let after = parse_env0(&std::fs::read(env.home().join("after")).expect("env"));
    for (k, v) in expected_vars(&stub, 0) {
        assert_eq!(after.get(&k), Some(&v), "{k}");
    }
    assert_eq!(
        after.get("MFA_ENV_SHELL").map(String::as_str),
        Some("default")
    );
    assert_eq!(after.get("AWS_PROFILE"), None);

    env.set("MFA_ENV_SHELL", "outer");
    let out = env.run(&["shell"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("starting a shell inside another mfa-env shell (profile 'outer')")
    );
}

#[test]
fn credential_process_prints_only_version_1_json() {
    let (env, stub) = moto_env();
    let out = env.run(&["credential-process", "--profile", "default", "-t", CODE]);
    ok(&out);
    let value: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    let v = expected_vars(&stub, 0);
    assert_eq!(
        value,
        serde_json::json!({
            "Version": 1,
            "AccessKeyId": v["AWS_ACCESS_KEY_ID"],
            "AccountId": ACCOUNT,
            "SecretAccessKey": v["AWS_SECRET_ACCESS_KEY"],
            "SessionToken": v["AWS_SESSION_TOKEN"],
            "Expiration": v["AWS_CREDENTIAL_EXPIRATION"],
        })
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn credential_process_loops_are_refused() {
    let (mut env, stub) = moto_env();
    env.set("MFA_ENV_TOKEN_COMMAND", "1");
    let out = env.run(&["credential-process", "-t", CODE]);
    assert_fails_printing(
        &out,
        "",
        &["started by its own token command", "profile 'default'"],
    );
    env.vars.remove("MFA_ENV_TOKEN_COMMAND");
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\n[profile work]\ncredential_process = mfa-env credential-process --profile work\n"
    ));
    let out = env.run(&["credential-process", "-p", "work", "-t", CODE]);
    assert_fails_printing(
        &out,
        "",
        &["profile 'work' gets its credentials from `mfa-env credential-process` itself"],
    );
    assert_eq!(stub.count(), 0);
}

#[test]
fn aws_cli_reads_the_environment_and_credential_process() {
    let Some(aws) = tool("aws") else { return };
    let (mut env, stub) = moto_env();
    let bin = bin().display().to_string();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\
         [profile via-mfa-env]\nregion = eu-west-1\ncredential_process = {bin} credential-process --profile default\n"
    ));
    env.set("AWS_CONFIG_FILE", &env.config_path().display().to_string());
    let script = format!(
        "eval \"$(mfa-env -t 914725)\" || exit 7; {} sts get-caller-identity --output json",
        aws.display()
    );
    let out = env
        .command("bash")
        .args(["-c", &script])
        .output()
        .expect("aws");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"Account\""), "{}", stdout(&out));
    let token = expected_vars(&stub, 0)["AWS_SESSION_TOKEN"].clone();
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].param("Action").as_deref(),
        Some("GetCallerIdentity")
    );
    assert_eq!(
        requests[1].header("x-amz-security-token"),
        Some(token.as_str()),
        "the CLI used the exported session"
    );

    let env_clean = {
        let mut e = env;
        for (k, _) in STALE {
            e.vars.remove(k);
        }
        e
    };
    let out = env_clean
        .command(&aws)
        .args(aws_identity_args("json"))
        .output()
        .expect("aws");
    assert!(out.status.success(), "{}", stderr(&out));
    let requests = stub.requests();
    let last = requests.last().expect("request");
    assert_eq!(last.param("Action").as_deref(), Some("GetCallerIdentity"));
    assert_eq!(
        last.header("x-amz-security-token"),
        Some(token.as_str()),
        "credential_process gave the cached session"
    );
}

#[test]
fn completions_and_man_page() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = env.run(&["completions", shell]);
        ok(&out);
        let text = stdout(&out);
        // A registration of clap's dynamic completion: the shell asks the
        // binary (tests/completion.rs drives it in each shell).
        assert!(
            text.contains("mfa-env") && text.contains("MFA_ENV_COMPLETE"),
            "{shell}"
        );
    }
    if let Some(bash) = tool("bash") {
        let out = env
            .command(bash)
            .args([
                "-c",
                "source <(\"$0\" completions bash) && complete -p mfa-env",
            ])
            .arg(bin())
            .output()
            .expect("bash");
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains("mfa-env"));
    }
    let man = stdout(&env.run(&["man"]));
    assert!(
        man.starts_with(".TH MFA\\-ENV 1 "),
        "{}",
        &man[..man.len().min(200)]
    );
}

/// A HOME with mfa-env's direnv library installed and an allowed
/// `project/.envrc` holding `envrc`.
fn direnv_env(stub_url: &str, envrc: &str) -> Option<TestEnv> {
    tool("direnv")?;
    let mut env = TestEnv::new();
    env.endpoint(stub_url).with_binary_on_path();
    let home = env.home().display().to_string();
    env.set("XDG_DATA_HOME", &format!("{home}/.local/share"));
    let lib = env.home().join(".config/direnv/lib");
    std::fs::create_dir_all(&lib).expect("mkdir");
    let init = env.run(&["init", "direnv"]);
    std::fs::write(lib.join("mfa_env.sh"), stdout(&init)).expect("write lib");
    let project = env.home().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(project.join(".envrc"), envrc).expect("envrc");
    let allow = env
        .command("direnv")
        .arg("allow")
        .arg(&project)
        .output()
        .expect("allow");
    assert!(allow.status.success(), "{}", stderr(&allow));
    Some(env)
}

/// `direnv_env` on moto, then `vars` set.
fn direnv_moto(envrc: &str, vars: &[(&str, &str)]) -> Option<(TestEnv, Stub)> {
    let stub = Stub::moto();
    let mut env = direnv_env(&stub.url(), envrc)?;
    for (name, value) in vars {
        env.set(name, value);
    }
    Some((env, stub))
}

#[test]
fn direnv_loads_and_reloads_after_a_refresh() {
    let stub = Stub::script(vec![
        (200, sts_session_xml_for("ASIAFIRSTFIRSTFIRST1")),
        (200, sts_session_xml_for("ASIASECONDSECONDSEC2")),
    ]);
    let Some(env) = direnv_env(&stub.url(), "use mfa_env default --token-code 914725\n") else {
        return;
    };
    let script = "cd \"$HOME/project\" || exit 9
eval \"$(direnv export bash)\"
printf '%s %s\\n' \"$AWS_ACCESS_KEY_ID\" \"$MFA_ENV_PROFILE\" > \"$HOME/first\"
sleep 1.2
mfa-env --refresh -t 914725 > /dev/null || exit 8
eval \"$(direnv export bash)\"
printf '%s\\n' \"$AWS_ACCESS_KEY_ID\" > \"$HOME/second\"
";
    let out = env
        .command("bash")
        .args(["-c", script])
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |f: &str| std::fs::read_to_string(env.home().join(f)).unwrap_or_default();
    assert_eq!(read("first"), "ASIAFIRSTFIRSTFIRST1 default\n");
    assert_eq!(
        read("second"),
        "ASIASECONDSECONDSEC2\n",
        "the refresh reloaded direnv"
    );
    assert_eq!(stub.count(), 2);
}

/// Runs `script` in bash with no terminal (a new session); it must succeed.
fn bash_without_terminal(env: &TestEnv, script: &str) {
    let out = env
        .command("setsid")
        .args(["-w", "bash", "-c", script])
        .output()
        .expect("bash");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn direnv_without_a_terminal_leaves_the_environment() {
    let Some((env, stub)) = direnv_moto(
        "use mfa_env default\nexport OTHER=1\n",
        &[("AWS_ACCESS_KEY_ID", "AKIAUSERSOWNUSERSOWN")],
    ) else {
        return;
    };
    let script = "cd \"$HOME/project\" || exit 9
env -0 > \"$HOME/before\"
eval \"$(direnv export bash 2> \"$HOME/direnv.err\")\"
env -0 > \"$HOME/after\"
exit 0";
    bash_without_terminal(&env, script);
    let (before, after) = (env.env_file("before"), env.env_file("after"));
    for (k, v) in &after {
        if k.starts_with("AWS_") || k.starts_with("MFA_ENV") {
            assert_eq!(before.get(k), Some(v), "{k} changed");
        }
    }
    for k in before.keys().filter(|k| k.starts_with("AWS_")) {
        assert!(after.contains_key(k), "{k} was removed");
    }
    let err = std::fs::read_to_string(env.home().join("direnv.err")).unwrap_or_default();
    assert!(err.contains("no MFA code: there is no terminal"), "{err}");
    assert!(err.contains("mfa-env: no AWS session loaded"), "{err}");
    assert_eq!(stub.count(), 0);
}

#[test]
fn direnv_asks_for_the_code_on_the_terminal() {
    let Some((env, stub)) = direnv_moto("use mfa_env default\n", &[]) else {
        return;
    };
    let script = "cd \"$HOME/project\" && eval \"$(direnv export bash 2>/dev/null)\"; echo \"AK=$AWS_ACCESS_KEY_ID.\"";
    let mut cmd = env.command("bash");
    cmd.args(["-c", script]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string(&format!("MFA code for profile default ({SERIAL}): "))
        .expect("prompt");
    pty.send_line(CODE).expect("type");
    pty.exp_string("AK=").expect("loaded");
    let loaded = pty.exp_string(".").expect("key");
    assert_eq!(loaded, session_vars(&stub, 0)["AWS_ACCESS_KEY_ID"]);
    assert_eq!(stub.requests()[0].param("TokenCode").as_deref(), Some(CODE));
}

#[test]
fn aws_cli_credential_process_asks_on_the_terminal() {
    let Some(aws) = tool("aws") else { return };
    let (env, stub) = TestEnv::with_moto();
    let bin = bin().display().to_string();
    env.write_via_mfa_env_config(&format!("{bin} credential-process --profile default"));
    let mut cmd = env.command(&aws);
    cmd.args(aws_identity_args("text"));
    let mut pty = rexpect::session::spawn_command(cmd, Some(30_000)).expect("pty");
    // The CLI captures the process's stdout and stderr: the prompt must use the terminal.
    pty.exp_string(&format!("MFA code for profile default ({SERIAL}): "))
        .expect("prompt");
    pty.send_line(CODE).expect("type");
    pty.exp_string("123456789012")
        .expect("the CLI got credentials");
    assert_eq!(stub.actions(), ["GetSessionToken", "GetCallerIdentity"]);
    let token = session_vars(&stub, 0)["AWS_SESSION_TOKEN"].clone();
    assert_eq!(
        stub.requests()[1].header("x-amz-security-token"),
        Some(token.as_str())
    );
}

/// An interactive bash with direnv's hook, at its first prompt `ready> `.
fn direnv_interactive(env: &TestEnv) -> rexpect::session::PtySession {
    let rc = env.home().join("bashrc");
    std::fs::write(&rc, "eval \"$(direnv hook bash)\"\nPS1='ready> '\n").unwrap();
    let mut cmd = env.command("bash");
    // The terminal as stdin (the helper's command closes it).
    cmd.arg("--rcfile")
        .arg(&rc)
        .arg("-i")
        .stdin(std::process::Stdio::inherit());
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    pty.exp_string("ready> ").expect("first prompt");
    pty
}

/// After a load that failed at the prompt (`interrupt`, Ctrl-D or Ctrl-C):
/// nothing loaded but the rest of the .envrc (OTHER=1); another process gets
/// the session and the next prompt loads it from the cache. What the
/// terminal showed up to the failure is returned.
fn direnv_fails_then_reloads(interrupt: char) -> String {
    let Some((env, stub)) = direnv_moto("use mfa_env default\nexport OTHER=1\n", &[]) else {
        return String::new();
    };
    let mut pty = direnv_interactive(&env);
    pty.send_line("cd ~/project").expect("cd");
    pty.exp_string(&format!("MFA code for profile default ({SERIAL}): "))
        .expect("asks");
    pty.send_control(interrupt).expect("interrupt");
    let shown = pty
        .exp_string("mfa-env: no AWS session loaded")
        .expect("failed");
    pty.exp_string("ready> ").expect("prompt");
    pty.send_line("echo \"AK=${AWS_ACCESS_KEY_ID:-none} OTHER=${OTHER:-none}.\"")
        .expect("echo");
    pty.exp_string("AK=none OTHER=1.")
        .expect("no session, the rest of the .envrc loaded");
    pty.exp_string("ready> ").expect("prompt");

    // Another process gets the session; the next prompt loads it.
    let out = env.run(&["-t", CODE]);
    ok(&out);
    pty.send_line("").expect("enter");
    pty.exp_string("direnv: loading").expect("reload");
    pty.exp_string("ready> ").expect("prompt");
    pty.send_line("echo \"AK=${AWS_ACCESS_KEY_ID:-none}.\"")
        .expect("echo");
    pty.exp_string("AK=").expect("echo");
    let loaded = pty.exp_string(".").expect("key");
    assert_eq!(loaded, session_vars(&stub, 0)["AWS_ACCESS_KEY_ID"]);
    assert_eq!(stub.count(), 1, "the reload used the cached session");
    pty.send_line("exit").expect("exit");
    shown
}

#[test]
fn direnv_reloads_at_the_next_prompt_after_a_failed_load() {
    // Ctrl-D: no code.
    direnv_fails_then_reloads('d');
}

/// Ctrl-C at the prompt inside `use mfa_env` ends the prompt only: direnv
/// is not killed ("direnv: error signal: killed" before), the rest of the
/// .envrc loads, and the next prompt picks up a session got elsewhere.
#[test]
fn direnv_recovers_from_ctrl_c_at_the_prompt() {
    let shown = direnv_fails_then_reloads('c');
    assert!(!shown.contains("signal"), "{shown}");
    if !shown.is_empty() {
        assert!(
            shown.contains("no MFA code: the prompt was cancelled with Ctrl-C"),
            "{shown}"
        );
    }
}

#[test]
fn direnv_under_strict_env_and_set_u() {
    let envrc = "strict_env\nset -u\nuse mfa_env default\nexport OTHER=1\n";
    let Some((env, stub)) = direnv_moto(envrc, &[]) else {
        return;
    };
    let script = "cd \"$HOME/project\" || exit 9
eval \"$(direnv export bash 2> \"$HOME/first.err\")\"
printf '%s %s\\n' \"${AWS_ACCESS_KEY_ID:-none}\" \"${OTHER:-none}\" > \"$HOME/first\"
mfa-env -t 914725 > /dev/null || exit 8
eval \"$(direnv export bash 2> \"$HOME/second.err\")\"
printf '%s %s\\n' \"${AWS_ACCESS_KEY_ID:-none}\" \"${OTHER:-none}\" > \"$HOME/second\"
";
    bash_without_terminal(&env, script);
    let read = |f: &str| std::fs::read_to_string(env.home().join(f)).unwrap_or_default();
    // No terminal: the session fails to load, the rest of the .envrc loads.
    assert_eq!(read("first"), "none 1\n");
    let err = read("first.err");
    assert!(err.contains("mfa-env: no AWS session loaded"), "{err}");
    assert!(!err.contains("pop_var_context"), "{err}");
    assert!(!err.contains("error exit status"), "{err}");
    // A session got elsewhere loads at the next export.
    let key = session_vars(&stub, 0)["AWS_ACCESS_KEY_ID"].clone();
    assert_eq!(read("second"), format!("{key} 1\n"));
    let err = read("second.err");
    assert!(!err.contains("error"), "{err}");
    assert_eq!(stub.count(), 1);
}

#[test]
fn direnv_prompt_gets_its_own_line_after_the_slow_warning() {
    let Some((env, stub)) = direnv_moto("use mfa_env default\n", &[("DIRENV_WARN_TIMEOUT", "1s")])
    else {
        return;
    };
    let script =
        "cd \"$HOME/project\" && eval \"$(direnv export bash)\"; echo \"AK=$AWS_ACCESS_KEY_ID.\"";
    let mut cmd = env.command("bash");
    cmd.args(["-c", script]);
    let mut pty = rexpect::session::spawn_command(cmd, Some(20_000)).expect("pty");
    let prompt = format!("MFA code for profile default ({SERIAL}): ");
    pty.exp_string(&prompt).expect("prompt");
    pty.exp_string("is taking a while to execute. Use CTRL-C to give up.")
        .expect("direnv's warning");
    // The prompt again, at the start of the line after the warning.
    let between = pty.exp_string(&prompt).expect("prompt again");
    assert_eq!(between, "\u{1b}[0m\r\n\r");
    pty.send_line(CODE).expect("type");
    pty.exp_string("AK=").expect("loaded");
    let loaded = pty.exp_string(".").expect("key");
    assert_eq!(loaded, session_vars(&stub, 0)["AWS_ACCESS_KEY_ID"]);
}
