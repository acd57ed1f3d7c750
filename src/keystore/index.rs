//! The index of the keystore: which profiles have keys there, and their key
//! ids. A run reads it instead of the keystore, so that a cache hit (whose
//! cache key holds the key id) makes no D-Bus call and asks for no unlock.
//! It holds no secret: `$XDG_CONFIG_HOME/mfa-env/keystore.json` (else
//! `~/.config/mfa-env/`), folder 0700, file 0600, written atomically.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Profile → access key id of the keys the keystore holds for it.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub keys: BTreeMap<String, String>,
}

impl Index {
    /// The index as a file holds it; a damaged one is empty (the keystore
    /// itself still holds the keys: `keys add` again writes it anew).
    pub fn parse(text: &str) -> Index {
        serde_json::from_str(text).unwrap_or_default()
    }

    pub fn key_id(&self, profile: &str) -> Option<&str> {
        self.keys.get(profile).map(String::as_str)
    }
}

/// Where the index is: under `$XDG_CONFIG_HOME` when that is absolute (as
/// the XDG spec asks), else under `$HOME/.config`; None without either.
pub fn path(home: Option<&OsStr>, xdg_config: Option<&OsStr>) -> Option<PathBuf> {
    let xdg = xdg_config.map(PathBuf::from).filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        home.filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".config"))
    })?;
    Some(base.join("mfa-env").join("keystore.json"))
}

/// Writes the index: folder 0700, a 0600 temporary file, fsync, rename.
pub fn write(path: &Path, index: &Index) -> Result<(), Error> {
    let failed = |err: std::io::Error| Error::Keystore {
        what: format!("could not write the keystore index {}", path.display()),
        why: err.to_string(),
        fix: "make that folder writable (or set XDG_CONFIG_HOME), then run the command again"
            .into(),
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(failed)?;
    let text = serde_json::to_string_pretty(index).unwrap_or_default();
    let temp = dir.join(format!(".keystore.{}.tmp", std::process::id()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.write_all(b"\n")?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written.map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let p =
            |home: Option<&str>, xdg: Option<&str>| path(home.map(OsStr::new), xdg.map(OsStr::new));
        let want = |s: &str| Some(PathBuf::from(s));
        assert_eq!(
            p(Some("/h"), None),
            want("/h/.config/mfa-env/keystore.json")
        );
        assert_eq!(p(Some("/h"), Some("/x")), want("/x/mfa-env/keystore.json"));
        assert_eq!(
            p(Some("/h"), Some("rel")),
            want("/h/.config/mfa-env/keystore.json")
        );
        assert_eq!(p(None, None), None);
    }

    #[test]
    fn parsing() {
        let index = Index::parse(r#"{"keys":{"work":"AKIAFAKEFAKEFAKE1234"}}"#);
        assert_eq!(index.key_id("work"), Some("AKIAFAKEFAKEFAKE1234"));
        assert_eq!(index.key_id("other"), None);
        assert_eq!(Index::parse("not json"), Index::default());
    }
}
