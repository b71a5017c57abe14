//! Progress reporting. The library reports through the small [`Progress`]
//! trait and knows nothing of how it is shown; the command line's indicatif
//! bar is `commands::progress_bar`, the only code that knows indicatif.

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
