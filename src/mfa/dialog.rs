//! Desktop dialogs for the code, for runs without a terminal (an IDE, a GUI
//! git client, a credential_process started by an app): zenity, kdialog or
//! osascript, given the text as an argument (never through a shell or a
//! script's source).

use super::Code;
use super::run::{self, Streams};
use crate::error::{Error, clean_lines};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    Zenity,
    Kdialog,
    Osascript,
}

/// What a dialog's run came to.
/// No Debug: it can hold the code.
#[derive(PartialEq, Eq)]
enum Answer {
    Typed(Code),
    Cancelled,
    Failed(String),
}

impl Dialog {
    pub const ALL: [Dialog; 3] = [Dialog::Zenity, Dialog::Kdialog, Dialog::Osascript];

    pub fn program(self) -> &'static str {
        match self {
            Dialog::Zenity => "zenity",
            Dialog::Kdialog => "kdialog",
            Dialog::Osascript => "osascript",
        }
    }

    /// Why this dialog cannot be shown here; None when it can.
    pub fn unavailable(self) -> Option<String> {
        let program = self.program();
        if self == Dialog::Osascript && !cfg!(target_os = "macos") {
            return Some("osascript is only on macOS".into());
        }
        if which::which(program).is_err() {
            return Some(format!("{program} is not installed (not on PATH)"));
        }
        let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
            .iter()
            .any(|var| crate::snapshot::Snapshot::current().is_set(var));
        if self != Dialog::Osascript && !desktop {
            return Some(format!(
                "{program} needs a desktop, and neither DISPLAY nor WAYLAND_DISPLAY is set"
            ));
        }
        None
    }

    /// The first dialog that can be shown here (zenity, kdialog, osascript).
    pub fn first_available() -> Option<Dialog> {
        Dialog::ALL.into_iter().find(|d| d.unavailable().is_none())
    }

    /// The program and its arguments that ask for a code with `text`.
    pub fn argv(self, text: &str) -> Vec<String> {
        let text = clean_lines(text);
        // zenity reads its text with backslash escapes and `_` as a mnemonic
        // marker (my_profile would show as myprofile); kdialog takes `&` as
        // one. Doubled, each shows as itself.
        let zenity_text = text.replace('\\', "\\\\").replace('_', "__");
        let kdialog_text = text.replace('&', "&&");
        let words: Vec<&str> = match self {
            Dialog::Zenity => vec![
                "zenity",
                "--entry",
                "--title",
                "mfa-env",
                "--text",
                &zenity_text,
                "--width",
                "420",
            ],
            Dialog::Kdialog => vec![
                "kdialog",
                "--title",
                "mfa-env",
                "--inputbox",
                &kdialog_text,
                "",
            ],
            // The text is the script's argument, never part of its source.
            Dialog::Osascript => vec![
                "osascript",
                "-e",
                "on run argv",
                "-e",
                "display dialog (item 1 of argv) default answer \"\" with title \"mfa-env\" buttons {\"Cancel\", \"OK\"} default button \"OK\" cancel button \"Cancel\"",
                "-e",
                "return text returned of result",
                "-e",
                "end run",
                &text,
            ],
        };
        words.into_iter().map(str::to_string).collect()
    }

    /// Shows the dialog and returns the answer as typed (the caller checks
    /// it). Cancel is `Error::Cancelled`.
    pub fn ask(self, text: &str, timeout: Duration) -> Result<Code, Error> {
        let fail = |why: String| Error::Dialog {
            program: self.program(),
            why,
        };
        let done = run::run(&self.argv(text), Streams::Quiet, timeout)
            .map_err(|err| fail(format!("could not start ({err})")))?;
        let Some(status) = done.status else {
            return Err(fail(format!(
                "got no answer within {} seconds and was closed",
                timeout.as_secs()
            )));
        };
        match self.outcome(status.code(), &done.stdout, &done.tail) {
            Answer::Typed(line) => Ok(line),
            Answer::Cancelled => Err(Error::Cancelled {
                how: format!("the {} dialog was cancelled", self.program()),
            }),
            Answer::Failed(why) => Err(fail(why)),
        }
    }

    /// What an exit status and output mean for this dialog.
    fn outcome(self, code: Option<i32>, stdout: &str, tail: &str) -> Answer {
        match (self, code) {
            (_, Some(0)) => {
                Answer::Typed(Code::new(stdout.lines().next().unwrap_or("").to_string()))
            }
            // zenity and kdialog: 1 is Cancel (or the window closed).
            (Dialog::Zenity | Dialog::Kdialog, Some(1)) => Answer::Cancelled,
            // osascript: "execution error: User canceled. (-128)".
            (Dialog::Osascript, Some(1)) if tail.contains("(-128)") => Answer::Cancelled,
            (_, code) => {
                let status = match code {
                    Some(code) => format!("failed with exit status {code}"),
                    None => "was killed by a signal".into(),
                };
                Answer::Failed(if tail.is_empty() {
                    status
                } else {
                    format!("{status}; its stderr ended with: {tail}")
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "MFA code for profile work (arn:aws:iam::123456789012:mfa/alice):";

    #[test]
    fn zenity_arguments() {
        assert_eq!(
            Dialog::Zenity.argv(TEXT),
            [
                "zenity", "--entry", "--title", "mfa-env", "--text", TEXT, "--width", "420"
            ]
        );
    }

    #[test]
    fn kdialog_arguments() {
        assert_eq!(
            Dialog::Kdialog.argv(TEXT),
            ["kdialog", "--title", "mfa-env", "--inputbox", TEXT, ""]
        );
    }

    #[test]
    fn osascript_arguments_keep_the_text_out_of_the_script() {
        let hostile = "profile \"x\" & do shell script \"touch /tmp/p\"";
        let argv = Dialog::Osascript.argv(hostile);
        assert_eq!(argv[0], "osascript");
        assert_eq!(argv.last().map(String::as_str), Some(hostile));
        let script: Vec<&str> = argv[1..argv.len() - 1]
            .chunks(2)
            .map(|pair| {
                assert_eq!(pair[0], "-e");
                pair[1].as_str()
            })
            .collect();
        assert_eq!(
            script,
            [
                "on run argv",
                "display dialog (item 1 of argv) default answer \"\" with title \"mfa-env\" buttons {\"Cancel\", \"OK\"} default button \"OK\" cancel button \"Cancel\"",
                "return text returned of result",
                "end run",
            ]
        );
    }

    #[test]
    fn what_the_toolkits_would_read_as_markup_is_doubled() {
        let text = "MFA code for profile my_work & co\\x (arn:aws:iam::123456789012:mfa/a_b):";
        assert_eq!(
            Dialog::Zenity.argv(text)[5],
            "MFA code for profile my__work & co\\\\x (arn:aws:iam::123456789012:mfa/a__b):"
        );
        assert_eq!(
            Dialog::Kdialog.argv(text)[4],
            "MFA code for profile my_work && co\\x (arn:aws:iam::123456789012:mfa/a_b):"
        );
        assert_eq!(
            Dialog::Osascript.argv(text).last().map(String::as_str),
            Some(text)
        );
    }

    #[test]
    fn control_characters_are_not_shown() {
        let argv = Dialog::Zenity.argv("note\nMFA code for \u{1b}[2Jprofile:");
        assert_eq!(argv[5], "note\nMFA code for [2Jprofile:");
    }

    #[test]
    fn outcomes() {
        let typed = |d: Dialog| d.outcome(Some(0), "123456\n", "");
        for dialog in Dialog::ALL {
            assert!(typed(dialog) == Answer::Typed(Code::new("123456".into())));
        }
        assert!(Dialog::Zenity.outcome(Some(1), "", "") == Answer::Cancelled);
        assert!(Dialog::Kdialog.outcome(Some(1), "", "") == Answer::Cancelled);
        assert!(
            Dialog::Osascript.outcome(Some(1), "", "0:83: execution error: User canceled. (-128)")
                == Answer::Cancelled
        );
        assert!(
            Dialog::Osascript.outcome(Some(1), "", "syntax error")
                == Answer::Failed(
                    "failed with exit status 1; its stderr ended with: syntax error".into()
                )
        );
        assert!(
            Dialog::Zenity.outcome(Some(255), "", "")
                == Answer::Failed("failed with exit status 255".into())
        );
    }
}
