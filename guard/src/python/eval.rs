//! Evaluation of expressions within one file: the definitions a name or
//! attribute chain may name, the type of a value, and annotations.

use tree_sitter::Node;

use super::lower::{named_children, Lowerer};
use super::scope::Binding;
use super::MAX_NESTING;
use crate::model::{Callee, RawPath, TypeExpr};

/// Names in annotations that wrap the type the guard follows: `Optional[T]` is `T`.
const TYPE_WRAPPERS: &[&str] = &[
    "Optional",
    "Union",
    "Annotated",
    "Final",
    "ClassVar",
    "None",
    "typing",
    "t",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "type",
    "List",
    "Dict",
    "Set",
    "FrozenSet",
    "Tuple",
    "Type",
    "Sequence",
    "MutableSequence",
    "Iterable",
    "Iterator",
    "Collection",
    "Mapping",
    "MutableMapping",
    "Awaitable",
    "AsyncIterator",
    "AsyncIterable",
    "collections",
    "abc",
    "str",
    "int",
    "bytes",
];

/// An attribute read: `object.name`, or the constant `getattr(object, "name")`.
pub struct Access<'t> {
    pub object: Node<'t>,
    pub name: String,
    /// The node to point at: the attribute's identifier or the string.
    pub name_node: Node<'t>,
}

/// Returns the text of a plain string literal (no interpolation, no
/// concatenation) and the node of its content.
pub fn string_literal<'t>(node: Node<'t>, text: &str) -> Option<(String, Node<'t>)> {
    if node.kind() != "string" {
        return None;
    }
    let children = named_children(node);
    if children.iter().any(|c| c.kind() == "interpolation") {
        return None;
    }
    let content = children.iter().find(|c| c.kind() == "string_content")?;
    Some((text.get(content.byte_range())?.to_string(), *content))
}

/// Returns a binding's member: its definitions joined with the name, and the
/// type of the attribute of its value.
pub fn member(base: &Binding, name: &str) -> Binding {
    let items = base.items.iter().map(|p| p.join([name])).collect();
    let value = base
        .known_value()
        .map(|v| TypeExpr::Field(Box::new(v.clone()), name.to_string()));
    Binding { items, value }
}

impl<'a, 't> Lowerer<'a, 't> {
    /// Returns the positional arguments of a call.
    pub fn positional_arguments(&self, call: Node<'t>) -> Vec<Node<'t>> {
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return Vec::new();
        };
        if arguments.kind() != "argument_list" {
            return Vec::new();
        }
        named_children(arguments)
            .into_iter()
            .filter(|a| {
                !matches!(
                    a.kind(),
                    "keyword_argument" | "list_splat" | "dictionary_splat" | "comment"
                )
            })
            .collect()
    }

    /// Returns whether a call's function is the builtin of that name, not rebound.
    pub fn calls_builtin(&self, call: Node<'t>, name: &str) -> bool {
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        function.kind() == "identifier"
            && self.text(function) == name
            && self
                .lookup(name)
                .is_some_and(|b| b.items == [RawPath::absolute(["builtins", name])])
    }

    /// Returns the attribute an expression reads, if it reads one.
    pub fn attribute_access(&self, node: Node<'t>) -> Option<Access<'t>> {
        match node.kind() {
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let name_node = node.child_by_field_name("attribute")?;
                Some(Access {
                    object,
                    name: self.text(name_node).to_string(),
                    name_node,
                })
            }
            "call" if self.calls_builtin(node, "getattr") => {
                let arguments = self.positional_arguments(node);
                if !(2..=3).contains(&arguments.len()) {
                    return None;
                }
                let (name, name_node) = string_literal(arguments[1], &self.file.text)?;
                Some(Access {
                    object: arguments[0],
                    name,
                    name_node,
                })
            }
            _ => None,
        }
    }

    /// Evaluates what an expression denotes.
    pub fn eval(&self, node: Node<'t>) -> Option<Binding> {
        self.eval_at(node, 0)
    }

    fn eval_at(&self, node: Node<'t>, depth: usize) -> Option<Binding> {
        if depth > MAX_NESTING {
            return None;
        }
        if let Some(access) = self.attribute_access(node) {
            let base = self.eval_at(access.object, depth + 1)?;
            return Some(member(&base, &access.name));
        }

        match node.kind() {
            "identifier" => self.lookup(self.text(node)),
            "call" => self.eval_call(node, depth),
            "await" | "parenthesized_expression" => self.eval_at(node.named_child(0)?, depth + 1),
            "named_expression" => self.eval_at(node.child_by_field_name("value")?, depth + 1),
            "subscript" => {
                // A dispatch table's entries, or an element of a typed collection
                // (`clients["a"]` with `clients: dict[str, Client]`).
                let table = self.eval_at(node.child_by_field_name("value")?, depth + 1)?;
                Some(Binding {
                    items: table.items,
                    value: table.value,
                })
            }
            "dictionary" => {
                let values = named_children(node)
                    .into_iter()
                    .filter_map(|pair| pair.child_by_field_name("value"));
                Some(self.union_of_items(values, depth))
            }
            "list" | "tuple" | "set" | "expression_list" => {
                Some(self.union_of_items(named_children(node).into_iter(), depth))
            }
            "conditional_expression" => {
                let children = named_children(node);
                self.merge_alternatives(
                    [children.first().copied(), children.get(2).copied()],
                    depth,
                )
            }
            "boolean_operator" => self.merge_alternatives(
                [
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ],
                depth,
            ),
            _ => Some(Binding::value(TypeExpr::Unknown)),
        }
    }

    fn union_of_items(&self, nodes: impl Iterator<Item = Node<'t>>, depth: usize) -> Binding {
        let mut union = Binding::default();
        for node in nodes {
            if let Some(binding) = self.eval_at(node, depth + 1) {
                union.merge(&Binding::items(binding.items));
            }
        }
        union
    }

    fn merge_alternatives(&self, nodes: [Option<Node<'t>>; 2], depth: usize) -> Option<Binding> {
        let mut merged: Option<Binding> = None;
        for node in nodes.into_iter().flatten() {
            let Some(binding) = self.eval_at(node, depth + 1) else {
                continue;
            };
            match &mut merged {
                Some(existing) => existing.merge(&binding),
                None => merged = Some(binding),
            }
        }
        merged
    }

    /// Evaluates a call: `super()`, `importlib.import_module("a.b")`,
    /// `__import__("a")` and `functools.partial(f, ...)` are resolved; any
    /// other call returns what its callee returns.
    fn eval_call(&self, node: Node<'t>, depth: usize) -> Option<Binding> {
        if self.calls_builtin(node, "super") {
            let class = self.method_class.as_ref()?;
            return Some(Binding::value(TypeExpr::SuperOf(class.candidates())));
        }

        let function = node.child_by_field_name("function")?;
        let (callee, _) = self.callee_at(function, depth + 1)?;
        if let Callee::Path(candidates) = &callee {
            let names = |segments: &[&str]| {
                candidates
                    .iter()
                    .any(|c| c.base == crate::model::PathBase::Absolute && c.segments == segments)
            };
            let arguments = self.positional_arguments(node);
            let first_string = arguments
                .first()
                .and_then(|a| string_literal(*a, &self.file.text))
                .map(|(s, _)| s);
            if names(&["importlib", "import_module"]) {
                let module = first_string.filter(|s| !s.starts_with('.') && !s.is_empty())?;
                return Some(Binding::items(vec![RawPath::absolute(module.split('.'))]));
            }
            if names(&["builtins", "__import__"]) {
                let module = first_string.filter(|s| !s.is_empty())?;
                let top = module.split('.').next().unwrap_or_default();
                return Some(Binding::items(vec![RawPath::absolute([top])]));
            }
            if names(&["functools", "partial"]) {
                return self
                    .eval_at(*arguments.first()?, depth + 1)
                    .map(|b| Binding::items(b.items));
            }
        }
        Some(Binding::value(TypeExpr::Returned(Box::new(callee))))
    }

    /// Returns the callee of a call's function expression and the node of its name.
    /// Returns what calling a bound name calls: the function or class it names,
    /// or, for an object of a known class, its `__call__` method.
    fn callee_of_binding(binding: Binding, name: Node<'t>) -> Option<(Callee, Node<'t>)> {
        if !binding.items.is_empty() {
            return Some((Callee::Path(binding.items), name));
        }
        let receiver = binding.known_value()?.clone();
        Some((
            Callee::Method {
                receiver,
                segments: vec!["__call__".to_string()],
            },
            name,
        ))
    }

    pub fn callee_of(&self, function: Node<'t>) -> Option<(Callee, Node<'t>)> {
        self.callee_at(function, 0)
    }

    fn callee_at(&self, function: Node<'t>, depth: usize) -> Option<(Callee, Node<'t>)> {
        if depth > MAX_NESTING {
            return None;
        }
        if let Some(access) = self.attribute_access(function) {
            let mut segments = vec![access.name];
            let mut base = access.object;
            while let Some(inner) = self.attribute_access(base) {
                segments.push(inner.name);
                base = inner.object;
            }
            segments.reverse();
            let callee = match self.eval_at(base, depth + 1) {
                Some(b) if !b.items.is_empty() => Callee::Path(
                    b.items
                        .iter()
                        .map(|p| p.join(segments.iter().cloned()))
                        .collect(),
                ),
                Some(b) if b.known_value().is_some() => Callee::Method {
                    receiver: b.value.unwrap_or(TypeExpr::Unknown),
                    segments,
                },
                _ => Callee::Method {
                    receiver: TypeExpr::Unknown,
                    segments,
                },
            };
            return Some((callee, access.name_node));
        }

        match function.kind() {
            "identifier" => {
                let binding = self.lookup(self.text(function))?;
                Self::callee_of_binding(binding, function)
            }
            "parenthesized_expression" => self.callee_at(function.named_child(0)?, depth + 1),
            "subscript" | "call" | "await" => {
                let binding = self.eval_at(function, depth + 1)?;
                let name = function.child_by_field_name("value").unwrap_or(function);
                Self::callee_of_binding(binding, name)
            }
            _ => None,
        }
    }

    /// Converts an annotation (a `type` node, a string annotation, `Optional[T]`,
    /// `T | None`) into the type it names.
    pub fn annotation_type(&self, node: Node<'t>) -> Option<TypeExpr> {
        let text = self.text(node);
        // The first name that is not a container or typing wrapper and that the
        // scope resolves: `list[Client]` and `dict[str, Client]` are `Client`,
        // as elements are what code calls methods on.
        let (binding, rest) = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .filter(|token| {
                !token.is_empty()
                    && !TYPE_WRAPPERS.contains(&token.rsplit('.').next().unwrap_or(token))
            })
            .find_map(|name| {
                let mut segments = name.split('.');
                let binding = self.lookup_type(segments.next()?)?;
                let rest: Vec<&str> = segments.collect();
                (!binding.items.is_empty()).then_some((binding, rest))
            })?;
        Some(TypeExpr::Named(
            binding
                .items
                .iter()
                .map(|p| p.join(rest.iter().copied()))
                .collect(),
        ))
    }
}
