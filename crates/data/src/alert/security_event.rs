//! [`SecurityEvent`]: one Windows security event row and the entities it names.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use polars::prelude::{Column, DataFrame, PolarsResult};

use super::cells::{self, first_text};
use super::{AlertError, WinEventInfo, win_event};
use crate::entities::{Account, Entity, File, Host, IpAddress, Process};
use crate::html::Card;

/// A Windows security (or Sysmon) event.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityEvent {
    /// The row in the source frame (0-based).
    pub row: usize,
    /// `EventID`.
    pub event_id: i64,
    /// `TimeGenerated` (or `TimeCreated`, `EventTime`, `UtcTime`).
    pub time_generated: Option<DateTime<Utc>>,
    /// `Computer`.
    pub computer: Option<String>,
    /// `Account`, or the subject account written `DOMAIN\name`.
    pub account: Option<String>,
    /// `Activity`, else the event id's description.
    pub activity: Option<String>,
    /// The event id's entry in the Windows security event table (not for Sysmon ids).
    pub info: Option<&'static WinEventInfo>,
    /// Every non-empty column, as text.
    pub fields: BTreeMap<String, String>,
}

impl SecurityEvent {
    /// Reads every row; a row without an event id is an `Err` in its place.
    pub fn from_frame(frame: &DataFrame) -> Vec<Result<SecurityEvent, AlertError>> {
        (0..frame.height())
            .map(|row| SecurityEvent::from_row(frame, row))
            .collect()
    }

    /// Reads one row.
    pub fn from_row(frame: &DataFrame, row: usize) -> Result<SecurityEvent, AlertError> {
        let event_id =
            cells::integer(frame, "EventID", row).ok_or(AlertError::NoEventId { row })?;
        let time_column = cells::pick(
            frame,
            &["TimeGenerated", "TimeCreated", "EventTime", "UtcTime"],
        );
        let time_generated = match time_column {
            Some(column) => cells::time(frame, column, row).map_err(|value| AlertError::Time {
                row,
                column: column.to_string(),
                value,
            })?,
            None => None,
        };
        let fields: BTreeMap<String, String> = frame
            .columns()
            .iter()
            .filter_map(|c| cells::text(frame, c.name(), row).map(|t| (c.name().to_string(), t)))
            .collect();
        let is_sysmon = fields.get("Channel").is_some_and(|c| c.contains("Sysmon"))
            || fields.contains_key("Image");
        let info = if is_sysmon {
            None
        } else {
            u32::try_from(event_id).ok().and_then(win_event)
        };
        let account = cells::text(frame, "Account", row).or_else(|| {
            let name = fields.get("SubjectUserName")?;
            Some(match fields.get("SubjectDomainName") {
                Some(domain) => format!("{domain}\\{name}"),
                None => name.clone(),
            })
        });
        Ok(SecurityEvent {
            row,
            event_id,
            time_generated,
            computer: first_text(frame, &["Computer", "DeviceName", "Hostname"], row),
            account,
            activity: cells::text(frame, "Activity", row)
                .or_else(|| info.map(|i| format!("{} - {}", i.event_id, i.description))),
            info,
            fields,
        })
    }

    /// The event's description from the event table, if the id is in it.
    pub fn description(&self) -> Option<&'static str> {
        self.info.map(|info| info.description.as_str())
    }

    /// The entities the event names: the host, the subject and target accounts, the process
    /// created (with its parent), and the remote IP address.
    pub fn entities(&self) -> Vec<Entity> {
        let mut entities = Vec::new();
        let host = self.computer.as_deref().map(host_entity);
        if let Some(host) = &host {
            entities.push(Entity::Host(host.clone()));
        }
        for prefix in ["Subject", "Target"] {
            if let Some(account) = self.account_entity(prefix) {
                entities.push(Entity::Account(account));
            }
        }
        if let Some(process) = self.process_entity(host.as_ref()) {
            entities.push(Entity::Process(process));
        }
        let address = self.field(&["IpAddress", "SourceIp", "SourceAddress"]);
        if let Some(address) = address.filter(|a| !matches!(*a, "-" | "" | "::1" | "127.0.0.1")) {
            entities.push(Entity::IpAddress(IpAddress::new(address)));
        }
        entities
    }

    fn field(&self, names: &[&str]) -> Option<&str> {
        names
            .iter()
            .find_map(|name| self.fields.get(*name))
            .map(String::as_str)
    }

    fn account_entity(&self, prefix: &str) -> Option<Account> {
        let name = self.fields.get(&format!("{prefix}UserName"))?;
        if name == "-" {
            return None;
        }
        Some(Account {
            name: Some(name.clone()),
            nt_domain: self.fields.get(&format!("{prefix}DomainName")).cloned(),
            sid: self.fields.get(&format!("{prefix}UserSid")).cloned(),
            logon_id: self.fields.get(&format!("{prefix}LogonId")).cloned(),
            ..Account::default()
        })
    }

    fn process_entity(&self, host: Option<&Host>) -> Option<Process> {
        let image = self.field(&["NewProcessName", "Image"])?;
        let parent_image = self.field(&["ParentProcessName", "ParentImage"]);
        let parent_pid = if self.fields.contains_key("NewProcessName") {
            self.field(&["ProcessId"])
        } else {
            self.field(&["ParentProcessId"])
        };
        let parent = parent_image.map(|path| Process {
            process_id: parent_pid.map(str::to_string),
            command_line: self.field(&["ParentCommandLine"]).map(str::to_string),
            image_file: Some(Box::new(Entity::File(file_entity(path)))),
            ..Process::default()
        });
        let pid = if self.fields.contains_key("NewProcessId") {
            self.field(&["NewProcessId"])
        } else {
            self.field(&["ProcessId"])
        };
        Some(Process {
            process_id: pid.map(str::to_string),
            command_line: self.field(&["CommandLine"]).map(str::to_string),
            creation_time_utc: self.time_generated.map(|t| t.to_rfc3339()),
            image_file: Some(Box::new(Entity::File(file_entity(image)))),
            account: self
                .account_entity("Subject")
                .map(|a| Box::new(Entity::Account(a))),
            parent_process: parent.map(|p| Box::new(Entity::Process(p))),
            host: host.map(|h| Box::new(Entity::Host(h.clone()))),
            ..Process::default()
        })
    }

    /// An HTML card of the event; every value is escaped.
    pub fn to_html(&self) -> String {
        let mut card = Card::new(format!("Event {}", self.event_id));
        if let Some(activity) = &self.activity {
            card = card.with_subtitle(activity.clone());
        }
        for (key, value) in &self.fields {
            card = card.row(key, value);
        }
        card.to_html()
    }
}

impl fmt::Display for SecurityEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.event_id)?;
        if let Some(description) = self.description() {
            write!(f, " {description}")?;
        }
        if let Some(computer) = &self.computer {
            write!(f, " on {computer}")?;
        }
        if let Some(account) = &self.account {
            write!(f, " by {account}")?;
        }
        Ok(())
    }
}

/// A host entity from a computer name, split into host name and DNS domain.
fn host_entity(computer: &str) -> Host {
    let (name, domain) = match computer.split_once('.') {
        Some((name, domain)) => (name, Some(domain.to_string())),
        None => (computer, None),
    };
    Host {
        host_name: Some(name.to_string()),
        dns_domain: domain,
        ..Host::default()
    }
}

/// A file entity from a Windows or Unix path.
fn file_entity(path: &str) -> File {
    let separator = if path.contains('\\') { '\\' } else { '/' };
    let (directory, name) = match path.rsplit_once(separator) {
        Some((dir, name)) => (Some(dir.to_string()), name.to_string()),
        None => (None, path.to_string()),
    };
    File {
        full_path: Some(path.to_string()),
        directory,
        name: Some(name),
        path_separator: Some(separator.to_string()),
        ..File::default()
    }
}

/// Adds an `EventDescription` column (the event table's text, null where unknown) next to
/// an integer or text event id column.
pub fn add_event_descriptions(frame: &DataFrame, id_column: &str) -> PolarsResult<DataFrame> {
    let descriptions: Vec<Option<String>> = (0..frame.height())
        .map(|row| {
            let id = cells::integer(frame, id_column, row)?;
            win_event(u32::try_from(id).ok()?).map(|info| info.description.clone())
        })
        .collect();
    let mut out = frame.clone();
    out.with_column(Column::new("EventDescription".into(), descriptions))?;
    Ok(out)
}
