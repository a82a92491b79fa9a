//! Working out what kind of indicator a value is.
//!
//! [`detect`] checks, in order: IP addresses and networks, hashes by length, URLs, e-mail
//! addresses, CVE and ATT&CK identifiers, ASNs, MAC addresses, file paths, registry keys and
//! finally domain names. Anything else is [`IocType::Unknown`].

use std::net::IpAddr;
use std::sync::OnceLock;

use huntbook_data::IocType;
use regex::Regex;

/// The indicator type of a value.
///
/// ```
/// use huntbook_data::IocType;
/// use huntbook_enrich::ti::detect;
///
/// assert_eq!(detect("198.51.100.7"), IocType::Ipv4);
/// assert_eq!(detect("d41d8cd98f00b204e9800998ecf8427e"), IocType::Md5);
/// assert_eq!(detect("https://example.com/a"), IocType::Url);
/// assert_eq!(detect("evil.example.com"), IocType::Dns);
/// ```
pub fn detect(value: &str) -> IocType {
    let text = value.trim();
    if text.is_empty() {
        return IocType::Unknown;
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return if ip.is_ipv4() {
            IocType::Ipv4
        } else {
            IocType::Ipv6
        };
    }
    if text.parse::<ipnet::IpNet>().is_ok() {
        return IocType::Cidr;
    }
    if let Some(kind) = hash_type(text) {
        return kind;
    }
    patterns()
        .iter()
        .find(|(_, pattern)| pattern.is_match(text))
        .map(|(kind, _)| *kind)
        .unwrap_or(IocType::Unknown)
}

fn hash_type(text: &str) -> Option<IocType> {
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match text.len() {
        32 => Some(IocType::Md5),
        40 => Some(IocType::Sha1),
        64 => Some(IocType::Sha256),
        128 => Some(IocType::Sha512),
        _ => None,
    }
}

fn patterns() -> &'static [(IocType, Regex)] {
    static PATTERNS: OnceLock<Vec<(IocType, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let table = [
            (
                IocType::Url,
                r"^(?i)(https?|ftp|hxxps?)://[^\s/$.?#][^\s]*$",
            ),
            (
                IocType::Email,
                r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$",
            ),
            (IocType::Cve, r"^(?i)CVE-\d{4}-\d{4,}$"),
            (IocType::AttackTechnique, r"^(?i)T\d{4}(\.\d{3})?$"),
            (IocType::Asn, r"^(?i)AS\d{1,10}$"),
            (
                IocType::MacAddress,
                r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$",
            ),
            (
                IocType::RegistryKey,
                r"^(?i)(HKLM|HKCU|HKU|HKCR|HKCC|HKEY_[A-Z_]+)\\",
            ),
            (
                IocType::WindowsPath,
                r#"^([A-Za-z]:|\\\\[^\\]+)\\[^<>:"|?*]*$"#,
            ),
            (IocType::LinuxPath, r"^/[^\x00\s]*[^/\s]$"),
            (
                IocType::Dns,
                r"^(?i)([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{0,61}[a-z0-9]$",
            ),
        ];
        table
            .into_iter()
            .filter_map(|(kind, pattern)| match Regex::new(pattern) {
                Ok(regex) => Some((kind, regex)),
                Err(error) => {
                    tracing::warn!(%error, kind = %kind, "IoC pattern does not compile");
                    None
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_type() {
        let cases = [
            ("203.0.113.9", IocType::Ipv4),
            ("2001:db8::5", IocType::Ipv6),
            ("198.51.100.0/24", IocType::Cidr),
            ("da39a3ee5e6b4b0d3255bfef95601890afd80709", IocType::Sha1),
            (
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                IocType::Sha256,
            ),
            ("http://malware.example.test/x.exe", IocType::Url),
            ("admin@example.com", IocType::Email),
            ("CVE-2021-44228", IocType::Cve),
            ("T1059.001", IocType::AttackTechnique),
            ("AS13335", IocType::Asn),
            ("00:1A:2b:3c:4d:5e", IocType::MacAddress),
            (r"HKLM\Software\Run", IocType::RegistryKey),
            (r"C:\Windows\System32\cmd.exe", IocType::WindowsPath),
            ("/usr/bin/curl", IocType::LinuxPath),
            ("bad-domain.example.test", IocType::Dns),
            ("hello world", IocType::Unknown),
            ("", IocType::Unknown),
        ];
        for (value, expected) in cases {
            assert_eq!(detect(value), expected, "{value}");
        }
    }
}
