//! The walk over statements and expressions: control flow with branch
//! alternatives, assignments and what they bind, and the scopes of lambdas
//! and comprehensions.

use tree_sitter::Node;

use super::eval::string_literal;
use super::lower::{field_children, named_children, Lowerer};
use super::scope::{Binding, Scope, ScopeKind};
use crate::model::{Alias, Callee, TypeExpr, UseKind};

impl<'a, 't> Lowerer<'a, 't> {
    /// Lowers a module: its statements in order, then the function bodies,
    /// which run only after every module-level name is bound.
    pub fn lower_module(&mut self, root: Node<'t>) {
        self.walk_children(root);
        self.lower_pending();
    }

    pub fn walk_children(&mut self, node: Node<'t>) {
        for child in named_children(node) {
            self.walk(child);
        }
    }

    /// Lowers a statement or an expression.
    pub fn walk(&mut self, node: Node<'t>) {
        if !self.enter(node) {
            return;
        }
        self.walk_node(node);
        self.leave();
    }

    fn walk_node(&mut self, node: Node<'t>) {
        match node.kind() {
            "attribute" => self.attribute_read(node),
            "comment"
            | "identifier"
            | "type"
            | "future_import_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "type_alias_statement"
            | "pass_statement"
            | "break_statement"
            | "continue_statement" => {}
            "string" => {
                for interpolation in named_children(node)
                    .into_iter()
                    .filter(|c| c.kind() == "interpolation")
                {
                    if let Some(expression) = interpolation.child_by_field_name("expression") {
                        self.walk(expression);
                    }
                }
            }
            "import_statement" | "import_from_statement" => self.import(node),
            "function_definition" => self.function_definition(node, Vec::new()),
            "class_definition" => self.class_definition(node, Vec::new()),
            "decorated_definition" => self.decorated_definition(node),
            "if_statement" => self.if_statement(node),
            "try_statement" => self.try_statement(node),
            "for_statement" | "while_statement" => self.loop_statement(node),
            "with_statement" => self.with_statement(node),
            "assignment" => self.assignment(node),
            "augmented_assignment" => self.augmented_assignment(node),
            "named_expression" => {
                if let (Some(name), Some(value)) = (
                    node.child_by_field_name("name"),
                    node.child_by_field_name("value"),
                ) {
                    self.walk(value);
                    let binding = self.eval(value).unwrap_or_default();
                    self.bind(self.text(name), binding);
                }
            }
            "keyword_argument" => {
                if let Some(value) = node.child_by_field_name("value") {
                    self.walk(value);
                }
            }
            "call" => self.call(node),
            "return_statement" => {
                self.walk_children(node);
                if let Some(value) = node.named_child(0) {
                    // A returned function (`return inner`) is recorded as a value of
                    // that function, so calling the result calls it.
                    let returned = self.eval(value).and_then(|b| match b.known_value() {
                        Some(value) => Some(value.clone()),
                        None if !b.items.is_empty() => Some(TypeExpr::Named(b.items)),
                        None => None,
                    });
                    self.returned.push(returned);
                }
            }
            "lambda" => self.lambda(node),
            "except_clause" | "except_group_clause" => self.except_clause(node),
            "list_comprehension"
            | "set_comprehension"
            | "dictionary_comprehension"
            | "generator_expression" => self.comprehension(node),
            _ => self.walk_children(node),
        }
    }

    /// Records an attribute read on a value of a known type, which runs a
    /// property's getter when the attribute is one.
    fn attribute_read(&mut self, node: Node<'t>) {
        if let Some(object) = node.child_by_field_name("object") {
            self.walk(object);
        }
        let Some((callee, name)) = self.callee_of(node) else {
            return;
        };
        if let Callee::Method {
            receiver: TypeExpr::Unknown,
            ..
        } = callee
        {
            return;
        }
        self.record(callee, UseKind::Read, name);
    }

    /// Lowers an `except` handler; `except Error as name` binds `name` to the
    /// exception, which shadows any function of that name.
    fn except_clause(&mut self, node: Node<'t>) {
        for child in named_children(node) {
            if child.kind() == "as_pattern" {
                if let Some(value) = child.named_child(0) {
                    self.walk(value);
                }
                if let Some(alias) = child.child_by_field_name("alias") {
                    let target = alias.named_child(0).unwrap_or(alias);
                    self.bind_target(target, Binding::value(TypeExpr::Unknown));
                }
            } else {
                self.walk(child);
            }
        }
    }

    /// Lowers the branches of a statement from the same scope and merges
    /// what they bound. Without an `else`, the scope before also remains possible.
    fn branches(&mut self, branches: &[Node<'t>], exhaustive: bool) {
        let Some(before) = self.scopes.last().cloned() else {
            return;
        };
        let mut merged: Option<Scope> = None;
        for branch in branches {
            if let Some(scope) = self.scopes.last_mut() {
                *scope = before.clone();
            }
            self.walk(*branch);
            let after = self
                .scopes
                .last()
                .cloned()
                .unwrap_or_else(|| before.clone());
            match &mut merged {
                Some(scope) => scope.merge(&after),
                None => merged = Some(after),
            }
        }
        let mut merged = merged.unwrap_or_else(|| before.clone());
        if !exhaustive {
            merged.merge(&before);
        }
        if let Some(scope) = self.scopes.last_mut() {
            *scope = merged;
        }
    }

    fn if_statement(&mut self, node: Node<'t>) {
        let condition = node.child_by_field_name("condition");
        let alternatives = field_children(node, "alternative");
        if let Some(consequence) = node.child_by_field_name("consequence") {
            if condition.is_some_and(|c| self.is_type_checking(c)) {
                self.type_checking_block(consequence);
                for alternative in alternatives {
                    self.walk_children(alternative);
                }
                return;
            }
        }

        if let Some(condition) = condition {
            self.walk(condition);
        }
        let mut branches: Vec<Node<'t>> = node
            .child_by_field_name("consequence")
            .into_iter()
            .collect();
        let mut exhaustive = false;
        for alternative in alternatives {
            if alternative.kind() == "else_clause" {
                exhaustive = true;
            } else if let Some(condition) = alternative.child_by_field_name("condition") {
                self.walk(condition);
            }
            branches.extend(
                alternative
                    .child_by_field_name("consequence")
                    .or(alternative.child_by_field_name("body")),
            );
        }
        self.branches(&branches, exhaustive);
    }

    /// Returns whether a condition is `TYPE_CHECKING` or `typing.TYPE_CHECKING`.
    fn is_type_checking(&self, condition: Node<'t>) -> bool {
        let name = match condition.kind() {
            "identifier" => condition,
            "attribute" => match condition.child_by_field_name("attribute") {
                Some(attribute) => attribute,
                None => return false,
            },
            _ => return false,
        };
        self.text(name) == "TYPE_CHECKING"
    }

    /// The body and `else` run, or one `except` handler does after part of the body.
    fn try_statement(&mut self, node: Node<'t>) {
        let children = named_children(node);
        let mut branches = Vec::new();
        let mut finally = None;
        for child in &children {
            match child.kind() {
                "except_clause" | "except_group_clause" => branches.push(*child),
                "finally_clause" => finally = Some(*child),
                _ => {}
            }
        }
        if let Some(before) = self.scopes.last().cloned() {
            if let Some(body) = node.child_by_field_name("body") {
                self.walk(body);
            }
            for child in children.iter().filter(|c| c.kind() == "else_clause") {
                self.walk(*child);
            }
            let after_body = self
                .scopes
                .last()
                .cloned()
                .unwrap_or_else(|| before.clone());
            if let Some(scope) = self.scopes.last_mut() {
                *scope = before;
            }
            self.branches(&branches, true);
            if let Some(scope) = self.scopes.last_mut() {
                let handlers = std::mem::replace(scope, after_body);
                if !branches.is_empty() {
                    scope.merge(&handlers);
                }
            }
        }
        if let Some(finally) = finally {
            self.walk(finally);
        }
    }

    /// Lowers a loop, whose body may run or not. A `for` target is a value of unknown type.
    fn loop_statement(&mut self, node: Node<'t>) {
        let iterable = node
            .child_by_field_name("right")
            .or(node.child_by_field_name("condition"));
        if let Some(iterable) = iterable {
            self.walk(iterable);
        }
        if let Some(target) = node.child_by_field_name("left") {
            // Elements of a typed collection (`clients: list[Client]`) have the element type.
            let element = iterable
                .filter(|_| target.kind() == "identifier")
                .and_then(|i| self.eval(i))
                .and_then(|b| b.known_value().cloned())
                .unwrap_or(TypeExpr::Unknown);
            self.bind_target(target, Binding::value(element));
        }
        let body: Vec<Node<'t>> = node.child_by_field_name("body").into_iter().collect();
        self.branches(&body, false);
        if let Some(alternative) = node.child_by_field_name("alternative") {
            self.walk(alternative);
        }
    }

    /// `with Ctor() as x:` binds `x` to what the expression evaluates to.
    /// Records the call of `__enter__` (`__aenter__` in `async with`) that a
    /// `with` statement makes on its context manager, so the call graph
    /// follows into a project class's enter method.
    fn context_manager_entered(&mut self, statement: Node<'t>, manager: Node<'t>) {
        let Some(receiver) = self.eval(manager).and_then(|b| b.known_value().cloned()) else {
            return;
        };
        let is_async = statement
            .child(0)
            .is_some_and(|first| first.kind() == "async");
        let method = if is_async { "__aenter__" } else { "__enter__" };
        let callee = Callee::Method {
            receiver,
            segments: vec![method.to_string()],
        };
        self.record(callee, UseKind::Call, manager);
    }

    fn with_statement(&mut self, node: Node<'t>) {
        for clause in named_children(node)
            .into_iter()
            .filter(|c| c.kind() == "with_clause")
        {
            for item in named_children(clause) {
                let Some(value) = item.child_by_field_name("value") else {
                    continue;
                };
                if value.kind() != "as_pattern" {
                    self.walk(value);
                    self.context_manager_entered(node, value);
                    continue;
                }
                let Some(expression) = value.named_child(0) else {
                    continue;
                };
                self.walk(expression);
                self.context_manager_entered(node, expression);
                if let Some(target) = value.child_by_field_name("alias") {
                    let binding = self.eval(expression).unwrap_or_default();
                    self.bind_target(target, binding);
                }
            }
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.walk(body);
        }
    }

    fn assignment(&mut self, node: Node<'t>) {
        let left = node
            .child_by_field_name("left")
            .filter(|l| l.kind() == "identifier");
        let lambda = node
            .child_by_field_name("right")
            .filter(|r| r.kind() == "lambda");
        let in_class_body = self
            .scopes
            .last()
            .is_some_and(|s| s.kind == ScopeKind::Class);
        if let (Some(name), Some(lambda), false) = (left, lambda, in_class_body) {
            self.lambda_definition(name, lambda);
            return;
        }

        let annotation = node
            .child_by_field_name("type")
            .and_then(|t| self.annotation_type(t));
        let mut value = node.child_by_field_name("right");
        if let Some(right) = value {
            self.walk(right);
        }
        while let Some(inner) = value.filter(|v| v.kind() == "assignment") {
            value = inner.child_by_field_name("right");
        }

        let type_var_bound = value.and_then(|v| self.type_var_bound(v));
        let mut binding = match (type_var_bound, value) {
            (Some(bound), _) => bound,
            (None, Some(value)) => self.eval(value).unwrap_or_default(),
            (None, None) if annotation.is_none() => return,
            (None, None) => Binding::default(),
        };
        if let Some(annotation) = annotation {
            binding.value = Some(annotation);
        }
        if let Some(left) = node.child_by_field_name("left") {
            self.assign(left, binding, value);
        }
    }

    /// Returns the bound of `TypeVar("T", bound=Model)` as a binding to
    /// `Model`, so a parameter annotated `T` has the bound's methods.
    fn type_var_bound(&self, value: Node<'t>) -> Option<Binding> {
        if value.kind() != "call" {
            return None;
        }
        let function = value.child_by_field_name("function")?;
        if self.text(function).rsplit('.').next() != Some("TypeVar") {
            return None;
        }
        let arguments = value.child_by_field_name("arguments")?;
        let bound = named_children(arguments).into_iter().find(|argument| {
            argument.kind() == "keyword_argument"
                && argument
                    .child_by_field_name("name")
                    .is_some_and(|n| self.text(n) == "bound")
        })?;
        let TypeExpr::Named(items) = self.annotation_type(bound.child_by_field_name("value")?)?
        else {
            return None;
        };
        Some(Binding::items(items))
    }

    fn augmented_assignment(&mut self, node: Node<'t>) {
        let Some(right) = node.child_by_field_name("right") else {
            return;
        };
        self.walk(right);
        let is_all = node
            .child_by_field_name("left")
            .is_some_and(|l| self.text(l) == "__all__");
        if is_all && self.at_module_level() {
            match (self.literal_exports(right), &mut self.module.exports) {
                (Some(names), Some(exports)) => exports.extend(names),
                // A computed part, or `+=` without a literal `__all__` before it.
                _ => self.module.exports = None,
            }
        }
    }

    /// Binds an assignment target. Module-level names become aliases (when
    /// bound to definitions) or other items; class-level names and `self.x`
    /// in methods become fields of the class.
    fn assign(&mut self, left: Node<'t>, binding: Binding, value: Option<Node<'t>>) {
        match left.kind() {
            "identifier" => {
                let name = self.text(left);
                if self.at_module_level() {
                    self.module_assignment(name, &binding, value);
                }
                if let (Some(class), Some(ScopeKind::Class)) =
                    (&self.class_body, self.scopes.last().map(|s| s.kind))
                {
                    if let Some(ty) = binding.known_value() {
                        self.add_field(class.type_index, name, ty.clone());
                    }
                }
                self.bind(name, binding);
            }
            "attribute" => {
                self.walk(left);
                let (Some(object), Some(attribute)) = (
                    left.child_by_field_name("object"),
                    left.child_by_field_name("attribute"),
                ) else {
                    return;
                };
                let is_self = self
                    .self_name
                    .as_deref()
                    .is_some_and(|s| s == self.text(object));
                if let (true, Some(class), Some(ty)) =
                    (is_self, self.method_class.clone(), binding.known_value())
                {
                    self.add_field(class.type_index, self.text(attribute), ty.clone());
                } else if let (true, Some(class), false) =
                    (is_self, self.method_class.clone(), binding.items.is_empty())
                {
                    // `self.callback = complete`: the attribute contains a function.
                    let items = TypeExpr::Named(binding.items.clone());
                    self.add_field(class.type_index, self.text(attribute), items);
                }
            }
            "subscript" => self.walk(left),
            _ => self.bind_target(left, Binding::value(TypeExpr::Unknown)),
        }
    }

    fn module_assignment(&mut self, name: &str, binding: &Binding, value: Option<Node<'t>>) {
        if name == "__all__" {
            if let Some(value) = value {
                self.module.exports = self.literal_exports(value);
            }
        }
        if binding.items.is_empty() {
            if !self.module.other_items.iter().any(|i| i == name) {
                self.module.other_items.push(name.to_string());
            }
            if let Some(ty) = binding.known_value() {
                self.module.variables.push((name.to_string(), ty.clone()));
            }
        } else {
            self.module.aliases.push(Alias {
                local: name.to_string(),
                targets: binding.items.clone(),
            });
        }
    }

    /// Records a field's type, unless an earlier assignment already did.
    pub fn add_field(&mut self, type_index: usize, name: &str, ty: TypeExpr) {
        let fields = &mut self.module.types[type_index].fields;
        if !fields.iter().any(|(n, _)| n == name) {
            fields.push((name.to_string(), ty));
        }
    }

    /// Binds every name of a target pattern (`a, (b, *c)`): a single name
    /// gets the binding, names inside tuples a value of unknown type.
    pub fn bind_target(&mut self, target: Node<'t>, binding: Binding) {
        match target.kind() {
            "identifier" => self.bind(self.text(target), binding),
            "as_pattern_target" | "list_splat_pattern" | "parenthesized_expression" => {
                if let Some(inner) = target.named_child(0) {
                    self.bind_target(inner, binding);
                }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list"
            | "expression_list" => {
                for element in named_children(target) {
                    self.bind_target(element, Binding::value(TypeExpr::Unknown));
                }
            }
            _ => self.walk(target),
        }
    }

    /// Returns the strings of a literal list or tuple (`__all__`).
    /// Returns the names of an `__all__` made of literal lists joined by `+`,
    /// or `None` when any part is computed (`core.__all__ + [..]`): the module
    /// then exports every public name, which over-approximates the real list.
    fn literal_exports(&self, node: Node<'t>) -> Option<Vec<String>> {
        match node.kind() {
            "list" | "tuple" => Some(self.string_list(node)),
            "parenthesized_expression" => self.literal_exports(node.named_child(0)?),
            "binary_operator" => {
                let mut names = self.literal_exports(node.child_by_field_name("left")?)?;
                names.extend(self.literal_exports(node.child_by_field_name("right")?)?);
                Some(names)
            }
            _ => None,
        }
    }

    fn string_list(&self, node: Node<'t>) -> Vec<String> {
        named_children(node)
            .into_iter()
            .filter_map(|s| string_literal(s, &self.file.text))
            .map(|(s, _)| s)
            .collect()
    }

    pub fn lambda(&mut self, node: Node<'t>) {
        let parameters = node
            .child_by_field_name("parameters")
            .map(named_children)
            .unwrap_or_default();
        for parameter in &parameters {
            if let Some(default) = parameter.child_by_field_name("value") {
                self.walk(default);
            }
        }
        self.scopes.push(Scope::new(ScopeKind::Function));
        for parameter in &parameters {
            let name = parameter.child_by_field_name("name").unwrap_or(*parameter);
            self.bind_target(name, Binding::value(TypeExpr::Unknown));
        }
        let saved_deferred = std::mem::replace(&mut self.deferred, true);
        if let Some(body) = node.child_by_field_name("body") {
            self.walk(body);
        }
        self.deferred = saved_deferred;
        self.scopes.pop();
    }

    fn comprehension(&mut self, node: Node<'t>) {
        self.scopes.push(Scope::new(ScopeKind::Function));
        let children = named_children(node);
        for clause in children
            .iter()
            .filter(|c| matches!(c.kind(), "for_in_clause" | "if_clause"))
        {
            if clause.kind() == "if_clause" {
                self.walk_children(*clause);
                continue;
            }
            let iterables = field_children(*clause, "right");
            for right in &iterables {
                self.walk(*right);
            }
            if let Some(left) = clause.child_by_field_name("left") {
                // `[c.call() for c in clients]` with `clients: list[Client]`.
                let element = iterables
                    .first()
                    .filter(|_| left.kind() == "identifier" && iterables.len() == 1)
                    .and_then(|iterable| self.eval(*iterable))
                    .and_then(|b| b.known_value().cloned())
                    .unwrap_or(TypeExpr::Unknown);
                self.bind_target(left, Binding::value(element));
            }
        }
        if let Some(body) = node.child_by_field_name("body") {
            self.walk(body);
        }
        self.scopes.pop();
    }
}
