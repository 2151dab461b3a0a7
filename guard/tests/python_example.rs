//! The example project examples/conflict-python: the guard reports exactly
//! the handlers and hot-path helpers that still wait for the model.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::run_guard;

#[test]
fn python_example_reports_unrefactored_handlers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/conflict-python");
    let run = run_guard(&dir, &["--format", "json"]);
    let expected: BTreeSet<String> = [
        "logic/conflict_system/canon_handlers.py:17",
        "logic/conflict_system/conflict_flow_hotpath.py:25",
        "logic/conflict_system/flow_handlers.py:16",
        "logic/conflict_system/flow_handlers.py:21",
        "logic/conflict_system/social_handlers.py:19",
        "logic/conflict_system/victory_handlers.py:7",
    ]
    .into_iter()
    .map(String::from)
    .collect();

    assert_eq!(run.finding_lines(), expected, "stderr: {}", run.stderr);
    assert_eq!(run.json()["errors"].as_array().map(Vec::len), Some(0));
    assert_eq!(run.code, 1);
}

#[test]
fn python_example_readme_shows_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/conflict-python");
    let run = run_guard(&dir, &["check", "--format", "concise"]);
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("the example has a README");

    for line in run
        .stdout
        .lines()
        .filter(|l| !l.contains(" files checked in "))
    {
        assert!(
            readme.contains(line),
            "README.md lacks the output line: {line}"
        );
    }
}
