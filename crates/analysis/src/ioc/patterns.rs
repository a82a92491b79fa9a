//! The token finder: one multi-pattern lazy DFA of coarse token shapes, compiled once, tried only
//! where a token can start (see [`Scanner`]), and a byte scanner for hashes and bitcoin words.
//!
//! Each alternative is one pattern ([`Kind`]); the first pattern that matches at the
//! leftmost position wins, so the order of [`Kind::ORDER`] is the priority when two shapes start
//! at the same byte (a URL beats the domain inside it, a hex run of 32+ digits beats a domain).
//! The patterns are deliberately loose (a run of hex digits, a run of colon-separated groups);
//! `classify` decides what each token really is. Everything is ASCII-explicit and uses no
//! counted repetitions that would blow up the lazy DFA.

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;

use regex_automata::hybrid::dfa::{Cache as DfaCache, DFA};
use regex_automata::meta::Regex as MetaRegex;
use regex_automata::nfa::thompson;
use regex_automata::util::pool::{Pool, PoolGuard};
use regex_automata::{Anchored, Input, MatchKind, util::syntax};

use huntbook_data::IocType;

use super::IocError;
use super::classify::{BASE58, BECH32};

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

    /// Position in [`Kind::ORDER`]: the priority when two shapes start at the same byte
    /// (the variants are declared in that order; a test checks it).
    pub(crate) fn rank(self) -> usize {
        self as usize
    }

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

    /// What the scanner searches for this shape: its [`Kind::pattern`], except that a URL is
    /// searched up to its first character after `://` and [`whole_end`] reads the rest (the lazy
    /// DFA reports a match at every byte of a URL's tail, the slow path of its loop).
    fn search_pattern(self, defanged: bool) -> String {
        match self {
            Kind::Url => {
                let sep = if defanged { SEP_DEFANGED } else { "://" };
                format!(r"{SCHEME}{sep}{URL_CHAR}")
            }
            _ => self.pattern(defanged),
        }
    }

    /// The pattern of a whole token of this shape (`Hash` and `Bitcoin` are found by byte
    /// scanners that match exactly these patterns; theirs are kept to check the scanners
    /// against).
    fn pattern(self, defanged: bool) -> String {
        let dot = if defanged { DOT_DEFANGED } else { r"\." };
        let at = if defanged { AT_DEFANGED } else { "@" };
        let sep = if defanged { SEP_DEFANGED } else { "://" };
        let domain = format!(r"(?:{LABEL}{dot})+{TLD}");
        match self {
            Kind::Url => format!(r"{SCHEME}{sep}{URL_CHAR}+"),
            Kind::Email => format!(r"{EMAIL_USER}+{at}{domain}"),
            Kind::Registry => {
                let hive = HIVES.join("|");
                format!(r"(?-u:\b)(?i-u:{hive}):?(?:\\+{REG_SEG}(?: {REG_SEG})*)*\\+{REG_SEG}\\?")
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
/// Registry hive names, long and short: the registry-key pattern's alternation, and where a key
/// can start before its first backslash ([`hive_start`]).
const HIVES: [&str; 11] = [
    "HKEY_LOCAL_MACHINE",
    "HKEY_CURRENT_USER",
    "HKEY_CLASSES_ROOT",
    "HKEY_USERS",
    "HKEY_CURRENT_CONFIG",
    "HKEY_PERFORMANCE_DATA",
    "HKLM",
    "HKCU",
    "HKCR",
    "HKU",
    "HKCC",
];
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

/// A token: its shape and byte span.
pub(crate) type Found = (Kind, usize, usize);

/// The token finder for some shapes: one multi-pattern lazy DFA (it reports which pattern
/// matched, so no capture groups are needed), tried where [`Scanner::regex_next`] says a token
/// may start, plus a byte scanner for the shapes whose counted repetitions make the lazy DFA grow
/// a state for every combination of counts it meets — hex runs of 32 or more (`Kind::Hash`) and
/// 26-to-35-character base58 or bech32 words (`Kind::Bitcoin`). The scanner finds exactly what
/// [`Kind::pattern`] matches, and a [`Cursor`] merges the two streams by leftmost start and then
/// [`Kind::ORDER`], which is what one alternation of every shape does.
#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    /// The regex over the other shapes; `None` when only hashes or bitcoin are wanted.
    regex: Option<MetaRegex>,
    /// The same patterns as one forward lazy DFA, searched anchored at each place a token may
    /// start ([`Scanner::regex_next`]); `None` exactly when `regex` is.
    anchored: Option<AnchoredDfa>,
    /// The most places tried one by one before the trigger; past that the unanchored regex
    /// runs instead, so long runs before a trigger stay linear.
    max_tries: usize,
    /// The kind of each regex pattern, by pattern index.
    kinds: Vec<Kind>,
    /// Bytes of which every regex token holds one ([`Kind::triggers`]), by [`Trigger`] class.
    triggers: Box<[Trigger; 256]>,
    /// Bytes no regex token holds before its first trigger ([`floor_table`]): a token starts
    /// after the last of them before its trigger.
    floors: Box<[bool; 256]>,
    hashes: bool,
    bitcoin: bool,
}

/// Shapes found by byte scanners instead of the regex.
fn scanned(kind: Kind) -> bool {
    matches!(kind, Kind::Hash | Kind::Bitcoin)
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
        let in_regex: Vec<Kind> = kinds.iter().copied().filter(|k| !scanned(*k)).collect();
        let (regex, anchored) = if in_regex.is_empty() {
            (None, None)
        } else {
            (
                Some(compile(&in_regex, defanged)?),
                Some(AnchoredDfa::build(&in_regex, defanged)?),
            )
        };
        Ok(Some(Scanner {
            regex,
            anchored,
            max_tries: MAX_TRIES,
            triggers: Box::new(trigger_table(&in_regex)),
            floors: Box::new(floor_table(&in_regex)),
            kinds: in_regex,
            hashes: kinds.contains(&Kind::Hash),
            bitcoin: kinds.contains(&Kind::Bitcoin),
        }))
    }

    /// A cursor over `haystack[..to]` (look-around sees the whole haystack).
    pub(crate) fn cursor<'h>(&'h self, haystack: &'h [u8], to: usize) -> Cursor<'h> {
        Cursor {
            scanner: self,
            haystack,
            to: to.min(haystack.len()),
            cache: self.anchored.as_ref().map(|a| a.caches.get()),
            regex: None,
            words: None,
        }
    }

    /// The leftmost regex token in `haystack[at..to]`.
    ///
    /// The regex only runs where a token can start. Every token holds a trigger byte
    /// ([`Kind::triggers`]), and the first trigger at or after its start is its own; before
    /// that trigger it holds no white space ([`token_floor`]). So for each trigger in turn, the
    /// places from its floor up to it (and after the previous trigger) are tried with an anchored
    /// search, and the first that matches is the leftmost token. Prose between triggers is
    /// skipped at a few instructions a byte, and no reverse search is needed to find where a
    /// token starts. When a trigger has more than `max_tries` places before it, or the lazy DFA
    /// gives up, the unanchored regex searches from the floor to the end of the line instead
    /// (no token spans a line break).
    fn regex_next(
        &self,
        cache: Option<&mut DfaCache>,
        haystack: &[u8],
        at: usize,
        to: usize,
    ) -> Option<Found> {
        let regex = self.regex.as_ref()?;
        let (Some(anchored), Some(cache)) = (self.anchored.as_ref(), cache) else {
            return self.unanchored(regex, haystack, at, to);
        };
        let mut at = at;
        while at < to {
            let trigger = next_trigger(&self.triggers, haystack, at, to)?;
            let from = token_floor(&self.floors, haystack, at, trigger);
            if trigger - from >= self.max_tries {
                return self.unanchored(regex, haystack, from, to);
            }
            let mut starts = Starts::new(haystack, from, trigger);
            while let Some(start) = starts.next() {
                // An anchored search stops by itself where its token ends: no bound needed.
                match anchored.search(cache, haystack, start, to) {
                    Ok(Some((pattern, end))) => {
                        let kind = *self.kinds.get(pattern)?;
                        return Some((kind, start, whole_end(kind, haystack, end, to)));
                    }
                    Ok(None) => {}
                    Err(()) => return self.unanchored(regex, haystack, start, to),
                }
            }
            at = trigger + 1;
        }
        None
    }

    /// The unanchored search from `at`, line by line from each trigger's floor (the plain
    /// regex: linear however long the runs before triggers are).
    fn unanchored(
        &self,
        regex: &MetaRegex,
        haystack: &[u8],
        at: usize,
        to: usize,
    ) -> Option<Found> {
        let mut at = at;
        while at < to {
            let trigger = next_trigger(&self.triggers, haystack, at, to)?;
            let from = token_floor(&self.floors, haystack, at, trigger);
            let line_end =
                memchr::memchr(b'\n', haystack.get(trigger..to)?).map_or(to, |i| trigger + i);
            if let Some(m) = regex.search(&Input::new(haystack).range(from..line_end)) {
                let kind = *self.kinds.get(m.pattern().as_usize())?;
                return Some((kind, m.start(), whole_end(kind, haystack, m.end(), to)));
            }
            at = line_end + 1;
        }
        None
    }
}

/// Where a token of `kind` whose searched part ends at `end` ends: for a URL, after the rest of
/// its run of URL characters (by `to`), which is where `{URL_CHAR}+` stops; else `end`.
fn whole_end(kind: Kind, haystack: &[u8], end: usize, to: usize) -> usize {
    if kind != Kind::Url {
        return end;
    }
    let mut at = end;
    while let Some(&b) = haystack.get(at).filter(|_| at < to) {
        if b.is_ascii() {
            if URL_ASCII_STOPS[usize::from(b)] {
                break;
            }
            at += 1;
            continue;
        }
        let Some((c, len)) = char_at(haystack, at, to) else {
            break;
        };
        if !is_url_char(c) {
            break;
        }
        at += len;
    }
    at
}

/// The ASCII characters [`is_url_char`] rejects, as a table for [`whole_end`]'s loop.
static URL_ASCII_STOPS: [bool; 128] = {
    let mut table = [false; 128];
    let stops = b"\t\n\x0b\x0c\r \"'<>\\^|`";
    let mut i = 0;
    while i < stops.len() {
        table[stops[i] as usize] = true;
        i += 1;
    }
    table
};

/// The character that starts at `haystack[at]` and its length, when it is valid UTF-8 ending
/// by `to`.
fn char_at(haystack: &[u8], at: usize, to: usize) -> Option<(char, usize)> {
    let lead = *haystack.get(at)?;
    let len = match lead {
        0x00..=0x7f => return Some((char::from(lead), 1)),
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    };
    let bytes = haystack.get(at..(at + len).min(to))?;
    let c = std::str::from_utf8(bytes).ok()?.chars().next()?;
    Some((c, len))
}

/// What [`URL_CHAR`] matches: anything but white space (Unicode's, as `\s`), quotes, angle
/// brackets, backslash, caret, bar and backtick.
fn is_url_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '^' | '|' | '`'))
}

/// The places a token whose first trigger is at `trigger` may start, in increasing order: every
/// place from `from` to the trigger, except before a backslash.
///
/// Only registry keys and Windows paths hold a backslash, and before their first one they hold
/// a hive name and maybe a colon (`HKLM\`, `HKLM:\`) or a root: a drive (`C:\`), `.\`,
/// `..\`, `%APPDATA%\`, or the two backslashes of a share (`\\server`). So a backslash is
/// tried from those places only — a Windows path in text no longer costs a try at every letter
/// of every folder name.
enum Starts {
    All(std::ops::RangeInclusive<usize>),
    Few {
        places: [usize; 4],
        len: usize,
        next: usize,
    },
}

impl Starts {
    fn new(haystack: &[u8], from: usize, trigger: usize) -> Self {
        if haystack.get(trigger) != Some(&b'\\') {
            return Starts::All(from..=trigger);
        }
        let before = haystack.get(from..trigger).unwrap_or_default();
        let mut places = [0; 4];
        let mut len = 0;
        let mut add = |place: Option<usize>| {
            if let Some(place) = place
                && len < places.len()
            {
                places[len] = from + place;
                len += 1;
            }
        };
        add(hive_start(before));
        add(root_start(before));
        if haystack.get(trigger + 1) == Some(&b'\\') {
            add(Some(before.len()));
        }
        let places_found = &mut places[..len];
        places_found.sort_unstable();
        Starts::Few {
            places,
            len,
            next: 0,
        }
    }

    fn next(&mut self) -> Option<usize> {
        match self {
            Starts::All(range) => range.next(),
            Starts::Few { places, len, next } => {
                // Skip repeats (a place found two ways).
                while *next < *len {
                    let place = places[*next];
                    *next += 1;
                    if *next < 2 || places[*next - 2] != place {
                        return Some(place);
                    }
                }
                None
            }
        }
    }
}

/// Where a hive name that `before` ends with (maybe followed by a colon) starts.
fn hive_start(before: &[u8]) -> Option<usize> {
    let name = before.strip_suffix(b":").unwrap_or(before);
    // Every hive name starts with `HK`: most folder names before a backslash are out at once.
    if !name.windows(2).any(|w| w.eq_ignore_ascii_case(b"hk")) {
        return None;
    }
    HIVES
        .iter()
        .filter(|hive| {
            name.len() >= hive.len()
                && name[name.len() - hive.len()..].eq_ignore_ascii_case(hive.as_bytes())
        })
        .map(|hive| name.len() - hive.len())
        .min()
}

/// Where a Windows path root that `before` ends with starts: `C:`, `.`, `..` or `%VAR%`.
fn root_start(before: &[u8]) -> Option<usize> {
    let n = before.len();
    match before {
        [.., b'.', b'.'] => Some(n - 2),
        [.., b'.'] => Some(n - 1),
        [.., letter, b':'] if letter.is_ascii_alphabetic() => Some(n - 2),
        [rest @ .., b'%'] => memchr::memrchr(b'%', rest),
        _ => None,
    }
}

/// Places tried one by one before a trigger (a token's bytes before its first trigger: a
/// label, a user name, a scheme — rarely longer).
const MAX_TRIES: usize = 48;

/// How a lazy DFA cache is made for the pool.
type MakeCache = Box<dyn Fn() -> DfaCache + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// The anchored forward DFA and a pool of its caches (one per thread in use; a cursor holds
/// one for its lifetime).
pub(crate) struct AnchoredDfa {
    dfa: Arc<DFA>,
    caches: Pool<DfaCache, MakeCache>,
}

impl AnchoredDfa {
    fn build(kinds: &[Kind], defanged: bool) -> Result<Self, IocError> {
        let patterns: Vec<String> = kinds.iter().map(|k| k.search_pattern(defanged)).collect();
        let dfa = DFA::builder()
            .syntax(syntax::Config::new().utf8(false))
            .thompson(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(64 << 20))
                    .which_captures(thompson::WhichCaptures::None),
            )
            .configure(
                DFA::config()
                    .match_kind(MatchKind::LeftmostFirst)
                    .cache_capacity(16 << 20),
            )
            .build_many(&patterns)
            .map_err(|source| IocError::Dfa {
                source: Box::new(source),
            })?;
        Ok(Self::with_dfa(Arc::new(dfa)))
    }

    fn with_dfa(dfa: Arc<DFA>) -> Self {
        let for_pool = Arc::clone(&dfa);
        let make: MakeCache = Box::new(move || DfaCache::new(&for_pool));
        AnchoredDfa {
            dfa,
            caches: Pool::new(make),
        }
    }

    /// The leftmost-first match that starts exactly at `start` and ends by `to`: its pattern
    /// index and end. `Err` when the lazy DFA gave up.
    fn search(
        &self,
        cache: &mut DfaCache,
        haystack: &[u8],
        start: usize,
        to: usize,
    ) -> Result<Option<(usize, usize)>, ()> {
        let input = Input::new(haystack)
            .range(start..to)
            .anchored(Anchored::Yes);
        match self.dfa.try_search_fwd(cache, &input) {
            Ok(found) => Ok(found.map(|m| (m.pattern().as_usize(), m.offset()))),
            Err(error) => {
                tracing::debug!(%error, "lazy DFA gave up; searching unanchored");
                Err(())
            }
        }
    }
}

impl Clone for AnchoredDfa {
    fn clone(&self) -> Self {
        Self::with_dfa(Arc::clone(&self.dfa))
    }
}

impl std::fmt::Debug for AnchoredDfa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anchored").finish_non_exhaustive()
    }
}

impl Kind {
    /// Bytes of which every token of this shape holds at least one: a dot or bracket (domains,
    /// addresses, defanged spellings), an at sign or bracket (e-mail), a colon (every `://`
    /// and IPv6), a backslash (registry keys, Windows paths), a slash (Linux paths), `-` or
    /// `_` (CVE ids, MAC addresses), and the capital `T` and `A` that ATT&CK ids and AS
    /// numbers start with. Hashes and bitcoin addresses have no trigger (the word scanner
    /// finds them).
    ///
    /// Before its first trigger, a token holds no ASCII white space, with one exception: the
    /// e-mail spelling `bob [at] example.com`, whose first trigger may be the bracket after the
    /// space. [`token_floor`] relies on both facts; a test checks the skip against a plain
    /// search.
    fn triggers(self) -> &'static [u8] {
        match self {
            Kind::Url | Kind::Colon => b":",
            Kind::Email => b"@[({",
            Kind::Registry | Kind::WindowsPath => b"\\",
            Kind::Mac => b"-.",
            Kind::Dns | Kind::Ipv4 => b".[({",
            Kind::Cve => b"-_",
            Kind::Attack => b"T",
            Kind::Asn => b"A",
            Kind::LinuxPath => b"/",
            Kind::Hash | Kind::Bitcoin => b"",
        }
    }

    /// True when this shape's trigger is its first byte and its pattern starts with a word
    /// boundary (`T1059`, `AS13335`): a trigger glued to a word byte before it starts nothing.
    fn starts_at_boundary_trigger(self) -> bool {
        matches!(self, Kind::Attack | Kind::Asn)
    }

    /// Bytes a token of this shape may hold before its first trigger: a scheme, a user name, a
    /// label, a hive name, a path root. A test walks each shape's DFA to check that no other
    /// byte can be there; [`token_floor`] starts tokens after any byte no shape holds.
    fn holds_before_trigger(self, b: u8) -> bool {
        match self {
            Kind::Url => b.is_ascii_alphabetic() || matches!(b, b'[' | b']' | b'('),
            Kind::Email => b.is_ascii_alphanumeric() || b" !#$%&*+?^_`|}~.-".contains(&b),
            Kind::Registry => b.is_ascii_alphabetic() || matches!(b, b'_' | b':'),
            Kind::WindowsPath => b.is_ascii_alphanumeric() || b"_%:.".contains(&b),
            Kind::Mac | Kind::Colon => b.is_ascii_hexdigit(),
            Kind::Dns | Kind::Ipv4 => b.is_ascii_alphanumeric() || b == b'-',
            Kind::Cve => b.is_ascii_alphabetic(),
            Kind::LinuxPath => matches!(b, b'.' | b'~'),
            Kind::Attack | Kind::Asn | Kind::Hash | Kind::Bitcoin => false,
        }
    }
}

/// Trigger classes in a [`Scanner`]'s table: not a trigger, a trigger, or a trigger only where
/// no ASCII word byte comes before it (every shape it triggers starts with it at a word
/// boundary: [`Kind::starts_at_boundary_trigger`]). The capital `T` of `Temp` or `ProgramData`'s
/// `A` cost nothing that way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    No,
    Always,
    AtBoundary,
}

/// Which bytes are triggers for a set of shapes: every shape's [`Kind::triggers`].
fn trigger_table(kinds: &[Kind]) -> [Trigger; 256] {
    let mut table = [Trigger::No; 256];
    for kind in kinds {
        let class = if kind.starts_at_boundary_trigger() {
            Trigger::AtBoundary
        } else {
            Trigger::Always
        };
        for byte in kind.triggers() {
            let slot = &mut table[usize::from(*byte)];
            // A byte that any other shape needs stays a trigger everywhere.
            *slot = match (*slot, class) {
                (Trigger::No, class) => class,
                (Trigger::AtBoundary, Trigger::AtBoundary) => Trigger::AtBoundary,
                _ => Trigger::Always,
            };
        }
    }
    table
}

/// The first trigger in `haystack[at..to]`: a byte that `table` marks, skipping boundary-only
/// triggers glued to a word byte before them.
fn next_trigger(table: &[Trigger; 256], haystack: &[u8], at: usize, to: usize) -> Option<usize> {
    let mut at = at;
    loop {
        let found = next_marked(table, haystack, at, to)?;
        let class = haystack.get(found).map(|&b| table[usize::from(b)]);
        let glued = class == Some(Trigger::AtBoundary)
            && found
                .checked_sub(1)
                .and_then(|before| haystack.get(before))
                .is_some_and(|&b| is_word(b));
        if !glued {
            return Some(found);
        }
        at = found + 1;
    }
}

/// The first byte in `haystack[at..to]` that `table` marks (any class but [`Trigger::No`]).
///
/// Eight bytes are tested per step with one branch: prose runs long between triggers.
fn next_marked(table: &[Trigger; 256], haystack: &[u8], at: usize, to: usize) -> Option<usize> {
    let bytes = haystack.get(at..to)?;
    let is_trigger = |b: u8| table[usize::from(b)] != Trigger::No;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = at;
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |hit, &b| hit | is_trigger(b)) {
            return chunk
                .iter()
                .position(|&b| is_trigger(b))
                .map(|i| offset + i);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| is_trigger(b))
        .map(|i| offset + i)
}

/// The [`Scanner`]'s floor bytes for `kinds`: ASCII white space, and every byte that no token
/// of `kinds` holds before its first trigger ([`Kind::holds_before_trigger`]). For the default
/// shapes that is most punctuation (`/`, `=`, `,`, quotes) and every non-ASCII byte: the
/// folders of a URL's path cost no tries before the dot of its file name.
fn floor_table(kinds: &[Kind]) -> [bool; 256] {
    let mut table = [false; 256];
    for (byte, slot) in (0..=u8::MAX).zip(table.iter_mut()) {
        *slot = byte.is_ascii_whitespace() || !kinds.iter().any(|k| k.holds_before_trigger(byte));
    }
    table
}

/// The first place at or after `at` where a token holding the trigger at `trigger` can start.
///
/// No token starts in `at..trigger` unless it reaches `trigger` (it would hold a trigger before
/// it), and up to its first trigger a token holds no floor byte (white space, or a byte no
/// shape holds there: [`floor_table`]): so it starts after the last floor byte before
/// `trigger`. A bracket
/// preceded by one space may be a spelled-out at sign, which lets the user name before that
/// space belong to the token too.
fn token_floor(floors: &[bool; 256], haystack: &[u8], at: usize, trigger: usize) -> usize {
    let run_start = |end: usize| {
        haystack
            .get(at..end)
            .and_then(|before| before.iter().rposition(|&b| floors[usize::from(b)]))
            .map_or(at, |i| at + i + 1)
    };
    let start = run_start(trigger);
    let bracket = matches!(haystack.get(start), Some(b'[' | b'(' | b'{'));
    if bracket && start > at && haystack.get(start - 1) == Some(&b' ') {
        return run_start(start - 1);
    }
    start
}

/// One regex over `kinds`, pattern index = position in `kinds`.
fn compile(kinds: &[Kind], defanged: bool) -> Result<MetaRegex, IocError> {
    let patterns: Vec<String> = kinds.iter().map(|k| k.search_pattern(defanged)).collect();
    compile_patterns(&patterns)
}

fn compile_patterns(patterns: &[String]) -> Result<MetaRegex, IocError> {
    MetaRegex::builder()
        .syntax(syntax::Config::new().utf8(false))
        .configure(
            MetaRegex::config()
                .utf8_empty(false)
                .nfa_size_limit(Some(64 << 20))
                .dfa_size_limit(Some(64 << 20)),
        )
        .build_many(patterns)
        .map_err(|source| IocError::Pattern {
            source: Box::new(source),
        })
}

/// The last answer of one token stream: searched from `.0`, found `.1`.
type Cached = Option<(usize, Option<Found>)>;

/// Walks one region of a haystack: [`Cursor::next`] gives the leftmost token at or after a
/// position, for positions that never decrease. Each stream's last answer is kept while it is
/// still ahead of the position asked for, so every stream reads each byte about once.
pub(crate) struct Cursor<'h> {
    scanner: &'h Scanner,
    haystack: &'h [u8],
    to: usize,
    /// The anchored DFA's cache, held while the cursor lives.
    cache: Option<PoolGuard<'h, DfaCache, MakeCache>>,
    regex: Cached,
    words: Cached,
}

impl Cursor<'_> {
    /// The leftmost token starting in `at..to`; at equal starts the shape earlier in
    /// [`Kind::ORDER`] wins.
    pub(crate) fn next(&mut self, at: usize) -> Option<Found> {
        let (scanner, haystack, to) = (self.scanner, self.haystack, self.to);
        let mut best: Option<Found> = None;
        let mut offer = |found: Option<Found>| {
            if let Some(f) = found
                && best.is_none_or(|b| (f.1, f.0.rank()) < (b.1, b.0.rank()))
            {
                best = Some(f);
            }
        };
        let cache = self.cache.as_deref_mut();
        offer(cached(&mut self.regex, at, |at| {
            scanner.regex_next(cache, haystack, at, to)
        }));
        if scanner.hashes || scanner.bitcoin {
            offer(cached(&mut self.words, at, |at| {
                next_word_token(haystack, at, to, scanner.hashes, scanner.bitcoin)
            }));
        }
        best
    }
}

/// The stream's kept answer when it still holds for `at`, else a fresh search from `at`.
///
/// An answer found from `from` holds for any later `at` up to its start: nothing starts between
/// `from` and it, and what matches at a position does not depend on where the search began
/// (look-around sees the whole haystack).
fn cached(
    slot: &mut Cached,
    at: usize,
    find: impl FnOnce(usize) -> Option<Found>,
) -> Option<Found> {
    if let Some((from, found)) = *slot
        && from <= at
        && found.is_none_or(|(_, start, _)| at <= start)
    {
        return found;
    }
    let found = find(at);
    *slot = Some((at, found));
    found
}

/// Byte classes for the word scanner: bit 0 an ASCII word byte (`[A-Za-z0-9_]`), bit 1 a hex
/// digit.
static WORD_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() || byte == b'_' {
            table[b] |= WORD;
        }
        if byte.is_ascii_hexdigit() {
            table[b] |= HEX;
        }
        b += 1;
    }
    table
};
const WORD: u8 = 1;
const HEX: u8 = 2;

fn is_word(b: u8) -> bool {
    WORD_CLASS[usize::from(b)] & WORD != 0
}

fn is_hex(b: u8) -> bool {
    WORD_CLASS[usize::from(b)] & HEX != 0
}

/// The leftmost hash or bitcoin token in `haystack[at..to]` (at equal starts the hash, as in
/// [`Kind::ORDER`]): what the patterns `[0-9A-Fa-f]{32,}` and [`BITCOIN`] match.
///
/// Both live inside runs of 14 or more word bytes — a hash is 32 hex digits, a bitcoin address
/// a whole word of at least 14 — so one scan for such runs ([`first_word_run`]) serves both,
/// and only those runs are read closely.
fn next_word_token(
    haystack: &[u8],
    at: usize,
    to: usize,
    hashes: bool,
    bitcoin: bool,
) -> Option<Found> {
    let bytes = haystack.get(..to)?;
    let mut i = at;
    while let Some(start) = first_word_run(bytes, i) {
        // The word may run on past `to`: a hash is cut there, a bitcoin word cannot match.
        // Its hex digits are read first (hex digits are word bytes): a hash is usually the
        // whole word, and then the word is read once.
        let hex_end = start + run_len(haystack, start, is_hex);
        let end = hex_end + run_len(haystack, hex_end, is_word);
        let hash = match hex_end.min(to) {
            _ if !hashes => None,
            cut if cut - start >= 32 => Some((start, cut)),
            // A longer hex run can only start after the word's first non-hex byte.
            _ => hash_in(bytes, hex_end, end.min(to)),
        };
        let whole_word = start == 0 || !haystack.get(start - 1).is_some_and(|&b| is_word(b));
        let address = bitcoin
            && whole_word
            && end <= to
            && haystack.get(start..end).is_some_and(bitcoin_shaped);
        match (hash, address) {
            (Some(h), true) if h.0 == start => return Some((Kind::Hash, h.0, h.1)),
            (_, true) => return Some((Kind::Bitcoin, start, end)),
            (Some(h), false) => return Some((Kind::Hash, h.0, h.1)),
            (None, false) => i = end,
        }
    }
    None
}

/// The shortest word a hash or bitcoin address can be.
const WORD_RUN: usize = 14;

/// The first `i >= from` where [`WORD_RUN`] word bytes start.
///
/// Prose is mostly word bytes, so a byte-at-a-time search stops every few bytes at a branch
/// it cannot predict. Instead, 64 bytes at a time become a mask of word bytes (eight at a
/// time, [`word_bits`]), and four shift-and-ANDs leave the bits that start a long enough run:
/// one well-predicted branch per 51 bytes.
fn first_word_run(bytes: &[u8], from: usize) -> Option<usize> {
    let mut base = from;
    loop {
        let rest = bytes.get(base..)?;
        if rest.len() < WORD_RUN {
            return None;
        }
        let block = rest.get(..64).unwrap_or(rest);
        let words = word_mask(block);
        // Bit k: bytes k..k+2, then k..k+4, k..k+8, k..k+14 are all word bytes. Bits past the
        // block are zero, so a run is only reported where the block holds all of it.
        let mut runs = words & (words >> 1);
        runs &= runs >> 2;
        runs &= runs >> 4;
        runs &= runs >> 6;
        if runs != 0 {
            return Some(base + runs.trailing_zeros() as usize);
        }
        // Every start whose run fits in the block has been tried.
        base += block.len() - (WORD_RUN - 1);
    }
}

/// Bit k set when `block[k]` (at most 64 bytes) is an ASCII word byte.
fn word_mask(block: &[u8]) -> u64 {
    let shifts = (0..64).step_by(8);
    match <&[u8; 64]>::try_from(block) {
        // A whole block: eight fixed-size loads.
        Ok(full) => full
            .as_chunks::<8>()
            .0
            .iter()
            .zip(shifts)
            .fold(0, |mask, (eight, shift)| {
                mask | (word_bits_of(u64::from_le_bytes(*eight)) << shift)
            }),
        Err(_) => block
            .chunks(8)
            .zip(shifts)
            .fold(0, |mask, (chunk, shift)| mask | (word_bits(chunk) << shift)),
    }
}

/// Bit k set when `chunk[k]` (at most eight bytes) is an ASCII word byte, `[0-9A-Za-z_]`:
/// byte-wise range tests on one `u64` (SWAR), no table and no branch.
fn word_bits(chunk: &[u8]) -> u64 {
    let mut eight = [0; 8];
    for (slot, &b) in eight.iter_mut().zip(chunk) {
        *slot = b;
    }
    word_bits_of(u64::from_le_bytes(eight))
}

/// [`word_bits`] of eight bytes read as a little-endian `u64`.
fn word_bits_of(x: u64) -> u64 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte's low seven bits; adding `0x80 - lo` sets bit 7 exactly when it is `>= lo`,
    // and no sum carries into the next byte.
    let seven = x & !HIGH;
    let at_least = |v: u64, lo: u8| v + LOW * u64::from(0x80 - lo);
    let within = |v: u64, lo: u8, hi: u8| at_least(v, lo) & !at_least(v, hi + 1);
    let letters = seven | (LOW * 0x20);
    let word =
        (within(seven, b'0', b'9') | within(letters, b'a', b'z') | within(seven, b'_', b'_'))
            & !x
            & HIGH;
    // Bit 7 of byte k moves to bit 56 + k; the products do not overlap.
    ((word >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The first run of 32 or more hex digits in `bytes[from..to]`, to the end of that run.
fn hash_in(bytes: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
    let bytes = bytes.get(..to)?;
    let start = first_window(bytes, from, 32, is_hex)?;
    Some((start, start + run_len(bytes, start, is_hex)))
}

/// The first `i >= from` where `width` bytes that all pass `ok` start. Each window is checked
/// from its last byte back, so a failing byte skips every window that holds it: on ordinary
/// text this reads a fraction of the bytes.
fn first_window(bytes: &[u8], from: usize, width: usize, ok: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = from;
    while let Some(window) = bytes.get(i..i + width) {
        match window.iter().rposition(|&b| !ok(b)) {
            Some(bad) => i += bad + 1,
            None => return Some(i),
        }
    }
    None
}

/// How many bytes from `start` pass `ok`.
fn run_len(bytes: &[u8], start: usize, ok: impl Fn(u8) -> bool) -> usize {
    bytes
        .get(start..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| ok(b)).count())
}

fn bitcoin_shaped(word: &[u8]) -> bool {
    let base58 = |b: &u8| BASE58.contains(b);
    let bech32 = |b: &u8| BECH32.contains(&b.to_ascii_lowercase());
    match word {
        [b'1' | b'3', rest @ ..] => (25..=34).contains(&rest.len()) && rest.iter().all(base58),
        [b, c, b'1', rest @ ..]
            if b.eq_ignore_ascii_case(&b'b') && c.eq_ignore_ascii_case(&b'c') =>
        {
            (11..=71).contains(&rest.len()) && rest.iter().all(bech32)
        }
        _ => false,
    }
}

/// Where the domain of a matched e-mail address starts: after its (maybe defanged) at sign.
pub(crate) fn email_domain_start(email: &str) -> Option<usize> {
    let bytes = email.as_bytes();
    let at = bytes.iter().rposition(|&b| b == b'@').map(|i| (i, i + 1));
    // The last bracketed `at`, any case: `[at]`, `(AT)`, `{At}`.
    let word = bytes.windows(4).rposition(|w| {
        matches!(w[0], b'[' | b'(' | b'{')
            && w[1..3].eq_ignore_ascii_case(b"at")
            && matches!(w[3], b']' | b')' | b'}')
    });
    let word = word.map(|i| (i + 1, i + 3));
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
    use regex_automata::hybrid::LazyStateID;
    use regex_automata::util::start;

    fn kinds_found(text: &str) -> Vec<(Kind, String)> {
        let scanner = Scanner::build(&Kind::ORDER, true).unwrap().unwrap();
        let mut cursor = scanner.cursor(text.as_bytes(), text.len());
        let mut at = 0;
        let mut found = Vec::new();
        while let Some((kind, start, end)) = cursor.next(at) {
            found.push((kind, text[start..end].to_string()));
            at = end.max(at + 1);
        }
        found
    }

    #[test]
    fn url_stop_table_is_is_url_char() {
        for b in 0..128u8 {
            assert_eq!(
                URL_ASCII_STOPS[usize::from(b)],
                !is_url_char(char::from(b)),
                "{b:#x}"
            );
        }
    }

    #[test]
    fn rank_is_the_position_in_order() {
        for (i, kind) in Kind::ORDER.into_iter().enumerate() {
            assert_eq!(kind.rank(), i, "{kind:?}");
        }
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
        assert_eq!(domain("a[at]b(At}c.org"), Some("c.org"));
        assert_eq!(domain("[at]"), Some(""));
        assert_eq!(domain("at]x"), None);
    }

    #[test]
    fn registry_keys_keep_inner_spaces_but_not_trailing_words() {
        let found = kinds_found(r"set HKLM\Software\Microsoft\Windows NT\CurrentVersion now");
        assert_eq!(
            found[0].1,
            r"HKLM\Software\Microsoft\Windows NT\CurrentVersion"
        );
    }

    /// Texts mixing the pieces tokens are made of, from a fixed xorshift seed.
    fn random_texts() -> Vec<String> {
        const PIECES: &[&str] = &[
            " ",
            " ",
            "\n",
            ".",
            "[.]",
            ":",
            "::",
            "/",
            "\\",
            "@",
            "-",
            "_",
            "1",
            "3",
            "bc1",
            "BC1",
            "0",
            "a",
            "f",
            "F",
            "9",
            "q",
            "z",
            "Z",
            "l",
            "I",
            "O",
            "x",
            "deadbeef",
            "0123456789abcdef",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "bc1qar0srrr7xf",
            "BC1QAR0SRRR7XFK",
            "d41d8cd98f00b204e9800998ecf8427e",
            "http://",
            "evil.com",
            "10.0.0.1",
            "C:\\Temp\\",
            "HKLM\\Run",
            "HKCU:\\Software",
            "..\\Tools",
            "\\\\srv\\share",
            "hkey_users\\",
            "CVE-2021-44228",
            "cve_2021_4422",
            "0a1b.2c3d.4e5f",
            "00-1a-2b-3c-4d-5e",
            "{.}",
            "(@)",
            "evil(.)com",
            "bad{dot}org",
            "x(dot)net",
            "bob{at}evil",
            "joe(at)mail",
            "T1059",
            "AS13335",
            "ASN ",
            "é",
            " [at] ",
            "(at)",
            "{dot}",
            "[dot]",
            "(.)",
            "h[xx]p",
            "[://]",
            "%TEMP%",
            "~",
            "\t",
            "bob",
            "A",
            "T",
            "xT1059",
            "_AS13335",
            "\"",
            "'",
            "<",
            ">",
            "|",
            "^",
            "`",
            "=",
            ",",
            "\u{a0}",
            "\u{2003}",
            "\u{85}",
            "\u{b}",
            "\u{1c}",
            "ü/",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut texts: Vec<String> = (0..300)
            .map(|_| {
                let len = (next() % 60) as usize;
                (0..len)
                    .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                    .collect()
            })
            .collect();
        // Every byte that ends a URL, and the Unicode spaces that do (and the ones that don't).
        for stop in [
            "|", "^", "`", "\"", "'", "<", ">", "\\", " ", "\n", "\u{b}", "\u{85}",
        ] {
            texts.push(format!("go http://a.b/c{stop}d hxxp[://]x.y/ü{stop}z"));
        }
        texts.push("http://x\u{a0}y http://x\u{2003}y http://x\u{1c}y http://ü/ä".into());
        texts
    }

    #[test]
    fn word_scanner_finds_what_the_hash_and_bitcoin_patterns_match() {
        let both = compile(&[Kind::Hash, Kind::Bitcoin], true).unwrap();
        let hash = compile(&[Kind::Hash], true).unwrap();
        let bitcoin = compile(&[Kind::Bitcoin], true).unwrap();
        let search = |re: &MetaRegex, kinds: &[Kind], h: &[u8], at: usize, to: usize| {
            re.search(&Input::new(h).range(at..to))
                .map(|m| (kinds[m.pattern().as_usize()], m.start(), m.end()))
        };
        let mut seen = (0, 0);
        for text in random_texts() {
            let h = text.as_bytes();
            let n = h.len();
            for to in [n, n / 3, n / 2, n * 2 / 3, n * 3 / 4, n.saturating_sub(7)] {
                for at in 0..=to {
                    let want = search(&both, &[Kind::Hash, Kind::Bitcoin], h, at, to);
                    let got = next_word_token(h, at, to, true, true);
                    assert_eq!(got, want, "both in {text:?} at {at}..{to}");
                    let want = search(&hash, &[Kind::Hash], h, at, to);
                    let got = next_word_token(h, at, to, true, false);
                    assert_eq!(got, want, "hash in {text:?} at {at}..{to}");
                    seen.0 += usize::from(want.is_some());
                    let want = search(&bitcoin, &[Kind::Bitcoin], h, at, to);
                    let got = next_word_token(h, at, to, false, true);
                    assert_eq!(got, want, "bitcoin in {text:?} at {at}..{to}");
                    seen.1 += usize::from(want.is_some());
                }
            }
        }
        assert!(
            seen.0 > 100 && seen.1 > 100,
            "too few matches to mean anything: {seen:?}"
        );
    }

    #[test]
    fn cursor_finds_what_one_alternation_of_every_shape_finds() {
        for defanged in [true, false] {
            check_cursor(&Kind::ORDER, defanged);
        }
    }

    /// Both ways of running the regex — anchored tries only, unanchored only, and a switch
    /// after two tries — find the same tokens.
    #[test]
    fn anchored_and_unanchored_searches_agree() {
        for max_tries in [0, 2, usize::MAX] {
            check_cursor_with(&Kind::ORDER, true, max_tries);
        }
    }

    /// Each shape alone and the container-inside set: the trigger bytes of a set of shapes
    /// must hold for every member, not only for their union.
    #[test]
    fn cursor_finds_what_each_shape_alone_finds() {
        for kind in Kind::ORDER {
            check_cursor(&[kind], true);
        }
        let inside: Vec<Kind> = Kind::ORDER
            .into_iter()
            .filter(|k| k.allowed_inside())
            .collect();
        check_cursor(&inside, true);
        // The default set (no paths): the backslash is a floor byte there.
        let default: Vec<Kind> = Kind::ORDER
            .into_iter()
            .filter(|k| !matches!(k, Kind::WindowsPath | Kind::LinuxPath))
            .collect();
        check_cursor(&default, true);
        check_cursor(&default, false);
    }

    /// Each shape's declared bytes before its first trigger cover every byte its DFA can
    /// read there, defanged spellings on and off.
    #[test]
    fn declared_bytes_before_a_trigger_cover_the_patterns() {
        for defanged in [true, false] {
            for kind in Kind::ORDER.into_iter().filter(|k| !scanned(*k)) {
                let dfa = AnchoredDfa::build(&[kind], defanged).unwrap();
                let held = held_before_trigger(&dfa.dfa, &trigger_table(&[kind])).unwrap();
                for byte in 0..=u8::MAX {
                    assert!(
                        !held[usize::from(byte)] || kind.holds_before_trigger(byte),
                        "{kind:?} can hold {:?} before its first trigger",
                        char::from(byte)
                    );
                }
            }
        }
    }

    /// The floor bytes of the default set: a slash, an equals sign, quotes and non-ASCII bytes
    /// are; letters, digits, a glued `T` and what an e-mail user name may hold are not.
    #[test]
    fn floor_bytes_of_the_default_set() {
        let default: Vec<Kind> = Kind::ORDER
            .into_iter()
            .filter(|k| !matches!(k, Kind::WindowsPath | Kind::LinuxPath))
            .collect();
        let table = floor_table(&default);
        for byte in b" \t\n\r\"'<>/=,;" {
            assert!(table[usize::from(*byte)], "{:?}", char::from(*byte));
        }
        for byte in b"aZ09T%!#$&*+?^`|}~" {
            assert!(!table[usize::from(*byte)], "{:?}", char::from(*byte));
        }
        assert!(
            table[0xc3],
            "no token holds a non-ASCII byte before its first trigger"
        );
        assert!(!floor_table(&Kind::ORDER)[usize::from(b'%')]);
    }

    /// The bytes an anchored match of one shape's `dfa` may hold before its first trigger, found
    /// by walking the DFA from each of its start states along every byte but a trigger; `None`
    /// when the walk could not finish. (A boundary-only trigger starts its shape's tokens, and
    /// one glued to a word inside another shape's token is a letter that shape declares.)
    fn held_before_trigger(dfa: &DFA, triggers: &[Trigger; 256]) -> Option<[bool; 256]> {
        let mut cache = DfaCache::new(dfa);
        let mut held = [false; 256];
        let mut seen: std::collections::HashSet<LazyStateID> = std::collections::HashSet::new();
        let mut live: std::collections::HashMap<LazyStateID, bool> =
            std::collections::HashMap::new();
        let mut todo = Vec::new();
        for look_behind in (0..=u8::MAX).map(Some).chain([None]) {
            let config = start::Config::new()
                .anchored(Anchored::Yes)
                .look_behind(look_behind);
            let sid = dfa.start_state(&mut cache, &config).ok()?;
            if seen.insert(sid) {
                todo.push(sid);
            }
        }
        while let Some(sid) = todo.pop() {
            for byte in 0..=u8::MAX {
                if triggers[usize::from(byte)] != Trigger::No {
                    continue;
                }
                let next = dfa.next_state(&mut cache, sid, byte).ok()?;
                if next.is_dead() {
                    continue;
                }
                // Matches are reported one byte late: a byte into a match state after which
                // nothing can follow, not even the end of the text, only ended the match before
                // it (the `"` after `CVE-2021-44228"`). Any other byte may be part of a token.
                let live = match live.get(&next) {
                    Some(live) => *live,
                    None if next.is_match() => {
                        let answer = leads_on(dfa, &mut cache, next)?;
                        live.insert(next, answer);
                        answer
                    }
                    None => true,
                };
                if live {
                    held[usize::from(byte)] = true;
                }
                if seen.insert(next) {
                    todo.push(next);
                }
            }
        }
        // A cleared cache reuses state ids, so a walk across a clear proves nothing.
        (cache.clear_count() == 0).then_some(held)
    }

    /// True when some byte, or the end of the text, leads from `sid` to a live state.
    fn leads_on(dfa: &DFA, cache: &mut DfaCache, sid: LazyStateID) -> Option<bool> {
        for byte in 0..=u8::MAX {
            if !dfa.next_state(cache, sid, byte).ok()?.is_dead() {
                return Some(true);
            }
        }
        Some(!dfa.next_eoi_state(cache, sid).ok()?.is_dead())
    }

    /// `T` and `A` glued to a word byte before them trigger nothing; `-` stays a trigger
    /// everywhere since CVE ids need it.
    #[test]
    fn boundary_triggers() {
        let table = trigger_table(&[Kind::Attack, Kind::Asn, Kind::Cve]);
        let h = b"xT1059 ProgramData T1059";
        assert_eq!(next_trigger(&table, h, 0, h.len()), Some(19));
        assert_eq!(next_trigger(&table, b"a-b", 0, 3), Some(1));
        let mixed = trigger_table(&[Kind::Attack, Kind::Dns]);
        assert_eq!(mixed[usize::from(b'T')], Trigger::AtBoundary);
        assert_eq!(mixed[usize::from(b'.')], Trigger::Always);
    }

    /// The word mask agrees with the byte table for every byte at every lane, and the run
    /// finder with the window search on the random texts from every position.
    #[test]
    fn word_runs_are_found_as_the_window_search_finds_them() {
        for byte in 0..=u8::MAX {
            for lane in 0..8 {
                let mut chunk = [b' '; 8];
                chunk[lane] = byte;
                let bits = word_bits(&chunk);
                assert_eq!(
                    bits,
                    u64::from(is_word(byte)) << lane,
                    "{byte:#x} in lane {lane}"
                );
                assert_eq!(word_bits(&chunk[..lane]), 0, "padding is not a word byte");
            }
        }
        let mut texts = random_texts();
        texts.push(format!("{} {}", "a".repeat(13), "b".repeat(200)));
        texts.push(format!("{}é{}", "c".repeat(20), "d".repeat(14)));
        for text in &texts {
            let h = text.as_bytes();
            for from in 0..=h.len() + 1 {
                assert_eq!(
                    first_word_run(h, from),
                    first_window(h, from, WORD_RUN, is_word),
                    "{text:?} from {from}"
                );
            }
        }
    }

    fn check_cursor(kinds: &[Kind], defanged: bool) {
        check_cursor_with(kinds, defanged, MAX_TRIES);
    }

    fn check_cursor_with(kinds: &[Kind], defanged: bool, max_tries: usize) {
        let whole: Vec<String> = kinds.iter().map(|k| k.pattern(defanged)).collect();
        let reference = compile_patterns(&whole).unwrap();
        let mut scanner = Scanner::build(kinds, defanged).unwrap().unwrap();
        scanner.max_tries = max_tries;
        for text in random_texts() {
            let h = text.as_bytes();
            let want = |at: usize| {
                reference
                    .search(&Input::new(h).range(at..h.len()))
                    .map(|m| (kinds[m.pattern().as_usize()], m.start(), m.end()))
            };
            // Every position from a fresh cursor, then one cursor stepping forward.
            for at in 0..=h.len() {
                let got = scanner.cursor(h, h.len()).next(at);
                assert_eq!(got, want(at), "{kinds:?} in {text:?} from {at}");
            }
            let mut cursor = scanner.cursor(h, h.len());
            for at in 0..=h.len() {
                assert_eq!(
                    cursor.next(at),
                    want(at),
                    "{kinds:?} in {text:?} stepping, at {at}"
                );
            }
        }
    }
}
