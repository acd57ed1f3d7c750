//! All quoting of values for shells lives here: one function per syntax.
//! (shell-words is for splitting commands, never for quoting values.)

/// POSIX sh (bash, zsh, dash): a single-quoted word; each `'` becomes `'\''`.
/// Inside single quotes nothing is special, newlines included, so no value can
/// run code. `$'…'` is never used: dash does not know it.
pub fn sh(value: &str) -> String {
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
    out
}

/// A word as a user would type it for sh, for hints in messages: bare when
/// nothing in it is special to a shell, else as `sh` quotes it.
pub fn sh_word(value: &str) -> String {
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-/+=.:@%,".contains(c);
    if !value.is_empty() && value.chars().all(bare) {
        value.to_string()
    } else {
        sh(value)
    }
}

/// fish: a single-quoted word, where only `\` and `'` are special.
pub fn fish(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// PowerShell: a single-quoted string, where `'` and the typographic quotes
/// U+2018–U+201B also end the string, so each is doubled.
pub fn powershell(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}'..='\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A dotenv value: bare when it holds only characters every dotenv reader
/// takes as they are (docker --env-file, systemd, python-dotenv, direnv's
/// dotenv), else single-quoted. None for a value no dotenv syntax can carry
/// safely (a `'` or a line break); the session's values never hold one.
pub fn dotenv(value: &str) -> Option<String> {
    let bare = |c: char| c.is_ascii_alphanumeric() || "_-/+=.:@%,".contains(c);
    if !value.is_empty() && value.chars().all(bare) {
        Some(value.to_string())
    } else if value.contains(['\'', '\n', '\r']) {
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
        assert_eq!(sh(""), "''");
        assert_eq!(sh("plain"), "'plain'");
        assert_eq!(sh("it's"), "'it'\\''s'");
        assert_eq!(sh("$(x) `y` \\n"), "'$(x) `y` \\n'");
    }

    #[test]
    fn fish_quotes() {
        assert_eq!(fish("it's"), "'it\\'s'");
        assert_eq!(fish("a\\b"), "'a\\\\b'");
        assert_eq!(fish("$(x) (y)"), "'$(x) (y)'");
    }

    #[test]
    fn powershell_quotes() {
        assert_eq!(powershell("it's"), "'it''s'");
        assert_eq!(
            powershell("\u{2018}a\u{2019}"),
            "'\u{2018}\u{2018}a\u{2019}\u{2019}'"
        );
        assert_eq!(powershell("$env:X `n"), "'$env:X `n'");
    }

    #[test]
    fn dotenv_values() {
        assert_eq!(dotenv("ASIA/x+y=").as_deref(), Some("ASIA/x+y="));
        assert_eq!(dotenv("a b").as_deref(), Some("'a b'"));
        assert_eq!(dotenv(""), Some("''".to_string()));
        assert_eq!(dotenv("it's"), None);
        assert_eq!(dotenv("a\nb"), None);
    }
}
