//! `mfa-env man`: the man page, in man(7) roff. The options of the command
//! and of every subcommand come from the clap types, so the page cannot fall
//! behind them; the rest is written in `text`. It refers to no other page, so
//! nothing in it dangles; `mandoc -T lint` finds nothing to say.

mod text;

use clap::{Arg, Command};
use std::fmt::Write;
use text::{DATE, ENVIRONMENT, EXAMPLES, EXIT_STATUS, FILES};

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
        "The code comes from --token-code (or - for one line of standard input), else from --token-command, else as --prompt says, else from the profile's mfa_process, else as MFA_ENV_PROMPT or the profile's mfa_prompt says, else (auto) from a prompt on the terminal itself (never on standard output) or, without a terminal, a desktop dialog (zenity or kdialog with DISPLAY or WAYLAND_DISPLAY set, osascript on macOS). A token command and ykman get the terminal as their standard input and error when there is one. A typo and a code STS refuses are asked for again: 3 answers in all. Under --server a code from --token-code or standard input is for the first session only, and a renewal never asks on the terminal the command reads: it takes its code from --token-command, mfa_process, ykman or a desktop dialog, else it fails and says how to renew from a shell.",
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
