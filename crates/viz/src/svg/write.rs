//! Low-level writers for attributes, numbers and tooltips.

use crate::escape::push_xml;

/// Attributes beyond a shape's own, in the order they were added.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Attrs(Vec<(&'static str, String)>);

impl Attrs {
    /// Adds `name="value"`.
    pub(crate) fn push(&mut self, name: &'static str, value: String) {
        self.0.push((name, value));
    }

    /// Writes every attribute, values escaped.
    pub(crate) fn write(&self, out: &mut String) {
        for (name, value) in &self.0 {
            attr(out, name, value);
        }
    }
}

/// Writes ` name="value"` with the value escaped.
pub(super) fn attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_xml(out, value);
    out.push('"');
}

/// Writes ` name="number"` with the number in its shortest form.
pub(super) fn num_attr(out: &mut String, name: &str, value: f64) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    out.push_str(&number(value));
    out.push('"');
}

/// Closes an element: `/>` when it has no tooltip, else a `<title>` child and the end tag.
pub(super) fn close(out: &mut String, tag: &str, tooltip: Option<&str>) {
    match tooltip {
        None => out.push_str("/>\n"),
        Some(tip) => {
            out.push_str("><title>");
            push_xml(out, tip);
            out.push_str("</title></");
            out.push_str(tag);
            out.push_str(">\n");
        }
    }
}

/// Formats a coordinate rounded to two decimals, without trailing zeros.
///
/// Sub-pixel precision beyond that only makes documents bigger. A value that is not finite is
/// written as 0 so that the document stays valid.
pub(crate) fn number(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    let rounded = (value * 100.0).round() / 100.0;
    if rounded == 0.0 {
        // Also turns -0 into 0.
        return "0".to_owned();
    }
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(number(10.0), "10");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(12.345_6), "12.35");
        assert_eq!(number(-0.001), "0");
        assert_eq!(number(f64::NAN), "0");
        assert_eq!(number(f64::INFINITY), "0");
    }

    #[test]
    fn attribute_values_are_escaped() {
        let mut out = String::new();
        attr(&mut out, "fill", "red\" onload=\"x");
        assert_eq!(out, " fill=\"red&quot; onload=&quot;x\"");
    }

    #[test]
    fn close_with_and_without_tooltip() {
        let mut out = String::new();
        close(&mut out, "rect", None);
        close(&mut out, "rect", Some("a&b"));
        assert_eq!(out, "/>\n><title>a&amp;b</title></rect>\n");
    }
}
