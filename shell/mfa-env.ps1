# mfa-env integration for PowerShell: in $PROFILE,
#   mfa-env init powershell | Out-String | Invoke-Expression
#
#   mfa-env-use [PROFILE] [OPTIONS]   set an MFA session of PROFILE in this shell
#   mfa-env-unset                     remove it again (the variables mfa-env-use set)
#   mfa-env-prompt [FORMAT]           "PROFILE 42m" through -f FORMAT (default {0})
#                                     while a session is set; nothing at all without
#
# mfa-env-use completes profile names and mfa-env's options.

function mfa-env-use {
    $rest = @($args)
    if ($rest.Count -gt 0 -and -not "$($rest[0])".StartsWith('-')) {
        $rest = @('--profile') + $rest
    }
    $out = & mfa-env --format powershell @rest
    if ($LASTEXITCODE -eq 0) {
        Invoke-Expression ($out -join "`n")
    }
}

function mfa-env-unset {
    foreach ($name in 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
        'AWS_CREDENTIAL_EXPIRATION', 'AWS_ACCOUNT_ID', 'AWS_REGION', 'AWS_DEFAULT_REGION',
        'MFA_ENV_PROFILE') {
        Remove-Item -LiteralPath "Env:$name" -ErrorAction SilentlyContinue
    }
}

# Time left of the session. The expiry must be exactly YYYY-MM-DDTHH:MM:SSZ
# (ASCII digits) before it is parsed.
function mfa-env-prompt {
    param([string]$Format = '{0}')
    $e = $Env:AWS_CREDENTIAL_EXPIRATION
    if (-not $Env:MFA_ENV_PROFILE -or -not $e) { return }
    if ($e -cnotmatch '\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\z') { return }
    $end = [datetime]::MinValue
    $styles = [System.Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal'
    if (-not [datetime]::TryParseExact($e, "yyyy-MM-dd'T'HH:mm:ss'Z'",
            [System.Globalization.CultureInfo]::InvariantCulture, $styles, [ref]$end)) { return }
    $left = [long][math]::Floor(($end - [datetime]::UtcNow).TotalSeconds)
    $text = if ($left -le 0) { "$($Env:MFA_ENV_PROFILE) expired" }
    elseif ($left -lt 3600) { '{0} {1}m' -f $Env:MFA_ENV_PROFILE, [math]::Floor($left / 60) }
    else { '{0} {1}h{2:d2}m' -f $Env:MFA_ENV_PROFILE, [long][math]::Floor($left / 3600), [long][math]::Floor(($left % 3600) / 60) }
    $Format -f $text
}

# Completion of mfa-env-use: the words are rewritten to the mfa-env command
# line they stand for (a first word that is no option is --profile's value)
# and handed to mfa-env's own completion (MFA_ENV_COMPLETE=powershell mfa-env -- WORDS).
Register-ArgumentCompleter -Native -CommandName mfa-env-use -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -le $cursorPosition } |
        ForEach-Object { $_.Extent.Text } | Select-Object -Skip 1)
    if ($wordToComplete -eq '') { $words += '' }
    if ($words.Count -gt 0 -and -not "$($words[0])".StartsWith('-')) {
        $words = @('--profile') + $words
    }
    $prev = $Env:MFA_ENV_COMPLETE
    $Env:MFA_ENV_COMPLETE = 'powershell'
    try {
        $results = & mfa-env -- mfa-env @words 2>$null
    } finally {
        if ($null -eq $prev) { Remove-Item -LiteralPath Env:MFA_ENV_COMPLETE } else { $Env:MFA_ENV_COMPLETE = $prev }
    }
    $results | ForEach-Object {
        $value, $help = "$_".Split("`t", 2)
        if (-not $help) { $help = $value }
        [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $help)
    }
}
