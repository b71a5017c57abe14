//! The command line's progress bar: an indicatif bar on stderr, drawn only
//! on a terminal and never with `--quiet` or `--no-progress`. Each phase
//! (read, normalize, blocking, compare, train, score, cluster, merge,
//! write) leaves one line: its count, rate and time.

use crate::progress::{Progress, Silent};
use std::sync::Mutex;

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
        let style = indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:30}] {percent:>3}% {human_pos}/{human_len} {rate} {elapsed}",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
                },
            )
        })
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
                // One line per phase stays on screen: what ran, how many,
                // how fast.
                bar.finish();
            }
        }
    }
}
