//! How the session of the selected profile is made, and for how long.

use crate::config::Profile;
use crate::duration::left;
use crate::error::Error;
use crate::limits::{CHAINED_MAX, DEFAULT_DURATION, MAX_DURATION, MIN_DURATION, ROLE_MAX};
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

    /// The length of a new session of this plan, in seconds.
    fn length(self) -> u32 {
        match self {
            Plan::User(duration) | Plan::Role { duration, .. } => duration,
        }
    }

    /// The --min-ttl a run uses: `asked`, and under `--server` at least
    /// `served` (what the SDKs need left) but never more than half a new
    /// session's length, so a short session is renewed once per half of its
    /// life, not on every request. A min-ttl that no new session of this
    /// plan could meet is refused (None): no session would ever be reused.
    pub fn min_ttl(self, asked: i64, serving: Option<i64>) -> Option<i64> {
        let length = i64::from(self.length());
        if asked >= length {
            return None;
        }
        Some(match serving {
            Some(served) => asked.max(served.min(length / 2)),
            None => asked,
        })
    }

    /// The usage error for a --min-ttl (`asked`) that `min_ttl` refused:
    /// what caps a new session of `profile` (with --duration `flag`) and how
    /// to ask for less, or for a longer session.
    pub fn unmet(self, asked: i64, profile: &Profile, flag: Option<u32>) -> Error {
        let length = left(i64::from(self.length()));
        let several = profile.roles.len() > 1;
        let (cap, fix) = match (self, flag.or(profile.duration_seconds)) {
            (Plan::Role { direct: false, .. }, None) => (
                format!(
                    "is a role session assumed with the MFA session, which AWS caps at {length} (role chaining)"
                ),
                if several {
                    String::from(
                        ": this profile chains several roles, so no session of it lasts longer",
                    )
                } else {
                    String::from(
                        ", or -d over 1h (up to 12h, within the role's maximum session duration) to assume the role directly with the long-term keys and a code",
                    )
                },
            ),
            (plan, asked) => {
                let from = match (flag, asked) {
                    (Some(_), _) => format!("-d {length}"),
                    (None, Some(seconds)) => format!("duration_seconds = {seconds}"),
                    (None, None) => String::from("the default"),
                };
                let (max, why) = match plan {
                    Plan::User(_) => (MAX_DURATION, "GetSessionToken gives at most 36 hours"),
                    Plan::Role { .. } if several => (
                        CHAINED_MAX,
                        "AWS caps a chained role session at 1 hour, and this profile chains several roles",
                    ),
                    Plan::Role { .. } => (ROLE_MAX, "AssumeRole gives at most 12 hours"),
                };
                let fix = if self.length() < max {
                    format!(
                        ", or a longer session with -d (up to {})",
                        left(i64::from(max))
                    )
                } else {
                    format!(": {why}")
                };
                (format!("lasts {length} ({from})"), fix)
            }
        };
        Error::MinTtl {
            min_ttl: left(asked),
            profile: profile.name.clone(),
            cap,
            fix: format!("Give a --min-ttl under {length}{fix}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Plan;

    #[test]
    fn min_ttl() {
        let user = |d| Plan::User(d);
        let chained = Plan::Role {
            duration: 3600,
            direct: false,
        };
        let m: i64 = 60;
        let served = Some(15 * m);
        for (plan, asked, serving, expected) in [
            (user(12 * 3600), 5 * m, None, Some(5 * m)),
            (user(12 * 3600), 5 * m, served, Some(15 * m)),
            (user(12 * 3600), 2 * 3600, served, Some(2 * 3600)),
            // A 15-minute session: renewed when half of it is left, not on
            // every request.
            (user(900), 5 * m, served, Some(450)),
            (user(900), 10 * m, served, Some(10 * m)),
            (user(900), 15 * m, None, None),
            (user(900), 20 * m, served, None),
            (chained, 5 * m, served, Some(15 * m)),
            (chained, 2 * 3600, served, None),
            (chained, 3600, None, None),
            (chained, 59 * m, None, Some(59 * m)),
        ] {
            assert_eq!(
                plan.min_ttl(asked, serving),
                expected,
                "{plan:?} {asked} {serving:?}"
            );
        }
    }
}
