//! docs/ARCHITECTURE.md is true by construction, and so is the layering it states:
//!
//! - every backticked module, file, type, function or test the document names exists
//!   in the workspace (a rename that forgets the document fails here);
//! - crates depend downward only (`cli → server → store → engine`);
//! - within each crate no module imports one that imports it back (a module with
//!   submodules counts as one);
//! - nothing above the store needs `&Engine` to commit or to read events, there is no
//!   SQL outside the store, and nothing outside the engine computes money.
//!
//! The checks read the source as text: no parsing beyond what the rules need.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Every `.rs` file under `dir`, recursively, in a stable order.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

const CRATES: [&str; 6] = ["api", "engine", "store", "server", "cli", "bench"];

/// Every source file of the workspace (sources and tests) with its text.
fn sources() -> Vec<(PathBuf, String)> {
    let root = root();
    CRATES
        .iter()
        .flat_map(|c| rust_files(&root.join("crates").join(c)))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read source");
            (p, text)
        })
        .collect()
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !is_ident_char(c)).unwrap_or(s.len());
    &s[..end]
}

/// Names defined in the workspace: items (`fn`, `struct`, `enum`, `trait`, `type`,
/// `const`, `static`, `mod`, macros), enum variants and struct fields (an identifier
/// that starts a line and is followed by `(`, `{`, `,` or `:`), and string literals
/// (stable codes such as rule names).
#[derive(Default)]
struct Names {
    defined: BTreeSet<String>,
    /// What each module defines (a file's stem, and a directory module's name for
    /// every file in it).
    by_module: BTreeMap<String, BTreeSet<String>>,
    strings: BTreeSet<String>,
}

/// The modules a file belongs to: its stem (or, for `mod.rs`, its directory), and the
/// directory module it sits in, if any.
fn modules_of(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let dir = path
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|d| d.to_str());
    if stem != "mod" {
        out.push(stem.to_string());
    }
    if let Some(d) = dir.filter(|d| !matches!(*d, "src" | "tests")) {
        out.push(d.to_string());
    }
    out
}

fn names(sources: &[(PathBuf, String)]) -> Names {
    let mut n = Names::default();
    for (path, text) in sources {
        // This file's own strings name what the checker must not find.
        let own = path.ends_with("cli/tests/architecture.rs");
        let mut here = BTreeSet::new();
        for line in text.lines() {
            let t = line.trim_start();
            let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
            let t = t.strip_prefix("pub(super) ").unwrap_or(t);
            let t = t.strip_prefix("pub ").unwrap_or(t);
            let t = t.strip_prefix("async ").unwrap_or(t);
            for kw in [
                "fn ",
                "struct ",
                "enum ",
                "trait ",
                "type ",
                "const ",
                "static ",
                "mod ",
                "macro_rules! ",
            ] {
                if let Some(rest) = t.strip_prefix(kw) {
                    here.insert(ident(rest).to_string());
                }
            }
            // Enum variants (`Name(`, `Name {`, `Name,`), structs declared by the row
            // macro (`Name => Table {`) and struct fields (`name:`).
            let id = ident(t);
            let after = &t[id.len()..];
            let variant = id.starts_with(|c: char| c.is_ascii_uppercase())
                && (after.starts_with(['(', ','])
                    || after.starts_with(" {")
                    || after.starts_with(" =>"));
            let field = after.starts_with(':') && !after.starts_with("::");
            if !id.is_empty() && (variant || field) {
                here.insert(id.to_string());
            }
            let mut rest = if own { "" } else { line };
            while let Some(i) = rest.find('"') {
                rest = &rest[i + 1..];
                let Some(j) = rest.find('"') else { break };
                n.strings.insert(rest[..j].to_string());
                rest = &rest[j + 1..];
            }
        }
        for m in modules_of(path) {
            n.by_module
                .entry(m)
                .or_default()
                .extend(here.iter().cloned());
        }
        n.defined.extend(here);
    }
    n
}

/// Module names (files and directories of modules) and crate names of the workspace.
fn modules(sources: &[(PathBuf, String)]) -> BTreeSet<String> {
    let mut m: BTreeSet<String> = sources
        .iter()
        .filter_map(|(p, _)| {
            let stem = p.file_stem()?.to_str()?;
            let name = if stem == "mod" {
                p.parent()?.file_name()?.to_str()?
            } else {
                stem
            };
            Some(name.to_string())
        })
        .collect();
    for c in CRATES {
        m.insert(format!("megawatt_{c}"));
    }
    m
}

/// Whether `token` (a path like `engine.rs`, `routes/*.rs`, `crates/cli/src`,
/// `docs/focus.md`) names something that exists.
fn path_exists(token: &str, sources: &[(PathBuf, String)]) -> bool {
    let root = root();
    let places = [
        root.join(token),
        root.join("..").join(token.trim_start_matches("../")),
        root.join("crates").join(token),
    ];
    if places.iter().any(|p| p.exists())
        || CRATES
            .iter()
            .any(|c| root.join("crates").join(c).join("src").join(token).exists())
    {
        return true;
    }
    let pattern = token.replace("*.rs", "");
    sources.iter().any(|(p, _)| {
        let p = p.to_string_lossy();
        if token.contains('*') {
            p.contains(&pattern)
        } else {
            p.ends_with(&format!("/{token}"))
        }
    })
}

/// Whether one backticked token of the document names something that exists:
/// `None` when the token is not a name this checks (prose, settings, ids, columns).
fn check_token(
    raw: &str,
    sources: &[(PathBuf, String)],
    names: &Names,
    modules: &BTreeSet<String>,
) -> Option<Result<(), String>> {
    let token = raw.split('(').next().unwrap_or(raw).trim();
    let plain = |c: char| is_ident_char(c) || matches!(c, ':' | '.' | '/' | '-' | '*');
    if token.is_empty()
        || !token.chars().all(plain)
        || token.contains("//")
        || token.starts_with(|c: char| c.is_ascii_digit())
        || token.starts_with('/')
        || token.starts_with("../")
        || token.starts_with("shared/")
    {
        return None; // prose, numbers, HTTP paths, the design beside the repository
    }
    let fail = |why: String| Some(Err(format!("`{raw}`: {why}")));
    if token.ends_with(".rs") || token.ends_with(".md") || token.contains('/') {
        if path_exists(token, sources) {
            return Some(Ok(()));
        }
        return fail("no such file".into());
    }
    if token.contains('.') || token.contains('-') || token.contains('*') {
        return None; // columns (`api_keys.hash`), settings, ids
    }
    if token.contains("::") {
        let segs: Vec<&str> = token.split("::").collect();
        let (first, last) = (segs[0], segs[segs.len() - 1]);
        if first.starts_with(|c: char| c.is_ascii_lowercase()) && !first.starts_with("megawatt_") {
            let Some(defs) = names.by_module.get(first) else {
                return fail(format!("no module `{first}`"));
            };
            if !defs.contains(last) {
                return fail(format!("module `{first}` defines no `{last}`"));
            }
        } else if !names.defined.contains(last) {
            return fail(format!("nothing named `{last}` is defined"));
        }
        return Some(Ok(()));
    }
    let upper = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_';
    let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_';
    if token.starts_with(|c: char| c.is_ascii_uppercase()) && token.chars().all(upper) {
        if !token.contains('_') {
            return None; // `COMMIT`, `FULL`: SQL words
        }
        if names.defined.contains(token) {
            return Some(Ok(()));
        }
        return fail(format!("no constant `{token}`"));
    }
    if token.starts_with(|c: char| c.is_ascii_uppercase()) {
        let std = ["Vec", "BTreeMap", "BTreeSet", "Option", "Result"].contains(&token);
        if std || names.defined.contains(token) {
            return Some(Ok(()));
        }
        return fail(format!("no type or variant `{token}`"));
    }
    if token.contains('_') && token.chars().all(lower) {
        if names.defined.contains(token) || names.strings.contains(token) {
            return Some(Ok(()));
        }
        return fail(format!("no function, field, test or code `{token}`"));
    }
    if modules.contains(token) && token.chars().all(lower) {
        return Some(Ok(()));
    }
    None
}

#[test]
fn every_name_in_the_architecture_document_exists() {
    let doc = std::fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("read doc");
    let sources = sources();
    let names = names(&sources);
    let modules = modules(&sources);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (i, part) in doc.split('`').enumerate() {
        if i % 2 == 1 && !part.contains('\n') {
            match check_token(part, &sources, &names, &modules) {
                Some(Ok(())) => checked += 1,
                Some(Err(w)) => wrong.push(w),
                None => {}
            }
        }
    }
    assert!(
        checked > 300,
        "the document names things ({checked} checked)"
    );
    assert!(
        wrong.is_empty(),
        "docs/ARCHITECTURE.md names what does not exist:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_catches_a_missing_name() {
    let sources = sources();
    let names = names(&sources);
    let modules = modules(&sources);
    let check = |t| check_token(t, &sources, &names, &modules);
    assert_eq!(check("invariants::check_capacity"), Some(Ok(())));
    assert_eq!(check("sequencer/worker.rs"), Some(Ok(())));
    assert_eq!(
        check("Engine::apply(&Envelope, &mut Vec<Event>)"),
        Some(Ok(()))
    );
    assert_eq!(check("BATCH_COMMANDS_MAX"), Some(Ok(())));
    assert_eq!(check("place_bid"), Some(Ok(())));
    assert_eq!(
        check("committed + encumbered"),
        None,
        "prose is not checked"
    );
    for missing in [
        "audit::compare_tables",
        "journal_round_trips_and_detects_corruption",
        "nowhere.rs",
        "NoSuchType",
        "no_such_module::check_capacity",
        "invariants::place_bid",
        "MAX_BATCH",
        "check_nothing",
    ] {
        assert!(
            matches!(check(missing), Some(Err(_))),
            "{missing} is caught"
        );
    }
}

/// The top-level module of a source file within its crate (`routes/orders.rs` is
/// `routes`; `lib.rs`, `main.rs` and tests are the crate root, not checked).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (!matches!(name, "lib" | "main")).then(|| name.to_string())
}

/// The top-level modules a file imports with `crate::…` paths (comments left out).
fn imports(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + "crate::".len()..];
        if before.is_some_and(|c| is_ident_char(c) || c == '$') {
            continue; // `megawatt_crate::`, `$crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = matching_brace(group);
            for item in top_level_items(&group[..end]) {
                out.insert(ident(item.trim()).to_string());
            }
        } else {
            out.insert(ident(rest).to_string());
        }
    }
    out.retain(|m| !m.is_empty() && m.starts_with(|c: char| c.is_ascii_lowercase()));
    out
}

/// The index of the `}` closing a group whose `{` was just passed.
fn matching_brace(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return i,
            '}' => depth -= 1,
            _ => {}
        }
    }
    s.len()
}

/// The comma-separated items of a brace group, nested groups kept whole.
fn top_level_items(s: &str) -> Vec<&str> {
    let (mut out, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let root = root();
    let mut cycles = Vec::new();
    for c in CRATES {
        let src = root.join("crates").join(c).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for file in rust_files(&src) {
            let Some(m) = top_module(&src, &file) else {
                continue;
            };
            let text = std::fs::read_to_string(&file).expect("read source");
            let deps = graph.entry(m.clone()).or_default();
            deps.extend(imports(&text).into_iter().filter(|d| *d != m));
        }
        for (m, deps) in &graph {
            for d in deps {
                if reaches(&graph, d, m) {
                    cycles.push(format!("{c}: {m} -> {d} -> … -> {m}"));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}

/// Whether `to` is reachable from `from` in `graph`.
fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let (mut seen, mut stack) = (BTreeSet::new(), vec![from.to_string()]);
    while let Some(m) = stack.pop() {
        if m == to {
            return true;
        }
        if seen.insert(m.clone())
            && let Some(next) = graph.get(&m)
        {
            stack.extend(next.iter().cloned());
        }
    }
    false
}

#[test]
fn the_import_reader_sees_grouped_and_nested_imports() {
    let text = "use crate::a::B;\nuse crate::{c, d::{E, F}, g::H};\nlet x = crate::i::j();\nuse megawatt_crate::k;";
    let got: Vec<String> = imports(text).into_iter().collect();
    assert_eq!(got, ["a", "c", "d", "g", "i"]);
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["a".to_string()]));
    assert!(reaches(&g, "b", "a"), "a cycle is found");
}

/// The `megawatt-*` crates a crate's manifest depends on (normal dependencies).
fn workspace_deps(c: &str) -> BTreeSet<String> {
    let toml = std::fs::read_to_string(root().join("crates").join(c).join("Cargo.toml"))
        .expect("read manifest");
    let deps = toml
        .split("[dependencies]")
        .nth(1)
        .unwrap_or_default()
        .split("\n[")
        .next()
        .unwrap_or_default();
    deps.lines()
        .filter_map(|l| l.trim().strip_prefix("megawatt-"))
        .map(|l| ident(l).to_string())
        .collect()
}

#[test]
fn crates_depend_downward_only() {
    // cli -> server -> store -> engine; the API types beside the engine, used by the
    // server (which sends them) and the CLI (which reads them).
    let below = |c: &str| -> BTreeSet<String> {
        let order = ["engine", "store", "server", "cli"];
        let at = order.iter().position(|x| *x == c).expect("layered crate");
        let mut b: BTreeSet<String> = order[..at].iter().map(|s| s.to_string()).collect();
        if at >= 2 {
            b.insert("api".into());
        }
        b
    };
    for c in ["engine", "store", "server", "cli"] {
        let deps = workspace_deps(c);
        assert!(deps.is_subset(&below(c)), "{c} depends on {deps:?}");
    }
    for leaf in ["engine", "api"] {
        let deps = workspace_deps(leaf);
        assert!(
            deps.is_empty(),
            "{leaf} depends on {deps:?}, nothing of ours"
        );
    }
}

/// Lines of non-test code in `crate_name`'s `src` (a `#[cfg(test)]` module to the end
/// of its file is left out).
fn code_lines(crate_name: &str) -> Vec<(PathBuf, usize, String)> {
    let src = root().join("crates").join(crate_name).join("src");
    let mut out = Vec::new();
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).expect("read source");
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let t = line.trim_start();
            if !t.starts_with("//") {
                out.push((file.clone(), i + 1, line.to_string()));
            }
        }
    }
    out
}

#[test]
fn nothing_above_the_store_commits_or_reads_events_with_the_engine() {
    for c in ["server", "cli"] {
        for (file, n, line) in code_lines(c) {
            let bad = line.contains(".commit(&") && line.contains("engine")
                || line.contains("market_data::public(&self.engine")
                || line.contains("fn public(engine");
            assert!(!bad, "{}:{n} needs the engine: {line}", file.display());
        }
    }
}

#[test]
fn no_sql_outside_the_store() {
    let sql = [
        "SELECT ",
        "INSERT INTO",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
    ];
    for c in ["engine", "server", "cli"] {
        for (file, n, line) in code_lines(c) {
            let found = sql.iter().any(|k| line.contains(k) && line.contains('"'));
            assert!(!found, "{}:{n} holds SQL: {line}", file.display());
        }
    }
}

#[test]
fn no_money_arithmetic_outside_the_engine() {
    // The raw arithmetic of money (rounding, checked and saturating products of amounts)
    // and the magic numbers of time appear only in the engine: the store, the server and
    // the CLI call the engine's functions and format what they return.
    let magic = ["div_half_even(", "8_760", "3_600_000", "86_400_000"];
    let products = ["saturating_mul(", "checked_mul(", "wrapping_mul("];
    let money_words = ["micros", "usd", "price", "fee", "amount", "notional"];
    let computes = |line: &str| {
        let lower = line.to_lowercase();
        magic.iter().find(|k| line.contains(*k)).or_else(|| {
            products
                .iter()
                .find(|k| line.contains(*k) && money_words.iter().any(|w| lower.contains(w)))
        })
    };
    for c in ["store", "server", "cli"] {
        for (file, n, line) in code_lines(c) {
            let found = computes(&line);
            assert!(
                found.is_none(),
                "{}:{n} computes money or time outside the engine ({found:?}): {line}",
                file.display()
            );
        }
    }
}

#[test]
fn the_cli_speaks_only_the_api_types() {
    // Bodies are `megawatt-api` request types and answers are read as its answer types:
    // no JSON built by hand, no untyped value, no field read by its name in a string.
    let untyped = ["json!(", "serde_json::Value", "Value::"];
    // `v["field"]`: a string index right after a name, a call or another index (an
    // array of strings, `&["id", …]`, is no read).
    let indexes = |line: &str| {
        line.match_indices("[\"").any(|(i, _)| {
            line[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || "_)]".contains(c))
        })
    };
    for (file, n, line) in code_lines("cli") {
        let found = untyped
            .iter()
            .copied()
            .find(|k| line.contains(k))
            .or(indexes(&line).then_some("v[\"field\"]"));
        assert!(
            found.is_none(),
            "{}:{n} handles JSON untyped ({found:?}): {line}",
            file.display()
        );
    }
}
