# mfa-env integration for bash and zsh: eval "$(mfa-env init bash)" (or zsh)
# in ~/.bashrc or ~/.zshrc (in zsh after compinit, for completion).
#
#   mfa-env-use [PROFILE] [OPTIONS]   set an MFA session of PROFILE in this shell
#   mfa-env-unset                     remove it again (the variables mfa-env-use set)
#   mfa-env-prompt [FORMAT]           "PROFILE 42m" through printf FORMAT (default %s)
#                                     while a session is set; nothing at all without
#
# mfa-env-use completes profile names and mfa-env's options.

mfa-env-use() {
  if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
    set -- --profile "$@"
  fi
  local mfa_env_out
  mfa_env_out=$(command mfa-env --format sh "$@") || return
  eval "$mfa_env_out"
}

mfa-env-unset() {
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
    AWS_CREDENTIAL_EXPIRATION AWS_ACCOUNT_ID AWS_REGION AWS_DEFAULT_REGION \
    MFA_ENV_PROFILE
}

# Time left of the session in this shell. It starts no program where the
# shell knows the time itself (bash 5's and zsh/datetime's EPOCHSECONDS), and
# does arithmetic only on an expiry that is exactly YYYY-MM-DDTHH:MM:SSZ.
mfa-env-prompt() {
  local e=${AWS_CREDENTIAL_EXPIRATION-} now y m d era yoe doy doe left text mm
  [ -n "${MFA_ENV_PROFILE-}" ] || return 0
  case $e in
  [0123456789][0123456789][0123456789][0123456789]-[0123456789][0123456789]-[0123456789][0123456789]T[0123456789][0123456789]:[0123456789][0123456789]:[0123456789][0123456789]Z) ;;
  *) return 0 ;;
  esac
  now=${EPOCHSECONDS-}
  case $now in
  '' | *[!0123456789]*) now=$(date +%s) ;;
  esac
  case $now in
  '' | *[!0123456789]*) return 0 ;;
  esac
  # RFC 3339 (2026-11-27T20:42:08Z) to epoch seconds: days from the civil date.
  y=$((10#${e:0:4})) m=$((10#${e:5:2})) d=$((10#${e:8:2}))
  [ "$m" -le 2 ] && y=$((y - 1))
  era=$((y / 400))
  yoe=$((y - era * 400))
  if [ "$m" -gt 2 ]; then doy=$(((153 * (m - 3) + 2) / 5 + d - 1)); else doy=$(((153 * (m + 9) + 2) / 5 + d - 1)); fi
  doe=$((yoe * 365 + yoe / 4 - yoe / 100 + doy))
  left=$(((era * 146097 + doe - 719468) * 86400 + 10#${e:11:2} * 3600 + 10#${e:14:2} * 60 + 10#${e:17:2} - 10#$now))
  if [ "$left" -le 0 ]; then
    text="$MFA_ENV_PROFILE expired"
  elif [ "$left" -lt 3600 ]; then
    text="$MFA_ENV_PROFILE $((left / 60))m"
  else
    mm=$((left % 3600 / 60))
    [ "$mm" -ge 10 ] || mm=0$mm
    text="$MFA_ENV_PROFILE $((left / 3600))h${mm}m"
  fi
  # zsh expands % in what a prompt's $(…) prints: a % in the name stays one.
  [ -z "${ZSH_VERSION-}" ] || text=${text//\%/%%}
  # shellcheck disable=SC2059 # the format is the caller's, as in printf
  printf "${1:-%s}" "$text"
}

# Completion of mfa-env-use: the words are rewritten to the mfa-env command
# line they stand for (a first word that is no option is --profile's value)
# and handed to mfa-env's own completion (MFA_ENV_COMPLETE=bash mfa-env -- WORDS).
# $1: the index of the word under the cursor; then the words.
_mfa_env_use_candidates() {
  local index=$1
  shift 2
  if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
    set -- --profile "$@"
    index=$((index + 1))
  fi
  MFA_ENV_COMPLETE=bash _CLAP_IFS=$'\n' _CLAP_COMPLETE_INDEX=$index command mfa-env -- mfa-env "$@" 2>/dev/null
}

if [ -n "${ZSH_VERSION-}" ]; then
  zmodload zsh/datetime 2>/dev/null
  _mfa_env_use() {
    local IFS=$'\n'
    local -a candidates
    # shellcheck disable=SC2207,SC2154 # zsh splits on IFS; words, CURRENT: zsh's
    candidates=($(_mfa_env_use_candidates $((CURRENT - 1)) "${words[@]}"))
    compadd -- "${candidates[@]}"
  }
  if command -v compdef >/dev/null 2>&1; then
    compdef _mfa_env_use mfa-env-use
  fi
elif [ -n "${BASH_VERSION-}" ]; then
  _mfa_env_use() {
    local words=("${COMP_WORDS[@]}")
    words[COMP_CWORD]=$2
    mapfile -t COMPREPLY < <(_mfa_env_use_candidates "$COMP_CWORD" "${words[@]}")
  }
  complete -F _mfa_env_use mfa-env-use
fi
