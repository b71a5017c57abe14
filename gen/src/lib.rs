//! `tidyrec-gen`: writes a synthetic, messy, multi-locale CRM export of any
//! size, and the ground truth for it — for benchmarks and accuracy checks, not
//! for users' data.
//!
//! Each row is a customer from one of 15 countries (US, GB, DE, FR, CN, JP,
//! PT, BR, IN, ES, IT, AU, CA, NL, MX), with values written the way that
//! country's exports write them: phones national, international, with `00`,
//! `(0)`, dots, dashes, `tel:`, extensions, full-width digits; dates in the
//! local order, with month names in the local language, `年月日`, `YYYYMMDD`,
//! Excel serials, ISO datetimes; countries as codes, English or local names;
//! e-mails in mixed case with stray spaces; placeholders and a few broken
//! values. The truth file gives, per row, the intended country, e-mail and ISO
//! dates (empty for placeholders; the raw value for deliberately broken ones).
//! Phone truth is computed from the raw values by libphonenumber itself in
//! `scripts/accuracy.py`, since "agrees with libphonenumber" is the target.
//!
//! With `--duplicates`, rows are records of people instead (see [`people`]):
//! about 30% of people appear 2–5 times with typos, nicknames, swapped
//! names, new e-mails, other phone spellings, moves; households share an
//! address and landline; common names recur. The truth file then gives each
//! row's entity, for pairwise precision/recall (`scripts/pairwise_f1.py`).
//!
//! With `--duplicates --golden-truth FILE`, also each entity's true values
//! (names, e-mail, mobile in E.164, birth date, street, city, postcode,
//! country): what a golden record should say (`scripts/golden_accuracy.py`).
//!
//! Usage: `tidyrec-gen --rows N [--seed S] [--duplicates [--golden-truth G.csv]] -o export.csv --truth truth.csv`
//!
//! A workspace member, not part of the product: `cargo install --path .`
//! installs `tidyrec` alone.

mod locales;
pub mod people;
pub mod plain;
mod render;
mod rng;
