//! Types of expressions and the methods they call: fields, return types,
//! trait implementations and base classes.

use super::{Index, QualifiedName};
use crate::model::{Callee, TypeExpr};

/// The maximum depth of type evaluation (fields of fields, return types).
const MAX_TYPE_DEPTH: usize = 12;

/// A type a value may have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedType {
    pub path: QualifiedName,
    /// The value is any type bounded by this trait (`dyn Trait`, `impl Trait`, `T: Trait`).
    pub bound: bool,
    /// For a lock type, the types locking it gives.
    pub inner: Vec<ResolvedType>,
}

impl ResolvedType {
    pub fn new(path: QualifiedName, bound: bool) -> Self {
        ResolvedType {
            path,
            bound,
            inner: Vec::new(),
        }
    }
}

impl Index {
    /// Evaluates a type expression written in a module into the types it may denote.
    pub fn eval_type(&self, module: usize, expr: &TypeExpr) -> Vec<ResolvedType> {
        self.eval_type_at(module, expr, 0)
    }

    pub(crate) fn eval_type_at(
        &self,
        module: usize,
        expr: &TypeExpr,
        depth: usize,
    ) -> Vec<ResolvedType> {
        if depth > MAX_TYPE_DEPTH {
            return Vec::new();
        }
        match expr {
            TypeExpr::Named(candidates) => self
                .resolve_candidates(module, candidates)
                .into_iter()
                .flat_map(|path| {
                    self.alias_targets(module, &path)
                        .unwrap_or_else(|| vec![path])
                })
                .map(|path| ResolvedType::new(path, false))
                .collect(),
            TypeExpr::Bounded(traits) => traits
                .iter()
                .flat_map(|t| self.resolve_candidates(module, t))
                .map(|path| ResolvedType::new(path, true))
                .collect(),
            TypeExpr::Field(inner, field) => {
                let mut out = Vec::new();
                for ty in self.eval_type_at(module, inner, depth + 1) {
                    out.extend(self.field_type(&ty, field, depth));
                }
                out
            }
            TypeExpr::Returned(callee) => self.returned_type(module, callee, depth),
            TypeExpr::SuperOf(class) => self
                .resolve_candidates(module, class)
                .iter()
                .flat_map(|c| self.bases_of(c))
                .map(|path| ResolvedType::new(path, false))
                .collect(),
            TypeExpr::Variable(candidates) => {
                let language = self.modules[module].language;
                let mut out = Vec::new();
                for name in self.resolve_candidates(module, candidates) {
                    if let Some((owner, ty)) = self.variable_type(language, &name) {
                        out.extend(self.eval_type_at(*owner, ty, depth + 1));
                    } else if self.types.contains_key(&name) {
                        // A unit struct used as a value (`Local.generate()`) has its own type.
                        out.push(ResolvedType::new(name, false));
                    }
                }
                out
            }
            TypeExpr::Guarded { lock, inner } => {
                let inner = self.eval_type_at(module, inner, depth + 1);
                self.resolve_candidates(module, lock)
                    .into_iter()
                    .map(|path| ResolvedType {
                        path,
                        bound: false,
                        inner: inner.clone(),
                    })
                    .collect()
            }
            TypeExpr::Unwrapped(value) => self
                .eval_type_at(module, value, depth + 1)
                .into_iter()
                .flat_map(|ty| {
                    if ty.inner.is_empty() {
                        vec![ty]
                    } else {
                        ty.inner
                    }
                })
                .collect(),
            TypeExpr::Unknown => Vec::new(),
        }
    }

    /// Returns the type of a field; an attribute of a type outside the
    /// project extends its path (`openai.OpenAI.chat`).
    fn field_type(&self, ty: &ResolvedType, field: &str, depth: usize) -> Vec<ResolvedType> {
        let mut seen = Vec::new();
        let mut pending = vec![ty.path.clone()];
        while let Some(path) = pending.pop() {
            if seen.contains(&path) {
                continue;
            }
            seen.push(path.clone());
            if let Some((m, t)) = self.types.get(&path).and_then(|info| info.definition) {
                let def = &self.modules[m].types[t];
                if let Some((_, field_type)) = def.fields.iter().find(|(name, _)| name == field) {
                    return self.eval_type_at(m, field_type, depth + 1);
                }
                pending.extend(self.bases_of(&path));
            }
        }
        if self.types.contains_key(&ty.path) {
            return Vec::new();
        }
        let mut path = ty.path.clone();
        path.push(field.to_string());
        vec![ResolvedType::new(path, false)]
    }

    /// Returns the type a call returns: a project function's declared return
    /// type, a class (Python) or tuple struct, or the type of a constructor
    /// such as `Type::new`.
    fn returned_type(&self, module: usize, callee: &Callee, depth: usize) -> Vec<ResolvedType> {
        let mut out = Vec::new();
        for name in self.resolve_callee_at(module, callee, depth + 1) {
            if self.types.contains_key(&name) {
                out.push(ResolvedType::new(name, false));
                continue;
            }
            let mut declared = false;
            for id in self.functions.get(&name).into_iter().flatten() {
                if let Some(returns) = &self.modules[id.module].functions[id.function].returns {
                    declared = true;
                    out.extend(self.eval_type_at(id.module, returns, depth + 1));
                }
            }
            if declared {
                continue;
            }
            // Outside the project the return type is unknown. A class or tuple
            // struct called by name makes a value of its own type. An
            // associated function such as `Client::new` is taken to be a
            // constructor, but a method called on a value could return anything.
            let starts_upper = |s: &String| s.chars().next().is_some_and(char::is_uppercase);
            let by_path = matches!(callee, Callee::Path(_));
            if name.last().is_some_and(starts_upper) {
                out.push(ResolvedType::new(name, false));
            } else if by_path && name.len() >= 2 && starts_upper(&name[name.len() - 2]) {
                out.push(ResolvedType::new(name[..name.len() - 1].to_vec(), false));
            }
        }
        out
    }

    /// Returns the base classes (Python) or supertraits (Rust) of a type.
    pub fn bases_of(&self, path: &[String]) -> Vec<QualifiedName> {
        let Some((m, t)) = self.types.get(path).and_then(|info| info.definition) else {
            return Vec::new();
        };
        self.modules[m].types[t]
            .bases
            .iter()
            .flat_map(|b| self.resolve_candidates(m, b))
            .collect()
    }

    /// Returns the names a member chain on a value of type `ty` denotes: the
    /// fields lead to the last segment's method, looked up in the type, its
    /// traits and its bases.
    pub fn method_names(&self, ty: &ResolvedType, segments: &[String]) -> Vec<QualifiedName> {
        self.method_names_at(ty, segments, 0)
    }

    pub(crate) fn method_names_at(
        &self,
        ty: &ResolvedType,
        segments: &[String],
        depth: usize,
    ) -> Vec<QualifiedName> {
        if depth > MAX_TYPE_DEPTH {
            return Vec::new();
        }
        let Some((method, fields)) = segments.split_last() else {
            return Vec::new();
        };
        let mut types = vec![ty.clone()];
        for field in fields {
            types = types
                .iter()
                .flat_map(|t| self.field_type(t, field, depth))
                .collect();
        }
        let mut out = Vec::new();
        for ty in types {
            out.extend(self.lookup_method(&ty.path, method, 0));
        }
        out
    }

    /// Looks a method up in a type, then its implemented traits, then its bases.
    fn lookup_method(
        &self,
        path: &QualifiedName,
        method: &str,
        depth: usize,
    ) -> Vec<QualifiedName> {
        let join = |base: &QualifiedName| {
            let mut name = base.clone();
            name.push(method.to_string());
            name
        };
        // Calling a value that is a function (a closure a factory returned) calls it.
        if method == "__call__" && self.functions.contains_key(path) {
            return vec![path.clone()];
        }
        let Some(info) = self.types.get(path) else {
            return self.with_blanket_methods(vec![join(path)], method);
        };
        if depth > MAX_TYPE_DEPTH {
            return vec![join(path)];
        }

        if let Some(defined) = info.methods.get(method) {
            let mut out = vec![join(path)];
            out.extend(defined.iter().filter_map(|(_, t)| t.as_ref()).map(join));
            return out;
        }
        let declaring_traits: Vec<&QualifiedName> = info
            .traits
            .iter()
            .filter(|t| self.trait_declares(t, method))
            .collect();
        if !declaring_traits.is_empty() {
            let mut out = vec![join(path)];
            out.extend(declaring_traits.into_iter().map(join));
            return out;
        }
        if info.is_trait {
            return vec![join(path)];
        }
        // An attribute that contains a function (`self.callback = complete`) calls it.
        if let Some(functions) = self.function_field(path, method) {
            return functions;
        }
        // Auto-deref: a method the type lacks is looked up on its `Deref::Target`.
        if !info.deref_targets.is_empty() {
            let targets = info.deref_targets.clone();
            return targets
                .iter()
                .flat_map(|target| self.lookup_method(target, method, depth + 1))
                .collect();
        }
        let bases = self.bases_of(path);
        if bases.is_empty() {
            return self.with_blanket_methods(vec![join(path)], method);
        }
        bases
            .iter()
            .flat_map(|b| self.lookup_method(b, method, depth + 1))
            .collect()
    }

    /// Returns whether a trait declares a method, or is outside the project and may.
    fn trait_declares(&self, trait_path: &QualifiedName, method: &str) -> bool {
        match self.types.get(trait_path).and_then(|info| info.definition) {
            Some((m, t)) => self.modules[m].types[t]
                .trait_methods
                .iter()
                .any(|n| n == method),
            None => false,
        }
    }
}

impl Index {
    /// Adds the methods of blanket-implemented traits that declare `method`:
    /// with `impl<T: Clone> Greet for T`, `5u32.hi()` may be `Greet::hi`.
    fn with_blanket_methods(
        &self,
        mut names: Vec<QualifiedName>,
        method: &str,
    ) -> Vec<QualifiedName> {
        for trait_name in &self.blanket_traits {
            let declares = self
                .types
                .get(trait_name)
                .and_then(|info| info.definition)
                .is_some_and(|(m, t)| {
                    self.modules[m].types[t]
                        .trait_methods
                        .iter()
                        .any(|n| n == method)
                });
            if declares {
                let mut name = trait_name.clone();
                name.push(method.to_string());
                names.push(name);
            }
        }
        names
    }
}

impl Index {
    /// Returns the functions a field of a project type holds, when its value is a
    /// function rather than an object: `self.callback = complete` makes
    /// `self.callback()` a call of `complete`.
    fn function_field(&self, type_path: &QualifiedName, field: &str) -> Option<Vec<QualifiedName>> {
        let (m, t) = self.types.get(type_path)?.definition?;
        let (_, TypeExpr::Named(candidates)) = self.modules[m].types[t]
            .fields
            .iter()
            .find(|(name, _)| name == field)?
        else {
            return None;
        };
        let functions: Vec<QualifiedName> = self
            .resolve_candidates(m, candidates)
            .into_iter()
            .filter(|name| self.functions.contains_key(name))
            .collect();
        (!functions.is_empty()).then_some(functions)
    }
}
