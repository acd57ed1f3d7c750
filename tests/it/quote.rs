//! The quoting functions, fed hostile values and read back by the real shells.

use crate::common::*;

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
