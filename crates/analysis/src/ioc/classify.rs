//! Validators that turn a candidate match into a typed indicator, and IP address classes.
//!
//! The scanning regex finds coarse tokens (a run of hex digits, a run of colon-separated hex
//! groups, …); the functions here decide what each one is: a 32-digit run is an MD5 hash, a run
//! of six two-digit groups is a MAC address, a run that `std::net` parses is an IPv6 address,
//! a base58 string whose checksum verifies is a bitcoin address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use huntbook_data::IocType;
use sha2::{Digest, Sha256};

/// What kind of address an IP is, for the `ip_class` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpClass {
    /// Publicly routable.
    Global,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) or IPv6 unique local (fc00::/7).
    Private,
    /// 127/8 or ::1.
    Loopback,
    /// 169.254/16 or fe80::/10.
    LinkLocal,
    /// 224/4 or ff00::/8.
    Multicast,
    /// 0.0.0.0 or ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// Documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32).
    Documentation,
    /// Carrier-grade NAT space, 100.64/10.
    Shared,
    /// Other reserved space (0/8, 240/4, 198.18/15, 192.0.0/24, IPv6 outside 2000::/3).
    Reserved,
}

impl IpClass {
    /// Every class, in a stable order.
    pub const ALL: [IpClass; 10] = [
        IpClass::Global,
        IpClass::Private,
        IpClass::Loopback,
        IpClass::LinkLocal,
        IpClass::Multicast,
        IpClass::Unspecified,
        IpClass::Broadcast,
        IpClass::Documentation,
        IpClass::Shared,
        IpClass::Reserved,
    ];

    /// The class as written in the `ip_class` column (`global`, `private`, `link_local`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            IpClass::Global => "global",
            IpClass::Private => "private",
            IpClass::Loopback => "loopback",
            IpClass::LinkLocal => "link_local",
            IpClass::Multicast => "multicast",
            IpClass::Unspecified => "unspecified",
            IpClass::Broadcast => "broadcast",
            IpClass::Documentation => "documentation",
            IpClass::Shared => "shared",
            IpClass::Reserved => "reserved",
        }
    }

    /// Classifies an address.
    pub fn of(ip: IpAddr) -> IpClass {
        match ip {
            IpAddr::V4(v4) => class_v4(v4),
            IpAddr::V6(v6) => class_v6(v6),
        }
    }
}

impl fmt::Display for IpClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown IP class name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown IP class {0:?}; known classes: global, private, loopback, link_local, multicast, \
     unspecified, broadcast, documentation, shared, reserved"
)]
pub struct UnknownIpClass(pub String);

impl FromStr for IpClass {
    type Err = UnknownIpClass;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let lower = if lower == "public" {
            "global".to_string()
        } else {
            lower
        };
        IpClass::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == lower)
            .ok_or_else(|| UnknownIpClass(name.to_string()))
    }
}

fn class_v4(ip: Ipv4Addr) -> IpClass {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() {
        IpClass::Unspecified
    } else if ip.is_loopback() {
        IpClass::Loopback
    } else if ip.is_private() {
        IpClass::Private
    } else if ip.is_link_local() {
        IpClass::LinkLocal
    } else if ip.is_broadcast() {
        IpClass::Broadcast
    } else if ip.is_multicast() {
        IpClass::Multicast
    } else if ip.is_documentation() {
        IpClass::Documentation
    } else if a == 100 && (64..128).contains(&b) {
        IpClass::Shared
    } else if a == 0 || a >= 240 || (a == 198 && (b == 18 || b == 19)) || (a, b, c) == (192, 0, 0) {
        IpClass::Reserved
    } else {
        IpClass::Global
    }
}

fn class_v6(ip: Ipv6Addr) -> IpClass {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return class_v4(v4);
    }
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        IpClass::Unspecified
    } else if ip.is_loopback() {
        IpClass::Loopback
    } else if ip.is_multicast() {
        IpClass::Multicast
    } else if first & 0xffc0 == 0xfe80 {
        IpClass::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        IpClass::Private
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 {
        IpClass::Documentation
    } else if first & 0xe000 != 0x2000 {
        IpClass::Reserved
    } else {
        IpClass::Global
    }
}

/// Parses a dotted IPv4 address, allowing zero-padded octets (`010.001.002.003`) as logs write.
pub(crate) fn parse_ipv4(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = text.as_bytes().split(|&b| b == b'.');
    for octet in &mut octets {
        let part = parts.next()?;
        if part.is_empty() || part.len() > 3 {
            return None;
        }
        let mut value: u16 = 0;
        for &b in part {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u16::from(b - b'0');
        }
        *octet = u8::try_from(value).ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// What a run of colon-separated hex groups is: a MAC address, an IPv6 address, or nothing
/// (a time of day such as `12:30:01` parses as neither).
pub(crate) fn classify_colon_run(text: &str) -> Option<IocType> {
    if is_mac(text) {
        return Some(IocType::MacAddress);
    }
    if text == "::" {
        return None;
    }
    text.parse::<Ipv6Addr>().ok().map(|_| IocType::Ipv6)
}

/// True for `00:1a:2b:3c:4d:5e`, `00-1A-2B-3C-4D-5E` and Cisco's `001a.2b3c.4d5e`.
pub(crate) fn is_mac(text: &str) -> bool {
    let bytes = text.as_bytes();
    let shape = |group: usize, sep: u8, groups: usize| {
        bytes.len() == group * groups + groups - 1
            && bytes.iter().enumerate().all(|(i, &b)| {
                if (i + 1) % (group + 1) == 0 {
                    b == sep
                } else {
                    b.is_ascii_hexdigit()
                }
            })
    };
    shape(2, b':', 6) || shape(2, b'-', 6) || shape(4, b'.', 3)
}

/// The hash type for a run of hex digits, by its length.
pub(crate) fn hash_type(len: usize) -> Option<IocType> {
    match len {
        32 => Some(IocType::Md5),
        40 => Some(IocType::Sha1),
        64 => Some(IocType::Sha256),
        128 => Some(IocType::Sha512),
        _ => None,
    }
}

/// `CVE-2021-44228` (any case, `_` or `-`) in its canonical upper-case form.
pub(crate) fn normalise_cve(text: &str) -> String {
    text.to_ascii_uppercase().replace('_', "-")
}

/// `AS13335` / `ASN 13335` as `AS13335`, when the number fits an ASN (32 bits, not zero).
pub(crate) fn normalise_asn(text: &str) -> Option<String> {
    let digits = text.trim_start_matches(|c: char| !c.is_ascii_digit());
    let number: u32 = digits.parse().ok()?;
    (number != 0).then(|| format!("AS{number}"))
}

/// True when `text` is a bitcoin address whose checksum verifies (base58check P2PKH/P2SH or
/// bech32/bech32m segwit).
pub(crate) fn is_bitcoin(text: &str) -> bool {
    if text.len() > 3 && text[..3].eq_ignore_ascii_case("bc1") {
        return is_bech32_address(text);
    }
    is_base58_address(text)
}

/// The base58 alphabet (no `0`, `O`, `I`, `l`).
pub(crate) const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn is_base58_address(text: &str) -> bool {
    let Some(bytes) = base58_decode(text) else {
        return false;
    };
    if bytes.len() != 25 || !(bytes[0] == 0 || bytes[0] == 5) {
        return false;
    }
    let first = Sha256::digest(&bytes[..21]);
    let second = Sha256::digest(first);
    second[..4] == bytes[21..]
}

fn base58_decode(text: &str) -> Option<Vec<u8>> {
    // Big-endian base-256 accumulator; addresses are short, so the quadratic loop is fine.
    let mut out: Vec<u8> = Vec::with_capacity(32);
    for ch in text.bytes() {
        let mut carry = BASE58.iter().position(|&b| b == ch)? as u32;
        for byte in out.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = text.bytes().take_while(|&b| b == b'1').count();
    let mut result = vec![0u8; zeros];
    result.extend(out);
    Some(result)
}

/// The bech32 alphabet, lower case (no `1`, `b`, `i`, `o`).
pub(crate) const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn is_bech32_address(text: &str) -> bool {
    let lower_case = text.bytes().any(|b| b.is_ascii_lowercase());
    let upper_case = text.bytes().any(|b| b.is_ascii_uppercase());
    if lower_case && upper_case {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    let Some(data) = lower[3..]
        .bytes()
        .map(|c| BECH32.iter().position(|&b| b == c).map(|v| v as u8))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let mut values: Vec<u8> = vec![3, 3, 0, 2, 3];
    values.extend(data);
    let check = bech32_polymod(&values);
    check == 1 || check == 0x2bc8_30a3
}

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_classes() {
        let class = |s: &str| IpClass::of(s.parse().unwrap());
        assert_eq!(class("10.1.2.3"), IpClass::Private);
        assert_eq!(class("192.168.0.1"), IpClass::Private);
        assert_eq!(class("127.0.0.1"), IpClass::Loopback);
        assert_eq!(class("169.254.1.1"), IpClass::LinkLocal);
        assert_eq!(class("224.0.0.251"), IpClass::Multicast);
        assert_eq!(class("255.255.255.255"), IpClass::Broadcast);
        assert_eq!(class("0.0.0.0"), IpClass::Unspecified);
        assert_eq!(class("192.0.2.5"), IpClass::Documentation);
        assert_eq!(class("100.64.0.1"), IpClass::Shared);
        assert_eq!(class("240.0.0.1"), IpClass::Reserved);
        assert_eq!(class("8.8.8.8"), IpClass::Global);
        assert_eq!(class("fe80::1"), IpClass::LinkLocal);
        assert_eq!(class("fd00::1"), IpClass::Private);
        assert_eq!(class("::1"), IpClass::Loopback);
        assert_eq!(class("ff02::1"), IpClass::Multicast);
        assert_eq!(class("2001:db8::1"), IpClass::Documentation);
        assert_eq!(class("2606:4700::1111"), IpClass::Global);
        assert_eq!(class("::ffff:10.0.0.1"), IpClass::Private);
    }

    #[test]
    fn ip_class_names_round_trip() {
        for c in IpClass::ALL {
            assert_eq!(c.to_string().parse::<IpClass>(), Ok(c));
        }
        assert_eq!("Link Local".parse::<IpClass>(), Ok(IpClass::LinkLocal));
        assert_eq!("public".parse::<IpClass>(), Ok(IpClass::Global));
        assert!("nowhere".parse::<IpClass>().is_err());
    }

    #[test]
    fn ipv4_parser_agrees_with_a_split_and_parse_reference() {
        let reference = |text: &str| -> Option<Ipv4Addr> {
            let parts: Vec<&str> = text.split('.').collect();
            if parts.len() != 4 {
                return None;
            }
            let mut octets = [0u8; 4];
            for (octet, part) in octets.iter_mut().zip(parts) {
                let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
                if !digits || part.len() > 3 {
                    return None;
                }
                *octet = part.parse().ok()?;
            }
            Some(Ipv4Addr::from(octets))
        };
        const PARTS: &[&str] = &[
            "0", "1", "9", "25", "255", "256", "999", "007", "0001", "x", "-", "1000", "", "1.2",
        ];
        let mut state: u64 = 0x1234_5678_9abc_def1;
        let mut valid = 0;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Three to five parts joined by dots: mostly four, some of them bad.
            let count = 3 + (state % 3) as usize;
            let parts: Vec<&str> = (0..count)
                .map(|k| PARTS[((state >> (8 * k + 8)) % PARTS.len() as u64) as usize])
                .collect();
            let text = parts.join(".");
            valid += usize::from(reference(&text).is_some());
            assert_eq!(parse_ipv4(&text), reference(&text), "{text:?}");
        }
        assert!(
            valid > 1_000,
            "too few valid addresses to mean anything: {valid}"
        );
    }

    #[test]
    fn ipv4_parsing() {
        assert_eq!(
            parse_ipv4("010.001.002.003"),
            Some(Ipv4Addr::new(10, 1, 2, 3))
        );
        assert_eq!(parse_ipv4("256.1.1.1"), None);
        assert_eq!(parse_ipv4("1.2.3"), None);
        assert_eq!(parse_ipv4("1.2.3.4.5"), None);
    }

    #[test]
    fn colon_runs() {
        assert_eq!(
            classify_colon_run("00:1a:2b:3c:4d:5e"),
            Some(IocType::MacAddress)
        );
        assert_eq!(classify_colon_run("2001:db8::1"), Some(IocType::Ipv6));
        assert_eq!(classify_colon_run("12:30:01"), None);
        assert_eq!(classify_colon_run("::"), None);
        assert!(is_mac("00-1A-2B-3C-4D-5E"));
        assert!(is_mac("001a.2b3c.4d5e"));
        assert!(!is_mac("00-1A:2B-3C-4D-5E"));
    }

    #[test]
    fn bitcoin_checksums() {
        assert!(is_bitcoin("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"));
        assert!(is_bitcoin("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"));
        assert!(is_bitcoin("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"));
        assert!(!is_bitcoin("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"));
        assert!(!is_bitcoin("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdz"));
    }

    #[test]
    fn small_normalisers() {
        assert_eq!(normalise_cve("cve_2021_44228"), "CVE-2021-44228");
        assert_eq!(normalise_asn("ASN 13335").as_deref(), Some("AS13335"));
        assert_eq!(normalise_asn("AS0"), None);
        assert_eq!(hash_type(64), Some(IocType::Sha256));
        assert_eq!(hash_type(33), None);
    }
}
