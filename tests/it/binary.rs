//! The binary as linked (Linux, glibc): still hardened (PIE, RELRO, BIND_NOW)
//! and laid out for a small start-up by build.rs: the functions a cache hit
//! and `--help` run in one `.text.hot` section at the front of the code, and
//! packed relative relocations (DT_RELR) where this machine's glibc runs them.
//! How much memory that saves is measured in bench/, not here.
#![cfg(all(target_os = "linux", target_env = "gnu"))]

use crate::common::*;
use std::ffi::CStr;
use std::process::Command;

/// `readelf -W ARGS` of the binary.
fn readelf(readelf: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(readelf)
        .arg("-W")
        .args(args)
        .arg(bin())
        .output()
        .expect("readelf runs");
    assert!(out.status.success(), "readelf {args:?} failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The running glibc's version as (major, minor).
fn glibc() -> (u32, u32) {
    // SAFETY: gnu_get_libc_version returns a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(libc::gnu_get_libc_version()) };
    let version = version.to_string_lossy();
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn the_binary_is_hardened_and_its_start_up_code_comes_first() {
    let Some(tool) = tool("readelf") else { return };
    let header = readelf(&tool, &["-h"]);
    assert!(
        header.contains("DYN (Position-Independent Executable"),
        "not PIE:\n{header}"
    );
    let segments = readelf(&tool, &["-l"]);
    assert!(segments.contains("GNU_RELRO"), "no RELRO:\n{segments}");
    let dynamic = readelf(&tool, &["-d"]);
    assert!(
        dynamic.contains("(FLAGS)              BIND_NOW"),
        "{dynamic}"
    );
    assert!(dynamic.contains("Flags: NOW PIE"), "{dynamic}");

    let sections = readelf(&tool, &["-S"]);
    let hot = sections
        .lines()
        .find(|l| l.contains(" .text.hot "))
        .unwrap_or_else(|| panic!("no .text.hot section:\n{sections}"));
    // [Nr] Name Type Address Off Size ...: the size is the 6th field after "]".
    let after = hot.split(']').nth(1).unwrap_or_default();
    let size = after.split_whitespace().nth(4).unwrap_or_default();
    let size = u64::from_str_radix(size, 16).unwrap_or(0);
    assert!(
        size > 64 * 1024,
        ".text.hot holds only {size} bytes:\n{hot}"
    );
    assert!(
        sections.find(" .text.hot ") < sections.find(" .text "),
        ".text.hot is not before .text:\n{sections}"
    );

    if glibc() >= (2, 36) {
        assert!(
            dynamic.contains("(RELR)"),
            "no packed relocations:\n{dynamic}"
        );
    }
}
