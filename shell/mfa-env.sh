# mfa-env integration for bash and zsh: eval "$(mfa-env init bash)" (or zsh)
# in ~/.bashrc or ~/.zshrc.
#
#   mfa-env-use [PROFILE] [OPTIONS]   set an MFA session of PROFILE in this shell
#   mfa-env-prompt                    "PROFILE 42m" while a session is set, for PS1

mfa-env-use() {
  if [ "$#" -gt 0 ] && [ "${1#-}" = "$1" ]; then
    set -- --profile "$@"
  fi
  local mfa_env_out
  mfa_env_out=$(command mfa-env --format sh "$@") || return
  eval "$mfa_env_out"
}

# Time left of the session in this shell, without starting any program where
# the shell knows the time itself (bash 5, zsh with zsh/datetime).
mfa-env-prompt() {
  local e=${AWS_CREDENTIAL_EXPIRATION-} now y m d era yoe doy doe left
  [ -n "$e" ] && [ -n "${MFA_ENV_PROFILE-}" ] || return 0
  now=${EPOCHSECONDS-}
  [ -n "$now" ] || now=$(date +%s)
  # RFC 3339 (2026-11-27T20:42:08Z) to epoch seconds: days from the civil date.
  y=$((10#${e:0:4})) m=$((10#${e:5:2})) d=$((10#${e:8:2}))
  [ "$m" -le 2 ] && y=$((y - 1))
  era=$((y / 400))
  yoe=$((y - era * 400))
  if [ "$m" -gt 2 ]; then doy=$(((153 * (m - 3) + 2) / 5 + d - 1)); else doy=$(((153 * (m + 9) + 2) / 5 + d - 1)); fi
  doe=$((yoe * 365 + yoe / 4 - yoe / 100 + doy))
  left=$(((era * 146097 + doe - 719468) * 86400 + 10#${e:11:2} * 3600 + 10#${e:14:2} * 60 + 10#${e:17:2} - now))
  if [ "$left" -le 0 ]; then
    printf '%s expired' "$MFA_ENV_PROFILE"
  elif [ "$left" -lt 3600 ]; then
    printf '%s %dm' "$MFA_ENV_PROFILE" $((left / 60))
  else
    printf '%s %dh%02dm' "$MFA_ENV_PROFILE" $((left / 3600)) $((left % 3600 / 60))
  fi
}
