//! Rendering a [`huntbook_viz::View`]: timelines, process trees, maps and plots.

use huntbook_viz::View;

use super::Render;
use super::bundle::{MimeBundle, mime};

/// A view shows as HTML (its SVG plus a small inline script for zoom, pan and hover) where
/// the front end runs scripts, as the bare SVG where only images show (static viewers), and
/// as a one-line summary in plain text.
impl Render for View {
    fn mime_bundle(&self) -> MimeBundle {
        let summary = format!("{} view {}×{}", self.kind(), self.width(), self.height());
        MimeBundle::new(summary)
            .with(mime::TEXT_HTML, self.to_html())
            .with(mime::IMAGE_SVG, self.to_svg_string())
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    #[test]
    fn timeline_bundle_has_html_svg_and_summary() {
        let frame = df!(
            "TimeGenerated" => ["2024-05-06T10:00:00Z", "2024-05-06T11:00:00Z"],
            "Computer" => ["<script>x</script>", "db02"],
        )
        .unwrap();
        let view = huntbook_viz::Timeline::new(&frame)
            .group_by("Computer")
            .build()
            .unwrap();
        let bundle = view.mime_bundle();
        assert!(bundle.text_plain().contains("view"));
        let svg = bundle.get(mime::IMAGE_SVG).unwrap_or_default();
        assert!(svg.contains("&lt;script&gt;x"), "{svg}");
        assert!(bundle.get(mime::TEXT_HTML).is_some());
    }
}
