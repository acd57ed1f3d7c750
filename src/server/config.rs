//! The config file a child of `--server` gets: a copy of the user's without
//! anything that gives credentials (static keys, credential_process, roles,
//! IAM Identity Center, `aws login`), so that its SDKs and CLIs find nothing
//! to sign with but the endpoint, and keep the rest (region, endpoints,
//! retries, S3 and CLI settings). It lives in a folder of its own, 0700, in
//! mfa-env's cache folder (owned by the user: no other user can put a file
//! in its place), the file 0600; removed when the run is over.

use crate::error::Error;
use crate::snapshot::MAX_FILE;
pub use crate::snapshot::{REAL_CONFIG, SERVED_CONFIG};
use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Keys that make an SDK sign with something else than the endpoint, and
/// prefixes of such keys.
const DROPPED: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "credential_process",
    "credential_source",
    "source_profile",
    "role_arn",
    "role_session_name",
    "external_id",
    "mfa_serial",
    "web_identity_token_file",
    "login_session",
];
const DROPPED_PREFIXES: &[&str] = &["sso_"];

/// `text` without the keys that give credentials, in every section. A
/// dropped key's indented lines (a value continued, or nested settings)
/// go with it; everything else stays as it is.
pub fn without_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dropping = false;
    for line in text.split_inclusive('\n') {
        let indented = line.starts_with([' ', '\t']);
        let content = line.trim();
        if indented && !content.is_empty() && !content.starts_with(['#', ';']) {
            if dropping {
                continue;
            }
        } else if !content.is_empty() && !content.starts_with(['#', ';']) {
            dropping = content
                .split_once('=')
                .is_some_and(|(key, _)| dropped(key.trim()));
            if dropping {
                continue;
            }
        }
        out.push_str(line);
    }
    out
}

fn dropped(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    DROPPED.contains(&key.as_str()) || DROPPED_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// The copy, while the run lasts.
pub struct ChildConfig {
    folder: PathBuf,
    pub file: PathBuf,
}

impl ChildConfig {
    /// Writes the copy of `real` (an empty file when there is none) in a new
    /// folder in `cache`.
    pub fn write(real: &Path, cache: Option<&Path>) -> Result<ChildConfig, Error> {
        let failed = |why: String| Error::Endpoint {
            why: format!("the child's copy of the config file could not be made: {why}"),
        };
        let cache = cache.ok_or_else(|| {
            failed("there is no cache folder for it; set HOME or XDG_CACHE_HOME".into())
        })?;
        let text = read(real).map_err(|err| failed(format!("{} ({err})", real.display())))?;
        crate::cache::prepare_folder(cache).map_err(&failed)?;
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|err| failed(err.to_string()))?;
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let folder = cache.join(format!("server-{name}"));
        DirBuilder::new()
            .mode(0o700)
            .create(&folder)
            .map_err(|err| failed(format!("{} ({err})", folder.display())))?;
        let made = ChildConfig {
            file: folder.join("config"),
            folder,
        };
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&made.file)
            .and_then(|mut file| file.write_all(without_credentials(&text).as_bytes()))
            .map_err(|err| failed(format!("{} ({err})", made.file.display())))?;
        Ok(made)
    }

    /// Removes the copy and its folder.
    pub fn remove(&self) {
        let _ = fs::remove_file(&self.file);
        let _ = fs::remove_dir(&self.folder);
    }
}

impl Drop for ChildConfig {
    fn drop(&mut self) {
        self.remove();
    }
}

fn read(path: &Path) -> std::io::Result<String> {
    let mut text = String::new();
    match fs::File::open(path) {
        Ok(file) => file.take(MAX_FILE).read_to_string(&mut text).map(|_| text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(text),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::without_credentials;

    #[test]
    fn drops_what_gives_credentials_and_keeps_the_rest() {
        let cases = [
            (
                "[default]\nregion = eu-west-3\naws_access_key_id = AKIA\naws_secret_access_key=s\n",
                "[default]\nregion = eu-west-3\n",
            ),
            (
                "[profile a]\nCredential_Process = /bin/x\n  --more\nmax_attempts = 7\n",
                "[profile a]\nmax_attempts = 7\n",
            ),
            (
                "[profile r]\nrole_arn=arn:aws:iam::1:role/x\nsource_profile = k\nexternal_id = e\nretry_mode = standard\n",
                "[profile r]\nretry_mode = standard\n",
            ),
            (
                "[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n[sso-session corp]\nsso_start_url = https://x\nsso_region = us-east-1\n",
                "[profile s]\n[sso-session corp]\n",
            ),
            (
                "[default]\ns3 =\n  max_concurrent_requests = 4\n# aws_access_key_id = comment\nendpoint_url = http://127.0.0.1:1\n",
                "[default]\ns3 =\n  max_concurrent_requests = 4\n# aws_access_key_id = comment\nendpoint_url = http://127.0.0.1:1\n",
            ),
            (
                "[profile w]\nweb_identity_token_file = /t\nlogin_session = x\ncredential_source = Environment\noutput = json",
                "[profile w]\noutput = json",
            ),
            ("", ""),
        ];
        for (text, kept) in cases {
            assert_eq!(without_credentials(text), kept, "{text}");
        }
    }
}
