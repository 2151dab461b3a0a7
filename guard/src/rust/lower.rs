//! Lowering of a parsed Rust file into [`Module`]s: the Lowerer's state, spans,
//! and the resolution of paths and types through the scopes of the file.

use std::collections::HashMap;

use proc_macro2::LineColumn;
use syn::ext::IdentExt;

use super::scope::{lookup, BlockScope, Local, Lookup, ModuleScope};
use crate::model::{Callee, Candidates, Module, PathBase, RawPath, Span, TypeExpr};
use crate::source::SourceFile;

/// Wrapper types that type inference unwraps: a method called on `Arc<T>` is a method of `T`.
/// Map types whose values type inference unwraps: `map["k"].method()` is a method of `V`.
const MAPS: &[&str] = &["HashMap", "BTreeMap", "IndexMap", "DashMap"];

/// Lock types: a method called on `Mutex<T>` is the lock's, and `lock()` gives `T`.
const LOCKS: &[&str] = &["Mutex", "RwLock", "RefCell", "ReentrantMutex", "FairMutex"];

const WRAPPERS: &[&str] = &[
    "Arc",
    "Rc",
    "Box",
    "Option",
    "Result",
    "Cell",
    "Pin",
    "Cow",
    "MutexGuard",
    "RwLockReadGuard",
    "RwLockWriteGuard",
    "Weak",
    "OnceCell",
    "OnceLock",
    "LazyLock",
    "Vec",
    "VecDeque",
    "HashSet",
    "BTreeSet",
    "IntoIter",
];

/// The state of lowering one file.
pub struct Lowerer<'a> {
    pub file: &'a SourceFile,
    /// The file's module first, then its inline modules.
    pub modules: Vec<Module>,
    pub scopes: Vec<ModuleScope>,
    /// Inline module index by the position of its name, for the second pass.
    pub inline_index: HashMap<LineColumn, usize>,
    pub current_module: usize,
    /// Block scopes of the function being lowered, outermost first.
    pub blocks: Vec<BlockScope>,
    pub current_function: Option<usize>,
    /// The local path of the function being lowered, for nested items.
    pub function_path: Vec<String>,
    pub self_type: Option<Candidates>,
    /// Trait bounds of generic parameters in scope, innermost last.
    pub generics: Vec<HashMap<String, Vec<Candidates>>>,
    pub in_test: bool,
    /// The call site whose arguments are being lowered.
    pub argument_of: Option<usize>,
    /// Statics and constants whose types are converted once the module's imports are known.
    pub pending_variables: Vec<(usize, String, syn::Type)>,
    /// Type aliases, converted like `pending_variables`.
    pub pending_aliases: Vec<(usize, String, syn::Type)>,
    /// Whether a closure or async block lies between the current point and the
    /// call `argument_of` names.
    pub deferred: bool,
    /// The site of the call expression lowered last, so `.await` can mark it joined.
    pub last_call: Option<usize>,
    /// Local variables of the current function bound to a call's result: `(name, site)`.
    pub handles: Vec<(String, usize)>,
    /// The type of the next closure's first parameter, set by an iterator or
    /// `Option` combinator whose element type is known.
    pub closure_parameter: Option<TypeExpr>,
    /// Local variables bound to a closure or async block, with the call sites inside it.
    pub deferred_values: Vec<(String, std::ops::Range<usize>)>,
}

impl<'a> Lowerer<'a> {
    pub fn new(file: &'a SourceFile, root: Module) -> Self {
        Lowerer {
            file,
            modules: vec![root],
            scopes: vec![ModuleScope::default()],
            inline_index: HashMap::new(),
            current_module: 0,
            blocks: Vec::new(),
            current_function: None,
            function_path: Vec::new(),
            self_type: None,
            generics: Vec::new(),
            in_test: false,
            argument_of: None,
            pending_variables: Vec::new(),
            pending_aliases: Vec::new(),
            deferred: false,
            last_call: None,
            handles: Vec::new(),
            deferred_values: Vec::new(),
            closure_parameter: None,
        }
    }

    pub fn span_of(&self, span: proc_macro2::Span) -> Span {
        let start = span.start();
        let end = span.end();
        let start_byte = self.file.offset_of(start.line, start.column);
        let end_byte = self.file.offset_of(end.line, end.column).max(start_byte);
        Span {
            bytes: start_byte..end_byte,
            line: start.line,
            column: start.column + 1,
        }
    }

    /// Resolves a path written in the current scope.
    pub fn resolve(&self, path: &syn::Path) -> Lookup {
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|s| s.ident.unraw().to_string())
            .collect();
        self.resolve_segments(
            &segments,
            path.leading_colon.is_some(),
            self.current_module,
            &self.blocks,
        )
    }

    /// Resolves a path written at the top level of a module.
    pub fn resolve_in_module(&self, path: &syn::Path, module: usize) -> Candidates {
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|s| s.ident.unraw().to_string())
            .collect();
        match self.resolve_segments(&segments, path.leading_colon.is_some(), module, &[]) {
            Lookup::Items(candidates) => candidates,
            Lookup::Variable(_) => Vec::new(),
        }
    }

    fn resolve_segments(
        &self,
        segments: &[String],
        leading_colon: bool,
        module: usize,
        blocks: &[BlockScope],
    ) -> Lookup {
        if segments.is_empty() {
            return Lookup::Items(Vec::new());
        }
        if leading_colon {
            return Lookup::Items(vec![RawPath::absolute(segments.iter().cloned())]);
        }
        match segments[0].as_str() {
            "crate" => {
                return Lookup::Items(vec![RawPath::new(
                    PathBase::CrateRoot,
                    segments[1..].to_vec(),
                )]);
            }
            "self" | "super" if segments.len() > 1 || segments[0] == "super" => {
                let skip = usize::from(segments[0] == "self");
                let up = segments[skip..]
                    .iter()
                    .take_while(|s| *s == "super")
                    .count();
                return Lookup::Items(vec![RawPath::new(
                    PathBase::Module { up },
                    segments[skip + up..].to_vec(),
                )]);
            }
            "Self" => {
                let Some(self_type) = &self.self_type else {
                    return Lookup::Items(Vec::new());
                };
                return Lookup::Items(
                    self_type
                        .iter()
                        .map(|p| p.join(segments[1..].iter().cloned()))
                        .collect(),
                );
            }
            _ => {}
        }
        lookup(blocks, &self.scopes[module], segments)
    }

    /// Returns the trait bounds of a generic parameter in scope.
    pub fn generic_bounds(&self, name: &str) -> Option<&Vec<Candidates>> {
        self.generics.iter().rev().find_map(|g| g.get(name))
    }

    /// Converts a type written in the current scope.
    pub fn type_expr(&self, ty: &syn::Type) -> Option<TypeExpr> {
        self.convert_type(ty, self.current_module, &self.blocks)
    }

    /// Converts a type written at the top level of a module.
    pub fn type_in_module(&self, ty: &syn::Type, module: usize) -> Option<TypeExpr> {
        self.convert_type(ty, module, &[])
    }

    fn convert_type(
        &self,
        ty: &syn::Type,
        module: usize,
        blocks: &[BlockScope],
    ) -> Option<TypeExpr> {
        match ty {
            syn::Type::Reference(r) => self.convert_type(&r.elem, module, blocks),
            syn::Type::Paren(p) => self.convert_type(&p.elem, module, blocks),
            syn::Type::Group(g) => self.convert_type(&g.elem, module, blocks),
            syn::Type::Ptr(p) => self.convert_type(&p.elem, module, blocks),
            syn::Type::Slice(slice) => self.convert_type(&slice.elem, module, blocks),
            syn::Type::Array(array) => self.convert_type(&array.elem, module, blocks),
            syn::Type::TraitObject(t) => Some(TypeExpr::Bounded(self.bounds(
                t.bounds.iter(),
                module,
                blocks,
            ))),
            syn::Type::ImplTrait(t) => Some(TypeExpr::Bounded(self.bounds(
                t.bounds.iter(),
                module,
                blocks,
            ))),
            syn::Type::Path(p) if p.qself.is_none() => {
                self.convert_path_type(&p.path, module, blocks)
            }
            _ => None,
        }
    }

    fn convert_path_type(
        &self,
        path: &syn::Path,
        module: usize,
        blocks: &[BlockScope],
    ) -> Option<TypeExpr> {
        let last = path.segments.last()?;
        let name = last.ident.unraw().to_string();

        if LOCKS.contains(&name.as_str()) {
            let inner = first_type_argument(last)
                .and_then(|inner| self.convert_type(inner, module, blocks));
            let segments: Vec<String> = path
                .segments
                .iter()
                .map(|s| s.ident.unraw().to_string())
                .collect();
            let lock = match self.resolve_segments(
                &segments,
                path.leading_colon.is_some(),
                module,
                blocks,
            ) {
                Lookup::Items(candidates) => candidates,
                Lookup::Variable(_) => Vec::new(),
            };
            if let Some(inner) = inner {
                return Some(TypeExpr::Guarded {
                    lock,
                    inner: Box::new(inner),
                });
            }
            return (!lock.is_empty()).then_some(TypeExpr::Named(lock));
        }
        if MAPS.contains(&name.as_str()) {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                let value = args.args.iter().filter_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                });
                if let Some(value) = value.last() {
                    return self.convert_type(value, module, blocks);
                }
            }
        }
        if WRAPPERS.contains(&name.as_str()) {
            if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                let inner = args.args.iter().find_map(|a| match a {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                });
                if let Some(inner) = inner {
                    return self.convert_type(inner, module, blocks);
                }
            }
        }
        if path.segments.len() == 1 {
            if let Some(bounds) = self.generic_bounds(&name) {
                return Some(TypeExpr::Bounded(bounds.clone()));
            }
        }

        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|s| s.ident.unraw().to_string())
            .collect();
        match self.resolve_segments(&segments, path.leading_colon.is_some(), module, blocks) {
            Lookup::Items(candidates) if !candidates.is_empty() => {
                Some(TypeExpr::Named(candidates))
            }
            _ => None,
        }
    }

    /// Converts trait bounds into the paths of the traits.
    pub fn bounds<'b>(
        &self,
        bounds: impl Iterator<Item = &'b syn::TypeParamBound>,
        module: usize,
        blocks: &[BlockScope],
    ) -> Vec<Candidates> {
        bounds
            .filter_map(|bound| match bound {
                syn::TypeParamBound::Trait(t) => {
                    let segments: Vec<String> = t
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.unraw().to_string())
                        .collect();
                    match self.resolve_segments(
                        &segments,
                        t.path.leading_colon.is_some(),
                        module,
                        blocks,
                    ) {
                        Lookup::Items(c) if !c.is_empty() => Some(c),
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect()
    }

    /// Records the trait bounds of generic parameters and `where` clauses.
    pub fn push_generics(&mut self, generics: &syn::Generics) {
        let mut bounds: HashMap<String, Vec<Candidates>> = HashMap::new();
        for param in generics.type_params() {
            let found = self.bounds(param.bounds.iter(), self.current_module, &self.blocks);
            bounds
                .entry(param.ident.unraw().to_string())
                .or_default()
                .extend(found);
        }
        if let Some(where_clause) = &generics.where_clause {
            for predicate in &where_clause.predicates {
                let syn::WherePredicate::Type(predicate) = predicate else {
                    continue;
                };
                let syn::Type::Path(p) = &predicate.bounded_ty else {
                    continue;
                };
                let Some(ident) = p.path.get_ident() else {
                    continue;
                };
                let found = self.bounds(predicate.bounds.iter(), self.current_module, &self.blocks);
                bounds
                    .entry(ident.unraw().to_string())
                    .or_default()
                    .extend(found);
            }
        }
        self.generics.push(bounds);
    }

    /// Binds a name in the innermost block.
    pub fn bind(&mut self, name: String, local: Local) {
        if let Some(block) = self.blocks.last_mut() {
            block.names.insert(name, local);
        }
    }

    /// Returns the type of an expression, where the scopes tell it.
    pub fn expr_type(&self, expr: &syn::Expr) -> Option<TypeExpr> {
        use syn::Expr;
        match expr {
            Expr::Path(p) if p.qself.is_none() => {
                if p.path.is_ident("self") {
                    return self.self_type.clone().map(TypeExpr::Named);
                }
                match self.resolve(&p.path) {
                    Lookup::Variable(ty) => ty,
                    Lookup::Items(candidates) if !candidates.is_empty() => {
                        Some(TypeExpr::Variable(candidates))
                    }
                    Lookup::Items(_) => None,
                }
            }
            Expr::Field(f) => {
                let base = self.expr_type(&f.base)?;
                let member = match &f.member {
                    syn::Member::Named(ident) => ident.unraw().to_string(),
                    syn::Member::Unnamed(index) => index.index.to_string(),
                };
                Some(TypeExpr::Field(Box::new(base), member))
            }
            Expr::Call(call) => {
                let Expr::Path(p) = &*call.func else {
                    return None;
                };
                // `Arc::new(x)`, `Arc::clone(&x)`, `Box::new(x)`: a wrapper around the argument's type.
                let segments: Vec<String> = p
                    .path
                    .segments
                    .iter()
                    .map(|s| s.ident.unraw().to_string())
                    .collect();
                if let [.., wrapper, constructor] = segments.as_slice() {
                    let wraps = WRAPPERS.contains(&wrapper.as_str());
                    if wraps && matches!(constructor.as_str(), "new" | "clone" | "from" | "pin") {
                        return call.args.first().and_then(|arg| self.expr_type(arg));
                    }
                }
                let Lookup::Items(candidates) = self.resolve(&p.path) else {
                    return None;
                };
                Some(TypeExpr::Returned(Box::new(Callee::Path(candidates))))
            }
            Expr::Struct(s) => match self.resolve(&s.path) {
                Lookup::Items(candidates) if !candidates.is_empty() => {
                    Some(TypeExpr::Named(candidates))
                }
                _ => None,
            },
            Expr::MethodCall(call) => {
                let receiver = self.expr_type(&call.receiver)?;
                let method = call.method.unraw().to_string();
                if is_lock_method(&method) {
                    return Some(TypeExpr::Unwrapped(Box::new(receiver)));
                }
                if is_identity_method(&method) {
                    return Some(receiver);
                }
                Some(TypeExpr::Returned(Box::new(Callee::Method {
                    receiver,
                    segments: vec![method],
                })))
            }
            Expr::Reference(r) => self.expr_type(&r.expr),
            Expr::Index(index) => self.expr_type(&index.expr),
            Expr::Paren(p) => self.expr_type(&p.expr),
            Expr::Group(g) => self.expr_type(&g.expr),
            Expr::Try(t) => self.expr_type(&t.expr),
            Expr::Await(a) => self.expr_type(&a.base),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.expr_type(&u.expr),
            Expr::Cast(c) => self.type_expr(&c.ty),
            _ => None,
        }
    }
}

/// Methods that return their receiver, or a wrapper type inference unwraps.
fn is_identity_method(name: &str) -> bool {
    matches!(
        name,
        "clone"
            | "unwrap"
            | "expect"
            | "as_ref"
            | "as_mut"
            | "to_owned"
            | "iter"
            | "iter_mut"
            | "into_iter"
            | "values"
            | "values_mut"
            | "first"
            | "last"
            | "unwrap_or"
            | "unwrap_or_else"
            | "as_deref"
            | "unwrap_or_default"
            | "get_or_init"
            | "deref"
            | "into_inner"
    )
}

/// Methods that lock or borrow a lock type and give access to its inner value.
fn is_lock_method(name: &str) -> bool {
    matches!(
        name,
        "lock"
            | "read"
            | "write"
            | "try_lock"
            | "try_read"
            | "try_write"
            | "borrow"
            | "borrow_mut"
            | "get_mut"
            | "blocking_lock"
            | "blocking_read"
            | "blocking_write"
    )
}

/// Returns the first type argument of a path segment: `T` in `Mutex<T>`.
fn first_type_argument(segment: &syn::PathSegment) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

/// Returns whether a method belongs to `Option`, `Result` or an iterator
/// adaptor rather than to the value inside: `file.unwrap()` is not a method of `File`.
pub fn is_adaptor_method(name: &str) -> bool {
    matches!(
        name,
        "unwrap"
            | "expect"
            | "unwrap_or"
            | "unwrap_or_else"
            | "unwrap_or_default"
            | "ok"
            | "err"
            | "is_ok"
            | "is_err"
            | "is_some"
            | "is_none"
            | "map_err"
            | "as_deref"
            | "iter"
            | "iter_mut"
            | "into_iter"
    )
}
