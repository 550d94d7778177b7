//! Golden files: an output compared with `fixtures/golden/<name>` once the parts that change
//! from run to run are replaced by stable placeholders. `LEAKFENCE_BLESS=1` rewrites the file
//! instead (like insta's or trybuild's bless); review the diff before committing it.
//!
//! Placeholders, numbered in order of first appearance in the output so that a golden does not
//! depend on the order a test lists its values in:
//!
//! | in the output | in the golden |
//! |---|---|
//! | a planted secret, in full | `<SECRET-1>` |
//! | its redacted form (`ab12…`) | `<SECRET-1-PREFIX>…` |
//! | a commit id, in full / its first 12 digits | `<COMMIT-1>` / `<COMMIT-1-SHORT>` |
//! | a temporary directory (`$TMPDIR/.tmpXXXXXX`) | `<TMP-1>` |
//! | any other 64-digit lowercase hex (fingerprints) | `<FINGERPRINT-1>` |
//! | an RFC 3339 date and time | `<DATE>` |
//! | `in 0.01s` (human), `"seconds": 0.0123` (JSON) | `in <DURATION>`, `"seconds": "<DURATION>"` |
//! | the crate version | `<VERSION>` |
//!
//! A golden must never hold a credential: the normalized text is run through the detector, and
//! a finding fails the test.

use regex::Regex;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The environment variable that rewrites goldens instead of comparing with them.
pub const BLESS: &str = "LEAKFENCE_BLESS";

/// Characters of a secret left visible by redaction (`report::redact::VISIBLE_PREFIX`).
const VISIBLE: usize = 4;

/// Digits of a short commit id in human output.
const SHORT_ID: usize = 12;

/// Attempts at generating a secret whose redacted form differs from those already planted.
const ATTEMPTS: usize = 1000;

/// The run-specific values a test knows about (the secrets it planted, the commits it made),
/// and how they are written in a golden.
#[derive(Debug, Default)]
pub struct Placeholders {
    secrets: Vec<String>,
    commits: Vec<String>,
}

impl Placeholders {
    /// No known values yet.
    pub fn new() -> Placeholders {
        Placeholders::default()
    }

    /// Generates a secret with `make` and records it, regenerating until its redacted form
    /// differs from every secret already planted (two equal prefixes could not be told apart,
    /// so their numbering would change from run to run).
    pub fn plant(&mut self, make: impl Fn() -> String) -> String {
        for _ in 0..ATTEMPTS {
            let value = make();
            if !self.secrets.iter().any(|s| redacted(s) == redacted(&value)) {
                self.secrets.push(value.clone());
                return value;
            }
        }
        panic!("cannot generate a secret with a redacted form of its own (two Access Tokens?)");
    }

    /// Records commit ids (full length; their short forms are derived).
    pub fn commits<S: AsRef<str>>(mut self, ids: &[S]) -> Placeholders {
        self.commits
            .extend(ids.iter().map(|id| id.as_ref().to_string()));
        self
    }

    /// `output` with every run-specific part replaced by its placeholder.
    pub fn normalize(&self, output: &str) -> String {
        let mut text = self.number_secrets(output);
        text = self.number_commits(&text);
        text = number_matches(&text, &temp_dir_pattern(), "TMP");
        text = number_matches(&text, &pattern(r"\b[0-9a-f]{64}\b"), "FINGERPRINT");
        text = pattern(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
            .replace_all(&text, "<DATE>")
            .into_owned();
        text = pattern(r"\bin \d+\.\d+s\b")
            .replace_all(&text, "in <DURATION>")
            .into_owned();
        text = pattern(r#"("seconds":\s*)-?[0-9][0-9.eE+-]*"#)
            .replace_all(&text, r#"${1}"<DURATION>""#)
            .into_owned();
        let version = regex::escape(env!("CARGO_PKG_VERSION"));
        Regex::new(&format!(r"(^|[^0-9.]){version}($|[^0-9.])"))
            .expect("version pattern")
            .replace_all(&text, "${1}<VERSION>${2}")
            .into_owned()
    }

    /// Planted secrets as `<SECRET-n>` (full) and `<SECRET-n-PREFIX>…` (redacted).
    fn number_secrets(&self, text: &str) -> String {
        let forms = |s: &String| vec![s.clone(), redacted(s)];
        let order = first_appearance(text, &self.secrets, forms);
        let text = order.iter().fold(text.to_string(), |text, (n, s)| {
            text.replace(s.as_str(), &format!("<SECRET-{n}>"))
        });
        order.iter().fold(text, |text, (n, s)| {
            text.replace(&redacted(s), &format!("<SECRET-{n}-PREFIX>…"))
        })
    }

    /// Commit ids as `<COMMIT-n>` (full) and `<COMMIT-n-SHORT>` (12 digits).
    fn number_commits(&self, text: &str) -> String {
        let forms = |id: &String| vec![id.clone(), short(id).to_string()];
        let order = first_appearance(text, &self.commits, forms);
        let text = order.iter().fold(text.to_string(), |text, (n, id)| {
            text.replace(id.as_str(), &format!("<COMMIT-{n}>"))
        });
        order.iter().fold(text, |text, (n, id)| {
            text.replace(short(id), &format!("<COMMIT-{n}-SHORT>"))
        })
    }
}

/// Compares `output`, normalized by `placeholders`, with `fixtures/golden/<name>` (or rewrites
/// the file under `LEAKFENCE_BLESS=1`).
pub fn assert_golden(name: &str, output: &str, placeholders: &Placeholders) {
    let normalized = placeholders.normalize(output);
    assert_no_credential(name, &normalized);
    assert_file(name, &normalized);
}

/// Compares `actual` with `fixtures/golden/<name>` as it is, or rewrites the file under
/// `LEAKFENCE_BLESS=1`.
pub fn assert_file(name: &str, actual: &str) {
    let path = golden_dir().join(name);
    if std::env::var_os(BLESS).is_some_and(|v| v == "1") {
        bless(&path, actual);
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with {BLESS}=1 to create it)\nactual:\n{actual}",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs ({BLESS}=1 rewrites it):\n{}\nactual:\n{actual}",
            path.display(),
            line_diff(&expected, actual)
        );
    }
}

/// `fixtures/golden/`.
fn golden_dir() -> PathBuf {
    super::fixtures().join("golden")
}

/// Writes the golden through a temporary file and a rename: tests that share a golden (one
/// scenario in every repository format) may bless it at the same time.
fn bless(path: &std::path::Path, actual: &str) {
    let dir = path.parent().expect("goldens live in a directory");
    std::fs::create_dir_all(dir).expect("create fixtures/golden");
    let temporary = tempfile::NamedTempFile::new_in(dir).expect("temporary golden");
    std::fs::write(temporary.path(), actual).expect("write the golden");
    temporary
        .persist(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The lines that differ, as `- expected` / `+ actual` pairs.
fn line_diff(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let mut diff = String::new();
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => diff.push_str(&format!(
                "line {}:\n  - {}\n  + {}\n",
                i + 1,
                x.unwrap_or(&"<none>"),
                y.unwrap_or(&"<none>")
            )),
        }
    }
    diff
}

/// Fails if the detector finds anything in a normalized golden.
fn assert_no_credential(name: &str, normalized: &str) {
    let found: Vec<&str> = leakfence::detect::Detector::new()
        .detect(normalized.as_bytes())
        .iter()
        .map(|d| d.rule.as_str())
        .collect();
    assert!(
        found.is_empty(),
        "{name}: the normalized output still holds credentials ({found:?}); plant them with \
         Placeholders::plant:\n{normalized}"
    );
}

/// `value` as redaction prints it.
fn redacted(value: &str) -> String {
    format!("{}…", value.chars().take(VISIBLE).collect::<String>())
}

fn short(id: &str) -> &str {
    &id[..id.len().min(SHORT_ID)]
}

/// The values of `values` that occur in `text` (in any of their `forms`), numbered from 1 in
/// the order of their first occurrence.
fn first_appearance<'v>(
    text: &str,
    values: &'v [String],
    forms: impl Fn(&String) -> Vec<String>,
) -> Vec<(usize, &'v String)> {
    let mut seen: Vec<(usize, &String)> = values
        .iter()
        .filter_map(|v| {
            let at = forms(v)
                .iter()
                .filter_map(|f| text.find(f.as_str()))
                .min()?;
            Some((at, v))
        })
        .collect();
    seen.sort();
    seen.into_iter()
        .enumerate()
        .map(|(i, (_, v))| (i + 1, v))
        .collect()
}

/// Every distinct match of `pattern` as `<KIND-n>`, numbered in order of first occurrence.
fn number_matches(text: &str, pattern: &Regex, kind: &str) -> String {
    let mut numbers: BTreeMap<String, usize> = BTreeMap::new();
    for m in pattern.find_iter(text) {
        let next = numbers.len() + 1;
        numbers.entry(m.as_str().to_string()).or_insert(next);
    }
    pattern
        .replace_all(text, |c: &regex::Captures| {
            format!("<{kind}-{}>", numbers[&c[0]])
        })
        .into_owned()
}

/// A compiled pattern (compiled per use: goldens are few and small).
fn pattern(source: &str) -> Regex {
    Regex::new(source).expect("valid pattern")
}

/// The temporary directories `tempfile` makes: `$TMPDIR/.tmpXXXXXX`, as given and canonical.
fn temp_dir_pattern() -> Regex {
    let dir = std::env::temp_dir();
    let mut roots = vec![dir.display().to_string()];
    if let Ok(canonical) = dir.canonicalize() {
        roots.push(canonical.display().to_string());
    }
    let roots: Vec<String> = roots
        .iter()
        .map(|r| regex::escape(r.trim_end_matches('/')))
        .collect();
    Regex::new(&format!(r"(?:{})/\.tmp[A-Za-z0-9]+", roots.join("|")))
        .expect("temporary directory pattern")
}

#[test]
fn placeholders_follow_the_order_of_appearance() {
    let mut known = Placeholders::new();
    // Shapes built at run time: no SID-like literal in the source.
    let first = known.plant(|| format!("AC{}{}", "a".repeat(4), "0".repeat(28)));
    let second = known.plant(|| format!("{}{}", "b".repeat(4), "1".repeat(28)));
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let known = known.commits(&[commit]);
    let fingerprint = "f".repeat(64);
    let output = format!(
        "{}… then {first} at {} ({commit}) {fingerprint} {fingerprint} {}/.tmpAbC123/x \
         2024-01-02T03:04:05Z in 0.25s \"seconds\": 0.125 v{}\n",
        &second[..4],
        &commit[..12],
        std::env::temp_dir().display(),
        env!("CARGO_PKG_VERSION"),
    );
    assert_eq!(
        known.normalize(&output),
        "<SECRET-1-PREFIX>… then <SECRET-2> at <COMMIT-1-SHORT> (<COMMIT-1>) <FINGERPRINT-1> \
         <FINGERPRINT-1> <TMP-1>/x <DATE> in <DURATION> \"seconds\": \"<DURATION>\" v<VERSION>\n"
    );
}
