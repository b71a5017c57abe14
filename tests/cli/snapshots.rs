//! Snapshots of what a user reads: every `--help` (with its examples), and
//! typical mistakes — each with its exit code and the message on stderr.
//! Paths are relative to the test's temp directory, so the text is the same
//! on every machine. Review changes with `cargo insta review`.

use crate::common::Workdir;

/// `exit N` and the stream a user reads, for one invocation.
fn shown(wd: &Workdir, args: &[&str]) -> String {
    let out = wd.run(args);
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    format!(
        "$ tidyrec {}\nexit {code}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        args.join(" ")
    )
}

#[test]
fn help_of_every_command() {
    let wd = Workdir::new();
    for command in [
        None,
        Some("normalize"),
        Some("dedupe"),
        Some("validate"),
        Some("profile"),
        Some("link"),
        Some("merge"),
        Some("features"),
        Some("model"),
        Some("export"),
        Some("segment"),
        Some("run"),
        Some("init"),
        Some("completions"),
        Some("man"),
    ] {
        let args: Vec<&str> = command.into_iter().chain(["--help"]).collect();
        let name = format!("help_{}", command.unwrap_or("tidyrec"));
        insta::assert_snapshot!(name, shown(&wd, &args));
    }
}

#[test]
fn typical_mistakes_and_their_exit_codes() {
    let wd = Workdir::new();
    wd.write(
        "contacts.csv",
        "Customer ID,First Name,Last Name,Email\nC-1,Ann,Lee,ann@x.com\nC-2,Bo,Berg,bo@x.com\n",
    );
    wd.write("typo.toml", "[normalize]\ndefault-regoin = \"DE\"\n");
    wd.write(
        "nightly.toml",
        "[pipeline]\nname = \"nightly\"\noutptu-dir = \"out\"\n",
    );
    wd.write(
        "mycrm.toml",
        "name = \"mycrm\"\nencoding = \"utf-8\"\ndate-format = \"%Y-%m-%d\"\nphone-format = \"e164\"\nmax-rows = 100\nmax-bytes = 100000\n[[field]]\nheader = \"Email\"\nrole = \"email\"\nrequird = true\n",
    );
    let cases: &[(&str, &[&str])] = &[
        ("no_such_command", &["frobnicate"]),
        ("missing_input", &["normalize", "nope.csv", "-o", "out.csv"]),
        ("missing_output_flag", &["normalize", "contacts.csv"]),
        (
            "output_is_the_input",
            &["normalize", "contacts.csv", "-o", "./contacts.csv"],
        ),
        (
            "threshold_out_of_range",
            &[
                "dedupe",
                "contacts.csv",
                "-o",
                "g.csv",
                "--threshold",
                "1.5",
            ],
        ),
        (
            "unknown_export_target",
            &["export", "contacts.csv", "--target", "crmx", "-o", "x.csv"],
        ),
        (
            "rule_file_with_a_typo",
            &[
                "normalize",
                "contacts.csv",
                "-o",
                "out.csv",
                "--rules",
                "typo.toml",
            ],
        ),
        (
            "id_column_not_in_the_file",
            &[
                "dedupe",
                "contacts.csv",
                "-o",
                "g.csv",
                "--id-column",
                "Kunde",
            ],
        ),
        ("validate_without_rules", &["validate", "contacts.csv"]),
        ("pipeline_file_with_a_typo", &["run", "nightly.toml"]),
        (
            "export_profile_with_a_typo",
            &[
                "export",
                "contacts.csv",
                "--target",
                "mycrm.toml",
                "-o",
                "x.csv",
            ],
        ),
        // One wording for every TOML file tidyrec cannot read.
        (
            "missing_rule_file",
            &["validate", "contacts.csv", "--rules", "nope.toml"],
        ),
        ("missing_pipeline_file", &["run", "nope.toml"]),
        (
            "missing_export_profile",
            &[
                "export",
                "contacts.csv",
                "--target",
                "nope.toml",
                "-o",
                "x.csv",
            ],
        ),
        (
            "model_that_is_not_a_model",
            &[
                "dedupe",
                "contacts.csv",
                "-o",
                "g.csv",
                "--model",
                "typo.toml",
            ],
        ),
        (
            "zero_threads",
            &["--threads", "0", "profile", "contacts.csv"],
        ),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(*name, shown(&wd, args));
    }
}
