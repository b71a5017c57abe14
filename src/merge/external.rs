//! Merging a file larger than memory: records sorted by cluster on disk,
//! then decided a batch of clusters at a time.
//!
//! The records come in file order, each with its cluster number (numbered
//! by first record, see [`super::clusters`]). They are buffered up to a
//! run size, sorted by (cluster, row) and written to a temporary file;
//! the runs are then read back together, smallest (cluster, row) first, so
//! each cluster's records arrive together and in file order. Batches of
//! whole clusters are laid out as a small table and decided by
//! [`super::decide_gathered`], exactly as [`super::merge`] decides them in
//! memory.
//!
//! Guarantees: clusters come out in number order, each cluster's rows in
//! file order, so the golden rows and every tie broken by row order are
//! those of the in-memory merge; memory holds one run buffer while
//! sorting, and one batch plus a read buffer per run while merging (the
//! spelling counts the vote reads grow with the distinct names and places,
//! not with the file). Temporary files are unlinked as soon as they are
//! created: nothing is left behind, even if the process is killed.

use super::vote::{count_into, Frequencies};
use crate::table::{Column, ColumnBuilder, Table};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Clusters per batch at most (as [`super::merge`] decides them).
const BATCH_CLUSTERS: usize = super::GATHER_CLUSTERS;

/// Records in file order, sorted into runs by cluster.
pub struct Sorter {
    dir: PathBuf,
    run_bytes: usize,
    /// Per buffered record: cluster, row, and its cells' span in `bytes`.
    keys: Vec<(u32, u64, usize, usize)>,
    /// The buffered records' cells: the id, then each column, each as a
    /// 32-bit length and the text.
    bytes: Vec<u8>,
    runs: Vec<File>,
    /// Per column, the spelling counts the vote reads (where it does).
    counts: Vec<Option<Frequencies>>,
    columns: usize,
}

impl Sorter {
    /// Runs of about `run_bytes` in temporary files in `dir`; `counted`
    /// says which columns' spellings are counted (see
    /// [`super::Voters::counts`]).
    pub fn new(dir: &Path, run_bytes: usize, counted: &[bool]) -> Self {
        Sorter {
            dir: dir.to_path_buf(),
            run_bytes: run_bytes.max(1),
            keys: Vec::new(),
            // Reserved once, so the buffer does not double past a run.
            bytes: Vec::with_capacity(run_bytes.max(1) + (64 << 10)),
            runs: Vec::new(),
            counts: counted
                .iter()
                .map(|&c| c.then(Frequencies::default))
                .collect(),
            columns: counted.len(),
        }
    }

    /// Adds a block of records: their ids (as written), clusters, the
    /// file row of the first, and their cells (normalized).
    pub fn push(
        &mut self,
        ids: &Column,
        clusters: &[u32],
        first_row: usize,
        block: &Table,
    ) -> std::io::Result<()> {
        debug_assert_eq!(block.columns.len(), self.columns);
        for (counts, column) in self.counts.iter_mut().zip(&block.columns) {
            if let Some(counts) = counts {
                count_into(counts, column);
            }
        }
        for (i, &cluster) in clusters.iter().enumerate() {
            let start = self.bytes.len();
            push_cell(&mut self.bytes, ids.get(i));
            for column in &block.columns {
                push_cell(&mut self.bytes, column.get(i));
            }
            self.keys
                .push((cluster, (first_row + i) as u64, start, self.bytes.len()));
            if self.bytes.len() >= self.run_bytes {
                self.write_run()?;
            }
        }
        Ok(())
    }

    /// The buffered records, sorted by (cluster, row), as one more run.
    fn write_run(&mut self) -> std::io::Result<()> {
        if self.keys.is_empty() {
            return Ok(());
        }
        self.keys
            .sort_unstable_by_key(|&(cluster, row, ..)| (cluster, row));
        let mut file = tempfile::tempfile_in(&self.dir)?;
        {
            let mut out = BufWriter::with_capacity(1 << 20, &mut file);
            for &(cluster, row, start, end) in &self.keys {
                out.write_all(&cluster.to_le_bytes())?;
                out.write_all(&row.to_le_bytes())?;
                out.write_all(&((end - start) as u32).to_le_bytes())?;
                out.write_all(&self.bytes[start..end])?;
            }
            out.flush()?;
        }
        file.seek(SeekFrom::Start(0))?;
        self.runs.push(file);
        self.keys.clear();
        self.bytes.clear();
        Ok(())
    }

    /// Ends the sort: the runs, ready to be read back, and the counts.
    pub fn finish(mut self) -> std::io::Result<Sorted> {
        self.write_run()?;
        Ok(Sorted {
            runs: self.runs,
            counts: self.counts,
            columns: self.columns,
            batch_bytes: self.run_bytes,
        })
    }
}

fn push_cell(out: &mut Vec<u8>, value: &str) {
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value.as_bytes());
}

/// The runs of a finished sort.
pub struct Sorted {
    runs: Vec<File>,
    counts: Vec<Option<Frequencies>>,
    columns: usize,
    batch_bytes: usize,
}

/// Whole clusters laid out as a table: each cluster's rows together, in
/// file order, clusters in number order from `first_cluster`.
pub struct Batch {
    /// The records' cells (the input's columns).
    pub local: Table,
    /// The records' ids, as written.
    pub ids: Column,
    /// The records' rows in the file.
    pub rows: Vec<usize>,
    /// Per cluster, its rows of `local`.
    pub members: Vec<Vec<usize>>,
    pub first_cluster: u32,
}

impl Sorted {
    /// The runs written (1 when the file fitted one run buffer).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// The spelling counts per column (taken: they are built once).
    pub fn take_counts(&mut self) -> Vec<Option<Frequencies>> {
        std::mem::take(&mut self.counts)
    }

    /// Every cluster, in batches of whole clusters, handed to `visit` in
    /// order; `headers` name `local`'s columns.
    pub fn for_each_batch(
        self,
        headers: &[String],
        mut visit: impl FnMut(Batch) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut readers: Vec<RunReader> = self
            .runs
            .into_iter()
            .map(|file| RunReader {
                input: BufReader::with_capacity(1 << 16, file),
                payload: Vec::new(),
            })
            .collect();
        // The next record of each run, smallest (cluster, row) first.
        let mut heap = BinaryHeap::new();
        for (k, reader) in readers.iter_mut().enumerate() {
            if let Some(key) = reader.next()? {
                heap.push(Reverse((key, k)));
            }
        }
        let mut batch = BatchBuilder::new(self.columns, 1);
        let mut current: Option<u32> = None;
        while let Some(Reverse(((cluster, row), k))) = heap.pop() {
            if current != Some(cluster) {
                if let Some(previous) = current {
                    if cluster != previous + 1 {
                        return Err(corrupt("cluster numbers are not consecutive"));
                    }
                }
                if batch.clusters() >= BATCH_CLUSTERS || batch.bytes >= self.batch_bytes {
                    let next = BatchBuilder::new(self.columns, cluster);
                    visit(std::mem::replace(&mut batch, next).finish(headers)?)?;
                }
                batch.members.push(Vec::new());
                current = Some(cluster);
            }
            batch.push(row as usize, &readers[k].payload)?;
            if let Some(key) = readers[k].next()? {
                heap.push(Reverse((key, k)));
            }
        }
        if batch.clusters() > 0 {
            visit(batch.finish(headers)?)?;
        }
        Ok(())
    }
}

fn corrupt(why: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("a temporary sort file is damaged ({why})"),
    )
}

/// Reads one run's records in order.
struct RunReader {
    input: BufReader<File>,
    /// The cells of the record last read.
    payload: Vec<u8>,
}

impl RunReader {
    /// The next record's (cluster, row), its cells in `payload`; `None` at
    /// the end of the run.
    fn next(&mut self) -> std::io::Result<Option<(u32, u64)>> {
        let mut head = [0u8; 16];
        match self.input.read_exact(&mut head[..4]) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            other => other?,
        }
        self.input.read_exact(&mut head[4..])?;
        let cluster = u32::from_le_bytes(head[..4].try_into().expect("4 bytes"));
        let row = u64::from_le_bytes(head[4..12].try_into().expect("8 bytes"));
        let len = u32::from_le_bytes(head[12..].try_into().expect("4 bytes")) as usize;
        self.payload.resize(len, 0);
        self.input.read_exact(&mut self.payload)?;
        Ok(Some((cluster, row)))
    }
}

struct BatchBuilder {
    /// The id, then the input's columns.
    cells: Vec<ColumnBuilder>,
    rows: Vec<usize>,
    members: Vec<Vec<usize>>,
    first_cluster: u32,
    bytes: usize,
}

impl BatchBuilder {
    fn new(columns: usize, first_cluster: u32) -> Self {
        BatchBuilder {
            cells: (0..=columns).map(|_| ColumnBuilder::default()).collect(),
            rows: Vec::new(),
            members: Vec::new(),
            first_cluster,
            bytes: 0,
        }
    }

    fn clusters(&self) -> usize {
        self.members.len()
    }

    /// Adds a record of the current (last) cluster from its cells.
    fn push(&mut self, row: usize, mut payload: &[u8]) -> std::io::Result<()> {
        self.bytes += payload.len();
        for cells in &mut self.cells {
            let (len, rest) = payload
                .split_first_chunk::<4>()
                .ok_or_else(|| corrupt("a record is cut short"))?;
            let len = u32::from_le_bytes(*len) as usize;
            let (value, rest) = rest
                .split_at_checked(len)
                .ok_or_else(|| corrupt("a record is cut short"))?;
            cells.push_bytes(value);
            payload = rest;
        }
        let local = self.rows.len();
        self.rows.push(row);
        self.members
            .last_mut()
            .expect("a cluster is open")
            .push(local);
        Ok(())
    }

    fn finish(self, headers: &[String]) -> std::io::Result<Batch> {
        let mut columns = self.cells.into_iter().map(ColumnBuilder::finish);
        let ids = columns.next().expect("the id column");
        Ok(Batch {
            local: Table {
                headers: headers.to_vec(),
                columns: columns.collect(),
            },
            ids,
            rows: self.rows,
            members: self.members,
            first_cluster: self.first_cluster,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[[&str; 2]]) -> Table {
        let mut t = Table::new(vec!["First".into(), "Last".into()]);
        for row in rows {
            t.push_row(*row);
        }
        t
    }

    /// Runs of one record each, read back: clusters in number order, rows
    /// in file order within each, batches of whole clusters.
    #[test]
    fn runs_come_back_by_cluster_then_row() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            ["Ann", "Lee"],
            ["Bob", "Roy"],
            ["Anne", "Lee"],
            ["Cy", "Fox"],
            ["Bob", "Roy"],
        ];
        let clusters = [1, 2, 1, 3, 2];
        let ids: Column = ["a", "b", "c", "d", "e"].into_iter().collect();
        let mut sorter = Sorter::new(dir.path(), 1, &[true, false]);
        // Two blocks, the second starting at row 3.
        let first = table(&rows[..3]);
        let second = table(&rows[3..]);
        let first_ids: Column = ids.iter().take(3).collect();
        let second_ids: Column = ids.iter().skip(3).collect();
        sorter.push(&first_ids, &clusters[..3], 0, &first).unwrap();
        sorter
            .push(&second_ids, &clusters[3..], 3, &second)
            .unwrap();
        let mut sorted = sorter.finish().unwrap();
        assert_eq!(sorted.runs(), 5);
        let counts = sorted.take_counts();
        assert!(counts[1].is_none());
        assert_eq!(
            super::super::vote::count(counts[0].as_ref().unwrap(), "Bob"),
            2
        );
        let headers = vec!["First".to_string(), "Last".to_string()];
        let mut seen = Vec::new();
        sorted
            .for_each_batch(&headers, |batch| {
                for (k, members) in batch.members.iter().enumerate() {
                    for &r in members {
                        seen.push((
                            batch.first_cluster as usize + k,
                            batch.rows[r],
                            batch.ids.get(r).to_string(),
                            batch.local.columns[0].get(r).to_string(),
                        ));
                    }
                }
                Ok(())
            })
            .unwrap();
        let expect = [
            (1, 0, "a", "Ann"),
            (1, 2, "c", "Anne"),
            (2, 1, "b", "Bob"),
            (2, 4, "e", "Bob"),
            (3, 3, "d", "Cy"),
        ];
        assert_eq!(seen.len(), expect.len());
        for (got, want) in seen.iter().zip(expect) {
            assert_eq!((got.0, got.1, got.2.as_str(), got.3.as_str()), want);
        }
    }
}
