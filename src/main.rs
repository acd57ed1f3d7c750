fn main() -> std::process::ExitCode {
    mfa_env::commands::main()
}
