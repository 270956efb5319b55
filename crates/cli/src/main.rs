//! Entry point of the `rnd` binary: parse the command line, run it, exit with its code.
fn main() -> std::process::ExitCode {
    rnd_cli::main()
}
