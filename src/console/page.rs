//! The page the browser gets instead of the sign-in URL: the URL carries a
//! sign-in token (15 minutes of the role), and a browser's argv is readable
//! by every local user (/proc/PID/cmdline). So the browser is handed
//! `file://…/signin.html`, a 0600 file in a fresh 0700 folder that sends it on
//! to the URL, and a detached `sh` removes both once the browser has had
//! `KEPT` to read the page.

use crate::session::Secret;
use crate::snapshot::Snapshot;
use rustix::fs::{Mode, OFlags, mkdir, open};
use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long the page stays for the browser to read.
pub const KEPT: Duration = Duration::from_secs(30);

/// The written page: its folder and its `file://` URL (no secret in it).
pub struct Page {
    dir: PathBuf,
    file: PathBuf,
    pub url: String,
}

impl Page {
    /// Writes the page that sends the browser on to `url`. Err: why not
    /// (nothing is left behind).
    pub fn write(url: &Secret) -> Result<Page, String> {
        let snap = Snapshot::current();
        let base = ["XDG_RUNTIME_DIR", "TMPDIR"]
            .iter()
            .filter_map(|var| snap.var(var).map(PathBuf::from))
            .find(|p| p.is_absolute())
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|err| format!("no random name: {err}"))?;
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let dir = base.join(format!("mfa-env-console-{name}"));
        mkdir(&dir, Mode::from_raw_mode(0o700))
            .map_err(|err| format!("could not make {}: {err}", dir.display()))?;
        let file = dir.join("signin.html");
        let page = Page {
            url: url::Url::from_file_path(&file)
                .map(String::from)
                .map_err(|()| format!("{} is not an absolute path", file.display()))?,
            dir,
            file,
        };
        let written = open(
            &page.file,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map_err(std::io::Error::from)
        .and_then(|fd| File::from(fd).write_all(html(url).expose().as_bytes()));
        match written {
            Ok(()) => Ok(page),
            Err(err) => {
                page.remove_now();
                Err(format!("could not write {}: {err}", page.file.display()))
            }
        }
    }

    /// Removes the page at once (no browser started).
    pub fn remove_now(&self) {
        let _ = std::fs::remove_file(&self.file);
        let _ = std::fs::remove_dir(&self.dir);
    }

    /// Removes the page after `KEPT`, from a detached `sh` in its own
    /// process group (mfa-env returns at once); at once if that cannot start.
    pub fn remove_later(&self) {
        let started = Command::new("/bin/sh")
            .args(["-c", "sleep \"$1\"; rm -f -- \"$2\"; rmdir -- \"$3\""])
            .arg("mfa-env-console")
            .arg(KEPT.as_secs().to_string())
            .args([&self.file, &self.dir])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
        if started.is_err() {
            self.remove_now();
        }
    }
}

/// The page: a refresh to the URL at once, and a link to it.
fn html(url: &Secret) -> Secret {
    let escaped = zeroize::Zeroizing::new(
        url.expose()
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;"),
    );
    let escaped = escaped.as_str();
    Secret::new(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
         <meta http-equiv=\"refresh\" content=\"0;url={escaped}\"><title>mfa-env: AWS console</title></head>\
         <body><a href=\"{escaped}\">Sign in to the AWS console</a></body></html>\n"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_page_sends_the_browser_on_escaped() {
        let page = super::html(&crate::session::Secret::new(
            "https://h/f?Action=login&SigninToken=a%2Bb\"<x>",
        ));
        let escaped = "https://h/f?Action=login&amp;SigninToken=a%2Bb&quot;&lt;x&gt;";
        assert!(
            page.expose()
                .contains(&format!("content=\"0;url={escaped}\"")),
            "{}",
            page.expose()
        );
        assert!(page.expose().contains(&format!("href=\"{escaped}\"")));
    }
}
