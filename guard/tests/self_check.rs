//! The guard on this repository: the runtime passes its own rules, and a
//! model call injected into a hot-path function is found.

mod common;

use std::path::{Path, PathBuf};

use common::run_guard;

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn repository_passes_its_own_rules() {
    let run = run_guard(&repository_root(), &["--format", "concise"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        !run.stderr.contains("names no item"),
        "a ban of rules.toml can never match:\n{}",
        run.stderr
    );
}

#[test]
fn injected_model_call_is_found() {
    let root = repository_root();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join("rules.toml"), dir.path().join("rules.toml")).unwrap();
    std::fs::copy(root.join("Cargo.toml"), dir.path().join("Cargo.toml")).unwrap();
    copy_tree(&root.join("runtime/src"), &dir.path().join("runtime/src"));
    std::fs::copy(
        root.join("runtime/Cargo.toml"),
        dir.path().join("runtime/Cargo.toml"),
    )
    .unwrap();

    let hotpath = dir.path().join("runtime/src/conflict/tension/hotpath.rs");
    let mut text = std::fs::read_to_string(&hotpath).unwrap();
    let line = text.lines().count() + 3;
    text.push_str(
        "\npub async fn injected(client: &dyn crate::llm::ModelClient, request: crate::llm::ChatRequest) {\n    \
         let _ = client.complete(request).await;\n}\n",
    );
    std::fs::write(&hotpath, text).unwrap();

    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let lines = run.finding_lines();
    assert!(
        lines.contains(&format!("runtime/src/conflict/tension/hotpath.rs:{line}")),
        "{lines:?}"
    );
    let json = run.json();
    let callees: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["callee"].as_str())
        .collect();
    assert!(
        callees.contains(&"runtime::llm::ModelClient::complete"),
        "{callees:?}"
    );
}
