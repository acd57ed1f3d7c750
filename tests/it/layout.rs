//! The module graph read from src/ (every `crate::…` path, in `use` lines and
//! inline): no circle, and no import that points up the layers below. A
//! module is a top-level file `src/X.rs` with its folder `src/X/`. No process,
//! no network: it reads the source files only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The rooms, top first. A module imports only from its own layer or the
/// ones below it; the last is the ground, which imports nothing above it
/// (lib.rs says so). A new module must be placed here.
const LAYERS: &[&[&str]] = &[
    &["commands"],
    &[
        "app", "console", "doctor", "init", "keys", "list", "serve", "status", "usage",
    ],
    &["cli", "containers", "server"],
    &["acquire"],
    &["context"],
    &["resolve"],
    &["cache", "exec", "iam", "mfa", "output", "sts"],
    &["config", "log", "man", "stdio"],
    &[
        "arn", "duration", "error", "keystore", "limits", "proc", "quote", "session", "snapshot",
    ],
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/mfa/run.rs` → `mfa`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).expect("a file under src/");
    let first = rel.components().next().expect("a path");
    let first = first.as_os_str().to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The modules named after `crate::` in `code` (comments left out): the
/// first segment of each path, and of each path in a `crate::{…}` group.
fn imports(code: &str) -> BTreeSet<String> {
    let code: String = code
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // `my_crate::` is not `crate::`
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The names at depth 0, after `{` or `,`.
            let mut depth = 0;
            let mut word = String::new();
            let mut expecting = true;
            for c in group.chars() {
                if c.is_alphanumeric() || c == '_' {
                    if expecting {
                        word.push(c);
                    }
                    continue;
                }
                if !word.is_empty() {
                    found.insert(std::mem::take(&mut word));
                    expecting = false;
                }
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting = true,
                    _ => {}
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// module → (imported module → the files that import it).
fn graph() -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in &files {
        let from = module_of(file);
        if from == "lib" || from == "main" {
            continue;
        }
        let code = std::fs::read_to_string(file).expect("a readable source file");
        let edges = graph.entry(from.clone()).or_default();
        for to in imports(&code) {
            if to != from && modules.contains(&to) {
                let rel = file.strip_prefix(src()).unwrap_or(file);
                edges
                    .entry(to)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    graph
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn parses_use_lines_and_inline_paths() {
    let code = "use crate::a::B;\nuse crate::{b, c::{D, e::F}, g};\n// crate::comment\nlet x = crate::h::i();\nlet y = my_crate::j();";
    let names: Vec<String> = imports(code).into_iter().collect();
    assert_eq!(names, ["a", "b", "c", "g", "h"]);
}

#[test]
fn every_module_has_a_layer() {
    let unplaced: Vec<String> = graph()
        .into_keys()
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "place these modules in tests/it/layout.rs's LAYERS: {unplaced:?}"
    );
}

#[test]
fn no_import_points_up() {
    let mut up = Vec::new();
    for (from, edges) in graph() {
        for (to, files) in edges {
            if let (Some(a), Some(b)) = (layer_of(&from), layer_of(&to))
                && b < a
            {
                up.push(format!("{from} → {to} ({files:?})"));
            }
        }
    }
    assert!(up.is_empty(), "imports that point up: {up:#?}");
}

#[test]
fn no_circles() {
    let graph = graph();
    // Depth-first search; a back edge closes a circle, reported as its path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            circles.push(circle.join(" → "));
            return;
        }
        if done.contains(node) {
            return;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|e| e.keys()) {
            visit(next, graph, path, done, circles);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let (mut done, mut circles) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done, &mut circles);
    }
    assert!(
        circles.is_empty(),
        "circles in the module graph: {circles:#?}"
    );
}

#[test]
fn files_are_short_and_app_reads_in_one_screen() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut long = Vec::new();
    for file in files {
        let lines = std::fs::read_to_string(&file)
            .expect("a readable source file")
            .lines()
            .count();
        let most = if file.ends_with("app.rs") { 150 } else { 400 };
        if lines > most {
            long.push(format!(
                "{} has {lines} lines (at most {most})",
                file.display()
            ));
        }
    }
    assert!(long.is_empty(), "{long:#?}");
}
