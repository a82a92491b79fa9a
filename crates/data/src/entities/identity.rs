//! Who and where: accounts, hosts, groups, service principals and logon sessions.

use super::Entity;

entity_struct! {
    /// A user or service account (`account`, also `user`).
    pub struct Account {
        /// The account name without domain.
        name: Option<String>,
        /// The NetBIOS domain.
        #[serde(rename = "NTDomain")]
        nt_domain: Option<String>,
        /// The UPN suffix (the part after `@`).
        #[serde(rename = "UPNSuffix")]
        upn_suffix: Option<String>,
        /// The host the account belongs to, for local accounts.
        host: Option<Box<Entity>>,
        /// The logon id of the session the account was seen in.
        logon_id: Option<String>,
        /// The Windows security identifier.
        sid: Option<String>,
        /// The Entra ID (Azure AD) tenant id.
        aad_tenant_id: Option<String>,
        /// The Entra ID (Azure AD) user object id.
        aad_user_id: Option<String>,
        /// The Entra ID passport user id.
        #[serde(rename = "PUID")]
        puid: Option<String>,
        /// Whether the account is in a domain.
        is_domain_joined: Option<bool>,
        /// The display name.
        display_name: Option<String>,
        /// The directory object GUID.
        object_guid: Option<String>,
    }
}

impl Account {
    /// The account as `DOMAIN\name` or `name@suffix`, whichever is known.
    pub fn qualified_name(&self) -> Option<String> {
        let name = self.name.as_deref().or(self.display_name.as_deref())?;
        Some(match (&self.upn_suffix, &self.nt_domain) {
            (Some(suffix), _) => format!("{name}@{suffix}"),
            (None, Some(domain)) => format!("{domain}\\{name}"),
            (None, None) => name.to_string(),
        })
    }
}

entity_struct! {
    /// A computer (`host`, also `machine`).
    pub struct Host {
        /// The DNS domain.
        dns_domain: Option<String>,
        /// The NetBIOS domain.
        #[serde(rename = "NTDomain")]
        nt_domain: Option<String>,
        /// The host name without domain.
        host_name: Option<String>,
        /// The NetBIOS name.
        net_bios_name: Option<String>,
        /// The Azure resource id of the VM.
        #[serde(rename = "AzureID")]
        azure_id: Option<String>,
        /// The Log Analytics agent id.
        #[serde(rename = "OMSAgentID")]
        oms_agent_id: Option<String>,
        /// The operating system family (Windows, Linux, …).
        #[serde(rename = "OSFamily")]
        os_family: Option<String>,
        /// The operating system version.
        #[serde(rename = "OSVersion")]
        os_version: Option<String>,
        /// Whether the host is in a domain.
        is_domain_joined: Option<bool>,
        /// The Defender device id.
        device_id: Option<String>,
    }
}

impl Host {
    /// The fully qualified name when the DNS domain is known, else the host name.
    pub fn fqdn(&self) -> Option<String> {
        let name = self
            .host_name
            .as_deref()
            .or(self.net_bios_name.as_deref())?;
        Some(match &self.dns_domain {
            Some(domain) if !domain.is_empty() => format!("{name}.{domain}"),
            _ => name.to_string(),
        })
    }
}

entity_struct! {
    /// A directory security group (`security-group`).
    pub struct SecurityGroup {
        /// The LDAP distinguished name.
        distinguished_name: Option<String>,
        /// The group's security identifier.
        #[serde(rename = "SID")]
        sid: Option<String>,
        /// The directory object GUID.
        object_guid: Option<String>,
    }
}

entity_struct! {
    /// An Entra ID service principal (`ServicePrincipal`).
    pub struct ServicePrincipal {
        /// The principal's name.
        service_principal_name: Option<String>,
        /// The principal's object id.
        service_principal_object_id: Option<String>,
        /// The application id.
        app_id: Option<String>,
        /// The tenant that owns the application.
        app_owner_tenant_id: Option<String>,
        /// The tenant of the principal.
        tenant_id: Option<String>,
        /// Application, ManagedIdentity, …
        service_principal_type: Option<String>,
    }
}

entity_struct! {
    /// A logon session on a host (`host-logon-session`).
    pub struct HostLogonSession {
        /// The account that logged on.
        account: Option<Box<Entity>>,
        /// When the session started.
        start_time_utc: Option<String>,
        /// When the session ended.
        end_time_utc: Option<String>,
        /// The host.
        host: Option<Box<Entity>>,
        /// The session id.
        session_id: Option<String>,
    }
}

entity_struct! {
    /// A cloud application session (`cloud-logon-session`).
    pub struct CloudLogonSession {
        /// The session id.
        session_id: Option<String>,
        /// The account of the session.
        account: Option<Box<Entity>>,
        /// The client's user agent.
        user_agent: Option<String>,
        /// When the session started.
        start_time: Option<String>,
    }
}
