//! Parquet reading and writing through polars.
//!
//! Every column is cast to text on read (nulls become empty cells), so a
//! Parquet input behaves exactly like the same data in CSV; outputs are
//! written with every column as a UTF-8 string column.

use super::{ReadError, ReadOutcome};
use crate::table::{Column, Table};
use polars::prelude::{
    Column as PlColumn, DataFrame, DataType, ParquetReader, ParquetWriter, SerReader,
};
use std::path::Path;

pub fn read(path: &Path) -> Result<ReadOutcome, ReadError> {
    let error = |message: String| ReadError::Parquet {
        path: path.to_path_buf(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|error| ReadError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let frame = ParquetReader::new(file)
        .finish()
        .map_err(|e| error(format!("not a readable Parquet file ({e})")))?;
    let mut table = Table::default();
    for column in frame.columns() {
        let text = column.cast(&DataType::String).map_err(|e| {
            error(format!(
                "column `{}` cannot be read as text ({e})",
                column.name()
            ))
        })?;
        let values = text
            .str()
            .map_err(|e| error(format!("column `{}`: {e}", column.name())))?;
        table.headers.push(column.name().to_string());
        table
            .columns
            .push(values.iter().map(|v| v.unwrap_or("")).collect::<Column>());
    }
    Ok(ReadOutcome {
        table,
        rejects: Vec::new(),
        format: "parquet",
        encoding: None,
        delimiter: None,
        encoding_guessed: false,
        renamed_headers: Vec::new(),
    })
}

/// Writes `table` as Parquet to `writer` (string columns, no nulls).
pub fn write<W: std::io::Write>(table: &Table, writer: W) -> Result<(), String> {
    let mut frame = frame(table)?;
    ParquetWriter::new(writer)
        .finish(&mut frame)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A Parquet file written block by block (one row group or more per
/// block): the same columns and values as [`write`] of the blocks joined.
pub struct BlockWriter<W: std::io::Write> {
    writer: Option<ParquetWriter<W>>,
    batched: Option<polars::prelude::BatchedWriter<W>>,
}

impl<W: std::io::Write> BlockWriter<W> {
    pub fn new(writer: W) -> Self {
        BlockWriter {
            writer: Some(ParquetWriter::new(writer)),
            batched: None,
        }
    }

    pub fn write(&mut self, table: &Table) -> Result<(), String> {
        let mut frame = frame(table)?;
        frame.rechunk_mut();
        if self.batched.is_none() {
            let writer = self.writer.take().expect("a writer until the first block");
            self.batched = Some(writer.batched(frame.schema()).map_err(|e| e.to_string())?);
        }
        let batched = self.batched.as_mut().expect("batched");
        batched.write_batch(&frame).map_err(|e| e.to_string())
    }

    /// Writes the footer; `empty` gives the columns when no block came.
    pub fn finish(mut self, empty: &Table) -> Result<(), String> {
        if self.batched.is_none() {
            self.write(empty)?;
        }
        self.batched
            .expect("batched")
            .finish()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

fn frame(table: &Table) -> Result<DataFrame, String> {
    let columns: Vec<PlColumn> = table
        .headers
        .iter()
        .zip(&table.columns)
        .map(|(name, column)| {
            PlColumn::new(name.as_str().into(), column.iter().collect::<Vec<&str>>())
        })
        .collect();
    DataFrame::new(table.row_count(), columns).map_err(|e| e.to_string())
}
