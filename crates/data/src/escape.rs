//! Escaping text for XML and HTML.
//!
//! Every string that comes from data (labels, titles, tooltips, cell values) goes through
//! [`push_xml`] or [`xml`] before it lands in a document. The same rules serve SVG (strict XML)
//! and HTML: the five markup characters become entities, line breaks become character
//! references so a value cannot break a line-oriented consumer, and characters that XML 1.0
//! forbids outright become U+FFFD so one odd byte in a log does not make a whole SVG unreadable.

/// Returns `text` escaped for use in XML or HTML text and attribute values.
///
/// ```
/// use huntbook_data::escape::xml;
///
/// assert_eq!(xml("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
/// ```
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_xml(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`xml`] does.
pub fn push_xml(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push(c),
            c if is_forbidden_in_xml(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
}

/// Control characters other than tab, newline and carriage return are not allowed in XML 1.0,
/// not even as character references; neither are the two non-characters U+FFFE and U+FFFF.
fn is_forbidden_in_xml(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_tag_becomes_text() {
        assert_eq!(
            xml("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
    }

    #[test]
    fn all_five_markup_characters_are_escaped() {
        assert_eq!(xml(r#"&<>"'"#), "&amp;&lt;&gt;&quot;&#39;");
    }

    #[test]
    fn line_breaks_become_character_references() {
        assert_eq!(xml("a\nb\r\nc"), "a&#10;b&#13;&#10;c");
    }

    #[test]
    fn tab_is_kept() {
        assert_eq!(xml("a\tb"), "a\tb");
    }

    #[test]
    fn forbidden_control_characters_are_replaced() {
        assert_eq!(xml("a\u{0}b\u{1b}c\u{1e}"), "a\u{fffd}b\u{fffd}c\u{fffd}");
    }

    #[test]
    fn plain_and_non_ascii_text_is_unchanged() {
        assert_eq!(xml("hôte-01 → 10.0.0.1"), "hôte-01 → 10.0.0.1");
    }

    #[test]
    fn push_appends_without_clearing() {
        let mut out = String::from("x=");
        push_xml(&mut out, "<1>");
        assert_eq!(out, "x=&lt;1&gt;");
    }

    #[test]
    fn already_escaped_text_is_escaped_again() {
        assert_eq!(xml("&amp;"), "&amp;amp;");
    }
}
