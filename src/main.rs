fn main() -> std::process::ExitCode {
    mfa_env::app::main()
}
