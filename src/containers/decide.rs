//! The container decisions as pure functions: what the engine's answers
//! mean, and the arguments `mfa-env docker` passes on.

use std::ffi::{OsStr, OsString};

/// The network `mfa-env` as `network inspect` shows it.
#[derive(Debug, PartialEq, Eq)]
pub enum Network {
    Missing,
    /// 169.254.170.0/24 with gateway 169.254.170.2.
    Ours,
    /// Another subnet or gateway: what was found.
    Other(String),
}

/// `{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}};{{end}}` of an existing
/// network.
pub fn network_state(inspect: &str) -> Network {
    let configs: Vec<&str> = inspect
        .trim()
        .split(';')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let ours = format!("{} {}", super::SUBNET, super::GATEWAY);
    match configs.as_slice() {
        [one] if *one == ours => Network::Ours,
        [] => Network::Other("none".into()),
        _ => Network::Other(configs.join(", ")),
    }
}

/// Why a call of the container CLI failed, from its stderr.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    NoNetwork,
    DaemonDown,
    Permission,
    Other,
}

pub fn problem(stderr: &str) -> Problem {
    let text = stderr.to_ascii_lowercase();
    if text.contains("permission denied") {
        Problem::Permission
    } else if text.contains("cannot connect to the docker daemon")
        || text.contains("is the docker daemon running")
        || text.contains("unable to connect to podman")
        || text.contains("connection refused")
    {
        Problem::DaemonDown
    } else if text.contains("no such network")
        || text.contains("network not found")
        || text.contains("not found")
    {
        Problem::NoNetwork
    } else {
        Problem::Other
    }
}

/// What `docker` runs for `mfa-env docker -- ARGS`: for `run` and `create`
/// (also `container run`/`container create`) the network and the two
/// variables by name are added right after the word; a network of the
/// user's own is refused (the container must be on `mfa-env`).
pub fn docker_args(args: &[OsString]) -> Result<Vec<OsString>, String> {
    let words: Vec<&str> = args.iter().map(|a| a.to_str().unwrap_or("")).collect();
    let at = match words.as_slice() {
        ["run" | "create", ..] => 1,
        ["container", "run" | "create", ..] => 2,
        _ => return Ok(args.to_vec()),
    };
    if let Some(given) = own_network(args.get(at..).unwrap_or_default()) {
        return Err(format!(
            "`{given}` was given, but the container must be on the network '{}' to reach mfa-env's endpoint; leave the option out (mfa-env adds --network {})",
            super::NETWORK,
            super::NETWORK
        ));
    }
    let added = [
        "--network",
        super::NETWORK,
        "-e",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "-e",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ];
    let mut out: Vec<OsString> = args.get(..at).unwrap_or_default().to_vec();
    out.extend(added.iter().map(OsString::from));
    out.extend_from_slice(args.get(at..).unwrap_or_default());
    Ok(out)
}

/// `docker run`'s options that take no value (the others take one).
const FLAGS: &[&str] = &[
    "--rm",
    "--detach",
    "--interactive",
    "--tty",
    "--init",
    "--privileged",
    "--read-only",
    "--publish-all",
    "--no-healthcheck",
    "--oom-kill-disable",
    "--disable-content-trust",
    "--quiet",
    "--help",
    "--sig-proxy",
];
/// Short options that take no value.
const SHORT_FLAGS: &str = "ditPq";

/// The user's `--network`/`--net` among the options before the image, if any.
fn own_network(args: &[OsString]) -> Option<String> {
    let mut words = args.iter().map(|a| a.to_string_lossy());
    while let Some(word) = words.next() {
        let word: &str = &word;
        let is_network = |name: &str| name == "--network" || name == "--net";
        if let Some(long) = word.strip_prefix("--") {
            let (name, has_value) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            let name = format!("--{name}");
            if is_network(&name) {
                return Some(word.to_string());
            }
            if !has_value && !FLAGS.contains(&name.as_str()) {
                words.next();
            }
        } else if let Some(short) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
            // -it, -dit: flags only; -e X, -eX=1: a value, next or attached.
            let takes = short.chars().position(|c| !SHORT_FLAGS.contains(c));
            if takes.is_some_and(|i| i + 1 == short.len()) {
                words.next();
            }
        } else {
            return None; // the image: what follows is the container's command
        }
    }
    None
}

/// The program `mfa-env docker` runs, then its arguments.
pub fn docker_argv(cli: &OsStr, args: &[OsString]) -> Result<Vec<OsString>, String> {
    let mut argv = vec![cli.to_os_string()];
    argv.extend(docker_args(args)?);
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn networks() {
        let table = [
            ("169.254.170.0/24 169.254.170.2;", Network::Ours),
            ("169.254.170.0/24 169.254.170.2;\n", Network::Ours),
            (
                "10.9.0.0/24 10.9.0.1;",
                Network::Other("10.9.0.0/24 10.9.0.1".into()),
            ),
            (
                "169.254.170.0/24 169.254.170.1;",
                Network::Other("169.254.170.0/24 169.254.170.1".into()),
            ),
            ("", Network::Other("none".into())),
        ];
        for (inspect, want) in table {
            assert_eq!(network_state(inspect), want, "{inspect:?}");
        }
    }

    #[test]
    fn problems() {
        let table = [
            ("Error: No such network: mfa-env", Problem::NoNetwork),
            (
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
                Problem::DaemonDown,
            ),
            (
                "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock",
                Problem::Permission,
            ),
            ("something else", Problem::Other),
        ];
        for (stderr, want) in table {
            assert_eq!(problem(stderr), want, "{stderr}");
        }
    }

    #[test]
    fn run_and_create_get_the_network_and_the_names() {
        let added = "--network mfa-env -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN";
        let table = [
            ("run --rm img", format!("run {added} --rm img")),
            ("create img", format!("create {added} img")),
            (
                "container run -it img sh",
                format!("container run {added} -it img sh"),
            ),
            ("compose up -d", "compose up -d".to_string()),
            ("build .", "build .".to_string()),
            ("ps", "ps".to_string()),
            // After the image, words are the container's own.
            (
                "run -e X img curl --net y",
                format!("run {added} -e X img curl --net y"),
            ),
        ];
        for (given, want) in table {
            let words: Vec<&str> = given.split(' ').collect();
            let out = docker_args(&os(&words)).expect(given);
            let out: Vec<String> = out
                .iter()
                .map(|w| w.to_string_lossy().into_owned())
                .collect();
            assert_eq!(out.join(" "), want, "{given}");
        }
    }

    #[test]
    fn a_network_of_the_users_own_is_refused() {
        for given in [
            "run --network host img",
            "run --net=bridge img",
            "create --rm -it --network=x img",
            "run -e A=1 -v /a:/b --net x img",
            "container run --network x img",
        ] {
            let words: Vec<&str> = given.split(' ').collect();
            let err = docker_args(&os(&words)).expect_err(given);
            assert!(err.contains("mfa-env"), "{err}");
        }
    }
}
