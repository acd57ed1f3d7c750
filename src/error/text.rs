//! Text that reaches the terminal: cleaned of what could forge or reorder
//! it, URLs without their passwords, an error with its causes.

/// The message as printed: one line, with control characters (which can come from
/// user input such as a profile name) removed so they cannot move the cursor or
/// forge further lines, and the invisible format characters (bidi overrides
/// and isolates, zero-width ones, line separators) removed so they cannot
/// make the text read otherwise than it is.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !invisible(*c))
        .collect()
}

/// Unicode format characters (category Cf) and the line and paragraph
/// separators: U+202E and its kin reorder what the terminal shows.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{AD}'
        | '\u{600}'..='\u{605}'
        | '\u{61C}'
        | '\u{6DD}'
        | '\u{70F}'
        | '\u{8E2}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// A URL without the user and password it may carry
/// (`http://user:pass@host/` → `http://***@host/`).
pub fn mask_url(url: &str) -> String {
    let Some(scheme) = url.find("://") else {
        return url.to_string();
    };
    let start = scheme + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}***{}", &url[..start], &url[start + at..]),
        None => url.to_string(),
    }
}

/// An error and its causes as one line, without the SDK's Debug dump.
pub fn causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// Like `clean`, for text of several lines: keeps the newlines only.
pub fn clean_lines(text: &str) -> String {
    text.chars()
        .filter(|c| *c == '\n' || (!c.is_control() && !invisible(*c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_controls_and_bidi() {
        assert_eq!(clean("a\u{1b}[2Jb\nc"), "a[2Jbc");
        assert_eq!(
            clean("evil\u{202E}txt.exe\u{2066}x\u{2069}\u{200B}"),
            "eviltxt.exex"
        );
        assert_eq!(clean_lines("a\u{202E}\nb"), "a\nb");
        assert_eq!(clean("né ☃ ‘q’"), "né ☃ ‘q’");
    }

    #[test]
    fn masks_url_passwords() {
        assert_eq!(
            mask_url("http://u:secret@host:8080/x"),
            "http://***@host:8080/x"
        );
        assert_eq!(mask_url("http://u:p@ss@host/"), "http://***@host/");
        assert_eq!(mask_url("http://host/a@b"), "http://host/a@b");
        assert_eq!(
            mask_url("http://u:secret@proxy:8080"),
            "http://***@proxy:8080"
        );
        assert_eq!(mask_url("http://proxy:8080"), "http://proxy:8080");
        assert_eq!(
            mask_url("https://sts.amazonaws.com"),
            "https://sts.amazonaws.com"
        );
        assert_eq!(mask_url("no scheme@x"), "no scheme@x");
    }
}
