//! `normalize` past its memory budget reads the file block by block, once
//! or twice; its outputs must be the whole-file run's, byte for byte. These files put
//! the whole-file evidence where a block reader would miss it: the only
//! value that proves day-first for GB rows is in the last row, a column
//! whose content makes it an e-mail column is empty for the first blocks,
//! unrecognised country spellings are spread over every block, and quoted
//! notes with commas and line breaks cross block boundaries.
//! Bytes are compared (not records): identical bytes is the guarantee.

use crate::common::{stderr_of, Workdir};

/// A file of `rows` records with the traps above, in `delimiter` and
/// `newline`.
fn tricky_export(rows: usize, delimiter: char, newline: &str) -> String {
    let d = delimiter;
    let mut text = format!("Customer ID{d}Name{d}Country{d}Signed Up{d}contact2{d}Note{newline}");
    let countries = ["GB", "Deutschland", "U.S.A.", "Atlantis", "Narnia", ""];
    for i in 0..rows {
        let last = i + 1 == rows;
        let country = if last {
            "U.S.A."
        } else {
            countries[i % countries.len()]
        };
        // Ambiguous everywhere (both parts ≤ 12) except the very last row,
        // which proves day-first for U.S. rows (month-first by convention).
        let date = if last {
            "25/12/2020".to_string()
        } else {
            format!("{:02}/{:02}/20{:02}", i % 12 + 1, (i / 12) % 12 + 1, i % 30)
        };
        let contact = if i < rows * 3 / 4 {
            String::new()
        } else {
            format!("person{i}@example.com")
        };
        let note = match i % 7 {
            0 => format!("\"called, no answer{newline}again {i}, later\""),
            3 => "\"said \"\"hello\"\"\"".to_string(),
            5 => "=SUM(A1)".to_string(),
            _ => format!("plain note {i}"),
        };
        text.push_str(&format!(
            "C{i:05}{d} anna  MÜLLER {i}{d}{country}{d}{date}{d}{contact}{d}{note}{newline}"
        ));
    }
    text
}

fn normalize(w: &Workdir, input: &str, tag: &str, extra: &[&str]) -> (String, serde_json::Value) {
    let output = format!("{tag}.csv");
    let audit = format!("{tag}-audit.csv");
    let report = format!("{tag}.json");
    let mut args = vec![
        "normalize",
        input,
        "-o",
        &output,
        "--audit",
        &audit,
        "--report",
        &report,
    ];
    args.extend_from_slice(extra);
    run_reporting(w, &args, &report)
}

/// Runs a command that must succeed: its stderr and its JSON report.
fn run_reporting(w: &Workdir, args: &[&str], report: &str) -> (String, serde_json::Value) {
    let out = w.run(args);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path(report)).unwrap()).unwrap();
    (stderr_of(&out), report)
}

/// The report without what may differ: paths, timings, memory.
fn comparable(mut report: serde_json::Value) -> serde_json::Value {
    let object = report.as_object_mut().unwrap();
    for key in ["timings", "timings_ms", "memory", "output"] {
        object.remove(key);
    }
    report
}

#[test]
fn normalize_in_blocks_writes_what_the_whole_file_run_writes() {
    for (name, delimiter, newline, extra) in [
        ("export.csv", ',', "\r\n", &[][..]),
        ("export.tsv", '\t', "\n", &["--bom"][..]),
    ] {
        let w = Workdir::new();
        w.write(name, tricky_export(6000, delimiter, newline));
        let (_, whole) = normalize(&w, name, "whole", extra);
        let mut budget = vec!["--max-memory", "64K"];
        budget.extend_from_slice(extra);
        let (_, blocks) = normalize(&w, name, "blocks", &budget);

        assert_eq!(whole["memory"]["strategy"], "whole");
        assert_eq!(blocks["memory"]["strategy"], "blocks");
        assert!(blocks["memory"]["blocks"].as_u64().unwrap() > 4, "{blocks}");
        // The e-mail column is empty in the first block: its role is not
        // settled there, so the file is read twice.
        assert_eq!(blocks["memory"]["passes"], 2, "{blocks}");
        for (a, b) in [
            ("whole.csv", "blocks.csv"),
            ("whole-audit.csv", "blocks-audit.csv"),
        ] {
            let (a, b) = (
                std::fs::read(w.path(a)).unwrap(),
                std::fs::read(w.path(b)).unwrap(),
            );
            assert!(
                a == b,
                "{name}: block output differs from the whole-file output"
            );
        }
        assert_eq!(comparable(whole), comparable(blocks.clone()), "{name}");

        // The traps were live: the last row's evidence turned U.S. rows
        // day-first, the late column is e-mail, unknown spellings counted.
        let columns = blocks["columns"].as_array().unwrap();
        assert_eq!(columns[4]["role"], "email", "{name}");
        let unrecognised = &columns[2]["unrecognised_values"];
        assert_eq!(
            unrecognised[0]["value"], "Atlantis",
            "{name}: {unrecognised}"
        );
        assert_eq!(unrecognised[0]["count"], 1000);
        let out = std::fs::read_to_string(w.path("blocks.csv")).unwrap();
        let us_row = out.lines().find(|l| l.contains("C00002")).unwrap();
        // 03/01/2002 in a U.S. row, read day-first: 3 January.
        assert!(us_row.contains("2002-01-03"), "{us_row}");
    }
}

/// A file whose first block settles every role: read once, unless a later
/// row proves another day/month order for rows already written — then that
/// pass is dropped and the file read twice. Either way the bytes are the
/// whole-file run's.
#[test]
fn a_file_is_read_once_when_the_rest_confirms_its_first_block() {
    for (trap, passes, said) in [(false, 1, "once"), (true, 3, "three times")] {
        let w = Workdir::new();
        let rows = 8000;
        let mut text = String::from("Customer ID,Name,Country,Signed Up\n");
        for i in 0..rows {
            let last = i + 1 == rows;
            let country = ["U.S.A.", "GB", "Deutschland"][i % 3];
            // Ambiguous everywhere but (with the trap) the last row, which
            // proves day-first for the U.S. rows written long before it.
            let date = if trap && last {
                "25/12/2020".to_string()
            } else {
                format!("{:02}/{:02}/20{:02}", i % 12 + 1, (i / 12) % 12 + 1, i % 30)
            };
            let country = if last { "U.S.A." } else { country };
            text.push_str(&format!("C{i:05},Anna Müller {i},{country},{date}\n"));
        }
        w.write("export.csv", text);
        let (_, whole) = normalize(&w, "export.csv", "whole", &[]);
        let (stderr, blocks) =
            normalize(&w, "export.csv", "blocks", &["--max-memory", "64K", "-v"]);
        assert_eq!(whole["memory"]["passes"], 1);
        assert_eq!(blocks["memory"]["strategy"], "blocks");
        assert!(blocks["memory"]["blocks"].as_u64().unwrap() > 4, "{blocks}");
        assert_eq!(blocks["memory"]["passes"], passes, "trap {trap}: {stderr}");
        assert!(stderr.contains(said), "trap {trap}: {stderr}");
        for (a, b) in [
            ("whole.csv", "blocks.csv"),
            ("whole-audit.csv", "blocks-audit.csv"),
        ] {
            assert!(
                std::fs::read(w.path(a)).unwrap() == std::fs::read(w.path(b)).unwrap(),
                "trap {trap}: {b} differs from the whole-file output"
            );
        }
        assert_eq!(comparable(whole), comparable(blocks), "trap {trap}");
        let out = std::fs::read_to_string(w.path("blocks.csv")).unwrap();
        let us_row = out.lines().find(|l| l.starts_with("C00012,")).unwrap();
        // 01/02/2012 in a U.S. row: 2 January month-first, 1 February once
        // the last row proved day-first.
        let expected = if trap { "2012-02-01" } else { "2012-01-02" };
        assert!(us_row.contains(expected), "trap {trap}: {us_row}");
        // No temp file of the dropped pass is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(w.path("."))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        // What only the whole-file reader answers, found while writing the
        // one pass: a ragged row is the same error with nothing written; a
        // byte that is not UTF-8 has the file read whole, the same output.
        let mut ragged = std::fs::read_to_string(w.path("export.csv")).unwrap();
        ragged.push_str("C99999,only two\n");
        a_ragged_row_is_the_same_error_in_blocks(&w, ragged);
        let mut latin1 = std::fs::read(w.path("export.csv")).unwrap();
        latin1.extend_from_slice(b"C99999,M\xFCller,GB,01/02/2020\n");
        w.write("latin1.csv", latin1);
        let (_, whole) = normalize(&w, "latin1.csv", "whole-l1", &[]);
        let (stderr, blocks) = normalize(
            &w,
            "latin1.csv",
            "blocks-l1",
            &["--max-memory", "64K", "-v"],
        );
        assert_eq!(blocks["memory"]["strategy"], "whole", "{stderr}");
        assert!(
            std::fs::read(w.path("whole-l1.csv")).unwrap()
                == std::fs::read(w.path("blocks-l1.csv")).unwrap()
        );
        assert_eq!(comparable(whole), comparable(blocks));
    }
}

#[test]
fn a_file_the_block_reader_cannot_read_exactly_is_read_whole() {
    let w = Workdir::new();
    // Latin-1 bytes: the encoding is guessed from the whole file.
    let latin1: Vec<u8> = tricky_export(3000, ',', "\n")
        .chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap())
        .collect();
    w.write("latin1.csv", latin1);
    let (_, whole) = normalize(&w, "latin1.csv", "whole", &[]);
    let (stderr, blocks) = normalize(&w, "latin1.csv", "blocks", &["--max-memory", "64K", "-v"]);
    assert_eq!(blocks["memory"]["strategy"], "whole", "{stderr}");
    assert!(stderr.contains("read whole"), "{stderr}");
    assert_eq!(
        std::fs::read(w.path("whole.csv")).unwrap(),
        std::fs::read(w.path("blocks.csv")).unwrap()
    );
    assert_eq!(comparable(whole), comparable(blocks));

    // A ragged row near the end: the same error, naming the same line,
    // and nothing written.
    let mut ragged = tricky_export(3000, ',', "\n");
    ragged.push_str("C99999,only two\n");
    a_ragged_row_is_the_same_error_in_blocks(&w, ragged);
}

/// `ragged` (a file with a ragged row) normalized whole and in blocks: exit
/// 2 both, the same message, and no output from the blocks.
fn a_ragged_row_is_the_same_error_in_blocks(w: &Workdir, ragged: String) {
    w.write("ragged.csv", ragged);
    let whole = w.run(&["normalize", "ragged.csv", "-o", "r1.csv"]);
    let blocks = w.run(&[
        "normalize",
        "ragged.csv",
        "-o",
        "r2.csv",
        "--max-memory",
        "64K",
    ]);
    assert_eq!(whole.status.code(), Some(2));
    assert_eq!(blocks.status.code(), Some(2));
    assert_eq!(stderr_of(&whole), stderr_of(&blocks));
    assert!(!w.path("r2.csv").exists());
}

/// `features` past its budget: the same feature table as the whole-file run
/// (CSV byte for byte, Parquet value for value: row groups differ), the
/// same record ids, and the same refusal of an id column that repeats.
#[test]
fn features_in_blocks_are_the_whole_file_features() {
    let w = Workdir::new();
    w.write("export.csv", tricky_export(6000, ',', "\n"));
    for output in ["whole.csv", "whole.parquet"] {
        let out = w.run(&["features", "export.csv", "-o", output]);
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    for output in ["blocks.csv", "blocks.parquet"] {
        let out = w.run(&[
            "features",
            "export.csv",
            "-o",
            output,
            "--max-memory",
            "64K",
            "-v",
        ]);
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert!(
            !stderr_of(&out).contains("read whole"),
            "{}",
            stderr_of(&out)
        );
    }
    let whole = std::fs::read(w.path("whole.csv")).unwrap();
    assert!(whole == std::fs::read(w.path("blocks.csv")).unwrap());
    assert!(String::from_utf8_lossy(&whole).starts_with("Customer ID,first_name,"));
    let read = |name: &str| {
        tidyrec::io::read(&w.path(name), &tidyrec::io::ReadOptions::default())
            .unwrap()
            .table
    };
    let parquet = read("blocks.parquet");
    assert_eq!(parquet.row_count(), 6000);
    assert_eq!(read("whole.parquet"), parquet);

    // A record id that repeats far down the file: the same error either way.
    let mut repeated = tricky_export(6000, ',', "\n");
    repeated.push_str("C00017,x,GB,01/01/2000,,note\n");
    w.write("repeated.csv", repeated);
    let args = [
        "features",
        "repeated.csv",
        "-o",
        "r.csv",
        "--id-column",
        "Customer ID",
    ];
    let whole = w.run(&args);
    let blocks = w
        .command()
        .args(args)
        .args(["--max-memory", "64K"])
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(2), "{}", stderr_of(&whole));
    assert_eq!(stderr_of(&whole), stderr_of(&blocks));
    assert!(
        stderr_of(&blocks).contains("rows 18 and 6001"),
        "{}",
        stderr_of(&blocks)
    );
    assert!(!w.path("r.csv").exists());
}

#[test]
fn merge_in_bounded_memory_writes_what_the_whole_file_merge_writes() {
    let w = Workdir::new();
    let rows = 6000;
    w.write("export.csv", tricky_export(rows, ',', "\n"));
    // Clusters of three scattered over the file (members in different
    // blocks and runs), in another order than the input's and with the
    // other engine's cluster names; a tenth of the records unlisted, and
    // two ids the input does not have.
    let mut clusters = String::from("unique_id,cluster_id\n");
    for i in (0..rows).rev().filter(|i| i % 10 != 4) {
        clusters.push_str(&format!("C{i:05},splink-{}\n", (i * 7919) % (rows / 3)));
    }
    clusters.push_str("X1,splink-1\nX2,splink-99999\n");
    w.write("clusters.csv", clusters);
    let merge = |tag: &str, output: &str, extra: &[&str]| {
        let lineage = format!("{tag}-lineage.csv");
        let report = format!("{tag}.json");
        let mut args = vec![
            "merge",
            "export.csv",
            "--clusters",
            "clusters.csv",
            "-o",
            output,
            "--lineage",
            &lineage,
            "--report",
            &report,
            "--id-column",
            "Customer ID",
        ];
        args.extend_from_slice(extra);
        run_reporting(&w, &args, &report)
    };
    let (whole_log, whole_report) = merge("whole", "whole.csv", &[]);
    let (blocks_log, blocks_report) = merge("blocks", "blocks.csv", &["--max-memory", "64K", "-v"]);
    assert_eq!(whole_report["memory"]["strategy"], "whole");
    assert_eq!(blocks_report["memory"]["strategy"], "blocks");
    assert!(blocks_report["memory"]["sort_runs"].as_u64().unwrap() > 1);
    assert!(!blocks_log.contains("read whole"), "{blocks_log}");
    assert_eq!(whole_report["unlisted_records"], 600);
    assert_eq!(whole_report["unknown_ids"], 2);
    assert_eq!(comparable(whole_report), comparable(blocks_report));
    let lines = |log: &str| {
        log.lines()
            .filter(|l| l.starts_with("warning"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(lines(&whole_log), lines(&blocks_log));
    for name in ["", "-lineage"] {
        let whole = std::fs::read(w.path(&format!("whole{name}.csv"))).unwrap();
        let blocks = std::fs::read(w.path(&format!("blocks{name}.csv"))).unwrap();
        assert!(
            whole == blocks,
            "whole{name}.csv and blocks{name}.csv differ"
        );
    }
    // 2000 clusters of three less the unlisted records' places, plus the
    // unlisted records on their own.
    let golden = std::fs::read_to_string(w.path("whole.csv")).unwrap();
    assert!(golden.contains(";C"), "no merged golden row");

    // Parquet too, and nothing left beside the outputs.
    merge("whole-pq", "whole.parquet", &[]);
    merge("blocks-pq", "blocks.parquet", &["--max-memory", "64K"]);
    let read = |name: &str| {
        tidyrec::io::read(&w.path(name), &tidyrec::io::ReadOptions::default())
            .unwrap()
            .table
    };
    assert_eq!(read("whole.parquet"), read("blocks.parquet"));
    let leftovers: Vec<String> = std::fs::read_dir(w.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp") || n.contains("spill"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A column without a header (named with `--lenient`) is reported on
/// stderr whether the file is held whole or read in blocks (`features`
/// and `merge`).
#[test]
fn a_column_without_header_is_reported_in_blocks_too() {
    let w = Workdir::new();
    let mut text = String::from("Customer ID,First Name,Last Name,\n");
    let mut clusters = String::from("Customer ID,cluster_id\n");
    for i in 0..3000 {
        text.push_str(&format!("C{i:05},Ann{},Lee{},note {i}\n", i % 50, i % 70));
        clusters.push_str(&format!("C{i:05},k{}\n", i / 2));
    }
    w.write("export.csv", text);
    w.write("clusters.csv", clusters);
    let warnings = |args: &[&str]| {
        let out = w.run(args);
        assert!(out.status.success(), "{}", stderr_of(&out));
        stderr_of(&out)
            .lines()
            .filter(|l| l.contains("no usable header"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    for command in [
        &["features", "export.csv", "-o", "f.csv", "--lenient"][..],
        &[
            "merge",
            "export.csv",
            "--clusters",
            "clusters.csv",
            "-o",
            "g.csv",
            "--lenient",
        ][..],
    ] {
        let whole = warnings(command);
        assert_eq!(whole.len(), 1, "{whole:?}");
        let mut blocks = command.to_vec();
        blocks.extend(["--max-memory", "64K", "-v"]);
        let out = w.run(&blocks);
        assert!(
            !stderr_of(&out).contains("read whole"),
            "{}",
            stderr_of(&out)
        );
        assert_eq!(warnings(&blocks), whole);
    }
}
