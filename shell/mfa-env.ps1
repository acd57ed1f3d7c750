# mfa-env integration for PowerShell: in $PROFILE,
#   mfa-env init powershell | Out-String | Invoke-Expression
#
#   mfa-env-use [PROFILE] [OPTIONS]   set an MFA session of PROFILE in this shell
#   mfa-env-prompt                    "PROFILE 42m" while a session is set

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

function mfa-env-prompt {
    if (-not $Env:AWS_CREDENTIAL_EXPIRATION -or -not $Env:MFA_ENV_PROFILE) { return }
    $end = [datetime]::Parse($Env:AWS_CREDENTIAL_EXPIRATION).ToUniversalTime()
    $left = [int]($end - [datetime]::UtcNow).TotalSeconds
    if ($left -le 0) { "$($Env:MFA_ENV_PROFILE) expired" }
    elseif ($left -lt 3600) { '{0} {1}m' -f $Env:MFA_ENV_PROFILE, [math]::Floor($left / 60) }
    else { '{0} {1}h{2:d2}m' -f $Env:MFA_ENV_PROFILE, [math]::Floor($left / 3600), [math]::Floor(($left % 3600) / 60) }
}
