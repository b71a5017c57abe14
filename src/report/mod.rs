//! Reports rendered from stage results: text for people, JSON for machines.
//! JSON reports carry a `version` field; fields are only ever added.

pub mod normalize;
pub mod profile;
pub mod validate;

/// Version of the JSON report layout.
pub const VERSION: u32 = 1;
