//! The quoting functions, fed hostile values and read back by the real shells.

use crate::common::*;
use std::fmt::Write;

const HOSTILE: &[&str] = &[
    "",
    "plain",
    "it's",
    "''",
    "\\'",
    "$(touch pwned)",
    "`touch pwned`",
    "${HOME}",
    "a\nb\n",
    "\r\t",
    "; touch pwned #",
    "\" && touch pwned && \"",
    "!!",
    "-n",
    "*",
    "né ☃ 🦀 ‘quote’ “dq”",
    "\\",
    "end\\",
];

#[test]
fn sh_quoting_round_trips_in_bash_dash_and_zsh() {
    for shell in ["bash", "dash", "zsh"] {
        let Some(shell) = tool(shell) else { continue };
        let env = TestEnv::empty();
        for value in HOSTILE {
            // A control character (a line break, say) is refused, never quoted.
            let Some(quoted) = mfa_env::quote::sh(value) else {
                assert!(value.contains(['\n', '\r', '\t']), "{value:?} refused");
                continue;
            };
            let script = format!("export V={quoted}\nprintf '%s' \"$V\"");
            let out = env
                .command(&shell)
                .args(["-c", &script])
                .output()
                .expect("run shell");
            assert!(
                out.status.success(),
                "{shell:?} {value:?}: {}",
                stderr(&out)
            );
            assert_eq!(out.stdout, value.as_bytes(), "{shell:?} changed {value:?}");
            assert!(
                !env.home().join("work/pwned").exists(),
                "{value:?} ran code"
            );
        }
    }
}

#[test]
fn fish_quoting_round_trips_in_fish() {
    let Some(fish) = tool("fish") else { return };
    let env = TestEnv::empty();
    for value in HOSTILE {
        let Some(quoted) = mfa_env::quote::fish(value) else {
            assert!(value.contains(['\n', '\r', '\t']), "{value:?} refused");
            continue;
        };
        let script = format!("set -gx V {quoted}; printf '%s' \"$V\"");
        let out = env
            .command(&fish)
            .args(["--no-config", "-c", &script])
            .output()
            .expect("run fish");
        assert!(out.status.success(), "{value:?}: {}", stderr(&out));
        assert_eq!(out.stdout, value.as_bytes(), "fish changed {value:?}");
        assert!(
            !env.home().join("work/pwned").exists(),
            "{value:?} ran code"
        );
    }
}

#[test]
fn powershell_quoting_doubles_every_quote() {
    // PowerShell is not packaged here: the exact strings its single-quote rules ask for.
    let cases = [
        ("plain", "'plain'"),
        ("it's", "'it''s'"),
        (
            "$(Remove-Item x) `n $Env:HOME",
            "'$(Remove-Item x) `n $Env:HOME'",
        ),
        (
            "\u{2018}left\u{2019} \u{201A}low\u{201B}",
            "'\u{2018}\u{2018}left\u{2019}\u{2019} \u{201A}\u{201A}low\u{201B}\u{201B}'",
        ),
        ("", "''"),
    ];
    for (value, quoted) in cases {
        assert_eq!(mfa_env::quote::powershell(value).as_deref(), Some(quoted));
    }
    // A control character is refused in every format.
    assert_eq!(mfa_env::quote::powershell("a\nb"), None);
}

// The property: any string, in every format, is either refused or read back
// byte for byte by the real readers. Values are batched (250 per shell run) so
// the normal run (12 batches, 3000 values) takes a few seconds; set
// PROPTEST_CASES for a longer one.

use proptest::prelude::*;
use proptest::test_runner::Config;
use std::collections::BTreeMap;

fn batches() -> impl Strategy<Value = Vec<String>> {
    let tricky = proptest::string::string_regex(
        "(?s)[\\x00-\\x7f'\"\\\\$`#=‘’‚‛“”\u{85}\u{a0}\u{202e}\u{feff}é☃🦀 ]{0,24}",
    )
    .expect("regex");
    let bytes = proptest::collection::vec(any::<u8>(), 0..24)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned());
    let value = prop_oneof![tricky, bytes, any::<String>()];
    proptest::collection::vec(value, 250)
}

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(12);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Runs `program ARGS FILE` where FILE holds `script`; its stdout.
fn run_script(env: &TestEnv, program: &std::path::Path, args: &[&str], script: &str) -> Vec<u8> {
    let file = env.home().join("work/script");
    std::fs::write(&file, script).expect("script");
    let out = env
        .command(program)
        .args(args)
        .arg(&file)
        .output()
        .expect("run reader");
    assert!(
        out.status.success(),
        "{program:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Each accepted value on a line of its own, as the readers print them back.
fn lines(values: &[&String]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| format!("{v}\n").into_bytes())
        .collect()
}

fn check_shells(env: &TestEnv, batch: &[String]) -> Result<(), TestCaseError> {
    use mfa_env::quote;
    for value in batch {
        let refused = quote::has_control(value);
        prop_assert_eq!(quote::sh(value).is_none(), refused, "sh {:?}", value);
        prop_assert_eq!(quote::fish(value).is_none(), refused, "fish {:?}", value);
        prop_assert_eq!(
            quote::powershell(value).is_none(),
            refused,
            "pwsh {:?}",
            value
        );
    }
    // No control character, so no line break: one value per line.
    let kept: Vec<&String> = batch.iter().filter(|v| !quote::has_control(v)).collect();
    let mut sh = String::new();
    let mut fish = String::new();
    for value in &kept {
        let q = quote::sh(value).unwrap_or_default();
        let _ = writeln!(sh, "export V={q}\nprintf '%s\\n' \"$V\"");
        let q = quote::fish(value).unwrap_or_default();
        let _ = writeln!(fish, "set -gx V {q}; printf '%s\\n' \"$V\"");
    }
    for (name, args, script) in [
        ("bash", &[][..], &sh),
        ("dash", &[][..], &sh),
        ("zsh", &["-f"][..], &sh),
        ("fish", &["--no-config"][..], &fish),
    ] {
        let Some(program) = tool(name) else { continue };
        let got = run_script(env, &program, args, script);
        if got != lines(&kept) {
            let got = String::from_utf8_lossy(&got);
            let differs = got
                .lines()
                .zip(&kept)
                .find(|(g, v)| g != &v.as_str())
                .map(|(g, v)| format!("{v:?} came back as {g:?}"));
            prop_assert!(false, "{} changed a value: {:?}", name, differs);
        }
    }
    Ok(())
}

fn check_dotenv(env: &TestEnv, batch: &[String]) -> Result<(), TestCaseError> {
    let mut file = String::new();
    let mut expected = BTreeMap::new();
    for (i, value) in batch.iter().enumerate() {
        if let Some(q) = mfa_env::quote::dotenv(value) {
            let _ = writeln!(file, "V{i:03}={q}");
            expected.insert(format!("V{i:03}"), value.clone());
        } else {
            prop_assert!(
                mfa_env::quote::has_control(value) || value.contains(['\'', '$', '\\']),
                "refused {:?}",
                value
            );
        }
    }
    let readers: [(&str, Vec<&str>); 2] = [
        (
            "python3",
            vec![
                "-c",
                "import dotenv, json, sys; print(json.dumps(dotenv.dotenv_values(sys.argv[1])))",
            ],
        ),
        ("direnv", vec!["dotenv", "json"]),
    ];
    for (name, args) in readers {
        let Some(program) = tool(name) else { continue };
        let got = run_script(env, &program, &args, &file);
        let got: BTreeMap<String, String> = serde_json::from_slice(&got).expect("json");
        for (key, value) in &expected {
            prop_assert_eq!(
                got.get(key),
                Some(value),
                "{} read {} back otherwise",
                name,
                key
            );
        }
        prop_assert_eq!(got.len(), expected.len(), "{} read other variables", name);
    }
    Ok(())
}

#[test]
fn any_value_is_refused_or_read_back_exactly_by_every_reader() {
    let env = TestEnv::empty();
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&batches(), |batch| {
        check_shells(&env, &batch)?;
        check_dotenv(&env, &batch)
    });
    if let Err(err) = result {
        panic!("{err}");
    }
}
