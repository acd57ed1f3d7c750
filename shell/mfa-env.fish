# mfa-env integration for fish: mfa-env init fish | source
# (in ~/.config/fish/config.fish).
#
#   mfa-env-use [PROFILE] [OPTIONS]   set an MFA session of PROFILE in this shell
#   mfa-env-unset                     remove it again (the variables mfa-env-use set)
#   mfa-env-prompt [FORMAT]           "PROFILE 42m" through printf FORMAT (default %s)
#                                     while a session is set; nothing at all without
#
# mfa-env-use completes profile names and mfa-env's options.

function mfa-env-use --description 'Set an AWS MFA session in this shell'
    if test (count $argv) -gt 0; and not string match -q -- '-*' $argv[1]
        set argv --profile $argv
    end
    set -l out (command mfa-env --format fish $argv | string collect)
    or return
    eval $out
end

function mfa-env-unset --description 'Remove the AWS MFA session from this shell'
    set -e AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
        AWS_CREDENTIAL_EXPIRATION AWS_ACCOUNT_ID AWS_REGION AWS_DEFAULT_REGION \
        MFA_ENV_PROFILE
    return 0
end

# Time left of the session. The expiry must be exactly YYYY-MM-DDTHH:MM:SSZ
# before any arithmetic; `date +%s` is the one program it starts.
function mfa-env-prompt --description 'Time left of the AWS MFA session in this shell'
    set -q MFA_ENV_PROFILE[1]; and test -n "$MFA_ENV_PROFILE"; or return 0
    set -q AWS_CREDENTIAL_EXPIRATION[1]; or return 0
    set -l e "$AWS_CREDENTIAL_EXPIRATION"
    string match -qr '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\z' -- $e; or return 0
    set -l now (date +%s)
    string match -qr '^[0-9]+\z' -- "$now"; or return 0
    # RFC 3339 to epoch seconds: days from the civil date.
    set -l y (string sub -s 1 -l 4 -- $e | string replace -r '^0+(?=.)' '')
    set -l m (string sub -s 6 -l 2 -- $e | string replace -r '^0' '')
    set -l d (string sub -s 9 -l 2 -- $e | string replace -r '^0' '')
    set -l hh (string sub -s 12 -l 2 -- $e | string replace -r '^0' '')
    set -l mi (string sub -s 15 -l 2 -- $e | string replace -r '^0' '')
    set -l ss (string sub -s 18 -l 2 -- $e | string replace -r '^0' '')
    test $m -le 2; and set y (math $y - 1)
    set -l era (math "floor($y / 400)")
    set -l yoe (math $y - $era \* 400)
    set -l mp (math "($m + 9) % 12")
    set -l doy (math "floor((153 * $mp + 2) / 5) + $d - 1")
    set -l doe (math "$yoe * 365 + floor($yoe / 4) - floor($yoe / 100) + $doy")
    set -l left (math "($era * 146097 + $doe - 719468) * 86400 + $hh * 3600 + $mi * 60 + $ss - $now")
    set -l text
    if test $left -le 0
        set text "$MFA_ENV_PROFILE expired"
    else if test $left -lt 3600
        set text (printf '%s %dm' $MFA_ENV_PROFILE (math "floor($left / 60)"))
    else
        set text (printf '%s %dh%02dm' $MFA_ENV_PROFILE (math "floor($left / 3600)") (math "floor($left % 3600 / 60)"))
    end
    set -l format %s
    set -q argv[1]; and set format $argv[1]
    printf $format $text
end

# Completion of mfa-env-use: the words are rewritten to the mfa-env command
# line they stand for (a first word that is no option is --profile's value)
# and handed to mfa-env's own completion (MFA_ENV_COMPLETE=fish mfa-env -- WORDS).
function __mfa_env_use_complete
    set -l words (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token)
    set -e words[1]
    if test (count $words) -gt 0; and not string match -q -- '-*' $words[1]
        set words --profile $words
    end
    MFA_ENV_COMPLETE=fish command mfa-env -- mfa-env $words 2>/dev/null
end

complete --command mfa-env-use --no-files --keep-order --arguments '(__mfa_env_use_complete)'
