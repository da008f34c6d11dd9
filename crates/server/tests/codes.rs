//! The catalog of codes in docs/errors.md is the code's: made by `problem::catalog`
//! from the engine's rules and the server's own codes, and every code the server's
//! source answers is in it. `MW_WRITE_CATALOG=1` rewrites the document's table.

use std::path::Path;

const START: &str = "<!-- catalog: made by megawatt_server::problem::catalog -->\n";
const END: &str = "<!-- /catalog -->";

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

#[test]
fn the_catalog_of_codes_in_the_docs_is_the_codes() {
    let path = root().join("docs/errors.md");
    let doc = std::fs::read_to_string(&path).expect("docs/errors.md");
    let (head, rest) = doc.split_once(START).expect("the catalog's start marker");
    let (_, tail) = rest.split_once(END).expect("the catalog's end marker");
    let made = megawatt_server::problem::catalog();
    let want = format!("{head}{START}{made}{END}{tail}");
    if std::env::var("MW_WRITE_CATALOG").is_ok() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        want == doc,
        "docs/errors.md's catalog differs from the code's; run with MW_WRITE_CATALOG=1 to rewrite it"
    );
}

#[test]
fn every_code_the_server_answers_is_in_the_catalog() {
    let catalog = megawatt_server::problem::catalog();
    let listed = |code: &str| catalog.contains(&format!("| `{code}` |"));
    let src = root().join("crates/server/src");
    let mut files = vec![src.clone()];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            // `Problem::new(StatusCode::X, "code", …)`, on one line or three.
            if line.contains("StatusCode::") && !line.contains("=>") {
                let near = lines[i..(i + 2).min(lines.len())].join(" ");
                let after = near.split("StatusCode::").nth(1).unwrap_or("");
                let code = after.split('"').nth(1).unwrap_or("");
                let is_code =
                    !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                if is_code {
                    seen += 1;
                    assert!(
                        listed(code),
                        "{}: {code} is not in the catalog",
                        p.display()
                    );
                }
            }
            if let Some(what) = line.split("Problem::unknown(\"").nth(1) {
                let code = format!("unknown_{}", what.split('"').next().unwrap());
                seen += 1;
                assert!(
                    listed(&code),
                    "{}: {code} is not in the catalog",
                    p.display()
                );
            }
        }
    }
    assert!(seen > 10, "the scan found {seen} codes");
}
