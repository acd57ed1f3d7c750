//! The unit layer: resolution checked by tables, from snapshots of literal
//! variables and files (no process, file or network).
// The tables' row types are spelled out where they are.
#![allow(clippy::type_complexity)]

mod chain;
mod choice;
mod keystore;
mod min_ttl;
mod settings;
mod sources;

use crate::snapshot::Snapshot;

pub(super) const KEY: &str = "AKIAFAKEFAKEFAKE1234";
pub(super) const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

/// A snapshot with HOME=/h, these variables, and these two files (None:
/// the file does not exist).
pub(super) fn snap(
    vars: &[(&str, &str)],
    config: Option<&str>,
    credentials: Option<&str>,
) -> Snapshot {
    let mut all = vec![("HOME", "/h")];
    all.extend_from_slice(vars);
    let mut files: Vec<(&str, &[u8])> = Vec::new();
    if let Some(text) = config {
        files.push(("/h/.aws/config", text.as_bytes()));
    }
    if let Some(text) = credentials {
        files.push(("/h/.aws/credentials", text.as_bytes()));
    }
    Snapshot::from_tables(&all, &files)
}

/// A snapshot of a config file alone.
pub(super) fn config(text: &str) -> Snapshot {
    snap(&[], Some(text), None)
}

/// `[name]` with long-term keys `id`, as a config section.
pub(super) fn keys(name: &str, id: &str) -> String {
    let header = if name == "default" {
        "[default]".to_string()
    } else {
        format!("[profile {name}]")
    };
    format!("{header}\naws_access_key_id = {id}\naws_secret_access_key = secret\n")
}
