//! Finding base64 runs in text and decoding them.

use std::ops::Range;
use std::sync::LazyLock;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use regex::Regex;

use super::options::UnpackOptions;

/// Base64 characters, optionally broken across lines, with up to two `=` of padding.
static RUN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/]+(?:\r?\n[A-Za-z0-9+/]+)*={0,2}").ok());

/// The same with the URL-safe alphabet's `-` and `_` as well.
static RUN_URL_SAFE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/_\-]+(?:\r?\n[A-Za-z0-9+/_\-]+)*={0,2}").ok());

/// Standard alphabet; padding optional; stray low bits in the last character allowed.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// URL-safe alphabet (`-`, `_`), equally lenient.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// One candidate run: where it is in the text and its characters without line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// Byte range of the run in the searched text.
    pub span: Range<usize>,
    /// The run with line breaks removed.
    pub compact: String,
    /// Where the run's last line starts in `compact` (0 for a one-line run).
    pub last_line: usize,
}

impl Run {
    /// The run without its last line, for a run that swallowed a word on the line after it.
    pub fn without_last_line(&self) -> Option<&str> {
        (self.last_line > 0).then(|| &self.compact[..self.last_line])
    }
}

/// The base64 runs in `text` that are at least `opts.min_length` characters long.
pub(crate) fn find_runs(text: &str, opts: &UnpackOptions) -> Vec<Run> {
    let (min_length, strict) = (opts.min_length, opts.strict_candidates);
    let regex = if opts.url_safe { &RUN_URL_SAFE } else { &RUN };
    let Some(re) = regex.as_ref() else {
        return Vec::new();
    };
    re.find_iter(text)
        .filter(|m| m.len() >= min_length)
        .map(|m| {
            let compact: String = m
                .as_str()
                .chars()
                .filter(|c| !matches!(c, '\r' | '\n'))
                .collect();
            let last_line = m
                .as_str()
                .rsplit_once('\n')
                .map_or(0, |(_, last)| compact.len() - last.len());
            Run {
                span: m.range(),
                compact,
                last_line,
            }
        })
        .filter(|run| run.compact.trim_end_matches('=').len() >= min_length)
        .filter(|run| !strict || plausible(&run.compact))
        .collect()
}

/// Whether a run looks like encoded data rather than a path, a hex digest or an identifier.
fn plausible(run: &str) -> bool {
    let body = run.trim_end_matches('=');
    let upper = body.bytes().any(|b| b.is_ascii_uppercase());
    let lower = body.bytes().any(|b| b.is_ascii_lowercase());
    let digit_or_plus = body.bytes().any(|b| b.is_ascii_digit() || b == b'+');
    let slashes = body.bytes().filter(|&b| b == b'/').count();

    upper && lower && slashes <= body.len() / 16 + 2 && (digit_or_plus || body.len() >= 64)
}

/// The bytes a run encodes, or `None` when it is not valid base64.
pub(crate) fn decode(compact: &str) -> Option<Vec<u8>> {
    let body = compact.trim_end_matches('=');
    // A single character left over after whole quads carries fewer than 8 bits.
    let body = if body.len() % 4 == 1 {
        &body[..body.len() - 1]
    } else {
        body
    };
    let engine = if body.contains(['-', '_']) {
        &LENIENT_URL_SAFE
    } else {
        &LENIENT
    };
    engine.decode(body).ok().filter(|bytes| !bytes.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_runs_across_lines() {
        let text = "x UEsDBBQAAAAIABBkmk1/mj+BTAAAAF4A\r\nAAAKAAAAdHh0ZW5jLnR4dG2MMQqAMBAE y";
        let runs = find_runs(text, &UnpackOptions::default());
        assert_eq!(runs.len(), 1);
        assert!(!runs[0].compact.contains('\n'));
        let found = &text[runs[0].span.clone()];
        assert!(found.starts_with("UEsDBB") && found.ends_with("MBAE"));
    }

    #[test]
    fn skips_paths_and_digests() {
        let o = UnpackOptions::default().with_min_length(20);
        assert!(find_runs("/usr/lib/jvm/java-8-openjdk-amd64/jre/bin/java", &o).is_empty());
        assert!(find_runs("9fd687fb66a85f89cc413728a179fb0d", &o).is_empty());
        assert!(find_runs("2F62696E2F7368002D630069707461626C6573", &o).is_empty());
        assert_eq!(
            find_runs("aGVsbG8gd29ybGQgZnJvbSBodW50Ym9vaw==", &o).len(),
            1
        );
    }

    #[test]
    fn url_safe_runs_are_opt_in() {
        // "<<??>>huntbook-url-safe??" has '-' and '_' in its URL-safe encoding.
        let text = "token=PDw_Pz4-aHVudGJvb2stdXJsLXNhZmU_Pw";
        assert!(
            find_runs(text, &UnpackOptions::default().with_min_length(20))
                .iter()
                .all(|r| r.compact.len() < 30)
        );
        let opts = UnpackOptions::default()
            .with_min_length(20)
            .with_url_safe(true);
        let runs = find_runs(text, &opts);
        assert_eq!(runs.len(), 1);
        assert_eq!(
            decode(&runs[0].compact).as_deref(),
            Some(&b"<<??>>huntbook-url-safe??"[..])
        );
    }

    #[test]
    fn decodes_with_or_without_padding() {
        assert_eq!(
            decode("aGVsbG8gd29ybGQ=").as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(
            decode("aGVsbG8gd29ybGQ").as_deref(),
            Some(&b"hello world"[..])
        );
        assert_eq!(
            decode("aGVsbG8gd29ybGQhA").as_deref(),
            Some(&b"hello world!"[..])
        );
        assert_eq!(decode("A"), None);
    }
}
