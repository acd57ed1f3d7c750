//! Where the code comes from, and the cache folder, as tables.

use super::{KEY, config, keys};
use crate::config::Profile;
use crate::error::FirstCode;
use crate::mfa::{Dialog, Prompter, Source};
use crate::resolve::{self, chain};
use std::path::PathBuf;

fn profile_of(text: &str, name: &str) -> Profile {
    chain::walk(&config(text), name).expect("walks")
}

/// Three profiles of keys: plain, with mfa_process (and mfa_prompt zenity),
/// with mfa_prompt kdialog.
fn profiles() -> (Profile, Profile, Profile) {
    let plain = profile_of(&keys("p", KEY), "p");
    let with_process = profile_of(
        &format!(
            "{}mfa_process = op item code\nmfa_prompt = zenity\n",
            keys("p", KEY)
        ),
        "p",
    );
    let with_prompt = profile_of(&format!("{}mfa_prompt = kdialog\n", keys("p", KEY)), "p");
    (plain, with_process, with_prompt)
}

/// A row: what it shows; --token-code, --token-command, --prompt,
/// MFA_ENV_PROMPT; the profile; what is wanted.
type Row<'a, Want> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a Profile,
    Want,
);

#[test]
fn code_source_order() {
    let (plain, with_process, with_prompt) = profiles();
    let cases: &[Row<&str>] = &[
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
        let source =
            Source::choose(*code, *command, *prompt, *env, profile).map(|s| s.0.describe());
        assert_eq!(source.ok().as_deref(), Some(*want), "{what}");
    }
    assert!(Source::choose(None, None, Some("carrier-pigeon"), None, &plain).is_err());
}

/// Where a renewal under --server takes its code: never the -t code again,
/// never stdin, never the terminal the child reads.
#[test]
fn renewal_source() {
    let (plain, with_process, with_prompt) = profiles();
    let command = |line: &str, origin: &str| Source::Command {
        line: line.into(),
        origin: origin.into(),
    };
    let prompt = |how, origin: &str| Source::Prompt {
        how,
        origin: origin.into(),
    };
    let away = |first| Source::Away { first };
    let cases: Vec<Row<Source>> = vec![
        (
            "-t CODE alone: not again, not on the terminal",
            Some("123456"),
            None,
            None,
            None,
            &plain,
            away(Some(FirstCode::Flag)),
        ),
        (
            "-t - alone: not stdin, not on the terminal",
            Some("-"),
            None,
            None,
            None,
            &plain,
            away(Some(FirstCode::Stdin)),
        ),
        (
            "-t CODE and --token-command: the command",
            Some("123456"),
            Some("pass otp"),
            Some("terminal"),
            None,
            &plain,
            command("pass otp", "--token-command"),
        ),
        (
            "-t - and mfa_process: the profile's command",
            Some("-"),
            None,
            None,
            Some("terminal"),
            &with_process,
            command("op item code", "mfa_process of profile 'p'"),
        ),
        (
            "-t CODE and --prompt ykman",
            Some("123456"),
            None,
            Some("ykman"),
            None,
            &plain,
            prompt(Prompter::Ykman, "--prompt"),
        ),
        (
            "-t CODE and mfa_prompt: that dialog",
            Some("123456"),
            None,
            None,
            None,
            &with_prompt,
            prompt(
                Prompter::Dialog(Dialog::Kdialog),
                "mfa_prompt of profile 'p'",
            ),
        ),
        (
            "--prompt terminal: not while the child reads it",
            None,
            None,
            Some("terminal"),
            None,
            &plain,
            away(None),
        ),
        (
            "MFA_ENV_PROMPT auto",
            None,
            None,
            None,
            Some("auto"),
            &plain,
            away(None),
        ),
        (
            "MFA_ENV_PROMPT zenity",
            None,
            None,
            None,
            Some("zenity"),
            &plain,
            prompt(Prompter::Dialog(Dialog::Zenity), "MFA_ENV_PROMPT"),
        ),
        ("the default", None, None, None, None, &plain, away(None)),
        (
            "--token-command as for the first session",
            None,
            Some("pass otp"),
            None,
            None,
            &with_process,
            command("pass otp", "--token-command"),
        ),
    ];
    for (what, code, command, prompt, env, profile, want) in &cases {
        let got = Source::choose(*code, *command, *prompt, *env, profile);
        let (_, got) = got.unwrap_or_else(|err| panic!("{what}: {err}"));
        assert!(got == *want, "{what}: got {}", got.describe());
    }
    assert!(Source::choose(Some("1"), None, Some("carrier-pigeon"), None, &plain).is_err());
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
