//! Ranked rows: a label, a bar for the value and a line of detail, for sessions and clusters.

use crate::scale::Linear;
use crate::svg::{Anchor, Rect, Svg, Text};
use crate::text::truncate;

pub(crate) const ROW: f64 = 24.0;
pub(crate) const TOP: f64 = 52.0;
const LABEL_X: f64 = 190.0;
const BAR_W: f64 = 240.0;

/// One ranked row.
pub(crate) struct RankedRow {
    pub(crate) label: String,
    /// Where the bar ends, 0–1 of the bar width.
    pub(crate) fraction: f64,
    pub(crate) value_text: String,
    pub(crate) detail: String,
    pub(crate) tooltip: String,
    pub(crate) colour: &'static str,
}

/// The document for `rows` under `title`, with `note` under the title and `axis` naming the
/// bar's meaning.
pub(crate) fn draw_ranked(
    title: &str,
    note: &str,
    axis: &str,
    rows: &[RankedRow],
    width: u32,
) -> Svg {
    let height = TOP + rows.len().max(1) as f64 * ROW + 30.0;
    let mut svg = Svg::new(width, height as u32);
    svg.title(title);
    svg.add(
        Text::new(f64::from(width) / 2.0, 22.0, &truncate(title, 90))
            .size(15.0)
            .anchor(Anchor::Middle),
    );
    svg.add(Text::new(8.0, 38.0, note).size(10.0).fill("#666666"));
    svg.add(
        Text::new(LABEL_X, TOP - 4.0, axis)
            .size(10.0)
            .fill("#444444"),
    );
    let scale = Linear::new(0.0, 1.0, LABEL_X, LABEL_X + BAR_W);
    for (i, row) in rows.iter().enumerate() {
        let top = TOP + i as f64 * ROW;
        if i % 2 == 1 {
            svg.add(Rect::new(0.0, top, f64::from(width), ROW).fill("#f4f6f8"));
        }
        let base = top + ROW / 2.0 + 4.0;
        svg.add(
            Text::new(LABEL_X - 6.0, base, &truncate(&row.label, 28))
                .size(11.0)
                .anchor(Anchor::End)
                .tooltip(&row.tooltip),
        );
        let end = scale.map(row.fraction.clamp(0.0, 1.0));
        svg.add(
            Rect::new(LABEL_X, top + 5.0, (end - LABEL_X).max(1.0), ROW - 10.0)
                .fill(row.colour)
                .tooltip(&row.tooltip),
        );
        svg.add(
            Text::new(end + 4.0, base, &row.value_text)
                .size(10.0)
                .fill("#333333"),
        );
        let detail_x = LABEL_X + BAR_W + 70.0;
        let chars = ((f64::from(width) - detail_x) / 6.2).max(10.0) as usize;
        svg.add(
            Text::new(detail_x, base, &truncate(&row.detail, chars))
                .size(11.0)
                .attr("font-family", "monospace")
                .tooltip(&row.tooltip),
        );
    }
    if rows.is_empty() {
        svg.add(
            Text::new(LABEL_X, TOP + 16.0, "no data")
                .size(11.0)
                .fill("#666666"),
        );
    }
    svg
}
