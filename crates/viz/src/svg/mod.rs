//! A standalone SVG document and the few shapes it is built from.
//!
//! [`Svg`] holds the document size, an optional title and the shapes added so far, already
//! written as markup. Shapes are plain values ([`Rect`], [`Circle`], [`Line`], [`Text`]) with
//! small builder methods; every string they carry is escaped when the shape is added, so a
//! document can only ever contain the markup this module writes.

mod element;
mod write;

pub use element::{Anchor, Circle, Element, Group, Line, Path, Rect, Text};
pub(crate) use write::number;

use crate::escape::push_xml;

/// A complete, standalone SVG document.
///
/// The document needs no scripts, fonts or other external resources, so it renders the same
/// in a notebook, in a browser and as a saved `.svg` file.
///
/// ```
/// use huntbook_viz::{Rect, Svg};
///
/// let mut svg = Svg::new(120, 40);
/// svg.title("one bar").add(Rect::new(10.0, 10.0, 100.0, 20.0).tooltip("a <b> c"));
/// let text = svg.to_svg_string();
/// assert!(text.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
/// assert!(text.contains("<title>a &lt;b&gt; c</title>"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Svg {
    width: u32,
    height: u32,
    title: Option<String>,
    body: String,
    open_groups: usize,
}

impl Svg {
    /// Starts an empty document `width` × `height` pixels in size.
    pub fn new(width: u32, height: u32) -> Self {
        Svg {
            width,
            height,
            title: None,
            body: String::new(),
            open_groups: 0,
        }
    }

    /// Width of the document in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height of the document in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The document title, if one was set.
    pub fn title_text(&self) -> Option<&str> {
        self.title.as_deref()
    }

    /// Sets the document title: the accessible name of the image, shown as its tooltip.
    pub fn title(&mut self, text: &str) -> &mut Self {
        self.title = Some(text.to_owned());
        self
    }

    /// Adds one shape on top of the shapes added before it.
    pub fn add(&mut self, element: impl Into<Element>) -> &mut Self {
        element.into().write(&mut self.body);
        self
    }

    /// Opens a group: shapes added until the matching [`close`](Self::close) belong to it.
    pub fn open(&mut self, group: Group) -> &mut Self {
        group.write_open(&mut self.body);
        self.open_groups += 1;
        self
    }

    /// Closes the most recently opened group; does nothing when no group is open.
    pub fn close(&mut self) -> &mut Self {
        if self.open_groups > 0 {
            self.open_groups -= 1;
            self.body.push_str("</g>\n");
        }
        self
    }

    /// Appends markup written by this crate's own code (definitions such as a `<clipPath>`).
    ///
    /// Never pass text from data here: it is not escaped.
    pub(crate) fn push_markup(&mut self, markup: &str) -> &mut Self {
        self.body.push_str(markup);
        self
    }

    /// The document as SVG markup, one element per line.
    pub fn to_svg_string(&self) -> String {
        let mut out = String::with_capacity(self.body.len() + 200);
        out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\"");
        out.push_str(&format!(
            " width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"",
            w = self.width,
            h = self.height
        ));
        out.push_str(" font-family=\"sans-serif\" role=\"img\">\n");
        if let Some(title) = &self.title {
            out.push_str("<title>");
            push_xml(&mut out, title);
            out.push_str("</title>\n");
        }
        out.push_str(&self.body);
        // A group left open by mistake would make the document invalid XML.
        for _ in 0..self.open_groups {
            out.push_str("</g>\n");
        }
        out.push_str("</svg>\n");
        out
    }

    /// The document wrapped in a `<div>`, ready to embed in an HTML page or notebook output.
    pub fn to_html(&self) -> String {
        format!(
            "<div class=\"huntbook-svg\">\n{}</div>\n",
            self.to_svg_string()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_document_has_size_and_viewbox() {
        let text = Svg::new(400, 300).to_svg_string();
        assert_eq!(
            text,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"400\" height=\"300\" \
             viewBox=\"0 0 400 300\" font-family=\"sans-serif\" role=\"img\">\n</svg>\n"
        );
    }

    #[test]
    fn title_is_escaped() {
        let mut svg = Svg::new(10, 10);
        svg.title("<script>alert(1)</script>");
        let text = svg.to_svg_string();
        assert!(text.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
        assert!(!text.contains("<script"));
        assert_eq!(svg.title_text(), Some("<script>alert(1)</script>"));
    }

    #[test]
    fn shapes_keep_their_order() {
        let mut svg = Svg::new(10, 10);
        svg.add(Circle::new(1.0, 1.0, 1.0))
            .add(Line::new(0.0, 0.0, 5.0, 5.0));
        let text = svg.to_svg_string();
        let circle = text.find("<circle").unwrap_or(usize::MAX);
        let line = text.find("<line").unwrap_or(0);
        assert!(circle < line);
    }

    #[test]
    fn html_wraps_the_document_in_a_div() {
        let svg = Svg::new(10, 20);
        let html = svg.to_html();
        assert!(html.starts_with("<div class=\"huntbook-svg\">\n<svg "));
        assert!(html.ends_with("</svg>\n</div>\n"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn size_is_reported() {
        let svg = Svg::new(640, 480);
        assert_eq!((svg.width(), svg.height()), (640, 480));
    }
}
