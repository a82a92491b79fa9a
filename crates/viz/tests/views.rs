//! Snapshot tests of every view, plus checks of what each view must show.
//!
//! After an intended change to the output, run with `UPDATE_SNAPSHOTS=1` to rewrite the files
//! under `tests/snapshots/`, then review the diff before keeping it.

mod common;

use std::path::PathBuf;

use huntbook_viz::{ProcessTree, Timeline, TimelineLimits, ViewKind, VizError, WorldMap};

fn check_snapshot(name: &str, actual: &str) -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&path)?;
    assert!(
        actual == expected,
        "{} differs from the output; rerun with UPDATE_SNAPSHOTS=1 if the change is intended",
        path.display()
    );
    Ok(())
}

/// Every start tag has its end tag, in order: the document is well-formed as far as tags go,
/// which also shows no `<` from the data got through unescaped.
fn assert_balanced(name: &str, markup: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = markup;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            panic!("{name}: unterminated tag");
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop(),
                Some(closing),
                "{name}: </{closing}> closes the wrong element"
            );
        } else if !tag.ends_with('/') && !tag.starts_with('!') {
            let tag_name = tag.split([' ', '\n']).next().unwrap_or("");
            if tag_name == "script" || tag_name == "style" {
                // Script and style bodies are not markup; skip to their end tag.
                let close = format!("</{tag_name}>");
                let Some(at) = rest.find(&close) else {
                    panic!("{name}: unclosed {tag_name}")
                };
                rest = &rest[at + close.len()..];
                continue;
            }
            stack.push(tag_name);
        }
    }
    assert!(stack.is_empty(), "{name}: unclosed elements {stack:?}");
}

#[test]
fn view_snapshots() -> Result<(), Box<dyn std::error::Error>> {
    for (name, view) in common::all_views()? {
        let svg = view.to_svg_string();
        assert_balanced(name, &svg);
        check_snapshot(&format!("{name}.svg"), &svg)?;
    }
    Ok(())
}

#[test]
fn html_snapshot_of_the_timeline() -> Result<(), Box<dyn std::error::Error>> {
    let views = common::all_views()?;
    let (_, timeline) = views
        .iter()
        .find(|(n, _)| *n == "timeline")
        .ok_or("no timeline")?;
    let html = timeline.to_html();
    assert_balanced("timeline.html", &html);
    check_snapshot("timeline.html", &html)
}

#[test]
fn every_kind_is_drawn() -> Result<(), Box<dyn std::error::Error>> {
    let kinds: Vec<ViewKind> = common::all_views()?.iter().map(|(_, v)| v.kind()).collect();
    assert_eq!(kinds.len(), 10);
    for kind in kinds {
        assert_eq!(kind.to_string().parse::<ViewKind>(), Ok(kind));
    }
    Ok(())
}

#[test]
fn busy_rows_become_density_bins_but_rare_events_stay() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::many_events(50_000, 3)?;
    let view = Timeline::new(&df)
        .group_by("Computer")
        .color_by("Kind")
        .limits(TimelineLimits::default().with_max_markers(100))
        .build()?;
    let svg = view.to_svg_string();
    assert!(svg.contains("fill-opacity="), "density bins are drawn");
    assert!(
        svg.contains("Kind: rare-alert"),
        "the rare event keeps its own marker"
    );
    assert!(svg.matches("class=\"hb-ev\"").count() < 100);
    Ok(())
}

#[test]
fn many_groups_keep_the_rarest() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::many_events(20_000, 400)?;
    let view = Timeline::new(&df)
        .group_by("Computer")
        .limits(TimelineLimits::default().with_max_rows(9))
        .build()?;
    let svg = view.to_svg_string();
    assert!(svg.contains("other groups"));
    Ok(())
}

#[test]
fn missing_column_error_lists_the_columns() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::events(10)?;
    let Err(err) = Timeline::new(&df).group_by("Host").build() else {
        panic!("a missing column must be an error");
    };
    assert!(matches!(err, VizError::MissingColumn { .. }));
    let message = err.to_string();
    assert!(
        message.contains("`Host`") && message.contains("Computer"),
        "{message}"
    );
    Ok(())
}

#[test]
fn process_tree_text_view() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::processes(30)?;
    let text = ProcessTree::new(&df).to_text(1000)?;
    assert_eq!(text.lines().count(), 30);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| !l.starts_with(['├', '└']))
    );
    assert!(text.contains("├─ ") && text.contains("└─ "));
    let short = ProcessTree::new(&df).to_text(5)?;
    assert!(short.ends_with("… 25 more processes\n"), "{short}");
    Ok(())
}

#[test]
fn big_process_trees_start_collapsed() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::processes(10_000)?;
    let started = std::time::Instant::now();
    let view = ProcessTree::new(&df).highlight(&["p9999"]).build()?;
    let svg = view.to_svg_string();
    eprintln!(
        "process tree of 10,000: {} bytes of SVG in {:?}",
        svg.len(),
        started.elapsed()
    );
    let shown =
        svg.matches("<g class=\"hb-node").count() - svg.matches("display:none\"><title>").count();
    assert!(shown < 1000, "{shown} nodes open at first");
    assert!(svg.contains("hb-collapsed"));
    assert!(
        svg.contains("key: p9999"),
        "the highlighted process is drawn"
    );
    assert!(svg.len() < 2_000_000, "{} bytes", svg.len());
    Ok(())
}

#[test]
fn map_clusters_dense_points_and_skips_bad_rows() -> Result<(), Box<dyn std::error::Error>> {
    let df = common::locations()?;
    let svg = WorldMap::new(&df).build()?.to_svg_string();
    assert!(svg.contains("points near here"));
    assert!(svg.contains("1 without a valid latitude/longitude left out"));
    assert!(svg.contains("<title>France</title>"));
    Ok(())
}
