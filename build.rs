//! Names the commit mfa-env is built from, for `--version`: `git rev-parse
//! HEAD` when the package folder is itself a git checkout's top, else
//! MFA_ENV_COMMIT (for a build from a source tarball that knows it), else
//! "unknown". It reruns only when HEAD or the branch HEAD names moves, so a
//! build from git is no slower and never always dirty.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=MFA_ENV_COMMIT");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    // Only the package's own checkout: not a repository it was unpacked in.
    let top = git(&dir, &["rev-parse", "--show-toplevel"]).map(PathBuf::from);
    let own = match (top.map(|t| t.canonicalize()), dir.canonicalize()) {
        (Some(Ok(top)), Ok(dir)) => top == dir,
        _ => false,
    };
    let mut commit = std::env::var("MFA_ENV_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    if own {
        commit = commit.or_else(|| git(&dir, &["rev-parse", "--short=12", "HEAD"]));
        let branch = git(&dir, &["symbolic-ref", "-q", "HEAD"]);
        for name in ["HEAD", "packed-refs"].into_iter().chain(branch.as_deref()) {
            if let Some(path) = git(&dir, &["rev-parse", "--git-path", name]) {
                let path = dir.join(path);
                // A branch whose ref is packed: its loose file appears at the
                // next commit, in this folder.
                let watched = match path.exists() {
                    true => Some(path.as_path()),
                    false => path.parent(),
                };
                if let Some(watched) = watched.filter(|p| p.exists()) {
                    println!("cargo:rerun-if-changed={}", watched.display());
                }
            }
        }
    }
    let version = env!("CARGO_PKG_VERSION");
    let commit = commit.unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=MFA_ENV_VERSION={version} (commit {commit})");
}
