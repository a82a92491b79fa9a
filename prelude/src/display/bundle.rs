//! [`MimeBundle`]: one value rendered in several MIME types.

use serde::ser::{Serialize, Serializer};

/// The MIME types the prelude produces.
pub mod mime {
    /// Plain text; every bundle has it.
    pub const TEXT_PLAIN: &str = "text/plain";
    /// An HTML fragment.
    pub const TEXT_HTML: &str = "text/html";
    /// A standalone SVG document.
    pub const IMAGE_SVG: &str = "image/svg+xml";
}

/// One value rendered in several MIME types, in the order they were added.
///
/// `text/plain` is always present and always first, so every front end has something to
/// show. Adding a MIME type that is already there replaces its data in place.
///
/// ```
/// use huntbook::display::{MimeBundle, mime};
///
/// let bundle = MimeBundle::new("42").with(mime::TEXT_HTML, "<b>42</b>");
/// assert_eq!(bundle.text_plain(), "42");
/// assert_eq!(bundle.get(mime::TEXT_HTML), Some("<b>42</b>"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeBundle {
    // entries[0] is text/plain.
    entries: Vec<(String, String)>,
}

impl MimeBundle {
    /// A bundle holding only `text/plain`.
    pub fn new(text_plain: impl Into<String>) -> Self {
        MimeBundle {
            entries: vec![(mime::TEXT_PLAIN.to_owned(), text_plain.into())],
        }
    }

    /// Adds (or replaces) the data for `mime_type`.
    pub fn insert(&mut self, mime_type: impl Into<String>, data: impl Into<String>) -> &mut Self {
        let mime_type = mime_type.into();
        let data = data.into();
        match self
            .entries
            .iter_mut()
            .find(|(known, _)| *known == mime_type)
        {
            Some(entry) => entry.1 = data,
            None => self.entries.push((mime_type, data)),
        }
        self
    }

    /// [`insert`](Self::insert) in builder style.
    pub fn with(mut self, mime_type: impl Into<String>, data: impl Into<String>) -> Self {
        self.insert(mime_type, data);
        self
    }

    /// The data for `mime_type`, if the bundle has it.
    pub fn get(&self, mime_type: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(known, _)| known == mime_type)
            .map(|(_, data)| data.as_str())
    }

    /// The `text/plain` data.
    pub fn text_plain(&self) -> &str {
        self.get(mime::TEXT_PLAIN).unwrap_or_default()
    }

    /// The MIME types and their data, `text/plain` first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|(mime_type, data)| (mime_type.as_str(), data.as_str()))
    }
}

/// A bundle is a JSON object from MIME type to data, in insertion order.
impl Serialize for MimeBundle {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_plain_is_always_first() {
        let bundle = MimeBundle::new("x").with(mime::TEXT_HTML, "<i>x</i>");
        let types: Vec<&str> = bundle.iter().map(|(mime_type, _)| mime_type).collect();
        assert_eq!(types, vec![mime::TEXT_PLAIN, mime::TEXT_HTML]);
    }

    #[test]
    fn insert_replaces_in_place() {
        let mut bundle = MimeBundle::new("old").with(mime::TEXT_HTML, "a");
        bundle
            .insert(mime::TEXT_PLAIN, "new")
            .insert(mime::TEXT_HTML, "b");
        assert_eq!(bundle.text_plain(), "new");
        assert_eq!(bundle.get(mime::TEXT_HTML), Some("b"));
        assert_eq!(bundle.iter().count(), 2);
    }

    #[test]
    fn missing_type_is_none() {
        assert_eq!(MimeBundle::new("x").get(mime::IMAGE_SVG), None);
    }

    #[test]
    fn serializes_as_an_ordered_object() -> Result<(), serde_json::Error> {
        let bundle = MimeBundle::new("p").with("text/z", "z").with("text/a", "a");
        let json = serde_json::to_string(&bundle)?;
        assert_eq!(json, r#"{"text/plain":"p","text/z":"z","text/a":"a"}"#);
        Ok(())
    }
}
