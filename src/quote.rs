//! All quoting of values for shells lives here: one function per syntax.
//! (shell-words is for splitting commands, never for quoting values.)
//!
//! Every function refuses (None) a value holding a control character (C0:
//! NUL, newline, escape… and DEL): shells disagree on them (bash and dash drop
//! a NUL, zsh cuts the value there, fish refuses the line), and no session
//! value holds one.

/// True when `value` holds a character no output of mfa-env carries.
pub fn has_control(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_control())
}

/// POSIX sh (bash, zsh, dash): a single-quoted word; each `'` becomes `'\''`.
/// Inside single quotes nothing is special, so no value can run code. `$'…'`
/// is never used: dash does not know it.
pub fn sh(value: &str) -> Option<String> {
    if has_control(value) {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    Some(out)
}

/// A word as a user would type it for sh, for hints in messages: bare when
/// nothing in it is special to a shell, else as `sh` quotes it (without its
/// control characters, which messages never show).
pub fn sh_word(value: &str) -> String {
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-/+=.:@%,".contains(c);
    if !value.is_empty() && value.chars().all(bare) {
        value.to_string()
    } else {
        let visible: String = value.chars().filter(|c| !c.is_ascii_control()).collect();
        sh(&visible).unwrap_or_default()
    }
}

/// fish: a single-quoted word, where only `\` and `'` are special.
pub fn fish(value: &str) -> Option<String> {
    if has_control(value) {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    Some(out)
}

/// PowerShell: a single-quoted string, where `'` and the typographic quotes
/// U+2018–U+201B also end the string, so each is doubled.
pub fn powershell(value: &str) -> Option<String> {
    if has_control(value) {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}'..='\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Some(out)
}

/// A dotenv value: bare when it holds only characters every dotenv reader
/// takes as they are (docker compose --env-file, systemd, python-dotenv,
/// direnv's dotenv), else single-quoted. None for a value the readers do not
/// all read back as it is: a `'`, a control character, and `$` and `\`
/// (python-dotenv expands `${VAR}` and `\\` even inside single quotes, the
/// others do not). Session values never hold one.
pub fn dotenv(value: &str) -> Option<String> {
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-/+=.:@%,".contains(c);
    if !value.is_empty() && value.chars().all(bare) {
        Some(value.to_string())
    } else if has_control(value) || value.contains(['\'', '$', '\\']) {
        None
    } else {
        Some(format!("'{value}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sh_quotes() {
        assert_eq!(sh("").as_deref(), Some("''"));
        assert_eq!(sh("plain").as_deref(), Some("'plain'"));
        assert_eq!(sh("it's").as_deref(), Some("'it'\\''s'"));
        assert_eq!(sh("$(x) `y` \\n").as_deref(), Some("'$(x) `y` \\n'"));
    }

    #[test]
    fn fish_quotes() {
        assert_eq!(fish("it's").as_deref(), Some("'it\\'s'"));
        assert_eq!(fish("a\\b").as_deref(), Some("'a\\\\b'"));
        assert_eq!(fish("$(x) (y)").as_deref(), Some("'$(x) (y)'"));
    }

    #[test]
    fn powershell_quotes() {
        assert_eq!(powershell("it's").as_deref(), Some("'it''s'"));
        assert_eq!(
            powershell("\u{2018}a\u{2019}").as_deref(),
            Some("'\u{2018}\u{2018}a\u{2019}\u{2019}'")
        );
        assert_eq!(powershell("$env:X `n").as_deref(), Some("'$env:X `n'"));
    }

    #[test]
    fn dotenv_values() {
        assert_eq!(dotenv("ASIA/x+y=").as_deref(), Some("ASIA/x+y="));
        assert_eq!(dotenv("a b").as_deref(), Some("'a b'"));
        assert_eq!(dotenv(""), Some("''".to_string()));
        assert_eq!(dotenv("it's"), None);
        assert_eq!(dotenv("a\nb"), None);
        assert_eq!(dotenv("a ${HOME}"), None);
        assert_eq!(dotenv("a\\b"), None);
    }

    #[test]
    fn controls_are_refused_everywhere() {
        for value in ["a\0b", "a\nb", "\r", "\t", "\u{1b}[2J", "\u{7f}"] {
            assert_eq!(sh(value), None, "{value:?}");
            assert_eq!(fish(value), None, "{value:?}");
            assert_eq!(powershell(value), None, "{value:?}");
            assert_eq!(dotenv(value), None, "{value:?}");
        }
    }
}
