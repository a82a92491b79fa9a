//! The scanning regex: one multi-pattern regex of coarse token shapes, compiled once, run once over the
//! text.
//!
//! Each alternative is one pattern ([`Kind`]); the first pattern that matches at the
//! leftmost position wins, so the order of [`Kind::ORDER`] is the priority when two shapes start
//! at the same byte (a URL beats the domain inside it, a hex run of 32+ digits beats a domain).
//! The patterns are deliberately loose (a run of hex digits, a run of colon-separated groups);
//! `classify` decides what each token really is. Everything is ASCII-explicit and uses no
//! counted repetitions that would blow up the lazy DFA.

use regex_automata::meta::Regex as MetaRegex;
use regex_automata::{Input, util::syntax};

use huntbook_data::IocType;

use super::IocError;

/// A token shape: one pattern of the multi-pattern regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// scheme `://` …
    Url,
    /// user `@` domain.
    Email,
    /// HKLM\… and friends.
    Registry,
    /// `C:\…`, `\\server\…`, `..\…`, `%APPDATA%\…`.
    WindowsPath,
    /// Dash- or dot-separated MAC addresses (colon ones come as [`Kind::Colon`]).
    Mac,
    /// Colon-separated hex groups: IPv6, IPv6 CIDR or a colon MAC address.
    Colon,
    /// A run of 32 or more hex digits.
    Hash,
    /// Dotted labels ending in an alphabetic TLD.
    Dns,
    /// Dotted quad, maybe with a `/prefix`.
    Ipv4,
    /// Base58 or bech32 bitcoin address.
    Bitcoin,
    /// CVE-yyyy-nnnn.
    Cve,
    /// T1059 / T1059.001.
    Attack,
    /// AS13335.
    Asn,
    /// `/a/b`, `./a`, `~/a`.
    LinuxPath,
}

impl Kind {
    /// Alternation order, highest priority first.
    pub(crate) const ORDER: [Kind; 14] = [
        Kind::Url,
        Kind::Email,
        Kind::Registry,
        Kind::WindowsPath,
        Kind::Mac,
        Kind::Colon,
        Kind::Hash,
        Kind::Dns,
        Kind::Ipv4,
        Kind::Bitcoin,
        Kind::Cve,
        Kind::Attack,
        Kind::Asn,
        Kind::LinuxPath,
    ];

    /// The IoC types a token of this shape can turn into.
    pub(crate) fn types(self) -> &'static [IocType] {
        match self {
            Kind::Url => &[IocType::Url],
            Kind::Email => &[IocType::Email],
            Kind::Registry => &[IocType::RegistryKey],
            Kind::WindowsPath => &[IocType::WindowsPath],
            Kind::Mac => &[IocType::MacAddress],
            Kind::Colon => &[IocType::Ipv6, IocType::Cidr, IocType::MacAddress],
            Kind::Hash => &[
                IocType::Md5,
                IocType::Sha1,
                IocType::Sha256,
                IocType::Sha512,
            ],
            Kind::Dns => &[IocType::Dns],
            Kind::Ipv4 => &[IocType::Ipv4, IocType::Cidr],
            Kind::Bitcoin => &[IocType::Bitcoin],
            Kind::Cve => &[IocType::Cve],
            Kind::Attack => &[IocType::AttackTechnique],
            Kind::Asn => &[IocType::Asn],
            Kind::LinuxPath => &[IocType::LinuxPath],
        }
    }

    /// Containers are scanned again inside for the indicators they hold (a URL's host, an
    /// e-mail's domain, a hash in a file name).
    pub(crate) fn is_container(self) -> bool {
        matches!(
            self,
            Kind::Url | Kind::Email | Kind::Registry | Kind::WindowsPath | Kind::LinuxPath
        )
    }

    /// The shapes that may be found inside a container.
    pub(crate) fn allowed_inside(self) -> bool {
        !matches!(self, Kind::Registry | Kind::WindowsPath | Kind::LinuxPath)
    }

    /// The pattern for this shape.
    fn pattern(self, defanged: bool) -> String {
        let dot = if defanged { DOT_DEFANGED } else { r"\." };
        let at = if defanged { AT_DEFANGED } else { "@" };
        let sep = if defanged { SEP_DEFANGED } else { "://" };
        let domain = format!(r"(?:{LABEL}{dot})+{TLD}");
        match self {
            Kind::Url => format!(r"{SCHEME}{sep}{URL_CHAR}+"),
            Kind::Email => format!(r"{EMAIL_USER}+{at}{domain}"),
            Kind::Registry => {
                format!(r"(?-u:\b){HIVE}:?(?:\\+{REG_SEG}(?: {REG_SEG})*)*\\+{REG_SEG}\\?")
            }
            Kind::WindowsPath => {
                format!(r"{WIN_ROOT}(?:\\+{WIN_SEG}(?: {WIN_SEG})*)*\\+{WIN_SEG}")
            }
            Kind::Mac => MAC_OTHER.to_string(),
            Kind::Colon => COLON_RUN.to_string(),
            Kind::Hash => "[0-9A-Fa-f]{32,}".to_string(),
            Kind::Dns => domain,
            Kind::Ipv4 => format!(r"[0-9]{{1,3}}(?:{dot}[0-9]{{1,3}}){{3}}(?:/[0-9]{{1,2}})?"),
            Kind::Bitcoin => BITCOIN.to_string(),
            Kind::Cve => r"(?-u:\b)(?i-u:cve)[-_][0-9]{4}[-_][0-9]{4,7}(?-u:\b)".to_string(),
            Kind::Attack => r"(?-u:\b)T[0-9]{4}(?:\.[0-9]{3})?(?-u:\b)".to_string(),
            Kind::Asn => r"(?-u:\b)AS(?:N ?)?[0-9]{1,10}(?-u:\b)".to_string(),
            Kind::LinuxPath => format!(
                r"(?:\.{{1,2}}|~)?(?:/{LIN_SEG}){{2,}}|(?:\.{{1,2}}|~)/{LIN_SEG}(?:/{LIN_SEG})*"
            ),
        }
    }
}

/// A dot, or one of its defanged spellings.
const DOT_DEFANGED: &str =
    r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[(?i-u:dot)\]|\((?i-u:dot)\)|\{(?i-u:dot)\})";
/// An at sign, or one of its defanged spellings (bracketed words may carry one space each side).
const AT_DEFANGED: &str =
    r"(?:@|\[@\]|\(@\)|\{@\}| ?\[(?i-u:at)\] ?| ?\((?i-u:at)\) ?| ?\{(?i-u:at)\} ?)";
/// The `://` after a URL scheme, or a defanged spelling.
const SEP_DEFANGED: &str = r"(?:://|\[://\]|\[:\]//|\(://\)|\[:/\]/)";
/// URL schemes, with the defanged `hxxp`, `h[xx]p` and `fxp`.
const SCHEME: &str = r"(?i-u:https?|hxxps?|h\[xx\]ps?|s?ftps?|s?fxps?|telnet|ldap|file)";
/// A character that may appear in a URL after the scheme (quotes, spaces and angle brackets end
/// it, as they do in logs and mail).
const URL_CHAR: &str = r#"[^\s"'<>\\^|`]"#;
/// RFC 5322 "atext" plus dots, less `'`, `=` and `/`: in logs they quote an address or join
/// it to a key (`from=bob@x.org` is bob's address).
const EMAIL_USER: &str = r"[A-Za-z0-9.!#$%&*+?^_`{|}~-]";
/// A DNS label (hyphens inside only, so punycode `xn--` labels pass).
const LABEL: &str = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
/// An alphabetic TLD or a punycode one (checked against the IANA list later).
const TLD: &str = r"(?:[A-Za-z]{2,63}|(?i-u:xn--)[A-Za-z0-9-]+)";
/// Registry hive names, long and short.
const HIVE: &str = r"(?i-u:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKEY_PERFORMANCE_DATA|HKLM|HKCU|HKCR|HKU|HKCC)";
/// One registry key name (spaces are allowed inside non-final keys).
const REG_SEG: &str = r#"[^\\\s"'<>|*?:]+"#;
/// Windows path roots: drive, UNC host, `.`/`..`, or an environment variable.
const WIN_ROOT: &str = r"(?:[A-Za-z]:|\\\\[A-Za-z0-9_.$-]+|\.{1,2}|%[A-Za-z_][A-Za-z0-9_]*%)";
/// One Windows path component (spaces are allowed inside folders, not in the file name).
const WIN_SEG: &str = r#"[^\\/:*?"'<>|\s]+"#;
/// One Linux path component.
const LIN_SEG: &str = r#"[^/\\:*?"'<>|\s,;()\[\]{}]+"#;
/// MAC addresses written with dashes or Cisco dots.
const MAC_OTHER: &str = r"(?-u:\b)(?:[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?-u:\b)";
/// Colon-separated hex groups that can be an IPv6 address or a MAC: six to eight groups, or
/// any run with a `::` in it (so times of day such as `12:30:01` are never candidates), maybe
/// with a `/prefix`.
const COLON_RUN: &str = concat!(
    r"(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){5,7}",
    r"|(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?::(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})?)",
    r"(?:/[0-9]{1,3})?"
);
/// Base58 P2PKH/P2SH or bech32 segwit addresses (checksums are verified later).
const BITCOIN: &str = r"(?-u:\b)(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?i-u:bc1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,71})(?-u:\b)";

/// A compiled multi-pattern regex over some shapes: one pattern per [`Kind`], in priority order,
/// searched together in one pass (the lazy DFA reports which pattern matched, so no capture
/// groups are needed).
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    pub(crate) regex: MetaRegex,
    /// The kind of each pattern, by pattern index.
    pub(crate) kinds: Vec<Kind>,
}

impl Scanner {
    /// Compiles `kinds` (in [`Kind::ORDER`] order); `None` when empty.
    pub(crate) fn build(kinds: &[Kind], defanged: bool) -> Result<Option<Scanner>, IocError> {
        let kinds: Vec<Kind> = Kind::ORDER
            .into_iter()
            .filter(|k| kinds.contains(k))
            .collect();
        if kinds.is_empty() {
            return Ok(None);
        }
        let patterns: Vec<String> = kinds.iter().map(|k| k.pattern(defanged)).collect();
        let regex = MetaRegex::builder()
            .syntax(syntax::Config::new().utf8(false))
            .configure(
                MetaRegex::config()
                    .utf8_empty(false)
                    .nfa_size_limit(Some(64 << 20))
                    .dfa_size_limit(Some(64 << 20)),
            )
            .build_many(&patterns)
            .map_err(|source| IocError::Pattern {
                source: Box::new(source),
            })?;
        Ok(Some(Scanner { regex, kinds }))
    }

    /// The next token in `haystack[from..to]` (look-around sees the whole haystack).
    pub(crate) fn next(
        &self,
        haystack: &[u8],
        from: usize,
        to: usize,
    ) -> Option<(Kind, usize, usize)> {
        let input = Input::new(haystack).range(from..to);
        let m = self.regex.search(&input)?;
        let kind = *self.kinds.get(m.pattern().as_usize())?;
        Some((kind, m.start(), m.end()))
    }
}

/// Where the domain of a matched e-mail address starts: after its (maybe defanged) at sign.
pub(crate) fn email_domain_start(email: &str) -> Option<usize> {
    let bytes = email.as_bytes();
    let at = bytes.iter().rposition(|&b| b == b'@').map(|i| (i, i + 1));
    let lower = email.to_ascii_lowercase();
    let word = lower.rmatch_indices("at").map(|(i, _)| i).find(|&i| {
        let before = i.checked_sub(1).map(|j| bytes[j]);
        let after = bytes.get(i + 2).copied();
        matches!(before, Some(b'[' | b'(' | b'{')) && matches!(after, Some(b']' | b')' | b'}'))
    });
    let word = word.map(|i| (i, i + 2));
    let (_, end) = match (at, word) {
        (Some(a), Some(w)) => a.max(w),
        (a, w) => a.or(w)?,
    };
    let closed = usize::from(matches!(bytes.get(end), Some(b']' | b')' | b'}')));
    let spaced = usize::from(bytes.get(end + closed) == Some(&b' '));
    Some(end + closed + spaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_found(text: &str) -> Vec<(Kind, String)> {
        let scanner = Scanner::build(&Kind::ORDER, true).unwrap().unwrap();
        let mut at = 0;
        let mut found = Vec::new();
        while let Some((kind, start, end)) = scanner.next(text.as_bytes(), at, text.len()) {
            found.push((kind, text[start..end].to_string()));
            at = end.max(at + 1);
        }
        found
    }

    #[test]
    fn every_shape_compiles_and_matches() {
        let found = kinds_found(
            "hxxps://evil[.]com/a bob@x.org HKLM\\Software\\Run C:\\Temp\\a.exe \
             00-1A-2B-3C-4D-5E fe80::1 d41d8cd98f00b204e9800998ecf8427e news.ycombinator.com \
             10.0.0.0/8 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2 CVE-2021-44228 T1059.001 AS13335 \
             /usr/bin/curl",
        );
        let kinds: Vec<Kind> = found.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::Url,
                Kind::Email,
                Kind::Registry,
                Kind::WindowsPath,
                Kind::Mac,
                Kind::Colon,
                Kind::Hash,
                Kind::Dns,
                Kind::Ipv4,
                Kind::Bitcoin,
                Kind::Cve,
                Kind::Attack,
                Kind::Asn,
                Kind::LinuxPath
            ],
            "{found:?}"
        );
    }

    #[test]
    fn email_domains() {
        fn domain(e: &str) -> Option<&str> {
            email_domain_start(e).map(|i| &e[i..])
        }
        assert_eq!(domain("bob@x.org"), Some("x.org"));
        assert_eq!(domain("bob[@]x.org"), Some("x.org"));
        assert_eq!(domain("bob [at] x.org"), Some("x.org"));
        assert_eq!(domain("cat(AT)flat[.]org"), Some("flat[.]org"));
    }

    #[test]
    fn registry_keys_keep_inner_spaces_but_not_trailing_words() {
        let found = kinds_found(r"set HKLM\Software\Microsoft\Windows NT\CurrentVersion now");
        assert_eq!(
            found[0].1,
            r"HKLM\Software\Microsoft\Windows NT\CurrentVersion"
        );
    }
}
