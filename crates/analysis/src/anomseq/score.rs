//! Likelihoods of sessions and of sliding windows, the rarest window, and frame scoring.
//!
//! A window's likelihood is the first command's prior (or, for the first window with start/end
//! tokens, P(first | `##START##`)) times each transition, each command's probability multiplied
//! by the geometric-mean probability of its parameter set. With start/end tokens the session is
//! extended by `##END##` before windows are cut, so a session of `n` commands has `n + 2 - w`
//! windows of length `w`; without them it has `n + 1 - w`.

use polars::prelude::*;

use super::AnomSeqError;
use super::model::{END, Model, ModelOptions, START};
use super::session::{Cmd, SessionKind};
use super::tokens::{TokSessions, read_tokens};

/// How windows are scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowOptions {
    /// Window length (number of commands), at least 1.
    pub window_length: usize,
    /// Frame sessions with `##START##` / `##END##`.
    pub use_start_end_tokens: bool,
    /// Take the `window_length`-th root of each window's likelihood.
    pub use_geo_mean: bool,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions {
            window_length: 3,
            use_start_end_tokens: true,
            use_geo_mean: false,
        }
    }
}

impl WindowOptions {
    /// Sets the window length.
    pub fn with_window_length(mut self, len: usize) -> Self {
        self.window_length = len;
        self
    }

    /// Frames sessions with start/end tokens, or not.
    pub fn with_start_end_tokens(mut self, on: bool) -> Self {
        self.use_start_end_tokens = on;
        self
    }

    /// Uses the geometric mean of each window's likelihood, or not.
    pub fn with_geo_mean(mut self, on: bool) -> Self {
        self.use_geo_mean = on;
        self
    }
}

/// The least likely window of a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RarestWindow {
    /// Index of the window's first command in the session.
    pub start: usize,
    /// Commands of the session in the window (one less than the window length when the window
    /// ends with `##END##`).
    pub len: usize,
    /// The window's likelihood.
    pub likelihood: f64,
}

/// Buffers reused from session to session: the session's command ids (with `##END##` when
/// framed), for kinds with parameters each command's parameter-set probability, and the
/// factors windows are multiplied from.
#[derive(Debug, Default)]
struct Scratch {
    toks: Vec<u32>,
    pp: Vec<f64>,
    /// Probability of a window starting at each position: the prior, or for the first window
    /// with start/end tokens P(first | `##START##`).
    lead: Vec<f64>,
    /// P(command | previous command) at each position (position 0 is unused).
    step: Vec<f64>,
}

impl Model {
    /// Likelihood of a whole session (with start/end tokens: framed by them).
    pub fn session_likelihood(&self, session: &[Cmd], use_start_end_tokens: bool) -> f64 {
        let toks = self.tokenize(session);
        let mut scratch = Scratch::default();
        let (ids, pp) = self.prepare(&toks, 0..session.len(), false, &mut scratch);
        let mut lik = self.span(ids, pp, use_start_end_tokens);
        if use_start_end_tokens && let Some(last) = ids.last() {
            lik *= self.trans(*last, END);
        }
        lik
    }

    /// The session likelihood's `len(session)`-th root.
    pub fn session_geomean_likelihood(&self, session: &[Cmd], use_start_end_tokens: bool) -> f64 {
        let lik = self.session_likelihood(session, use_start_end_tokens);
        lik.powf(1.0 / session.len() as f64)
    }

    /// Likelihood of every window of the session, in order.
    pub fn window_likelihoods(&self, session: &[Cmd], options: &WindowOptions) -> Vec<f64> {
        let toks = self.tokenize(session);
        let mut scratch = Scratch::default();
        let mut out = Vec::new();
        self.each_window(&toks, 0..session.len(), options, &mut scratch, |_, lik| {
            out.push(lik);
        });
        out
    }

    /// The least likely window (the first one on ties), or `None` when the session is too short.
    pub fn rarest_window(&self, session: &[Cmd], options: &WindowOptions) -> Option<RarestWindow> {
        let toks = self.tokenize(session);
        self.rarest_in(&toks, 0..session.len(), options, &mut Scratch::default())
    }

    /// [`Model::rarest_window`] of the session at `range` of `toks`.
    fn rarest_in(
        &self,
        toks: &TokSessions,
        range: std::ops::Range<usize>,
        options: &WindowOptions,
        scratch: &mut Scratch,
    ) -> Option<RarestWindow> {
        let n = range.len();
        let mut best: Option<(usize, f64)> = None;
        self.each_window(toks, range, options, scratch, |i, lik| {
            if best.is_none_or(|(_, b)| lik < b) {
                best = Some((i, lik));
            }
        });
        best.map(|(start, likelihood)| RarestWindow {
            start,
            len: options.window_length.min(n - start),
            likelihood,
        })
    }

    /// Calls `f(index, likelihood)` for every window of the session at `range` of `toks`, in
    /// order.
    ///
    /// Each position's lead and transition probability is looked up once and shared by the
    /// windows covering it, but every window's product is still taken afresh and in the same
    /// order as [`Model::span`]'s (lead, then each transition and parameter-set probability),
    /// so its value does not depend on its neighbours' rounding.
    fn each_window(
        &self,
        toks: &TokSessions,
        range: std::ops::Range<usize>,
        options: &WindowOptions,
        scratch: &mut Scratch,
        mut f: impl FnMut(usize, f64),
    ) {
        let w = options.window_length;
        let use_start = options.use_start_end_tokens;
        self.prepare(toks, range, use_start, scratch);
        let Scratch {
            toks: ids,
            pp,
            lead,
            step,
        } = scratch;
        if w == 0 || ids.len() < w {
            return;
        }
        self.factors(ids, use_start, lead, step);
        let pp = (self.kind != SessionKind::Commands).then_some(pp.as_slice());
        let windows = 0..=ids.len() - w;
        // Two loops rather than a test per window: the compiler would otherwise compute the
        // root for every window and then discard it.
        if options.use_geo_mean {
            let root = 1.0 / w as f64;
            for i in windows {
                f(i, window_product(lead, step, pp, i, w).powf(root));
            }
        } else {
            for i in windows {
                f(i, window_product(lead, step, pp, i, w));
            }
        }
    }

    /// Fills `lead` and `step` for the command ids `ids`.
    fn factors(&self, ids: &[u32], use_start: bool, lead: &mut Vec<f64>, step: &mut Vec<f64>) {
        lead.clear();
        lead.extend(ids.iter().map(|id| self.prior(*id)));
        if let (true, Some(first), Some(id)) = (use_start, lead.first_mut(), ids.first()) {
            *first = self.trans(START, *id);
        }
        step.clear();
        step.push(1.0);
        step.extend(ids.windows(2).map(|pair| self.trans(pair[0], pair[1])));
    }

    /// Copies the session at `range` of `toks` into `scratch` (followed by `##END##` when
    /// `end`) with its parameter-set probabilities; the latter are `None` for command-only
    /// models, where every one is 1.
    fn prepare<'s>(
        &self,
        toks: &TokSessions,
        range: std::ops::Range<usize>,
        end: bool,
        scratch: &'s mut Scratch,
    ) -> (&'s [u32], Option<&'s [f64]>) {
        scratch.toks.clear();
        scratch.toks.extend_from_slice(toks.cmds(range.clone()));
        if end {
            scratch.toks.push(END);
        }
        if self.kind == SessionKind::Commands {
            return (&scratch.toks, None);
        }
        scratch.pp.clear();
        for (k, cmd) in range.zip(&scratch.toks) {
            scratch.pp.push(self.param_set_prob(*cmd, toks.params(k)));
        }
        if end {
            scratch.pp.push(self.param_set_prob(END, &[]));
        }
        (&scratch.toks, Some(&scratch.pp))
    }

    /// Likelihood of consecutive commands, without the end token: the lead probability, then
    /// each transition, each command's probability times its parameter-set probability (left
    /// out when `pp` is `None`, where it is 1 and multiplying by it changes nothing).
    #[inline]
    fn span(&self, ids: &[u32], pp: Option<&[f64]>, use_start: bool) -> f64 {
        let Some(&first) = ids.first() else {
            return f64::NAN;
        };
        let mut prob = if use_start {
            self.trans(START, first)
        } else {
            self.prior(first)
        };
        match pp {
            None => {
                for pair in ids.windows(2) {
                    prob *= self.trans(pair[0], pair[1]);
                }
            }
            Some(pp) => {
                prob *= pp[0];
                for (pair, p) in ids.windows(2).zip(&pp[1..]) {
                    prob *= self.trans(pair[0], pair[1]);
                    prob *= p;
                }
            }
        }
        prob
    }
}

/// Likelihood of the window of `w` positions from `i`: the lead, then each transition and
/// (when `pp` is given) parameter-set probability, in [`Model::span`]'s order.
#[inline(always)]
fn window_product(lead: &[f64], step: &[f64], pp: Option<&[f64]>, i: usize, w: usize) -> f64 {
    let mut lik = lead[i];
    match pp {
        Some(pp) => {
            lik *= pp[i];
            for (s, p) in step[i + 1..i + w].iter().zip(&pp[i + 1..i + w]) {
                lik *= s;
                lik *= p;
            }
        }
        None => {
            for s in &step[i + 1..i + w] {
                lik *= s;
            }
        }
    }
    lik
}

/// Column names [`score_sessions_with`] adds: (likelihood, window).
pub fn score_column_names(options: &WindowOptions) -> (String, String) {
    let n = options.window_length;
    let geo = if options.use_geo_mean { "_geo" } else { "" };
    (
        format!("rarest_window{n}{geo}_likelihood"),
        format!("rarest_window{n}{geo}"),
    )
}

/// Trains a model on the session column and adds `rarest_window{n}_likelihood` (Float64) and
/// `rarest_window{n}` (the window's commands, same dtype as the session column), as msticpy's
/// `score_sessions` does (start/end tokens, no geometric mean).
///
/// Sessions too short for a window get NaN and an empty window; null or empty sessions are left
/// out of training and get a null likelihood and a null window.
pub fn score_sessions(
    data: &DataFrame,
    session_column: &str,
    window_length: usize,
) -> Result<DataFrame, AnomSeqError> {
    let options = WindowOptions::default().with_window_length(window_length);
    score_sessions_with(data, session_column, &options)
}

/// [`score_sessions`] with window options; with the geometric mean the columns are named
/// `rarest_window{n}_geo_likelihood` and `rarest_window{n}_geo`.
pub fn score_sessions_with(
    data: &DataFrame,
    session_column: &str,
    options: &WindowOptions,
) -> Result<DataFrame, AnomSeqError> {
    if options.window_length == 0 {
        return Err(AnomSeqError::BadWindow { window_length: 0 });
    }
    let col = data
        .column(session_column)
        .map_err(|_| AnomSeqError::MissingColumn {
            column: session_column.to_string(),
        })?;
    let (kind, toks, vocabs) = read_tokens(col)?;
    let training = || toks.sessions().filter(|range| !range.is_empty());
    if training().next().is_none() {
        return Err(AnomSeqError::NoSessions {
            column: session_column.to_string(),
        });
    }
    let model = Model::fit(&toks, training(), vocabs, kind, &ModelOptions::default());

    let mut liks = Vec::with_capacity(toks.len());
    let mut offsets = Vec::with_capacity(toks.len());
    let mut lens = Vec::with_capacity(toks.len());
    let mut scratch = Scratch::default();
    for row in 0..toks.len() {
        let (lik, start, len) = match toks.row(row) {
            None => (None, None, None),
            Some(range) if range.is_empty() => (None, None, None),
            Some(range) => match model.rarest_in(&toks, range, options, &mut scratch) {
                Some(r) => (Some(r.likelihood), Some(r.start as i64), Some(r.len as i64)),
                None => (Some(f64::NAN), Some(0), Some(0)),
            },
        };
        liks.push(lik);
        offsets.push(start);
        lens.push(len);
    }
    add_score_columns(data, col, options, liks, offsets, lens)
}

/// Adds the likelihood and window columns. A `List(String)` session column's windows are
/// built directly from its strings; the struct layouts' windows are cut with polars' list
/// slice.
fn add_score_columns(
    data: &DataFrame,
    sessions: &Column,
    options: &WindowOptions,
    liks: Vec<Option<f64>>,
    offsets: Vec<Option<i64>>,
    lens: Vec<Option<i64>>,
) -> Result<DataFrame, AnomSeqError> {
    let (lik_name, win_name) = score_column_names(options);
    let windows = match sessions.dtype() {
        DataType::List(inner) if inner.as_ref() == &DataType::String => {
            command_windows(sessions, &win_name, &offsets, &lens)?
        }
        _ => sliced_windows(data.height(), sessions, &win_name, offsets, lens)?,
    };
    let mut out = data.clone();
    out.with_column(Column::new(lik_name.as_str().into(), liks))?;
    out.with_column(windows)?;
    Ok(out)
}

/// Each row's window of a `List(String)` column: the `len` commands from `offset`, or null.
fn command_windows(
    sessions: &Column,
    name: &str,
    offsets: &[Option<i64>],
    lens: &[Option<i64>],
) -> Result<Column, AnomSeqError> {
    let list = sessions.as_materialized_series().list()?.rechunk();
    let inner = list.get_inner();
    let strings = inner.str()?.rechunk();
    let window_values: usize = lens.iter().flatten().map(|l| *l as usize).sum();
    let mut builder = ListStringChunkedBuilder::new(name.into(), offsets.len(), window_values);
    let (Some(arr), Some(values)) = (list.downcast_iter().next(), strings.downcast_iter().next())
    else {
        return Ok(builder.finish().into_column());
    };
    let bounds = arr.offsets().as_slice();
    for (row, (offset, len)) in offsets.iter().zip(lens).enumerate() {
        let (Some(offset), Some(len), Some(first)) = (offset, len, bounds.get(row)) else {
            builder.append_null();
            continue;
        };
        let start = *first as usize + *offset as usize;
        builder.append_trusted_len_iter((start..start + *len as usize).map(|k| values.get(k)));
    }
    Ok(builder.finish().into_column())
}

/// Each row's window cut from the session column with polars' list slice.
fn sliced_windows(
    height: usize,
    sessions: &Column,
    name: &str,
    offsets: Vec<Option<i64>>,
    lens: Vec<Option<i64>>,
) -> Result<Column, AnomSeqError> {
    let frame = DataFrame::new(
        height,
        vec![
            sessions.clone().with_name("__s".into()),
            Column::new("__o".into(), offsets),
            Column::new("__l".into(), lens),
        ],
    )?;
    let windows = frame
        .lazy()
        .select([col("__s").list().slice(col("__o"), col("__l")).alias(name)])
        .collect()?;
    Ok(windows.column(name)?.clone())
}
