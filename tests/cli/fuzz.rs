//! Fuzzing on stable Rust: a small mutation fuzzer over the parsers that
//! take untrusted input — the CSV reader (strict and lenient), the encoding
//! sniffer, the XLSX reader, the rule-file and pipeline loaders, and every
//! normalizer (through the normalize stage, one column per role).
//!
//! Each target starts from seed files of the repository, mutates them
//! (byte flips, CSV and encoding tokens, cut, repeat, splice) with a fixed
//! seed, and checks that the target returns — an `Err` is fine, a panic is
//! not — plus invariants (all columns of a table have one length; what a
//! strict read accepts, a lenient read accepts unchanged). A panicking
//! input is saved under `fuzz-crashes/` and fails the test; copy it into
//! `fixtures/fuzz/<target>/` and it is replayed by every run from then on.
//!
//! CI runs a few thousand inputs per target. Long runs (see docs/fuzzing.md):
//!   FUZZ_ITERATIONS=10000000 cargo test --profile fuzz --test fuzz -- --test-threads 2

use crate::common;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use tidyrec::io::{self, ReadOptions};

fn iterations() -> u64 {
    std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(3_000)
}

/// SplitMix64: small, seedable, the same sequence on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that matter to the parsers: quotes, delimiters, line ends, BOMs,
/// bytes invalid in UTF-8, multi-byte and full-width characters, formula
/// starts, TOML syntax.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\"\"",
    b",",
    b";",
    b"\t",
    b"|",
    b"\n",
    b"\r\n",
    b"\r",
    b"\xEF\xBB\xBF",
    b"\xFF",
    b"\xFE\xFF",
    b"\xC3",
    b"\xE9",
    b"\x81\x40",
    "长安街".as_bytes(),
    "２０２４年５月２日".as_bytes(),
    "＋８６ １３８".as_bytes(),
    b"'",
    b"=",
    b"+",
    b"@",
    b"\x1b[2J",
    b"\x00",
    b"N/A",
    b"0044 20 7946 0958",
    b"05/02/2024",
    b"[[check]]",
    b"=\"",
    b"[",
    b"]",
    b"#",
    b"\\u",
    b"99999999999999999999",
    b"-0",
    b"1e308",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut data = seeds[rng.below(seeds.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        match rng.below(7) {
            0 if len > 0 => {
                let at = rng.below(len);
                data[at] ^= 1 << rng.below(8);
            }
            1 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            2 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(16)).min(len);
                data.drain(at..end);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                let end = (at + 1 + rng.below(64)).min(len);
                let piece = data[at..end].to_vec();
                for _ in 0..1 + rng.below(8) {
                    data.splice(end..end, piece.iter().copied());
                }
            }
            4 => data.truncate(rng.below(len + 1)),
            5 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let at = rng.below(len + 1);
                data.splice(at..at, other[from..].iter().copied());
            }
            _ if len > 0 => {
                let at = rng.below(len);
                data[at] = rng.next() as u8;
            }
            _ => {}
        }
    }
    data
}

fn seed_files(paths: &[&str]) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    paths
        .iter()
        .map(|p| std::fs::read(root.join(p)).unwrap_or_else(|e| panic!("seed {p}: {e}")))
        .map(|bytes| bytes.into_iter().take(4 << 10).collect())
        .collect()
}

/// Saved regressions of a target (`fixtures/fuzz/<target>/*`).
fn regressions(target: &str) -> Vec<Vec<u8>> {
    let dir = common::fixture("fuzz").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

/// Replays the regressions, then runs `iterations()` mutated inputs.
fn fuzz(target: &str, seeds: Vec<Vec<u8>>, check: impl Fn(&[u8]) + Sync) {
    let run_one = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz-crashes");
            std::fs::create_dir_all(&dir).unwrap();
            let name = format!("{target}-{:016x}.bin", fingerprint(input));
            std::fs::write(dir.join(&name), input).unwrap();
            panic!("fuzz target `{target}` panicked; input saved as fuzz-crashes/{name}");
        }
    };
    for input in regressions(target) {
        run_one(&input);
    }
    let mut rng = Rng(0x0074_6964_7972_6563 ^ fingerprint(target.as_bytes()));
    let started = std::time::Instant::now();
    let total = iterations();
    // One worker thread: the inputs are small, and waking a pool for each
    // would cost more than the work (the parallel paths have their own
    // tests); long runs start one process per target instead.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    pool.install(|| {
        for _ in 0..total {
            run_one(&mutate(&mut rng, &seeds));
        }
    });
    eprintln!(
        "fuzz {target}: {total} inputs in {:.1}s, no panic",
        started.elapsed().as_secs_f64()
    );
}

fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn check_table(table: &tidyrec::table::Table) {
    let rows = table.columns.first().map_or(0, |c| c.len());
    assert_eq!(table.headers.len(), table.columns.len());
    assert!(table.columns.iter().all(|c| c.len() == rows));
}

#[test]
fn fuzz_csv_reader() {
    let seeds = seed_files(&[
        "fixtures/demo/crm_export.csv",
        "fixtures/demo/customers_dupes.csv",
        "fixtures/pipeline/webshop.csv",
        "fixtures/pipeline/callcentre.csv",
    ]);
    fuzz("csv", seeds, |input| {
        let path = Path::new("fuzz.csv");
        let strict = io::read_delimited(path, input, &ReadOptions::default());
        let lenient_options = ReadOptions {
            lenient: true,
            ..ReadOptions::default()
        };
        let lenient = io::read_delimited(path, input, &lenient_options);
        if let Ok(read) = &lenient {
            check_table(&read.table);
        }
        if let Ok(read) = strict {
            check_table(&read.table);
            let lenient = lenient.expect("what a strict read accepts, a lenient read accepts");
            assert!(lenient.rejects.is_empty());
            assert_eq!(lenient.table, read.table);
        }
    });
}

#[test]
fn fuzz_encoding_sniffer() {
    let seeds = seed_files(&[
        "fixtures/demo/crm_export.csv",
        "fixtures/pipeline/webshop.csv",
    ]);
    fuzz("encoding", seeds, |input| {
        let decoded = io::encoding::decode(input, None);
        if decoded.first_bad_line.is_none() && decoded.encoding == "UTF-8" && !decoded.guessed {
            let text: &str = &decoded.text;
            assert!(input.ends_with(text.as_bytes()));
        }
        for label in ["utf-8", "gbk", "latin1", "utf-16"] {
            let _ = io::encoding::decode(input, io::encoding::by_label(label));
        }
    });
}

#[test]
fn fuzz_xlsx_reader() {
    let seeds = seed_files(&["fixtures/contacts.xlsx", "fixtures/hostile/far_cell.xlsx"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.xlsx");
    fuzz("xlsx", seeds, |input| {
        std::fs::write(&path, input).unwrap();
        for lenient in [false, true] {
            let options = ReadOptions {
                lenient,
                ..ReadOptions::default()
            };
            if let Ok(read) = io::read(&path, &options) {
                check_table(&read.table);
            }
        }
    });
}

#[test]
fn fuzz_rule_file_loader() {
    let mut paths: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("rules"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .map(|p| {
                p.strip_prefix(env!("CARGO_MANIFEST_DIR"))
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
    paths.sort();
    paths.push("fixtures/pipeline/checks.toml".into());
    let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
    fuzz("rules", seed_files(&refs), |input| {
        let text = String::from_utf8_lossy(input);
        let _ = tidyrec::config::RuleFile::parse(Path::new("fuzz.toml"), &text);
    });
}

#[test]
fn fuzz_pipeline_loader() {
    let seeds = seed_files(&["fixtures/pipeline/nightly.toml"]);
    let base = common::fixture("pipeline").join("fuzz.toml");
    fuzz("pipeline", seeds, |input| {
        let text = String::from_utf8_lossy(input);
        if let Ok(pipeline) = tidyrec::pipeline::config::Pipeline::parse(&base, &text) {
            let _ = pipeline.input_files();
        }
    });
}

#[test]
fn fuzz_normalizers() {
    use tidyrec::normalize::{self, ColumnPlan, Plan};
    use tidyrec::schema::Role;
    use tidyrec::table::{Column, Table};
    let seeds = seed_files(&[
        "fixtures/demo/crm_export.csv",
        "fixtures/phones_reference.tsv",
    ])
    .into_iter()
    .flat_map(|file| {
        file.split(|&b| b == b'\n' || b == b',' || b == b'\t')
            .filter(|v| !v.is_empty())
            .take(2_000)
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
    })
    .collect();
    let roles = [
        Role::Country,
        Role::Phone,
        Role::Date,
        Role::Datetime,
        Role::Email,
        Role::FirstName,
        Role::LastName,
        Role::FullName,
        Role::PostalCode,
        Role::Money,
        Role::Boolean,
        Role::Text,
        Role::Company,
        Role::Street,
        Role::City,
        Role::Id,
    ];
    fuzz("normalizers", seeds, |input| {
        let value = String::from_utf8_lossy(input);
        for country in ["", "CN", "DE", &value] {
            let columns: Vec<Column> = roles
                .iter()
                .enumerate()
                .map(|(i, _)| {
                    let mut column = Column::default();
                    column.push(if i == 0 { country } else { &value });
                    column
                })
                .collect();
            let table = Table {
                headers: (0..roles.len()).map(|i| format!("c{i}")).collect(),
                columns,
            };
            let plan = Plan {
                columns: roles
                    .iter()
                    .map(|&role| ColumnPlan {
                        role,
                        enabled: true,
                        date_order: None,
                        strip_honorifics: true,
                        empty_invalid: false,
                    })
                    .collect(),
                country_column: Some(0),
                default_region: Some("US"),
                date_order: None,
                date_format: None,
                extension_style: Default::default(),
                phone_format: Default::default(),
                placeholders: Vec::new(),
                file_evidence: None,
            };
            let outcome = normalize::run(&table, &plan, true, &tidyrec::progress::Silent);
            check_table(&outcome.table);
            assert_eq!(outcome.table.columns[0].len(), 1);
        }
    });
}
