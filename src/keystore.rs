//! The OS keystore (the Secret Service over D-Bus on Linux: GNOME Keyring,
//! KeePassXC; the macOS Keychain; the Windows Credential Manager), where
//! `mfa-env keys add` keeps a profile's long-term keys instead of the
//! plaintext credentials file. One item per profile (service `mfa-env`,
//! username the profile) holds the key id and the secret. Only a cache miss
//! reads it: the key id the cache needs comes from the index (`index`), a
//! file of mfa-env's own that holds no secret.

pub mod index;

use crate::error::Error;
use crate::session::Secret;
use serde::{Deserialize, Serialize};

/// The service name of every item mfa-env stores.
pub const SERVICE: &str = "mfa-env";

/// A long-term key pair as the keystore item holds it.
#[derive(Serialize, Deserialize)]
pub struct Stored {
    pub aws_access_key_id: String,
    pub aws_secret_access_key: Secret,
}

/// Stores (or replaces) the keys of `profile`.
pub fn save(profile: &str, keys: &Stored) -> Result<(), Error> {
    let text = serde_json::to_string(keys).map_err(|err| Error::Request {
        why: format!("could not encode the keys: {err}"),
    })?;
    let text = Secret::new(text);
    entry(profile)?
        .set_password(text.expose())
        .map_err(|err| failed(profile, "store the keys of", err))
}

/// The keys of `profile`; an error when there are none or the keystore
/// cannot be reached.
pub fn load(profile: &str) -> Result<Stored, Error> {
    let text = entry(profile)?
        .get_password()
        .map(Secret::new)
        .map_err(|err| failed(profile, "read the keys of", err))?;
    serde_json::from_str(text.expose()).map_err(|_| Error::Keystore {
        what: format!("the keystore item of profile '{profile}' (service {SERVICE})"),
        why: "it does not hold keys as mfa-env stores them".into(),
        fix: format!("store them again with `mfa-env keys add {profile}`"),
    })
}

/// Deletes the keys of `profile`; false when the keystore held none.
pub fn delete(profile: &str) -> Result<bool, Error> {
    match entry(profile)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(err) => Err(failed(profile, "delete the keys of", err)),
    }
}

fn entry(profile: &str) -> Result<keyring::Entry, Error> {
    keyring::Entry::new(SERVICE, profile).map_err(|err| failed(profile, "find the item of", err))
}

/// The keystore's failure as one message: what, why, and what to do.
fn failed(profile: &str, doing: &str, err: keyring::Error) -> Error {
    let what = format!("could not {doing} profile '{profile}' in the OS keystore");
    let (why, fix) = match err {
        keyring::Error::NoEntry => (
            format!("it holds no keys for this profile (service {SERVICE})"),
            format!(
                "store them with `mfa-env keys add {profile}`, or put them in the credentials file"
            ),
        ),
        keyring::Error::NoStorageAccess(cause) | keyring::Error::PlatformFailure(cause) => (
            reach(&cause.to_string()),
            "start a desktop session, or start and unlock the Secret Service yourself (`dbus-run-session`, then `gnome-keyring-daemon --unlock --components=secrets`); profiles with keys in the credentials file work without it".into(),
        ),
        other => (other.to_string(), format!("store them again with `mfa-env keys add {profile}`")),
    };
    Error::Keystore { what, why, fix }
}

/// Why the keystore could not be reached, from the D-Bus error.
fn reach(cause: &str) -> String {
    let cause = crate::error::clean(cause);
    if cause.contains("DBUS_SESSION_BUS_ADDRESS") || cause.contains("autolaunch") {
        format!("there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set): {cause}")
    } else if cause.contains("ServiceUnknown") || cause.contains("org.freedesktop.secrets") {
        format!("no Secret Service (GNOME Keyring, KeePassXC) runs on the D-Bus session: {cause}")
    } else if cause.to_lowercase().contains("lock") || cause.contains("prompt") {
        format!("the keyring is locked and cannot be unlocked without a desktop: {cause}")
    } else {
        cause
    }
}

/// Why a key pair cannot be stored, before anything is: a key id that is not
/// 20 characters of `AKIA…` shape, a temporary `ASIA…` key, a blank secret.
pub fn check(key_id: &str, secret: &str) -> Result<(), String> {
    let shaped = key_id.len() == 20
        && key_id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if key_id.starts_with("ASIA") && shaped {
        return Err("the key id starts with ASIA: it is a temporary session key, and an MFA session can only be made from the permanent AKIA… key".into());
    }
    if !shaped || !key_id.starts_with("AKIA") {
        return Err(format!(
            "'{}' is not an access key id: one is 20 capital letters and digits starting with AKIA",
            crate::error::clean(&key_id.chars().take(40).collect::<String>())
        ));
    }
    if secret.is_empty() {
        return Err("the secret access key is empty".into());
    }
    if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the secret access key holds blanks or control characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn key_pairs() {
        let secret = "s3cr3t/abc";
        let table: &[(&str, &str, Option<&str>)] = &[
            ("AKIAFAKEFAKEFAKE1234", secret, None),
            ("ASIAFAKEFAKEFAKE1234", secret, Some("temporary")),
            ("AKIAFAKE", secret, Some("20 capital")),
            ("AKIAFAKEFAKEFAKE12345", secret, Some("20 capital")),
            ("akiafakefakefake1234", secret, Some("20 capital")),
            ("AROAFAKEFAKEFAKE1234", secret, Some("AKIA")),
            ("AKIAFAKEFAKEFAKE1234", "", Some("empty")),
            ("AKIAFAKEFAKEFAKE1234", "a b", Some("blanks")),
        ];
        for (id, secret, want) in table {
            match (check(id, secret), want) {
                (Ok(()), None) => {}
                (Err(why), Some(part)) => assert!(why.contains(part), "{id}: {why}"),
                (got, want) => panic!("{id}: {got:?}, wanted {want:?}"),
            }
        }
    }
}
