//! The command line: exit codes, configuration errors with spans, parse
//! errors, output formats, path selection and the guard on this repository.

mod common;

use std::path::Path;

use common::{fixture, run_guard};

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
const RULES: &str = r#"
[[rule]]
id = "no-model"
hot-path = { files = ["src/hot.rs"] }
[[rule.forbid]]
path = "crate::llm::complete"
"#;
const LIB: &str = "pub mod hot;\npub mod llm;\n";
const LLM: &str = "pub fn complete() {}\n";

#[test]
fn unknown_key_exits_2_with_span() {
    let dir = project(&[(
        "rules.toml",
        "[[rule]]\nid = \"x\"\nhot-paht = { files = [\"a\"] }\n",
    )]);
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown field `hot-paht`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("rules.toml:3"), "{}", run.stderr);
}

#[test]
fn bad_glob_exits_2() {
    let rules = RULES.replace("src/hot.rs", "src/[hot.rs");
    let dir = project(&[("rules.toml", &rules)]);
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid glob `src/[hot.rs`"),
        "{}",
        run.stderr
    );
}

#[test]
fn empty_pattern_exits_2() {
    let rules = RULES.replace("crate::llm::complete", "");
    let dir = project(&[("rules.toml", &rules)]);
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the pattern is empty"),
        "{}",
        run.stderr
    );
}

#[test]
fn unknown_severity_exits_2() {
    let rules = RULES.replace(
        "id = \"no-model\"",
        "id = \"no-model\"\nseverity = \"fatal\"",
    );
    let dir = project(&[("rules.toml", &rules)]);
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("fatal"), "{}", run.stderr);
}

#[test]
fn missing_config_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no rules.toml found"), "{}", run.stderr);
}

#[test]
fn ban_naming_no_item_warns() {
    let rules = RULES.replace("crate::llm::complete", "crate::llm::compleet");
    let dir = project(&[
        ("rules.toml", &rules),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        ("src/hot.rs", ""),
    ]);
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("names no item of the project"),
        "{}",
        run.stderr
    );
}

#[test]
fn parse_error_exits_2_and_checks_other_files() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        (
            "src/lib.rs",
            "pub mod hot;\npub mod llm;\npub mod broken;\n",
        ),
        ("src/llm.rs", LLM),
        ("src/broken.rs", "fn broken( {\n"),
        (
            "src/hot.rs",
            "pub fn on_event() { crate::llm::complete(); }\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 2);
    let json = run.json();
    assert_eq!(json["errors"][0]["file"], "src/broken.rs");
    assert_eq!(json["findings"][0]["file"], "src/hot.rs");
}

#[test]
fn invalid_utf8_exits_2() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
    ]);
    std::fs::write(dir.path().join("src/hot.rs"), [0x66, 0x6e, 0xff, 0xfe]).unwrap();
    let run = run_guard(dir.path(), &["--format", "concise"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout
            .contains("src/hot.rs:1:1: error the file is not valid UTF-8"),
        "{}",
        run.stdout
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!(
        "fn f() {{ let x = {}1{}; }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        ("src/hot.rs", &deep),
    ]);
    let run = run_guard(dir.path(), &["--format", "concise"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("more than the limit"), "{}", run.stdout);
}

#[test]
fn concise_format_and_exit_1() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        (
            "src/hot.rs",
            "pub fn on_event() {\n    crate::llm::complete();\n}\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "concise"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("src/hot.rs:2:17: no-model "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("1 finding (1 error, 0 warnings) in 3 files checked"),
        "{}",
        run.stdout
    );
}

#[test]
fn warning_severity_exits_0() {
    let rules = RULES.replace(
        "id = \"no-model\"",
        "id = \"no-model\"\nseverity = \"warning\"",
    );
    let dir = project(&[
        ("rules.toml", &rules),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        (
            "src/hot.rs",
            "pub fn on_event() { crate::llm::complete(); }\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["findings"][0]["severity"], "warning");
}

#[test]
fn pretty_format_shows_snippet_and_help() {
    let rules = RULES.replace(
        "path = \"crate::llm::complete\"",
        "path = \"crate::llm::complete\"\nreason = \"slow\"\nreplacement = \"queue a task\"",
    );
    let dir = project(&[
        ("rules.toml", &rules),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        (
            "src/hot.rs",
            "pub fn on_event() { crate::llm::complete(); }\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--color", "never"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("no-model"), "{}", run.stdout);
    assert!(
        run.stdout.contains("calls `demo::llm::complete`: slow"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("instead: queue a task"),
        "{}",
        run.stdout
    );
}

#[test]
fn check_paths_reports_selected_files_only() {
    let dir = project(&[
        ("rules.toml", &RULES.replace("src/hot.rs", "src/*.rs")),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod hot;\npub mod llm;\npub mod other;\n"),
        ("src/llm.rs", LLM),
        ("src/hot.rs", "pub fn a() { crate::llm::complete(); }\n"),
        ("src/other.rs", "pub fn b() { crate::llm::complete(); }\n"),
    ]);
    let run = run_guard(dir.path(), &["--format", "json", "check", "src/other.rs"]);
    assert_eq!(run.code, 1);
    let lines = run.finding_lines();
    assert_eq!(lines.into_iter().collect::<Vec<_>>(), ["src/other.rs:1"]);

    let outside = run_guard(dir.path(), &["check", "/"]);
    assert_eq!(outside.code, 2);
    assert!(
        outside.stderr.contains("outside the root"),
        "{}",
        outside.stderr
    );
}

#[test]
fn explain_prints_kind_documentation() {
    let run = run_guard(Path::new("."), &["explain", "forbidden-call"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Why is this bad?"));
    let run = run_guard(Path::new("."), &["explain", "transitive-call"]);
    assert!(run.stdout.contains("hand-off boundaries"));
}

#[test]
fn rules_lists_configured_rules() {
    let run = run_guard(&fixture("rust/callgraph"), &["rules"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("no-model (error)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("forbids app::llm::complete"),
        "{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn symlink_out_of_root_is_not_followed() {
    let outside = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod hot;\npub mod llm;\n"),
        ("src/llm.rs", LLM),
        (
            "src/hot.rs",
            "pub fn on_event() { crate::llm::complete(); }\n",
        ),
    ]);
    let dir = project(&[("rules.toml", &RULES.replace("src/hot.rs", "linked/**"))]);
    std::os::unix::fs::symlink(outside.path(), dir.path().join("linked")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("src/hot.rs"), dir.path().join("hot.rs"))
        .unwrap();

    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["summary"]["files"], 0);
}

#[test]
fn gitignored_files_are_skipped() {
    let dir = project(&[
        ("rules.toml", &RULES.replace("src/hot.rs", "src/*.rs")),
        (".gitignore", "src/generated.rs\n"),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod llm;\npub mod generated;\n"),
        ("src/llm.rs", LLM),
        (
            "src/generated.rs",
            "pub fn on_event() { crate::llm::complete(); }\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn gateway_form_bans_everywhere_else() {
    let rules = r#"
[[rule]]
id = "model-only-in-gateway"
only-in = ["src/llm.rs", "src/tasks/**"]
[[rule.forbid]]
path = "reqwest::**"
"#;
    let dir = project(&[
        ("rules.toml", rules),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod llm;\npub mod tasks;\npub mod web;\n"),
        ("src/llm.rs", "pub async fn call() { reqwest::get(\"http://127.0.0.1\").await; }\n"),
        ("src/tasks/mod.rs", "pub async fn run() { reqwest::get(\"http://127.0.0.1\").await; }\n"),
        ("src/web.rs", "use reqwest as http;\npub async fn page() { http::get(\"http://127.0.0.1\").await; }\n"),
    ]);
    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(run.code, 1);
    let lines: Vec<String> = run.finding_lines().into_iter().collect();
    assert_eq!(lines, ["src/web.rs:2"]);
}

#[test]
fn function_and_attribute_scopes() {
    let rules = r#"
[[rule]]
id = "no-model"
hot-path = { files = ["src/**"], functions = ["on_*"], attributes = ["hot_path"] }
[[rule.forbid]]
path = "crate::llm::complete"
"#;
    let dir = project(&[
        ("rules.toml", rules),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod llm;\npub mod game;\n"),
        ("src/llm.rs", LLM),
        (
            "src/game.rs",
            "use crate::llm::complete;\n\
             pub fn on_event() { complete(); }\n\
             #[hot_path]\npub fn tick() { complete(); }\n\
             pub fn background() { complete(); }\n\
             #[cfg(test)]\nmod tests { fn on_test() { super::complete(); } }\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "json"]);
    let lines: Vec<String> = run.finding_lines().into_iter().collect();
    assert_eq!(lines, ["src/game.rs:2", "src/game.rs:4"]);
}

#[test]
fn cache_reuses_and_invalidates_models() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        ("src/hot.rs", "pub fn on_event() {}\n"),
    ]);
    let first = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(dir.path().join(".guard-cache/models.bin").is_file());

    let second = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(second.code, 0);

    std::fs::write(
        dir.path().join("src/hot.rs"),
        "pub fn on_event() {\n    crate::llm::complete();\n}\n",
    )
    .unwrap();
    let changed = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(changed.code, 1, "a changed file must be parsed again");
    assert_eq!(
        changed.finding_lines().into_iter().collect::<Vec<_>>(),
        ["src/hot.rs:2"]
    );

    std::fs::write(dir.path().join(".guard-cache/models.bin"), b"not a cache").unwrap();
    let corrupt = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(
        corrupt.code, 1,
        "a corrupt cache is ignored: {}",
        corrupt.stderr
    );

    let uncached = run_guard(dir.path(), &["--format", "json", "--no-cache"]);
    assert_eq!(uncached.code, 1);
}

#[test]
fn cache_never_hides_parse_errors() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/hot.rs", "fn broken( {\n"),
    ]);
    assert_eq!(run_guard(dir.path(), &[]).code, 2);
    assert_eq!(
        run_guard(dir.path(), &[]).code,
        2,
        "the second run must not read a clean model from the cache"
    );
}

#[test]
fn check_dot_reports_whole_root() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        (
            "src/hot.rs",
            "pub fn on_event() { crate::llm::complete(); }\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "json", "check", "."]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(
        run.finding_lines().into_iter().collect::<Vec<_>>(),
        ["src/hot.rs:1"]
    );
}

#[test]
fn gateway_walk_stops_at_gateway() {
    let rules = r#"
[[rule]]
id = "model-only-in-gateway"
only-in = ["src/gateway.rs"]
[[rule.forbid]]
path = "reqwest::**"
"#;
    let dir = project(&[
        ("rules.toml", rules),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", "pub mod gateway;\npub mod web;\npub mod helper;\n"),
        ("src/gateway.rs", "pub async fn ask() { reqwest::get(\"http://127.0.0.1\").await; }\n"),
        ("src/helper.rs", "pub async fn fetch() { reqwest::get(\"http://127.0.0.1\").await; }\n"),
        (
            "src/web.rs",
            "pub async fn page() {\n    crate::gateway::ask().await;\n    crate::helper::fetch().await;\n}\n",
        ),
    ]);
    let run = run_guard(dir.path(), &["--format", "json"]);
    let lines: Vec<String> = run.finding_lines().into_iter().collect();
    assert_eq!(lines, ["src/helper.rs:1", "src/web.rs:3"]);
}

#[test]
fn settings_that_select_nothing_warn_or_fail() {
    let typo = RULES.replace("src/hot.rs", "scr/hot.rs");
    let dir = project(&[
        ("rules.toml", &typo),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", LLM),
        ("src/hot.rs", ""),
    ]);
    let run = run_guard(dir.path(), &[]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("match no source file"),
        "{}",
        run.stderr
    );

    let empty = project(&[("rules.toml", "[guard]\n")]);
    let run = run_guard(empty.path(), &[]);
    assert!(run.stderr.contains("defines no [[rule]]"), "{}", run.stderr);

    let decorated = RULES.replace(
        "hot-path = { files = [\"src/hot.rs\"] }",
        "hot-path = { decorators = [\"@hot_path\"] }",
    );
    let run = run_guard(project(&[("rules.toml", &decorated)]).path(), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("write the bare name"), "{}", run.stderr);

    let missing_root = format!("[guard]\npython-roots = [\"nowhere\"]\n{RULES}");
    let run = run_guard(project(&[("rules.toml", &missing_root)]).path(), &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("python root `nowhere` is not a folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn cache_sees_edit_with_same_size_and_time() {
    let dir = project(&[
        ("rules.toml", RULES),
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LIB),
        ("src/llm.rs", "pub fn complete() {}\npub fn completx() {}\n"),
        (
            "src/hot.rs",
            "pub fn on_event() { crate::llm::completx(); }\n",
        ),
    ]);
    let hot = dir.path().join("src/hot.rs");
    let modified = std::fs::metadata(&hot).unwrap().modified().unwrap();
    assert_eq!(run_guard(dir.path(), &[]).code, 0);

    std::fs::write(&hot, "pub fn on_event() { crate::llm::complete(); }\n").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&hot)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let run = run_guard(dir.path(), &["--format", "json"]);
    assert_eq!(
        run.code, 1,
        "an edit that keeps size and time is still seen: {}",
        run.stdout
    );
}
