//! The Rust frontend: parses files with `syn` and lowers them into the shared model.

mod body;
pub mod crates;
mod items;
mod lower;
mod macros;
mod scope;

use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};

use crate::frontend::{Frontend, Lowered, ParseFailure};
use crate::model::{Language, Module};
use crate::source::SourceFile;
use lower::Lowerer;

/// The deepest nesting of brackets the frontend accepts. Deeper input is
/// rejected with an error instead of risking a stack overflow in the parser.
pub const MAX_NESTING: usize = 256;

pub struct RustFrontend;

impl Frontend for RustFrontend {
    fn language(&self) -> Language {
        Language::Rust
    }

    fn handles(&self, path: &Path) -> bool {
        path.extension().is_some_and(|e| e == "rs")
    }

    fn lower(&self, file: &SourceFile) -> Lowered {
        match parse(file) {
            Ok(syntax) => Lowered { modules: lower_file(file, &syntax), errors: Vec::new() },
            Err(error) => Lowered { modules: Vec::new(), errors: vec![error] },
        }
    }
}

fn parse(file: &SourceFile) -> Result<syn::File, ParseFailure> {
    let mut text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    if text.starts_with("#!") && !text.starts_with("#![") {
        text = text.find('\n').map_or("", |i| &text[i..]);
    }
    let offset = file.text.len() - text.len();

    let tokens: TokenStream = text.parse().map_err(|e: proc_macro2::LexError| {
        let start = e.span().start();
        let span = file.span(file.offset_of(start.line, start.column)..file.offset_of(start.line, start.column));
        ParseFailure { message: format!("cannot tokenize: {e}"), span: Some(span) }
    })?;
    let depth = nesting_depth(&tokens);
    if depth > MAX_NESTING {
        return Err(ParseFailure {
            message: format!("brackets nest {depth} levels deep, more than the limit of {MAX_NESTING}"),
            span: None,
        });
    }

    syn::parse2::<syn::File>(tokens).map_err(|e| {
        let start = e.span().start();
        let at = file.offset_of(start.line, start.column) + if start.line == 1 { offset } else { 0 };
        ParseFailure { message: e.to_string(), span: Some(file.span(at..at)) }
    })
}

/// Returns the deepest nesting of groups, without recursion.
fn nesting_depth(tokens: &TokenStream) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(tokens.clone().into_iter(), 0usize)];
    while let Some((mut trees, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if let Some(tree) = trees.next() {
            stack.push((trees, depth));
            if let TokenTree::Group(group) = tree {
                stack.push((group.stream().into_iter(), depth + 1));
            }
        }
    }
    deepest
}

fn lower_file(file: &SourceFile, syntax: &syn::File) -> Vec<Module> {
    let root = Module::new(Language::Rust, file.path.clone());
    let mut lowerer = Lowerer::new(file, root);
    lowerer.collect_module(&syntax.items, 0);
    lowerer.lower_module(&syntax.items, 0);
    lowerer.modules
}
