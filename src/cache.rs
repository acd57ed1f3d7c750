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

pub mod folder;
mod key;

pub use folder::prepare as prepare_folder;
pub use key::{Entry, Key};

use crate::log::Log;
use crate::session::Session;
use folder::{Why, describe, open_verified, prepare, trusted};
use key::VERSION;
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, fsync, openat, renameat, statat, unlinkat};
use serde::Deserialize;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// A cache file is small; anything larger is not ours.
const MAX_FILE: u64 = 64 * 1024;

/// The cache folder as `inspect` finds it, making nothing.
pub enum Found {
    /// Neither HOME nor XDG_CACHE_HOME: nowhere to cache.
    NoHome,
    /// Not made yet (no session cached so far).
    Missing(PathBuf),
    /// There, but not to be trusted, and why.
    Untrusted(PathBuf, String),
    Ready(Cache),
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
    pub fn open(dir: Option<PathBuf>, log: Log) -> Option<Cache> {
        let dir = dir?;
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

    /// The cache as it is, making nothing (for `doctor` and `list`).
    pub fn inspect(dir: Option<PathBuf>, log: Log) -> Found {
        let Some(dir) = dir else {
            return Found::NoHome;
        };
        match open_verified(&dir) {
            Err(Why::Missing) => Found::Missing(dir),
            Err(Why::Other(why) | Why::Open(why)) => Found::Untrusted(dir, why),
            Ok(fd) => Found::Ready(Cache { dir, fd, log }),
        }
    }

    /// The entry of `key`, or why it cannot be used; warns about nothing.
    pub fn entry(&self, key: &Key) -> Result<Option<Entry>, String> {
        self.load(&entry_name(key))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry file of `key` (for messages and `status --path`).
    pub fn path(&self, key: &Key) -> PathBuf {
        self.dir.join(entry_name(key))
    }

    /// A cached session with more than `min_ttl` seconds left, at `now`;
    /// an entry that cannot be used is warned about.
    pub fn fresh_session(&self, key: &Key, now: i64, min_ttl: i64) -> Option<Session> {
        let entry = self.load_or_warn(&entry_name(key))?;
        let session = entry.session()?;
        (session.expiration - now > min_ttl).then_some(session)
    }

    /// Reads one entry; problems are warned about and give None.
    fn load_or_warn(&self, name: &str) -> Option<Entry> {
        match self.load(name) {
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
            .filter_map(|n| self.load_or_warn(&n).map(|e| (self.dir.join(&n), e)))
            .collect();
        found.sort_by(|a, b| (&a.1.profile, &a.1.expiration).cmp(&(&b.1.profile, &b.1.expiration)));
        found
    }

    /// Deletes the entries for which `select` is true, with their locks and
    /// temp files (`select` is given each entry's path and contents); returns
    /// how many sessions were deleted. An entry that cannot
    /// be read (or trusted) is left for `clear_all`.
    pub fn clear(&self, select: impl Fn(&Path, &Entry) -> bool) -> usize {
        let chosen: Vec<String> = self
            .own_files()
            .iter()
            .filter(|n| is_entry(n))
            .filter(
                |n| matches!(self.load(n), Ok(Some(entry)) if select(&self.dir.join(n), &entry)),
            )
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
    fn load(&self, name: &str) -> Result<Option<Entry>, String> {
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
        match entry.session() {
            None => return Err("its expiration is not a date".into()),
            Some(s) if crate::session::too_long(s.expiration, crate::session::now()) => {
                return Err(format!(
                    "it ends at {}, later than any AWS session could (36 hours from now at most)",
                    entry.expiration
                ));
            }
            Some(_) => {}
        }
        if [
            entry.access_key_id.as_str(),
            entry.secret_access_key.expose(),
            entry.session_token.expose(),
            &entry.profile,
            &entry.serial,
            entry.role_arn.as_deref().unwrap_or(""),
        ]
        .into_iter()
        .any(crate::quote::has_control)
        {
            return Err("it holds a control character, which no session from STS has".into());
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
