//! Rendering of frames and charts into MIME bundles, and the lines that carry them.

use huntbook::display::mime;
use huntbook::display::protocol::{MARKER, display_line, result_line};
use huntbook::prelude::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn html(bundle: &MimeBundle) -> Result<&str, &'static str> {
    bundle.get(mime::TEXT_HTML).ok_or("bundle has no text/html")
}

#[test]
fn planted_script_value_is_escaped() -> TestResult {
    let df = df!(
        "cmdline" => ["<script>alert(1)</script>", "a & b", "line1\nline2", "it's \"quoted\""],
    )?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a &amp; b"));
    assert!(html.contains("line1&#10;line2"));
    assert!(html.contains("it&#39;s &quot;quoted&quot;"));
    Ok(())
}

#[test]
fn column_name_with_markup_is_escaped() -> TestResult {
    let df = df!("<img src=x onerror=alert(1)>" => [1, 2])?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    assert!(!html.contains("<img"));
    assert!(html.contains("<th>&lt;img src=x onerror=alert(1)&gt;<br><small>i32</small></th>"));
    Ok(())
}

#[test]
fn header_gives_the_shape() -> TestResult {
    let df = df!("a" => [1, 2, 3], "b" => ["x", "y", "z"])?;
    let bundle = df.mime_bundle();
    assert!(html(&bundle)?.contains("<caption>3 rows × 2 columns</caption>"));
    Ok(())
}

#[test]
fn small_frame_shows_all_rows() -> TestResult {
    let df = df!("n" => (0..10).collect::<Vec<i64>>())?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    assert_eq!(html.matches("</td></tr>").count(), 10);
    assert!(!html.contains("…"));
    Ok(())
}

#[test]
fn big_frame_shows_head_and_tail_and_stays_small() -> TestResult {
    let n: Vec<i64> = (0..10_000).collect();
    let label: Vec<String> = n.iter().map(|i| format!("row-{i}")).collect();
    let df = df!("n" => n, "label" => label)?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    assert!(html.len() < 20_000, "HTML is {} bytes", html.len());
    assert!(html.contains("10000 rows × 2 columns"));
    for shown in ["row-0", "row-4", "row-9995", "row-9999"] {
        assert!(
            html.contains(&format!("<td>{shown}</td>")),
            "{shown} missing"
        );
    }
    for hidden in ["row-5<", "row-9994<"] {
        assert!(!html.contains(hidden), "{hidden} should be elided");
    }
    assert!(html.contains("<tr><th>…</th><td>…</td><td>…</td></tr>"));
    Ok(())
}

#[test]
fn wide_frame_and_long_cells_are_capped() -> TestResult {
    let columns: Vec<Column> = (0..40)
        .map(|i| Column::new(format!("c{i}").into(), ["x".repeat(1000)]))
        .collect();
    let df = DataFrame::new_infer_height(columns)?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    assert!(html.contains("1 row × 40 columns (first 30 shown)"));
    assert!(html.contains("<th>c29<br>"));
    assert!(!html.contains("<th>c30<br>"));
    assert!(html.contains(&format!("<td>{}…</td>", "x".repeat(200))));
    assert!(html.len() < 20_000, "HTML is {} bytes", html.len());
    Ok(())
}

#[test]
fn nulls_are_marked() -> TestResult {
    let df = df!("s" => [Some("null"), None])?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    assert!(html.contains("<td>null</td>"));
    assert!(html.contains("<td><em>null</em></td>"));
    Ok(())
}

#[test]
fn table_options_change_what_is_shown() -> TestResult {
    let df = df!("n" => (0..50).collect::<Vec<i32>>())?;
    let bundle = Table::new(&df).with_head(2).with_tail(1).mime_bundle();
    let html = html(&bundle)?;
    // Two head rows, the "…" row and one tail row.
    assert_eq!(html.matches("</td></tr>").count(), 4);
    assert!(html.contains("<tr><th>49</th><td>49</td></tr>"));
    Ok(())
}

#[test]
fn text_plain_is_polars_display() -> TestResult {
    let df = df!("host" => ["dc01"], "n" => [3])?;
    let bundle = df.mime_bundle();
    assert_eq!(bundle.text_plain(), df.to_string());
    assert!(bundle.text_plain().contains("dc01"));
    Ok(())
}

#[test]
fn no_scripts_or_external_resources_in_table() -> TestResult {
    let df = df!("a" => [1])?;
    let bundle = df.mime_bundle();
    let html = html(&bundle)?;
    for forbidden in ["<script", "<link", "<style", "src=", "href=", "http"] {
        assert!(!html.contains(forbidden), "{forbidden} found");
    }
    Ok(())
}

#[test]
fn svg_bundle_has_image_html_and_text() -> TestResult {
    let svg = bar_chart("alerts", &[("high", 3), ("low", 12)]);
    let bundle = svg.mime_bundle();
    let image = bundle.get(mime::IMAGE_SVG).ok_or("no image/svg+xml")?;
    assert!(image.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(html(&bundle)?.contains(image));
    assert_eq!(bundle.text_plain(), "Svg 480×116 \"alerts\"");
    Ok(())
}

#[test]
fn references_render_like_their_target() -> TestResult {
    let df = df!("a" => [1])?;
    let by_ref: &DataFrame = &df;
    assert_eq!((&by_ref).mime_bundle(), df.mime_bundle());
    Ok(())
}

#[test]
fn frame_display_line_is_one_json_line() -> TestResult {
    let df = df!("msg" => ["first\nsecond", "\u{1e}HUNTBOOK\u{1e}{}"])?;
    let line = display_line(&df.mime_bundle(), None);
    assert!(line.starts_with(MARKER));
    assert_eq!(line.matches('\n').count(), 1);
    assert!(line.ends_with("}\n"));
    let json: serde_json::Value = serde_json::from_str(&line[MARKER.len()..])?;
    assert_eq!(json["kind"], "display");
    assert!(json["data"]["text/html"].is_string());
    assert!(json["data"]["text/plain"].is_string());
    Ok(())
}

#[test]
fn result_line_for_a_chart() -> TestResult {
    let line = result_line(&bar_chart("t", &[("a", 1)]).mime_bundle());
    let json: serde_json::Value = serde_json::from_str(&line[MARKER.len()..])?;
    assert_eq!(json["kind"], "result");
    assert!(json["data"]["image/svg+xml"].is_string());
    assert_eq!(json["display_id"], serde_json::Value::Null);
    Ok(())
}
