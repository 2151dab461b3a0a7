//! The first pass over a Rust file: the items and `use` imports of each module,
//! so that the second pass can resolve names used before their definition.

use syn::ext::IdentExt;
use syn::{Item, UseTree, Visibility};

use super::lower::Lowerer;
use super::scope::ItemKind;
use crate::model::{Import, Module, PathBase, RawPath, TraitImpl, TypeDef, TypeExpr};

/// Returns whether attributes carry `#[cfg(test)]` (also inside `all(..)` or `any(..)`).
pub fn has_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let syn::Meta::List(list) = &attr.meta else {
            return false;
        };
        if !list.path.is_ident("cfg") {
            return false;
        }
        list.parse_args_with(
            syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
        )
        .is_ok_and(|predicates| predicates.iter().any(cfg_requires_test))
    })
}

/// Returns whether a `cfg` predicate holds only in test builds: `test`,
/// `all(test, ..)`, or `any(..)` whose every branch requires `test`.
/// `not(test)` and `any(test, feature = "x")` also hold outside tests.
fn cfg_requires_test(predicate: &syn::Meta) -> bool {
    match predicate {
        syn::Meta::Path(path) => path.is_ident("test"),
        syn::Meta::List(list) => {
            let Ok(inner) = list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            ) else {
                return false;
            };
            if list.path.is_ident("all") {
                inner.iter().any(cfg_requires_test)
            } else if list.path.is_ident("any") {
                !inner.is_empty() && inner.iter().all(cfg_requires_test)
            } else {
                false
            }
        }
        syn::Meta::NameValue(_) => false,
    }
}

/// Returns whether attributes mark a test function (`#[test]`, `#[tokio::test]`, `#[rstest]`...).
pub fn has_test_attribute(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let last = attr
            .path()
            .segments
            .last()
            .map(|s| s.ident.unraw().to_string())
            .unwrap_or_default();
        last == "test" || last == "rstest" || last == "bench"
    })
}

/// Returns the `#[path = "..."]` value of a `mod` item.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Converts the segments of a `use` path into a [`RawPath`], with `crate`,
/// `self`, `super` and a leading `::` turned into its base.
pub fn use_path(
    segments: &[String],
    leading_colon: bool,
    module_has: impl Fn(&str) -> bool,
) -> RawPath {
    if leading_colon {
        return RawPath::absolute(segments.iter().cloned());
    }
    let mut up = 0;
    let mut start = 0;
    match segments.first().map(String::as_str) {
        Some("crate") => return RawPath::new(PathBase::CrateRoot, segments[1..].to_vec()),
        Some("self" | "super") => {
            start = usize::from(segments[0] == "self");
            while segments.get(start).map(String::as_str) == Some("super") {
                up += 1;
                start += 1;
            }
        }
        Some(first) if module_has(first) => {}
        _ => return RawPath::absolute(segments.iter().cloned()),
    }
    RawPath::new(PathBase::Module { up }, segments[start..].to_vec())
}

/// Collects the names a `use` tree binds as `(local name, or None for a glob; path segments)`.
pub fn flatten_use(
    tree: &UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Option<String>, Vec<String>)>,
) {
    match tree {
        UseTree::Path(path) => {
            prefix.push(path.ident.unraw().to_string());
            flatten_use(&path.tree, prefix, out);
            prefix.pop();
        }
        UseTree::Name(name) if name.ident == "self" => {
            out.push((prefix.last().cloned(), prefix.clone()));
        }
        UseTree::Name(name) => {
            let mut path = prefix.clone();
            path.push(name.ident.unraw().to_string());
            out.push((Some(name.ident.unraw().to_string()), path));
        }
        UseTree::Rename(rename) => {
            let mut path = prefix.clone();
            if rename.ident != "self" {
                path.push(rename.ident.unraw().to_string());
            }
            let local = rename.rename.unraw().to_string();
            out.push(((local != "_").then_some(local), path));
        }
        UseTree::Glob(_) => out.push((None, prefix.clone())),
        UseTree::Group(group) => {
            for item in &group.items {
                flatten_use(item, prefix, out);
            }
        }
    }
}

fn is_public(vis: &Visibility) -> bool {
    !matches!(vis, Visibility::Inherited)
}

impl Lowerer<'_> {
    /// Records the items of one module and, recursively, of its inline modules.
    pub fn collect_module(&mut self, items: &[Item], module: usize) {
        for item in items {
            self.collect_item_name(item, module);
        }
        for item in items {
            match item {
                Item::Use(item_use) => self.collect_use(item_use, module),
                Item::ExternCrate(extern_crate) => self.collect_extern_crate(extern_crate, module),
                _ => {}
            }
        }
        for (owner, name, ty) in std::mem::take(&mut self.pending_variables) {
            if let Some(ty) = self.type_in_module(&ty, owner) {
                self.modules[owner].variables.push((name, ty));
            }
        }
        for (owner, name, ty) in std::mem::take(&mut self.pending_aliases) {
            if let Some(TypeExpr::Named(targets)) = self.type_in_module(&ty, owner) {
                self.modules[owner].aliases.push(crate::model::Alias {
                    local: name,
                    targets,
                });
            }
        }
        for item in items {
            match item {
                Item::Mod(item_mod) => self.collect_mod(item_mod, module),
                Item::Struct(_) | Item::Enum(_) | Item::Union(_) | Item::Trait(_) => {
                    self.collect_type(item, module)
                }
                Item::Impl(item_impl) => self.collect_impl(item_impl, module),
                _ => {}
            }
        }
    }

    fn collect_item_name(&mut self, item: &Item, module: usize) {
        let (name, kind) = match item {
            Item::Fn(f) => (f.sig.ident.unraw().to_string(), ItemKind::Function),
            Item::Struct(s) => (s.ident.unraw().to_string(), ItemKind::Type),
            Item::Enum(e) => (e.ident.unraw().to_string(), ItemKind::Type),
            Item::Union(u) => (u.ident.unraw().to_string(), ItemKind::Type),
            Item::Type(t) => (t.ident.unraw().to_string(), ItemKind::Type),
            Item::Trait(t) => (t.ident.unraw().to_string(), ItemKind::Trait),
            Item::TraitAlias(t) => (t.ident.unraw().to_string(), ItemKind::Trait),
            Item::Const(c) => (c.ident.unraw().to_string(), ItemKind::Value),
            Item::Static(s) => (s.ident.unraw().to_string(), ItemKind::Value),
            Item::Mod(m) => (m.ident.unraw().to_string(), ItemKind::Module),
            _ => return,
        };
        if matches!(kind, ItemKind::Value | ItemKind::Module) || matches!(item, Item::Type(_)) {
            self.modules[module].other_items.push(name.clone());
        }
        match item {
            Item::Const(c) => self
                .pending_variables
                .push((module, name.clone(), (*c.ty).clone())),
            Item::Static(s) => self
                .pending_variables
                .push((module, name.clone(), (*s.ty).clone())),
            Item::Type(t) => self
                .pending_aliases
                .push((module, name.clone(), (*t.ty).clone())),
            _ => {}
        }
        self.scopes[module].items.insert(name, kind);
    }

    fn collect_use(&mut self, item_use: &syn::ItemUse, module: usize) {
        let mut flat = Vec::new();
        flatten_use(&item_use.tree, &mut Vec::new(), &mut flat);
        let leading_colon = item_use.leading_colon.is_some();
        let span = self.span_of(item_use.use_token.span);

        for (local, segments) in flat {
            let scope = &self.scopes[module];
            let target = use_path(&segments, leading_colon, |name| {
                scope.items.contains_key(name)
            });
            let target = self.expand_use_target(target, module);
            match &local {
                Some(name) => {
                    self.scopes[module]
                        .imports
                        .insert(name.clone(), target.clone());
                }
                None => self.scopes[module].globs.push(target.clone()),
            }
            self.modules[module].imports.push(Import {
                local: local.clone().unwrap_or_default(),
                target,
                glob: local.is_none(),
                public: is_public(&item_use.vis),
                in_function: false,
                span: span.clone(),
            });
        }
    }

    /// Expands a `use` target whose first segment is itself an import of the
    /// module (`use llm::Client;` after `use crate::llm;`), so it is not
    /// mistaken for an extern crate.
    fn expand_use_target(&self, target: RawPath, module: usize) -> Vec<RawPath> {
        if target.base != PathBase::Absolute {
            return vec![target];
        }
        let Some(first) = target.segments.first() else {
            return vec![target];
        };
        match self.scopes[module].imports.get(first) {
            Some(bases) => bases
                .iter()
                .map(|base| base.join(target.segments[1..].iter().cloned()))
                .collect(),
            None => vec![target],
        }
    }

    fn collect_mod(&mut self, item_mod: &syn::ItemMod, module: usize) {
        let name = item_mod.ident.unraw().to_string();
        let Some((_, items)) = &item_mod.content else {
            let in_test = self.modules[module].in_test || has_cfg_test(&item_mod.attrs);
            self.modules[module]
                .child_files
                .push((name, path_attribute(&item_mod.attrs), in_test));
            return;
        };

        let parent = &self.modules[module];
        let mut child = Module::new(parent.language, parent.file.clone());
        child.inline_path = parent.inline_path.clone();
        child.inline_path.push(name);
        child.in_test = parent.in_test || has_cfg_test(&item_mod.attrs);
        self.modules.push(child);
        self.scopes.push(Default::default());
        let index = self.modules.len() - 1;
        self.inline_index
            .insert(item_mod.ident.span().start(), index);
        self.collect_module(items, index);
    }

    fn collect_extern_crate(&mut self, extern_crate: &syn::ItemExternCrate, module: usize) {
        let name = extern_crate.ident.unraw().to_string();
        let target = if name == "self" {
            RawPath::new(PathBase::CrateRoot, Vec::<String>::new())
        } else {
            RawPath::absolute([name.clone()])
        };
        let alias = extern_crate
            .rename
            .as_ref()
            .map_or(name, |(_, ident)| ident.unraw().to_string());
        self.scopes[module]
            .imports
            .insert(alias.clone(), vec![target.clone()]);
        self.modules[module].crate_aliases.push((alias, target));
    }

    fn collect_type(&mut self, item: &Item, module: usize) {
        let (ident, fields, is_trait, trait_methods, bases) = match item {
            Item::Struct(s) => {
                let saved_module = std::mem::replace(&mut self.current_module, module);
                self.push_generics(&s.generics);
                let fields = self.field_types(&s.fields, module);
                self.generics.pop();
                self.current_module = saved_module;
                (&s.ident, fields, false, Vec::new(), Vec::new())
            }
            Item::Enum(e) => (&e.ident, Vec::new(), false, Vec::new(), Vec::new()),
            Item::Union(u) => (
                &u.ident,
                self.named_field_types(u.fields.named.iter(), module),
                false,
                Vec::new(),
                Vec::new(),
            ),
            Item::Trait(t) => {
                let methods = t
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        syn::TraitItem::Fn(f) => Some(f.sig.ident.unraw().to_string()),
                        _ => None,
                    })
                    .collect();
                let bases = t
                    .supertraits
                    .iter()
                    .filter_map(|b| match b {
                        syn::TypeParamBound::Trait(tb) => {
                            Some(self.resolve_in_module(&tb.path, module))
                        }
                        _ => None,
                    })
                    .collect();
                (&t.ident, Vec::new(), true, methods, bases)
            }
            _ => return,
        };
        let span = self.span_of(ident.span());
        self.modules[module].types.push(TypeDef {
            name: ident.unraw().to_string(),
            local_path: vec![ident.unraw().to_string()],
            is_trait,
            fields,
            bases,
            trait_methods,
            span,
        });
    }

    fn field_types(&self, fields: &syn::Fields, module: usize) -> Vec<(String, TypeExpr)> {
        match fields {
            syn::Fields::Named(named) => self.named_field_types(named.named.iter(), module),
            syn::Fields::Unnamed(unnamed) => unnamed
                .unnamed
                .iter()
                .enumerate()
                .filter_map(|(i, f)| Some((i.to_string(), self.type_in_module(&f.ty, module)?)))
                .collect(),
            syn::Fields::Unit => Vec::new(),
        }
    }

    fn named_field_types<'f>(
        &self,
        fields: impl Iterator<Item = &'f syn::Field>,
        module: usize,
    ) -> Vec<(String, TypeExpr)> {
        fields
            .filter_map(|f| {
                Some((
                    f.ident.as_ref()?.unraw().to_string(),
                    self.type_in_module(&f.ty, module)?,
                ))
            })
            .collect()
    }

    fn collect_impl(&mut self, item_impl: &syn::ItemImpl, module: usize) {
        let Some((_, trait_path, _)) = &item_impl.trait_ else {
            return;
        };
        // A blanket impl (`impl<T: Clone> Greet for T`) has no named self type:
        // it is recorded with an empty one and applies to every type.
        let self_type = if is_generic_parameter(&item_impl.self_ty, &item_impl.generics) {
            Vec::new()
        } else {
            match self.type_in_module(&item_impl.self_ty, module) {
                Some(TypeExpr::Named(self_type)) => self_type,
                _ => return,
            }
        };
        let deref_target = item_impl.items.iter().find_map(|item| match item {
            syn::ImplItem::Type(ty) if ty.ident == "Target" => self.type_in_module(&ty.ty, module),
            _ => None,
        });
        let trait_path = self.resolve_in_module(trait_path, module);
        self.modules[module].trait_impls.push(TraitImpl {
            self_type,
            trait_path,
            deref_target,
        });
    }
}

/// Returns whether a type is one of the impl's own generic parameters, possibly behind a reference.
fn is_generic_parameter(ty: &syn::Type, generics: &syn::Generics) -> bool {
    match ty {
        syn::Type::Reference(reference) => is_generic_parameter(&reference.elem, generics),
        syn::Type::Path(path) => path
            .path
            .get_ident()
            .is_some_and(|ident| generics.type_params().any(|param| param.ident == *ident)),
        _ => false,
    }
}
