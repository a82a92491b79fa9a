//! The scanning loop: run the combined regex once over the text, classify each token, and look
//! inside containers (URLs, e-mail addresses, paths, registry keys) for the indicators they hold.
//!
//! Each token is classified by the validator for its shape (`classify`). A token that fails
//! validation is dropped, and scanning resumes where something real may still start (after the
//! last colon of a rejected colon run, so `::ffff:192.0.2.128` still yields its IPv4 address;
//! inside a rejected path, so `host/1.2.3.4/x` still yields the address).

use std::net::IpAddr;

use huntbook_data::IocType;

use super::classify::{self, IpClass};
use super::patterns::{Kind, Scanner, email_domain_start};
use super::refang::refang_value;
use super::{Ioc, IocExtractor};

/// How deep containers are searched inside containers (a URL in a URL's query string …).
const MAX_DEPTH: u8 = 3;

/// One scan over one text, collecting into `out`.
pub(crate) struct Scan<'a> {
    ex: &'a IocExtractor,
    text: &'a str,
    pub(crate) out: Vec<Ioc>,
    /// Where findings go as each top-level token is done, instead of waiting in `out`.
    sink: Option<&'a mut dyn FnMut(Ioc)>,
}

/// A token the regex found.
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(ex: &'a IocExtractor, text: &'a str) -> Self {
        Scan {
            ex,
            text,
            out: Vec::new(),
            sink: None,
        }
    }

    /// Scans the whole text with the full scanner.
    pub(crate) fn run(mut self) -> Vec<Ioc> {
        let ex = self.ex;
        if let Some(full) = &ex.full {
            self.region(full, 0, self.text.len(), 0);
        }
        sort_by_position(&mut self.out);
        self.out
    }

    /// Scans the whole text and hands each finding to `sink`, in the order [`Scan::run`]
    /// returns them, without holding them all.
    ///
    /// Findings are sorted one top-level token at a time. That is the same order as one sort
    /// of everything: a token's findings lie inside its span, and the scan resumes after that
    /// span, so findings of later tokens start later.
    pub(crate) fn for_each(mut self, sink: &'a mut dyn FnMut(Ioc)) {
        self.sink = Some(sink);
        let ex = self.ex;
        if let Some(full) = &ex.full {
            self.region(full, 0, self.text.len(), 0);
        }
        self.flush();
    }

    /// Passes the findings so far to the sink, if there is one.
    fn flush(&mut self) {
        if let Some(sink) = self.sink.as_mut() {
            sort_by_position(&mut self.out);
            for ioc in self.out.drain(..) {
                sink(ioc);
            }
        }
    }

    /// Scans `text[from..to]` with `scanner`.
    fn region(&mut self, scanner: &Scanner, from: usize, to: usize, depth: u8) {
        let text = self.text;
        let mut cursor = scanner.cursor(text.as_bytes(), to);
        let mut at = from;
        while at < to {
            let Some((kind, start, end)) = cursor.next(at) else {
                break;
            };
            // Every pattern starts with an ASCII byte and its classes match whole characters,
            // so spans fall on character boundaries; the check keeps a slip from panicking.
            if !(self.text.is_char_boundary(start) && self.text.is_char_boundary(end)) {
                at = end.max(at + 1);
                while at < to && !self.text.is_char_boundary(at) {
                    at += 1;
                }
                continue;
            }
            let resume = self.token(&Token { kind, start, end }, depth);
            if depth == 0 && !self.out.is_empty() {
                self.flush();
            }
            at = resume.max(start + 1);
        }
    }

    /// Classifies one token; returns where scanning resumes.
    fn token(&mut self, t: &Token, depth: u8) -> usize {
        match t.kind {
            Kind::Url => self.url(t, depth),
            Kind::Email => self.email(t, depth),
            Kind::Registry => self.container(t, IocType::RegistryKey, depth),
            Kind::WindowsPath | Kind::LinuxPath => self.path(t, depth),
            Kind::Mac => self.simple(t, IocType::MacAddress, |s| Some(s.to_ascii_lowercase())),
            Kind::Colon => self.colon(t),
            Kind::Hash => self.hash(t),
            Kind::Dns => self.dns(t.start, t.end),
            Kind::Ipv4 => self.ipv4(t),
            Kind::Bitcoin => self.simple(t, IocType::Bitcoin, |s| {
                classify::is_bitcoin(s).then(|| s.into())
            }),
            Kind::Cve => self.simple(t, IocType::Cve, |s| Some(classify::normalise_cve(s))),
            Kind::Attack => self.simple(t, IocType::AttackTechnique, |s| Some(s.into())),
            Kind::Asn => self.simple(t, IocType::Asn, classify::normalise_asn),
        }
    }

    fn url(&mut self, t: &Token, depth: u8) -> usize {
        let end = t.start + trim_url_end(&self.text[t.start..t.end]);
        let raw = &self.text[t.start..end];
        let (value, defanged) = refang_value(raw, true);
        let body = t.start + body_offset(raw);
        let first = self.out.len();
        let encoded = (self.ex.options.decode_urls && has_encoded_url(raw)).then(|| value.clone());
        self.push(IocType::Url, t.start, end, value, defanged, None);
        let ex = self.ex;
        if depth < MAX_DEPTH
            && let Some(inner) = &ex.inner
        {
            self.region(inner, body, end, depth + 1);
        }
        if let Some(value) = encoded {
            self.decoded_url(&value, (t.start, end), defanged, first);
        }
        end
    }

    /// URLs percent-encoded inside a URL are reported with the outer URL's span.
    /// `first` is where this URL's own findings start in `out` (only those are checked for
    /// repeats, so many encoded URLs stay linear).
    fn decoded_url(&mut self, value: &str, span: (usize, usize), defanged: bool, first: usize) {
        let (start, end) = span;
        let decoded = percent_decode(value);
        let ex = self.ex;
        let Some(inner) = ex.inner.as_ref() else {
            return;
        };
        let mut nested = Scan::new(self.ex, &decoded);
        let body = body_offset(&decoded);
        nested.region(inner, body, decoded.len(), MAX_DEPTH);
        for mut ioc in nested.out {
            let seen = self.out[first..]
                .iter()
                .any(|o| o.ioc_type == ioc.ioc_type && o.value == ioc.value);
            if ioc.ioc_type == IocType::Url && !seen {
                (ioc.start, ioc.end, ioc.defanged) = (start, end, ioc.defanged || defanged);
                self.out.push(ioc);
            }
        }
    }

    fn email(&mut self, t: &Token, depth: u8) -> usize {
        let Some(offset) = email_domain_start(&self.text[t.start..t.end]) else {
            return t.end;
        };
        let (dom_start, dom_end) = (t.start + offset, t.end);
        let (domain, domain_defanged) = refang_value(&self.text[dom_start..dom_end], false);
        if !self.tld_ok(&domain) {
            return t.end;
        }
        let (value, defanged) = refang_value(&self.text[t.start..t.end], false);
        self.push(IocType::Email, t.start, t.end, value, defanged, None);
        if depth <= MAX_DEPTH {
            let mut domain = domain;
            domain.make_ascii_lowercase();
            self.push(
                IocType::Dns,
                dom_start,
                dom_end,
                domain,
                domain_defanged,
                None,
            );
        }
        t.end
    }

    /// Registry keys: reported as written, then searched inside.
    fn container(&mut self, t: &Token, ioc_type: IocType, depth: u8) -> usize {
        let end = t.start + trim_path_end(&self.text[t.start..t.end]);
        let value = self.text[t.start..end].to_string();
        self.push(ioc_type, t.start, end, value, false, None);
        self.inside(t.start, end, depth);
        end
    }

    /// Paths must start at a word boundary (`and/or/maybe` and `12/03/2026` are not paths);
    /// a rejected path is still searched inside.
    fn path(&mut self, t: &Token, depth: u8) -> usize {
        let ioc_type = if t.kind == Kind::WindowsPath {
            IocType::WindowsPath
        } else {
            IocType::LinuxPath
        };
        let glued = self.text[..t.start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        if glued {
            self.inside(t.start, t.end, depth);
            return t.end;
        }
        self.container(t, ioc_type, depth)
    }

    fn inside(&mut self, start: usize, end: usize, depth: u8) {
        let ex = self.ex;
        if depth < MAX_DEPTH
            && let Some(inner) = &ex.inner
        {
            self.region(inner, start, end, depth + 1);
        }
    }

    /// A colon run is a MAC address, an IPv6 address or network, or nothing.
    fn colon(&mut self, t: &Token) -> usize {
        let raw = &self.text[t.start..t.end];
        let reject = t.start + raw.rfind(':').map_or(raw.len(), |i| i + 1);
        let (addr_end, prefix) = match raw.find('/') {
            Some(i) => (t.start + i, Some(&raw[i + 1..])),
            None => (t.end, None),
        };
        let addr = &self.text[t.start..addr_end];
        if self.colon_run_glued(t) {
            return reject;
        }
        match (classify::classify_colon_run(addr), prefix) {
            (Some(IocType::MacAddress), None) => {
                let value = addr.to_ascii_lowercase();
                self.push(IocType::MacAddress, t.start, addr_end, value, false, None);
            }
            (Some(IocType::Ipv6), prefix) => self.ipv6(addr, t.start, addr_end, prefix, t.end),
            _ => return reject,
        }
        t.end
    }

    /// A colon run glued to a word, a dot or a longer run is not an address (`ab:cd::1`,
    /// `::ffff:1.2.3.4`); a single `:` after a word is fine (`Host:2001:db8::1`).
    fn colon_run_glued(&self, t: &Token) -> bool {
        let mut before = self.text[..t.start].chars().rev();
        let glued = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == ':';
        let blocked_before = match before.next() {
            Some(':') => before
                .next()
                .is_some_and(|c| c.is_ascii_hexdigit() || c == ':'),
            Some(c) => glued(c),
            None => false,
        };
        blocked_before || self.text[t.end..].chars().next().is_some_and(glued)
    }

    fn ipv6(
        &mut self,
        addr: &str,
        start: usize,
        addr_end: usize,
        prefix: Option<&str>,
        end: usize,
    ) {
        let Ok(ip) = addr.parse::<std::net::Ipv6Addr>() else {
            return;
        };
        let class = Some(IpClass::of(IpAddr::V6(ip)));
        let value = addr.to_ascii_lowercase();
        let cidr = prefix
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| *p <= 128);
        match cidr {
            Some(p) if self.ex.enabled(IocType::Cidr) => {
                self.push(
                    IocType::Cidr,
                    start,
                    end,
                    format!("{value}/{p}"),
                    false,
                    class,
                );
            }
            _ => self.push(IocType::Ipv6, start, addr_end, value, false, class),
        }
    }

    fn hash(&mut self, t: &Token) -> usize {
        let glued = self.text[..t.start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_hexdigit());
        if let Some(ioc_type) = classify::hash_type(t.end - t.start).filter(|_| !glued) {
            let value = self.text[t.start..t.end].to_ascii_lowercase();
            self.push(ioc_type, t.start, t.end, value, false, None);
        }
        t.end
    }

    fn dns(&mut self, start: usize, end: usize) -> usize {
        let (mut value, defanged) = refang_value(&self.text[start..end], false);
        if self.tld_ok(&value) {
            value.make_ascii_lowercase();
            self.push(IocType::Dns, start, end, value, defanged, None);
        }
        end
    }

    /// A dotted quad (maybe with `/prefix`), not part of a longer run of dotted numbers.
    fn ipv4(&mut self, t: &Token) -> usize {
        let raw = &self.text[t.start..t.end];
        let after = &self.text[t.end..];
        let longer = after.starts_with(|c: char| c.is_ascii_digit())
            || (after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit()));
        let (addr_raw, prefix) = match raw.find('/') {
            Some(i) => (&raw[..i], Some(&raw[i + 1..])),
            None => (raw, None),
        };
        let (addr, defanged) = refang_value(addr_raw, false);
        let Some(ip) = classify::parse_ipv4(&addr).filter(|_| !longer) else {
            return t.end;
        };
        let class = Some(IpClass::of(IpAddr::V4(ip)));
        let cidr = prefix
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| *p <= 32);
        match cidr {
            Some(p) if self.ex.enabled(IocType::Cidr) => {
                self.push(
                    IocType::Cidr,
                    t.start,
                    t.end,
                    format!("{addr}/{p}"),
                    defanged,
                    class,
                );
            }
            _ => {
                let end = t.start + addr_raw.len();
                self.push(IocType::Ipv4, t.start, end, addr, defanged, class);
            }
        }
        t.end
    }

    fn simple(
        &mut self,
        t: &Token,
        ioc_type: IocType,
        f: impl Fn(&str) -> Option<String>,
    ) -> usize {
        if let Some(value) = f(&self.text[t.start..t.end]) {
            self.push(ioc_type, t.start, t.end, value, false, None);
        }
        t.end
    }

    fn tld_ok(&self, domain: &str) -> bool {
        self.ex.options.ignore_tlds || self.ex.tlds.is_valid_domain(domain)
    }

    /// Records one indicator unless its type is off or its value is on the ignore list.
    fn push(
        &mut self,
        ioc_type: IocType,
        start: usize,
        end: usize,
        value: String,
        defanged: bool,
        ip_class: Option<IpClass>,
    ) {
        if !self.ex.enabled(ioc_type) {
            return;
        }
        let ignore = &self.ex.options.ignore;
        if !ignore.is_empty() && ignore.contains(&value.to_lowercase()) {
            return;
        }
        self.out.push(Ioc {
            ioc_type,
            value,
            start,
            end,
            defanged,
            ip_class,
        });
    }
}

/// Position order: by start, and a container before what it holds (stable, so equal spans
/// keep the order they were found in).
fn sort_by_position(iocs: &mut [Ioc]) {
    iocs.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
}

/// Where a URL's authority starts: after the scheme and its (maybe defanged) `://`.
fn body_offset(url: &str) -> usize {
    let Some(first) = url.find('/') else {
        return url.len();
    };
    first
        + url[first..]
            .bytes()
            .take_while(|b| matches!(b, b'/' | b']' | b')'))
            .count()
}

/// The length of a URL once trailing punctuation (and unbalanced closing brackets) is cut.
fn trim_url_end(url: &str) -> usize {
    let mut end = url.len();
    while let Some(last) = url[..end].chars().next_back() {
        let unbalanced = |open: char, close: char| {
            last == close && url[..end].matches(close).count() > url[..end].matches(open).count()
        };
        let cut = ".,;:!?".contains(last)
            || unbalanced('(', ')')
            || unbalanced('[', ']')
            || unbalanced('{', '}');
        if !cut {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

/// The length of a path once trailing sentence punctuation is cut.
fn trim_path_end(path: &str) -> usize {
    path.trim_end_matches(['.', ',', ';']).len().max(1)
}

fn has_encoded_url(url: &str) -> bool {
    url.len() > 9 && url.contains('%') && url.to_ascii_lowercase().contains("%3a%2f%2f")
}

/// Decodes `%XX` escapes (bad escapes are kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_helpers() {
        assert_eq!(body_offset("https://a.b/c"), 8);
        assert_eq!(body_offset("hxxps[://]a.b"), 10);
        assert_eq!(trim_url_end("http://a.b/c)."), "http://a.b/c".len());
        assert_eq!(trim_url_end("http://a.b/c_(x)"), "http://a.b/c_(x)".len());
        assert_eq!(percent_decode("http%3A%2F%2Fx.com%zz"), "http://x.com%zz");
        assert!(has_encoded_url("http://a.b/?u=http%3a%2F%2Fc.d"));
    }
}
