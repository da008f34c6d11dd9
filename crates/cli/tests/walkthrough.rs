//! The README's walk-through, run verbatim: its first block starts the server (here on
//! an ephemeral port, in a temporary directory), the banner's line of shell variables
//! is pasted as a reader would, and every other command block runs as written in one
//! bash session. A command that fails, or whose output does not show what its
//! `# -> text` comment says (or, for `# !> text`, is not refused with it), fails the
//! test, naming the command.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const MW: &str = env!("CARGO_BIN_EXE_mw");

/// The section of the README that is the walk-through.
const SECTION: &str = "## A walk-through";

/// A server that is killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(path).expect("README.md")
}

/// The fenced blocks of the walk-through section, each as its lines (a line ending in
/// `\` joined with the next).
fn blocks(readme: &str) -> Vec<Vec<String>> {
    let start = readme.find(SECTION).expect("the walk-through section");
    let rest = &readme[start + SECTION.len()..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in section.lines() {
        if line.starts_with("```") {
            match current.take() {
                Some(b) => blocks.push(b),
                None => current = Some(Vec::new()),
            }
            continue;
        }
        if let Some(b) = current.as_mut() {
            match b.last_mut() {
                Some(prev) if prev.ends_with('\\') => {
                    prev.pop();
                    prev.push_str(line.trim_start());
                }
                _ => b.push(line.to_string()),
            }
        }
    }
    assert!(current.is_none(), "an unclosed block in the walk-through");
    blocks
}

/// Starts the server of the walk-through's first block (`mw serve …`), with its
/// flags, a store in `dir` and an ephemeral port; returns it and the banner's line of
/// shell variables.
fn serve(line: &str, dir: &Path) -> (Server, String) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        &words[..2],
        ["mw", "serve"],
        "the first block starts the server"
    );
    let mut args = vec!["serve".to_string()];
    let mut it = words[2..].iter();
    while let Some(w) = it.next() {
        if *w == "--data" {
            it.next();
        } else {
            args.push(w.to_string());
        }
    }
    let mut child = Command::new(MW)
        .args(&args)
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(dir.join("walkthrough.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mw serve");
    let mut exports = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.expect("banner");
        if line.trim_start().starts_with("export MW_URL=") && line.contains("OPERATOR=") {
            exports = Some(line.trim().to_string());
        }
        if line.contains("mw buy") {
            break;
        }
    }
    let exports = exports.expect("the banner's line of shell variables");
    (Server(child), exports)
}

/// `s` in single quotes for bash.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The bash that runs one line of the walk-through and checks it.
fn step(line: &str) -> String {
    let (cmd, comment) = match line.find(" # ") {
        Some(i) => (line[..i].trim_end(), line[i + 3..].trim()),
        None => (line.trim_end(), ""),
    };
    let show = format!("echo {}", quoted(&format!("$ {cmd}")));
    let fail = |why: &str| {
        format!(
            "{{ echo {}; cat \"$ERR\"; exit 1; }}",
            quoted(&format!("WALKTHROUGH: {why}: {cmd}"))
        )
    };
    if let Some(text) = comment.strip_prefix("!> ") {
        return format!(
            "{show}\nif {cmd} >\"$OUT\" 2>\"$ERR\"; then {}; fi\ncat \"$ERR\"\ngrep -qF -- {} \"$ERR\" || {}\n",
            fail("was not refused"),
            quoted(text),
            fail(&format!("was not refused with {text:?}"))
        );
    }
    let assigns = cmd.starts_with("export ") || cmd.contains("=$(");
    // `export X=$(false)` succeeds in bash whatever the command did, and a check on an
    // assignment would read the previous command's output: the README has neither.
    assert!(
        !(cmd.starts_with("export ") && cmd.contains("$(")),
        "write `X=$(…)` then `export X`, not `{cmd}`"
    );
    assert!(
        !assigns || comment.is_empty(),
        "a check on an assignment checks nothing: {line}"
    );
    let run = if assigns {
        format!("{{ {cmd}; }} 2>\"$ERR\" || {}\n", fail("failed"))
    } else {
        format!(
            "{cmd} >\"$OUT\" 2>\"$ERR\" || {}\ncat \"$OUT\"\n",
            fail("failed")
        )
    };
    let check = match comment.strip_prefix("-> ") {
        Some(text) => format!(
            "grep -qF -- {} \"$OUT\" || {}\n",
            quoted(text),
            fail(&format!("does not show {text:?}"))
        ),
        None => String::new(),
    };
    format!("{show}\n{run}{check}")
}

/// The whole walk-through as one bash script, run in `dir` with `mw` on the PATH.
fn script(blocks: &[Vec<String>], exports: &str, dir: &Path) -> String {
    let bin = PathBuf::from(MW);
    let mut s = format!(
        "set -uo pipefail\ncd {}\nexport PATH={}:\"$PATH\"\nOUT=$(mktemp) ERR=$(mktemp)\n{exports}\n",
        quoted(&dir.display().to_string()),
        quoted(&bin.parent().unwrap().display().to_string()),
    );
    for block in blocks {
        for line in block {
            if !line.trim().is_empty() && !line.trim_start().starts_with('#') {
                s.push_str(&step(line));
            }
        }
    }
    s.push_str("echo WALKTHROUGH: done\n");
    s
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let blocks = blocks(&readme());
    assert!(blocks.len() >= 5, "the walk-through has its blocks");
    let dir = tempfile::tempdir().unwrap();
    let (_server, exports) = serve(&blocks[0][0], dir.path());
    let out = Command::new("bash")
        .arg("-c")
        .arg(script(&blocks[1..], &exports, dir.path()))
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success()
            && stdout.ends_with("WALKTHROUGH: done\n")
            && std::env::var("MW_SHOW_WALKTHROUGH").is_err(),
        "the walk-through broke:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.path().join("focus.csv").exists(),
        "the export was written"
    );
}

#[test]
fn a_contradicting_comment_fails_the_walkthrough() {
    // The checker itself: a comment the output does not bear out, or a refusal that
    // does not come, stops the script.
    for (line, ok) in [
        ("echo hello   # -> hello", true),
        ("echo hello   # -> goodbye", false),
        ("false        # !> nothing", false),
        ("sh -c 'echo no >&2; exit 1'   # !> no", true),
        ("X=$(false)", false),
    ] {
        let s = format!(
            "set -uo pipefail\nOUT=$(mktemp) ERR=$(mktemp)\n{}",
            step(line)
        );
        let out = Command::new("bash").arg("-c").arg(&s).output().unwrap();
        assert_eq!(out.status.success(), ok, "{line}: {s}");
    }
}
