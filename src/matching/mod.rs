//! Duplicate detection: features → blocking → comparison → Fellegi–Sunter
//! scoring (trained without labels, or a saved model) → clustering.
//!
//! Guarantees: the same table and settings give the same pairs, scores and
//! clusters for any thread count (pairs are sorted, parallel work is joined
//! in order, training is deterministic).

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod features;
pub mod given_names;
pub mod guards;
pub mod model;
pub mod nicknames;
pub mod packed;
pub mod splink;

use crate::progress::Progress;

/// Why matching could not run: a saved model that does not fit the input,
/// or blocking rules the rule file names that cannot run on it.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("{0}")]
    Model(String),
    #[error("none of the blocking rules in [dedupe] blocking ({asked}) can run on this file's columns; usable here: {usable}")]
    NoBlockingRule { asked: String, usable: String },
    #[error("cannot read the model `{path}`: {error}")]
    ReadModel { path: String, error: std::io::Error },
    #[error("`{path}` is not a tidyrec model (write one with --save-model): {error}")]
    NotAModel {
        path: String,
        error: serde_json::Error,
    },
}
use features::{Features, Kind};
use model::{Model, TermFrequencies};
use rayon::prelude::*;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Default cap on block size. A block of n records makes n(n−1)/2 pairs:
/// at 1.5M synthetic records a cap of 500 made 111M candidate pairs
/// (218 s, 5.8 GiB), a cap of 100 made 51M (105 s, 3.6 GiB) with the same
/// recall and higher precision; later, on data with realistic phone and
/// e-mail spaces, 100 → 50 took 42M pairs to 28M (26.0 s → 21.1 s) and 30
/// to 21M with recall unchanged (0.9989) and FEBRL unchanged: records of a
/// skipped block (a very common name in one town) are still paired by the
/// other rules (e-mail, phone, birth date, street).
pub const MAX_BLOCK: usize = 50;

/// The largest `max-block` accepted: a block of n records makes n(n−1)/2
/// pairs, and 5,000 already makes 12.5 million from one block.
pub const MAX_BLOCK_LIMIT: usize = 5_000;

pub struct Settings {
    /// Match probability from which two records are the same entity.
    pub threshold: f64,
    /// Blocks with more records are skipped (and reported).
    pub max_block: usize,
    /// A saved model to score with instead of training one.
    pub model: Option<Model>,
    /// Blocking rules to use, by name (None: every rule the fields allow).
    pub blocking: Option<Vec<String>>,
    /// Records below this index are a golden master's entities (`link`):
    /// they are never paired with each other and never merged together.
    /// 0 for `dedupe`.
    pub anchors: usize,
    /// Keep every candidate pair's levels and weight in the outcome (for
    /// `--pairs`); otherwise they are freed once the links are known, and
    /// the outcome's `pairs`, `levels` and `weights` are empty.
    pub keep_pairs: bool,
    /// A steward's decisions on rows of this table (see [`cluster`]).
    pub decisions: Vec<crate::decisions::RowDecision>,
    /// Keep, for review, the pairs scored from this probability up that
    /// are not a confident merge (see [`Outcome::review`]).
    pub review_below: Option<f64>,
}

/// A pair a steward should look at, explained field by field.
#[derive(Debug, Clone)]
pub struct ReviewPair {
    pub a: u32,
    pub b: u32,
    pub probability: f64,
    pub weight: f64,
    /// Per field (the outcome's `kinds`): comparison level and weight.
    pub levels: Vec<u8>,
    pub weights: Vec<f64>,
}

pub struct Outcome {
    pub kinds: Vec<Kind>,
    pub model: Model,
    /// Candidate pairs `(a, b)`, `a < b`, sorted.
    pub pairs: Vec<(u32, u32)>,
    /// Per pair: levels (`kinds.len()` per pair), weight, probability.
    pub levels: Vec<u8>,
    pub weights: Vec<f64>,
    /// Value frequencies the scores were adjusted with (for explanations).
    pub tf: TermFrequencies,
    pub clusters: cluster::Clusters,
    pub stats: Stats,
    /// With `review_below`: every candidate pair from that probability up
    /// that did not end in one cluster through a link above the threshold
    /// (the uncertain band, and links the guards or decisions refused),
    /// in pair order.
    pub review: Vec<ReviewPair>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub fields: Vec<&'static str>,
    pub blocking: Vec<blocking::RuleStats>,
    pub candidate_pairs: u64,
    pub matched_pairs: u64,
    pub refused_links: u64,
    /// What the file said about each guard clause (a model trained here;
    /// `None` with a saved model).
    #[serde(skip)]
    pub guard_calibration: Option<guards::Calibration>,
    #[serde(skip)]
    pub timings: Vec<(&'static str, Duration)>,
}

/// Probability from a match weight in bits.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

/// Scores pairs with a model: levels, per-field weights, total weight.
pub struct Scorer<'a> {
    pub features: &'a Features,
    pub kinds: &'a [Kind],
    pub model: &'a Model,
    pub tf: &'a TermFrequencies,
    /// Per field, every record's term-frequency adjustment, computed once
    /// for bulk scoring (see [`tf_by_row`]); `None`: looked up per pair.
    pub tf_by_row: Option<&'a [Option<Vec<f64>>]>,
    /// The prior's and every level's weight, computed once for bulk scoring
    /// (two `log2` a field a pair otherwise); `None`: from the model per pair.
    pub level_weights: Option<&'a LevelWeights>,
}

/// The model's weights as a table: the same figures [`Model::weight`] and
/// [`Model::prior_weight`] compute, looked up instead of recomputed.
pub struct LevelWeights {
    prior: f64,
    /// Per field, per level (level 0, missing, weighs 0).
    fields: Vec<Vec<f64>>,
}

impl LevelWeights {
    pub fn of(model: &Model) -> LevelWeights {
        LevelWeights {
            prior: model.prior_weight(),
            fields: model
                .fields
                .iter()
                .enumerate()
                .map(|(field, f)| {
                    (0..f.levels.len())
                        .map(|level| model.weight(field, level as u8))
                        .collect()
                })
                .collect(),
        }
    }
}

/// Per field (with term frequencies), each record's adjustment for an exact
/// match on its value: the same figure [`Scorer::weigh`] would look up per
/// pair, computed once per record instead of once per pair.
pub fn tf_by_row(
    features: &Features,
    kinds: &[Kind],
    model: &Model,
    tf: &TermFrequencies,
) -> Vec<Option<Vec<f64>>> {
    kinds
        .iter()
        .enumerate()
        .map(|(field, &kind)| {
            let tf_field = compare::tf_field(kind, kinds)?;
            let u_exact = model.fields[field].levels[1].u;
            Some(
                (0..features.rows)
                    .into_par_iter()
                    .map(|row| {
                        let value = features.packed.record(row).get(tf_field);
                        tf.adjustment(field, value, u_exact)
                    })
                    .collect(),
            )
        })
        .collect()
}

impl Scorer<'_> {
    /// Fills `levels` for records `a` and `b` and returns the match weight;
    /// `explain` receives each field's contribution.
    pub fn score(
        &self,
        a: usize,
        b: usize,
        levels: &mut [u8],
        explain: impl FnMut(usize, f64),
    ) -> f64 {
        compare::compare(self.features, self.kinds, a, b, levels);
        self.weigh(a, levels, explain)
    }

    /// The match weight of already compared `levels` (`a` is one of the two
    /// records, for the term frequency of an exactly shared value).
    pub fn weigh(&self, a: usize, levels: &[u8], explain: impl FnMut(usize, f64)) -> f64 {
        let weight = self.weigh_unguarded(a, levels, explain);
        if guard_clauses(self.kinds, levels) & self.model.guards.active() != 0 {
            weight.min(DIFFERENT_PEOPLE_WEIGHT)
        } else {
            weight
        }
    }

    /// [`Scorer::weigh`] before the guards: the fields' evidence alone.
    pub fn weigh_unguarded(
        &self,
        a: usize,
        levels: &[u8],
        mut explain: impl FnMut(usize, f64),
    ) -> f64 {
        let mut weight = match self.level_weights {
            Some(table) => table.prior,
            None => self.model.prior_weight(),
        };
        let moves = compare::move_fields(self.kinds);
        for (field, (&level, &kind)) in levels.iter().zip(self.kinds).enumerate() {
            let mut w = match self.level_weights {
                _ if compare::counted_by_street(moves, levels, field) => 0.0,
                Some(table) => table.fields[field][level as usize],
                None => self.model.weight(field, level),
            };
            if level == 1 {
                match self.tf_by_row {
                    Some(by_row) => {
                        if let Some(rows) = &by_row[field] {
                            w += rows[a];
                        }
                    }
                    None => {
                        if let Some(value) = compare::tf_value(self.features, kind, self.kinds, a) {
                            w += self.tf.adjustment(
                                field,
                                value,
                                self.model.fields[field].levels[1].u,
                            );
                        }
                    }
                }
            }
            explain(field, w);
            weight += w;
        }
        weight
    }
}

/// Weight given to a pair that [`different_people`] rules out (p ≈ 0.001).
pub const DIFFERENT_PEOPLE_WEIGHT: f64 = -10.0;

/// Two records are two people, however much else they share, when
/// - their first names clearly differ and their birth dates do not agree
///   (differ or are missing) and they share no id number (even with a
///   typo, as everywhere below; an e-mail does not count, couples share a
///   family mailbox): members of one household share an address, a
///   landline and often a family name, which the field weights (assumed
///   independent) would add up to a match;
/// - or the file has birth dates and theirs are not the same (apart, a
///   typo or a transposition apart, or one missing) while some contact
///   detail differs, and they share no e-mail or mailbox name (the local
///   part at another provider), phone, id number or street address:
///   namesakes in one town;
/// - or their birth dates clearly differ, with no shared id number, and a
///   name or a contact detail differs, or one mailbox or phone ties them to
///   one household: two people who share a phone, an address or a name
///   (a parent and child of one name);
/// - or their surnames clearly differ, their birth dates do not agree and no
///   id number is shared: colleagues on one office line;
/// - or their surnames are only somewhat alike (or differ) and they share
///   no e-mail or mailbox name, phone, id number or street address, unless
///   they were born the same day and their streets share words (a surname
///   changed at one address).
///
/// A file can relax any clause whose pattern its own duplicates explain
/// (`guards`); scoring applies the model's [`guards::GuardSet`], this
/// function every clause.
pub fn different_people(kinds: &[Kind], levels: &[u8]) -> bool {
    guard_clauses(kinds, levels) != 0
}

/// The clauses of [`different_people`] that hold for a pair, as
/// [`guards::GuardSet`] bits (0: none, the pair may be one person).
pub fn guard_clauses(kinds: &[Kind], levels: &[u8]) -> u8 {
    // Each kind's level looked up once (called for every candidate pair);
    // filled last to first so a kind listed twice reads its first field.
    let mut by_kind = [None::<u8>; Kind::COUNT];
    for (&kind, &level) in kinds.iter().zip(levels).rev() {
        by_kind[kind as usize] = Some(level);
    }
    let level_of = |kind: Kind| by_kind[kind as usize];
    let exact = |kind: Kind| level_of(kind) == Some(1);
    let first_differs = level_of(Kind::FirstName) == Some(compare::FIRST_NAME_DIFFERENT);
    let birth = level_of(Kind::BirthDate);
    let birth_agrees = matches!(birth, Some(1..=3));
    let birth_differs = birth == Some(compare::BIRTH_DATE_DIFFERENT);
    // (A shared e-mail does not spare it: couples share a family mailbox.)
    let household =
        first_differs && !birth_agrees && !matches!(level_of(Kind::Identifier), Some(1 | 2));
    // A mailbox name at another provider (`same local part`) is shared as
    // much as one mailbox is: the person kept it when changing provider.
    let shares_contact = matches!(level_of(Kind::Email), Some(1 | 2))
        || exact(Kind::Phone)
        || matches!(level_of(Kind::Identifier), Some(1 | 2))
        || matches!(level_of(Kind::Street), Some(1 | 2));
    // Some contact detail present on both records and different.
    let contact_differs = [Kind::Email, Kind::Phone, Kind::Street, Kind::Identifier]
        .into_iter()
        .any(|kind| level_of(kind) == Some(compare::level_names(kind).len() as u8 - 1));
    // Namesakes are told apart by their birth dates; a file without a
    // birth-date column leaves one name at a new address to the weights
    // (and the name's frequency), as a move or a namesake alike.
    let namesake = birth.is_some_and(|level| level != 1)
        && (birth_differs || contact_differs)
        && !shares_contact;
    // An id number (even mistyped) can carry a match across a wrong birth
    // date or a new surname; nothing else can. Not an e-mail: couples share
    // a family mailbox, parents and children one name.
    let strong_id = matches!(level_of(Kind::Identifier), Some(1 | 2));
    // Birth dates clearly apart: two people who share a phone, an address or
    // a name, unless the names agree and nothing else contradicts them nor
    // ties them to one household (a year typed wrong).
    let names_agree =
        matches!(level_of(Kind::FirstName), Some(1 | 2)) && level_of(Kind::LastName) == Some(1);
    // A shared mailbox or phone with one name and birth dates clearly apart
    // is a parent and child of one name (Jr. / Sr.), not a year typed
    // wrong.
    let one_household = exact(Kind::Email) || exact(Kind::Phone);
    let birth_apart =
        birth_differs && !strong_id && (contact_differs || !names_agree || one_household);
    // Surnames clearly apart with no birth date to vouch for them: colleagues
    // sharing an office line, neighbours with one first name.
    let surname_apart = level_of(Kind::LastName) == Some(compare::LAST_NAME_DIFFERENT)
        && !birth_agrees
        && !strong_id;
    // A surname that is only somewhat alike, with no contact detail shared:
    // two people of one first name (and often one birth date) in one town,
    // which the name and place weights alone would add up to a match.
    // Not when the birth date is the same and the street's words are shared
    // (in any order, or another house number): a surname changed by
    // marriage, or swapped into the first name, at one address.
    let changed_surname_at_home = birth == Some(1) && level_of(Kind::Street) == Some(3);
    let surname_loose = matches!(
        level_of(Kind::LastName),
        Some(3 | compare::LAST_NAME_DIFFERENT)
    ) && !shares_contact
        && !changed_surname_at_home;
    // First names clearly apart, no contact detail shared and the streets
    // not even sharing words: relatives or strangers of one surname born the
    // same day (twins, a coincidence in a big file), which the surname and
    // birth-date weights alone would add up to a match. (A street with the
    // same words in another order is kept as evidence: FEBRL's corrupted
    // duplicates swap address lines along with names.)
    let street_unrelated = !matches!(level_of(Kind::Street), Some(1..=3));
    let first_apart = first_differs && !shares_contact && street_unrelated;
    use guards::GuardSet as G;
    let bit = |holds: bool, clause: u8| if holds { clause } else { 0 };
    bit(household, G::HOUSEHOLD)
        | bit(namesake, G::NAMESAKE)
        | bit(birth_apart, G::BIRTH_APART)
        | bit(surname_apart, G::SURNAME_APART)
        | bit(surname_loose, G::SURNAME_LOOSE)
        | bit(first_apart, G::FIRST_APART)
}

pub fn run(
    features: &Features,
    settings: &Settings,
    progress: &dyn Progress,
) -> Result<Outcome, MatchError> {
    let mut timings = Vec::new();
    let started = Instant::now();
    let kinds: Vec<Kind> = match &settings.model {
        Some(model) => {
            model.check_against(&features.kinds)?;
            model.kinds()
        }
        None => features.kinds.clone(),
    };
    let rules = blocking_rules(&kinds, settings.blocking.as_deref())?;
    progress.start("blocking", rules.len() as u64);
    // A small file compares every pair, unless the steward chose the rules.
    let every_pair = settings.blocking.is_none()
        && pair_space(features.rows, settings.anchors) <= blocking::EVERY_PAIR_UP_TO;
    let candidates = blocking::candidates(
        features,
        &rules,
        settings.max_block,
        settings.anchors,
        every_pair,
    );
    progress.finish();
    timings.push(("blocking", started.elapsed()));

    let compare_started = Instant::now();
    let width = kinds.len();
    let pairs = candidates.pairs;
    let levels = compare_pairs(features, &kinds, &pairs, progress);
    timings.push(("compare", compare_started.elapsed()));

    let train_started = Instant::now();
    let mut model = match &settings.model {
        Some(model) => model.clone(),
        None => train(
            features,
            &kinds,
            &rules,
            &candidates.samples,
            &levels,
            pair_space(features.rows, settings.anchors),
            progress,
        ),
    };
    let tf = TermFrequencies::count(features, &kinds);
    timings.push(("train", train_started.elapsed()));

    let score_started = Instant::now();
    let by_row = tf_by_row(features, &kinds, &model, &tf);
    let level_weights = LevelWeights::of(&model);
    // Every pair is weighed once by its fields alone and tagged with the
    // guard clauses it trips; a model trained here then asks the file which
    // clauses it needs (a saved model keeps those it was saved with), and
    // only then are the guards applied and the links chosen.
    let unguarded = Scorer {
        features,
        kinds: &kinds,
        model: &model,
        tf: &tf,
        tf_by_row: Some(&by_row),
        level_weights: Some(&level_weights),
    };
    let observe = |(&(a, _), pair_levels): (&(u32, u32), &[u8])| {
        (
            unguarded.weigh_unguarded(a as usize, pair_levels, |_, _| {}),
            guards::tag(&kinds, pair_levels),
        )
    };
    // Only links above the threshold take part in clustering; a weight per
    // candidate is kept only when asked for (it is 8 bytes a pair). A
    // guard only lowers a weight, so a pair below the floor before the
    // guards is below it after.
    let floor = settings
        .review_below
        .map_or(settings.threshold, |below| below.min(settings.threshold));
    // Scored in slices so the bar moves; each slice in parallel, joined in
    // order (the result is the same for any thread count).
    const SLICE: usize = 1 << 20;
    progress.start("score", pairs.len() as u64);
    // With `keep_pairs` every pair's weight and tag, else only the pairs
    // that may become links.
    let mut weights: Vec<f64> = Vec::new();
    let mut tags: Vec<u8> = Vec::new();
    let mut possible_links: Vec<(u32, u32, f64)> = Vec::new();
    for (slice, slice_levels) in pairs.chunks(SLICE).zip(levels.chunks(SLICE * width.max(1))) {
        let pair_levels = || slice.par_iter().zip(slice_levels.par_chunks(width.max(1)));
        if settings.keep_pairs {
            let observed: Vec<(f64, u8)> = pair_levels().map(observe).collect();
            weights.extend(observed.iter().map(|o| o.0));
            tags.extend(observed.iter().map(|o| o.1));
        } else {
            let slice_candidates: Vec<((u32, u32, f64), u8)> = pair_levels()
                .filter_map(|pair| {
                    let (weight, tag) = observe(pair);
                    let (a, b) = *pair.0;
                    (probability(weight) >= floor).then_some(((a, b, weight), tag))
                })
                .collect();
            possible_links.extend(slice_candidates.iter().map(|c| c.0));
            tags.extend(slice_candidates.iter().map(|c| c.1));
        }
        progress.advance(slice.len() as u64);
    }
    progress.finish();
    let guard_calibration = settings.model.is_none().then(|| {
        let mut calibration = guards::Calibration::default();
        let mut count = |weight: f64, tag: u8| {
            if probability(weight) >= settings.threshold {
                calibration.add(tag);
            }
        };
        if settings.keep_pairs {
            weights
                .iter()
                .zip(&tags)
                .for_each(|(&w, &tag)| count(w, tag));
        } else {
            possible_links
                .iter()
                .zip(&tags)
                .for_each(|(l, &tag)| count(l.2, tag));
        }
        calibration
    });
    if let Some(calibration) = &guard_calibration {
        model.guards = calibration.guards();
    }
    let guarded = |weight: f64, tag: u8| match guards::fires(tag, model.guards) {
        true => weight.min(DIFFERENT_PEOPLE_WEIGHT),
        false => weight,
    };
    let links: Vec<(u32, u32, f64)> = if settings.keep_pairs {
        for (weight, &tag) in weights.iter_mut().zip(&tags) {
            *weight = guarded(*weight, tag);
        }
        pairs
            .iter()
            .zip(&weights)
            .filter_map(|(&(a, b), &weight)| {
                let p = probability(weight);
                (p >= floor).then_some((a, b, p))
            })
            .collect()
    } else {
        possible_links
            .iter()
            .zip(&tags)
            .filter_map(|(&(a, b, weight), &tag)| {
                let p = probability(guarded(weight, tag));
                (p >= floor).then_some((a, b, p))
            })
            .collect()
    };
    drop((possible_links, tags));
    let scorer = Scorer {
        features,
        kinds: &kinds,
        model: &model,
        tf: &tf,
        tf_by_row: Some(&by_row),
        level_weights: Some(&level_weights),
    };
    let candidate_pairs = pairs.len() as u64;
    let (pairs, levels) = if settings.keep_pairs {
        (pairs, levels)
    } else {
        (Vec::new(), Vec::new())
    };
    let matched_pairs = links
        .iter()
        .filter(|link| link.2 >= settings.threshold)
        .count() as u64;
    let clusters = cluster::cluster(
        features.rows,
        settings.anchors,
        &links,
        settings.threshold,
        |a, b| {
            // On the stack: called in the serial part of clustering.
            let mut buffer = [0u8; 4 * Kind::COUNT];
            let score = |levels: &mut [u8]| probability(scorer.score(a, b, levels, |_, _| {}));
            match buffer.get_mut(..width) {
                Some(levels) => score(levels),
                None => score(&mut vec![0u8; width]),
            }
        },
        &settings.decisions,
        progress,
    );
    let review = match settings.review_below {
        Some(_) => review_pairs(&links, &clusters, settings.threshold, &scorer),
        None => Vec::new(),
    };
    timings.push(("score and cluster", score_started.elapsed()));

    let stats = Stats {
        fields: kinds.iter().map(|k| k.name()).collect(),
        blocking: candidates.stats,
        candidate_pairs,
        matched_pairs,
        refused_links: clusters.refused_links as u64,
        guard_calibration,
        timings,
    };
    Ok(Outcome {
        kinds,
        model,
        pairs,
        levels,
        weights,
        tf,
        clusters,
        stats,
        review,
    })
}

/// The pairs of `links` a steward should see: all but those above the
/// threshold whose records ended in one cluster.
fn review_pairs(
    links: &[(u32, u32, f64)],
    clusters: &cluster::Clusters,
    threshold: f64,
    scorer: &Scorer,
) -> Vec<ReviewPair> {
    links
        .par_iter()
        .filter(|&&(a, b, p)| {
            p < threshold || clusters.cluster_of[a as usize] != clusters.cluster_of[b as usize]
        })
        .map(|&(a, b, probability)| {
            let mut levels = vec![0u8; scorer.kinds.len()];
            let mut weights = vec![0.0; scorer.kinds.len()];
            let weight = scorer.score(a as usize, b as usize, &mut levels, |f, w| weights[f] = w);
            ReviewPair {
                a,
                b,
                probability,
                weight,
                levels,
                weights,
            }
        })
        .collect()
}

/// The blocking rules the fields allow, restricted to `names` (the rule
/// file's `[dedupe] blocking`) when given.
fn blocking_rules(
    kinds: &[Kind],
    names: Option<&[String]>,
) -> Result<Vec<blocking::Rule>, MatchError> {
    let mut rules = blocking::rules_for(kinds);
    if let Some(names) = names {
        rules.retain(|rule| names.iter().any(|n| n == rule.name));
        if rules.is_empty() {
            return Err(MatchError::NoBlockingRule {
                asked: names.join(", "),
                usable: blocking::rules_for(kinds)
                    .iter()
                    .map(|r| r.name)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(rules)
}

/// The comparison levels of every candidate pair (`kinds.len()` per pair).
fn compare_pairs(
    features: &Features,
    kinds: &[Kind],
    pairs: &[(u32, u32)],
    progress: &dyn Progress,
) -> Vec<u8> {
    progress.start("compare", pairs.len() as u64);
    let width = kinds.len();
    let mut levels = vec![0u8; pairs.len() * width];
    levels
        .par_chunks_mut(width.max(1) * 4096)
        .zip(pairs.par_chunks(4096))
        .for_each(|(out, chunk)| {
            compare::compare_into(features, kinds, chunk, out);
            progress.advance(chunk.len() as u64);
        });
    progress.finish();
    levels
}

/// The pairs matching could propose: every two records, except two
/// anchors (a master's entities, known to be distinct).
fn pair_space(rows: usize, anchors: usize) -> f64 {
    let all = |n: usize| n as f64 * n.saturating_sub(1) as f64 / 2.0;
    all(rows) - all(anchors.min(rows))
}

/// Fellegi–Sunter parameters trained without labels: u from random pairs,
/// m per blocking rule from its sample (the rule's own fields left out), λ
/// over all `pair_space` pairs.
fn train(
    features: &Features,
    kinds: &[Kind],
    rules: &[blocking::Rule],
    samples: &[Vec<(u32, u32)>],
    levels: &[u8],
    pair_space: f64,
    progress: &dyn Progress,
) -> Model {
    // Three steps: u from random pairs, each rule's sample compared, EM.
    progress.start("train", 3);
    let width = kinds.len();
    let random_pairs = model::random_pair_counts(features, kinds);
    let u = model::u_from_counts(&random_pairs, kinds, None);
    progress.advance(1);
    let sample_levels: Vec<Vec<u8>> = samples
        .par_iter()
        .map(|pairs| {
            let mut levels = vec![0u8; pairs.len() * width];
            compare::compare_into(features, kinds, pairs, &mut levels);
            levels
        })
        .collect();
    let samples: Vec<model::RuleSample<'_>> = rules
        .iter()
        .zip(&sample_levels)
        .map(|(rule, levels)| {
            let blocked = rule.kinds();
            model::RuleSample {
                levels,
                excluded: (0..width)
                    .filter(|&f| blocked.contains(&kinds[f]))
                    .collect(),
            }
        })
        .collect();
    progress.advance(1);
    let patterns = model::patterns(levels, width);
    let first = model::train_by_rule(kinds, u, &samples, &patterns, pair_space);
    // `u` again without the matches the random pairs held (λ of them, which
    // only a small file notices), then m and λ with it; a second round
    // moves λ by well under a percent on FEBRL and on ten-record files.
    let u = model::u_from_counts(&random_pairs, kinds, Some((first.lambda, &first.m())));
    let model = model::train_by_rule(kinds, u, &samples, &patterns, pair_space);
    progress.finish();
    model
}

/// Per-field weights of candidate pair `i`, for `--pairs` (from the levels
/// stored during matching: nothing is compared again).
pub fn explain(features: &Features, outcome: &Outcome, i: usize) -> Vec<f64> {
    let width = outcome.kinds.len();
    let mut weights = vec![0.0; width];
    let scorer = Scorer {
        features,
        kinds: &outcome.kinds,
        model: &outcome.model,
        tf: &outcome.tf,
        tf_by_row: None,
        level_weights: None,
    };
    let levels = &outcome.levels[i * width..(i + 1) * width];
    scorer.weigh(outcome.pairs[i].0 as usize, levels, |f, w| weights[f] = w);
    weights
}

/// Match probability from which two records are one entity, by default.
pub const DEFAULT_THRESHOLD: f64 = 0.99;

/// Each record's cluster (1-based) from the matching engine with default
/// settings: what `validate` and `profile` use to estimate duplicates.
/// `None` when the table has nothing to match on.
pub fn cluster_rows(
    raw: &crate::table::Table,
    normalized: &crate::table::Table,
    roles: &[crate::schema::Role],
    rules: &crate::config::RuleFile,
    threshold: f64,
    progress: &dyn Progress,
) -> Result<Option<Vec<u32>>, MatchError> {
    let id_column = crate::schema::resolve::default_id_column(raw, roles);
    let identifiers = crate::schema::resolve::identifier_columns(raw, rules, id_column);
    let sources = features::Sources::from_roles(&normalized.headers, roles, &identifiers);
    let features = features::Features::compute(normalized, &sources);
    if features.kinds.is_empty() {
        return Ok(None);
    }
    let settings = Settings {
        threshold,
        max_block: rules.dedupe.max_block.unwrap_or(MAX_BLOCK),
        model: None,
        blocking: rules.dedupe.blocking.clone(),
        anchors: 0,
        keep_pairs: false,
        decisions: Vec::new(),
        review_below: None,
    };
    let outcome = run(&features, &settings, progress)?;
    Ok(Some(outcome.clusters.cluster_of))
}

/// A model saved by `--save-model`.
pub fn load_model(path: &std::path::Path) -> Result<Model, MatchError> {
    let text = std::fs::read_to_string(path).map_err(|error| MatchError::ReadModel {
        path: path.display().to_string(),
        error,
    })?;
    serde_json::from_str(&text).map_err(|error| MatchError::NotAModel {
        path: path.display().to_string(),
        error,
    })
}

#[cfg(test)]
mod exhaustive_tests;

/// FEBRL 1 (`fixtures/febrl/febrl1.csv`, records nobody here wrote) as
/// features, its suburb column replaced by `town(row)` (the row's fields
/// as read, `row[6]` the suburb itself).
#[cfg(test)]
fn febrl1_features(town: impl Fn(&[String]) -> String) -> Features {
    use crate::schema::Role;
    let text = include_str!("../../fixtures/febrl/febrl1.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let role = |header: &str| match header {
        "given_name" => Role::FirstName,
        "surname" => Role::LastName,
        "street_number" | "address_1" | "address_2" => Role::Street,
        "suburb" => Role::City,
        "postcode" => Role::PostalCode,
        "date_of_birth" => Role::Date,
        _ => Role::Text,
    };
    let roles: Vec<Role> = headers.iter().map(|h| role(h)).collect();
    let identifier = headers.iter().position(|h| h == "soc_sec_id").unwrap();
    let suburb = headers.iter().position(|h| h == "suburb").unwrap();
    let mut table = crate::table::Table::new(headers.clone());
    for record in reader.records() {
        let mut row: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        row[suburb] = town(&row);
        table.push_row(row.iter().map(String::as_str));
    }
    let sources = features::Sources::from_roles(&headers, &roles, &[identifier]);
    Features::compute(&table, &sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;

    const KINDS: [Kind; 6] = [FirstName, LastName, BirthDate, Email, Phone, Street];

    #[test]
    fn guards_tell_people_apart() {
        // Household: first names differ, birth dates differ, same landline and street.
        assert!(different_people(&KINDS, &[6, 1, 5, 3, 1, 1]));
        // Namesakes: same names, birth dates differ, nothing personal shared.
        assert!(different_people(&KINDS, &[1, 1, 5, 3, 3, 4]));
        // Other surname, other birth date, shared phone.
        assert!(different_people(&KINDS, &[1, 4, 5, 3, 1, 4]));
        // A couple with one family mailbox: other first name, birth date
        // missing or apart, same e-mail and street.
        assert!(different_people(&KINDS, &[6, 1, 0, 1, 3, 1]));
        assert!(different_people(&KINDS, &[6, 1, 5, 1, 3, 1]));
        // One first name, one mailbox, birth dates apart: a parent and a
        // child of one name, or a couple of one first name.
        assert!(different_people(&KINDS, &[1, 1, 5, 1, 3, 1]));
        assert!(different_people(&KINDS, &[1, 3, 5, 1, 3, 4]));
        assert!(different_people(&KINDS, &[1, 4, 5, 1, 1, 1]));
        // One name, one mailbox and landline, birth dates apart: a parent
        // and a child of one name (Jr. / Sr.).
        assert!(different_people(&KINDS, &[1, 1, 5, 1, 1, 1]));
        assert!(different_people(&KINDS, &[1, 1, 5, 0, 1, 1]));
        // Same names and landline and street, birth dates and e-mails differ
        // (a mother and daughter of the same name).
        assert!(different_people(&KINDS, &[1, 1, 5, 3, 1, 1]));
        // Similar surname, shared mobile, birth dates apart.
        assert!(different_people(&KINDS, &[1, 3, 5, 0, 1, 4]));
        // Same first name, other surname, shared office phone, no birth date.
        assert!(different_people(&KINDS, &[1, 4, 0, 3, 1, 4]));
        // Namesakes whose birth dates are one typo apart, nothing shared
        // and e-mails, phones and streets all different.
        assert!(different_people(&KINDS, &[1, 1, 3, 3, 3, 4]));
        // Same first name and birth date, surname only somewhat alike,
        // nothing shared (Elizabeth Belman, Elizabeth Blackwick).
        assert!(different_people(&KINDS, &[1, 3, 1, 3, 3, 4]));
        // Same surname and birth date, other first name, nothing shared:
        // twins, or strangers in a big file (Matthew and Laura Souza).
        assert!(different_people(&KINDS, &[6, 1, 1, 3, 3, 4]));
    }

    #[test]
    fn guards_leave_real_duplicates_alone() {
        // Nickname, same birth date, new e-mail, same phone.
        assert!(!different_people(&KINDS, &[2, 1, 1, 3, 1, 4]));
        // Birth date missing, same e-mail, a nickname.
        assert!(!different_people(&KINDS, &[2, 1, 0, 1, 3, 1]));
        // Birth date mistyped in the year, names and street the same.
        assert!(!different_people(&KINDS, &[1, 1, 5, 0, 0, 1]));
        // New surname (marriage), same birth date and phone.
        assert!(!different_people(&KINDS, &[1, 4, 1, 3, 1, 4]));
        // Birth date one typo apart, new e-mail, same phone.
        assert!(!different_people(&KINDS, &[1, 1, 3, 3, 1, 4]));
        // Other first name, same birth date, the street's words in another
        // order (FEBRL swaps address lines with the names).
        assert!(!different_people(&KINDS, &[6, 1, 1, 0, 0, 3]));
        // New surname (marriage) or names swapped with one replaced, same
        // birth date, the street's words shared, nothing else in common
        // (FEBRL 3: keelin priest / keelni de wouytch, flynn weller /
        // weller ebony, both at one house).
        assert!(!different_people(&KINDS, &[2, 4, 1, 3, 3, 3]));
        assert!(!different_people(&KINDS, &[6, 4, 1, 0, 0, 3]));
        // The same with another street: still two people.
        assert!(different_people(&KINDS, &[2, 4, 1, 3, 3, 4]));
        // Moved, birth date missing, one mailbox name at another provider:
        // the mailbox name is shared as a mailbox is (not namesakes)…
        assert!(!different_people(&KINDS, &[1, 1, 0, 2, 0, 4]));
        // …a surname only somewhat alike too (a typo after a move)…
        assert!(!different_people(&KINDS, &[1, 3, 1, 2, 0, 4]));
        // …but not another mailbox name, nor birth dates clearly apart.
        assert!(different_people(&KINDS, &[1, 1, 0, 3, 0, 4]));
        assert!(different_people(&KINDS, &[1, 1, 5, 2, 0, 4]));
    }

    /// A file without a birth-date column cannot tell a namesake from a
    /// move: one name at a new address with nothing shared is left to the
    /// weights. With the column, a missing birth date keeps the clause.
    #[test]
    fn namesakes_need_a_birth_date_column() {
        let without_birth = [FirstName, LastName, Email, Phone, Street];
        assert!(!different_people(&without_birth, &[1, 1, 3, 0, 4]));
        assert!(different_people(&KINDS, &[1, 1, 0, 3, 0, 4]));
        // The household clause still reads a missing birth date.
        assert!(different_people(&without_birth, &[6, 1, 3, 1, 1]));
    }

    /// An id number one typo apart vouches for a record whose first name
    /// was replaced, as it does for a wrong birth date or a new surname;
    /// another id number is a household member's.
    #[test]
    fn a_mistyped_id_number_carries_a_replaced_first_name() {
        let kinds = [
            FirstName, LastName, BirthDate, Street, PostalCode, Identifier,
        ];
        assert!(!different_people(&kinds, &[6, 1, 0, 1, 1, 2]));
        assert!(different_people(&kinds, &[6, 1, 0, 1, 1, 3]));
        assert!(different_people(&kinds, &[6, 1, 0, 1, 1, 0]));
    }

    /// The town within a postcode weighs what the file says it does. In
    /// FEBRL 1 suburbs are drawn apart from postcodes: two strangers in one
    /// postcode rarely share one, a record and its duplicate mostly do, and
    /// a shared suburb counts (it carries `april herbert` / `april
    /// harrington` — same address, other surname, birth date and id — over
    /// the threshold). Give every postcode one town, as most exports do,
    /// and the same records' shared town weighs nothing: it says no more
    /// than the postcode.
    #[test]
    fn a_town_within_a_postcode_weighs_what_the_file_says() {
        let settings = Settings {
            threshold: DEFAULT_THRESHOLD,
            max_block: MAX_BLOCK,
            model: None,
            blocking: None,
            anchors: 0,
            keep_pairs: false,
            decisions: Vec::new(),
            review_below: None,
        };
        let exact_town = |town: &dyn Fn(&[String]) -> String| {
            let features = febrl1_features(town);
            let outcome = run(&features, &settings, &crate::progress::Silent).unwrap();
            let city = outcome.kinds.iter().position(|&k| k == City).unwrap();
            (outcome.model.weight(city, 1), outcome.clusters.cluster_of)
        };
        let (drawn_apart, clusters) = exact_town(&|row| row[6].clone());
        assert!(drawn_apart > 2.0, "{drawn_apart}");
        // Rows 1 + the record numbers of rec-116-org and rec-116-dup-0.
        let text = include_str!("../../fixtures/febrl/febrl1.csv");
        let row_of = |id: &str| {
            text.lines()
                .skip(1)
                .position(|l| l.starts_with(id))
                .unwrap()
        };
        let (original, duplicate) = (row_of("rec-116-org,"), row_of("rec-116-dup-0,"));
        assert_eq!(clusters[original], clusters[duplicate]);
        let (one_per_postcode, _) = exact_town(&|row| format!("town {}", row[7]));
        assert!(one_per_postcode.abs() < 0.1, "{one_per_postcode}");
    }
}
