//! Entry point of the `rnd-action` binary: read the GitHub Actions environment, run, exit with a code.
/// Planning allocates many small strings and maps; mimalloc does that markedly faster than the
/// system allocator (the same choice as the `rnd` binary).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rnd_action::main()
}
