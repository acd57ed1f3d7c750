//! Where each profile's sections are in the two files, found by one scan of
//! their header lines, so that resolving one profile hands aws-config's loader
//! only that profile's sections (and the lines before the first section,
//! where a stray line is an error the loader must still see). The loader
//! still decides what the sections mean (`[profile x]` against `[x]`, which
//! file, merging); this only leaves out sections whose header names another
//! profile.

use std::collections::HashMap;
use std::ops::Range;

/// The sections of one file, by the name their header ends with.
#[derive(Default)]
struct FileIndex {
    /// Lines before the first section, and headers that cannot be read
    /// (kept in every subset, so the loader reports them).
    always: Vec<Range<usize>>,
    by_name: HashMap<String, Vec<Range<usize>>>,
}

pub(super) struct Index {
    config: Option<FileIndex>,
    credentials: Option<FileIndex>,
}

impl Index {
    pub(super) fn new(config: Option<&str>, credentials: Option<&str>) -> Index {
        Index {
            config: config.map(scan),
            credentials: credentials.map(scan),
        }
    }

    /// The texts (config, credentials) holding only the sections of `name`,
    /// cut from the texts this index was made of.
    pub(super) fn texts(
        &self,
        (config, credentials): (Option<&str>, Option<&str>),
        name: &str,
    ) -> (Option<String>, Option<String>) {
        let pick = |file: &Option<FileIndex>, text: Option<&str>| {
            file.as_ref().zip(text).map(|(index, text)| {
                let mut ranges: Vec<&Range<usize>> = index.always.iter().collect();
                ranges.extend(index.by_name.get(name).into_iter().flatten());
                ranges.sort_by_key(|r| r.start);
                let mut out = String::new();
                for range in ranges {
                    out.push_str(&text[range.clone()]);
                    if !out.ends_with('\n') {
                        out.push('\n');
                    }
                }
                out
            })
        };
        (
            pick(&self.config, config),
            pick(&self.credentials, credentials),
        )
    }
}

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

fn scan(text: &str) -> FileIndex {
    let mut index = FileIndex::default();
    // The current section: its name (None: lines before the first) and start.
    let mut current: (Option<&str>, usize) = (None, 0);
    let close = |index: &mut FileIndex, (name, start): (Option<&str>, usize), end: usize| {
        if start == end {
            return;
        }
        match name {
            Some(name) => index
                .by_name
                .entry(name.to_string())
                .or_default()
                .push(start..end),
            None => index.always.push(start..end),
        }
    };
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with('[') {
            close(&mut index, current, offset);
            current = match header_name(line) {
                Some(name) => (Some(name), offset),
                None => {
                    index.always.push(offset..offset + line.len());
                    (None, offset + line.len())
                }
            };
            // A header that cannot be read is kept alone; what follows it
            // until the next header is kept too (the loader refuses it).
            if current.0.is_none() {
                offset += line.len();
                continue;
            }
        }
        offset += line.len();
    }
    close(&mut index, current, offset);
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(header_name("[profile  x ]\n"), Some("x"));
        assert_eq!(header_name("[x] # note\n"), Some("x"));
        assert_eq!(header_name("[ default ]"), Some("default"));
        assert_eq!(header_name("[broken\n"), None);
    }

    #[test]
    fn picks_one_profiles_sections() {
        let config = "# top\n[default]\nregion = a\n[profile x]\nregion = b\n[profile y]\nregion = c\n[profile x]\nmfa_serial = s\n";
        let texts = (Some(config), Some("[x]\nk = 1"));
        let index = Index::new(texts.0, texts.1);
        let (c, k) = index.texts(texts, "x");
        assert_eq!(
            c.as_deref(),
            Some("# top\n[profile x]\nregion = b\n[profile x]\nmfa_serial = s\n")
        );
        assert_eq!(k.as_deref(), Some("[x]\nk = 1\n"));
        assert_eq!(
            index.texts(texts, "default").0.as_deref(),
            Some("# top\n[default]\nregion = a\n")
        );
        assert_eq!(index.texts(texts, "none").0.as_deref(), Some("# top\n"));
    }
}
