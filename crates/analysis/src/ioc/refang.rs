//! Refanging (`hxxp://evil[.]com` → `http://evil.com`) and defanging (the reverse).
//!
//! Two tools live here:
//! - [`refang`] rewrites free text the way threat reports are usually cleaned up (the
//!   conventions of the ioc-fanger project: bracketed dots and ats in many spellings, `xxxx://`
//!   schemes, spaced-out `AT`/`DOT`, comma-separated IPv4 octets, …). It is a sequence of rules,
//!   each a regex plus a check of the surrounding text where the rule needs one.
//! - `refang_into` refangs a single matched indicator. It only knows the spellings the
//!   scanner accepts (see `patterns`), so it never rewrites a real path or key by accident.
//!
//! [`defang`] neuters text for safe sharing: dots inside words become `[.]`, `@` becomes `(at)`,
//! `http://` becomes `hXXp://`.

use std::sync::OnceLock;

use regex::{Match, Regex};

/// Refangs free text: every defanged spelling of a dot, at sign or URL scheme that the rules know
/// becomes the real character, and everything else is left alone.
///
/// ```
/// use huntbook_analysis::ioc::refang;
///
/// assert_eq!(refang("hxxps[://]example[.]com/a[.]html"), "https://example.com/a.html");
/// assert_eq!(refang("bob(at)example[dot]com"), "bob@example.com");
/// ```
pub fn refang(text: &str) -> String {
    let mut out = text.to_string();
    for rule in rules() {
        out = rule.apply(&out);
    }
    out
}

/// Defangs free text: `.` between two non-space characters becomes `[.]`, `@` becomes `(at)`,
/// and `http`/`https`/`ftp` schemes become `hXXp`/`hXXps`/`fXp`.
///
/// ```
/// use huntbook_analysis::ioc::defang;
///
/// assert_eq!(defang("see http://example.com now."), "see hXXp://example[.]com now.");
/// ```
pub fn defang(text: &str) -> String {
    let schemes = defang_schemes(text);
    let mut out = String::with_capacity(schemes.len() + schemes.len() / 8);
    let chars: Vec<char> = schemes.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let inside_word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|n| !n.is_whitespace())
        };
        match c {
            '.' if inside_word(i.checked_sub(1)) && inside_word(Some(i + 1)) => out.push_str("[.]"),
            '@' => out.push_str("(at)"),
            _ => out.push(c),
        }
    }
    out
}

fn defang_schemes(text: &str) -> String {
    static SCHEME: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(scheme) = SCHEME.get_or_init(|| Regex::new(r"(?i)\b(ht)tp(s?)://|\bftp(s?)://").ok())
    else {
        return text.to_string();
    };
    scheme
        .replace_all(text, |caps: &regex::Captures<'_>| {
            if caps.get(1).is_some() {
                format!("hXXp{}://", caps.get(2).map_or("", |m| m.as_str()))
            } else {
                format!("fXp{}://", caps.get(3).map_or("", |m| m.as_str()))
            }
        })
        .into_owned()
}

/// What a rule does with one match: the replacement, or `None` to keep the text.
type Rewrite = fn(text: &str, m: Match<'_>) -> Option<String>;

/// One refang rule.
struct Rule {
    regex: Regex,
    rewrite: Rewrite,
}

impl Rule {
    fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in self.regex.find_iter(text) {
            if let Some(replacement) = (self.rewrite)(text, m) {
                out.push_str(&text[last..m.start()]);
                out.push_str(&replacement);
                last = m.end();
            }
        }
        out.push_str(&text[last..]);
        out
    }
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let table: [(&str, Rewrite); 13] = [
            (
                r"(?i)[\[(]?(?:h(?:tt|xx)p(s?)|(x{5})|x{4}(s?)|f[tx]p(s?))[\])]?(?:[ \t]*:[ \t]*/{2,3}|[ \t]*/{2,3}|\[:\]//|\[://\]|\(://\))[ \t]*",
                rewrite_scheme,
            ),
            (r"\\/", |_, _| Some("/".into())),
            (r"\[\.\]|\(\.\)|\{\.\}|\]\.\[|\[\.\[|\]\.\]|\}\.\{|\{\.\{|\}\.\}|<\.>", |_, _| {
                Some(".".into())
            }),
            (
                r"[ \t]*(?:[\[({][ \t]*(?i:dot|punto|punkt)[ \t]*[\])}]?|(?i:dot|punto|punkt)[\])}])[ \t]*",
                |_, _| Some(".".into()),
            ),
            (r"-(?i:dot)-", |_, _| Some(".".into())),
            (r"[ \t]*DOT[ \t]*", |text, m| between_words(text, m).then(|| ".".into())),
            (
                r"[ \t]*(?:[\[({][ \t]*(?i:at|et|arroba|@)[ \t]*[\])}]|(?i:at|et|arroba)[\])}])[ \t]*",
                |_, _| Some("@".into()),
            ),
            (r"[ \t]*AT[ \t]*", |text, m| between_words(text, m).then(|| "@".into())),
            (r"[ \t]+@[ \t]*|[ \t]*@[ \t]+", |_, _| Some("@".into())),
            (r"\[-\]", |_, _| Some("-".into())),
            (r"[\[(](?i:www)[\])]", |_, m| Some(m.as_str()[1..4].to_string())),
            (r"\\\.|\^\.", |_, _| Some(".".into())),
            (r"[0-9]{1,3},[0-9]{1,3},[0-9]{1,3},[0-9]{1,3}", rewrite_comma_ip),
        ];
        table
            .into_iter()
            .filter_map(|(pattern, rewrite)| match Regex::new(pattern) {
                Ok(regex) => Some(Rule { regex, rewrite }),
                Err(err) => {
                    tracing::error!(%err, pattern, "refang rule does not compile; skipped");
                    None
                }
            })
            .collect()
    })
}

/// `hxxps`, `[http]`, `xxxxx`, `http ://`, `hxxps[://]` … become `http://` or `https://`;
/// a scheme that is already clean keeps its spelling.
fn rewrite_scheme(_text: &str, m: Match<'_>) -> Option<String> {
    let raw = m.as_str();
    let lower = raw.to_ascii_lowercase();
    let clean = ["http://", "https://", "ftp://", "ftps://"];
    if clean.contains(&lower.as_str()) {
        return None;
    }
    let secure = lower.contains("xxxxx")
        || lower.trim_start_matches(['[', '(']).starts_with("https")
        || lower.trim_start_matches(['[', '(']).starts_with("hxxps")
        || lower.trim_start_matches(['[', '(']).starts_with("xxxxs")
        || lower.trim_start_matches(['[', '(']).starts_with("ftps")
        || lower.trim_start_matches(['[', '(']).starts_with("fxps");
    let ftp = lower.trim_start_matches(['[', '(']).starts_with('f');
    let scheme = match (ftp, secure) {
        (true, true) => "ftps",
        (true, false) => "ftp",
        (false, true) => "https",
        (false, false) => "http",
    };
    Some(format!("{scheme}://"))
}

/// A bare `AT`/`DOT` counts only between two words and not inside an upper-case word
/// (`fooATbar`, `bob AT example` but not `fooMATbar`, `DATA`, `WWW.MDOT.EXAMPLE`).
fn between_words(text: &str, m: Match<'_>) -> bool {
    let before = text[..m.start()].chars().next_back();
    let after = text[m.end()..].chars().next();
    let wordish = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() && !c.is_uppercase());
    wordish(before) && wordish(after)
}

/// `1,2,3,4` becomes `1.2.3.4` when it stands alone (not part of a longer list) and every
/// octet is at most 255.
fn rewrite_comma_ip(text: &str, m: Match<'_>) -> Option<String> {
    let before = text[..m.start()].chars().next_back();
    let after = text[m.end()..].chars().next();
    let joined = |c: Option<char>| c.is_some_and(|c| c == ',' || c == '.' || c.is_ascii_digit());
    if joined(before) || joined(after) {
        return None;
    }
    let octets_ok = m
        .as_str()
        .split(',')
        .all(|o| o.parse::<u16>().is_ok_and(|v| v <= 255));
    octets_ok.then(|| m.as_str().replace(',', "."))
}

/// [`refang_into`] into a new string: the refanged value and whether anything was changed.
#[cfg(test)]
pub(crate) fn refang_value(value: &str, url: bool) -> (String, bool) {
    let mut out = String::with_capacity(value.len());
    let changed = refang_into(value, url, &mut out);
    (out, changed)
}

/// Refangs one matched indicator, appending it to `out` (the scan's value buffer): only the
/// spellings the scanner accepts (case-insensitive): `[.]` `(.)` `{.}` `[dot]` `(dot)` `{dot}` →
/// `.`; `[@]` `(@)` `{@}` `[at]` `(at)` `{at}`, each with an optional space either side, → `@`;
/// `[://]` `[:]//` `(://)` `[:/]/` → `://`. Where spellings overlap, the leftmost and then the
/// longest wins.
///
/// Matched by hand rather than with a multi-string automaton: values are short and most carry no
/// bracket at all, so a bracket search costs a fraction of an automaton search per value.
///
/// Returns whether anything was changed. `url` also fixes the scheme.
pub(crate) fn refang_into(value: &str, url: bool, out: &mut String) -> bool {
    let from = out.len();
    // Most values carry no defanging at all; skip the byte loop for them.
    let plain = find_bracket(value.as_bytes()).is_none();
    let scheme_x = url
        && value
            .bytes()
            .take_while(|&b| b != b':')
            .any(|b| matches!(b, b'x' | b'X'));
    if plain && !scheme_x {
        out.push_str(value);
        return false;
    }
    let bytes = value.as_bytes();
    let mut last = 0;
    let mut changed = false;
    let mut i = 0;
    // Every spelling starts at a bracket, or at the space before one: jump between brackets.
    while let Some(offset) = find_bracket(bytes.get(i..).unwrap_or_default()) {
        let bracket = i + offset;
        let spaced = bracket > i && bytes.get(bracket - 1) == Some(&b' ');
        let found = spaced
            .then(|| spelling_at(bytes, bracket - 1).map(|(len, r)| (bracket - 1, len, r)))
            .flatten()
            .or_else(|| spelling_at(bytes, bracket).map(|(len, r)| (bracket, len, r)));
        let Some((at, len, replacement)) = found else {
            i = bracket + 1;
            continue;
        };
        // Spellings are ASCII, so `at` and `at + len` are character boundaries.
        out.push_str(value.get(last..at).unwrap_or_default());
        out.push_str(replacement);
        i = at + len;
        last = i;
        changed = true;
    }
    out.push_str(value.get(last..).unwrap_or_default());
    if url {
        changed |= refang_scheme(out, from);
    }
    changed
}

fn is_bracket(b: u8) -> bool {
    matches!(b, b'[' | b'(' | b'{')
}

/// The first `[`, `(` or `{` in `bytes`, eight bytes a step (values are short: a vector search
/// would not pay for its set-up, a byte loop costs three compares a byte).
fn find_bracket(bytes: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The lowest byte flagged is a zero byte of `x` (flags above a zero byte may be false).
    let zero_bytes = |x: u64| x.wrapping_sub(LOW) & !x & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut eight = [0; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        let hits = zero_bytes(word ^ (LOW * u64::from(b'[')))
            | zero_bytes(word ^ (LOW * u64::from(b'(')))
            | zero_bytes(word ^ (LOW * u64::from(b'{')));
        if hits != 0 {
            return Some(offset + (hits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    let rest = chunks.remainder();
    rest.iter().position(|&b| is_bracket(b)).map(|i| offset + i)
}

/// The longest defanged spelling that starts at `bytes[i]`: its length and what it stands for.
fn spelling_at(bytes: &[u8], i: usize) -> Option<(usize, &'static str)> {
    let rest = bytes.get(i..)?;
    let (lead, rest) = match rest {
        [b' ', tail @ ..] => (1, tail),
        _ => (0, rest),
    };
    let close = match rest.first()? {
        b'[' => b']',
        b'(' => b')',
        b'{' => b'}',
        _ => return None,
    };
    let inner = rest.get(1..)?;
    let closed = |word: &[u8]| {
        inner.len() > word.len()
            && inner[..word.len()].eq_ignore_ascii_case(word)
            && inner[word.len()] == close
    };
    // An at sign: the only spelling that may have a space before, and one after.
    if closed(b"@") || closed(b"at") {
        let word = if closed(b"@") { 1 } else { 2 };
        let end = lead + 1 + word + 1;
        let trail = usize::from(bytes.get(i + end) == Some(&b' '));
        return Some((end + trail, "@"));
    }
    if lead == 1 {
        return None;
    }
    if closed(b".") || closed(b"dot") {
        let word = if closed(b".") { 1 } else { 3 };
        return Some((word + 2, "."));
    }
    let separator = match close {
        b']' => [&b"[://]"[..], b"[:]//", b"[:/]/"]
            .into_iter()
            .find(|s| rest.starts_with(s)),
        b')' => rest.starts_with(b"(://)").then_some(&b"(://)"[..]),
        _ => None,
    };
    separator.map(|s| (s.len(), "://"))
}

/// `hxxp`, `hXXps`, `h[xx]p`, `fxp`, `sfxp` → their real schemes, in place, in the URL that
/// starts at `buf[from..]`.
fn refang_scheme(buf: &mut String, from: usize) -> bool {
    let bytes = buf.as_bytes().get(from..).unwrap_or_default();
    let Some(colon) =
        memchr::memchr_iter(b':', bytes).find(|&i| bytes.get(i + 1..i + 3) == Some(b"//"))
    else {
        return false;
    };
    let scheme = buf.get(from..from + colon).unwrap_or_default();
    // Every defanged scheme has an x or a bracket; real ones keep their case untouched.
    if !scheme.bytes().any(|b| matches!(b, b'x' | b'X' | b'[')) {
        return false;
    }
    // The usual two need no allocation (the general rules give the same).
    let fixed = if scheme.eq_ignore_ascii_case("hxxp") {
        std::borrow::Cow::Borrowed("http")
    } else if scheme.eq_ignore_ascii_case("hxxps") {
        std::borrow::Cow::Borrowed("https")
    } else {
        match fixed_scheme(scheme) {
            Some(fixed) => std::borrow::Cow::Owned(fixed),
            None => return false,
        }
    };
    buf.replace_range(from..from + colon, &fixed);
    true
}

/// The lower-cased scheme with `[xx]` → `tt`, then `hxx` → `htt`, then `fx` → `ft`, each
/// replaced left to right; `None` when nothing was replaced.
fn fixed_scheme(scheme: &str) -> Option<String> {
    let mut fixed = scheme.to_ascii_lowercase();
    let mut changed = false;
    // Each replacement changes the text, so "replaced" and "changed" are the same thing.
    for (from, to) in [("[xx]", "tt"), ("hxx", "htt"), ("fx", "ft")] {
        if fixed.contains(from) {
            fixed = fixed.replace(from, to);
            changed = true;
        }
    }
    changed.then_some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_fanger_handles_scanner_spellings() {
        assert_eq!(
            refang_value("evil[.]com", false),
            ("evil.com".to_string(), true)
        );
        assert_eq!(
            refang_value("bob [AT] evil(dot)com", false).0,
            "bob@evil.com"
        );
        assert_eq!(
            refang_value("hXXps[://]evil{.}com/x", true).0,
            "https://evil.com/x"
        );
        assert_eq!(refang_value("h[xx]p://a.b", true).0, "http://a.b");
        assert_eq!(refang_value("sfXp://a.b", true).0, "sftp://a.b");
        assert_eq!(
            refang_value("https://a.b", true),
            ("https://a.b".to_string(), false)
        );
    }

    #[test]
    fn defang_then_refang_round_trips() {
        let text = "visit https://evil.com/a.php or mail bob@evil.com from 10.1.2.3";
        let defanged = defang(text);
        assert_eq!(
            defanged,
            "visit hXXps://evil[.]com/a[.]php or mail bob(at)evil[.]com from 10[.]1[.]2[.]3"
        );
        assert_eq!(refang(&defanged), text);
    }

    /// The spellings as a leftmost-longest, case-insensitive multi-string search: the reference
    /// the hand-written matcher is checked against.
    fn reference_refang(value: &str) -> String {
        use aho_corasick::{AhoCorasick, MatchKind};

        let mut patterns: Vec<String> = Vec::new();
        let mut replacements = Vec::new();
        for token in ["[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}"] {
            patterns.push(token.into());
            replacements.push(".");
        }
        for token in ["[@]", "(@)", "{@}", "[at]", "(at)", "{at}"] {
            for (lead, trail) in [("", ""), (" ", ""), ("", " "), (" ", " ")] {
                patterns.push(format!("{lead}{token}{trail}"));
                replacements.push("@");
            }
        }
        for token in ["[://]", "[:]//", "(://)", "[:/]/"] {
            patterns.push(token.into());
            replacements.push("://");
        }
        let matcher = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .unwrap();
        let mut out = String::new();
        let mut last = 0;
        for m in matcher.find_iter(value) {
            out.push_str(&value[last..m.start()]);
            out.push_str(replacements[m.pattern().as_usize()]);
            last = m.end();
        }
        out.push_str(&value[last..]);
        out
    }

    #[test]
    fn bracket_finder_agrees_with_a_byte_loop() {
        let mut state: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|k| {
                    b"ab[({])}\x7b\x5b\x28\xff\x00Z"
                        [(state.rotate_left(k as u32 * 3) % 14) as usize]
                })
                .collect();
            let want = bytes.iter().position(|&b| is_bracket(b));
            assert_eq!(find_bracket(&bytes), want, "{bytes:?}");
        }
    }

    #[test]
    fn value_fanger_agrees_with_a_multi_string_search() {
        const PIECES: &[&str] = &[
            "[", "]", "(", ")", "{", "}", ".", "dot", "DoT", "@", "at", "AT", " ", ":", "//", "/",
            "a", "x", "é", "[.]", "[at]", " (at) ", "[://]",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut value = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for k in 0..(state % 12) {
                let pick = (state.rotate_left(k as u32 * 5) % PIECES.len() as u64) as usize;
                value.push_str(PIECES[pick]);
            }
            let (got, changed) = refang_value(&value, false);
            let want = reference_refang(&value);
            assert_eq!(got, want, "{value:?}");
            assert_eq!(changed, want != value || got != value, "{value:?}");
        }
    }
}
