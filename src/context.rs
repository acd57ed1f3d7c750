//! The resolved run: which profile (and where its name came from), the files,
//! the profile with its keys and roles, the MFA device, the region, the STS
//! endpoint and how the session is made. Built once; app, status and doctor
//! use it.

use crate::arn;
use crate::config::{self, Files, Profile};
use crate::error::Error;
use crate::log::Log;
use crate::mfa;
use crate::session::Made;
use crate::sts::{self, Endpoint};
use std::env;

/// Where the profile's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag,
    AwsProfile,
    MfaEnvProfile,
    Default,
}

impl Origin {
    /// As messages say it: "from AWS_PROFILE".
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Flag => "--profile",
            Origin::AwsProfile => "AWS_PROFILE",
            Origin::MfaEnvProfile => "MFA_ENV_PROFILE",
            Origin::Default => "the default: no --profile, AWS_PROFILE or MFA_ENV_PROFILE",
        }
    }
}

impl Origin {
    /// A profile-not-found error that says where the name came from, and
    /// the fix that fits.
    pub fn label(self, err: Error) -> Error {
        let Error::ProfileNotFound {
            profile,
            files,
            found,
            ..
        } = err
        else {
            return err;
        };
        let (from, fix) = match self {
            Origin::Flag => (
                " (from --profile)",
                "Pick one with --profile NAME or AWS_PROFILE, or ",
            ),
            Origin::AwsProfile => (
                " (from AWS_PROFILE)",
                "Set AWS_PROFILE to one of them or unset it, pick one with --profile NAME, or ",
            ),
            Origin::MfaEnvProfile => (
                " (from MFA_ENV_PROFILE, which an earlier eval of mfa-env set)",
                "Unset MFA_ENV_PROFILE, pick one with --profile NAME or AWS_PROFILE, or ",
            ),
            Origin::Default => (
                " (the default, as neither --profile, AWS_PROFILE nor MFA_ENV_PROFILE names one)",
                "Pick one with --profile NAME or AWS_PROFILE, or ",
            ),
        };
        Error::ProfileNotFound {
            profile,
            from,
            files,
            found,
            fix,
        }
    }
}

/// The profile to use: the flag, then AWS_PROFILE, then MFA_ENV_PROFILE (which an
/// earlier `eval` leaves behind after unsetting AWS_PROFILE), then `default`.
pub fn profile_name(flag: Option<&str>) -> (String, Origin) {
    let from_env = |var| env::var(var).ok().filter(|v| !v.is_empty());
    if let Some(name) = flag {
        return (name.to_string(), Origin::Flag);
    }
    if let Some(name) = from_env("AWS_PROFILE") {
        return (name, Origin::AwsProfile);
    }
    if let Some(name) = from_env("MFA_ENV_PROFILE") {
        return (name, Origin::MfaEnvProfile);
    }
    ("default".to_string(), Origin::Default)
}

/// What the command line asks for.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted<'a> {
    pub profile: Option<&'a str>,
    pub serial: Option<&'a str>,
    pub region: Option<&'a str>,
    /// --duration, in seconds.
    pub duration: Option<u32>,
}

impl<'a> Wanted<'a> {
    /// The profile, serial and region asked for, with no duration.
    pub fn of(profile: Option<&'a str>, serial: Option<&'a str>, region: Option<&'a str>) -> Self {
        Wanted {
            profile,
            serial,
            region,
            duration: None,
        }
    }
}

/// How the session of the selected profile is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// GetSessionToken for this many seconds.
    User(u32),
    /// AssumeRole for this many seconds: signed with the (cached) MFA session
    /// (no second prompt, at most 1 hour, as AWS caps chained role sessions),
    /// or when `direct`, with the long-term keys and the MFA code itself (for
    /// more than 1 hour, up to 12).
    Role { duration: u32, direct: bool },
}

impl Plan {
    /// How the session of this plan is made.
    pub fn made(self) -> Made {
        match self {
            Plan::User(_) => Made::SessionToken,
            Plan::Role { direct: false, .. } => Made::ChainedRole,
            Plan::Role { direct: true, .. } => Made::DirectRole,
        }
    }

    /// How the profile's session is made when no --duration is given.
    pub fn usual(profile: &Profile) -> Made {
        Plan::choose(profile, None).map_or(Made::ChainedRole, Plan::made)
    }

    pub fn choose(profile: &Profile, flag: Option<u32>) -> Result<Plan, Error> {
        if profile.roles.is_empty() {
            return Ok(Plan::User(flag.unwrap_or(sts::DEFAULT_DURATION)));
        }
        let asked = flag.or(profile.duration_seconds);
        let too_long = |why| Error::RoleDuration {
            asked: crate::duration::left(i64::from(asked.unwrap_or(0))),
            why,
        };
        match asked {
            None => Ok(Plan::Role {
                duration: sts::CHAINED_MAX,
                direct: false,
            }),
            Some(d) if d < sts::MIN_DURATION => Err(Error::RoleDuration {
                asked: format!("{d}s"),
                why: "a role session lasts at least 15 minutes",
            }),
            Some(d) if d <= sts::CHAINED_MAX => Ok(Plan::Role {
                duration: d,
                direct: false,
            }),
            Some(d) if d > sts::ROLE_MAX => Err(too_long("AssumeRole gives at most 12 hours")),
            Some(_) if profile.roles.len() > 1 => Err(too_long(
                "this profile chains several roles, and AWS caps a chained role session at 1 hour",
            )),
            Some(d) => Ok(Plan::Role {
                duration: d,
                direct: true,
            }),
        }
    }
}

/// Everything a run resolved before it looks at the cache.
#[derive(Debug, Clone)]
pub struct Context {
    pub name: String,
    pub origin: Origin,
    pub files: Files,
    pub profile: Profile,
    pub serial: String,
    /// The region to export: configured, or the usual one of the serial's
    /// partition outside `aws` (where a region is needed to work at all).
    pub region: Option<String>,
    pub endpoint: Endpoint,
    pub plan: Plan,
}

impl Context {
    pub fn resolve(wanted: &Wanted<'_>, log: Log) -> Result<Context, Error> {
        let (name, origin) = profile_name(wanted.profile);
        let files = Files::locate();
        log.verbose(&format!(
            "profile '{name}' from {} and {} (the name from {})",
            files.config.display(),
            files.credentials.display(),
            origin.describe()
        ));
        let profile = config::load(&files, &name).map_err(|err| origin.label(err))?;
        let serial = mfa::serial(wanted.serial, &profile, &files)?;
        let region = config::region(wanted.region, &profile)?
            .or_else(|| sts::partition_region(arn::partition(&serial)).map(str::to_string));
        let plan = Plan::choose(&profile, wanted.duration)?;
        Ok(Context::assemble(
            (name, origin),
            files,
            profile,
            serial,
            region,
            plan,
        ))
    }

    /// The context of parts resolved one by one (doctor reports each step);
    /// the endpoint follows from them.
    pub fn assemble(
        (name, origin): (String, Origin),
        files: Files,
        profile: Profile,
        serial: String,
        region: Option<String>,
        plan: Plan,
    ) -> Context {
        let endpoint = Endpoint::resolve(&profile, region.as_deref(), arn::partition(&serial));
        Context {
            name,
            origin,
            files,
            profile,
            serial,
            region,
            endpoint,
            plan,
        }
    }
}
