//! Pipeline files (TOML): what a scheduled run reads, which steps it takes
//! and what it publishes. Paths are relative to the pipeline file; output
//! names are relative to `output-dir`. Unknown keys are errors with their
//! line, and everything is checked before any row is read.
//!
//! ```toml
//! [pipeline]
//! name = "nightly"
//! output-dir = "out"           # published outputs; backups in out/.backups
//! keep = 3                     # previous output generations kept
//! log = "runs.log"             # one line per run, appended
//!
//! [[input]]
//! source = "webshop"           # written to the `source` column
//! path = "exports/webshop-*.csv"   # a file or a glob (sorted)
//! rules = "rules/webshop.toml" # roles, normalize options (optional)
//! id-column = "Order Ref"      # record id (default: inferred, else row)
//! rename = { "E-mail" = "Email" }
//! lenient = true               # unreadable rows to rejects/ instead of failing
//!
//! [validate]
//! rules = "rules/crm-contacts.toml"
//! stop-on-failure = true       # a failed check publishes nothing (exit 1)
//!
//! [match]
//! mode = "link"                # or "dedupe" (every run from scratch)
//! master = "golden.csv"        # in output-dir: last run's golden records;
//!                              # the first run (no master yet) dedupes
//! rules = "rules/merge.toml"   # survivorship, [dedupe] settings (optional)
//! threshold = 0.99
//! model = "model.json"         # a saved model (optional)
//! decisions = "decisions.csv"  # a steward's same/different verdicts (optional)
//!
//! [outputs]
//! cleaned = "cleaned.csv"      # all inputs normalized, with source columns
//! golden = "golden.csv"
//! crosswalk = "crosswalk.csv"
//! summary = "summary.json"
//!
//! [[export]]
//! target = "salesforce"        # or hubspot, dynamics, zoho, fxiaoke, a .toml
//! file = "salesforce/contacts.csv"
//!
//! [segment]
//! file = "segments.csv"
//! ```

use crate::config::{ConfigError, TomlKind};
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PipelineFile {
    pub pipeline: Settings,
    #[serde(rename = "input")]
    pub inputs: Vec<Input>,
    pub validate: Option<Validate>,
    #[serde(rename = "match")]
    pub matching: Option<Match>,
    #[serde(default)]
    pub outputs: Outputs,
    #[serde(default, rename = "export")]
    pub exports: Vec<Export>,
    pub segment: Option<Segment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    pub name: String,
    pub output_dir: PathBuf,
    #[serde(default = "default_keep")]
    pub keep: usize,
    #[serde(default = "default_log")]
    pub log: String,
    pub default_region: Option<String>,
}

/// The most backup generations a pipeline may keep.
const MAX_KEEP: usize = 1_000;

fn default_keep() -> usize {
    3
}

fn default_log() -> String {
    "runs.log".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Input {
    pub source: String,
    pub path: String,
    pub rules: Option<PathBuf>,
    pub id_column: Option<String>,
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    /// Set unreadable rows aside (published in `rejects/`) instead of
    /// failing the run.
    #[serde(default)]
    pub lenient: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Validate {
    pub rules: PathBuf,
    #[serde(default = "yes")]
    pub stop_on_failure: bool,
    #[serde(default = "default_validation_report")]
    pub report: String,
}

fn yes() -> bool {
    true
}

fn default_validation_report() -> String {
    "validation.json".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchMode {
    Dedupe,
    Link,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Match {
    pub mode: MatchMode,
    /// Link: the master, relative to output-dir (usually the golden output).
    pub master: Option<String>,
    pub rules: Option<PathBuf>,
    pub threshold: Option<f64>,
    pub model: Option<PathBuf>,
    /// A steward's decisions (`id_a,id_b,decision`, record ids as in the
    /// crosswalk), relative to the pipeline file.
    pub decisions: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Outputs {
    #[serde(default = "default_cleaned")]
    pub cleaned: String,
    #[serde(default = "default_golden")]
    pub golden: String,
    #[serde(default = "default_crosswalk")]
    pub crosswalk: String,
    #[serde(default = "default_summary")]
    pub summary: String,
}

impl Default for Outputs {
    fn default() -> Self {
        Outputs {
            cleaned: default_cleaned(),
            golden: default_golden(),
            crosswalk: default_crosswalk(),
            summary: default_summary(),
        }
    }
}

fn default_cleaned() -> String {
    "cleaned.csv".into()
}
fn default_golden() -> String {
    "golden.csv".into()
}
fn default_crosswalk() -> String {
    "crosswalk.csv".into()
}
fn default_summary() -> String {
    "summary.json".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Export {
    pub target: String,
    pub file: String,
    pub encoding: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Segment {
    pub file: String,
    pub rules: Option<PathBuf>,
}

/// A pipeline file, parsed and checked, with paths made absolute.
#[derive(Debug)]
pub struct Pipeline {
    pub file: PathBuf,
    pub base: PathBuf,
    pub config: PipelineFile,
    pub output_dir: PathBuf,
}

impl Pipeline {
    pub fn load(path: &Path) -> Result<Pipeline, ConfigError> {
        let text = crate::config::read_toml_text(TomlKind::PipelineFile, path)?;
        Pipeline::parse(path, &text)
    }

    /// Parses and checks pipeline `text` as if read from `path` (relative
    /// paths in it are relative to `path`'s folder).
    pub fn parse(path: &Path, text: &str) -> Result<Pipeline, ConfigError> {
        let config: PipelineFile = crate::config::parse_toml(TomlKind::PipelineFile, path, text)?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let output_dir = base.join(&config.pipeline.output_dir);
        let pipeline = Pipeline {
            file: path.to_path_buf(),
            base,
            config,
            output_dir,
        };
        pipeline.check()?;
        Ok(pipeline)
    }

    fn fail(&self, message: String) -> ConfigError {
        ConfigError::invalid(TomlKind::PipelineFile, &self.file, message)
    }

    /// A rule file or export profile the pipeline names, as its error.
    fn within(&self, within: &str, source: ConfigError) -> ConfigError {
        ConfigError::Within {
            kind: TomlKind::PipelineFile,
            path: self.file.clone(),
            within: within.to_string(),
            source: Box::new(source),
        }
    }

    fn check(&self) -> Result<(), ConfigError> {
        let c = &self.config;
        if c.pipeline.keep > MAX_KEEP {
            return Err(self.fail(format!(
                "keep = {} backup generations is more than {MAX_KEEP}; each one can hold a full copy of the outputs",
                c.pipeline.keep
            )));
        }
        if c.inputs.is_empty() {
            return Err(self.fail("no [[input]]; add one per source file".into()));
        }
        let mut sources = std::collections::HashSet::new();
        for input in &c.inputs {
            if input.source.trim().is_empty() || !sources.insert(input.source.as_str()) {
                return Err(self.fail(format!(
                    "every [[input]] needs its own `source` name (`{}` is empty or repeated)",
                    input.source
                )));
            }
        }
        if let Some(m) = &c.matching {
            if m.mode == MatchMode::Link && m.master.is_none() {
                return Err(self.fail(
                    "[match] mode = \"link\" needs `master` (e.g. master = \"golden.csv\", the last run's golden records)".into(),
                ));
            }
            if let Some(t) = m.threshold {
                if !(t > 0.0 && t < 1.0) {
                    return Err(self.fail(format!(
                        "[match] threshold {t} is not a probability strictly between 0 and 1"
                    )));
                }
            }
        }
        // Every published name stays inside output-dir and is unique.
        let names = self.output_names();
        let mut seen = std::collections::HashSet::new();
        for (key, name) in &names {
            let relative = Path::new(name);
            if name.is_empty()
                || relative.is_absolute()
                || relative
                    .components()
                    .any(|p| !matches!(p, Component::Normal(_)))
            {
                return Err(self.fail(format!(
                    "{key} = \"{name}\" must be a plain path inside output-dir (no `..`, not absolute)"
                )));
            }
            if !seen.insert(*name) {
                return Err(self.fail(format!("two outputs are named `{name}`")));
            }
        }
        for e in &c.exports {
            crate::export::profile::Profile::load(&self.resolve_target(&e.target))
                .map_err(|error| self.within("[[export]]", error))?;
        }
        for rules in self.rule_files() {
            crate::config::RuleFile::load(&rules)
                .map_err(|error| self.within("a rule file it names", error))?;
        }
        Ok(())
    }

    /// Every file the pipeline reads (the pipeline file, its inputs, rule
    /// files, model, export profiles) and every output it publishes, for
    /// [`crate::io::paths::Plan::check`]. The master and the crosswalk of
    /// the last run are read and then replaced by this run's golden file
    /// and crosswalk, by design; any other output on them is refused.
    pub fn path_plan(&self, files: &[Vec<PathBuf>]) -> crate::io::paths::Plan {
        let c = &self.config;
        let mut plan = crate::io::paths::Plan::new();
        plan.read("the pipeline file", Some(&self.file));
        for (input, paths) in c.inputs.iter().zip(files) {
            for path in paths {
                plan.read(&format!("input `{}`", input.source), Some(path));
            }
        }
        for rules in self.rule_files() {
            plan.read("a rule file", Some(&rules));
        }
        if let Some(m) = &c.matching {
            let model = m.model.as_ref().map(|p| self.base.join(p));
            plan.read("[match] model", model.as_deref());
            let decisions = m.decisions.as_ref().map(|p| self.base.join(p));
            plan.read("[match] decisions", decisions.as_deref());
            if let Some(master) = m.master.as_ref().filter(|m| **m != c.outputs.golden) {
                plan.read("[match] master", Some(&self.output_dir.join(master)));
            }
        }
        for e in &c.exports {
            let target = PathBuf::from(self.resolve_target(&e.target));
            plan.read(
                "an [[export]] profile",
                Some(&target).filter(|p| p.is_file()).map(PathBuf::as_path),
            );
        }
        for (key, name) in self.output_names() {
            plan.write(key, Some(&self.output_dir.join(name)));
        }
        plan
    }

    /// How to read the files of `input` (its encoding, delimiter, sheet).
    pub fn read_options(&self, input: &Input) -> Result<crate::io::ReadOptions> {
        let delimiter = match input.delimiter.as_deref() {
            None => None,
            Some("tab" | "\\t") => Some(b'\t'),
            Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
            Some(d) => bail!(
                "input `{}`: delimiter `{d}` must be one character or \"tab\"",
                input.source
            ),
        };
        Ok(crate::io::ReadOptions {
            delimiter,
            encoding: input.encoding.clone(),
            sheet: input.sheet.clone(),
            lenient: input.lenient,
        })
    }

    /// The fixed names the pipeline publishes, with their keys.
    fn output_names(&self) -> Vec<(&'static str, &str)> {
        let c = &self.config;
        let mut names: Vec<(&'static str, &str)> = vec![
            ("outputs.cleaned", &c.outputs.cleaned),
            ("outputs.golden", &c.outputs.golden),
            ("outputs.crosswalk", &c.outputs.crosswalk),
            ("outputs.summary", &c.outputs.summary),
            ("pipeline.log", &c.pipeline.log),
        ];
        if let Some(v) = &c.validate {
            names.push(("validate.report", &v.report));
        }
        for e in &c.exports {
            names.push(("export.file", &e.file));
        }
        if let Some(s) = &c.segment {
            names.push(("segment.file", &s.file));
        }
        names
    }

    /// A built-in export target as is; a profile file relative to the pipeline.
    pub fn resolve_target(&self, target: &str) -> String {
        if target.ends_with(".toml") {
            self.base.join(target).to_string_lossy().into_owned()
        } else {
            target.to_string()
        }
    }

    /// Every rule file the pipeline names (absolute).
    pub fn rule_files(&self) -> Vec<PathBuf> {
        let c = &self.config;
        c.inputs
            .iter()
            .filter_map(|i| i.rules.as_ref())
            .chain(c.validate.as_ref().map(|v| &v.rules))
            .chain(c.matching.as_ref().and_then(|m| m.rules.as_ref()))
            .chain(c.segment.as_ref().and_then(|s| s.rules.as_ref()))
            .map(|p| self.base.join(p))
            .collect()
    }

    /// The files of each input: the path, or its glob's matches (sorted).
    pub fn input_files(&self) -> Result<Vec<Vec<PathBuf>>> {
        self.config
            .inputs
            .iter()
            .map(|input| {
                let pattern = self.base.join(&input.path);
                let pattern = pattern.to_string_lossy();
                if !input.path.contains(['*', '?', '[']) {
                    let path = PathBuf::from(pattern.as_ref());
                    if !path.is_file() {
                        bail!(
                            "input `{}`: `{}` does not exist (paths are relative to the pipeline file)",
                            input.source,
                            path.display()
                        );
                    }
                    return Ok(vec![path]);
                }
                let mut files: Vec<PathBuf> = glob::glob(&pattern)
                    .with_context(|| format!("input `{}`: bad glob `{}`", input.source, input.path))?
                    .filter_map(|entry| entry.ok())
                    .filter(|p| p.is_file())
                    .collect();
                files.sort();
                if files.is_empty() {
                    bail!(
                        "input `{}`: no file matches `{pattern}`; nothing to read tonight?",
                        input.source
                    );
                }
                Ok(files)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Pipeline, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, text).unwrap();
        Pipeline::load(&path)
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        let err = load("[pipeline]\nname = \"x\"\noutput-dir = \"out\"\nkepp = 3\n[[input]]\nsource='a'\npath='a.csv'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4") && err.contains("kepp"), "{err}");
        let err = load("[pipeline]\nname='x'\noutput-dir='out'\n[[input]]\nsource='a'\npath='a.csv'\n[match]\nmode='link'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("master"), "{err}");
        let err = load("[pipeline]\nname='x'\noutput-dir='out'\n[[input]]\nsource='a'\npath='a.csv'\n[outputs]\ngolden='../g.csv'\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("inside output-dir"), "{err}");
        // The profile's own error is the cause, shown under the pipeline's.
        let err = anyhow::Error::from(load("[pipeline]\nname='x'\noutput-dir='out'\n[[input]]\nsource='a'\npath='a.csv'\n[[export]]\ntarget='nocrm'\nfile='x.csv'\n")
            .unwrap_err());
        assert!(
            format!("{err:#}").contains("unknown export target"),
            "{err:#}"
        );
    }
}
