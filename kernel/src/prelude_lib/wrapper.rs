//! The rustc wrapper that lets notebook cells link against the prebuilt prelude.
//!
//! evcxr compiles each cell as a cargo package whose manifest lists `huntbook` as a path
//! dependency. That entry is what lets evcxr's rust-analyzer see the prelude's (and polars')
//! sources and infer the types of cell variables. Left alone, cargo would then compile polars
//! and everything else again inside every notebook's build directory. Cargo runs this wrapper
//! (set as `RUSTC_WRAPPER`) instead of rustc, and the wrapper:
//!
//! - for a crate that the prebuilt prelude already contains (same package name and version),
//!   compiles nothing: it writes the dep-info file cargo expects, a marker naming the package,
//!   and for a build script a no-op executable;
//! - for every other crate (the cell itself, crates added with `:dep`), runs rustc, replacing
//!   each `--extern` that points at a skipped crate with the prebuilt file — the prelude dylib
//!   for `huntbook`, the prebuilt rlib otherwise — and adding the prelude's library folder to the
//!   dependency search path.
//!
//! The result: a cell links dynamically against one `libhuntbook.so` holding polars and the
//! huntbook crates, and its own shared object stays a few kilobytes.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use super::PreludeError;
use super::index::{PackageLookup, PreludeIndex};

/// Environment variable naming the prelude directory whose index the wrapper reads.
pub const PRELUDE_DIR_ENV: &str = "HUNTBOOK_PRELUDE_DIR";

/// Suffix of the marker file written beside a skipped crate's would-be outputs.
const MARKER_SUFFIX: &str = "huntbook-prebuilt";

/// The name evcxr gives every cell's crate.
const CELL_CRATE: &str = "ctx";

/// What one rustc command line asks for, as far as the wrapper cares.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Invocation {
    crate_name: Option<String>,
    out_dir: Option<PathBuf>,
    extra_filename: String,
    crate_types: Vec<String>,
    emit: Vec<String>,
}

impl Invocation {
    pub(crate) fn parse(args: &[OsString]) -> Invocation {
        let mut invocation = Invocation::default();
        let mut iter = args.iter().map(|a| a.to_string_lossy().into_owned());
        while let Some(arg) = iter.next() {
            if let Some(value) = flag_value(&arg, "--crate-name", &mut iter) {
                invocation.crate_name = Some(value);
            } else if let Some(value) = flag_value(&arg, "--out-dir", &mut iter) {
                invocation.out_dir = Some(PathBuf::from(value));
            } else if let Some(value) = flag_value(&arg, "--crate-type", &mut iter) {
                invocation.crate_types.push(value);
            } else if let Some(value) = arg.strip_prefix("--emit=") {
                invocation.emit = value.split(',').map(|s| s.to_owned()).collect();
            } else if let Some(value) = flag_value(&arg, "-C", &mut iter)
                && let Some(extra) = value.strip_prefix("extra-filename=")
            {
                invocation.extra_filename = extra.to_owned();
            }
        }
        invocation
    }

    /// `<crate name><extra filename>`, the stem cargo expects rustc's outputs to share.
    fn stem(&self) -> Option<String> {
        Some(format!(
            "{}{}",
            self.crate_name.as_deref()?,
            self.extra_filename
        ))
    }

    /// File names rustc would write into `--out-dir` for a library crate.
    fn expected_outputs(&self) -> Vec<String> {
        let Some(stem) = self.stem() else {
            return Vec::new();
        };
        let emits = |kind: &str| self.emit.is_empty() || self.emit.iter().any(|e| e == kind);
        let mut outputs = Vec::new();
        for crate_type in &self.crate_types {
            match crate_type.as_str() {
                "lib" | "rlib" if emits("link") => outputs.push(format!("lib{stem}.rlib")),
                "dylib" | "cdylib" | "proc-macro" if emits("link") => {
                    outputs.push(format!("lib{stem}.so"));
                }
                _ => {}
            }
        }
        if emits("metadata") && !self.emit.is_empty() {
            outputs.push(format!("lib{stem}.rmeta"));
        }
        outputs
    }

    fn is_build_script(&self) -> bool {
        self.crate_types.iter().any(|t| t == "bin")
            && self
                .crate_name
                .as_deref()
                .is_some_and(|n| n.starts_with("build_script_"))
    }
}

/// `--flag value` or `--flag=value` (and `-Cvalue` for `-C`).
fn flag_value(arg: &str, flag: &str, rest: &mut impl Iterator<Item = String>) -> Option<String> {
    if arg == flag {
        return rest.next();
    }
    let value = arg.strip_prefix(flag)?;
    let value = value.strip_prefix('=').unwrap_or(value);
    if value.is_empty() || (flag.starts_with("--") && !arg.contains('=')) {
        return None;
    }
    Some(value.to_owned())
}

/// Runs the wrapper for `rustc args…` and returns rustc's exit code.
pub fn run(rustc: &OsStr, args: &[OsString]) -> Result<i32, PreludeError> {
    let Some(prelude_dir) = std::env::var_os(PRELUDE_DIR_ENV) else {
        return run_rustc(rustc, args);
    };
    let index = PreludeIndex::load(Path::new(&prelude_dir))?;
    let lookup = index.lookup();
    let invocation = Invocation::parse(args);

    let package = std::env::var("CARGO_PKG_NAME").ok();
    let version = std::env::var("CARGO_PKG_VERSION").ok();
    if let (Some(name), Some(version), Some(crate_name)) =
        (&package, &version, &invocation.crate_name)
        && crate_name != CELL_CRATE
        && lookup.contains(name, version)
    {
        skip_prebuilt(&invocation, name, version)?;
        return Ok(0);
    }

    let rewritten = rewrite_externs(args, &lookup, &index.lib_dir());
    run_rustc(rustc, &rewritten)
}

fn run_rustc(rustc: &OsStr, args: &[OsString]) -> Result<i32, PreludeError> {
    let status = Command::new(rustc)
        .args(args)
        .status()
        .map_err(|source| PreludeError::Io {
            path: PathBuf::from(rustc),
            source,
        })?;
    Ok(status.code().unwrap_or(1))
}

/// Stands in for rustc on a crate the prelude already contains.
fn skip_prebuilt(invocation: &Invocation, name: &str, version: &str) -> Result<(), PreludeError> {
    let (Some(out_dir), Some(stem)) = (&invocation.out_dir, invocation.stem()) else {
        return Ok(());
    };
    let write = |path: PathBuf, contents: &str| {
        std::fs::write(&path, contents).map_err(|source| PreludeError::Io { path, source })
    };

    write(
        out_dir.join(format!("{stem}.{MARKER_SUFFIX}")),
        &format!("{name} {version}\n"),
    )?;
    if invocation.emit.iter().any(|e| e == "dep-info") {
        let dep_info = out_dir.join(format!("{stem}.d"));
        write(dep_info.clone(), &format!("{}:\n", dep_info.display()))?;
    }
    if invocation.is_build_script() {
        let script = out_dir.join(&stem);
        write(script.clone(), "#!/bin/sh\nexit 0\n")?;
        make_executable(&script)?;
        return Ok(());
    }
    // Cargo treats a unit whose outputs are missing as stale and would run it again on every
    // build, so each expected output exists, empty and newer than its inputs. Nothing reads
    // them: every `--extern` naming them is redirected to the prebuilt file.
    for output in invocation.expected_outputs() {
        write(out_dir.join(output), "")?;
    }
    Ok(())
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), PreludeError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        PreludeError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(not(unix))]
fn make_executable(_path: &Path) -> Result<(), PreludeError> {
    Ok(())
}

/// Points every `--extern` at a skipped crate to its prebuilt file.
pub(crate) fn rewrite_externs(
    args: &[OsString],
    lookup: &PackageLookup<'_>,
    lib_dir: &Path,
) -> Vec<OsString> {
    let mut out = Vec::with_capacity(args.len() + 2);
    let mut replaced_any = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        out.push(arg.clone());
        if arg != "--extern" {
            continue;
        }
        let Some(value) = iter.next() else { break };
        match prebuilt_extern(value, lookup) {
            Some(replacement) => {
                replaced_any = true;
                out.push(replacement);
            }
            None => out.push(value.clone()),
        }
    }
    if replaced_any {
        let mut search = OsString::from("dependency=");
        search.push(lib_dir);
        out.push("-L".into());
        out.push(search);
    }
    out
}

/// `name=path/libname-hash.rlib` → `name=<prebuilt file>` when a marker says it was skipped.
fn prebuilt_extern(value: &OsStr, lookup: &PackageLookup<'_>) -> Option<OsString> {
    let text = value.to_str()?;
    let (name, path) = text.split_once('=')?;
    let path = Path::new(path);
    let file_stem = path.file_stem()?.to_str()?;
    let stem = file_stem.strip_prefix("lib").unwrap_or(file_stem);
    let marker = path.with_file_name(format!("{stem}.{MARKER_SUFFIX}"));
    let contents = std::fs::read_to_string(marker).ok()?;
    let (package, version) = contents.trim().split_once(' ')?;
    let replacement = lookup.replacement(package, version)?;
    let mut arg = OsString::from(format!("{name}="));
    arg.push(replacement);
    Some(arg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn parses_what_cargo_passes() {
        let args = os(&[
            "--crate-name",
            "build_script_build",
            "--edition=2021",
            "build.rs",
            "--crate-type",
            "bin",
            "--emit=dep-info,link",
            "-C",
            "extra-filename=-0a1b",
            "--out-dir",
            "/t/build/x-0a1b",
        ]);
        let invocation = Invocation::parse(&args);
        assert_eq!(invocation.crate_name.as_deref(), Some("build_script_build"));
        assert_eq!(
            invocation.stem().as_deref(),
            Some("build_script_build-0a1b")
        );
        assert!(invocation.is_build_script());
        assert_eq!(invocation.emit, vec!["dep-info", "link"]);
        assert_eq!(invocation.out_dir, Some(PathBuf::from("/t/build/x-0a1b")));
    }

    #[test]
    fn skipped_crates_leave_what_cargo_expects() -> Result<(), PreludeError> {
        let dir = std::env::temp_dir().join(format!("huntbook-wrapper-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|source| PreludeError::Io {
            path: dir.clone(),
            source,
        })?;
        let args = os(&[
            "--crate-name",
            "build_script_build",
            "--crate-type",
            "bin",
            "--emit=dep-info,link",
            "-C",
            "extra-filename=-77",
            "--out-dir",
            dir.to_str().unwrap_or_default(),
        ]);
        skip_prebuilt(&Invocation::parse(&args), "serde", "1.0.0")?;
        assert!(dir.join("build_script_build-77.d").is_file());
        assert!(dir.join("build_script_build-77").is_file());
        let marker = std::fs::read_to_string(dir.join("build_script_build-77.huntbook-prebuilt"))
            .map_err(|source| PreludeError::Io {
            path: dir.clone(),
            source,
        })?;
        assert_eq!(marker, "serde 1.0.0\n");
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}
