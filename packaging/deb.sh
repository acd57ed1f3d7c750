#!/usr/bin/env bash
# Makes the .deb (cargo-deb, no new build) from the release binary that
# packaging/assets.sh built. A binary linked with packed relative relocations
# (DT_RELR: build.rs links with them where the build machine's glibc, 2.36 or
# later, runs them) needs glibc 2.36 to start, and dpkg-shlibdeps does not see
# it (it reads symbols, not the GLIBC_ABI_DT_RELR version): such a binary gets
# Cargo.toml's `relr` variant, whose Depends adds libc6 (>= 2.36).
# Usage: packaging/deb.sh [TARGET] [OUTPUT]   (OUTPUT: a .deb path or a folder;
# target/debian/ when not given)
set -euo pipefail
cd "$(dirname "$0")/.."
target=()
bin=${CARGO_TARGET_DIR:-target}/release/mfa-env
if [ -n "${1:-}" ]; then
  target=(--target "$1")
  bin=${CARGO_TARGET_DIR:-target}/$1/release/mfa-env
fi
variant=()
if readelf -d "$bin" | grep -qF '(RELR)'; then
  variant=(--variant relr)
fi
cargo deb --no-build "${target[@]}" "${variant[@]}" --output "${2:-target/debian/}"
