#!/usr/bin/env python3
"""Writes link/hot-functions.txt: the functions of mfa-env a start-up runs.

    bench/hot.py [--binary PATH]

The kernel maps the 64 KiB around each page of the binary a run touches, so
the resident memory of a short run grows with how scattered the code it runs
is. build.rs hands the linker a script that puts the functions listed in
link/hot-functions.txt together at the front of the code.

This script finds them: it builds a release binary that keeps its symbols
(CARGO_PROFILE_RELEASE_STRIP=false, in target/hot; or takes --binary), runs it
under gdb with a one-shot breakpoint on each of its functions for the runs
that must start fast (a cache hit, `-- true` and `credential-process` on a
cached session, `--help`, `--version`, and the hit of a profile whose keys
are in the keystore, with bench.py's private Secret Service), and writes the
names of the functions they entered, run by run (sorted within a run), as
section-name patterns without what changes from one build to the next: the
hash of a legacy symbol (17h…E), in a v0 symbol the crate disambiguators
(Cs…_) and back-references (B…_), and the .N suffix LLVM gives a second local
function of one name (build.rs matches NAME.* too). A function the list no longer matches only
loses its place; rerun this after large changes and compare bench/bench.py's
figures before and after.

Needs gdb and moto (as bench.py does); contacts only 127.0.0.1. About a
minute a run.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# In this order: the functions each run adds come after those of the runs
# before it, so the cache hit's own code is the most tightly packed.
RUNS = [[], ["--", "true"], ["credential-process"], ["--help"], ["--version"]]


def build():
    env = dict(os.environ, CARGO_PROFILE_RELEASE_STRIP="false")
    target = os.path.join(ROOT, "target", "hot")
    subprocess.run(["cargo", "build", "--release", "--locked", "--target-dir", target],
                   cwd=ROOT, env=env, check=True)
    return os.path.join(target, "release", "mfa-env")


def functions(binary):
    """The names of the binary's own functions (nm: t, T, w, W)."""
    out = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True,
                         check=True).stdout
    return {p[2] for p in (line.split() for line in out.splitlines())
            if len(p) == 3 and p[1] in "tTwW"}


# Run inside gdb: a one-shot breakpoint on each of the binary's functions, and
# the names of those hit written to $HOT_OUT. Native, so the code paths are
# this CPU's (sha2's SHA-NI one, say), which valgrind would not take.
GDB_SCRIPT = r"""
import gdb, os, subprocess
binary = gdb.current_progspace().filename
names = {}
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True,
                           text=True).stdout.splitlines():
    p = line.split()
    if len(p) == 3 and p[1] in "tTwW":
        names.setdefault(int(p[0], 16), p[2])
gdb.execute("set pagination off")
gdb.execute("set breakpoint always-inserted on")
gdb.execute("starti", to_string=True)
base = min(int(line.split()[0], 16)
           for line in gdb.execute("info proc mappings", to_string=True).splitlines()
           if line.strip().endswith(binary))
for addr in names:
    gdb.Breakpoint(f"*{base + addr:#x}", internal=True, temporary=True)
hits = []
def stopped(event):
    if isinstance(event, gdb.BreakpointEvent):
        hits.append(names.get(gdb.selected_frame().pc() - base, ""))
gdb.events.stop.connect(stopped)
while gdb.selected_inferior().pid:
    try:
        gdb.execute("continue", to_string=True)
    except gdb.error:
        break
with open(os.environ["HOT_OUT"], "w") as f:
    f.write("\n".join(hits))
"""


def ran(binary, argv, env):
    """The names of the functions one run of binary argv entered."""
    with tempfile.TemporaryDirectory(prefix="mfa-env-hot-") as tmp:
        script, out = os.path.join(tmp, "hot.py"), os.path.join(tmp, "hits")
        with open(script, "w") as f:
            f.write(GDB_SCRIPT)
        subprocess.run(["gdb", "-q", "-batch", "-nx", "-x", script, "--args", binary, *argv],
                       env=dict(env, HOT_OUT=out), check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return set(open(out).read().split())


def keystore_hit(binary, home, env, add):
    """The hit of a profile whose keys are in the keystore, as bench.py's
    keystore row sets it up (a private Secret Service); left out without one."""
    if bench.Keyring.missing():
        print("keystore run left out: dbus-daemon or gnome-keyring-daemon missing", file=sys.stderr)
        return
    keyring = bench.Keyring()
    try:
        with open(f"{home}/.aws/config", "a") as f:
            f.write(f"\n[profile vault]\nmfa_serial = {bench.SERIAL}\nregion = us-east-1\n")
        kenv = dict(env, DBUS_SESSION_BUS_ADDRESS=keyring.address)
        subprocess.run([binary, "keys", "add", "vault"], env=kenv, check=True, capture_output=True,
                       input=f"{bench.VAULT_KEY_ID}\n{bench.SECRET}\n".encode())
        subprocess.run([binary, "-p", "vault", "--token-code", "123456"], env=kenv, check=True,
                       stdout=subprocess.DEVNULL)
        add(["-p", "vault"], kenv)
    finally:
        keyring.stop()


def pattern(name):
    """The name with what differs between builds of the same code as `*`."""
    name = re.sub(r"\.[0-9]+$", "", name)
    name = re.sub(r"17h[0-9a-f]{16}E$", "17h*E", name)
    if name.startswith("_R"):
        name = re.sub(r"Cs[0-9A-Za-z]{1,13}_", "Cs*_", name)
        name = re.sub(r"B[0-9A-Za-z]{0,4}_", "B*_", name)
    return name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", help="a release mfa-env with its symbols (default: build one)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary or build())
    own = functions(binary)
    if not own:
        raise SystemExit(f"{binary} has no symbols: build it with CARGO_PROFILE_RELEASE_STRIP=false")

    moto, url = bench.start_moto()
    home = bench.make_home()
    env = bench.bench_env(home, url)
    try:
        subprocess.run([binary, "--token-code", "123456"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        seen, listed, lines = set(), set(), []

        def add(argv, env):
            new = ran(binary, argv, env) & own
            seen.update(new)
            added = sorted({pattern(n) for n in new} - listed)
            listed.update(added)
            lines.extend([f"# {' '.join(['mfa-env', *argv])}: {len(added)} more", *added])

        for argv in RUNS:
            add(argv, env)
        keystore_hit(binary, home, env, add)
    finally:
        moto.kill()
        moto.wait()
        subprocess.run(["rm", "-rf", home], check=False)

    path = os.path.join(ROOT, "link", "hot-functions.txt")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("# The functions of mfa-env a start-up runs, put together at the front of\n"
                "# the code by build.rs. Made by bench/hot.py (see there); do not edit.\n")
        f.write("".join(line + "\n" for line in lines))
    print(f"{path}: {len(listed)} patterns for {len(seen)} functions")


if __name__ == "__main__":
    main()
