//! CLI tests of the scheduled-job commands: `export` (each CRM profile
//! against a reviewed expected file), `link` (stable ids, incremental
//! agreement with `dedupe`), `run` (idempotent re-runs, dry run, lock,
//! stop on failed checks, a killed run publishes nothing) and `segment`.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

// ---------------------------------------------------------------- export

/// Runs `tidyrec export fixtures/export/contacts.csv ARGS…` in `wd`.
fn export_contacts(wd: &Workdir, args: &[&str]) -> std::process::Output {
    wd.command()
        .arg("export")
        .arg(fixture("export/contacts.csv"))
        .args(args)
        .output()
        .unwrap()
}

/// Each profile's output for fixtures/export/contacts.csv, byte for byte.
/// The expected files were reviewed against the importers' documentation
/// cited in rules/export/*.toml: header names, ISO dates, E.164 phones (and
/// Chinese national numbers for Fxiaoke), UTF-8 with a BOM for Dynamics and
/// Fxiaoke, and the row without a last name set aside where the target
/// requires one.
#[test]
fn every_export_profile_matches_its_reviewed_file() {
    let wd = Workdir::new();
    for target in [
        "salesforce",
        "hubspot",
        "dynamics",
        "zoho",
        "fxiaoke",
        "salesforce-leads",
        "zoho-leads",
    ] {
        let out = format!("{target}.csv");
        let output = export_contacts(&wd, &["--target", target, "-o", &out]);
        // Set-aside rows make the exit code 1 (a policy failure).
        let expected_set_aside = fixture(&format!("export/expected/{target}.set-aside.csv"));
        let code = if expected_set_aside.exists() { 1 } else { 0 };
        assert_eq!(
            output.status.code(),
            Some(code),
            "{target}: {}",
            stderr_of(&output)
        );
        assert_eq!(
            std::fs::read(wd.path(&out)).unwrap(),
            std::fs::read(fixture(&format!("export/expected/{target}.csv"))).unwrap(),
            "{target}"
        );
        let set_aside = format!("{target}.set-aside.csv");
        let expected = fixture(&format!("export/expected/{target}.set-aside.csv"));
        assert_eq!(wd.path(&set_aside).exists(), expected.exists(), "{target}");
        if expected.exists() {
            assert_eq!(
                std::fs::read(wd.path(&set_aside)).unwrap(),
                std::fs::read(expected).unwrap()
            );
        }
    }
}

#[test]
fn export_splits_at_the_limit_and_refuses_what_gbk_cannot_hold() {
    let wd = Workdir::new();
    let output = export_contacts(
        &wd,
        &["--target", "hubspot", "-o", "hs.csv", "--max-rows", "3"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(!wd.path("hs.csv").exists());
    assert_eq!(records(&wd.path("hs-part1.csv")).1.len(), 3);
    assert_eq!(records(&wd.path("hs-part2.csv")).1.len(), 1);

    // `Zoë`/`Müller` have no GBK code: an error naming the row and column.
    let output = export_contacts(
        &wd,
        &[
            "--target",
            "fxiaoke",
            "-o",
            "fx.csv",
            "--out-encoding",
            "gbk",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("row 3") && err.contains("姓名") && err.contains("gb18030"),
        "{err}"
    );
    assert!(!wd.path("fx.csv").exists());

    // GB18030 holds everything and round-trips.
    let output = export_contacts(
        &wd,
        &[
            "--target",
            "fxiaoke",
            "-o",
            "fx.csv",
            "--out-encoding",
            "gb18030",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let bytes = std::fs::read(wd.path("fx.csv")).unwrap();
    let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
    assert!(!bad);
    assert!(text.contains("王伟,星辰科技有限公司,13812345678,01065529988"));
    assert!(text.contains("Zoë Müller"));
}

#[test]
fn salesforce_merge_plan_chains_calls_of_three() {
    let wd = Workdir::new();
    // Four records of one person and two of another.
    wd.write(
        "sf.csv",
        "Id,FirstName,LastName,Email,Phone\n\
         003A,John,Smith,john@example.com,+14155550132\n\
         003B,Jon,Smith,john@example.com,+14155550132\n\
         003C,Mary,Jones,mary@example.com,\n\
         003D,John,Smith,john@example.com,\n\
         003E,John,Smyth,john@example.com,+14155550132\n\
         003F,Mary,Jones,mary@example.com,+14155550199\n",
    );
    wd.write(
        "clusters.csv",
        "Id,cluster_id,cluster_size,match_probability\n003A,1,4,\n003B,1,4,\n003C,2,2,\n003D,1,4,\n003E,1,4,\n003F,2,2,\n",
    );
    let output = wd.run(&[
        "export",
        "sf.csv",
        "--target",
        "salesforce",
        "-o",
        "contacts.csv",
        "--clusters",
        "clusters.csv",
        "--merge-plan",
        "plan.csv",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let (headers, rows) = records(&wd.path("plan.csv"));
    assert_eq!(
        headers,
        [
            "cluster_id",
            "step",
            "MasterRecordId",
            "DuplicateRecordId1",
            "DuplicateRecordId2"
        ]
    );
    assert_eq!(
        rows,
        [
            ["1", "1", "003A", "003B", "003D"],
            ["1", "2", "003A", "003E", ""],
            ["2", "1", "003F", "003C", ""],
        ]
    );
}

// ---------------------------------------------------------------- link

fn generate(wd: &Workdir, rows: usize, seed: u64, name: &str) {
    let path = |n: &str| wd.path(n).to_string_lossy().into_owned();
    tidyrec_gen::people::generate(
        rows,
        seed,
        &path(name),
        &path(&format!("{name}.truth")),
        None,
    )
    .expect("generate test data");
}

/// Splits a CSV file's records: every `n`-th record (from `offset`) to
/// `picked`, the rest to `rest`.
fn split(wd: &Workdir, from: &str, n: usize, picked: &str, rest: &str) {
    let text = std::fs::read_to_string(wd.path(from)).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let mut a = csv::Writer::from_path(wd.path(picked)).unwrap();
    let mut b = csv::Writer::from_path(wd.path(rest)).unwrap();
    a.write_record(&header).unwrap();
    b.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        if i % n == n - 1 {
            a.write_record(&record).unwrap();
        } else {
            b.write_record(&record).unwrap();
        }
    }
}

/// Record id → group, from two columns of a CSV file.
fn grouping(path: &Path, id: &str, group: &str) -> HashMap<String, String> {
    let (headers, rows) = records(path);
    column(&headers, &rows, id)
        .into_iter()
        .zip(column(&headers, &rows, group))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Pairwise F1 of `a` against `b` over the same records.
fn pairwise_f1(a: &HashMap<String, String>, b: &HashMap<String, String>) -> f64 {
    let pairs = |m: &HashMap<String, String>| -> BTreeSet<(String, String)> {
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (record, group) in m {
            groups.entry(group).or_default().push(record);
        }
        let mut out = BTreeSet::new();
        for members in groups.values_mut() {
            members.sort();
            for i in 0..members.len() {
                for j in i + 1..members.len() {
                    out.insert((members[i].to_string(), members[j].to_string()));
                }
            }
        }
        out
    };
    let (pa, pb) = (pairs(a), pairs(b));
    let shared = pa.intersection(&pb).count() as f64;
    let precision = shared / pa.len().max(1) as f64;
    let recall = shared / pb.len().max(1) as f64;
    2.0 * precision * recall / (precision + recall)
}

#[test]
fn link_keeps_ids_stable_and_agrees_with_dedupe_from_scratch() {
    let wd = Workdir::new();
    generate(&wd, 3000, 5, "all.csv");
    split(&wd, "all.csv", 10, "batch.csv", "master-source.csv");
    let ok = |output: std::process::Output| {
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    };
    ok(wd.run(&["dedupe", "master-source.csv", "-o", "master.csv"]));
    ok(wd.run(&[
        "link",
        "--master",
        "master.csv",
        "batch.csv",
        "-o",
        "master2.csv",
        "--crosswalk",
        "crosswalk.csv",
    ]));
    let (mh, master) = records(&wd.path("master.csv"));
    let (nh, updated) = records(&wd.path("master2.csv"));
    assert_eq!(mh, nh);
    // Entities keep their ids and rows; untouched rows are byte-identical.
    let ids = column(&mh, &master, "cluster_id");
    assert_eq!(&column(&nh, &updated, "cluster_id")[..ids.len()], &ids[..]);
    let counts_before = column(&mh, &master, "member_count");
    let counts_after = column(&nh, &updated, "member_count");
    let mut untouched = 0;
    for (i, row) in master.iter().enumerate() {
        if counts_before[i] == counts_after[i] {
            assert_eq!(row, &updated[i]);
            untouched += 1;
        }
    }
    assert!(untouched > master.len() / 2);
    // New entities are numbered after the highest id.
    let highest: u64 = ids.iter().map(|i| i.parse::<u64>().unwrap()).max().unwrap();
    for id in &column(&nh, &updated, "cluster_id")[ids.len()..] {
        assert!(id.parse::<u64>().unwrap() > highest);
    }
    // Every record of master and batch is in the crosswalk once.
    let crosswalk = grouping(&wd.path("crosswalk.csv"), "record_id", "entity_id");
    assert_eq!(crosswalk.len(), 3000);
    let (ch, cw) = records(&wd.path("crosswalk.csv"));
    let statuses: BTreeSet<&str> = column(&ch, &cw, "status").into_iter().collect();
    assert_eq!(
        statuses,
        ["attached", "existing", "new"].into_iter().collect()
    );
    let explained = column(&ch, &cw, "explanation")
        .into_iter()
        .zip(column(&ch, &cw, "status"))
        .filter(|(_, s)| *s == "attached")
        .all(|(e, _)| e.contains("exact") || e.contains("similar"));
    assert!(explained, "attached records say why");

    // Incremental entities agree with deduping everything at once.
    ok(wd.run(&[
        "dedupe",
        "all.csv",
        "-o",
        "all-golden.csv",
        "--clusters",
        "all.clusters",
    ]));
    let scratch = grouping(&wd.path("all.clusters"), "Customer ID", "cluster_id");
    let f1 = pairwise_f1(&crosswalk, &scratch);
    assert!(f1 > 0.99, "link vs dedupe pairwise F1 {f1}");

    // One thread gives the same files as all of them.
    ok(wd.run(&[
        "--threads",
        "1",
        "link",
        "--master",
        "master.csv",
        "batch.csv",
        "-o",
        "master2-t1.csv",
        "--crosswalk",
        "crosswalk-t1.csv",
    ]));
    for (a, b) in [
        ("master2.csv", "master2-t1.csv"),
        ("crosswalk.csv", "crosswalk-t1.csv"),
    ] {
        assert!(
            std::fs::read(wd.path(a)).unwrap() == std::fs::read(wd.path(b)).unwrap(),
            "{a} differs with one thread"
        );
    }

    // Linking the same batch again changes nothing: its ids are known.
    ok(wd.run(&[
        "link",
        "--master",
        "master2.csv",
        "batch.csv",
        "-o",
        "master3.csv",
        "--crosswalk",
        "crosswalk2.csv",
    ]));
    assert_eq!(
        std::fs::read(wd.path("master2.csv")).unwrap(),
        std::fs::read(wd.path("master3.csv")).unwrap()
    );
}

#[test]
fn link_refuses_a_master_without_entity_ids() {
    let wd = Workdir::new();
    let output = wd
        .command()
        .arg("link")
        .arg("--master")
        .arg(fixture("demo/customers_dupes.csv"))
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["-o", "out.csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("--entity-column"));

    // Record ids must name one record each.
    let output = wd
        .command()
        .arg("dedupe")
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["-o", "golden.csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let output = wd
        .command()
        .args(["link", "--master", "golden.csv"])
        .arg(fixture("demo/customers_dupes.csv"))
        .args(["-o", "out.csv", "--id-column", "City"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("repeated record id") && err.contains("row"),
        "{err}"
    );
    assert!(!wd.path("out.csv").exists());
}

// ---------------------------------------------------------------- run

fn published(wd: &Workdir) -> BTreeMap<String, Vec<u8>> {
    let manifest = std::fs::read_to_string(wd.path("out/.tidyrec-manifest")).unwrap();
    manifest
        .lines()
        .filter(|name| *name != "summary.json")
        .map(|name| {
            (
                name.to_string(),
                std::fs::read(wd.path(&format!("out/{name}"))).unwrap(),
            )
        })
        .collect()
}

#[test]
fn nightly_pipeline_runs_twice_with_stable_outputs() {
    let wd = Workdir::new();
    demo_pipeline(&wd);
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    for name in [
        "cleaned.csv",
        "validation.json",
        "golden.csv",
        "crosswalk.csv",
        "crm/salesforce-contacts.csv",
        "crm/hubspot-contacts.csv",
        "crm/fxiaoke-contacts.csv",
        "segments.csv",
        "summary.json",
        "runs.log",
    ] {
        assert!(wd.path(&format!("out/{name}")).exists(), "{name}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["version"], 1);
    assert_eq!(summary["records"], 400);
    assert_eq!(summary["matching"]["mode"], "dedupe");
    assert_eq!(summary["validation"]["passed"], true);
    let first = published(&wd);

    // Night 2, same inputs: linked to night 1's master, same entities.
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let second = published(&wd);
    for (name, bytes) in &first {
        if name != "crosswalk.csv" {
            assert!(bytes == &second[name], "{name} changed on a re-run");
        }
    }
    // Night 3 equals night 2 exactly, crosswalk included.
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(published(&wd) == second, "night 3 differs from night 2");
    let log = std::fs::read_to_string(wd.path("out/runs.log")).unwrap();
    assert_eq!(log.lines().filter(|l| l.contains("status=ok")).count(), 3);
    assert!(wd.path("out/.backups").read_dir().unwrap().count() == 2);

    // Night 4: a new call-centre drop; the glob picks it up. Its records get
    // entity ids after the highest; earlier entities keep theirs.
    wd.write(
        "callcentre-2.csv",
        "Caller ID,Given Name,Family Name,E-mail,Mobile,Phone,Country,DOB,Street,City,Postcode,Company,Email Opt Out,Lead Source,Gender,Notes\n\
         C9000001,Zebulon,Quartermaine,zeb.q@example.org,+44 7700 900123,,GB,1971-03-04,1 Test Lane,Leeds,LS1 1AA,,N,Web,M,\n",
    );
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let crosswalk = grouping(&wd.path("out/crosswalk.csv"), "record_id", "entity_id");
    let before = {
        let text = &second["crosswalk.csv"];
        let mut reader = csv::Reader::from_reader(text.as_slice());
        reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), r[1].to_string())
            })
            .collect::<HashMap<_, _>>()
    };
    for (record, entity) in &before {
        assert_eq!(&crosswalk[record], entity, "{record} moved");
    }
    let highest: u64 = before
        .values()
        .map(|e| e.parse::<u64>().unwrap())
        .max()
        .unwrap();
    let new_entity: u64 = crosswalk["callcentre:C9000001"].parse().unwrap();
    assert_eq!(new_entity, highest + 1);
}

#[test]
fn dry_run_writes_nothing_and_checks_everything() {
    let wd = Workdir::new();
    demo_pipeline(&wd);
    let output = wd.run(&["run", "nightly.toml", "--dry-run"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let plan = String::from_utf8_lossy(&output.stdout);
    assert!(plan.contains("webshop.csv") && plan.contains("crm/salesforce-contacts.csv"));
    assert!(!wd.path("out").exists());

    // A typo in the pipeline file: exit 2 with its line.
    let text = std::fs::read_to_string(wd.path("nightly.toml")).unwrap();
    wd.write("typo.toml", text.replace("keep = 3", "kepp = 3"));
    let output = wd.run(&["run", "typo.toml", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_of(&output);
    assert!(
        err.contains("typo.toml") && err.contains("line") && err.contains("kepp"),
        "{err}"
    );
}

#[test]
fn a_second_run_is_refused_while_the_lock_is_held_or_waits() {
    let wd = Workdir::new();
    demo_pipeline(&wd);
    std::fs::create_dir_all(wd.path("out")).unwrap();
    // This test process plays the first run: it holds the lock.
    let lock = std::fs::File::create(wd.path("out/.tidyrec.lock")).unwrap();
    lock.lock().unwrap();
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("already running"));
    assert!(!wd.path("out/golden.csv").exists());

    // With --wait the second run queues, then runs once the lock is free.
    let mut waiting = std::process::Command::new(assert_cmd::cargo::cargo_bin("tidyrec"))
        .current_dir(wd.path("."))
        .args(["--quiet", "run", "nightly.toml", "--wait"])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(waiting.try_wait().unwrap().is_none(), "it waits");
    assert!(!wd.path("out/golden.csv").exists());
    drop(lock);
    assert!(waiting.wait().unwrap().success());
    assert!(wd.path("out/golden.csv").exists());
}

#[test]
fn failed_checks_stop_the_run_and_publish_nothing() {
    let wd = Workdir::new();
    demo_pipeline(&wd);
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let good = published(&wd);
    wd.write(
        "checks.toml",
        "[[check]]\ntype = \"row-count\"\nmin = 100000\n",
    );
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("nothing else published"));
    assert!(published(&wd) == good, "a stopped run changed the outputs");
    let log = std::fs::read_to_string(wd.path("out/runs.log")).unwrap();
    assert!(
        log.lines().last().unwrap().contains("status=stopped"),
        "{log}"
    );

    // Without stop-on-failure the run publishes, and still exits 1.
    let text = std::fs::read_to_string(wd.path("nightly.toml")).unwrap();
    wd.write(
        "nightly.toml",
        text.replace("stop-on-failure = true", "stop-on-failure = false"),
    );
    let output = wd.run(&["run", "nightly.toml"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr_of(&output));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["status"], "checks-failed");
    assert_eq!(summary["validation"]["passed"], false);
    let log = std::fs::read_to_string(wd.path("out/runs.log")).unwrap();
    assert!(
        log.lines().last().unwrap().contains("status=checks-failed"),
        "{log}"
    );
}

#[test]
fn a_run_killed_midway_leaves_the_previous_outputs_intact() {
    let wd = Workdir::new();
    generate(&wd, 20000, 9, "night1.csv");
    generate(&wd, 20000, 10, "night2.csv");
    wd.write(
        "p.toml",
        "[pipeline]\nname = \"big\"\noutput-dir = \"out\"\n\
         [[input]]\nsource = \"crm\"\npath = \"today.csv\"\nid-column = \"Customer ID\"\n\
         [match]\nmode = \"dedupe\"\n\
         [[export]]\ntarget = \"hubspot\"\nfile = \"hubspot.csv\"\n",
    );
    std::fs::copy(wd.path("night1.csv"), wd.path("today.csv")).unwrap();
    let output = wd.run(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let good = published(&wd);

    std::fs::copy(wd.path("night2.csv"), wd.path("today.csv")).unwrap();
    for delay_ms in [200, 700, 1500, 3000] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tidyrec"))
            .current_dir(wd.path("."))
            .args(["--quiet", "run", "p.toml"])
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL: no cleanup code runs
        child.wait().unwrap();
        if finished {
            break; // the run ended before the kill; nothing to check
        }
        assert!(published(&wd) == good, "killed after {delay_ms} ms");
    }
    // The next run cleans up the dead run's staging and succeeds.
    let output = wd.run(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let leftovers = std::fs::read_dir(wd.path("out"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".tidyrec-staging")
        })
        .count();
    assert_eq!(leftovers, 0);
    assert!(published(&wd) != good, "the next run publishes");
}

#[test]
fn rows_without_ids_are_not_mistaken_for_last_nights_rows() {
    let wd = Workdir::new();
    wd.write(
        "p.toml",
        "[pipeline]\nname = \"noids\"\noutput-dir = \"out\"\n\
         [[input]]\nsource = \"form\"\npath = \"signups.csv\"\n\
         [match]\nmode = \"link\"\nmaster = \"golden.csv\"\n",
    );
    let header = "First Name,Last Name,Email,Mobile,Country\n";
    wd.write(
        "signups.csv",
        format!("{header}Ann,Lee,ann.lee@example.com,+14155550101,US\nBo,Chan,bo.chan@example.com,+14155550102,US\n"),
    );
    let output = wd.run(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("no unique id column"));
    // Night 2: row 1 is someone else now.
    wd.write(
        "signups.csv",
        format!("{header}Cy,Diaz,cy.diaz@example.com,+14155550103,US\nBo,Chan,bo.chan@example.com,+14155550102,US\n"),
    );
    let output = wd.run(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let (headers, rows) = records(&wd.path("out/crosswalk.csv"));
    let status: HashMap<&str, &str> = column(&headers, &rows, "record_id")
        .into_iter()
        .zip(column(&headers, &rows, "status"))
        .collect();
    let entity = grouping(&wd.path("out/crosswalk.csv"), "record_id", "entity_id");
    let cy = status
        .keys()
        .find(|id| id.starts_with("form:signups.csv:1:") && entity[**id] == "3");
    assert!(cy.is_some(), "Cy is a new entity: {status:?}");
    assert_eq!(status[cy.unwrap()], "new");
    let bo: Vec<&&str> = status
        .keys()
        .filter(|id| id.starts_with("form:signups.csv:2:"))
        .collect();
    assert_eq!(bo.len(), 1, "Bo's unchanged row keeps its id");
    assert_eq!(status[*bo[0]], "known");
    assert_eq!(entity.len(), 3);
}

#[test]
fn a_lenient_input_publishes_its_unreadable_rows() {
    let wd = Workdir::new();
    wd.write(
        "p.toml",
        "[pipeline]\nname = \"ragged\"\noutput-dir = \"out\"\n\
         [[input]]\nsource = \"shop\"\npath = \"shop.csv\"\nlenient = true\n",
    );
    wd.write(
        "shop.csv",
        "Customer ID,Name,Email\nA1,Ann Lee,ann@example.com\nA2,Bo Chan,bo@example.com,EXTRA\nA3,Cy Diaz,cy@example.com\n",
    );
    let output = wd.run(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("rejects/shop-shop.csv"));
    let rejected: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(wd.path("out/rejects/shop-shop.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(&rejected[0][0], "3", "the file's line");
    assert_eq!(&rejected[0][5], "EXTRA", "the row's fields, all of them");
    assert_eq!(records(&wd.path("out/cleaned.csv")).1.len(), 2);

    // Without `lenient` the same file fails the run and publishes nothing new.
    let text = std::fs::read_to_string(wd.path("p.toml")).unwrap();
    wd.write("p.toml", text.replace("lenient = true\n", ""));
    std::fs::write(
        wd.path("shop.csv"),
        "Customer ID,Name,Email\nA2,Bo,bo@example.com,EXTRA\n",
    )
    .unwrap();
    let output = wd.run(&["run", "p.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("nothing was published"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(records(&wd.path("out/cleaned.csv")).1.len(), 2);
}

// ---------------------------------------------------------------- segment

#[test]
fn segments_score_every_customer_and_take_renamed_names() {
    let wd = Workdir::new();
    let output = wd
        .command()
        .arg("segment")
        .arg(fixture("pipeline/webshop.csv"))
        .args(["-o", "seg.csv", "--report", "seg.json", "--rules"])
        .arg(fixture("pipeline/segments-zh.toml"))
        .args(["--as-of", "2027-01-01"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let (in_headers, in_rows) = records(&fixture("pipeline/webshop.csv"));
    let (headers, rows) = records(&wd.path("seg.csv"));
    assert_eq!(rows.len(), in_rows.len());
    assert_eq!(&headers[..in_headers.len()], &in_headers[..]);
    let names: BTreeSet<&str> = column(&headers, &rows, "segment").into_iter().collect();
    assert!(
        names.contains("高价值客户") && names.contains("沉睡客户"),
        "{names:?}"
    );
    for score in column(&headers, &rows, "rfm_score") {
        assert!(score.len() == 3 && score.chars().all(|c| ('1'..='5').contains(&c)));
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("seg.json")).unwrap()).unwrap();
    assert_eq!(report["as_of"], "2027-01-01");
    assert_eq!(report["recency_days"]["column"], "Last Purchase Date");
    assert_eq!(report["monetary"]["column"], "Lifetime Value");
    assert_eq!(report["frequency"]["column"], "Orders");
    assert_eq!(
        report["monetary"]["boundaries"].as_array().unwrap().len(),
        4
    );
    let total: u64 = report["segments"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, in_rows.len());
}

/// A target that wants first and last name gets them from a full name (and
/// one that wants one name gets first + last), row by row; HubSpot takes a
/// contact with any one of e-mail, first or last name. Only rows whose name
/// is nowhere are set aside — and then the exit code is 1 unless allowed.
#[test]
fn exports_derive_names_row_by_row_and_set_aside_only_what_they_must() {
    let wd = Workdir::new();
    wd.write(
        "in.csv",
        "Full Name,First Name,Last Name,Email\nJohn Smith,,,john@x.com\n,Ann,Lee,ann@x.com\n,Bo,,\n,,,nobody@x.com\n",
    );
    let out = wd.run(&["export", "in.csv", "--target", "salesforce", "-o", "sf.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    let (headers, rows) = records(&wd.path("sf.csv"));
    let last = headers.iter().position(|h| h == "LastName").unwrap();
    let lasts: Vec<&str> = rows.iter().map(|r| r[last].as_str()).collect();
    assert_eq!(lasts, ["Smith", "Lee"]);
    assert_eq!(records(&wd.path("sf.set-aside.csv")).1.len(), 2);
    let out = wd.run(&[
        "export",
        "in.csv",
        "--target",
        "salesforce",
        "-o",
        "sf2.csv",
        "--allow-set-aside",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));

    let out = wd.run(&["export", "in.csv", "--target", "fxiaoke", "-o", "fx.csv"]);
    let (headers, rows) = records(&wd.path("fx.csv"));
    let name = headers.iter().position(|h| h == "姓名").unwrap();
    assert_eq!(
        rows.iter().map(|r| r[name].as_str()).collect::<Vec<_>>(),
        ["John Smith", "Ann Lee", "Bo"]
    );
    assert_eq!(out.status.code(), Some(1));

    let out = wd.run(&["export", "in.csv", "--target", "hubspot", "-o", "hs.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert_eq!(records(&wd.path("hs.csv")).1.len(), 4);
}

/// Consent travels with its polarity: an opt-in column becomes Salesforce's
/// and Zoho's opt-out field inverted; a target without a consent field
/// (HubSpot) does not silently drop it.
/// Every target on inputs that do not share our headers: full names only,
/// first + last only, consent in several spellings and polarities, record
/// and entity ids. No row is set aside when the target's required fields
/// can be derived; consent keeps its meaning in each target's own field (or
/// HubSpot's opt-out list); both ids reach the upsert columns.
#[test]
fn every_target_exports_every_row_with_consent_and_upsert_ids() {
    let wd = Workdir::new();
    // Full names only (Western, "Last, First", CJK), opt-out spelled
    // "Unsubscribed"; a golden file's cluster_id is the entity id.
    wd.write(
        "full.csv",
        "Customer ID,Name,E-mail,Unsubscribed,cluster_id\nK-1,Ann Lee,ann@x.com,yes,7\nK-2,\"Berg, Bo\",bo@x.com,no,8\nK-3,王伟,wei@x.cn,1,9\n",
    );
    // First + last only, opt-in spelled three ways across files.
    for (file, header) in [
        ("opt_in.csv", "Email Opt In"),
        ("consent.csv", "Marketing Consent"),
        ("zh.csv", "同意营销邮件"),
    ] {
        wd.write(
            file,
            format!("Contact Ref,First Name,Last Name,Email,{header}\nR1,Ann,Lee,ann@x.com,yes\nR2,Bo,Berg,bo@x.com,no\nR3,伟,王,wei@x.cn,是\n"),
        );
    }
    // What each row should say: opted out (Ann: unsubscribed / did not opt in? see below).
    // full.csv: Unsubscribed yes/no/1 → Ann out, Bo in, Wei out.
    // opt-in files: yes/no/是 → Ann in, Bo out, Wei in.
    let cases: [(&str, [bool; 3]); 4] = [
        ("full.csv", [true, false, true]),
        ("opt_in.csv", [false, true, false]),
        ("consent.csv", [false, true, false]),
        ("zh.csv", [false, true, false]),
    ];
    // target, consent field (None: opt-out list), labels for opted out / in,
    // name fields, record-id field, entity-id field.
    struct Target {
        name: &'static str,
        consent: Option<&'static str>,
        labels: [&'static str; 2],
        names: &'static [&'static str],
        record: &'static str,
        entity: &'static str,
    }
    let targets = [
        Target {
            name: "salesforce",
            consent: Some("HasOptedOutOfEmail"),
            labels: ["true", "false"],
            names: &["FirstName", "LastName"],
            record: "TidyRec_Record_Id__c",
            entity: "TidyRec_Entity_Id__c",
        },
        Target {
            name: "salesforce-leads",
            consent: Some("HasOptedOutOfEmail"),
            labels: ["true", "false"],
            names: &["FirstName", "LastName"],
            record: "TidyRec_Record_Id__c",
            entity: "TidyRec_Entity_Id__c",
        },
        Target {
            name: "hubspot",
            consent: None,
            labels: ["", ""],
            names: &["First Name", "Last Name"],
            record: "TidyRec Record ID",
            entity: "TidyRec Entity ID",
        },
        Target {
            name: "dynamics",
            consent: Some("Do not allow Bulk Emails"),
            labels: ["Do Not Allow", "Allow"],
            names: &["First Name", "Last Name"],
            record: "TidyRec Record ID",
            entity: "TidyRec Entity ID",
        },
        Target {
            name: "zoho",
            consent: Some("Email Opt Out"),
            labels: ["true", "false"],
            names: &["First Name", "Last Name"],
            record: "TidyRec Record ID",
            entity: "TidyRec Entity ID",
        },
        Target {
            name: "zoho-leads",
            consent: Some("Email Opt Out"),
            labels: ["true", "false"],
            names: &["First Name", "Last Name"],
            record: "TidyRec Record ID",
            entity: "TidyRec Entity ID",
        },
        Target {
            name: "fxiaoke",
            consent: Some("邮件退订"),
            labels: ["是", "否"],
            names: &["姓名"],
            record: "TidyRec 记录ID",
            entity: "TidyRec 实体ID",
        },
    ];
    for target in &targets {
        for (input, opted_out) in &cases {
            let what = format!("{} on {input}", target.name);
            let out = wd.run(&[
                "export",
                input,
                "--target",
                target.name,
                "-o",
                "out.csv",
                "--report",
                "out.json",
            ]);
            assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr_of(&out));
            let (headers, rows) = records(&wd.path("out.csv"));
            assert_eq!(rows.len(), 3, "{what}: every row exported");
            let column = |h: &str| {
                headers
                    .iter()
                    .position(|x| x == h)
                    .unwrap_or_else(|| panic!("{what}: no `{h}` in {headers:?}"))
            };
            for name in target.names {
                let c = column(name);
                assert!(
                    rows.iter().all(|r| !r[c].is_empty()),
                    "{what}: {name} {rows:?}"
                );
            }
            if target.names == ["姓名"] {
                assert_eq!(rows[2][column("姓名")], "王伟", "{what}");
            } else {
                assert_eq!(rows[1][column(target.names[1])], "Berg", "{what}");
                assert_eq!(rows[2][column(target.names[1])], "王", "{what}");
            }
            match target.consent {
                Some(field) => {
                    let c = column(field);
                    let got: Vec<&str> = rows.iter().map(|r| r[c].as_str()).collect();
                    let want: Vec<&str> = opted_out
                        .iter()
                        .map(|&o| {
                            if o {
                                target.labels[0]
                            } else {
                                target.labels[1]
                            }
                        })
                        .collect();
                    assert_eq!(got, want, "{what}");
                }
                None => {
                    let (list_headers, list) = records(&wd.path("out.opt-out.csv"));
                    assert_eq!(list_headers, ["Email"], "{what}");
                    let got: Vec<&str> = list.iter().map(|r| r[0].as_str()).collect();
                    let want: Vec<&str> = ["ann@x.com", "bo@x.com", "wei@x.cn"]
                        .iter()
                        .zip(opted_out)
                        .filter(|(_, &o)| o)
                        .map(|(e, _)| *e)
                        .collect();
                    assert_eq!(got, want, "{what}");
                }
            }
            let record = column(target.record);
            let ids: Vec<&str> = rows.iter().map(|r| r[record].as_str()).collect();
            if *input == "full.csv" {
                assert_eq!(ids, ["K-1", "K-2", "K-3"], "{what}");
                let entity = column(target.entity);
                let entities: Vec<&str> = rows.iter().map(|r| r[entity].as_str()).collect();
                assert_eq!(entities, ["7", "8", "9"], "{what}");
            } else {
                assert_eq!(ids, ["R1", "R2", "R3"], "{what}");
            }
            let report: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(wd.path("out.json")).unwrap())
                    .unwrap();
            assert_eq!(report["rows"], 3, "{what}");
            assert_eq!(report["set_aside"], 0, "{what}");
            assert_eq!(report["consent"]["exported"], true, "{what}");
            assert_eq!(
                report["consent"]["opted_out"],
                opted_out.iter().filter(|&&o| o).count(),
                "{what}"
            );
        }
    }
    // Leads without a company keep the lead with Salesforce's placeholder.
    let out = wd.run(&[
        "export",
        "full.csv",
        "--target",
        "salesforce-leads",
        "-o",
        "l.csv",
        "--report",
        "l.json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    let (headers, rows) = records(&wd.path("l.csv"));
    let company = headers.iter().position(|h| h == "Company").unwrap();
    assert!(rows.iter().all(|r| r[company] == "[not provided]"));
    assert!(
        stderr_of(&out).contains("[not provided]"),
        "{}",
        stderr_of(&out)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wd.path("l.json")).unwrap()).unwrap();
    assert_eq!(report["filled"]["Company"], 3);
    assert_eq!(report["derived"]["LastName"], 3);
}

/// A consent column whose target has no consent field (a user's profile)
/// makes the exit code 1: the CRM would not learn the choices.
#[test]
fn a_consent_column_a_target_cannot_take_is_not_lost_silently() {
    let wd = Workdir::new();
    wd.write(
        "in.csv",
        "First Name,Last Name,Email,Email Opt In\nAnn,Lee,ann@x.com,yes\n",
    );
    wd.write(
        "mycrm.toml",
        "name = \"mycrm\"\nencoding = \"utf-8\"\ndate-format = \"%Y-%m-%d\"\nphone-format = \"e164\"\nmax-rows = 100\nmax-bytes = 100000\n[[field]]\nheader = \"Email\"\nrole = \"email\"\n[[field]]\nheader = \"Last\"\nrole = \"last_name\"\n",
    );
    let out = wd.run(&["export", "in.csv", "--target", "mycrm.toml", "-o", "o.csv"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("Email Opt In"),
        "{}",
        stderr_of(&out)
    );
    let out = wd.run(&[
        "export",
        "in.csv",
        "--target",
        "mycrm.toml",
        "-o",
        "o.csv",
        "--keep-unmapped",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}
