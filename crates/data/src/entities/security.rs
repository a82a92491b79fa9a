//! Detections as entities: alerts and threat-intelligence matches.

use super::Entity;

entity_struct! {
    /// An alert inside another alert's or incident's entities (`alert`).
    pub struct Alert {
        /// The alert's title.
        display_name: Option<String>,
        /// The entity the alert is about.
        compromised_entity: Option<String>,
        /// How many events it covers.
        count: Option<serde_json::Value>,
        /// When the activity started.
        start_time_utc: Option<String>,
        /// When the activity ended.
        end_time_utc: Option<String>,
        /// High, Medium, Low, Informational.
        severity: Option<String>,
        /// The alert's id.
        system_alert_id: Option<String>,
        /// Ids of alerts merged into it.
        system_alert_ids: Vec<String>,
        /// The detection type.
        alert_type: Option<String>,
        /// The vendor.
        vendor_name: Option<String>,
        /// The product that raised it.
        provider_name: Option<String>,
        /// The alert's own entities.
        entities: Vec<Entity>,
    }
}

entity_struct! {
    /// A threat-intelligence match (`threatintelligence`).
    pub struct Threatintelligence {
        /// The intelligence provider.
        provider_name: Option<String>,
        /// The threat type.
        threat_type: Option<String>,
        /// The threat's name.
        threat_name: Option<String>,
        /// The provider's confidence.
        confidence: Option<String>,
        /// A link to the report.
        report_link: Option<String>,
        /// The description.
        threat_description: Option<String>,
    }
}
