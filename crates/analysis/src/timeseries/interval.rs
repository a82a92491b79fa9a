//! Fixed time intervals written the pandas way (`"1h"`, `"15min"`, `"30s"`), held as
//! microseconds.

use std::fmt;
use std::str::FromStr;

use super::error::TimeSeriesError;

const MICROS_PER_SECOND: i64 = 1_000_000;

/// A fixed, positive length of time, such as a bucket width or an anomaly-period padding.
///
/// Parses `"<number><unit>"` with units `us`, `ms`, `s`/`S`, `min`/`T`/`m`, `h`/`H`,
/// `d`/`D`, `w`/`W`; a bare unit means one of it (`"h"` is one hour).
///
/// ```
/// use huntbook_analysis::timeseries::Interval;
/// let hour: Interval = "1h".parse().unwrap();
/// assert_eq!(hour, Interval::from_secs(3600));
/// assert_eq!(hour.to_string(), "1h");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    micros: i64,
}

impl Interval {
    /// An interval of `micros` microseconds; `None` unless it is positive.
    pub fn from_micros(micros: i64) -> Option<Self> {
        (micros > 0).then_some(Self { micros })
    }

    /// An interval of `secs` seconds (at least one microsecond).
    pub fn from_secs(secs: u32) -> Self {
        Self {
            micros: (i64::from(secs) * MICROS_PER_SECOND).max(1),
        }
    }

    /// An interval of `secs` seconds, for constants (`secs` must be positive).
    pub(crate) const fn from_whole_secs(secs: i64) -> Self {
        Self {
            micros: secs * MICROS_PER_SECOND,
        }
    }

    /// The interval in microseconds.
    pub fn micros(self) -> i64 {
        self.micros
    }

    /// The interval as a chrono duration.
    pub fn to_duration(self) -> chrono::TimeDelta {
        chrono::TimeDelta::microseconds(self.micros)
    }
}

/// The units known to the parser, longest names first so `"min"` wins over `"m"`.
const UNITS: &[(&str, i64)] = &[
    ("min", 60 * MICROS_PER_SECOND),
    ("us", 1),
    ("ms", 1_000),
    ("s", MICROS_PER_SECOND),
    ("S", MICROS_PER_SECOND),
    ("T", 60 * MICROS_PER_SECOND),
    ("m", 60 * MICROS_PER_SECOND),
    ("h", 3_600 * MICROS_PER_SECOND),
    ("H", 3_600 * MICROS_PER_SECOND),
    ("d", 86_400 * MICROS_PER_SECOND),
    ("D", 86_400 * MICROS_PER_SECOND),
    ("w", 7 * 86_400 * MICROS_PER_SECOND),
    ("W", 7 * 86_400 * MICROS_PER_SECOND),
];

impl FromStr for Interval {
    type Err = TimeSeriesError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason| TimeSeriesError::Interval {
            text: text.to_string(),
            reason,
        };
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .ok_or(fail("no unit"))?;
        let (number, unit) = trimmed.split_at(split);

        let count: i64 = if number.is_empty() {
            1
        } else {
            number.parse().map_err(|_| fail("number too large"))?
        };
        let scale = UNITS
            .iter()
            .find(|(name, _)| *name == unit.trim())
            .map(|(_, scale)| *scale)
            .ok_or(fail("unknown unit"))?;

        let micros = count.checked_mul(scale).ok_or(fail("interval too long"))?;
        Interval::from_micros(micros).ok_or(fail("interval must be longer than zero"))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [
            (7 * 86_400 * MICROS_PER_SECOND, "w"),
            (86_400 * MICROS_PER_SECOND, "d"),
            (3_600 * MICROS_PER_SECOND, "h"),
            (60 * MICROS_PER_SECOND, "min"),
            (MICROS_PER_SECOND, "s"),
            (1_000, "ms"),
        ];
        let (scale, name) = units
            .iter()
            .find(|(scale, _)| self.micros % scale == 0)
            .copied()
            .unwrap_or((1, "us"));
        write!(f, "{}{}", self.micros / scale, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pandas_designators() {
        let parse = |s: &str| s.parse::<Interval>().map(Interval::micros).ok();
        assert_eq!(parse("1h"), Some(3_600_000_000));
        assert_eq!(parse("1H"), Some(3_600_000_000));
        assert_eq!(parse("h"), Some(3_600_000_000));
        assert_eq!(parse("15min"), Some(900_000_000));
        assert_eq!(parse("15T"), Some(900_000_000));
        assert_eq!(parse("30s"), Some(30_000_000));
        assert_eq!(parse("2d"), Some(172_800_000_000));
        assert_eq!(parse("250ms"), Some(250_000));
    }

    #[test]
    fn rejects_bad_intervals_with_reason() {
        for bad in ["", "5", "0h", "1 fortnight", "-1h"] {
            let err = bad.parse::<Interval>().unwrap_err();
            assert!(
                err.to_string().contains("cannot read interval"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn displays_in_largest_whole_unit() {
        assert_eq!(Interval::from_secs(5400).to_string(), "90min");
        assert_eq!(Interval::from_secs(86_400).to_string(), "1d");
        assert_eq!(
            Interval::from_micros(1500).map(|i| i.to_string()),
            Some("1500us".into())
        );
    }
}
