//! A client generated from the OpenAPI document in another language completes a buy:
//! openapi-python-client makes a Python package from `GET /v1/openapi.json` of a demo
//! exchange run by the real `mw`, and `tools/python-client/buy.py` reads the book, buys
//! at the cheapest ask, finds the contract in its list, and gets a named refusal for a
//! window in the past. Runs when `MW_OPENAPI_CLIENT_GEN` names a virtualenv with
//! openapi-python-client in it (`.ci/run` makes one); says so and passes otherwise.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn a_generated_python_client_completes_a_buy() {
    let Ok(venv) = std::env::var("MW_OPENAPI_CLIENT_GEN") else {
        eprintln!(
            "skipped: set MW_OPENAPI_CLIENT_GEN to a virtualenv with openapi-python-client 0.29.1"
        );
        return;
    };
    let venv = std::path::PathBuf::from(venv);
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mw"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data"])
        .arg(dir.path().join("mw.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The demo's banner has every key in one line: `export MW_URL=… ACME=…`. The rest
    // of its output is read on (a closed pipe would stop the server).
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("export MW_URL=") && line.contains(" ACME=") {
                let _ = tx.send(line);
            }
        }
    });
    let keys = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the demo prints its keys");
    let var = |name: &str| {
        keys.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .unwrap()
            .to_string()
    };
    let (url, acme) = (var("MW_URL"), var("ACME"));
    let spec = dir.path().join("openapi.json");
    let doc = ureq::get(format!("{url}/v1/openapi.json"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    std::fs::write(&spec, doc).unwrap();
    let config = dir.path().join("gen.yaml");
    std::fs::write(&config, "post_hooks: []\n").unwrap();
    let generated = Command::new(venv.join("bin/openapi-python-client"))
        .args([
            "generate",
            "--meta",
            "none",
            "--output-path",
            "megawatt_client",
        ])
        .arg("--path")
        .arg(&spec)
        .arg("--config")
        .arg(&config)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "generation failed: {}{}",
        String::from_utf8_lossy(&generated.stdout),
        String::from_utf8_lossy(&generated.stderr)
    );
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/python-client/buy.py");
    let bought = Command::new(venv.join("bin/python"))
        .arg(script)
        .args([&url, &acme])
        .env("PYTHONPATH", dir.path())
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let out = String::from_utf8_lossy(&bought.stdout);
    assert!(
        bought.status.success(),
        "the generated client's buy failed: {out}{}",
        String::from_utf8_lossy(&bought.stderr)
    );
    assert!(out.contains("through the generated client: ctr-"), "{out}");
}
