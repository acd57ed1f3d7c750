//! Where the code comes from, and the cache folder, as tables.

use super::{KEY, config, keys};
use crate::mfa::Source;
use crate::resolve::{self, chain};
use std::path::PathBuf;

fn profile_of(text: &str, name: &str) -> crate::config::Profile {
    chain::walk(&config(text), name).expect("walks")
}

#[test]
fn code_source_order() {
    let plain = profile_of(&keys("p", KEY), "p");
    let with_process = profile_of(
        &format!(
            "{}mfa_process = op item code\nmfa_prompt = zenity\n",
            keys("p", KEY)
        ),
        "p",
    );
    let with_prompt = profile_of(&format!("{}mfa_prompt = kdialog\n", keys("p", KEY)), "p");
    type Row<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        &'a crate::config::Profile,
        &'a str,
    );
    let cases: &[Row] = &[
        (
            "--token-code",
            Some("123456"),
            Some("cmd"),
            Some("ykman"),
            Some("zenity"),
            &with_process,
            "the MFA code from --token-code",
        ),
        (
            "--token-code -: stdin",
            Some("-"),
            None,
            None,
            None,
            &plain,
            "the MFA code from stdin",
        ),
        (
            "--token-command",
            None,
            Some("pass otp"),
            Some("ykman"),
            None,
            &with_process,
            "the MFA code from the command pass (--token-command)",
        ),
        (
            "--prompt before mfa_process",
            None,
            None,
            Some("terminal"),
            None,
            &with_process,
            "the MFA code asked for on the terminal (--prompt)",
        ),
        (
            "mfa_process before MFA_ENV_PROMPT",
            None,
            None,
            None,
            Some("zenity"),
            &with_process,
            "the MFA code from the command op (mfa_process of profile 'p')",
        ),
        (
            "MFA_ENV_PROMPT before mfa_prompt",
            None,
            None,
            None,
            Some("ykman"),
            &with_prompt,
            "the MFA code from ykman (MFA_ENV_PROMPT)",
        ),
        (
            "mfa_prompt",
            None,
            None,
            None,
            None,
            &with_prompt,
            "the MFA code asked for in a kdialog dialog (mfa_prompt of profile 'p')",
        ),
        (
            "the default",
            None,
            None,
            None,
            None,
            &plain,
            "the MFA code asked for on the terminal, else in a desktop dialog (the default)",
        ),
    ];
    for (what, code, command, prompt, env, profile, want) in cases {
        let source = Source::choose(*code, *command, *prompt, *env, profile).map(|s| s.describe());
        assert_eq!(source.ok().as_deref(), Some(*want), "{what}");
    }
    assert!(Source::choose(None, None, Some("carrier-pigeon"), None, &plain).is_err());
}

#[test]
fn cache_folder() {
    let cases: &[(&[(&str, &str)], Option<&str>)] = &[
        (&[("XDG_CACHE_HOME", "/x")], Some("/x/mfa-env")),
        (&[("XDG_CACHE_HOME", "relative")], Some("/h/.cache/mfa-env")),
        (&[], Some("/h/.cache/mfa-env")),
        (&[("HOME", "")], None),
    ];
    for (vars, want) in cases {
        let mut all = vec![("HOME", "/h")];
        all.extend_from_slice(vars);
        // A later HOME in the table replaces the first.
        let snap = crate::snapshot::Snapshot::from_tables(&all, &[]);
        assert_eq!(
            resolve::cache_folder(&snap),
            want.map(PathBuf::from),
            "{vars:?}"
        );
    }
}
