//! The on-disk lookup cache: one JSON file per (provider, type, indicator), named by the
//! SHA-256 of those three, under `dirs::cache_dir()/huntbook/ti` unless another folder is
//! given. Entries older than the TTL are ignored and replaced. Only the answer is stored:
//! never a key, a header or a URL.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use huntbook_data::IocType;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Answer, Severity};

/// The default cache folder, `dirs::cache_dir()/huntbook/ti`.
pub fn default_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|d| d.join("huntbook").join("ti"))
}

/// A cache folder with a time to live.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    ttl: Duration,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    stored: DateTime<Utc>,
    result: bool,
    severity: String,
    details: serde_json::Value,
    raw: serde_json::Value,
    found: bool,
}

impl DiskCache {
    /// A cache in `dir` whose entries live for `ttl`.
    pub fn new(dir: impl Into<PathBuf>, ttl: Duration) -> DiskCache {
        DiskCache {
            dir: dir.into(),
            ttl,
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file name for a key: hex SHA-256 of `provider \0 type \0 ioc`.
    pub fn key(provider: &str, ioc_type: IocType, ioc: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(provider.as_bytes());
        hasher.update([0]);
        hasher.update(ioc_type.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(ioc.as_bytes());
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn path(&self, provider: &str, ioc_type: IocType, ioc: &str) -> PathBuf {
        self.dir
            .join(format!("{}.json", DiskCache::key(provider, ioc_type, ioc)))
    }

    /// A fresh cached answer, if any.
    pub async fn get(&self, provider: &str, ioc_type: IocType, ioc: &str) -> Option<Answer> {
        let path = self.path(provider, ioc_type, ioc);
        let text = tokio::fs::read_to_string(&path).await.ok()?;
        let entry: Entry = match serde_json::from_str(&text) {
            Ok(entry) => entry,
            Err(error) => {
                tracing::debug!(path = %path.display(), %error, "ignoring unreadable cache entry");
                return None;
            }
        };
        let age = Utc::now()
            .signed_duration_since(entry.stored)
            .to_std()
            .ok()?;
        if age > self.ttl {
            return None;
        }
        Some(Answer {
            result: entry.result,
            severity: entry.severity.parse().unwrap_or(Severity::Information),
            details: entry.details,
            raw: entry.raw,
            found: entry.found,
        })
    }

    /// Stores an answer; a failure to write is logged, not returned.
    pub async fn put(&self, provider: &str, ioc_type: IocType, ioc: &str, answer: &Answer) {
        let entry = Entry {
            stored: Utc::now(),
            result: answer.result,
            severity: answer.severity.as_str().to_string(),
            details: answer.details.clone(),
            raw: answer.raw.clone(),
            found: answer.found,
        };
        let path = self.path(provider, ioc_type, ioc);
        let write = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            let text = serde_json::to_vec(&entry).map_err(std::io::Error::other)?;
            let partial = path.with_extension("partial");
            tokio::fs::write(&partial, text).await?;
            tokio::fs::rename(&partial, &path).await
        };
        if let Err(error) = write.await {
            tracing::debug!(path = %path.display(), %error, "cannot write cache entry");
        }
    }
}
