//! `huntbook-kernel`: the Jupyter kernel (`run`), and its installer (`install`, `uninstall`).

#![allow(clippy::print_stdout)] // The CLI edge: --version and --help print to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use huntbook_kernel::build_dir::{self, BuildDir};
use huntbook_kernel::engine::capture;
use huntbook_kernel::engine::session::Settings;
use huntbook_kernel::install::{self, InstallOptions, Target};
use huntbook_kernel::prelude_lib::{build, wrapper};
use huntbook_kernel::server::{self, KernelFacts};

const USAGE: &str = "\
huntbook-kernel — the huntbook Jupyter kernel

USAGE:
    huntbook-kernel run --connection-file FILE
    huntbook-kernel install [--user | --sys-prefix | --prefix DIR] [--workspace DIR] [--no-prelude]
    huntbook-kernel uninstall [--user | --sys-prefix | --prefix DIR]
    huntbook-kernel --version

install builds the prelude from the huntbook workspace (default: the checkout this binary was
built from), copies the kernel binaries, and writes the `huntbook` kernelspec.";

fn main() -> ExitCode {
    // When evcxr re-runs this binary to execute user code, this call never returns.
    evcxr::runtime_hook();

    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("install") => parse_install(&args[1..]).and_then(|o| install::install(&o).map(|_| ())),
        Some("uninstall") => {
            parse_target(&args[1..]).and_then(|t| install::uninstall(&t).map(|_| ()))
        }
        Some("--version" | "-V") => {
            println!("huntbook-kernel {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Some("--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("huntbook-kernel: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<()> {
    let connection_file = match args {
        [flag, file] if flag == "--connection-file" => PathBuf::from(file),
        [file] => PathBuf::from(file),
        _ => bail!("usage: huntbook-kernel run --connection-file FILE"),
    };

    // The environment must be settled before any thread starts: evcxr reads EVCXR_TMPDIR and
    // rust-analyzer RUST_SRC_PATH from it.
    let cache = dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("huntbook")
        .join("builds");
    let build_dir = BuildDir::acquire(&cache, &build_dir::session_key())
        .context("choosing the build directory")?;
    let work_dir = build_dir.path.join("evcxr");
    set_environment(&work_dir);

    let captured = capture::capture_stderr();
    let (log, build_lines) = match captured {
        Ok(captured) => (Some(captured.log), Some(captured.lines)),
        Err(_) => (None, None),
    };
    init_logging(log);
    tracing::info!("build directory {}", build_dir.path.display());

    let text = std::fs::read_to_string(&connection_file)
        .with_context(|| format!("reading {}", connection_file.display()))?;
    let connection = serde_json::from_str(&text).context("parsing the connection file")?;
    let facts = KernelFacts {
        rust_version: rust_version(),
    };
    let exe = std::env::current_exe().context("locating the kernel binary")?;
    let settings = Settings {
        work_dir,
        prelude_dir: std::env::var_os(wrapper::PRELUDE_DIR_ENV).map(PathBuf::from),
        wrapper: exe.with_file_name(install::wrapper_binary_name()),
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let result = runtime.block_on(server::serve(connection, settings, facts, build_lines));
    drop(build_dir);
    result
}

#[allow(unsafe_code)]
fn set_environment(work_dir: &std::path::Path) {
    let rust_src = missing_rust_src_fallback();
    let library_path = library_path();
    let token = huntbook_kernel::marker::new_token().unwrap_or_else(|error| {
        tracing::warn!("no random source for the display token ({error}); using the clock");
        format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        )
    });
    // SAFETY: called from `run` before the stderr capture thread, the tokio runtime or the
    // engine thread exist, so no other thread can read the environment concurrently.
    unsafe {
        std::env::set_var("EVCXR_TMPDIR", work_dir);
        std::env::set_var(huntbook_kernel::marker::TOKEN_ENV, &token);
        if let Some(path) = rust_src {
            std::env::set_var("RUST_SRC_PATH", path);
        }
        if let Some(path) = library_path {
            std::env::set_var("LD_LIBRARY_PATH", path);
        }
    }
}

/// Cells are shared objects that need the shared libstd and the prelude dylib. Their rpath is
/// computed by rustc for the folder cargo compiles them in and breaks once evcxr moves them,
/// so the process that loads them (evcxr's child, which inherits this environment) is told
/// where both live.
fn library_path() -> Option<std::ffi::OsString> {
    let output = std::process::Command::new("rustc")
        .args(["--print", "target-libdir"])
        .output();
    let std_dir = output
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let prelude_lib =
        std::env::var_os(wrapper::PRELUDE_DIR_ENV).map(|d| PathBuf::from(d).join("lib"));
    let existing = std::env::var_os("LD_LIBRARY_PATH");
    let dirs: Vec<PathBuf> = std_dir
        .map(PathBuf::from)
        .into_iter()
        .chain(prelude_lib)
        .chain(existing.iter().flat_map(std::env::split_paths))
        .collect();
    std::env::join_paths(dirs).ok()
}

/// rust-analyzer needs the standard library's sources to infer the types of cell variables.
/// Where rustup's `rust-src` component is absent, Debian's `rust-web-src` package (installed by
/// the set-up script on machines that cannot download rustup components) is used instead.
fn missing_rust_src_fallback() -> Option<PathBuf> {
    if std::env::var_os("RUST_SRC_PATH").is_some() {
        return None;
    }
    let sysroot = std::process::Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .ok()?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    if sysroot.join("lib/rustlib/src/rust/library/core").is_dir() {
        return None;
    }
    let debian = PathBuf::from("/usr/lib/rustlib/src/rust/library");
    debian.join("core").is_dir().then_some(debian)
}

fn init_logging(log: Option<std::fs::File>) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HUNTBOOK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("huntbook_kernel=info,warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false);
    match log {
        Some(file) => builder.with_writer(std::sync::Mutex::new(file)).init(),
        None => builder.with_writer(std::io::sink).init(),
    }
}

/// `1.95.0` from `rustc 1.95.0 (59807616e 2026-04-14)`.
fn rust_version() -> String {
    let full = build::rustc_version().unwrap_or_default();
    full.split_whitespace()
        .nth(1)
        .unwrap_or("unknown")
        .to_owned()
}

fn parse_target(args: &[String]) -> anyhow::Result<Target> {
    let mut target = Target::User;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--user" => target = Target::User,
            "--sys-prefix" => target = Target::SysPrefix,
            "--prefix" => {
                let dir = iter.next().context("--prefix needs a directory")?;
                target = Target::Prefix(PathBuf::from(dir));
            }
            other => bail!("unknown option {other}\n\n{USAGE}"),
        }
    }
    Ok(target)
}

fn parse_install(args: &[String]) -> anyhow::Result<InstallOptions> {
    let mut rest = Vec::new();
    let mut workspace = default_workspace();
    let mut skip_prelude = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--workspace" => {
                workspace = PathBuf::from(iter.next().context("--workspace needs a directory")?)
            }
            "--no-prelude" => skip_prelude = true,
            _ => rest.push(arg.clone()),
        }
    }
    Ok(InstallOptions {
        target: parse_target(&rest)?,
        workspace,
        skip_prelude,
    })
}

/// The checkout this binary was built from.
fn default_workspace() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
