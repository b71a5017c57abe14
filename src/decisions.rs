//! A steward's decisions: pairs of record ids marked `same` (always one
//! entity) or `different` (never one entity), kept in a CSV the steward
//! edits (`id_a,id_b,decision`, optional `note,who,when`, any other column
//! ignored, so a `--review` file with its `decision` column filled in is a
//! decisions file as it stands).
//!
//! Guarantees: a file is read whole or refused with the row, column and
//! fix (a typo in a verdict is never read as "no decision"); a row with an
//! empty `decision` is undecided and skipped; when one pair appears twice
//! the later row wins (a steward corrects by appending), and the count of
//! overridden rows is reported; the pair is unordered. Decisions name
//! record ids, not rows, so they survive re-runs, new files and entity id
//! changes; ids a run does not hold are counted, not an error (a decisions
//! file outlives the exports it was made on).
//!
//! Resolving ids to the rows of a matching table is the caller's (see
//! [`Decisions::resolve`]); obeying them is clustering's
//! ([`crate::matching::cluster`]).

use crate::io::{self, ReadOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What a steward said about two records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Same,
    Different,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Same => "same",
            Verdict::Different => "different",
        }
    }
}

/// One decision, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id_a: String,
    pub id_b: String,
    pub verdict: Verdict,
    /// 1-based data row in the decisions file (for messages).
    pub row: usize,
    pub note: String,
}

/// A decisions file, read and checked.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    pub path: PathBuf,
    /// One per pair, in the order of the row that decided it.
    pub list: Vec<Decision>,
    /// Rows with an empty `decision` (a review file's unreviewed pairs).
    pub undecided: usize,
    /// Rows a later row about the same pair replaced.
    pub overridden: usize,
}

/// A decision on two rows of a matching table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowDecision {
    pub a: u32,
    pub b: u32,
    pub verdict: Verdict,
    /// Index into [`Decisions::list`].
    pub index: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DecisionsError {
    #[error("cannot read the decisions file `{path}`: {error}")]
    Read {
        path: String,
        error: crate::io::ReadError,
    },
    #[error("the decisions file `{path}` has no `{column}` column (columns: {columns}); it needs the header id_a,id_b,decision (optional note,who,when)")]
    MissingColumn {
        path: String,
        column: &'static str,
        columns: String,
    },
    #[error("the decisions file `{path}` row {row}, column `decision`: `{value}` is not a decision; write `same`, `different`, or leave it empty for undecided")]
    BadVerdict {
        path: String,
        row: usize,
        value: String,
    },
    #[error("the decisions file `{path}` row {row}: {problem}; each decision names two different record ids in `id_a` and `id_b`")]
    BadIds {
        path: String,
        row: usize,
        problem: &'static str,
    },
}

/// Reads and checks a decisions file (CSV, TSV, XLSX or Parquet, in any
/// encoding the readers sniff).
pub fn load(path: &Path) -> Result<Decisions, DecisionsError> {
    let shown = path.display().to_string();
    let read = io::read(path, &ReadOptions::default()).map_err(|error| DecisionsError::Read {
        path: shown.clone(),
        error,
    })?;
    let table = read.table;
    let column = |name: &'static str| {
        table
            .headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let required = |name: &'static str| {
        column(name).ok_or_else(|| DecisionsError::MissingColumn {
            path: shown.clone(),
            column: name,
            columns: table.headers.join(", "),
        })
    };
    let (col_a, col_b, col_decision) =
        (required("id_a")?, required("id_b")?, required("decision")?);
    let col_note = column("note");
    let mut decisions = Decisions {
        path: path.to_path_buf(),
        ..Decisions::default()
    };
    let mut position: HashMap<(String, String), usize> = HashMap::new();
    for r in 0..table.row_count() {
        let row = r + 1;
        let value = table.columns[col_decision].get(r).trim();
        let verdict = match value.to_ascii_lowercase().as_str() {
            "" => {
                decisions.undecided += 1;
                continue;
            }
            "same" => Verdict::Same,
            "different" => Verdict::Different,
            _ => {
                return Err(DecisionsError::BadVerdict {
                    path: shown,
                    row,
                    value: value.to_string(),
                })
            }
        };
        let (a, b) = (
            table.columns[col_a].get(r).trim(),
            table.columns[col_b].get(r).trim(),
        );
        let problem = if a.is_empty() || b.is_empty() {
            Some("an id is empty")
        } else if a == b {
            Some("both ids are the same record")
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(DecisionsError::BadIds {
                path: shown,
                row,
                problem,
            });
        }
        let decision = Decision {
            id_a: a.to_string(),
            id_b: b.to_string(),
            verdict,
            row,
            note: col_note.map_or(String::new(), |c| table.columns[c].get(r).to_string()),
        };
        let key = if a < b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        };
        match position.get(&key) {
            Some(&earlier) => {
                decisions.overridden += 1;
                decisions.list[earlier] = decision;
            }
            None => {
                position.insert(key, decisions.list.len());
                decisions.list.push(decision);
            }
        }
    }
    Ok(decisions)
}

impl Decisions {
    /// The decisions whose two ids both name a row (`row_of`), in file
    /// order, and how many name an id this run does not hold.
    pub fn resolve(&self, row_of: impl Fn(&str) -> Option<u32>) -> (Vec<RowDecision>, usize) {
        let mut resolved = Vec::new();
        let mut unknown = 0;
        for (index, d) in self.list.iter().enumerate() {
            match (row_of(&d.id_a), row_of(&d.id_b)) {
                (Some(a), Some(b)) => resolved.push(RowDecision {
                    a,
                    b,
                    verdict: d.verdict,
                    index,
                }),
                _ => unknown += 1,
            }
        }
        (resolved, unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("decisions.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn later_rows_win_undecided_rows_are_skipped_and_extra_columns_ignored() {
        let (_dir, path) = write(
            "id_a,id_b,decision,note,probability\n\
             c1,c2,same,,0.9\n\
             c3,c4,,,0.8\n\
             c2,c1,Different,wrong twin,0.9\n\
             c5,c6,different,,0.7\n",
        );
        let d = load(&path).unwrap();
        assert_eq!(d.undecided, 1);
        assert_eq!(d.overridden, 1);
        assert_eq!(d.list.len(), 2);
        assert_eq!(d.list[0].verdict, Verdict::Different);
        assert_eq!(d.list[0].note, "wrong twin");
        assert_eq!(d.list[0].row, 3);
        let (rows, unknown) = d.resolve(|id| match id {
            "c1" => Some(0),
            "c2" => Some(7),
            _ => None,
        });
        assert_eq!(unknown, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].a, rows[0].b), (7, 0));
    }

    #[test]
    fn a_typo_in_a_verdict_or_a_self_pair_is_refused_with_its_row() {
        let (_dir, path) = write("id_a,id_b,decision\nc1,c2,same\nc1,c3,sme\n");
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("row 2") && err.contains("`sme`"), "{err}");
        let (_dir, path) = write("id_a,id_b,decision\nc1,c1,different\n");
        let err = load(&path).unwrap_err().to_string();
        assert!(
            err.contains("row 1") && err.contains("same record"),
            "{err}"
        );
        let (_dir, path) = write("a,b,decision\nc1,c2,same\n");
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("no `id_a` column"), "{err}");
    }
}
