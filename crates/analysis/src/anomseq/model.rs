//! The trained model: counts, add-one smoothing and the probabilities derived from them.
//!
//! The maths follows msticpy 3.0.2's anomalous_sequence so that scores agree:
//!
//! - Every session is framed by `##START##` and `##END##`; `##UNK##` stands for anything unseen.
//! - Command counts: with `C` distinct tokens (commands, start, end, unknown), every pair (a, b)
//!   with a ≠ end and b ≠ start gets one extra transition; each such pair also adds one to the
//!   unigram count of a and of b. Priors are smoothed unigram counts over their total;
//!   transitions are smoothed pair counts over their row total.
//! - Parameters: for each command every parameter seen with it gets +1, and every command gets
//!   one `##UNK##` parameter; P(param | cmd) = smoothed count / smoothed count of the command.
//! - Values: likewise per parameter; P(value | param) = smoothed count / row total. Values are
//!   only modelled for "modellable" parameters (at most 20 distinct values, at least 20 uses, and
//!   distinct values no more than 10% of uses), unless the caller names them.
//!
//! Strings are interned to `u32` ids so training and scoring stay linear in the data size.

use std::collections::HashSet;

use polars::prelude::PlHashMap;

use super::session::{Cmd, SessionKind};

/// The start-of-session token.
pub const START_TOKEN: &str = "##START##";
/// The end-of-session token.
pub const END_TOKEN: &str = "##END##";
/// The token that stands for anything unseen in training.
pub const UNK_TOKEN: &str = "##UNK##";

pub(crate) const START: u32 = 0;
pub(crate) const END: u32 = 1;
pub(crate) const UNK: u32 = 2;
/// A parameter or value never seen in training. An unseen parameter matches nothing (not even
/// `##UNK##`); an unseen value gets its parameter's `##UNK##` value probability.
pub(crate) const UNSEEN: u32 = u32::MAX;

/// String ↔ id table.
#[derive(Debug, Clone, Default)]
struct Vocab {
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

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }

    fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

/// A command with its names replaced by ids.
#[derive(Debug, Clone)]
pub(crate) struct TokCmd {
    pub cmd: u32,
    /// (param id or [`UNSEEN`], value id or [`UNSEEN`]).
    pub params: Vec<(u32, u32)>,
}

/// Options for [`Model::train_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelOptions {
    /// Parameters whose values are modelled; `None` picks them with msticpy's heuristic.
    pub modellable_params: Option<HashSet<String>>,
}

impl ModelOptions {
    /// Models the values of exactly these parameters.
    pub fn with_modellable_params<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        params: I,
    ) -> Self {
        self.modellable_params = Some(params.into_iter().map(Into::into).collect());
        self
    }
}

/// A first-order Markov model of command sessions, optionally with parameters and values.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) kind: SessionKind,
    cmds: Vocab,
    params: Vocab,
    values: Vocab,
    /// Smoothed unigram counts by command id.
    seq1: Vec<f64>,
    seq1_total: f64,
    /// Raw transition counts and raw row totals.
    trans: PlHashMap<(u32, u32), u64>,
    trans_row: Vec<u64>,
    /// Per command row: (param id, P(param | cmd)), `##UNK##` last.
    param_rows: Vec<Vec<(u32, f64)>>,
    /// Per param row: smoothed value counts and their total.
    value_rows: Vec<(PlHashMap<u32, u64>, u64)>,
    modellable: Vec<bool>,
}

#[derive(Default)]
struct RawCounts {
    seq1: Vec<u64>,
    trans: PlHashMap<(u32, u32), u64>,
    param_count: Vec<u64>,
    /// Per command: params in first-seen order with counts.
    cmd_params: Vec<Vec<(u32, u64)>>,
    /// Per param: values in first-seen order with counts.
    param_values: Vec<Vec<(u32, u64)>>,
}

fn bump<K: PartialEq + Copy>(list: &mut Vec<(K, u64)>, key: K) {
    match list.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => list.push((key, 1)),
    }
}

fn grow<T: Clone>(v: &mut Vec<T>, len: usize, fill: T) {
    if v.len() < len {
        v.resize(len, fill);
    }
}

impl Model {
    /// Trains on `sessions`, picking modellable parameters automatically.
    pub fn train(sessions: &[Vec<Cmd>], kind: SessionKind) -> Model {
        Model::train_with(sessions, kind, &ModelOptions::default())
    }

    /// Trains on `sessions` with options.
    pub fn train_with(sessions: &[Vec<Cmd>], kind: SessionKind, options: &ModelOptions) -> Model {
        Model::fit(sessions.iter().map(Vec::as_slice), kind, options)
    }

    /// Trains on borrowed sessions.
    pub(crate) fn fit<'a>(
        sessions: impl Iterator<Item = &'a [Cmd]>,
        kind: SessionKind,
        options: &ModelOptions,
    ) -> Model {
        let mut model = Model {
            kind,
            cmds: Vocab::with_tokens(&[START_TOKEN, END_TOKEN, UNK_TOKEN]),
            params: Vocab::default(),
            values: Vocab::default(),
            seq1: Vec::new(),
            seq1_total: 0.0,
            trans: PlHashMap::default(),
            trans_row: Vec::new(),
            param_rows: Vec::new(),
            value_rows: Vec::new(),
            modellable: Vec::new(),
        };
        let raw = model.count(sessions);
        model.smooth_cmds(&raw);
        if kind != SessionKind::Commands {
            model.smooth_params(&raw);
        }
        if kind == SessionKind::CommandsParamsValues {
            model.smooth_values(&raw);
            model.pick_modellable(&raw, options);
        }
        tracing::debug!(
            commands = model.cmds.len(),
            params = model.params.len(),
            values = model.values.len(),
            "anomalous-sequence model trained"
        );
        model
    }

    fn count<'a>(&mut self, sessions: impl Iterator<Item = &'a [Cmd]>) -> RawCounts {
        let mut raw = RawCounts::default();
        let with_values = self.kind == SessionKind::CommandsParamsValues;
        for session in sessions {
            let mut prev = START;
            let mut ids = Vec::with_capacity(session.len() + 2);
            ids.push(START);
            for cmd in session {
                let id = self.cmds.intern(&cmd.name);
                ids.push(id);
                *raw.trans.entry((prev, id)).or_insert(0) += 1;
                prev = id;
                if self.kind == SessionKind::Commands {
                    continue;
                }
                grow(&mut raw.cmd_params, self.cmds.len(), Vec::new());
                for p in &cmd.params {
                    let pid = self.params.intern(&p.name);
                    grow(&mut raw.param_count, self.params.len(), 0);
                    grow(&mut raw.param_values, self.params.len(), Vec::new());
                    raw.param_count[pid as usize] += 1;
                    bump(&mut raw.cmd_params[id as usize], pid);
                    if let (true, Some(v)) =
                        (with_values, p.value.as_deref().filter(|v| !v.is_empty()))
                    {
                        let vid = self.values.intern(v);
                        bump(&mut raw.param_values[pid as usize], vid);
                    }
                }
            }
            *raw.trans.entry((prev, END)).or_insert(0) += 1;
            ids.push(END);
            grow(&mut raw.seq1, self.cmds.len(), 0);
            for id in ids {
                raw.seq1[id as usize] += 1;
            }
        }
        grow(&mut raw.seq1, self.cmds.len(), 0);
        grow(&mut raw.cmd_params, self.cmds.len(), Vec::new());
        raw
    }

    fn smooth_cmds(&mut self, raw: &RawCounts) {
        let c = self.cmds.len() as u64;
        self.seq1 = (0..self.cmds.len())
            .map(|id| {
                let id = id as u32;
                let extra = (c - 1) * (u64::from(id != END) + u64::from(id != START));
                (raw.seq1[id as usize] + extra) as f64
            })
            .collect();
        self.seq1_total = self.seq1.iter().sum();
        self.trans = raw.trans.clone();
        self.trans_row = vec![0; self.cmds.len()];
        for ((a, _), n) in &raw.trans {
            self.trans_row[*a as usize] += n;
        }
    }

    fn smooth_params(&mut self, raw: &RawCounts) {
        self.param_rows = (0..self.cmds.len())
            .map(|cmd| {
                let n_cmd = self.seq1[cmd];
                let mut row: Vec<(u32, f64)> = raw.cmd_params[cmd]
                    .iter()
                    .map(|(p, n)| (*p, (n + 1) as f64 / n_cmd))
                    .collect();
                row.push((UNSEEN - 1, 1.0 / n_cmd));
                row
            })
            .collect();
    }

    fn smooth_values(&mut self, raw: &RawCounts) {
        self.value_rows = (0..self.params.len())
            .map(|p| {
                let present = raw
                    .param_values
                    .get(p)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let counts: PlHashMap<u32, u64> =
                    present.iter().map(|(v, n)| (*v, n + 1)).collect();
                let total = counts.values().sum::<u64>() + 1;
                (counts, total)
            })
            .collect();
    }

    fn pick_modellable(&mut self, raw: &RawCounts, options: &ModelOptions) {
        self.modellable = (0..self.params.len())
            .map(|p| match &options.modellable_params {
                Some(names) => names.contains(&self.params.names[p]),
                None => {
                    let distinct = raw.param_values.get(p).map_or(0, Vec::len);
                    let uses = raw.param_count.get(p).copied().unwrap_or(0);
                    distinct > 0
                        && distinct <= 20
                        && uses >= 20
                        && 100.0 * distinct as f64 / uses as f64 <= 10.0
                }
            })
            .collect();
    }

    /// The session kind the model was trained for.
    pub fn kind(&self) -> SessionKind {
        self.kind
    }

    /// Parameters whose values are modelled, sorted.
    pub fn modellable_params(&self) -> Vec<&str> {
        let mut out: Vec<&str> = (0..self.modellable.len())
            .filter(|p| self.modellable[*p])
            .map(|p| self.params.names[p].as_str())
            .collect();
        out.sort_unstable();
        out
    }

    fn cmd_id(&self, name: &str) -> u32 {
        self.cmds.get(name).unwrap_or(UNK)
    }

    /// Smoothed prior probability of a command (or token).
    pub fn prior_prob(&self, cmd: &str) -> f64 {
        self.prior(self.cmd_id(cmd))
    }

    /// Smoothed probability that `cur` follows `prev`.
    pub fn trans_prob(&self, prev: &str, cur: &str) -> f64 {
        self.trans(self.cmd_id(prev), self.cmd_id(cur))
    }

    /// Smoothed probability that `cmd` is used with `param` (0 when the model has no params).
    pub fn param_cond_cmd_prob(&self, cmd: &str, param: &str) -> f64 {
        let Some(row) = self.param_rows.get(self.cmd_id(cmd) as usize) else {
            return 0.0;
        };
        let pid = self.params.get(param).unwrap_or(UNSEEN - 1);
        let unk = row.last().map_or(0.0, |(_, p)| *p);
        row.iter()
            .find(|(p, _)| *p == pid)
            .map_or(unk, |(_, prob)| *prob)
    }

    /// Smoothed probability of `value` for `param` (0 when the model has no values).
    pub fn value_cond_param_prob(&self, param: &str, value: &str) -> f64 {
        let Some(pid) = self.params.get(param) else {
            return if self.kind == SessionKind::CommandsParamsValues {
                1.0
            } else {
                0.0
            };
        };
        let vid = self.values.get(value).unwrap_or(UNSEEN);
        self.value(pid, vid)
    }

    pub(crate) fn prior(&self, id: u32) -> f64 {
        let id = if (id as usize) < self.seq1.len() {
            id
        } else {
            UNK
        };
        self.seq1[id as usize] / self.seq1_total
    }

    pub(crate) fn trans(&self, prev: u32, cur: u32) -> f64 {
        let n = self.cmds.len() as u32;
        let row = if prev < n && prev != END { prev } else { UNK };
        let col = if cur < n && cur != START { cur } else { UNK };
        let count = self.trans.get(&(row, col)).copied().unwrap_or(0) + 1;
        count as f64 / (self.trans_row[row as usize] + u64::from(n - 1)) as f64
    }

    fn value(&self, param: u32, value: u32) -> f64 {
        let Some((counts, total)) = self.value_rows.get(param as usize) else {
            return 1.0;
        };
        counts.get(&value).copied().unwrap_or(1) as f64 / *total as f64
    }

    /// Geometric-mean probability of a command's parameter set (1 when it has none).
    pub(crate) fn param_set_prob(&self, cmd: &TokCmd) -> f64 {
        if self.kind == SessionKind::Commands || cmd.params.is_empty() {
            return 1.0;
        }
        let row_id = if (cmd.cmd as usize) < self.param_rows.len() {
            cmd.cmd
        } else {
            UNK
        };
        let row = &self.param_rows[row_id as usize];
        let mut lik = 1.0_f64;
        let mut modelled = 0_usize;
        for (param, prob) in row {
            match cmd.params.iter().find(|(p, _)| p == param) {
                Some((p, v)) => {
                    lik *= prob;
                    if self.modellable.get(*p as usize).copied().unwrap_or(false) {
                        modelled += 1;
                        lik *= self.value(*p, *v);
                    }
                }
                None => lik *= 1.0 - prob,
            }
        }
        let k = row.len() + modelled;
        if k > 0 {
            lik = lik.powf(1.0 / k as f64);
        }
        lik
    }

    /// Replaces names by ids; unseen commands and values become `##UNK##`.
    pub(crate) fn tokenize(&self, session: &[Cmd]) -> Vec<TokCmd> {
        session
            .iter()
            .map(|c| TokCmd {
                cmd: self.cmd_id(&c.name),
                params: c
                    .params
                    .iter()
                    .map(|p| {
                        let pid = self.params.get(&p.name).unwrap_or(UNSEEN);
                        let vid = p
                            .value
                            .as_deref()
                            .and_then(|v| self.values.get(v))
                            .unwrap_or(UNSEEN);
                        (pid, vid)
                    })
                    .collect(),
            })
            .collect()
    }
}
