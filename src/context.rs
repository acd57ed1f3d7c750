//! The resolved run: which profile (and where its name came from), the files,
//! the profile with its keys and roles, the MFA device, the region, the STS
//! endpoint and how the session is made. Built once; app, status and doctor
//! use it.

use crate::arn;
use crate::config::{Files, Profile};
use crate::error::Error;
use crate::log::Log;
use crate::mfa;
use crate::resolve;
pub use crate::resolve::Plan;
use crate::snapshot::Snapshot;
use crate::sts::{self, Endpoint};
use std::path::PathBuf;

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

/// Everything a run resolved before it looks at the cache.
#[derive(Debug, Clone)]
pub struct Context {
    pub name: String,
    pub files: Files,
    pub profile: Profile,
    pub serial: String,
    /// The region to export: configured, or the usual one of the serial's
    /// partition outside `aws` (where a region is needed to work at all).
    pub region: Option<String>,
    pub endpoint: Endpoint,
    pub plan: Plan,
    /// The session cache's folder (None: no HOME or XDG_CACHE_HOME).
    pub cache: Option<PathBuf>,
}

impl Context {
    /// The account of the session this context makes, when its ARNs name one.
    pub fn account(&self) -> Option<&str> {
        let role = self.profile.roles.last().map(|role| role.arn.as_str());
        arn::session_account(role, &self.serial)
    }

    /// The --min-ttl of a run: `asked` (else the default), raised for the
    /// endpoint (`serving`: what it keeps left) as `Plan::min_ttl` says. One
    /// that no new session could meet (with --duration `flag`) is a usage
    /// error naming the cap, found before any request.
    pub fn min_ttl(
        &self,
        asked: Option<i64>,
        serving: Option<i64>,
        flag: Option<u32>,
    ) -> Result<i64, Error> {
        let asked = asked.unwrap_or(crate::duration::DEFAULT_MIN_TTL);
        (self.plan.min_ttl(asked, serving))
            .ok_or_else(|| self.plan.unmet(asked, &self.profile, flag))
    }

    /// What an STS request needs of it.
    pub fn caller(&self) -> sts::Caller<'_> {
        sts::Caller {
            profile: &self.profile,
            serial: &self.serial,
            endpoint: &self.endpoint,
        }
    }

    pub fn resolve(snap: &Snapshot, wanted: &Wanted<'_>, log: Log) -> Result<Context, Error> {
        let (name, origin) = resolve::profile_name(snap, wanted.profile);
        let files = snap.files().clone();
        log.verbose(&format!(
            "profile '{name}' from {} and {} (the name from {})",
            files.config.display(),
            files.credentials.display(),
            origin.describe()
        ));
        let profile = resolve::profile(snap, (&name, origin))?;
        log.verbose(&format!(
            "keys: {} ({}, profile '{}')",
            profile.keys.place.describe(),
            crate::session::mask(&profile.keys.access_key_id),
            profile.keys.profile
        ));
        let serial = mfa::serial(wanted.serial, &profile, &files)?;
        let region = resolve::region(snap, wanted.region, &profile, arn::partition(&serial))?;
        let plan = Plan::choose(&profile, wanted.duration)?;
        Ok(Context::assemble(snap, name, profile, serial, region, plan))
    }

    /// The context of parts resolved one by one (doctor reports each step);
    /// the endpoint follows from them.
    pub fn assemble(
        snap: &Snapshot,
        name: String,
        profile: Profile,
        serial: String,
        region: Option<String>,
        plan: Plan,
    ) -> Context {
        let endpoint =
            resolve::endpoint(snap, &profile, region.as_deref(), arn::partition(&serial));
        Context {
            name,
            files: snap.files().clone(),
            profile,
            serial,
            region,
            endpoint,
            plan,
            cache: resolve::cache_folder(snap),
        }
    }
}
