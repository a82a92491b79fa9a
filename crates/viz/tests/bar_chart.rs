//! Snapshot tests: whole documents compared with files under `tests/snapshots/`.
//!
//! After an intended change to the output, run with `UPDATE_SNAPSHOTS=1` to rewrite the
//! files, then review the diff before keeping it.

use std::path::PathBuf;

use huntbook_viz::{Anchor, Circle, Line, Rect, Svg, Text, bar_chart};

fn check_snapshot(name: &str, actual: &str) -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path)?;
    assert_eq!(
        actual,
        expected,
        "{} differs from the output; rerun with UPDATE_SNAPSHOTS=1 if the change is intended",
        path.display()
    );
    Ok(())
}

#[test]
fn bar_chart_snapshot() -> Result<(), Box<dyn std::error::Error>> {
    let bars = vec![
        ("dc01".to_owned(), 42u32),
        ("ws-17 <admin>".to_owned(), 7),
        ("a-very-long-hostname.corp.example".to_owned(), 19),
    ];
    let svg = bar_chart("logons by host", &bars);
    check_snapshot("bar_chart.svg", &svg.to_svg_string())
}

#[test]
fn builder_snapshot() -> Result<(), Box<dyn std::error::Error>> {
    let mut svg = Svg::new(200, 100);
    svg.title("shapes & \"quotes\"")
        .add(
            Rect::new(10.0, 10.0, 50.0, 30.0)
                .fill("#d62728")
                .tooltip("rect"),
        )
        .add(Circle::new(100.0, 25.0, 15.0).tooltip("it's a circle"))
        .add(Line::new(0.0, 90.0, 200.0, 90.0).stroke_width(0.5))
        .add(Text::new(100.0, 80.0, "<script>alert(1)</script>").anchor(Anchor::Middle));
    check_snapshot("builder.html", &svg.to_html())
}

#[test]
fn script_label_never_becomes_markup() {
    let svg = bar_chart(
        "<script>alert(1)</script>",
        &[("<script>alert(1)</script>", 1.0)],
    );
    for document in [svg.to_svg_string(), svg.to_html()] {
        assert!(!document.contains("<script"));
        assert!(document.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
