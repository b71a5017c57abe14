//! Progress reporting. The library reports through the small [`Progress`]
//! trait; this module alone knows indicatif. Bars are drawn only on a terminal
//! and never with `--quiet` or `--no-progress`.

use std::sync::Mutex;

/// What a long-running stage tells its caller.
pub trait Progress: Sync {
    fn start(&self, phase: &str, total: u64);
    fn advance(&self, done: u64);
    fn finish(&self);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// An indicatif bar on stderr.
pub struct Bar {
    bar: Mutex<Option<indicatif::ProgressBar>>,
}

impl Bar {
    /// A bar when stderr is a terminal and `enabled`; otherwise silence.
    pub fn boxed(enabled: bool) -> Box<dyn Progress> {
        use std::io::IsTerminal;
        if enabled && std::io::stderr().is_terminal() {
            Box::new(Bar {
                bar: Mutex::new(None),
            })
        } else {
            Box::new(Silent)
        }
    }
}

impl Progress for Bar {
    fn start(&self, phase: &str, total: u64) {
        let bar = indicatif::ProgressBar::new(total);
        let style =
            indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% {elapsed}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(phase.to_string());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, done: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(bar) = slot.as_ref() {
                bar.inc(done);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
