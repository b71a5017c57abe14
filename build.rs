//! Stamps the version with the commit it was built from (`tidyrec
//! --version` → `0.1.0 (3f2c1ab)`), so a steward's bug report names the
//! exact build. Outside a git checkout (a source tarball) the commit is
//! left out.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let version = env!("CARGO_PKG_VERSION");
    let long = match commit {
        Some(commit) => format!("{version} ({commit})"),
        None => version.to_string(),
    };
    println!("cargo:rustc-env=TIDYREC_LONG_VERSION={long}");
    // Rebuild the stamp when HEAD moves (a commit, a checkout).
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
