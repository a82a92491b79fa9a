//! What to extract: which types, which values to drop, whether to accept defanged spellings.

use std::collections::{BTreeSet, HashSet};

use huntbook_data::IocType;

/// Options for an [`super::IocExtractor`], built with `IocOptions::default().with_…(…)`.
///
/// The default extracts every type except the two path types (which are noisy, as in msticpy's
/// DataFrame extraction), validates domains against the IANA TLD list, and accepts defanged
/// spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IocOptions {
    pub(crate) types: BTreeSet<IocType>,
    pub(crate) ignore: HashSet<String>,
    pub(crate) ignore_tlds: bool,
    pub(crate) defanged: bool,
    pub(crate) decode_urls: bool,
}

impl Default for IocOptions {
    fn default() -> Self {
        let types = IocType::ALL
            .into_iter()
            .filter(|t| {
                !matches!(
                    t,
                    IocType::WindowsPath | IocType::LinuxPath | IocType::Unknown
                )
            })
            .collect();
        IocOptions {
            types,
            ignore: HashSet::new(),
            ignore_tlds: false,
            defanged: true,
            decode_urls: true,
        }
    }
}

impl IocOptions {
    /// Extracts exactly these types (msticpy's `ioc_types=`). [`IocType::Unknown`] is ignored.
    pub fn with_types(mut self, types: impl IntoIterator<Item = IocType>) -> Self {
        self.types = types
            .into_iter()
            .filter(|t| *t != IocType::Unknown)
            .collect();
        self
    }

    /// Adds one type.
    pub fn with_type(mut self, ioc_type: IocType) -> Self {
        if ioc_type != IocType::Unknown {
            self.types.insert(ioc_type);
        }
        self
    }

    /// Removes one type.
    pub fn without_type(mut self, ioc_type: IocType) -> Self {
        self.types.remove(&ioc_type);
        self
    }

    /// Adds (`true`) or removes (`false`) both path types (msticpy's `include_paths=`).
    pub fn with_include_paths(self, include: bool) -> Self {
        if include {
            self.with_type(IocType::WindowsPath)
                .with_type(IocType::LinuxPath)
        } else {
            self.without_type(IocType::WindowsPath)
                .without_type(IocType::LinuxPath)
        }
    }

    /// Values never to report (compared after refanging, ignoring case), e.g. your own domain.
    pub fn with_ignore<S: AsRef<str>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.ignore
            .extend(values.into_iter().map(|v| v.as_ref().to_lowercase()));
        self
    }

    /// Accepts any alphabetic TLD instead of checking the IANA list (msticpy's `ignore_tlds=`).
    pub fn with_ignore_tlds(mut self, ignore: bool) -> Self {
        self.ignore_tlds = ignore;
        self
    }

    /// Whether defanged spellings (`evil[.]com`, `hxxp://`, `bob[at]x.org`) are recognised
    /// (default `true`). They are always reported refanged, with `defanged = true`.
    pub fn with_defanged(mut self, defanged: bool) -> Self {
        self.defanged = defanged;
        self
    }

    /// Whether percent-encoded URLs inside a URL (`?u=http%3A%2F%2Fevil.com`) are decoded and
    /// reported too (default `true`, as msticpy does).
    pub fn with_decode_urls(mut self, decode: bool) -> Self {
        self.decode_urls = decode;
        self
    }

    /// The types that will be extracted.
    pub fn types(&self) -> impl Iterator<Item = IocType> + '_ {
        self.types.iter().copied()
    }

    /// True when `ioc_type` will be extracted.
    pub fn includes(&self, ioc_type: IocType) -> bool {
        self.types.contains(&ioc_type)
    }

    /// [`IocOptions::includes`] as a table indexed by position in [`IocType::ALL`].
    pub(crate) fn table(&self) -> [bool; IocType::ALL.len()] {
        IocType::ALL.map(|t| self.includes(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_compose() {
        let options = IocOptions::default();
        assert!(options.includes(IocType::Dns));
        assert!(!options.includes(IocType::LinuxPath));
        let options = options.with_include_paths(true).without_type(IocType::Dns);
        assert!(options.includes(IocType::LinuxPath));
        assert!(!options.includes(IocType::Dns));
        let only = IocOptions::default().with_types([IocType::Ipv4, IocType::Unknown]);
        assert_eq!(only.types().collect::<Vec<_>>(), vec![IocType::Ipv4]);
        let ignore = IocOptions::default().with_ignore(["Example.COM"]);
        assert!(ignore.ignore.contains("example.com"));
    }
}
