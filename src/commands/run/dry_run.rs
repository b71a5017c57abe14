//! `tidyrec run --dry-run`: what a run would read and write, checked
//! without writing anything.

use super::*;

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
    for (input, paths) in c.inputs.iter().zip(files) {
        for path in paths {
            // Each file must be readable tonight: read it (nothing is written)
            // with the input's own options.
            let headers = match io::read(path, &pipeline.read_options(input)?) {
                Ok(r) => format!(
                    "{} rows, {} columns",
                    r.table.row_count(),
                    r.table.headers.len()
                ),
                Err(e) => {
                    unreadable.push(format!("{e}"));
                    "UNREADABLE".to_string()
                }
            };
            writeln!(out, "  [{}] {} ({headers})", input.source, path.display())?;
        }
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
    writeln!(out, "configuration OK; nothing was written (--dry-run)")?;
    Ok(Status::Success)
}
