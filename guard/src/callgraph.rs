//! The whole-program call graph over the project's functions and methods,
//! built from the resolved call sites of every module, in every language.
//!
//! For each ban, one breadth-first walk over the reversed graph, starting at
//! the functions that call a banned name directly, gives every function the
//! shortest chain to that ban. The work is linear in the size of the graph per
//! ban, and recursion terminates because each function is visited once.

use std::collections::VecDeque;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

use crate::config::{Ban, Config, Globs};
use crate::engine::Analysis;
use crate::index::{FunctionId, QualifiedName};
use crate::model::Language;
use crate::rules::scope::{handed_off, runs_code};

/// A call from one function to project functions.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The call site, an index into the caller's module `calls`.
    pub site: usize,
    pub target: FunctionId,
    /// The note shown in the chain when the call reaches the target through
    /// dynamic dispatch to one of several implementations.
    pub note: Option<Arc<str>>,
}

/// The call graph: outgoing edges per function, by dense function number.
pub struct CallGraph {
    /// The first dense number of each module's functions.
    offsets: Vec<usize>,
    /// Methods that override or implement a base or trait method.
    pub overriders: HashMap<QualifiedName, Vec<(FunctionId, Arc<str>)>>,
    /// For a decorated function, the wrapper functions its project decorators
    /// define: calling the function runs them.
    pub wrappers: HashMap<FunctionId, Vec<(FunctionId, Arc<str>)>>,
    pub ids: Vec<FunctionId>,
    pub edges: Vec<Vec<Edge>>,
    reverse: Vec<Vec<(usize, usize)>>,
}

/// The next step of a function's shortest chain to a ban.
#[derive(Clone, Debug)]
pub enum Step {
    /// The function calls the banned name at this site.
    Banned { site: usize, name: QualifiedName },
    /// The function calls the next function of the chain through this edge.
    Call { edge: usize },
}

/// For one ban: each function's distance to it and next step, by dense number.
pub struct Reach {
    pub distance: Vec<Option<usize>>,
    pub step: Vec<Option<Step>>,
}

impl CallGraph {
    /// Builds the graph from the analysis. Calls that only hand work off are not edges.
    pub fn build(analysis: &Analysis, config: &Config) -> CallGraph {
        let modules = &analysis.index.modules;
        let mut offsets = Vec::with_capacity(modules.len());
        let mut ids = Vec::new();
        for (m, module) in modules.iter().enumerate() {
            offsets.push(ids.len());
            ids.extend((0..module.functions.len()).map(|f| FunctionId {
                module: m,
                function: f,
            }));
        }
        let overriders = overriding_methods(analysis);
        let wrappers = decorator_wrappers(analysis);

        let mut edges: Vec<Vec<Edge>> = vec![Vec::new(); ids.len()];
        for (m, module) in modules.iter().enumerate() {
            for (s, site) in module.calls.iter().enumerate() {
                let Some(caller) = site.enclosing else {
                    continue;
                };
                if handed_off(analysis, config, m, s) || !runs_code(analysis, m, s) {
                    continue;
                }
                let from = offsets[m] + caller;
                for (target, note) in site_targets(analysis, &overriders, &wrappers, m, s) {
                    edges[from].push(Edge {
                        site: s,
                        target,
                        note,
                    });
                }
            }
        }

        let mut reverse = vec![Vec::new(); ids.len()];
        for (from, out) in edges.iter().enumerate() {
            for (e, edge) in out.iter().enumerate() {
                reverse[offsets[edge.target.module] + edge.target.function].push((from, e));
            }
        }
        CallGraph {
            offsets,
            overriders,
            wrappers,
            ids,
            edges,
            reverse,
        }
    }

    pub fn number(&self, id: FunctionId) -> usize {
        self.offsets[id.module] + id.function
    }

    /// Computes, for one ban, the shortest chain from every function to a banned call.
    ///
    /// Functions in files that `stop` matches are neither sinks nor steps of a
    /// chain: a gateway rule's allowed files end the walk.
    pub fn reach(
        &self,
        analysis: &Analysis,
        config: &Config,
        ban: &Ban,
        stop: Option<&Globs>,
    ) -> Reach {
        let crates = analysis.index.roots(Language::Rust);
        let mut distance = vec![None; self.ids.len()];
        let mut step = vec![None; self.ids.len()];
        let mut queue = VecDeque::new();

        let stopped: Vec<bool> = analysis
            .index
            .modules
            .iter()
            .map(|module| {
                stop.is_some_and(|globs| globs.is_match(&crate::source::display_path(&module.file)))
            })
            .collect();
        for (m, module) in analysis.index.modules.iter().enumerate() {
            if !ban.pattern.applies_to(module.language) || stopped[m] {
                continue;
            }
            for (s, site) in module.calls.iter().enumerate() {
                let Some(caller) = site.enclosing else {
                    continue;
                };
                let number = self.offsets[m] + caller;
                if distance[number].is_some() {
                    continue;
                }
                let Some(name) = analysis.resolved[m][s]
                    .iter()
                    .find(|n| ban.pattern.matches(n, crates))
                else {
                    continue;
                };
                if handed_off(analysis, config, m, s) || !runs_code(analysis, m, s) {
                    continue;
                }
                distance[number] = Some(0);
                step[number] = Some(Step::Banned {
                    site: s,
                    name: name.clone(),
                });
                queue.push_back(number);
            }
        }

        while let Some(current) = queue.pop_front() {
            let next_distance = distance[current].map(|d| d + 1);
            for &(caller, edge) in &self.reverse[current] {
                if distance[caller].is_none() && !stopped[self.ids[caller].module] {
                    distance[caller] = next_distance;
                    step[caller] = Some(Step::Call { edge });
                    queue.push_back(caller);
                }
            }
        }
        Reach { distance, step }
    }
}

/// Maps `Type::method` of a base class or trait to the methods that override
/// or implement it in other project types.
pub(crate) fn overriding_methods(
    analysis: &Analysis,
) -> HashMap<QualifiedName, Vec<(FunctionId, Arc<str>)>> {
    let index = &analysis.index;
    let mut out: HashMap<QualifiedName, Vec<(FunctionId, Arc<str>)>> = HashMap::default();
    for (type_name, info) in &index.types {
        let mut ancestors: Vec<QualifiedName> = info.traits.clone();
        let mut pending = index.bases_of(type_name);
        while let Some(base) = pending.pop() {
            if ancestors.contains(&base) || ancestors.len() > 64 {
                continue;
            }
            pending.extend(index.bases_of(&base));
            ancestors.push(base);
        }
        if ancestors.is_empty() {
            continue;
        }
        let Some(&(first, _)) = info.methods.values().flatten().next() else {
            continue;
        };
        let separator = index.modules[first.module].language.separator();
        let note: Arc<str> = format!(
            "may dispatch to the implementation in `{}`",
            type_name.join(separator)
        )
        .into();
        for (method, definitions) in &info.methods {
            for ancestor in &ancestors {
                let mut key = ancestor.clone();
                key.push(method.clone());
                for (id, _) in definitions {
                    out.entry(key.clone())
                        .or_default()
                        .push((*id, note.clone()));
                }
            }
        }
    }
    out
}

/// Returns the project functions a call site may call, with a note for dynamic dispatch.
///
/// A call on a trait object, a generic bound or a base class follows every
/// implementation the project defines. A call on a concrete type resolves to
/// that type's method and to the trait method it implements; it follows only
/// the type's own method.
// NOTE: a call on a Python object whose class inherits the method also
// follows the overrides in sibling subclasses, because resolved names do not
// keep the receiver's class. Callers skip overrides when the receiver was just
// built by a constructor (`receiver_is_exact`).
fn targets_of(
    analysis: &Analysis,
    overriders: &HashMap<QualifiedName, Vec<(FunctionId, Arc<str>)>>,
    names: &[QualifiedName],
) -> Vec<(FunctionId, Option<Arc<str>>)> {
    let mut out: Vec<(FunctionId, Option<Arc<str>>)> = Vec::new();
    let mut defaults: Vec<(FunctionId, Option<Arc<str>>)> = Vec::new();
    for name in names {
        // Calling a class runs its constructor: `Client()` calls `Client.__init__`,
        // which may be inherited.
        if analysis
            .index
            .types
            .get(name)
            .is_some_and(|info| !info.is_trait)
        {
            let class = crate::index::ResolvedType::new(name.clone(), false);
            for init in analysis
                .index
                .method_names(&class, &["__init__".to_string()])
            {
                out.extend(
                    analysis
                        .index
                        .functions
                        .get(&init)
                        .into_iter()
                        .flatten()
                        .map(|id| (*id, None)),
                );
            }
        }
        let Some(ids) = analysis.index.functions.get(name) else {
            continue;
        };
        let is_trait_default = name.len() > 1
            && analysis
                .index
                .types
                .get(&name[..name.len() - 1])
                .is_some_and(|t| t.is_trait);
        let list = if is_trait_default {
            &mut defaults
        } else {
            &mut out
        };
        list.extend(ids.iter().map(|id| (*id, None)));
    }
    let concrete = names.len() > 1 && !(out.is_empty() && defaults.is_empty());
    if concrete {
        // A type's own method overrides the trait's default body.
        return if out.is_empty() { defaults } else { out };
    }
    out.extend(defaults);
    let mut seen: HashSet<FunctionId> = out.iter().map(|(id, _)| *id).collect();
    for name in names {
        for (id, note) in overriders.get(name).into_iter().flatten() {
            if seen.insert(*id) {
                out.push((*id, Some(note.clone())));
            }
        }
    }
    out
}

/// Returns the qualified name of a function as its language writes it.
pub fn function_name(analysis: &Analysis, id: FunctionId) -> String {
    let module = &analysis.index.modules[id.module];
    module
        .function_path(id.function)
        .join(module.language.separator())
}

/// Returns the chain from a function down to the banned call, one hop per call.
pub fn chain_from(
    analysis: &Analysis,
    graph: &CallGraph,
    reach: &Reach,
    start: FunctionId,
) -> Vec<crate::diagnostics::Hop> {
    let mut hops = Vec::new();
    let mut current = start;
    for _ in 0..=graph.ids.len() {
        let number = graph.number(current);
        let module = &analysis.index.modules[current.module];
        let separator = module.language.separator();
        let (site, callee, next, note) = match &reach.step[number] {
            Some(Step::Banned { site, name }) => (*site, name.join(separator), None, None),
            Some(Step::Call { edge }) => {
                let edge = &graph.edges[number][*edge];
                (
                    edge.site,
                    function_name(analysis, edge.target),
                    Some(edge.target),
                    edge.note.as_deref().map(String::from),
                )
            }
            None => break,
        };
        let span = &module.calls[site].span;
        hops.push(crate::diagnostics::Hop {
            function: function_name(analysis, current),
            file: crate::source::display_path(&module.file),
            line: span.line,
            column: span.column,
            callee,
            note,
        });
        match next {
            Some(next) => current = next,
            None => break,
        }
    }
    hops
}

/// Returns whether a method call's receiver has exactly the type the index
/// finds, with no subclass or other implementation possible: a value just
/// built by calling its class (`Base().run()`, `b = Base(); b.run()`).
fn receiver_is_exact(analysis: &Analysis, module: usize, callee: &crate::model::Callee) -> bool {
    use crate::model::{Callee, TypeExpr};
    let Callee::Method {
        receiver: TypeExpr::Returned(inner),
        ..
    } = callee
    else {
        return false;
    };
    let Callee::Path(candidates) = &**inner else {
        return false;
    };
    let names = analysis.index.resolve_candidates(module, candidates);
    !names.is_empty()
        && names
            .iter()
            .all(|name| analysis.index.types.get(name).is_some_and(|t| !t.is_trait))
}

/// Maps each decorated function to the wrappers its project decorators define
/// (`def deco(f): def wrapper(*a): ...; return wrapper`): the functions nested
/// in the decorator, which run in place of the decorated one.
fn decorator_wrappers(analysis: &Analysis) -> HashMap<FunctionId, Vec<(FunctionId, Arc<str>)>> {
    let index = &analysis.index;
    let mut out: HashMap<FunctionId, Vec<(FunctionId, Arc<str>)>> = HashMap::default();
    for (m, module) in index.modules.iter().enumerate() {
        for (f, function) in module.functions.iter().enumerate() {
            for attribute in &function.attributes {
                let segments: Vec<&str> = attribute
                    .split(['.', ':'])
                    .filter(|s| !s.is_empty())
                    .collect();
                let raw = crate::model::RawPath::in_module(segments);
                for decorator in index.resolve_candidates(m, &vec![raw]) {
                    for id in index.functions.get(&decorator).into_iter().flatten() {
                        let note: Arc<str> = format!("through the decorator `{attribute}`").into();
                        let owner = &index.modules[id.module];
                        for (nested, candidate) in owner.functions.iter().enumerate() {
                            if candidate.parent == Some(id.function) {
                                let wrapper = FunctionId {
                                    module: id.module,
                                    function: nested,
                                };
                                out.entry(FunctionId {
                                    module: m,
                                    function: f,
                                })
                                .or_default()
                                .push((wrapper, note.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Returns the project functions a call site may run: its targets, with
/// overrides unless the receiver's class is exact, and decorator wrappers.
pub(crate) fn site_targets(
    analysis: &Analysis,
    overriders: &HashMap<QualifiedName, Vec<(FunctionId, Arc<str>)>>,
    wrappers: &HashMap<FunctionId, Vec<(FunctionId, Arc<str>)>>,
    module: usize,
    site: usize,
) -> Vec<(FunctionId, Option<Arc<str>>)> {
    let callee = &analysis.index.modules[module].calls[site].callee;
    let names = &analysis.resolved[module][site];
    let targets = if receiver_is_exact(analysis, module, callee) {
        targets_of(analysis, &HashMap::default(), names)
    } else {
        targets_of(analysis, overriders, names)
    };
    with_wrappers(wrappers, targets)
}

/// Adds the decorator wrappers of each target: calling a decorated function runs its wrapper.
fn with_wrappers(
    wrappers: &HashMap<FunctionId, Vec<(FunctionId, Arc<str>)>>,
    targets: Vec<(FunctionId, Option<Arc<str>>)>,
) -> Vec<(FunctionId, Option<Arc<str>>)> {
    let mut out = targets.clone();
    for (target, _) in &targets {
        for (wrapper, note) in wrappers.get(target).into_iter().flatten() {
            out.push((*wrapper, Some(note.clone())));
        }
    }
    out
}
