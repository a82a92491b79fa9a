//! Small HTML building blocks for entity and alert displays.
//!
//! A [`Card`] is a titled box with a key/value table; [`kv_table`] is the table alone. Every
//! title, key and value is escaped through [`crate::escape`], so data can never inject markup.
//!
//! ```
//! use huntbook_data::html::Card;
//!
//! let html = Card::new("host").row("HostName", "<ws1>").to_html();
//! assert!(html.contains("&lt;ws1&gt;"));
//! ```

use crate::escape::push_xml;

/// A titled box holding a key/value table and optional nested cards.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Card {
    title: String,
    subtitle: Option<String>,
    rows: Vec<(String, String)>,
    children: Vec<Card>,
}

impl Card {
    /// Starts a card with a title.
    pub fn new(title: impl Into<String>) -> Card {
        Card {
            title: title.into(),
            ..Card::default()
        }
    }

    /// Sets a line shown under the title.
    pub fn with_subtitle(mut self, subtitle: impl Into<String>) -> Card {
        self.subtitle = Some(subtitle.into());
        self
    }

    /// Adds one key/value row.
    pub fn row(mut self, key: impl Into<String>, value: impl Into<String>) -> Card {
        self.rows.push((key.into(), value.into()));
        self
    }

    /// Adds a row only when there is a value.
    pub fn opt_row(self, key: &str, value: Option<impl Into<String>>) -> Card {
        match value {
            Some(value) => self.row(key, value),
            None => self,
        }
    }

    /// Adds a nested card, rendered below the table.
    pub fn child(mut self, card: Card) -> Card {
        self.children.push(card);
        self
    }

    /// The rows added so far.
    pub fn rows(&self) -> &[(String, String)] {
        &self.rows
    }

    /// Renders the card as an HTML fragment.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        self.push_html(&mut out);
        out
    }

    fn push_html(&self, out: &mut String) {
        out.push_str("<div class=\"hb-card\" style=\"border:1px solid #ccc;border-radius:4px;");
        out.push_str("padding:4px 8px;margin:4px 0;font-family:sans-serif;font-size:13px\">");
        out.push_str("<div class=\"hb-card-title\" style=\"font-weight:bold\">");
        push_xml(out, &self.title);
        out.push_str("</div>");
        if let Some(subtitle) = &self.subtitle {
            out.push_str("<div class=\"hb-card-subtitle\" style=\"color:#555\">");
            push_xml(out, subtitle);
            out.push_str("</div>");
        }
        if !self.rows.is_empty() {
            out.push_str(&kv_table(&self.rows));
        }
        for child in &self.children {
            child.push_html(out);
        }
        out.push_str("</div>");
    }
}

/// Renders key/value pairs as a two-column HTML table, every cell escaped.
pub fn kv_table(rows: &[(String, String)]) -> String {
    let mut out = String::from("<table class=\"hb-kv\" style=\"border-collapse:collapse\">");
    for (key, value) in rows {
        out.push_str("<tr><th style=\"text-align:left;padding-right:8px;vertical-align:top\">");
        push_xml(&mut out, key);
        out.push_str("</th><td style=\"text-align:left\">");
        push_xml(&mut out, value);
        out.push_str("</td></tr>");
    }
    out.push_str("</table>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_escapes_title_keys_and_values() {
        let html = Card::new("<b>").row("<k>", "<script>x</script>").to_html();
        assert!(html.contains("&lt;b&gt;"));
        assert!(html.contains("&lt;k&gt;"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn nested_cards_render_inside_parent() {
        let html = Card::new("outer").child(Card::new("inner")).to_html();
        let outer = html.find("outer").unwrap_or(usize::MAX);
        let inner = html.find("inner").unwrap_or(0);
        assert!(outer < inner);
        assert!(html.ends_with("</div></div>"));
    }

    #[test]
    fn opt_row_skips_none() {
        let card = Card::new("t")
            .opt_row("a", None::<String>)
            .opt_row("b", Some("1"));
        assert_eq!(card.rows(), &[("b".to_string(), "1".to_string())]);
    }
}
