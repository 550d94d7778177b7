//! The invariants of the fuzz targets, one function per target, taking the raw input bytes.
//!
//! The fuzz targets (`fuzz/fuzz_targets/*.rs`) call these, and so does `tests/fuzz_replay.rs`
//! (which includes this file with `#[path]`) for every saved input under `fixtures/fuzz/`: a
//! crash found once stays a test case without running the fuzzer. A broken invariant panics.
//! Messages name rules, spans and positions, never a secret.

use leakfence::config::file::{self as config_file, ConfigError};
use leakfence::detect::jwt::twilio_access_token;
use leakfence::detect::Detector;
use leakfence::filter::baseline::Baseline;
use leakfence::finding::Finding;
use leakfence::finding::Provenance;
use leakfence::git::index::Index;
use leakfence::git::pack::delta;
use leakfence::git::{tree, HashKind, ObjectId};
use leakfence::redact::{redact, redact_in};
use leakfence::source::history::push;
use leakfence::source::{findings_in, Origin};
use std::path::Path;

/// The fuzz targets, named as in `fuzz/Cargo.toml` and `fixtures/fuzz/<target>/`.
pub const TARGETS: [&str; 7] = [
    "detector",
    "jwt",
    "config",
    "prepush",
    "baseline",
    "gitobject",
    "index",
];

/// Runs the checks of the named target on one input.
pub fn run(target: &str, detectors: &Detectors, data: &[u8]) {
    match target {
        "detector" => detector(detectors, data),
        "jwt" => jwt(data),
        "config" => config(data),
        "prepush" => prepush(data),
        "baseline" => baseline(data),
        "gitobject" => gitobject(data),
        "index" => index(data),
        _ => panic!("unknown fuzz target `{target}`"),
    }
}

/// The two detectors the `detector` target compares; building them is the costly part, so a
/// fuzz process builds them once.
pub struct Detectors {
    /// The default detector (Aho-Corasick prefilter on).
    pub prefilter: Detector,
    /// The same detector with the prefilter off.
    pub regex_only: Detector,
}

impl Detectors {
    /// Builds both detectors.
    pub fn new() -> Detectors {
        Detectors {
            prefilter: Detector::new(),
            regex_only: Detector::builder().prefilter(false).build(),
        }
    }
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors::new()
    }
}

/// `detector`: findings are well-formed for the input, and the prefilter hides nothing.
pub fn detector(detectors: &Detectors, data: &[u8]) {
    let origin = Origin {
        path: "fuzz-input".to_string(),
        provenance: Provenance::File,
    };
    let findings = findings_in(&detectors.prefilter, &origin, data);
    check_findings(data, &findings);
    let with = detectors.prefilter.detect(data);
    let without = detectors.regex_only.detect(data);
    assert_eq!(with, without, "prefilter on and off disagree");
}

/// 1-based character column of `offset`, recomputed independently of `detect::lines`.
fn column_at(data: &[u8], offset: usize) -> usize {
    let line_start = data[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    1 + data[line_start..offset]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count()
}

/// The invariants every finding of `findings_in` over `data` must hold.
pub fn check_findings(data: &[u8], findings: &[Finding]) {
    for (i, f) in findings.iter().enumerate() {
        let what = format!("finding {i} ({} at {:?})", f.rule, f.span);
        assert!(f.span.start < f.span.end, "{what}: empty or reversed span");
        assert!(f.span.end <= data.len(), "{what}: span past the input");
        let bytes = &data[f.span.start..f.span.end];
        // A decoded finding's span holds its encoded form (the secret itself when only the
        // text around it was decoded, as in `AC…%3A<token>`).
        assert!(
            f.written() == String::from_utf8_lossy(bytes),
            "{what}: the text at the span is not what the finding says is written there"
        );
        assert!(
            f.encoded.is_none() || f.decoded.is_some(),
            "{what}: an encoded form without an encoding"
        );
        let line = 1 + data[..f.span.start].iter().filter(|&&b| b == b'\n').count();
        let column = column_at(data, f.span.start);
        assert_eq!(
            (f.location.line, f.location.column),
            (line, column),
            "{what}: location does not match the span"
        );
        if !bytes.contains(&b'\n') {
            assert_eq!(
                f.end_column,
                column_at(data, f.span.end),
                "{what}: end column does not match the span"
            );
        }
        assert!(
            !redact(&f.secret, false).contains(&f.secret),
            "{what}: the redacted secret still holds the secret"
        );
        let on_line = f.written_on_line();
        assert!(
            f.line_text.contains(on_line),
            "{what}: `line_text` does not hold the text at the span"
        );
        for (_, hidden) in f.hidden_texts() {
            let redacted = redact_in(&f.line_text, hidden, false);
            assert!(
                !redacted.contains(hidden),
                "{what}: the redacted line still holds a hidden text"
            );
        }
    }
}

/// `jwt`: decoding never panics and gives the same claims every time.
pub fn jwt(data: &[u8]) {
    if let Some(claims) = twilio_access_token(data) {
        assert_eq!(
            twilio_access_token(data).as_ref(),
            Some(&claims),
            "decoding the same token twice gave different claims"
        );
    }
}

/// `config`: an invalid file is reported as `.leakfence.toml:<line>:<column>: …` with a
/// position inside the text.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Err(error) = config_file::parse(&text, Path::new(".leakfence.toml")) else {
        return;
    };
    let display = error.to_string();
    assert!(
        display.starts_with(".leakfence.toml:"),
        "message does not start with the path: {display:?}"
    );
    let ConfigError::Invalid { line, column, .. } = error else {
        panic!("parsing text reported an I/O error: {display:?}");
    };
    let lines = text.lines().count();
    assert!(
        (1..=lines + 1).contains(&line),
        "line {line} outside the text's {lines} lines: {display:?}"
    );
    let line_chars = text
        .split('\n')
        .nth(line - 1)
        .map_or(0, |l| l.chars().count());
    assert!(
        (1..=line_chars + 1).contains(&column),
        "column {column} outside line {line} ({line_chars} characters): {display:?}"
    );
    assert!(
        display.starts_with(&format!(".leakfence.toml:{line}:{column}: ")),
        "message does not lead with the position {line}:{column}: {display:?}"
    );
}

fn is_sha(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `prepush`: accepted input gives one update with real shas per non-blank line; rejected input
/// names a non-blank line that exists.
pub fn prepush(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines: Vec<&str> = text.lines().collect();
    match push::parse(&text) {
        Ok(updates) => {
            let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
            assert_eq!(
                updates.len(),
                non_blank,
                "not one update per non-blank line"
            );
            for u in &updates {
                assert!(
                    is_sha(&u.local_sha) && is_sha(&u.remote_sha),
                    "accepted an update without 40- or 64-hex shas: {u:?}"
                );
                assert!(
                    !u.local_ref.is_empty() && !u.remote_ref.is_empty(),
                    "accepted an empty ref: {u:?}"
                );
            }
        }
        Err(error) => {
            assert!(
                (1..=lines.len()).contains(&error.line),
                "error on line {} of a {}-line input",
                error.line,
                lines.len()
            );
            assert!(
                !lines[error.line - 1].trim().is_empty(),
                "error names blank line {}",
                error.line
            );
        }
    }
}

/// `baseline`: an accepted baseline, written as `Baseline::write` writes it, reads back equal.
pub fn baseline(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(baseline) = Baseline::parse(&text) else {
        return;
    };
    let mut written = serde_json::to_string_pretty(&baseline).expect("a baseline serializes");
    written.push('\n');
    match Baseline::parse(&written) {
        Ok(again) => assert_eq!(again, baseline, "baseline changed in a round trip"),
        Err(reason) => panic!("a written baseline does not read back: {reason}"),
    }
}

/// `gitobject`: the raw object parsers of the history scan, on bytes from a damaged pack.
/// First byte even: a tree, whose parsed entries must account for the bytes they came from.
/// Odd: the second byte splits the rest into a base and a delta, and a delta that applies
/// builds exactly the size it announces.
pub fn gitobject(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    if selector % 2 == 0 {
        // Bit 1 picks the object format: 20-byte (SHA-1) or 32-byte (SHA-256) ids.
        let hash = if selector & 2 == 0 {
            HashKind::Sha1
        } else {
            HashKind::Sha256
        };
        if let Ok(entries) = tree::entries(ObjectId::null(hash), rest) {
            // Each entry takes at least: one mode digit, a space, its name, a NUL, an id.
            let least: usize = entries
                .iter()
                .map(|e| e.name.len() + 3 + hash.id_len())
                .sum();
            assert!(
                least <= rest.len(),
                "entries hold more than the tree's bytes"
            );
            assert!(
                entries.iter().all(|e| !e.name.contains(&0)),
                "a name holds a NUL"
            );
        }
        return;
    }
    let Some((&split, body)) = rest.split_first() else {
        return;
    };
    let (base, delta_bytes) = body.split_at(usize::from(split).min(body.len()));
    let mut object = Vec::new();
    if delta::apply_into(base, delta_bytes, &mut object).is_ok() {
        assert_eq!(
            delta::result_size(delta_bytes).ok(),
            Some(object.len() as u64),
            "a delta built another size than it announces"
        );
    }
}

/// `index`: the index reader of the pre-commit hook, on a damaged index file. The first byte
/// picks the object format (even: SHA-1, odd: SHA-256). A parse that succeeds gives stage-0
/// entries sorted by path without duplicates, ids of the format's length, and sparse
/// directory entries whose path ends in `/`.
pub fn index(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let hash = if selector % 2 == 0 {
        HashKind::Sha1
    } else {
        HashKind::Sha256
    };
    let Ok(index) = Index::parse(rest, hash) else {
        return;
    };
    let entries = index.entries();
    for entry in entries {
        assert_eq!(entry.oid.kind(), hash, "an id of the other format");
        if entry.is_sparse_dir() {
            assert!(
                index.path(entry).ends_with(b"/"),
                "a sparse directory path without its slash"
            );
        }
    }
    for pair in entries.windows(2) {
        assert!(
            index.path(&pair[0]) < index.path(&pair[1]),
            "entries out of order or repeated"
        );
    }
}
