//! Sources: where content comes from (files, standard input, git) and how it becomes findings.
//!
//! Sources own all I/O. Each reads its content and hands it to the one [`Scanner`] (size
//! limit, decoding, detection), which turns detections into [`crate::finding::Finding`]s with
//! paths and positions.

pub mod decode;
pub mod fs;
pub mod history;
mod previous;
pub mod progress;
pub mod repos;
pub mod scan;
pub mod staged;
pub mod stdin;
pub mod tree_diff;

pub use scan::{findings_in, findings_in_text, Origin, Scanned, Scanner, Skip};
