//! `--containers`: the credential endpoint on 169.254.170.2, the host's side
//! of a Docker network `mfa-env` (subnet 169.254.170.0/24), an address every
//! SDK accepts over plain http, so containers on that network reach it.
//! Here: which container CLI, the network (made or reused through that CLI,
//! never with another subnet), and the arguments `mfa-env docker` adds.
//! The decisions are pure (`decide`); this file runs the CLI.

mod decide;

pub use decide::docker_argv;

use crate::cli::ContainerOpts;
use crate::error::Error;
use crate::server::Endpoint;
use crate::snapshot::Snapshot;
use std::ffi::{OsStr, OsString};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The Docker network the containers join.
pub const NETWORK: &str = "mfa-env";
pub const SUBNET: &str = "169.254.170.0/24";
/// The network's gateway: the host's address on its bridge, where the
/// endpoint listens.
pub const GATEWAY: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
/// Set for the child to the network's name.
pub const NETWORK_MARK: &str = "MFA_ENV_CONTAINER_NETWORK";
/// Names the container CLI (else `docker`).
pub const CLI_VAR: &str = "MFA_ENV_CONTAINER_CLI";

/// The endpoint of `--server`: on 127.0.0.1, or with `--containers` on
/// 169.254.170.2 once `prepare` found all in order; with the variables the
/// child gets besides the endpoint's.
pub fn endpoint(opts: &ContainerOpts, port: u16) -> Result<Bound, Error> {
    if !opts.containers {
        return Ok((
            Endpoint::bind((Ipv4Addr::LOCALHOST, port).into())?,
            Vec::new(),
        ));
    }
    prepare(
        &cli(opts.container_cli.as_deref(), Snapshot::current()),
        port,
    )?;
    let endpoint = Endpoint::bind((GATEWAY, port).into())?;
    Ok((endpoint, vec![(NETWORK_MARK, NETWORK.to_string())]))
}

/// A bound endpoint and the child's extra variables.
pub type Bound = (Endpoint, Vec<(&'static str, String)>);

/// The container CLI: the flag, else $MFA_ENV_CONTAINER_CLI, else docker.
pub fn cli(flag: Option<&OsStr>, snap: &Snapshot) -> OsString {
    flag.or_else(|| snap.var_os(CLI_VAR))
        .filter(|name| !name.is_empty())
        .map_or_else(|| OsString::from("docker"), OsStr::to_os_string)
}

/// Everything `--containers` needs before a session is asked for: the CLI
/// is there, its engine answers, the network `mfa-env` is there with the
/// right subnet (made when missing), and 169.254.170.2 can be bound on
/// `port` (0: any). Each failure is one line naming what to do.
pub fn prepare(cli: &OsStr, port: u16) -> Result<(), Error> {
    let name = cli.to_string_lossy().into_owned();
    let program = find(cli).ok_or_else(|| Error::Containers {
        why: format!(
            "no container CLI '{name}' was found on PATH. Install Docker (apt-get install docker.io, or Docker's own packages), or name the CLI with --container-cli or MFA_ENV_CONTAINER_CLI (e.g. podman)"
        ),
    })?;
    let inspect = run(
        &program,
        &[
            "network",
            "inspect",
            NETWORK,
            "--format",
            "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}};{{end}}",
        ],
    )?;
    let state = match inspect.ok {
        true => decide::network_state(&inspect.stdout),
        false => engine(&name, &inspect.stderr, None)?,
    };
    if let decide::Network::Other(found) = state {
        return Err(Error::Containers {
            why: format!(
                "the Docker network '{NETWORK}' exists with subnet {found}, but mfa-env needs {SUBNET} with gateway {GATEWAY}. Remove it (`{name} network rm {NETWORK}`) so that mfa-env makes it again, or give that subnet to another name"
            ),
        });
    }
    if state == decide::Network::Missing {
        let create = run(
            &program,
            &[
                "network",
                "create",
                "--driver",
                "bridge",
                "--subnet",
                SUBNET,
                "--gateway",
                "169.254.170.2",
                NETWORK,
            ],
        )?;
        if !create.ok {
            engine(&name, &create.stderr, Some("could not create the network"))?;
        }
    }
    bindable(port)
}

/// The bind the endpoint will make, tried once to tell why it fails.
fn bindable(port: u16) -> Result<(), Error> {
    match TcpListener::bind((GATEWAY, port)) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => Err(Error::Containers {
            why: format!(
                "port {port} on {GATEWAY} is in use (another mfa-env serve?). Stop it, or pick another --port"
            ),
        }),
        Err(err) => Err(Error::Containers {
            why: format!(
                "{GATEWAY} is not an address of this host ({err}): the engine's bridge lives elsewhere, as with a rootless engine or Docker Desktop, so containers could not reach mfa-env. Use a rootful engine on this host (Docker Engine or podman as root), or mfa-env --server inside the container's host"
            ),
        }),
    }
}

/// The failure the engine's stderr tells, as an error; `Ok(Missing)` when
/// it only said that the network does not exist.
fn engine(name: &str, stderr: &str, doing: Option<&str>) -> Result<decide::Network, Error> {
    let why = match decide::problem(stderr) {
        decide::Problem::NoNetwork if doing.is_none() => return Ok(decide::Network::Missing),
        decide::Problem::DaemonDown => format!(
            "the container engine is not running ({name} cannot reach its daemon). Start it (sudo systemctl start docker, or dockerd), then run mfa-env again"
        ),
        decide::Problem::Permission => format!(
            "no permission on the container engine's socket ({name} was refused). Add yourself to the docker group (sudo usermod -aG docker $USER, then log in again), or run as a user who may use it"
        ),
        _ => format!(
            "`{name} network` failed{}: {}. Check that `{name} network ls` works",
            doing.map(|d| format!(" ({d})")).unwrap_or_default(),
            crate::error::clean(stderr.lines().next().unwrap_or("no message").trim())
        ),
    };
    Err(Error::Containers { why })
}

fn find(cli: &OsStr) -> Option<PathBuf> {
    let path = PathBuf::from(cli);
    if path.components().count() > 1 {
        return path.is_file().then_some(path);
    }
    which::which(cli).ok()
}

struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(program: &PathBuf, args: &[&str]) -> Result<Ran, Error> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|err| Error::Containers {
            why: format!("{} could not be run ({err})", program.display()),
        })?;
    Ok(Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}
