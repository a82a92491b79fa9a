//! `huntbook-kernel install` and `uninstall`: the kernelspec, the binaries and the prelude.
//!
//! An install lays out, under a data folder chosen by the flags:
//!
//! ```text
//! <jupyter data>/kernels/huntbook/   kernel.json + logos (what Jupyter lists)
//! <data>/huntbook/bin/               copies of huntbook-kernel and huntbook-rustc-wrapper
//! <data>/huntbook/prelude/           the prebuilt prelude (see prelude_lib)
//! ```
//!
//! `--user` uses the user's data folder (`~/.local/share` on Linux, or `$JUPYTER_DATA_DIR`),
//! `--sys-prefix` the active virtual environment's `share/`, and `--prefix P` uses `P/share/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde_json::json;

use crate::prelude_lib::{build, wrapper};

/// The kernelspec's name (what `--kernel huntbook` and notebook metadata refer to).
pub const KERNEL_NAME: &str = "huntbook";

/// The name shown in the launcher.
pub const DISPLAY_NAME: &str = "Rust (huntbook)";

const LOGO_32: &[u8] = include_bytes!("../assets/logo-32x32.png");
const LOGO_64: &[u8] = include_bytes!("../assets/logo-64x64.png");
const LOGO_SVG: &[u8] = include_bytes!("../assets/logo-svg.svg");

/// Where an install goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The user's data folder.
    User,
    /// The active Python environment.
    SysPrefix,
    /// A given prefix.
    Prefix(PathBuf),
}

/// Options of `install`.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Where to install.
    pub target: Target,
    /// The huntbook workspace to build the prelude from.
    pub workspace: PathBuf,
    /// Skip building the prelude (the kernel then starts with plain Rust and says why).
    pub skip_prelude: bool,
}

/// Resolved folders of one install target.
#[derive(Debug, Clone)]
pub struct Layout {
    /// `…/jupyter/kernels/huntbook`.
    pub kernelspec: PathBuf,
    /// `…/huntbook`: binaries and prelude.
    pub home: PathBuf,
}

impl Layout {
    /// Folders for `target`.
    pub fn for_target(target: &Target) -> anyhow::Result<Layout> {
        let (jupyter, data) = match target {
            Target::User => {
                let data = dirs::data_dir().context("no user data directory")?;
                let jupyter = std::env::var_os("JUPYTER_DATA_DIR")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| data.join("jupyter"));
                (jupyter, data)
            }
            Target::SysPrefix => {
                let share = sys_prefix()?.join("share");
                (share.join("jupyter"), share)
            }
            Target::Prefix(prefix) => {
                let share = prefix.join("share");
                (share.join("jupyter"), share)
            }
        };
        Ok(Layout {
            kernelspec: jupyter.join("kernels").join(KERNEL_NAME),
            home: data.join("huntbook"),
        })
    }

    /// The prelude folder.
    pub fn prelude(&self) -> PathBuf {
        self.home.join("prelude")
    }

    /// The folder with the installed binaries.
    pub fn bin(&self) -> PathBuf {
        self.home.join("bin")
    }
}

/// The prefix of the Python environment Jupyter runs in: `$VIRTUAL_ENV`, `$CONDA_PREFIX`, or
/// what `python3` reports.
fn sys_prefix() -> anyhow::Result<PathBuf> {
    for var in ["VIRTUAL_ENV", "CONDA_PREFIX"] {
        if let Some(prefix) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(prefix));
        }
    }
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.prefix)"])
        .output()
        .context("--sys-prefix needs an active virtual environment or python3 on PATH")?;
    let prefix = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if prefix.is_empty() {
        bail!("python3 did not report sys.prefix");
    }
    Ok(PathBuf::from(prefix))
}

/// Installs binaries, prelude and kernelspec. Progress goes to stderr.
pub fn install(options: &InstallOptions) -> anyhow::Result<Layout> {
    let layout = Layout::for_target(&options.target)?;
    let binaries = install_binaries(&layout)?;

    if !options.skip_prelude {
        eprintln!(
            "Building the huntbook prelude from {} …",
            options.workspace.display()
        );
        let started = std::time::Instant::now();
        let mut progress = |line: &str| eprintln!("  {line}");
        build::build_prelude(&options.workspace, None, &layout.prelude(), &mut progress)
            .context("building the prelude")?;
        eprintln!(
            "Prelude ready in {:.0?}: {}",
            started.elapsed(),
            layout.prelude().display()
        );
    }

    write_kernelspec(&layout, &binaries.0)?;
    eprintln!(
        "Installed kernelspec {KERNEL_NAME} in {}",
        layout.kernelspec.display()
    );
    Ok(layout)
}

/// Copies the running kernel binary and its wrapper next to each other under `home/bin`.
fn install_binaries(layout: &Layout) -> anyhow::Result<(PathBuf, PathBuf)> {
    let current = std::env::current_exe().context("locating the running binary")?;
    let wrapper_src = current.with_file_name(wrapper_binary_name());
    if !wrapper_src.is_file() {
        bail!(
            "{} is missing: build the whole kernel package (cargo build -p huntbook-kernel)",
            wrapper_src.display()
        );
    }
    let bin = layout.bin();
    std::fs::create_dir_all(&bin).with_context(|| format!("creating {}", bin.display()))?;
    let kernel = bin.join(kernel_binary_name());
    let wrapper = bin.join(wrapper_binary_name());
    for (from, to) in [(&current, &kernel), (&wrapper_src, &wrapper)] {
        if from == to {
            continue;
        }
        // Copy to a temporary name and rename, so a running kernel's binary is never truncated.
        let temp = to.with_extension("new");
        std::fs::copy(from, &temp).with_context(|| format!("copying {}", from.display()))?;
        std::fs::rename(&temp, to).with_context(|| format!("installing {}", to.display()))?;
    }
    Ok((kernel, wrapper))
}

fn write_kernelspec(layout: &Layout, kernel: &Path) -> anyhow::Result<()> {
    let dir = &layout.kernelspec;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let spec = json!({
        "argv": [kernel.to_string_lossy(), "run", "--connection-file", "{connection_file}"],
        "display_name": DISPLAY_NAME,
        "language": "rust",
        "interrupt_mode": "message",
        "env": { wrapper::PRELUDE_DIR_ENV: layout.prelude().to_string_lossy() },
        "metadata": { "debugger": false },
    });
    let text = serde_json::to_string_pretty(&spec)?;
    std::fs::write(dir.join("kernel.json"), text)?;
    std::fs::write(dir.join("logo-32x32.png"), LOGO_32)?;
    std::fs::write(dir.join("logo-64x64.png"), LOGO_64)?;
    std::fs::write(dir.join("logo-svg.svg"), LOGO_SVG)?;
    Ok(())
}

/// Removes the kernelspec, the binaries and the prelude of one target.
pub fn uninstall(target: &Target) -> anyhow::Result<Layout> {
    let layout = Layout::for_target(target)?;
    for dir in [&layout.kernelspec, &layout.home] {
        match std::fs::remove_dir_all(dir) {
            Ok(()) => eprintln!("Removed {}", dir.display()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("removing {}", dir.display())),
        }
    }
    Ok(layout)
}

fn kernel_binary_name() -> String {
    format!("huntbook-kernel{}", std::env::consts::EXE_SUFFIX)
}

/// File name of the rustc wrapper binary.
pub fn wrapper_binary_name() -> String {
    format!("huntbook-rustc-wrapper{}", std::env::consts::EXE_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_layout() -> anyhow::Result<()> {
        let layout = Layout::for_target(&Target::Prefix("/opt/env".into()))?;
        assert_eq!(
            layout.kernelspec,
            PathBuf::from("/opt/env/share/jupyter/kernels/huntbook")
        );
        assert_eq!(
            layout.prelude(),
            PathBuf::from("/opt/env/share/huntbook/prelude")
        );
        Ok(())
    }

    #[test]
    fn kernelspec_has_message_interrupts_and_the_prelude() -> anyhow::Result<()> {
        let root = std::env::temp_dir().join(format!("huntbook-spec-{}", std::process::id()));
        let layout = Layout {
            kernelspec: root.join("k"),
            home: root.join("h"),
        };
        write_kernelspec(&layout, Path::new("/x/huntbook-kernel"))?;
        let spec: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(
            layout.kernelspec.join("kernel.json"),
        )?)?;
        assert_eq!(spec["interrupt_mode"], "message");
        assert_eq!(spec["display_name"], DISPLAY_NAME);
        assert_eq!(spec["argv"][0], "/x/huntbook-kernel");
        assert!(
            spec["env"][wrapper::PRELUDE_DIR_ENV]
                .as_str()
                .is_some_and(|p| p.ends_with("prelude"))
        );
        assert!(layout.kernelspec.join("logo-64x64.png").is_file());
        let _ = std::fs::remove_dir_all(&root);
        Ok(())
    }
}
