//! Sessions cached in `$XDG_CACHE_HOME/mfa-env/` (default `~/.cache/mfa-env/`):
//! folder 0700, files 0600, one JSON file per (key id, serial, role, session
//! name, external id), written atomically, one lock per entry.
//!
//! Nothing here is ever fatal: a cache that cannot be trusted or written is
//! warned about and the run goes on as if uncached. Nothing is followed through
//! a symlink, and no file that another user owns or that group or others can
//! open is trusted.

use crate::config::Profile;
use crate::log::Log;
use crate::session::{Made, Secret, Session, parse_rfc3339, rfc3339};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The format version this build reads and writes.
const VERSION: u32 = 1;
/// A cache file is small; anything larger is not ours.
const MAX_FILE: u64 = 64 * 1024;

/// What identifies a session: the same tuple asks STS for the same thing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Key {
    pub access_key_id: String,
    pub serial: String,
    pub role_arn: String,
    pub session_name: String,
    pub external_id: String,
    pub made: Made,
}

impl Key {
    /// The key of the session the profile resolves to: its role session made
    /// as `made` says, or for a user profile its MFA session.
    pub fn session(profile: &Profile, serial: &str, made: Made) -> Key {
        let roles = &profile.roles;
        let last = roles.last();
        Key {
            role_arn: roles
                .iter()
                .map(|r| r.arn.as_str())
                .collect::<Vec<_>>()
                .join(" > "),
            session_name: last.map(|r| r.session_name.clone()).unwrap_or_default(),
            external_id: last.and_then(|r| r.external_id.clone()).unwrap_or_default(),
            made: if last.is_some() {
                made
            } else {
                Made::SessionToken
            },
            ..Key::user(&profile.keys.access_key_id, serial)
        }
    }

    /// The key of a user's own MFA session (GetSessionToken).
    pub fn user(access_key_id: &str, serial: &str) -> Key {
        Key {
            access_key_id: access_key_id.to_string(),
            serial: serial.to_string(),
            ..Key::default()
        }
    }

    /// The file stem: 32 hex digits of SHA-256 over the tuple (and how the
    /// session is made).
    fn stem(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            &self.access_key_id,
            &self.serial,
            &self.role_arn,
            &self.session_name,
            &self.external_id,
            self.made.tag(),
        ] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// One cache file. Its Debug shows no secret (Secret redacts itself).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub version: u32,
    pub profile: String,
    pub serial: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: String,
}

impl Entry {
    pub fn new(profile: &str, key: &Key, session: &Session) -> Entry {
        Entry {
            version: VERSION,
            profile: profile.to_string(),
            serial: key.serial.clone(),
            role_arn: Some(key.role_arn.clone()).filter(|r| !r.is_empty()),
            access_key_id: session.access_key_id.clone(),
            secret_access_key: session.secret_access_key.clone(),
            session_token: session.session_token.clone(),
            expiration: rfc3339(session.expiration),
        }
    }

    pub fn session(&self) -> Option<Session> {
        Some(Session {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
            expiration: parse_rfc3339(&self.expiration)?,
        })
    }
}

pub struct Cache {
    dir: PathBuf,
    log: Log,
}

/// Held while one run reads, asks for a code, calls STS and writes; dropping it
/// (or the process dying, even by SIGKILL) releases it.
pub struct Lock(#[allow(dead_code)] File);

impl Cache {
    /// The cache folder, made 0700 if missing. None (after a warning) when it
    /// cannot be used safely.
    pub fn open(log: Log) -> Option<Cache> {
        let dir = folder()?;
        match prepare(&dir) {
            Ok(()) => Some(Cache { dir, log }),
            Err(why) => {
                log.warn(&format!(
                    "not using the session cache {}: {why}; going on without it",
                    dir.display()
                ));
                None
            }
        }
    }

    /// The cache as it is, making nothing (for `doctor`): the folder, and
    /// None when it does not exist yet, or why it cannot be trusted.
    pub fn inspect(log: Log) -> Option<(PathBuf, Result<Option<Cache>, String>)> {
        let dir = folder()?;
        let state = match fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            _ => verify(&dir).map(|()| {
                Some(Cache {
                    dir: dir.clone(),
                    log,
                })
            }),
        };
        Some((dir, state))
    }

    /// The entry of `key`, or why it cannot be used; warns about nothing.
    pub fn check(&self, key: &Key) -> Result<Option<Entry>, String> {
        read_entry(&self.path(key))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file of `key`.
    pub fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{}.json", key.stem()))
    }

    /// A cached session with more than `min_ttl` seconds left, at `now`.
    pub fn get(&self, key: &Key, now: i64, min_ttl: i64) -> Option<Session> {
        let entry = self.read(&self.path(key))?;
        let session = entry.session()?;
        (session.expiration - now > min_ttl).then_some(session)
    }

    /// Reads one entry; problems are warned about and give None.
    pub fn read(&self, path: &Path) -> Option<Entry> {
        match read_entry(path) {
            Ok(entry) => entry,
            Err(why) => {
                self.log.warn(&format!(
                    "ignoring the cached session {}: {why}",
                    path.display()
                ));
                None
            }
        }
    }

    /// Takes the entry's lock, waiting (and saying so) while another mfa-env
    /// holds it. None, after a warning, when no lock can be had.
    pub fn lock(&self, key: &Key) -> Option<Lock> {
        let path = self.dir.join(format!("{}.lock", key.stem()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(nofollow())
            .open(&path);
        let file = match file {
            Ok(file) => file,
            Err(err) => {
                self.log.warn(&format!(
                    "could not open the lock {}: {}; two terminals may ask for a code at once",
                    path.display(),
                    describe(&err)
                ));
                return None;
            }
        };
        match file.try_lock() {
            Ok(()) => return Some(Lock(file)),
            Err(fs::TryLockError::WouldBlock) => self
                .log
                .note("waiting for another mfa-env that is getting this session"),
            Err(fs::TryLockError::Error(_)) => {}
        }
        match file.lock() {
            Ok(()) => Some(Lock(file)),
            Err(err) => {
                self.log.warn(&format!(
                    "could not lock {}: {err}; two terminals may ask for a code at once",
                    path.display()
                ));
                None
            }
        }
    }

    /// Writes the entry atomically (temp file, fsync, rename, fsync of the
    /// folder). A failure is a warning: the session still works, only the next
    /// run will ask for a code again.
    pub fn put(&self, key: &Key, entry: &Entry) {
        let path = self.path(key);
        if let Err(err) = write_atomic(&self.dir, &path, entry) {
            self.log.warn(&format!(
                "could not save the session in {}: {}; it works now, but the next run will ask for a code again",
                self.dir.display(),
                describe(&err)
            ));
        }
    }

    /// Deletes one entry (a session STS rejected, say).
    pub fn remove(&self, key: &Key) {
        let _ = fs::remove_file(self.path(key));
    }

    /// Every readable entry, with its path, sorted by profile.
    pub fn entries(&self) -> Vec<(PathBuf, Entry)> {
        let mut found: Vec<(PathBuf, Entry)> = self
            .own_files()
            .into_iter()
            .filter(|p| is_entry(p))
            .filter_map(|p| self.read(&p).map(|e| (p, e)))
            .collect();
        found.sort_by(|a, b| (&a.1.profile, &a.1.expiration).cmp(&(&b.1.profile, &b.1.expiration)));
        found
    }

    /// Deletes the entries for which `select` is true, with their locks and
    /// temp files; returns how many sessions were deleted. An entry that cannot
    /// be read (or trusted) is left for `clear_all`.
    pub fn clear(&self, select: impl Fn(&Entry) -> bool) -> usize {
        let chosen: Vec<String> = self
            .own_files()
            .iter()
            .filter(|p| is_entry(p))
            .filter(|p| matches!(read_entry(p), Ok(Some(entry)) if select(&entry)))
            .map(|p| stem_of(p))
            .collect();
        self.remove_where(|p| chosen.contains(&stem_of(p)))
    }

    /// Deletes every file mfa-env made in the folder, and nothing else.
    pub fn clear_all(&self) -> usize {
        self.remove_where(|_| true)
    }

    fn remove_where(&self, pick: impl Fn(&Path) -> bool) -> usize {
        self.own_files()
            .iter()
            .filter(|p| pick(p) && fs::remove_file(p).is_ok() && is_entry(p))
            .count()
    }

    /// The files named as mfa-env names them: 32 hex digits and .json, .lock or
    /// .json.tmp. Anything else in the folder is left alone.
    fn own_files(&self) -> Vec<PathBuf> {
        let Ok(read) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = read
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
                stem.len() == 32
                    && stem.bytes().all(|b| b.is_ascii_hexdigit())
                    && ["json", "lock", "json.tmp"].contains(&ext)
            })
            .collect();
        files.sort();
        files
    }
}

fn is_entry(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

fn stem_of(path: &Path) -> String {
    path.file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("")
        .to_string()
}

/// `$XDG_CACHE_HOME/mfa-env` when that is absolute (as the XDG spec asks),
/// else `$HOME/.cache/mfa-env`.
fn folder() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache"))
    })?;
    Some(base.join("mfa-env"))
}

/// Makes the folder (0700) and checks that it is a real folder of ours that no
/// one else can open.
fn prepare(dir: &Path) -> Result<(), String> {
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {}", parent.display(), describe(&e)))?;
    }
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create it: {}", describe(&e))),
    }
    verify(dir)
}

/// A real folder of ours that no one else can open.
fn verify(dir: &Path) -> Result<(), String> {
    let meta = fs::symlink_metadata(dir).map_err(|e| describe(&e))?;
    if meta.file_type().is_symlink() {
        return Err("it is a symbolic link; remove it and mfa-env makes a real folder".into());
    }
    if !meta.is_dir() {
        return Err("it is not a folder".into());
    }
    trusted(&meta).map_err(|why| format!("{why} (fix: chmod 700 {})", dir.display()))
}

/// Owned by us, and closed to group and others.
fn trusted(meta: &fs::Metadata) -> Result<(), String> {
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(format!("it is owned by another user (uid {})", meta.uid()));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!("group or others can open it (mode {mode:03o})"));
    }
    Ok(())
}

fn nofollow() -> i32 {
    rustix::fs::OFlags::NOFOLLOW.bits() as i32
}

/// Ok(None) when there is no entry; Err(why) when there is one we must not use.
fn read_entry(path: &Path) -> Result<Option<Entry>, String> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(nofollow() | rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path);
    let file = match file {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(describe(&e)),
    };
    let meta = file.metadata().map_err(|e| describe(&e))?;
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    trusted(&meta)?;
    let mut text = String::new();
    file.take(MAX_FILE)
        .read_to_string(&mut text)
        .map_err(|e| format!("it cannot be read: {e}"))?;
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let version: Version = serde_json::from_str(&text)
        .map_err(|_| "it is not a cache file (damaged JSON)".to_string())?;
    if version.version != VERSION {
        return Err(format!(
            "it has format version {}, and this mfa-env reads version {VERSION}",
            version.version
        ));
    }
    let entry: Entry = serde_json::from_str(&text)
        .map_err(|_| "it is not a cache file (damaged JSON)".to_string())?;
    if entry.session().is_none() {
        return Err("its expiration is not a date".into());
    }
    Ok(Some(entry))
}

fn write_atomic(dir: &Path, path: &Path, entry: &Entry) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(entry).map_err(io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    // A temp file left by a crash: this run holds the entry's lock, so no one
    // else is writing it.
    match fs::remove_file(&tmp) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(nofollow())
            .open(&tmp)?;
        file.write_all(&json)?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// An io error in words, naming a symlink for what it is.
fn describe(err: &io::Error) -> String {
    if err.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        "it is a symbolic link, which mfa-env does not follow".into()
    } else {
        err.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn stems_differ_per_field() {
        let base = Key {
            access_key_id: "AKIA1".into(),
            serial: "s".into(),
            ..Key::default()
        };
        let role = Key {
            role_arn: "r".into(),
            ..base.clone()
        };
        // The separator keeps ("ab", "") apart from ("a", "b").
        let shifted = Key {
            access_key_id: "AKIA1s".into(),
            serial: String::new(),
            ..Key::default()
        };
        let direct = Key {
            made: crate::session::Made::DirectRole,
            ..role.clone()
        };
        assert_eq!(base.stem().len(), 32);
        assert_ne!(base.stem(), role.stem());
        assert_ne!(role.stem(), direct.stem());
        assert_ne!(base.stem(), shifted.stem());
        assert_eq!(base.stem(), base.clone().stem());
    }
}
