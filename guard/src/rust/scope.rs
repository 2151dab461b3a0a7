//! Name scopes of a Rust file: module items, `use` imports, block items and
//! local bindings, and the lookup of a path's first segment through them.

use std::collections::HashMap;

use crate::model::{Candidates, RawPath, TypeExpr};

/// The names one module (a file or an inline `mod`) binds at its top level.
#[derive(Default, Debug)]
pub struct ModuleScope {
    /// Items defined in the module: functions, types, traits, constants, submodules.
    pub items: HashMap<String, ItemKind>,
    /// Names bound by `use`.
    pub imports: HashMap<String, Candidates>,
    /// Targets of glob imports (`use a::*`).
    pub globs: Vec<Candidates>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Function,
    Type,
    Trait,
    Value,
    Module,
}

/// The meaning of a local name inside a function.
#[derive(Clone, Debug)]
pub enum Local {
    /// A variable whose type may be known.
    Value(Option<TypeExpr>),
    /// A variable bound to a function path: `let f = llm::complete;`.
    Function(Candidates),
    /// An item or import declared inside a block.
    Item(Candidates),
}

/// One block of a function body.
#[derive(Default, Debug)]
pub struct BlockScope {
    pub names: HashMap<String, Local>,
    pub globs: Vec<Candidates>,
}

/// The result of looking up the first segment of a path at a point in the source.
pub enum Lookup {
    /// A local variable that is not a function: the path names no item.
    Variable(Option<TypeExpr>),
    /// The path may denote these items.
    Items(Candidates),
}

/// Names of the standard prelude that are types, traits or functions, not crates.
const PRELUDE: &[&str] = &[
    "Box",
    "Vec",
    "String",
    "Option",
    "Some",
    "None",
    "Result",
    "Ok",
    "Err",
    "ToString",
    "ToOwned",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "AsRef",
    "AsMut",
    "Send",
    "Sync",
    "Sized",
    "Unpin",
    "drop",
    "std",
    "core",
    "alloc",
];

/// Appends `rest` to each of the paths a name resolves to.
fn extend(base: &Candidates, rest: &[String]) -> Candidates {
    base.iter()
        .map(|path| path.join(rest.iter().cloned()))
        .collect()
}

/// Appends `segments` to each glob target, marking the results as reached through a glob.
fn extend_glob(globs: &[Candidates], segments: &[String]) -> Candidates {
    globs
        .iter()
        .flat_map(|glob| extend(glob, segments))
        .map(|mut path| {
            path.via_glob = true;
            path
        })
        .collect()
}

/// Looks up a path's first segment through the blocks of the current
/// function (innermost first), then the module scope, then glob imports and
/// finally the extern prelude.
pub fn lookup(blocks: &[BlockScope], module: &ModuleScope, segments: &[String]) -> Lookup {
    let first = &segments[0];
    let rest = &segments[1..];

    for block in blocks.iter().rev() {
        match block.names.get(first) {
            Some(Local::Value(ty)) => return Lookup::Variable(ty.clone()),
            Some(Local::Function(targets)) if rest.is_empty() => {
                return Lookup::Items(targets.clone())
            }
            Some(Local::Function(_)) => return Lookup::Variable(None),
            Some(Local::Item(targets)) => return Lookup::Items(extend(targets, rest)),
            None => {}
        }
        if !block.globs.is_empty()
            && !module.items.contains_key(first)
            && !module.imports.contains_key(first)
        {
            let mut candidates = extend_glob(&block.globs, segments);
            candidates.push(RawPath::absolute(segments.iter().cloned()));
            return Lookup::Items(candidates);
        }
    }

    if module.items.contains_key(first) {
        return Lookup::Items(vec![RawPath::in_module(segments.iter().cloned())]);
    }
    if let Some(targets) = module.imports.get(first) {
        return Lookup::Items(extend(targets, rest));
    }
    let mut candidates = extend_glob(&module.globs, segments);
    if candidates.is_empty() || !PRELUDE.contains(&first.as_str()) {
        candidates.push(RawPath::absolute(segments.iter().cloned()));
    }
    Lookup::Items(candidates)
}
