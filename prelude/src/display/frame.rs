//! Rendering a polars [`DataFrame`] as a compact HTML table.
//!
//! A frame of any size renders to a small document: only the first and last few rows, at most
//! 30 columns and at most 200 characters per cell are shown, and a caption gives the full
//! shape. Every value and column name is escaped, so a planted `<script>` in a log shows up
//! as text.

use polars::prelude::{AnyValue, Column, DataFrame};

use super::Render;
use super::bundle::{MimeBundle, mime};
use huntbook_viz::escape::push_xml;

/// Inline style for the table: the only styling, with no `<style>` block and no scripts.
const TABLE_STYLE: &str = "border-collapse:collapse;font-size:12px;white-space:pre-wrap";

/// A [`DataFrame`] with settings for how much of it to show.
///
/// `display(&df)` uses the defaults; wrap a frame in a `Table` to see more or less of it.
///
/// ```
/// use huntbook::prelude::*;
///
/// let df = df!("n" => (0..100).collect::<Vec<i32>>())?;
/// let bundle = Table::new(&df).with_head(20).with_tail(0).mime_bundle();
/// assert!(bundle.get("text/html").is_some_and(|html| html.contains("<th>19</th>")));
/// # Ok::<(), PolarsError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    frame: &'a DataFrame,
    head: usize,
    tail: usize,
    max_columns: usize,
    max_cell_chars: usize,
}

impl<'a> Table<'a> {
    /// The default view: 5 head and 5 tail rows, 30 columns, 200 characters per cell.
    pub fn new(frame: &'a DataFrame) -> Self {
        Table {
            frame,
            head: 5,
            tail: 5,
            max_columns: 30,
            max_cell_chars: 200,
        }
    }

    /// Shows the first `rows` rows.
    pub fn with_head(mut self, rows: usize) -> Self {
        self.head = rows;
        self
    }

    /// Shows the last `rows` rows.
    pub fn with_tail(mut self, rows: usize) -> Self {
        self.tail = rows;
        self
    }

    /// Shows at most `columns` columns, the leftmost ones.
    pub fn with_max_columns(mut self, columns: usize) -> Self {
        self.max_columns = columns;
        self
    }

    /// Cuts cell text (and column names) longer than `chars` characters.
    pub fn with_max_cell_chars(mut self, chars: usize) -> Self {
        self.max_cell_chars = chars;
        self
    }

    /// The table as an HTML fragment.
    pub fn to_html(&self) -> String {
        let columns = self.shown_columns();
        let mut out = String::with_capacity(1024);
        out.push_str("<table class=\"huntbook-frame\" style=\"");
        out.push_str(TABLE_STYLE);
        out.push_str("\">\n");
        self.write_caption(&mut out);
        self.write_header(&mut out, columns);
        out.push_str("<tbody>\n");
        self.write_rows(&mut out, columns);
        out.push_str("</tbody>\n</table>\n");
        out
    }

    fn shown_columns(&self) -> &'a [Column] {
        let columns = self.frame.columns();
        &columns[..columns.len().min(self.max_columns)]
    }

    fn write_caption(&self, out: &mut String) {
        let (rows, columns) = self.frame.shape();
        out.push_str("<caption>");
        out.push_str(&shape_text(rows, columns));
        let shown = columns.min(self.max_columns);
        if shown < columns {
            out.push_str(&format!(" (first {shown} shown)"));
        }
        out.push_str("</caption>\n");
    }

    fn write_header(&self, out: &mut String, columns: &[Column]) {
        out.push_str("<thead><tr><th></th>");
        for column in columns {
            out.push_str("<th>");
            self.push_cell_text(out, column.name());
            out.push_str("<br><small>");
            push_xml(out, &column.dtype().to_string());
            out.push_str("</small></th>");
        }
        out.push_str("</tr></thead>\n");
    }

    fn write_rows(&self, out: &mut String, columns: &[Column]) {
        let plan = RowPlan::new(self.frame.height(), self.head, self.tail);
        for row in plan.head.clone() {
            self.write_row(out, columns, row);
        }
        if plan.is_elided() {
            out.push_str("<tr><th>…</th>");
            out.push_str(&"<td>…</td>".repeat(columns.len()));
            out.push_str("</tr>\n");
        }
        for row in plan.tail.clone() {
            self.write_row(out, columns, row);
        }
    }

    fn write_row(&self, out: &mut String, columns: &[Column], row: usize) {
        out.push_str(&format!("<tr><th>{row}</th>"));
        for column in columns {
            self.write_cell(out, column, row);
        }
        out.push_str("</tr>\n");
    }

    fn write_cell(&self, out: &mut String, column: &Column, row: usize) {
        out.push_str("<td>");
        match column.get(row) {
            Ok(AnyValue::Null) => out.push_str("<em>null</em>"),
            Ok(value) => self.push_cell_text(out, &value.str_value()),
            // One unreadable value must not hide the rest of the table.
            Err(error) => {
                out.push_str("<em>");
                self.push_cell_text(out, &format!("error: {error}"));
                out.push_str("</em>");
            }
        }
        out.push_str("</td>");
    }

    /// Escapes `text`, cut to the cell limit with an ellipsis.
    fn push_cell_text(&self, out: &mut String, text: &str) {
        match text.char_indices().nth(self.max_cell_chars) {
            None => push_xml(out, text),
            Some((cut, _)) => {
                push_xml(out, &text[..cut]);
                out.push('…');
            }
        }
    }
}

/// "3 rows × 2 columns", with singulars where they belong.
fn shape_text(rows: usize, columns: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!("{} × {}", plural(rows, "row"), plural(columns, "column"))
}

/// Which rows a table shows: all of a small frame, else the first and last few.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RowPlan {
    head: std::ops::Range<usize>,
    tail: std::ops::Range<usize>,
}

impl RowPlan {
    fn new(height: usize, head: usize, tail: usize) -> Self {
        if height <= head.saturating_add(tail) {
            return RowPlan {
                head: 0..height,
                tail: height..height,
            };
        }
        RowPlan {
            head: 0..head,
            tail: height - tail..height,
        }
    }

    fn is_elided(&self) -> bool {
        self.head.end < self.tail.start
    }
}

impl Render for Table<'_> {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::new(self.frame.to_string()).with(mime::TEXT_HTML, self.to_html())
    }
}

impl Render for DataFrame {
    fn mime_bundle(&self) -> MimeBundle {
        Table::new(self).mime_bundle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_frames_show_every_row() {
        let plan = RowPlan::new(7, 5, 5);
        assert_eq!(plan.head, 0..7);
        assert!(!plan.is_elided());
    }

    #[test]
    fn big_frames_show_head_and_tail() {
        let plan = RowPlan::new(100, 5, 5);
        assert_eq!((plan.head.clone(), plan.tail.clone()), (0..5, 95..100));
        assert!(plan.is_elided());
    }

    #[test]
    fn frame_exactly_head_plus_tail_is_not_elided() {
        assert!(!RowPlan::new(10, 5, 5).is_elided());
        assert!(RowPlan::new(11, 5, 5).is_elided());
    }

    #[test]
    fn zero_head_and_tail() {
        let plan = RowPlan::new(3, 0, 0);
        assert!(plan.is_elided());
        assert_eq!(plan.head.len() + plan.tail.len(), 0);
    }

    #[test]
    fn shape_text_uses_singulars() {
        assert_eq!(shape_text(1, 1), "1 row × 1 column");
        assert_eq!(shape_text(10000, 3), "10000 rows × 3 columns");
        assert_eq!(shape_text(0, 0), "0 rows × 0 columns");
    }
}
