//! IP address utilities: what kind of address a value is, whois-style ASN details from the
//! bundled ranges, and great-circle distances between locations.
//!
//! - [`IpType`] / [`ip_type`]: private, loopback, multicast, shared (CGNAT), documentation, …
//!   for IPv4 and IPv6, following the IANA special-purpose registries.
//! - [`ip_type_frame`]: a DataFrame column of addresses classified, one row per input.
//! - [`whois_frame`]: ASN, organisation and range per address from [`crate::asn`].
//! - [`haversine_km`]: the distance in kilometres between two latitude/longitude points.
//!
//! ```
//! use huntbook_enrich::ip::{ip_type, IpType};
//!
//! assert_eq!(ip_type(&"10.1.2.3".parse().unwrap()), IpType::Private);
//! assert_eq!(ip_type(&"100.64.0.1".parse().unwrap()), IpType::Shared);
//! assert_eq!(ip_type(&"2001:db8::1".parse().unwrap()), IpType::Documentation);
//! assert_eq!(ip_type(&"8.8.8.8".parse().unwrap()), IpType::Global);
//! ```

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use polars::prelude::{Column, DataFrame, PolarsError};

use crate::asn::AsnTable;

/// The kind of an IP address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpType {
    /// `0.0.0.0` or `::`.
    Unspecified,
    /// `127.0.0.0/8` or `::1`.
    Loopback,
    /// RFC 1918 private ranges (`10/8`, `172.16/12`, `192.168/16`) and IPv6 unique local
    /// addresses (`fc00::/7`).
    Private,
    /// RFC 6598 shared address space used by carrier-grade NAT (`100.64.0.0/10`).
    Shared,
    /// Link-local addresses (`169.254/16`, `fe80::/10`).
    LinkLocal,
    /// Multicast addresses (`224/4`, `ff00::/8`).
    Multicast,
    /// The limited broadcast address `255.255.255.255`.
    Broadcast,
    /// Documentation ranges (`192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`).
    Documentation,
    /// Benchmarking ranges (`198.18/15`, `2001:2::/48`).
    Benchmarking,
    /// Reserved or special-purpose space not routed on the internet (`240/4`, `0/8`,
    /// `192.0.0/24`, `64:ff9b:1::/48`, `100::/64`, …).
    Reserved,
    /// A publicly routable address.
    Global,
}

impl IpType {
    /// The type's name in snake case (`private`, `link_local`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            IpType::Unspecified => "unspecified",
            IpType::Loopback => "loopback",
            IpType::Private => "private",
            IpType::Shared => "shared",
            IpType::LinkLocal => "link_local",
            IpType::Multicast => "multicast",
            IpType::Broadcast => "broadcast",
            IpType::Documentation => "documentation",
            IpType::Benchmarking => "benchmarking",
            IpType::Reserved => "reserved",
            IpType::Global => "global",
        }
    }

    /// Whether an address of this type is routed on the public internet.
    pub fn is_global(self) -> bool {
        self == IpType::Global
    }

    const ALL: [IpType; 11] = [
        IpType::Unspecified,
        IpType::Loopback,
        IpType::Private,
        IpType::Shared,
        IpType::LinkLocal,
        IpType::Multicast,
        IpType::Broadcast,
        IpType::Documentation,
        IpType::Benchmarking,
        IpType::Reserved,
        IpType::Global,
    ];
}

impl fmt::Display for IpType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown [`IpType`] name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown IP type {0:?}; known: unspecified, loopback, private, shared, link_local, \
     multicast, broadcast, documentation, benchmarking, reserved, global"
)]
pub struct UnknownIpType(pub String);

impl FromStr for IpType {
    type Err = UnknownIpType;

    /// Parses the snake-case names, plus msticpy's `Public` (global) and `Link Local`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        if lower == "public" {
            return Ok(IpType::Global);
        }
        IpType::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == lower)
            .ok_or_else(|| UnknownIpType(text.to_string()))
    }
}

/// Classifies an address. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are classified as
/// the IPv4 address they carry.
pub fn ip_type(address: &IpAddr) -> IpType {
    match address {
        IpAddr::V4(v4) => ipv4_type(*v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => ipv4_type(v4),
            None => ipv6_type(*v6),
        },
    }
}

/// Parses and classifies an address; `None` when the text is not an IP address.
pub fn ip_type_str(text: &str) -> Option<IpType> {
    text.trim().parse::<IpAddr>().ok().map(|ip| ip_type(&ip))
}

fn ipv4_type(ip: Ipv4Addr) -> IpType {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() {
        IpType::Unspecified
    } else if ip.is_broadcast() {
        IpType::Broadcast
    } else if ip.is_loopback() {
        IpType::Loopback
    } else if ip.is_private() {
        IpType::Private
    } else if a == 100 && (b & 0xc0) == 64 {
        IpType::Shared
    } else if ip.is_link_local() {
        IpType::LinkLocal
    } else if ip.is_multicast() {
        IpType::Multicast
    } else if ip.is_documentation() {
        IpType::Documentation
    } else if a == 198 && (b & 0xfe) == 18 {
        IpType::Benchmarking
    } else if a == 0 || a >= 240 || (a == 192 && b == 0 && c == 0) {
        IpType::Reserved
    } else {
        IpType::Global
    }
}

fn ipv6_type(ip: Ipv6Addr) -> IpType {
    let s = ip.segments();
    if ip.is_unspecified() {
        IpType::Unspecified
    } else if ip.is_loopback() {
        IpType::Loopback
    } else if (s[0] & 0xfe00) == 0xfc00 {
        IpType::Private
    } else if (s[0] & 0xffc0) == 0xfe80 {
        IpType::LinkLocal
    } else if ip.is_multicast() {
        IpType::Multicast
    } else if s[0] == 0x2001 && s[1] == 0x0db8 || s[0] == 0x3fff && s[1] < 0x1000 {
        IpType::Documentation
    } else if s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0 {
        IpType::Benchmarking
    } else if is_reserved_v6(&s) {
        IpType::Reserved
    } else {
        IpType::Global
    }
}

/// Special-purpose IPv6 space that is not routed: discard-only, IPv4-compatible, the
/// local-use NAT64 prefix, the IETF protocol block and space outside `2000::/3`.
fn is_reserved_v6(s: &[u16; 8]) -> bool {
    let discard = s[0] == 0x0100 && s[1..4] == [0, 0, 0];
    let nat64_local = s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001;
    let ietf = s[0] == 0x2001 && s[1] < 0x0200;
    let outside_global_unicast = (s[0] & 0xe000) != 0x2000 && !(s[0] == 0x0064 && s[1] == 0xff9b);
    discard || nat64_local || ietf || outside_global_unicast
}

/// The great-circle distance in kilometres between two points given as (latitude,
/// longitude) in degrees, on a sphere of the Earth's mean radius (6371.0088 km).
pub fn haversine_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let half_dlat = ((lat2 - lat1) / 2.0).sin();
    let half_dlon = ((lon2 - lon1) / 2.0).sin();
    let a = half_dlat * half_dlat + lat1.cos() * lat2.cos() * half_dlon * half_dlon;
    2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
}

/// Classifies every address in a string column: columns `ip`, `ip_type` and `error` (why a
/// value is not an address; null otherwise), one row per input row.
pub fn ip_type_frame(data: &DataFrame, column: &str) -> Result<DataFrame, PolarsError> {
    let values = string_values(data, column)?;
    let mut types = Vec::with_capacity(values.len());
    let mut errors = Vec::with_capacity(values.len());
    for value in &values {
        match value.as_deref().map(str::trim).map(str::parse::<IpAddr>) {
            Some(Ok(ip)) => {
                types.push(Some(ip_type(&ip).as_str()));
                errors.push(None);
            }
            Some(Err(_)) => {
                types.push(None);
                errors.push(Some("not an IP address".to_string()));
            }
            None => {
                types.push(None);
                errors.push(Some("empty value".to_string()));
            }
        }
    }
    DataFrame::new(
        values.len(),
        vec![
            Column::new("ip".into(), values),
            Column::new("ip_type".into(), types),
            Column::new("error".into(), errors),
        ],
    )
}

/// Whois-style details for every address in a column from the ASN ranges: columns `ip`,
/// `ip_type`, `asn`, `organisation`, `range_start`, `range_end`, `error`.
pub fn whois_frame(
    table: &AsnTable,
    data: &DataFrame,
    column: &str,
) -> Result<DataFrame, PolarsError> {
    let values = string_values(data, column)?;
    let rows: Vec<WhoisRow> = values
        .iter()
        .map(|v| whois_row(table, v.as_deref()))
        .collect();
    let n = rows.len();
    DataFrame::new(
        n,
        vec![
            Column::new("ip".into(), values),
            Column::new(
                "ip_type".into(),
                rows.iter().map(|r| r.ip_type).collect::<Vec<_>>(),
            ),
            Column::new("asn".into(), rows.iter().map(|r| r.asn).collect::<Vec<_>>()),
            Column::new(
                "organisation".into(),
                rows.iter()
                    .map(|r| r.organisation.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "range_start".into(),
                rows.iter()
                    .map(|r| r.range.map(|x| x.0.to_string()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "range_end".into(),
                rows.iter()
                    .map(|r| r.range.map(|x| x.1.to_string()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "error".into(),
                rows.iter().map(|r| r.error.clone()).collect::<Vec<_>>(),
            ),
        ],
    )
}

struct WhoisRow {
    ip_type: Option<&'static str>,
    asn: Option<u32>,
    organisation: Option<String>,
    range: Option<(IpAddr, IpAddr)>,
    error: Option<String>,
}

fn whois_row(table: &AsnTable, value: Option<&str>) -> WhoisRow {
    let mut row = WhoisRow {
        ip_type: None,
        asn: None,
        organisation: None,
        range: None,
        error: None,
    };
    let Some(ip) = value.and_then(|v| v.trim().parse::<IpAddr>().ok()) else {
        row.error = Some("not an IP address".to_string());
        return row;
    };
    let kind = ip_type(&ip);
    row.ip_type = Some(kind.as_str());
    match table.lookup(ip) {
        Some(found) => {
            row.asn = Some(found.asn);
            row.organisation = Some(found.organisation.to_string());
            row.range = Some((found.start, found.end));
        }
        None if !kind.is_global() => {
            row.error = Some(format!("{kind} address: not announced on the internet"));
        }
        None => row.error = Some("no ASN range holds this address".to_string()),
    }
    row
}

/// A column's values as optional strings, casting non-string columns.
pub(crate) fn string_values(
    data: &DataFrame,
    column: &str,
) -> Result<Vec<Option<String>>, PolarsError> {
    let col = data.column(column)?;
    let cast = col.cast(&polars::prelude::DataType::String)?;
    let chunked = cast.str()?;
    Ok(chunked.iter().map(|v| v.map(str::to_string)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> IpType {
        ip_type(&text.parse().unwrap())
    }

    #[test]
    fn classifies_ipv4() {
        assert_eq!(kind("0.0.0.0"), IpType::Unspecified);
        assert_eq!(kind("127.0.0.1"), IpType::Loopback);
        assert_eq!(kind("172.16.5.4"), IpType::Private);
        assert_eq!(kind("172.32.0.1"), IpType::Global);
        assert_eq!(kind("192.168.1.1"), IpType::Private);
        assert_eq!(kind("100.64.0.1"), IpType::Shared);
        assert_eq!(kind("100.128.0.1"), IpType::Global);
        assert_eq!(kind("169.254.1.1"), IpType::LinkLocal);
        assert_eq!(kind("224.0.0.251"), IpType::Multicast);
        assert_eq!(kind("255.255.255.255"), IpType::Broadcast);
        assert_eq!(kind("198.51.100.7"), IpType::Documentation);
        assert_eq!(kind("198.19.0.1"), IpType::Benchmarking);
        assert_eq!(kind("240.0.0.1"), IpType::Reserved);
        assert_eq!(kind("192.0.0.8"), IpType::Reserved);
        assert_eq!(kind("8.8.8.8"), IpType::Global);
    }

    #[test]
    fn classifies_ipv6() {
        assert_eq!(kind("::"), IpType::Unspecified);
        assert_eq!(kind("::1"), IpType::Loopback);
        assert_eq!(kind("fd12:3456::1"), IpType::Private);
        assert_eq!(kind("fe80::1"), IpType::LinkLocal);
        assert_eq!(kind("ff02::1"), IpType::Multicast);
        assert_eq!(kind("2001:db8::1"), IpType::Documentation);
        assert_eq!(kind("2001:2::1"), IpType::Benchmarking);
        assert_eq!(kind("100::1"), IpType::Reserved);
        assert_eq!(kind("2001::1"), IpType::Reserved);
        assert_eq!(kind("2606:4700::1111"), IpType::Global);
        assert_eq!(kind("::ffff:10.0.0.1"), IpType::Private);
        assert_eq!(kind("64:ff9b::808:808"), IpType::Global);
    }

    #[test]
    fn names_round_trip() {
        for t in IpType::ALL {
            assert_eq!(t.as_str().parse::<IpType>(), Ok(t));
        }
        assert_eq!("Public".parse::<IpType>(), Ok(IpType::Global));
        assert_eq!("Link Local".parse::<IpType>(), Ok(IpType::LinkLocal));
        assert!("galactic".parse::<IpType>().is_err());
    }

    #[test]
    fn haversine_matches_known_distances() {
        let london = (51.5074, -0.1278);
        let paris = (48.8566, 2.3522);
        let d = haversine_km(london, paris);
        assert!((d - 343.5).abs() < 1.5, "{d}");
        assert_eq!(haversine_km(paris, paris), 0.0);
        let antipodes = haversine_km((0.0, 0.0), (0.0, 180.0));
        assert!((antipodes - 20015.1).abs() < 1.0, "{antipodes}");
    }

    #[test]
    fn frame_reports_bad_values() {
        let df = DataFrame::new(
            3,
            vec![Column::new(
                "a".into(),
                vec![Some("10.0.0.1"), Some("nope"), None],
            )],
        )
        .unwrap();
        let out = ip_type_frame(&df, "a").unwrap();
        let types = out.column("ip_type").unwrap().str().unwrap();
        assert_eq!(types.get(0), Some("private"));
        assert_eq!(types.get(1), None);
        let errors = out.column("error").unwrap().str().unwrap();
        assert_eq!(errors.get(1), Some("not an IP address"));
        assert_eq!(errors.get(2), Some("empty value"));
    }
}
