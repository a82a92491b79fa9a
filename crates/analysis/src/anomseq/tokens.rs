//! Sessions with their names interned to ids, held in flat vectors cut by row ranges.
//!
//! Training and scoring work on these rather than on [`Cmd`] values. A `List(String)` column is
//! interned straight from its string views, without an owned string per command, and all
//! sessions' command ids sit in one vector, so neither training nor scoring allocates per
//! session or per command.
//!
//! Interning order is first-seen order over the sessions in row order (command name, then each
//! parameter and its value), which fixes the order sums and products are taken in and so keeps
//! results bit-for-bit stable.

use std::ops::Range;

use polars::prelude::*;

use super::AnomSeqError;
use super::model::{END_TOKEN, START_TOKEN, UNK, UNK_TOKEN, UNSEEN};
use super::session::{Cmd, SessionKind, column_kind, read_sessions};

/// String ↔ id table.
#[derive(Debug, Clone, Default)]
pub(crate) struct Vocab {
    ids: PlHashMap<String, u32>,
    names: Vec<String>,
}

impl Vocab {
    fn with_tokens(tokens: &[&str]) -> Self {
        let mut v = Vocab::default();
        for t in tokens {
            v.intern(t);
        }
        v
    }

    /// The id of `name`, adding it when new.
    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }

    /// The id of `name`, if known.
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The name of an id.
    pub(crate) fn name(&self, id: usize) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    /// Number of names.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }
}

/// The vocabularies of a model: commands (starting with the three tokens), parameters, values.
#[derive(Debug, Clone)]
pub(crate) struct Vocabs {
    pub cmds: Vocab,
    pub params: Vocab,
    pub values: Vocab,
}

impl Vocabs {
    /// Empty vocabularies; command ids 0, 1, 2 are `##START##`, `##END##`, `##UNK##`.
    pub(crate) fn new() -> Self {
        Vocabs {
            cmds: Vocab::with_tokens(&[START_TOKEN, END_TOKEN, UNK_TOKEN]),
            params: Vocab::default(),
            values: Vocab::default(),
        }
    }
}

/// Sessions as ids: one optional range per row into a flat vector of commands, and for session
/// kinds with parameters each command's (parameter, value) ids.
#[derive(Debug, Default)]
pub(crate) struct TokSessions {
    /// Each row's commands in `cmds`; `None` for a null row.
    rows: Vec<Option<Range<usize>>>,
    /// Command ids of all rows.
    cmds: Vec<u32>,
    /// End of each command's parameters in `params` (empty for command-only sessions).
    param_ends: Vec<usize>,
    /// (parameter id or [`UNSEEN`], value id or [`UNSEEN`]) of all commands.
    params: Vec<(u32, u32)>,
}

impl TokSessions {
    /// Interns sessions (one per row, `None` for null rows) into `vocabs`, as training sees them.
    pub(crate) fn intern<'a>(
        sessions: impl Iterator<Item = Option<&'a [Cmd]>>,
        kind: SessionKind,
        vocabs: &mut Vocabs,
    ) -> Self {
        let mut out = TokSessions::default();
        for session in sessions {
            let Some(session) = session else {
                out.rows.push(None);
                continue;
            };
            let start = out.cmds.len();
            for cmd in session {
                let id = vocabs.cmds.intern(&cmd.name);
                out.push_cmd(id, kind, cmd, |part, name| match part {
                    Part::Param => vocabs.params.intern(name),
                    Part::Value => vocabs.values.intern(name),
                });
            }
            out.rows.push(Some(start..out.cmds.len()));
        }
        out
    }

    /// One session looked up in trained vocabularies: unseen commands become `##UNK##`, unseen
    /// parameters and values [`UNSEEN`].
    pub(crate) fn lookup(session: &[Cmd], kind: SessionKind, vocabs: &Vocabs) -> Self {
        let mut out = TokSessions::default();
        for cmd in session {
            let id = vocabs.cmds.get(&cmd.name).unwrap_or(UNK);
            out.push_cmd(id, kind, cmd, |part, name| {
                let vocab = match part {
                    Part::Param => &vocabs.params,
                    Part::Value => &vocabs.values,
                };
                vocab.get(name).unwrap_or(UNSEEN)
            });
        }
        out.rows.push(Some(0..out.cmds.len()));
        out
    }

    /// Appends a command and, for kinds with parameters, its parameter and value ids (values
    /// only for `CommandsParamsValues`, and only when not empty).
    fn push_cmd(
        &mut self,
        id: u32,
        kind: SessionKind,
        cmd: &Cmd,
        mut ids: impl FnMut(Part, &str) -> u32,
    ) {
        self.cmds.push(id);
        if kind == SessionKind::Commands {
            return;
        }
        for p in &cmd.params {
            let pid = ids(Part::Param, &p.name);
            let value = p.value.as_deref().filter(|v| !v.is_empty());
            let vid = match (kind, value) {
                (SessionKind::CommandsParamsValues, Some(v)) => ids(Part::Value, v),
                _ => UNSEEN,
            };
            self.params.push((pid, vid));
        }
        self.param_ends.push(self.params.len());
    }

    /// Interns a `List(String)` column's commands straight from its string views; a null
    /// command is the empty name.
    pub(crate) fn intern_command_lists(
        list: &ListChunked,
        vocabs: &mut Vocabs,
    ) -> PolarsResult<Self> {
        let list = list.rechunk();
        let inner = list.get_inner();
        let strings = inner.str()?.rechunk();
        let mut names = ViewInterner::default();
        let mut out = TokSessions::default();
        let (Some(arr), Some(values)) =
            (list.downcast_iter().next(), strings.downcast_iter().next())
        else {
            return Ok(out);
        };
        let offsets = arr.offsets().as_slice();
        let with_nulls = strings.null_count() > 0;
        out.rows.reserve(arr.len());
        out.cmds.reserve(values.len());
        for (i, bounds) in offsets.windows(2).enumerate() {
            if !arr.validity().is_none_or(|v| v.get_bit(i)) {
                out.rows.push(None);
                continue;
            }
            let start = out.cmds.len();
            for k in bounds[0] as usize..bounds[1] as usize {
                out.cmds
                    .push(names.intern(values, k, with_nulls, &mut vocabs.cmds));
            }
            out.rows.push(Some(start..out.cmds.len()));
        }
        Ok(out)
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// A row's command range (`None` for a null row).
    pub(crate) fn row(&self, row: usize) -> Option<Range<usize>> {
        self.rows.get(row).cloned().flatten()
    }

    /// Non-null rows' command ranges, in row order.
    pub(crate) fn sessions(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.rows.iter().flatten().cloned()
    }

    /// Command ids in a range.
    pub(crate) fn cmds(&self, range: Range<usize>) -> &[u32] {
        self.cmds.get(range).unwrap_or_default()
    }

    /// The (parameter, value) ids of the command at flat index `k` (empty without parameters).
    pub(crate) fn params(&self, k: usize) -> &[(u32, u32)] {
        let Some(end) = self.param_ends.get(k).copied() else {
            return &[];
        };
        let start = if k == 0 { 0 } else { self.param_ends[k - 1] };
        self.params.get(start..end).unwrap_or_default()
    }
}

/// The arrow array behind a string chunk.
type StrArray = <StringType as PolarsDataType>::Array;

/// Which vocabulary a parameter-side name goes to.
#[derive(Clone, Copy)]
enum Part {
    Param,
    Value,
}

/// A cache in front of the command vocabulary keyed by a string view: views of strings of at
/// most 12 bytes hold the whole string inline, so the 16-byte view identifies it without
/// reading or hashing the text. The cache is direct-mapped (one slot per hash, a clash
/// replaces the slot) because sessions repeat a small set of commands.
struct ViewInterner {
    slots: Vec<(u128, u32)>,
}

/// Slots in the [`ViewInterner`] (a power of two).
const VIEW_SLOTS: usize = 1024;

/// Marks an empty slot: no inline view has all length bits set.
const NO_VIEW: u128 = u128::MAX;

impl Default for ViewInterner {
    fn default() -> Self {
        ViewInterner {
            slots: vec![(NO_VIEW, 0); VIEW_SLOTS],
        }
    }
}

impl ViewInterner {
    /// The id of string `k` of `values`; `with_nulls` says whether any string may be null.
    fn intern(&mut self, values: &StrArray, k: usize, with_nulls: bool, vocab: &mut Vocab) -> u32 {
        let view = match values.views().get(k) {
            Some(view) if !with_nulls => *view,
            _ => return vocab.intern(values.get(k).unwrap_or("")),
        };
        if !view.is_inline() {
            return vocab.intern(values.value(k));
        }
        let key = view.as_u128();
        let mixed = (key as u64 ^ (key >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = (mixed >> 54) as usize % VIEW_SLOTS;
        match self.slots.get_mut(slot) {
            Some((cached, id)) if *cached == key => *id,
            Some(entry) => {
                let id = vocab.intern(values.value(k));
                *entry = (key, id);
                id
            }
            None => vocab.intern(values.value(k)),
        }
    }
}

/// Reads a session column as ids: a `List(String)` column straight from its strings, the
/// struct layouts through [`Cmd`] values. Returns the kind, the sessions and the vocabularies.
pub(crate) fn read_tokens(
    col: &Column,
) -> Result<(SessionKind, TokSessions, Vocabs), AnomSeqError> {
    let kind = column_kind(col)?;
    let mut vocabs = Vocabs::new();
    let toks = if kind == SessionKind::Commands {
        let list = col.as_materialized_series().list()?;
        TokSessions::intern_command_lists(list, &mut vocabs)?
    } else {
        let sessions = read_sessions(col)?;
        let rows = sessions.iter().map(Option::as_deref);
        TokSessions::intern(rows, kind, &mut vocabs)
    };
    Ok((kind, toks, vocabs))
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::super::{Cmd, Model, WindowOptions, score_sessions};

    fn list(cmds: &[Option<&str>]) -> Series {
        Series::new(PlSmallStr::EMPTY, cmds)
    }

    /// The `List(String)` reader (inline and longer names, a null command, null and empty rows)
    /// scores like the same sessions given as [`Cmd`] values.
    #[test]
    fn command_lists_score_like_cmd_values() -> Result<(), Box<dyn std::error::Error>> {
        let long = "a-command-name-longer-than-twelve-bytes";
        let rows: Vec<Option<Vec<Option<&str>>>> = vec![
            Some(vec![Some("ls"), Some("cd"), Some("ls")]),
            None,
            Some(vec![]),
            Some(vec![Some(long), Some("ls"), None, Some("nc")]),
            Some(vec![Some("ls"), Some("cd"), Some(long), Some(long)]),
            Some(vec![Some("cd")]),
        ];
        let series: ListChunked = rows.iter().map(|r| r.as_deref().map(list)).collect();
        let df = DataFrame::new(
            rows.len(),
            vec![
                series
                    .into_series()
                    .with_name("session".into())
                    .into_column(),
            ],
        )?;
        let scored = score_sessions(&df, "session", 2)?;
        let liks = scored.column("rarest_window2_likelihood")?.f64()?.clone();
        let windows = scored.column("rarest_window2")?.list()?.clone();

        let values: Vec<Option<Vec<Cmd>>> = rows
            .iter()
            .map(|r| {
                r.as_ref()
                    .map(|r| r.iter().map(|c| Cmd::new(c.unwrap_or(""))).collect())
            })
            .collect();
        let training: Vec<Vec<Cmd>> = values
            .iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect();
        let model = Model::train(&training, super::SessionKind::Commands);
        let options = WindowOptions::default().with_window_length(2);
        for (i, session) in values.iter().enumerate() {
            let want = session
                .as_ref()
                .filter(|s| !s.is_empty())
                .and_then(|s| model.rarest_window(s, &options));
            assert_eq!(
                liks.get(i).map(f64::to_bits),
                want.map(|w| w.likelihood.to_bits()),
                "row {i}"
            );
            let window = windows.get_as_series(i);
            match (want, session) {
                (Some(w), Some(s)) => {
                    let window = window.ok_or("window")?;
                    let got: Vec<Option<&str>> = window.str()?.iter().collect();
                    let expected = rows[i].as_deref().unwrap_or_default();
                    assert_eq!(got, expected[w.start..w.start + w.len], "row {i}");
                    assert!(w.len <= s.len());
                }
                _ => assert!(window.is_none(), "row {i}"),
            }
        }
        Ok(())
    }
}
