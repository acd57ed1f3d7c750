//! Names the commit mfa-env is built from, for `--version`: `git rev-parse
//! HEAD` when the package folder is itself a git checkout's top, else
//! MFA_ENV_COMMIT (for a build from a source tarball that knows it), else
//! "unknown". It reruns only when HEAD or the branch HEAD names moves, so a
//! build from git is no slower and never always dirty.
//!
//! On Linux it also lays the code out for a small start-up (see
//! `link_options`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    link_options(&dir);
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

/// Link options that keep a run's resident memory small on Linux (ELF).
///
/// The kernel maps the 64 KiB around each page of the binary a run touches
/// (fault-around), so a run's RSS grows with how scattered the code it runs
/// is. The functions a cache hit and `--help` run (link/hot-functions.txt,
/// made by bench/hot.py) are placed together at the front of the code by a
/// linker script, so a few such windows hold them all.
///
/// On linux-gnu, when this machine's glibc (2.36 or later) runs it, the
/// relative relocations are packed (DT_RELR): the table the dynamic loader
/// reads at every start shrinks from about 200 KB to a few. A binary linked
/// so needs glibc 2.36 or later, hence the check on this machine (a release
/// built on an older glibc does without).
///
/// Each is used only if an empty program links (and for RELR, runs) with
/// it, so another linker or an older glibc builds as before. PIE, RELRO and
/// BIND_NOW are unchanged.
fn link_options(dir: &Path) {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let Some(out) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return;
    };
    if var("CARGO_CFG_TARGET_OS") != "linux" {
        return;
    }
    let list = dir.join("link/hot-functions.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    let script = out.join("hot.ld");
    let written =
        std::fs::read_to_string(&list).and_then(|text| std::fs::write(&script, hot_script(&text)));
    let arg = format!("-Wl,-T,{}", script.display());
    if written.is_ok() && !script.to_string_lossy().contains(',') && probe(&out, "hot", &arg, false)
    {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    let arg = "-Wl,-z,pack-relative-relocs";
    let native = var("TARGET") == var("HOST");
    if var("CARGO_CFG_TARGET_ENV") == "gnu" && native && probe(&out, "relr", arg, true) {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
}

/// A linker script that puts the sections of the functions listed (one
/// section-name pattern a line; `#` starts a comment) into one output
/// section before .text, in the list's order. Cold ones (#[cold]) are in
/// .text.unlikely.NAME; a second local function of a name in NAME.N.
fn hot_script(list: &str) -> String {
    let mut script = String::from("SECTIONS\n{\n  .text.hot :\n  {\n");
    for name in list.lines().map(str::trim) {
        if !name.is_empty() && !name.starts_with('#') {
            let _ = writeln!(
                script,
                "    *(.text.{name} .text.{name}.* .text.unlikely.{name} .text.unlikely.{name}.*)"
            );
        }
    }
    script.push_str("  }\n}\nINSERT BEFORE .text;\n");
    script
}

/// Whether an empty program for the target links with `link_arg` (through
/// the same compiler, linker and flags as the build) and, when `run`, starts.
fn probe(out: &Path, name: &str, link_arg: &str, run: bool) -> bool {
    let source = out.join("probe.rs");
    let exe = out.join(format!("probe-{name}"));
    if std::fs::write(&source, "fn main() {}\n").is_err() {
        return false;
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let mut cmd = Command::new(rustc);
    cmd.arg(&source).arg("-o").arg(&exe);
    cmd.args(["--crate-name", "probe", "--edition", "2021"]);
    if let Ok(target) = std::env::var("TARGET") {
        cmd.args(["--target", &target]);
    }
    if let Ok(linker) = std::env::var("RUSTC_LINKER") {
        cmd.arg(format!("-Clinker={linker}"));
    }
    if let Ok(flags) = std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        cmd.args(flags.split('\x1f').filter(|f| !f.is_empty()));
    }
    cmd.arg(format!("-Clink-arg={link_arg}"));
    let quiet = |cmd: &mut Command| {
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    quiet(&mut cmd) && (!run || quiet(&mut Command::new(&exe)))
}
