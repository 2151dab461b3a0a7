//! The language-neutral model of one source module: its imports, definitions,
//! call sites and function references, as a frontend lowers them from a syntax tree.
//!
//! Frontends resolve what a file alone can tell (local scopes, imports, `self`
//! and `super`) and leave everything that needs other files as [`RawPath`]s and
//! [`TypeExpr`]s. The semantic index ([`crate::index`]) resolves those across
//! modules, through re-exports and glob imports, into qualified names.

use std::ops::Range;
use std::path::PathBuf;

/// The source language of a module.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Rust,
    Python,
}

impl Language {
    /// Returns the separator between path segments as the language writes it.
    pub fn separator(self) -> &'static str {
        match self {
            Language::Rust => "::",
            Language::Python => ".",
        }
    }
}

/// A position in a file: a byte range plus the 1-based line and column of its start.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub bytes: Range<usize>,
    pub line: usize,
    pub column: usize,
}

/// The starting point for looking up the first segment of a [`RawPath`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PathBase {
    /// The segments start at the root of all names: a crate name or a top-level package.
    Absolute,
    /// The segments start at the root of the module's own crate (`crate::`).
    CrateRoot,
    /// The segments start at the module itself (`self::`), or at its `n`-th
    /// ancestor for `super::` chains and Python relative imports.
    Module { up: usize },
}

/// A path as the source wrote it, with its base resolved as far as the file can tell.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RawPath {
    pub base: PathBase,
    pub segments: Vec<String>,
    /// Whether the name reaches the module only through a glob or star import.
    /// Among the glob candidates of one [`Candidates`] list, the first that
    /// names a definition of the project wins: frontends list them in the
    /// order the language gives precedence (Python: the latest star import first).
    pub via_glob: bool,
}

impl RawPath {
    pub fn new<S: Into<String>>(base: PathBase, segments: impl IntoIterator<Item = S>) -> Self {
        RawPath {
            base,
            segments: segments.into_iter().map(Into::into).collect(),
            via_glob: false,
        }
    }

    pub fn absolute<S: Into<String>>(segments: impl IntoIterator<Item = S>) -> Self {
        RawPath::new(PathBase::Absolute, segments)
    }

    pub fn in_module<S: Into<String>>(segments: impl IntoIterator<Item = S>) -> Self {
        RawPath::new(PathBase::Module { up: 0 }, segments)
    }

    /// Returns this path with more segments appended.
    pub fn join<S: Into<String>>(&self, more: impl IntoIterator<Item = S>) -> Self {
        let mut path = self.clone();
        path.segments.extend(more.into_iter().map(Into::into));
        path
    }
}

/// The names a path may denote: one [`RawPath`] in most cases, several where a
/// name may come from more than one glob import or from branches such as
/// Python's `try/except ImportError`.
pub type Candidates = Vec<RawPath>;

/// The static type of an expression, as far as the frontend can describe it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TypeExpr {
    /// A named type (a struct, enum, class or trait) that the path may denote.
    Named(Candidates),
    /// Any type that implements these traits (`dyn Trait`, `impl Trait`, `T: Trait`).
    Bounded(Vec<Candidates>),
    /// The type of a field or attribute of a value of the inner type.
    Field(Box<TypeExpr>, String),
    /// The value a function or method returns when called.
    Returned(Box<Callee>),
    /// Python's `super()` inside a method of this class: lookups start at its bases.
    SuperOf(Candidates),
    /// The type of a module-level variable named by the path (a Rust `static`
    /// or `const`, a Python module-level assignment).
    Variable(Candidates),
    /// A lock (`Mutex<T>`, `RwLock<T>`, `RefCell<T>`): its own methods are the
    /// lock's, and locking it gives the inner type.
    Guarded {
        lock: Candidates,
        inner: Box<TypeExpr>,
    },
    /// The value that locking or borrowing gives: the inner type of a lock, or
    /// the value's own type for anything else.
    Unwrapped(Box<TypeExpr>),
    /// A value whose type the frontend could not tell.
    Unknown,
}

/// The target of a call site.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Callee {
    /// A function, associated function or class named by a path.
    Path(Candidates),
    /// A method or attribute chain on a value of a known type:
    /// `client.chat.completions.create` has the receiver type of `client` and
    /// the segments `chat`, `completions`, `create`.
    Method {
        receiver: TypeExpr,
        segments: Vec<String>,
    },
}

/// The kind of use a call site makes of its callee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UseKind {
    /// A direct call: `f(x)`, `x.f()`, `await f()`.
    Call,
    /// A function passed uncalled to something that runs it now
    /// (`.map(f)`, `asyncio.to_thread(f)`), or called later through a local binding.
    Passed,
    /// An attribute read (`service.answer`): a call only when the attribute is
    /// a property, whose getter runs on every read.
    Read,
}

/// A call or function reference inside a module.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallSite {
    pub callee: Callee,
    pub kind: UseKind,
    /// The span of the callee's name, the narrowest useful place to point at.
    pub span: Span,
    /// The innermost function that contains the site, an index into [`Module::functions`].
    pub enclosing: Option<usize>,
    /// Whether the site is test code (`#[cfg(test)]`, `#[test]`).
    pub in_test: bool,
    /// The callee of the call this site is an argument of, when it is passed
    /// to one: hand-off boundaries (`tokio::spawn(f())`, `task.delay(...)`) use it.
    pub argument_of: Option<usize>,
    /// Whether a closure, async block or lambda lies between this site and the
    /// call named by `argument_of`: the site then runs when that closure runs,
    /// not when the arguments are evaluated. Passed function references are deferred too.
    pub deferred: bool,
    /// Whether the same function awaits or joins what the call returns
    /// (`tokio::spawn(f).await`, `handle.join()`): such a call hands nothing off.
    pub joined: bool,
}

/// A function or method defined in a module.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub name: String,
    /// The path of the function relative to its module: `["f"]` for a free
    /// function, `["Type", "f"]` for a method, `["outer", "inner"]` for a nested one.
    pub local_path: Vec<String>,
    /// The owning type of a method, as the source names it.
    pub owner: Option<TypeExpr>,
    /// The trait a Rust method implements (`impl Trait for Type`) or declares (`trait Trait`).
    pub trait_path: Option<Candidates>,
    /// Attribute or decorator names, without arguments: `hot_path`, `tokio::main`, `app.route`.
    pub attributes: Vec<String>,
    /// The declared return type, where the frontend can tell it (`Self` replaced by the owner).
    pub returns: Option<TypeExpr>,
    /// The enclosing function of a nested function.
    pub parent: Option<usize>,
    pub in_test: bool,
    pub span: Span,
}

/// A type defined in a module: a struct, enum, union, class or trait.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeDef {
    pub name: String,
    /// The path of the type relative to its module.
    pub local_path: Vec<String>,
    pub is_trait: bool,
    /// Field or attribute types, where known.
    pub fields: Vec<(String, TypeExpr)>,
    /// Python base classes, or a Rust trait's supertraits.
    pub bases: Vec<Candidates>,
    /// Method names the trait declares, for Rust traits.
    pub trait_methods: Vec<String>,
    pub span: Span,
}

/// A Rust `impl Trait for Type` block: the type implements the trait. An
/// empty `self_type` is a blanket impl (`impl<T: Bound> Trait for T`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TraitImpl {
    pub self_type: Candidates,
    pub trait_path: Candidates,
    /// The `Target` of an `impl Deref`: methods the type lacks are looked up there.
    pub deref_target: Option<TypeExpr>,
}

/// A name a module binds to another path: `use a::b as c;`, `from a import b as c`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// The name bound in the module; empty for a glob import.
    pub local: String,
    /// The import's target: the imported path, or for a glob the module whose names it brings.
    pub target: Candidates,
    pub glob: bool,
    /// Whether other modules can reach the name through this module (`pub use`,
    /// or any module-level Python import, which importers can name in turn).
    pub public: bool,
    /// Whether the import is only visible inside a function (it then shadows nothing outside).
    pub in_function: bool,
    pub span: Span,
}

/// A variable bound at module level to a function or type (`f = llm_json`,
/// `HANDLERS = {"a": on_a}`, `static F: fn() = llm::complete;`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Alias {
    pub local: String,
    pub targets: Candidates,
}

/// A parsed and lowered source module.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Module {
    pub language: Language,
    /// The file, relative to the analysis root.
    pub file: PathBuf,
    /// The qualified module path, filled in once the module tree is known.
    pub path: Vec<String>,
    pub imports: Vec<Import>,
    pub aliases: Vec<Alias>,
    pub functions: Vec<Function>,
    pub types: Vec<TypeDef>,
    pub trait_impls: Vec<TraitImpl>,
    /// Names of other items the module defines (constants, statics, submodules).
    pub other_items: Vec<String>,
    /// Module-level variables whose type is known: `static CLIENT: Client`,
    /// `client = OpenAI()`.
    pub variables: Vec<(String, TypeExpr)>,
    pub calls: Vec<CallSite>,
    /// Rust `extern crate x as alias;` names, visible across the crate: `(alias, target)`.
    pub crate_aliases: Vec<(String, RawPath)>,
    /// Python's `__all__`, when the module defines it as a literal list.
    pub exports: Option<Vec<String>>,
    /// Rust `mod` declarations that live in other files: `(name, #[path] value,
    /// whether the module is test code)`.
    pub child_files: Vec<(String, Option<String>, bool)>,
    /// For an inline Rust module (`mod x { .. }`), its path below the file's module.
    pub inline_path: Vec<String>,
    /// Whether the whole module is test code (`#[cfg(test)] mod tests`).
    pub in_test: bool,
}

impl Module {
    pub fn new(language: Language, file: PathBuf) -> Self {
        Module {
            language,
            file,
            path: Vec::new(),
            imports: Vec::new(),
            aliases: Vec::new(),
            functions: Vec::new(),
            types: Vec::new(),
            trait_impls: Vec::new(),
            other_items: Vec::new(),
            variables: Vec::new(),
            calls: Vec::new(),
            crate_aliases: Vec::new(),
            exports: None,
            child_files: Vec::new(),
            inline_path: Vec::new(),
            in_test: false,
        }
    }

    /// Returns the qualified name of a function of this module.
    pub fn function_path(&self, index: usize) -> Vec<String> {
        let mut path = self.path.clone();
        path.extend(self.functions[index].local_path.iter().cloned());
        path
    }

    /// Returns whether a function or any function that encloses it satisfies `predicate`.
    pub fn any_enclosing(
        &self,
        index: Option<usize>,
        mut predicate: impl FnMut(&Function) -> bool,
    ) -> bool {
        let mut current = index;
        while let Some(i) = current {
            let function = &self.functions[i];
            if predicate(function) {
                return true;
            }
            current = function.parent;
        }
        false
    }
}
