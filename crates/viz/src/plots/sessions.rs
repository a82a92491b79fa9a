//! Sessions ranked by likelihood (msticpy's `visualise_scored_sessions`, as a ranked list).
//!
//! Takes the output of the anomalous-sequence scorer: one row per session with a likelihood
//! column (such as `rarest_window3_likelihood`) and the rarest window itself. The least likely
//! sessions come first; the bar shows the likelihood on a log scale, shorter meaning rarer.

use polars::prelude::DataFrame;

use super::ranked::{RankedRow, draw_ranked};
use crate::error::VizError;
use crate::frame::{TextColumn, first_present, floats, times_ms};
use crate::text::{count, truncate};
use crate::timeaxis::tooltip_time;
use crate::view::{View, ViewKind};

const VIEW: &str = "sessions";

/// Sessions ranked by likelihood.
///
/// Required: the score column (default: the first `rarest_window*_likelihood` column).
/// Optional: the window column (default: the score column without `_likelihood`), a session
/// label column, a time column and how many sessions to show (default 40).
pub struct ScoredSessions<'a> {
    frame: &'a DataFrame,
    score_column: Option<String>,
    window_column: Option<String>,
    label_column: Option<String>,
    time_column: Option<String>,
    max_sessions: usize,
    title: String,
}

impl<'a> ScoredSessions<'a> {
    /// A ranking of the sessions in `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        ScoredSessions {
            frame,
            score_column: None,
            window_column: None,
            label_column: None,
            time_column: None,
            max_sessions: 40,
            title: "Sessions by likelihood (rarest first)".to_owned(),
        }
    }

    /// The likelihood column (lower is rarer).
    pub fn score_column(mut self, name: &str) -> Self {
        self.score_column = Some(name.to_owned());
        self
    }

    /// The column holding each session's rarest window (a list or text).
    pub fn window_column(mut self, name: &str) -> Self {
        self.window_column = Some(name.to_owned());
        self
    }

    /// The column naming each session (a user, a session id).
    pub fn label_column(mut self, name: &str) -> Self {
        self.label_column = Some(name.to_owned());
        self
    }

    /// A column with each session's start time, shown in tooltips.
    pub fn time_column(mut self, name: &str) -> Self {
        self.time_column = Some(name.to_owned());
        self
    }

    /// How many sessions are listed.
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n.max(1);
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// Ranks and draws the sessions.
    pub fn build(self) -> Result<View, VizError> {
        let frame = self.frame;
        let score_name = self
            .score_column
            .clone()
            .or_else(|| {
                frame
                    .get_column_names()
                    .iter()
                    .map(|n| n.to_string())
                    .find(|n| n.starts_with("rarest_window") && n.ends_with("_likelihood"))
            })
            .ok_or(VizError::MissingOption {
                view: VIEW,
                option: "score_column",
                hint: "the likelihood column, such as rarest_window3_likelihood",
            })?;
        let window_name = self.window_column.clone().or_else(|| {
            let guess = score_name.trim_end_matches("_likelihood");
            first_present(frame, &[guess])
        });
        let scores = floats(frame, VIEW, &score_name)?;
        let windows = match &window_name {
            Some(name) => Some(TextColumn::read(frame, VIEW, name)?),
            None => None,
        };
        let labels = match &self.label_column {
            Some(name) => Some(TextColumn::read(frame, VIEW, name)?),
            None => None,
        };
        let times = match &self.time_column {
            Some(name) => Some(times_ms(frame, VIEW, name)?),
            None => None,
        };

        let mut ranked: Vec<(usize, f64)> = scores
            .iter()
            .enumerate()
            .filter_map(|(row, s)| s.filter(|v| *v > 0.0).map(|v| (row, v)))
            .collect();
        let unscored = scores.len() - ranked.len();
        ranked.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        ranked.truncate(self.max_sessions);
        let lo = ranked.first().map_or(1e-6, |r| r.1).log10();
        let hi = ranked
            .iter()
            .map(|r| r.1)
            .fold(f64::MIN, f64::max)
            .max(1e-300)
            .log10();

        let rows: Vec<RankedRow> = ranked
            .iter()
            .enumerate()
            .map(|(rank, &(row, score))| {
                let label = labels
                    .as_ref()
                    .and_then(|l| l.get(row))
                    .map_or_else(|| format!("session {row}"), str::to_owned);
                let window = windows
                    .as_ref()
                    .and_then(|w| w.get(row))
                    .unwrap_or("")
                    .to_owned();
                let mut tooltip = format!("#{} {label}\n{score_name}: {score:.3e}", rank + 1);
                if let Some(t) = times.as_ref().and_then(|t| t[row]) {
                    tooltip.push_str(&format!("\nstarted {}", tooltip_time(t)));
                }
                tooltip.push_str(&format!("\nrarest window: {}", truncate(&window, 600)));
                // A bar per decade of likelihood above the rarest shown session.
                let span = (hi - lo).max(1.0);
                let fraction = 0.08 + 0.92 * (score.log10() - lo) / span;
                let colour = if rank < 5 { "#e45756" } else { "#4c78a8" };
                RankedRow {
                    label,
                    fraction,
                    value_text: format!("{score:.2e}"),
                    detail: window,
                    tooltip,
                    colour,
                }
            })
            .collect();
        let mut note = format!(
            "{} sessions scored; the {} least likely shown",
            count(scores.len() - unscored),
            rows.len()
        );
        if unscored > 0 {
            note.push_str(&format!(
                "; {} without a score (too short) left out",
                count(unscored)
            ));
        }
        let axis = format!("{score_name} (log scale, shorter = rarer)");
        let svg = draw_ranked(&self.title, &note, &axis, &rows, 1000);
        Ok(View::new(
            ViewKind::Sessions,
            svg,
            serde_json::json!({"zoom": "xy"}),
        ))
    }
}
