//! Category colours and the legend that names them.
//!
//! The most frequent categories get the ten distinguishable colours; the rest share grey and
//! the legend says how many categories that grey stands for.

use crate::svg::{Rect, Svg, Text};
use crate::text::truncate;

/// Ten colours that stay distinct from one another and on white.
pub(crate) const COLOURS: [&str; 10] = [
    "#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d",
    "#ff9da6", "#2f4b7c",
];

/// The colour for categories beyond the first ten.
pub(crate) const OTHER: &str = "#9a9a9a";

/// Colours assigned to category codes, most frequent first.
pub(crate) struct Palette {
    colour_of: Vec<&'static str>,
    /// (label, colour, count) for the legend, most frequent first; the grey entry last.
    pub(crate) entries: Vec<(String, &'static str, usize)>,
}

impl Palette {
    /// Assigns colours to categories with the given names and row counts.
    pub(crate) fn new(values: &[String], counts: &[usize]) -> Self {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(values[a].cmp(&values[b])));
        let mut colour_of = vec![OTHER; values.len()];
        let mut entries = Vec::new();
        let (mut rest, mut rest_count) = (0usize, 0usize);
        for (rank, &code) in order.iter().enumerate() {
            if rank < COLOURS.len() {
                colour_of[code] = COLOURS[rank];
                entries.push((values[code].clone(), COLOURS[rank], counts[code]));
            } else {
                rest += 1;
                rest_count += counts[code];
            }
        }
        if rest > 0 {
            entries.push((format!("{rest} other values"), OTHER, rest_count));
        }
        Palette { colour_of, entries }
    }

    /// The colour of category `code`.
    pub(crate) fn colour(&self, code: u32) -> &'static str {
        self.colour_of.get(code as usize).copied().unwrap_or(OTHER)
    }
}

/// Draws a legend as one column of swatches starting at `x`, `y`, headed by `heading`;
/// returns the y below it.
pub(crate) fn draw_legend(svg: &mut Svg, x: f64, y: f64, heading: &str, palette: &Palette) -> f64 {
    svg.add(
        Text::new(x, y, &truncate(heading, 24))
            .size(11.0)
            .fill("#444444"),
    );
    let mut y = y + 6.0;
    for (label, colour, count) in &palette.entries {
        let tip = format!("{heading}: {label} ({count} rows)");
        svg.add(Rect::new(x, y, 10.0, 10.0).fill(colour).tooltip(&tip));
        svg.add(
            Text::new(x + 14.0, y + 9.0, &truncate(label, 22))
                .size(10.0)
                .tooltip(&tip),
        );
        y += 14.0;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_frequent_get_colours_and_rest_are_grey() {
        let values: Vec<String> = (0..12).map(|i| format!("v{i}")).collect();
        let counts: Vec<usize> = (0..12).collect();
        let palette = Palette::new(&values, &counts);
        assert_eq!(palette.colour(11), COLOURS[0]);
        assert_eq!(palette.colour(0), OTHER);
        assert_eq!(palette.entries.len(), 11);
        assert_eq!(palette.entries[10].0, "2 other values");
    }
}
