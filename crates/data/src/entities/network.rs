//! Network things: IP addresses with their location, DNS, URLs and connections.

use super::Entity;

entity_struct! {
    /// An IP address (`ip`, also `ipaddress`).
    pub struct IpAddress {
        /// The address text, IPv4 or IPv6.
        address: Option<String>,
        /// Where the address is.
        location: Option<GeoLocation>,
        /// Threat-intelligence matches for the address.
        threat_intelligence: Vec<Entity>,
        /// The Log Analytics computer id that reported the address (Heartbeat).
        source_computer_id: Option<String>,
        /// The OS type (Heartbeat).
        #[serde(rename = "OSType")]
        os_type: Option<String>,
        /// The OS name (Heartbeat).
        #[serde(rename = "OSName")]
        os_name: Option<String>,
        /// The OS major version (Heartbeat).
        #[serde(rename = "OSVMajorVersion")]
        os_major_version: Option<String>,
        /// The OS minor version (Heartbeat).
        #[serde(rename = "OSVMinorVersion")]
        os_minor_version: Option<String>,
        /// Azure or non-Azure (Heartbeat).
        computer_environment: Option<String>,
        /// The Log Analytics solutions on the host (Heartbeat).
        oms_solutions: Vec<String>,
        /// The VM's UUID (Heartbeat).
        #[serde(rename = "VMUUID")]
        vm_uuid: Option<String>,
        /// The Azure subscription (Heartbeat).
        subscription_id: Option<String>,
    }
}

impl IpAddress {
    /// An IP entity for an address.
    pub fn new(address: impl Into<String>) -> IpAddress {
        IpAddress {
            address: Some(address.into()),
            ..IpAddress::default()
        }
    }
}

entity_struct! {
    /// A geographic location (`geolocation`, also `location`), usually inside an IP entity.
    pub struct GeoLocation {
        /// ISO 3166-1 alpha-2 country code.
        country_code: Option<String>,
        /// The country or region name.
        country_or_region_name: Option<String>,
        /// The state or province.
        state: Option<String>,
        /// The city.
        city: Option<String>,
        /// Longitude in degrees.
        longitude: Option<f64>,
        /// Latitude in degrees.
        latitude: Option<f64>,
        /// The autonomous system number.
        asn: Option<String>,
    }
}

entity_struct! {
    /// A DNS resolution (`dns`, also `dnsresolve`).
    pub struct Dns {
        /// The name that was resolved.
        domain_name: Option<String>,
        /// The addresses it resolved to.
        ip_addresses: Vec<Entity>,
        /// The DNS server asked.
        dns_server_ip: Option<Box<Entity>>,
        /// The address of the host that asked.
        host_ip_address: Option<Box<Entity>>,
    }
}

entity_struct! {
    /// A URL (`url`).
    pub struct Url {
        /// The URL text.
        url: Option<String>,
        /// The sandbox detonation verdict, if any.
        detonation_verdict: Option<String>,
    }
}

entity_struct! {
    /// A network connection (`network-connection`).
    pub struct NetworkConnection {
        /// The source address entity.
        source_address: Option<Box<Entity>>,
        /// The source port.
        source_port: Option<i64>,
        /// The destination address entity.
        destination_address: Option<Box<Entity>>,
        /// The destination port.
        destination_port: Option<i64>,
        /// The protocol (TCP, UDP, …).
        protocol: Option<String>,
    }
}
