//! The shapes an [`Svg`](super::Svg) is built from.
//!
//! Each shape starts from its geometry (`new`) and takes optional styling through builder
//! methods. A tooltip becomes a native `<title>` child, which browsers show on hover without
//! any script.

use super::write::{Attrs, attr, close, num_attr};
use crate::escape::push_xml;

const DEFAULT_FILL: &str = "#4c78a8";
const DEFAULT_STROKE: &str = "#333333";
const DEFAULT_TEXT: &str = "#222222";

/// Any shape that can be added to an [`Svg`](super::Svg).
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// A rectangle.
    Rect(Rect),
    /// A circle.
    Circle(Circle),
    /// A straight line.
    Line(Line),
    /// A run of text.
    Text(Text),
    /// A path drawn from SVG path data.
    Path(Path),
}

impl Element {
    /// Writes the element as one line of markup.
    pub(super) fn write(&self, out: &mut String) {
        match self {
            Element::Rect(rect) => rect.write(out),
            Element::Circle(circle) => circle.write(out),
            Element::Line(line) => line.write(out),
            Element::Text(text) => text.write(out),
            Element::Path(path) => path.write(out),
        }
    }
}

/// A filled rectangle; `x`, `y` is its top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: String,
    tooltip: Option<String>,
    extra: Attrs,
}

impl Rect {
    /// A rectangle with the default fill colour.
    pub fn new(x: f64, y: f64, width: f64, height: f64) -> Self {
        Rect {
            x,
            y,
            width,
            height,
            fill: DEFAULT_FILL.to_owned(),
            tooltip: None,
            extra: Attrs::default(),
        }
    }

    /// Sets the fill colour (any SVG colour, such as `#d62728` or `steelblue`).
    pub fn fill(mut self, colour: &str) -> Self {
        self.fill = colour.to_owned();
        self
    }

    /// Sets the text shown when the pointer rests on the rectangle.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_owned());
        self
    }

    fn write(&self, out: &mut String) {
        out.push_str("<rect");
        num_attr(out, "x", self.x);
        num_attr(out, "y", self.y);
        // A negative size is invalid SVG; an empty rectangle keeps the tooltip reachable.
        num_attr(out, "width", self.width.max(0.0));
        num_attr(out, "height", self.height.max(0.0));
        attr(out, "fill", &self.fill);
        self.extra.write(out);
        close(out, "rect", self.tooltip.as_deref());
    }
}

/// A filled circle centred on `cx`, `cy`.
#[derive(Debug, Clone, PartialEq)]
pub struct Circle {
    cx: f64,
    cy: f64,
    r: f64,
    fill: String,
    tooltip: Option<String>,
    extra: Attrs,
}

impl Circle {
    /// A circle with the default fill colour.
    pub fn new(cx: f64, cy: f64, r: f64) -> Self {
        Circle {
            cx,
            cy,
            r,
            fill: DEFAULT_FILL.to_owned(),
            tooltip: None,
            extra: Attrs::default(),
        }
    }

    /// Sets the fill colour.
    pub fn fill(mut self, colour: &str) -> Self {
        self.fill = colour.to_owned();
        self
    }

    /// Sets the text shown when the pointer rests on the circle.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_owned());
        self
    }

    fn write(&self, out: &mut String) {
        out.push_str("<circle");
        num_attr(out, "cx", self.cx);
        num_attr(out, "cy", self.cy);
        num_attr(out, "r", self.r.max(0.0));
        attr(out, "fill", &self.fill);
        self.extra.write(out);
        close(out, "circle", self.tooltip.as_deref());
    }
}

/// A straight line from `x1`, `y1` to `x2`, `y2`.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
    stroke: String,
    stroke_width: f64,
    tooltip: Option<String>,
    extra: Attrs,
}

impl Line {
    /// A one-pixel line in the default stroke colour.
    pub fn new(x1: f64, y1: f64, x2: f64, y2: f64) -> Self {
        Line {
            x1,
            y1,
            x2,
            y2,
            stroke: DEFAULT_STROKE.to_owned(),
            stroke_width: 1.0,
            tooltip: None,
            extra: Attrs::default(),
        }
    }

    /// Sets the text shown when the pointer rests on the line.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_owned());
        self
    }

    /// Sets the stroke colour.
    pub fn stroke(mut self, colour: &str) -> Self {
        self.stroke = colour.to_owned();
        self
    }

    /// Sets the stroke width in pixels.
    pub fn stroke_width(mut self, width: f64) -> Self {
        self.stroke_width = width;
        self
    }

    fn write(&self, out: &mut String) {
        out.push_str("<line");
        num_attr(out, "x1", self.x1);
        num_attr(out, "y1", self.y1);
        num_attr(out, "x2", self.x2);
        num_attr(out, "y2", self.y2);
        attr(out, "stroke", &self.stroke);
        num_attr(out, "stroke-width", self.stroke_width);
        self.extra.write(out);
        close(out, "line", self.tooltip.as_deref());
    }
}

/// Where a [`Text`] sits relative to its anchor point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Anchor {
    /// The text starts at the point.
    #[default]
    Start,
    /// The text is centred on the point.
    Middle,
    /// The text ends at the point.
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// A run of text whose baseline starts (or is centred, or ends) at `x`, `y`.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    x: f64,
    y: f64,
    content: String,
    size: f64,
    anchor: Anchor,
    fill: String,
    tooltip: Option<String>,
    extra: Attrs,
}

impl Text {
    /// Text in 12-pixel type, anchored at its start.
    pub fn new(x: f64, y: f64, content: &str) -> Self {
        Text {
            x,
            y,
            content: content.to_owned(),
            size: 12.0,
            anchor: Anchor::Start,
            fill: DEFAULT_TEXT.to_owned(),
            tooltip: None,
            extra: Attrs::default(),
        }
    }

    /// Sets the font size in pixels.
    pub fn size(mut self, size: f64) -> Self {
        self.size = size;
        self
    }

    /// Sets how the text is placed relative to its point.
    pub fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// Sets the text colour.
    pub fn fill(mut self, colour: &str) -> Self {
        self.fill = colour.to_owned();
        self
    }

    /// Sets the text shown when the pointer rests on the text, such as an untruncated label.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_owned());
        self
    }

    fn write(&self, out: &mut String) {
        out.push_str("<text");
        num_attr(out, "x", self.x);
        num_attr(out, "y", self.y);
        num_attr(out, "font-size", self.size);
        if self.anchor != Anchor::Start {
            attr(out, "text-anchor", self.anchor.as_str());
        }
        attr(out, "fill", &self.fill);
        self.extra.write(out);
        out.push('>');
        if let Some(tip) = &self.tooltip {
            out.push_str("<title>");
            push_xml(out, tip);
            out.push_str("</title>");
        }
        push_xml(out, &self.content);
        out.push_str("</text>\n");
    }
}

/// A shape drawn from SVG path data (`M 0 0 L 10 10 Z`), unfilled unless a fill is set.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    d: String,
    fill: String,
    stroke: String,
    stroke_width: f64,
    tooltip: Option<String>,
    extra: Attrs,
}

impl Path {
    /// A path with no fill and a one-pixel stroke in the default colour.
    pub fn new(d: impl Into<String>) -> Self {
        Path {
            d: d.into(),
            fill: "none".to_owned(),
            stroke: DEFAULT_STROKE.to_owned(),
            stroke_width: 1.0,
            tooltip: None,
            extra: Attrs::default(),
        }
    }

    /// Sets the fill colour.
    pub fn fill(mut self, colour: &str) -> Self {
        self.fill = colour.to_owned();
        self
    }

    /// Sets the stroke colour (`none` for no outline).
    pub fn stroke(mut self, colour: &str) -> Self {
        self.stroke = colour.to_owned();
        self
    }

    /// Sets the stroke width in pixels.
    pub fn stroke_width(mut self, width: f64) -> Self {
        self.stroke_width = width;
        self
    }

    /// Sets the text shown when the pointer rests on the path.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_owned());
        self
    }

    fn write(&self, out: &mut String) {
        out.push_str("<path");
        attr(out, "d", &self.d);
        attr(out, "fill", &self.fill);
        attr(out, "stroke", &self.stroke);
        num_attr(out, "stroke-width", self.stroke_width);
        self.extra.write(out);
        close(out, "path", self.tooltip.as_deref());
    }
}

/// A group of shapes sharing attributes (a class, a transform, a tooltip for all of them).
///
/// Open it with [`Svg::open`](super::Svg::open) and end it with
/// [`Svg::close`](super::Svg::close); everything added in between belongs to the group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Group {
    tooltip: Option<String>,
    extra: Attrs,
}

impl Group {
    /// An empty group with no attributes.
    pub fn new() -> Self {
        Group::default()
    }

    /// Sets the text shown when the pointer rests on any shape of the group.
    pub fn tooltip(mut self, text: &str) -> Self {
        self.tooltip = Some(text.to_owned());
        self
    }

    pub(super) fn write_open(&self, out: &mut String) {
        out.push_str("<g");
        self.extra.write(out);
        out.push('>');
        if let Some(tip) = &self.tooltip {
            out.push_str("<title>");
            push_xml(out, tip);
            out.push_str("</title>");
        }
        out.push('\n');
    }
}

/// Adds `attr(name, value)` to shapes: any further attribute, its value escaped.
macro_rules! extra_attrs {
    ($($shape:ident),*) => {$(
        impl $shape {
            /// Adds one more attribute, such as `class`, `opacity`, `stroke-dasharray` or a
            /// `data-*` value read by the view script. The value is escaped; the name comes
            /// from code, never from data.
            pub fn attr(mut self, name: &'static str, value: impl Into<String>) -> Self {
                self.extra.push(name, value.into());
                self
            }
        }
    )*};
}

extra_attrs!(Rect, Circle, Line, Text, Path, Group);

macro_rules! into_element {
    ($($shape:ident),*) => {$(
        impl From<$shape> for Element {
            fn from(shape: $shape) -> Self {
                Element::$shape(shape)
            }
        }
    )*};
}

into_element!(Rect, Circle, Line, Text, Path);

#[cfg(test)]
mod tests {
    use super::*;

    fn markup(element: impl Into<Element>) -> String {
        let mut out = String::new();
        element.into().write(&mut out);
        out
    }

    #[test]
    fn rect_with_tooltip() {
        let rect = Rect::new(1.0, 2.0, 3.5, 4.0).fill("red").tooltip("<b>");
        assert_eq!(
            markup(rect),
            "<rect x=\"1\" y=\"2\" width=\"3.5\" height=\"4\" fill=\"red\">\
             <title>&lt;b&gt;</title></rect>\n"
        );
    }

    #[test]
    fn negative_rect_size_is_clamped() {
        assert!(markup(Rect::new(0.0, 0.0, -5.0, 2.0)).contains("width=\"0\""));
    }

    #[test]
    fn circle_without_tooltip_is_self_closing() {
        assert_eq!(
            markup(Circle::new(5.0, 5.0, 2.0)),
            "<circle cx=\"5\" cy=\"5\" r=\"2\" fill=\"#4c78a8\"/>\n"
        );
    }

    #[test]
    fn line_has_stroke() {
        assert_eq!(
            markup(
                Line::new(0.0, 1.0, 2.0, 3.0)
                    .stroke("#000")
                    .stroke_width(2.0)
            ),
            "<line x1=\"0\" y1=\"1\" x2=\"2\" y2=\"3\" stroke=\"#000\" stroke-width=\"2\"/>\n"
        );
    }

    #[test]
    fn text_content_is_escaped() {
        let text = Text::new(0.0, 10.0, "<script>alert(1)</script>").anchor(Anchor::End);
        assert_eq!(
            markup(text),
            "<text x=\"0\" y=\"10\" font-size=\"12\" text-anchor=\"end\" fill=\"#222222\">\
             &lt;script&gt;alert(1)&lt;/script&gt;</text>\n"
        );
    }

    #[test]
    fn text_tooltip_comes_before_content() {
        let text = Text::new(0.0, 0.0, "short…").tooltip("the full label");
        assert!(markup(text).contains("><title>the full label</title>short…</text>"));
    }
}
