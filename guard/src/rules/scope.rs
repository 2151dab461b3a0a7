//! The call sites a rule covers: hot-path scopes, allowed locations, test
//! code and hand-off boundaries.

use crate::config::{Config, Rule};
use crate::engine::Analysis;
use crate::index::QualifiedName;
use crate::model::{CallSite, Callee, Function, Module, TypeExpr};
use crate::source::display_path;

/// Returns whether a function is hot by the rule's name patterns or attributes.
fn function_is_hot(rule: &Rule, function: &Function) -> bool {
    let by_name = rule
        .scope
        .functions
        .as_ref()
        .is_some_and(|globs| globs.is_match(&function.name));
    let by_attribute = function.attributes.iter().any(|attribute| {
        rule.scope.attributes.iter().any(|wanted| {
            attribute == wanted || attribute.rsplit(['.', ':']).next() == Some(wanted.as_str())
        })
    });
    by_name || by_attribute
}

/// Returns whether a file is in the rule's hot path and not allowed.
pub fn file_in_scope(rule: &Rule, module: &Module) -> bool {
    let file = display_path(&module.file);
    if rule.allow.is_match(&file) {
        return false;
    }
    if rule.allow_test_code && module.in_test {
        return false;
    }
    rule.scope
        .files
        .as_ref()
        .is_none_or(|globs| globs.is_match(&file))
}

/// Returns whether code inside a function (or at module level, for `None`) is hot path.
pub fn function_in_scope(rule: &Rule, module: &Module, function: Option<usize>) -> bool {
    if rule.allow_test_code && module.any_enclosing(function, |f| f.in_test) {
        return false;
    }
    if rule.scope.functions.is_none() && rule.scope.attributes.is_empty() {
        return true;
    }
    module.any_enclosing(function, |f| function_is_hot(rule, f))
}

/// Returns whether a call site is in the rule's hot path.
pub fn site_in_scope(rule: &Rule, module: &Module, site: &CallSite) -> bool {
    !(rule.allow_test_code && site.in_test) && function_in_scope(rule, module, site.enclosing)
}

/// Returns whether a call only hands work off: it is a boundary call such as
/// `tokio::spawn(..)` or `task.delay(..)`, or it runs later because of one.
///
/// A site runs later when a closure, async block or lambda inside the
/// boundary's arguments contains it, or, for a spawn, when it is the spawned
/// future itself (`tokio::spawn(work())`). Other arguments of a boundary run
/// now: `task.delay(complete(x))` calls `complete` before it enqueues.
pub fn handed_off(analysis: &Analysis, config: &Config, module: usize, site: usize) -> bool {
    analysis.hand_offs(config)[module][site]
}

/// Computes [`handed_off`] for one call site.
pub fn compute_handed_off(
    analysis: &Analysis,
    config: &Config,
    module: usize,
    site: usize,
) -> bool {
    let calls = &analysis.index.modules[module].calls;
    if is_boundary(analysis, config, module, site) {
        return true;
    }
    let mut current = site;
    let mut deferred = false;
    for _ in 0..calls.len() {
        let Some(parent) = calls[current].argument_of else {
            return false;
        };
        deferred |= calls[current].deferred;
        if is_boundary(analysis, config, module, parent) {
            let spawned_future = current == site && is_spawn(analysis, module, parent);
            if deferred || spawned_future {
                return true;
            }
        }
        current = parent;
    }
    false
}

/// Returns whether a boundary call runs a future or closure it is given (a
/// spawn), rather than taking data to enqueue.
fn is_spawn(analysis: &Analysis, module: usize, site: usize) -> bool {
    analysis.resolved[module][site].iter().any(|name| {
        name.last().is_some_and(|last| {
            last.starts_with("spawn") || last == "create_task" || last == "ensure_future"
        })
    })
}

/// Returns whether a call site is a hand-off boundary.
pub fn is_boundary(analysis: &Analysis, config: &Config, module: usize, site: usize) -> bool {
    let owner = &analysis.index.modules[module];
    if owner.calls[site].joined && is_spawn(analysis, module, site) {
        return false;
    }
    let crates = analysis.index.roots(crate::model::Language::Rust);
    let unknown_receiver: Vec<QualifiedName>;
    let names: &[QualifiedName] = match &owner.calls[site].callee {
        Callee::Method {
            receiver: TypeExpr::Unknown,
            segments,
        } => {
            unknown_receiver = vec![std::iter::once("?".to_string())
                .chain(segments.iter().cloned())
                .collect()];
            &unknown_receiver
        }
        _ => &analysis.resolved[module][site],
    };
    names.iter().any(|name| {
        config
            .boundaries
            .iter()
            .any(|b| b.applies_to(owner.language) && b.matches(name, crates))
    })
}

/// Returns whether a call site runs code: every call does, and an attribute
/// read does when it reads a property (`@property`, `@cached_property`).
pub fn runs_code(analysis: &Analysis, module: usize, site: usize) -> bool {
    let call = &analysis.index.modules[module].calls[site];
    if call.kind != crate::model::UseKind::Read {
        return true;
    }
    analysis.resolved[module][site]
        .iter()
        .any(|name| is_property(analysis, name))
}

/// Returns whether a qualified name is a project function decorated as a property.
pub fn is_property(analysis: &Analysis, name: &QualifiedName) -> bool {
    analysis
        .index
        .functions
        .get(name)
        .into_iter()
        .flatten()
        .any(|id| {
            analysis.index.modules[id.module].functions[id.function]
                .attributes
                .iter()
                .any(|a| matches!(a.rsplit('.').next(), Some("property" | "cached_property")))
        })
}
