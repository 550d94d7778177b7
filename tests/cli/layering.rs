//! The crate's layering, read from its sources: no cycle among the top-level modules of `src/`,
//! the detector and the pipeline's data at the bottom, and rules named only where they live.
//!
//! A module depends on another when one of its files names it as `crate::other` or inside
//! `use crate::{other, ...}` (doc links and test modules count: they tie modules together too).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → the modules it names → one file that names each.
type Graph = BTreeMap<String, BTreeMap<String, String>>;

/// Modules that must depend on nothing else in the crate.
const LEAVES: &[&str] = &["redact", "sanitize"];

/// Modules whose dependencies must all be leaves (beyond those listed with them).
const BOTTOM: &[(&str, &[&str])] = &[("detect", &[]), ("finding", &["detect"])];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`None` for the crate roots).
fn top_module(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The top-level modules `text` names: `crate::x` and `use crate::{x, y::z, ...}`.
fn referenced_modules(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("crate::") {
        let at = from + found;
        from = at + "crate::".len();
        // `$crate::` or `leakfence_crate::` are not this crate's paths.
        if at > 0 && (is_ident(bytes[at - 1]) || bytes[at - 1] == b'$') {
            continue;
        }
        if bytes.get(from) == Some(&b'{') {
            out.extend(group_heads(&text[from + 1..]));
        } else {
            let end = text[from..]
                .bytes()
                .position(|b| !is_ident(b))
                .map_or(text.len(), |n| from + n);
            if end > from {
                out.insert(text[from..end].to_string());
            }
        }
    }
    out
}

/// The first segment of each path in a `{...}` group (`rest` starts after the `{`).
fn group_heads(rest: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 1;
    let mut expect_head = true;
    let mut chars = rest.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            ',' if depth == 1 => expect_head = true,
            c if c.is_whitespace() => {}
            c if expect_head && depth == 1 && (c.is_alphanumeric() || c == '_') => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                heads.push(rest[i..end].to_string());
                expect_head = false;
            }
            _ => expect_head = false,
        }
    }
    heads
}

fn graph() -> Graph {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for path in &files {
        let relative = path.strip_prefix(&src).expect("under src/");
        let Some(module) = top_module(relative) else {
            continue;
        };
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let edges = graph.entry(module.clone()).or_default();
        for target in referenced_modules(&text) {
            if target != module {
                edges
                    .entry(target)
                    .or_insert_with(|| format!("src/{}", relative.display()));
            }
        }
    }
    graph
}

/// A cycle as `a -> b -> ... -> a`, each edge with a file that makes it, if there is one.
fn find_cycle(graph: &Graph) -> Option<String> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit<'g>(
        graph: &'g Graph,
        node: &'g str,
        marks: &mut BTreeMap<&'g str, Mark>,
        stack: &mut Vec<&'g str>,
    ) -> Option<Vec<&'g str>> {
        marks.insert(node, Mark::Open);
        stack.push(node);
        for next in graph.get(node).into_iter().flat_map(BTreeMap::keys) {
            match marks.get(next.as_str()) {
                Some(Mark::Open) => {
                    let start = stack.iter().position(|&n| n == next)?;
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next);
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(cycle) = visit(graph, next, marks, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        marks.insert(node, Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in graph.keys() {
        if marks.contains_key(node.as_str()) {
            continue;
        }
        if let Some(cycle) = visit(graph, node, &mut marks, &mut Vec::new()) {
            let edges: Vec<String> = cycle
                .windows(2)
                .map(|pair| format!("  {} -> {} ({})", pair[0], pair[1], graph[pair[0]][pair[1]]))
                .collect();
            return Some(format!("{}\n{}", cycle.join(" -> "), edges.join("\n")));
        }
    }
    None
}

fn dependencies<'g>(graph: &'g Graph, module: &str) -> Vec<(&'g str, &'g str)> {
    graph
        .get(module)
        .into_iter()
        .flatten()
        .map(|(target, file)| (target.as_str(), file.as_str()))
        .collect()
}

#[test]
fn the_parser_sees_paths_and_use_groups() {
    let text = "use crate::finding::{Finding, Stats};\n\
                use crate::{\n    detect::{rules::rule, Detector},\n    git,\n};\n\
                /// See [`crate::source::Origin`].\n\
                let x = $crate::macros::m; let y = other_crate::z;";
    let found: Vec<String> = referenced_modules(text).into_iter().collect();
    assert_eq!(found, ["detect", "finding", "git", "source"]);
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = graph();
    assert!(
        dependencies(&graph, "source")
            .iter()
            .any(|&(target, _)| target == "finding"),
        "the graph was not read: {graph:#?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the top-level modules of src/ form a cycle:\n{cycle}");
    }
}

#[test]
fn the_bottom_layers_depend_only_on_leaves() {
    let graph = graph();
    for leaf in LEAVES {
        let deps = dependencies(&graph, leaf);
        assert!(
            deps.is_empty(),
            "{leaf} must depend on nothing in the crate, but names {deps:?}"
        );
    }
    let is_leaf = |module: &str| dependencies(&graph, module).is_empty();
    for (module, allowed) in BOTTOM {
        for (target, file) in dependencies(&graph, module) {
            assert!(
                is_leaf(target) || allowed.contains(&target),
                "{module} may depend only on leaf modules, but {file} names {target}, which \
                 depends on {:?}",
                dependencies(&graph, target)
            );
        }
    }
}

#[test]
fn only_detect_and_verify_name_rules() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let keys: Vec<&str> = leakfence::detect::RULES.iter().map(|r| r.key).collect();
    for path in files {
        let relative = path.strip_prefix(&src).expect("under src/");
        if relative.starts_with("detect") || relative.starts_with("verify") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable source");
        let variant = text.match_indices("RuleId::").any(|(at, _)| {
            text[at + "RuleId::".len()..].starts_with(|c: char| c.is_ascii_uppercase())
        });
        assert!(!variant, "{} names a RuleId variant", relative.display());
        for key in &keys {
            assert!(
                !text.contains(key),
                "{} names the rule {key}",
                relative.display()
            );
        }
    }
}
