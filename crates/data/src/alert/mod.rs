//! Security alerts and Windows security events read from DataFrame rows.
//!
//! - [`SecurityAlert`]: a Sentinel `SecurityAlert` row — name, severity, times, tactics, its
//!   `Entities` JSON with `$ref` links resolved, `ExtendedProperties` — with an HTML summary.
//!   [`SecurityAlert::from_frame`] reads every row; one bad row does not lose the others.
//! - [`SecurityEvent`]: a Windows security event row (`SecurityEvent` table or Sysmon), with
//!   the event id's meaning from [`win_event`] and the entities the event names.
//! - [`win_event`]: msticpy's Windows security event table.

mod cells;
mod security_alert;
mod security_event;
mod win_events;

pub use security_alert::SecurityAlert;
pub use security_event::{SecurityEvent, add_event_descriptions};
pub use win_events::{WinEventInfo, win_event, win_event_count};

use crate::entities::sentinel::EntityError;

/// What could not be read in one alert or event row; each names the row (0-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AlertError {
    /// The row has no name and no id, so it cannot be told apart from others.
    #[error("row {row}: neither AlertName/DisplayName nor SystemAlertId has a value")]
    NoIdentity {
        /// The row.
        row: usize,
    },

    /// The event row has no event id.
    #[error("row {row}: no EventID")]
    NoEventId {
        /// The row.
        row: usize,
    },

    /// A JSON column could not be parsed.
    #[error("row {row}: column {column} is not valid JSON: {message}")]
    Json {
        /// The row.
        row: usize,
        /// The column.
        column: String,
        /// The parser's message.
        message: String,
    },

    /// An entity reference could not be resolved, or the `Entities` JSON could not be read.
    #[error("row {row}: {error}")]
    Entity {
        /// The row.
        row: usize,
        /// What was wrong.
        error: EntityError,
    },

    /// A time column holds text that is not a time.
    #[error("row {row}: column {column} is not a time: '{value}'")]
    Time {
        /// The row.
        row: usize,
        /// The column.
        column: String,
        /// The text found.
        value: String,
    },
}
