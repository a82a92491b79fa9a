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
//! once, and each text column is interned in one pass ([`RowSyms`]) before rows are linked.
//! No string is built per row here; the `proc_key` text is written once, by [`keys`].

use std::borrow::Cow;

use polars::prelude::PlHashMap;

use super::input::{Inputs, RowIssue};
use super::schema::ProcSchema;
use super::values::{
    KeyTimeWriter, TextColumn, base_name, pid_number, push_key_time, round_key_ns,
};

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
/// `lower` maps a raw string's id to the id of its lower-case form, `pid` to the id of its
/// process-id form ([`PidForm`]); each form has an id space of its own, separate from raw ids
/// (ids are only ever compared with ids of the same form).
///
/// Most forms are the raw text itself (a lower-case name, a hex pid read as a number), so they
/// are kept as borrowed text or numbers: only strings with upper-case letters allocate.
#[derive(Default)]
pub(crate) struct Symbols<'a> {
    ids: PlHashMap<&'a str, Sym>,
    text: Vec<&'a str>,
    lower: Vec<Sym>,
    pid: Vec<Sym>,
    lower_ids: PlHashMap<Cow<'a, str>, Sym>,
    lowered: Vec<Cow<'a, str>>,
    pid_ids: PlHashMap<PidForm<'a>, Sym>,
}

/// A process id as keys compare it, so that decimal and hex spellings match: the
/// [`pid_number`] when there is one, else the trimmed text in ASCII lower case.
#[derive(PartialEq, Eq, Hash)]
enum PidForm<'a> {
    Number(u64),
    Text(Cow<'a, str>),
}

/// Expected distinct strings for `rows` input rows: enough to skip most rehashing at small
/// sizes without reserving a table far larger than the data needs at a million rows.
fn symbol_capacity(rows: usize) -> usize {
    rows.min(1 << 16)
}

impl<'a> Symbols<'a> {
    /// Empty symbols sized for about `rows` input rows.
    pub fn with_rows(rows: usize) -> Symbols<'a> {
        let cap = symbol_capacity(rows);
        Symbols {
            ids: PlHashMap::with_capacity_and_hasher(cap, Default::default()),
            text: Vec::with_capacity(cap),
            lower: Vec::with_capacity(cap),
            pid: Vec::with_capacity(cap),
            pid_ids: PlHashMap::with_capacity_and_hasher(cap, Default::default()),
            ..Symbols::default()
        }
    }

    /// The id of `text`, interning it (and its derived forms) on first sight.
    #[inline]
    pub fn sym(&mut self, text: &'a str) -> Sym {
        match self.ids.get(text) {
            Some(id) => *id,
            None => self.insert(text),
        }
    }

    /// The id of `text`, checking `last` (the previous value of the same column) first: hosts
    /// and names often repeat row after row, and comparing two strings is cheaper than hashing.
    #[inline]
    pub fn sym_after(&mut self, text: &'a str, last: &mut Option<(&'a str, Sym)>) -> Sym {
        if let Some((prev, id)) = *last
            && prev == text
        {
            return id;
        }
        let id = self.sym(text);
        *last = Some((text, id));
        id
    }

    #[cold]
    fn insert(&mut self, text: &'a str) -> Sym {
        let id = self.text.len() as Sym;
        let lower = self.lower_form(text);
        let pid = self.pid_form(text);
        self.ids.insert(text, id);
        self.text.push(text);
        self.lower.push(lower);
        self.pid.push(pid);
        id
    }

    fn lower_form(&mut self, text: &'a str) -> Sym {
        let form = if text
            .bytes()
            .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
        {
            Cow::Owned(text.to_lowercase())
        } else {
            Cow::Borrowed(text)
        };
        if let Some(id) = self.lower_ids.get(&form) {
            return *id;
        }
        let id = self.lowered.len() as Sym;
        self.lowered.push(form.clone());
        self.lower_ids.insert(form, id);
        id
    }

    fn pid_form(&mut self, text: &'a str) -> Sym {
        let form = match pid_number(text) {
            Some(n) => PidForm::Number(n),
            None => {
                let t = text.trim();
                if t.bytes().any(|b| b.is_ascii_uppercase()) {
                    PidForm::Text(Cow::Owned(t.to_ascii_lowercase()))
                } else {
                    PidForm::Text(Cow::Borrowed(t))
                }
            }
        };
        let next = self.pid_ids.len() as Sym;
        *self.pid_ids.entry(form).or_insert(next)
    }

    /// The raw text of `id`.
    pub fn text(&self, id: Sym) -> &'a str {
        self.text.get(id as usize).copied().unwrap_or_default()
    }

    /// The id of the lower-case form of `id`.
    pub fn lower(&self, id: Sym) -> Sym {
        self.lower.get(id as usize).copied().unwrap_or(NONE_ID)
    }

    /// The id of the [`PidForm`] of `id`.
    pub fn pid(&self, id: Sym) -> Sym {
        self.pid.get(id as usize).copied().unwrap_or(NONE_ID)
    }

    /// The text of a lower-case form.
    pub fn lower_text(&self, id: Sym) -> &str {
        self.lowered.get(id as usize).map_or("", |t| t.as_ref())
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
        symbols: Symbols::with_rows(inputs.rows),
        row_syms: RowSyms::default(),
        issues: inputs.issues.clone(),
        skipped: 0,
    };
    let exact = schema.parent_columns.is_some();
    linker.row_syms = RowSyms::read(&mut linker.symbols, inputs, schema, exact);
    linker.add_inputs(inputs, schema);
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
        buf.push_str(self.symbols.lower_text(self.symbols.lower(n.name)));
        buf.push('|');
        buf.push_str(self.symbols.lower_text(self.symbols.lower(n.pid)));
        buf.push('|');
        push_key_time(buf, n.time.unwrap_or(0));
    }

    /// [`write`](Self::write) for many nodes in a row, with `times` keeping the last date.
    pub fn write_with(&self, buf: &mut String, n: &Node, times: &mut KeyTimeWriter) {
        buf.push_str(self.symbols.lower_text(self.symbols.lower(n.name)));
        buf.push('|');
        buf.push_str(self.symbols.lower_text(self.symbols.lower(n.pid)));
        buf.push('|');
        times.push(buf, n.time.unwrap_or(0));
    }
}

struct Linker<'a> {
    nodes: Vec<Node>,
    symbols: Symbols<'a>,
    /// The input's text columns as ids, by input row.
    row_syms: RowSyms,
    issues: Vec<RowIssue>,
    skipped: usize,
}

/// The ids of the input's text columns, one per input row, [`NONE_ID`] where the value is
/// missing.
///
/// Interning a column in one sequential pass over its arrays is cheaper than looking each row
/// up on its own, and the linker reads these columns more than once.
#[derive(Default)]
struct RowSyms {
    pid: Vec<Sym>,
    name: Vec<Sym>,
    host: Option<Vec<Sym>>,
    ppid: Vec<Sym>,
    parent_name: Option<Vec<Sym>>,
}

impl RowSyms {
    /// Names are reduced to their base name for Defender's exact parents (`exact`), as the
    /// parent columns there hold bare names.
    fn read<'a>(
        symbols: &mut Symbols<'a>,
        inputs: &'a Inputs,
        schema: &ProcSchema,
        exact: bool,
    ) -> RowSyms {
        let sep = exact.then_some(schema.path_separator);
        RowSyms {
            pid: column_syms(symbols, &inputs.pid, None, false),
            name: column_syms(symbols, &inputs.name, sep, true),
            host: inputs
                .host
                .as_ref()
                .map(|h| column_syms(symbols, h, None, true)),
            ppid: column_syms(symbols, &inputs.ppid, None, false),
            parent_name: inputs
                .parent_name
                .as_ref()
                .map(|p| column_syms(symbols, p, sep, true)),
        }
    }
}

/// One id per row of `col`, optionally reduced to base names (path separator `sep`).
///
/// `repeats` marks columns whose values often repeat from one row to the next (hosts, names):
/// those check the previous row's value before hashing.
fn column_syms<'a>(
    symbols: &mut Symbols<'a>,
    col: &'a TextColumn,
    sep: Option<char>,
    repeats: bool,
) -> Vec<Sym> {
    let mut out = Vec::with_capacity(col.len());
    let mut last = None;
    col.for_each(|value| {
        let id = match value {
            None => NONE_ID,
            Some(text) => {
                let text = sep.map_or(text, |sep| base_name(text, sep));
                if repeats {
                    symbols.sym_after(text, &mut last)
                } else {
                    symbols.sym(text)
                }
            }
        };
        out.push(id);
    });
    out
}

/// The id at `row`, `None` when the value is missing.
#[inline]
fn at(ids: &[Sym], row: usize) -> Option<Sym> {
    ids.get(row).copied().filter(|id| *id != NONE_ID)
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
    fn add_inputs(&mut self, inputs: &'a Inputs, schema: &ProcSchema) {
        let issues_before = self.issues.len();
        let mut candidates = Vec::with_capacity(inputs.rows);
        for row in 0..inputs.rows {
            if !inputs.is_process_event(row) {
                self.skipped += 1;
                continue;
            }
            if let Some(node) = self.input_node(inputs, schema, row) {
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

    fn input_node(&mut self, inputs: &'a Inputs, schema: &ProcSchema, row: usize) -> Option<Node> {
        let Some(pid) = at(&self.row_syms.pid, row) else {
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
        let name = match at(&self.row_syms.name, row) {
            Some(n) => n,
            None => {
                self.issue(
                    row,
                    &schema.process_name,
                    None,
                    "missing process name; using 'unknown'",
                );
                self.symbols.sym(UNKNOWN)
            }
        };
        let host = self.row_syms.host.as_ref().and_then(|h| at(h, row));
        Some(Node {
            origin: Origin::Input(row),
            host,
            pid,
            name,
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

    fn parent_id(&mut self, schema: &ProcSchema, row: usize) -> Option<Sym> {
        let Some(ppid) = at(&self.row_syms.ppid, row) else {
            self.issue(
                row,
                &schema.parent_id,
                None,
                "missing parent id; kept as a root process",
            );
            return None;
        };
        Some(ppid)
    }

    /// The row's parent name when the schema has a parent-name column (`unknown` when the
    /// value is missing).
    fn parent_name(&mut self, row: usize) -> Option<Sym> {
        let names = self.row_syms.parent_name.as_ref()?;
        match at(names, row) {
            Some(name) => Some(name),
            None => Some(self.symbols.sym(UNKNOWN)),
        }
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
            let Some(ppid) = self.parent_id(schema, row) else {
                wanted.push(None);
                continue;
            };
            let pname = self.parent_name(row);
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
            let Some(ppid) = self.parent_id(schema, row) else {
                continue;
            };
            let name = match self.parent_name(row) {
                Some(name) => name,
                None => self.symbols.sym(UNKNOWN),
            };
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
