//! The README's container section as written: its compose file under
//! `mfa-env exec --containers` (docker-compose), and its devcontainer.json
//! with `mfa-env serve --containers --port P` (the devcontainer CLI). Only
//! the image (`my-image`) and the port are replaced.

use crate::common::*;
use crate::containers::{BOTO3_ARN, ROLE_ARN, bridge_env};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;

/// The README's first block of `kind` after the containers heading, its
/// list indentation taken off, `my-image` made the test image.
fn readme_block(kind: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let section = readme
        .split_once("### Containers:")
        .expect("containers section")
        .1;
    let body = section
        .split_once(&format!("```{kind}\n"))
        .expect("block")
        .1;
    let block = body.split_once("```").expect("closed").0;
    let lines: Vec<&str> = block
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect();
    lines.join("\n").replace("my-image", IMAGE) + "\n"
}

/// `python3 … ARN` in a container, with the region and STS given.
fn arn_script() -> String {
    format!(
        "STS={} AWS_DEFAULT_REGION=eu-central-1 {BOTO3_ARN}",
        bridge_moto()
    )
}

#[test]
fn the_compose_file_of_the_readme() {
    let Some(_docker) = docker() else { return };
    if tool("docker-compose").is_none() {
        return;
    }
    let env = bridge_env();
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(dir.path().join("compose.yaml"), readme_block("yaml")).expect("write");
    let out = env
        .mfa_env(&["exec", "admin", "--containers", "-t", CODE, "--"])
        .args([
            "docker-compose",
            "run",
            "--rm",
            "app",
            "sh",
            "-c",
            &arn_script(),
        ])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(stdout(&out), format!("{ROLE_ARN}\n"), "{}", stderr(&out));
}

#[test]
fn the_devcontainer_json_of_the_readme() {
    let Some(_docker) = docker() else { return };
    let Some(cli) = tool("devcontainer") else {
        return;
    };
    let mut env = bridge_env();
    let runtime = env.home().join("run");
    std::fs::create_dir(&runtime).expect("mkdir");
    env.set("XDG_RUNTIME_DIR", &runtime.to_string_lossy());
    let port = free_port().to_string();
    let mut serve = Reaper(
        env.mfa_env(&[
            "serve",
            "admin",
            "--containers",
            "-t",
            CODE,
            "--port",
            &port,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve"),
    );
    let mut lines = BufReader::new(serve.0.stdout.take().expect("stdout")).lines();
    let printed: Vec<String> = lines.by_ref().take(3).map_while(Result::ok).collect();
    assert_eq!(printed.len(), 3, "{printed:?}");

    let folder = env.home().join("project");
    std::fs::create_dir_all(folder.join(".devcontainer")).expect("mkdir");
    let json = readme_block("json").replace("9911", &port);
    std::fs::write(folder.join(".devcontainer/devcontainer.json"), json).expect("write");
    let workspace = folder.to_string_lossy().into_owned();
    let up = env
        .command(&cli)
        .args(["up", "--workspace-folder", &workspace])
        .output()
        .expect("devcontainer up");
    // Debian's boto3 1.29 predates AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
    let script = format!(
        "export AWS_CONTAINER_AUTHORIZATION_TOKEN=$(cat \"$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE\"); {}",
        arn_script()
    );
    let exec = env
        .command(&cli)
        .args([
            "exec",
            "--workspace-folder",
            &workspace,
            "sh",
            "-c",
            &script,
        ])
        .output()
        .expect("devcontainer exec");
    let label = format!("label=devcontainer.local_folder={workspace}");
    let ids = docker_run(&["ps", "-aq", "--filter", &label]);
    for id in String::from_utf8_lossy(&ids.stdout).split_whitespace() {
        docker_run(&["rm", "-f", id]);
    }
    assert!(up.status.success(), "{}", stderr(&up));
    assert_eq!(stdout(&exec), format!("{ROLE_ARN}\n"), "{}", stderr(&exec));
}
