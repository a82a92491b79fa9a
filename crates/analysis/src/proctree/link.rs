//! Turning input rows into process nodes and linking each node to its parent.
//!
//! Event logs (4688, Sysmon, auditd) only give the parent's id (and sometimes name), so the parent
//! is the most recent process with that id (and name) on the same host that started at or before
//! the child: a hash map keyed by (host, pid, name) holds each key's start times sorted, and a
//! binary search finds the parent, which handles PID reuse. Defender events name the parent by
//! its own creation time, so parents are found by exact key. Parents absent from the data are
//! added as inferred nodes (for Defender, their parents too, from the grandparent columns).

use polars::prelude::PlHashMap;

use super::input::{Inputs, RowIssue};
use super::schema::ProcSchema;
use super::values::{base_name, key_time, pid_key};

/// Where a node's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// An input row.
    Input(usize),
    /// Inferred from the parent columns of this input row.
    Parent(usize),
    /// Inferred from the grandparent columns of this input row (Defender only).
    Grandparent(usize),
}

/// One process.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub origin: Origin,
    pub host: Option<String>,
    pub pid: String,
    pub name: String,
    pub time: Option<i64>,
    pub key: String,
    pub parent: Option<usize>,
}

/// The linked nodes and what went wrong on the way.
pub(crate) struct Linked {
    pub nodes: Vec<Node>,
    pub issues: Vec<RowIssue>,
    pub skipped_events: usize,
}

const UNKNOWN: &str = "unknown";

/// Builds the nodes and links parents according to the schema.
pub(crate) fn link(inputs: &Inputs, schema: &ProcSchema) -> Linked {
    let mut linker = Linker {
        nodes: Vec::new(),
        issues: inputs.issues.clone(),
        skipped: 0,
    };
    let exact = schema.parent_columns.is_some();
    linker.add_inputs(inputs, schema, exact);
    if exact {
        linker.link_exact(inputs, schema);
    } else {
        linker.link_by_time(inputs, schema);
    }
    Linked {
        nodes: linker.nodes,
        issues: linker.issues,
        skipped_events: linker.skipped,
    }
}

fn make_key(name: &str, pid: &str, time: Option<i64>) -> String {
    format!(
        "{}|{}|{}",
        name.to_lowercase(),
        pid.to_lowercase(),
        key_time(time.unwrap_or(0))
    )
}

struct Linker {
    nodes: Vec<Node>,
    issues: Vec<RowIssue>,
    skipped: usize,
}

type HostKey = (Option<String>, String);

/// Ids of interned strings; `NONE_ID` stands for an absent host or name.
#[derive(Default)]
struct Interner(PlHashMap<String, u32>);

const NONE_ID: u32 = u32::MAX;

impl Interner {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(id) = self.0.get(text) {
            return *id;
        }
        let id = self.0.len() as u32;
        self.0.insert(text.to_string(), id);
        id
    }

    fn get(&self, text: Option<&str>) -> Option<u32> {
        match text {
            Some(t) => self.0.get(t).copied(),
            None => Some(NONE_ID),
        }
    }
}

/// (host, pid, lower-case name) → that key's (start time, node) pairs, sorted by time.
///
/// Keys are interned and all pairs live in one sorted vector, so building is one sort and a
/// lookup is one hash probe.
struct StartIndex {
    strings: Interner,
    ranges: PlHashMap<(u32, u32, u32), (usize, usize)>,
    starts: Vec<(i64, usize)>,
}

impl StartIndex {
    fn build(nodes: &[Node], by_name: bool) -> StartIndex {
        let mut strings = Interner::default();
        let mut keyed: Vec<((u32, u32, u32), i64, usize)> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let host = n.host.as_deref().map_or(NONE_ID, |h| strings.id(h));
                let pid = strings.id(&pid_key(&n.pid));
                let name = if by_name {
                    strings.id(&n.name.to_lowercase())
                } else {
                    NONE_ID
                };
                ((host, pid, name), n.time.unwrap_or(i64::MIN), i)
            })
            .collect();
        keyed.sort_unstable();
        let mut ranges = PlHashMap::default();
        let mut starts = Vec::with_capacity(keyed.len());
        for (i, (key, time, node)) in keyed.iter().enumerate() {
            starts.push((*time, *node));
            ranges
                .entry(*key)
                .and_modify(|r: &mut (usize, usize)| r.1 = i + 1)
                .or_insert((i, i + 1));
        }
        StartIndex {
            strings,
            ranges,
            starts,
        }
    }

    fn lookup(&self, host: Option<&str>, pid: &str, name: Option<&str>) -> Option<&[(i64, usize)]> {
        let key = (
            self.strings.get(host)?,
            self.strings.get(Some(pid))?,
            self.strings.get(name)?,
        );
        let (a, b) = self.ranges.get(&key)?;
        Some(&self.starts[*a..*b])
    }
}

impl Linker {
    fn issue(&mut self, row: usize, field: &str, value: Option<&str>, message: &str) {
        self.issues.push(RowIssue {
            row,
            field: field.to_string(),
            value: value.map(str::to_string),
            message: message.to_string(),
        });
    }

    /// One node per valid, distinct input row; rows without pid or time are reported and left out.
    fn add_inputs(&mut self, inputs: &Inputs, schema: &ProcSchema, exact: bool) {
        let mut seen: PlHashMap<HostKey, usize> = PlHashMap::default();
        for row in 0..inputs.rows {
            if !inputs.is_process_event(row, schema) {
                self.skipped += 1;
                continue;
            }
            let Some(node) = self.input_node(inputs, schema, row, exact) else {
                continue;
            };
            let host_key = (node.host.clone(), node.key.clone());
            if let Some(first) = seen.get(&host_key) {
                let msg =
                    format!("duplicate of row {first} (same host, name, pid and time); skipped");
                self.issue(row, &schema.process_id, Some(&node.pid), &msg);
                continue;
            }
            seen.insert(host_key, self.nodes.len());
            self.nodes.push(node);
        }
    }

    fn input_node(
        &mut self,
        inputs: &Inputs,
        schema: &ProcSchema,
        row: usize,
        exact: bool,
    ) -> Option<Node> {
        let Some(pid) = inputs.pid[row].clone() else {
            self.issue(
                row,
                &schema.process_id,
                None,
                "missing process id; row skipped",
            );
            return None;
        };
        let Some(time) = inputs.time[row] else {
            self.issue(
                row,
                &schema.time,
                None,
                "missing or unparseable start time; row skipped",
            );
            return None;
        };
        let name = match inputs.name[row].as_deref() {
            Some(n) if exact => base_name(n, schema.path_separator).to_string(),
            Some(n) => n.to_string(),
            None => {
                self.issue(
                    row,
                    &schema.process_name,
                    None,
                    "missing process name; using 'unknown'",
                );
                UNKNOWN.to_string()
            }
        };
        let key = make_key(&name, &pid, Some(time));
        let host = inputs.host(row).map(str::to_string);
        Some(Node {
            origin: Origin::Input(row),
            host,
            pid,
            name,
            time: Some(time),
            key,
            parent: None,
        })
    }

    fn input_row(&self, node: usize) -> Option<usize> {
        match self.nodes[node].origin {
            Origin::Input(row) => Some(row),
            _ => None,
        }
    }

    fn parent_id(&mut self, inputs: &Inputs, schema: &ProcSchema, row: usize) -> Option<String> {
        let ppid = inputs.ppid[row].clone();
        if ppid.is_none() {
            self.issue(
                row,
                &schema.parent_id,
                None,
                "missing parent id; kept as a root process",
            );
        }
        ppid
    }

    /// Event-log linking: the latest same-host process with the parent's id (and name) that
    /// started no later than the child.
    fn link_by_time(&mut self, inputs: &Inputs, schema: &ProcSchema) {
        let by_name = inputs.parent_name.is_some();
        let index = StartIndex::build(&self.nodes, by_name);
        let mut inferred: PlHashMap<(Option<String>, String, String), usize> = PlHashMap::default();
        for child in 0..self.nodes.len() {
            let Some(row) = self.input_row(child) else {
                continue;
            };
            let Some(ppid) = self.parent_id(inputs, schema, row) else {
                continue;
            };
            let pname = parent_name(inputs, row);
            let pname_lc = pname.map(str::to_lowercase);
            let host = self.nodes[child].host.clone();
            let pkey = pid_key(&ppid);
            let time = self.nodes[child].time.unwrap_or(i64::MIN);
            let starts = index.lookup(host.as_deref(), &pkey, pname_lc.as_deref());
            if let Some(parent) = latest_before(starts, time, child) {
                self.nodes[child].parent = Some(parent);
                continue;
            }
            let name = pname.unwrap_or(UNKNOWN).to_string();
            let inferred_key = (host, pkey, name.to_lowercase());
            let parent = match inferred.get(&inferred_key) {
                Some(p) => *p,
                None => {
                    let host = inferred_key.0.clone();
                    let p = self.push_inferred(Origin::Parent(row), host, ppid, name, None);
                    inferred.insert(inferred_key, p);
                    p
                }
            };
            self.nodes[child].parent = Some(parent);
        }
    }

    fn push_inferred(
        &mut self,
        origin: Origin,
        host: Option<String>,
        pid: String,
        name: String,
        time: Option<i64>,
    ) -> usize {
        let key = make_key(&name, &pid, time);
        self.nodes.push(Node {
            origin,
            host,
            pid,
            name,
            time,
            key,
            parent: None,
        });
        self.nodes.len() - 1
    }

    /// Defender linking: parents by exact (name, pid, creation time) key, missing parents and
    /// grandparents rebuilt from the initiating-process columns.
    fn link_exact(&mut self, inputs: &Inputs, schema: &ProcSchema) {
        let Some(exact) = inputs.exact.as_ref() else {
            return;
        };
        let mut by_key: PlHashMap<HostKey, usize> = PlHashMap::default();
        for (i, node) in self.nodes.iter().enumerate() {
            by_key.insert((node.host.clone(), node.key.clone()), i);
        }
        let sep = schema.path_separator;
        let inputs_end = self.nodes.len();
        for child in 0..inputs_end {
            let Some(row) = self.input_row(child) else {
                continue;
            };
            let Some(ppid) = self.parent_id(inputs, schema, row) else {
                continue;
            };
            let name = parent_name(inputs, row)
                .map_or(UNKNOWN, |n| base_name(n, sep))
                .to_string();
            let time = exact.parent_time[row];
            let host = inputs.host(row).map(str::to_string);
            let parent =
                self.find_or_infer(&mut by_key, Origin::Parent(row), host, ppid, name, time);
            self.nodes[child].parent = Some(parent);
        }
        for parent in inputs_end..self.nodes.len() {
            let Origin::Parent(row) = self.nodes[parent].origin else {
                continue;
            };
            let Some(gpid) = exact.gp_id[row].clone() else {
                continue;
            };
            let name = exact.gp_name[row]
                .as_deref()
                .map_or(UNKNOWN, |n| base_name(n, sep));
            let time = exact.gp_time[row];
            let origin = Origin::Grandparent(row);
            let host = inputs.host(row).map(str::to_string);
            let gp = self.find_or_infer(&mut by_key, origin, host, gpid, name.to_string(), time);
            if gp != parent {
                self.nodes[parent].parent = Some(gp);
            }
        }
    }

    fn find_or_infer(
        &mut self,
        by_key: &mut PlHashMap<HostKey, usize>,
        origin: Origin,
        host: Option<String>,
        pid: String,
        name: String,
        time: Option<i64>,
    ) -> usize {
        let key = (host.clone(), make_key(&name, &pid, time));
        if let Some(found) = by_key.get(&key) {
            return *found;
        }
        let id = self.push_inferred(origin, host, pid, name, time);
        by_key.insert(key, id);
        id
    }
}

fn parent_name(inputs: &Inputs, row: usize) -> Option<&str> {
    let names = inputs.parent_name.as_ref()?;
    Some(names[row].as_deref().unwrap_or(UNKNOWN))
}

/// The last entry started at or before `time` that is not `child` itself.
fn latest_before(starts: Option<&[(i64, usize)]>, time: i64, child: usize) -> Option<usize> {
    let starts = starts?;
    let end = starts.partition_point(|(t, _)| *t <= time);
    starts[..end]
        .iter()
        .rev()
        .map(|(_, i)| *i)
        .find(|i| *i != child)
}
