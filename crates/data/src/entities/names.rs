//! Each entity type's short name and the entities it links to.

use serde_json::Value;

use super::Entity;

/// The short name of an entity; `(unnamed)` when it has nothing to go by.
pub(super) fn name(entity: &Entity) -> String {
    typed_name(entity)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "(unnamed)".to_string())
}

fn typed_name(entity: &Entity) -> Option<String> {
    match entity {
        Entity::Account(account) => account.qualified_name(),
        Entity::Alert(alert) => alert.display_name.clone(),
        Entity::AzureResource(resource) => resource.resource_id.clone(),
        Entity::CloudApplication(app) => app.name.clone().or_else(|| app.app_id.clone()),
        Entity::CloudLogonSession(session) => session.session_id.clone(),
        Entity::Dns(dns) => dns.domain_name.clone(),
        Entity::File(file) => file.path(),
        Entity::FileHash(hash) => hash_name(hash.algorithm.as_deref(), hash.value.as_deref()),
        Entity::GeoLocation(geo) => join_known(&[&geo.city, &geo.state, &geo.country_code]),
        Entity::Host(host) => host.fqdn(),
        Entity::HostLogonSession(session) => session.session_id.clone(),
        Entity::IoTDevice(device) => device.device_name.clone().or(device.device_id.clone()),
        Entity::IpAddress(ip) => ip.address.clone(),
        Entity::Mailbox(mailbox) => mailbox.mailbox_primary_address.clone(),
        Entity::MailboxConfiguration(config) => {
            join_known(&[&config.mailbox_primary_address, &config.config_type])
        }
        Entity::MailCluster(cluster) => cluster
            .cluster_source_identifier
            .clone()
            .or(cluster.query.clone()),
        Entity::MailMessage(message) => message_name(message),
        Entity::Malware(malware) => malware.name.clone(),
        Entity::NetworkConnection(conn) => Some(connection_name(conn)),
        Entity::OAuthApplication(app) => app.name.clone().or(app.oauth_app_id.clone()),
        Entity::Process(process) => process_name(process),
        Entity::RegistryKey(key) => join_with(&[&key.hive, &key.key], "\\"),
        Entity::RegistryValue(value) => registry_value_name(value),
        Entity::SecurityGroup(group) => group.distinguished_name.clone().or(group.sid.clone()),
        Entity::ServicePrincipal(sp) => sp
            .service_principal_name
            .clone()
            .or(sp.service_principal_object_id.clone()),
        Entity::SubmissionMail(mail) => mail.subject.clone().or(mail.submission_id.clone()),
        Entity::Threatintelligence(ti) => ti.threat_name.clone().or(ti.threat_type.clone()),
        Entity::Url(url) => url.url.clone(),
        Entity::Unknown(unknown) => ["Name", "DisplayName", "Address", "Url", "Value", "Id"]
            .iter()
            .find_map(|key| unknown.properties.get(*key))
            .map(|value| match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            }),
    }
}

fn hash_name(algorithm: Option<&str>, value: Option<&str>) -> Option<String> {
    match (algorithm, value) {
        (Some(algorithm), Some(value)) => Some(format!("{algorithm}: {value}")),
        (None, Some(value)) => Some(value.to_string()),
        _ => None,
    }
}

fn join_known(parts: &[&Option<String>]) -> Option<String> {
    join_with(parts, ", ")
}

fn join_with(parts: &[&Option<String>], separator: &str) -> Option<String> {
    let known: Vec<&str> = parts.iter().filter_map(|part| part.as_deref()).collect();
    (!known.is_empty()).then(|| known.join(separator))
}

fn message_name(message: &super::MailMessage) -> Option<String> {
    match (&message.subject, &message.sender) {
        (Some(subject), Some(sender)) => Some(format!("{subject} (from {sender})")),
        (Some(subject), None) => Some(subject.clone()),
        (None, sender) => sender.clone().or(message.network_message_id.clone()),
    }
}

fn connection_name(conn: &super::NetworkConnection) -> String {
    let end = |address: &Option<Box<Entity>>, port: Option<i64>| {
        let address = address
            .as_deref()
            .map(name)
            .unwrap_or_else(|| "?".to_string());
        match port {
            Some(port) => format!("{address}:{port}"),
            None => address,
        }
    };
    let mut text = format!(
        "{} -> {}",
        end(&conn.source_address, conn.source_port),
        end(&conn.destination_address, conn.destination_port)
    );
    if let Some(protocol) = &conn.protocol {
        text.push_str(&format!(" ({protocol})"));
    }
    text
}

fn process_name(process: &super::Process) -> Option<String> {
    let image = process.image_file.as_deref().map(name);
    let label = process.command_line.clone().or(image)?;
    Some(match &process.process_id {
        Some(pid) => format!("[{pid}] {label}"),
        None => label,
    })
}

fn registry_value_name(value: &super::RegistryValue) -> Option<String> {
    let key = value.key.as_deref().map(name);
    let path = match (key, &value.name) {
        (Some(key), Some(name)) => format!("{key}\\{name}"),
        (Some(key), None) => key,
        (None, Some(name)) => name.clone(),
        (None, None) => return value.value.clone(),
    };
    Some(match &value.value {
        Some(data) => format!("{path} = {data}"),
        None => path,
    })
}

/// The entities an entity refers to, in property order.
pub(super) fn children(entity: &Entity) -> Vec<&Entity> {
    let singles: Vec<&Option<Box<Entity>>> = match entity {
        Entity::Account(account) => vec![&account.host],
        Entity::CloudLogonSession(session) => vec![&session.account],
        Entity::Dns(dns) => vec![&dns.dns_server_ip, &dns.host_ip_address],
        Entity::File(file) => vec![&file.host],
        Entity::HostLogonSession(session) => vec![&session.account, &session.host],
        Entity::Malware(malware) => vec![&malware.file],
        Entity::NetworkConnection(conn) => vec![&conn.source_address, &conn.destination_address],
        Entity::Process(process) => vec![
            &process.image_file,
            &process.account,
            &process.parent_process,
            &process.host,
            &process.logon_session,
        ],
        Entity::RegistryValue(value) => vec![&value.key],
        _ => Vec::new(),
    };
    let lists: Vec<&Vec<Entity>> = match entity {
        Entity::Alert(alert) => vec![&alert.entities],
        Entity::Dns(dns) => vec![&dns.ip_addresses],
        Entity::File(file) => vec![&file.file_hashes],
        Entity::IpAddress(ip) => vec![&ip.threat_intelligence],
        Entity::MailMessage(message) => vec![&message.files],
        Entity::Malware(malware) => vec![&malware.files, &malware.processes],
        _ => Vec::new(),
    };
    let nested = singles.into_iter().filter_map(|child| child.as_deref());
    nested.chain(lists.into_iter().flatten()).collect()
}
