//! Import statements: `import a.b`, `import a.b as c`, `from a.b import c as d`,
//! relative and star imports, and the imports that only `if TYPE_CHECKING:` runs.

use tree_sitter::Node;

use super::lower::{field_children, named_children, Lowerer};
use super::scope::Binding;
use crate::model::{Import, PathBase, RawPath};

/// One name an import statement binds, or one star import (`glob`, no local name).
pub struct ImportName<'t> {
    pub local: String,
    pub target: RawPath,
    pub glob: bool,
    pub node: Node<'t>,
}

impl<'a, 't> Lowerer<'a, 't> {
    /// Returns the identifiers of a `dotted_name`.
    fn dotted_segments(&self, node: Node<'t>) -> Vec<String> {
        named_children(node)
            .into_iter()
            .filter(|c| c.kind() == "identifier")
            .map(|c| self.text(c).to_string())
            .collect()
    }

    /// Returns the names an import statement binds.
    pub fn import_names(&self, node: Node<'t>) -> Vec<ImportName<'t>> {
        match node.kind() {
            "import_statement" => field_children(node, "name")
                .into_iter()
                .filter_map(|name| self.plain_import(name))
                .collect(),
            "import_from_statement" => self.names_from_module(node),
            _ => Vec::new(),
        }
    }

    /// `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
    fn plain_import(&self, name: Node<'t>) -> Option<ImportName<'t>> {
        match name.kind() {
            "dotted_name" => {
                let first = self.dotted_segments(name).into_iter().next()?;
                Some(ImportName {
                    target: RawPath::absolute([first.clone()]),
                    local: first,
                    glob: false,
                    node: name,
                })
            }
            "aliased_import" => {
                let segments = self.dotted_segments(name.child_by_field_name("name")?);
                let alias = name.child_by_field_name("alias")?;
                Some(ImportName {
                    local: self.text(alias).to_string(),
                    target: RawPath::absolute(segments),
                    glob: false,
                    node: name,
                })
            }
            _ => None,
        }
    }

    /// `from a.b import c as d`, `from . import x`, `from ..pkg import *`.
    fn names_from_module(&self, node: Node<'t>) -> Vec<ImportName<'t>> {
        let Some(module_name) = node.child_by_field_name("module_name") else {
            return Vec::new();
        };
        let module = match module_name.kind() {
            "relative_import" => {
                let children = named_children(module_name);
                let dots = children
                    .iter()
                    .find(|c| c.kind() == "import_prefix")
                    .map_or(0, |p| self.text(*p).trim().len());
                let segments = children
                    .iter()
                    .find(|c| c.kind() == "dotted_name")
                    .map(|d| self.dotted_segments(*d))
                    .unwrap_or_default();
                let up = if self.is_package {
                    dots.saturating_sub(1)
                } else {
                    dots
                };
                RawPath::new(PathBase::Module { up }, segments)
            }
            _ => RawPath::absolute(self.dotted_segments(module_name)),
        };

        let mut names = Vec::new();
        if named_children(node)
            .iter()
            .any(|c| c.kind() == "wildcard_import")
        {
            names.push(ImportName {
                local: String::new(),
                target: module.clone(),
                glob: true,
                node: module_name,
            });
        }
        for name in field_children(node, "name") {
            let (path, local) = match name.kind() {
                "aliased_import" => {
                    let (Some(path), Some(alias)) = (
                        name.child_by_field_name("name"),
                        name.child_by_field_name("alias"),
                    ) else {
                        continue;
                    };
                    (self.dotted_segments(path), self.text(alias).to_string())
                }
                _ => {
                    let path = self.dotted_segments(name);
                    let Some(last) = path.last().cloned() else {
                        continue;
                    };
                    (path, last)
                }
            };
            names.push(ImportName {
                local,
                target: module.join(path),
                glob: false,
                node: name,
            });
        }
        names
    }

    /// Records an import statement and binds its names in the current scope.
    pub fn import(&mut self, node: Node<'t>) {
        let at_module_level = self.at_module_level();
        for name in self.import_names(node) {
            self.module.imports.push(Import {
                local: name.local.clone(),
                target: vec![name.target.clone()],
                glob: name.glob,
                public: at_module_level,
                in_function: !at_module_level,
                span: self.file.span(name.node.byte_range()),
            });
            if name.glob {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.add_glob(vec![name.target]);
                }
            } else {
                self.bind(&name.local, Binding::items(vec![name.target]));
            }
        }
    }

    /// Binds the imports of an `if TYPE_CHECKING:` block for annotations
    /// only: they do not run, so they bind no name that code can call.
    pub fn type_checking_block(&mut self, node: Node<'t>) {
        let mut pending = vec![node];
        while let Some(node) = pending.pop() {
            match node.kind() {
                "import_statement" | "import_from_statement" => {
                    for name in self.import_names(node).into_iter().filter(|n| !n.glob) {
                        self.type_only
                            .entry(name.local)
                            .or_default()
                            .push(name.target);
                    }
                }
                "function_definition" | "class_definition" | "expression_statement" => {}
                _ => pending.extend(named_children(node)),
            }
        }
    }
}
