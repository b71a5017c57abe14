//! The review band: pairs a steward should decide, as a table (CSV, and
//! already a decisions file: fill in its `decision` column and pass it to
//! `--decisions`) and as a self-contained HTML page (no server, no script,
//! no external asset).
//!
//! Guarantees: one row per pair of [`crate::matching::Outcome::review`],
//! both records' values side by side with every field's weight; ordered by
//! how much a decision changes — records a `same` would merge (both
//! clusters' sizes) or a `different` would split (the cluster's size) —
//! then by probability, then by row; the same for any thread count.

use crate::matching::{cluster::Clusters, compare, features::Kind, ReviewPair};
use crate::table::{Column, Table};
use std::fmt::Write as _;

/// Where the review's labels come from.
pub struct Source<'a> {
    /// The matched table's values (row = the pairs' row numbers).
    pub table: &'a Table,
    /// The record id of a row (what a decision names).
    pub id: &'a dyn Fn(usize) -> String,
    /// The cluster (or entity) a row is in, as the outputs name it.
    pub cluster: &'a dyn Fn(usize) -> String,
    pub clusters: &'a Clusters,
    pub kinds: &'a [Kind],
}

/// One pair, with what a decision on it would change.
struct Entry<'a> {
    pair: &'a ReviewPair,
    size_a: usize,
    size_b: usize,
    together: bool,
}

impl Entry<'_> {
    fn impact(&self) -> usize {
        if self.together {
            self.size_a
        } else {
            self.size_a + self.size_b
        }
    }
}

fn entries<'a>(pairs: &'a [ReviewPair], clusters: &Clusters) -> Vec<Entry<'a>> {
    let mut size = vec![0usize; clusters.count + 1];
    for &c in &clusters.cluster_of {
        size[c as usize] += 1;
    }
    let mut entries: Vec<Entry> = pairs
        .iter()
        .map(|pair| {
            let (ca, cb) = (
                clusters.cluster_of[pair.a as usize],
                clusters.cluster_of[pair.b as usize],
            );
            Entry {
                pair,
                size_a: size[ca as usize],
                size_b: size[cb as usize],
                together: ca == cb,
            }
        })
        .collect();
    entries.sort_by(|x, y| {
        y.impact()
            .cmp(&x.impact())
            .then(y.pair.probability.total_cmp(&x.pair.probability))
            .then((x.pair.a, x.pair.b).cmp(&(y.pair.a, y.pair.b)))
    });
    entries
}

/// The review as a table: `id_a, id_b, decision, note`, the pair's
/// probability, weight and clusters, each field's weight, then every
/// column of both records (`a: …`, `b: …`).
pub fn table(pairs: &[ReviewPair], source: &Source) -> Table {
    let mut headers: Vec<String> = [
        "id_a",
        "id_b",
        "decision",
        "note",
        "match_probability",
        "match_weight",
        "records_affected",
        "same_cluster",
        "cluster_a",
        "cluster_a_size",
        "cluster_b",
        "cluster_b_size",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    headers.extend(source.kinds.iter().map(|k| format!("weight_{}", k.name())));
    for h in &source.table.headers {
        headers.push(format!("a: {h}"));
        headers.push(format!("b: {h}"));
    }
    let mut columns: Vec<Column> = headers.iter().map(|_| Column::default()).collect();
    for entry in entries(pairs, source.clusters) {
        let (a, b) = (entry.pair.a as usize, entry.pair.b as usize);
        let mut cells: Vec<String> = vec![
            (source.id)(a),
            (source.id)(b),
            String::new(),
            String::new(),
            format!("{:.6}", entry.pair.probability),
            format!("{:.3}", entry.pair.weight),
            entry.impact().to_string(),
            if entry.together { "yes" } else { "no" }.to_string(),
            (source.cluster)(a),
            entry.size_a.to_string(),
            (source.cluster)(b),
            entry.size_b.to_string(),
        ];
        cells.extend(entry.pair.weights.iter().map(|w| format!("{w:.3}")));
        for column in &source.table.columns {
            cells.push(column.get(a).to_string());
            cells.push(column.get(b).to_string());
        }
        for (column, cell) in columns.iter_mut().zip(&cells) {
            column.push(cell);
        }
    }
    Table { headers, columns }
}

/// The review as one HTML page: a card per pair, fields side by side,
/// values that differ marked, the fields' weights and levels listed.
pub fn html(pairs: &[ReviewPair], source: &Source, title: &str) -> String {
    let mut page = String::with_capacity(4096 + pairs.len() * 2048);
    let _ = write!(
        page,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>\
         body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}}\
         .pair{{border:1px solid #ccc;border-radius:6px;margin:1em 0;padding:.6em 1em}}\
         table{{border-collapse:collapse}}td,th{{padding:2px 10px;text-align:left;vertical-align:top}}\
         tr.diff td.v{{background:#fff3cd}}th{{color:#555;font-weight:600}}\
         .w{{color:#555;font-size:12px}}.pos{{color:#1a7f37}}.neg{{color:#b42318}}\
         </style></head><body>\n<h1>{title}</h1>\n<p>{count} pair(s), most consequential first. \
         To decide, fill in the <code>decision</code> column (<code>same</code> or \
         <code>different</code>) of the review CSV, or add <code>id_a,id_b,decision</code> \
         rows to your decisions file, and re-run with <code>--decisions</code>.</p>\n",
        title = escape(title),
        count = pairs.len()
    );
    for (n, entry) in entries(pairs, source.clusters).iter().enumerate() {
        let (a, b) = (entry.pair.a as usize, entry.pair.b as usize);
        let change = if entry.together {
            format!(
                "in one cluster now; <code>different</code> would split a cluster of {}",
                entry.size_a
            )
        } else {
            format!(
                "apart now; <code>same</code> would merge clusters of {} and {}",
                entry.size_a, entry.size_b
            )
        };
        let _ = write!(
            page,
            "<div class=\"pair\"><h3>{n}. <code>{ida}</code> · <code>{idb}</code> — \
             probability {p:.4}</h3><p>{change} (clusters {ca} and {cb}).</p>\
             <table><tr><th>column</th><th>{ida}</th><th>{idb}</th></tr>",
            n = n + 1,
            ida = escape(&(source.id)(a)),
            idb = escape(&(source.id)(b)),
            p = entry.pair.probability,
            ca = escape(&(source.cluster)(a)),
            cb = escape(&(source.cluster)(b)),
        );
        for (header, column) in source.table.headers.iter().zip(&source.table.columns) {
            let (va, vb) = (column.get(a), column.get(b));
            if va.is_empty() && vb.is_empty() {
                continue;
            }
            let class = if va == vb { "" } else { " class=\"diff\"" };
            let _ = write!(
                page,
                "<tr{class}><th>{}</th><td class=\"v\">{}</td><td class=\"v\">{}</td></tr>",
                escape(header),
                escape(va),
                escape(vb)
            );
        }
        page.push_str("</table><p class=\"w\">");
        for (f, kind) in source.kinds.iter().enumerate() {
            let w = entry.pair.weights[f];
            let level = compare::level_names(*kind)[entry.pair.levels[f] as usize];
            let sign = if w >= 0.0 { "pos" } else { "neg" };
            let _ = write!(
                page,
                "{}: {} <span class=\"{sign}\">{w:+.2}</span> · ",
                kind.name(),
                escape(level)
            );
        }
        page.push_str("</p></div>\n");
    }
    page.push_str("</body></html>\n");
    page
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clusters(cluster_of: Vec<u32>) -> Clusters {
        let count = *cluster_of.iter().max().unwrap() as usize;
        Clusters {
            best_probability: vec![None; cluster_of.len()],
            cluster_of,
            count,
            refused_links: 0,
            decision_effects: Vec::new(),
            refused_by_decisions: 0,
        }
    }

    fn pair(a: u32, b: u32, probability: f64) -> ReviewPair {
        ReviewPair {
            a,
            b,
            probability,
            weight: 1.0,
            levels: vec![1],
            weights: vec![2.5],
        }
    }

    #[test]
    fn pairs_that_change_most_come_first_and_values_are_side_by_side() {
        let table = Table::from_rows(
            &["id", "name"],
            &[
                &["c1", "Ann <Lee>"],
                &["c2", "Anne Lee"],
                &["c3", "Bob"],
                &["c4", "Bob"],
                &["c5", "Bob"],
            ],
        );
        // Clusters: {c1}, {c2}, {c3, c4, c5}.
        let clusters = clusters(vec![1, 2, 3, 3, 3]);
        let id = |r: usize| table.columns[0].get(r).to_string();
        let cluster = |r: usize| clusters.cluster_of[r].to_string();
        let source = Source {
            table: &table,
            id: &id,
            cluster: &cluster,
            clusters: &clusters,
            kinds: &[Kind::Email],
        };
        let pairs = [pair(0, 1, 0.9), pair(2, 4, 0.6), pair(1, 2, 0.7)];
        let review = table_of(&pairs, &source);
        let column = |name: &str| {
            let c = review.headers.iter().position(|h| h == name).unwrap();
            (0..review.row_count())
                .map(|r| review.columns[c].get(r).to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(column("id_a"), ["c2", "c3", "c1"]);
        assert_eq!(column("records_affected"), ["4", "3", "2"]);
        assert_eq!(column("same_cluster"), ["no", "yes", "no"]);
        assert_eq!(column("decision"), ["", "", ""]);
        assert_eq!(column("b: name")[2], "Anne Lee");
        assert_eq!(column("weight_email")[0], "2.500");
        let page = html(&pairs, &source, "Review");
        assert!(page.contains("Ann &lt;Lee&gt;"));
        assert!(!page.contains("<Lee>"));
        assert_eq!(page.matches("class=\"pair\"").count(), 3);
    }

    fn table_of(pairs: &[ReviewPair], source: &Source) -> Table {
        table(pairs, source)
    }
}
