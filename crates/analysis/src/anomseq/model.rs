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
//! Strings are interned to `u32` ids (see `tokens`) so training and scoring stay linear in the
//! data size. Priors are kept as a table by command id, and with at most [`DENSE_MAX`] commands
//! the transition probabilities as a dense matrix, so scoring looks probabilities up by index
//! rather than hashing; each table entry is computed by the same expression as before, so the
//! probabilities are bit-for-bit the same either way.

use std::collections::HashSet;
use std::ops::Range;

use polars::prelude::PlHashMap;

use super::session::{Cmd, SessionKind};
use super::tokens::{TokSessions, Vocabs};

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

/// Most commands (with the three tokens) for which transitions are kept as a dense matrix
/// (1024² probabilities are 8 MiB); with more, counts stay in a hash map by pair.
pub(crate) const DENSE_MAX: usize = 1024;

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
    vocabs: Vocabs,
    /// Smoothed unigram counts by command id.
    seq1: Vec<f64>,
    /// Prior probability by command id.
    priors: Vec<f64>,
    /// Transition counts or probabilities.
    trans: Transitions,
    /// Raw transition row totals.
    trans_row: Vec<u64>,
    /// Per command row: (param id, P(param | cmd)), `##UNK##` last.
    param_rows: Vec<Vec<(u32, f64)>>,
    /// Per param row: smoothed value counts and their total.
    value_rows: Vec<(PlHashMap<u32, u64>, u64)>,
    modellable: Vec<bool>,
}

/// Transitions between commands: raw counts while training; after smoothing, for few commands,
/// the probabilities as a row-major C×C matrix (`prev * C + cur`).
#[derive(Debug, Clone)]
enum Transitions {
    DenseCounts(Vec<u64>),
    DenseProbs(Vec<f64>),
    Sparse(PlHashMap<(u32, u32), u64>),
}

impl Transitions {
    fn new(n: usize) -> Self {
        if n <= DENSE_MAX {
            Transitions::DenseCounts(vec![0; n * n])
        } else {
            Transitions::Sparse(PlHashMap::default())
        }
    }

    #[inline(always)]
    fn add(&mut self, n: usize, prev: u32, cur: u32) {
        match self {
            Transitions::DenseCounts(counts) => {
                if let Some(c) = counts.get_mut(prev as usize * n + cur as usize) {
                    *c += 1;
                }
            }
            Transitions::Sparse(counts) => *counts.entry((prev, cur)).or_insert(0) += 1,
            Transitions::DenseProbs(_) => {}
        }
    }
}

#[derive(Default)]
struct RawCounts {
    seq1: Vec<u64>,
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

/// Add-one smoothed transition probability from a pair count and its row total.
fn smoothed(count: u64, row_total: u64, n: usize) -> f64 {
    (count + 1) as f64 / (row_total + n as u64 - 1) as f64
}

impl Model {
    /// Trains on `sessions`, picking modellable parameters automatically.
    pub fn train(sessions: &[Vec<Cmd>], kind: SessionKind) -> Model {
        Model::train_with(sessions, kind, &ModelOptions::default())
    }

    /// Trains on `sessions` with options.
    pub fn train_with(sessions: &[Vec<Cmd>], kind: SessionKind, options: &ModelOptions) -> Model {
        let mut vocabs = Vocabs::new();
        let toks = TokSessions::intern(
            sessions.iter().map(|s| Some(s.as_slice())),
            kind,
            &mut vocabs,
        );
        Model::fit(&toks, toks.sessions(), vocabs, kind, options)
    }

    /// Trains on the sessions of `toks` at the `training` ranges; the ids come from `vocabs`.
    pub(crate) fn fit(
        toks: &TokSessions,
        training: impl Iterator<Item = Range<usize>>,
        vocabs: Vocabs,
        kind: SessionKind,
        options: &ModelOptions,
    ) -> Model {
        let n = vocabs.cmds.len();
        let mut model = Model {
            kind,
            vocabs,
            seq1: Vec::new(),
            priors: Vec::new(),
            trans: Transitions::new(n),
            trans_row: Vec::new(),
            param_rows: Vec::new(),
            value_rows: Vec::new(),
            modellable: Vec::new(),
        };
        let raw = model.count(toks, training);
        model.smooth_cmds(&raw);
        if kind != SessionKind::Commands {
            model.smooth_params(&raw);
        }
        if kind == SessionKind::CommandsParamsValues {
            model.smooth_values(&raw);
            model.pick_modellable(&raw, options);
        }
        tracing::debug!(
            commands = model.vocabs.cmds.len(),
            params = model.vocabs.params.len(),
            values = model.vocabs.values.len(),
            dense = matches!(model.trans, Transitions::DenseProbs(_)),
            "anomalous-sequence model trained"
        );
        model
    }

    fn count(
        &mut self,
        toks: &TokSessions,
        training: impl Iterator<Item = Range<usize>>,
    ) -> RawCounts {
        let n = self.vocabs.cmds.len();
        let n_params = self.vocabs.params.len();
        let mut raw = RawCounts {
            seq1: vec![0; n],
            param_count: vec![0; n_params],
            cmd_params: vec![Vec::new(); n],
            param_values: vec![Vec::new(); n_params],
        };
        let with_params = self.kind != SessionKind::Commands;
        for range in training {
            let mut prev = START;
            raw.seq1[START as usize] += 1;
            for (k, &id) in range.clone().zip(toks.cmds(range)) {
                self.trans.add(n, prev, id);
                raw.seq1[id as usize] += 1;
                prev = id;
                if with_params {
                    raw.count_params(id, toks.params(k));
                }
            }
            self.trans.add(n, prev, END);
            raw.seq1[END as usize] += 1;
        }
        raw
    }

    fn smooth_cmds(&mut self, raw: &RawCounts) {
        let n = self.vocabs.cmds.len();
        let c = n as u64;
        self.seq1 = (0..n)
            .map(|id| {
                let id = id as u32;
                let extra = (c - 1) * (u64::from(id != END) + u64::from(id != START));
                (raw.seq1[id as usize] + extra) as f64
            })
            .collect();
        let seq1_total: f64 = self.seq1.iter().sum();
        self.priors = self.seq1.iter().map(|s| s / seq1_total).collect();
        self.trans_row = vec![0; n];
        match &self.trans {
            Transitions::DenseCounts(counts) => {
                for (row, total) in counts.chunks(n.max(1)).zip(&mut self.trans_row) {
                    *total = row.iter().sum();
                }
                let probs = counts
                    .iter()
                    .enumerate()
                    .map(|(i, count)| smoothed(*count, self.trans_row[i / n], n))
                    .collect();
                self.trans = Transitions::DenseProbs(probs);
            }
            Transitions::Sparse(counts) => {
                for ((a, _), count) in counts {
                    self.trans_row[*a as usize] += count;
                }
            }
            Transitions::DenseProbs(_) => {}
        }
    }

    fn smooth_params(&mut self, raw: &RawCounts) {
        self.param_rows = (0..self.vocabs.cmds.len())
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
        self.value_rows = (0..self.vocabs.params.len())
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
        self.modellable = (0..self.vocabs.params.len())
            .map(|p| match &options.modellable_params {
                Some(names) => self
                    .vocabs
                    .params
                    .name(p)
                    .is_some_and(|name| names.contains(name)),
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
            .filter_map(|p| self.vocabs.params.name(p))
            .collect();
        out.sort_unstable();
        out
    }

    fn cmd_id(&self, name: &str) -> u32 {
        self.vocabs.cmds.get(name).unwrap_or(UNK)
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
        let pid = self.vocabs.params.get(param).unwrap_or(UNSEEN - 1);
        let unk = row.last().map_or(0.0, |(_, p)| *p);
        row.iter()
            .find(|(p, _)| *p == pid)
            .map_or(unk, |(_, prob)| *prob)
    }

    /// Smoothed probability of `value` for `param` (0 when the model has no values).
    pub fn value_cond_param_prob(&self, param: &str, value: &str) -> f64 {
        let Some(pid) = self.vocabs.params.get(param) else {
            return if self.kind == SessionKind::CommandsParamsValues {
                1.0
            } else {
                0.0
            };
        };
        let vid = self.vocabs.values.get(value).unwrap_or(UNSEEN);
        self.value(pid, vid)
    }

    #[inline(always)]
    pub(crate) fn prior(&self, id: u32) -> f64 {
        match self.priors.get(id as usize) {
            Some(p) => *p,
            None => self.priors[UNK as usize],
        }
    }

    #[inline(always)]
    pub(crate) fn trans(&self, prev: u32, cur: u32) -> f64 {
        let n = self.priors.len();
        let row = if (prev as usize) < n && prev != END {
            prev
        } else {
            UNK
        };
        let col = if (cur as usize) < n && cur != START {
            cur
        } else {
            UNK
        };
        match &self.trans {
            Transitions::DenseProbs(probs) => probs[row as usize * n + col as usize],
            Transitions::Sparse(counts) => {
                let count = counts.get(&(row, col)).copied().unwrap_or(0);
                smoothed(count, self.trans_row[row as usize], n)
            }
            Transitions::DenseCounts(counts) => smoothed(
                counts[row as usize * n + col as usize],
                self.trans_row[row as usize],
                n,
            ),
        }
    }

    fn value(&self, param: u32, value: u32) -> f64 {
        let Some((counts, total)) = self.value_rows.get(param as usize) else {
            return 1.0;
        };
        counts.get(&value).copied().unwrap_or(1) as f64 / *total as f64
    }

    /// Geometric-mean probability of a command's parameter set (1 when it has none).
    pub(crate) fn param_set_prob(&self, cmd: u32, params: &[(u32, u32)]) -> f64 {
        if self.kind == SessionKind::Commands || params.is_empty() {
            return 1.0;
        }
        let row_id = if (cmd as usize) < self.param_rows.len() {
            cmd
        } else {
            UNK
        };
        let row = &self.param_rows[row_id as usize];
        let mut lik = 1.0_f64;
        let mut modelled = 0_usize;
        for (param, prob) in row {
            match params.iter().find(|(p, _)| p == param) {
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

    /// Replaces names by ids; unseen commands become `##UNK##`, unseen parameters and values
    /// [`UNSEEN`].
    pub(crate) fn tokenize(&self, session: &[Cmd]) -> TokSessions {
        TokSessions::lookup(session, self.kind, &self.vocabs)
    }
}

impl RawCounts {
    /// Counts a command's parameters (each once per use) and their non-empty values.
    fn count_params(&mut self, cmd: u32, params: &[(u32, u32)]) {
        for &(pid, vid) in params {
            self.param_count[pid as usize] += 1;
            bump(&mut self.cmd_params[cmd as usize], pid);
            if vid != UNSEEN {
                bump(&mut self.param_values[pid as usize], vid);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sessions(rows: &[&[&str]]) -> Vec<Vec<Cmd>> {
        rows.iter()
            .map(|r| r.iter().map(|c| Cmd::new(c)).collect())
            .collect()
    }

    /// P(b | a) with a seen twice, both times followed by b, in a model of `n` tokens.
    fn twice_followed(n: usize) -> f64 {
        3.0 / (2 + n - 1) as f64
    }

    #[test]
    fn dense_transitions_are_the_smoothed_counts() {
        let model = Model::train(
            &sessions(&[&["a", "b"], &["a", "b"], &["c"]]),
            SessionKind::Commands,
        );
        assert!(matches!(model.trans, Transitions::DenseProbs(_)));
        let n = 6;
        assert_eq!(model.trans_prob("a", "b"), twice_followed(n));
        assert_eq!(model.trans_prob("b", "a"), 1.0 / (2 + n - 1) as f64);
        assert_eq!(
            model.trans_prob("nope", "a"),
            model.trans_prob(UNK_TOKEN, "a")
        );
        assert_eq!(
            model.trans_prob(END_TOKEN, "a"),
            model.trans_prob(UNK_TOKEN, "a")
        );
    }

    #[test]
    fn sparse_transitions_match_the_dense_formula() {
        let mut rows: Vec<Vec<Cmd>> = sessions(&[&["a", "b"], &["a", "b"]]);
        rows.extend((0..DENSE_MAX).map(|i| vec![Cmd::new(&format!("c{i}"))]));
        let model = Model::train(&rows, SessionKind::Commands);
        assert!(matches!(model.trans, Transitions::Sparse(_)));
        let n = 3 + 2 + DENSE_MAX;
        assert_eq!(model.trans_prob("a", "b"), twice_followed(n));
        assert_eq!(model.trans_prob("c1", "c2"), 1.0 / (1 + n - 1) as f64);
    }

    #[test]
    fn empty_sessions_count_in_training() {
        let with_empty = Model::train(&sessions(&[&["a"], &[]]), SessionKind::Commands);
        let without = Model::train(&sessions(&[&["a"]]), SessionKind::Commands);
        assert!(
            with_empty.trans_prob(START_TOKEN, END_TOKEN)
                > without.trans_prob(START_TOKEN, END_TOKEN)
        );
    }
}
