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

#[cfg(test)]
mod tests {
    use super::sh;

    #[test]
    fn sh_quotes() {
        assert_eq!(sh(""), "''");
        assert_eq!(sh("plain"), "'plain'");
        assert_eq!(sh("it's"), "'it'\\''s'");
        assert_eq!(sh("$(x) `y` \\n"), "'$(x) `y` \\n'");
    }
}
