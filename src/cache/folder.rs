//! The cache folder (where it is: `resolve::cache_folder`), made 0700 with its missing parents, opened
//! once without following a symlink and verified on its descriptor.

use rustix::fs::{Mode, OFlags, fstat};
use std::fs::{self, DirBuilder};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

/// Makes the folder (0700, and its missing parents 0700 too, so that no one
/// else can write where it lives), then opens and verifies it.
pub fn prepare(dir: &Path) -> Result<OwnedFd, String> {
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
        Why::Open(why) => format!("{why} (fix: chmod 700 {})", dir.display()),
    })
}

pub enum Why {
    Missing,
    /// Group or others can open it, or another user owns it.
    Open(String),
    Other(String),
}

/// Opens the folder itself (never through a symlink) and checks, on the open
/// descriptor, that it is a folder of ours that no one else can open.
pub fn open_verified(dir: &Path) -> Result<OwnedFd, Why> {
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
    trusted(st.st_uid, st.st_mode).map_err(Why::Open)?;
    Ok(fd)
}

/// Owned by us, and closed to group and others.
pub fn trusted(uid: u32, mode: u32) -> Result<(), String> {
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
pub fn describe(err: &io::Error) -> String {
    if err.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        "it is a symbolic link, which mfa-env does not follow".into()
    } else {
        err.to_string()
    }
}
