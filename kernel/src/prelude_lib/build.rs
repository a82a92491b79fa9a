//! Building the prelude with cargo and laying it out as a prelude directory.
//!
//! The prelude is compiled once, by the workspace's own cargo build, with the workspace's
//! profile (optimised dependencies, no debug info). Its artefacts are then linked (or copied)
//! into the prelude directory together with a copy of the sources, so that later `cargo clean`s
//! of the workspace do not break an installed kernel.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::PreludeError;
use super::index::{INDEX_FILE, PRELUDE_CRATE, Package, PreludeIndex};

/// Source folders of the workspace that the prelude needs (the workspace manifest lists them all,
/// so all are copied even though the kernel itself is not part of the prelude).
const SOURCE_DIRS: &[&str] = &["crates", "prelude", "kernel"];
const SOURCE_FILES: &[&str] = &["Cargo.toml", "Cargo.lock"];

/// One `compiler-artifact` line of `cargo build --message-format=json`.
#[derive(Debug, Deserialize)]
struct Artifact {
    reason: String,
    #[serde(default)]
    package_id: String,
    #[serde(default)]
    target: Option<Target>,
    #[serde(default)]
    filenames: Vec<PathBuf>,
}

#[derive(Debug, Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// Builds the prelude of the workspace at `workspace` and installs it into `dest`.
///
/// `target_dir` overrides cargo's target directory (otherwise `CARGO_TARGET_DIR` or the
/// workspace's own); `progress` receives cargo's human-readable lines ("Compiling polars
/// v0.55.2") as they come.
pub fn build_prelude(
    workspace: &Path,
    target_dir: Option<&Path>,
    dest: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PreludeIndex, PreludeError> {
    let artifacts = run_cargo_build(workspace, target_dir, progress)?;

    let staging = dest.with_extension("new");
    remove_dir_if_present(&staging)?;
    create_dir(&staging.join("lib"))?;

    let packages = install_artifacts(&artifacts, &staging)?;
    copy_sources(workspace, &staging.join("src"))?;

    let dylib = packages
        .iter()
        .find(|p| p.crate_name == PRELUDE_CRATE)
        .and_then(|p| {
            p.files
                .iter()
                .find(|f| f.extension().is_some_and(|e| e == "so"))
        })
        .cloned()
        .ok_or(PreludeError::NoDylib)?;
    let index = PreludeIndex {
        format: 1,
        rustc: rustc_version()?,
        dylib,
        source: PathBuf::from("src/prelude"),
        packages,
        root: staging.clone(),
    };
    index.save()?;

    // Swap the new directory in only once it is complete, so a failed build never leaves a
    // half-written prelude behind.
    remove_dir_if_present(dest)?;
    std::fs::rename(&staging, dest).map_err(|source| PreludeError::Io {
        path: dest.to_path_buf(),
        source,
    })?;
    PreludeIndex::load(dest)
}

/// Runs `cargo rustc -p huntbook … -- -C prefer-dynamic` and returns its artefact lines.
fn run_cargo_build(
    workspace: &Path,
    target_dir: Option<&Path>,
    progress: &mut dyn FnMut(&str),
) -> Result<Vec<Artifact>, PreludeError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    if let Some(dir) = target_dir {
        command.env("CARGO_TARGET_DIR", dir);
    }
    let mut child = command
        .current_dir(workspace)
        // `cargo rustc` passes the flag after `--` to the prelude crate alone: its dylib must
        // link the shared libstd, as cells do, while every dependency stays the same rlib the
        // rest of the workspace uses (no second build of polars).
        .args([
            "rustc",
            "-p",
            PRELUDE_CRATE,
            "--lib",
            "--message-format=json-render-diagnostics",
        ])
        .args(["--", "-C", "prefer-dynamic"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| PreludeError::Cargo {
            message: format!("could not start cargo: {source}"),
        })?;

    // Cargo writes its progress to stderr and JSON to stdout: read stderr on a thread so that
    // neither pipe fills up.
    let stderr = child.stderr.take();
    let (line_tx, line_rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let Some(stderr) = stderr else { return };
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut artifacts = Vec::new();
    let mut last_lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            for progress_line in line_rx.try_iter() {
                remember(&mut last_lines, &progress_line);
                progress(&progress_line);
            }
            if let Ok(artifact) = serde_json::from_str::<Artifact>(&line)
                && artifact.reason == "compiler-artifact"
            {
                artifacts.push(artifact);
            }
        }
    }
    let _ = reader.join();
    for progress_line in line_rx.try_iter() {
        remember(&mut last_lines, &progress_line);
        progress(&progress_line);
    }

    let status = child.wait().map_err(|source| PreludeError::Cargo {
        message: format!("waiting for cargo: {source}"),
    })?;
    if !status.success() {
        return Err(PreludeError::Cargo {
            message: format!(
                "cargo build of the prelude failed ({status}):\n{}",
                last_lines.join("\n")
            ),
        });
    }
    Ok(artifacts)
}

fn remember(lines: &mut Vec<String>, line: &str) {
    const KEEP: usize = 40;
    if lines.len() == KEEP {
        lines.remove(0);
    }
    lines.push(line.to_owned());
}

/// Links every library artefact into `staging/lib` and describes it as a [`Package`].
fn install_artifacts(artifacts: &[Artifact], staging: &Path) -> Result<Vec<Package>, PreludeError> {
    let mut packages = Vec::new();
    for artifact in artifacts {
        let Some(target) = &artifact.target else {
            continue;
        };
        let is_library = target
            .kind
            .iter()
            .any(|k| matches!(k.as_str(), "lib" | "rlib" | "dylib" | "proc-macro"));
        if !is_library {
            continue;
        }
        let Some((name, version)) = parse_package_id(&artifact.package_id) else {
            continue;
        };
        let mut files = Vec::new();
        for file in &artifact.filenames {
            let Some(file_name) = file.file_name() else {
                continue;
            };
            let relative = Path::new("lib").join(file_name);
            link_or_copy(file, &staging.join(&relative))?;
            files.push(relative);
        }
        packages.push(Package {
            name,
            version,
            crate_name: target.name.replace('-', "_"),
            files,
        });
    }
    Ok(packages)
}

/// Splits a cargo package id into (name, version).
///
/// Both spec forms appear: `registry+https://…#polars-core@0.55.2` and, where the directory name
/// equals the package name, `path+file:///work/crates/huntbook#0.1.0`.
pub(crate) fn parse_package_id(id: &str) -> Option<(String, String)> {
    let (url, fragment) = id.rsplit_once('#')?;
    if let Some((name, version)) = fragment.split_once('@') {
        return Some((name.to_owned(), version.to_owned()));
    }
    let name = url.trim_end_matches('/').rsplit('/').next()?;
    Some((name.to_owned(), fragment.to_owned()))
}

fn link_or_copy(from: &Path, to: &Path) -> Result<(), PreludeError> {
    if std::fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|source| PreludeError::Io {
            path: from.to_path_buf(),
            source,
        })
}

/// Copies the workspace sources rust-analyzer needs (Rust files and manifests, no build output).
fn copy_sources(workspace: &Path, dest: &Path) -> Result<(), PreludeError> {
    create_dir(dest)?;
    for file in SOURCE_FILES {
        let from = workspace.join(file);
        std::fs::copy(&from, dest.join(file))
            .map_err(|source| PreludeError::Io { path: from, source })?;
    }
    for dir in SOURCE_DIRS {
        let from = workspace.join(dir);
        if from.is_dir() {
            copy_tree(&from, &dest.join(dir))?;
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), PreludeError> {
    create_dir(to)?;
    let entries = std::fs::read_dir(from).map_err(|source| PreludeError::Io {
        path: from.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            copy_tree(&path, &to.join(&name))?;
        } else {
            std::fs::copy(&path, to.join(&name)).map_err(|source| PreludeError::Io {
                path: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), PreludeError> {
    std::fs::create_dir_all(dir).map_err(|source| PreludeError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

fn remove_dir_if_present(dir: &Path) -> Result<(), PreludeError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(PreludeError::Io {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// `rustc --version` of the toolchain cargo would use here.
pub fn rustc_version() -> Result<String, PreludeError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .arg("--version")
        .output()
        .map_err(|source| PreludeError::Cargo {
            message: format!("could not run rustc --version: {source}"),
        })?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Whether `dir` holds a prelude index.
pub fn is_prelude_dir(dir: &Path) -> bool {
    dir.join(INDEX_FILE).is_file()
}

#[cfg(test)]
mod tests {
    use super::parse_package_id;

    #[test]
    fn package_ids_in_both_spec_forms() {
        assert_eq!(
            parse_package_id(
                "registry+https://github.com/rust-lang/crates.io-index#polars-core@0.55.2"
            ),
            Some(("polars-core".into(), "0.55.2".into()))
        );
        assert_eq!(
            parse_package_id("path+file:///work/main/prelude#huntbook@0.1.0"),
            Some(("huntbook".into(), "0.1.0".into()))
        );
        assert_eq!(
            parse_package_id("path+file:///work/main/crates/huntbook-data#0.1.0"),
            Some(("huntbook-data".into(), "0.1.0".into()))
        );
        assert_eq!(parse_package_id("nonsense"), None);
    }
}
