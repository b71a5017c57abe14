//! Cron safety: one run at a time, nothing published until the run has
//! succeeded, previous generations kept as backups.
//!
//! - A run holds an exclusive lock on `OUTPUT_DIR/.tidyrec.lock` (an OS file
//!   lock, released when the process dies, so a killed run never leaves a
//!   stale lock behind).
//! - Every output is written into `OUTPUT_DIR/.tidyrec-staging-PID/`; a run
//!   that fails or is killed leaves the published files untouched (its
//!   staging directory is removed by the next run).
//! - Publishing replaces each file by a rename (the old version is
//!   hard-linked into `.backups/STAMP/` first), moves files the new run no
//!   longer produces into the same backup, records the new set in
//!   `.tidyrec-manifest`, and keeps the newest `keep` backups. The renames
//!   are listed in a journal (`.tidyrec-publish`) before the first one, so a
//!   run killed mid-publish is finished by the next run ([`recover`]) before
//!   it does anything else: the old set, or after recovery the whole new set.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};

const LOCK: &str = ".tidyrec.lock";
const MANIFEST: &str = ".tidyrec-manifest";
const STAGING_PREFIX: &str = ".tidyrec-staging-";
const BACKUPS: &str = ".backups";
const JOURNAL: &str = ".tidyrec-publish";

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

/// The staging folder of the run in progress, until its publish is
/// journaled; held locked for the whole publish, so an interrupt waits for
/// the switch to finish instead of cutting it.
static ACTIVE: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn active() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    ACTIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Set once this process has journaled a publish.
static PUBLISHED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// For a signal handler: removes the staging folder of the run in progress
/// (waiting for a publish under way to finish first). Returns whether the
/// run had not published, so the interrupt should end it.
pub fn abandon_active() -> bool {
    let mut active = active();
    for dir in active.drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
    !PUBLISHED.load(std::sync::atomic::Ordering::SeqCst)
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
        active().push(dir.clone());
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
    ///
    /// The switch from the old set to the new one is journaled: backups are
    /// made first, then `.tidyrec-publish` lists every rename, then the
    /// renames run. A run killed in between leaves the journal, and the next
    /// run ([`recover`]) finishes the switch before anything else, so a crash
    /// never leaves a mix of old and new outputs behind for the next run.
    /// No published or retired name may be a file `guard` names as read.
    pub fn publish(
        mut self,
        keep: usize,
        stamp: &str,
        guard: &crate::io::paths::Plan,
    ) -> Result<Vec<String>> {
        let mut active = active();
        if !active.contains(&self.dir) {
            bail!("the run was interrupted before publishing; nothing was published");
        }
        let mut names = Vec::new();
        collect(&self.dir, &self.dir, &mut names)?;
        names.sort();
        let previous: Vec<String> = std::fs::read_to_string(self.output_dir.join(MANIFEST))
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let retire: Vec<String> = previous
            .into_iter()
            .filter(|n| !names.contains(n))
            .collect();
        for name in names.iter().chain(&retire) {
            if let Some(flag) = guard.reads_file(&self.output_dir.join(name)) {
                bail!(
                    "refusing to publish `{name}` into `{}`: it is the file read as {flag}; tidyrec never modifies a file it reads — rename the output or move output-dir",
                    self.output_dir.display()
                );
            }
        }
        // 1. Back up the current generation (hard links: the files stay).
        let backup = self.output_dir.join(BACKUPS).join(stamp);
        if keep > 0 {
            for name in &names {
                let from = self.output_dir.join(name);
                if !from.is_file() {
                    continue;
                }
                let to = backup.join(name);
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                if std::fs::hard_link(&from, &to).is_err() {
                    std::fs::copy(&from, &to)
                        .with_context(|| format!("backing up `{name}` before replacing it"))?;
                }
            }
        }
        // 2. The journal: from here on, the switch is finished even if
        // this process dies.
        let journal = Journal {
            staging: self
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            backup: stamp.to_string(),
            keep,
            names: names.clone(),
            retire,
        };
        crate::io::write::json(&self.output_dir.join(JOURNAL), &journal)?;
        // The journal owns the staging folder now: never drop it unfinished.
        self.published = true;
        active.retain(|d| *d != self.dir);
        PUBLISHED.store(true, std::sync::atomic::Ordering::SeqCst);
        fault_point()?;
        // 3. The switch.
        journal.finish(&self.output_dir)?;
        drop(active);
        Ok(names)
    }
}

/// The journal of a publish in progress (`OUTPUT_DIR/.tidyrec-publish`).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// The staging folder's name inside the output folder.
    staging: String,
    /// The backup generation the old files went to.
    backup: String,
    keep: usize,
    /// Staged names to move into place.
    names: Vec<String>,
    /// Names of the previous generation this one no longer writes.
    retire: Vec<String>,
}

impl Journal {
    /// Moves every staged file into place, retires the old names, writes the
    /// manifest, then removes the journal and the staging folder. Each step
    /// is skipped when already done, so finishing twice is harmless.
    fn finish(&self, output_dir: &Path) -> Result<()> {
        let staging = output_dir.join(&self.staging);
        let backup = output_dir.join(BACKUPS).join(&self.backup);
        for name in &self.names {
            let from = staging.join(name);
            if !from.exists() {
                continue; // moved before a crash
            }
            let target = output_dir.join(name);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::rename(&from, &target)
                .with_context(|| format!("publishing `{}`", target.display()))?;
            fault_point()?;
        }
        // Outputs of the last run that this run no longer makes (a file
        // split into fewer parts) go to the backup, not left to be re-imported.
        for name in &self.retire {
            let from = output_dir.join(name);
            if !from.is_file() {
                continue;
            }
            let to = backup.join(name);
            let retired = if self.keep == 0 || to.exists() {
                std::fs::remove_file(&from)
            } else {
                if let Some(parent) = to.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::rename(&from, &to)
            };
            retired
                .with_context(|| format!("retiring `{name}`, which this run no longer writes"))?;
            fault_point()?;
        }
        let manifest = output_dir.join(MANIFEST);
        crate::io::write::atomic(&manifest, |w| {
            for name in &self.names {
                writeln!(w, "{name}")?;
            }
            Ok(())
        })?;
        prune_backups(&output_dir.join(BACKUPS), self.keep)?;
        std::fs::remove_file(output_dir.join(JOURNAL)).with_context(|| {
            format!("removing the publish journal in `{}`", output_dir.display())
        })?;
        let _ = std::fs::remove_dir_all(&staging);
        Ok(())
    }
}

/// Finishes a publish that a killed run left half done (call with the lock
/// held, before anything else touches the output folder). Returns how many
/// files it put in place, or `None` when there was nothing to finish.
pub fn recover(output_dir: &Path) -> Result<Option<usize>> {
    let path = output_dir.join(JOURNAL);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading `{}`", path.display())),
    };
    let journal: Journal = serde_json::from_str(&text).with_context(|| {
        format!(
            "the publish journal `{}` is damaged; compare the outputs with the newest backup in .backups/, then delete it",
            path.display()
        )
    })?;
    let pending = journal
        .names
        .iter()
        .filter(|n| output_dir.join(&journal.staging).join(n).exists())
        .count();
    journal.finish(output_dir)?;
    Ok(Some(pending))
}

thread_local! {
    /// Steps of publishes taken on this thread (for fault injection).
    static PUBLISH_STEP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Unit tests: the step at which a publish fails as if killed (0: none).
    static FAIL_AT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Fault injection, to test that a publish cut at any step is finished by
/// the next run: with `TIDYREC_FAULT_PUBLISH_AT=N` the process aborts at
/// the N-th step of a publish (1 = right after the journal is written), as a
/// kill at that moment would; unit tests make the step fail instead.
fn fault_point() -> Result<()> {
    let step = PUBLISH_STEP.with(|s| {
        s.set(s.get() + 1);
        s.get()
    });
    if std::env::var("TIDYREC_FAULT_PUBLISH_AT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        == Some(step)
    {
        std::process::abort();
    }
    if FAIL_AT.with(|f| f.get()) == step {
        bail!("injected fault at publish step {step}");
    }
    Ok(())
}

/// Unit tests: the next publish on this thread fails at `step` (0: never).
#[cfg(test)]
fn inject_fault_at(step: usize) {
    PUBLISH_STEP.with(|s| s.set(0));
    FAIL_AT.with(|f| f.set(step));
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            active().retain(|d| *d != self.dir);
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
        staging.publish(keep, stamp, &Default::default()).unwrap()
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
    fn a_publish_cut_at_any_step_is_finished_by_recover() {
        let old = [
            ("a.csv", "old"),
            ("sf/p-part1.csv", "old"),
            ("sf/p-part2.csv", "old"),
        ];
        let new = [
            ("a.csv", "new"),
            ("b.csv", "new"),
            ("sf/p-part1.csv", "new"),
        ];
        let state = |out: &Path| -> Vec<(String, Option<String>)> {
            ["a.csv", "b.csv", "sf/p-part1.csv", "sf/p-part2.csv"]
                .iter()
                .map(|n| (n.to_string(), std::fs::read_to_string(out.join(n)).ok()))
                .collect()
        };
        let expected_new = vec![
            ("a.csv".to_string(), Some("new".to_string())),
            ("b.csv".to_string(), Some("new".to_string())),
            ("sf/p-part1.csv".to_string(), Some("new".to_string())),
            ("sf/p-part2.csv".to_string(), None),
        ];
        // 1 journal + 3 renames + 1 retirement = 5 steps.
        for step in 1..=5 {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path();
            publish(out, &old, 2, "t1");
            let staging = Staging::new(out).unwrap();
            for (name, body) in new {
                std::fs::write(staging.path(name).unwrap(), body).unwrap();
            }
            inject_fault_at(step);
            let err = staging.publish(2, "t2", &Default::default()).unwrap_err();
            inject_fault_at(0);
            assert!(err.to_string().contains("injected"), "{err}");
            assert!(out.join(JOURNAL).exists());
            // The next run finishes the switch before anything else.
            assert!(recover(out).unwrap().is_some());
            assert_eq!(state(out), expected_new, "cut at step {step}");
            assert!(!out.join(JOURNAL).exists());
            assert_eq!(
                std::fs::read_to_string(out.join(".backups/t2/sf/p-part2.csv")).unwrap(),
                "old"
            );
            assert_eq!(recover(out).unwrap(), None);
        }
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
