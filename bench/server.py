#!/usr/bin/env python3
"""Benchmark of `mfa-env --server`, for the figures in the README.

    cargo build --release --examples && bench/server.py [--clients 100] [--requests 200]

Starts moto's STS server on a free loopback port and a temporary HOME with
fake keys, then runs `mfa-env --server` (release build) with a child that
waits, and measures:

- one credential request served from memory, with CLIENTS concurrent clients
  each making REQUESTS requests on a new connection (the load comes from
  target/release/examples/endpoint_load, so that Python is not measured):
  median and p99 from connect to the last byte, twice: clients that ask
  again as soon as they have an answer (the most the machine serves), and
  clients that wait 10 ms between requests (many clients asking at once,
  below saturation);
- the mfa-env parent's memory while serving (VmRSS and the peak VmHWM of
  /proc/PID/status, read after the load), with the session from the cache
  and, in a second run, got from STS (`--no-cache`);
- boto3's credential fetch (a new botocore session, `get_credentials()` to
  frozen keys) through the endpoint vs from environment variables
  (`mfa-env -- python3`), median of 200.

With --containers the endpoint is `--containers`'s, on 169.254.170.2 (the
gateway of the Docker network `mfa-env`), and the load and boto3 reach it
through that bridge address; boto3 is also timed inside a container on the
network (the test image mfa-env-test:bookworm that .ci/run builds, Debian's
boto3 1.29). Only 127.0.0.1 and the bridge are contacted.
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import bench_env, make_home, start_moto  # noqa: E402

BOTO3 = r"""
import statistics, time, botocore.session
times = []
for _ in range(200):
    session = botocore.session.Session()
    start = time.perf_counter()
    session.get_credentials().get_frozen_credentials()
    times.append(time.perf_counter() - start)
print(f"{statistics.median(times) * 1000:.3f}")
"""


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def serve(binary, env, extra):
    """Starts `mfa-env --server` with a child that prints its endpoint and
    waits; returns the process, URL and token."""
    child = "echo \"$AWS_CONTAINER_CREDENTIALS_FULL_URI $AWS_CONTAINER_AUTHORIZATION_TOKEN\"; read x"
    proc = subprocess.Popen([binary, "--server", "--token-code", "123456", *extra, "--", "sh", "-c", child],
                            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    url, token = proc.stdout.readline().split()
    return proc, url, token


def in_container(endpoint, token):
    """boto3's credential fetch inside a container on `mfa-env` (the token
    passed by name, never on docker's command line)."""
    env = {**os.environ, "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint,
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": token}
    return subprocess.run(["docker", "run", "--rm", "--network", "mfa-env",
                           "-e", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                           "-e", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                           "mfa-env-test:bookworm", "python3", "-c", BOTO3],
                          env=env, check=True, capture_output=True, text=True).stdout.strip()


def stop(proc):
    proc.stdin.close()
    proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--containers", action="store_true",
                        help="serve on 169.254.170.2 (--containers) and time a container too")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--binary", default=f"{root}/target/release/mfa-env")
    parser.add_argument("--load", default=f"{root}/target/release/examples/endpoint_load")
    args = parser.parse_args()
    for path in (args.binary, args.load):
        if not os.path.exists(path):
            raise SystemExit(f"{path} is missing: cargo build --release --examples")

    moto, url = start_moto()
    home = make_home()
    env = bench_env(home, url)
    try:
        subprocess.run([args.binary, "--token-code", "123456"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        where = ["--containers"] if args.containers else []
        proc, endpoint, token = serve(args.binary, env, where)
        idle = memory(proc.pid)
        runs = {}
        for name, pause in (("back to back", "0"), ("10 ms apart", "10000")):
            load = subprocess.run([args.load, endpoint, token, str(args.clients), str(args.requests),
                                   pause], check=True, capture_output=True, text=True).stdout.split()
            runs[name] = dict(field.split("=") for field in load)
        loaded = memory(proc.pid)
        boto_endpoint = subprocess.run([sys.executable, "-c", BOTO3],
                                       env={**env, "AWS_CONTAINER_CREDENTIALS_FULL_URI": endpoint,
                                            "AWS_CONTAINER_AUTHORIZATION_TOKEN": token,
                                            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"},
                                       check=True, capture_output=True, text=True).stdout.strip()
        boto_container = in_container(endpoint, token) if args.containers else None
        stop(proc)
        cold, _, _ = serve(args.binary, env, ["--no-cache", *where])
        cold_memory = memory(cold.pid)
        stop(cold)
        boto_env = subprocess.run([args.binary, "--", sys.executable, "-c", BOTO3], env=env,
                                  check=True, capture_output=True, text=True).stdout.strip()
    finally:
        moto.kill()
        moto.wait()

    print(f"{os.cpu_count()} cores; {args.clients} clients x {args.requests} requests, "
          f"a new connection each, to {endpoint}\n")
    print("| 100 clients, requests | served (failed) | per second | median | p99 | max |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, f in runs.items():
        ms = lambda key: f"{int(f[key]) / 1000:.3f} ms"  # noqa: E731
        print(f"| {name} | {f['requests']} ({f['failed']}) | {f['per_s']} | {ms('median_us')} "
              f"| {ms('p99_us')} | {ms('max_us')} |")
    print("\n| measure | figure |")
    print("|---|---:|")
    print(f"| mfa-env RSS serving, session from the cache: idle / after the load (peak) "
          f"| {idle[0]:.1f} / {loaded[0]:.1f} ({loaded[1]:.1f}) MiB |")
    print(f"| mfa-env RSS serving, session from STS (--no-cache) | {cold_memory[0]:.1f} MiB |")
    print(f"| boto3 credential fetch through the endpoint (median of 200) | {boto_endpoint} ms |")
    print(f"| boto3 credential fetch from environment variables | {boto_env} ms |")
    if boto_container is not None:
        print(f"| boto3 1.29 credential fetch in a container on mfa-env (median of 200) "
              f"| {boto_container} ms |")


if __name__ == "__main__":
    main()
