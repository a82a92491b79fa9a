//! Autonomous-system lookups from IP-range tables.
//!
//! The bundled table is the RouteViews + NRO + DB-IP "IP to ASN" data published in the npm
//! package `@ip-location-db/asn` (CC BY 4.0: data from routeviews.org, nro.net and
//! db-ip.com), vendored gzipped in `crates/enrich/data/asn/`. It is decompressed and parsed
//! once, at first use (about half a million ranges).
//!
//! - [`AsnTable::bundled`]: the shared bundled table.
//! - [`AsnTable::from_csv`]: any CSV of `start,end,asn,organisation` rows (gzipped or not).
//! - [`AsnTable::lookup`]: the range holding an address.
//! - [`AsnTable::search_organisation`]: ASNs whose organisation name contains a text.
//!
//! ```no_run
//! use huntbook_enrich::asn::AsnTable;
//!
//! let table = AsnTable::bundled().unwrap();
//! let found = table.lookup("1.1.1.1".parse().unwrap()).unwrap();
//! assert_eq!(found.asn, 13335);
//! ```

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use flate2::read::GzDecoder;

static BUNDLED_V4: &[u8] = include_bytes!("../data/asn/asn-ipv4.csv.gz");
static BUNDLED_V6: &[u8] = include_bytes!("../data/asn/asn-ipv6.csv.gz");

/// The name the bundled table reports as its source.
pub const BUNDLED_SOURCE: &str = "ip-location-db/asn (RouteViews, NRO, DB-IP; CC BY 4.0)";

/// A problem reading an ASN table.
#[derive(Debug, thiserror::Error)]
pub enum AsnError {
    /// The file could not be read or decompressed.
    #[error("cannot read ASN ranges from {source_name}: {error}")]
    Read {
        /// The file or bundled table.
        source_name: String,
        /// The underlying error.
        error: std::io::Error,
    },

    /// A line is not `start,end,asn,organisation`.
    #[error("{source_name} line {line}: {message}")]
    Line {
        /// The file or bundled table.
        source_name: String,
        /// The 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },
}

/// The range an address was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsnMatch<'a> {
    /// The autonomous system number.
    pub asn: u32,
    /// The organisation holding it.
    pub organisation: &'a str,
    /// The first address of the range.
    pub start: IpAddr,
    /// The last address of the range (inclusive).
    pub end: IpAddr,
}

#[derive(Debug, Clone, Copy)]
struct Range<T> {
    start: T,
    end: T,
    asn: u32,
    org: u32,
}

/// Sorted, non-overlapping IP ranges with their ASN and organisation.
#[derive(Debug, Default)]
pub struct AsnTable {
    v4: Vec<Range<u32>>,
    v6: Vec<Range<u128>>,
    orgs: Vec<Arc<str>>,
    source: String,
}

impl AsnTable {
    /// The bundled table, parsed once and shared.
    pub fn bundled() -> Result<&'static AsnTable, &'static AsnError> {
        static TABLE: OnceLock<Result<AsnTable, AsnError>> = OnceLock::new();
        TABLE.get_or_init(load_bundled).as_ref()
    }

    /// Reads one or more CSV files (`.gz` is decompressed) of `start,end,asn,organisation`.
    pub fn from_csv(paths: &[PathBuf]) -> Result<AsnTable, AsnError> {
        let mut builder = Builder::default();
        for path in paths {
            let file = std::fs::File::open(path).map_err(|error| AsnError::Read {
                source_name: path.display().to_string(),
                error,
            })?;
            builder.read(open_maybe_gz(path, file), &path.display().to_string())?;
        }
        Ok(builder.finish(&paths_label(paths)))
    }

    /// Reads CSV text from any reader; `source` names it in errors.
    pub fn from_reader(reader: impl Read, source: &str) -> Result<AsnTable, AsnError> {
        let mut builder = Builder::default();
        builder.read(Box::new(reader), source)?;
        Ok(builder.finish(source))
    }

    /// Where the table came from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// How many IPv4 and IPv6 ranges the table holds.
    pub fn len(&self) -> (usize, usize) {
        (self.v4.len(), self.v6.len())
    }

    /// Whether the table holds no range.
    pub fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    /// The range holding an address, if any. IPv4-mapped IPv6 addresses are looked up as
    /// IPv4.
    pub fn lookup(&self, ip: IpAddr) -> Option<AsnMatch<'_>> {
        match ip {
            IpAddr::V4(v4) => self.lookup_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.lookup_v4(v4),
                None => self.lookup_v6(v6),
            },
        }
    }

    fn lookup_v4(&self, ip: Ipv4Addr) -> Option<AsnMatch<'_>> {
        let range = find(&self.v4, u32::from(ip))?;
        Some(AsnMatch {
            asn: range.asn,
            organisation: &self.orgs[range.org as usize],
            start: IpAddr::V4(Ipv4Addr::from(range.start)),
            end: IpAddr::V4(Ipv4Addr::from(range.end)),
        })
    }

    fn lookup_v6(&self, ip: Ipv6Addr) -> Option<AsnMatch<'_>> {
        let range = find(&self.v6, u128::from(ip))?;
        Some(AsnMatch {
            asn: range.asn,
            organisation: &self.orgs[range.org as usize],
            start: IpAddr::V6(Ipv6Addr::from(range.start)),
            end: IpAddr::V6(Ipv6Addr::from(range.end)),
        })
    }

    /// ASNs whose organisation contains `text` (case-insensitive), with their organisation
    /// name, sorted by ASN.
    pub fn search_organisation(&self, text: &str) -> Vec<(u32, String)> {
        let needle = text.to_lowercase();
        let mut found = BTreeMap::new();
        let v4 = self.v4.iter().map(|r| (r.asn, r.org));
        let v6 = self.v6.iter().map(|r| (r.asn, r.org));
        for (asn, org) in v4.chain(v6) {
            let name = &self.orgs[org as usize];
            if name.to_lowercase().contains(&needle) {
                found.entry(asn).or_insert_with(|| name.to_string());
            }
        }
        found.into_iter().collect()
    }
}

fn find<T: Copy + Ord>(ranges: &[Range<T>], key: T) -> Option<&Range<T>> {
    let after = ranges.partition_point(|r| r.start <= key);
    let candidate = ranges.get(after.checked_sub(1)?)?;
    (key <= candidate.end).then_some(candidate)
}

fn load_bundled() -> Result<AsnTable, AsnError> {
    let mut builder = Builder::default();
    builder.read(
        Box::new(GzDecoder::new(BUNDLED_V4)),
        "bundled asn-ipv4.csv.gz",
    )?;
    builder.read(
        Box::new(GzDecoder::new(BUNDLED_V6)),
        "bundled asn-ipv6.csv.gz",
    )?;
    Ok(builder.finish(BUNDLED_SOURCE))
}

fn open_maybe_gz(path: &Path, file: std::fs::File) -> Box<dyn Read> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
    {
        Box::new(GzDecoder::new(file))
    } else {
        Box::new(file)
    }
}

fn paths_label(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    names.join(", ")
}

#[derive(Default)]
struct Builder {
    v4: Vec<Range<u32>>,
    v6: Vec<Range<u128>>,
    orgs: Vec<Arc<str>>,
    org_index: HashMap<Arc<str>, u32>,
}

impl Builder {
    fn read(&mut self, reader: Box<dyn Read + '_>, source: &str) -> Result<(), AsnError> {
        let reader = BufReader::with_capacity(1 << 16, reader);
        for (index, line) in reader.lines().enumerate() {
            let line = line.map_err(|error| AsnError::Read {
                source_name: source.to_string(),
                error,
            })?;
            let line_error = |message: String| AsnError::Line {
                source_name: source.to_string(),
                line: index + 1,
                message,
            };
            if line.trim().is_empty() || (index == 0 && line.starts_with("ip_range_start")) {
                continue;
            }
            self.add_line(&line).map_err(line_error)?;
        }
        Ok(())
    }

    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let fields = split_csv_line(line);
        let [start, end, asn, org] = fields.as_slice() else {
            return Err(format!(
                "expected 4 fields (start,end,asn,organisation), found {}",
                fields.len()
            ));
        };
        let asn: u32 = asn
            .trim()
            .trim_start_matches("AS")
            .parse()
            .map_err(|_| format!("autonomous system number {asn:?} is not a number"))?;
        let org = self.intern(org);
        let parse = |text: &str| {
            text.trim()
                .parse::<IpAddr>()
                .map_err(|_| format!("{text:?} is not an IP address"))
        };
        match (parse(start)?, parse(end)?) {
            (IpAddr::V4(s), IpAddr::V4(e)) => self.v4.push(Range {
                start: s.into(),
                end: e.into(),
                asn,
                org,
            }),
            (IpAddr::V6(s), IpAddr::V6(e)) => self.v6.push(Range {
                start: s.into(),
                end: e.into(),
                asn,
                org,
            }),
            _ => return Err("range mixes IPv4 and IPv6 addresses".to_string()),
        }
        Ok(())
    }

    fn intern(&mut self, org: &str) -> u32 {
        if let Some(index) = self.org_index.get(org) {
            return *index;
        }
        let shared: Arc<str> = Arc::from(org);
        let index = self.orgs.len() as u32;
        self.orgs.push(shared.clone());
        self.org_index.insert(shared, index);
        index
    }

    fn finish(mut self, source: &str) -> AsnTable {
        self.v4.sort_by_key(|r| r.start);
        self.v6.sort_by_key(|r| r.start);
        AsnTable {
            v4: self.v4,
            v6: self.v6,
            orgs: self.orgs,
            source: source.to_string(),
        }
    }
}

/// Splits one CSV line, honouring double quotes and `""` escapes.
pub(crate) fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                current.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    fields.push(current);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n\
        8.8.8.0,8.8.8.255,15169,Google LLC\n\
        2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n";

    #[test]
    fn finds_ranges_and_misses_gaps() {
        let table = AsnTable::from_reader(SAMPLE.as_bytes(), "sample").unwrap();
        let hit = table.lookup("1.0.0.7".parse().unwrap()).unwrap();
        assert_eq!((hit.asn, hit.organisation), (13335, "Cloudflare, Inc."));
        assert_eq!(table.lookup("8.8.8.8".parse().unwrap()).unwrap().asn, 15169);
        assert!(table.lookup("1.0.1.0".parse().unwrap()).is_none());
        assert!(table.lookup("0.0.0.1".parse().unwrap()).is_none());
        assert_eq!(
            table
                .lookup("2001:4860:4860::8888".parse().unwrap())
                .unwrap()
                .asn,
            15169
        );
        assert_eq!(
            table.lookup("::ffff:8.8.8.8".parse().unwrap()).unwrap().asn,
            15169
        );
        assert_eq!(
            table.search_organisation("google"),
            vec![(15169, "Google LLC".to_string())]
        );
    }

    #[test]
    fn bad_line_names_source_and_line() {
        let err =
            AsnTable::from_reader("1.0.0.0,1.0.0.255,x,Org\n".as_bytes(), "t.csv").unwrap_err();
        assert!(err.to_string().contains("t.csv line 1"), "{err}");
    }

    #[test]
    fn splits_quoted_fields() {
        assert_eq!(
            split_csv_line(r#"a,"b, c","d""e""#),
            vec!["a", "b, c", "d\"e"]
        );
    }
}
