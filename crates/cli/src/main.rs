//! Entry point of the `rnd` binary: parse the command line, run it, exit with its code.
/// Planning allocates many small strings and maps; mimalloc does that markedly faster than the
/// system allocator (see benches/src/bin/plan_scale.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rnd_cli::main()
}
