//! Rendering a [`huntbook_viz::Svg`] chart.

use huntbook_viz::Svg;

use super::Render;
use super::bundle::{MimeBundle, mime};

/// An SVG shows as the image itself where the front end supports SVG, as HTML elsewhere, and
/// as a one-line summary in plain text.
impl Render for Svg {
    fn mime_bundle(&self) -> MimeBundle {
        let summary = match self.title_text() {
            Some(title) => format!("Svg {}×{} {title:?}", self.width(), self.height()),
            None => format!("Svg {}×{}", self.width(), self.height()),
        };
        MimeBundle::new(summary)
            .with(mime::IMAGE_SVG, self.to_svg_string())
            .with(mime::TEXT_HTML, self.to_html())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_has_svg_html_and_summary() {
        let bundle = Svg::new(400, 300).mime_bundle();
        assert_eq!(bundle.text_plain(), "Svg 400×300");
        assert!(
            bundle
                .get(mime::IMAGE_SVG)
                .is_some_and(|svg| svg.starts_with("<svg "))
        );
        assert!(
            bundle
                .get(mime::TEXT_HTML)
                .is_some_and(|html| html.starts_with("<div"))
        );
    }

    #[test]
    fn summary_names_the_title() {
        let mut svg = Svg::new(10, 20);
        svg.title("hosts");
        assert_eq!(svg.mime_bundle().text_plain(), "Svg 10×20 \"hosts\"");
    }
}
