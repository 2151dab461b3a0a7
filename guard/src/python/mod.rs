//! The Python frontend: parses files with tree-sitter and lowers them into the
//! shared model, resolving what one file can tell (scopes, imports, `self`, `super`).

mod calls;
mod defs;
mod eval;
mod imports;
mod lower;
pub(crate) mod paths;
mod scope;
mod statements;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use tree_sitter::{Node, Parser, Tree};

use crate::frontend::{Frontend, Lowered, ParseFailure};
use crate::model::{Language, Module};
use crate::source::SourceFile;
use lower::Lowerer;

/// The deepest nesting of statements and expressions the frontend descends
/// into. Deeper code is reported as an error instead of risking a stack overflow.
pub const MAX_NESTING: usize = 200;

/// How many syntax errors of one file are reported one by one.
const MAX_SYNTAX_ERRORS: usize = 10;

/// The Python frontend, with the source roots that module paths are relative to.
pub struct PythonFrontend {
    source_roots: Vec<PathBuf>,
}

impl PythonFrontend {
    /// Creates the frontend. Source roots are relative to the analysis root;
    /// the analysis root itself is always one.
    pub fn new(source_roots: Vec<PathBuf>) -> Self {
        let mut roots: Vec<PathBuf> = source_roots
            .into_iter()
            .map(|r| paths::normalize(&r))
            .collect();
        roots.push(PathBuf::new());
        roots.sort();
        roots.dedup();
        PythonFrontend {
            source_roots: roots,
        }
    }
}

impl Frontend for PythonFrontend {
    fn language(&self) -> Language {
        Language::Python
    }

    fn handles(&self, path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "py")
    }

    fn lower(&self, file: &SourceFile) -> Lowered {
        let tree = match PARSER.with_borrow_mut(|parser| parse(parser, &file.text)) {
            Ok(tree) => tree,
            Err(message) => return failure(message),
        };

        let (path, is_package) = paths::module_path(&file.path, &self.source_roots);
        let mut module = Module::new(Language::Python, file.path.clone());
        module.path = path;

        let root = tree.root_node();
        let mut errors = syntax_errors(file, root);
        let mut lowerer = Lowerer::new(file, module, is_package);
        lowerer.lower_module(root);
        errors.append(&mut lowerer.errors);
        Lowered {
            modules: vec![lowerer.module],
            errors,
        }
    }
}

thread_local! {
    /// One parser per thread, reused for every file the thread lowers.
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

fn parse(parser: &mut Option<Parser>, text: &str) -> Result<Tree, String> {
    if parser.is_none() {
        let mut new_parser = Parser::new();
        new_parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .map_err(|error| format!("cannot load the Python grammar: {error}"))?;
        *parser = Some(new_parser);
    }
    let parser = parser.as_mut().expect("the parser was just created");
    parser
        .parse(text, None)
        .ok_or_else(|| "the Python parser returned no syntax tree".to_string())
}

fn failure(message: String) -> Lowered {
    Lowered {
        modules: Vec::new(),
        errors: vec![ParseFailure {
            message,
            span: None,
        }],
    }
}

/// Collects a failure for each ERROR and MISSING node, outermost first,
/// without descending into an ERROR node.
fn syntax_errors(file: &SourceFile, root: Node<'_>) -> Vec<ParseFailure> {
    let mut errors = Vec::new();
    if !root.has_error() {
        return errors;
    }

    let mut count = 0;
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        if node.is_error() || node.is_missing() {
            count += 1;
            if count <= MAX_SYNTAX_ERRORS {
                errors.push(ParseFailure {
                    message: syntax_message(file, node),
                    span: Some(file.span(node.byte_range())),
                });
            }
            continue;
        }
        if !node.has_error() {
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<Node<'_>> = node.children(&mut cursor).collect();
        pending.extend(children.into_iter().rev());
    }
    if count > MAX_SYNTAX_ERRORS {
        let message = format!(
            "{} more syntax errors in this file",
            count - MAX_SYNTAX_ERRORS
        );
        errors.push(ParseFailure {
            message,
            span: None,
        });
    }
    errors
}

fn syntax_message(file: &SourceFile, node: Node<'_>) -> String {
    if node.is_missing() {
        return format!("invalid syntax: missing `{}`", node.kind());
    }
    let text = file.text.get(node.byte_range()).unwrap_or_default();
    let first_line = text.lines().next().unwrap_or_default().trim();
    let excerpt: String = first_line.chars().take(40).collect();
    if excerpt.is_empty() {
        "invalid syntax".to_string()
    } else {
        format!("invalid syntax at `{excerpt}`")
    }
}
