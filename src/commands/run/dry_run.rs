//! `tidyrec run --dry-run`: what a run would read and write, checked
//! without writing anything: every input file is opened and its header
//! read (not the whole file), and every column the pipeline names — in
//! renames, id columns, rule files' `[columns]`, checks and `[segment]` —
//! is resolved against those headers. All problems are reported at once.

use super::*;
use std::collections::BTreeSet;

/// `--dry-run`: what would be read and written; nothing is touched.
pub(super) fn print_plan(pipeline: &Pipeline, files: &[Vec<PathBuf>]) -> Result<Status> {
    let c = &pipeline.config;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "pipeline `{}` ({})",
        c.pipeline.name,
        pipeline.file.display()
    )?;
    writeln!(out, "read:")?;
    let mut unreadable = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    // The columns of the gathered table: every input's, renamed, plus the
    // two the pipeline adds.
    let mut gathered: BTreeSet<String> = [pipeline::SOURCE, RECORD_ID]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (input, paths) in c.inputs.iter().zip(files) {
        for path in paths {
            // Each file must be readable tonight: open it and read its
            // header with the input's own options (nothing is written).
            let headers = match io::read_headers(path, &pipeline.read_options(input)?) {
                Ok(headers) => headers,
                Err(e) => {
                    unreadable.push(format!("{e}"));
                    writeln!(out, "  [{}] {} (UNREADABLE)", input.source, path.display())?;
                    continue;
                }
            };
            writeln!(
                out,
                "  [{}] {} ({} columns)",
                input.source,
                path.display(),
                headers.len()
            )?;
            let file = path.display();
            for from in input.rename.keys() {
                if !headers.contains(from) {
                    problems.push(format!(
                        "input `{}`: rename names column `{from}`, which `{file}` lacks (columns: {})",
                        input.source,
                        headers.join(", ")
                    ));
                }
            }
            let renamed: Vec<String> = headers
                .iter()
                .map(|h| input.rename.get(h).cloned().unwrap_or_else(|| h.clone()))
                .collect();
            if let Some(id) = &input.id_column {
                if !renamed.contains(id) {
                    problems.push(format!(
                        "input `{}`: id-column `{id}` is not a column of `{file}` after renaming (columns: {})",
                        input.source,
                        renamed.join(", ")
                    ));
                }
            }
            if let Some(rules) = &input.rules {
                let rules_path = pipeline.base.join(rules);
                for name in rule_file_columns(&rules_path, &mut problems) {
                    if !renamed.contains(&name) {
                        problems.push(format!(
                            "rule file `{}` (input `{}`): [columns.\"{name}\"] is not a column of `{file}`",
                            rules_path.display(),
                            input.source
                        ));
                    }
                }
            }
            gathered.extend(renamed);
        }
    }
    if unreadable.is_empty() {
        resolve_columns(pipeline, &gathered, &mut problems);
    }
    let mut steps = vec!["normalize".to_string()];
    if let Some(v) = &c.validate {
        steps.push(format!(
            "validate with {}{}",
            v.rules.display(),
            if v.stop_on_failure {
                " (a failure stops the run)"
            } else {
                ""
            }
        ));
    }
    if let Some(m) = &c.matching {
        match (m.mode, &m.master) {
            (MatchMode::Link, Some(master)) => {
                let path = pipeline.output_dir.join(master);
                steps.push(if path.exists() {
                    format!("link to the master {}", path.display())
                } else {
                    format!("dedupe (no master {} yet: first run)", path.display())
                });
            }
            _ => steps.push("dedupe".into()),
        }
    }
    for e in &c.exports {
        steps.push(format!("export for {} → {}", e.target, e.file));
    }
    if let Some(s) = &c.segment {
        steps.push(format!("segment → {}", s.file));
    }
    writeln!(out, "steps: {}", steps.join(" → "))?;
    writeln!(
        out,
        "write (published together into {}):",
        pipeline.output_dir.display()
    )?;
    let mut names = vec![c.outputs.cleaned.clone()];
    if let Some(v) = &c.validate {
        names.push(v.report.clone());
    }
    if c.matching.is_some() {
        names.push(c.outputs.golden.clone());
        names.push(c.outputs.crosswalk.clone());
    }
    names.extend(c.exports.iter().map(|e| e.file.clone()));
    names.extend(c.segment.iter().map(|s| s.file.clone()));
    names.push(c.outputs.summary.clone());
    for name in names {
        writeln!(out, "  {name}")?;
    }
    writeln!(
        out,
        "backups: the previous {} generation(s) in {}; run log: {}",
        c.pipeline.keep,
        pipeline.output_dir.join(".backups").display(),
        pipeline.output_dir.join(&c.pipeline.log).display()
    )?;
    if let Some(first) = unreadable.first() {
        drop(out);
        anyhow::bail!(
            "{} input file(s) cannot be read tonight; the first: {first}",
            unreadable.len()
        );
    }
    if !problems.is_empty() {
        drop(out);
        anyhow::bail!(
            "{} problem(s) in the configuration, each would stop tonight's run:\n  - {}",
            problems.len(),
            problems.join("\n  - ")
        );
    }
    writeln!(out, "configuration OK; nothing was written (--dry-run)")?;
    Ok(Status::Success)
}

/// The columns a rule file's `[columns."…"]` tables name (a rule file that
/// does not load is a problem of its own).
fn rule_file_columns(path: &Path, problems: &mut Vec<String>) -> Vec<String> {
    match crate::config::RuleFile::load(path) {
        Ok(rules) => rules.columns.keys().cloned().collect(),
        Err(e) => {
            problems.push(format!("{e}"));
            Vec::new()
        }
    }
}

/// Checks the columns that the validation, match and segment rule files
/// name against the gathered table's columns.
fn resolve_columns(pipeline: &Pipeline, gathered: &BTreeSet<String>, problems: &mut Vec<String>) {
    let c = &pipeline.config;
    let known = |name: &str| gathered.contains(name);
    let list = || gathered.iter().cloned().collect::<Vec<_>>().join(", ");
    if let Some(v) = &c.validate {
        let path = pipeline.base.join(&v.rules);
        match crate::config::RuleFile::load(&path) {
            Ok(rules) => {
                for check in &rules.checks {
                    for column in check.kind.columns() {
                        let by_role = crate::config::checks::placeholder_role(column).is_some();
                        if !by_role && !known(column) {
                            problems.push(format!(
                                "check `{}` ({}, line {}): column `{column}` is not among the gathered columns ({})",
                                check.name,
                                path.display(),
                                check.line,
                                list()
                            ));
                        }
                    }
                }
                for name in rules.columns.keys().filter(|n| !known(n)) {
                    problems.push(format!(
                        "rule file `{}`: [columns.\"{name}\"] is not among the gathered columns",
                        path.display()
                    ));
                }
            }
            Err(e) => problems.push(format!("{e}")),
        }
    }
    let golden_extra = ["cluster_id", "member_count", "member_ids"];
    for (what, rules) in [
        (
            "[match]",
            c.matching.as_ref().and_then(|m| m.rules.as_ref()),
        ),
        (
            "[segment]",
            c.segment.as_ref().and_then(|s| s.rules.as_ref()),
        ),
    ] {
        let Some(rules) = rules else { continue };
        let path = pipeline.base.join(rules);
        let Ok(file) = crate::config::RuleFile::load(&path) else {
            problems.push(format!(
                "{what} rules `{}` cannot be loaded",
                path.display()
            ));
            continue;
        };
        let segment = &file.segment;
        let named = file
            .columns
            .keys()
            .map(|n| (format!("[columns.\"{n}\"]"), n.clone()))
            .chain(
                [
                    ("recency", &segment.recency),
                    ("frequency", &segment.frequency),
                    ("monetary", &segment.monetary),
                ]
                .into_iter()
                .filter_map(|(key, v)| v.as_ref().map(|v| (format!("[segment] {key}"), v.clone()))),
            );
        for (key, name) in named {
            if !known(&name) && !golden_extra.contains(&name.as_str()) {
                problems.push(format!(
                    "{what} rules `{}`: {key} names `{name}`, which is not among the gathered columns ({})",
                    path.display(),
                    list()
                ));
            }
        }
    }
}
