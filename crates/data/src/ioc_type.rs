//! Indicator-of-compromise types, shared by extraction (analysis) and lookups (enrich).
//!
//! The names returned by [`IocType::as_str`] are msticpy's, so frames and configuration
//! written for msticpy keep working.

use std::fmt;
use std::str::FromStr;

/// A kind of indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IocType {
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A domain name.
    Dns,
    /// A URL.
    Url,
    /// An MD5 hash.
    Md5,
    /// A SHA-1 hash.
    Sha1,
    /// A SHA-256 hash.
    Sha256,
    /// A SHA-512 hash.
    Sha512,
    /// A Windows file path.
    WindowsPath,
    /// A Linux file path.
    LinuxPath,
    /// An e-mail address.
    Email,
    /// An IPv4 or IPv6 network in CIDR notation.
    Cidr,
    /// A CVE identifier.
    Cve,
    /// A MITRE ATT&CK technique identifier (T1059, T1059.001).
    AttackTechnique,
    /// A Windows registry key.
    RegistryKey,
    /// A MAC address.
    MacAddress,
    /// An autonomous system number (AS13335).
    Asn,
    /// A bitcoin address.
    Bitcoin,
    /// A hash of unknown algorithm or an unrecognised value.
    Unknown,
}

impl IocType {
    /// Every type, in a stable order.
    pub const ALL: [IocType; 19] = [
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Dns,
        IocType::Url,
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
        IocType::Sha512,
        IocType::WindowsPath,
        IocType::LinuxPath,
        IocType::Email,
        IocType::Cidr,
        IocType::Cve,
        IocType::AttackTechnique,
        IocType::RegistryKey,
        IocType::MacAddress,
        IocType::Asn,
        IocType::Bitcoin,
        IocType::Unknown,
    ];

    /// The type's name as msticpy writes it (`ipv4`, `md5_hash`, `windows_path`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            IocType::Ipv4 => "ipv4",
            IocType::Ipv6 => "ipv6",
            IocType::Dns => "dns",
            IocType::Url => "url",
            IocType::Md5 => "md5_hash",
            IocType::Sha1 => "sha1_hash",
            IocType::Sha256 => "sha256_hash",
            IocType::Sha512 => "sha512_hash",
            IocType::WindowsPath => "windows_path",
            IocType::LinuxPath => "linux_path",
            IocType::Email => "email",
            IocType::Cidr => "cidr",
            IocType::Cve => "cve",
            IocType::AttackTechnique => "attack_technique",
            IocType::RegistryKey => "registry_key",
            IocType::MacAddress => "mac_address",
            IocType::Asn => "asn",
            IocType::Bitcoin => "bitcoin",
            IocType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for IocType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown type name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown IoC type {0:?}; known types: ipv4, ipv6, dns, url, md5_hash, sha1_hash, sha256_hash, sha512_hash, windows_path, linux_path, email, cidr, cve, attack_technique, registry_key, mac_address, asn, bitcoin"
)]
pub struct UnknownIocType(pub String);

impl FromStr for IocType {
    type Err = UnknownIocType;

    /// Parses msticpy's names, plus the short hash names (`md5`, `sha256`, …) and `domain`,
    /// `hostname` for [`IocType::Dns`]; case does not matter.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.trim().to_ascii_lowercase();
        let found = match lower.as_str() {
            "md5" => Some(IocType::Md5),
            "sha1" => Some(IocType::Sha1),
            "sha256" => Some(IocType::Sha256),
            "sha512" => Some(IocType::Sha512),
            "domain" | "hostname" => Some(IocType::Dns),
            "ip" | "ipaddress" => Some(IocType::Ipv4),
            other => IocType::ALL.iter().copied().find(|t| t.as_str() == other),
        };
        found.ok_or(UnknownIocType(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in IocType::ALL {
            assert_eq!(t.as_str().parse::<IocType>(), Ok(t));
        }
        assert_eq!("SHA256".parse::<IocType>(), Ok(IocType::Sha256));
        assert!("nonsense".parse::<IocType>().is_err());
    }
}
