//! Process trees built from real process events, compared with msticpy 3.0.2.
//!
//! Expected summaries come from msticpy 3.0.2 on the same files:
//!
//! ```text
//! /tmp/msticpy-venv/bin/python - <<'EOF'
//! import pandas as pd
//! from msticpy.transform.proc_tree_builder import build_process_tree
//! from msticpy.transform.process_tree_utils import get_summary_info
//! df = pd.read_csv(path)            # index_col=0 for processes_on_host.csv, mde_proc_cs1.csv
//! # df = pd.read_json(path, lines=True) for the .jsonl files
//! print(get_summary_info(build_process_tree(df)))
//! EOF
//! ```
//!
//! winproctree-minimal.csv (Volatility `pstree` output) used the schema
//! `ProcSchema(time_stamp="CreateTime", process_name="ImageFileName", process_id="PID",
//! parent_id="PPID", cmd_line=None)`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::num::NonZeroUsize;
use std::path::Path;

use huntbook_analysis::proctree::{
    BuiltinSchema, ProcSchema, ProcessTree, TextOptions, TreeOptions, TreeSummary,
    build_process_tree, cols,
};
use huntbook_testkit::shared_data;
use polars::prelude::*;

fn read_csv(path: &Path) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .expect("csv")
}

fn read_jsonl(path: &Path) -> DataFrame {
    let file = File::open(path).expect("open");
    JsonReader::new(file)
        .with_json_format(JsonFormat::JsonLines)
        .infer_schema_len(NonZeroUsize::new(100_000))
        .finish()
        .expect("jsonl")
}

fn load(rel: &str) -> Option<DataFrame> {
    let Some(path) = shared_data(rel) else {
        eprintln!("skipping: shared data {rel} not available");
        return None;
    };
    Some(if rel.ends_with(".jsonl") {
        read_jsonl(&path)
    } else {
        read_csv(&path)
    })
}

fn summary(
    processes: usize,
    roots: usize,
    leaves: usize,
    branches: usize,
    depth: usize,
) -> TreeSummary {
    TreeSummary {
        processes,
        roots,
        leaves,
        branches,
        isolated: 0,
        largest_depth: depth,
    }
}

fn build(rel: &str, options: &TreeOptions) -> Option<ProcessTree> {
    let df = load(rel)?;
    Some(build_process_tree(&df, options).expect("tree"))
}

fn assert_msticpy(rel: &str, expected: TreeSummary) {
    let Some(tree) = build(rel, &TreeOptions::default()) else {
        return;
    };
    assert_eq!(
        tree.summary(),
        expected,
        "{rel}: errors {:?}",
        tree.errors()
    );
    check_invariants(&tree);
}

/// Structural facts every tree must satisfy.
fn check_invariants(tree: &ProcessTree) {
    let frame = tree.frame();
    assert_eq!(frame.height(), tree.nodes().len());
    let paths = frame
        .column(cols::PATH)
        .expect("path")
        .str()
        .expect("str")
        .clone();
    let src = frame
        .column(cols::SOURCE_INDEX)
        .expect("src")
        .str()
        .expect("str")
        .clone();
    for (id, node) in tree.nodes().iter().enumerate() {
        let path = paths.get(id).expect("path value");
        assert_eq!(path.split('/').count() as u32, node.depth + 1);
        assert!(path.ends_with(src.get(id).expect("src value")));
        match node.parent {
            Some(p) => {
                assert!(p < id, "parents come before children in tree order");
                assert_eq!(tree.nodes()[p].depth + 1, node.depth);
                assert!(tree.children(p).contains(&id));
            }
            None => assert_eq!(node.depth, 0),
        }
        assert_eq!(
            tree.by_key(&node.key).map(|k| tree.nodes()[k].key.clone()),
            Some(node.key.clone())
        );
    }
}

#[test]
fn processes_on_host_csv_matches_msticpy() {
    assert_msticpy(
        "logs/msticpy/processes_on_host.csv",
        summary(369, 6, 279, 84, 5),
    );
}

#[test]
fn mde_internal_csv_matches_msticpy() {
    assert_msticpy(
        "logs/msticpy/mde_proc_cs1.csv",
        summary(1642, 9, 1177, 456, 16),
    );
}

#[test]
fn volatility_pstree_with_custom_schema_matches_msticpy() {
    let schema = ProcSchema::new("CreateTime", "ImageFileName", "PID", "PPID");
    let rel = "logs/msticpy/winproctree-minimal.csv";
    let Some(tree) = build(rel, &TreeOptions::default().with_schema(schema)) else {
        return;
    };
    assert_eq!(tree.summary(), summary(126, 10, 97, 19, 7));
    check_invariants(&tree);
}

#[test]
fn linux_auditd_jsonl_matches_msticpy() {
    assert_msticpy(
        "logs/msticpy/from_pkl/linux_proc_test.jsonl",
        summary(1029, 29, 497, 503, 5),
    );
}

#[test]
fn mde_public_jsonl_matches_msticpy() {
    assert_msticpy(
        "logs/msticpy/from_pkl/mde_proc_pub.jsonl",
        summary(266, 3, 200, 63, 10),
    );
}

#[test]
fn small_4688_jsonl_sets_match_msticpy() {
    assert_msticpy(
        "logs/msticpy/from_pkl/process_tree.jsonl",
        summary(18, 1, 16, 1, 3),
    );
    assert_msticpy(
        "logs/msticpy/from_pkl/processes_on_host.jsonl",
        summary(29, 4, 22, 3, 3),
    );
    assert_msticpy(
        "logs/msticpy/from_pkl/win_proc_test.jsonl",
        summary(1010, 10, 815, 185, 7),
    );
}

#[test]
fn otrf_mapped_sets_match_msticpy() {
    let dir = "logs/otrf-mapped/proctree_";
    let cases = [
        (
            "aptsimulator_cobaltstrike_security_4688",
            summary(39, 3, 28, 8, 4),
        ),
        (
            "aptsimulator_cobaltstrike_sysmon_1",
            summary(40, 3, 29, 8, 4),
        ),
        (
            "cmd_psexec_lsa_secrets_dump_security_4688",
            summary(6, 2, 2, 2, 4),
        ),
        (
            "cmd_psexec_lsa_secrets_dump_sysmon_1",
            summary(6, 2, 2, 2, 4),
        ),
        (
            "covenant_sharpsc_query_dcerpc_smb_svcctl_security_4688",
            summary(3, 1, 1, 1, 3),
        ),
        (
            "covenant_sharpsc_query_dcerpc_smb_svcctl_sysmon_1",
            summary(3, 1, 1, 1, 3),
        ),
        (
            "empire_wmic_add_user_backdoor_security_4688",
            summary(30, 5, 22, 3, 4),
        ),
        (
            "empire_wmic_add_user_backdoor_sysmon_1",
            summary(30, 5, 22, 3, 4),
        ),
    ];
    for (name, expected) in cases {
        assert_msticpy(&format!("{dir}{name}.csv"), expected);
    }
}

#[test]
fn schema_is_inferred_per_source() {
    let cases = [
        ("logs/msticpy/processes_on_host.csv", "win4688"),
        ("logs/msticpy/mde_proc_cs1.csv", "mdeinternal"),
        ("logs/msticpy/from_pkl/linux_proc_test.jsonl", "lxauditd"),
        ("logs/msticpy/from_pkl/mde_proc_pub.jsonl", "mde"),
        (
            "logs/otrf-mapped/proctree_aptsimulator_cobaltstrike_sysmon_1.csv",
            "sysmon1",
        ),
    ];
    for (rel, label) in cases {
        let Some(tree) = build(rel, &TreeOptions::default()) else {
            return;
        };
        assert_eq!(tree.schema().label, label, "{rel}");
    }
}

#[test]
fn navigation_on_psexec_tree() {
    let rel = "logs/otrf-mapped/proctree_cmd_psexec_lsa_secrets_dump_security_4688.csv";
    let options = TreeOptions::default().with_builtin(BuiltinSchema::Win4688);
    let Some(tree) = build(rel, &options) else {
        return;
    };
    let services = tree
        .nodes()
        .iter()
        .position(|n| n.name.ends_with("services.exe"))
        .expect("services.exe is inferred as a parent");
    assert!(tree.nodes()[services].inferred);
    let kids = tree.children(services);
    assert_eq!(kids.len(), 1);
    let psexesvc = kids[0];
    assert!(tree.nodes()[psexesvc].name.ends_with("PSEXESVC.exe"));
    assert_eq!(tree.parent(psexesvc), Some(services));
    assert_eq!(tree.ancestors(psexesvc), vec![services]);
    assert_eq!(tree.root_of(psexesvc), Some(services));
    let below = tree.descendants(services, None);
    assert!(below.len() >= 2, "PSEXESVC has children");
    assert_eq!(tree.descendants(services, Some(1)), kids);
    assert_eq!(tree.subtree(services).len(), below.len() + 1);
    assert!(
        tree.siblings(services)
            .iter()
            .all(|s| tree.nodes()[*s].parent.is_none())
    );
    let rows = tree.rows(&below).expect("rows");
    assert_eq!(rows.height(), below.len());

    let text = tree.to_text(&TextOptions::default().with_time(false));
    assert!(text.contains("[host WORKSTATION5]"));
    let line = text
        .lines()
        .find(|l| l.contains("PSEXESVC.exe ["))
        .expect("line");
    assert!(
        line.starts_with("  C:\\Windows\\PSEXESVC.exe [0x5b4]"),
        "{line}"
    );
    assert!(
        tree.subtree_text(psexesvc, &TextOptions::default())
            .starts_with("C:\\Windows\\PSEXESVC")
    );
}

#[test]
fn output_columns_and_keys() {
    let rel =
        "logs/otrf-mapped/proctree_covenant_sharpsc_query_dcerpc_smb_svcctl_security_4688.csv";
    let Some(tree) = build(rel, &TreeOptions::default()) else {
        return;
    };
    let frame = tree.frame();
    for c in &cols::ALL {
        assert!(frame.column(c).is_ok(), "missing {c}");
    }
    let keys = frame
        .column(cols::PROC_KEY)
        .expect("key")
        .str()
        .expect("str")
        .clone();
    let first = keys.get(0).expect("key");
    assert_eq!(
        first,
        r"c:\windows\system32\svchost.exe|0x7b8|1970-01-01 00:00:00.000000"
    );
    let inferred = frame
        .column(cols::IS_INFERRED)
        .expect("inferred")
        .bool()
        .expect("bool")
        .clone();
    assert_eq!(inferred.get(0), Some(true));
    // The inferred parent takes its id and name from the child's parent columns.
    let pid = frame
        .column("NewProcessId")
        .expect("pid")
        .str()
        .expect("str")
        .clone();
    assert_eq!(pid.get(0), Some("0x7b8"));
    let child_key = keys.get(1).expect("key");
    assert_eq!(
        child_key,
        r"c:\windows\system32\dsregcmd.exe|0x1684|2020-08-06 05:21:19.964000"
    );
    let parent_keys = frame
        .column(cols::PARENT_KEY)
        .expect("pk")
        .str()
        .expect("str")
        .clone();
    assert_eq!(parent_keys.get(1), Some(first));
    assert_eq!(parent_keys.get(0), None);
}

#[test]
fn pid_reuse_links_to_the_most_recent_earlier_process() {
    let df = df!(
        "EventID" => [1, 1, 1, 1],
        "Computer" => ["a", "a", "a", "b"],
        "UtcTime" => [
            "2024-01-01 10:00:00.000",
            "2024-01-01 11:00:00.000",
            "2024-01-01 11:30:00.000",
            "2024-01-01 11:31:00.000",
        ],
        "Image" => ["cmd.exe", "cmd.exe", "whoami.exe", "net.exe"],
        "ProcessId" => [100, 100, 200, 300],
        "ParentImage" => ["explorer.exe", "explorer.exe", "cmd.exe", "cmd.exe"],
        "ParentProcessId" => [1, 1, 100, 100],
    )
    .expect("df");
    let tree = build_process_tree(&df, &TreeOptions::default()).expect("tree");
    let find = |name: &str| {
        tree.nodes()
            .iter()
            .position(|n| n.name == name)
            .expect(name)
    };
    let whoami = find("whoami.exe");
    let parent = tree.parent(whoami).expect("parent");
    assert_eq!(
        tree.nodes()[parent].key,
        "cmd.exe|100|2024-01-01 11:00:00.000000"
    );
    // Host b has no cmd.exe 100: its parent is inferred there, not borrowed from host a.
    let net = find("net.exe");
    let p = tree.parent(net).expect("parent");
    assert!(tree.nodes()[p].inferred);
    assert_eq!(tree.nodes()[p].host.as_deref(), Some("b"));
    assert_eq!(tree.summary().roots, 2);
}

#[test]
fn malformed_rows_are_reported_not_fatal() {
    let df = df!(
        "EventID" => [1, 1, 1, 1, 3],
        "UtcTime" => [
            "2024-01-01 10:00:00",
            "not a time",
            "2024-01-01 10:00:02",
            "2024-01-01 10:00:03",
            "2024-01-01 10:00:04",
        ],
        "Image" => ["cmd.exe", "x.exe", "y.exe", "z.exe", "net"],
        "ProcessId" => [Some(100), Some(101), None, Some(103), Some(104)],
        "ParentImage" => ["explorer.exe", "cmd.exe", "cmd.exe", "cmd.exe", "cmd.exe"],
        "ParentProcessId" => [Some(1), Some(100), Some(100), None, Some(100)],
    )
    .expect("df");
    let tree = build_process_tree(&df, &TreeOptions::default()).expect("tree");
    let errors = tree.errors();
    let rows: Vec<u32> = errors
        .column("row")
        .expect("row")
        .u32()
        .expect("u32")
        .into_no_null_iter()
        .collect();
    assert!(rows.contains(&1), "bad time reported");
    assert!(rows.contains(&2), "missing pid reported");
    assert!(rows.contains(&3), "missing parent id reported");
    assert_eq!(tree.skipped_events(), 1);
    // cmd.exe, its inferred parent explorer.exe and z.exe (kept as a root).
    assert_eq!(tree.summary().processes, 3);
    let msg = errors
        .column("message")
        .expect("msg")
        .str()
        .expect("str")
        .get(0)
        .expect("m")
        .to_string();
    assert!(msg.contains("timestamp"), "{msg}");
}

#[test]
fn no_schema_is_a_clear_error() {
    let df = df!("a" => [1], "b" => [2]).expect("df");
    let err = build_process_tree(&df, &TreeOptions::default()).expect_err("no schema");
    assert!(err.to_string().contains("with_schema"), "{err}");
    let missing = TreeOptions::default().with_builtin(BuiltinSchema::Sysmon1);
    let err = build_process_tree(&df, &missing).expect_err("missing column");
    assert!(err.to_string().contains("UtcTime"), "{err}");
}

#[test]
fn synthetic_events_build_a_tree() {
    let df = huntbook_analysis::proctree::synthetic(5_000, 7).expect("synthetic");
    assert_eq!(df.height(), 5_000);
    let again = huntbook_analysis::proctree::synthetic(5_000, 7).expect("synthetic");
    assert!(df.equals(&again));
    let tree = build_process_tree(&df, &TreeOptions::default()).expect("tree");
    let s = tree.summary();
    assert_eq!(s.processes, 5_000 + 2, "two seed parents are inferred");
    assert_eq!(s.roots, 2);
    assert!(s.largest_depth > 3);
    check_invariants(&tree);
}
