//! SecurityAlert and SecurityEvent built from frames.

use huntbook_data::alert::{
    AlertError, SecurityAlert, SecurityEvent, add_event_descriptions, win_event,
};
use huntbook_data::driver::Driver;
use huntbook_data::driver::local::LocalDataDriver;
use polars::prelude::*;

fn alert_frame() -> DataFrame {
    let entities_ok = r#"[{"$id":"2","Type":"host","HostName":"ws1","DnsDomain":"contoso.local"},
        {"$id":"3","Type":"account","Name":"bob","NTDomain":"CONTOSO","Host":{"$ref":"2"}},
        {"$id":"4","Type":"ip","Address":"10.0.0.5"}]"#;
    let entities_dangling =
        r#"[{"$id":"2","Type":"process","ProcessId":"42","ParentProcess":{"$ref":"77"}}]"#;
    df!(
        "TimeGenerated" => ["2024-05-07T10:00:00Z", "2024-05-07T11:00:00Z", "2024-05-07T12:00:00Z", "not a time"],
        "AlertName" => [Some("Suspicious <script>"), None, Some("Dangling"), Some("Bad JSON")],
        "AlertSeverity" => ["High", "Low", "Medium", "Low"],
        "SystemAlertId" => [Some("a-1"), None, Some("a-3"), Some("a-4")],
        "CompromisedEntity" => ["ws1", "", "ws2", "ws3"],
        "Tactics" => ["Execution, Persistence", "", "[\"Discovery\"]", ""],
        "Entities" => [entities_ok, "[]", entities_dangling, "[{oops"],
        "ExtendedProperties" => ["{\"Command\":\"<b>x</b>\"}", "", "{}", "{not json"],
        "StartTime" => ["2024-05-07T09:58:00Z", "", "", ""],
        "Custom" => ["kept", "", "", ""],
    )
    .unwrap_or_default()
}

#[test]
fn every_row_is_read_or_reported() {
    let alerts = SecurityAlert::from_frame(&alert_frame());
    assert_eq!(alerts.len(), 4);
    assert_eq!(
        alerts[1].as_ref().unwrap_err(),
        &AlertError::NoIdentity { row: 1 }
    );
    let good = alerts[0].as_ref().unwrap();
    assert_eq!(good.name, "Suspicious <script>");
    assert_eq!(good.tactics, vec!["Execution", "Persistence"]);
    assert_eq!(good.entities.len(), 3);
    assert_eq!(good.all_entities().len(), 3);
    assert_eq!(
        good.entities_of_type("account")[0].to_string(),
        r"account: CONTOSO\bob"
    );
    assert_eq!(good.extended_properties["Command"], "<b>x</b>");
    assert_eq!(good.other.get("Custom").map(String::as_str), Some("kept"));
    assert!(good.start_time.is_some() && good.warnings.is_empty());
    let dangling = alerts[2].as_ref().unwrap();
    assert_eq!(dangling.entities.len(), 1);
    assert_eq!(dangling.tactics, vec!["Discovery"]);
    assert!(
        matches!(dangling.warnings[..], [AlertError::Entity { row: 2, .. }]),
        "{:?}",
        dangling.warnings
    );
    let bad = alerts[3].as_ref().unwrap();
    assert!(bad.entities.is_empty());
    let messages: Vec<String> = bad.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("column TimeGenerated is not a time: 'not a time'")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("ExtendedProperties is not valid JSON")),
        "{messages:?}"
    );
}

#[test]
fn alert_html_is_escaped() {
    let alerts = SecurityAlert::from_frame(&alert_frame());
    let html = alerts[0].as_ref().unwrap().to_html();
    assert!(html.contains("Suspicious &lt;script&gt;"), "{html}");
    assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"), "{html}");
    assert!(
        !html.contains("<script>") && !html.contains("<b>x"),
        "{html}"
    );
    assert!(html.contains("ws1.contoso.local"));
}

#[test]
fn real_sentinel_rows_read() {
    let Some(path) = huntbook_testkit::shared_data("query-api/msticpy-MIT/az_mon_raw_query.json")
    else {
        eprintln!(
            "skipped: shared data query-api/msticpy-MIT/az_mon_raw_query.json is not available"
        );
        return;
    };
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let table = &value["tables"][0];
    let names: Vec<&str> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    let rows = table["rows"].as_array().unwrap();
    let columns: Vec<Column> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let cells: Vec<Option<String>> = rows
                .iter()
                .map(|row| match &row[index] {
                    serde_json::Value::Null => None,
                    serde_json::Value::String(text) => Some(text.clone()),
                    other => Some(other.to_string()),
                })
                .collect();
            Column::new((*name).into(), cells)
        })
        .collect();
    let frame = DataFrame::new(rows.len(), columns).unwrap();
    let alerts: Vec<SecurityAlert> = SecurityAlert::from_frame(&frame)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(alerts.len(), 3);
    for alert in &alerts {
        assert!(alert.warnings.is_empty(), "{:?}", alert.warnings);
        assert_eq!(alert.extended_properties["Query Period"], "05:00:00");
        assert!(alert.time_generated.is_some() && alert.start_time.is_some());
        assert!(alert.system_alert_id.is_some());
    }
}

#[test]
fn windows_events_carry_descriptions_and_entities() {
    let Some(path) = huntbook_testkit::shared_data("logs/msticpy/host_logons.csv") else {
        eprintln!("skipped: shared data logs/msticpy/host_logons.csv is not available");
        return;
    };
    let dir = path.parent().unwrap().to_path_buf();
    let frame = LocalDataDriver::new(dir).query("host_logons.csv").unwrap();
    let events: Vec<SecurityEvent> = SecurityEvent::from_frame(&frame)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(events.len(), frame.height());
    let logon = events.iter().find(|e| e.event_id == 4624).unwrap();
    assert_eq!(
        logon.description(),
        Some("An account was successfully logged on.")
    );
    let types: Vec<String> = logon
        .entities()
        .iter()
        .map(|e| e.type_name().to_string())
        .collect();
    assert!(
        types.contains(&"host".to_string()) && types.contains(&"account".to_string()),
        "{types:?}"
    );
    assert!(
        logon
            .to_string()
            .starts_with("4624 An account was successfully logged on. on ")
    );
    let described = add_event_descriptions(&frame, "EventID").unwrap();
    assert_eq!(
        described.column("EventDescription").unwrap().null_count(),
        0
    );
    assert_eq!(
        win_event(4625).map(|e| e.subcategory.as_str()),
        Some("Logon")
    );
}

#[test]
fn process_event_builds_process_with_parent() {
    let Some(path) = huntbook_testkit::shared_data("logs/msticpy/processes_on_host.csv") else {
        eprintln!("skipped: shared data logs/msticpy/processes_on_host.csv is not available");
        return;
    };
    let frame = LocalDataDriver::new(path.parent().unwrap())
        .query("processes_on_host.csv")
        .unwrap();
    let frame = frame.head(Some(50));
    let events = SecurityEvent::from_frame(&frame);
    let event = events
        .iter()
        .flatten()
        .find(|e| e.fields.contains_key("ParentProcessName"))
        .unwrap();
    let process = event
        .entities()
        .into_iter()
        .find(|e| e.type_name() == "process")
        .unwrap();
    assert_eq!(process.children().len(), 4, "{process:?}");
}
