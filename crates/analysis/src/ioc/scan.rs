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
use super::refang::refang_into;
use super::{Ioc, IocExtractor};

/// How deep containers are searched inside containers (a URL in a URL's query string …).
const MAX_DEPTH: u8 = 3;

/// One finding as the scan hands it on: an [`Ioc`] whose value is borrowed from the scan's
/// value buffer (no allocation per finding).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Finding<'v> {
    pub(crate) ioc_type: IocType,
    pub(crate) value: &'v str,
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) defanged: bool,
    pub(crate) ip_class: Option<IpClass>,
}

impl Finding<'_> {
    pub(crate) fn to_ioc(self) -> Ioc {
        Ioc {
            ioc_type: self.ioc_type,
            value: self.value.to_string(),
            start: self.start,
            end: self.end,
            defanged: self.defanged,
            ip_class: self.ip_class,
        }
    }
}

/// A finding waiting in [`Scan::out`]: its value is `values[value.0..value.1]`.
#[derive(Debug, Clone, Copy)]
struct Pending {
    ioc_type: IocType,
    value: (usize, usize),
    start: usize,
    end: usize,
    defanged: bool,
    ip_class: Option<IpClass>,
}

/// One scan over one text. Findings wait in `out`, their values in `values`, until the
/// top-level token they belong to is done; then they go to the sink in position order.
pub(crate) struct Scan<'a, 's> {
    ex: &'a IocExtractor,
    text: &'a str,
    out: Vec<Pending>,
    values: String,
    sink: &'s mut dyn FnMut(Finding<'_>),
}

/// A token the regex found.
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Every indicator in `text`, in position order (a container before what it holds).
pub(crate) fn collect(ex: &IocExtractor, text: &str) -> Vec<Ioc> {
    let mut found = Vec::new();
    for_each(ex, text, &mut |f| found.push(f.to_ioc()));
    found
}

/// Scans the whole text and hands each finding to `sink`, in position order, without holding
/// them all.
///
/// Findings are sorted one top-level token at a time. That is the same order as one sort of
/// everything: a token's findings lie inside its span, and the scan resumes after that span,
/// so findings of later tokens start later.
pub(crate) fn for_each(ex: &IocExtractor, text: &str, sink: &mut dyn FnMut(Finding<'_>)) {
    for_each_in(ex, text, &mut Buffers::default(), sink);
}

/// A scan's working buffers, kept between texts so that scanning many short cells allocates
/// once.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    out: Vec<Pending>,
    values: String,
}

/// [`for_each`] with `buffers` lent to the scan (they come back empty).
pub(crate) fn for_each_in(
    ex: &IocExtractor,
    text: &str,
    buffers: &mut Buffers,
    sink: &mut dyn FnMut(Finding<'_>),
) {
    let mut scan = Scan {
        ex,
        text,
        out: std::mem::take(&mut buffers.out),
        values: std::mem::take(&mut buffers.values),
        sink,
    };
    if let Some(full) = &ex.full {
        scan.region(full, 0, text.len(), 0);
    }
    scan.flush();
    buffers.out = scan.out;
    buffers.values = scan.values;
}

impl<'a> Scan<'a, '_> {
    /// Passes the findings so far to the sink, in position order, and empties the buffers.
    fn flush(&mut self) {
        if self.out.is_empty() {
            self.values.clear();
            return;
        }
        sort_by_position(&mut self.out);
        for p in &self.out {
            (self.sink)(Finding {
                ioc_type: p.ioc_type,
                value: stored(&self.values, p.value),
                start: p.start,
                end: p.end,
                defanged: p.defanged,
                ip_class: p.ip_class,
            });
        }
        self.out.clear();
        self.values.clear();
    }

    /// The value stored at `at` in the value buffer.
    fn value(&self, at: (usize, usize)) -> &str {
        stored(&self.values, at)
    }

    /// Refangs `text[start..end]` into the value buffer: where it lies there, and whether it
    /// was defanged.
    fn refanged(&mut self, (start, end): (usize, usize), url: bool) -> ((usize, usize), bool) {
        let from = self.values.len();
        let raw = self.text.get(start..end).unwrap_or_default();
        let defanged = refang_into(raw, url, &mut self.values);
        ((from, self.values.len()), defanged)
    }

    /// Appends `value` to the value buffer; returns where it lies there.
    fn append(&mut self, value: &str) -> (usize, usize) {
        let from = self.values.len();
        self.values.push_str(value);
        (from, self.values.len())
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
            if depth == 0 {
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
        let (value, defanged) = self.refanged((t.start, end), true);
        let body = t.start + body_offset(raw);
        let first = self.out.len();
        let encoded = self.ex.options.decode_urls && has_encoded_url(raw);
        self.push(IocType::Url, (t.start, end), value, defanged, None);
        let ex = self.ex;
        if depth < MAX_DEPTH
            && let Some(inner) = &ex.inner
        {
            self.region(inner, body, end, depth + 1);
        }
        if encoded {
            let decoded = percent_decode(self.value(value));
            self.decoded_url(&decoded, (t.start, end), defanged, first);
        }
        end
    }

    /// URLs percent-encoded inside a URL are reported with the outer URL's span.
    /// `first` is where this URL's own findings start in `out` (only those are checked for
    /// repeats, so many encoded URLs stay linear).
    fn decoded_url(&mut self, decoded: &str, span: (usize, usize), defanged: bool, first: usize) {
        let (start, end) = span;
        let ex = self.ex;
        let Some(inner) = ex.inner.as_ref() else {
            return;
        };
        let mut urls = Vec::new();
        let mut keep = |f: Finding<'_>| {
            if f.ioc_type == IocType::Url {
                urls.push((f.value.to_string(), f.defanged));
            }
        };
        let mut nested = Scan {
            ex,
            text: decoded,
            out: Vec::new(),
            values: String::new(),
            sink: &mut keep,
        };
        nested.region(inner, body_offset(decoded), decoded.len(), MAX_DEPTH);
        nested.flush();
        for (url, url_defanged) in urls {
            let seen = self.out[first..]
                .iter()
                .any(|o| o.ioc_type == IocType::Url && self.value(o.value) == url);
            if !seen {
                let value = self.append(&url);
                let defanged = url_defanged || defanged;
                self.push(IocType::Url, (start, end), value, defanged, None);
            }
        }
    }

    fn email(&mut self, t: &Token, depth: u8) -> usize {
        let Some(offset) = email_domain_start(&self.text[t.start..t.end]) else {
            return t.end;
        };
        let (dom_start, dom_end) = (t.start + offset, t.end);
        let (domain, domain_defanged) = self.refanged((dom_start, dom_end), false);
        if !self.tld_ok(self.value(domain)) {
            self.values.truncate(domain.0);
            return t.end;
        }
        let (value, defanged) = self.refanged((t.start, t.end), false);
        self.push(IocType::Email, (t.start, t.end), value, defanged, None);
        if depth <= MAX_DEPTH {
            self.lowercase(domain);
            self.push(
                IocType::Dns,
                (dom_start, dom_end),
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
        let value = self.copy(t.start, end);
        self.push(ioc_type, (t.start, end), value, false, None);
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
        let reject = t.start
            + raw
                .bytes()
                .rposition(|b| b == b':')
                .map_or(raw.len(), |i| i + 1);
        let (addr_end, prefix) = match find_byte(raw, b'/') {
            Some(i) => (t.start + i, Some(&raw[i + 1..])),
            None => (t.end, None),
        };
        let addr = &self.text[t.start..addr_end];
        if self.colon_run_glued(t) {
            return reject;
        }
        match (classify::classify_colon_run(addr), prefix) {
            (Some(IocType::MacAddress), None) => {
                let value = self.copy(t.start, addr_end);
                self.lowercase(value);
                self.push(IocType::MacAddress, (t.start, addr_end), value, false, None);
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
        let value = self.copy(start, addr_end);
        self.lowercase(value);
        let cidr = prefix
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| *p <= 128);
        match cidr {
            Some(p) if self.ex.enabled(IocType::Cidr) => {
                let value = self.append_prefix(value, p);
                self.push(IocType::Cidr, (start, end), value, false, class);
            }
            _ => self.push(IocType::Ipv6, (start, addr_end), value, false, class),
        }
    }

    fn hash(&mut self, t: &Token) -> usize {
        let glued = self.text[..t.start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_hexdigit());
        if let Some(ioc_type) = classify::hash_type(t.end - t.start).filter(|_| !glued) {
            let value = self.copy(t.start, t.end);
            self.lowercase(value);
            self.push(ioc_type, (t.start, t.end), value, false, None);
        }
        t.end
    }

    fn dns(&mut self, start: usize, end: usize) -> usize {
        let (value, defanged) = self.refanged((start, end), false);
        if self.tld_ok(self.value(value)) {
            self.lowercase(value);
            self.push(IocType::Dns, (start, end), value, defanged, None);
        } else {
            self.values.truncate(value.0);
        }
        end
    }

    /// A dotted quad (maybe with `/prefix`), not part of a longer run of dotted numbers.
    fn ipv4(&mut self, t: &Token) -> usize {
        let raw = &self.text[t.start..t.end];
        let after = &self.text[t.end..];
        let longer = after.starts_with(|c: char| c.is_ascii_digit())
            || (after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit()));
        if longer {
            return t.end;
        }
        let (addr_raw, prefix) = match find_byte(raw, b'/') {
            Some(i) => (&raw[..i], Some(&raw[i + 1..])),
            None => (raw, None),
        };
        let (addr, defanged) = self.refanged((t.start, t.start + addr_raw.len()), false);
        let Some(ip) = classify::parse_ipv4(self.value(addr)) else {
            self.values.truncate(addr.0);
            return t.end;
        };
        let class = Some(IpClass::of(IpAddr::V4(ip)));
        let cidr = prefix
            .and_then(|p| p.parse::<u8>().ok())
            .filter(|p| *p <= 32);
        match cidr {
            Some(p) if self.ex.enabled(IocType::Cidr) => {
                let value = self.append_prefix(addr, p);
                self.push(IocType::Cidr, (t.start, t.end), value, defanged, class);
            }
            _ => {
                let end = t.start + addr_raw.len();
                self.push(IocType::Ipv4, (t.start, end), addr, defanged, class);
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
        if let Some(found) = f(&self.text[t.start..t.end]) {
            let value = self.append(&found);
            self.push(ioc_type, (t.start, t.end), value, false, None);
        }
        t.end
    }

    /// Copies `text[start..end]` into the value buffer; returns where it lies there.
    fn copy(&mut self, start: usize, end: usize) -> (usize, usize) {
        let text = self.text;
        self.append(text.get(start..end).unwrap_or_default())
    }

    /// Lower-cases a value in the buffer, in place.
    fn lowercase(&mut self, value: (usize, usize)) {
        if let Some(v) = self.values.get_mut(value.0..value.1) {
            v.make_ascii_lowercase();
        }
    }

    /// `value/prefix` as a new value in the buffer (a network: the address and its length).
    fn append_prefix(&mut self, value: (usize, usize), prefix: u8) -> (usize, usize) {
        use std::fmt::Write;

        let from = self.values.len();
        self.values.extend_from_within(value.0..value.1);
        // Writing to a String cannot fail.
        let _ = write!(self.values, "/{prefix}");
        (from, self.values.len())
    }

    fn tld_ok(&self, domain: &str) -> bool {
        self.ex.options.ignore_tlds || self.ex.tlds.is_valid_domain(domain)
    }

    /// Records one indicator (its value already in the buffer at `value`) unless its type is
    /// off or its value is on the ignore list.
    fn push(
        &mut self,
        ioc_type: IocType,
        (start, end): (usize, usize),
        value: (usize, usize),
        defanged: bool,
        ip_class: Option<IpClass>,
    ) {
        if !self.ex.enabled(ioc_type) {
            return;
        }
        let ignore = &self.ex.options.ignore;
        if !ignore.is_empty() && ignore.contains(&self.value(value).to_lowercase()) {
            return;
        }
        self.out.push(Pending {
            ioc_type,
            value,
            start,
            end,
            defanged,
            ip_class,
        });
    }
}

/// The value at `at` in a scan's value buffer.
fn stored(values: &str, at: (usize, usize)) -> &str {
    values.get(at.0..at.1).unwrap_or_default()
}

/// Position order: by start, and a container before what it holds (stable, so equal spans
/// keep the order they were found in).
fn sort_by_position(iocs: &mut [Pending]) {
    iocs.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
}

/// The first `byte` (ASCII) in `text`. A plain loop: tokens are short, and `str::find`'s
/// vector search costs more to set up than it saves on a few dozen bytes.
fn find_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|b| b == byte)
}

/// Where a URL's authority starts: after the scheme and its (maybe defanged) `://`.
fn body_offset(url: &str) -> usize {
    let Some(first) = find_byte(url, b'/') else {
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
    url.len() > 9
        && find_byte(url, b'%').is_some()
        && url.to_ascii_lowercase().contains("%3a%2f%2f")
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
