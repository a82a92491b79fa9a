//! Cloud things: Azure resources, cloud and OAuth applications, IoT devices.

entity_struct! {
    /// An Azure resource (`azure-resource`).
    pub struct AzureResource {
        /// The full resource id.
        resource_id: Option<String>,
        /// The resource id split into its parts.
        resource_id_parts: Option<serde_json::Map<String, serde_json::Value>>,
        /// The portal URL.
        url: Option<String>,
    }
}

impl AzureResource {
    /// The resource id's `name/value` pairs (subscriptions, resourceGroups, providers, …).
    pub fn id_parts(&self) -> Vec<(String, String)> {
        let Some(id) = &self.resource_id else {
            return Vec::new();
        };
        let parts: Vec<&str> = id.split('/').filter(|part| !part.is_empty()).collect();
        parts
            .chunks(2)
            .filter(|pair| pair.len() == 2)
            .map(|pair| (pair[0].to_string(), pair[1].to_string()))
            .collect()
    }
}

entity_struct! {
    /// A cloud application (`cloud-application`).
    pub struct CloudApplication {
        /// The application's name.
        name: Option<String>,
        /// The application id.
        app_id: Option<String>,
        /// The instance name.
        instance_name: Option<String>,
    }
}

entity_struct! {
    /// An OAuth application (`oauth-application`).
    pub struct OAuthApplication {
        /// The OAuth application id.
        #[serde(rename = "OAuthAppId")]
        oauth_app_id: Option<String>,
        /// The OAuth object id.
        #[serde(rename = "OAuthObjectId")]
        oauth_object_id: Option<String>,
        /// The application's name.
        name: Option<String>,
        /// The tenant id.
        tenant_id: Option<String>,
        /// The publisher.
        publisher_name: Option<String>,
        /// The risk level.
        risk: Option<String>,
        /// Granted permissions.
        permissions: Vec<String>,
        /// Redirect URLs.
        #[serde(rename = "RedirectURLs")]
        redirect_urls: Vec<String>,
        /// How many users authorised it.
        authorized_by: Option<i64>,
    }
}

entity_struct! {
    /// An IoT device (`iotdevice`).
    pub struct IoTDevice {
        /// The IoT hub.
        #[serde(rename = "IoTHub")]
        iot_hub: Option<String>,
        /// The device id.
        device_id: Option<String>,
        /// The device name.
        device_name: Option<String>,
        /// The security agent id.
        #[serde(rename = "IoTSecurityAgentId")]
        iot_security_agent_id: Option<String>,
        /// The device type.
        device_type: Option<String>,
        /// Where the device was seen.
        source: Option<String>,
        /// A link to the source.
        source_ref: Option<String>,
        /// The manufacturer.
        manufacturer: Option<String>,
        /// The model.
        model: Option<String>,
        /// The operating system.
        operating_system: Option<String>,
        /// The device's IP address.
        ip_address: Option<String>,
        /// The MAC address.
        mac_address: Option<String>,
        /// Protocols the device speaks.
        protocols: Option<String>,
        /// The serial number.
        serial_number: Option<String>,
    }
}
