//! Helpers shared by the test modules: a temp working directory that runs
//! the real binary in a clean environment, fixture paths, and CSV parsing.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write fixture");
        path
    }

    /// Runs the binary with `args` in this directory.
    pub fn run(&self, args: &[&str]) -> std::process::Output {
        self.command().args(args).output().expect("run tidyrec")
    }

    /// The binary in this directory, with an empty environment (nothing of
    /// the developer's or CI's shell — `TIDYREC_*`, `RUST_BACKTRACE`, a
    /// locale — can change what a test sees) but `NO_COLOR`.
    pub fn command(&self) -> Command {
        let mut cmd = Command::cargo_bin("tidyrec").expect("binary");
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("NO_COLOR", "1");
        cmd
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Reads a CSV file into header + records.
pub fn records(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).expect("output exists");
    let headers = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("record").iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

pub fn column<'a>(headers: &[String], rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let index = headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[index].as_str()).collect()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// FEBRL 1 without its truth column, written into `w` as `febrl1.csv`;
/// returns the fixture's header and rows (truth included, for scoring).
pub fn febrl_without_truth(w: &Workdir) -> (Vec<String>, Vec<Vec<String>>) {
    febrl_file_without_truth(w, "febrl1")
}

/// The FEBRL fixture `name` (`febrl1`, `febrl4a`, `febrl4b`) without its
/// truth column, written into `w` as `NAME.csv`; returns the fixture's
/// header and rows (truth included, for scoring).
pub fn febrl_file_without_truth(w: &Workdir, name: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let (headers, rows) = records(&fixture(&format!("febrl/{name}.csv")));
    let truth = headers.iter().position(|h| h == "true_id").unwrap();
    let mut writer = csv::Writer::from_path(w.path(&format!("{name}.csv"))).unwrap();
    let keep = |r: &Vec<String>| -> Vec<String> {
        let mut r = r.clone();
        r.remove(truth);
        r
    };
    writer.write_record(keep(&headers)).unwrap();
    for r in &rows {
        writer.write_record(keep(r)).unwrap();
    }
    writer.flush().unwrap();
    (headers, rows)
}

/// A copy of the demo pipeline in `wd` (inputs, rules, pipeline file).
pub fn demo_pipeline(wd: &Workdir) {
    for name in [
        "nightly.toml",
        "webshop.csv",
        "callcentre.csv",
        "checks.toml",
        "segments-zh.toml",
    ] {
        std::fs::copy(fixture(&format!("pipeline/{name}")), wd.path(name)).unwrap();
    }
}
