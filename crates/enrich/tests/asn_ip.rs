//! ASN ranges (bundled and shared) and IP utilities over DataFrames.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};

use huntbook_enrich::asn::AsnTable;
use huntbook_enrich::ip::{haversine_km, ip_type_frame, whois_frame};
use huntbook_testkit::shared_data;
use polars::prelude::{Column, DataFrame};

#[test]
fn bundled_table_knows_well_known_networks() {
    let table = AsnTable::bundled().unwrap();
    let (v4, v6) = table.len();
    assert!(v4 > 300_000 && v6 > 50_000, "{v4} {v6}");
    assert_eq!(table.lookup("1.1.1.1".parse().unwrap()).unwrap().asn, 13335);
    assert_eq!(table.lookup("8.8.8.8".parse().unwrap()).unwrap().asn, 15169);
    assert_eq!(
        table
            .lookup("2001:4860:4860::8888".parse().unwrap())
            .unwrap()
            .asn,
        15169
    );
    assert!(table.lookup("10.0.0.1".parse().unwrap()).is_none());
    let google = table.search_organisation("google llc");
    assert!(google.iter().any(|(asn, _)| *asn == 15169), "{google:?}");
}

#[test]
fn bundled_table_agrees_with_the_shared_ranges() {
    let Some(path) = shared_data("geoip/asn-ipv4.csv.gz") else {
        eprintln!("skipped: shared geoip/asn-ipv4.csv.gz not found");
        return;
    };
    let shared = AsnTable::from_csv(&[path]).unwrap();
    let bundled = AsnTable::bundled().unwrap();
    assert_eq!(shared.len().0, bundled.len().0);
    for i in 0..5000u32 {
        let ip = IpAddr::V4(Ipv4Addr::from(i.wrapping_mul(2_654_435_761)));
        let a = shared
            .lookup(ip)
            .map(|m| (m.asn, m.organisation.to_string()));
        let b = bundled
            .lookup(ip)
            .map(|m| (m.asn, m.organisation.to_string()));
        assert_eq!(a, b, "{ip}");
    }
}

#[test]
fn whois_and_ip_type_frames() {
    let values = vec![
        Some("1.1.1.1"),
        Some("192.168.1.1"),
        Some("bogus"),
        Some("2606:4700::1111"),
    ];
    let df = DataFrame::new(4, vec![Column::new("ip".into(), values)]).unwrap();
    let table = AsnTable::bundled().unwrap();
    let out = whois_frame(table, &df, "ip").unwrap();
    assert_eq!(out.height(), 4);
    let asn = out.column("asn").unwrap().u32().unwrap();
    assert_eq!(asn.get(0), Some(13335));
    assert_eq!(asn.get(3), Some(13335));
    let errors = out.column("error").unwrap().str().unwrap();
    assert!(errors.get(1).unwrap().starts_with("private address"));
    assert_eq!(errors.get(2), Some("not an IP address"));
    assert_eq!(
        out.column("range_start").unwrap().str().unwrap().get(0),
        Some("1.1.1.0")
    );

    let types = ip_type_frame(&df, "ip").unwrap();
    let kinds = types.column("ip_type").unwrap().str().unwrap();
    assert_eq!(kinds.get(0), Some("global"));
    assert_eq!(kinds.get(1), Some("private"));
    assert_eq!(kinds.get(2), None);
}

#[test]
fn haversine_new_york_to_los_angeles() {
    let km = haversine_km((40.7128, -74.0060), (34.0522, -118.2437));
    assert!((km - 3936.0).abs() < 10.0, "{km}");
}
