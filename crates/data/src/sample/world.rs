//! The cast of the sample investigation: hosts, users, addresses and the attack timeline.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

/// The Windows domain.
pub const DOMAIN: &str = "CONTOSO";
/// The DNS domain.
pub const DNS_DOMAIN: &str = "contoso.local";
/// The tenant id written in every Sentinel-like table.
pub const TENANT: &str = "7c2d9f3e-5b1a-4e8c-9d60-3f2a1b4c5d6e";

/// A Windows or Linux machine.
#[derive(Debug, Clone, Copy)]
pub struct Machine {
    /// The host name.
    pub name: &'static str,
    /// Its private address.
    pub ip: &'static str,
    /// Whether Sysmon runs on it.
    pub sysmon: bool,
    /// The main user, if it is a workstation.
    pub user: Option<&'static str>,
}

/// The Windows machines.
pub const WINDOWS: [Machine; 6] = [
    Machine {
        name: "WS-FIN-01",
        ip: "10.10.1.21",
        sysmon: true,
        user: Some("alice.m"),
    },
    Machine {
        name: "WS-HR-02",
        ip: "10.10.1.22",
        sysmon: false,
        user: Some("carol.d"),
    },
    Machine {
        name: "WS-DEV-03",
        ip: "10.10.1.23",
        sysmon: false,
        user: Some("dave.s"),
    },
    Machine {
        name: "SRV-FILE-01",
        ip: "10.10.2.10",
        sysmon: true,
        user: None,
    },
    Machine {
        name: "SRV-JUMP-01",
        ip: "10.10.2.20",
        sysmon: false,
        user: None,
    },
    Machine {
        name: "DC-01",
        ip: "10.10.2.5",
        sysmon: false,
        user: None,
    },
];

/// The Linux machines.
pub const LINUX: [Machine; 2] = [
    Machine {
        name: "web-lx-01",
        ip: "10.10.3.11",
        sysmon: false,
        user: None,
    },
    Machine {
        name: "db-lx-02",
        ip: "10.10.3.12",
        sysmon: false,
        user: None,
    },
];

/// A directory user.
#[derive(Debug, Clone, Copy)]
pub struct User {
    /// The sAMAccountName.
    pub name: &'static str,
    /// The display name.
    pub display: &'static str,
    /// The last part of the SID.
    pub rid: u32,
    /// The city the user signs in from.
    pub city: &'static str,
}

/// The users.
pub const USERS: [User; 6] = [
    User {
        name: "alice.m",
        display: "Alice Martin",
        rid: 1104,
        city: "Seattle",
    },
    User {
        name: "bob.k",
        display: "Bob Keller",
        rid: 1105,
        city: "Seattle",
    },
    User {
        name: "carol.d",
        display: "Carol Diaz",
        rid: 1106,
        city: "Portland",
    },
    User {
        name: "dave.s",
        display: "Dave Singh",
        rid: 1107,
        city: "Seattle",
    },
    User {
        name: "eve.t",
        display: "Eve Tanaka",
        rid: 1108,
        city: "Vancouver",
    },
    User {
        name: "adm-dave",
        display: "Dave Singh (admin)",
        rid: 1150,
        city: "Seattle",
    },
];

/// The address that brute-forces RDP on the jump server and sprays Entra ID passwords.
pub const BRUTE_FORCE_IP: &str = "185.220.101.47";
/// The command-and-control and payload server.
pub const C2_IP: &str = "45.133.1.20";
/// The address that brute-forces SSH on the web server.
pub const SSH_ATTACKER_IP: &str = "91.240.118.172";
/// Where alice.m's token is replayed from (impossible travel).
pub const TRAVEL_IP: &str = "102.89.47.13";

/// The domain SID prefix.
pub fn sid(rid: u32) -> String {
    format!("S-1-5-21-3623811015-3361044348-30300820-{rid}")
}

/// The user with this name.
pub fn user(name: &str) -> User {
    USERS
        .iter()
        .copied()
        .find(|u| u.name == name)
        .unwrap_or(USERS[0])
}

/// The timeline: data spans three days from `start`; the attack runs on the second day.
#[derive(Debug, Clone, Copy)]
pub struct Timeline {
    /// The first instant of data.
    pub start: DateTime<Utc>,
    /// The end of data.
    pub end: DateTime<Utc>,
    /// When the phishing document is opened.
    pub phish: DateTime<Utc>,
    /// When the RDP brute force starts.
    pub brute_force: DateTime<Utc>,
    /// When the SSH brute force starts.
    pub ssh_attack: DateTime<Utc>,
}

impl Timeline {
    /// The timeline for a start time.
    pub fn new(start: DateTime<Utc>) -> Timeline {
        let day2 = start + Duration::days(1);
        Timeline {
            start,
            end: start + Duration::days(3),
            phish: day2 + Duration::hours(9) + Duration::minutes(14),
            brute_force: day2 + Duration::hours(2) + Duration::minutes(3),
            ssh_attack: day2 + Duration::hours(15) + Duration::minutes(40),
        }
    }

    /// A random instant in the data range, during working hours with probability `work`.
    pub fn random(&self, rng: &mut StdRng, work: f64) -> DateTime<Utc> {
        let day = rng.random_range(0..3);
        let seconds = if rng.random_bool(work) {
            rng.random_range(8 * 3600..18 * 3600)
        } else {
            rng.random_range(0..24 * 3600)
        };
        self.start + Duration::days(day) + Duration::seconds(seconds)
    }
}

/// A random element.
pub fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A random lower-case hex string of `len` digits.
pub fn hex(rng: &mut StdRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A random GUID.
pub fn guid(rng: &mut StdRng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 12)
    )
}

/// A random number of milliseconds, to spread events.
pub fn jitter(rng: &mut StdRng, max_seconds: i64) -> Duration {
    Duration::milliseconds(rng.random_range(0..max_seconds.max(1) * 1000))
}

/// True with probability `p`.
pub fn coin(rng: &mut StdRng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}
