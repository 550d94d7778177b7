//! Many repositories in one run (`--repos DIR`): finding them under a directory.
//!
//! Discovery is a source's first step like a walk is: it only lists; the command layer opens
//! and scans each repository found with the ordinary sources, and tags every finding with the
//! repository's name.

pub mod discover;

pub use discover::{discover, Discovery, FoundRepository};
