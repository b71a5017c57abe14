//! One module per subcommand, plus what they share: messages on stderr.

pub mod dedupe;
pub mod normalize;

use crate::cli::{GlobalArgs, LogFormat};

/// Exit status of a command that ran to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    /// The run completed but a check or policy failed (exit 1).
    Failed,
}

/// Messages on stderr, as text or JSON lines; quiet suppresses all but errors.
pub struct Log {
    quiet: bool,
    verbose: bool,
    json: bool,
}

impl Log {
    pub fn new(global: &GlobalArgs) -> Log {
        Log {
            quiet: global.quiet,
            verbose: global.verbose && !global.quiet,
            json: global.log_format == LogFormat::Json,
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    pub fn info(&self, message: &str) {
        if !self.quiet {
            self.emit("info", message);
        }
    }

    pub fn detail(&self, message: &str) {
        if self.verbose {
            self.emit("debug", message);
        }
    }

    pub fn warn(&self, message: &str) {
        if !self.quiet {
            self.emit("warn", message);
        }
    }

    fn emit(&self, level: &str, message: &str) {
        if self.json {
            let line = serde_json::json!({ "level": level, "message": message });
            eprintln!("{line}");
        } else if level == "warn" {
            eprintln!("warning: {message}");
        } else {
            eprintln!("{message}");
        }
    }
}
