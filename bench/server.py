#!/usr/bin/env python3
"""Benchmark of `mfa-env --server`, for the figures in the README.

    cargo build --release --examples && bench/server.py [--clients 100] [--requests 200]
        [--flood 1000] [--flood-requests 200] [--flood-pause 50]

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
  (`mfa-env -- python3`), median of 200;
- under a flood from another local user (`setpriv --reuid=65534
  --regid=65534 --clear-groups`, as the tests' attacker): FLOOD idle
  connections and FLOOD "dripping" ones (one byte a second), each reopened
  as soon as the endpoint closes it, held open against a fresh `--server`;
  meanwhile FLOOD_REQUESTS requests with the token (200), one every
  FLOOD_PAUSE ms (50) on a new connection, each given 1 s (slower, or not a 200, is a failure): median,
  p99 and max, the most connections the endpoint held open at once (its
  file descriptors), and its memory with the flood (VmRSS, and the peak
  VmHWM since it started).

With --containers the endpoint is `--containers`'s, on 169.254.170.2 (the
gateway of the Docker network `mfa-env`), and the load and boto3 reach it
through that bridge address; boto3 is also timed inside a container on the
network (the test image mfa-env-test:bookworm that .ci/run builds, Debian's
boto3 1.29). Only 127.0.0.1 and the bridge are contacted.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

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


# The attacker, run as another user (its source given with -c: that user
# may not be able to read this folder).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "flood.py")) as f:
    FLOOD = f.read()


def one_request(host, port, token):
    """One credential request on a new connection, within 1 s in all:
    (seconds, True for a whole 200 answer in time)."""
    request = f"GET / HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {token}\r\n\r\n".encode()
    start = time.perf_counter()
    answer = b""
    try:
        with socket.create_connection((host, port), timeout=1.0) as conn:
            conn.sendall(request)
            while time.perf_counter() - start < 1.0:
                conn.settimeout(max(0.001, 1.0 - (time.perf_counter() - start)))
                chunk = conn.recv(65536)
                if not chunk:
                    break
                answer += chunk
    except OSError:
        pass
    took = time.perf_counter() - start
    return took, took <= 1.0 and answer.startswith(b"HTTP/1.1 200 ")


def under_flood(binary, env, where, count, requests, pause):
    """A fresh endpoint under COUNT idle and COUNT dripping connections of
    another user: the figures of REQUESTS requests with the token, PAUSE
    seconds apart, and the endpoint's memory and open connections."""
    proc, endpoint, token = serve(binary, env, where)
    host, port = endpoint.removeprefix("http://").rstrip("/").rsplit(":", 1)
    before = memory(proc.pid)
    attacker = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                 "/usr/bin/python3", "-c", FLOOD, f"{host}:{port}", str(count),
                                 str(count)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        if attacker.stdout.readline() != "holding\n":
            raise SystemExit("the flood did not start (setpriv needs root)")
        time.sleep(1)
        times, failed, held = [], 0, 0
        for _ in range(requests):
            took, ok = one_request(host, int(port), token)
            times.append(took)
            failed += not ok
            held = max(held, len(os.listdir(f"/proc/{proc.pid}/fd")))
            time.sleep(pause)
        during = memory(proc.pid)
        attacker.stdin.close()
        reopened = int(attacker.stdout.readline() or 0)
    finally:
        attacker.kill()
        attacker.wait()
    stop(proc)
    times.sort()
    return {
        "requests": requests,
        "failed": failed,
        "median": statistics.median(times) * 1000,
        "p99": times[round((len(times) - 1) * 0.99)] * 1000,
        "max": times[-1] * 1000,
        "held": held,
        "reopened": reopened,
        "before": before,
        "during": during,
    }


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
    parser.add_argument("--flood", type=int, default=1000,
                        help="idle and dripping connections of another user, each (0: none)")
    parser.add_argument("--flood-requests", type=int, default=200,
                        help="requests with the token under the flood")
    parser.add_argument("--flood-pause", type=float, default=50,
                        help="milliseconds between those requests")
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
        flood = under_flood(args.binary, env, where, args.flood, args.flood_requests,
                            args.flood_pause / 1000) if args.flood else None
    finally:
        moto.kill()
        moto.wait()

    print(f"{os.cpu_count()} cores; {args.clients} clients x {args.requests} requests, "
          f"a new connection each, to {endpoint}\n")
    print(f"| {args.clients} clients, requests | served (failed) | per second | median | p99 | max |")
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

    if flood is not None:
        f = flood
        print(f"\nUnder {args.flood:,} idle and {args.flood:,} dripping connections of another user "
              f"(reopened {f['reopened']:,} times; the endpoint held up to {f['held']:,} files open):\n")
        print(f"| with the token, {args.flood_pause:g} ms apart | answered within 1 s (failed) "
              "| median | p99 | max |")
        print("|---|---:|---:|---:|---:|")
        print(f"| under the flood | {f['requests'] - f['failed']} ({f['failed']}) | {f['median']:.3f} ms "
              f"| {f['p99']:.3f} ms | {f['max']:.3f} ms |")
        print("\n| measure | figure |")
        print("|---|---:|")
        print(f"| mfa-env RSS, a fresh endpoint: before the flood / during it (peak) "
              f"| {f['before'][0]:.1f} / {f['during'][0]:.1f} ({f['during'][1]:.1f}) MiB |")


if __name__ == "__main__":
    main()
