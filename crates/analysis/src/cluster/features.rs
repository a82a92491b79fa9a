//! Numeric features from text, for clustering events whose strings follow one pattern:
//! character-code sums, token and delimiter counts, CRC32 hashes (msticpy's `char_ord_score`,
//! `token_count`, `delim_count`, `delim_hash`, `crc32_hash` and their `_df` forms).

use std::fmt;
use std::str::FromStr;

use polars::prelude::*;

use super::error::{ClusterError, missing};

/// The delimiters msticpy counts: whitespace and `-\/.,"'|&:;%$()`.
const DELIMITERS: &[char] = &[
    '-', '\\', '/', '.', ',', '"', '\'', '|', '&', ':', ';', '%', '$', '(', ')',
];

/// Whether `c` is one of msticpy's delimiters (Python's `\s`, which also covers the
/// separator controls U+001C–U+001F, or one of `-\/.,"'|&:;%$()`).
pub fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c) || DELIMITERS.contains(&c)
}

/// Sum of the characters' Unicode code points, divided by `scale` and rounded down.
///
/// ```
/// use huntbook_analysis::cluster::char_ord_score;
/// assert_eq!(char_ord_score("ab", 1), 195);
/// assert_eq!(char_ord_score("ab", 10), 19);
/// ```
pub fn char_ord_score(value: &str, scale: u32) -> i64 {
    let sum: i64 = value.chars().map(|c| i64::from(u32::from(c))).sum();
    sum.div_euclid(i64::from(scale.max(1)))
}

/// Number of pieces `value` splits into at `delimiter` (an empty string is one piece).
pub fn token_count(value: &str, delimiter: &str) -> i64 {
    if delimiter.is_empty() {
        return 1;
    }
    value.split(delimiter).count() as i64
}

/// Number of delimiter characters in `value` (see [`is_delimiter`]).
pub fn delim_count(value: &str) -> i64 {
    value.chars().filter(|c| is_delimiter(*c)).count() as i64
}

/// CRC32 of the delimiter characters of `value`, in order, as UTF-8: strings with the same
/// punctuation shape share a hash.
pub fn delim_hash(value: &str) -> i64 {
    let shape: String = value.chars().filter(|c| is_delimiter(*c)).collect();
    crc32_hash(&shape)
}

/// CRC32 (IEEE, as zlib and Python's `binascii.crc32`) of `value`'s UTF-8 bytes.
///
/// ```
/// use huntbook_analysis::cluster::crc32_hash;
/// assert_eq!(crc32_hash("hello"), 907060870);
/// ```
pub fn crc32_hash(value: &str) -> i64 {
    let mut crc = flate2::Crc::new();
    crc.update(value.as_bytes());
    i64::from(crc.sum())
}

/// One text feature, to apply to a whole column with [`feature_column`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feature {
    /// [`char_ord_score`] with this scale.
    CharOrdScore(u32),
    /// [`token_count`] with this delimiter.
    TokenCount(String),
    /// [`delim_count`].
    DelimCount,
    /// [`delim_hash`].
    DelimHash,
    /// [`crc32_hash`].
    Crc32Hash,
    /// Length in characters.
    Length,
}

impl Feature {
    /// The feature of one value.
    pub fn compute(&self, value: &str) -> i64 {
        match self {
            Feature::CharOrdScore(scale) => char_ord_score(value, *scale),
            Feature::TokenCount(delimiter) => token_count(value, delimiter),
            Feature::DelimCount => delim_count(value),
            Feature::DelimHash => delim_hash(value),
            Feature::Crc32Hash => crc32_hash(value),
            Feature::Length => value.chars().count() as i64,
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Feature::CharOrdScore(1) => f.write_str("char_ord_score"),
            Feature::CharOrdScore(scale) => write!(f, "char_ord_score:{scale}"),
            Feature::TokenCount(d) if d == " " => f.write_str("token_count"),
            Feature::TokenCount(d) => write!(f, "token_count:{d}"),
            Feature::DelimCount => f.write_str("delim_count"),
            Feature::DelimHash => f.write_str("delim_hash"),
            Feature::Crc32Hash => f.write_str("crc32_hash"),
            Feature::Length => f.write_str("length"),
        }
    }
}

impl FromStr for Feature {
    type Err = ClusterError;

    /// Reads `char_ord_score[:scale]`, `token_count[:delimiter]`, `delim_count`,
    /// `delim_hash`, `crc32_hash` or `length`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, argument) = match text.split_once(':') {
            Some((name, argument)) => (name, Some(argument)),
            None => (text, None),
        };
        let fail = |reason| ClusterError::Setting {
            setting: "feature",
            value: text.into(),
            reason,
        };
        match (name.trim(), argument) {
            ("char_ord_score", None) => Ok(Feature::CharOrdScore(1)),
            ("char_ord_score", Some(scale)) => scale
                .parse()
                .ok()
                .filter(|s| *s > 0)
                .map(Feature::CharOrdScore)
                .ok_or(fail("the scale must be a positive whole number")),
            ("token_count", None) => Ok(Feature::TokenCount(" ".into())),
            ("token_count", Some(delimiter)) => Ok(Feature::TokenCount(delimiter.into())),
            ("delim_count", None) => Ok(Feature::DelimCount),
            ("delim_hash", None) => Ok(Feature::DelimHash),
            ("crc32_hash", None) => Ok(Feature::Crc32Hash),
            ("length", None) => Ok(Feature::Length),
            _ => Err(fail(
                "expected char_ord_score[:scale], token_count[:delimiter], delim_count, \
                 delim_hash, crc32_hash or length",
            )),
        }
    }
}

/// The feature of every value of a text column, as an `Int64` column named `name`; a null
/// text is read as the empty string (as msticpy fills NaN with "").
pub fn feature_column(
    df: &DataFrame,
    column: &str,
    feature: &Feature,
    name: &str,
) -> Result<Column, ClusterError> {
    let text = text_column(df, column)?;
    let values: Vec<i64> = text
        .iter()
        .map(|v| feature.compute(v.unwrap_or("")))
        .collect();
    Ok(Column::new(name.into(), values))
}

/// A column as text, or an error saying it is not text.
pub(crate) fn text_column<'a>(
    df: &'a DataFrame,
    column: &str,
) -> Result<&'a StringChunked, ClusterError> {
    let found = df.column(column).map_err(|_| missing(df, column))?;
    found.str().map_err(|_| ClusterError::ColumnType {
        column: column.to_string(),
        dtype: found.dtype().to_string(),
        expected: "a text column",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_follow_msticpy_set() {
        assert_eq!(delim_count(r#"cmd.exe /c "dir C:\temp" | more"#), 12);
        assert_eq!(delim_count("abc"), 0);
        assert_eq!(delim_count("a\u{1f}b\u{a0}c"), 2);
    }

    #[test]
    fn token_count_splits_like_python() {
        assert_eq!(token_count("a b  c", " "), 4);
        assert_eq!(token_count("", " "), 1);
        assert_eq!(token_count("a,b", ","), 2);
    }

    #[test]
    fn hashes_match_zlib() {
        assert_eq!(crc32_hash(""), 0);
        assert_eq!(
            crc32_hash("The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        assert_eq!(delim_hash("a.b c"), crc32_hash(". "));
    }

    #[test]
    fn char_ord_score_counts_code_points() {
        assert_eq!(char_ord_score("é", 1), 233);
        assert_eq!(char_ord_score("", 1), 0);
    }

    #[test]
    fn features_parse_and_display() {
        for text in [
            "char_ord_score",
            "char_ord_score:3",
            "token_count:,",
            "delim_hash",
            "length",
        ] {
            let feature: Feature = text.parse().unwrap();
            assert_eq!(feature.to_string(), text);
        }
        assert!("char_ord_score:0".parse::<Feature>().is_err());
        assert!("entropy".parse::<Feature>().is_err());
    }

    #[test]
    fn feature_column_reads_nulls_as_empty() {
        let df = df!("c" => [Some("a b"), None]).unwrap();
        let col = feature_column(&df, "c", &Feature::TokenCount(" ".into()), "n").unwrap();
        let values: Vec<Option<i64>> = col.i64().unwrap().iter().collect();
        assert_eq!(values, [Some(2), Some(1)]);
        assert!(feature_column(&df, "nope", &Feature::DelimCount, "n").is_err());
    }
}
