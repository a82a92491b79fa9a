//! Anomalous sessions: how rare a session's command sequence is under a model of all sessions.
//!
//! A first-order Markov model over commands (optionally with each command's parameter set and
//! the parameters' values) is trained on the sessions, with add-one smoothing and the
//! `##START##` / `##END##` / `##UNK##` tokens; each session is then scored by its rarest window
//! of `n` consecutive commands. Scores agree with msticpy 3.0.2's `anomalous_sequence` (tested to
//! a relative 1e-9 on a fixture msticpy scored).
//!
//! - `session`: [`Cmd`], [`Param`], [`SessionKind`] and reading list columns.
//! - `model`: [`Model`] — counts, smoothing, probabilities.
//! - `score`: session and window likelihoods, [`Model::rarest_window`], [`score_sessions`].
//! - `sessionize`: events into sessions ([`sessionize`], [`create_session_col`]).
//! - `synthetic`: seeded sessions for benchmarks ([`synthetic_sessions`]).
//! - `tokens`: sessions as interned ids in flat vectors, read straight from the column; what
//!   training and scoring run on.
//!
//! ```
//! use huntbook_analysis::anomseq::score_sessions;
//! use polars::prelude::*;
//!
//! let mut sessions = Vec::new();
//! for _ in 0..20 {
//!     sessions.push(Series::new("".into(), ["ls", "cd", "ls"]));
//! }
//! sessions.push(Series::new("".into(), ["ls", "nc", "curl"]));
//! let df = DataFrame::new(21, vec![Column::new("session".into(), sessions)])?;
//! let scored = score_sessions(&df, "session", 2)?;
//! let lik = scored.column("rarest_window2_likelihood")?.f64()?;
//! assert!(lik.get(20) < lik.get(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod model;
mod score;
mod session;
mod sessionize;
mod synthetic;
mod tokens;

pub use model::{END_TOKEN, Model, ModelOptions, START_TOKEN, UNK_TOKEN};
pub use score::{
    RarestWindow, WindowOptions, score_column_names, score_sessions, score_sessions_with,
};
pub use session::{Cmd, Param, SessionKind, sessions_to_series};
pub use sessionize::{SessionizeOptions, Sessionized, create_session_col, sessionize};
pub use synthetic::synthetic_sessions;

use polars::prelude::PolarsError;

/// Why sessions could not be scored or sessionised.
#[derive(Debug, thiserror::Error)]
pub enum AnomSeqError {
    /// The named column is not in the frame.
    #[error("column '{column}' is not in the frame")]
    MissingColumn {
        /// The column.
        column: String,
    },
    /// The session column has a dtype that is not a session list.
    #[error(
        "column '{column}' has dtype {dtype}; sessions must be List(String), \
         List(Struct{{name, params: List(String)}}) or \
         List(Struct{{name, params: List(Struct{{param, value}})}})"
    )]
    BadColumn {
        /// The column.
        column: String,
        /// Its dtype.
        dtype: String,
    },
    /// No non-empty session to train on.
    #[error("column '{column}' has no non-empty session to train the model on")]
    NoSessions {
        /// The column.
        column: String,
    },
    /// A window length of zero.
    #[error("window length must be at least 1 (got {window_length})")]
    BadWindow {
        /// The length given.
        window_length: usize,
    },
    /// A session-kind name that is not known.
    #[error(
        "unknown session kind '{name}'; use commands, commands+params or commands+params+values"
    )]
    UnknownKind {
        /// The name given.
        name: String,
    },
    /// polars failed.
    #[error("anomalous sequences: {0}")]
    Polars(#[from] PolarsError),
}
