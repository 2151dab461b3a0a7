//! The second pass over a Rust file: functions, methods and every call site
//! and function reference inside their bodies.

use syn::ext::IdentExt;
use syn::visit::Visit;
use syn::{Expr, ImplItem, Item, Pat, Stmt, TraitItem};

use super::items::{flatten_use, has_cfg_test, has_test_attribute, use_path};
use super::lower::{is_adaptor_method, Lowerer};
use super::macros::macro_expressions;
use super::scope::{BlockScope, Local, Lookup};
use crate::model::{CallSite, Callee, Candidates, Function, Import, RawPath, TypeExpr, UseKind};

/// Attribute names as paths without arguments (`hot_path`, `tracing::instrument`).
fn attribute_names(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .map(|a| {
            a.path()
                .segments
                .iter()
                .map(|s| s.ident.unraw().to_string())
                .collect::<Vec<_>>()
                .join("::")
        })
        .collect()
}

/// A function signature and body, from a free function, a method or a trait's default method.
struct FunctionSource<'s> {
    attrs: &'s [syn::Attribute],
    sig: &'s syn::Signature,
    block: &'s syn::Block,
    owner: Option<TypeExpr>,
    trait_path: Option<Candidates>,
}

impl<'a> Lowerer<'a> {
    /// Lowers the bodies of one module's items.
    pub fn lower_module(&mut self, items: &[Item], module: usize) {
        let saved_module = std::mem::replace(&mut self.current_module, module);
        let saved_test = self.in_test;
        self.in_test = self.in_test || self.modules[module].in_test;

        for item in items {
            self.lower_item(item);
        }

        self.in_test = saved_test;
        self.current_module = saved_module;
    }

    fn lower_item(&mut self, item: &Item) {
        match item {
            Item::Fn(f) => self.lower_function(FunctionSource {
                attrs: &f.attrs,
                sig: &f.sig,
                block: &f.block,
                owner: None,
                trait_path: None,
            }),
            Item::Impl(item_impl) => self.lower_impl(item_impl),
            Item::Trait(item_trait) => self.lower_trait(item_trait),
            Item::Mod(item_mod) => {
                if let (Some((_, items)), Some(&index)) = (
                    &item_mod.content,
                    self.inline_index.get(&item_mod.ident.span().start()),
                ) {
                    self.lower_module(items, index);
                }
            }
            Item::Const(c) => self.visit_expr(&c.expr),
            Item::Static(s) => self.visit_expr(&s.expr),
            Item::Macro(m) => self.visit_macro(&m.mac),
            _ => {}
        }
    }

    fn lower_impl(&mut self, item_impl: &syn::ItemImpl) {
        self.push_generics(&item_impl.generics);
        let self_type = match self.type_expr(&item_impl.self_ty) {
            Some(TypeExpr::Named(candidates)) => Some(candidates),
            _ => None,
        };
        let trait_path =
            item_impl
                .trait_
                .as_ref()
                .and_then(|(_, path, _)| match self.resolve(path) {
                    Lookup::Items(candidates) => Some(candidates),
                    Lookup::Variable(_) => None,
                });
        let saved_self = std::mem::replace(&mut self.self_type, self_type.clone());
        let saved_test = self.in_test;
        self.in_test = self.in_test || has_cfg_test(&item_impl.attrs);

        for impl_item in &item_impl.items {
            if let ImplItem::Fn(method) = impl_item {
                self.lower_function(FunctionSource {
                    attrs: &method.attrs,
                    sig: &method.sig,
                    block: &method.block,
                    // A blanket impl's methods belong to the trait, like default methods.
                    owner: self_type
                        .clone()
                        .or_else(|| trait_path.clone())
                        .map(TypeExpr::Named),
                    trait_path: trait_path.clone(),
                });
            }
        }

        self.in_test = saved_test;
        self.self_type = saved_self;
        self.generics.pop();
    }

    fn lower_trait(&mut self, item_trait: &syn::ItemTrait) {
        self.push_generics(&item_trait.generics);
        let trait_path = vec![RawPath::in_module([item_trait.ident.unraw().to_string()])];
        let saved_self = self.self_type.replace(trait_path.clone());

        for trait_item in &item_trait.items {
            if let TraitItem::Fn(method) = trait_item {
                if let Some(block) = &method.default {
                    self.lower_function(FunctionSource {
                        attrs: &method.attrs,
                        sig: &method.sig,
                        block,
                        owner: Some(TypeExpr::Named(trait_path.clone())),
                        trait_path: Some(trait_path.clone()),
                    });
                }
            }
        }

        self.self_type = saved_self;
        self.generics.pop();
    }

    fn lower_function(&mut self, source: FunctionSource<'_>) {
        let name = source.sig.ident.unraw().to_string();
        let mut local_path = self.function_path.clone();
        if let (Some(TypeExpr::Named(owner)), true) = (&source.owner, self.function_path.is_empty())
        {
            if let Some(type_name) = owner.first().and_then(|p| p.segments.last()) {
                local_path.push(type_name.clone());
            }
        }
        local_path.push(name.clone());

        self.push_generics(&source.sig.generics);
        let returns = match &source.sig.output {
            syn::ReturnType::Type(_, ty) => self.type_expr(ty),
            syn::ReturnType::Default => None,
        };
        let in_test =
            self.in_test || has_test_attribute(source.attrs) || has_cfg_test(source.attrs);
        let function = Function {
            name,
            local_path: local_path.clone(),
            owner: source.owner,
            trait_path: source.trait_path,
            attributes: attribute_names(source.attrs),
            returns,
            parent: self.current_function,
            in_test,
            span: self.span_of(source.sig.ident.span()),
        };
        let module = &mut self.modules[self.current_module];
        module.functions.push(function);
        let index = module.functions.len() - 1;

        let saved_function = self.current_function.replace(index);
        let saved_path = std::mem::replace(&mut self.function_path, local_path);
        let saved_test = std::mem::replace(&mut self.in_test, in_test);
        let saved_argument = self.argument_of.take();
        let saved_deferred = std::mem::replace(&mut self.deferred, false);
        let saved_handles = std::mem::take(&mut self.handles);
        let saved_values = std::mem::take(&mut self.deferred_values);
        self.blocks.push(BlockScope::default());

        for input in &source.sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                let ty = self.type_expr(&typed.ty);
                self.bind_pattern(&typed.pat, ty);
            }
        }
        self.visit_block(source.block);

        self.blocks.pop();
        self.handles = saved_handles;
        self.deferred_values = saved_values;
        self.deferred = saved_deferred;
        self.argument_of = saved_argument;
        self.in_test = saved_test;
        self.function_path = saved_path;
        self.current_function = saved_function;
        self.generics.pop();
    }

    /// Binds the names a pattern introduces; a plain identifier gets the type, if known.
    fn bind_pattern(&mut self, pat: &Pat, ty: Option<TypeExpr>) {
        match pat {
            Pat::Ident(ident) => {
                self.bind(ident.ident.unraw().to_string(), Local::Value(ty));
                if let Some((_, sub)) = &ident.subpat {
                    self.bind_pattern(sub, None);
                }
            }
            Pat::Type(typed) => {
                let ty = self.type_expr(&typed.ty);
                self.bind_pattern(&typed.pat, ty);
            }
            Pat::Reference(r) => self.bind_pattern(&r.pat, ty),
            Pat::Paren(p) => self.bind_pattern(&p.pat, ty),
            Pat::Tuple(t) => t.elems.iter().for_each(|p| self.bind_pattern(p, None)),
            Pat::TupleStruct(t) if t.elems.len() == 1 => {
                // `Some(x)`, `Ok(x)`: the value inside has the wrapped type, which inference unwraps.
                let inner = t.elems.first().expect("one element");
                self.bind_pattern(inner, ty);
            }
            Pat::TupleStruct(t) => t.elems.iter().for_each(|p| self.bind_pattern(p, None)),
            Pat::Struct(s) => s
                .fields
                .iter()
                .for_each(|f| self.bind_pattern(&f.pat, None)),
            Pat::Slice(s) => s.elems.iter().for_each(|p| self.bind_pattern(p, None)),
            Pat::Or(o) => o.cases.iter().for_each(|p| self.bind_pattern(p, None)),
            _ => {}
        }
    }

    /// Binds the items and `use` declarations of a block before its statements run.
    fn bind_block_items(&mut self, stmts: &[Stmt]) {
        for stmt in stmts {
            let Stmt::Item(item) = stmt else { continue };
            match item {
                Item::Fn(f) => {
                    let mut path = self.function_path.clone();
                    path.push(f.sig.ident.unraw().to_string());
                    self.bind(
                        f.sig.ident.unraw().to_string(),
                        Local::Item(vec![RawPath::in_module(path)]),
                    );
                }
                Item::Use(item_use) => self.bind_block_use(item_use),
                Item::Struct(s) => self.bind(s.ident.unraw().to_string(), Local::Item(Vec::new())),
                Item::Enum(e) => self.bind(e.ident.unraw().to_string(), Local::Item(Vec::new())),
                Item::Const(c) => self.bind(
                    c.ident.unraw().to_string(),
                    Local::Value(self.type_expr(&c.ty)),
                ),
                Item::Static(s) => self.bind(
                    s.ident.unraw().to_string(),
                    Local::Value(self.type_expr(&s.ty)),
                ),
                _ => {}
            }
        }
    }

    fn bind_block_use(&mut self, item_use: &syn::ItemUse) {
        let mut flat = Vec::new();
        flatten_use(&item_use.tree, &mut Vec::new(), &mut flat);
        let span = self.span_of(item_use.use_token.span);

        for (local, segments) in flat {
            let scope = &self.scopes[self.current_module];
            let target = vec![use_path(&segments, item_use.leading_colon.is_some(), |n| {
                scope.items.contains_key(n)
            })];
            match &local {
                Some(name) => self.bind(name.clone(), Local::Item(target.clone())),
                None => {
                    if let Some(block) = self.blocks.last_mut() {
                        block.globs.push(target.clone());
                    }
                }
            }
            self.modules[self.current_module].imports.push(Import {
                local: local.unwrap_or_default(),
                glob: false,
                target,
                public: false,
                in_function: true,
                span: span.clone(),
            });
        }
    }

    /// Records a call site and returns its index.
    fn record(&mut self, callee: Callee, kind: UseKind, span: proc_macro2::Span) -> usize {
        let site = CallSite {
            callee,
            kind,
            span: self.span_of(span),
            enclosing: self.current_function,
            in_test: self.in_test,
            argument_of: self.argument_of,
            deferred: self.deferred || kind == UseKind::Passed,
            joined: false,
        };
        let calls = &mut self.modules[self.current_module].calls;
        calls.push(site);
        calls.len() - 1
    }

    /// Returns the callee a path names at this point, or `None` for a local variable.
    fn path_callee(&self, path: &syn::Path) -> Option<Callee> {
        if path.segments.len() >= 2 {
            let first = path.segments[0].ident.unraw().to_string();
            if let Some(bounds) = self.generic_bounds(&first) {
                let segments = path
                    .segments
                    .iter()
                    .skip(1)
                    .map(|s| s.ident.unraw().to_string())
                    .collect();
                return Some(Callee::Method {
                    receiver: TypeExpr::Bounded(bounds.clone()),
                    segments,
                });
            }
        }
        match self.resolve(path) {
            Lookup::Items(candidates) if !candidates.is_empty() => Some(Callee::Path(candidates)),
            _ => None,
        }
    }

    /// Returns the callee of a qualified path: `<Type as Trait>::f` may denote
    /// the trait's method and the type's.
    fn qualified_callee(&self, qself: &syn::QSelf, path: &syn::Path) -> Option<Callee> {
        let method = path.segments.last()?.ident.unraw().to_string();
        let mut candidates = Vec::new();
        if qself.position > 0 {
            let trait_segments = syn::Path {
                leading_colon: path.leading_colon,
                segments: path.segments.iter().take(qself.position).cloned().collect(),
            };
            if let Lookup::Items(traits) = self.resolve(&trait_segments) {
                candidates.extend(traits.into_iter().map(|t| t.join([method.clone()])));
            }
        }
        match self.type_expr(&qself.ty) {
            Some(TypeExpr::Named(types)) => {
                candidates.extend(types.into_iter().map(|t| t.join([method.clone()])))
            }
            Some(receiver @ TypeExpr::Bounded(_)) if candidates.is_empty() => {
                return Some(Callee::Method {
                    receiver,
                    segments: vec![method],
                });
            }
            _ => {}
        }
        (!candidates.is_empty()).then_some(Callee::Path(candidates))
    }

    /// Lowers call arguments; a bare function path among them is passed to the callee.
    fn lower_arguments<'e>(&mut self, site: Option<usize>, args: impl Iterator<Item = &'e Expr>) {
        let saved = self.argument_of;
        let saved_deferred = self.deferred;
        if site.is_some() {
            self.argument_of = site;
            self.deferred = false;
        }
        for arg in args {
            if let Some(site) = site {
                self.hand_local_to(arg, site);
            }
            match arg {
                Expr::Path(p) if p.qself.is_none() => {
                    if let Some(callee) = self.path_callee(&p.path) {
                        let span = p
                            .path
                            .segments
                            .last()
                            .map_or_else(proc_macro2::Span::call_site, |s| s.ident.span());
                        self.record(callee, UseKind::Passed, span);
                    }
                }
                _ => self.visit_expr(arg),
            }
        }
        self.argument_of = saved;
        self.deferred = saved_deferred;
    }
}

impl<'ast> Visit<'ast> for Lowerer<'_> {
    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.blocks.push(BlockScope::default());
        self.bind_block_items(&block.stmts);
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
        }
        self.blocks.pop();
    }

    fn visit_item(&mut self, item: &'ast Item) {
        match item {
            Item::Fn(f) => self.lower_function(FunctionSource {
                attrs: &f.attrs,
                sig: &f.sig,
                block: &f.block,
                owner: None,
                trait_path: None,
            }),
            Item::Impl(item_impl) => self.lower_impl(item_impl),
            Item::Const(c) => self.visit_expr(&c.expr),
            Item::Static(s) => self.visit_expr(&s.expr),
            Item::Macro(m) => self.visit_macro(&m.mac),
            _ => {}
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        let mut binding = None;
        if let Some(init) = &local.init {
            self.last_call = None;
            let first_site = self.modules[self.current_module].calls.len();
            self.visit_expr(&init.expr);
            if let (Pat::Ident(ident), true) = (&local.pat, is_closure(&init.expr)) {
                let end = self.modules[self.current_module].calls.len();
                self.deferred_values
                    .push((ident.ident.unraw().to_string(), first_site..end));
            }
            if let (Pat::Ident(ident), true, Some(site)) =
                (&local.pat, is_call(&init.expr), self.last_call)
            {
                self.handles.push((ident.ident.unraw().to_string(), site));
            }
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
            binding = self.binding_of(&init.expr);
        }
        match (&local.pat, binding) {
            (Pat::Ident(ident), Some(Local::Function(targets))) => {
                self.bind(ident.ident.unraw().to_string(), Local::Function(targets));
            }
            (pat, Some(Local::Value(ty))) => self.bind_pattern(pat, ty),
            (pat, _) => self.bind_pattern(pat, None),
        }
    }

    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        let element = self.closure_parameter.take();
        self.blocks.push(BlockScope::default());
        for (position, input) in closure.inputs.iter().enumerate() {
            let ty = if position == 0 { element.clone() } else { None };
            self.bind_pattern(input, ty);
        }
        let saved_deferred = std::mem::replace(&mut self.deferred, true);
        self.visit_expr(&closure.body);
        self.deferred = saved_deferred;
        self.blocks.pop();
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        let saved_deferred = std::mem::replace(&mut self.deferred, true);
        self.visit_block(&block.block);
        self.deferred = saved_deferred;
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.blocks.push(BlockScope::default());
        self.bind_pattern(&arm.pat, None);
        if let Some((_, guard)) = &arm.guard {
            self.visit_expr(guard);
        }
        self.visit_expr(&arm.body);
        self.blocks.pop();
    }

    fn visit_expr_for_loop(&mut self, for_loop: &'ast syn::ExprForLoop) {
        self.visit_expr(&for_loop.expr);
        let element = self.expr_type(&for_loop.expr);
        self.blocks.push(BlockScope::default());
        self.bind_pattern(&for_loop.pat, element);
        self.visit_block(&for_loop.body);
        self.blocks.pop();
    }

    fn visit_expr_let(&mut self, expr_let: &'ast syn::ExprLet) {
        self.visit_expr(&expr_let.expr);
        let ty = self.expr_type(&expr_let.expr);
        self.bind_pattern(&expr_let.pat, ty);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        let site = match &*call.func {
            Expr::Path(p) => {
                let callee = match &p.qself {
                    Some(qself) => self.qualified_callee(qself, &p.path),
                    None => self.path_callee(&p.path),
                };
                let span = p
                    .path
                    .segments
                    .last()
                    .map_or_else(proc_macro2::Span::call_site, |s| s.ident.span());
                callee.map(|callee| self.record(callee, UseKind::Call, span))
            }
            func => {
                self.visit_expr(func);
                None
            }
        };
        self.lower_arguments(site, call.args.iter());
        self.last_call = site;
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.last_call = None;
        self.visit_expr(&call.receiver);
        let method = call.method.unraw().to_string();
        if method == "join" {
            self.join_handle(&call.receiver);
            if let (true, Some(site)) = (is_call(&call.receiver), self.last_call) {
                self.modules[self.current_module].calls[site].joined = true;
            }
        }
        let receiver = if is_adaptor_method(&method) {
            TypeExpr::Unknown
        } else {
            self.expr_type(&call.receiver).unwrap_or(TypeExpr::Unknown)
        };
        // `items.iter().map(|item| item.call())`: the closure's parameter is an element.
        let element = is_combinator(&method)
            .then(|| self.expr_type(&call.receiver))
            .flatten();
        let callee = Callee::Method {
            receiver,
            segments: vec![method],
        };
        let site = self.record(callee, UseKind::Call, call.method.span());
        let saved_element = std::mem::replace(&mut self.closure_parameter, element);
        self.lower_arguments(Some(site), call.args.iter());
        self.closure_parameter = saved_element;
        self.last_call = Some(site);
    }

    fn visit_expr_await(&mut self, expr: &'ast syn::ExprAwait) {
        self.last_call = None;
        self.visit_expr(&expr.base);
        if is_call(&expr.base) {
            if let Some(site) = self.last_call {
                self.modules[self.current_module].calls[site].joined = true;
            }
        }
        self.join_handle(&expr.base);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let joins = name == "join" || name == "try_join";
        for expr in macro_expressions(mac.tokens.clone()) {
            if joins {
                self.join_handle(&expr);
            }
            self.visit_expr(&expr);
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.visit_item(&Item::Fn(f.clone()));
    }
}

impl Lowerer<'_> {
    /// Returns what a `let` binds its name to: a function, or a value of a known type.
    fn binding_of(&self, init: &Expr) -> Option<Local> {
        match init {
            Expr::Path(p) if p.qself.is_none() => match self.resolve(&p.path) {
                Lookup::Items(targets) if !targets.is_empty() => Some(Local::Function(targets)),
                Lookup::Variable(ty) => Some(Local::Value(ty)),
                Lookup::Items(_) => None,
            },
            Expr::Cast(cast) => self.binding_of(&cast.expr),
            Expr::Match(_) | Expr::If(_) | Expr::Block(_) | Expr::Paren(_) => {
                let mut targets = Vec::new();
                self.branch_functions(init, &mut targets);
                if targets.is_empty() {
                    Some(Local::Value(None))
                } else {
                    Some(Local::Function(targets))
                }
            }
            _ => Some(Local::Value(self.expr_type(init))),
        }
    }
}

impl Lowerer<'_> {
    /// Collects the function paths that the branches of a `match`, `if` or
    /// block evaluate to: a dispatch table written as an expression.
    fn branch_functions(&self, expr: &Expr, out: &mut Candidates) {
        match expr {
            Expr::Path(p) if p.qself.is_none() => {
                if let Lookup::Items(targets) = self.resolve(&p.path) {
                    out.extend(targets);
                }
            }
            Expr::Match(m) => m
                .arms
                .iter()
                .for_each(|arm| self.branch_functions(&arm.body, out)),
            Expr::If(i) => {
                self.branch_functions(
                    &Expr::Block(syn::ExprBlock {
                        attrs: Vec::new(),
                        label: None,
                        block: i.then_branch.clone(),
                    }),
                    out,
                );
                if let Some((_, otherwise)) = &i.else_branch {
                    self.branch_functions(otherwise, out);
                }
            }
            Expr::Block(b) => {
                if let Some(Stmt::Expr(last, None)) = b.block.stmts.last() {
                    self.branch_functions(last, out);
                }
            }
            Expr::Paren(p) => self.branch_functions(&p.expr, out),
            Expr::Cast(c) => self.branch_functions(&c.expr, out),
            _ => {}
        }
    }
}

/// Returns whether an expression, under parentheses, is a call.
fn is_call(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(p) => is_call(&p.expr),
        Expr::Call(_) | Expr::MethodCall(_) => true,
        _ => false,
    }
}

impl Lowerer<'_> {
    /// Marks the call whose result a local variable contains as joined, when the
    /// expression is that variable (`handle.await`, `handle.join()`, `join!(handle)`).
    fn join_handle(&mut self, expr: &Expr) {
        let Expr::Path(path) = expr else { return };
        let Some(ident) = path.path.get_ident() else {
            return;
        };
        let name = ident.unraw().to_string();
        if let Some(&(_, site)) = self.handles.iter().rev().find(|(n, _)| *n == name) {
            self.modules[self.current_module].calls[site].joined = true;
        }
    }
}

/// Returns whether an expression, under parentheses, is a closure or an async block.
fn is_closure(expr: &Expr) -> bool {
    match expr {
        Expr::Paren(p) => is_closure(&p.expr),
        Expr::Closure(_) | Expr::Async(_) => true,
        _ => false,
    }
}

impl Lowerer<'_> {
    /// Links the calls inside a closure, async block or future held by a local
    /// variable to the call the variable is passed to: `tokio::spawn(job)` runs
    /// `let job = async { .. };` later, as if it were written in place.
    fn hand_local_to(&mut self, arg: &Expr, site: usize) {
        let Expr::Path(path) = arg else { return };
        let Some(ident) = path.path.get_ident() else {
            return;
        };
        let name = ident.unraw().to_string();
        let calls = &mut self.modules[self.current_module].calls;
        if let Some((_, range)) = self.deferred_values.iter().rev().find(|(n, _)| *n == name) {
            for inner in range.clone() {
                if calls[inner].argument_of.is_none() {
                    calls[inner].argument_of = Some(site);
                    calls[inner].deferred = true;
                }
            }
        } else if let Some(&(_, future)) = self.handles.iter().rev().find(|(n, _)| *n == name) {
            if calls[future].argument_of.is_none() && future != site {
                calls[future].argument_of = Some(site);
            }
        }
    }
}

/// Returns whether a method of an iterator or `Option` passes each element
/// to its closure argument.
fn is_combinator(name: &str) -> bool {
    matches!(
        name,
        "map"
            | "for_each"
            | "filter"
            | "filter_map"
            | "flat_map"
            | "and_then"
            | "any"
            | "all"
            | "find"
            | "find_map"
            | "inspect"
            | "take_while"
            | "skip_while"
            | "position"
            | "map_or"
            | "map_or_else"
            | "is_some_and"
            | "try_for_each"
    )
}
