//! The chain walk, as the AWS SDKs walk it (the cases of their shared
//! assume-role suite, in our own words), and mfa-env's own refusals.

use super::{config, keys, snap};
use crate::error::Error;
use crate::resolve::{self, Origin, chain};

const A: &str = "arn:aws:iam::123456789012:role/RoleA";
const B: &str = "arn:aws:iam::123456789012:role/RoleB";

/// What a walk gives: the profile whose keys sign, their id, and the roles
/// assumed from the keys outward; or the error's variant.
fn walk(text: &str, name: &str) -> Result<(String, String, Vec<String>), String> {
    match chain::walk(&config(text), name) {
        Ok(p) => Ok((
            p.keys.profile,
            p.keys.access_key_id,
            p.roles.into_iter().map(|r| r.arn).collect(),
        )),
        Err(err) => Err(format!("{err:?}")
            .split([' ', '(', '{'])
            .next()
            .unwrap_or("")
            .to_string()),
    }
}

fn ok(keys_of: &str, id: &str, roles: &[&str]) -> Result<(String, String, Vec<String>), String> {
    Ok((
        keys_of.into(),
        id.into(),
        roles.iter().map(|r| r.to_string()).collect(),
    ))
}

fn err(variant: &str) -> Result<(String, String, Vec<String>), String> {
    Err(variant.into())
}

#[test]
fn walks_as_the_sdks_walk() {
    let b = keys("B", "AKIAB");
    let cases: Vec<(&str, String, Result<(String, String, Vec<String>), String>)> = vec![
        (
            "a role of static keys",
            format!("[profile A]\nrole_arn = {A}\nsource_profile = B\n{b}"),
            ok("B", "AKIAB", &[A]),
        ),
        (
            "the selected profile's own keys are ignored when it names a source",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\naws_access_key_id = AKIAA\naws_secret_access_key = s\n{b}"
            ),
            ok("B", "AKIAB", &[A]),
        ),
        (
            "source_profile naming itself: its keys assume its role",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = A\naws_access_key_id = AKIAA\naws_secret_access_key = s\n"
            ),
            ok("A", "AKIAA", &[A]),
        ),
        (
            "credential_source alone is not for mfa-env",
            format!("[profile A]\nrole_arn = {A}\ncredential_source = Ec2InstanceMetadata\n"),
            err("NoSourceProfile"),
        ),
        (
            "role_arn without source_profile",
            format!("[profile A]\nrole_arn = {A}\n"),
            err("NoSourceProfile"),
        ),
        (
            "source_profile and credential_source together are refused",
            format!(
                "[profile A]\nrole_arn = {A}\ncredential_source = Environment\nsource_profile = B\n{b}"
            ),
            err("SourceAndCredentialSource"),
        ),
        (
            "a source with a key id but no secret",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\n[profile B]\naws_access_key_id = AKIAB\n"
            ),
            err("MissingKeys"),
        ),
        (
            "a source with a secret but no key id",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\n[profile B]\naws_secret_access_key = s\n"
            ),
            err("MissingKeys"),
        ),
        (
            "an empty source profile",
            format!("[profile A]\nrole_arn = {A}\nsource_profile = B\n[profile B]\n"),
            err("MissingKeys"),
        ),
        (
            "a source profile that does not exist",
            format!("[profile A]\nrole_arn = {A}\nsource_profile = B\n"),
            err("SourceNotFound"),
        ),
        ("no profiles at all", String::new(), err("ProfileNotFound")),
        (
            "two roles chained",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\n[profile B]\nrole_arn = {B}\nsource_profile = C\n{}",
                keys("C", "AKIAC")
            ),
            ok("C", "AKIAC", &[B, A]),
        ),
        (
            "a profile in the middle with keys and role_arn signs with its keys",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\naws_access_key_id = AKIAX\naws_secret_access_key = s\n[profile B]\nrole_arn = {B}\nsource_profile = C\naws_access_key_id = AKIAB\naws_secret_access_key = s\n{}",
                keys("C", "AKIAC")
            ),
            ok("B", "AKIAB", &[A]),
        ),
        (
            "a loop",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\n[profile B]\nrole_arn = {B}\nsource_profile = A\n"
            ),
            err("SourceCycle"),
        ),
        (
            "a loop through a selected profile with keys",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\naws_access_key_id = AKIAA\naws_secret_access_key = s\n[profile B]\nrole_arn = {B}\nsource_profile = A\n"
            ),
            err("SourceCycle"),
        ),
        (
            "web identity is not for mfa-env",
            format!("[profile A]\nrole_arn = {A}\nweb_identity_token_file = /var/token.jwt\n"),
            err("NoSourceProfile"),
        ),
        (
            "web identity without role_arn",
            "[profile A]\nweb_identity_token_file = /var/token.jwt\n".to_string(),
            err("MissingKeys"),
        ),
        (
            "a role of a web identity source",
            format!(
                "[profile A]\nrole_arn = {A}\nsource_profile = B\n[profile B]\nrole_arn = {B}\nweb_identity_token_file = /t\n"
            ),
            err("NoSourceProfile"),
        ),
    ];
    for (what, text, want) in cases {
        assert_eq!(walk(&text, "A"), want, "{what}");
    }
}

#[test]
fn session_name_and_external_id_go_with_the_role() {
    let b = keys("B", "AKIAB");
    let text = format!(
        "[profile A]\nrole_arn = {A}\nsource_profile = B\nrole_session_name = my_session_name\nexternal_id = my_external_id\n{b}"
    );
    let p = chain::walk(&config(&text), "A").expect("walks");
    assert_eq!(p.roles[0].session_name, "my_session_name");
    assert_eq!(p.roles[0].external_id.as_deref(), Some("my_external_id"));
    let plain = format!("[profile A]\nrole_arn = {A}\nsource_profile = B\n{b}");
    let p = chain::walk(&config(&plain), "A").expect("walks");
    assert_eq!(
        (
            p.roles[0].session_name.as_str(),
            p.roles[0].external_id.as_deref()
        ),
        ("mfa-env-A", None)
    );
}

#[test]
fn mfa_envs_own_readings() {
    let base = keys("base", "AKIABASE");
    let cases: Vec<(
        &str,
        String,
        &str,
        Result<(String, String, Vec<String>), String>,
    )> = vec![
        (
            "source_profile without role_arn shares the source's keys",
            format!("{base}[profile dev]\nsource_profile = base\nmfa_serial = x\n"),
            "dev",
            ok("base", "AKIABASE", &[]),
        ),
        (
            "source_profile without role_arn, with keys of its own",
            format!("{base}{}source_profile = base\n", keys("dev", "AKIADEV")),
            "dev",
            ok("dev", "AKIADEV", &[]),
        ),
        (
            "temporary keys (ASIA)",
            keys("t", "ASIATEMP"),
            "t",
            err("TemporaryKeys"),
        ),
        (
            "temporary keys (a session token)",
            format!("{}aws_session_token = tok\n", keys("t", "AKIAT")),
            "t",
            err("TemporaryKeys"),
        ),
        (
            "credential_process = mfa-env is served by mfa-env",
            "[profile cp]\ncredential_process = mfa-env credential-process --profile base\n".into(),
            "cp",
            err("SelfReference"),
        ),
        (
            "an IAM Identity Center profile (sso_session)",
            "[profile s]\nsso_session = corp\nsso_account_id = 1\n".into(),
            "s",
            err("SignInProfile"),
        ),
        (
            "an IAM Identity Center profile (sso_start_url)",
            "[profile s]\nsso_start_url = https://x.awsapps.com/start\n".into(),
            "s",
            err("SignInProfile"),
        ),
        (
            "an aws login profile",
            "[profile l]\nlogin_session = arn:aws:iam::123456789012:user/alice\n".into(),
            "l",
            err("SignInProfile"),
        ),
        (
            "a role ARN that is a user ARN",
            format!(
                "{base}[profile r]\nrole_arn = arn:aws:iam::123456789012:user/x\nsource_profile = base\n"
            ),
            "r",
            err("BadRoleArn"),
        ),
        (
            "an empty external_id",
            format!("{base}[profile r]\nrole_arn = {A}\nsource_profile = base\nexternal_id =\n"),
            "r",
            err("EmptyExternalId"),
        ),
        (
            "duration_seconds not a number",
            format!(
                "{base}[profile r]\nrole_arn = {A}\nsource_profile = base\nduration_seconds = long\n"
            ),
            "r",
            err("BadDurationSeconds"),
        ),
        (
            "a section without the profile prefix in the config file is not a profile",
            "[base]\naws_access_key_id = AKIAX\naws_secret_access_key = s\n".to_string(),
            "base",
            err("ProfileNotFound"),
        ),
    ];
    for (what, text, name, want) in cases {
        assert_eq!(walk(&text, name), want, "{what}");
    }
}

#[test]
fn keys_come_from_the_credentials_file_over_the_config() {
    let snap = snap(
        &[],
        Some(
            "[profile w]\nmfa_serial = m\naws_access_key_id = AKIACONF\naws_secret_access_key = s\n",
        ),
        Some("[w]\naws_access_key_id = AKIACRED\naws_secret_access_key = s\n"),
    );
    let profile = chain::walk(&snap, "w").expect("walks");
    assert_eq!(profile.keys.access_key_id, "AKIACRED");
    assert_eq!(
        profile.keys.file,
        std::path::PathBuf::from("/h/.aws/credentials")
    );
    let only_config = config(&keys("w", "AKIACONF"));
    let profile = chain::walk(&only_config, "w").expect("walks");
    assert_eq!(
        profile.keys.file,
        std::path::PathBuf::from("/h/.aws/config")
    );
}

#[test]
fn settings_are_the_first_from_the_selected_profile_toward_the_keys() {
    let text = format!(
        "{}mfa_serial = base-serial\nmfa_process = base-cmd\n[profile r]\nrole_arn = {A}\nsource_profile = base\nmfa_serial = r-serial\nregion = eu-west-1\n",
        keys("base", "AKIAB")
    );
    let p = chain::walk(&config(&text), "r").expect("walks");
    assert_eq!(p.mfa_serial.as_deref(), Some("r-serial"));
    assert_eq!(p.mfa_process.as_deref(), Some("base-cmd"));
    assert_eq!(p.region.as_deref(), Some("eu-west-1"));
    assert_eq!(p.roles[0].session_name, "mfa-env-r");
}

#[test]
fn a_missing_profile_says_where_its_name_came_from() {
    let snap = config(&keys("base", "AKIAB"));
    let err = resolve::profile(&snap, ("x", Origin::AwsProfile)).expect_err("missing");
    assert!(
        matches!(err, Error::ProfileNotFound { from: " (from AWS_PROFILE)", ref found, .. } if found == "base")
    );
}

#[test]
fn a_file_that_is_not_text_is_an_error_not_an_empty_list() {
    let snap = crate::snapshot::Snapshot::from_tables(
        &[("HOME", "/h")],
        &[("/h/.aws/config", b"[default]\nregion = \xff\xfe\n")],
    );
    assert!(matches!(
        chain::names(&snap),
        Err(Error::ConfigNotText { .. })
    ));
    assert!(matches!(
        chain::walk(&snap, "default"),
        Err(Error::ConfigNotText { .. })
    ));
    let none = snap_of_nothing();
    assert!(matches!(
        chain::walk(&none, "default"),
        Err(Error::NoConfigFiles { .. })
    ));
}

fn snap_of_nothing() -> crate::snapshot::Snapshot {
    snap(&[], None, None)
}

#[test]
fn a_broken_line_anywhere_is_reported_with_the_files_name() {
    let text = format!("{}[profile b\nregion = x\n", keys("a", "AKIAA"));
    let err = chain::walk(&config(&text), "a").expect_err("broken");
    let Error::ConfigUnreadable { why } = err else {
        panic!("{err:?}")
    };
    assert!(why.contains("/h/.aws/config on line 4"), "{why}");
}
