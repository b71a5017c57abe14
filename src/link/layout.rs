//! The master split into data and bookkeeping columns, the batch laid out
//! in the master's columns, the roles of both, and the batch's record ids.

use super::{AttachSettings, LinkError, MEMBER_COUNT, MEMBER_IDS};
use crate::schema::resolve::{default_id_column, resolve_roles};
use crate::schema::{Inferred, Role};
use crate::table::{Column, Table};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Master rows that, with the batch, stand for the file in role inference.
const ROLE_SAMPLE_ROWS: usize = 50_000;

/// The master as read: its entity id, member count and member ids
/// columns, and the data columns that take part in matching.
pub(super) struct Master {
    pub table: Table,
    pub entity_col: usize,
    pub count_col: Option<usize>,
    pub ids_col: Option<usize>,
    pub data_cols: Vec<usize>,
    pub rows: usize,
}

impl Master {
    /// Finds the bookkeeping columns and checks every entity has its own id.
    pub fn split(
        table: Table,
        entity_column: Option<&str>,
        name: &Path,
    ) -> Result<Master, LinkError> {
        let master = name.display().to_string();
        let entity_col = match entity_column {
            Some(column) => {
                table
                    .column_index(column)
                    .ok_or_else(|| LinkError::EntityColumnNotFound {
                        name: column.to_string(),
                        master: master.clone(),
                        columns: table.headers.join(", "),
                    })?
            }
            None => ["cluster_id", "entity_id"]
                .iter()
                .find_map(|n| table.column_index(n))
                .ok_or_else(|| LinkError::NoEntityColumn {
                    master: master.clone(),
                })?,
        };
        let count_col = table.column_index(MEMBER_COUNT);
        let ids_col = table.column_index(MEMBER_IDS);
        let bookkeeping = [Some(entity_col), count_col, ids_col];
        let data_cols: Vec<usize> = (0..table.headers.len())
            .filter(|c| !bookkeeping.contains(&Some(*c)))
            .collect();
        let rows = table.row_count();
        let mut seen = HashSet::new();
        for row in 0..rows {
            let id = table.columns[entity_col].get(row);
            if id.trim().is_empty() || !seen.insert(id) {
                return Err(LinkError::BadEntityId {
                    master,
                    row: row + 1,
                    which: if id.trim().is_empty() {
                        "an empty"
                    } else {
                        "a repeated"
                    },
                    id: id.to_string(),
                    column: table.headers[entity_col].clone(),
                });
            }
        }
        Ok(Master {
            table,
            entity_col,
            count_col,
            ids_col,
            data_cols,
            rows,
        })
    }

    /// Whether output column `c` (same index as the master's) is the
    /// entity id or a member column.
    pub fn is_bookkeeping(&self, c: usize) -> bool {
        c < self.table.headers.len()
            && [Some(self.entity_col), self.count_col, self.ids_col].contains(&Some(c))
    }

    /// The entity id of master row `row`.
    pub fn entity_id(&self, row: usize) -> &str {
        self.table.columns[self.entity_col].get(row)
    }

    /// Member ids of master row `row` (empty without a member ids column).
    pub fn members(&self, row: usize) -> impl Iterator<Item = &str> {
        self.ids_col
            .map(|c| self.table.columns[c].get(row))
            .unwrap_or("")
            .split(';')
            .filter(|s| !s.is_empty())
    }

    /// The data columns, moved out (no copy) into the layout's columns;
    /// columns only the batch has are empty. The bookkeeping stays.
    pub fn take_data(&mut self, layout: &Layout) -> Table {
        let rows = self.rows;
        Table {
            headers: layout.headers.clone(),
            columns: self
                .data_cols
                .iter()
                .map(|&c| std::mem::take(&mut self.table.columns[c]))
                .chain(layout.new_columns.iter().map(|_| empty_column(rows)))
                .collect(),
        }
    }

    /// Per batch record, the master row that already lists its id (an
    /// update); none when the batch has no id column of its own.
    pub fn known_members(&self, records: &Records) -> Vec<Option<usize>> {
        if records.id_column.is_none() {
            return vec![None; records.ids.len()];
        }
        let mut entity_of_member: HashMap<&str, usize> = HashMap::new();
        for row in 0..self.rows {
            if self.ids_col.is_some() {
                for id in self.members(row) {
                    entity_of_member.insert(id, row);
                }
            } else {
                entity_of_member.insert(self.entity_id(row), row);
            }
        }
        records
            .ids
            .iter()
            .map(|id| entity_of_member.get(id.as_str()).copied())
            .collect()
    }
}

/// The columns of the updated master and the batch laid out in them.
pub(super) struct Layout {
    /// The master's data columns, then the batch's new ones.
    pub headers: Vec<String>,
    pub new_columns: Vec<String>,
    /// The batch in `headers` order (empty where it lacks a column).
    pub batch: Table,
    /// Inferred from master and batch together ([`Layout::infer_roles`]).
    pub roles: Vec<Role>,
}

impl Layout {
    pub fn align(master: &Master, batch: &Table, name: &Path) -> Result<Layout, LinkError> {
        let entity_header = &master.table.headers[master.entity_col];
        for column in [MEMBER_COUNT, MEMBER_IDS, entity_header] {
            if batch.column_index(column).is_some() {
                return Err(LinkError::MasterColumnInBatch {
                    batch: name.display().to_string(),
                    column: column.to_string(),
                });
            }
        }
        let mut headers: Vec<String> = master
            .data_cols
            .iter()
            .map(|&c| master.table.headers[c].clone())
            .collect();
        let new_columns: Vec<String> = batch
            .headers
            .iter()
            .filter(|h| !headers.contains(h))
            .cloned()
            .collect();
        headers.extend(new_columns.iter().cloned());
        let rows = batch.row_count();
        let aligned = Table {
            headers: headers.clone(),
            columns: headers
                .iter()
                .map(|h| match batch.column_index(h) {
                    Some(c) => batch.columns[c].clone(),
                    None => empty_column(rows),
                })
                .collect(),
        };
        Ok(Layout {
            headers,
            new_columns,
            batch: aligned,
            roles: Vec::new(),
        })
    }

    /// Roles from master and batch together. Inference reads a sample from
    /// the top of each column, so the master's first rows and the batch
    /// stand for the whole.
    pub fn infer_roles(
        &mut self,
        master_data: &Table,
        settings: &AttachSettings,
        batch_name: &Path,
    ) -> Result<Vec<Inferred>, LinkError> {
        let head = master_data.row_count().min(ROLE_SAMPLE_ROWS);
        let mut sample = Table::new(self.headers.clone());
        for row in 0..head {
            sample.push_row(master_data.columns.iter().map(|c| c.get(row)));
        }
        for (column, extra) in sample.columns.iter_mut().zip(&self.batch.columns) {
            column.append(extra);
        }
        let inferred = resolve_roles(&sample, settings.rules, settings.id_column, batch_name)?;
        self.roles = inferred.iter().map(|i| i.role).collect();
        Ok(inferred)
    }

    /// The batch's record ids: its id column's values (each present and
    /// unique), else `SOURCE:ROW:FINGERPRINT`.
    pub fn record_ids(
        &self,
        batch: &Table,
        settings: &AttachSettings,
        batch_name: &Path,
    ) -> Result<Records, LinkError> {
        let id_column = match settings.id_column {
            Some(name) => self.batch.column_index(name),
            None => default_id_column(&self.batch, &self.roles),
        };
        let ids: Vec<String> = (0..batch.row_count())
            .map(|row| match id_column {
                Some(c) => self.batch.columns[c].get(row).to_string(),
                None => format!(
                    "{}:{}:{}",
                    source_name(batch_name),
                    row + 1,
                    batch.row_fingerprint(row)
                ),
            })
            .collect();
        // Each record id names one record: the crosswalk maps it to one entity.
        let mut seen = HashSet::new();
        if let Some((row, id)) = ids
            .iter()
            .enumerate()
            .find(|(_, id)| id.trim().is_empty() || !seen.insert(id.as_str()))
        {
            return Err(LinkError::BadRecordId {
                batch: batch_name.display().to_string(),
                row: row + 1,
                which: if id.trim().is_empty() {
                    "an empty"
                } else {
                    "a repeated"
                },
            });
        }
        Ok(Records {
            ids,
            id_column,
            known: Vec::new(),
        })
    }
}

/// The batch's records by id.
pub(super) struct Records {
    pub ids: Vec<String>,
    /// The batch's id column in the layout (None: ids are fingerprints).
    pub id_column: Option<usize>,
    /// Per record, the master row that already lists it.
    pub known: Vec<Option<usize>>,
}

fn empty_column(rows: usize) -> Column {
    let mut column = Column::with_capacity(rows, 0);
    for _ in 0..rows {
        column.push("");
    }
    column
}

/// The file name without extension, naming records of a batch without ids.
pub fn source_name(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("batch")
        .to_string()
}
