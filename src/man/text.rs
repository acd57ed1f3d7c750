//! The man page's written text: its date, the environment, files, exit
//! status and examples (the options come from the clap types).

/// The date of the page (the last change of its text).
pub(super) const DATE: &str = "2026-11-27";

/// Examples: the command line, and what it does.
pub(super) const EXAMPLES: &[(&str, &str)] = &[
    (
        "eval \"$(mfa-env)\"",
        "Export a session of the default profile into this shell.",
    ),
    (
        "eval \"$(mfa-env --profile work)\"",
        "The same for profile work.",
    ),
    ("mfa-env -- aws s3 ls", "Run one command with the session."),
    (
        "mfa-env -p work -d 1h -- terraform plan",
        "A one-hour session of profile work for one command.",
    ),
    (
        "op item get AWS --otp | mfa-env -t -",
        "Read the MFA code from standard input.",
    ),
    ("mfa-env shell work", "Start $SHELL with the session."),
    (
        "mfa-env --server -p admin -- terraform apply",
        "Run terraform as mfa-env's child, serving it the session on 127.0.0.1 and renewing it for as long as the MFA session lasts.",
    ),
    (
        "mfa-env list",
        "Every profile: what mfa-env can do with it, its region and the time left of its cached session.",
    ),
    ("mfa-env status", "The cached sessions and their time left."),
    (
        "mfa-env console -p admin --service s3",
        "Open the S3 console in the browser, signed in as the role of profile admin.",
    ),
    (
        "mfa-env status --check -p work",
        "Exit 0 while profile work has a valid cached session; print nothing.",
    ),
    (
        "mfa-env clear --all",
        "Delete every session mfa-env has cached.",
    ),
    (
        "mfa-env doctor -p work",
        "Check the setup of profile work and say how to fix what is wrong.",
    ),
    (
        "eval \"$(mfa-env init bash)\"",
        "Define mfa-env-use, mfa-env-unset and mfa-env-prompt in bash (or zsh).",
    ),
    (
        "source <(mfa-env completions bash)",
        "Complete subcommands, options and profile names in bash.",
    ),
    (
        "credential_process = mfa-env credential-process --profile work",
        "In ~/.aws/config, in a profile of its own: the AWS CLI and the SDKs get the session.",
    ),
];

pub(super) const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "AWS_PROFILE, MFA_ENV_PROFILE",
        "The profile when --profile is not given, in this order; else default. An eval of mfa-env sets MFA_ENV_PROFILE and unsets AWS_PROFILE.",
    ),
    (
        "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE",
        "Where the config and credentials files are.",
    ),
    (
        "AWS_REGION, AWS_DEFAULT_REGION",
        "The region when neither --region nor the profile's region is set.",
    ),
    (
        "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS_USE_FIPS_ENDPOINT",
        "Where STS requests go.",
    ),
    (
        "AWS_CA_BUNDLE",
        "A PEM file that replaces the system's certificate roots.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, NO_PROXY",
        "The proxy for STS and federation requests, and the hosts that bypass it.",
    ),
    (
        "MFA_ENV_FEDERATION_URL",
        "The federation endpoint of mfa-env console; else the sign-in endpoint of the role's partition.",
    ),
    (
        "BROWSER",
        "The browser mfa-env console starts: a command, with %s replaced by the address of the page that sends it on to the sign-in URL, else that address appended; else xdg-open, open or wslview.",
    ),
    (
        "XDG_RUNTIME_DIR, TMPDIR",
        "Where mfa-env console writes the 0600 page for the browser (in a fresh 0700 folder, removed 30 seconds later); else /tmp.",
    ),
    (
        "XDG_CACHE_HOME, HOME",
        "Where the session cache is: $XDG_CACHE_HOME/mfa-env, else ~/.cache/mfa-env.",
    ),
    (
        "SHELL",
        "The shell that mfa-env shell starts; else /bin/sh.",
    ),
    (
        "MFA_ENV_COMPLETE",
        "Set by the completion scripts: mfa-env then prints completions for the words after --, and nothing else. mfa-env's own name, so that a COMPLETE set for another tool changes nothing.",
    ),
    (
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION",
        "Set to the session (with AWS_ACCOUNT_ID when the role ARN or the MFA device ARN names the account, else it is unset; AWS_REGION, AWS_DEFAULT_REGION and MFA_ENV_PROFILE) in the shell or command. AWS_SECURITY_TOKEN, AWS_SESSION_EXPIRATION, AWS_PROFILE, AWS_DEFAULT_PROFILE and AWS_SDK_LOAD_CONFIG are unset. The long-term keys are always read from the profile, never from AWS_ACCESS_KEY_ID.",
    ),
    (
        "MFA_ENV_PROMPT",
        "How to ask for the code when neither a flag nor the profile's mfa_process gives it (as --prompt); before the profile's mfa_prompt.",
    ),
    (
        "YKMAN_OATH_DEVICE_SERIAL",
        "The YubiKey --prompt ykman asks (ykman --device).",
    ),
    (
        "DISPLAY, WAYLAND_DISPLAY",
        "A desktop for the zenity and kdialog dialogs.",
    ),
    (
        "DIRENV_WARN_TIMEOUT",
        "Inside direnv, when direnv says the .envrc is taking a while: the prompt is then written again on a line of its own.",
    ),
    (
        "MFA_ENV_SHELL",
        "Set to the profile in the shell that mfa-env shell starts.",
    ),
    (
        "AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN, MFA_ENV_SERVER",
        "With --server: the endpoint on 127.0.0.1 and its token (new for every run), and 1, in the command instead of the keys; AWS_SHARED_CREDENTIALS_FILE is /dev/null there (MFA_ENV_SHARED_CREDENTIALS_FILE names the real one, which an mfa-env in the command reads), and AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE are unset with the key variables.",
    ),
];

pub(super) const FILES: &[(&str, &str)] = &[
    (
        "~/.aws/config, ~/.aws/credentials",
        "The profiles, read with aws-config's profile loader and never written.",
    ),
    (
        "~/.cache/mfa-env/",
        "The session cache: a folder of mode 0700 holding one HASH.json (mode 0600) per session and its HASH.lock. mfa-env clear deletes them.",
    ),
];

pub(super) const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success."),
    (
        "1",
        "A setup or AWS error (the message says what failed, why, and how to fix it); status --check with no valid session; doctor with a failed check. A failed run (1 or 2) whose output is for eval (sh or fish, to a pipe) prints false on standard output, so that the eval fails too.",
    ),
    (
        "2",
        "A malformed command line (an option of another command, a malformed duration, a command without --), a --duration no role session can have, a --min-ttl no new session could meet (as 2h for a role assumed with the MFA session, which AWS caps at 1 hour), a console --destination or --service that is not a page of the console, or --server without a command to serve.",
    ),
    (
        "126",
        "The command after -- is not executable (permission denied) or is a directory.",
    ),
    ("127", "The command after -- does not exist."),
    ("130", "Ctrl-C at the MFA prompt, or Cancel in its dialog."),
    (
        "other",
        "With -- CMD, the command's own exit status (or 128 + the signal that ended it): mfa-env replaces itself with it, or with --server waits for it and ends the same way.",
    ),
];
