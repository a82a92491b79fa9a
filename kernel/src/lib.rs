//! The huntbook Jupyter kernel: Rust cells evaluated by evcxr, with the huntbook prelude loaded.
//!
//! - [`server`]: the Jupyter wire protocol (shell, control, iopub, stdin, heartbeat);
//! - [`engine`]: the evcxr session on its own thread, output forwarding, interrupts;
//! - [`prelude_lib`]: building the prelude once and linking every cell against it;
//! - [`build_dir`]: a persistent, locked build folder per notebook;
//! - [`install`]: writing and removing the `huntbook` kernelspec;
//! - [`is_complete`]: bracket and string balance for `is_complete_request`;
//! - [`marker`]: the line format the prelude uses to ask for displays.
//!
//! ```
//! use huntbook_kernel::is_complete::{check, Completeness};
//! assert_eq!(check("fn main() {"), Completeness::Incomplete);
//! ```

#![deny(missing_docs)]

pub mod build_dir;
pub mod engine;
pub mod install;
pub mod is_complete;
pub mod marker;
pub mod prelude_lib;
pub mod server;
