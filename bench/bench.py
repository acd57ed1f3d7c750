#!/usr/bin/env python3
"""Benchmarks of mfa-env, for the figures in the README (never timed tests).

    bench/bench.py [--runs N] [--binary PATH] [--awsume PATH] [--aws PATH]

Builds nothing: run `cargo build --release` first. Starts moto's STS server on a
free loopback port, makes a temporary HOME with fake keys, then runs each
command N times (default 30) and prints the median wall time and the peak RSS
(GNU time's %M) as a Markdown table. Only 127.0.0.1 is contacted.

Rows: a cold run (no cache: one GetSessionToken to moto) beside one signed curl
request to the same moto; a cache hit beside `mfa-env --help` (the cost of
starting the binary at all); a cache hit of a profile whose keys are in the OS
keystore (issue 23: within 1.1x of the file profile's hit), with a private
Secret Service (its own dbus-daemon and gnome-keyring-daemon, as the tests run
it; left out, saying why, where those are not installed); and, where
installed, awsume's cached call and the AWS CLI's floor (`aws configure get
region`: start-up and config, no network).

Scale rows (issue 19): the same with a config of 6,001 profiles (3,000 role
profiles in the config file, 3,000 plain ones with keys in the credentials
file, and alice, the user they assume from; about 600 KB): a cache hit of
alice, `mfa-env list`, and the completion of profile names (what the shells'
completion scripts run for `mfa-env -p <TAB>`).
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

KEY_ID = "AKIAFAKEFAKEFAKE1234"
SECRET = "fakeSecretKeyForBenchOnly/0123456789abcd"
SERIAL = "arn:aws:iam::123456789012:mfa/bench"
VAULT_KEY_ID = "AKIABENCHVAULT000001"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("moto did not start: pip install 'moto[server]'")


def bench_env(home, url):
    """The whole environment of a measured run: nothing of the caller's but PATH."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "XDG_CACHE_HOME": f"{home}/.cache",
        "AWS_ENDPOINT_URL_STS": url,
    }


def make_home():
    home = tempfile.mkdtemp(prefix="mfa-env-bench-")
    os.makedirs(f"{home}/.aws")
    with open(f"{home}/.aws/config", "w") as f:
        f.write(f"[default]\nmfa_serial = {SERIAL}\nregion = us-east-1\n")
    with open(f"{home}/.aws/credentials", "w") as f:
        f.write(f"[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    return home


class Keyring:
    """A private Secret Service: a dbus-daemon of its own (no service
    activation) and gnome-keyring-daemon unlocked with a throw-away password,
    in a temporary folder, as tests/it/common/keyring.rs starts it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mfa-env-bench-keyring-")
        socket_path = f"{self.dir}/bus"
        with open(f"{self.dir}/bus.conf", "w") as f:
            f.write(f'<busconfig><type>session</type><listen>unix:path={socket_path}</listen>'
                    '<policy context="default"><allow send_destination="*" eavesdrop="true"/>'
                    '<allow eavesdrop="true"/><allow own="*"/></policy></busconfig>')
        self.address = f"unix:path={socket_path}"
        self.bus = subprocess.Popen(["dbus-daemon", f"--config-file={self.dir}/bus.conf", "--nofork"],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while not os.path.exists(socket_path) and time.time() < deadline:
            time.sleep(0.05)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.dir,
               "XDG_RUNTIME_DIR": self.dir, "XDG_DATA_HOME": f"{self.dir}/data",
               "DBUS_SESSION_BUS_ADDRESS": self.address}
        self.daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.daemon.stdin.write(b"throw-away-bench-password")
        self.daemon.stdin.close()
        ask = ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
               "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
               "string:org.freedesktop.secrets"]
        while time.time() < deadline + 20:
            out = subprocess.run(ask, env=env, capture_output=True, text=True).stdout
            if "boolean true" in out:
                break
            time.sleep(0.05)

    @staticmethod
    def missing():
        return [t for t in ("dbus-daemon", "dbus-send", "gnome-keyring-daemon") if not shutil.which(t)]

    def stop(self):
        for proc in (self.daemon, self.bus):
            proc.kill()
            proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def keystore_hit(binary, home, env, runs):
    """The cache hit of profile `vault`, whose keys `mfa-env keys add` put in
    the private Secret Service, taken in turn with the hit of `default` (keys
    in the file): both (wall, RSS); None (after saying why) without one."""
    missing = Keyring.missing()
    if missing:
        print(f"keystore row left out: {', '.join(missing)} not installed", file=sys.stderr)
        return None
    keyring = Keyring()
    try:
        with open(f"{home}/.aws/config", "a") as f:
            f.write(f"\n[profile vault]\nmfa_serial = {SERIAL}\nregion = us-east-1\n")
        kenv = dict(env, DBUS_SESSION_BUS_ADDRESS=keyring.address)
        added = subprocess.run([binary, "keys", "add", "vault"], env=kenv, capture_output=True,
                               input=f"{VAULT_KEY_ID}\n{SECRET}\n".encode())
        if added.returncode != 0:
            raise SystemExit(f"keys add failed: {added.stderr.decode()}")
        subprocess.run([binary, "-p", "vault", "--token-code", "123456"], env=kenv, check=True,
                       stdout=subprocess.DEVNULL)
        return measure_alternating([([binary], kenv), ([binary, "-p", "vault"], kenv)], runs)
    finally:
        keyring.stop()


def make_big_home(roles=3000, plain=3000):
    """A HOME whose AWS files hold 1 + roles + plain profiles (about 600 KB)."""
    home = tempfile.mkdtemp(prefix="mfa-env-bench-big-")
    os.makedirs(f"{home}/.aws")
    config = [f"[profile alice]\nmfa_serial = {SERIAL}\nregion = us-east-1\n"]
    credentials = [f"[alice]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"]
    for i in range(roles):
        config.append(f"[profile role{i:04d}]\nrole_arn = arn:aws:iam::123456789012:role/team{i:04d}\n"
                      f"source_profile = alice\nregion = eu-west-1\n")
    for i in range(plain):
        credentials.append(f"[plain{i:04d}]\naws_access_key_id = AKIAPLAIN{i:011d}\n"
                           f"aws_secret_access_key = {SECRET}\n")
    with open(f"{home}/.aws/config", "w") as f:
        f.write("\n".join(config))
    with open(f"{home}/.aws/credentials", "w") as f:
        f.write("\n".join(credentials))
    return home


def completion_var(binary):
    """The variable the completion scripts set (COMPLETE, or its successor)."""
    script = subprocess.run([binary, "completions", "bash"], capture_output=True, text=True).stdout
    for word in script.replace('"', " ").replace("=", " = ").split():
        if re.fullmatch(r"[A-Z][A-Z_]*COMPLETE", word):
            return word
    return "COMPLETE"


def measure(argv, env, runs):
    """Median wall time (ms) and peak RSS (MiB) of `runs` runs of argv."""
    return measure_alternating([(argv, env)], runs)[0]


def measure_alternating(jobs, runs):
    """`measure` for each (argv, env) of `jobs`, their runs taken in turn, so
    that a burst of load on this shared machine falls on all of them alike.

    The wall time is taken around a direct spawn. The RSS comes from a second run
    under GNU time: Linux counts a child's memory from before its exec, so a
    child forked from this Python process would report Python's size instead.
    """
    walls, peaks = [[] for _ in jobs], [[] for _ in jobs]
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    for _ in range(runs):
        for i, (argv, env) in enumerate(jobs):
            start = time.perf_counter()
            done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            walls[i].append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"{argv[0]} failed ({done.returncode}): {done.stderr.decode()}")
            if gnu_time:
                timed = subprocess.run([gnu_time, "-f", "%M", *argv], env=env,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, check=True)
                peaks[i].append(int(timed.stderr.decode().strip().splitlines()[-1]) / 1024)
    return [(statistics.median(w) * 1000, (max(p) if p else float("nan")))
            for w, p in zip(walls, peaks)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--binary", default=f"{root}/target/release/mfa-env")
    parser.add_argument("--awsume", default=shutil.which("awsumepy"), help="awsumepy to compare with")
    parser.add_argument("--aws", default=shutil.which("aws"), help="AWS CLI to compare with")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        raise SystemExit(f"{args.binary} is missing: cargo build --release")

    moto, url = start_moto()
    home = make_home()
    env = bench_env(home, url)
    rows = []
    try:
        cold = [args.binary, "--no-cache", "--token-code", "123456"]
        rows.append(("mfa-env, cold (GetSessionToken to moto)", *measure(cold, env, args.runs)))
        curl = shutil.which("curl")
        if curl:
            body = f"Action=GetSessionToken&Version=2011-06-15&SerialNumber={SERIAL}&TokenCode=123456"
            bare = [curl, "-sf", "-o", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:sts",
                    "--user", f"{KEY_ID}:{SECRET}", "-d", body, url + "/"]
            rows.append(("curl, one signed GetSessionToken to moto", *measure(bare, env, args.runs)))
        subprocess.run([args.binary, "--token-code", "123456"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        hit = measure([args.binary], env, args.runs)
        rows.append(("mfa-env, cache hit", *hit))
        pair = keystore_hit(args.binary, home, env, args.runs)
        if pair:
            rows.append(("mfa-env, cache hit, keys in the keystore", *pair[1]))
        help_ = measure([args.binary, "--help"], env, args.runs)
        rows.append(("mfa-env --help", *help_))
        if args.awsume:
            subprocess.run([args.awsume, "default", "--mfa-token", "123456"], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rows.append(("awsume, cache hit (awsumepy default)", *measure([args.awsume, "default"], env, args.runs)))
        if args.aws:
            rows.append(("AWS CLI floor (aws configure get region)",
                         *measure([args.aws, "configure", "get", "region"], env, args.runs)))
        big = make_big_home()
        size_kb = sum(os.path.getsize(f"{big}/.aws/{f}") for f in ("config", "credentials")) / 1024
        big_env = bench_env(big, url)
        subprocess.run([args.binary, "-p", "alice", "--token-code", "123456"], env=big_env,
                       check=True, stdout=subprocess.DEVNULL)
        big_hit = measure([args.binary, "-p", "alice"], big_env, args.runs)
        rows.append((f"6,001 profiles ({size_kb:.0f} KB): cache hit", *big_hit))
        big_help = measure([args.binary, "--help"], big_env, args.runs)
        rows.append(("6,001 profiles: --help", *big_help))
        rows.append(("6,001 profiles: mfa-env list",
                     *measure([args.binary, "list"], big_env, max(5, args.runs // 3))))
        complete_env = dict(big_env, **{completion_var(args.binary): "bash", "_CLAP_COMPLETE_INDEX": "2"})
        rows.append(("6,001 profiles: completion of -p",
                     *measure([args.binary, "--", "mfa-env", "-p", ""], complete_env, max(5, args.runs // 3))))
    finally:
        moto.kill()
        moto.wait()
        shutil.rmtree(home, ignore_errors=True)
        if "big" in locals():
            shutil.rmtree(big, ignore_errors=True)

    print(f"{args.runs} runs each, {os.cpu_count()} cores\n")
    print("| command | median wall | peak RSS |")
    print("|---|---:|---:|")
    for name, wall, rss in rows:
        print(f"| {name} | {wall:.2f} ms | {rss:.1f} MiB |")
    print(f"\ncache hit / --help: {hit[0] / help_[0]:.2f}x")
    if pair:
        (file_hit, _), (kept, _) = pair
        print(f"cache hit, keys in the keystore / keys in the file, taken in turn: "
              f"{kept:.2f} / {file_hit:.2f} ms = {kept / file_hit:.2f}x")
    print(f"6,001 profiles: cache hit / --help: {big_hit[0] / big_help[0]:.2f}x")
    size = os.path.getsize(args.binary)
    print(f"\nrelease binary: {size / 1024 / 1024:.2f} MiB ({size} bytes)")


if __name__ == "__main__":
    main()
