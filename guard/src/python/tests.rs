//! Unit tests of the Python frontend on source strings.

use std::path::PathBuf;

use super::PythonFrontend;
use crate::frontend::{Frontend, Lowered};
use crate::source::SourceFile;

fn lower(path: &str, text: &str) -> Lowered {
    let frontend = PythonFrontend::new(vec![PathBuf::from("src")]);
    frontend.lower(&SourceFile::new(PathBuf::from(path), text.to_string()))
}

#[test]
fn module_path_from_file() {
    let lowered = lower("src/nyx/llm.py", "x = 1\n");
    assert_eq!(lowered.modules[0].path, ["nyx", "llm"]);
}
