//! PostgreSQL values in their binary wire format, decoded for every column type.
//!
//! [`PgValue`] accepts any type: the common ones through `postgres-types`, and `numeric`,
//! `uuid`, `inet`/`cidr`, `interval` and `bytea` decoded here (the crate's optional
//! features for them are not enabled in the workspace). Arrays decode element by element;
//! domains as their base type; enums and unknown text-like types as UTF-8 text.

use std::error::Error;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat, Utc};
use postgres::types::{FromSql, Kind, Type};
use serde_json::Value;

use crate::driver::http::ColumnKind;

type DecodeError = Box<dyn Error + Sync + Send>;

/// One decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum PgValue {
    /// SQL NULL (inside arrays).
    Null,
    /// `bool`.
    Bool(bool),
    /// `int2`, `int4`, `int8`, `oid`.
    Int(i64),
    /// `float4`, `float8`.
    Float(f64),
    /// `numeric`, as exact decimal text.
    Numeric(String),
    /// Text types, `uuid`, `inet`, `time`, `bytea` (as `\x…` hex), enums.
    Text(String),
    /// `timestamp` (read as UTC) and `timestamptz`, in microseconds since the epoch.
    Timestamp(i64),
    /// `date`, in days since 1970-01-01.
    Date(i32),
    /// `interval`, in microseconds (a month counts 30 days).
    Interval(i64),
    /// `json`, `jsonb`.
    Json(Value),
    /// Any one-dimensional array.
    Array(Vec<PgValue>),
}

/// The column kind a PostgreSQL type becomes.
pub fn column_kind(ty: &Type) -> ColumnKind {
    if let Kind::Domain(inner) = ty.kind() {
        return column_kind(inner);
    }
    if matches!(ty.kind(), Kind::Array(_)) {
        return ColumnKind::Json;
    }
    match *ty {
        Type::BOOL => ColumnKind::Bool,
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID => ColumnKind::Int,
        Type::FLOAT4 | Type::FLOAT8 | Type::NUMERIC => ColumnKind::Float,
        Type::TIMESTAMP | Type::TIMESTAMPTZ => ColumnKind::DateTime,
        Type::DATE => ColumnKind::Date,
        Type::INTERVAL => ColumnKind::Duration,
        Type::JSON | Type::JSONB => ColumnKind::Json,
        _ => ColumnKind::String,
    }
}

impl<'a> FromSql<'a> for PgValue {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, DecodeError> {
        match ty.kind() {
            Kind::Domain(inner) => return PgValue::from_sql(inner, raw),
            Kind::Array(_) => {
                let items = Vec::<Option<PgValue>>::from_sql(ty, raw)?;
                let items = items
                    .into_iter()
                    .map(|v| v.unwrap_or(PgValue::Null))
                    .collect();
                return Ok(PgValue::Array(items));
            }
            Kind::Enum(_) => return text(raw),
            _ => {}
        }
        let value = match *ty {
            Type::BOOL => PgValue::Bool(bool::from_sql(ty, raw)?),
            Type::INT2 => PgValue::Int(i16::from_sql(ty, raw)?.into()),
            Type::INT4 => PgValue::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT8 => PgValue::Int(i64::from_sql(ty, raw)?),
            Type::OID => PgValue::Int(u32::from_sql(ty, raw)?.into()),
            Type::FLOAT4 => PgValue::Float(f32::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => PgValue::Float(f64::from_sql(ty, raw)?),
            Type::NUMERIC => PgValue::Numeric(decode_numeric(raw)?),
            Type::TIMESTAMP => PgValue::Timestamp(
                NaiveDateTime::from_sql(ty, raw)?
                    .and_utc()
                    .timestamp_micros(),
            ),
            Type::TIMESTAMPTZ => {
                PgValue::Timestamp(DateTime::<Utc>::from_sql(ty, raw)?.timestamp_micros())
            }
            Type::DATE => {
                let days = (NaiveDate::from_sql(ty, raw)? - NaiveDate::default()).num_days();
                PgValue::Date(i32::try_from(days)?)
            }
            Type::TIME => PgValue::Text(NaiveTime::from_sql(ty, raw)?.to_string()),
            Type::INTERVAL => PgValue::Interval(decode_interval(raw)?),
            Type::UUID => PgValue::Text(decode_uuid(raw)?),
            Type::INET | Type::CIDR => PgValue::Text(decode_inet(raw)?),
            Type::JSON | Type::JSONB => PgValue::Json(Value::from_sql(ty, raw)?),
            Type::BYTEA => PgValue::Text(hex(raw)),
            _ => text(raw)?,
        };
        Ok(value)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

fn text(raw: &[u8]) -> Result<PgValue, DecodeError> {
    let text = std::str::from_utf8(raw)
        .map_err(|_| "the value is binary, not text; cast it to text in the query")?;
    Ok(PgValue::Text(text.to_string()))
}

impl PgValue {
    /// The value as JSON (for array elements and JSON columns).
    pub fn to_json(&self) -> Value {
        match self {
            PgValue::Null => Value::Null,
            PgValue::Bool(b) => Value::Bool(*b),
            PgValue::Int(i) | PgValue::Interval(i) => Value::from(*i),
            PgValue::Float(f) => Value::from(*f),
            PgValue::Numeric(n) => n
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map_or_else(|| Value::String(n.clone()), Value::from),
            PgValue::Text(s) => Value::String(s.clone()),
            PgValue::Timestamp(micros) => DateTime::from_timestamp_micros(*micros)
                .map_or(Value::Null, |dt| {
                    dt.to_rfc3339_opts(SecondsFormat::AutoSi, true).into()
                }),
            PgValue::Date(days) => NaiveDate::default()
                .checked_add_signed(chrono::Duration::days((*days).into()))
                .map_or(Value::Null, |d| Value::String(d.to_string())),
            PgValue::Json(v) => v.clone(),
            PgValue::Array(items) => Value::Array(items.iter().map(PgValue::to_json).collect()),
        }
    }
}

fn read_u16(raw: &[u8], at: usize) -> Result<u16, DecodeError> {
    let bytes = raw.get(at..at + 2).ok_or("value is too short")?;
    Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
}

/// `numeric`: ndigits, weight, sign, dscale, then base-10000 digits, to exact decimal text.
pub fn decode_numeric(raw: &[u8]) -> Result<String, DecodeError> {
    let ndigits = usize::from(read_u16(raw, 0)?);
    let weight = read_u16(raw, 2)? as i16;
    let sign = read_u16(raw, 4)?;
    let dscale = usize::from(read_u16(raw, 6)?);
    match sign {
        0xC000 => return Ok("NaN".to_string()),
        0xD000 => return Ok("Infinity".to_string()),
        0xF000 => return Ok("-Infinity".to_string()),
        0x0000 | 0x4000 => {}
        other => return Err(format!("numeric has an unknown sign word {other:#x}").into()),
    }
    let digits: Vec<u16> = (0..ndigits)
        .map(|i| read_u16(raw, 8 + 2 * i))
        .collect::<Result<_, _>>()?;

    let mut integer = String::new();
    for group in 0..=i32::from(weight).max(-1) {
        let digit = usize::try_from(group)
            .ok()
            .and_then(|g| digits.get(g))
            .copied()
            .unwrap_or(0);
        if integer.is_empty() {
            if digit != 0 {
                integer = digit.to_string();
            }
        } else {
            integer.push_str(&format!("{digit:04}"));
        }
    }
    if integer.is_empty() {
        integer.push('0');
    }

    // Fraction group k (1, 2, …) has weight -k, so it sits at index weight + k.
    let mut fraction = String::new();
    let mut k = 1;
    while fraction.len() < dscale {
        let index = usize::try_from(i32::from(weight) + k).ok();
        let digit = index.and_then(|i| digits.get(i)).copied().unwrap_or(0);
        fraction.push_str(&format!("{digit:04}"));
        k += 1;
    }
    fraction.truncate(dscale);

    let sign = if sign == 0x4000 { "-" } else { "" };
    if fraction.is_empty() {
        return Ok(format!("{sign}{integer}"));
    }
    Ok(format!("{sign}{integer}.{fraction}"))
}

/// `uuid`: sixteen bytes in the usual 8-4-4-4-12 hex form.
pub fn decode_uuid(raw: &[u8]) -> Result<String, DecodeError> {
    if raw.len() != 16 {
        return Err(format!("uuid has {} bytes, not 16", raw.len()).into());
    }
    let h = hex(raw);
    let h = &h[2..];
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// `inet`/`cidr`: family, prefix bits, is-cidr flag, length, address; the prefix is shown
/// unless it covers the whole address.
pub fn decode_inet(raw: &[u8]) -> Result<String, DecodeError> {
    let [family, bits, is_cidr, length, address @ ..] = raw else {
        return Err("inet value is too short".into());
    };
    if address.len() != usize::from(*length) {
        return Err("inet length does not match its address".into());
    }
    let (ip, full): (std::net::IpAddr, u8) = match (family, address.len()) {
        (2, 4) => (
            std::net::Ipv4Addr::new(address[0], address[1], address[2], address[3]).into(),
            32,
        ),
        (3, 16) => {
            let mut octets = [0u8; 16];
            octets.copy_from_slice(address);
            (std::net::Ipv6Addr::from(octets).into(), 128)
        }
        _ => return Err(format!("inet family {family} with {length} bytes is unknown").into()),
    };
    if *bits == full && *is_cidr == 0 {
        return Ok(ip.to_string());
    }
    Ok(format!("{ip}/{bits}"))
}

/// `interval`: microseconds, days and months; a month counts 30 days.
pub fn decode_interval(raw: &[u8]) -> Result<i64, DecodeError> {
    if raw.len() != 16 {
        return Err(format!("interval has {} bytes, not 16", raw.len()).into());
    }
    let mut micros = [0u8; 8];
    micros.copy_from_slice(&raw[0..8]);
    let days = i32::from_be_bytes([raw[8], raw[9], raw[10], raw[11]]);
    let months = i32::from_be_bytes([raw[12], raw[13], raw[14], raw[15]]);
    let day_micros = 86_400_000_000i64;
    let total = i64::from_be_bytes(micros)
        .checked_add(
            i64::from(days)
                .checked_mul(day_micros)
                .ok_or("interval overflows")?,
        )
        .and_then(|t| t.checked_add(i64::from(months) * 30 * day_micros))
        .ok_or("interval overflows")?;
    Ok(total)
}

fn hex(raw: &[u8]) -> String {
    let mut out = String::with_capacity(2 + raw.len() * 2);
    out.push_str("\\x");
    for byte in raw {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = Vec::new();
        for word in [digits.len() as u16, weight as u16, sign, dscale] {
            raw.extend_from_slice(&word.to_be_bytes());
        }
        for digit in digits {
            raw.extend_from_slice(&digit.to_be_bytes());
        }
        raw
    }

    #[test]
    fn numerics_are_exact() {
        assert_eq!(
            decode_numeric(&numeric(0, 0, 2, &[12, 3400])).unwrap(),
            "12.34"
        );
        assert_eq!(
            decode_numeric(&numeric(1, 0x4000, 0, &[1, 2])).unwrap(),
            "-10002"
        );
        assert_eq!(
            decode_numeric(&numeric(-1, 0, 5, &[12])).unwrap(),
            "0.00120"
        );
        assert_eq!(
            decode_numeric(&numeric(-1, 0, 6, &[5])).unwrap(),
            "0.000500"
        );
        assert_eq!(
            decode_numeric(&numeric(-2, 0, 8, &[5])).unwrap(),
            "0.00000005"
        );
        assert_eq!(decode_numeric(&numeric(0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(decode_numeric(&numeric(0, 0xC000, 0, &[])).unwrap(), "NaN");
        assert_eq!(
            decode_numeric(&numeric(2, 0, 0, &[1])).unwrap(),
            "100000000"
        );
    }

    #[test]
    fn uuids_and_addresses() {
        let raw: Vec<u8> = (0u8..16).collect();
        assert_eq!(
            decode_uuid(&raw).unwrap(),
            "00010203-0405-0607-0809-0a0b0c0d0e0f"
        );
        assert_eq!(
            decode_inet(&[2, 32, 0, 4, 10, 0, 0, 1]).unwrap(),
            "10.0.0.1"
        );
        assert_eq!(
            decode_inet(&[2, 24, 1, 4, 10, 0, 0, 0]).unwrap(),
            "10.0.0.0/24"
        );
        assert!(decode_inet(&[2, 32]).is_err());
    }
}
