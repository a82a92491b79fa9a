//! Downloading DB-IP's free "IP to City Lite" database (CC BY 4.0: credit db-ip.com).
//!
//! DB-IP publishes it monthly at `https://download.db-ip.com/free/dbip-city-lite-YYYY-MM.mmdb.gz`.
//! [`download_city_db`] fetches it (gzip is decompressed on the fly), checks that the result
//! opens as a MaxMind database, and only then moves it into place, so a failed download
//! never replaces a working file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{Datelike, Utc};

use super::{GeoError, GeoIpDatabase};
use huntbook_data::driver::http::display_url;

use crate::ti::http::block_on;

/// The URL pattern; `{YYYY}` and `{MM}` are replaced with the year and month.
pub const DBIP_CITY_URL_TEMPLATE: &str =
    "https://download.db-ip.com/free/dbip-city-lite-{YYYY}-{MM}.mmdb.gz";

/// The current month's DB-IP city lite URL.
pub fn dbip_city_url() -> String {
    let now = Utc::now();
    DBIP_CITY_URL_TEMPLATE
        .replace("{YYYY}", &format!("{:04}", now.year()))
        .replace("{MM}", &format!("{:02}", now.month()))
}

/// Where and how to download.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// The URL (defaults to [`dbip_city_url`]).
    pub url: String,
    /// Time allowed for the whole download.
    pub timeout: Duration,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            url: dbip_city_url(),
            timeout: Duration::from_secs(600),
        }
    }
}

impl DownloadOptions {
    /// Sets the URL.
    pub fn with_url(mut self, url: &str) -> Self {
        self.url = url.to_string();
        self
    }

    /// Sets the timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Downloads the DB-IP city lite database to `dest` with default options.
pub fn download_city_db(dest: &Path) -> Result<PathBuf, GeoError> {
    download_city_db_with(dest, &DownloadOptions::default())
}

/// Downloads a (possibly gzipped) `.mmdb` from `options.url` to `dest`, validating it first.
pub fn download_city_db_with(dest: &Path, options: &DownloadOptions) -> Result<PathBuf, GeoError> {
    let bytes = block_on(fetch(options))?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        super::gunzip(&bytes, &options.url)?
    } else {
        bytes
    };
    GeoIpDatabase::from_bytes(bytes.clone().into(), &options.url)?;
    write_atomically(dest, &bytes)?;
    Ok(dest.to_path_buf())
}

async fn fetch(options: &DownloadOptions) -> Result<Vec<u8>, GeoError> {
    let fail = |message: String| GeoError::Http {
        service: "DB-IP download",
        message,
    };
    let client = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(Duration::from_secs(20))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let url = url::Url::parse(&options.url).map_err(|e| fail(format!("bad URL: {e}")))?;
    let shown = display_url(&url);
    let response = client.get(url).send().await.map_err(|e| {
        if e.is_timeout() {
            fail(format!(
                "no answer from {shown} within {} s",
                options.timeout.as_secs()
            ))
        } else {
            fail(format!("cannot reach {shown}: {}", e.without_url()))
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(fail(format!(
            "{shown} answered HTTP {status}; DB-IP publishes each month's file early in the \
             month, so try last month's URL with DownloadOptions::with_url"
        )));
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| fail(format!("download cut short: {}", e.without_url())))?;
    Ok(body.to_vec())
}

fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<(), GeoError> {
    let write_error = |source| GeoError::Write {
        path: dest.to_path_buf(),
        source,
    };
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(write_error)?;
    }
    let partial = dest.with_extension("mmdb.partial");
    let mut file = std::fs::File::create(&partial).map_err(write_error)?;
    file.write_all(bytes).map_err(write_error)?;
    file.sync_all().map_err(write_error)?;
    std::fs::rename(&partial, dest).map_err(write_error)
}
