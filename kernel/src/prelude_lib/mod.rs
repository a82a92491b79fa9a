//! The prebuilt prelude: building it, finding it, and linking cells against it.
//!
//! - [`index`]: `prelude.json`, the list of packages inside the prelude and their files;
//! - [`build`]: `cargo build` of the prelude crate and the layout of a prelude directory;
//! - [`wrapper`]: the rustc wrapper that makes cargo skip prebuilt crates inside evcxr's build.

pub mod build;
pub mod index;
pub mod wrapper;

use std::path::{Path, PathBuf};

pub use index::PreludeIndex;

/// Everything that can go wrong preparing or using the prelude.
#[derive(Debug, thiserror::Error)]
pub enum PreludeError {
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `prelude.json` is unreadable.
    #[error("prelude index {} is invalid ({source}); run `huntbook-kernel install` again", path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_json::Error,
    },
    /// Cargo failed to build the prelude.
    #[error("{message}")]
    Cargo {
        /// What cargo said.
        message: String,
    },
    /// The build produced no `libhuntbook.so`.
    #[error("the prelude build produced no dylib; check `crate-type` in prelude/Cargo.toml")]
    NoDylib,
    /// No prelude was found where one was expected.
    #[error(
        "no prebuilt prelude at {}; run `huntbook-kernel install` from the huntbook checkout",
        path.display()
    )]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The prelude was built by another compiler than the one cells would use.
    #[error(
        "the prelude was built by {built} but cells would be compiled by {current}; \
         run `huntbook-kernel install` again"
    )]
    CompilerChanged {
        /// The compiler recorded in the index.
        built: String,
        /// The compiler on PATH now.
        current: String,
    },
}

/// Checks that a prelude directory exists and matches the current compiler.
pub fn open(dir: &Path) -> Result<PreludeIndex, PreludeError> {
    if !build::is_prelude_dir(dir) {
        return Err(PreludeError::Missing {
            path: dir.to_path_buf(),
        });
    }
    let index = PreludeIndex::load(dir)?;
    let current = build::rustc_version()?;
    if index.rustc != current {
        return Err(PreludeError::CompilerChanged {
            built: index.rustc,
            current,
        });
    }
    Ok(index)
}
