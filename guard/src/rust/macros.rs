//! Expressions inside macro invocations. A macro's input is a token stream, not
//! syntax, so the guard reads the parts that parse as expressions: the
//! arguments of `println!`, `format!`, `vec!`, `assert!`, `tokio::join!` and
//! the futures and handlers of `tokio::select!`. A crate's own `macro_rules!`
//! bodies are not expanded: calls written inside a macro definition are not
//! seen, while calls passed as arguments to any macro are.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

/// Returns the expressions a macro's tokens contain.
pub fn macro_expressions(tokens: TokenStream) -> Vec<Expr> {
    let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
    if let Ok(list) = parser.parse2(tokens.clone()) {
        return list.into_iter().collect();
    }
    if let Ok(block) = syn::parse2::<syn::Block>(braced(tokens.clone())) {
        return vec![Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block,
        })];
    }
    split_top_level(tokens)
        .into_iter()
        .filter_map(|chunk| syn::parse2::<Expr>(strip_sigil(chunk)).ok())
        .collect()
}

fn braced(tokens: TokenStream) -> TokenStream {
    TokenTree::Group(proc_macro2::Group::new(Delimiter::Brace, tokens)).into()
}

/// Splits tokens at top-level `,`, `;`, `=>` and a lone `=`, the separators of
/// `select!`-like and key-value macro inputs.
fn split_top_level(tokens: TokenStream) -> Vec<TokenStream> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut trees = tokens.into_iter().peekable();

    while let Some(tree) = trees.next() {
        if let TokenTree::Punct(punct) = &tree {
            let separator = match punct.as_char() {
                ',' | ';' => true,
                '=' if punct.spacing() == Spacing::Joint => {
                    if matches!(trees.peek(), Some(TokenTree::Punct(next)) if next.as_char() == '>')
                    {
                        trees.next();
                        true
                    } else {
                        false
                    }
                }
                '=' => {
                    !matches!(current.last(), Some(TokenTree::Punct(p)) if matches!(p.as_char(), '=' | '!' | '<' | '>') && p.spacing() == Spacing::Joint)
                }
                _ => false,
            };
            if separator {
                chunks.push(current.drain(..).collect());
                continue;
            }
        }
        current.push(tree);
    }
    chunks.push(current.into_iter().collect());
    chunks
}

/// Drops a leading `%` or `?`, the display and debug sigils of `tracing`
/// fields (`info!(answer = %compute(x))`), so the value parses as an expression.
fn strip_sigil(chunk: TokenStream) -> TokenStream {
    let mut trees = chunk.clone().into_iter();
    match trees.next() {
        Some(TokenTree::Punct(punct)) if matches!(punct.as_char(), '%' | '?') => trees.collect(),
        _ => chunk,
    }
}
