//! One persistent, locked build directory per notebook.
//!
//! evcxr keeps its cargo project and target directory in a folder; keeping that folder between
//! sessions means a restarted kernel does not compile anything it compiled before. The folder is
//! chosen by the notebook's path (Jupyter tells the kernel through `JPY_SESSION_NAME`) or, when
//! no path is given, the working directory, and lives under the user's cache directory. A lock
//! file held for the kernel's lifetime keeps two kernels out of one folder: the second kernel
//! for the same notebook takes the next free slot.

use std::fs::File;
use std::path::{Path, PathBuf};

/// A build directory and the lock that keeps it ours.
#[derive(Debug)]
pub struct BuildDir {
    /// The folder evcxr works in.
    pub path: PathBuf,
    /// Held open (and locked) until the kernel exits.
    _lock: File,
}

/// How many kernels may run for one notebook at once before we give up.
const MAX_SLOTS: u32 = 16;

impl BuildDir {
    /// Picks and locks the build directory for `key` (a notebook path or working directory).
    pub fn acquire(cache_root: &Path, key: &str) -> std::io::Result<BuildDir> {
        let base = format!("{}-{:016x}", readable_name(key), stable_hash(key));
        for slot in 0..MAX_SLOTS {
            let name = if slot == 0 {
                base.clone()
            } else {
                format!("{base}.{slot}")
            };
            let path = cache_root.join(&name);
            std::fs::create_dir_all(&path)?;
            let lock = File::create(path.join(".lock"))?;
            match lock.try_lock() {
                Ok(()) => {
                    std::fs::write(path.join("KEY"), key)?;
                    return Ok(BuildDir { path, _lock: lock });
                }
                Err(std::fs::TryLockError::WouldBlock) => continue,
                Err(std::fs::TryLockError::Error(error)) => return Err(error),
            }
        }
        Err(std::io::Error::other(format!(
            "all {MAX_SLOTS} build directories for {key} are in use by other kernels"
        )))
    }
}

/// The key for this session: the notebook path if Jupyter gave one, else the working directory.
pub fn session_key() -> String {
    if let Ok(name) = std::env::var("JPY_SESSION_NAME")
        && !name.is_empty()
    {
        let path = Path::new(&name);
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|d| d.join(path))
                .unwrap_or_else(|_| path.to_path_buf())
        };
        return absolute.to_string_lossy().into_owned();
    }
    std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "default".to_owned())
}

/// The last path component, cleaned to `[A-Za-z0-9_.-]`, so folders are recognisable.
fn readable_name(key: &str) -> String {
    let last = key
        .rsplit(['/', '\\'])
        .find(|s| !s.is_empty())
        .unwrap_or("session");
    let cleaned: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if cleaned.is_empty() {
        "session".to_owned()
    } else {
        cleaned
    }
}

/// FNV-1a: stable across Rust versions, unlike `DefaultHasher`'s algorithm.
fn stable_hash(key: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in key.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_kernels_never_share_a_directory() -> std::io::Result<()> {
        let root = std::env::temp_dir().join(format!("huntbook-builddir-{}", std::process::id()));
        let first = BuildDir::acquire(&root, "/home/a/hunt.ipynb")?;
        let second = BuildDir::acquire(&root, "/home/a/hunt.ipynb")?;
        assert_ne!(first.path, second.path);
        let path = first.path.clone();
        drop(first);
        let third = BuildDir::acquire(&root, "/home/a/hunt.ipynb")?;
        assert_eq!(third.path, path, "a released directory is reused");
        drop((second, third));
        let _ = std::fs::remove_dir_all(&root);
        Ok(())
    }

    #[test]
    fn names_are_readable_and_stable() {
        assert_eq!(readable_name("/home/a/My Hunt.ipynb"), "My_Hunt.ipynb");
        assert_eq!(stable_hash("x"), stable_hash("x"));
        assert_ne!(stable_hash("x"), stable_hash("y"));
    }
}
