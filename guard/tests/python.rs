//! The Python analyzer on fixture projects: every line marked `#~ found` is a
//! finding and no other line is. Each fixture pairs the resolution cases that
//! must be found with look-alikes that must not.

mod common;

use common::{assert_findings_match_markers, fixture, run_guard};

#[test]
fn python_imports_match_markers() {
    assert_findings_match_markers("python/imports");
}

#[test]
fn python_star_import_honours_all() {
    assert_findings_match_markers("python/star_all");
}

#[test]
fn python_type_only_names_match_markers() {
    assert_findings_match_markers("python/type_only");
}

#[test]
fn python_call_targets_match_markers() {
    assert_findings_match_markers("python/targets");
}

#[test]
fn python_scopes_match_markers() {
    assert_findings_match_markers("python/scopes");
}

#[test]
fn python_shadowing_matches_markers() {
    assert_findings_match_markers("python/shadowing");
}

#[test]
fn python_source_roots_match_markers() {
    assert_findings_match_markers("python/layout");
}

#[test]
fn python_finding_reports_callee() {
    let run = run_guard(&fixture("python/targets"), &["--format", "json"]);
    let json = run.json();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "logic/instances.py" && f["line"] == 29)
        .expect("the call split over several lines is found");

    assert_eq!(finding["callee"], "openai.OpenAI.chat.completions.create");
    assert_eq!(finding["ban"], "openai.*.chat.completions.create");
    assert_eq!(finding["column"], 10);
}

#[test]
fn python_syntax_error_exits_2() {
    let dir = fixture("python/syntax_error");
    let run = run_guard(&dir, &["--format", "json"]);
    let json = run.json();
    let errors = json["errors"].as_array().expect("errors is an array");

    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert_eq!(errors.len(), 1, "errors: {errors:#?}");
    assert_eq!(errors[0]["file"], "logic/broken.py");
    assert_eq!(errors[0]["line"], 8);
    assert_eq!(run.finding_lines(), common::marked_lines(&dir));
}

#[test]
fn python_module_variables_keep_their_type() {
    assert_findings_match_markers("python/variables");
}

#[test]
fn python_computed_all_exports_public_names() {
    assert_findings_match_markers("python/star_computed");
}

#[test]
fn python_on_demand_skips_unrelated_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let rules = "[[rule]]\nid = \"no-model\"\nhot-path = { files = [\"app/handlers.py\"] }\n[[rule.forbid]]\npath = \"app.llm.complete\"\n";
    write("rules.toml", rules);
    write("app/__init__.py", "");
    write("app/llm.py", "def complete(p):\n    return p\n");
    write(
        "app/handlers.py",
        "from app.llm import complete\n\ndef on_event(p):\n    return complete(p)\n",
    );
    write("tools/broken.py", "def broken(:\n");

    let full = run_guard(dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(
        full.code, 2,
        "every file is parsed by default: {}",
        full.stdout
    );
    assert_eq!(full.json()["errors"][0]["file"], "tools/broken.py");

    write(
        "rules.toml",
        &format!("[guard]\npython-on-demand = true\n{rules}"),
    );
    let lazy = run_guard(dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(lazy.code, 1, "{}", lazy.stdout);
    let lines: Vec<String> = lazy.finding_lines().into_iter().collect();
    assert_eq!(lines, ["app/handlers.py:4"]);
}
