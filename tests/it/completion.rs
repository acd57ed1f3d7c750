//! Completion in the real shells: `mfa-env completions SHELL` (clap's dynamic
//! completion, which asks the binary) and the init scripts' completion of
//! mfa-env-use, driven through each shell's own completion machinery.

use crate::common::*;
use std::path::Path;

/// Profiles of every kind, and a file in the working folder that completion
/// must never offer where a value is wanted.
fn profiles_env() -> TestEnv {
    let mut env = TestEnv::new();
    env.write_config(&format!(
        "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\n\n[profile admin]\nrole_arn = arn:aws:iam::210987654321:role/admin\nsource_profile = default\n\n[profile nokeys]\nregion = us-east-1\n"
    ));
    env.write_credentials(&format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\n[plain]\naws_access_key_id = AKIAFAKEFAKEFAKE9999\naws_secret_access_key = {SECRET}\n"
    ));
    std::fs::write(env.home().join("work/a-file"), "x").expect("file");
    env.with_binary_on_path();
    env
}

const PROFILES: [&str; 4] = ["admin", "default", "nokeys", "plain"];
const INIT_SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "direnv"];

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// The candidates that are not options (values and subcommands).
fn values(candidates: &[String]) -> Vec<String> {
    candidates
        .iter()
        .filter(|c| !c.starts_with('-'))
        .cloned()
        .collect()
}

fn run_shell(env: &TestEnv, shell: &Path, args: &[&str], script: &str) -> String {
    let out = env.run_script(shell, args, script);
    assert!(out.status.success(), "{shell:?}: {}", stderr(&out));
    assert_eq!(stderr(&out), "", "{shell:?}");
    stdout(&out)
}

/// Cases: the command line before the cursor (words; the last one is being
/// completed), and what must be offered.
fn check_cases(shell: &str, complete: impl Fn(&[&str]) -> Vec<String>) {
    let got = complete(&["mfa-env", "init", ""]);
    assert_eq!(values(&got), INIT_SHELLS, "{shell}: init <TAB>: {got:?}");
    let got = complete(&["mfa-env", "completions", ""]);
    assert_eq!(
        values(&got),
        ["bash", "elvish", "fish", "powershell", "zsh"],
        "{shell}: completions <TAB>: {got:?}"
    );
    let got = complete(&["mfa-env", "doctor", "--"]);
    assert!(
        got.contains(&"--offline".to_string()) && got.contains(&"--json".to_string()),
        "{shell}: doctor --<TAB>: {got:?}"
    );
    assert!(got.iter().all(|c| c.starts_with("--")), "{shell}: {got:?}");
    let got = complete(&["mfa-env", "status", "--"]);
    for option in ["--check", "--path", "--json", "--profile"] {
        assert!(
            got.contains(&option.to_string()),
            "{shell}: status --<TAB>: {got:?}"
        );
    }
    for words in [
        &["mfa-env", "--profile", ""][..],
        &["mfa-env", "-p", ""],
        &["mfa-env", "status", "-p", ""],
        &["mfa-env", "clear", "--profile", ""],
        &["mfa-env-use", ""],
        &["mfa-env-use", "-p", ""],
        &["mfa-env", "exec", "--profile", ""],
        &["mfa-env", "shell", "-p", ""],
        &["mfa-env", "doctor", "-p", ""],
    ] {
        assert_eq!(complete(words), PROFILES, "{shell}: {words:?}");
    }
    assert_eq!(complete(&["mfa-env", "-p", "ad"]), ["admin"], "{shell}");
    assert_eq!(complete(&["mfa-env-use", "d"]), ["default"], "{shell}");
    let got = complete(&["mfa-env-use", "admin", "--re"]);
    assert_eq!(got, ["--region", "--refresh"], "{shell}: after the profile");
    // exec's PROFILE: the names, then (as clap offers for an empty word) options.
    let got = complete(&["mfa-env", "exec", ""]);
    assert_eq!(values(&got), PROFILES, "{shell}: exec <TAB>: {got:?}");
    assert_eq!(complete(&["mfa-env", "exec", "pl"]), ["plain"], "{shell}");
    let got = complete(&["mfa-env", "exec", "admin", "--re"]);
    assert_eq!(got, ["--region", "--refresh"], "{shell}: exec PROFILE --re");
    let got = complete(&["mfa-env", "list", "--"]);
    assert!(got.contains(&"--json".to_string()), "{shell}: {got:?}");
    let got = complete(&["mfa-env", "li"]);
    assert_eq!(got, ["list"], "{shell}");
}

/// The cases in `shell` (run with `args`), if it is here: `script` makes the
/// script that completes the words, `parse` reads the candidates it printed.
fn check_shell(
    shell: &str,
    args: &[&str],
    script: impl Fn(&[&str]) -> String,
    parse: impl Fn(&str) -> Vec<String>,
) {
    let Some(path) = tool(shell) else { return };
    let env = profiles_env();
    check_cases(shell, |words| {
        parse(&run_shell(&env, &path, args, &script(words)))
    });
}

/// The words single-quoted for a shell array.
fn quoted(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    quoted.join(" ")
}

#[test]
fn bash_completes_subcommands_options_and_profiles() {
    let script = |words: &[&str]| {
        let function = if words[0] == "mfa-env" {
            "_clap_complete_mfa_env"
        } else {
            "_mfa_env_use"
        };
        format!(
            "source <(mfa-env completions bash); eval \"$(mfa-env init bash)\"\n\
             [[ $(complete -p {cmd}) == *'-F {function} {cmd}' ]] || exit 9\n\
             COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9\n\
             {function} {cmd} \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            cmd = words[0],
            words = quoted(words),
            cword = words.len() - 1,
        )
    };
    check_shell("bash", &["--norc", "-c"], script, lines);
}

#[test]
fn zsh_completes_subcommands_options_and_profiles() {
    // compsys itself cannot run outside the line editor: compdef records
    // the registration, and compadd/_describe print what they are given.
    let script = |words: &[&str]| {
        format!(
            "typeset -A registered\n\
             compdef() {{ registered[$2]=$1 }}\n\
             compadd() {{ [[ $1 == -- ]] && shift; print -rl -- \"$@\" }}\n\
             _describe() {{ local c; for c in \"${{(@P)3}}\"; do print -r -- \"${{${{c%%:*}}//\\\\:/:}}\"; done }}\n\
             eval \"$(mfa-env completions zsh)\"; eval \"$(mfa-env init zsh)\"\n\
             words=({words}); CURRENT={current}\n\
             ${{registered[{cmd}]}}",
            cmd = words[0],
            words = quoted(words),
            current = words.len(),
        )
    };
    check_shell("zsh", &["-f", "-c"], script, lines);
}

#[test]
fn fish_completes_subcommands_options_and_profiles() {
    let script = |words: &[&str]| {
        format!(
            "mfa-env completions fish | source; mfa-env init fish | source; complete -C '{}'",
            words.join(" ")
        )
    };
    let parse = |out: &str| {
        out.lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    };
    check_shell("fish", &["--no-config", "-c"], script, parse);
}

/// PowerShell cannot be installed here: the scripts are checked as text.
#[test]
fn powershell_registers_completers_for_mfa_env_and_mfa_env_use() {
    let env = TestEnv::new();
    let text = stdout(&env.run(&["completions", "powershell"]));
    assert!(text.contains("Register-ArgumentCompleter -Native -CommandName mfa-env "));
    assert!(text.contains("$env:MFA_ENV_COMPLETE = \"powershell\";"));
    let init = stdout(&env.run(&["init", "powershell"]));
    assert!(init.contains("Register-ArgumentCompleter -Native -CommandName mfa-env-use "));
    assert!(init.contains("$Env:MFA_ENV_COMPLETE = 'powershell'"));
    assert!(init.contains("$words = @('--profile') + $words"));
    assert!(init.contains("& mfa-env -- mfa-env @words"));
    // The prompt helper checks the expiry's exact form before any parsing.
    let check = init
        .find(r"$e -cnotmatch '\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\z'")
        .expect("the expiry check");
    let parse = init.find("TryParseExact(").expect("parse");
    assert!(check < parse);
    // mfa-env-unset removes each variable `-f powershell` sets.
    let (env, _stub) = TestEnv::with_moto();
    let out = env.run(&["-t", CODE, "-f", "powershell"]);
    ok(&out);
    let unset = &init[init.find("function mfa-env-unset").expect("unset")..];
    let unset = &unset[..unset.find("\n}\n").expect("end")];
    let set: Vec<String> = stdout(&out)
        .lines()
        .filter_map(|l| l.strip_prefix("$Env:"))
        .filter_map(|l| l.split_once(" = "))
        .map(|(name, _)| name.to_string())
        .collect();
    assert_eq!(set.len(), 8, "{set:?}");
    for name in set {
        assert!(
            unset.contains(&format!("'{name}'")),
            "{name} not in {unset}"
        );
    }
    eprintln!("NOTE: PowerShell is not installable here; its completion was checked as text only");
}

#[test]
fn completing_reads_no_secret_and_needs_no_files() {
    let complete_p = |env: &TestEnv| {
        env.command(bin())
            .env("MFA_ENV_COMPLETE", "bash")
            .env("_CLAP_COMPLETE_INDEX", "2")
            .args(["--", "mfa-env", "-p", ""])
            .output()
            .expect("run")
    };
    let out = complete_p(&profiles_env());
    assert_eq!(stdout(&out), PROFILES.join("\n"));
    assert!(!stdout(&out).contains(SECRET) && !stdout(&out).contains(KEY_ID));
    let out = complete_p(&TestEnv::empty());
    ok(&out);
    assert_eq!(stdout(&out), "", "no files, no names, no error");
}

/// zsh's own line editor and compsys (compinit), in a pseudo-terminal
/// (zsh/zpty): TAB after each command line, and the listing or the
/// completed line it shows.
#[test]
fn zsh_line_editor_completes_with_tab() {
    let Some(zsh) = tool("zsh") else { return };
    let env = profiles_env();
    let script = r#"
setopt extendedglob
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z 'PS1="READY> "; autoload -U compinit; compinit -u -D; eval "$(mfa-env completions zsh)"; eval "$(mfa-env init zsh)"; print -r LOADED'
zpty -r z out '*LOADED*READY> *' || exit 3
for case in "$@"; do
  zpty -w -n z "${case%%|*}"$'\t'
  zpty -r z out "*${case#*|}*" || exit 4
  out=${out//$'\e'\[[0-9;?]#[A-Za-z]/}
  print -r -- "${out//$'\r'/}" | grep -v '^ *$' | tail -1
  zpty -w -n z $'\C-u'
done
zpty -d z
"#;
    // A broken completion never shows what is waited for: timeout ends it.
    let out = env
        .command("timeout")
        .arg("60")
        .arg(&zsh)
        .args(["-f", "-c", script, "zsh"])
        .args([
            "mfa-env -p |plain",
            "mfa-env-use |plain",
            "mfa-env init |direnv",
            "mfa-env status -p ad|admin",
        ])
        .output()
        .expect("zsh");
    ok(&out);
    let text = stdout(&out);
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], PROFILES, "{text}");
    assert_eq!(lines[1], PROFILES, "{text}");
    assert_eq!(lines[2], INIT_SHELLS, "{text}");
    assert!(
        text.lines()
            .nth(3)
            .unwrap_or("")
            .ends_with("mfa-env status -p admin"),
        "{text}"
    );
}

/// Completion output no one reads ends quietly (141, as every output does);
/// an unknown shell in MFA_ENV_COMPLETE is a usage error.
#[test]
fn completing_into_a_closed_pipe_or_for_an_unknown_shell() {
    let env = profiles_env();
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = env
        .command(bin())
        .env("MFA_ENV_COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "1")
        .args(["--", "mfa-env", ""])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(141), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let out = env
        .command(bin())
        .env("MFA_ENV_COMPLETE", "nosuch")
        .args(["--", "mfa-env", ""])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: unknown shell `nosuch`, expected one of `bash`, `elvish`, `fish`, `powershell`, `zsh`\n"
    );
}

/// A `COMPLETE` another tool left in the environment changes no run: mfa-env's
/// completion answers to MFA_ENV_COMPLETE only.
#[test]
fn a_stray_complete_variable_does_not_hijack_a_run() {
    let (mut env, stub) = TestEnv::with_moto();
    env.set("COMPLETE", "bash");
    let out = env.run(&["-t", CODE]);
    ok(&out);
    assert!(
        stdout(&out).starts_with("export AWS_ACCESS_KEY_ID='"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stub.count(), 1);
    let out = env.run(&["--", "sh", "-c", "echo ran"]);
    ok(&out);
    assert_eq!(stdout(&out), "ran\n");
}
