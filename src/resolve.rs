//! Resolution: pure functions of the snapshot. Which profile (and where its
//! name came from), its chain, the region, the STS endpoint, the plan (how
//! the session is made), where the code comes from, the cache folder, and
//! which cached sessions a run would use. The run, `status`, `clear`, `list`
//! and `doctor` all ask these same functions. Table-tested in resolve/tests.

pub mod chain;
mod plan;
pub mod sessions;
#[cfg(test)]
mod tests;

pub use plan::Plan;

use crate::config::Profile;
use crate::error::Error;
use crate::limits;
use crate::snapshot::Snapshot;
use crate::sts::Endpoint;
use std::path::PathBuf;

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
pub fn profile_name(snap: &Snapshot, flag: Option<&str>) -> (String, Origin) {
    let from_env = |var| {
        snap.var_os(var)
            .and_then(|v| v.to_str())
            .filter(|v| !v.is_empty())
    };
    if let Some(name) = flag {
        return (name.to_string(), Origin::Flag);
    }
    if let Some(name) = from_env("AWS_PROFILE") {
        return (name.to_string(), Origin::AwsProfile);
    }
    if let Some(name) = from_env("MFA_ENV_PROFILE") {
        return (name.to_string(), Origin::MfaEnvProfile);
    }
    ("default".to_string(), Origin::Default)
}

/// The profile named so, walked to its keys; a name not found says where it
/// came from.
pub fn profile(snap: &Snapshot, (name, origin): (&str, Origin)) -> Result<Profile, Error> {
    chain::walk(snap, name).map_err(|err| origin.label(err))
}

/// The region: the flag, then the profile's `region`, then AWS_REGION /
/// AWS_DEFAULT_REGION. The profile comes before the environment because an
/// earlier `eval` of mfa-env exported AWS_REGION: switching profiles must not keep
/// the previous profile's region.
pub fn configured_region(
    snap: &Snapshot,
    flag: Option<&str>,
    profile: &Profile,
) -> Result<Option<String>, Error> {
    let region = flag
        .map(str::to_string)
        .or_else(|| profile.region.clone())
        .or_else(|| snap.var("AWS_REGION").map(str::to_string))
        .or_else(|| snap.var("AWS_DEFAULT_REGION").map(str::to_string));
    match region {
        Some(r) if !is_host_label(&r) => Err(Error::BadRegion { region: r }),
        other => Ok(other),
    }
}

/// The region to export: configured, or the usual one of the serial's
/// partition outside `aws` (where a region is needed to work at all).
pub fn region(
    snap: &Snapshot,
    flag: Option<&str>,
    profile: &Profile,
    partition: &str,
) -> Result<Option<String>, Error> {
    Ok(configured_region(snap, flag, profile)?
        .or_else(|| limits::partition_region(partition).map(str::to_string)))
}

/// The SDK signs with and builds the endpoint from the region, and refuses one
/// that is not a DNS label: say so before asking for a code.
fn is_host_label(region: &str) -> bool {
    (1..=63).contains(&region.len())
        && !region.starts_with('-')
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Where STS requests go: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL or the
/// profile's endpoint_url (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), in
/// `region`, or without one the region of the partition's global endpoint.
pub fn endpoint(
    snap: &Snapshot,
    profile: &Profile,
    region: Option<&str>,
    partition: &str,
) -> Endpoint {
    Endpoint {
        url_override: configured_url(snap, profile, "AWS_ENDPOINT_URL_STS"),
        region: region
            .map(str::to_string)
            .unwrap_or_else(|| limits::default_region(partition).to_string()),
        use_fips: truthy(snap, "AWS_USE_FIPS_ENDPOINT"),
    }
}

/// Where `keys rotate`'s IAM requests go: AWS_ENDPOINT_URL_IAM,
/// AWS_ENDPOINT_URL or the profile's endpoint_url, as for STS; else AWS's
/// IAM, which the SDK finds from the STS endpoint's region.
pub fn iam_endpoint(snap: &Snapshot, profile: &Profile, sts: &Endpoint) -> Endpoint {
    Endpoint {
        url_override: configured_url(snap, profile, "AWS_ENDPOINT_URL_IAM"),
        ..sts.clone()
    }
}

/// The service's own variable, AWS_ENDPOINT_URL or the profile's
/// endpoint_url, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
fn configured_url(snap: &Snapshot, profile: &Profile, own: &str) -> Option<String> {
    if truthy(snap, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
        return None;
    }
    snap.var(own)
        .or_else(|| snap.var("AWS_ENDPOINT_URL"))
        .map(str::to_string)
        .or_else(|| profile.endpoint_url.clone())
}

fn truthy(snap: &Snapshot, name: &str) -> bool {
    snap.var(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// The endpoint of a run for the profile without --region: what `list`,
/// `status` and `doctor` find its cached sessions by (they are cached under
/// the STS they came from).
pub fn usual_endpoint(snap: &Snapshot, profile: &Profile, serial: &str) -> Endpoint {
    let partition = crate::arn::partition(serial);
    let region = region(snap, None, profile, partition).ok().flatten();
    endpoint(snap, profile, region.as_deref(), partition)
}

/// The cache folder: `$XDG_CACHE_HOME/mfa-env` when that is absolute (as
/// the XDG spec asks), else `$HOME/.cache/mfa-env`; None without either.
pub fn cache_folder(snap: &Snapshot) -> Option<PathBuf> {
    let xdg = snap
        .var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        snap.var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache"))
    })?;
    Some(base.join("mfa-env"))
}

/// The MFA device: the flag, else the profile's mfa_serial; checked.
pub fn serial(snap: &Snapshot, flag: Option<&str>, profile: &Profile) -> Result<String, Error> {
    crate::mfa::serial(flag, profile, snap.files())
}

/// A profile walked to its keys, with its MFA device.
pub type Resolved = Result<(Profile, String), Error>;

/// Every profile of the files, sorted, each walked to its keys and MFA
/// device (or why it cannot be): `list` and `status` label by these.
pub fn every_profile(snap: &Snapshot) -> Vec<(String, Resolved)> {
    chain::names(snap)
        .unwrap_or_default()
        .into_iter()
        .map(|name| {
            let resolved = chain::walk(snap, name)
                .and_then(|profile| Ok((serial(snap, None, &profile)?, profile)))
                .map(|(serial, profile)| (profile, serial));
            (name.to_string(), resolved)
        })
        .collect()
}
