//! The state of lowering one Python file: scopes, the function and class being
//! lowered, name lookup, and the recording of call sites.

use std::collections::HashMap;

use tree_sitter::Node;

use super::scope::{Binding, Scope, ScopeKind};
use super::MAX_NESTING;
use crate::frontend::ParseFailure;
use crate::model::{CallSite, Callee, Candidates, Module, RawPath, TypeExpr, UseKind};
use crate::source::SourceFile;

/// Names of the `builtins` module that calls commonly use. An unbound name
/// outside this list denotes nothing the guard can resolve.
const BUILTINS: &[&str] = &[
    "__import__",
    "abs",
    "all",
    "any",
    "bool",
    "breakpoint",
    "bytes",
    "callable",
    "compile",
    "dict",
    "dir",
    "enumerate",
    "eval",
    "exec",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "min",
    "next",
    "object",
    "open",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "sorted",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// The class whose body or method is being lowered.
#[derive(Clone, Debug)]
pub struct ClassContext {
    /// The class's path relative to its module.
    pub local_path: Vec<String>,
    /// The index of its [`crate::model::TypeDef`] in the module.
    pub type_index: usize,
}

impl ClassContext {
    /// Returns the candidates naming the class from inside its own module.
    pub fn candidates(&self) -> Candidates {
        vec![RawPath::in_module(self.local_path.iter().cloned())]
    }
}

/// The binding of a function's first parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MethodKind {
    /// A free or nested function: no implicit first parameter.
    None,
    /// An instance method: the first parameter is an instance of the class.
    Instance,
    /// A `@classmethod`: the first parameter is the class.
    Class,
    /// A `@staticmethod`: no implicit first parameter.
    Static,
}

/// A function whose body is lowered once the enclosing body has bound all its names.
pub struct PendingBody<'t> {
    pub node: Node<'t>,
    pub function: usize,
    pub local_path: Vec<String>,
    pub class: Option<ClassContext>,
    pub method: MethodKind,
}

/// The state of lowering one file.
pub struct Lowerer<'a, 't> {
    pub file: &'a SourceFile,
    pub module: Module,
    /// Whether the file is a package's `__init__.py`, which relative imports count from.
    pub is_package: bool,
    /// The module's scope first, then one scope per enclosing function, lambda,
    /// comprehension or class body.
    pub scopes: Vec<Scope>,
    /// Names that only `if TYPE_CHECKING:` imports bind: annotations may use them, calls not.
    pub type_only: HashMap<String, Candidates>,
    pub current_function: Option<usize>,
    /// The local path of the function being lowered, for nested definitions.
    pub function_path: Vec<String>,
    /// The class of the method being lowered, for `self` fields and `super()`.
    pub method_class: Option<ClassContext>,
    /// The name of the method's first parameter (`self`), for field assignments.
    pub self_name: Option<String>,
    /// The class whose body is being lowered.
    pub class_body: Option<ClassContext>,
    pub in_test: bool,
    /// The call site whose arguments are being lowered.
    pub argument_of: Option<usize>,
    /// Whether a lambda lies between the current point and the call `argument_of` names.
    pub deferred: bool,
    /// The types of the values the current function returns, `None` where unknown.
    pub returned: Vec<Option<TypeExpr>>,
    /// Function bodies waiting for the end of the enclosing body.
    pub pending: Vec<PendingBody<'t>>,
    pub errors: Vec<ParseFailure>,
    depth: usize,
}

impl<'a, 't> Lowerer<'a, 't> {
    pub fn new(file: &'a SourceFile, module: Module, is_package: bool) -> Self {
        Lowerer {
            file,
            module,
            is_package,
            scopes: vec![Scope::new(ScopeKind::Module)],
            type_only: HashMap::new(),
            current_function: None,
            function_path: Vec::new(),
            method_class: None,
            self_name: None,
            class_body: None,
            in_test: false,
            argument_of: None,
            deferred: false,
            returned: Vec::new(),
            pending: Vec::new(),
            errors: Vec::new(),
            depth: 0,
        }
    }

    /// Returns the source text of a node.
    pub fn text(&self, node: Node<'_>) -> &'a str {
        self.file.text.get(node.byte_range()).unwrap_or_default()
    }

    /// Returns whether the code being lowered runs at module level.
    pub fn at_module_level(&self) -> bool {
        self.scopes.len() == 1
    }

    /// Binds a name in the innermost scope.
    pub fn bind(&mut self, name: &str, binding: Binding) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.bind(name, binding);
        }
    }

    /// Looks a name up: the innermost scope, the enclosing function scopes
    /// (class bodies only when they are innermost), the module, the builtins.
    pub fn lookup(&self, name: &str) -> Option<Binding> {
        let innermost = self.scopes.len() - 1;
        for (i, scope) in self.scopes.iter().enumerate().rev() {
            if scope.kind == ScopeKind::Class && i != innermost {
                continue;
            }
            if let Some(binding) = scope.lookup(name) {
                return Some(binding);
            }
        }
        BUILTINS
            .contains(&name)
            .then(|| Binding::items(vec![RawPath::absolute(["builtins", name])]))
    }

    /// Looks a name up for an annotation, where `TYPE_CHECKING` imports count too.
    pub fn lookup_type(&self, name: &str) -> Option<Binding> {
        if let Some(binding) = self.lookup(name).filter(|b| !b.items.is_empty()) {
            return Some(binding);
        }
        self.type_only
            .get(name)
            .map(|items| Binding::items(items.clone()))
    }

    /// Enters one more level of nesting; returns false, after recording an
    /// error once, when the limit is reached.
    pub fn enter(&mut self, node: Node<'_>) -> bool {
        if self.depth >= MAX_NESTING {
            if !self.errors.iter().any(|e| e.message.contains("nest")) {
                self.errors.push(ParseFailure {
                    message: format!("code nests more than {MAX_NESTING} levels deep; the guard did not analyze what is inside"),
                    span: Some(self.file.span(node.byte_range())),
                });
            }
            return false;
        }
        self.depth += 1;
        true
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Records a call site at the span of `name` and returns its index.
    pub fn record(&mut self, callee: Callee, kind: UseKind, name: Node<'_>) -> usize {
        let site = CallSite {
            callee,
            kind,
            span: self.file.span(name.byte_range()),
            enclosing: self.current_function,
            in_test: self.in_test,
            argument_of: self.argument_of,
            deferred: self.deferred || kind == UseKind::Passed,
            joined: false,
        };
        self.module.calls.push(site);
        self.module.calls.len() - 1
    }
}

/// Returns the named children of a node.
pub fn named_children<'t>(node: Node<'t>) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// Returns the children of a node stored under a field name.
pub fn field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor).collect()
}
