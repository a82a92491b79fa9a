//! DataFrame in, DataFrame out: extraction over text columns, and summaries.
//!
//! [`IocExtractor::extract_frame`] produces one row per finding:
//!
//! | column | dtype | meaning |
//! |---|---|---|
//! | `source_row` | u32 | row of the input frame |
//! | `source_column` | str | column of the input frame |
//! | `ioc_type` | str | msticpy's type name (`ipv4`, `dns`, `md5_hash`, …) |
//! | `value` | str | refanged, normalised value |
//! | `start`, `end` | u32 | byte span in the cell's text |
//! | `defanged` | bool | the text spelled it defanged |
//! | `ip_class` | str, nullable | `global`, `private`, `loopback`, … for IP types |
//!
//! [`IocExtractor::extract_lines`] gives the same rows for plain text, one source row per line,
//! from a single scan of the whole text.
//!
//! [`summarise_frame`] collapses that to one row per `(ioc_type, value)`.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::{
    ChunkFull, Column, DataFrame, DataType, IdxCa, IdxSize, IntoColumn, NamedFrom, Series,
    StringChunked, StringChunkedBuilder,
};

use huntbook_data::IocType;

use super::classify::IpClass;
use super::scan::{Buffers, Finding, for_each_in};
use super::{Ioc, IocError, IocExtractor};

impl IocExtractor {
    /// Extracts from the text `columns` of `frame`. Null cells are skipped; a column that is
    /// missing or not a string column is an error naming it.
    pub fn extract_frame(
        &self,
        frame: &DataFrame,
        columns: &[&str],
    ) -> Result<DataFrame, IocError> {
        let texts = text_columns(frame, columns)?;
        if u32::try_from(frame.height()).is_err() {
            return Err(IocError::TooManyRows {
                rows: frame.height(),
            });
        }
        let mut rows = FrameRows::with_capacity(frame.height());
        let mut buffers = Buffers::default();
        for (name, column) in texts {
            let strings = column.str()?;
            for (row, cell) in strings.iter().enumerate() {
                let Some(text) = cell else {
                    continue;
                };
                for_each_in(self, text, &mut buffers, &mut |f| rows.push(row, name, f));
            }
        }
        rows.into_frame()
    }

    /// Extracts from plain text with one source row per line: the rows
    /// [`IocExtractor::extract_frame`] gives for a `line` column holding `text.lines()`
    /// (`source_column` is `line`, spans are byte offsets in the line), found in one scan of the
    /// whole text instead of one per line.
    ///
    /// The two agree because no pattern matches a line break (`\n` and `\r` are whitespace,
    /// which ends every token) and every check of a token's neighbours treats a line break as
    /// it treats the edge of the text.
    pub fn extract_lines(&self, text: &str) -> Result<DataFrame, IocError> {
        let mut lines = LineIndex::new(text);
        // About one finding per 64 bytes of log text.
        let mut rows = FrameRows::with_capacity(text.len() / 64);
        let mut too_many = None;
        let mut sink = |f: Finding<'_>| {
            let (row, line_start) = lines.locate(f.start);
            if u32::try_from(row).is_err() {
                too_many = Some(row);
                return;
            }
            let f = Finding {
                start: f.start - line_start,
                end: f.end - line_start,
                ..f
            };
            rows.push(row, "line", f);
        };
        super::scan::for_each(self, text, &mut sink);
        if let Some(rows) = too_many {
            return Err(IocError::TooManyRows { rows });
        }
        rows.into_frame()
    }
}

/// Maps byte offsets, visited in increasing order, to (line number, offset of the line's start).
struct LineIndex {
    /// Offsets of every `\n`, found in one pass.
    newlines: Vec<usize>,
    /// How many of them lie before the last offset asked for: its line number.
    line: usize,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex {
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
            line: 0,
        }
    }

    /// The line holding `offset`; offsets must not decrease between calls.
    fn locate(&mut self, offset: usize) -> (usize, usize) {
        while self.newlines.get(self.line).is_some_and(|&nl| nl < offset) {
            self.line += 1;
        }
        let start = match self.line {
            0 => 0,
            n => self.newlines.get(n - 1).map_or(0, |nl| nl + 1),
        };
        (self.line, start)
    }
}

/// Checks the requested columns exist and hold text.
fn text_columns<'a, 'n>(
    frame: &'a DataFrame,
    columns: &[&'n str],
) -> Result<Vec<(&'n str, &'a Column)>, IocError> {
    columns
        .iter()
        .map(|&name| {
            let column = frame.column(name).map_err(|_| IocError::MissingColumn {
                column: name.to_string(),
                available: frame
                    .get_column_names()
                    .iter()
                    .map(|n| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
            if column.dtype() != &DataType::String {
                return Err(IocError::NotText {
                    column: name.to_string(),
                    dtype: column.dtype().to_string(),
                });
            }
            Ok((name, column))
        })
        .collect()
}

/// Column buffers for the extraction frame. Values go straight into a string builder (each
/// finding's `String` is freed at once); type and address class are kept as small codes and
/// turned into text columns by one gather each.
struct FrameRows<'n> {
    source_row: Vec<u32>,
    /// The source column of every row so far, or `None` while they are all `first_column`.
    source_column: Option<Vec<&'n str>>,
    first_column: Option<&'n str>,
    ioc_type: Vec<IdxSize>,
    value: StringChunkedBuilder,
    start: Vec<u32>,
    end: Vec<u32>,
    defanged: Vec<bool>,
    /// Index into `IpClass::ALL`, or its length for no class (a null in the gather table).
    ip_class: Vec<IdxSize>,
}

impl<'n> FrameRows<'n> {
    /// Buffers for about `rows` findings (they grow past it).
    fn with_capacity(rows: usize) -> Self {
        FrameRows {
            source_row: Vec::with_capacity(rows),
            source_column: None,
            first_column: None,
            ioc_type: Vec::with_capacity(rows),
            value: StringChunkedBuilder::new("value".into(), rows),
            start: Vec::with_capacity(rows),
            end: Vec::with_capacity(rows),
            defanged: Vec::with_capacity(rows),
            ip_class: Vec::with_capacity(rows),
        }
    }

    fn push_column(&mut self, column: &'n str) {
        match (&mut self.source_column, self.first_column) {
            (Some(columns), _) => columns.push(column),
            (None, Some(first)) if first != column => {
                let mut columns = vec![first; self.source_row.len()];
                columns.push(column);
                self.source_column = Some(columns);
            }
            (None, Some(_)) => {}
            (None, None) => self.first_column = Some(column),
        }
    }

    fn push(&mut self, row: usize, column: &'n str, ioc: Finding<'_>) {
        // Cells over 4 GiB cannot occur in polars string columns; saturate rather than wrap.
        let offset = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        self.push_column(column);
        self.source_row.push(offset(row));
        self.ioc_type.push(code(ioc.ioc_type as usize));
        self.value.append_value(ioc.value);
        self.start.push(offset(ioc.start));
        self.end.push(offset(ioc.end));
        self.defanged.push(ioc.defanged);
        let no_class = IpClass::ALL.len();
        self.ip_class
            .push(code(ioc.ip_class.map_or(no_class, |c| c as usize)));
    }

    fn into_frame(self) -> Result<DataFrame, IocError> {
        let height = self.source_row.len();
        let types = Series::new(
            "ioc_type".into(),
            IocType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        );
        // The class names and a null after them, for rows without a class.
        let classes = Series::new(
            "ip_class".into(),
            IpClass::ALL
                .iter()
                .map(|c| Some(c.as_str()))
                .chain([None])
                .collect::<Vec<_>>(),
        );
        let gather = |names: &Series, codes: IdxCa| names.take(&codes);
        let columns = vec![
            Column::new("source_row".into(), self.source_row),
            source_column(self.source_column, self.first_column, height),
            gather(&types, IdxCa::from_vec("".into(), self.ioc_type))?.into(),
            self.value.finish().into_column(),
            Column::new("start".into(), self.start),
            Column::new("end".into(), self.end),
            Column::new("defanged".into(), self.defanged),
            gather(&classes, IdxCa::from_vec("".into(), self.ip_class))?.into(),
        ];
        Ok(DataFrame::new(height, columns)?)
    }
}

/// A table index as a gather index (the tables hold a few dozen names).
fn code(index: usize) -> IdxSize {
    IdxSize::try_from(index).unwrap_or(IdxSize::MAX)
}

/// The `source_column` column: one repeated value when every row has the same one (always for
/// plain text), which costs nothing per row.
fn source_column(per_row: Option<Vec<&str>>, first: Option<&str>, height: usize) -> Column {
    let name = "source_column".into();
    match per_row {
        Some(names) => Column::new(name, names),
        None => StringChunked::full(name, first.unwrap_or_default(), height).into_column(),
    }
}

/// One unique indicator and how often it was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IocCount {
    /// What it is.
    pub ioc_type: IocType,
    /// The refanged value.
    pub value: String,
    /// How many times it occurred.
    pub count: usize,
    /// True when any occurrence was defanged.
    pub defanged: bool,
}

/// Unique `(ioc_type, value)` pairs with their counts, ordered by type then value.
pub fn summarise(iocs: &[Ioc]) -> Vec<IocCount> {
    let mut counts: BTreeMap<(IocType, &str), (usize, bool)> = BTreeMap::new();
    for ioc in iocs {
        let entry = counts
            .entry((ioc.ioc_type, ioc.value.as_str()))
            .or_default();
        entry.0 += 1;
        entry.1 |= ioc.defanged;
    }
    counts
        .into_iter()
        .map(|((ioc_type, value), (count, defanged))| IocCount {
            ioc_type,
            value: value.to_string(),
            count,
            defanged,
        })
        .collect()
}

/// Collapses an [`IocExtractor::extract_frame`] result to one row per `(ioc_type, value)`:
/// columns `ioc_type`, `value`, `count` (u32, occurrences), `rows` (u32, distinct source rows),
/// `defanged` (any occurrence defanged), `ip_class`; ordered by type then value.
pub fn summarise_frame(iocs: &DataFrame) -> Result<DataFrame, IocError> {
    let types = iocs.column("ioc_type")?.str()?;
    let values = iocs.column("value")?.str()?;
    let rows = iocs.column("source_row")?.u32()?;
    let defanged = iocs.column("defanged")?.bool()?;
    let classes = iocs.column("ip_class")?.str()?;
    let mut groups: BTreeMap<(&str, &str), Group<'_>> = BTreeMap::new();
    for i in 0..iocs.height() {
        let (Some(t), Some(v)) = (types.get(i), values.get(i)) else {
            continue;
        };
        let group = groups.entry((t, v)).or_default();
        group.count += 1;
        group.rows.extend(rows.get(i));
        group.defanged |= defanged.get(i).unwrap_or(false);
        group.ip_class = group.ip_class.or(classes.get(i));
    }
    summary_frame(groups)
}

#[derive(Default)]
struct Group<'a> {
    count: u32,
    rows: BTreeSet<u32>,
    defanged: bool,
    ip_class: Option<&'a str>,
}

fn summary_frame(groups: BTreeMap<(&str, &str), Group<'_>>) -> Result<DataFrame, IocError> {
    let height = groups.len();
    let types: Vec<&str> = groups.keys().map(|(t, _)| *t).collect();
    let values: Vec<&str> = groups.keys().map(|(_, v)| *v).collect();
    let counts: Vec<u32> = groups.values().map(|g| g.count).collect();
    let rows: Vec<u32> = groups
        .values()
        .map(|g| u32::try_from(g.rows.len()).unwrap_or(u32::MAX))
        .collect();
    let defanged: Vec<bool> = groups.values().map(|g| g.defanged).collect();
    let classes: Vec<Option<&str>> = groups.values().map(|g| g.ip_class).collect();
    let frame = DataFrame::new(
        height,
        vec![
            Column::new("ioc_type".into(), types),
            Column::new("value".into(), values),
            Column::new("count".into(), counts),
            Column::new("rows".into(), rows),
            Column::new("defanged".into(), defanged),
            Column::new("ip_class".into(), classes),
        ],
    )?;
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ioc::IocOptions;

    fn texts(frame: &DataFrame, column: &str) -> Vec<String> {
        let column = frame
            .column(column)
            .unwrap()
            .cast(&DataType::String)
            .unwrap();
        column
            .str()
            .unwrap()
            .iter()
            .flatten()
            .map(String::from)
            .collect()
    }

    /// Rows from several columns keep each row's column; one column is stored as one value.
    #[test]
    fn source_column_per_row_and_constant() {
        let frame = polars::df!(
            "a" => ["10.0.0.1", "none", "x 8.8.8.8"],
            "b" => ["evil.com", "1.1.1.1", "none"],
        )
        .unwrap();
        let ex = IocExtractor::new(IocOptions::default()).unwrap();
        let out = ex.extract_frame(&frame, &["a", "b"]).unwrap();
        assert_eq!(texts(&out, "source_column"), ["a", "a", "b", "b"]);
        assert_eq!(texts(&out, "source_row"), ["0", "2", "0", "1"]);
        assert_eq!(
            texts(&out, "value"),
            ["10.0.0.1", "8.8.8.8", "evil.com", "1.1.1.1"]
        );

        let one = ex.extract_frame(&frame, &["b"]).unwrap();
        assert_eq!(texts(&one, "source_column"), ["b", "b"]);
        let none = ex.extract_frame(&frame.head(Some(0)), &["a"]).unwrap();
        assert_eq!(none.height(), 0);
        assert_eq!(
            none.column("source_column").unwrap().dtype(),
            &DataType::String
        );
    }

    #[test]
    fn frame_columns_and_errors() {
        let ex = IocExtractor::new(IocOptions::default()).unwrap();
        let df = DataFrame::new(
            3,
            vec![
                Column::new(
                    "cmd".into(),
                    [Some("ping 8.8.8.8"), None, Some("curl evil[.]com 8.8.8.8")],
                ),
                Column::new("n".into(), [1i64, 2, 3]),
            ],
        )
        .unwrap();
        let out = ex.extract_frame(&df, &["cmd"]).unwrap();
        let names: Vec<&str> = out.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "source_row",
                "source_column",
                "ioc_type",
                "value",
                "start",
                "end",
                "defanged",
                "ip_class"
            ]
        );
        assert_eq!(out.height(), 3);
        let rows: Vec<Option<u32>> = out
            .column("source_row")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(rows, [Some(0), Some(2), Some(2)]);

        let err = ex.extract_frame(&df, &["n"]).unwrap_err().to_string();
        assert!(err.contains("\"n\"") && err.contains("i64"), "{err}");
        let err = ex.extract_frame(&df, &["nope"]).unwrap_err().to_string();
        assert!(err.contains("nope") && err.contains("cmd"), "{err}");

        let summary = summarise_frame(&out).unwrap();
        assert_eq!(summary.height(), 2);
        let counts: Vec<Option<u32>> = summary
            .column("count")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(counts, [Some(1), Some(2)]);
    }

    #[test]
    fn summarise_counts_repeats() {
        let ex = IocExtractor::new(IocOptions::default()).unwrap();
        let iocs = ex.extract("8.8.8.8 8[.]8[.]8[.]8 evil.com");
        let summary = summarise(&iocs);
        assert_eq!(summary.len(), 2);
        assert_eq!(summary[0].value, "8.8.8.8");
        assert_eq!((summary[0].count, summary[0].defanged), (2, true));
    }
}
