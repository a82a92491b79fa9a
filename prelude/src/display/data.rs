//! Rendering the data layer's values: entities, alerts, events and HTML cards.
//!
//! Each already writes its own escaped HTML; this only pairs it with a plain-text form.

use huntbook_data::alert::{SecurityAlert, SecurityEvent};
use huntbook_data::entities::Entity;
use huntbook_data::html::Card;

use super::Render;
use super::bundle::{MimeBundle, mime};

/// An entity shows as its card, and as its one-line summary in plain text.
impl Render for Entity {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.to_string()).with(mime::TEXT_HTML, self.to_html())
    }
}

/// Several entities show as one card each, in order.
impl Render for [Entity] {
    fn mime_bundle(&self) -> MimeBundle {
        let text: Vec<String> = self.iter().map(Entity::to_string).collect();
        let html: String = self.iter().map(Entity::to_html).collect();
        MimeBundle::new(text.join("\n")).with(mime::TEXT_HTML, html)
    }
}

/// A list of entities shows as the slice does.
impl Render for Vec<Entity> {
    fn mime_bundle(&self) -> MimeBundle {
        self.as_slice().mime_bundle()
    }
}

/// An alert shows as its summary: name, severity, times, description and entities.
impl Render for SecurityAlert {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.to_string()).with(mime::TEXT_HTML, self.to_html())
    }
}

/// A Windows event shows with its event id's description.
impl Render for SecurityEvent {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.to_string()).with(mime::TEXT_HTML, self.to_html())
    }
}

/// A card built by hand.
impl Render for Card {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new("Card").with(mime::TEXT_HTML, self.to_html())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_bundle_is_escaped_html_and_text() {
        let json = serde_json::json!({"Type": "host", "HostName": "<script>x</script>"});
        let entity = Entity::from_json(json);
        let bundle = entity.mime_bundle();
        let html = bundle.get(mime::TEXT_HTML).unwrap_or_default();
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(bundle.text_plain().contains("host"));
    }
}
