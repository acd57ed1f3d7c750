//! The documents: every ini block of the README read by botocore as it is
//! meant, the README's credential_process profile used by the real AWS CLI,
//! and a man page that mandoc and man render without a word of complaint.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::Path;

type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// The ```ini blocks of README.md, each split into the files its
/// `# ~/.aws/config` / `# ~/.aws/credentials` comments name (config when
/// none is named).
fn readme_ini_blocks() -> Vec<Vec<(&'static str, String)>> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let mut blocks = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```ini\n") {
        let body = &rest[start + 7..];
        let end = body.find("```").expect("closed block");
        let mut files: Vec<(&'static str, String)> = Vec::new();
        let mut current = "config";
        let mut text = String::new();
        for line in body[..end].lines() {
            let named = if line.starts_with("# ~/.aws/credentials") {
                Some("credentials")
            } else if line.starts_with("# ~/.aws/config") {
                Some("config")
            } else {
                None
            };
            if let Some(file) = named {
                if !text.trim().is_empty() {
                    files.push((current, std::mem::take(&mut text)));
                }
                current = file;
                text.clear();
                continue;
            }
            text.push_str(line);
            text.push('\n');
        }
        if !text.trim().is_empty() {
            files.push((current, text));
        }
        blocks.push(files);
        rest = &body[end + 3..];
    }
    blocks
}

/// What the block says, read line by line as a person reads it: each
/// section header alone on its line, `key = value`, comments on lines of their
/// own. Anything else is a line botocore would not read as it looks.
fn as_written(file: &str, text: &str) -> Sections {
    let mut sections = Sections::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let name = header
                .strip_suffix(']')
                .filter(|n| !n.contains(']'))
                .unwrap_or_else(|| panic!("a section header with more on its line: {line:?}"));
            let name = match file {
                "config" => name.strip_prefix("profile ").unwrap_or(name),
                _ => name,
            };
            sections.entry(name.to_string()).or_default();
            current = Some(name.to_string());
            continue;
        }
        let (key, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("not `key = value`: {line:?}"));
        let section = current
            .clone()
            .unwrap_or_else(|| panic!("{line:?} before any section"));
        sections
            .get_mut(&section)
            .expect("section")
            .insert(key.trim().to_string(), value.to_string());
    }
    sections
}

/// What botocore makes of the file: the config file through the loader the
/// AWS CLI uses (profiles by name), the credentials file as it reads it.
fn botocore(python: &Path, file: &str, path: &Path) -> Sections {
    let code = "import sys, json, botocore.configloader as c\n\
                kind, path = sys.argv[1], sys.argv[2]\n\
                data = c.load_config(path).get('profiles', {}) if kind == 'config' else c.raw_config_parse(path)\n\
                print(json.dumps(data))";
    let out = std::process::Command::new(python)
        .args(["-c", code, file])
        .arg(path)
        .output()
        .expect("python3");
    assert!(out.status.success(), "botocore: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn readme_ini_blocks_are_read_by_botocore_as_written() {
    let Some(python) = tool("python3") else {
        return;
    };
    let blocks = readme_ini_blocks();
    assert!(blocks.len() >= 3, "the README's ini blocks: {blocks:?}");
    let dir = tempfile::tempdir().expect("dir");
    for (index, block) in blocks.iter().enumerate() {
        for (file, text) in block {
            let path = dir.path().join(format!("{index}-{file}"));
            std::fs::write(&path, text).expect("write");
            let meant = as_written(file, text);
            assert!(!meant.is_empty(), "block {index}: no section");
            let read = botocore(&python, file, &path);
            assert_eq!(read, meant, "block {index} ({file}):\n{text}");
            if *file == "config" {
                for (name, keys) in &meant {
                    if keys.contains_key("credential_process") {
                        assert!(
                            keys.contains_key("region"),
                            "profile {name} is for the AWS CLI and needs a region:\n{text}"
                        );
                    }
                }
            }
        }
    }
}

/// The README's first block (keys and serial of `work`, fake keys put in for
/// the README's AKIA…) and its credential_process profile, used by the AWS CLI
/// against moto: no "You must specify a region".
#[test]
fn readme_credential_process_profile_works_in_the_aws_cli() {
    let Some(aws) = tool("aws") else { return };
    let blocks = readme_ini_blocks();
    let stub = Stub::moto();
    let mut env = TestEnv::empty();
    env.endpoint(&stub.url()).with_binary_on_path();
    let mut config = String::new();
    let mut credentials = String::new();
    for block in &blocks[..2] {
        for (file, text) in block {
            match *file {
                "credentials" => credentials.push_str(
                    &text
                        .replace(
                            "aws_access_key_id = AKIA…",
                            &format!("aws_access_key_id = {KEY_ID}"),
                        )
                        .replace(
                            "aws_secret_access_key = …",
                            &format!("aws_secret_access_key = {SECRET}"),
                        ),
                ),
                _ => config.push_str(text),
            }
        }
    }
    assert!(config.contains("[profile work-mfa]"), "{config}");
    env.write_config(&config);
    env.write_credentials(&credentials);
    let out = env.run(&["-p", "work", "-t", CODE]);
    ok(&out);
    let out = env
        .command(&aws)
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            "work-mfa",
            "--output",
            "json",
        ])
        .output()
        .expect("aws");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"Account\""), "{}", stdout(&out));
    let last = stub.requests().last().cloned().expect("request");
    assert_eq!(last.param("Action").as_deref(), Some("GetCallerIdentity"));
    assert!(
        last.header("authorization")
            .is_some_and(|a| a.contains("/eu-west-1/sts/")),
        "signed for the README's region: {:?}",
        last.header("authorization")
    );
}

#[test]
fn man_page_lints_and_renders_cleanly() {
    let env = TestEnv::new();
    let page = stdout(&env.run(&["man"]));
    let path = env.home().join("mfa-env.1");
    std::fs::write(&path, &page).expect("write");
    if let Some(mandoc) = tool("mandoc") {
        let out = std::process::Command::new(mandoc)
            .args(["-T", "lint", "-W", "all"])
            .arg(&path)
            .output()
            .expect("mandoc");
        assert_eq!(
            (out.status.code(), stdout(&out), stderr(&out)),
            (Some(0), String::new(), String::new()),
            "mandoc -T lint"
        );
    }
    let Some(man) = tool("man") else { return };
    let mut rendered = String::new();
    for width in ["80", "60"] {
        let out = env
            .command(&man)
            .arg("-l")
            .arg(&path)
            .env("MANWIDTH", width)
            .env("MANPAGER", "cat")
            .env("MAN_KEEP_FORMATTING", "")
            .output()
            .expect("man");
        ok(&out);
        assert_eq!(stderr(&out), "", "man -l at width {width}");
        rendered = stdout(&out);
    }
    let out = env
        .command(&man)
        .arg("-l")
        .arg(&path)
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .output()
        .expect("man");
    let text = stdout(&out);
    assert!(!rendered.is_empty());
    for section in [
        "\nNAME\n",
        "\nSYNOPSIS\n",
        "\nOPTIONS\n",
        "\nCOMMANDS\n",
        "\nENVIRONMENT\n",
        "\nFILES\n",
        "\nEXIT STATUS\n",
        "\nEXAMPLES\n",
        "\nSEE ALSO\n",
    ] {
        assert!(text.contains(section), "{section:?} in\n{text}");
    }
    // Every subcommand and each of its own options.
    for line in [
        "   mfa-env status [OPTIONS]\n",
        "   mfa-env doctor [OPTIONS]\n",
        "   mfa-env list [OPTIONS]\n",
        "   mfa-env init SHELL\n",
        "       --offline\n",
        "       --check\n",
        "       --all  Delete every session",
        "       -p, --profile NAME\n",
        "       127    The command after -- does not exist.\n",
        "       126    The command after -- is not executable",
        "       AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE\n",
        "       ~/.cache/mfa-env/\n",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    // Examples as a list: each command on a line of its own.
    for example in [
        "\n       eval \"$(mfa-env)\"\n",
        "\n       mfa-env -- aws s3 ls\n",
        "\n       op item get AWS --otp | mfa-env -t -\n",
        "\n       credential_process = mfa-env credential-process --profile work\n",
    ] {
        assert!(text.contains(example), "{example:?} in\n{text}");
    }
    // No reference to another page: nothing can dangle (mfa-env-shell(1) did).
    let references: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| *w != "MFA-ENV(1)")
        .filter(|w| {
            w.find('(').is_some_and(|i| {
                i > 0 && w[i + 1..].starts_with(|c: char| c.is_ascii_digit()) && w.ends_with(')')
            })
        })
        .collect();
    assert_eq!(references, Vec::<&str>::new(), "page references");
}

/// The ```sh blocks of the README's section under `heading` (to the next
/// `## ` heading).
fn readme_sh_blocks(heading: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("no {heading:?} in the README"));
    let section = &readme[start + heading.len() + 2..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("```sh\n") {
        let body = &rest[i + 6..];
        let end = body.find("```").expect("closed block");
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    blocks
}

/// The README's try-it blocks, as written, in sh (dash) with the binary first
/// on PATH: moto starts and answers, mfa-env prints moto's session, and the
/// README's stop block stops moto and removes the demo files. Only MOTO_PORT
/// is set (a free port, where a newcomer keeps 5555); the pip install block
/// is not run (no network in tests; CI has moto installed).
#[test]
fn readme_try_it_blocks_run_as_written() {
    if tool("python3").is_none() {
        return;
    }
    let blocks = readme_sh_blocks("## Try it without an MFA account");
    assert_eq!(blocks.len(), 3, "install, try, stop: {blocks:?}");
    assert_eq!(blocks[0], "pip install 'moto[server]'\n");
    let mut env = TestEnv::empty();
    env.with_binary_on_path();
    let port = free_port();
    env.set("MOTO_PORT", &port.to_string());
    let script = format!(
        "{}tried=$?\necho \"demo=$d\"\n{}exit \"$tried\"\n",
        blocks[1], blocks[2]
    );
    let out = env
        .command("sh")
        .args(["-c", &script])
        .output()
        .expect("sh");
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}\n{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    for line in [
        "export AWS_ACCESS_KEY_ID='",
        "\nexport AWS_SESSION_TOKEN='",
        "export AWS_ACCOUNT_ID='123456789012'\n",
        "export AWS_REGION='us-east-1'\n",
        "\nunset AWS_SECURITY_TOKEN ",
    ] {
        assert!(text.contains(line), "{line:?} in\n{text}");
    }
    let demo = text
        .lines()
        .find_map(|l| l.strip_prefix("demo="))
        .expect("demo folder");
    assert!(!Path::new(demo).exists(), "the stop block removes {demo}");
    // The stop block stopped moto: the port closes.
    let closed = (0..100).any(|_| {
        let refused = std::net::TcpStream::connect(("127.0.0.1", port)).is_err();
        if !refused {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        refused
    });
    assert!(closed, "moto still answers on port {port}");
}
