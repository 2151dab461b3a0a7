//! Helpers for end-to-end tests: run the built guard binary on a fixture
//! project and compare its findings with the `//~ found` markers in the sources.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder of a fixture project under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The output and exit code of one run of the guard.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "invalid JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Returns `file:line` of every finding.
    pub fn finding_lines(&self) -> BTreeSet<String> {
        self.json()["findings"]
            .as_array()
            .expect("findings is an array")
            .iter()
            .map(|f| format!("{}:{}", f["file"].as_str().unwrap(), f["line"]))
            .collect()
    }
}

/// Runs the guard with arguments in a folder.
pub fn run_guard(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_guard"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the guard binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Returns `file:line` of every line marked `//~ found` or `#~ found` under a folder.
pub fn marked_lines(root: &Path) -> BTreeSet<String> {
    let mut marked = BTreeSet::new();
    for entry in walk(root) {
        let Ok(text) = std::fs::read_to_string(&entry) else {
            continue;
        };
        let relative = entry
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            if line.contains("//~ found") || line.contains("#~ found") {
                marked.insert(format!("{relative}:{}", i + 1));
            }
        }
    }
    marked
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Asserts that the guard's findings are exactly the marked lines.
pub fn assert_findings_match_markers(name: &str) {
    let dir = fixture(name);
    let run = run_guard(&dir, &["--format", "json"]);
    let found = run.finding_lines();
    let expected = marked_lines(&dir);

    let missed: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missed.is_empty(),
        "marked but not found in {name}: {missed:#?}\nstderr: {}",
        run.stderr
    );
    assert!(
        extra.is_empty(),
        "found but not marked in {name}: {extra:#?}"
    );
    assert_eq!(
        run.code,
        if expected.is_empty() { 0 } else { 1 },
        "exit code; stderr: {}",
        run.stderr
    );
}
