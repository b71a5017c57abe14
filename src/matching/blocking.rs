//! Blocking: candidate pairs are the records that share a key under at
//! least one rule (same e-mail; same phone; same surname sound and first
//! initial; same birth date and postcode; …). Only these pairs are scored.
//!
//! Guarantees: each pair once (`a < b`), in sorted order, whatever the thread
//! count; a block larger than the cap (a shared office phone, a very common
//! name) is skipped and counted, never allowed to explode the pair count.

use super::features::{Features, Kind};
use rayon::prelude::*;
use serde::Serialize;
use std::hash::{Hash, Hasher};

/// A blocking rule: its name and the key parts it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub name: &'static str,
    parts: &'static [Part],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Email,
    Phone,
    LastPhonetic,
    FirstInitial,
    Birth,
    BirthYear,
    Postal,
    SortedNames,
    Identifier,
    Company,
    Street,
}

impl Rule {
    /// The feature kinds this rule's key is made of (their agreement is
    /// forced among the rule's pairs, so they are left out when training
    /// on those pairs).
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds: Vec<Kind> = self.parts.iter().map(|p| p.kind()).collect();
        if self.parts.contains(&Part::SortedNames) {
            kinds.push(Kind::FirstName);
        }
        kinds
    }
}

impl Part {
    fn kind(self) -> Kind {
        match self {
            Part::Email => Kind::Email,
            Part::Phone => Kind::Phone,
            Part::LastPhonetic | Part::SortedNames => Kind::LastName,
            Part::FirstInitial => Kind::FirstName,
            Part::Birth | Part::BirthYear => Kind::BirthDate,
            Part::Postal => Kind::PostalCode,
            Part::Identifier => Kind::Identifier,
            Part::Company => Kind::Company,
            Part::Street => Kind::Street,
        }
    }
}

/// Every rule tidyrec knows; those whose features the table lacks are dropped.
pub const RULES: &[Rule] = &[
    Rule {
        name: "email",
        parts: &[Part::Email],
    },
    Rule {
        name: "phone",
        parts: &[Part::Phone],
    },
    // Surname sound + initial alone makes huge blocks in big files (every
    // "J. Smith"); a third part keeps them small, two rules keep recall when
    // one of postcode and birth year is missing or mistyped.
    Rule {
        name: "surname sound + first initial + postcode",
        parts: &[Part::LastPhonetic, Part::FirstInitial, Part::Postal],
    },
    Rule {
        name: "surname sound + first initial + birth year",
        parts: &[Part::LastPhonetic, Part::FirstInitial, Part::BirthYear],
    },
    Rule {
        name: "birth date + postcode",
        parts: &[Part::Birth, Part::Postal],
    },
    Rule {
        name: "birth date + first initial",
        parts: &[Part::Birth, Part::FirstInitial],
    },
    Rule {
        name: "names in either order",
        parts: &[Part::SortedNames],
    },
    Rule {
        name: "identifier",
        parts: &[Part::Identifier],
    },
    Rule {
        name: "company + surname sound + first initial",
        parts: &[Part::Company, Part::LastPhonetic, Part::FirstInitial],
    },
    Rule {
        name: "street + postcode",
        parts: &[Part::Street, Part::Postal],
    },
];

/// The rules usable on a table with these feature kinds.
pub fn rules_for(kinds: &[Kind]) -> Vec<Rule> {
    RULES
        .iter()
        .filter(|rule| rule.parts.iter().all(|p| kinds.contains(&p.kind())))
        .copied()
        .collect()
}

/// Counts per rule, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStats {
    pub rule: &'static str,
    pub pairs: u64,
    /// Blocks over the cap, skipped, and the records in them.
    pub oversized_blocks: u64,
    pub records_in_oversized_blocks: u64,
}

pub struct Candidates {
    /// `(a, b)` with `a < b`, sorted, unique.
    pub pairs: Vec<(u32, u32)>,
    pub stats: Vec<RuleStats>,
    /// Per rule, an evenly spread sample of its own pairs (for training).
    pub samples: Vec<Vec<(u32, u32)>>,
}

/// Pairs per rule kept for training.
const TRAINING_SAMPLE: usize = 200_000;

/// Candidate pairs of all `rules`; blocks with more than `max_block` records
/// are skipped. Records below `anchors` (a master's entities, when linking)
/// are not paired with each other.
pub fn candidates(
    features: &Features,
    rules: &[Rule],
    max_block: usize,
    anchors: usize,
) -> Candidates {
    let per_rule: Vec<(Vec<u64>, RuleStats)> = rules
        .par_iter()
        .map(|rule| rule_pairs(features, rule, max_block, anchors as u32))
        .collect();
    let mut stats = Vec::with_capacity(rules.len());
    let mut samples = Vec::with_capacity(rules.len());
    let total: usize = per_rule.iter().map(|(p, _)| p.len()).sum();
    let mut packed: Vec<u64> = Vec::with_capacity(total);
    for (pairs, rule_stats) in per_rule {
        let step = pairs.len().div_ceil(TRAINING_SAMPLE).max(1);
        samples.push(
            pairs
                .iter()
                .step_by(step)
                .map(|&p| ((p >> 32) as u32, p as u32))
                .collect(),
        );
        packed.extend_from_slice(&pairs);
        stats.push(rule_stats);
    }
    packed.par_sort_unstable();
    packed.dedup();
    Candidates {
        pairs: packed
            .into_iter()
            .map(|p| ((p >> 32) as u32, p as u32))
            .collect(),
        stats,
        samples,
    }
}

fn rule_pairs(
    features: &Features,
    rule: &Rule,
    max_block: usize,
    anchors: u32,
) -> (Vec<u64>, RuleStats) {
    let mut keyed: Vec<(u64, u32)> = Vec::with_capacity(features.rows);
    let mut key = String::new();
    for row in 0..features.rows {
        for variant in 0..2 {
            key.clear();
            if !build_key(features, rule, row, variant, &mut key) {
                continue;
            }
            let mut hasher = std::hash::DefaultHasher::new();
            key.hash(&mut hasher);
            keyed.push((hasher.finish(), row as u32));
        }
    }
    keyed.sort_unstable();
    keyed.dedup();
    let mut stats = RuleStats {
        rule: rule.name,
        pairs: 0,
        oversized_blocks: 0,
        records_in_oversized_blocks: 0,
    };
    let mut pairs = Vec::new();
    for block in keyed.chunk_by(|a, b| a.0 == b.0) {
        // Blocks are sorted by record, so a block whose last record is an
        // anchor holds nothing new to pair.
        if block.len() < 2 || block[block.len() - 1].1 < anchors {
            continue;
        }
        if block.len() > max_block {
            stats.oversized_blocks += 1;
            stats.records_in_oversized_blocks += block.len() as u64;
            continue;
        }
        for (i, &(_, a)) in block.iter().enumerate() {
            for &(_, b) in &block[i + 1..] {
                let (a, b) = if a < b { (a, b) } else { (b, a) };
                if a != b && b >= anchors {
                    pairs.push(((a as u64) << 32) | b as u64);
                }
            }
        }
    }
    stats.pairs = pairs.len() as u64;
    (pairs, stats)
}

/// Writes the key of `row` under `rule` into `key`; false when a part is
/// empty. `variant` 1 is the record's second phone (other parts have one).
fn build_key(features: &Features, rule: &Rule, row: usize, variant: u8, key: &mut String) -> bool {
    if variant == 1 && !rule.parts.contains(&Part::Phone) {
        return false;
    }
    for part in rule.parts {
        let value: &str = match part {
            Part::Email => features.email.get(row),
            Part::Phone if variant == 1 => features.phone_second.get(row),
            Part::Phone => features.phone.get(row),
            Part::LastPhonetic => features.last_phonetic.get(row),
            Part::FirstInitial => {
                let first = features.first.get(row);
                first
                    .get(..first.chars().next().map_or(0, char::len_utf8))
                    .unwrap_or("")
            }
            Part::Birth => features.birth.get(row),
            Part::BirthYear => features.birth.get(row).get(..4).unwrap_or_default(),
            Part::Postal => features.postal.get(row),
            Part::Identifier => features.identifier.get(row),
            Part::Company => features.company.get(row),
            Part::Street => features.street.get(row),
            Part::SortedNames => {
                let (a, b) = (features.first.get(row), features.last.get(row));
                if a.is_empty() || b.is_empty() {
                    return false;
                }
                let (x, y) = if a <= b { (a, b) } else { (b, a) };
                key.push_str(x);
                key.push('\u{1F}');
                y
            }
        };
        if value.is_empty() {
            return false;
        }
        key.push_str(value);
        key.push('\u{1F}');
    }
    true
}
