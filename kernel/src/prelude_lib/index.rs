//! The index of a prebuilt prelude: which packages it contains and where their compiled files are.
//!
//! `prelude.json` sits at the root of a prelude directory:
//!
//! ```text
//! <prelude dir>/
//!   prelude.json      this index
//!   lib/              libhuntbook.so (the dylib cells link against) and the rlibs/rmetas of
//!                     every crate inside it (rustc reads their metadata when compiling a cell)
//!   src/              a copy of the workspace sources, which rust-analyzer reads to infer the
//!                     types of cell variables
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PreludeError;

/// The file name of the index inside a prelude directory.
pub const INDEX_FILE: &str = "prelude.json";

/// The crate name of the prelude, as cells refer to it.
pub const PRELUDE_CRATE: &str = "huntbook";

/// One compiled library target of one package.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Package {
    /// Package name as in Cargo.toml (`polars-core`).
    pub name: String,
    /// Package version.
    pub version: String,
    /// Crate name of the library target (`polars_core`).
    pub crate_name: String,
    /// Compiled files, relative to the prelude directory.
    pub files: Vec<PathBuf>,
}

/// The whole index.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreludeIndex {
    /// Format version of this file.
    pub format: u32,
    /// `rustc --version` output of the compiler that built the prelude; cells must use the same.
    pub rustc: String,
    /// The prelude dylib, relative to the prelude directory.
    pub dylib: PathBuf,
    /// The prelude crate's source directory, relative to the prelude directory.
    pub source: PathBuf,
    /// Every library the prelude was built from, itself included.
    pub packages: Vec<Package>,
    /// The directory this index was read from (not stored in the file).
    #[serde(skip)]
    pub root: PathBuf,
}

impl PreludeIndex {
    /// Reads `prelude.json` from a prelude directory.
    pub fn load(root: &Path) -> Result<PreludeIndex, PreludeError> {
        let path = root.join(INDEX_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| PreludeError::Io {
            path: path.clone(),
            source,
        })?;
        let mut index: PreludeIndex =
            serde_json::from_str(&text).map_err(|source| PreludeError::Index {
                path: path.clone(),
                source,
            })?;
        index.root = root.to_path_buf();
        Ok(index)
    }

    /// Writes `prelude.json` into `self.root`.
    pub fn save(&self) -> Result<(), PreludeError> {
        let path = self.root.join(INDEX_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|source| PreludeError::Index {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, text).map_err(|source| PreludeError::Io { path, source })
    }

    /// The directory holding every compiled file.
    pub fn lib_dir(&self) -> PathBuf {
        self.root.join("lib")
    }

    /// Absolute path of the prelude dylib.
    pub fn dylib_path(&self) -> PathBuf {
        self.root.join(&self.dylib)
    }

    /// Absolute path of the prelude crate's sources (for a `path` dependency).
    pub fn source_path(&self) -> PathBuf {
        self.root.join(&self.source)
    }

    /// Absolute path of the Cargo.lock the prelude was built with.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("src").join("Cargo.lock")
    }

    /// Looks up packages by (name, version).
    pub fn lookup(&self) -> PackageLookup<'_> {
        let mut by_key = HashMap::new();
        for package in &self.packages {
            by_key.insert((package.name.as_str(), package.version.as_str()), package);
        }
        PackageLookup {
            index: self,
            by_key,
        }
    }
}

/// A (name, version) → package map over an index.
pub struct PackageLookup<'a> {
    index: &'a PreludeIndex,
    by_key: HashMap<(&'a str, &'a str), &'a Package>,
}

impl PackageLookup<'_> {
    /// Whether the prelude already contains this package.
    pub fn contains(&self, name: &str, version: &str) -> bool {
        self.by_key.contains_key(&(name, version))
    }

    /// The prebuilt file that a cell compile should use in place of cargo's own build of this
    /// package: the dylib for the prelude crate itself, otherwise its rlib (or proc-macro .so).
    pub fn replacement(&self, name: &str, version: &str) -> Option<PathBuf> {
        let package = self.by_key.get(&(name, version))?;
        if package.crate_name == PRELUDE_CRATE {
            return Some(self.index.dylib_path());
        }
        let pick = |ext: &str| {
            package
                .files
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == ext))
        };
        pick("rlib")
            .or_else(|| pick("so"))
            .or_else(|| pick("rmeta"))
            .map(|f| self.index.root.join(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PreludeIndex {
        PreludeIndex {
            format: 1,
            rustc: "rustc 1.95.0".into(),
            dylib: "lib/libhuntbook.so".into(),
            source: "src/prelude".into(),
            packages: vec![
                Package {
                    name: "huntbook".into(),
                    version: "0.1.0".into(),
                    crate_name: "huntbook".into(),
                    files: vec!["lib/libhuntbook.rlib".into(), "lib/libhuntbook.so".into()],
                },
                Package {
                    name: "polars-core".into(),
                    version: "0.55.2".into(),
                    crate_name: "polars_core".into(),
                    files: vec![
                        "lib/libpolars_core-1a.rmeta".into(),
                        "lib/libpolars_core-1a.rlib".into(),
                    ],
                },
            ],
            root: "/p".into(),
        }
    }

    #[test]
    fn the_prelude_crate_is_replaced_by_its_dylib() {
        let index = sample();
        let lookup = index.lookup();
        assert_eq!(
            lookup.replacement("huntbook", "0.1.0"),
            Some(PathBuf::from("/p/lib/libhuntbook.so"))
        );
    }

    #[test]
    fn other_crates_are_replaced_by_their_rlib() {
        let index = sample();
        let lookup = index.lookup();
        assert_eq!(
            lookup.replacement("polars-core", "0.55.2"),
            Some(PathBuf::from("/p/lib/libpolars_core-1a.rlib"))
        );
        assert!(lookup.contains("polars-core", "0.55.2"));
        assert!(!lookup.contains("polars-core", "0.55.1"));
        assert_eq!(lookup.replacement("serde", "1.0.0"), None);
    }
}
