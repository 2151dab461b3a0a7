//! The interface between the pipeline and a language's parser.

use std::path::Path;

use crate::model::{Language, Module, Span};
use crate::source::SourceFile;

/// A file that could not be parsed, or parsed only with recovery.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParseFailure {
    pub message: String,
    pub span: Option<Span>,
}

/// The result of lowering one file: its modules, and the syntax errors the parser met.
/// A file with errors is never reported as clean, even when the parser
/// recovered enough to produce modules.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Lowered {
    pub modules: Vec<Module>,
    pub errors: Vec<ParseFailure>,
}

/// A language frontend: parses a file and lowers it into the shared model.
pub trait Frontend: Send + Sync {
    fn language(&self) -> Language;

    /// Returns whether this frontend reads the file, judged by its name.
    fn handles(&self, path: &Path) -> bool;

    /// Parses and lowers one file.
    fn lower(&self, file: &SourceFile) -> Lowered;
}
