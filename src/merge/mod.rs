//! Golden records: one row per cluster, each field chosen among the
//! members' values by a survivorship rule, with lineage (which member gave
//! which field).
//!
//! Defaults a steward would pick: names, addresses and other text by a vote
//! among variants (the `most-frequent` rule, see [`vote`]: valid before
//! invalid, spellings of one value voting together, the best-formed
//! spelling, names and addresses from members that agree); contact fields
//! (e-mail, phone) the same, ties to the most recent record when a recency
//! column (`updated_at`, `last_…`, `modified`, else `created_at`) exists;
//! `created_at`-like dates the earliest, `updated`/`last` dates the latest;
//! amounts the largest; opt-out flags `true` if any member opted out.
//! Empty values never win over a value.
//!
//! Guarantees: deterministic (ties end at the earliest member row, whatever
//! the thread count); a golden value is one member's value, except the
//! fills lineage marks `derived` (a full name from the chosen first and
//! last name, a country from a phone's calling code).

pub mod clusters;
pub mod external;
mod rules;
mod vote;

pub use rules::{default_rule, recency_column, survivorship_rules, Survivorship};
pub use vote::{canonical, well_formed, Choice};

use crate::schema::Role;
use crate::table::{Column, Table};
use rayon::prelude::*;
use std::borrow::Cow;

/// One golden field's origin.
pub struct Lineage {
    pub cluster: u32,
    pub column: usize,
    /// Row of the member the value came from (None: derived, or all
    /// members empty).
    pub source_row: Option<usize>,
    /// A value built from other chosen fields (rule `derived`).
    pub derived: Option<String>,
}

pub struct Golden {
    pub table: Table,
    /// Member rows per golden row.
    pub members: Vec<Vec<usize>>,
    /// The number of the first golden row's cluster (1 unless the clusters
    /// were merged a batch at a time, see [`decide_gathered`]).
    pub first_cluster: u32,
    /// For clusters of two or more records, every field's origin; for
    /// single records, the fields derived from their other fields. Empty
    /// unless asked for.
    pub lineage: Vec<Lineage>,
    /// Clusters (1-based) whose members disagree on identity: two members
    /// with different first names (nicknames aside) *and* different birth
    /// dates. Their golden row is one member's person, but a steward should
    /// look: it may be two people.
    pub conflicts: Vec<u32>,
}

/// What deciding a cluster reads besides its members' rows: one rule per
/// column, the roles (how values vote), the coherent groups, and how often
/// each spelling occurs in the whole column (names and places break ties
/// by it). Built once per file; every cluster is decided on its own.
pub struct Voters<'a> {
    rules: &'a [Survivorship],
    recency: Option<usize>,
    roles: &'a [Role],
    groups: Vec<Vec<usize>>,
    in_file: Vec<Option<vote::Frequencies>>,
    fills: Fills,
}

/// The columns [`derive`] fills from or into, found once per file: a
/// single record whose cells there leave nothing to fill (nearly all of
/// them) is decided without looking at its other cells.
struct Fills {
    names: Option<(usize, usize)>,
    full_names: Vec<usize>,
    countries: Vec<usize>,
    phones: Vec<usize>,
}

impl Fills {
    fn new(roles: &[Role]) -> Self {
        let all = |role: Role| (0..roles.len()).filter(|&c| roles[c] == role).collect();
        let first = |role: Role| roles.iter().position(|&r| r == role);
        Fills {
            names: first(Role::FirstName).zip(first(Role::LastName)),
            full_names: all(Role::FullName),
            countries: all(Role::Country),
            phones: all(Role::Phone),
        }
    }

    /// Whether [`derive`] may fill something in `row`'s own record (every
    /// case it fills in, and perhaps a few it then does not).
    fn possible(&self, table: &Table, row: usize) -> bool {
        let blank = |c: usize| is_blank(table.columns[c].get(row));
        let names = self.names.is_some_and(|(first, last)| {
            let (first, last) = (blank(first), blank(last));
            (first && last && self.full_names.iter().any(|&c| !blank(c)))
                || (!first && !last && self.full_names.iter().any(|&c| blank(c)))
        });
        names
            || (self.countries.iter().any(|&c| blank(c)) && self.phones.iter().any(|&c| !blank(c)))
    }
}

/// `value.trim().is_empty()`, answered from the first byte for the usual
/// value that starts with a printable ASCII character (every byte from
/// `!` to `~` is outside Unicode's `White_Space`).
fn is_blank(value: &str) -> bool {
    match value.as_bytes().first() {
        None => true,
        Some(&b) if b > b' ' && b < 0x7f => false,
        Some(_) => value.trim().is_empty(),
    }
}

impl<'a> Voters<'a> {
    /// `in_file`: per column, the counts of its spellings in the whole file
    /// where [`Voters::counts`] says they are read (else `None`).
    pub fn new(
        rules: &'a [Survivorship],
        recency: Option<usize>,
        roles: &'a [Role],
        in_file: Vec<Option<Frequencies>>,
    ) -> Self {
        Voters {
            rules,
            recency,
            roles,
            groups: vote::coherent_groups(roles),
            in_file,
            fills: Fills::new(roles),
        }
    }

    /// Whether column `c`'s vote reads how often its spellings occur in the
    /// whole file.
    pub fn counts(rules: &[Survivorship], roles: &[Role], c: usize) -> bool {
        vote::uses_frequencies(roles[c]) && votes(rules[c])
    }

    /// A single record keeps its values; only gaps derivable from its own
    /// fields are filled (as they would be were it merged), so a golden row
    /// does not change when a later run re-merges it with itself.
    fn single(&self, table: &Table, only: usize) -> Decision {
        if !self.fills.possible(table, only) {
            return Decision::Single(Vec::new());
        }
        Decision::Single(self.single_fills(table, only))
    }

    /// The fills of [`Voters::single`], worked out on every column.
    fn single_fills(&self, table: &Table, only: usize) -> Vec<(usize, String)> {
        let mut single = vec![Choice::Member(only); table.columns.len()];
        for (c, choice) in single.iter_mut().enumerate() {
            if is_blank(table.columns[c].get(only)) {
                *choice = Choice::Empty;
            }
        }
        derive(table, self.roles, &mut single);
        single
            .into_iter()
            .enumerate()
            .filter_map(|(c, choice)| match choice {
                Choice::Derived(value) => Some((c, value)),
                _ => None,
            })
            .collect()
    }

    /// Every column's choice for a cluster of two or more rows of `table`.
    fn merged(&self, table: &Table, rows: &[usize]) -> Vec<Choice> {
        decide(
            table,
            rows,
            self.rules,
            self.recency,
            self.roles,
            &self.groups,
            &self.in_file,
        )
    }
}

pub use vote::{count_into, Frequencies};

/// Merges `table` (normalized) by `cluster_of` (1-based, numbered by first
/// row) with one rule per column; `roles` say how values vote
/// ([`vote`]). Clusters are decided in parallel, each on its own.
pub fn merge(
    table: &Table,
    cluster_of: &[u32],
    clusters: usize,
    rules: &[Survivorship],
    recency: Option<usize>,
    roles: &[Role],
    with_lineage: bool,
) -> Golden {
    decide_clusters(
        table,
        cluster_of,
        clusters,
        rules,
        recency,
        roles,
        with_lineage,
    )
    .into_golden(table)
}

/// What [`merge`] decides, before the golden table is laid out: a writer
/// formats the golden records from it and `table` (see [`Decided::cell`])
/// without a copy of the rows the golden records share with `table`.
pub fn decide_clusters(
    table: &Table,
    cluster_of: &[u32],
    clusters: usize,
    rules: &[Survivorship],
    recency: Option<usize>,
    roles: &[Role],
    with_lineage: bool,
) -> Decided {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); clusters];
    for (row, &c) in cluster_of.iter().enumerate() {
        members[c as usize - 1].push(row);
    }
    // Names and places break ties by how common a spelling is in the file
    // (counted only when something is merged).
    let any_merged = members.iter().any(|m| m.len() > 1);
    let in_file: Vec<Option<vote::Frequencies>> = (0..table.columns.len())
        .map(|c| {
            (any_merged && Voters::counts(rules, roles, c)).then(|| vote::frequencies(table, c))
        })
        .collect();
    let voters = Voters::new(rules, recency, roles, in_file);
    // Merged clusters are decided a slice at a time on a gathered copy of
    // their rows, laid out cluster by cluster: a cluster's members lie
    // anywhere in the file, and reading each of their cells where it lies
    // (several times per cluster) made deciding wait on memory. The copy
    // keeps each cluster's rows in their order, so every tie broken by row
    // order breaks the same way; the winners are mapped back to file rows.
    let mut choices: Vec<Decision> = Vec::with_capacity(clusters);
    for slice in members.chunks(GATHER_CLUSTERS) {
        let gathered_rows: Vec<usize> = slice
            .iter()
            .filter(|rows| rows.len() > 1)
            .flatten()
            .copied()
            .collect();
        let local = gather(table, &gathered_rows);
        let mut next = 0;
        let local_rows: Vec<Vec<usize>> = slice
            .iter()
            .map(|rows| {
                if rows.len() > 1 {
                    next += rows.len();
                    (next - rows.len()..next).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let decided: Vec<Decision> = slice
            .par_iter()
            .zip(&local_rows)
            .map(|(rows, local_members)| match rows.as_slice() {
                [only] => voters.single(table, *only),
                _ => {
                    let mut decision = voters.merged(&local, local_members);
                    for choice in &mut decision {
                        if let Choice::Member(r) = choice {
                            *r = gathered_rows[*r];
                        }
                    }
                    Decision::Merged(decision)
                }
            })
            .collect();
        choices.extend(decided);
    }
    assemble(table, roles, members, choices, 1, with_lineage)
}

/// The golden rows of clusters numbered from `first_cluster`, whose members
/// are all the rows of `local`, cluster after cluster, each cluster's rows
/// in file order (`members` index `local`). What [`merge`] decides for the
/// same clusters, for a caller that gathered them itself (the external
/// merge, which reads them sorted by cluster from disk): the golden
/// rows (see [`Decided::cell`]), members and lineage rows index `local`.
pub fn decide_gathered(
    local: &Table,
    members: Vec<Vec<usize>>,
    first_cluster: u32,
    voters: &Voters,
    with_lineage: bool,
) -> Decided {
    let choices: Vec<Decision> = members
        .par_iter()
        .map(|rows| match rows.as_slice() {
            [only] => voters.single(local, *only),
            _ => Decision::Merged(voters.merged(local, rows)),
        })
        .collect();
    assemble(
        local,
        voters.roles,
        members,
        choices,
        first_cluster,
        with_lineage,
    )
}

/// Every cluster's decision, lineage and identity conflicts (clusters
/// numbered from `first_cluster`).
fn assemble(
    table: &Table,
    roles: &[Role],
    members: Vec<Vec<usize>>,
    choices: Vec<Decision>,
    first_cluster: u32,
    with_lineage: bool,
) -> Decided {
    // Each cluster's first row side by side: every golden column reads it,
    // and reading it through `members` took one scattered allocation per
    // cluster per column.
    let firsts: Vec<usize> = members.iter().map(|rows| rows[0]).collect();
    // One entry per field of every merged cluster (56 bytes each: 1.9 GB at
    // 10M records): built only when it will be written.
    let mut lineage = Vec::new();
    for (k, decision) in choices.iter().enumerate().filter(|_| with_lineage) {
        let cluster = first_cluster + k as u32;
        match decision {
            Decision::Single(derived) => {
                for (c, value) in derived {
                    lineage.push(Lineage {
                        cluster,
                        column: *c,
                        source_row: None,
                        derived: Some(value.clone()),
                    });
                }
            }
            Decision::Merged(choices) => {
                for (c, choice) in choices.iter().enumerate() {
                    let (source_row, derived) = match choice {
                        Choice::Empty => (None, None),
                        Choice::Member(r) => (Some(*r), None),
                        Choice::Derived(value) => (None, Some(value.clone())),
                    };
                    lineage.push(Lineage {
                        cluster,
                        column: c,
                        source_row,
                        derived,
                    });
                }
            }
        }
    }
    let conflicts = identity_conflicts(table, roles, &members, first_cluster);
    Decided {
        decisions: choices,
        firsts,
        rows: table.row_count(),
        members,
        first_cluster,
        lineage,
        conflicts,
    }
}

/// Every cluster's golden row as decided, before it is laid out: each cell
/// is read from the table the clusters were decided on (a member's value)
/// or held here (a value built from other fields). Most golden rows are a
/// single record's own row: a writer formats them from that table
/// ([`Decided::cell`]) rather than from a copy of it.
pub struct Decided {
    decisions: Vec<Decision>,
    /// Each cluster's first member row.
    firsts: Vec<usize>,
    /// Rows of the table the clusters were decided on.
    rows: usize,
    /// Member rows per golden row.
    pub members: Vec<Vec<usize>>,
    /// The number of the first golden row's cluster.
    pub first_cluster: u32,
    /// As [`Golden::lineage`].
    pub lineage: Vec<Lineage>,
    /// As [`Golden::conflicts`].
    pub conflicts: Vec<u32>,
}

impl Decided {
    /// Golden rows (clusters).
    pub fn len(&self) -> usize {
        self.decisions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.decisions.is_empty()
    }

    /// Column `column` of golden row `k`. `table` must be the table the
    /// clusters were decided on (the golden rows read its cells).
    #[inline]
    pub fn cell<'a>(&'a self, table: &'a Table, k: usize, column: usize) -> &'a str {
        debug_assert_eq!(table.row_count(), self.rows, "not the table decided on");
        match &self.decisions[k] {
            Decision::Single(derived) => match derived.iter().find(|(d, _)| *d == column) {
                Some((_, value)) => value,
                None => table.columns[column].get(self.firsts[k]),
            },
            Decision::Merged(choices) => match &choices[column] {
                Choice::Empty => "",
                Choice::Member(r) => table.columns[column].get(*r),
                Choice::Derived(value) => value,
            },
        }
    }

    /// Asks for the cell [`Decided::cell`] will read for golden row `k`,
    /// column `column`: its offset, or (`text`) its text.
    #[inline]
    pub fn prefetch(&self, table: &Table, k: usize, column: usize, text: bool) {
        let row = match &self.decisions[k] {
            Decision::Single(_) => self.firsts[k],
            Decision::Merged(choices) => match choices[column] {
                Choice::Member(r) => r,
                _ => return,
            },
        };
        let column = &table.columns[column];
        if text {
            column.prefetch_cell(row);
        } else {
            column.prefetch_offset(row);
        }
    }

    /// The golden table laid out from `table`, the table the clusters were
    /// decided on (columns in parallel, largest first).
    pub fn into_golden(self, table: &Table) -> Golden {
        assert_eq!(table.row_count(), self.rows, "not the table decided on");
        let clusters = self.len();
        let columns: Vec<Column> = crate::table::par_map_columns(&table.columns, |c, column| {
            let mut out = Column::with_capacity(clusters, column.byte_len());
            for k in 0..clusters {
                out.push(self.cell(table, k, c));
            }
            out
        });
        Golden {
            table: Table {
                headers: table.headers.clone(),
                columns,
            },
            members: self.members,
            first_cluster: self.first_cluster,
            lineage: self.lineage,
            conflicts: self.conflicts,
        }
    }
}

/// Clusters decided per gathered slice (see [`merge`]): at most a few
/// hundred thousand rows copied at a time.
pub(crate) const GATHER_CLUSTERS: usize = 1 << 16;

/// The rows `rows` of `table`, in that order (columns in parallel).
fn gather(table: &Table, rows: &[usize]) -> Table {
    let columns = crate::table::par_map_columns(&table.columns, |_, column| {
        // Room for cells of the column's average length (a wide note
        // column grew its copy a dozen times from 16 bytes a cell).
        let average = column.byte_len() / column.len().max(1);
        let mut out = Column::with_capacity(rows.len(), rows.len() * (average + 1));
        // The rows lie anywhere in the file: each cell's offset and then
        // its text are asked for some rows ahead, so that the copy does
        // not wait on memory for every cell.
        const AHEAD: usize = 16;
        for (i, &r) in rows.iter().enumerate() {
            if let Some(&far) = rows.get(i + 2 * AHEAD) {
                column.prefetch_offset(far);
            }
            if let Some(&near) = rows.get(i + AHEAD) {
                column.prefetch_cell(near);
            }
            out.push(column.get(r));
        }
        out
    });
    Table {
        headers: table.headers.clone(),
        columns,
    }
}

/// Clusters whose members disagree on first name and birth date at once.
fn identity_conflicts(
    table: &Table,
    roles: &[Role],
    members: &[Vec<usize>],
    first_cluster: u32,
) -> Vec<u32> {
    let first = roles.iter().position(|&r| r == Role::FirstName);
    let birth = (0..roles.len()).find(|&c| {
        matches!(roles[c], Role::Date)
            && crate::schema::meaning::says(&table.headers[c], crate::schema::meaning::BIRTH)
    });
    let (Some(first), Some(birth)) = (first, birth) else {
        return Vec::new();
    };
    let key = |r: usize| {
        let name = table.columns[first].get(r);
        let date = table.columns[birth].get(r).trim();
        (!name.trim().is_empty() && !date.is_empty())
            .then(|| (vote::canonical(Role::FirstName, name).into_owned(), date))
    };
    members
        .par_iter()
        .enumerate()
        .filter(|(_, rows)| rows.len() > 1)
        // One spelling of the first name: no two members differ on it.
        .filter(|(_, rows)| {
            let name = table.columns[first].get(rows[0]);
            rows.iter().any(|&r| table.columns[first].get(r) != name)
        })
        .filter(|(_, rows)| {
            let keys: Vec<(String, &str)> = rows.iter().filter_map(|&r| key(r)).collect();
            keys.iter().enumerate().any(|(i, (name_a, date_a))| {
                keys[i + 1..].iter().any(|(name_b, date_b)| {
                    // An initial agrees with the names it may abbreviate.
                    let names_differ = name_a != name_b
                        && !(name_a.chars().count() == 1 && name_b.starts_with(name_a.as_str()))
                        && !(name_b.chars().count() == 1 && name_a.starts_with(name_b.as_str()));
                    names_differ && date_a != date_b
                })
            })
        })
        .map(|(k, _)| first_cluster + k as u32)
        .collect()
}

/// One cluster's outcome: a single record's derived fills, or every
/// column's choice for a merged cluster.
enum Decision {
    Single(Vec<(usize, String)>),
    Merged(Vec<Choice>),
}

/// Rules decided by a vote among variants ([`vote`]).
fn votes(rule: Survivorship) -> bool {
    matches!(rule, Survivorship::MostFrequent | Survivorship::MostRecent)
}

/// Every column's choice for one cluster of two or more member rows.
fn decide(
    table: &Table,
    rows: &[usize],
    rules: &[Survivorship],
    recency: Option<usize>,
    roles: &[Role],
    groups: &[Vec<usize>],
    in_file: &[Option<vote::Frequencies>],
) -> Vec<Choice> {
    let value = |c: usize, r: usize| table.columns[c].get(r);
    let filled = |c: usize, among: &[usize]| -> Vec<usize> {
        among
            .iter()
            .copied()
            .filter(|&r| !is_blank(value(c, r)))
            .collect()
    };
    let mut choices = vec![Choice::Empty; table.columns.len()];
    let mut done = vec![false; table.columns.len()];
    // Members whose first and last name are the other way round do not
    // vote on names.
    let reversed = reversed_names(table, rows, roles, in_file);
    let oriented: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|r| !reversed.contains(r))
        .collect();
    // Coherent groups: each column among the members that agree with the
    // group's columns chosen before it (misspellings agree: `Casron` is
    // `Carson`).
    for group in groups {
        let names = group
            .iter()
            .any(|&c| matches!(roles[c], Role::FirstName | Role::LastName | Role::FullName));
        let base: &[usize] = if names { &oriented } else { rows };
        let mut agreeing: Vec<usize> = base.to_vec();
        for &c in group.iter().filter(|&&c| votes(rules[c])) {
            let mut pool = filled(c, &agreeing);
            if pool.is_empty() {
                pool = filled(c, base);
            }
            done[c] = true;
            let Some(winner) = vote::vote(
                table,
                c,
                roles[c],
                &pool,
                rules[c],
                recency,
                in_file[c].as_ref(),
            ) else {
                continue;
            };
            choices[c] = Choice::Member(winner);
            // The winner's exact spelling agrees without its key computed.
            let spelled = value(c, winner);
            let key = std::cell::OnceCell::new();
            // Each other spelling judged once (members repeat spellings).
            let mut judged: Vec<(&str, bool)> = Vec::new();
            let same: Vec<usize> = agreeing
                .iter()
                .copied()
                .filter(|&r| {
                    let own = value(c, r);
                    if own == spelled {
                        return true;
                    }
                    if let Some(&(_, agrees)) = judged.iter().find(|(s, _)| *s == own) {
                        return agrees;
                    }
                    let key = key.get_or_init(|| vote::canonical(roles[c], spelled));
                    let agrees = vote::variant(roles[c], &vote::canonical(roles[c], own), key);
                    judged.push((own, agrees));
                    agrees
                })
                .collect();
            if !same.is_empty() {
                agreeing = same;
            }
        }
    }
    for c in 0..table.columns.len() {
        if done[c] {
            continue;
        }
        let winner = if votes(rules[c]) {
            vote::vote(
                table,
                c,
                roles[c],
                &filled(c, rows),
                rules[c],
                recency,
                in_file[c].as_ref(),
            )
        } else {
            pick(
                &table.columns[c],
                rows,
                rules[c],
                recency.map(|r| &table.columns[r]),
            )
        };
        if let Some(r) = winner {
            choices[c] = Choice::Member(r);
        }
    }
    derive(table, roles, &mut choices);
    choices
}

/// The members whose first and last name are swapped (`Dunmore Samantha`
/// beside `Samantha Dunmore`). Which way round is right is read from the
/// file: the orientation whose first name is more common among the file's
/// first names, and last name among its last names, wins; a tie leaves
/// every member voting.
fn reversed_names(
    table: &Table,
    rows: &[usize],
    roles: &[Role],
    in_file: &[Option<vote::Frequencies>],
) -> Vec<usize> {
    let column = |role: Role| roles.iter().position(|&r| r == role);
    let (Some(first), Some(last)) = (column(Role::FirstName), column(Role::LastName)) else {
        return Vec::new();
    };
    // Members that all spell both names alike cannot be the other way round.
    let spelled = |r: usize| (table.columns[first].get(r), table.columns[last].get(r));
    if rows.iter().all(|&r| spelled(r) == spelled(rows[0])) {
        return Vec::new();
    }
    let key = |c: usize, r: usize| vote::canonical(Role::LastName, table.columns[c].get(r));
    // Keys once per spelling (members mostly repeat one another's).
    let mut keys: Vec<(Cow<str>, Cow<str>)> = Vec::with_capacity(rows.len());
    for (i, &r) in rows.iter().enumerate() {
        let pair = match rows[..i].iter().position(|&o| spelled(o) == spelled(r)) {
            Some(earlier) => keys[earlier].clone(),
            None => (key(first, r), key(last, r)),
        };
        keys.push(pair);
    }
    let same =
        |a: &str, b: &str| !a.is_empty() && !b.is_empty() && vote::variant(Role::LastName, a, b);
    let swapped_pair = (0..rows.len()).find_map(|i| {
        (0..rows.len()).find_map(|j| {
            let ((fi, li), (fj, lj)) = (&keys[i], &keys[j]);
            (same(fi, lj) && same(li, fj) && !same(fi, fj)).then_some((i, j))
        })
    });
    let Some((i, j)) = swapped_pair else {
        return Vec::new();
    };
    let count = |c: usize, value: &str| -> u64 {
        in_file[c]
            .as_ref()
            .map_or(0, |counts| u64::from(vote::count(counts, value)))
    };
    let (fi, li) = (
        table.columns[first].get(rows[i]),
        table.columns[last].get(rows[i]),
    );
    // Odds that each name is a first rather than a last name in this file
    // (add-one smoothed), multiplied: `Thomas` is both, `Andrew` nearly
    // only a first name, so `Andrew Thomas` beats `Thomas Andrew` though
    // `Thomas` is the commoner first name.
    let as_is = u128::from(count(first, fi) + 1) * u128::from(count(last, li) + 1);
    let turned = u128::from(count(first, li) + 1) * u128::from(count(last, fi) + 1);
    let right = match as_is.cmp(&turned) {
        std::cmp::Ordering::Greater => i,
        std::cmp::Ordering::Less => j,
        std::cmp::Ordering::Equal => return Vec::new(),
    };
    let (rf, rl) = &keys[right];
    (0..rows.len())
        .filter(|&k| {
            let (f, l) = &keys[k];
            same(f, rl) && same(l, rf) && !same(f, rf)
        })
        .map(|k| rows[k])
        .collect()
}

/// Fills a full name from the chosen first and last name, and a country
/// from a chosen phone, where no member has one.
fn derive(table: &Table, roles: &[Role], choices: &mut [Choice]) {
    let chosen = |c: usize, choices: &[Choice]| -> Option<String> {
        match &choices[c] {
            Choice::Member(r) => Some(table.columns[c].get(*r).to_string()),
            Choice::Derived(v) => Some(v.clone()),
            Choice::Empty => None,
        }
        .filter(|v| !is_blank(v))
    };
    let first_of = |role: Role| roles.iter().position(|&r| r == role);
    if let (Some(first), Some(last)) = (first_of(Role::FirstName), first_of(Role::LastName)) {
        // First and last name from the full name, where both are empty
        // (one of them known would make the split a guess against it).
        let full_columns = || (0..roles.len()).filter(|&c| roles[c] == Role::FullName);
        if choices[first] == Choice::Empty && choices[last] == Choice::Empty {
            let full = full_columns().find_map(|c| chosen(c, choices));
            // Only a certain split: `Gabriel García Márquez` is not guessed.
            if let Some(parts) = full
                .map(|f| crate::normalize::name::split_full(&f))
                .filter(|p| p.certain)
            {
                if !parts.given.is_empty() {
                    choices[first] = Choice::Derived(parts.given);
                }
                if !parts.family.is_empty() {
                    choices[last] = Choice::Derived(parts.family);
                }
            }
        }
        // (The names are copied only where a full name is missing.)
        let full_missing = full_columns().any(|c| choices[c] == Choice::Empty);
        if full_missing {
            if let (Some(f), Some(l)) = (chosen(first, choices), chosen(last, choices)) {
                for c in full_columns() {
                    if choices[c] == Choice::Empty {
                        choices[c] = Choice::Derived(crate::normalize::name::join_full(&f, &l));
                    }
                }
            }
        }
    }
    let empty_countries: Vec<usize> = (0..roles.len())
        .filter(|&c| roles[c] == Role::Country && choices[c] == Choice::Empty)
        .collect();
    if empty_countries.is_empty() {
        return;
    }
    let country = (0..roles.len())
        .filter(|&c| roles[c] == Role::Phone)
        .find_map(|c| chosen(c, choices).and_then(|p| vote::country_of_phone(&p)));
    if let Some(code) = country {
        for c in empty_countries {
            choices[c] = Choice::Derived(code.to_string());
        }
    }
}

/// The member row whose value survives (rows are in input order).
fn pick(
    column: &Column,
    rows: &[usize],
    rule: Survivorship,
    recency: Option<&Column>,
) -> Option<usize> {
    let filled: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|&r| !is_blank(column.get(r)))
        .collect();
    if filled.is_empty() {
        return None;
    }
    // `max_by_key` keeps the last maximum; rows are reversed so the earliest wins ties.
    let best_by = |key: &dyn Fn(usize) -> Option<f64>| -> Option<usize> {
        filled
            .iter()
            .rev()
            .copied()
            .filter_map(|r| key(r).map(|k| (r, k)))
            .max_by(|x, y| x.1.total_cmp(&y.1))
            .map(|(r, _)| r)
    };
    let text_best = |greater: bool| -> Option<usize> {
        let mut best: Option<usize> = None;
        for &r in &filled {
            let better = match best {
                None => true,
                Some(b) if greater => column.get(r) > column.get(b),
                Some(b) => column.get(r) < column.get(b),
            };
            if better {
                best = Some(r);
            }
        }
        best
    };
    match rule {
        Survivorship::First => filled.first().copied(),
        Survivorship::Longest => best_by(&|r| Some(column.get(r).chars().count() as f64)),
        Survivorship::Earliest => text_best(false),
        Survivorship::Latest => text_best(true),
        Survivorship::Max => best_by(&|r| number(column.get(r))).or(filled.first().copied()),
        Survivorship::Min => {
            best_by(&|r| number(column.get(r)).map(|n| -n)).or(filled.first().copied())
        }
        Survivorship::AnyTrue => filled
            .iter()
            .copied()
            .find(|&r| column.get(r) == "true")
            .or(filled.first().copied()),
        Survivorship::MostRecent => match recency {
            Some(dates) => {
                let dated: Vec<usize> = filled
                    .iter()
                    .copied()
                    .filter(|&r| !dates.get(r).is_empty())
                    .collect();
                let mut best: Option<usize> = None;
                for &r in &dated {
                    if best.is_none_or(|b| dates.get(r) > dates.get(b)) {
                        best = Some(r);
                    }
                }
                best.or_else(|| most_frequent(column, &filled))
            }
            None => most_frequent(column, &filled),
        },
        Survivorship::MostFrequent => most_frequent(column, &filled),
    }
}

fn most_frequent(column: &Column, filled: &[usize]) -> Option<usize> {
    let mut best: Option<(usize, usize, usize)> = None; // (count, length, row)
    for &r in filled {
        let value = column.get(r);
        let count = filled.iter().filter(|&&o| column.get(o) == value).count();
        let length = value.chars().count();
        let better = match best {
            None => true,
            Some((c, l, _)) => count > c || (count == c && length > l),
        };
        if better {
            best = Some((count, length, r));
        }
    }
    best.map(|(_, _, r)| r)
}

fn number(value: &str) -> Option<f64> {
    let cleaned: String = value
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-'))
        .collect();
    cleaned.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[&str]) -> Column {
        values.iter().copied().collect()
    }

    #[test]
    fn most_frequent_then_longest_then_first() {
        let c = column(&["Jon", "John", "John", "J"]);
        assert_eq!(
            pick(&c, &[0, 1, 2, 3], Survivorship::MostFrequent, None),
            Some(1)
        );
        let c = column(&["J", "John"]);
        assert_eq!(pick(&c, &[0, 1], Survivorship::MostFrequent, None), Some(1));
        let c = column(&["Ann", "Amy"]);
        assert_eq!(pick(&c, &[0, 1], Survivorship::MostFrequent, None), Some(0));
    }

    #[test]
    fn blank_is_trimmed_empty() {
        for value in [
            "",
            " ",
            "\t",
            "\x0b",
            "\x0c",
            "\r\n",
            "\u{a0}",
            "\u{3000} ",
            "\u{2028}",
            "\u{85}",
            "x",
            " x",
            "\u{a0}x",
            "~",
            "!",
            "\x7f",
            "é",
            "\u{200b}",
            "\0",
        ] {
            assert_eq!(is_blank(value), value.trim().is_empty(), "{value:?}");
        }
    }

    /// A single record skips the fills only where working them out on
    /// every column finds none: every pattern of blank and filled cells of
    /// the columns fills read or write.
    #[test]
    fn a_single_record_skips_only_fills_that_find_nothing() {
        let headers = [
            "first_name",
            "last_name",
            "full_name",
            "country",
            "phone",
            "notes",
        ];
        let roles = [
            Role::FirstName,
            Role::LastName,
            Role::FullName,
            Role::Country,
            Role::Phone,
            Role::Text,
        ];
        let filled = ["Ann", "Lee", "Ann Lee", "GB", "+447406656376", "x"];
        let blanks = ["", " ", "\u{a0}"];
        let mut rows: Vec<Vec<&str>> = Vec::new();
        for pattern in 0..(1u32 << 5) {
            for blank in blanks {
                rows.push(
                    (0..headers.len())
                        .map(|c| {
                            if pattern & (1 << c) != 0 {
                                blank
                            } else {
                                filled[c]
                            }
                        })
                        .collect(),
                );
            }
        }
        let slices: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
        let table = Table::from_rows(&headers, &slices);
        let rules = vec![Survivorship::MostFrequent; headers.len()];
        let voters = Voters::new(&rules, None, &roles, vec![None; headers.len()]);
        let mut skipped = 0;
        for (row, cells) in rows.iter().enumerate() {
            let Decision::Single(fast) = voters.single(&table, row) else {
                unreachable!()
            };
            let full = voters.single_fills(&table, row);
            assert_eq!(fast, full, "{:?}", cells);
            skipped += usize::from(!voters.fills.possible(&table, row));
        }
        assert!(skipped > 0 && skipped < rows.len());
    }

    #[test]
    fn empty_never_wins() {
        let c = column(&["", "x@y.com", ""]);
        assert_eq!(pick(&c, &[0, 1, 2], Survivorship::First, None), Some(1));
        let c = column(&["", ""]);
        assert_eq!(pick(&c, &[0, 1], Survivorship::MostFrequent, None), None);
    }

    #[test]
    fn dates_numbers_and_flags() {
        let c = column(&["2021-05-01", "2019-01-02", "2023-07-08"]);
        assert_eq!(pick(&c, &[0, 1, 2], Survivorship::Earliest, None), Some(1));
        assert_eq!(pick(&c, &[0, 1, 2], Survivorship::Latest, None), Some(2));
        let c = column(&["10.50", "1200.00", "99"]);
        assert_eq!(pick(&c, &[0, 1, 2], Survivorship::Max, None), Some(1));
        let c = column(&["false", "true", "false"]);
        assert_eq!(pick(&c, &[0, 1, 2], Survivorship::AnyTrue, None), Some(1));
    }

    #[test]
    fn most_recent_follows_the_recency_column() {
        let emails = column(&["old@x.com", "new@x.com"]);
        let updated = column(&["2020-01-01", "2024-03-01"]);
        assert_eq!(
            pick(&emails, &[0, 1], Survivorship::MostRecent, Some(&updated)),
            Some(1)
        );
    }

    fn names_table(rows: &[[&str; 2]]) -> Table {
        let mut t = Table::new(vec!["First".into(), "Last".into()]);
        for row in rows {
            t.push_row(*row);
        }
        t
    }

    fn golden_names(t: &Table, cluster_of: &[u32], clusters: usize) -> Vec<(String, String)> {
        let roles = [Role::FirstName, Role::LastName];
        let rules = [Survivorship::MostFrequent, Survivorship::MostFrequent];
        let golden = merge(t, cluster_of, clusters, &rules, None, &roles, true);
        (0..clusters)
            .map(|k| {
                (
                    golden.table.columns[0].get(k).to_string(),
                    golden.table.columns[1].get(k).to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn swapped_names_are_turned_by_what_the_file_says_a_first_name_is() {
        // Two of three records have the names the other way round; the
        // file's other people say Samantha is a first name.
        let mut rows = vec![
            ["Dunmore", "Samantha"],
            ["Samantha", "Dunmore"],
            ["Dunmore", "Samantha"],
        ];
        rows.extend([
            ["Samantha", "Lee"],
            ["Anna", "Dunmore"],
            ["Samantha", "Roy"],
        ]);
        let t = names_table(&rows);
        let golden = golden_names(&t, &[1, 1, 1, 2, 3, 4], 4);
        assert_eq!(golden[0], ("Samantha".into(), "Dunmore".into()));
    }

    #[test]
    fn a_misspelled_last_name_does_not_take_a_members_first_name_vote() {
        // The last name is Carson (three of five, with `Casron` and
        // `Caroon`); the first name is Joseph (three of five): a
        // misspelled last name still votes for the first name.
        let t = names_table(&[
            ["Joseph", "Casron"],
            ["Jseph", "Carson"],
            ["Jseph", "Carson"],
            ["Joseph", "Carson"],
            ["Joseph", "Caroon"],
        ]);
        let golden = golden_names(&t, &[1, 1, 1, 1, 1], 1);
        assert_eq!(golden[0], ("Joseph".into(), "Carson".into()));
    }

    #[test]
    fn clusters_that_disagree_on_identity_are_flagged() {
        let mut t = Table::new(vec!["First".into(), "Date of Birth".into()]);
        for row in [
            ["Anna", "1980-01-01"],
            ["Anna", "1980-01-02"],
            ["Ben", "1975-05-05"],
            ["Bob", "1975-05-05"],
            ["Carl", "1990-01-01"],
            ["Dora", "1991-02-02"],
            ["E.", "1970-01-01"],
            ["Emma", "1970-03-03"],
        ] {
            t.push_row(row);
        }
        let roles = [Role::FirstName, Role::Date];
        let merged = merge(
            &t,
            &[1, 1, 2, 2, 3, 3, 4, 4],
            4,
            &[Survivorship::MostFrequent, Survivorship::Earliest],
            None,
            &roles,
            false,
        );
        // Same name, another date; another name, same date; an initial:
        // not conflicts. Carl and Dora, born apart: a conflict.
        assert_eq!(merged.conflicts, [3]);
    }

    #[test]
    fn defaults_follow_roles_and_headers() {
        assert_eq!(
            default_rule(Role::Email, "Email", true),
            Survivorship::MostRecent
        );
        assert_eq!(
            default_rule(Role::Date, "Created At", true),
            Survivorship::Earliest
        );
        assert_eq!(
            default_rule(Role::Date, "Last Purchase Date", true),
            Survivorship::Latest
        );
        assert_eq!(
            default_rule(Role::Money, "Lifetime Value", true),
            Survivorship::Max
        );
        assert_eq!(
            default_rule(Role::Boolean, "Email Opt Out", true),
            Survivorship::AnyTrue
        );
        assert_eq!(
            default_rule(Role::FirstName, "First Name", true),
            Survivorship::MostFrequent
        );
    }
}
