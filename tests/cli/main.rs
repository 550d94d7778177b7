//! leakfence's integration tests: one test binary, one module per area.

mod common;
mod credentials;
mod encoded;
mod formats;
mod goldens;
mod history;
mod hostile;
mod html;
mod install;
mod layering;
mod matrix;
mod merge;
mod pipe;
mod policy;
mod precommit;
mod prepush;
mod properties;
mod repos;
mod rules;
mod scan;
mod staged;
mod verify;
mod workflows;
