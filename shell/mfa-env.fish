# mfa-env integration for fish: mfa-env init fish | source
# (in ~/.config/fish/config.fish).
#
#   mfa-env-use [PROFILE] [OPTIONS]   set an MFA session of PROFILE in this shell
#   mfa-env-prompt                    "PROFILE 42m" while a session is set

function mfa-env-use --description 'Set an AWS MFA session in this shell'
    if test (count $argv) -gt 0; and not string match -q -- '-*' $argv[1]
        set argv --profile $argv
    end
    set -l out (command mfa-env --format fish $argv | string collect)
    or return
    eval $out
end

function mfa-env-prompt --description 'Time left of the AWS MFA session in this shell'
    set -q AWS_CREDENTIAL_EXPIRATION; and set -q MFA_ENV_PROFILE; or return 0
    set -l end (date -u -d $AWS_CREDENTIAL_EXPIRATION +%s 2>/dev/null
        or date -j -u -f '%Y-%m-%dT%H:%M:%SZ' $AWS_CREDENTIAL_EXPIRATION +%s 2>/dev/null)
    or return 0
    set -l left (math $end - (date +%s))
    if test $left -le 0
        printf '%s expired' $MFA_ENV_PROFILE
    else if test $left -lt 3600
        printf '%s %dm' $MFA_ENV_PROFILE (math --scale=0 $left / 60)
    else
        printf '%s %dh%02dm' $MFA_ENV_PROFILE (math --scale=0 $left / 3600) (math --scale=0 $left % 3600 / 60)
    end
end
