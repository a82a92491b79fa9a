//! Feature pins for the workspace; see this crate's `Cargo.toml`. It has no code.
