//! Sessions cached in `$XDG_CACHE_HOME/mfa-env/` (default `~/.cache/mfa-env/`):
//! folder 0700, files 0600, one JSON file per (key id, serial, role, session
//! name, external id), written atomically, one lock per entry.
//!
//! Nothing here is ever fatal: a cache that cannot be trusted or written is
//! warned about and the run goes on as if uncached. Nothing is followed through
//! a symlink, and no file that another user owns or that group or others can
//! open is trusted. The folder is opened once and checked on its descriptor,
//! and every file is reached relative to that descriptor (openat, renameat,
//! unlinkat): a folder swapped behind mfa-env's back is never written.

use crate::config::Profile;
use crate::log::Log;
use crate::session::{Made, Secret, Session, parse_rfc3339, rfc3339};
use rustix::fs::{
    AtFlags, Dir, FileType, Mode, OFlags, fstat, fsync, openat, renameat, statat, unlinkat,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::{self, DirBuilder, File};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

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
    /// The folder, opened once and verified on this descriptor; every file is
    /// opened, renamed and deleted relative to it, so swapping the path for
    /// another folder or a symlink after the check changes nothing.
    fd: OwnedFd,
    log: Log,
}

/// Held while one run reads, asks for a code, calls STS and writes; dropping it
/// (or the process dying, even by SIGKILL) releases it.
pub struct Lock(#[allow(dead_code)] File);

impl Cache {
    /// The cache folder, made 0700 if missing (with any missing parent, 0700
    /// too). None (after a warning) when it cannot be used safely.
    pub fn open(log: Log) -> Option<Cache> {
        let dir = folder()?;
        match prepare(&dir) {
            Ok(fd) => Some(Cache { dir, fd, log }),
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
        let state = match open_verified(&dir) {
            Err(Why::Missing) => Ok(None),
            Err(Why::Other(why)) => Err(why),
            Ok(fd) => Ok(Some(Cache {
                dir: dir.clone(),
                fd,
                log,
            })),
        };
        Some((dir, state))
    }

    /// The entry of `key`, or why it cannot be used; warns about nothing.
    pub fn check(&self, key: &Key) -> Result<Option<Entry>, String> {
        self.read_entry(&entry_name(key))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file of `key` (for messages and `status --path`).
    pub fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(entry_name(key))
    }

    /// A cached session with more than `min_ttl` seconds left, at `now`.
    pub fn get(&self, key: &Key, now: i64, min_ttl: i64) -> Option<Session> {
        let entry = self.read(&entry_name(key))?;
        let session = entry.session()?;
        (session.expiration - now > min_ttl).then_some(session)
    }

    /// Reads one entry; problems are warned about and give None.
    fn read(&self, name: &str) -> Option<Entry> {
        match self.read_entry(name) {
            Ok(entry) => entry,
            Err(why) => {
                self.log.warn(&format!(
                    "ignoring the cached session {}: {why}",
                    self.dir.join(name).display()
                ));
                None
            }
        }
    }

    /// Takes the entry's lock, waiting (and saying so) while another mfa-env
    /// holds it. None, after a warning, when no lock can be had.
    pub fn lock(&self, key: &Key) -> Option<Lock> {
        let name = format!("{}.lock", key.stem());
        let file = openat(
            &self.fd,
            name.as_str(),
            OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map(File::from);
        let file = match file {
            Ok(file) => file,
            Err(err) => {
                self.log.warn(&format!(
                    "could not open the lock {}: {}; two terminals may ask for a code at once",
                    self.dir.join(&name).display(),
                    describe(&err.into())
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
                    self.dir.join(&name).display()
                ));
                None
            }
        }
    }

    /// Writes the entry atomically (temp file, fsync, rename, fsync of the
    /// folder). A failure is a warning: the session still works, only the next
    /// run will ask for a code again.
    pub fn put(&self, key: &Key, entry: &Entry) {
        if let Err(err) = self.write_atomic(&entry_name(key), entry) {
            self.log.warn(&format!(
                "could not save the session in {}: {}; it works now, but the next run will ask for a code again",
                self.dir.display(),
                describe(&err)
            ));
        }
    }

    /// Deletes one entry (a session STS rejected, say).
    pub fn remove(&self, key: &Key) {
        let _ = unlinkat(&self.fd, entry_name(key).as_str(), AtFlags::empty());
    }

    /// Every readable entry, with its path, sorted by profile.
    pub fn entries(&self) -> Vec<(PathBuf, Entry)> {
        let mut found: Vec<(PathBuf, Entry)> = self
            .own_files()
            .into_iter()
            .filter(|n| is_entry(n))
            .filter_map(|n| self.read(&n).map(|e| (self.dir.join(&n), e)))
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
            .filter(|n| is_entry(n))
            .filter(|n| matches!(self.read_entry(n), Ok(Some(entry)) if select(&entry)))
            .map(|n| stem_of(n))
            .collect();
        self.remove_where(|n| chosen.contains(&stem_of(n)))
    }

    /// Deletes every file mfa-env made in the folder (regular files owned by
    /// this user, named as mfa-env names them), and nothing else.
    pub fn clear_all(&self) -> usize {
        self.remove_where(|_| true)
    }

    fn remove_where(&self, pick: impl Fn(&str) -> bool) -> usize {
        self.own_files()
            .iter()
            .filter(|n| {
                pick(n) && unlinkat(&self.fd, n.as_str(), AtFlags::empty()).is_ok() && is_entry(n)
            })
            .count()
    }

    /// The regular files owned by this user and named as mfa-env names them:
    /// 32 hex digits and .json, .lock or .json.tmp. Anything else in the
    /// folder (another user's file, a symlink, a folder) is left alone.
    fn own_files(&self) -> Vec<String> {
        let Ok(dir) = Dir::read_from(&self.fd) else {
            return Vec::new();
        };
        let me = rustix::process::geteuid().as_raw();
        let mut files: Vec<String> = dir
            .flatten()
            .filter_map(|e| e.file_name().to_str().ok().map(str::to_string))
            .filter(|name| {
                let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
                stem.len() == 32
                    && stem.bytes().all(|b| b.is_ascii_hexdigit())
                    && ["json", "lock", "json.tmp"].contains(&ext)
            })
            .filter(|name| {
                statat(&self.fd, name.as_str(), AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|st| {
                    FileType::from_raw_mode(st.st_mode) == FileType::RegularFile && st.st_uid == me
                })
            })
            .collect();
        files.sort();
        files
    }

    /// Ok(None) when there is no entry; Err(why) when there is one we must not use.
    fn read_entry(&self, name: &str) -> Result<Option<Entry>, String> {
        let file = openat(
            &self.fd,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        );
        let file = match file {
            Ok(fd) => File::from(fd),
            Err(rustix::io::Errno::NOENT) => return Ok(None),
            Err(e) => return Err(describe(&e.into())),
        };
        let meta = file.metadata().map_err(|e| describe(&e))?;
        if !meta.is_file() {
            return Err("it is not a regular file".into());
        }
        trusted(meta.uid(), meta.mode())?;
        let mut text = Zeroizing::new(String::new());
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

    fn write_atomic(&self, name: &str, entry: &Entry) -> io::Result<()> {
        let mut json = Zeroizing::new(Vec::with_capacity(8192));
        serde_json::to_writer_pretty(&mut *json, entry).map_err(io::Error::other)?;
        json.push(b'\n');
        let tmp = format!("{name}.tmp");
        // A temp file left by a crash: this run holds the entry's lock, so no
        // one else is writing it.
        match unlinkat(&self.fd, tmp.as_str(), AtFlags::empty()) {
            Err(e) if e != rustix::io::Errno::NOENT => return Err(e.into()),
            _ => {}
        }
        let result = (|| {
            let mut file = File::from(openat(
                &self.fd,
                tmp.as_str(),
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )?);
            file.write_all(&json)?;
            file.sync_all()?;
            renameat(&self.fd, tmp.as_str(), &self.fd, name)?;
            fsync(&self.fd)?;
            Ok(())
        })();
        if result.is_err() {
            let _ = unlinkat(&self.fd, tmp.as_str(), AtFlags::empty());
        }
        result
    }
}

fn entry_name(key: &Key) -> String {
    format!("{}.json", key.stem())
}

fn is_entry(name: &str) -> bool {
    name.ends_with(".json")
}

fn stem_of(name: &str) -> String {
    name.split('.').next().unwrap_or("").to_string()
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

/// Makes the folder (0700, and its missing parents 0700 too, so that no one
/// else can write where it lives), then opens and verifies it.
fn prepare(dir: &Path) -> Result<OwnedFd, String> {
    if let Some(parent) = dir.parent() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)
            .map_err(|e| format!("cannot create {}: {}", parent.display(), describe(&e)))?;
    }
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create it: {}", describe(&e))),
    }
    open_verified(dir).map_err(|why| match why {
        Why::Missing => "it vanished while being made".to_string(),
        Why::Other(why) => why,
    })
}

enum Why {
    Missing,
    Other(String),
}

/// Opens the folder itself (never through a symlink) and checks, on the open
/// descriptor, that it is a folder of ours that no one else can open.
fn open_verified(dir: &Path) -> Result<OwnedFd, Why> {
    let fd = match rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::NOENT) => return Err(Why::Missing),
        // O_NOFOLLOW with O_DIRECTORY refuses a symlink as "not a folder".
        Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
            let link = fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink());
            return Err(Why::Other(if link {
                "it is a symbolic link; remove it and mfa-env makes a real folder".into()
            } else {
                "it is not a folder".into()
            }));
        }
        Err(e) => return Err(Why::Other(describe(&e.into()))),
    };
    let st = fstat(&fd).map_err(|e| Why::Other(describe(&e.into())))?;
    trusted(st.st_uid, st.st_mode)
        .map_err(|why| Why::Other(format!("{why} (fix: chmod 700 {})", dir.display())))?;
    Ok(fd)
}

/// Owned by us, and closed to group and others.
fn trusted(uid: u32, mode: u32) -> Result<(), String> {
    let me = rustix::process::geteuid().as_raw();
    if uid != me {
        return Err(format!("it is owned by another user (uid {uid})"));
    }
    let mode = mode & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!("group or others can open it (mode {mode:03o})"));
    }
    Ok(())
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
