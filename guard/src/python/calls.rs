//! Call sites: direct calls, and functions passed to something that runs
//! them now (`asyncio.to_thread(f)`, `run_in_executor(None, partial(f))`, `map(f, xs)`).

use tree_sitter::Node;

use super::lower::{named_children, Lowerer};
use crate::model::{Callee, PathBase, TypeExpr, UseKind};

/// Last names of callees that run a function argument before they return
/// (or, awaited, before the caller resumes).
const RUNNERS: &[&str] = &[
    "to_thread",
    "run_in_executor",
    "run_sync",
    "sync_to_async",
    "async_to_sync",
    "submit",
    "map",
    "starmap",
    "filter",
    "sorted",
    "min",
    "max",
    "reduce",
    "apply",
];

/// Returns the last segment of each name a callee may denote.
fn last_segments(callee: &Callee) -> Vec<&str> {
    match callee {
        Callee::Path(candidates) => candidates
            .iter()
            .filter_map(|c| c.segments.last().map(String::as_str))
            .collect(),
        Callee::Method { segments, .. } => {
            segments.last().map(String::as_str).into_iter().collect()
        }
    }
}

impl<'a, 't> Lowerer<'a, 't> {
    /// Lowers a call: the expressions its callee is computed from, the call
    /// itself, then its arguments.
    pub fn call(&mut self, node: Node<'t>) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        match self.attribute_access(function) {
            Some(access) => self.walk(access.object),
            None if function.kind() == "identifier" => {}
            None => self.walk(function),
        }

        let callee = self.callee_of(function);
        let runs_arguments = callee
            .as_ref()
            .is_some_and(|(c, _)| last_segments(c).iter().any(|s| RUNNERS.contains(s)));
        let site = callee.map(|(callee, name)| self.record(callee, UseKind::Call, name));

        let saved = self.argument_of;
        let saved_deferred = self.deferred;
        if site.is_some() {
            self.argument_of = site;
            self.deferred = false;
        }
        if let Some(arguments) = node.child_by_field_name("arguments") {
            if runs_arguments {
                for argument in named_children(arguments) {
                    self.passed_function(argument);
                }
            }
            self.walk(arguments);
        }
        self.argument_of = saved;
        self.deferred = saved_deferred;
    }

    /// Records a function reference passed as an argument: a name, an
    /// attribute chain, or `functools.partial(f, ...)`.
    fn passed_function(&mut self, argument: Node<'t>) {
        let argument = match argument.kind() {
            "keyword_argument" => match argument.child_by_field_name("value") {
                Some(value) => value,
                None => return,
            },
            _ => argument,
        };
        let reference = match argument.kind() {
            "identifier" | "attribute" => Some(argument),
            "call" if self.is_partial(argument) => {
                self.positional_arguments(argument).first().copied()
            }
            _ => None,
        };
        let Some(reference) = reference.filter(|r| matches!(r.kind(), "identifier" | "attribute"))
        else {
            return;
        };

        let Some((callee, name)) = self.callee_of(reference) else {
            return;
        };
        if matches!(
            callee,
            Callee::Method {
                receiver: TypeExpr::Unknown,
                ..
            }
        ) {
            return;
        }
        self.record(callee, UseKind::Passed, name);
    }

    fn is_partial(&self, call: Node<'t>) -> bool {
        let Some((Callee::Path(candidates), _)) = call
            .child_by_field_name("function")
            .and_then(|f| self.callee_of(f))
        else {
            return false;
        };
        candidates
            .iter()
            .any(|c| c.base == PathBase::Absolute && c.segments == ["functools", "partial"])
    }
}
