//! What `dedupe`, `link` and a pipeline's match step share for the
//! steward's loop: the `--decisions`, `--review`, `--review-html` and
//! `--review-below` flags, reading decisions against a run's record ids,
//! writing the review files, and saying what each decision did.

use super::args::parse_probability;
use super::Log;
use crate::decisions::{self, Decisions, RowDecision, Verdict};
use crate::io::write;
use crate::matching::cluster::Effect;
use crate::matching::ReviewPair;
use crate::review;
use anyhow::Result;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Probability from which pairs below the merge threshold are shown for
/// review: below it a pair is very unlikely to be one person.
pub const DEFAULT_REVIEW_BELOW: f64 = 0.5;

#[derive(Debug, Args, Default, Clone)]
pub struct ReviewArgs {
    /// A steward's decisions: CSV with id_a,id_b,decision (`same` or
    /// `different`; optional note,who,when). A `different` pair is never
    /// in one cluster, a `same` pair always is.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Write the pairs to review (below the threshold, from
    /// --review-below up, plus links the guards refused): both records side
    /// by side with per-field weights. Fill in its `decision` column and
    /// pass it to --decisions.
    #[arg(long, value_name = "FILE")]
    pub review: Option<PathBuf>,
    /// The same pairs as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    pub review_html: Option<PathBuf>,
    /// Lowest match probability shown for review [default: 0.5].
    #[arg(long, value_name = "P", value_parser = parse_probability)]
    pub review_below: Option<f64>,
}

impl ReviewArgs {
    /// Reads the decisions file, when one is given.
    pub fn decisions(&self) -> Result<Option<Decisions>> {
        Ok(self.decisions.as_deref().map(decisions::load).transpose()?)
    }

    /// The probability the review band starts at, when a review is asked.
    pub fn band(&self) -> Option<f64> {
        (self.review.is_some() || self.review_html.is_some())
            .then(|| self.review_below.unwrap_or(DEFAULT_REVIEW_BELOW))
    }
}

/// Decisions read and resolved to a run's rows.
pub struct Resolved {
    pub decisions: Decisions,
    pub rows: Vec<RowDecision>,
    /// Decisions naming an id this run does not hold.
    pub unknown: usize,
}

/// What the decisions did in one clustering.
pub struct Applied<'a> {
    pub rows: &'a [RowDecision],
    /// Per row decision: its effect.
    pub effects: &'a [Effect],
    pub unknown: usize,
    pub links_refused: usize,
}

/// Reads `path` (when given) and resolves its ids against `ids`, the
/// record id of each row of the table to match.
pub fn load(path: Option<&std::path::Path>, ids: &[String]) -> Result<Option<Resolved>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let decisions = decisions::load(path)?;
    let row_of: std::collections::HashMap<&str, u32> = ids
        .iter()
        .enumerate()
        .map(|(row, id)| (id.as_str(), row as u32))
        .collect();
    let (rows, unknown) = decisions.resolve(|id| row_of.get(id).copied());
    Ok(Some(Resolved {
        decisions,
        rows,
        unknown,
    }))
}

/// Says what the decisions did (one line; a warning per conflict) and
/// returns the report's `decisions` object.
pub fn note(log: &Log, decisions: &Decisions, applied: Applied) -> serde_json::Value {
    let count = |effect: Effect| applied.effects.iter().filter(|&&e| e == effect).count();
    let same = decisions
        .list
        .iter()
        .filter(|d| d.verdict == Verdict::Same)
        .count();
    let different = decisions.list.len() - same;
    let (joined, together, conflicts, separated, apart) = (
        count(Effect::Joined),
        count(Effect::AlreadyTogether),
        count(Effect::Conflict),
        count(Effect::Separated),
        count(Effect::AlreadyApart),
    );
    let line = format!(
        "decisions: {} from `{}` ({same} same, {different} different): {joined} joined, {separated} kept apart, {apart} already apart{}{}",
        decisions.list.len(),
        decisions.path.display(),
        if together > 0 { format!(", {together} already together") } else { String::new() },
        if applied.unknown > 0 {
            format!("; {} name a record this run does not hold", applied.unknown)
        } else {
            String::new()
        },
    );
    let mut effects = Vec::new();
    for (d, effect) in applied.rows.iter().zip(applied.effects) {
        let decision = &decisions.list[d.index];
        if *effect == Effect::Conflict {
            log.warn(&format!(
                "decisions row {}: `{}` same as `{}` was not applied: it would put two records marked `different` (or two master entities) in one entity",
                decision.row, decision.id_a, decision.id_b
            ));
        } else if log.is_verbose() {
            log.detail(&format!(
                "decision row {}: {} {} {}: {}",
                decision.row,
                decision.id_a,
                decision.verdict.name(),
                decision.id_b,
                effect.name()
            ));
        }
        effects.push(json!({
            "row": decision.row,
            "id_a": decision.id_a,
            "id_b": decision.id_b,
            "decision": decision.verdict,
            "effect": effect,
        }));
    }
    let summary = json!({
        "file": decisions.path.display().to_string(),
        "read": decisions.list.len(),
        "undecided_rows": decisions.undecided,
        "overridden_rows": decisions.overridden,
        "not_in_this_run": applied.unknown,
        "joined": joined,
        "already_together": together,
        "conflicts": conflicts,
        "kept_apart": separated,
        "already_apart": apart,
        "links_refused": applied.links_refused,
        "applied": effects,
    });
    let mut fields = summary.clone();
    if let Some(map) = fields.as_object_mut() {
        map.remove("applied");
    }
    log.event("info", "decisions", &line, fields);
    summary
}

/// Writes the review CSV and page that `args` asks for; returns how many
/// pairs they hold.
pub fn write_files(
    args: &ReviewArgs,
    pairs: &[ReviewPair],
    source: &review::Source,
    csv: write::CsvOptions,
    log: &Log,
) -> Result<usize> {
    if let Some(path) = &args.review {
        write::table(path, &review::table(pairs, source), csv)?;
    }
    if let Some(path) = &args.review_html {
        let page = review::html(pairs, source, "tidyrec review");
        write::atomic(path, |out| out.write_all(page.as_bytes()))?;
    }
    if args.band().is_some() {
        log.event(
            "info",
            "review",
            &format!(
                "review: {} pair(s) to look at (match probability from {} up, not merged)",
                pairs.len(),
                args.review_below.unwrap_or(DEFAULT_REVIEW_BELOW)
            ),
            json!({ "pairs": pairs.len() }),
        );
    }
    Ok(pairs.len())
}
