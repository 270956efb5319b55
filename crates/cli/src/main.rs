//! Entry point of the `rnd` binary.
fn main() {
    println!("rnd");
}
