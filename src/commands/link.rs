//! `tidyrec link --master MASTER INPUT -o OUTPUT [--crosswalk FILE] …`
//!
//! Matches a new batch against a golden master (the `-o` of `dedupe`, or of
//! an earlier `link`). Each incoming record joins an existing entity or
//! starts a new one with a new id, numbered after the highest id ever used;
//! the master's entities are anchors that are never paired with each other
//! or merged together, so the ids of untouched entities never change and
//! their rows are written back byte for byte. Entities that gain records are
//! re-merged with the usual survivorship rules (the golden row counts as one
//! member). A record whose id the master already lists (`member_ids`) is an
//! update of that entity, not matched again: re-running a batch is stable.
//!
//! The crosswalk maps every record id the master knows to its entity id,
//! with, for this batch, how the record was placed and why.

use super::args::{parse_max_block, parse_probability, InputArgs};
use super::{Log, Status};
use crate::config::RuleFile;
use crate::io::{self, paths, write};
use crate::link::{explanation, IdAllocator};
use crate::matching::{self, compare, features, Settings};
use crate::merge;
use crate::normalize::plan::{build_plan, resolve_region};
use crate::progress::Progress;
use crate::schema::resolve::resolve_roles;
use crate::schema::Role;
use crate::table::{Column, Table};
use anyhow::{bail, Context, Result};
use clap::Args;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The new batch of source records.
    #[command(flatten)]
    pub input: InputArgs,
    /// The golden master (the -o of `tidyrec dedupe` or of an earlier `link`).
    #[arg(long, value_name = "FILE")]
    pub master: PathBuf,
    /// The updated master (CSV or Parquet by extension).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Write every record id with its entity id (and, for this batch, how it was placed).
    #[arg(long, value_name = "FILE")]
    pub crosswalk: Option<PathBuf>,
    /// An earlier crosswalk whose entity ids are never handed out again
    /// [default: the --crosswalk file, when it exists].
    #[arg(long, value_name = "FILE")]
    pub previous_crosswalk: Option<PathBuf>,
    /// The master's entity id column [default: cluster_id, else entity_id].
    #[arg(long, value_name = "COLUMN")]
    pub entity_column: Option<String>,
    /// The batch's record id column (default: the first id column whose values are unique).
    #[arg(long, value_name = "COLUMN")]
    pub id_column: Option<String>,
    /// Rule file: roles, normalization options, survivorship, [dedupe] settings.
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Match probability from which a record joins an entity [default: 0.99].
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub threshold: Option<f64>,
    /// Score with a saved model (from `dedupe --save-model`) instead of training one.
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Save the model used (JSON).
    #[arg(long, value_name = "FILE")]
    pub save_model: Option<PathBuf>,
    /// Write a JSON report (counts, blocking, model, timings).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Blocks with more records than this are skipped [default: 50; 2–5000].
    #[arg(long, value_name = "N", value_parser = parse_max_block)]
    pub max_block: Option<usize>,
    /// Normalize the master's values too (when it is not a tidyrec golden file).
    #[arg(long)]
    pub normalize_master: bool,
    /// Country for phones of rows without one (ISO code or name).
    #[arg(long, value_name = "COUNTRY")]
    pub default_region: Option<String>,
    /// Start CSV output with a UTF-8 byte-order mark (for Excel).
    #[arg(long)]
    pub bom: bool,
    /// Do not neutralize values that a spreadsheet would run as formulas.
    #[arg(long)]
    pub allow_formulas: bool,
}

pub const EXAMPLES: &str = "Examples:
  # Nightly: attach tonight's web sign-ups to the customer master
  tidyrec link --master golden.csv signups.csv -o golden-new.csv --crosswalk crosswalk.csv

  # Score with the model trained when the master was built (consistent run to run)
  tidyrec dedupe customers.csv -o golden.csv --save-model model.json
  tidyrec link --master golden.csv batch.csv -o golden-new.csv --model model.json

  # A master whose entity ids live in another column
  tidyrec link --master master.csv batch.csv -o master-new.csv --entity-column \"Customer Key\"";

/// Master rows that, with the batch, stand for the file in role inference.
const ROLE_SAMPLE_ROWS: usize = 50_000;

/// Columns the golden format adds (see `dedupe`).
const MEMBER_COUNT: &str = "member_count";
const MEMBER_IDS: &str = "member_ids";

/// How a batch record found its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Its id is already a member of this entity: an update.
    Known,
    /// Matched an existing entity.
    Attached,
    /// Starts (alone or with other batch records) a new entity.
    New,
}

impl Placement {
    fn name(self) -> &'static str {
        match self {
            Placement::Known => "known",
            Placement::Attached => "attached",
            Placement::New => "new",
        }
    }
}

pub fn run(args: &LinkArgs, log: &Log, progress: &dyn Progress) -> Result<Status> {
    link(&LinkSettings::from_args(args), None, log, progress).map(|_| Status::Success)
}

/// A link run's settings, resolved from the flags (or a pipeline's file)
/// before a row is read.
pub struct LinkSettings {
    pub batch: PathBuf,
    pub read: io::ReadOptions,
    pub lenient: bool,
    /// Where unreadable batch rows go (`--lenient`).
    pub rejects: PathBuf,
    pub master: PathBuf,
    pub output: PathBuf,
    pub crosswalk: Option<PathBuf>,
    pub previous_crosswalk: Option<PathBuf>,
    pub entity_column: Option<String>,
    pub id_column: Option<String>,
    pub rules: Option<PathBuf>,
    pub threshold: Option<f64>,
    pub model: Option<PathBuf>,
    pub save_model: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub max_block: Option<usize>,
    pub normalize_master: bool,
    pub default_region: Option<String>,
    pub bom: bool,
    pub allow_formulas: bool,
}

impl LinkSettings {
    fn from_args(args: &LinkArgs) -> LinkSettings {
        LinkSettings {
            batch: args.input.input.clone(),
            read: super::read_options(&args.input),
            lenient: args.input.lenient,
            rejects: super::rejects_path(&args.input, &args.output),
            master: args.master.clone(),
            output: args.output.clone(),
            crosswalk: args.crosswalk.clone(),
            previous_crosswalk: args.previous_crosswalk.clone(),
            entity_column: args.entity_column.clone(),
            id_column: args.id_column.clone(),
            rules: args.rules.clone(),
            threshold: args.threshold,
            model: args.model.clone(),
            save_model: args.save_model.clone(),
            report: args.report.clone(),
            max_block: args.max_block,
            normalize_master: args.normalize_master,
            default_region: args.default_region.clone(),
            bom: args.bom,
            allow_formulas: args.allow_formulas,
        }
    }
}

/// Where a link run put the batch's records.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkOutcome {
    pub batch_records: usize,
    pub known_records: usize,
    pub attached_records: usize,
    pub new_records: usize,
    pub new_entities: usize,
    pub entities_updated: usize,
    pub entities: usize,
}

pub(crate) fn link(
    config: &LinkSettings,
    batch: Option<io::ReadOutcome>,
    log: &Log,
    progress: &dyn Progress,
) -> Result<LinkOutcome> {
    let started = Instant::now();
    let batch_path = &config.batch;
    let master_path = &config.master;
    let output_path = &config.output;
    write::ensure_writable_format(output_path)?;
    let mut plan = paths::Plan::new();
    plan.read("INPUT", Some(batch_path));
    if config.lenient {
        plan.write("--rejects", Some(&config.rejects));
    }
    plan.read("--master", Some(master_path))
        .read("--rules", config.rules.as_deref())
        .read("--model", config.model.as_deref())
        .write("-o", Some(output_path))
        .write("--crosswalk", config.crosswalk.as_deref())
        .write("--report", config.report.as_deref())
        .write("--save-model", config.save_model.as_deref());
    // The previous crosswalk is, by design, the crosswalk this run updates
    // (the default): only a different file is protected as an input.
    if let Some(previous) = &config.previous_crosswalk {
        let mut same = paths::Plan::new();
        same.read("--previous-crosswalk", Some(previous))
            .write("--crosswalk", config.crosswalk.as_deref());
        if same.check_overlaps().is_ok() {
            plan.read("--previous-crosswalk", Some(previous));
        }
    }
    plan.check()?;
    let rules = RuleFile::load_optional(config.rules.as_deref())?;
    let default_region = resolve_region(config.default_region.as_deref(), &rules)?;
    let saved_model = config
        .model
        .as_deref()
        .map(crate::matching::load_model)
        .transpose()?;

    // Master: its data columns, entity ids and member ids.
    let master = io::read(master_path, &io::ReadOptions::default())?.table;
    let entity_col = match &config.entity_column {
        Some(name) => master.column_index(name).with_context(|| {
            format!(
                "--entity-column `{name}` is not in the master `{}` (columns: {})",
                master_path.display(),
                master.headers.join(", ")
            )
        })?,
        None => ["cluster_id", "entity_id"]
            .iter()
            .find_map(|n| master.column_index(n))
            .with_context(|| {
                format!(
                    "the master `{}` has no `cluster_id` or `entity_id` column; pass the golden file of `tidyrec dedupe`, or name the id column with --entity-column",
                    master_path.display()
                )
            })?,
    };
    let count_col = master.column_index(MEMBER_COUNT);
    let ids_col = master.column_index(MEMBER_IDS);
    let bookkeeping = [Some(entity_col), count_col, ids_col];
    let data_cols: Vec<usize> = (0..master.headers.len())
        .filter(|c| !bookkeeping.contains(&Some(*c)))
        .collect();
    let master_rows = master.row_count();
    {
        let mut seen = std::collections::HashSet::new();
        for row in 0..master_rows {
            let id = master.columns[entity_col].get(row);
            if id.trim().is_empty() || !seen.insert(id) {
                bail!(
                    "the master `{}` row {} has {} entity id `{id}` in `{}`; every entity needs its own id",
                    master_path.display(),
                    row + 1,
                    if id.trim().is_empty() { "an empty" } else { "a repeated" },
                    master.headers[entity_col]
                );
            }
        }
    }

    // Batch, laid out in the master's data columns (plus any new ones).
    let read = match batch {
        Some(read) => read,
        None => io::read(batch_path, &config.read)?,
    };
    super::note_read(log, batch_path, &read);
    let batch = &read.table;
    for name in [MEMBER_COUNT, MEMBER_IDS, &master.headers[entity_col]] {
        if batch.column_index(name).is_some() {
            bail!(
                "the batch `{}` has a `{name}` column, which belongs to the master; link takes source records, not golden rows",
                batch_path.display()
            );
        }
    }
    let mut headers: Vec<String> = data_cols
        .iter()
        .map(|&c| master.headers[c].clone())
        .collect();
    let new_columns: Vec<String> = batch
        .headers
        .iter()
        .filter(|h| !headers.contains(h))
        .cloned()
        .collect();
    if !new_columns.is_empty() {
        log.warn(&format!(
            "the batch has column(s) the master lacks, added to the master: {}",
            new_columns.join(", ")
        ));
    }
    headers.extend(new_columns.iter().cloned());
    let batch_rows = batch.row_count();
    let aligned_batch = Table {
        headers: headers.clone(),
        columns: headers
            .iter()
            .map(|h| match batch.column_index(h) {
                Some(c) => batch.columns[c].clone(),
                None => empty_column(batch_rows),
            })
            .collect(),
    };
    // The master's data columns move into the matching table (no copy);
    // its entity and member columns stay in `master`.
    let mut master = master;
    let mut master_data = Table {
        headers: headers.clone(),
        columns: data_cols
            .iter()
            .map(|&c| std::mem::take(&mut master.columns[c]))
            .chain(new_columns.iter().map(|_| empty_column(master_rows)))
            .collect(),
    };

    // Roles from master and batch together. Inference reads a sample from
    // the top of each column, so the master's first rows and the batch
    // stand for the whole.
    let head = master_rows.min(ROLE_SAMPLE_ROWS);
    let mut sample = Table::new(headers.clone());
    for row in 0..head {
        sample.push_row(master_data.columns.iter().map(|c| c.get(row)));
    }
    for (column, extra) in sample.columns.iter_mut().zip(&aligned_batch.columns) {
        column.append(extra);
    }
    let id_in_batch = config.id_column.as_deref();
    let inferred = resolve_roles(&sample, &rules, id_in_batch, batch_path)?;
    drop(sample);
    let roles: Vec<Role> = inferred.iter().map(|i| i.role).collect();
    let batch_id_col = match id_in_batch {
        Some(name) => aligned_batch.column_index(name),
        None => crate::schema::resolve::default_id_column(&aligned_batch, &roles),
    };
    let batch_ids: Vec<String> = (0..batch_rows)
        .map(|row| match batch_id_col {
            Some(c) => aligned_batch.columns[c].get(row).to_string(),
            None => format!(
                "{}:{}:{}",
                source_name(batch_path),
                row + 1,
                batch.row_fingerprint(row)
            ),
        })
        .collect();
    {
        // Each record id names one record: the crosswalk maps it to one entity.
        let mut seen = std::collections::HashSet::new();
        if let Some((row, id)) = batch_ids
            .iter()
            .enumerate()
            .find(|(_, id)| id.trim().is_empty() || !seen.insert(id.as_str()))
        {
            // The id itself stays out of the message: it can be customer data.
            bail!(
                "the batch `{}` row {} has {} record id; give --id-column a column whose values are all present and unique",
                batch_path.display(),
                row + 1,
                if id.trim().is_empty() { "an empty" } else { "a repeated" }
            );
        }
    }
    if batch_id_col.is_none() {
        log.warn(&format!(
            "the batch has no column of unique record ids; its records are named `{}:ROW:FINGERPRINT` in the crosswalk (set --id-column for ids the CRM knows)",
            source_name(batch_path)
        ));
    }
    let read_time = started.elapsed();

    let normalize_started = Instant::now();
    let plan = build_plan(&aligned_batch, &inferred, &rules, default_region, None);
    let normalized_batch = crate::normalize::run(&aligned_batch, &plan, false, progress).table;
    if config.normalize_master {
        master_data = crate::normalize::run(&master_data, &plan, false, progress).table;
    }
    let normalize_time = normalize_started.elapsed();

    // Records the master already lists are updates of their entity.
    let mut entity_of_member: HashMap<&str, usize> = HashMap::new();
    for row in 0..master_rows {
        match ids_col {
            Some(c) => {
                for id in master.columns[c]
                    .get(row)
                    .split(';')
                    .filter(|s| !s.is_empty())
                {
                    entity_of_member.insert(id, row);
                }
            }
            None => {
                entity_of_member.insert(master.columns[entity_col].get(row), row);
            }
        }
    }
    let mut known: Vec<Option<usize>> = batch_ids
        .iter()
        .map(|id| entity_of_member.get(id.as_str()).copied())
        .collect();
    if batch_id_col.is_none() {
        known.iter_mut().for_each(|k| *k = None);
    }
    let fresh: Vec<usize> = (0..batch_rows).filter(|&r| known[r].is_none()).collect();

    // Match: master rows (anchors) then the fresh batch records.
    let features_started = Instant::now();
    let mut matching_table = master_data;
    for (column, extra) in matching_table
        .columns
        .iter_mut()
        .zip(&normalized_batch.columns)
    {
        for &row in &fresh {
            column.push(extra.get(row));
        }
    }
    let identifiers =
        crate::schema::resolve::identifier_columns(&matching_table, &rules, batch_id_col);
    let sources = features::Sources::from_roles(&headers, &roles, &identifiers);
    let features = features::Features::compute(&matching_table, &sources);
    let features_time = features_started.elapsed();
    if features.kinds.is_empty() {
        bail!(
            "`{}` has no column to match on (names, e-mail, phone, birth date, address…); set roles in a rule file",
            batch_path.display()
        );
    }
    let threshold = config
        .threshold
        .or(rules.dedupe.threshold)
        .unwrap_or(crate::matching::DEFAULT_THRESHOLD);
    let settings = Settings {
        threshold,
        max_block: config
            .max_block
            .or(rules.dedupe.max_block)
            .unwrap_or(matching::MAX_BLOCK)
            .max(2),
        model: saved_model,
        blocking: rules.dedupe.blocking.clone(),
        anchors: master_rows,
    };
    let outcome = matching::run(&features, &settings, progress)?;

    // Place every batch record: known, attached to an anchor, or new.
    let merge_started = Instant::now();
    let clusters = &outcome.clusters;
    let mut anchor_of_cluster: HashMap<u32, usize> = HashMap::new();
    for row in 0..master_rows {
        anchor_of_cluster.insert(clusters.cluster_of[row], row);
    }
    let mut allocator = IdAllocator::after(
        master.columns[entity_col].iter().chain(
            crosswalk_entity_ids(
                config
                    .previous_crosswalk
                    .as_deref()
                    .or(config.crosswalk.as_deref()),
            )?
            .iter()
            .map(String::as_str),
        ),
    )?;
    // Per batch row: (master row or new entity index, placement).
    let mut new_entities: Vec<(String, Vec<usize>)> = Vec::new();
    let mut new_of_cluster: HashMap<u32, usize> = HashMap::new();
    let mut placed: Vec<(Target, Placement)> =
        vec![(Target::Master(0), Placement::Known); batch_rows];
    for (r, k) in known.iter().enumerate() {
        if let Some(m) = k {
            placed[r] = (Target::Master(*m), Placement::Known);
        }
    }
    for (i, &r) in fresh.iter().enumerate() {
        let cluster = clusters.cluster_of[master_rows + i];
        placed[r] = match anchor_of_cluster.get(&cluster) {
            Some(&m) => (Target::Master(m), Placement::Attached),
            None => {
                let n = *new_of_cluster.entry(cluster).or_insert_with(|| {
                    new_entities.push((allocator.next_id(), Vec::new()));
                    new_entities.len() - 1
                });
                new_entities[n].1.push(r);
                (Target::New(n), Placement::New)
            }
        };
    }
    let mut gained: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (r, &(target, _)) in placed.iter().enumerate() {
        if let Target::Master(m) = target {
            gained.entry(m).or_default().push(r);
        }
    }

    // Survivorship over each touched or new entity: golden row + new records.
    let recency = merge::recency_column(&headers, &roles);
    let survivorship =
        crate::merge::survivorship_rules(&headers, &roles, &rules, recency.is_some());
    let mut to_merge = Table::new(headers.clone());
    let mut group_of: Vec<u32> = Vec::new();
    let groups = gained.len() + new_entities.len();
    for (g, (&m, rows)) in gained.iter().enumerate() {
        to_merge.push_row(matching_table.columns.iter().map(|c| c.get(m)));
        group_of.push(g as u32 + 1);
        for &r in rows {
            to_merge.push_row(normalized_batch.columns.iter().map(|c| c.get(r)));
            group_of.push(g as u32 + 1);
        }
    }
    for (n, (_, rows)) in new_entities.iter().enumerate() {
        for &r in rows {
            to_merge.push_row(normalized_batch.columns.iter().map(|c| c.get(r)));
            group_of.push((gained.len() + n) as u32 + 1);
        }
    }
    let merged = merge::merge(&to_merge, &group_of, groups, &survivorship, recency, &roles);
    let merge_time = merge_started.elapsed();

    // The updated master: the input master's columns (new ones appended),
    // built column by column. Untouched entities keep their values as read.
    let write_started = Instant::now();
    let out_headers: Vec<String> = master
        .headers
        .iter()
        .cloned()
        .chain(new_columns.iter().cloned())
        .collect();
    // Per output column, its data column (None: entity id, member columns).
    let data_of_out: Vec<Option<usize>> = out_headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            if bookkeeping.contains(&Some(c)) && c < master.headers.len() {
                None
            } else {
                headers.iter().position(|x| x == h)
            }
        })
        .collect();
    // Per master row, its merged golden row (u32::MAX: untouched).
    let mut merged_row = vec![u32::MAX; master_rows];
    for (g, &m) in gained.keys().enumerate() {
        merged_row[m] = g as u32;
    }
    let old_members = |m: usize| -> Vec<String> {
        match ids_col {
            Some(c) => master.columns[c]
                .get(m)
                .split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            None => Vec::new(),
        }
    };
    // Members of the entities this batch touches or creates.
    let touched_members: Vec<Vec<String>> = gained
        .iter()
        .map(|(&m, rows)| {
            let mut members = old_members(m);
            for &r in rows {
                if !members.contains(&batch_ids[r]) {
                    members.push(batch_ids[r].clone());
                }
            }
            members
        })
        .collect();
    let new_members: Vec<Vec<String>> = new_entities
        .iter()
        .map(|(_, rows)| rows.iter().map(|&r| batch_ids[r].clone()).collect())
        .collect();
    let entity_of_out = |row: usize| -> &str {
        if row < master_rows {
            master.columns[entity_col].get(row)
        } else {
            &new_entities[row - master_rows].0
        }
    };
    let total_rows = master_rows + new_entities.len();
    let out_columns: Vec<Column> = (0..out_headers.len())
        .into_par_iter()
        .map(|c| {
            let mut column = Column::with_capacity(total_rows, 0);
            let members_value = |members: &Vec<String>| -> String {
                if Some(c) == count_col {
                    members.len().to_string()
                } else {
                    members.join(";")
                }
            };
            for (m, &g) in merged_row.iter().enumerate() {
                match data_of_out[c] {
                    _ if c == entity_col => column.push(master.columns[c].get(m)),
                    None if g == u32::MAX => column.push(master.columns[c].get(m)),
                    None => column.push(&members_value(&touched_members[g as usize])),
                    Some(d) if g == u32::MAX => column.push(matching_table.columns[d].get(m)),
                    Some(d) => column.push(merged.table.columns[d].get(g as usize)),
                }
            }
            for (n, (id, _)) in new_entities.iter().enumerate() {
                match data_of_out[c] {
                    _ if c == entity_col => column.push(id),
                    None => column.push(&members_value(&new_members[n])),
                    Some(d) => column.push(merged.table.columns[d].get(gained.len() + n)),
                }
            }
            column
        })
        .collect();
    let out = Table {
        headers: out_headers,
        columns: out_columns,
    };
    let csv_options = write::CsvOptions {
        bom: config.bom,
        allow_formulas: config.allow_formulas,
    };

    // Crosswalk rows for this batch: placement, probability, explanation.
    let batch_info: HashMap<&str, (Placement, String, String)> = {
        let scorer = matching::Scorer {
            features: &features,
            kinds: &outcome.kinds,
            model: &outcome.model,
            tf: &outcome.tf,
            tf_by_row: None,
        };
        let fresh_index: HashMap<usize, usize> =
            fresh.iter().enumerate().map(|(i, &r)| (r, i)).collect();
        let mut levels = vec![0u8; outcome.kinds.len()];
        (0..batch_rows)
            .map(|r| {
                let (target, placement) = placed[r];
                let (probability, why) = match (placement, target) {
                    (Placement::Attached, Target::Master(m)) => {
                        let row = master_rows + fresh_index[&r];
                        let mut weights = vec![0.0; outcome.kinds.len()];
                        let weight = scorer.score(row, m, &mut levels, |f, w| weights[f] = w);
                        let fields: Vec<(&str, &str, f64)> = outcome
                            .kinds
                            .iter()
                            .enumerate()
                            .map(|(f, k)| {
                                (
                                    k.name(),
                                    compare::level_names(*k)[levels[f] as usize],
                                    weights[f],
                                )
                            })
                            .collect();
                        (
                            format!("{:.6}", matching::probability(weight)),
                            explanation(&fields, 4),
                        )
                    }
                    (Placement::New, _) => (
                        clusters.best_probability[master_rows + fresh_index[&r]]
                            .map_or(String::new(), |p| format!("{p:.6}")),
                        String::new(),
                    ),
                    _ => (String::new(), "record id already in the master".to_string()),
                };
                (batch_ids[r].as_str(), (placement, probability, why))
            })
            .collect()
    };
    let (written, crosswalk_written) = rayon::join(
        || write::table(output_path, &out, csv_options),
        || match &config.crosswalk {
            Some(path) => write::atomic(path, |w| {
                let mut writer = csv::Writer::from_writer(w);
                writer.write_record([
                    "record_id",
                    "entity_id",
                    "status",
                    "match_probability",
                    "explanation",
                ])?;
                let options = write::CsvOptions::default();
                let mut emit = |id: &str, entity: &str| -> std::io::Result<()> {
                    let (status, p, why) = match batch_info.get(id) {
                        Some((placement, p, why)) => (placement.name(), p.as_str(), why.as_str()),
                        None => ("existing", "", ""),
                    };
                    writer
                        .write_record([
                            write::guard(id, options).as_ref(),
                            write::guard(entity, options).as_ref(),
                            status,
                            p,
                            write::guard(why, options).as_ref(),
                        ])
                        .map_err(std::io::Error::from)
                };
                for row in 0..total_rows {
                    let entity = entity_of_out(row);
                    let members: Option<&Vec<String>> = if row >= master_rows {
                        Some(&new_members[row - master_rows])
                    } else if merged_row[row] != u32::MAX {
                        Some(&touched_members[merged_row[row] as usize])
                    } else {
                        None
                    };
                    if ids_col.is_none() && row < master_rows && members.is_some() {
                        // A master without member ids: the entity stands for itself.
                        emit(entity, entity)?;
                    }
                    match (members, ids_col) {
                        (Some(members), _) => {
                            for id in members {
                                emit(id, entity)?;
                            }
                        }
                        (None, Some(c)) => {
                            for id in master.columns[c]
                                .get(row)
                                .split(';')
                                .filter(|s| !s.is_empty())
                            {
                                emit(id, entity)?;
                            }
                        }
                        // A master without member ids: the entity stands for itself.
                        (None, None) => emit(entity, entity)?,
                    }
                }
                writer.flush()
            }),
            None => Ok(()),
        },
    );
    written?;
    crosswalk_written?;
    super::write_rejects(&config.rejects, &read.rejects, batch_rows, log)?;
    if let Some(path) = &config.save_model {
        write::json(path, &outcome.model)?;
    }
    let write_time = write_started.elapsed();

    let count = |p: Placement| placed.iter().filter(|(_, q)| *q == p).count();
    let (known_n, attached_n, new_n) = (
        count(Placement::Known),
        count(Placement::Attached),
        count(Placement::New),
    );
    let timings = crate::report::phase_timings(
        [
            ("read", read_time),
            ("normalize", normalize_time),
            ("features", features_time),
        ],
        &outcome.stats,
        [("merge", merge_time), ("write", write_time)],
        started.elapsed(),
    );
    if let Some(path) = &config.report {
        let report = serde_json::json!({
            "version": crate::report::VERSION,
            "command": "link",
            "master": master_path,
            "input": batch_path,
            "output": output_path,
            "master_entities": master_rows,
            "batch_records": batch_rows,
            "known_records": known_n,
            "attached_records": attached_n,
            "new_records": new_n,
            "new_entities": new_entities.len(),
            "entities_updated": gained.len(),
            "entities": out.row_count(),
            "threshold": threshold,
            "candidate_pairs": outcome.stats.candidate_pairs,
            "matched_pairs": outcome.stats.matched_pairs,
            "blocking": outcome.stats.blocking,
            "model": outcome.model,
            "timings_ms": timings.iter().map(|(k, d)| (k.to_string(), d.as_millis() as u64)).collect::<BTreeMap<_, _>>(),
        });
        write::json(path, &report)?;
    }
    log.timings(&timings);
    log.info(&format!(
        "{batch_rows} records → {attached_n} attached to existing entities, {known_n} already known, {new_n} in {} new entities ({} entities updated) in {:.2}s → {}",
        new_entities.len(),
        gained.len(),
        started.elapsed().as_secs_f64(),
        output_path.display()
    ));
    Ok(LinkOutcome {
        batch_records: batch_rows,
        known_records: known_n,
        attached_records: attached_n,
        new_records: new_n,
        new_entities: new_entities.len(),
        entities_updated: gained.len(),
        entities: out.row_count(),
    })
}

/// Where a batch record went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Row of the master.
    Master(usize),
    /// Index of a new entity.
    New(usize),
}

fn empty_column(rows: usize) -> Column {
    let mut column = Column::with_capacity(rows, 0);
    for _ in 0..rows {
        column.push("");
    }
    column
}

/// The file name without extension, naming records of a batch without ids.
fn source_name(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("batch")
        .to_string()
}

/// Entity ids an earlier crosswalk names (ids of entities no longer in the
/// master must not be handed out again). Empty when there is none yet.
fn crosswalk_entity_ids(path: Option<&Path>) -> Result<Vec<String>> {
    let Some(path) = path.filter(|p| p.exists()) else {
        return Ok(Vec::new());
    };
    let table = io::read(path, &io::ReadOptions::default())?.table;
    let Some(c) = table.column_index("entity_id") else {
        bail!(
            "the crosswalk `{}` has no `entity_id` column; it is not a tidyrec crosswalk (move it away or choose another path)",
            path.display()
        );
    };
    Ok(table.columns[c].iter().map(str::to_string).collect())
}
