//! The PostgreSQL driver against a real server.
//!
//! Start one with `export HUNTBOOK_TEST_PG_URL="$(scripts/postgres-test-server.sh)"`; without
//! that variable every test here skips, saying so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use huntbook_data::driver::postgres::{NumericMode, PostgresDriver, PostgresOptions};
use huntbook_data::driver::{Driver, DriverError};
use polars::prelude::*;

fn url() -> Option<String> {
    let url = std::env::var("HUNTBOOK_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!(
            "skipping: HUNTBOOK_TEST_PG_URL is not set; run \
             `export HUNTBOOK_TEST_PG_URL=$(scripts/postgres-test-server.sh)`"
        );
    }
    url
}

/// A schema of its own per test, so tests can run side by side.
fn setup(url: &str, schema: &str) -> PostgresDriver {
    let driver = PostgresDriver::connect_url(url).unwrap();
    driver
        .execute(&format!(
            "drop schema if exists {schema} cascade; create schema {schema}"
        ))
        .unwrap();
    driver
}

const TYPES_TABLE: &str = "
create table {s}.events (
    id int4 primary key,
    small int2, big int8, real4 float4, real8 float8, amount numeric(12, 3),
    flag bool, name text, code varchar(10), letter char(2),
    at timestamp, at_tz timestamptz, day date, span interval,
    uid uuid, doc json, docb jsonb, addr inet, net cidr,
    tags text[], scores int4[], raw bytea
);
insert into {s}.events values
 (1, 7, 9000000000, 1.5, 2.25, 1234.567, true, 'alpha', 'A1', 'x',
  '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05+02', '2024-02-29', '1 day 02:00:00.5',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2]}', '{\"b\": true, \"a\": null}',
  '192.168.1.10', '10.0.0.0/8', '{\"red\", \"green\", NULL}', '{1, 2, 3}', '\\xdeadbeef'),
 (2, null, null, null, null, null, null, null, null, null,
  null, null, null, null, null, null, null, null, null, null, null, null);
";

fn micros(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_micros()
}

#[test]
fn every_type_maps_to_its_dtype_with_nulls() {
    let Some(url) = url() else { return };
    let driver = setup(&url, "hb_types");
    driver
        .execute(&TYPES_TABLE.replace("{s}", "hb_types"))
        .unwrap();
    let frame = driver
        .query("select * from hb_types.events order by id")
        .unwrap();
    assert_eq!(frame.shape(), (2, 22));

    let utc = DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
    let expected = [
        ("id", DataType::Int64),
        ("small", DataType::Int64),
        ("big", DataType::Int64),
        ("real4", DataType::Float64),
        ("real8", DataType::Float64),
        ("amount", DataType::Float64),
        ("flag", DataType::Boolean),
        ("name", DataType::String),
        ("code", DataType::String),
        ("letter", DataType::String),
        ("at", utc.clone()),
        ("at_tz", utc),
        ("day", DataType::Date),
        ("span", DataType::Duration(TimeUnit::Microseconds)),
        ("uid", DataType::String),
        ("doc", DataType::String),
        ("docb", DataType::String),
        ("addr", DataType::String),
        ("net", DataType::String),
        ("tags", DataType::String),
        ("scores", DataType::String),
        ("raw", DataType::String),
    ];
    for (name, dtype) in expected {
        let column = frame.column(name).unwrap();
        assert_eq!(column.dtype(), &dtype, "{name}");
        if name != "id" {
            assert_eq!(column.null_count(), 1, "{name} should be null in row 2");
        }
    }
    assert!(
        frame.column("_errors").is_err(),
        "no decoding errors expected"
    );

    let first = |name: &str| frame.column(name).unwrap().get(0).unwrap().into_static();
    assert_eq!(first("small"), AnyValue::Int64(7));
    assert_eq!(first("big"), AnyValue::Int64(9_000_000_000));
    assert_eq!(first("real4"), AnyValue::Float64(1.5));
    assert_eq!(first("amount"), AnyValue::Float64(1234.567));
    assert_eq!(first("flag"), AnyValue::Boolean(true));
    let text = |name: &str| {
        frame
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string)
    };
    assert_eq!(text("name").as_deref(), Some("alpha"));
    assert_eq!(text("letter").as_deref(), Some("x "));
    assert_eq!(
        text("uid").as_deref(),
        Some("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
    );
    assert_eq!(text("addr").as_deref(), Some("192.168.1.10"));
    assert_eq!(text("net").as_deref(), Some("10.0.0.0/8"));
    assert_eq!(text("tags").as_deref(), Some(r#"["red","green",null]"#));
    assert_eq!(text("scores").as_deref(), Some("[1,2,3]"));
    assert_eq!(text("raw").as_deref(), Some(r"\xdeadbeef"));
    let doc: serde_json::Value = serde_json::from_str(&text("doc").unwrap()).unwrap();
    assert_eq!(doc, serde_json::json!({"k": [1, 2]}));
    let docb: serde_json::Value = serde_json::from_str(&text("docb").unwrap()).unwrap();
    assert_eq!(docb, serde_json::json!({"a": null, "b": true}));

    let physical = |name: &str| {
        let series = frame
            .column(name)
            .unwrap()
            .as_materialized_series()
            .to_physical_repr();
        series
            .i64()
            .map(|c| c.get(0))
            .unwrap_or_else(|_| series.i32().unwrap().get(0).map(i64::from))
    };
    assert_eq!(physical("at"), Some(micros("2024-01-02T03:04:05.678901Z")));
    assert_eq!(physical("at_tz"), Some(micros("2024-01-02T01:04:05Z")));
    let leap_day = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let days = (leap_day - chrono::NaiveDate::default()).num_days();
    assert_eq!(physical("day"), Some(days));
    assert_eq!(physical("span"), Some(93_600_500_000));
}

#[test]
fn numerics_can_stay_exact() {
    let Some(url) = url() else { return };
    let options = PostgresOptions::from_url(&url)
        .unwrap()
        .with_numeric(NumericMode::Text);
    let driver = PostgresDriver::connect(options).unwrap();
    let frame = driver
        .query("select 123456789012345678901234.5678::numeric as n, 'NaN'::numeric as nan, -0.0012::numeric as small")
        .unwrap();
    let text = |name: &str| {
        frame
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string)
    };
    assert_eq!(text("n").as_deref(), Some("123456789012345678901234.5678"));
    assert_eq!(text("nan").as_deref(), Some("NaN"));
    assert_eq!(text("small").as_deref(), Some("-0.0012"));
}

#[test]
fn empty_results_keep_their_columns() {
    let Some(url) = url() else { return };
    let driver = PostgresDriver::connect_url(&url).unwrap();
    let frame = driver
        .query("select 1::int8 as a, 'x'::text as b where false")
        .unwrap();
    assert_eq!(frame.shape(), (0, 2));
    assert_eq!(frame.column("a").unwrap().dtype(), &DataType::Int64);
}

#[test]
fn enums_and_domains_decode() {
    let Some(url) = url() else { return };
    let driver = setup(&url, "hb_enums");
    driver
        .execute(
            "create type hb_enums.level as enum ('low', 'high');
             create domain hb_enums.port as int4 check (value > 0);
             create table hb_enums.t (l hb_enums.level, p hb_enums.port);
             insert into hb_enums.t values ('high', 443)",
        )
        .unwrap();
    let frame = driver.query("select l, p from hb_enums.t").unwrap();
    assert_eq!(
        frame.column("l").unwrap().str().unwrap().get(0),
        Some("high")
    );
    assert_eq!(frame.column("p").unwrap().i64().unwrap().get(0), Some(443));
}

#[test]
fn sql_errors_say_what_and_where() {
    let Some(url) = url() else { return };
    let driver = PostgresDriver::connect_url(&url).unwrap();
    let err = driver
        .query("select * from no_such_table_here")
        .unwrap_err();
    assert!(matches!(err, DriverError::Query { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("42P01") && text.contains("no_such_table_here"),
        "{text}"
    );
    assert!(text.contains("at character 15"), "{text}");
    // The connection is still usable.
    assert_eq!(driver.query("select 1 as one").unwrap().height(), 1);
}

#[test]
fn wrong_passwords_are_auth_errors_without_the_password() {
    let Some(url) = url() else { return };
    let Ok(mut parsed) = url::Url::parse(&url) else {
        return;
    };
    parsed.set_username("huntbook_pw").unwrap();
    parsed.set_password(Some("not-the-password-42")).unwrap();
    let err = PostgresDriver::connect_url(parsed.as_str()).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(!text.contains("not-the-password-42"), "{text}");

    parsed.set_password(Some("huntbook-pw")).unwrap();
    let driver = PostgresDriver::connect_url(parsed.as_str()).unwrap();
    assert!(!format!("{driver:?} {:?}", driver.options()).contains("huntbook-pw"));
    assert_eq!(
        driver
            .query("select current_user::text as u")
            .unwrap()
            .height(),
        1
    );
}

#[test]
fn unreachable_servers_are_connect_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgresql://someone:pw-unused@127.0.0.1:{port}/db");
    let err = PostgresDriver::connect_url(&url).unwrap_err();
    assert!(matches!(err, DriverError::Connect { .. }), "{err:?}");
    assert!(!err.to_string().contains("pw-unused"), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}/db")),
        "{err}"
    );
}

#[test]
fn parameters_are_formatted_as_sql_literals() {
    let Some(url) = url() else { return };
    let driver = PostgresDriver::connect_url(&url).unwrap();
    let items = ["o'brien".to_string(), "x".to_string()];
    let list = driver.format_list(&items, true);
    assert_eq!(list, "'o''brien', 'x'");
    let when = chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
        .unwrap()
        .to_utc();
    let sql = format!(
        "select {} as t, 'o''brien' in ({list}) as found",
        driver.format_datetime(&when)
    );
    let frame = driver.query(&sql).unwrap();
    assert_eq!(
        frame.column("found").unwrap().bool().unwrap().get(0),
        Some(true)
    );
}
