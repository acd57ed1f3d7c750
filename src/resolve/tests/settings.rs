//! Profile names, files, plans, regions, endpoints, code sources and the
//! cache folder, each as a table.

use super::{KEY, SERIAL, config, keys, snap};
use crate::error::Error;
use crate::resolve::{self, Origin, Plan, chain};
use std::path::PathBuf;

#[test]
fn profile_name_flag_then_aws_profile_then_mfa_env_profile_then_default() {
    let cases: &[(&[(&str, &str)], Option<&str>, (&str, Origin))] = &[
        (&[], Some("f"), ("f", Origin::Flag)),
        (&[("AWS_PROFILE", "a")], Some("f"), ("f", Origin::Flag)),
        (
            &[("AWS_PROFILE", "a"), ("MFA_ENV_PROFILE", "m")],
            None,
            ("a", Origin::AwsProfile),
        ),
        (
            &[("MFA_ENV_PROFILE", "m")],
            None,
            ("m", Origin::MfaEnvProfile),
        ),
        (
            &[("AWS_PROFILE", ""), ("MFA_ENV_PROFILE", "m")],
            None,
            ("m", Origin::MfaEnvProfile),
        ),
        (
            &[("AWS_DEFAULT_PROFILE", "d")],
            None,
            ("default", Origin::Default),
        ),
        (&[], None, ("default", Origin::Default)),
    ];
    for (vars, flag, (name, origin)) in cases {
        let got = resolve::profile_name(&snap(vars, None, None), *flag);
        assert_eq!(got, (name.to_string(), *origin), "{vars:?} {flag:?}");
    }
}

#[test]
fn files_from_the_variables_or_home() {
    let cases: &[(&[(&str, &str)], (&str, &str))] = &[
        (&[], ("/h/.aws/config", "/h/.aws/credentials")),
        (
            &[
                ("AWS_CONFIG_FILE", "/c"),
                ("AWS_SHARED_CREDENTIALS_FILE", "/k"),
            ],
            ("/c", "/k"),
        ),
        (
            &[("AWS_CONFIG_FILE", "~/c")],
            ("/h/c", "/h/.aws/credentials"),
        ),
        (
            &[("AWS_CONFIG_FILE", "")],
            ("/h/.aws/config", "/h/.aws/credentials"),
        ),
        // The child of --server: the SDKs get /dev/null, mfa-env the real one.
        (
            &[
                ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
                ("MFA_ENV_SHARED_CREDENTIALS_FILE", "/real"),
            ],
            ("/h/.aws/config", "/real"),
        ),
        (
            &[("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")],
            ("/h/.aws/config", "/dev/null"),
        ),
    ];
    for (vars, (config, credentials)) in cases {
        let files = snap(vars, None, None).files().clone();
        assert_eq!(
            (files.config, files.credentials),
            (PathBuf::from(config), PathBuf::from(credentials)),
            "{vars:?}"
        );
    }
}

fn profile_of(text: &str, name: &str) -> crate::config::Profile {
    chain::walk(&config(text), name).expect("walks")
}

#[test]
fn plans_and_durations() {
    let user = profile_of(&keys("u", KEY), "u");
    let role = format!(
        "{}[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = u\n",
        keys("u", KEY)
    );
    let role6h = format!("{role}duration_seconds = 21600\n");
    let two = format!(
        "{role}[profile rr]\nrole_arn = arn:aws:iam::123456789012:role/rr\nsource_profile = r\n"
    );
    let r = profile_of(&role, "r");
    let chained = |duration| {
        Ok(Plan::Role {
            duration,
            direct: false,
        })
    };
    let direct = |duration| {
        Ok(Plan::Role {
            duration,
            direct: true,
        })
    };
    let cases: Vec<(
        &str,
        &crate::config::Profile,
        Option<u32>,
        Result<Plan, &str>,
    )> = vec![
        ("user, no -d: 12h", &user, None, Ok(Plan::User(43_200))),
        ("user, -d 1h", &user, Some(3600), Ok(Plan::User(3600))),
        (
            "user, -d 36h",
            &user,
            Some(129_600),
            Ok(Plan::User(129_600)),
        ),
        ("role, no -d: chained 1h", &r, None, chained(3600)),
        ("role, -d 45m: chained", &r, Some(2700), chained(2700)),
        ("role, -d 1h: chained", &r, Some(3600), chained(3600)),
        ("role, -d 4h: direct", &r, Some(14_400), direct(14_400)),
        ("role, -d 12h: direct", &r, Some(43_200), direct(43_200)),
        (
            "role, -d 13h: too long",
            &r,
            Some(46_800),
            Err("RoleDuration"),
        ),
        (
            "role, -d 10m: too short",
            &r,
            Some(600),
            Err("RoleDuration"),
        ),
    ];
    for (what, profile, flag, want) in cases {
        let got = Plan::choose(profile, flag).map_err(|e| {
            if matches!(e, Error::RoleDuration { .. }) {
                "RoleDuration"
            } else {
                "other"
            }
        });
        assert_eq!(got, want, "{what}");
    }
    let r6 = profile_of(&role6h, "r");
    assert_eq!(
        Plan::choose(&r6, None).ok(),
        direct(21_600).ok(),
        "duration_seconds 6h: direct"
    );
    assert_eq!(
        Plan::choose(&r6, Some(1800)).ok(),
        chained(1800).ok(),
        "-d beats duration_seconds"
    );
    let rr = profile_of(&two, "rr");
    assert!(
        Plan::choose(&rr, Some(7200)).is_err(),
        "two roles chained: at most 1h"
    );
    assert_eq!(Plan::choose(&rr, None).ok(), chained(3600).ok());
    assert_eq!(
        Plan::usual(&r6),
        Plan::Role {
            duration: 21_600,
            direct: true
        }
    );
}

#[test]
fn regions_and_partitions() {
    let plain = format!("{}mfa_serial = {SERIAL}\n", keys("p", KEY));
    let with_region = format!("{plain}region = eu-west-1\n");
    let cases: &[(
        &str,
        &[(&str, &str)],
        Option<&str>,
        &str,
        &str,
        Result<Option<&str>, ()>,
    )] = &[
        (
            "the flag first",
            &[("AWS_REGION", "us-west-1")],
            Some("ap-south-1"),
            &with_region,
            "aws",
            Ok(Some("ap-south-1")),
        ),
        (
            "the profile before the environment",
            &[("AWS_REGION", "us-west-1")],
            None,
            &with_region,
            "aws",
            Ok(Some("eu-west-1")),
        ),
        (
            "AWS_REGION",
            &[
                ("AWS_REGION", "us-west-1"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
            ],
            None,
            &plain,
            "aws",
            Ok(Some("us-west-1")),
        ),
        (
            "AWS_DEFAULT_REGION",
            &[("AWS_DEFAULT_REGION", "us-west-2")],
            None,
            &plain,
            "aws",
            Ok(Some("us-west-2")),
        ),
        (
            "none in aws: none exported",
            &[],
            None,
            &plain,
            "aws",
            Ok(None),
        ),
        (
            "aws-cn's usual region",
            &[],
            None,
            &plain,
            "aws-cn",
            Ok(Some("cn-north-1")),
        ),
        (
            "aws-us-gov's usual region",
            &[],
            None,
            &plain,
            "aws-us-gov",
            Ok(Some("us-gov-west-1")),
        ),
        (
            "a configured region wins in aws-cn",
            &[],
            None,
            &with_region,
            "aws-cn",
            Ok(Some("eu-west-1")),
        ),
        ("not a region", &[], Some("eu west"), &plain, "aws", Err(())),
        (
            "blank variables are unset",
            &[("AWS_REGION", "  ")],
            None,
            &plain,
            "aws",
            Ok(None),
        ),
    ];
    for (what, vars, flag, text, partition, want) in cases {
        let snap = snap(vars, Some(text), None);
        let profile = chain::walk(&snap, "p").expect("walks");
        let got = resolve::region(&snap, *flag, &profile, partition).map_err(|_| ());
        assert_eq!(got, want.map(|r| r.map(str::to_string)), "{what}");
    }
}

#[test]
fn endpoints() {
    let plain = keys("p", KEY);
    let with_url = format!("{plain}endpoint_url = http://127.0.0.1:9\n");
    let url = |s: &str| Some(s.to_string());
    let cases: &[(
        &str,
        &[(&str, &str)],
        &str,
        Option<&str>,
        &str,
        (Option<String>, &str, bool),
    )] = &[
        (
            "the region's endpoint",
            &[],
            &plain,
            Some("eu-west-1"),
            "aws",
            (None, "eu-west-1", false),
        ),
        (
            "no region: the partition's",
            &[],
            &plain,
            None,
            "aws-cn",
            (None, "cn-north-1", false),
        ),
        (
            "AWS_ENDPOINT_URL_STS first",
            &[
                ("AWS_ENDPOINT_URL_STS", "http://a"),
                ("AWS_ENDPOINT_URL", "http://b"),
            ],
            &with_url,
            None,
            "aws",
            (url("http://a"), "us-east-1", false),
        ),
        (
            "then AWS_ENDPOINT_URL",
            &[("AWS_ENDPOINT_URL", "http://b")],
            &with_url,
            None,
            "aws",
            (url("http://b"), "us-east-1", false),
        ),
        (
            "then the profile's endpoint_url",
            &[],
            &with_url,
            None,
            "aws",
            (url("http://127.0.0.1:9"), "us-east-1", false),
        ),
        (
            "none when told to ignore them",
            &[
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
                ("AWS_ENDPOINT_URL_STS", "http://a"),
            ],
            &with_url,
            None,
            "aws",
            (None, "us-east-1", false),
        ),
        (
            "FIPS",
            &[("AWS_USE_FIPS_ENDPOINT", "TRUE")],
            &plain,
            Some("us-east-2"),
            "aws",
            (None, "us-east-2", true),
        ),
    ];
    for (what, vars, text, region, partition, (url, signing, fips)) in cases {
        let snap = snap(vars, Some(text), None);
        let profile = chain::walk(&snap, "p").expect("walks");
        let got = resolve::endpoint(&snap, &profile, *region, partition);
        assert_eq!(
            (&got.url_override, got.region.as_str(), got.use_fips),
            (url, *signing, *fips),
            "{what}"
        );
    }
    let cn = resolve::endpoint(
        &snap(&[], Some(&plain), None),
        &profile_of(&plain, "p"),
        None,
        "aws-cn",
    );
    assert_eq!(cn.url(), "https://sts.cn-north-1.amazonaws.com.cn");
}
