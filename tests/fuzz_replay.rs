//! Replays saved fuzz inputs through the fuzz targets' own invariant checks
//! (`fuzz/src/checks.rs`), so that a crash found once is guarded in CI without the fuzzer.
//!
//! Each target reads `fixtures/fuzz/<target>/` (crash inputs and hand-written regressions) and
//! `fixtures/fuzz/seeds/<target>/` (the seed corpus); a missing directory has no cases. Files are
//! raw inputs, except `*.tmpl`: templates (`fixtures/rules/README.md`) filled with values
//! generated at run time, for cases that need a realistic credential, which is never committed.

#[path = "../fuzz/src/checks.rs"]
mod checks;
#[allow(dead_code)]
#[path = "cli/common/secrets.rs"]
mod secrets;
#[allow(dead_code)]
#[path = "cli/common/template.rs"]
mod template;

use checks::{Detectors, TARGETS};
use leakfence::finding::Finding;
use leakfence::finding::Provenance;
use leakfence::source::{findings_in, Origin};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The input a saved file stands for: its bytes, or a filled template for `*.tmpl` (bytes
/// that are not UTF-8 are kept as they are; templates between them are filled).
fn input_of(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_none_or(|e| e != "tmpl") {
        return bytes;
    }
    let mut input = Vec::new();
    for chunk in bytes.utf8_chunks() {
        input.extend_from_slice(template::fill(chunk.valid()).text.as_bytes());
        input.extend_from_slice(chunk.invalid());
    }
    input
}

/// Every file under `fixtures/fuzz/<target>/` and `fixtures/fuzz/seeds/<target>/`, sorted.
fn saved_inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = root().join("fixtures/fuzz");
    let mut files = Vec::new();
    for dir in [fuzz.join(target), fuzz.join("seeds").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Runs `check` on every input, collecting failures so that one report names them all.
fn failures_of(cases: &[(String, Vec<u8>)], check: impl Fn(&[u8])) -> Vec<String> {
    cases
        .iter()
        .filter_map(|(name, data)| {
            catch_unwind(AssertUnwindSafe(|| check(data)))
                .err()
                .map(|panic| {
                    let message = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    format!("{name}: {message}")
                })
        })
        .collect()
}

#[test]
fn saved_fuzz_inputs_hold_the_invariants() {
    let detectors = Detectors::new();
    let mut total = 0;
    let mut failures = Vec::new();
    for target in TARGETS {
        let cases: Vec<(String, Vec<u8>)> = saved_inputs(target)
            .iter()
            .map(|path| {
                let name = path.strip_prefix(root()).unwrap_or(path).display();
                (name.to_string(), input_of(path))
            })
            .collect();
        total += cases.len();
        failures.extend(failures_of(&cases, |data| {
            checks::run(target, &detectors, data)
        }));
    }
    assert!(total > 0, "no saved fuzz inputs under fixtures/fuzz/");
    assert!(
        failures.is_empty(),
        "{} saved fuzz input(s) break an invariant:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The rule corpora, filled: inputs with real findings, so the finding checks have work to do.
fn rule_corpus_inputs() -> Vec<(String, Vec<u8>)> {
    let rules = root().join("fixtures/rules");
    let mut files = vec![rules.join("placeholders.txt")];
    for entry in std::fs::read_dir(&rules).expect("fixtures/rules exists") {
        let dir = entry.expect("a readable directory entry").path();
        if dir.is_dir() {
            files.extend(["positive.txt", "negative.txt"].map(|f| dir.join(f)));
        }
    }
    files.sort();
    let mut inputs = Vec::new();
    for file in files.iter().filter(|f| f.is_file()) {
        let corpus = std::fs::read_to_string(file).expect("a readable corpus");
        let name = file
            .strip_prefix(&rules)
            .unwrap_or(file)
            .display()
            .to_string();
        for (i, case) in template::cases(&corpus).enumerate() {
            let text = template::fill(case).text;
            inputs.push((format!("{name} case {}", i + 1), text.into_bytes()));
        }
    }
    inputs
}

#[test]
fn rule_corpora_hold_the_detector_invariants() {
    let detectors = Detectors::new();
    let inputs = rule_corpus_inputs();
    let origin = Origin {
        path: "case".to_string(),
        provenance: Provenance::File,
    };
    let found: usize = inputs
        .iter()
        .map(|(_, data)| findings_in(&detectors.prefilter, &origin, data).len())
        .sum();
    assert!(found > 0, "the rule corpora gave no findings to check");
    let failures = failures_of(&inputs, |data| checks::detector(&detectors, data));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A named way to break a finding.
type Breakage = (&'static str, fn(&mut Finding));

/// The finding checks are not vacuous: each kind of broken finding is caught.
#[test]
fn finding_checks_catch_broken_findings() {
    let detectors = Detectors::new();
    let text = template::fill(
        "# \u{e9}\u{20ac}\r\nTWILIO_ACCOUNT_SID={AC}\r\n\tTWILIO_AUTH_TOKEN={TOKEN}\n",
    )
    .text;
    let data = text.as_bytes();
    let origin = Origin {
        path: "case".to_string(),
        provenance: Provenance::File,
    };
    let findings = findings_in(&detectors.prefilter, &origin, data);
    assert_eq!(findings.len(), 2, "the account SID and the auth token");
    checks::check_findings(data, &findings);
    let breakages: [Breakage; 6] = [
        ("column", |f| f.location.column += 1),
        ("line", |f| f.location.line += 1),
        ("end column", |f| f.end_column -= 1),
        ("span start", |f| f.span.start += 1),
        ("span past the input", |f| f.span.end += 10_000),
        ("secret", |f| f.secret.push('x')),
    ];
    for (what, break_it) in breakages {
        let mut broken = findings.clone();
        break_it(&mut broken[1]);
        let caught = catch_unwind(AssertUnwindSafe(|| checks::check_findings(data, &broken)));
        assert!(caught.is_err(), "a broken {what} went unnoticed");
    }
}

/// Not a test: writes generated seed inputs (filled rule corpora and templates, Access Tokens)
/// into a fuzz corpus directory, so the fuzzer starts from realistic credentials that are never
/// committed. Run with
/// `LEAKFENCE_FUZZ_CORPUS=fuzz/corpus cargo test --test fuzz_replay -- --ignored write_fuzz_seeds`.
#[test]
#[ignore = "writes files; run by hand before fuzzing"]
fn write_fuzz_seeds() {
    let Some(corpus) = std::env::var_os("LEAKFENCE_FUZZ_CORPUS") else {
        panic!("set LEAKFENCE_FUZZ_CORPUS to the corpus directory, e.g. fuzz/corpus");
    };
    let corpus = PathBuf::from(corpus);
    let write = |target: &str, name: String, data: &[u8]| {
        let dir = corpus.join(target);
        std::fs::create_dir_all(&dir).expect("the corpus directory can be created");
        std::fs::write(dir.join(name), data).expect("a seed can be written");
    };
    for (i, (_, data)) in rule_corpus_inputs().iter().enumerate() {
        write("detector", format!("generated-rules-{i:03}"), data);
    }
    for target in TARGETS {
        // `cargo fuzz run <target> fuzz/corpus/<target> …` needs the directory to exist.
        std::fs::create_dir_all(corpus.join(target)).expect("the corpus directory can be created");
        for (i, path) in saved_inputs(target).iter().enumerate() {
            if path.extension().is_some_and(|e| e == "tmpl") {
                write(target, format!("generated-tmpl-{i:03}"), &input_of(path));
            }
        }
    }
    for i in 0..4 {
        let tokens = [
            secrets::access_token(),
            secrets::other_jwt(),
            secrets::example_jwt(),
        ];
        for (j, token) in tokens.iter().enumerate() {
            write("jwt", format!("generated-jwt-{i}-{j}"), token.as_bytes());
        }
    }
}

/// The `index` seeds are indexes git wrote (v2 with a cache tree, v4, SHA-256 v3 with
/// intent-to-add and skip-worktree entries, a SHA-256 sparse index), so the replay reaches the
/// target's invariants rather than stopping at a parse error.
#[test]
fn index_seeds_are_indexes_git_wrote() {
    use leakfence::git::index::Index;
    use leakfence::git::HashKind;
    let seed_dir = root().join("fixtures/fuzz/seeds/index");
    let seeds: Vec<PathBuf> = saved_inputs("index")
        .into_iter()
        .filter(|path| path.starts_with(&seed_dir))
        .collect();
    assert!(seeds.len() >= 4, "{seeds:?}");
    for path in seeds {
        let data = input_of(&path);
        let (selector, rest) = data.split_first().expect("a selector byte");
        let hash = if selector % 2 == 0 {
            HashKind::Sha1
        } else {
            HashKind::Sha256
        };
        let index = Index::parse(rest, hash).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(index.entries().len() >= 5, "{}", path.display());
    }
}
