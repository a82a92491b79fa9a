//! Sample frames shared by the integration tests and the `write_views` example.
//!
//! The data is synthetic but shaped like the real frames (column names of Windows security
//! events, of the process-tree builder's output, of the STL decomposition…). Every text column
//! carries planted markup so each view is checked for escaping.

#![allow(dead_code)]

use polars::prelude::*;

/// Planted into text columns: must only ever appear escaped.
pub const PLANTED_SCRIPT: &str = "<script>document.title='pwned'</script>";
/// Planted into text columns: an attribute break-out attempt.
pub const PLANTED_IMG: &str = "\"><img src=x onerror=\"document.title='pwned2'\">";

/// 2024-03-01T00:00:00Z in milliseconds.
pub const T0: i64 = 1_709_251_200_000;
const HOUR: i64 = 3_600_000;

/// A small deterministic generator (64-bit LCG), so samples are the same on every run.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Self {
        Lcg(seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn unit(&mut self) -> f64 {
        self.next() as f64 / (1u64 << 31) as f64
    }
}

/// Turns an Int64 milliseconds column into a datetime column.
pub fn as_datetime(df: &mut DataFrame, name: &str) -> PolarsResult<()> {
    let cast = df
        .column(name)?
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    df.with_column(cast)?;
    Ok(())
}

/// Logon-like events on a few hosts over two days, with a burst and planted markup.
pub fn events(n: usize) -> PolarsResult<DataFrame> {
    let mut rng = Lcg::new(7);
    let hosts = ["dc01", "ws-17", "web-03", "sql-02", "<b>evil-host</b>"];
    let accounts = ["alice", "bob", "svc_backup", "admin"];
    let mut times = Vec::with_capacity(n);
    let (mut host, mut account, mut event, mut cmd) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let h = if i % 97 == 0 {
            4
        } else {
            rng.below(4) as usize
        };
        // A burst on ws-17 in the afternoon of the first day.
        let t = if h == 1 && rng.below(3) == 0 {
            T0 + 14 * HOUR + rng.below(HOUR as u64) as i64
        } else {
            T0 + rng.below(48 * HOUR as u64) as i64
        };
        times.push(t);
        host.push(hosts[h].to_owned());
        account.push(accounts[rng.below(4) as usize].to_owned());
        event.push(if i % 211 == 0 { 4625i64 } else { 4624 });
        cmd.push(match i % 50 {
            0 => format!("powershell -enc {PLANTED_SCRIPT}"),
            1 => format!("cmd.exe /c echo {PLANTED_IMG}"),
            _ => format!("C:\\Windows\\System32\\svchost.exe -k netsvcs -p {i}"),
        });
    }
    let mut df = df!(
        "TimeGenerated" => times,
        "Computer" => host,
        "Account" => account,
        "EventID" => event,
        "CommandLine" => cmd,
    )?;
    as_datetime(&mut df, "TimeGenerated")?;
    Ok(df)
}

/// `n` events in a single column frame for size tests: `hosts` groups, one rare colour.
pub fn many_events(n: usize, hosts: usize) -> PolarsResult<DataFrame> {
    let mut rng = Lcg::new(11);
    let mut times = Vec::with_capacity(n);
    let mut host = Vec::with_capacity(n);
    let mut kind = Vec::with_capacity(n);
    for i in 0..n {
        times.push(T0 + rng.below(7 * 24 * HOUR as u64) as i64);
        host.push(format!("host-{:03}", rng.below(hosts as u64)));
        kind.push(if i % 200_000 == 17 {
            "rare-alert"
        } else if i % 3 == 0 {
            "logon"
        } else {
            "process"
        });
    }
    let mut df = df!("TimeGenerated" => times, "Computer" => host, "Kind" => kind)?;
    as_datetime(&mut df, "TimeGenerated")?;
    Ok(df)
}

/// A process forest shaped like the process-tree builder's output.
pub fn processes(n: usize) -> PolarsResult<DataFrame> {
    let mut rng = Lcg::new(3);
    let names = [
        "C:\\Windows\\System32\\services.exe",
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\System32\\cmd.exe",
        "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
        "C:\\Windows\\System32\\whoami.exe",
        "C:\\Windows\\System32\\net.exe",
        "C:\\Users\\bob\\AppData\\Local\\Temp\\<img src=x onerror=alert(1)>.exe",
    ];
    let users = ["SYSTEM", "bob", "alice"];
    let (mut key, mut parent, mut name, mut cmd, mut user, mut time, mut depth) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let (p, d) = if i < 2 {
            (None, 0i64)
        } else {
            // Any earlier process may be the parent: a random recursive tree, wide and
            // logarithmically deep like real process trees.
            let p = rng.below(i as u64) as usize;
            (Some(p), depth[p] + 1)
        };
        key.push(format!("p{i}"));
        parent.push(p.map(|p| format!("p{p}")));
        depth.push(d);
        let which = if i % 37 == 5 {
            6
        } else {
            rng.below(6) as usize
        };
        name.push(names[which].to_owned());
        cmd.push(if i % 23 == 4 {
            format!("powershell -c \"{PLANTED_SCRIPT}\"")
        } else {
            format!(
                "{} /arg {i}",
                names[which].rsplit('\\').next().unwrap_or("")
            )
        });
        user.push(users[(i / 7) % 3].to_owned());
        time.push(T0 + i as i64 * 1500);
    }
    let tree: Vec<String> = (0..n).map(|_| "t0".to_owned()).collect();
    let mut df = df!(
        "proc_key" => key,
        "parent_key" => parent,
        "depth" => depth,
        "tree_id" => tree,
        "NewProcessName" => name,
        "CommandLine" => cmd,
        "SubjectUserName" => user,
        "TimeGenerated" => time,
    )?;
    as_datetime(&mut df, "TimeGenerated")?;
    Ok(df)
}

/// Geolocated connections: source point, destination point, a country and an IP.
pub fn locations() -> PolarsResult<DataFrame> {
    let places = [
        ("United States", 38.9, -77.0),
        ("Germany", 50.1, 8.7),
        ("Brazil", -23.5, -46.6),
        ("Japan", 35.7, 139.7),
        ("Australia", -33.9, 151.2),
        ("Nigeria", 6.5, 3.4),
        ("<script>alert(1)</script>", 55.8, 37.6),
    ];
    let mut rng = Lcg::new(5);
    let (mut lat, mut lon, mut country, mut ip, mut dlat, mut dlon) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..300 {
        let (name, la, lo) = places[if i % 41 == 0 {
            6
        } else {
            rng.below(6) as usize
        }];
        lat.push(la + rng.unit() * 2.0 - 1.0);
        lon.push(lo + rng.unit() * 2.0 - 1.0);
        country.push(name.to_owned());
        ip.push(format!("203.0.113.{}", i % 250));
        dlat.push(47.6);
        dlon.push(-122.3);
    }
    lat.push(f64::NAN);
    lon.push(500.0);
    country.push("broken".to_owned());
    ip.push("198.51.100.1".to_owned());
    dlat.push(0.0);
    dlon.push(0.0);
    df!(
        "Latitude" => lat,
        "Longitude" => lon,
        "CountryName" => country,
        "IpAddress" => ip,
        "DestLatitude" => dlat,
        "DestLongitude" => dlon,
    )
}

/// An hourly series over two weeks with a daily cycle, decomposed, with three anomalies.
pub fn decomposed() -> PolarsResult<DataFrame> {
    let n = 24 * 14;
    let mut rng = Lcg::new(9);
    let (
        mut time,
        mut total,
        mut trend,
        mut seasonal,
        mut residual,
        mut baseline,
        mut score,
        mut anomalies,
    ) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for i in 0..n {
        let tr = 100.0 + i as f64 * 0.05;
        let se = 30.0 * (i as f64 / 24.0 * std::f64::consts::TAU).sin();
        let spike = if [50, 170, 290].contains(&i) {
            90.0
        } else {
            0.0
        };
        let re = rng.unit() * 8.0 - 4.0 + spike;
        time.push(T0 + i as i64 * HOUR);
        total.push(tr + se + re);
        trend.push(tr);
        seasonal.push(se);
        residual.push(re);
        baseline.push(tr + se);
        score.push(re / 4.0);
        anomalies.push(i64::from(spike > 0.0));
    }
    let mut df = df!(
        "TimeGenerated" => time,
        "Total" => total,
        "trend" => trend,
        "seasonal" => seasonal,
        "residual" => residual,
        "baseline" => baseline,
        "score" => score,
        "anomalies" => anomalies,
    )?;
    as_datetime(&mut df, "TimeGenerated")?;
    Ok(df)
}

/// An alert's entities as an edge list.
pub fn entity_edges() -> PolarsResult<DataFrame> {
    let edges = [
        (
            "alert: suspicious logon",
            "Alert",
            "dc01",
            "Host",
            "on host",
        ),
        (
            "alert: suspicious logon",
            "Alert",
            "bob",
            "Account",
            "account",
        ),
        ("bob", "Account", "dc01", "Host", "logged on"),
        ("bob", "Account", "ws-17", "Host", "logged on"),
        ("ws-17", "Host", "203.0.113.9", "IpAddress", "connected"),
        ("dc01", "Host", "203.0.113.9", "IpAddress", "connected"),
        ("ws-17", "Host", "powershell.exe", "Process", "ran"),
        (
            "powershell.exe",
            "Process",
            "evil.example.com",
            "Dns",
            "resolved",
        ),
        (
            "evil.example.com",
            "Dns",
            "203.0.113.9",
            "IpAddress",
            "resolves to",
        ),
        (
            "powershell.exe",
            "Process",
            PLANTED_SCRIPT,
            "File",
            PLANTED_IMG,
        ),
        ("alice", "Account", "web-03", "Host", "logged on"),
        ("web-03", "Host", "198.51.100.4", "IpAddress", "connected"),
    ];
    df!(
        "source" => edges.iter().map(|e| e.0).collect::<Vec<_>>(),
        "source_kind" => edges.iter().map(|e| e.1).collect::<Vec<_>>(),
        "target" => edges.iter().map(|e| e.2).collect::<Vec<_>>(),
        "target_kind" => edges.iter().map(|e| e.3).collect::<Vec<_>>(),
        "relation" => edges.iter().map(|e| e.4).collect::<Vec<_>>(),
    )
}

/// Scored sessions as the anomalous-sequence scorer returns them.
pub fn scored_sessions() -> PolarsResult<DataFrame> {
    let mut rng = Lcg::new(13);
    let cmds = [
        "Set-User",
        "Get-Mailbox",
        "Set-Mailbox",
        "New-InboxRule",
        "Get-User",
        "Remove-MailboxPermission",
    ];
    let (mut user, mut lik, mut window, mut start) = (vec![], vec![], vec![], vec![]);
    for i in 0..60 {
        user.push(if i == 3 {
            PLANTED_SCRIPT.to_owned()
        } else {
            format!("user{i:02}@example.com")
        });
        let exponent = if i % 17 == 3 {
            9.0
        } else {
            2.0 + rng.unit() * 3.0
        };
        lik.push(10f64.powf(-exponent));
        let w: Vec<&str> = (0..3).map(|_| cmds[rng.below(6) as usize]).collect();
        window.push(format!("[{}]", w.join(", ")));
        start.push(T0 + i as i64 * HOUR);
    }
    let mut df = df!(
        "UserId" => user,
        "rarest_window3_likelihood" => lik,
        "rarest_window3" => window,
        "TimeGenerated_min" => start,
    )?;
    as_datetime(&mut df, "TimeGenerated_min")?;
    Ok(df)
}

/// Cluster representatives as event clustering returns them.
pub fn clusters() -> PolarsResult<DataFrame> {
    let rows = [
        (0i64, 812i64, "svchost.exe", "svchost.exe -k netsvcs -p"),
        (1, 240, "conhost.exe", "conhost.exe 0xffffffff -ForceV1"),
        (2, 96, "taskhostw.exe", "taskhostw.exe"),
        (3, 12, "wmiprvse.exe", "wmiprvse.exe -secured -Embedding"),
        (
            -1,
            1,
            "powershell.exe",
            "powershell -nop -w hidden -enc SQBFAFgA",
        ),
        (-1, 1, "<script>x</script>.exe", PLANTED_IMG),
    ];
    df!(
        "ClusterId" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "ClusterSize" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        "processName" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
        "CommandLine" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
    )
}

/// Every view drawn from the samples, named as the files the example writes.
pub fn all_views() -> Result<Vec<(&'static str, huntbook_viz::View)>, Box<dyn std::error::Error>> {
    use chrono::TimeZone;
    use huntbook_viz::*;

    let events = events(600)?;
    let alert_time = chrono::Utc
        .timestamp_millis_opt(T0 + 14 * HOUR + 20 * 60_000)
        .single()
        .ok_or("bad time")?;
    let mut views = Vec::new();
    views.push((
        "timeline",
        Timeline::new(&events)
            .group_by("Computer")
            .color_by("Account")
            .tooltip_columns(&["EventID", "CommandLine"])
            .ref_time(alert_time, "alert <b>raised</b>")
            .title("Logons by host <script>alert(1)</script>")
            .build()?,
    ));
    let hourly = decomposed()?;
    views.push((
        "timeline_values",
        TimelineValues::new(&hourly)
            .value_column("Total")
            .tooltip_columns(&["score"])
            .ref_time(alert_time, "alert")
            .title("Events per hour")
            .build()?,
    ));
    views.push((
        "timeline_duration",
        TimelineDuration::new(&events)
            .group_by(&["Computer", "Account"])
            .ref_time(alert_time, "alert")
            .title("Account activity per host")
            .build()?,
    ));
    let procs = processes(120)?;
    views.push((
        "process_tree",
        ProcessTree::new(&procs)
            .legend_column("SubjectUserName")
            .highlight(&["p77"])
            .budget(60, 3000)
            .title("Process tree")
            .build()?,
    ));
    let places = locations()?;
    views.push((
        "map",
        WorldMap::new(&places)
            .color_by("CountryName")
            .tooltip_columns(&["IpAddress"])
            .connect("DestLatitude", "DestLongitude")
            .title("Connections by source country")
            .build()?,
    ));
    views.push((
        "decomposition",
        Decomposition::new(&hourly)
            .title("Hourly events, STL")
            .build()?,
    ));
    views.push((
        "matrix",
        Matrix::new(&events)
            .x_column("Computer")
            .y_column("Account")
            .title("Logons: host by account")
            .build()?,
    ));
    let edges = entity_edges()?;
    views.push((
        "graph",
        Graph::new(&edges)
            .kind_columns("source_kind", "target_kind")
            .edge_label_column("relation")
            .title("Alert entities")
            .build()?,
    ));
    let sessions = scored_sessions()?;
    views.push((
        "sessions",
        ScoredSessions::new(&sessions)
            .label_column("UserId")
            .time_column("TimeGenerated_min")
            .max_sessions(25)
            .build()?,
    ));
    let clusters = clusters()?;
    views.push((
        "clusters",
        Clusters::new(&clusters)
            .exemplar_columns(&["processName", "CommandLine"])
            .title("Process clusters")
            .build()?,
    ));
    Ok(views)
}

/// A whole HTML page around one view, as the browser test loads it.
pub fn page(name: &str, view: &huntbook_viz::View) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>huntbook {name}</title></head>\n\
         <body style=\"margin:8px;background:#fff\">\n{}</body></html>\n",
        view.to_html()
    )
}

/// Reads a CSV file from the shared data, dropping a byte-order mark from the first name.
pub fn read_csv(path: &std::path::Path) -> PolarsResult<DataFrame> {
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))?
        .finish()?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.trim_start_matches('\u{feff}').to_owned())
        .collect();
    df.set_column_names(&names)?;
    Ok(df)
}

/// Views of real logs from the shared test data, for those files that are present.
pub fn real_views() -> Result<Vec<(&'static str, huntbook_viz::View)>, Box<dyn std::error::Error>> {
    use huntbook_testkit::shared_data;
    use huntbook_viz::*;

    let mut views = Vec::new();
    let otrf = "logs/otrf-mapped/proctree_aptsimulator_cobaltstrike_security_4688.csv";
    if let Some(path) = shared_data(otrf) {
        let events = read_csv(&path)?;
        let keyed = events
            .lazy()
            .with_columns([
                concat_str([col("Computer"), col("NewProcessId")], "|", true).alias("proc_key"),
                concat_str([col("Computer"), col("ProcessId")], "|", true).alias("parent_key"),
            ])
            .collect()?;
        views.push((
            "real_process_tree",
            ProcessTree::new(&keyed)
                .legend_column("SubjectUserName")
                .title("APT simulator (OTRF), Security 4688")
                .build()?,
        ));
    }
    if let Some(path) = shared_data("logs/msticpy/time_series.csv") {
        let series = read_csv(&path)?;
        views.push((
            "real_decomposition",
            Decomposition::new(&series)
                .value_column("TotalBytesSent")
                .title("Bytes sent per hour (msticpy sample) with anomalies")
                .build()?,
        ));
    }
    if let Some(path) = shared_data("logs/msticpy/ip_locs.csv") {
        let ips = read_csv(&path)?;
        views.push((
            "real_map",
            WorldMap::new(&ips)
                .color_by("CountryOrRegionName")
                .tooltip_columns(&["IpAddress", "City"])
                .title("Geolocated IP addresses (msticpy sample)")
                .build()?,
        ));
    }
    Ok(views)
}
