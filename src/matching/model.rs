//! The Fellegi–Sunter model, trained without labels.
//!
//! For each feature kind and agreement level: `u` = P(level | two records of
//! different people), estimated from random record pairs; `m` = P(level |
//! same person), estimated by expectation–maximisation over the candidate
//! pairs (with `u` fixed, as Splink does). A pair's match weight is
//! `log2(λ/(1-λ)) + Σ log2(m/u)` over its levels (missing values add 0), so
//! every score is a sum of per-field weights. λ is the chance that two
//! records drawn at random are one person (Splink's
//! `probability_two_random_records_match`), the prior that goes with a `u`
//! taken from random pairs: it is fitted by EM over every pair of the file,
//! the pairs blocking never proposed counting as non-matches, so a file ten
//! times larger, with a hundred times more pairs and more namesakes among
//! them, gets a prior that asks for more evidence (see `docs/accuracy.md`).
//! Exact agreement on a name, city or postcode is adjusted by how common
//! the value is: sharing `smith` says less than sharing `featherstonehaugh`.
//!
//! Guarantees: training is deterministic (a fixed-seed sampler, patterns
//! aggregated in sorted order); a saved model reproduces the same scores.

use super::compare::{self, level_names, MISSING};
use super::features::{Features, Kind};
use super::MatchError;
use crate::rng::SplitMix;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

/// Random pairs sampled to estimate `u`.
const U_SAMPLE: usize = 1_000_000;
const EM_MAX_ITERATIONS: usize = 100;
const EM_TOLERANCE: f64 = 1e-7;
/// Bisection steps of the prior's fit: ln λ is bracketed in (-34.5, 0),
/// and 60 halvings leave an interval far below f64 precision.
const PRIOR_BISECTIONS: usize = 60;
/// The smallest prior fitted: one match in 10^15 pairs (a file of 45M
/// records with a single duplicate pair).
const MIN_PRIOR: f64 = 1e-15;
/// The saved model format. Version 2: λ is per random pair of records;
/// version 1's λ was the share of candidate pairs that match.
pub const MODEL_VERSION: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Model {
    pub version: u32,
    /// Prior probability that two records drawn at random are a match.
    pub lambda: f64,
    pub fields: Vec<FieldModel>,
    /// The different-people guard clauses this file showed it does not
    /// need (`super::guards`); absent: every clause in force.
    #[serde(
        default,
        rename = "relaxed_guards",
        skip_serializing_if = "super::guards::GuardSet::is_all"
    )]
    pub guards: super::guards::GuardSet,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FieldModel {
    pub field: String,
    /// Per level (index = level; level 0 "missing" has m = u = 1).
    pub levels: Vec<LevelModel>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LevelModel {
    pub level: String,
    pub m: f64,
    pub u: f64,
}

impl Model {
    /// `m` per field and level (index = level).
    pub fn m(&self) -> Vec<Vec<f64>> {
        self.fields
            .iter()
            .map(|f| f.levels.iter().map(|l| l.m).collect())
            .collect()
    }

    pub fn kinds(&self) -> Vec<Kind> {
        self.fields
            .iter()
            .filter_map(|f| kind_by_name(&f.field))
            .collect()
    }

    /// Checks a loaded model against the fields this table can compare.
    pub fn check_against(&self, available: &[Kind]) -> Result<(), MatchError> {
        let bad = |message: String| Err(MatchError::Model(message));
        if self.version == 1 {
            return bad(
                "the model was saved by an older tidyrec (version 1), whose prior λ \
                 was the share of candidate pairs that match; this version's λ is per random \
                 pair, and the old one would score every pair far too high. Train it again \
                 with `dedupe --save-model`"
                    .to_string(),
            );
        }
        if self.version != MODEL_VERSION {
            return bad(format!(
                "model version {} is not supported (expected {MODEL_VERSION})",
                self.version
            ));
        }
        for field in &self.fields {
            let Some(kind) = kind_by_name(&field.field) else {
                return bad(format!("model field `{}` is unknown", field.field));
            };
            if !available.contains(&kind) {
                return bad(format!(
                    "the model compares `{}` but this input has no column for it; retrain without --model",
                    field.field
                ));
            }
            if field.levels.len() != level_names(kind).len() {
                return bad(format!(
                    "model field `{}` has {} levels, expected {}",
                    field.field,
                    field.levels.len(),
                    level_names(kind).len()
                ));
            }
        }
        Ok(())
    }

    /// log2(m/u) of one level.
    pub fn weight(&self, field: usize, level: u8) -> f64 {
        if level == MISSING {
            return 0.0;
        }
        let l = &self.fields[field].levels[level as usize];
        (l.m / l.u).log2()
    }

    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }
}

fn kind_by_name(name: &str) -> Option<Kind> {
    use Kind::*;
    [
        FirstName, LastName, BirthDate, Email, Phone, Street, City, PostalCode, Identifier, Company,
    ]
    .into_iter()
    .find(|k| k.name() == name)
}

/// Level counts per field over random pairs of distinct records: every
/// pair once when the file has at most [`U_SAMPLE`] of them (a small file
/// is counted exactly, not sampled with repeats), else a fixed-seed sample.
pub fn random_pair_counts(features: &Features, kinds: &[Kind]) -> Vec<Vec<u64>> {
    let n = features.rows as u64;
    let all_pairs = n * n.saturating_sub(1) / 2;
    // Record numbers fit in `u32`, as everywhere in matching.
    let pairs: Vec<(u32, u32)> = if all_pairs as usize <= U_SAMPLE {
        (0..n as u32)
            .flat_map(|a| (a + 1..n as u32).map(move |b| (a, b)))
            .collect()
    } else {
        let mut rng = SplitMix(0x0074_6964_7972_6563);
        (0..U_SAMPLE)
            .map(|_| loop {
                let a = rng.next_u64() % n;
                let b = rng.next_u64() % n;
                if a != b {
                    break (a as u32, b as u32);
                }
            })
            .collect()
    };
    level_counts(features, kinds, &pairs)
}

/// `u` from random-pair level counts. Random pairs hold matches too, a
/// share λ of them spread over the levels as `m` says: given
/// `matches = (λ, m)`, they are taken out first. In a large file that is
/// one pair in a million and changes nothing; in a ten-record file with
/// four duplicate pairs it is a tenth of the pairs, and left in, they make
/// an exact e-mail look common among different people.
pub fn u_from_counts(
    counts: &[Vec<u64>],
    kinds: &[Kind],
    matches: Option<(f64, &[Vec<f64>])>,
) -> Vec<Vec<f64>> {
    counts
        .iter()
        .zip(kinds)
        .enumerate()
        .map(|(f, (counts_f, &kind))| {
            let levels = level_names(kind).len();
            let present: u64 = counts_f[1..].iter().sum();
            let enrichment = match_enrichment(counts, kinds, matches, kind);
            let expected_matches = |level: usize| {
                matches.map_or(0.0, |(lambda, m)| {
                    lambda * enrichment * present as f64 * m[f][level]
                })
            };
            let non_matches: Vec<f64> = (0..levels)
                .map(|level| (counts_f[level] as f64 - expected_matches(level)).max(0.0))
                .collect();
            let total: f64 = non_matches[1..].iter().sum();
            let mut u = vec![1.0; levels];
            for level in 1..levels {
                // Add-half smoothing: a level never seen among random pairs
                // (exact e-mail in a small file) is rare, not impossible.
                u[level] = (non_matches[level] + 0.5) / (total + 0.5 * levels as f64);
            }
            u
        })
        .collect()
}

/// How much likelier a match is than a random pair to have `kind`
/// compared at all: 1 for every field but the city under a postcode
/// ([`compare::city_where_postcodes_agree`]), which is compared only where
/// the postcodes agree, as most matches' do and few random pairs': there
/// it is `m` of the postcode's "exact" over its share among random pairs
/// with a postcode on both sides. Counting a match's chance to be compared
/// as a random pair's would leave most matches among the "strangers" of a
/// small file full of duplicates (FEBRL 1: 293 of 787 random pairs in one
/// postcode are matches, and a shared town looked common among strangers).
fn match_enrichment(
    counts: &[Vec<u64>],
    kinds: &[Kind],
    matches: Option<(f64, &[Vec<f64>])>,
    kind: Kind,
) -> f64 {
    let postal = kinds.iter().position(|&k| k == Kind::PostalCode);
    match (kind, postal, matches) {
        (Kind::City, Some(p), Some((_, m))) => {
            let present: u64 = counts[p][1..].iter().sum();
            let exact = counts[p][1];
            if exact == 0 {
                1.0
            } else {
                m[p][1] * present as f64 / exact as f64
            }
        }
        _ => 1.0,
    }
}

/// Count of each level per field over `pairs`.
fn level_counts(features: &Features, kinds: &[Kind], pairs: &[(u32, u32)]) -> Vec<Vec<u64>> {
    let empty = || -> Vec<Vec<u64>> {
        kinds
            .iter()
            .map(|&k| vec![0; level_names(k).len()])
            .collect()
    };
    pairs
        .par_chunks(8192)
        .map(|chunk| {
            let mut counts = empty();
            let mut levels = vec![0u8; chunk.len() * kinds.len()];
            compare::compare_into(features, kinds, chunk, &mut levels);
            for pair in levels.chunks(kinds.len().max(1)) {
                for (f, &level) in pair.iter().enumerate() {
                    counts[f][level as usize] += 1;
                }
            }
            counts
        })
        .reduce(empty, |mut x, y| {
            for (cx, cy) in x.iter_mut().zip(y) {
                for (a, b) in cx.iter_mut().zip(cy) {
                    *a += b;
                }
            }
            x
        })
}

/// Distinct comparison vectors with how often each occurs, sorted (the EM
/// works on these instead of on every pair).
pub fn patterns(levels: &[u8], width: usize) -> Vec<(Vec<u8>, u64)> {
    let mut counts: HashMap<&[u8], u64> = HashMap::default();
    for pattern in levels.chunks(width.max(1)) {
        *counts.entry(pattern).or_default() += 1;
    }
    let mut out: Vec<(Vec<u8>, u64)> = counts.into_iter().map(|(p, c)| (p.to_vec(), c)).collect();
    out.sort_unstable();
    out
}

/// Trains `m` and λ by EM over candidate-pair patterns, `u` fixed.
pub fn train(kinds: &[Kind], u: Vec<Vec<f64>>, patterns: &[(Vec<u8>, u64)]) -> Model {
    let start: Vec<Vec<f64>> = kinds
        .iter()
        .map(|&k| initial_m(level_names(k).len()))
        .collect();
    let (m, lambda, _) = em(&u, patterns, start, compare::move_fields(kinds));
    assemble(kinds, &m, &u, lambda)
}

/// One blocking rule's training pairs: their levels (`kinds.len()` per
/// pair) and the kinds the rule's key forces to agree.
pub struct RuleSample<'a> {
    pub levels: &'a [u8],
    pub excluded: Vec<usize>,
}

/// Splink's recipe against the bias blocking creates: `m` is trained by EM
/// on each rule's own pairs with that rule's fields left out (pairs that
/// share a postcode by construction say nothing about how often matches
/// share one), averaged over rules; then λ is fitted over all
/// `pair_space` pairs of the file with `m` and `u` fixed ([`fit_prior`]).
pub fn train_by_rule(
    kinds: &[Kind],
    u: Vec<Vec<f64>>,
    samples: &[RuleSample<'_>],
    all_patterns: &[(Vec<u8>, u64)],
    pair_space: f64,
) -> Model {
    let width = kinds.len();
    let moves = compare::move_fields(kinds);
    let start: Vec<Vec<f64>> = kinds
        .iter()
        .map(|&k| initial_m(level_names(k).len()))
        .collect();
    let mut sums: Vec<Vec<f64>> = start.iter().map(|l| vec![0.0; l.len()]).collect();
    let mut estimates = vec![0usize; width];
    for sample in samples {
        let mut masked = sample.levels.to_vec();
        for pair in masked.chunks_mut(width.max(1)) {
            for &f in &sample.excluded {
                pair[f] = MISSING;
            }
        }
        let (m, _, present) = em(&u, &patterns(&masked, width), start.clone(), moves);
        for f in 0..width {
            if present[f] > 0.0 && !sample.excluded.contains(&f) {
                estimates[f] += 1;
                for (sum, value) in sums[f].iter_mut().zip(&m[f]) {
                    *sum += value;
                }
            }
        }
    }
    let m: Vec<Vec<f64>> = (0..width)
        .map(|f| {
            if estimates[f] == 0 {
                start[f].clone()
            } else {
                sums[f].iter().map(|s| s / estimates[f] as f64).collect()
            }
        })
        .collect();
    let lambda = fit_prior(&u, &m, all_patterns, pair_space, moves);
    assemble(kinds, &m, &u, lambda)
}

/// λ, the chance that two random records match, by EM over all
/// `pair_space` pairs with `m` and `u` fixed. Only the candidate pairs'
/// `patterns` are seen; every other pair disagrees on each blocking key and
/// counts as a non-match. Splink estimates the same quantity from
/// deterministic rules and an assumed recall; here it comes from the
/// model's own posteriors (on FEBRL 1–3 within 2 % of the true count, see
/// `docs/accuracy.md`).
pub fn fit_prior(
    u: &[Vec<f64>],
    m: &[Vec<f64>],
    patterns: &[(Vec<u8>, u64)],
    pair_space: f64,
    moves: Option<(usize, usize)>,
) -> f64 {
    // Each pattern's Bayes factor, ln(Π m/u), computed once.
    let evidence: Vec<(f64, f64)> = patterns
        .iter()
        .map(|(pattern, count)| {
            let ln_factor: f64 = pattern
                .iter()
                .enumerate()
                .filter(|&(f, &level)| {
                    level != MISSING && !compare::counted_by_street(moves, pattern, f)
                })
                .map(|(f, &level)| (m[f][level as usize] / u[f][level as usize]).ln())
                .sum();
            (ln_factor, *count as f64)
        })
        .collect();
    let candidates: f64 = evidence.iter().map(|e| e.1).sum();
    if candidates == 0.0 || pair_space <= 0.0 {
        return MIN_PRIOR;
    }
    let pair_space = pair_space.max(candidates);
    // The fixed point of EM, found directly: the likelihood of λ over all
    // pairs, Σ ln(λ·BF + 1 − λ) (a pair blocking never proposed has BF 0),
    // is concave, so its slope falls as λ grows and one bisection on ln λ
    // finds its root to machine precision (EM's own steps crawl when λ is
    // tiny).
    let others = pair_space - candidates;
    let slope = |lambda: f64| {
        let proposed: f64 = evidence
            .iter()
            .map(|&(ln_factor, count)| {
                let gain = ln_factor.min(700.0).exp() - 1.0;
                count * gain / (1.0 + lambda * gain)
            })
            .sum();
        proposed - others / (1.0 - lambda)
    };
    let (mut low, mut high) = (MIN_PRIOR.ln(), (1.0 - 1e-6f64).ln());
    if slope(low.exp()) <= 0.0 {
        return MIN_PRIOR;
    }
    for _ in 0..PRIOR_BISECTIONS {
        let middle = 0.5 * (low + high);
        if slope(middle.exp()) > 0.0 {
            low = middle;
        } else {
            high = middle;
        }
    }
    (0.5 * (low + high)).exp()
}

/// Expectation–maximisation over patterns; returns `m`, λ (the share of the
/// patterns' pairs that match) and the weight of pairs in which each field
/// was present.
///
/// A move's postcode weighs nothing here as in scoring (`moves`:
/// [`compare::counted_by_street`]) but is counted among the levels `m` is
/// estimated from.
fn em(
    u: &[Vec<f64>],
    patterns: &[(Vec<u8>, u64)],
    mut m: Vec<Vec<f64>>,
    moves: Option<(usize, usize)>,
) -> (Vec<Vec<f64>>, f64, Vec<f64>) {
    let mut lambda: f64 = 0.1;
    let mut present_total = vec![0.0; m.len()];
    for _ in 0..EM_MAX_ITERATIONS {
        let mut sums: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut matched = 0.0;
        let mut total = 0.0;
        for (pattern, count) in patterns {
            let mut log_odds = (lambda / (1.0 - lambda)).ln();
            for (f, &level) in pattern.iter().enumerate() {
                if level != MISSING && !compare::counted_by_street(moves, pattern, f) {
                    log_odds += (m[f][level as usize] / u[f][level as usize]).ln();
                }
            }
            let p = 1.0 / (1.0 + (-log_odds).exp());
            let weight = p * *count as f64;
            matched += weight;
            total += *count as f64;
            for (f, &level) in pattern.iter().enumerate() {
                sums[f][level as usize] += weight;
            }
        }
        let mut change: f64 = 0.0;
        for (f, field_sums) in sums.iter().enumerate() {
            let present: f64 = field_sums[1..].iter().sum();
            present_total[f] = present;
            if present <= 0.0 {
                continue;
            }
            let levels = field_sums.len();
            for level in 1..levels {
                // A small pseudo-count keeps every level possible for matches.
                let updated = (field_sums[level] + 1e-3) / (present + 1e-3 * levels as f64);
                change = change.max((updated - m[f][level]).abs());
                m[f][level] = updated;
            }
        }
        let updated_lambda = (matched / total.max(1.0)).clamp(1e-6, 1.0 - 1e-6);
        change = change.max((updated_lambda - lambda).abs());
        lambda = updated_lambda;
        if change < EM_TOLERANCE {
            break;
        }
    }
    (m, lambda, present_total)
}

fn assemble(kinds: &[Kind], m: &[Vec<f64>], u: &[Vec<f64>], lambda: f64) -> Model {
    Model {
        version: MODEL_VERSION,
        lambda,
        guards: Default::default(),
        fields: kinds
            .iter()
            .zip(m.iter().zip(u))
            .map(|(&kind, (m, u))| FieldModel {
                field: kind.name().to_string(),
                levels: level_names(kind)
                    .iter()
                    .enumerate()
                    .map(|(l, name)| LevelModel {
                        level: name.to_string(),
                        m: if l == 0 { 1.0 } else { m[l] },
                        u: if l == 0 { 1.0 } else { u[l] },
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Starting `m`: exact agreement likely, the last level ("different") unlikely.
fn initial_m(levels: usize) -> Vec<f64> {
    let mut m = vec![1.0; levels];
    let middle = levels.saturating_sub(3);
    m[1] = 0.8;
    for level in m.iter_mut().take(levels - 1).skip(2) {
        *level = 0.15 / middle.max(1) as f64;
    }
    m[levels - 1] = 0.05;
    m
}

/// Value frequencies for term-frequency adjustment of exact matches.
pub struct TermFrequencies {
    /// Per field: value → records holding it (None: no adjustment).
    counts: Vec<Option<HashMap<String, u32>>>,
    rows: f64,
}

/// Bounds on the term-frequency adjustment, in bits: a value shared by half
/// the file still counts for something, a unique one is not infinite.
pub const TF_MAX_BITS: f64 = 6.0;

impl TermFrequencies {
    pub fn count(features: &Features, kinds: &[Kind]) -> TermFrequencies {
        let counts = kinds
            .par_iter()
            .map(|&kind| {
                let tf_field = compare::tf_field(kind, kinds)?;
                let mut counts: HashMap<String, u32> = HashMap::default();
                for row in 0..features.rows {
                    let value = features.packed.record(row).get(tf_field);
                    if !value.is_empty() {
                        *counts.entry(value.to_string()).or_default() += 1;
                    }
                }
                Some(counts)
            })
            .collect();
        TermFrequencies {
            counts,
            rows: features.rows.max(1) as f64,
        }
    }

    /// Extra bits for an exact match of `field` on `value`: log2(u / tf).
    pub fn adjustment(&self, field: usize, value: &str, u_exact: f64) -> f64 {
        let Some(counts) = &self.counts[field] else {
            return 0.0;
        };
        let count = counts.get(value).copied().unwrap_or(1).max(1) as f64;
        let tf = count / self.rows;
        (u_exact / tf).log2().clamp(-TF_MAX_BITS, TF_MAX_BITS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EM recovers known m on simulated comparison vectors: two fields with
    /// levels missing/exact/different, 20% matches.
    #[test]
    fn em_recovers_known_parameters() {
        let kinds = [Kind::Identifier, Kind::Identifier];
        // Levels: 0 missing, 1 exact, 2 one typo, 3 different.
        let true_m = [0.0, 0.9, 0.07, 0.03];
        let true_u = [0.0, 0.01, 0.04, 0.95];
        let mut rng = SplitMix(1);
        let mut draw = |dist: &[f64; 4]| -> u8 {
            let x = (rng.next_u64() % 1_000_000) as f64 / 1_000_000.0;
            let mut acc = 0.0;
            for (level, p) in dist.iter().enumerate().skip(1) {
                acc += p;
                if x < acc {
                    return level as u8;
                }
            }
            3
        };
        let mut levels = Vec::new();
        for i in 0..200_000 {
            let dist = if i % 5 == 0 { &true_m } else { &true_u };
            levels.push(draw(dist));
            levels.push(draw(dist));
        }
        let u = vec![true_u.to_vec(), true_u.to_vec()];
        let model = train(&kinds, u, &patterns(&levels, 2));
        assert!((model.lambda - 0.2).abs() < 0.01, "lambda {}", model.lambda);
        for field in &model.fields {
            assert!((field.levels[1].m - 0.9).abs() < 0.02, "{field:?}");
            assert!((field.levels[3].m - 0.03).abs() < 0.02, "{field:?}");
        }
    }

    #[test]
    fn the_prior_is_the_share_of_all_pairs_that_match() {
        // 1,000 records, 499,500 pairs; blocking proposed 2,000 of them: 300
        // agree (m = 0.9, u = 0.00001), 1,700 disagree.
        let u = vec![vec![1.0, 1e-5, 1.0 - 1e-5]];
        let m = vec![vec![1.0, 0.9, 0.1]];
        let patterns = [(vec![1], 300), (vec![2], 1_700)];
        let expected_matches = |lambda: f64| {
            let odds = lambda / (1.0 - lambda);
            let post = |factor: f64| odds * factor / (1.0 + odds * factor);
            300.0 * post(0.9 / 1e-5) + 1_700.0 * post(0.1 / (1.0 - 1e-5))
        };
        let lambda = fit_prior(&u, &m, &patterns, 499_500.0, None);
        // EM's fixed point: the expected matches among the proposed pairs
        // are λ times all pairs (the others are non-matches).
        let expected = expected_matches(lambda);
        assert!(
            (expected / (lambda * 499_500.0) - 1.0).abs() < 1e-9,
            "{lambda} {expected}"
        );
        // About 295 of the 300 agreeing pairs (5 are chance agreements).
        assert!((expected - 295.0).abs() < 3.0, "{expected}");
        // The same pairs in a file with ten times the pairs: more of the
        // agreements are chance, and the prior is more than ten times smaller.
        let larger = fit_prior(&u, &m, &patterns, 4_995_000.0, None);
        assert!(larger < lambda / 10.0, "{larger} against {lambda}");
        // Agreements no more frequent than chance: no matches at all.
        assert_eq!(fit_prior(&u, &m, &patterns, 49_950_000.0, None), MIN_PRIOR);
        // No candidates: the smallest prior, not a division by zero.
        assert_eq!(fit_prior(&u, &m, &[], 499_500.0, None), MIN_PRIOR);
    }

    #[test]
    fn models_saved_with_the_old_prior_are_refused() {
        let mut model = train(
            &[Kind::Email],
            vec![vec![1.0, 0.01, 0.02, 0.97]],
            &[(vec![1], 10), (vec![3], 90)],
        );
        model.version = 1;
        let Err(MatchError::Model(message)) = model.check_against(&[Kind::Email]) else {
            panic!("a version 1 model was accepted");
        };
        assert!(message.contains("dedupe --save-model"), "{message}");
    }

    #[test]
    fn saved_models_round_trip() {
        let model = train(
            &[Kind::Email],
            vec![vec![1.0, 0.01, 0.02, 0.97]],
            &[(vec![1], 10), (vec![3], 90)],
        );
        let json = serde_json::to_string(&model).unwrap();
        let back: Model = serde_json::from_str(&json).unwrap();
        assert_eq!(model, back);
        assert!(back.check_against(&[Kind::Email]).is_ok());
        assert!(back.check_against(&[Kind::Phone]).is_err());
    }
}
