//! The quoting functions, fed hostile values and read back by the real shells.

mod common;

use common::*;

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
            let script = format!("export V={}\nprintf '%s' \"$V\"", mfa_env::quote::sh(value));
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
