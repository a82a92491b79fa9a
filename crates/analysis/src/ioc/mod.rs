//! Indicator-of-compromise extraction: IPs, networks, domains, URLs, e-mail addresses, hashes,
//! paths, registry keys, CVEs, ATT&CK techniques, MAC addresses, ASNs and bitcoin addresses,
//! from plain or defanged text, in one pass.
//!
//! - [`IocExtractor`]: compile once ([`IocExtractor::new`]), then [`IocExtractor::extract`] a
//!   string or [`IocExtractor::extract_frame`] the text columns of a DataFrame.
//! - [`IocOptions`]: which types, values to ignore, TLD checking, defanged spellings.
//! - [`Ioc`]: one finding: type, refanged value, byte span, `defanged` flag, [`IpClass`].
//! - [`summarise`] / [`summarise_frame`]: unique `(ioc_type, value)` with counts.
//! - [`refang`] / [`defang`]: rewrite free text (`hxxp://evil[.]com` ⇄ `http://evil.com`).
//!
//! Inside: `patterns` finds token shapes (a lazy DFA tried where trigger bytes say a token may
//! start, plus a scanner for hashes and bitcoin words); `scan` walks the tokens once over the
//! text and searches inside containers (a URL's host is also a `dns`, an IP in a URL path an
//! `ipv4`, as msticpy reports them); `classify` validates each token (IPv4 octets, IPv6 via
//! `std::net`, hash lengths, bitcoin checksums) and classifies IPs; `tld` holds the bundled IANA
//! TLD list; `refang` undoes defanging; `frame` builds the DataFrames. Differences from
//! msticpy's `IoCExtract` are listed in `docs/ioc.md`.
//!
//! ```
//! use huntbook_analysis::ioc::{IocExtractor, IocOptions};
//! use huntbook_data::IocType;
//!
//! let extractor = IocExtractor::new(IocOptions::default())?;
//! let found = extractor.extract("beacon to hxxps://evil[.]com/a from 10.1.2.3");
//! let url = &found[0];
//! assert_eq!((url.ioc_type, url.value.as_str()), (IocType::Url, "https://evil.com/a"));
//! assert!(url.defanged);
//! assert!(found.iter().any(|i| i.ioc_type == IocType::Dns && i.value == "evil.com"));
//! let ip = found.iter().find(|i| i.ioc_type == IocType::Ipv4).unwrap();
//! assert_eq!(ip.ip_class.map(|c| c.as_str()), Some("private"));
//! # Ok::<(), huntbook_analysis::ioc::IocError>(())
//! ```

mod classify;
mod error;
mod frame;
mod options;
mod patterns;
mod refang;
mod scan;
mod tld;

pub use classify::{IpClass, UnknownIpClass};
pub use error::IocError;
pub use frame::{IocCount, summarise, summarise_frame};
pub use options::IocOptions;
pub use refang::{defang, refang};

use huntbook_data::IocType;

use patterns::{Kind, Scanner};
use tld::TldSet;

/// One indicator found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ioc {
    /// What it is.
    pub ioc_type: IocType,
    /// The value, refanged and normalised (domains, hashes and MACs lower-case, CVEs upper-case,
    /// ASNs as `AS<n>`); URLs, paths and keys as written apart from refanging.
    pub value: String,
    /// Byte offset of the first byte in the source text.
    pub start: usize,
    /// Byte offset one past the last byte in the source text.
    pub end: usize,
    /// True when the text spelled it defanged (`evil[.]com`, `hxxp://`, `bob[at]x.org`).
    pub defanged: bool,
    /// For `ipv4`, `ipv6` and `cidr`: what kind of address it is.
    pub ip_class: Option<IpClass>,
}

/// A compiled extractor: build once with [`IocExtractor::new`], use for any number of texts
/// (it is `Send + Sync`; share it across threads).
#[derive(Debug, Clone)]
pub struct IocExtractor {
    options: IocOptions,
    enabled: [bool; IocType::ALL.len()],
    full: Option<Scanner>,
    inner: Option<Scanner>,
    tlds: TldSet,
}

impl IocExtractor {
    /// Compiles the patterns for the types in `options`.
    pub fn new(options: IocOptions) -> Result<Self, IocError> {
        let wanted: Vec<Kind> = Kind::ORDER
            .into_iter()
            .filter(|k| k.types().iter().any(|t| options.includes(*t)))
            .collect();
        let inside: Vec<Kind> = wanted
            .iter()
            .copied()
            .filter(|k| k.allowed_inside())
            .collect();
        let full = Scanner::build(&wanted, options.defanged)?;
        let inner = if wanted.iter().any(|k| k.is_container()) {
            Scanner::build(&inside, options.defanged)?
        } else {
            None
        };
        tracing::debug!(?wanted, "IoC extractor compiled");
        Ok(IocExtractor {
            enabled: options.table(),
            options,
            full,
            inner,
            tlds: TldSet::bundled()?,
        })
    }

    /// True when `ioc_type` is extracted (a table lookup, for the scan loop; `IocType::ALL`
    /// lists the variants in declaration order, which a test checks).
    fn enabled(&self, ioc_type: IocType) -> bool {
        self.enabled
            .get(ioc_type as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The options this extractor was built with.
    pub fn options(&self) -> &IocOptions {
        &self.options
    }

    /// Every indicator in `text`, in order of position (a container before what it holds).
    ///
    /// Repeats are all reported, each with its own span; use [`summarise`] for unique values.
    pub fn extract(&self, text: &str) -> Vec<Ioc> {
        scan::collect(self, text)
    }

    /// The first indicator type that `value` is, as a whole (msticpy's `get_ioc_type`), or
    /// [`IocType::Unknown`].
    pub fn ioc_type_of(&self, value: &str) -> IocType {
        let value = value.trim();
        self.extract(value)
            .into_iter()
            .find(|i| i.start == 0 && i.end == value.len())
            .map_or(IocType::Unknown, |i| i.ioc_type)
    }

    /// True when `value` as a whole is an indicator of `ioc_type` (msticpy's `validate`).
    pub fn validate(&self, value: &str, ioc_type: IocType) -> bool {
        let value = value.trim();
        self.extract(value)
            .iter()
            .any(|i| i.ioc_type == ioc_type && i.start == 0 && i.end == value.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> IocExtractor {
        IocExtractor::new(IocOptions::default().with_include_paths(true)).unwrap()
    }

    fn found(text: &str) -> Vec<(IocType, String)> {
        all()
            .extract(text)
            .into_iter()
            .map(|i| (i.ioc_type, i.value))
            .collect()
    }

    #[test]
    fn type_table_matches_declaration_order() {
        for (i, t) in IocType::ALL.iter().enumerate() {
            assert_eq!(*t as usize, i);
        }
        // The frame's ip_class column is gathered by the same kind of index.
        for (i, c) in IpClass::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        let ex = IocExtractor::new(IocOptions::default().with_types([IocType::Cve])).unwrap();
        assert!(ex.enabled(IocType::Cve) && !ex.enabled(IocType::Dns));
    }

    #[test]
    fn url_yields_host_and_inner_ip() {
        let got = found("curl 'https://www.virustotal.com/en/ip-address/90.156.201.27/x/'");
        assert_eq!(
            got,
            vec![
                (
                    IocType::Url,
                    "https://www.virustotal.com/en/ip-address/90.156.201.27/x/".into()
                ),
                (IocType::Dns, "www.virustotal.com".into()),
                (IocType::Ipv4, "90.156.201.27".into()),
            ]
        );
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "x evil[.]com y";
        let iocs = all().extract(text);
        assert_eq!(iocs.len(), 1);
        assert_eq!(&text[iocs[0].start..iocs[0].end], "evil[.]com");
        assert_eq!(iocs[0].value, "evil.com");
        assert!(iocs[0].defanged);
    }

    #[test]
    fn each_new_type() {
        let text = "CVE-2021-44228 T1059.001 AS13335 HKLM\\Software\\Run 00:1a:2b:3c:4d:5e \
                    10.0.0.0/8 fe80::/10 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2";
        let types: Vec<IocType> = found(text).into_iter().map(|(t, _)| t).collect();
        assert_eq!(
            types,
            vec![
                IocType::Cve,
                IocType::AttackTechnique,
                IocType::Asn,
                IocType::RegistryKey,
                IocType::MacAddress,
                IocType::Cidr,
                IocType::Cidr,
                IocType::Bitcoin
            ]
        );
    }

    #[test]
    fn unicode_around_indicators_does_not_panic() {
        let text = "http://例え.jp/パス é1.2.3.4é C:\\Users\\Jöns\\ü.txt 🙂fe80::1🙂 bob@bücher.de \
                    /home/jö/x.sh ünïcödé.com d41d8cd98f00b204e9800998ecf8427eé";
        let ex = all();
        let iocs = ex.extract(text);
        for ioc in &iocs {
            assert!(text.get(ioc.start..ioc.end).is_some(), "{ioc:?}");
        }
        assert!(iocs.iter().any(|i| i.ioc_type == IocType::Url));
        assert!(iocs.iter().any(|i| i.value == "1.2.3.4"));
        assert!(iocs.iter().any(|i| i.value == "fe80::1"));
        for len in 0..text.len() {
            if let Some(prefix) = text.get(..len) {
                ex.extract(prefix);
            }
        }
    }

    #[test]
    fn ignore_tlds_accepts_any_alphabetic_tld() {
        let strict = IocExtractor::new(IocOptions::default()).unwrap();
        let loose = IocExtractor::new(IocOptions::default().with_ignore_tlds(true)).unwrap();
        assert!(strict.extract("files.corp.internal").is_empty());
        assert_eq!(
            loose.extract("files.corp.internal")[0].value,
            "files.corp.internal"
        );
    }

    #[test]
    fn paths_need_a_root_or_two_parts_and_a_word_boundary() {
        let got = found("on 12/03/2026 and/or /bin /usr/bin/env ~/x .\\run.bat c:\\a b\\c.exe");
        let paths: Vec<&str> = got
            .iter()
            .filter(|(t, _)| matches!(t, IocType::LinuxPath | IocType::WindowsPath))
            .map(|(_, v)| v.as_str())
            .collect();
        assert_eq!(
            paths,
            ["/usr/bin/env", "~/x", ".\\run.bat", "c:\\a b\\c.exe"]
        );
    }

    #[test]
    fn times_and_versions_are_not_addresses() {
        assert!(found("at 12:30:01 ran v1.2.3.4.5 and 1.2.3.4567").is_empty());
    }

    #[test]
    fn ignore_list_and_type_filter() {
        let ex = IocExtractor::new(
            IocOptions::default()
                .with_types([IocType::Dns])
                .with_ignore(["Microsoft.com"]),
        )
        .unwrap();
        let got: Vec<String> = ex
            .extract("microsoft.com evil.com 8.8.8.8")
            .into_iter()
            .map(|i| i.value)
            .collect();
        assert_eq!(got, vec!["evil.com"]);
    }

    #[test]
    fn defanged_off_ignores_defanged_spellings() {
        let ex = IocExtractor::new(IocOptions::default().with_defanged(false)).unwrap();
        assert!(
            ex.extract("206[.]123[.]1[.]123")
                .iter()
                .all(|i| i.ioc_type != IocType::Ipv4)
        );
    }

    #[test]
    fn type_of_and_validate() {
        let ex = all();
        assert_eq!(
            ex.ioc_type_of("d41d8cd98f00b204e9800998ecf8427e"),
            IocType::Md5
        );
        assert_eq!(ex.ioc_type_of("hello"), IocType::Unknown);
        assert!(ex.validate("news.ycombinator.com", IocType::Dns));
        assert!(!ex.validate("domain.like.iandom", IocType::Dns));
    }

    #[test]
    fn encoded_url_in_query_is_reported() {
        let got = found("https://r.example.com/?u=http%3A%2F%2Fevil.com%2Fpayload");
        assert!(
            got.contains(&(IocType::Url, "http://evil.com/payload".into())),
            "{got:?}"
        );
    }
}
