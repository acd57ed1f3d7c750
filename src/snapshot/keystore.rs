//! The keystore index as the snapshot reads it: once, through the same file
//! seam as the AWS files (so resolution stays a pure function of the
//! snapshot, and table tests give it as a file).

use super::Snapshot;
use crate::keystore::index::{self, Index};
use std::path::PathBuf;

impl Snapshot {
    /// Where the keystore index is (None without HOME or XDG_CONFIG_HOME).
    pub fn keystore_index_path(&self) -> Option<PathBuf> {
        index::path(self.var_os("HOME"), self.var_os("XDG_CONFIG_HOME"))
    }

    /// The keystore index: which profiles have keys in the OS keystore, and
    /// their key ids. Read when first asked (only for a profile with no keys
    /// in the files); missing or unreadable: empty.
    pub fn keystore(&self) -> &Index {
        self.keystore.get_or_init(|| {
            self.keystore_index_path()
                .and_then(|path| self.read(&path).ok().flatten())
                .map(|text| Index::parse(&text))
                .unwrap_or_default()
        })
    }
}
