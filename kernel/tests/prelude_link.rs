//! End to end: build a small prelude with cargo, then build a cell crate the way evcxr does,
//! through the rustc wrapper, and check that nothing of the prelude was compiled again and the
//! cell links the prelude dylib.

#![allow(clippy::expect_used)] // A test: a failed step should stop it with a message.

use std::path::{Path, PathBuf};
use std::process::Command;

use huntbook_kernel::prelude_lib::build::build_prelude;
use huntbook_kernel::prelude_lib::wrapper::PRELUDE_DIR_ENV;

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dir");
    }
    std::fs::write(path, text).expect("write file");
}

/// A workspace shaped like huntbook's: `prelude/` (crate `huntbook`, rlib + dylib) re-exporting a
/// path crate with a build script, so the skip logic meets libraries and build scripts.
fn make_workspace(root: &Path) {
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"prelude\", \"crates/minidep\"]\n",
    );
    write(
        &root.join("crates/minidep/Cargo.toml"),
        "[package]\nname = \"minidep\"\nversion = \"0.3.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n",
    );
    write(
        &root.join("crates/minidep/build.rs"),
        "fn main() { println!(\"cargo:rustc-cfg=built\"); }\n",
    );
    write(
        &root.join("crates/minidep/src/lib.rs"),
        "pub fn answer() -> i64 { if cfg!(built) { 42 } else { 0 } }\n",
    );
    write(
        &root.join("prelude/Cargo.toml"),
        "[package]\nname = \"huntbook\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [lib]\ncrate-type = [\"rlib\", \"dylib\"]\n\n\
         [dependencies]\nminidep = { path = \"../crates/minidep\" }\n",
    );
    write(
        &root.join("prelude/src/lib.rs"),
        "pub mod prelude { pub use minidep::answer; pub fn twice(x: i64) -> i64 { 2 * x } }\n",
    );
    let status = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(root)
        .status()
        .expect("cargo generate-lockfile");
    assert!(status.success());
}

/// A crate shaped like evcxr's cell crate.
fn make_cell(root: &Path, prelude_source: &Path) {
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"ctx\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\n[profile.dev]\nrpath = true\n\n\
             [dependencies]\nhuntbook = {{ path = \"{}\" }}\n",
            prelude_source.display()
        ),
    );
    write(
        &root.join("src/lib.rs"),
        "use huntbook::prelude::*;\n#[no_mangle]\npub extern \"C\" fn cell() -> i64 { twice(answer()) }\n",
    );
}

#[test]
fn cells_link_the_prebuilt_prelude_without_recompiling_it() {
    let root = std::env::temp_dir().join(format!("huntbook-link-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let workspace = root.join("ws");
    make_workspace(&workspace);

    let prelude_dir = root.join("prelude");
    let target = root.join("ws-target");
    let index = build_prelude(&workspace, Some(&target), &prelude_dir, &mut |_| {})
        .expect("prelude builds");
    assert!(
        index.dylib_path().is_file(),
        "the prelude dylib is installed"
    );
    assert!(index.packages.iter().any(|p| p.name == "minidep"));

    let cell = root.join("cell");
    make_cell(&cell, &index.source_path());
    std::fs::copy(index.lock_path(), cell.join("Cargo.lock")).expect("seed lock");
    let output = Command::new("cargo")
        .args(["build", "--offline", "--message-format=short"])
        .current_dir(&cell)
        .env("CARGO_TARGET_DIR", cell.join("target"))
        .env(
            "RUSTC_WRAPPER",
            env!("CARGO_BIN_EXE_huntbook-rustc-wrapper"),
        )
        .env("RUSTFLAGS", "-Cprefer-dynamic")
        .env(PRELUDE_DIR_ENV, &prelude_dir)
        .output()
        .expect("cargo build of the cell");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cell build failed:\n{stderr}");

    let deps = cell.join("target/debug/deps");
    let markers = std::fs::read_dir(&deps)
        .expect("deps dir")
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .ends_with(".huntbook-prebuilt")
        })
        .count();
    assert!(
        markers >= 2,
        "huntbook and minidep were skipped, not compiled ({markers} markers)"
    );
    let rlibs: Vec<PathBuf> = std::fs::read_dir(&deps)
        .expect("deps dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rlib"))
        .collect();
    let compiled: Vec<&PathBuf> = rlibs
        .iter()
        .filter(|p| std::fs::metadata(p).map(|m| m.len() > 0).unwrap_or(false))
        .collect();
    assert!(!rlibs.is_empty(), "cargo's expected outputs exist");
    assert!(
        compiled.is_empty(),
        "no prelude crate was compiled in the cell build: {compiled:?}"
    );

    let cell_so = cell.join("target/debug/libctx.so");
    let readelf = Command::new("readelf").args(["-d"]).arg(&cell_so).output();
    if let Ok(readelf) = readelf {
        let dynamic = String::from_utf8_lossy(&readelf.stdout);
        assert!(
            dynamic.contains("libhuntbook.so"),
            "the cell links the prelude dylib:\n{dynamic}"
        );
    }

    // A second build is a no-op: the skipped crates stay fresh in cargo's eyes.
    let again = Command::new("cargo")
        .args(["build", "--offline"])
        .current_dir(&cell)
        .env("CARGO_TARGET_DIR", cell.join("target"))
        .env(
            "RUSTC_WRAPPER",
            env!("CARGO_BIN_EXE_huntbook-rustc-wrapper"),
        )
        .env("RUSTFLAGS", "-Cprefer-dynamic")
        .env(PRELUDE_DIR_ENV, &prelude_dir)
        .output()
        .expect("second cargo build");
    let again_stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success());
    assert!(
        !again_stderr.contains("Compiling"),
        "nothing recompiles:\n{again_stderr:?}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
