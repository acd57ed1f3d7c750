#!/usr/bin/env bash
# Installs the .deb on this machine, checks it as a user meets it, and removes
# it again: `man mfa-env` renders from the installed page; a login bash with
# bash-completion completes `mfa-env ex<TAB>` and a profile name with no line
# in any rc file; fish lists the subcommands; `dpkg -r` removes every file.
# Usage (as root): packaging/check-deb.sh PATH.deb
set -euo pipefail
deb=$(realpath "$1")
fail() { echo "check-deb: $*" >&2; exit 1; }

if dpkg -s mfa-env >/dev/null 2>&1; then
  dpkg -P mfa-env >/dev/null # a run that stopped half-way
fi
[ ! -e /usr/bin/mfa-env ] || fail "/usr/bin/mfa-env exists and is not the package's: not overwriting it"
home=$(mktemp -d)
cleanup() {
  dpkg -P mfa-env >/dev/null 2>&1 || true
  rm -rf "$home"
}
trap cleanup EXIT
dpkg -i "$deb" >/dev/null
# A binary with packed relative relocations starts only on glibc 2.36 or later:
# its package must say so (dpkg-shlibdeps does not see it; packaging/deb.sh).
if readelf -d /usr/bin/mfa-env | grep -qF '(RELR)'; then
  depends=$(dpkg-deb -f "$deb" Depends)
  grep -qF 'libc6 (>= 2.36)' <<<"$depends" || fail "the binary uses DT_RELR (glibc 2.36) but Depends is: $depends"
fi
mapfile -t files < <(dpkg -L mfa-env | while read -r f; do [ -d "$f" ] || echo "$f"; done)
for f in /usr/bin/mfa-env /usr/share/man/man1/mfa-env.1.gz \
  /usr/share/bash-completion/completions/mfa-env \
  /usr/share/zsh/vendor-completions/_mfa-env \
  /usr/share/fish/vendor_completions.d/mfa-env.fish \
  /usr/share/mfa-env/mfa-env.sh /usr/share/mfa-env/mfa-env.fish \
  /usr/share/mfa-env/mfa-env.ps1 /usr/share/mfa-env/direnvrc; do
  printf '%s\n' "${files[@]}" | grep -qxF "$f" || fail "the package lacks $f"
  [ -f "$f" ] || fail "$f is not installed"
done

# A user's HOME with one profile and no rc-file lines at all.
mkdir -p "$home/.aws"
printf '[default]\nregion = eu-west-1\n[profile work-admin]\nregion = eu-west-1\n' >"$home/.aws/config"
: >"$home/.bashrc"
as_user() { env -i HOME="$home" TERM=dumb LC_ALL=C.UTF-8 PATH=/usr/local/bin:/usr/bin:/bin "$@"; }

# man renders the installed page, without a word on stderr.
[ "$(as_user man -w mfa-env)" = /usr/share/man/man1/mfa-env.1.gz ] || fail "man -w: $(as_user man -w mfa-env 2>&1)"
page=$(as_user env MANPAGER=cat MANWIDTH=80 man mfa-env 2>"$home/man.err")
[ ! -s "$home/man.err" ] || fail "man mfa-env: $(cat "$home/man.err")"
grep -q '^SYNOPSIS' <<<"$page" || fail "man mfa-env: no SYNOPSIS in: $page"

# A login bash: /etc/profile.d/bash_completion.sh loads bash-completion, whose
# loader finds the package's file at the first <TAB> after mfa-env.
complete_bash() {
  # shellcheck disable=SC2016 # the script is for the login bash to expand
  as_user bash -lic '
    loader=$(complete -p -D 2>/dev/null | sed -n "s/.*-F \([^ ]*\).*/\1/p")
    [ -n "$loader" ] || { echo "no bash-completion loader" >&2; exit 3; }
    "$loader" mfa-env "" ""
    fn=$(complete -p mfa-env | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
    [ -n "$fn" ] || { echo "no completion for mfa-env" >&2; exit 4; }
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMP_TYPE=9
    read -ra COMP_WORDS <<<"$1"
    case $1 in *" ") COMP_WORDS+=("") ;; esac
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    "$fn" mfa-env "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf "%s\n" "${COMPREPLY[@]}"' bash "$1" 2>"$home/bash.err"
}
got=$(complete_bash 'mfa-env ex') || fail "bash: $(cat "$home/bash.err")"
grep -qx 'exec' <<<"$got" || fail "bash: mfa-env ex<TAB> gave: $got"
got=$(complete_bash 'mfa-env -p work') || fail "bash: $(cat "$home/bash.err")"
grep -qx 'work-admin' <<<"$got" || fail "bash: mfa-env -p work<TAB> gave: $got"

# fish loads vendor completions by itself.
got=$(as_user fish -c 'complete -C "mfa-env "' | cut -f1)
for sub in exec shell status doctor list; do
  grep -qx "$sub" <<<"$got" || fail "fish: no $sub in: $got"
done
# zsh looks in the folder the package uses.
# shellcheck disable=SC2016 # for zsh to expand
as_user zsh -fc 'print -l $fpath' | grep -qx /usr/share/zsh/vendor-completions ||
  fail "zsh's fpath lacks /usr/share/zsh/vendor-completions"

# dpkg -r leaves none of the files it installed.
dpkg -r mfa-env >/dev/null
for f in "${files[@]}"; do
  [ ! -e "$f" ] || fail "dpkg -r left $f"
done
echo "check-deb: $(basename "$deb"): ${#files[@]} files installed, checked and removed"
