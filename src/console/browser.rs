//! Starting a browser on the sign-in URL: `$BROWSER` when set (a command,
//! split with shell-words and run without a shell; `%s` in it is replaced by
//! the URL, else the URL is appended), else xdg-open (Linux), open (macOS) or
//! wslview (WSL). The browser starts detached, in its own process group with
//! stdin, stdout and stderr on /dev/null, and is not waited for.

use crate::snapshot::Snapshot;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

/// Starts a browser on `url`. Ok: the program started; Err: why none was
/// (never with the URL in it).
pub fn open(url: &str) -> Result<String, String> {
    let argv = command(url)?;
    let Some((program, args)) = argv.split_first() else {
        return Err("$BROWSER is empty".into());
    };
    let spawned = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    match spawned {
        // Not waited for: the browser lives on after mfa-env returns, and
        // init reaps it.
        Ok(child) => {
            drop(child);
            Ok(program.clone())
        }
        Err(err) => Err(format!("could not start {program}: {err}")),
    }
}

/// The browser's argv: $BROWSER's words with the URL, else the first of the
/// system's openers found on PATH with the URL.
fn command(url: &str) -> Result<Vec<String>, String> {
    if let Some(browser) = Snapshot::current().var("BROWSER") {
        let words = shell_words::split(browser)
            .map_err(|_| "$BROWSER could not be split into words (an unclosed quote?)")?;
        if words.first().is_none_or(|w| w.contains("%s")) {
            return Err("$BROWSER does not start with a program".into());
        }
        return Ok(with_url(words, url));
    }
    let openers = openers();
    openers
        .iter()
        .find(|name| which::which(name).is_ok())
        .map(|name| vec![name.to_string(), url.to_string()])
        .ok_or_else(|| {
            format!(
                "no browser to start: $BROWSER is not set and {} is not on PATH",
                openers.join(" or ")
            )
        })
}

/// `%s` replaced by the URL wherever it occurs, else the URL appended.
fn with_url(words: Vec<String>, url: &str) -> Vec<String> {
    if words.iter().any(|w| w.contains("%s")) {
        words.into_iter().map(|w| w.replace("%s", url)).collect()
    } else {
        let mut words = words;
        words.push(url.to_string());
        words
    }
}

/// The programs that open a URL in the user's browser here.
fn openers() -> &'static [&'static str] {
    if cfg!(target_os = "macos") {
        &["open"]
    } else if ["WSL_DISTRO_NAME", "WSL_INTEROP"]
        .iter()
        .any(|var| Snapshot::current().var_os(var).is_some())
    {
        &["wslview", "xdg-open"]
    } else {
        &["xdg-open"]
    }
}

#[cfg(test)]
mod tests {
    use super::with_url;

    #[test]
    fn url_replaces_percent_s_or_is_appended() {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        assert_eq!(
            with_url(words(&["firefox", "--new-tab"]), "https://u"),
            words(&["firefox", "--new-tab", "https://u"])
        );
        assert_eq!(
            with_url(words(&["b", "--url=%s", "x"]), "https://u"),
            words(&["b", "--url=https://u", "x"])
        );
    }
}
