//! Entities read from and written to Sentinel's alert entity JSON.

use huntbook_data::entities::{self, Entity, sentinel};
use serde_json::json;

/// An `Entities` value in the shape Sentinel writes: a process whose account, host and image
/// are defined inline and referred to later with `$ref`.
const ALERT_ENTITIES: &str = r#"[
 {"$id":"3","ProcessId":"0x1f40","CommandLine":"powershell.exe -enc SQBFAFgA","ElevationToken":"Default",
  "CreationTimeUtc":"2024-05-07T09:15:02Z",
  "ImageFile":{"$id":"4","Directory":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0","Name":"powershell.exe","Type":"file"},
  "Account":{"$id":"5","Name":"alice.m","NTDomain":"CONTOSO","UPNSuffix":"contoso.com","Sid":"S-1-5-21-1-2-3-1104","AadUserId":"c1b2","IsDomainJoined":true,"Type":"account"},
  "ParentProcess":{"$id":"6","ProcessId":"0x1c2c","CommandLine":"\"WINWORD.EXE\" /n invoice.docm",
     "ImageFile":{"$id":"7","Name":"WINWORD.EXE","Type":"file"},"Type":"process"},
  "Host":{"$id":"8","HostName":"WS-FIN-01","DnsDomain":"contoso.local","OSFamily":"Windows","Type":"host","AzureID":"/subscriptions/x"},
  "Type":"process"},
 {"$ref":"5"},
 {"$ref":"8"},
 {"$id":"9","Address":"45.133.1.20","Location":{"CountryCode":"NL","City":"Amsterdam","Latitude":52.37,"Longitude":4.89,"Asn":"AS12345"},"Type":"ip"},
 {"$id":"10","Url":"http://45.133.1.20/stage2.dll","Type":"url"},
 {"$id":"11","Algorithm":"SHA256","Value":"aa11","Type":"filehash"},
 {"$id":"12","Hive":"HKEY_LOCAL_MACHINE","Key":"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run","Type":"registry-key"},
 {"$id":"13","Key":{"$ref":"12"},"Name":"Updater","Value":"rundll32.exe s2.dll,Start","ValueType":"String","Type":"registry-value"},
 {"$id":"14","SourceAddress":{"$id":"15","Address":"10.10.1.21","Type":"ip"},"SourcePort":"51234","DestinationAddress":{"$ref":"9"},"DestinationPort":443,"Protocol":"Tcp","Type":"network-connection"},
 {"$id":"16","DomainName":"cdn.example.org","IpAddresses":[{"$ref":"9"}],"Type":"dns"},
 {"$id":"17","ResourceId":"/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1","Type":"azure-resource"},
 {"$id":"18","MailboxPrimaryAddress":"alice@contoso.com","Upn":"alice@contoso.com","Type":"mailbox"},
 {"$id":"19","Subject":"Invoice 0529","Sender":"billing@example.net","Urls":["http://x.example/a"],"Type":"mail-message"},
 {"$id":"20","SomethingNew":"kept","Type":"brand-new-type"}
]"#;

#[test]
fn sentinel_entities_resolve_references() {
    let parsed = sentinel::parse(ALERT_ENTITIES);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert_eq!(parsed.entities.len(), 14);
    let names: Vec<String> = parsed.entities.iter().map(ToString::to_string).collect();
    assert_eq!(names[1], "account: alice.m@contoso.com");
    assert_eq!(names[2], "host: WS-FIN-01.contoso.local");
    assert_eq!(names[3], "ip: 45.133.1.20");
    assert_eq!(names[5], "filehash: SHA256: aa11");
    assert_eq!(
        names[7],
        r"registry-value: HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater = rundll32.exe s2.dll,Start"
    );
    assert_eq!(
        names[8],
        "network-connection: 10.10.1.21:51234 -> 45.133.1.20:443 (Tcp)"
    );
    assert_eq!(names[13], "brand-new-type: (unnamed)");
}

#[test]
fn typed_properties_use_sentinel_names() {
    let parsed = sentinel::parse(ALERT_ENTITIES);
    let Entity::Process(process) = &parsed.entities[0] else {
        panic!("not a process")
    };
    assert_eq!(process.process_id.as_deref(), Some("0x1f40"));
    let Some(Entity::Account(account)) = process.account.as_deref() else {
        panic!("no account")
    };
    assert_eq!(account.nt_domain.as_deref(), Some("CONTOSO"));
    assert_eq!(account.aad_user_id.as_deref(), Some("c1b2"));
    assert_eq!(account.is_domain_joined, Some(true));
    let Some(Entity::Process(parent)) = process.parent_process.as_deref() else {
        panic!("no parent")
    };
    assert_eq!(
        parent.image_file.as_deref().map(Entity::name).as_deref(),
        Some("WINWORD.EXE")
    );
    let Some(Entity::Host(host)) = process.host.as_deref() else {
        panic!("no host")
    };
    assert_eq!(host.azure_id.as_deref(), Some("/subscriptions/x"));
    let Entity::IpAddress(ip) = &parsed.entities[3] else {
        panic!("not an ip")
    };
    let location = ip.location.as_ref().expect("location");
    assert_eq!(
        (location.latitude, location.asn.as_deref()),
        (Some(52.37), Some("AS12345"))
    );
    assert_eq!(parsed.entities[0].children().len(), 4);
}

#[test]
fn written_json_reads_back_equal() {
    let parsed = sentinel::parse(ALERT_ENTITIES);
    let written = sentinel::to_string(&parsed.entities);
    let again = sentinel::parse(&written);
    assert!(again.errors.is_empty());
    assert_eq!(again.entities, parsed.entities);
    // The account and host first written inside the process come back as references.
    let value: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert!(value[1].get("$ref").is_some(), "{}", value[1]);
    assert!(value[2].get("$ref").is_some(), "{}", value[2]);
}

#[test]
fn unknown_properties_and_types_are_kept() {
    let parsed = sentinel::parse(ALERT_ENTITIES);
    let written = sentinel::to_value(&parsed.entities);
    let last = written
        .as_array()
        .and_then(|items| items.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["SomethingNew"], json!("kept"));
    assert_eq!(last["Type"], json!("brand-new-type"));
    let host = &parsed.entities[2];
    assert_eq!(
        host.properties().get("AzureID"),
        Some(&json!("/subscriptions/x"))
    );
}

#[test]
fn dangling_and_cyclic_references_are_errors_not_panics() {
    let text = r#"[{"$id":"1","Type":"process","ParentProcess":{"$ref":"1"}},
                   {"$id":"2","Type":"account","Name":"x","Host":{"$ref":"99"}},
                   {"$ref":"42"}]"#;
    let parsed = sentinel::parse(text);
    assert_eq!(parsed.entities.len(), 2);
    assert_eq!(parsed.errors.len(), 3, "{:?}", parsed.errors);
    let messages: Vec<String> = parsed.errors.iter().map(ToString::to_string).collect();
    assert!(messages[0].contains("loops back"), "{messages:?}");
    assert!(
        messages[1].contains("'99' points to no $id"),
        "{messages:?}"
    );
    assert!(messages[2].starts_with("entity 2:"), "{messages:?}");
}

#[test]
fn invalid_json_is_one_error() {
    let parsed = sentinel::parse("[{\"Type\": \"host\",");
    assert!(parsed.entities.is_empty());
    assert!(matches!(
        parsed.errors[..],
        [sentinel::EntityError::Json { .. }]
    ));
}

#[test]
fn frame_has_one_row_per_entity() {
    let parsed = sentinel::parse(ALERT_ENTITIES);
    let frame = entities::to_frame(&parsed.entities).unwrap();
    assert_eq!(frame.shape(), (14, 4));
    let types = frame.column("Type").unwrap();
    assert_eq!(types.get(3).unwrap().get_str(), Some("ip"));
    let props = frame.column("Properties").unwrap();
    let first: serde_json::Value =
        serde_json::from_str(props.get(0).unwrap().get_str().unwrap()).unwrap();
    assert_eq!(first["ProcessId"], json!("0x1f40"));
}

#[test]
fn html_cards_escape_data() {
    let entity = Entity::from_json(
        json!({"Type": "url", "Url": "http://x/<script>alert(1)</script>", "Note": "\"quoted\""}),
    );
    let html = entity.to_html();
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    assert!(html.contains("&quot;quoted&quot;"), "{html}");
}
