//! The environment variables mfa-env reads: nothing else is taken from the
//! process environment.

/// Every environment variable mfa-env reads. A new one is added here (and
/// read with `Snapshot::var`); nothing calls `std::env::var` elsewhere.
pub const VARS: &[&str] = &[
    "HOME",
    "PATH",
    "SHELL",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_RUNTIME_DIR",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_IAM",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_CA_BUNDLE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SDK_LOAD_CONFIG",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "MFA_ENV_PROFILE",
    "MFA_ENV_SHARED_CREDENTIALS_FILE",
    "MFA_ENV_CONFIG_FILE",
    "MFA_ENV_SERVED_CONFIG_FILE",
    "MFA_ENV_PROMPT",
    "MFA_ENV_TOKEN_COMMAND",
    "MFA_ENV_SHELL",
    "MFA_ENV_SERVER",
    "MFA_ENV_FEDERATION_URL",
    "MFA_ENV_CONTAINER_CLI",
    "YKMAN_OATH_DEVICE_SERIAL",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "BROWSER",
    "TMPDIR",
    "WSL_DISTRO_NAME",
    "WSL_INTEROP",
    "DIRENV_IN_ENVRC",
    "DIRENV_WARN_TIMEOUT",
    "MFA_ENV_COMPLETE",
];

/// The proxy variables (the HTTP client reads them itself; `doctor` names
/// them).
pub const PROXIES: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];
