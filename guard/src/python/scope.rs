//! Name scopes of a Python file: what each name may denote at a point of the
//! source, with star imports kept in statement order and branch alternatives merged.

use std::collections::HashMap;

use crate::model::{Candidates, RawPath, TypeExpr};

/// The definitions a name may denote (imported names, functions, classes,
/// module-level aliases) and, for a variable, the type of its value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Binding {
    pub items: Candidates,
    pub value: Option<TypeExpr>,
}

impl Binding {
    pub fn items(items: Candidates) -> Self {
        Binding { items, value: None }
    }

    pub fn value(value: TypeExpr) -> Self {
        Binding {
            items: Vec::new(),
            value: Some(value),
        }
    }

    /// Returns the value's type when it is known.
    pub fn known_value(&self) -> Option<&TypeExpr> {
        self.value.as_ref().filter(|v| **v != TypeExpr::Unknown)
    }

    /// Adds the alternatives of another branch: the name may denote either.
    pub fn merge(&mut self, other: &Binding) {
        for item in &other.items {
            if !self.items.contains(item) {
                self.items.push(item.clone());
            }
        }
        if self.known_value().is_none() && other.value.is_some() {
            self.value = other.value.clone();
        }
    }
}

#[derive(Clone, Debug)]
struct Bound {
    binding: Binding,
    /// How many star imports preceded the binding: later ones may shadow it.
    globs_before: usize,
}

/// The kind of code a scope belongs to. A class body's names are visible
/// only to the class body itself, not to the functions defined in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Module,
    Function,
    Class,
}

/// The names one module, function, lambda, comprehension or class body binds.
#[derive(Clone, Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    names: HashMap<String, Bound>,
    /// Targets of star imports, in statement order.
    globs: Vec<Candidates>,
}

impl Scope {
    pub fn new(kind: ScopeKind) -> Self {
        Scope {
            kind,
            names: HashMap::new(),
            globs: Vec::new(),
        }
    }

    pub fn bind(&mut self, name: &str, binding: Binding) {
        let bound = Bound {
            binding,
            globs_before: self.globs.len(),
        };
        self.names.insert(name.to_string(), bound);
    }

    pub fn add_glob(&mut self, target: Candidates) {
        self.globs.push(target);
    }

    /// Looks a name up. The latest explicit binding wins unless a star import
    /// follows it. Then every later star import may bring the name, the latest
    /// first, and the explicit binding stays as the last alternative. The
    /// index keeps the first of them that the project defines.
    pub fn lookup(&self, name: &str) -> Option<Binding> {
        let bound = self.names.get(name);
        let later = &self.globs[bound.map_or(0, |b| b.globs_before)..];
        if later.is_empty() {
            return bound.map(|b| b.binding.clone());
        }

        let mut items: Candidates = later
            .iter()
            .rev()
            .flat_map(|glob| glob.iter().map(|p| glob_path(p.join([name]))))
            .collect();
        let mut value = None;
        if let Some(bound) = bound {
            items.extend(bound.binding.items.iter().cloned().map(glob_path));
            value = bound.binding.value.clone();
        }
        Some(Binding { items, value })
    }

    /// Merges the names another branch bound: a name bound in either branch
    /// may denote what either bound it to.
    pub fn merge(&mut self, other: &Scope) {
        for (name, bound) in &other.names {
            match self.names.get_mut(name) {
                Some(existing) => {
                    existing.binding.merge(&bound.binding);
                    existing.globs_before = existing.globs_before.min(bound.globs_before);
                }
                None => {
                    self.names.insert(name.clone(), bound.clone());
                }
            }
        }
        for glob in &other.globs {
            if !self.globs.contains(glob) {
                self.globs.push(glob.clone());
            }
        }
    }
}

fn glob_path(mut path: RawPath) -> RawPath {
    path.via_glob = true;
    path
}
