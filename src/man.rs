//! `mfa-env man`: the man page, in man(7) roff. The options of the command
//! and of every subcommand come from the clap types, so the page cannot fall
//! behind them; the rest is written here. It refers to no other page, so
//! nothing in it dangles; `mandoc -T lint` finds nothing to say.

use clap::{Arg, Command};
use std::fmt::Write;

/// The date of the page (the last change of its text).
const DATE: &str = "2026-11-27";

/// Examples: the command line, and what it does.
const EXAMPLES: &[(&str, &str)] = &[
    (
        "eval \"$(mfa-env)\"",
        "Export a session of the default profile into this shell.",
    ),
    (
        "eval \"$(mfa-env --profile work)\"",
        "The same for profile work.",
    ),
    ("mfa-env -- aws s3 ls", "Run one command with the session."),
    (
        "mfa-env -p work -d 1h -- terraform plan",
        "A one-hour session of profile work for one command.",
    ),
    (
        "op item get AWS --otp | mfa-env -t -",
        "Read the MFA code from standard input.",
    ),
    ("mfa-env shell work", "Start $SHELL with the session."),
    (
        "mfa-env --server -p admin -- terraform apply",
        "Run terraform as mfa-env's child, serving it the session on 127.0.0.1 and renewing it for as long as the MFA session lasts.",
    ),
    (
        "mfa-env list",
        "Every profile: what mfa-env can do with it, its region and the time left of its cached session.",
    ),
    ("mfa-env status", "The cached sessions and their time left."),
    (
        "mfa-env console -p admin --service s3",
        "Open the S3 console in the browser, signed in as the role of profile admin.",
    ),
    (
        "mfa-env status --check -p work",
        "Exit 0 while profile work has a valid cached session; print nothing.",
    ),
    (
        "mfa-env clear --all",
        "Delete every session mfa-env has cached.",
    ),
    (
        "mfa-env doctor -p work",
        "Check the setup of profile work and say how to fix what is wrong.",
    ),
    (
        "eval \"$(mfa-env init bash)\"",
        "Define mfa-env-use, mfa-env-unset and mfa-env-prompt in bash (or zsh).",
    ),
    (
        "source <(mfa-env completions bash)",
        "Complete subcommands, options and profile names in bash.",
    ),
    (
        "credential_process = mfa-env credential-process --profile work",
        "In ~/.aws/config, in a profile of its own: the AWS CLI and the SDKs get the session.",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "AWS_PROFILE, MFA_ENV_PROFILE",
        "The profile when --profile is not given, in this order; else default. An eval of mfa-env sets MFA_ENV_PROFILE and unsets AWS_PROFILE.",
    ),
    (
        "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE",
        "Where the config and credentials files are.",
    ),
    (
        "AWS_REGION, AWS_DEFAULT_REGION",
        "The region when neither --region nor the profile's region is set.",
    ),
    (
        "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT",
        "Where STS requests go.",
    ),
    (
        "AWS_CA_BUNDLE",
        "A PEM file that replaces the system's certificate roots.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, NO_PROXY",
        "The proxy for STS and federation requests, and the hosts that bypass it.",
    ),
    (
        "MFA_ENV_FEDERATION_URL",
        "The federation endpoint of mfa-env console; else the sign-in endpoint of the role's partition.",
    ),
    (
        "BROWSER",
        "The browser mfa-env console starts: a command, with %s replaced by the address of the page that sends it on to the sign-in URL, else that address appended; else xdg-open, open or wslview.",
    ),
    (
        "XDG_RUNTIME_DIR, TMPDIR",
        "Where mfa-env console writes the 0600 page for the browser (in a fresh 0700 folder, removed 30 seconds later); else /tmp.",
    ),
    (
        "XDG_CACHE_HOME, HOME",
        "Where the session cache is: $XDG_CACHE_HOME/mfa-env, else ~/.cache/mfa-env.",
    ),
    (
        "SHELL",
        "The shell that mfa-env shell starts; else /bin/sh.",
    ),
    (
        "MFA_ENV_COMPLETE",
        "Set by the completion scripts: mfa-env then prints completions for the words after --, and nothing else. mfa-env's own name, so that a COMPLETE set for another tool changes nothing.",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION",
        "Set to the session (with AWS_ACCOUNT_ID when the role ARN or the MFA device ARN names the account, else it is unset; AWS_REGION, AWS_DEFAULT_REGION and MFA_ENV_PROFILE) in the shell or command. AWS_SECURITY_TOKEN, AWS_SESSION_EXPIRATION, AWS_PROFILE, AWS_DEFAULT_PROFILE and AWS_SDK_LOAD_CONFIG are unset. The long-term keys are always read from the profile, never from AWS_ACCESS_KEY_ID.",
    ),
    (
        "MFA_ENV_PROMPT",
        "How to ask for the code when neither a flag nor the profile's mfa_process gives it (as --prompt); before the profile's mfa_prompt.",
    ),
    (
        "YKMAN_OATH_DEVICE_SERIAL",
        "The YubiKey --prompt ykman asks (ykman --device).",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "A desktop for the zenity and kdialog dialogs.",
    ),
    (
        "DIRENV_WARN_TIMEOUT",
        "Inside direnv, when direnv says the .envrc is taking a while: the prompt is then written again on a line of its own.",
    ),
    (
        "MFA_ENV_SHELL",
        "Set to the profile in the shell that mfa-env shell starts.",
    ),
    (
        "AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN, MFA_ENV_SERVER",
        "With --server: the endpoint on 127.0.0.1 and its token (new for every run), and 1, in the command instead of the keys; AWS_SHARED_CREDENTIALS_FILE is /dev/null there (MFA_ENV_SHARED_CREDENTIALS_FILE names the real one, which an mfa-env in the command reads), and AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE are unset with the key variables.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "~/.aws/config, ~/.aws/credentials",
        "The profiles, read with aws-config's profile loader and never written.",
    ),
    (
        "~/.cache/mfa-env/",
        "The session cache: a folder of mode 0700 holding one HASH.json (mode 0600) per session and its HASH.lock. mfa-env clear deletes them.",
    ),
];

const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success."),
    (
        "1",
        "A setup or AWS error (the message says what failed, why, and how to fix it); status --check with no valid session; doctor with a failed check. A failed run (1 or 2) whose output is for eval (sh or fish, to a pipe) prints false on standard output, so that the eval fails too.",
    ),
    (
        "2",
        "A malformed command line (an option of another command, a malformed duration, a command without --), a console --destination or --service that is not a page of the console, or --server without a command to serve.",
    ),
    (
        "126",
        "The command after -- is not executable (permission denied) or is a directory.",
    ),
    ("127", "The command after -- does not exist."),
    ("130", "Ctrl-C at the MFA prompt, or Cancel in its dialog."),
    (
        "other",
        "With -- CMD, the command's own exit status (or 128 + the signal that ended it): mfa-env replaces itself with it, or with --server waits for it and ends the same way.",
    ),
];

/// The page for `cmd` (the clap command of mfa-env).
pub fn page(cmd: &Command) -> String {
    let name = cmd.get_name();
    let mut out = String::new();
    let version = cmd.get_version().unwrap_or("");
    let _ = writeln!(
        out,
        ".TH MFA\\-ENV 1 {DATE} \"{name} {}\" \"User Commands\"",
        escape(version)
    );
    out.push_str(".SH NAME\n");
    let _ = writeln!(
        out,
        "{name} \\- {}",
        escape(&about(cmd).to_lowercase_first())
    );
    out.push_str(".SH SYNOPSIS\n");
    let _ = writeln!(out, ".B {name}\n[\\fIOPTIONS\\fR]\n.br");
    let _ = writeln!(
        out,
        ".B {name}\n[\\fIOPTIONS\\fR] \\fB\\-\\-\\fR \\fICMD\\fR [\\fIARGS\\fR...]\n.br"
    );
    let _ = writeln!(out, ".B {name}\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR]");
    out.push_str(".SH DESCRIPTION\n");
    text(
        &mut out,
        "mfa-env gets an AWS MFA session from STS with the long-term keys of a profile and an MFA code, and hands it to the shell (as lines for eval) or to one command, without ever writing ~/.aws/credentials or ~/.aws/config. A session is cached and reused while more than --min-ttl is left, so a code is asked for once per session. A cached session of the same user, or of the same role (role ARN, session name, external id, from the same keys and MFA device), is reused whatever made it (GetSessionToken, or AssumeRole chained from the MFA session or directly with the code): --duration sets the length of a new session only, except that with --duration given a cached session with more than --min-ttl less left than asked is not reused. status, status --check, clear --profile and list ask the same question as a run: which cached sessions would a run for this profile use.",
    );
    out.push_str(".PP\n");
    text(
        &mut out,
        "The code comes from --token-code (or - for one line of standard input), else from --token-command, else as --prompt says, else from the profile's mfa_process, else as MFA_ENV_PROMPT or the profile's mfa_prompt says, else (auto) from a prompt on the terminal itself (never on standard output) or, without a terminal, a desktop dialog (zenity or kdialog with DISPLAY or WAYLAND_DISPLAY set, osascript on macOS). A token command and ykman get the terminal as their standard input and error when there is one. A typo and a code STS refuses are asked for again: 3 answers in all.",
    );
    out.push_str(".SH OPTIONS\n");
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        option(&mut out, arg);
    }
    out.push_str(".SH COMMANDS\n");
    text(
        &mut out,
        "The options above are those of the default run. Each command takes its own, after it, as listed with it; -q and -v go with every command.",
    );
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let positionals: Vec<String> = sub
            .get_positionals()
            .filter(|a| !a.is_hide_set())
            .map(|a| {
                let name = format!("\\fI{}\\fR", escape(&value_name(a)));
                match (a.is_last_set(), a.is_required_set()) {
                    (true, _) => format!("[\\fB\\-\\-\\fR {name}...]"),
                    (false, true) => name,
                    (false, false) => format!("[{name}]"),
                }
            })
            .collect();
        let has_options = sub.get_arguments().any(|a| !a.is_positional());
        let _ = writeln!(
            out,
            ".SS \"{name} {}{}{}\"",
            escape(sub.get_name()),
            if has_options { " [OPTIONS]" } else { "" },
            positionals
                .iter()
                .map(|p| format!(" {p}"))
                .collect::<String>()
        );
        text(&mut out, &about(sub));
        let aliases: Vec<&str> = sub.get_visible_aliases().collect();
        if !aliases.is_empty() {
            text(&mut out, &format!("Alias: {}.", aliases.join(", ")));
        }
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            option(&mut out, arg);
        }
    }
    list(&mut out, "ENVIRONMENT", ENVIRONMENT, true);
    list(&mut out, "FILES", FILES, true);
    list(&mut out, "EXIT STATUS", EXIT_STATUS, true);
    out.push_str(".SH EXAMPLES\n");
    for (command, what) in EXAMPLES {
        let _ = writeln!(out, ".TP\n.B {}", quoted_arg(command));
        text(&mut out, what);
    }
    out.push_str(".SH SEE ALSO\n");
    text(
        &mut out,
        "The README of mfa-env, and the AWS CLI User Guide (configuration and credential files):",
    );
    // \% keeps groff from hyphenating the address.
    out.push_str("\\%https://docs.aws.amazon.com/cli/latest/userguide/\n");
    out
}

trait LowerFirst {
    fn to_lowercase_first(&self) -> String;
}

impl LowerFirst for String {
    fn to_lowercase_first(&self) -> String {
        let mut chars = self.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

fn about(cmd: &Command) -> String {
    cmd.get_about()
        .map(|a| a.to_string())
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .and_then(|names| names.first())
        .map(|n| n.to_string())
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
}

/// One option as a tagged paragraph: `-p, --profile NAME`, its help, and the
/// values it takes.
fn option(out: &mut String, arg: &Arg) {
    let mut tag = Vec::new();
    if let Some(short) = arg.get_short() {
        tag.push(format!("\\fB\\-{}\\fR", escape(&short.to_string())));
    }
    if let Some(long) = arg.get_long() {
        tag.push(format!("\\fB\\-\\-{}\\fR", escape(long)));
    }
    let takes_value = arg.get_action().takes_values();
    let mut line = tag.join(", ");
    if arg.is_positional() {
        line = format!("\\fI{}\\fR", escape(&value_name(arg)));
    } else if takes_value {
        let _ = write!(line, " \\fI{}\\fR", escape(&value_name(arg)));
    }
    let _ = writeln!(out, ".TP\n{line}");
    let mut help = arg
        .get_help()
        .map(|h| h.to_string())
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && takes_value {
        let sep = if help.is_empty() { "One" } else { "; one" };
        let _ = write!(help, "{sep} of: {}", values.join(", "));
    }
    text(out, &help);
}

fn list(out: &mut String, section: &str, items: &[(&str, &str)], bold: bool) {
    let _ = writeln!(out, ".SH {section}");
    for (tag, what) in items {
        let tag = escape(tag);
        if bold {
            let _ = writeln!(out, ".TP\n\\fB{tag}\\fR");
        } else {
            let _ = writeln!(out, ".TP\n{tag}");
        }
        text(out, what);
    }
}

/// Filled text, escaped and wrapped below 80 bytes a line.
fn text(out: &mut String, words: &str) {
    let mut line = String::new();
    for word in words.split_whitespace().map(escape) {
        if !line.is_empty() && line.len() + 1 + word.len() > 76 {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
}

/// One argument of a request line, in double quotes.
fn quoted_arg(text: &str) -> String {
    format!("\"{}\"", escape(text).replace('"', "\\(dq"))
}

/// Text made safe for roff: backslashes and hyphens escaped, a leading
/// control character neutralized, anything beyond ASCII as a \[uXXXX] glyph.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c if c.is_ascii_control() => {}
            c => {
                let _ = write!(out, "\\[u{:04X}]", u32::from(c));
            }
        }
    }
    if out.starts_with('.') || out.starts_with('\'') {
        out.insert_str(0, "\\&");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn roff_escapes() {
        assert_eq!(escape("--json"), "\\-\\-json");
        assert_eq!(escape(".x"), "\\&.x");
        assert_eq!(escape("'x"), "\\&'x");
        assert_eq!(escape("a\\b"), "a\\eb");
        assert_eq!(escape("AKIA…"), "AKIA\\[u2026]");
    }
}
