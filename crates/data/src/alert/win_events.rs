//! Windows security event ids and what they mean.
//!
//! The table is msticpy's `WinSecurityEvent.json` (MIT, from the msticpy 3.0.2 wheel, vendored
//! in `crates/data/data/`), compiled in and parsed on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const TABLE: &str = include_str!("../../data/WinSecurityEvent.json");

/// One Windows security event id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WinEventInfo {
    /// The event id.
    pub event_id: u32,
    /// The audit category ("Logon/Logoff", "Detailed Tracking", …).
    pub category: String,
    /// The audit subcategory ("Logon", "Process Creation", …).
    pub subcategory: String,
    /// What the event says happened.
    pub description: String,
}

fn table() -> &'static HashMap<u32, WinEventInfo> {
    static TABLE_BY_ID: OnceLock<HashMap<u32, WinEventInfo>> = OnceLock::new();
    TABLE_BY_ID.get_or_init(|| match serde_json::from_str::<Vec<WinEventInfo>>(TABLE) {
        Ok(events) => events
            .into_iter()
            .map(|mut event| {
                event.description = event.description.trim().to_string();
                (event.event_id, event)
            })
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "Windows event table cannot be read; descriptions unavailable");
            HashMap::new()
        }
    })
}

/// What a Windows security event id means, if it is in the table.
pub fn win_event(event_id: u32) -> Option<&'static WinEventInfo> {
    table().get(&event_id)
}

/// How many event ids the table describes.
pub fn win_event_count() -> usize {
    table().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ids_are_described() {
        let logon = win_event(4624).map(|e| e.description.as_str());
        assert_eq!(logon, Some("An account was successfully logged on."));
        assert!(win_event(4688).is_some_and(|e| e.subcategory == "Process Creation"));
        assert!(win_event(1).is_none());
        assert!(win_event_count() > 300);
    }
}
