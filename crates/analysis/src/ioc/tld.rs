//! The IANA top-level-domain list, used to tell `evil.com` (a domain) from `notes.txt` (a file).
//!
//! The list ships inside the crate (`data/ioc/tlds.json`, from the npm package `tlds`, MIT; see
//! `data/ioc/README.md`). It is parsed once per [`super::IocExtractor`].

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::IocError;

/// The vendored list, a JSON array of lower-case TLDs.
const TLDS_JSON: &str = include_str!("../../data/ioc/tlds.json");

/// A set of valid top-level domains.
#[derive(Debug, Clone)]
pub(crate) struct TldSet {
    tlds: HashSet<String, BuildHasherDefault<Fnv1a>>,
}

/// FNV-1a: TLDs are short, trusted strings, so a fast non-keyed hash is the right trade.
#[derive(Default)]
struct Fnv1a(u64);

impl Hasher for Fnv1a {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

impl TldSet {
    /// Parses the vendored list.
    pub(crate) fn bundled() -> Result<Self, IocError> {
        let list: Vec<String> = serde_json::from_str(TLDS_JSON).map_err(IocError::TldList)?;
        let tlds = list.into_iter().map(|t| t.to_lowercase()).collect();
        Ok(TldSet { tlds })
    }

    /// True when `domain`'s last label is a known TLD (case does not matter).
    pub(crate) fn is_valid_domain(&self, domain: &str) -> bool {
        let domain = domain.trim_end_matches('.');
        let last = memchr::memrchr(b'.', domain.as_bytes())
            .and_then(|dot| domain.get(dot + 1..))
            .unwrap_or(domain);
        if last.is_empty() {
            return false;
        }
        if last.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.tlds.contains(&last.to_ascii_lowercase());
        }
        self.tlds.contains(last)
    }

    /// How many TLDs the list holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.tlds.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_list_parses_and_validates() {
        let tlds = TldSet::bundled().unwrap();
        assert!(tlds.len() > 1000);
        assert!(tlds.is_valid_domain("microsoft.com"));
        assert!(tlds.is_valid_domain("domain.like.UK"));
        assert!(tlds.is_valid_domain("example.com."));
        assert!(!tlds.is_valid_domain("domain.like.iandom"));
        assert!(!tlds.is_valid_domain("cmd.exe"));
        assert!(!tlds.is_valid_domain(""));
    }
}
