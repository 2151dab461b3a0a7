//! The Rust frontend: parses files with `syn` and lowers them into the shared model.

mod body;
pub mod crates;
mod items;
mod lower;
mod macros;
mod scope;

use std::path::Path;

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
            Ok(syntax) => Lowered {
                modules: lower_file(file, &syntax),
                errors: Vec::new(),
            },
            Err(error) => Lowered {
                modules: Vec::new(),
                errors: vec![error],
            },
        }
    }
}

fn parse(file: &SourceFile) -> Result<syn::File, ParseFailure> {
    let depth = nesting_depth(file.text.as_bytes());
    if depth > MAX_NESTING {
        return Err(ParseFailure {
            message: format!(
                "brackets nest {depth} levels deep, more than the limit of {MAX_NESTING}"
            ),
            span: None,
        });
    }
    syn::parse_file(&file.text).map_err(|e| {
        let start = e.span().start();
        let at = file.offset_of(start.line, start.column);
        ParseFailure {
            message: e.to_string(),
            span: Some(file.span(at..at)),
        }
    })
}

/// Returns the deepest nesting of `()`, `[]` and `{}` outside comments,
/// strings and character literals, in one pass over the bytes.
fn nesting_depth(text: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'/' if text.get(i + 1) == Some(&b'/') => {
                i = memchr_from(text, b'\n', i);
                continue;
            }
            b'/' if text.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(text, i + 2);
                continue;
            }
            b'"' => {
                i = skip_string(text, i + 1);
                continue;
            }
            b'r' if matches!(text.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !is_ident_byte(text[i - 1])) =>
            {
                i = skip_raw_string(text, i + 1);
                continue;
            }
            b'\'' => {
                i = skip_char_literal(text, i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    deepest
}

fn is_ident_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn memchr_from(text: &[u8], needle: u8, from: usize) -> usize {
    if from >= text.len() {
        return text.len();
    }
    text[from..]
        .iter()
        .position(|&b| b == needle)
        .map_or(text.len(), |p| from + p)
}

fn skip_block_comment(text: &[u8], mut i: usize) -> usize {
    let mut open = 1;
    while i < text.len() && open > 0 {
        if text[i] == b'/' && text.get(i + 1) == Some(&b'*') {
            open += 1;
            i += 2;
        } else if text[i] == b'*' && text.get(i + 1) == Some(&b'/') {
            open -= 1;
            i += 2;
        } else {
            i += 1;
        }
    }
    i
}

fn skip_string(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// Skips `r"..."` or `r#"..."#` starting after the `r`; a raw identifier (`r#type`) is skipped as is.
fn skip_raw_string(text: &[u8], mut i: usize) -> usize {
    let hashes = text[i..].iter().take_while(|&&b| b == b'#').count();
    i += hashes;
    if text.get(i) != Some(&b'"') {
        return i;
    }
    i += 1;
    while i < text.len() {
        if text[i] == b'"'
            && text[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    i
}

/// Skips a character literal (`'x'`, `'\n'`, `'\u{1F600}'`) or a lifetime (`'a`).
fn skip_char_literal(text: &[u8], i: usize) -> usize {
    match text.get(i) {
        Some(b'\\') => memchr_from(text, b'\'', i + 2) + 1,
        Some(_) => {
            let width = std::str::from_utf8(&text[i..(i + 4).min(text.len())])
                .map_or(1, |s| s.chars().next().map_or(1, char::len_utf8));
            if text.get(i + width) == Some(&b'\'') {
                i + width + 1
            } else {
                i
            }
        }
        None => i,
    }
}

fn lower_file(file: &SourceFile, syntax: &syn::File) -> Vec<Module> {
    let root = Module::new(Language::Rust, file.path.clone());
    let mut lowerer = Lowerer::new(file, root);
    lowerer.collect_module(&syntax.items, 0);
    lowerer.lower_module(&syntax.items, 0);
    lowerer.modules
}
