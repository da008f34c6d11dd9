//! The FinOps Foundation's FOCUS validator, run on a file of ours (shared with the CLI's
//! tests).

/// The `site-packages` directory of the virtual environment `dir`.
fn site_packages(dir: &str) -> std::path::PathBuf {
    let lib = std::path::Path::new(dir).join("lib");
    let python = std::fs::read_dir(&lib)
        .expect("a virtual environment")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("python"))
        .expect("lib/python3.x");
    python.path().join("site-packages")
}

/// Checks a FOCUS CSV with the FinOps Foundation's validator (`focus-validator` 1.0.0,
/// `--validate-version 1.0`), which must pass with no rule failing. `.ci/run` installs
/// it and sets `MW_FOCUS_VALIDATOR` to its virtual environment; without it this says
/// on stderr that it skipped and returns false.
pub fn validate(text: &str) -> bool {
    let Ok(dir) = std::env::var("MW_FOCUS_VALIDATOR") else {
        eprintln!("skipped FOCUS validation: MW_FOCUS_VALIDATOR is not set (.ci/run sets it)");
        return false;
    };
    let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    let out = std::process::Command::new(format!("{dir}/bin/focus-validator"))
        .args(["--data-file"])
        .arg(file.path())
        .args(["--validate-version", "1.0"])
        // The validator reads its currency list by a path relative to its package.
        .current_dir(site_packages(&dir))
        .output()
        .expect("the validator runs");
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && said.contains("Validation succeeded"),
        "the FOCUS validator refused the file:\n{said}\n{text}"
    );
    true
}
