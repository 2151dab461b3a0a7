//! Function and class definitions: their records in the model, decorators,
//! parameters with their types, and the deferred lowering of function bodies.

use tree_sitter::Node;

use super::lower::{named_children, ClassContext, Lowerer, MethodKind, PendingBody};
use super::scope::{Binding, Scope, ScopeKind};
use crate::model::{Function, RawPath, TypeDef, TypeExpr};

/// Returns the type every `return` statement of a function returns, if they agree.
fn single_type(returned: Vec<Option<TypeExpr>>) -> Option<TypeExpr> {
    let first = returned.first()?.clone()?;
    returned
        .iter()
        .all(|r| r.as_ref() == Some(&first))
        .then_some(first)
}

impl<'a, 't> Lowerer<'a, 't> {
    pub fn decorated_definition(&mut self, node: Node<'t>) {
        let mut decorators = Vec::new();
        for decorator in named_children(node)
            .into_iter()
            .filter(|c| c.kind() == "decorator")
        {
            let Some(expression) = decorator.named_child(0) else {
                continue;
            };
            self.walk(expression);
            let name = match expression.kind() {
                "call" => expression
                    .child_by_field_name("function")
                    .unwrap_or(expression),
                _ => expression,
            };
            decorators.push(self.text(name).split_whitespace().collect());
        }
        let Some(definition) = node.child_by_field_name("definition") else {
            return;
        };
        match definition.kind() {
            "function_definition" => self.function_definition(definition, decorators),
            "class_definition" => self.class_definition(definition, decorators),
            _ => self.walk(definition),
        }
    }

    /// Returns the class whose body is the innermost scope, if any.
    fn enclosing_class(&self) -> Option<ClassContext> {
        let in_class_scope = self
            .scopes
            .last()
            .is_some_and(|s| s.kind == ScopeKind::Class);
        self.class_body.clone().filter(|_| in_class_scope)
    }

    /// Records a function, lowers its default values now and queues its
    /// body for the end of the enclosing body.
    pub fn function_definition(&mut self, node: Node<'t>, decorators: Vec<String>) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name_node).to_string();
        let class = self.enclosing_class();
        let mut local_path = match &class {
            Some(class) => class.local_path.clone(),
            None => self.function_path.clone(),
        };
        local_path.push(name.clone());

        let method = match &class {
            None => MethodKind::None,
            Some(_) if decorators.iter().any(|d| d == "staticmethod") => MethodKind::Static,
            Some(_) if decorators.iter().any(|d| d == "classmethod") => MethodKind::Class,
            Some(_) => MethodKind::Instance,
        };
        let in_test = self.in_test || self.is_test_function(&name, class.as_ref());
        self.module.functions.push(Function {
            name: name.clone(),
            local_path: local_path.clone(),
            owner: class.as_ref().map(|c| TypeExpr::Named(c.candidates())),
            trait_path: None,
            attributes: decorators,
            returns: None,
            parent: self.current_function,
            in_test,
            span: self.file.span(name_node.byte_range()),
        });
        let function = self.module.functions.len() - 1;

        if let Some(parameters) = node.child_by_field_name("parameters") {
            for default in named_children(parameters)
                .into_iter()
                .filter_map(|p| p.child_by_field_name("value"))
            {
                self.walk(default);
            }
        }
        self.bind(
            &name,
            Binding::items(vec![RawPath::in_module(local_path.clone())]),
        );
        self.pending.push(PendingBody {
            node,
            function,
            local_path,
            class,
            method,
        });
    }

    /// Records `name = lambda ...: body` as a function of that name, so that
    /// calls through the name reach the calls in the body.
    pub fn lambda_definition(&mut self, name_node: Node<'t>, lambda: Node<'t>) {
        let name = self.text(name_node).to_string();
        let mut local_path = self.function_path.clone();
        local_path.push(name.clone());
        self.module.functions.push(Function {
            name: name.clone(),
            local_path: local_path.clone(),
            owner: None,
            trait_path: None,
            attributes: Vec::new(),
            returns: None,
            parent: self.current_function,
            in_test: self.in_test,
            span: self.file.span(name_node.byte_range()),
        });
        let function = self.module.functions.len() - 1;
        self.bind(
            &name,
            Binding::items(vec![RawPath::in_module(local_path.clone())]),
        );

        let saved_function = self.current_function.replace(function);
        let saved_path = std::mem::replace(&mut self.function_path, local_path);
        let saved_argument = self.argument_of.take();
        self.lambda(lambda);
        self.argument_of = saved_argument;
        self.function_path = saved_path;
        self.current_function = saved_function;
    }

    /// Returns whether pytest collects the function as a test: `test*`
    /// functions in `test_*.py` or `*_test.py` files, at module level or in a `Test*` class.
    fn is_test_function(&self, name: &str, class: Option<&ClassContext>) -> bool {
        let file_name = self
            .file
            .path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let test_file = file_name.starts_with("test_") || file_name.ends_with("_test.py");
        let test_class =
            class.is_none_or(|c| c.local_path.last().is_some_and(|n| n.starts_with("Test")));
        test_file && test_class && name.starts_with("test") && self.current_function.is_none()
    }

    /// Returns whether a method is a property, which reads like a field.
    fn is_property(&self, function: usize) -> bool {
        self.module.functions[function]
            .attributes
            .iter()
            .any(|d| d == "property" || d.rsplit('.').next() == Some("cached_property"))
    }

    /// Lowers the bodies queued while lowering the current body.
    pub fn lower_pending(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for body in pending {
            self.lower_body(body);
        }
    }

    /// Lowers a function body, with the enclosing scopes as they are at the
    /// end of the enclosing body.
    fn lower_body(&mut self, body: PendingBody<'t>) {
        let in_test = self.module.functions[body.function].in_test;
        let saved_function = self.current_function.replace(body.function);
        let saved_path = std::mem::replace(&mut self.function_path, body.local_path);
        let saved_class = self.method_class.clone();
        if body.class.is_some() {
            self.method_class = body.class.clone();
        }
        let saved_self = self.self_name.clone();
        let saved_body = self.class_body.take();
        let saved_test = std::mem::replace(&mut self.in_test, in_test);
        let saved_argument = self.argument_of.take();
        let saved_pending = std::mem::take(&mut self.pending);
        let saved_returned = std::mem::take(&mut self.returned);
        self.scopes.push(Scope::new(ScopeKind::Function));

        self.bind_parameters(body.node, body.class.as_ref(), body.method);
        if let Some(returns) = body.node.child_by_field_name("return_type") {
            let returns = self.annotation_type(returns);
            self.module.functions[body.function].returns = returns.clone();
            if let (Some(class), Some(returns)) = (&body.class, returns) {
                if self.is_property(body.function) {
                    let name = self.module.functions[body.function].name.clone();
                    self.add_field(class.type_index, &name, returns);
                }
            }
        }
        if let Some(block) = body.node.child_by_field_name("body") {
            self.walk(block);
        }
        let returned = std::mem::replace(&mut self.returned, saved_returned);
        if self.module.functions[body.function].returns.is_none() {
            self.module.functions[body.function].returns = single_type(returned);
        }
        self.lower_pending();

        self.scopes.pop();
        self.pending = saved_pending;
        self.argument_of = saved_argument;
        self.in_test = saved_test;
        self.class_body = saved_body;
        self.self_name = saved_self;
        self.method_class = saved_class;
        self.function_path = saved_path;
        self.current_function = saved_function;
    }

    /// Binds parameters: annotated ones to the annotated type, a method's
    /// first one to an instance of its class (or the class for `@classmethod`).
    fn bind_parameters(
        &mut self,
        node: Node<'t>,
        class: Option<&ClassContext>,
        method: MethodKind,
    ) {
        let Some(parameters) = node.child_by_field_name("parameters") else {
            return;
        };
        let mut first = true;
        for parameter in named_children(parameters) {
            let (name, annotation) = match parameter.kind() {
                "identifier" => (Some(parameter), None),
                "typed_parameter" => (
                    parameter.named_child(0),
                    parameter.child_by_field_name("type"),
                ),
                "default_parameter" => (parameter.child_by_field_name("name"), None),
                "typed_default_parameter" => (
                    parameter.child_by_field_name("name"),
                    parameter.child_by_field_name("type"),
                ),
                "list_splat_pattern" | "dictionary_splat_pattern" => {
                    (parameter.named_child(0), None)
                }
                _ => continue,
            };
            let Some(name) = name.filter(|n| n.kind() == "identifier") else {
                first = false;
                continue;
            };

            let binding = match (
                annotation.and_then(|a| self.annotation_type(a)),
                class,
                first,
                method,
            ) {
                (Some(ty), _, _, _) => Binding::value(ty),
                (None, Some(class), true, MethodKind::Instance) => {
                    self.self_name = Some(self.text(name).to_string());
                    Binding::value(TypeExpr::Named(class.candidates()))
                }
                (None, Some(class), true, MethodKind::Class) => Binding::items(class.candidates()),
                _ => Binding::value(TypeExpr::Unknown),
            };
            self.bind(self.text(name), binding);
            first = false;
        }
    }

    /// Records a class with its bases, binds its name and lowers its body,
    /// which runs at once; its methods' bodies are queued.
    pub fn class_definition(&mut self, node: Node<'t>, _decorators: Vec<String>) {
        let Some(name_node) = node.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name_node).to_string();
        let mut local_path = match self.enclosing_class() {
            Some(class) => class.local_path,
            None => self.function_path.clone(),
        };
        local_path.push(name.clone());

        let mut bases = Vec::new();
        if let Some(superclasses) = node.child_by_field_name("superclasses") {
            self.walk(superclasses);
            for base in named_children(superclasses)
                .into_iter()
                .filter(|b| b.kind() != "keyword_argument")
            {
                let items = self.eval(base).map(|b| b.items).unwrap_or_default();
                if !items.is_empty() {
                    bases.push(items);
                }
            }
        }
        self.module.types.push(TypeDef {
            name: name.clone(),
            local_path: local_path.clone(),
            is_trait: false,
            fields: Vec::new(),
            bases,
            trait_methods: Vec::new(),
            span: self.file.span(name_node.byte_range()),
        });
        let type_index = self.module.types.len() - 1;
        self.bind(
            &name,
            Binding::items(vec![RawPath::in_module(local_path.clone())]),
        );

        let context = ClassContext {
            local_path,
            type_index,
        };
        let saved_body = self.class_body.replace(context);
        self.scopes.push(Scope::new(ScopeKind::Class));
        if let Some(body) = node.child_by_field_name("body") {
            self.walk(body);
        }
        self.scopes.pop();
        self.class_body = saved_body;
    }
}
