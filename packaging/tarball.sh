#!/usr/bin/env bash
# A release tarball for TARGET: the binary, the man page, the completions, the
# shell/ integration files, README, CHANGELOG and the licences, with its
# SHA-256 sum next to it. Usage: packaging/tarball.sh TARGET VERSION
# (after packaging/assets.sh TARGET). Writes dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=$1
version=$2
name=mfa-env-$version-$target
stage=dist/$name
rm -rf "$stage"
mkdir -p "$stage/completions" "$stage/shell"
cp "${CARGO_TARGET_DIR:-target}/$target/release/mfa-env" "$stage/"
cp target/assets/mfa-env.1 "$stage/"
cp target/assets/mfa-env.bash target/assets/_mfa-env target/assets/mfa-env.fish "$stage/completions/"
cp shell/* "$stage/shell/"
cp README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$stage/"
tar -C dist -czf "dist/$name.tar.gz" "$name"
rm -rf "$stage"
sum=sha256sum
command -v sha256sum >/dev/null || sum="shasum -a 256" # macOS
(cd dist && $sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "packaging/tarball.sh: dist/$name.tar.gz"
