//! The Rust analyzer on fixture crates: every line marked `//~ found` is a
//! finding and no other line is. Each fixture pairs cases that must be found
//! with look-alikes that must not.

mod common;

use common::{assert_findings_match_markers, fixture, run_guard};

#[test]
fn resolution_fixture_matches_markers() {
    assert_findings_match_markers("rust/resolution");
}

#[test]
fn direct_call_reports_reason_and_replacement() {
    let run = run_guard(&fixture("rust/resolution"), &["--format", "json"]);
    let json = run.json();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "src/hot/paths.rs" && f["line"] == 11)
        .expect("the plain call is found");

    assert_eq!(finding["rule"], "no-model");
    assert_eq!(finding["callee"], "fixture_app::llm::complete");
    assert_eq!(finding["ban"], "crate::llm::complete");
    assert_eq!(finding["reason"], "blocks for seconds");
    assert_eq!(finding["replacement"], "dispatch a task");
    assert_eq!(finding["column"], 17);
}

#[test]
fn edge_fixture_matches_markers() {
    assert_findings_match_markers("rust/edge");
}
