#!/usr/bin/env bash
# Builds the release binary and, with that binary, the files every package
# ships: the man page and the bash, zsh and fish completions. They are
# generated, not kept in git, so they cannot drift from the binary.
# Usage: packaging/assets.sh [TARGET]   (TARGET: a rustc target triple; the
# binary must be able to run here). Writes target/assets/.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${1:-}" ]; then
  cargo build --release --locked --target "$1"
  bin=${CARGO_TARGET_DIR:-target}/$1/release/mfa-env
else
  cargo build --release --locked
  bin=${CARGO_TARGET_DIR:-target}/release/mfa-env
fi
out=target/assets
rm -rf "$out"
mkdir -p "$out"
"$bin" man >"$out/mfa-env.1"
gzip -9n <"$out/mfa-env.1" >"$out/mfa-env.1.gz"
"$bin" completions bash >"$out/mfa-env.bash"
"$bin" completions zsh >"$out/_mfa-env"
"$bin" completions fish >"$out/mfa-env.fish"
echo "packaging/assets.sh: $bin and $out/"
