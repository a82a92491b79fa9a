//! A horizontal bar chart: one labelled bar per category.
//!
//! Bars run left to right so that long labels (host names, process paths) have room. The chart
//! is 480 pixels wide and grows by one row per bar; each bar and each label carries a native
//! tooltip with the full label and the exact value.

use crate::scale::{Linear, Ticks, nice_ticks};
use crate::svg::{Anchor, Line, Rect, Svg, Text};

const WIDTH: f64 = 480.0;
/// Left edge of the plot area; the labels sit in the margin to its left.
const PLOT_LEFT: f64 = 150.0;
const PLOT_RIGHT: f64 = WIDTH - 24.0;
const PLOT_TOP: f64 = 40.0;
const ROW: f64 = 22.0;
const BAR: f64 = 16.0;
const AXIS_SPACE: f64 = 32.0;
const NOTE_SPACE: f64 = 18.0;
/// Beyond this many bars a chart is unreadable and its document needlessly large.
const MAX_BARS: usize = 100;
const MAX_LABEL_CHARS: usize = 22;
const MAX_TITLE_CHARS: usize = 70;

/// A number that can be charted: every primitive integer and float type.
pub trait ChartValue: Copy {
    /// The value as an `f64` (very large integers lose precision, which a chart cannot show
    /// anyway).
    fn to_f64(self) -> f64;
}

macro_rules! chart_value {
    ($($t:ty),*) => {$(
        impl ChartValue for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
    )*};
}

chart_value!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

/// Draws `bars` as a horizontal bar chart under `title`.
///
/// Values may be negative; bars then grow left from a zero line. A value that is not finite
/// (NaN, infinity) keeps its label and tooltip but draws no bar. Only the first 100 bars are
/// drawn, with a note saying how many were left out.
///
/// ```
/// use huntbook_viz::bar_chart;
///
/// let svg = bar_chart("logons by host", &[("dc01", 42), ("ws-17", 7)]);
/// assert!(svg.to_svg_string().contains("<title>dc01: 42</title>"));
/// ```
pub fn bar_chart<L: AsRef<str>, V: ChartValue>(title: &str, bars: &[(L, V)]) -> Svg {
    let shown = &bars[..bars.len().min(MAX_BARS)];
    let values: Vec<f64> = shown.iter().map(|(_, value)| value.to_f64()).collect();
    let rows = shown.len().max(1);
    let left_out = bars.len() - shown.len();

    let ticks = value_ticks(&values);
    let (lo, hi) = ticks.extent();
    let scale = Linear::new(lo, hi, PLOT_LEFT, PLOT_RIGHT);
    let mut svg = Svg::new(WIDTH as u32, chart_height(rows, left_out > 0) as u32);
    svg.title(title);
    add_heading(&mut svg, title);

    for (row, ((label, _), value)) in shown.iter().zip(&values).enumerate() {
        add_bar(&mut svg, &scale, row, label.as_ref(), *value);
    }
    if shown.is_empty() {
        let y = PLOT_TOP + ROW / 2.0 + 4.0;
        svg.add(
            Text::new(PLOT_LEFT, y, "no data")
                .size(11.0)
                .fill("#666666"),
        );
    }
    add_axes(&mut svg, &scale, &ticks, rows);
    if left_out > 0 {
        add_note(&mut svg, shown.len(), bars.len());
    }
    svg
}

fn chart_height(rows: usize, with_note: bool) -> f64 {
    let note = if with_note { NOTE_SPACE } else { 0.0 };
    PLOT_TOP + rows as f64 * ROW + AXIS_SPACE + note
}

/// Ticks for the finite values, always including zero so bars have a base to grow from.
fn value_ticks(values: &[f64]) -> Ticks {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    nice_ticks(lo, hi, 5)
}

fn add_heading(svg: &mut Svg, title: &str) {
    let shown = truncate(title, MAX_TITLE_CHARS);
    let mut heading = Text::new(WIDTH / 2.0, 22.0, &shown)
        .size(14.0)
        .anchor(Anchor::Middle);
    if shown != title {
        heading = heading.tooltip(title);
    }
    svg.add(heading);
}

fn add_bar(svg: &mut Svg, scale: &Linear, row: usize, label: &str, value: f64) {
    let top = PLOT_TOP + row as f64 * ROW;
    let tooltip = format!("{label}: {value}");

    if value.is_finite() {
        let start = scale.map(value.min(0.0));
        let end = scale.map(value.max(0.0));
        let bar_top = top + (ROW - BAR) / 2.0;
        svg.add(Rect::new(start, bar_top, end - start, BAR).tooltip(&tooltip));
    }
    let baseline = top + ROW / 2.0 + 4.0;
    let short = truncate(label, MAX_LABEL_CHARS);
    let label_text = Text::new(PLOT_LEFT - 6.0, baseline, &short).size(11.0);
    svg.add(label_text.anchor(Anchor::End).tooltip(&tooltip));
}

fn add_axes(svg: &mut Svg, scale: &Linear, ticks: &Ticks, rows: usize) {
    let bottom = PLOT_TOP + rows as f64 * ROW;
    let zero = scale.map(0.0);
    svg.add(Line::new(zero, PLOT_TOP, zero, bottom));
    svg.add(Line::new(PLOT_LEFT, bottom, PLOT_RIGHT, bottom));

    for &tick in &ticks.values {
        let x = scale.map(tick);
        svg.add(Line::new(x, bottom, x, bottom + 4.0));
        let label = Text::new(x, bottom + 16.0, &ticks.label(tick)).size(10.0);
        svg.add(label.anchor(Anchor::Middle));
    }
}

fn add_note(svg: &mut Svg, shown: usize, total: usize) {
    let y = f64::from(svg.height()) - 6.0;
    let text = format!("showing the first {shown} of {total} bars");
    svg.add(Text::new(PLOT_LEFT, y, &text).size(10.0).fill("#666666"));
}

/// Shortens `text` to at most `max` characters, marking the cut with an ellipsis.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    #[test]
    fn one_rect_and_tooltip_per_bar() {
        let text = bar_chart("t", &[("a", 1), ("b", 2), ("c", 3)]).to_svg_string();
        assert_eq!(count(&text, "<rect"), 3);
        assert!(text.contains("<title>b: 2</title>"));
    }

    #[test]
    fn script_label_is_text() {
        let text = bar_chart("t", &[("<script>alert(1)</script>", 1)]).to_svg_string();
        assert!(!text.contains("<script"));
        assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn long_labels_are_truncated_but_kept_in_tooltip() {
        let label = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
        let text = bar_chart("t", &[(label, 5.0)]).to_svg_string();
        assert!(text.contains("C:\\Windows\\System32\\W…</text>"));
        assert!(text.contains(&format!("<title>{label}: 5</title>")));
    }

    #[test]
    fn empty_chart_says_so() {
        let bars: [(&str, f64); 0] = [];
        let text = bar_chart("nothing", &bars).to_svg_string();
        assert!(text.contains(">no data</text>"));
        assert_eq!(count(&text, "<rect"), 0);
    }

    #[test]
    fn too_many_bars_are_capped_with_a_note() {
        let bars: Vec<(String, usize)> = (0..250).map(|i| (format!("host{i}"), i)).collect();
        let text = bar_chart("many", &bars).to_svg_string();
        assert_eq!(count(&text, "<rect"), MAX_BARS);
        assert!(text.contains("showing the first 100 of 250 bars"));
    }

    #[test]
    fn negative_values_grow_left_from_zero() {
        let svg = bar_chart("delta", &[("down", -5), ("up", 5)]);
        let text = svg.to_svg_string();
        // Ticks run -6..6 (step 2), so zero sits in the middle of the plot.
        let zero = (PLOT_LEFT + PLOT_RIGHT) / 2.0;
        assert!(text.contains(&format!(
            "<rect x=\"{}\"",
            zero - 5.0 / 12.0 * (PLOT_RIGHT - PLOT_LEFT)
        )));
        assert!(text.contains(&format!("<rect x=\"{zero}\"")));
    }

    #[test]
    fn non_finite_values_draw_no_bar() {
        let text = bar_chart("t", &[("nan", f64::NAN), ("one", 1.0)]).to_svg_string();
        assert_eq!(count(&text, "<rect"), 1);
        assert!(text.contains("<title>nan: NaN</title>"));
    }

    #[test]
    fn height_grows_with_rows() {
        assert_eq!(bar_chart("t", &[("a", 1)]).height(), 94);
        assert_eq!(bar_chart("t", &[("a", 1), ("b", 1)]).height(), 116);
    }

    #[test]
    fn truncate_counts_characters_not_bytes() {
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
