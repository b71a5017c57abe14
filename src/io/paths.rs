//! Which files a command reads and which it writes, checked before any work.
//!
//! Guarantees: no output of a command resolves to a file the command reads
//! (its data input, rule file, model, clusters, master, …) or to another
//! output of the same command — compared by file identity, so a symlink, a
//! `./` spelling or a hard link to an input is caught as well as the same
//! name. Each output's folder is probed for writability up front, so a
//! read-only `--audit` folder fails before the main output is replaced.
//!
//! Why identity and not names: `--report ./in.csv`, `--report link-to-in.csv`
//! and a hard link all overwrite the same bytes. Files that do not exist yet
//! are compared by their canonical folder plus name. Devices and pipes
//! (`/dev/null`, a FIFO) are not files to protect: writing to them replaces
//! nothing, so two outputs may both be `/dev/null`.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("refusing to write `{output}` ({output_flag}): it is the file read as {input_flag} (`{input}`); tidyrec never modifies a file it reads — choose another path for {output_flag}")]
    OutputIsInput {
        output_flag: String,
        output: PathBuf,
        input_flag: String,
        input: PathBuf,
    },
    #[error("{first_flag} and {second_flag} both write `{path}`: one output would overwrite the other; give each its own path")]
    SameOutput {
        first_flag: String,
        second_flag: String,
        path: PathBuf,
    },
    #[error("cannot write `{path}` ({flag}): the folder `{dir}` is not writable ({source}); choose a writable folder")]
    NotWritable {
        flag: String,
        path: PathBuf,
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// What makes two paths the same file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Identity {
    /// An existing regular file (device and inode on Unix).
    File(u64, u64),
    /// A file that does not exist yet: its canonical folder and name.
    Planned(PathBuf),
    /// Standard input/output, a device or a pipe: nothing to overwrite.
    Stream,
}

fn identity(path: &Path) -> Identity {
    if path == Path::new("-") {
        return Identity::Stream;
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => file_identity(path, &meta),
        Ok(meta) if meta.is_dir() => Identity::Planned(canonical(path)),
        Ok(_) => Identity::Stream,
        Err(_) => Identity::Planned(canonical(path)),
    }
}

#[cfg(unix)]
fn file_identity(_path: &Path, meta: &std::fs::Metadata) -> Identity {
    use std::os::unix::fs::MetadataExt;
    Identity::File(meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_identity(path: &Path, _meta: &std::fs::Metadata) -> Identity {
    Identity::Planned(canonical(path))
}

/// The canonical form of a path that may not exist: its folder resolved
/// (symlinks, `..`), its own name kept.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(full) = std::fs::canonicalize(path) {
        return full;
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// The files one command (or one pipeline) reads and writes, by flag.
#[derive(Debug, Default)]
pub struct Plan {
    reads: Vec<(String, PathBuf)>,
    writes: Vec<(String, PathBuf)>,
}

impl Plan {
    pub fn new() -> Plan {
        Plan::default()
    }

    /// A file the command reads (`flag` names it in messages, e.g. `--rules`).
    pub fn read(&mut self, flag: &str, path: Option<&Path>) -> &mut Plan {
        if let Some(path) = path {
            self.reads.push((flag.to_string(), path.to_path_buf()));
        }
        self
    }

    /// A file the command writes.
    pub fn write(&mut self, flag: &str, path: Option<&Path>) -> &mut Plan {
        if let Some(path) = path {
            self.writes.push((flag.to_string(), path.to_path_buf()));
        }
        self
    }

    /// Whether `path` is one of the files read (for outputs whose names are
    /// only known while writing, such as an export's split parts).
    pub fn reads_file(&self, path: &Path) -> Option<&str> {
        let id = identity(path);
        if id == Identity::Stream {
            return None;
        }
        self.reads
            .iter()
            .find(|(_, read)| identity(read) == id)
            .map(|(flag, _)| flag.as_str())
    }

    /// Refuses an output on an input or on another output.
    pub fn check_overlaps(&self) -> Result<(), PathError> {
        let reads: Vec<Identity> = self.reads.iter().map(|(_, p)| identity(p)).collect();
        let mut seen: Vec<(Identity, &str)> = Vec::new();
        for (flag, path) in &self.writes {
            let id = identity(path);
            if id == Identity::Stream {
                continue;
            }
            if let Some(at) = reads.iter().position(|r| *r == id) {
                let (input_flag, input) = &self.reads[at];
                return Err(PathError::OutputIsInput {
                    output_flag: flag.clone(),
                    output: path.clone(),
                    input_flag: input_flag.clone(),
                    input: input.clone(),
                });
            }
            if let Some((_, first)) = seen.iter().find(|(s, _)| *s == id) {
                return Err(PathError::SameOutput {
                    first_flag: first.to_string(),
                    second_flag: flag.clone(),
                    path: path.clone(),
                });
            }
            seen.push((id, flag));
        }
        Ok(())
    }

    /// [`check_overlaps`](Plan::check_overlaps), then a writability probe
    /// of every output's folder (a temp file created and removed).
    pub fn check(&self) -> Result<(), PathError> {
        self.check_overlaps()?;
        for (flag, path) in &self.writes {
            if identity(path) == Identity::Stream {
                continue;
            }
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            if let Err(source) = tempfile::Builder::new()
                .prefix(&super::write::temp_prefix())
                .suffix(".tmp")
                .tempfile_in(dir)
            {
                return Err(PathError::NotWritable {
                    flag: flag.clone(),
                    path: path.clone(),
                    dir: dir.to_path_buf(),
                    source,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_on_an_input_is_refused_by_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n1\n").unwrap();
        let dotted = dir.path().join(".").join("in.csv");
        let linked = dir.path().join("hard.csv");
        std::fs::hard_link(&input, &linked).unwrap();
        #[cfg(unix)]
        let symlinked = {
            let s = dir.path().join("sym.csv");
            std::os::unix::fs::symlink(&input, &s).unwrap();
            s
        };
        #[cfg(not(unix))]
        let symlinked = input.clone();
        for output in [&input, &dotted, &linked, &symlinked] {
            let mut plan = Plan::new();
            plan.read("--rules", Some(&input))
                .write("--report", Some(output));
            let err = plan.check().unwrap_err().to_string();
            assert!(err.contains("--report") && err.contains("--rules"), "{err}");
        }
    }

    #[test]
    fn two_outputs_on_one_path_are_refused_but_devices_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.csv");
        let mut plan = Plan::new();
        plan.write("-o", Some(&out)).write("--audit", Some(&out));
        let err = plan.check().unwrap_err().to_string();
        assert!(err.contains("-o and --audit"), "{err}");
        let mut plan = Plan::new();
        plan.write("-o", Some(Path::new("-")))
            .write("--audit", Some(Path::new("-")));
        plan.check().unwrap();
        #[cfg(unix)]
        {
            let mut plan = Plan::new();
            plan.write("-o", Some(Path::new("/dev/null")))
                .write("--audit", Some(Path::new("/dev/null")));
            plan.check().unwrap();
        }
    }

    #[test]
    fn distinct_paths_pass_and_missing_folders_fail_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a\n").unwrap();
        let mut plan = Plan::new();
        plan.read("INPUT", Some(&input))
            .write("-o", Some(&dir.path().join("out.csv")))
            .write("--audit", Some(&dir.path().join("audit.csv")));
        plan.check().unwrap();
        assert_eq!(plan.reads_file(&input), Some("INPUT"));
        assert_eq!(plan.reads_file(&dir.path().join("out.csv")), None);
        let mut plan = Plan::new();
        plan.write("--audit", Some(&dir.path().join("no/such/dir/a.csv")));
        let err = plan.check().unwrap_err().to_string();
        assert!(err.contains("not writable"), "{err}");
    }
}
