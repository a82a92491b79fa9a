//! No build step: this script exists so `[build-dependencies]` can pin features of build-time crates.
fn main() {}
