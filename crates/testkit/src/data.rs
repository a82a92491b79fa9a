//! Locating the shared test data (`../shared/data` beside the project's checkout).

use std::path::{Path, PathBuf};

/// The shared test-data folder: `HUNTBOOK_SHARED_DATA` when set, else the first
/// `shared/data` folder found beside an ancestor of the working directory (cargo runs tests in
/// the package's directory), else beside an ancestor of the directory this crate was built in.
///
/// The working directory comes first because a build cache shared between checkouts can hand
/// a test a copy of this crate compiled in another checkout.
pub fn shared_data_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("HUNTBOOK_SHARED_DATA") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }

    let cwd = std::env::current_dir().ok();
    let built_in = Path::new(env!("CARGO_MANIFEST_DIR"));
    cwd.iter()
        .flat_map(|dir| dir.ancestors())
        .chain(built_in.ancestors())
        .map(|dir| dir.join("shared").join("data"))
        .find(|candidate| candidate.is_dir())
}

/// The path of `relative` inside the shared test data, when that file or folder exists.
///
/// Tests call it and skip when it answers `None`:
///
/// ```
/// let Some(path) = huntbook_testkit::shared_data("geoip/iptoasn-country.mmdb") else {
///     eprintln!("skipped: shared test data not found (set HUNTBOOK_SHARED_DATA)");
///     return;
/// };
/// assert!(path.exists());
/// ```
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = shared_data_root()?.join(relative);
    path.exists().then_some(path)
}
