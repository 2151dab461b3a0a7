//! Transitive findings through the call graph: helpers one and three levels
//! deep, another package, cycles, task bodies, hand-offs, dispatch tables,
//! trait objects and default methods.

mod common;

use common::{assert_findings_match_markers, fixture, run_guard};

#[test]
fn rust_callgraph_fixture_matches_markers() {
    assert_findings_match_markers("rust/callgraph");
}

#[test]
fn chain_lists_every_hop() {
    let run = run_guard(&fixture("rust/callgraph"), &["--format", "json"]);
    let json = run.json();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "app/src/handlers.rs" && f["line"] == 11)
        .expect("the three-level chain is found");
    let functions: Vec<&str> = finding["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["function"].as_str().unwrap())
        .collect();

    assert_eq!(
        functions,
        ["app::helpers::a", "app::helpers::b", "app::helpers::c"]
    );
    assert_eq!(finding["chain"][2]["callee"], "app::llm::complete");
    assert_eq!(finding["chain"][2]["file"], "app/src/helpers.rs");
    assert_eq!(finding["chain"][2]["line"], 16);
}

#[test]
fn trait_object_chain_names_implementation() {
    let run = run_guard(&fixture("rust/callgraph"), &["--format", "concise"]);
    assert!(
        run.stdout
            .contains("may dispatch to the implementation in `app::llm::Remote`"),
        "{}",
        run.stdout
    );
}

#[test]
fn transitive_false_reports_direct_calls_only() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("rust/callgraph"), dir.path());
    let rules = std::fs::read_to_string(dir.path().join("rules.toml")).unwrap();
    std::fs::write(
        dir.path().join("rules.toml"),
        rules.replace("allow = [", "transitive = false\nallow = ["),
    )
    .unwrap();

    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.finding_lines().is_empty());
}

#[test]
fn max_depth_drops_long_chains() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("rust/callgraph"), dir.path());
    let rules = std::fs::read_to_string(dir.path().join("rules.toml")).unwrap();
    std::fs::write(
        dir.path().join("rules.toml"),
        rules.replace("allow = [", "max-depth = 2\nallow = ["),
    )
    .unwrap();

    let lines = run_guard(dir.path(), &["--format", "json"]).finding_lines();
    assert!(lines.contains("app/src/handlers.rs:7"), "{lines:?}");
    assert!(!lines.contains("app/src/handlers.rs:11"), "{lines:?}");
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn explain_path_prints_chains() {
    let run = run_guard(&fixture("rust/callgraph"), &["explain-path", "helpers::a"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("app::helpers::a (app/src/helpers.rs:7)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("reaches `app::llm::complete` (rule no-model) in 3 calls"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("app::helpers::c calls `app::llm::complete`"),
        "{}",
        run.stdout
    );

    let safe = run_guard(
        &fixture("rust/callgraph"),
        &["explain-path", "app::helpers::safe"],
    );
    assert!(safe.stdout.contains("reaches no ban"), "{}", safe.stdout);

    let missing = run_guard(&fixture("rust/callgraph"), &["explain-path", "nowhere"]);
    assert_eq!(missing.code, 2);
}

#[test]
fn python_callgraph_fixture_matches_markers() {
    assert_findings_match_markers("callgraph-python");
}

#[test]
fn python_chain_crosses_packages() {
    let run = run_guard(&fixture("callgraph-python"), &["--format", "json"]);
    let json = run.json();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "game/handlers/events.py" && f["callee"] == "agents.Runner.run")
        .expect("the call into another package is found");

    assert_eq!(finding["callee"], "agents.Runner.run");
    assert_eq!(finding["chain"][0]["function"], "shared.summarize");
    assert_eq!(finding["chain"][0]["file"], "shared/__init__.py");
}

#[test]
fn check_paths_includes_chains_through_them() {
    let run = run_guard(
        &fixture("rust/callgraph"),
        &["--format", "json", "check", "app/src/helpers.rs"],
    );
    let lines = run.finding_lines();
    assert!(lines.contains("app/src/handlers.rs:11"), "{lines:?}");
    assert!(!lines.contains("app/src/handlers.rs:15"), "{lines:?}");
}
