//! The decoded tree as a polars DataFrame, one row per node.

use polars::prelude::*;

use super::unpack::{B64Unpacker, Decoded, spaced_hex};

/// Why a frame could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum B64Error {
    /// The input frame has no such column.
    #[error(
        "column {column:?} is not in the frame (columns: {available}); pass the column holding the text to decode"
    )]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The columns the frame has, comma-separated.
        available: String,
    },
    /// The column is not text.
    #[error("column {column:?} holds {dtype}, not text; cast it to a string column first")]
    NotText {
        /// The column asked for.
        column: String,
        /// Its data type.
        dtype: String,
    },
    /// polars refused to build the output frame.
    #[error("building the base64 output frame failed: {0}")]
    Frame(#[from] PolarsError),
}

/// The output columns, in order.
pub const COLUMNS: [&str; 18] = [
    "src_row",
    "reference",
    "depth",
    "original_string",
    "file_name",
    "file_type",
    "container",
    "encoding_type",
    "decoded_string",
    "printable",
    "printable_bytes",
    "input_bytes",
    "size",
    "md5",
    "sha1",
    "sha256",
    "status",
    "full_decoded_string",
];

/// Rows collected before they become columns.
#[derive(Default)]
struct Rows {
    src_row: Vec<u32>,
    full: Vec<String>,
    nodes: Vec<Decoded>,
}

impl B64Unpacker {
    /// Unpacks every non-null value of `column`: one output row per decoded node, with
    /// `src_row` the input row index. Rows without base64 produce no output rows.
    ///
    /// Columns: see [`COLUMNS`] and `docs/b64.md`.
    pub fn unpack_frame(&self, df: &DataFrame, column: &str) -> Result<DataFrame, B64Error> {
        let values = text_column(df, column)?;

        let mut rows = Rows::default();
        for (row, value) in values.iter().enumerate() {
            let Some(text) = value else { continue };
            let nodes = self.unpack(text);
            if nodes.is_empty() {
                continue;
            }
            let full = super::unpack::expand_with(text, &nodes, self.options());
            for node in nodes {
                rows.src_row.push(row as u32);
                rows.full.push(full.clone());
                rows.nodes.push(node);
            }
        }
        Ok(self.to_frame(rows)?)
    }

    /// The nodes of one string as a frame (`src_row` is 0).
    pub fn unpack_to_frame(&self, text: &str) -> Result<DataFrame, B64Error> {
        let nodes = self.unpack(text);
        let full = super::unpack::expand_with(text, &nodes, self.options());
        let rows = Rows {
            src_row: vec![0; nodes.len()],
            full: vec![full; nodes.len()],
            nodes,
        };
        Ok(self.to_frame(rows)?)
    }

    fn to_frame(&self, rows: Rows) -> PolarsResult<DataFrame> {
        let n = &rows.nodes;
        let max_hex = self.options().max_hex_bytes;
        let opt = |f: &dyn Fn(&Decoded) -> Option<String>| -> Vec<Option<String>> {
            n.iter().map(f).collect()
        };
        let columns = vec![
            Column::new("src_row".into(), &rows.src_row),
            Column::new(
                "reference".into(),
                n.iter().map(Decoded::reference_string).collect::<Vec<_>>(),
            ),
            Column::new(
                "depth".into(),
                n.iter().map(|d| d.depth).collect::<Vec<_>>(),
            ),
            Column::new(
                "original_string".into(),
                n.iter()
                    .map(|d| d.original_string.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new("file_name".into(), opt(&|d| d.file_name.clone())),
            Column::new(
                "file_type".into(),
                n.iter().map(|d| d.file_type.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "container".into(),
                opt(&|d| d.container.map(|c| c.to_string())),
            ),
            Column::new(
                "encoding_type".into(),
                n.iter().map(|d| d.encoding.as_str()).collect::<Vec<_>>(),
            ),
            Column::new("decoded_string".into(), opt(&|d| d.decoded_string.clone())),
            Column::new(
                "printable".into(),
                n.iter().map(Decoded::is_text).collect::<Vec<_>>(),
            ),
            Column::new(
                "printable_bytes".into(),
                n.iter()
                    .map(|d| spaced_hex(&d.bytes, max_hex))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "input_bytes".into(),
                n.iter()
                    .map(|d| Some(d.bytes.as_slice()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "size".into(),
                n.iter().map(|d| d.bytes.len() as u64).collect::<Vec<_>>(),
            ),
            Column::new("md5".into(), opt(&|d| d.md5.clone())),
            Column::new("sha1".into(), opt(&|d| d.sha1.clone())),
            Column::new("sha256".into(), opt(&|d| d.sha256.clone())),
            Column::new(
                "status".into(),
                n.iter().map(|d| d.status.to_string()).collect::<Vec<_>>(),
            ),
            Column::new("full_decoded_string".into(), &rows.full),
        ];
        DataFrame::new(n.len(), columns)
    }
}

/// The values of a string column, or an error naming what is wrong.
fn text_column<'a>(df: &'a DataFrame, column: &str) -> Result<Vec<Option<&'a str>>, B64Error> {
    let col = df.column(column).map_err(|_| B64Error::MissingColumn {
        column: column.to_string(),
        available: df
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    let strings = col.str().map_err(|_| B64Error::NotText {
        column: column.to_string(),
        dtype: col.dtype().to_string(),
    })?;
    Ok(strings.iter().collect())
}
