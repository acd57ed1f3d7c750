//! `mfa-env keys`: a profile's long-term keys in the OS keystore instead of
//! the plaintext credentials file. `add` (from stdin, the terminal, or
//! `--from-file`), `list`, `remove`; `rotate` is in keys/rotate.rs. mfa-env
//! still never writes the AWS files: `--from-file` prints the lines for the
//! user to delete.

mod input;
mod rotate;

pub use rotate::rotate;

use crate::error::Error;
use crate::keystore::{self, Stored, index};
use crate::output;
use crate::resolve::chain;
use crate::session::{Secret, mask};
use crate::snapshot::Snapshot;
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `keys add PROFILE [--from-file]`.
pub fn add(snap: &Snapshot, profile: &str, from_file: bool) -> Result<ExitCode, Error> {
    let (key_id, secret, lines) = match from_file {
        true => {
            let found = input::from_file(&snap.files().credentials, profile)?;
            (found.key_id, found.secret, Some(found.lines))
        }
        false => {
            let (id, secret) = input::read(profile)?;
            (id, secret, None)
        }
    };
    keystore::check(&key_id, secret.expose()).map_err(|why| Error::Keystore {
        what: format!("the keys given for profile '{profile}' were not stored"),
        why,
        fix: "give the permanent key pair of an IAM user (IAM console → your user → Security credentials)".into(),
    })?;
    store(snap, profile, &key_id, secret)?;
    let mut text = format!(
        "stored the keys of profile '{profile}' ({}) in the OS keystore\n",
        mask(&key_id)
    );
    if chain::exists(snap, profile).is_err() {
        let _ = writeln!(
            text,
            "profile '{profile}' is in neither AWS file yet: add [profile {profile}] with its mfa_serial to {}",
            snap.files().config.display()
        );
    }
    if let Some(lines) = lines {
        let _ = writeln!(
            text,
            "mfa-env never writes {}: delete these lines from it yourself (the secret is not shown here), then runs of profile '{profile}' use the keystore:",
            snap.files().credentials.display()
        );
        for (number, line) in lines {
            let _ = writeln!(text, "{number}: {line}");
        }
    }
    output::print(&text)
}

/// Stores the pair: its id in the index, then the pair in the keystore (the
/// index as it was again when that fails), so that the two never disagree.
pub fn store(snap: &Snapshot, profile: &str, key_id: &str, secret: Secret) -> Result<(), Error> {
    let path = index_path(snap)?;
    let before = snap.keystore();
    let mut index = before.clone();
    index.keys.insert(profile.to_string(), key_id.to_string());
    index::write(&path, &index)?;
    let saved = keystore::save(
        profile,
        &Stored {
            aws_access_key_id: key_id.to_string(),
            aws_secret_access_key: secret,
        },
    );
    if saved.is_err() {
        let _ = index::write(&path, before);
    }
    saved
}

/// One row of `keys list`.
#[derive(Serialize)]
struct Row<'a> {
    profile: &'a str,
    key_id: String,
}

/// `keys list [--json]`: the profiles the index names, key ids masked.
pub fn list(snap: &Snapshot, json: bool) -> Result<ExitCode, Error> {
    let rows: Vec<Row> = snap
        .keystore()
        .keys
        .iter()
        .map(|(profile, id)| Row {
            profile,
            key_id: mask(id),
        })
        .collect();
    if json {
        let text = serde_json::to_string_pretty(&rows).unwrap_or_default();
        return output::print(&format!("{text}\n"));
    }
    if rows.is_empty() {
        return output::print(
            "no profile has keys in the OS keystore; `mfa-env keys add PROFILE` stores them\n",
        );
    }
    let table: Vec<[String; 2]> = rows
        .iter()
        .map(|r| [r.profile.to_string(), r.key_id.clone()])
        .collect();
    output::print(&output::columns(&table))
}

/// `keys remove PROFILE`: from the keystore and the index.
pub fn remove(snap: &Snapshot, profile: &str) -> Result<ExitCode, Error> {
    let path = index_path(snap)?;
    let mut index = snap.keystore().clone();
    let indexed = index.keys.remove(profile);
    let deleted = keystore::delete(profile)?;
    if indexed.is_some() {
        index::write(&path, &index)?;
    }
    if !deleted && indexed.is_none() {
        return Err(Error::Keystore {
            what: format!("no keys of profile '{profile}' were removed"),
            why: "the OS keystore holds none for it".into(),
            fix: "`mfa-env keys list` shows the profiles it holds keys for".into(),
        });
    }
    let id = indexed.as_deref().map(mask).unwrap_or_default();
    output::print(&format!(
        "removed the keys of profile '{profile}' {id} from the OS keystore\n"
    ))
}

fn index_path(snap: &Snapshot) -> Result<PathBuf, Error> {
    snap.keystore_index_path().ok_or_else(|| Error::Keystore {
        what: "no place for mfa-env's keystore index".into(),
        why: "neither HOME nor XDG_CONFIG_HOME is set".into(),
        fix: "set HOME".into(),
    })
}
