//! Cron safety: one run at a time, nothing published until the run has
//! succeeded, previous generations kept as backups.
//!
//! - A run holds an exclusive lock on `OUTPUT_DIR/.tidyrec.lock` (an OS file
//!   lock, released when the process dies, so a killed run never leaves a
//!   stale lock behind).
//! - Every output is written into `OUTPUT_DIR/.tidyrec-staging-PID/`; a run
//!   that fails or is killed leaves the published files untouched (its
//!   staging directory is removed by the next run).
//! - Publishing replaces each file by a rename (atomic per file; the old
//!   version is hard-linked into `.backups/STAMP/` first), moves files the
//!   new run no longer produces into the same backup, records the new set in
//!   `.tidyrec-manifest`, and keeps the newest `keep` backups.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

const LOCK: &str = ".tidyrec.lock";
const MANIFEST: &str = ".tidyrec-manifest";
const STAGING_PREFIX: &str = ".tidyrec-staging-";
const BACKUPS: &str = ".backups";

/// The held lock; released on drop (or when the process ends).
pub struct Lock {
    _file: File,
}

/// Takes the pipeline's lock, waiting for it when `wait`.
pub fn lock(output_dir: &Path, pipeline: &str, wait: bool) -> Result<Lock> {
    std::fs::create_dir_all(output_dir).with_context(|| {
        format!(
            "cannot create the output directory `{}`",
            output_dir.display()
        )
    })?;
    let path = output_dir.join(LOCK);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file `{}`", path.display()))?;
    if wait {
        file.lock()
            .with_context(|| format!("cannot lock `{}`", path.display()))?;
    } else if let Err(err) = file.try_lock() {
        match err {
            std::fs::TryLockError::WouldBlock => bail!(
                "pipeline `{pipeline}` is already running (lock `{}` is held); wait for it, or run with --wait to queue behind it",
                path.display()
            ),
            std::fs::TryLockError::Error(e) => {
                return Err(e).with_context(|| format!("cannot lock `{}`", path.display()))
            }
        }
    }
    Ok(Lock { _file: file })
}

/// A run's private output directory.
pub struct Staging {
    pub dir: PathBuf,
    output_dir: PathBuf,
    published: bool,
}

impl Staging {
    /// Removes staging directories of runs that died (we hold the lock, so
    /// none is in use), then makes this run's.
    pub fn new(output_dir: &Path) -> Result<Staging> {
        for entry in std::fs::read_dir(output_dir)?.flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(STAGING_PREFIX) {
                std::fs::remove_dir_all(entry.path()).with_context(|| {
                    format!(
                        "cannot remove the leftover staging directory `{}`",
                        entry.path().display()
                    )
                })?;
            }
        }
        let dir = output_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Staging {
            dir,
            output_dir: output_dir.to_path_buf(),
            published: false,
        })
    }

    /// Where to write output `name` during the run (parents created).
    pub fn path(&self, name: &str) -> Result<PathBuf> {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        Ok(path)
    }

    /// A scratch directory inside staging that is never published.
    pub fn work(&self) -> Result<PathBuf> {
        let dir = self.dir.join(".work");
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// The files staged so far (what `publish` would publish), sorted.
    pub fn staged_names(&self) -> Result<Vec<String>> {
        let mut names = Vec::new();
        collect(&self.dir, &self.dir, &mut names)?;
        names.sort();
        Ok(names)
    }

    /// Publishes every staged file (not under a dot-directory), keeping the
    /// previous generation in `.backups/stamp` (newest `keep` kept).
    /// Returns the published names, sorted.
    pub fn publish(mut self, keep: usize, stamp: &str) -> Result<Vec<String>> {
        let mut names = Vec::new();
        collect(&self.dir, &self.dir, &mut names)?;
        names.sort();
        let previous: Vec<String> = std::fs::read_to_string(self.output_dir.join(MANIFEST))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let backup = self.output_dir.join(BACKUPS).join(stamp);
        let keep_backup = |name: &str, by_rename: bool| -> Result<()> {
            let from = self.output_dir.join(name);
            if keep == 0 || !from.is_file() {
                if by_rename && from.is_file() {
                    std::fs::remove_file(&from)?;
                }
                return Ok(());
            }
            let to = backup.join(name);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if by_rename {
                std::fs::rename(&from, &to)?;
            } else if std::fs::hard_link(&from, &to).is_err() {
                std::fs::copy(&from, &to)?;
            }
            Ok(())
        };
        for name in &names {
            keep_backup(name, false)
                .with_context(|| format!("backing up `{name}` before replacing it"))?;
            let target = self.output_dir.join(name);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(self.dir.join(name), &target)
                .with_context(|| format!("publishing `{}`", target.display()))?;
        }
        // Outputs of the last run that this run no longer makes (a file
        // split into fewer parts) go to the backup, not left to be re-imported.
        for name in previous.iter().filter(|n| !names.contains(n)) {
            keep_backup(name, true)
                .with_context(|| format!("retiring `{name}`, which this run no longer writes"))?;
        }
        let manifest = self.output_dir.join(MANIFEST);
        crate::io::write::atomic(&manifest, |w| {
            for name in &names {
                writeln!(w, "{name}")?;
            }
            Ok(())
        })?;
        prune_backups(&self.output_dir.join(BACKUPS), keep)?;
        self.published = true;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(names)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("inside the staging directory");
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

/// Keeps the newest `keep` backup generations (names sort by time).
fn prune_backups(dir: &Path, keep: usize) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut generations: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    generations.sort();
    let excess = generations.len().saturating_sub(keep);
    for old in &generations[..excess] {
        std::fs::remove_dir_all(old)
            .with_context(|| format!("removing the old backup `{}`", old.display()))?;
    }
    Ok(())
}

/// A backup name that sorts by time and is unique within the directory.
pub fn stamp(output_dir: &Path, now: chrono::DateTime<chrono::Utc>) -> String {
    let base = now.format("%Y%m%dT%H%M%SZ").to_string();
    let backups = output_dir.join(BACKUPS);
    if !backups.join(&base).exists() {
        return base;
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|name| !backups.join(name).exists())
        .expect("some suffix is free")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(out: &Path, files: &[(&str, &str)], keep: usize, stamp: &str) -> Vec<String> {
        let staging = Staging::new(out).unwrap();
        for (name, body) in files {
            std::fs::write(staging.path(name).unwrap(), body).unwrap();
        }
        std::fs::write(staging.work().unwrap().join("scratch"), "x").unwrap();
        staging.publish(keep, stamp).unwrap()
    }

    #[test]
    fn generations_replace_retire_and_back_up() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let names = publish(out, &[("a.csv", "1"), ("sf/p-part2.csv", "1")], 2, "t1");
        assert_eq!(names, ["a.csv", "sf/p-part2.csv"]);
        publish(out, &[("a.csv", "2")], 2, "t2");
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "2");
        // The part this run no longer writes is retired into the backup.
        assert!(!out.join("sf/p-part2.csv").exists());
        assert_eq!(
            std::fs::read_to_string(out.join(".backups/t2/sf/p-part2.csv")).unwrap(),
            "1"
        );
        assert_eq!(
            std::fs::read_to_string(out.join(".backups/t2/a.csv")).unwrap(),
            "1"
        );
        publish(out, &[("a.csv", "3")], 2, "t3");
        publish(out, &[("a.csv", "4")], 2, "t4");
        let mut kept: Vec<String> = std::fs::read_dir(out.join(".backups"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        kept.sort();
        assert_eq!(kept, ["t3", "t4"]);
        assert!(!out.join(".work").exists());
    }

    #[test]
    fn an_abandoned_run_publishes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        publish(out, &[("a.csv", "good")], 1, "t1");
        {
            let staging = Staging::new(out).unwrap();
            std::fs::write(staging.path("a.csv").unwrap(), "half").unwrap();
            // Dropped without publishing: the run failed.
        }
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "good");
        let leftovers = std::fs::read_dir(out)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(STAGING_PREFIX)
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[test]
    fn a_second_run_cannot_take_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let held = lock(dir.path(), "nightly", false).unwrap();
        let err = lock(dir.path(), "nightly", false)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("already running"), "{err}");
        drop(held);
        assert!(lock(dir.path(), "nightly", false).is_ok());
    }
}
