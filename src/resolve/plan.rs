//! How the session of the selected profile is made, and for how long.

use crate::config::Profile;
use crate::error::Error;
use crate::limits::{CHAINED_MAX, DEFAULT_DURATION, MIN_DURATION, ROLE_MAX};
use crate::session::Made;

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

    /// The plan when no --duration is given.
    pub fn usual(profile: &Profile) -> Plan {
        Plan::choose(profile, None).unwrap_or(Plan::Role {
            duration: CHAINED_MAX,
            direct: false,
        })
    }

    /// The plan of `profile` for --duration `flag` (else its
    /// duration_seconds): refused when AWS would refuse it.
    pub fn choose(profile: &Profile, flag: Option<u32>) -> Result<Plan, Error> {
        if profile.roles.is_empty() {
            return Ok(Plan::User(flag.unwrap_or(DEFAULT_DURATION)));
        }
        let asked = flag.or(profile.duration_seconds);
        let too_long = |why| Error::RoleDuration {
            asked: crate::duration::left(i64::from(asked.unwrap_or(0))),
            why,
            flag: flag.is_some(),
        };
        match asked {
            None => Ok(Plan::Role {
                duration: CHAINED_MAX,
                direct: false,
            }),
            Some(d) if d < MIN_DURATION => Err(Error::RoleDuration {
                asked: format!("{d}s"),
                why: "a role session lasts at least 15 minutes",
                flag: flag.is_some(),
            }),
            Some(d) if d <= CHAINED_MAX => Ok(Plan::Role {
                duration: d,
                direct: false,
            }),
            Some(d) if d > ROLE_MAX => Err(too_long("AssumeRole gives at most 12 hours")),
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
