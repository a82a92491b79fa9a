//! Data environment names and their aliases.
//!
//! Query files and drivers name environments in several ways (`MSSentinel`, `AzureSentinel`,
//! `LogAnalytics`, …); [`canonical`] maps every alias to one name so they can be compared.

/// The canonical spelling of a data environment name; unknown names are returned trimmed.
pub fn canonical(name: &str) -> String {
    let key: String = name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let canonical = match key.as_str() {
        "mssentinel" | "azuresentinel" | "loganalytics" | "mssentinelnew" | "mssentinellegacy"
        | "mssentinelkqlm" | "mssentinelsearch" => "MSSentinel",
        "kusto" | "azuredataexplorer" | "kustonew" | "kustolegacy" | "kustokqlm" => "Kusto",
        "msgraph" | "securitygraph" => "MSGraph",
        "mde" | "mdatp" => "MDE",
        "m365d" | "m365dgraph" => "M365D",
        "localdata" => "LocalData",
        "splunk" => "Splunk",
        "otrf" | "mordor" => "OTRF",
        "resourcegraph" => "ResourceGraph",
        "sumologic" => "Sumologic",
        "cybereason" => "Cybereason",
        "elastic" | "elasticsearch" | "opensearch" => "Elastic",
        "osquerylogs" | "osquery" => "OSQueryLogs",
        "velociraptorlogs" | "velociraptor" => "VelociraptorLogs",
        "prismacloud" => "Prismacloud",
        "openobserve" => "OpenObserve",
        "postgres" | "postgresql" => "Postgres",
        _ => return name.trim().to_string(),
    };
    canonical.to_string()
}

/// Whether two environment names mean the same environment.
pub fn same(left: &str, right: &str) -> bool {
    canonical(left) == canonical(right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_meet() {
        assert!(same("LogAnalytics", "MSSentinel"));
        assert!(same("AzureSentinel", "mssentinel_new"));
        assert!(same("MDATP", "MDE"));
        assert!(!same("Kusto", "MSSentinel"));
    }
}
