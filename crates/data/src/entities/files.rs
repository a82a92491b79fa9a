//! Things on disk and in memory: files, hashes, processes, registry keys and values, malware.

use super::Entity;

entity_struct! {
    /// A file (`file`).
    pub struct File {
        /// The full path, where the source gives one.
        full_path: Option<String>,
        /// The folder.
        directory: Option<String>,
        /// The file name.
        name: Option<String>,
        /// MD5 hash.
        md5: Option<String>,
        /// The host the file is on.
        host: Option<Box<Entity>>,
        /// SHA-1 hash.
        sha1: Option<String>,
        /// SHA-256 hash.
        sha256: Option<String>,
        /// Authenticode SHA-256 hash.
        sha256_ac: Option<String>,
        /// The file's hash entities.
        file_hashes: Vec<Entity>,
        /// `\` or `/`.
        path_separator: Option<String>,
        /// The OS family of the file system.
        #[serde(rename = "OSFamily")]
        os_family: Option<String>,
    }
}

impl File {
    /// The path: the full path, else the directory joined with the name, else the name.
    pub fn path(&self) -> Option<String> {
        if let Some(full) = &self.full_path {
            return Some(full.clone());
        }
        let name = self.name.as_deref()?;
        Some(match self.directory.as_deref() {
            Some(dir) if !dir.is_empty() => {
                let separator = self
                    .path_separator
                    .as_deref()
                    .unwrap_or(if dir.contains('/') { "/" } else { "\\" });
                format!("{}{separator}{name}", dir.trim_end_matches(['\\', '/']))
            }
            _ => name.to_string(),
        })
    }
}

entity_struct! {
    /// A file hash (`filehash`).
    pub struct FileHash {
        /// MD5, SHA1, SHA256, SHA256AC, …
        algorithm: Option<String>,
        /// The hex digest.
        value: Option<String>,
    }
}

entity_struct! {
    /// A process (`process`).
    pub struct Process {
        /// The process id (decimal or `0x` hex, as the source wrote it).
        process_id: Option<String>,
        /// The command line.
        command_line: Option<String>,
        /// Token elevation: Default, Full, Limited.
        elevation_token: Option<String>,
        /// When the process was created.
        creation_time_utc: Option<String>,
        /// The executable.
        image_file: Option<Box<Entity>>,
        /// The account the process ran as.
        account: Option<Box<Entity>>,
        /// The parent process.
        parent_process: Option<Box<Entity>>,
        /// The host.
        host: Option<Box<Entity>>,
        /// The logon session.
        logon_session: Option<Box<Entity>>,
    }
}

entity_struct! {
    /// A registry key (`registry-key`).
    pub struct RegistryKey {
        /// The hive, e.g. `HKEY_LOCAL_MACHINE`.
        hive: Option<String>,
        /// The key path below the hive.
        key: Option<String>,
    }
}

entity_struct! {
    /// A registry value (`registry-value`).
    pub struct RegistryValue {
        /// The key holding the value.
        key: Option<Box<Entity>>,
        /// The value's name.
        name: Option<String>,
        /// The value's data as text.
        value: Option<String>,
        /// REG_SZ, REG_DWORD, …
        value_type: Option<String>,
    }
}

entity_struct! {
    /// Malware found by a product (`malware`).
    pub struct Malware {
        /// The malware name.
        name: Option<String>,
        /// The malware category.
        category: Option<String>,
        /// The file it was found in.
        file: Option<Box<Entity>>,
        /// Files it was found in.
        files: Vec<Entity>,
        /// Processes it ran as.
        processes: Vec<Entity>,
    }
}
