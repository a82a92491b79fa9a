//! Typed entities — hosts, accounts, IP addresses, processes, files, … — read from and written
//! to Microsoft Sentinel's alert entity JSON.
//!
//! - [`Entity`]: one enum over every entity type, tagged by Sentinel's `Type` property
//!   (`host`, `account`, `ip`, `process`, `registry-key`, …; msticpy's aliases such as
//!   `machine`, `user` and `ipaddress` are read too). An unknown `Type` becomes
//!   [`Entity::Unknown`] with every property kept.
//! - The structs ([`Host`], [`Account`], [`IpAddress`], …) name Sentinel's properties
//!   (`HostName`, `NTDomain`, `UPNSuffix`, `Address`, `CommandLine`, `ParentProcess`, …) and
//!   keep every other property in their `extra` map, so nothing is lost on a round trip.
//! - [`sentinel`]: the `Entities` column format, with `$id` / `$ref` links between entities.
//! - [`to_frame`]: a list of entities as a DataFrame.
//!
//! ```
//! use huntbook_data::entities::Entity;
//!
//! let entity: Entity = serde_json::from_str(r#"{"Type":"host","HostName":"ws1","DnsDomain":"contoso.com"}"#)?;
//! assert_eq!(entity.to_string(), "host: ws1.contoso.com");
//! assert!(entity.to_html().contains("ws1"));
//! # Ok::<(), serde_json::Error>(())
//! ```

#[macro_use]
mod macros;

mod cloud;
mod files;
mod frame;
mod identity;
pub mod lenient;
mod mail;
mod names;
mod network;
mod security;
pub mod sentinel;

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::html::Card;

pub use cloud::{AzureResource, CloudApplication, IoTDevice, OAuthApplication};
pub use files::{File, FileHash, Malware, Process, RegistryKey, RegistryValue};
pub use frame::to_frame;
pub use identity::{
    Account, CloudLogonSession, Host, HostLogonSession, SecurityGroup, ServicePrincipal,
};
pub use mail::{MailCluster, MailMessage, Mailbox, MailboxConfiguration, SubmissionMail};
pub use network::{Dns, GeoLocation, IpAddress, NetworkConnection, Url};
pub use security::{Alert, Threatintelligence};

/// An entity whose `Type` huntbook does not model; every property is kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnknownEntity {
    /// The `Type` as the source wrote it (`unknown` when there was none).
    pub type_name: String,
    /// Every property except `Type` and `$id`.
    pub properties: Map<String, Value>,
}

macro_rules! entity_enum {
    ($( $variant:ident = $tag:literal $(| $alias:literal)* ),* $(,)?) => {
        /// One entity of any type, tagged by Sentinel's `Type` property.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Entity {
            $(
                #[doc = concat!("A `", $tag, "` entity.")]
                $variant($variant),
            )*
            /// An entity of a type huntbook does not model.
            Unknown(UnknownEntity),
        }

        impl Entity {
            /// The `Type` written for this entity (Sentinel's spelling).
            pub fn type_name(&self) -> &str {
                match self {
                    $( Entity::$variant(_) => $tag, )*
                    Entity::Unknown(unknown) => &unknown.type_name,
                }
            }

            /// Every `Type` spelling that is read (matched ignoring case and separators).
            pub fn known_types() -> &'static [&'static str] {
                &[$( $tag, $( $alias, )* )*]
            }

            fn typed(key: &str, value: Value) -> Option<Result<Entity, serde_json::Error>> {
                $(
                    if key == normalise($tag) $( || key == normalise($alias) )* {
                        return Some(serde_json::from_value(value).map(Entity::$variant));
                    }
                )*
                None
            }

            fn properties_json(&self) -> Result<Value, serde_json::Error> {
                match self {
                    $( Entity::$variant(inner) => serde_json::to_value(inner), )*
                    Entity::Unknown(unknown) => Ok(Value::Object(unknown.properties.clone())),
                }
            }
        }

        $(
            impl From<$variant> for Entity {
                fn from(inner: $variant) -> Entity {
                    Entity::$variant(inner)
                }
            }
        )*
    };
}

entity_enum! {
    Account = "account" | "user",
    Alert = "alert" | "alerts",
    AzureResource = "azure-resource",
    CloudApplication = "cloud-application",
    CloudLogonSession = "cloud-logon-session",
    Dns = "dns" | "dnsresolve",
    File = "file",
    FileHash = "filehash",
    GeoLocation = "geolocation" | "location",
    Host = "host" | "machine",
    HostLogonSession = "host-logon-session",
    IoTDevice = "iotdevice",
    IpAddress = "ip" | "ipaddress",
    Mailbox = "mailbox",
    MailboxConfiguration = "mailbox-configuration",
    MailCluster = "mail-cluster",
    MailMessage = "mail-message",
    Malware = "malware",
    NetworkConnection = "network-connection",
    OAuthApplication = "oauth-application",
    Process = "process",
    RegistryKey = "registry-key",
    RegistryValue = "registry-value",
    SecurityGroup = "security-group",
    ServicePrincipal = "ServicePrincipal",
    SubmissionMail = "SubmissionMail",
    Threatintelligence = "threatintelligence",
    Url = "url",
}

/// Lower case without separators, so `registry-key`, `RegistryKey` and `registrykey` match.
fn normalise(type_name: &str) -> String {
    type_name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Entity {
    /// Builds an entity from one JSON value; never fails.
    ///
    /// An object whose `Type` is unknown, missing, or whose properties do not fit the typed
    /// struct becomes [`Entity::Unknown`] with every property kept. A non-object value becomes
    /// an unknown entity holding it under `Value`.
    pub fn from_json(value: Value) -> Entity {
        let Value::Object(mut map) = value else {
            let mut properties = Map::new();
            properties.insert("Value".to_string(), value);
            return Entity::Unknown(UnknownEntity {
                type_name: "unknown".into(),
                properties,
            });
        };
        map.remove("$id");
        let type_name = match map.remove("Type") {
            Some(Value::String(name)) => name,
            _ => "unknown".to_string(),
        };
        match Entity::typed(&normalise(&type_name), Value::Object(map.clone())) {
            Some(Ok(entity)) => entity,
            Some(Err(error)) => {
                tracing::debug!(%type_name, %error, "entity kept as unknown: properties do not fit");
                Entity::Unknown(UnknownEntity {
                    type_name,
                    properties: map,
                })
            }
            None => Entity::Unknown(UnknownEntity {
                type_name,
                properties: map,
            }),
        }
    }

    /// The entity as Sentinel JSON, with its `Type`; nested entities are written inline.
    pub fn to_json(&self) -> Value {
        let mut map = match self.properties_json() {
            Ok(Value::Object(map)) => map,
            Ok(other) => Map::from_iter([("Value".to_string(), other)]),
            Err(error) => Map::from_iter([("Error".to_string(), Value::String(error.to_string()))]),
        };
        map.insert(
            "Type".to_string(),
            Value::String(self.type_name().to_string()),
        );
        map.into()
    }

    /// The properties without `Type`, as a JSON object.
    pub fn properties(&self) -> Map<String, Value> {
        match self.to_json() {
            Value::Object(mut map) => {
                map.remove("Type");
                map
            }
            _ => Map::new(),
        }
    }

    /// A short name: the host's FQDN, the account's qualified name, the address, the path, …
    pub fn name(&self) -> String {
        names::name(self)
    }

    /// The entities this one refers to (an account's host, a process's parent and image, …).
    pub fn children(&self) -> Vec<&Entity> {
        names::children(self)
    }

    /// The entity as an HTML card; every value is escaped.
    pub fn to_html(&self) -> String {
        self.to_card().to_html()
    }

    /// The entity as a [`Card`], for embedding in bigger displays.
    pub fn to_card(&self) -> Card {
        let mut card = Card::new(self.type_name()).with_subtitle(self.name());
        for (key, value) in self.properties() {
            card = card.row(key, display_value(&value));
        }
        card
    }
}

/// A property value as one line of text; nested entities show as their one-liners.
fn display_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(display_value)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(map) if map.contains_key("Type") => {
            Entity::from_json(value.clone()).to_string()
        }
        other => other.to_string(),
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.type_name(), self.name())
    }
}

impl Serialize for Entity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Entity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Entity::from_json)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn type_aliases_pick_the_same_struct() {
        for tag in ["host", "machine", "Host", "HOST"] {
            let entity = Entity::from_json(json!({"Type": tag, "HostName": "ws1"}));
            assert!(matches!(entity, Entity::Host(_)), "{tag}");
        }
        let key = Entity::from_json(json!({"Type": "RegistryKey", "Key": "Run"}));
        assert_eq!(key.type_name(), "registry-key");
    }

    #[test]
    fn unknown_type_keeps_every_property() {
        let entity = Entity::from_json(json!({"Type": "blob", "A": 1, "B": {"c": 2}}));
        assert_eq!(entity.type_name(), "blob");
        assert_eq!(
            entity.to_json(),
            json!({"Type": "blob", "A": 1, "B": {"c": 2}})
        );
    }

    #[test]
    fn unnamed_properties_survive_a_round_trip() {
        let source = json!({"Type": "ip", "Address": "10.0.0.1", "Custom": [1, 2]});
        let entity = Entity::from_json(source.clone());
        assert_eq!(entity.to_json(), source);
    }

    #[test]
    fn lenient_fields_accept_odd_types() {
        let entity = Entity::from_json(json!({"Type": "network-connection", "SourcePort": "443"}));
        let Entity::NetworkConnection(conn) = entity else {
            panic!("not a network connection");
        };
        assert_eq!(conn.source_port, Some(443));
    }

    #[test]
    fn misfit_properties_make_an_unknown_entity_not_an_error() {
        let entity = Entity::from_json(json!({"Type": "host", "IsDomainJoined": "perhaps"}));
        assert!(matches!(entity, Entity::Unknown(_)));
        assert_eq!(entity.type_name(), "host");
    }

    #[test]
    fn html_is_escaped() {
        let entity = Entity::from_json(json!({"Type": "host", "HostName": "<img src=x>"}));
        let html = entity.to_html();
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;img src=x&gt;"));
    }
}
