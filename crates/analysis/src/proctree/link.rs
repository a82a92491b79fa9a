//! Turning input rows into process nodes and linking each node to its parent.
//!
//! Event logs (4688, Sysmon, auditd) only give the parent's id (and sometimes name), so the parent
//! is the most recent process with that id (and name) on the same host that started at or before
//! the child: all processes' (host, pid, name, start time) and all children's wanted
//! (host, parent pid, parent name, time) are sorted and merged, with a binary search inside each
//! key's start times, which handles PID reuse. Defender events name the parent by
//! its own creation time, so parents are found by exact key. Parents absent from the data are
//! added as inferred nodes (for Defender, their parents too, from the grandparent columns).
//!
//! Nodes are small `Copy` values: host, pid and name are ids into [`Symbols`], which borrows the
//! text from the input arrays and works out each distinct string's lower-case and pid forms
//! once. No string is built per row here; the `proc_key` text is written once, by [`keys`].

use polars::prelude::PlHashMap;

use super::input::{Inputs, RowIssue};
use super::schema::ProcSchema;
use super::values::{base_name, pid_key, push_key_time, round_key_ns};

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

/// Id of a string in [`Symbols`] (raw text) or of a derived form (lower-case, pid).
pub(crate) type Sym = u32;

/// Stands for an absent host or name in index keys.
const NONE_ID: Sym = Sym::MAX;

/// One process.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node {
    pub origin: Origin,
    pub host: Option<Sym>,
    pub pid: Sym,
    pub name: Sym,
    pub time: Option<i64>,
    pub parent: Option<usize>,
}

/// The linked nodes, the strings they refer to and what went wrong on the way.
pub(crate) struct Linked<'a> {
    pub nodes: Vec<Node>,
    pub symbols: Symbols<'a>,
    pub issues: Vec<RowIssue>,
    pub skipped_events: usize,
    /// Nodes below this id come from input rows; the rest were inferred.
    pub inputs_end: usize,
}

const UNKNOWN: &str = "unknown";

/// Interned strings borrowed from the input, with the forms keys are compared in.
///
/// `lower` and `pid` map a raw string's id to the id of its lower-case form and of its
/// [`pid_key`] form; those forms share one id space of their own, separate from raw ids.
#[derive(Default)]
pub(crate) struct Symbols<'a> {
    ids: PlHashMap<&'a str, Sym>,
    text: Vec<&'a str>,
    lower: Vec<Sym>,
    pid: Vec<Sym>,
    derived_ids: PlHashMap<String, Sym>,
    derived: Vec<String>,
}

impl<'a> Symbols<'a> {
    /// The id of `text`, interning it (and its derived forms) on first sight.
    pub fn sym(&mut self, text: &'a str) -> Sym {
        if let Some(id) = self.ids.get(text) {
            return *id;
        }
        let id = self.text.len() as Sym;
        let lower = self.derive(text.to_lowercase());
        let pid = self.derive(pid_key(text));
        self.ids.insert(text, id);
        self.text.push(text);
        self.lower.push(lower);
        self.pid.push(pid);
        id
    }

    fn derive(&mut self, form: String) -> Sym {
        if let Some(id) = self.derived_ids.get(&form) {
            return *id;
        }
        let id = self.derived.len() as Sym;
        self.derived.push(form.clone());
        self.derived_ids.insert(form, id);
        id
    }

    /// The raw text of `id`.
    pub fn text(&self, id: Sym) -> &'a str {
        self.text.get(id as usize).copied().unwrap_or_default()
    }

    /// The id of the lower-case form of `id`.
    pub fn lower(&self, id: Sym) -> Sym {
        self.lower.get(id as usize).copied().unwrap_or(NONE_ID)
    }

    /// The id of the [`pid_key`] form of `id`.
    pub fn pid(&self, id: Sym) -> Sym {
        self.pid.get(id as usize).copied().unwrap_or(NONE_ID)
    }

    /// The text of a derived form.
    pub fn derived_text(&self, id: Sym) -> &str {
        self.derived.get(id as usize).map_or("", String::as_str)
    }

    /// Every raw string, indexed by id, as owned text.
    pub fn to_owned_texts(&self) -> Vec<String> {
        self.text.iter().map(|t| t.to_string()).collect()
    }
}

/// What makes two processes the same: host, and msticpy's key (lower-case name, lower-case pid,
/// start time rounded to 10 µs) in parts.
type KeyParts = (Sym, Sym, Sym, i64);

fn key_parts(
    symbols: &Symbols,
    host: Option<Sym>,
    name: Sym,
    pid: Sym,
    time: Option<i64>,
) -> KeyParts {
    (
        host.unwrap_or(NONE_ID),
        symbols.lower(name),
        symbols.lower(pid),
        round_key_ns(time.unwrap_or(0)),
    )
}

/// Builds the nodes and links parents according to the schema.
pub(crate) fn link<'a>(inputs: &'a Inputs, schema: &ProcSchema) -> Linked<'a> {
    let mut linker = Linker {
        nodes: Vec::with_capacity(inputs.rows + inputs.rows / 8),
        symbols: Symbols::default(),
        issues: inputs.issues.clone(),
        skipped: 0,
    };
    let exact = schema.parent_columns.is_some();
    linker.add_inputs(inputs, schema, exact);
    let inputs_end = linker.nodes.len();
    if exact {
        linker.link_exact(inputs, schema);
    } else {
        linker.link_by_time(inputs, schema);
    }
    Linked {
        nodes: linker.nodes,
        symbols: linker.symbols,
        issues: linker.issues,
        skipped_events: linker.skipped,
        inputs_end,
    }
}

/// Writes a node's `proc_key`: `<lower-case name>|<lower-case pid>|<key time>`.
pub(crate) struct KeyText<'a> {
    symbols: &'a Symbols<'a>,
}

impl<'a> KeyText<'a> {
    /// Keys of nodes whose strings are in `symbols`.
    pub fn new(symbols: &'a Symbols<'a>) -> KeyText<'a> {
        KeyText { symbols }
    }

    /// Appends the key of `n` to `buf`.
    pub fn write(&self, buf: &mut String, n: &Node) {
        buf.push_str(self.symbols.derived_text(self.symbols.lower(n.name)));
        buf.push('|');
        buf.push_str(self.symbols.derived_text(self.symbols.lower(n.pid)));
        buf.push('|');
        push_key_time(buf, n.time.unwrap_or(0));
    }
}

struct Linker<'a> {
    nodes: Vec<Node>,
    symbols: Symbols<'a>,
    issues: Vec<RowIssue>,
    skipped: usize,
}

/// (host, pid, lower-case name): what a child's parent must match.
type ParentKey = (Sym, Sym, Sym);

/// Every node's (parent key, start time, node), sorted: each key's start times in order.
///
/// Children's queries are sorted the same way and the two lists merged, so linking is two sorts
/// and a sequential scan instead of a million-entry hash map.
fn start_list(nodes: &[Node], symbols: &Symbols, by_name: bool) -> Vec<(ParentKey, i64, usize)> {
    let mut keyed: Vec<(ParentKey, i64, usize)> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let name = if by_name {
                symbols.lower(n.name)
            } else {
                NONE_ID
            };
            let key = (n.host.unwrap_or(NONE_ID), symbols.pid(n.pid), name);
            (key, n.time.unwrap_or(i64::MIN), i)
        })
        .collect();
    keyed.sort_unstable();
    keyed
}

/// For each query (parent key, child time, child), the latest node with that key started at or
/// before the child that is not the child itself; `found` is indexed by child.
fn find_parents(
    starts: &[(ParentKey, i64, usize)],
    mut queries: Vec<(ParentKey, i64, usize)>,
    found: &mut [Option<usize>],
) {
    queries.sort_unstable();
    let mut lo = 0;
    for (key, time, child) in queries {
        while lo < starts.len() && starts[lo].0 < key {
            lo += 1;
        }
        let run = &starts[lo..];
        let len = run.partition_point(|s| s.0 == key);
        let run = &run[..len];
        let end = run.partition_point(|(_, t, _)| *t <= time);
        let parent = run[..end]
            .iter()
            .rev()
            .map(|(_, _, i)| *i)
            .find(|i| *i != child);
        if let Some(slot) = found.get_mut(child) {
            *slot = parent;
        }
    }
}

impl<'a> Linker<'a> {
    fn issue(&mut self, row: usize, field: &str, value: Option<&str>, message: &str) {
        self.issues.push(RowIssue {
            row,
            field: field.to_string(),
            value: value.map(str::to_string),
            message: message.to_string(),
        });
    }

    /// One node per valid, distinct input row; rows without pid or time are reported and left out.
    ///
    /// Duplicates are found by sorting the rows' keys rather than with a hash map, which at a
    /// million rows spends most of its time on cache misses.
    fn add_inputs(&mut self, inputs: &'a Inputs, schema: &ProcSchema, exact: bool) {
        let issues_before = self.issues.len();
        let mut candidates = Vec::with_capacity(inputs.rows);
        for row in 0..inputs.rows {
            if !inputs.is_process_event(row, schema) {
                self.skipped += 1;
                continue;
            }
            if let Some(node) = self.input_node(inputs, schema, row, exact) {
                candidates.push(node);
            }
        }
        let first_of = self.duplicates(&candidates);
        // Node id of each kept candidate (duplicates point at the first one's).
        let mut node_of = vec![0_usize; candidates.len()];
        let mut dup_issues = Vec::new();
        for (i, node) in candidates.iter().enumerate() {
            let Some(first) = first_of.get(i).copied().flatten() else {
                node_of[i] = i - dup_issues.len();
                continue;
            };
            let first = node_of[first];
            let msg = format!("duplicate of row {first} (same host, name, pid and time); skipped");
            let row = match node.origin {
                Origin::Input(r) | Origin::Parent(r) | Origin::Grandparent(r) => r,
            };
            dup_issues.push(RowIssue {
                row,
                field: schema.process_id.clone(),
                value: Some(self.symbols.text(node.pid).to_string()),
                message: msg,
            });
        }
        drop(node_of);
        // Keep the distinct candidates in place rather than copying them.
        let mut i = 0;
        candidates.retain(|_| {
            i += 1;
            first_of.get(i - 1).copied().flatten().is_none()
        });
        self.nodes = candidates;
        let row_issues = self.issues.split_off(issues_before);
        self.issues.extend(merge_by_row(row_issues, dup_issues));
    }

    /// For each candidate that repeats an earlier one's host and key, the earlier one's index.
    fn duplicates(&self, candidates: &[Node]) -> Vec<Option<usize>> {
        let mut keyed: Vec<(KeyParts, usize)> = candidates
            .iter()
            .enumerate()
            .map(|(i, n)| (key_parts(&self.symbols, n.host, n.name, n.pid, n.time), i))
            .collect();
        keyed.sort_unstable();
        let mut first_of = vec![None; candidates.len()];
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            let Some(((_, first), rest)) = group.split_first() else {
                continue;
            };
            for (_, i) in rest {
                first_of[*i] = Some(*first);
            }
        }
        first_of
    }

    fn input_node(
        &mut self,
        inputs: &'a Inputs,
        schema: &ProcSchema,
        row: usize,
        exact: bool,
    ) -> Option<Node> {
        let Some(pid) = inputs.pid.get(row) else {
            self.issue(
                row,
                &schema.process_id,
                None,
                "missing process id; row skipped",
            );
            return None;
        };
        let Some(time) = inputs.time.get(row).copied().flatten() else {
            self.issue(
                row,
                &schema.time,
                None,
                "missing or unparseable start time; row skipped",
            );
            return None;
        };
        let name = match inputs.name.get(row) {
            Some(n) if exact => base_name(n, schema.path_separator),
            Some(n) => n,
            None => {
                self.issue(
                    row,
                    &schema.process_name,
                    None,
                    "missing process name; using 'unknown'",
                );
                UNKNOWN
            }
        };
        let host = inputs.host(row).map(|h| self.symbols.sym(h));
        Some(Node {
            origin: Origin::Input(row),
            host,
            pid: self.symbols.sym(pid),
            name: self.symbols.sym(name),
            time: Some(time),
            parent: None,
        })
    }

    fn input_row(&self, node: usize) -> Option<usize> {
        match self.nodes.get(node)?.origin {
            Origin::Input(row) => Some(row),
            _ => None,
        }
    }

    fn parent_id(&mut self, inputs: &'a Inputs, schema: &ProcSchema, row: usize) -> Option<Sym> {
        let Some(ppid) = inputs.ppid.get(row) else {
            self.issue(
                row,
                &schema.parent_id,
                None,
                "missing parent id; kept as a root process",
            );
            return None;
        };
        Some(self.symbols.sym(ppid))
    }

    fn set_parent(&mut self, child: usize, parent: usize) {
        if let Some(node) = self.nodes.get_mut(child) {
            node.parent = Some(parent);
        }
    }

    /// Event-log linking: the latest same-host process with the parent's id (and name) that
    /// started no later than the child.
    fn link_by_time(&mut self, inputs: &'a Inputs, schema: &ProcSchema) {
        let by_name = inputs.parent_name.is_some();
        let n = self.nodes.len();
        // Each child's parent id and name, read in child order (so problems are reported in
        // row order), and the queries for the merge.
        let mut wanted: Vec<Option<(Sym, Option<Sym>)>> = Vec::with_capacity(n);
        let mut queries = Vec::with_capacity(n);
        for child in 0..n {
            let Some(row) = self.input_row(child) else {
                wanted.push(None);
                continue;
            };
            let Some(ppid) = self.parent_id(inputs, schema, row) else {
                wanted.push(None);
                continue;
            };
            let pname = parent_name(inputs, row).map(|name| self.symbols.sym(name));
            let Node { host, time, .. } = self.nodes[child];
            let name_key = pname.map_or(NONE_ID, |p| self.symbols.lower(p));
            let key = (host.unwrap_or(NONE_ID), self.symbols.pid(ppid), name_key);
            queries.push((key, time.unwrap_or(i64::MIN), child));
            wanted.push(Some((ppid, pname)));
        }
        let mut found = vec![None; n];
        let starts = start_list(&self.nodes, &self.symbols, by_name);
        find_parents(&starts, queries, &mut found);
        drop(starts);

        let mut inferred: PlHashMap<ParentKey, usize> = PlHashMap::default();
        for (child, want) in wanted.into_iter().enumerate() {
            let Some((ppid, pname)) = want else {
                continue;
            };
            if let Some(parent) = found[child] {
                self.set_parent(child, parent);
                continue;
            }
            let Node { host, origin, .. } = self.nodes[child];
            let Origin::Input(row) = origin else {
                continue;
            };
            let name = pname.unwrap_or_else(|| self.symbols.sym(UNKNOWN));
            let pkey = self.symbols.pid(ppid);
            let inferred_key = (host.unwrap_or(NONE_ID), pkey, self.symbols.lower(name));
            let parent = match inferred.get(&inferred_key) {
                Some(p) => *p,
                None => {
                    let p = self.push_inferred(Origin::Parent(row), host, ppid, name, None);
                    inferred.insert(inferred_key, p);
                    p
                }
            };
            self.set_parent(child, parent);
        }
    }

    fn push_inferred(
        &mut self,
        origin: Origin,
        host: Option<Sym>,
        pid: Sym,
        name: Sym,
        time: Option<i64>,
    ) -> usize {
        self.nodes.push(Node {
            origin,
            host,
            pid,
            name,
            time,
            parent: None,
        });
        self.nodes.len() - 1
    }

    /// Defender linking: parents by exact (name, pid, creation time) key, missing parents and
    /// grandparents rebuilt from the initiating-process columns.
    fn link_exact(&mut self, inputs: &'a Inputs, schema: &ProcSchema) {
        let Some(exact) = inputs.exact.as_ref() else {
            return;
        };
        let mut by_key: PlHashMap<KeyParts, usize> = PlHashMap::default();
        for (i, n) in self.nodes.iter().enumerate() {
            by_key.insert(key_parts(&self.symbols, n.host, n.name, n.pid, n.time), i);
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
            let name = parent_name(inputs, row).map_or(UNKNOWN, |n| base_name(n, sep));
            let name = self.symbols.sym(name);
            let time = exact.parent_time.get(row).copied().flatten();
            let host = self.nodes[child].host;
            let parent =
                self.find_or_infer(&mut by_key, Origin::Parent(row), host, ppid, name, time);
            self.set_parent(child, parent);
        }
        for parent in inputs_end..self.nodes.len() {
            let Origin::Parent(row) = self.nodes[parent].origin else {
                continue;
            };
            let Some(gpid) = exact.gp_id.get(row) else {
                continue;
            };
            let gpid = self.symbols.sym(gpid);
            let name = exact
                .gp_name
                .get(row)
                .map_or(UNKNOWN, |n| base_name(n, sep));
            let name = self.symbols.sym(name);
            let time = exact.gp_time.get(row).copied().flatten();
            let origin = Origin::Grandparent(row);
            let host = self.nodes[parent].host;
            let gp = self.find_or_infer(&mut by_key, origin, host, gpid, name, time);
            if gp != parent {
                self.set_parent(parent, gp);
            }
        }
    }

    fn find_or_infer(
        &mut self,
        by_key: &mut PlHashMap<KeyParts, usize>,
        origin: Origin,
        host: Option<Sym>,
        pid: Sym,
        name: Sym,
        time: Option<i64>,
    ) -> usize {
        let key = key_parts(&self.symbols, host, name, pid, time);
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
    Some(names.get(row).unwrap_or(UNKNOWN))
}

/// Two row-ordered issue lists as one, `first`'s issue ahead on the same row (a row's own
/// problems are reported before it is found to be a duplicate).
fn merge_by_row(first: Vec<RowIssue>, second: Vec<RowIssue>) -> Vec<RowIssue> {
    let mut out = Vec::with_capacity(first.len() + second.len());
    let mut second = second.into_iter().peekable();
    for issue in first {
        while let Some(next) = second.next_if(|s| s.row < issue.row) {
            out.push(next);
        }
        out.push(issue);
    }
    out.extend(second);
    out
}
