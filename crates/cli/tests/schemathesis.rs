//! schemathesis (pinned, every check, all phases with stateful links) against a demo
//! exchange run by the real `mw`, as a buyer, a provider and the operator: zero
//! failures, and never a schema-valid request refused for its shape
//! (tools/schemathesis/hooks.py). Runs when `MW_SCHEMATHESIS` names a virtualenv with
//! schemathesis in it (`.ci/run` makes one); says so and passes otherwise.

#[test]
fn schemathesis_finds_no_failure() {
    let Ok(venv) = std::env::var("MW_SCHEMATHESIS") else {
        eprintln!("skipped: set MW_SCHEMATHESIS to a virtualenv with schemathesis 4.32.5");
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = std::process::Command::new(root.join("tools/schemathesis/run.sh"))
        .arg(env!("CARGO_BIN_EXE_mw"))
        .arg("25")
        .env("MW_SCHEMATHESIS", venv)
        .output()
        .expect("tools/schemathesis/run.sh runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    assert!(
        out.status.success(),
        "schemathesis found failures:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.matches("passed,").count(),
        3,
        "three runs, each all passed:\n{text}"
    );
}
