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
///
/// Most TLDs fit in eight bytes: those are kept as integers (the bytes, little-endian, zero
/// padded), so a lookup lower-cases and packs the label and probes a set of `u64`s, with no
/// string hashing or comparison. Longer ones are kept as strings.
#[derive(Debug, Clone)]
pub(crate) struct TldSet {
    short: HashSet<u64, BuildHasherDefault<MixU64>>,
    long: HashSet<String, BuildHasherDefault<MixU64>>,
}

/// One multiply and a shift per word: the keys are TLDs, short and trusted, so a fast non-keyed
/// hash is the right trade (a packed TLD is one word; a long one is hashed a byte at a time).
#[derive(Default)]
struct MixU64(u64);

impl Hasher for MixU64 {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, value: u64) {
        let mixed = (self.0 ^ value).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = mixed ^ (mixed >> 29);
    }
}

/// `label` lower-cased and packed into a `u64` when it has at most eight bytes and no zero
/// byte (which the padding could not be told from; no TLD holds one).
fn packed(label: &[u8]) -> Option<u64> {
    if label.len() > 8 {
        return None;
    }
    let mut key = 0;
    for (shift, &b) in (0..64).step_by(8).zip(label) {
        if b == 0 {
            return None;
        }
        key |= u64::from(b.to_ascii_lowercase()) << shift;
    }
    Some(key)
}

impl TldSet {
    /// Parses the vendored list.
    pub(crate) fn bundled() -> Result<Self, IocError> {
        let list: Vec<String> = serde_json::from_str(TLDS_JSON).map_err(IocError::TldList)?;
        let mut set = TldSet {
            short: HashSet::default(),
            long: HashSet::default(),
        };
        for tld in list {
            let tld = tld.to_lowercase();
            match packed(tld.as_bytes()) {
                Some(key) => {
                    set.short.insert(key);
                }
                None => {
                    set.long.insert(tld);
                }
            }
        }
        Ok(set)
    }

    /// True when `domain`'s last label is a known TLD (case does not matter).
    pub(crate) fn is_valid_domain(&self, domain: &str) -> bool {
        // Byte loops, not `memrchr`: the label is a few bytes from the end.
        let bytes = domain.as_bytes();
        let end = bytes.iter().rposition(|&b| b != b'.').map_or(0, |i| i + 1);
        let start = bytes
            .get(..end)
            .unwrap_or_default()
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(0, |dot| dot + 1);
        // Dots are ASCII, so both ends are character boundaries.
        let last = domain.get(start..end).unwrap_or_default();
        if last.is_empty() {
            return false;
        }
        if let Some(key) = packed(last.as_bytes()) {
            return self.short.contains(&key);
        }
        if last.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.long.contains(&last.to_ascii_lowercase());
        }
        self.long.contains(last)
    }

    /// How many TLDs the list holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.short.len() + self.long.len()
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
        assert!(tlds.is_valid_domain("a.CoM") && tlds.is_valid_domain("a.international"));
        assert!(
            tlds.is_valid_domain("a.INTERNATIONAL"),
            "a long TLD, any case"
        );
        assert!(
            tlds.is_valid_domain("пример.рф"),
            "a non-ASCII TLD (four bytes)"
        );
        assert!(!tlds.is_valid_domain("a.co\0") && !tlds.is_valid_domain("a.comm"));
        assert!(!tlds.is_valid_domain("a.internationa") && !tlds.is_valid_domain("a.c"));
    }
}
