//! One profile's sections of a file, cut out by a scan of its header lines,
//! so that resolving one profile hands aws-config's loader only that
//! profile's sections (and the lines before the first section, where a stray
//! line is an error the loader must still see). The loader still decides what
//! the sections mean (`[profile x]` against `[x]`, which file, merging); this
//! only leaves out sections whose header names another profile. A header
//! that cannot be read is kept, with what follows it, so the loader refuses
//! it as it would in the whole file.

/// The name a header line ends with: `[profile  x ]` → `x`, `[x]` → `x`;
/// None when the line is not a readable header.
fn header_name(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    let inner = inner[..inner.find(']')?].trim();
    Some(match inner.split_once([' ', '\t']) {
        Some((_, name)) => name.trim(),
        None => inner,
    })
}

/// Where each section starts: the offsets of the lines that begin with `[`.
fn starts(text: &str) -> impl Iterator<Item = usize> + '_ {
    // memchr finds the few `[` (a header's, mostly) faster than every line
    // break; a two-byte pattern is slower still.
    let bytes = text.as_bytes();
    text.match_indices('[')
        .map(|(i, _)| i)
        .filter(move |&i| i == 0 || bytes[i - 1] == b'\n')
}

/// The text of `name`'s sections of `text` (with the lines before the first
/// section), in the file's order.
pub(super) fn cut(text: &str, name: &str) -> String {
    let mut out = String::new();
    let mut keep = |part: &str| {
        out.push_str(part);
        if !part.ends_with('\n') {
            out.push('\n');
        }
    };
    let mut sections = starts(text).peekable();
    let first = sections.peek().copied().unwrap_or(text.len());
    if first > 0 {
        keep(&text[..first]);
    }
    while let Some(start) = sections.next() {
        let end = sections.peek().copied().unwrap_or(text.len());
        let section = &text[start..end];
        let line = section.split('\n').next().unwrap_or("");
        if header_name(line).is_none_or(|n| n == name) {
            keep(section);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(header_name("[profile  x ]"), Some("x"));
        assert_eq!(header_name("[x] # note"), Some("x"));
        assert_eq!(header_name("[ default ]"), Some("default"));
        assert_eq!(header_name("[broken"), None);
    }

    #[test]
    fn cuts_one_profiles_sections() {
        let config = "# top\n[default]\nregion = a\n[profile x]\nregion = b\n[profile y]\nregion = c\n[profile x]\nmfa_serial = s\n";
        assert_eq!(
            cut(config, "x"),
            "# top\n[profile x]\nregion = b\n[profile x]\nmfa_serial = s\n"
        );
        assert_eq!(cut("[x]\nk = 1", "x"), "[x]\nk = 1\n");
        assert_eq!(cut(config, "default"), "# top\n[default]\nregion = a\n");
        assert_eq!(cut(config, "none"), "# top\n");
        assert_eq!(cut("[bad\nk = 1\n[x]\n", "y"), "[bad\nk = 1\n");
        assert_eq!(cut("", "x"), "");
    }
}
