//! Stacking result frames whose columns may differ (chunks of a split query).

use polars::prelude::{Column, DataFrame, DataType, PlSmallStr};

use crate::DataError;

/// Stacks frames top to bottom over the union of their columns (in first-seen order).
/// A column missing from a frame is filled with nulls; a column whose type differs between
/// frames is written as text in all of them.
pub fn concat(frames: Vec<DataFrame>) -> Result<DataFrame, DataError> {
    let frames: Vec<DataFrame> = frames
        .into_iter()
        .filter(|frame| frame.width() > 0)
        .collect();
    let Some(first) = frames.first() else {
        return Ok(DataFrame::empty());
    };
    if frames.iter().all(|frame| frame.schema() == first.schema()) {
        return stack(frames);
    }
    let columns = union_columns(&frames);
    let aligned = frames
        .iter()
        .map(|frame| align(frame, &columns))
        .collect::<Result<Vec<_>, _>>()?;
    stack(aligned)
}

fn stack(frames: Vec<DataFrame>) -> Result<DataFrame, DataError> {
    let mut frames = frames.into_iter();
    let Some(mut out) = frames.next() else {
        return Ok(DataFrame::empty());
    };
    for frame in frames {
        out.vstack_mut_owned(frame)
            .map_err(|e| DataError::frame("stacking query results", e))?;
    }
    out.rechunk_mut();
    Ok(out)
}

/// Every column name with the type it has in all frames, or `String` where they disagree.
fn union_columns(frames: &[DataFrame]) -> Vec<(PlSmallStr, DataType)> {
    let mut columns: Vec<(PlSmallStr, DataType)> = Vec::new();
    for frame in frames {
        for column in frame.columns() {
            match columns.iter_mut().find(|(name, _)| name == column.name()) {
                Some((_, dtype)) if dtype == column.dtype() => {}
                Some((_, dtype)) if *dtype == DataType::Null => *dtype = column.dtype().clone(),
                Some((_, dtype)) if *column.dtype() == DataType::Null => {}
                Some((_, dtype)) => *dtype = DataType::String,
                None => columns.push((column.name().clone(), column.dtype().clone())),
            }
        }
    }
    columns
}

fn align(frame: &DataFrame, columns: &[(PlSmallStr, DataType)]) -> Result<DataFrame, DataError> {
    let height = frame.height();
    let mut out = Vec::with_capacity(columns.len());
    for (name, dtype) in columns {
        let column = match frame.column(name) {
            Ok(column) if column.dtype() == dtype => column.clone(),
            Ok(column) => column
                .cast(dtype)
                .map_err(|e| DataError::frame(format!("aligning column {name}"), e))?,
            Err(_) => Column::full_null(name.clone(), height, dtype),
        };
        out.push(column);
    }
    DataFrame::new(height, out).map_err(|e| DataError::frame("aligning query results", e))
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    #[test]
    fn differing_columns_are_unioned() -> Result<(), Box<dyn std::error::Error>> {
        let a = df!("x" => [1i64, 2], "y" => ["a", "b"])?;
        let b = df!("x" => ["3"], "z" => [true])?;
        let out = super::concat(vec![a, b])?;
        assert_eq!(out.shape(), (3, 3));
        assert_eq!(out.column("x")?.dtype(), &DataType::String);
        assert_eq!(out.column("z")?.null_count(), 2);
        Ok(())
    }
}
