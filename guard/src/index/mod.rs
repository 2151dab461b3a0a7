//! The semantic index: resolves the paths and types of every module into the
//! qualified names they may denote, across modules, re-exports and glob imports.
//!
//! The index is built once from all lowered modules; every rule and the call
//! graph ask it instead of matching raw text.

mod methods;

pub use methods::ResolvedType;

use rustc_hash::FxHashMap as HashMap;

use crate::model::{Callee, Candidates, Language, Module, PathBase, RawPath};

/// A qualified name: `["runtime", "llm", "Client", "complete"]`.
pub type QualifiedName = Vec<String>;

/// The maximum number of imports and re-exports followed before the index gives up.
const MAX_IMPORT_HOPS: usize = 24;

/// The place of a function definition: its module and its index there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FunctionId {
    pub module: usize,
    pub function: usize,
}

/// A type of the project: where it is defined, its methods and implemented traits.
#[derive(Debug, Default)]
pub struct TypeInfo {
    /// Defining module and index into its `types`.
    pub definition: Option<(usize, usize)>,
    pub is_trait: bool,
    /// Methods by name, with the trait each one implements, if any.
    pub methods: HashMap<String, Vec<(FunctionId, Option<QualifiedName>)>>,
    /// Traits the type implements.
    pub traits: Vec<QualifiedName>,
    /// The types an `impl Deref` makes it dereference to.
    pub deref_targets: Vec<QualifiedName>,
    /// Types that implement this trait.
    pub implementors: Vec<QualifiedName>,
}

/// Whether a resolved path names a definition of the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// The path names an item the project defines (or a member of it).
    Defined,
    /// The path leaves the project: an external crate or package.
    External,
    /// The path enters a project module that has no such name.
    Missing,
}

/// All modules of a run, with the lookup tables that resolution needs.
pub struct Index {
    pub modules: Vec<Module>,
    module_paths: HashMap<(Language, QualifiedName), Vec<usize>>,
    /// Top-level names of the project per language: crate names and packages.
    roots: HashMap<Language, Vec<String>>,
    crate_aliases: HashMap<String, QualifiedName>,
    pub functions: HashMap<QualifiedName, Vec<FunctionId>>,
    pub types: HashMap<QualifiedName, TypeInfo>,
    /// Names each module defines (not imports), by module index.
    defined: Vec<rustc_hash::FxHashSet<String>>,
    /// Traits with a blanket impl: every type has their methods.
    pub blanket_traits: Vec<QualifiedName>,
    /// Module-level variables with a known type: qualified name to (module, type).
    variables: HashMap<(Language, QualifiedName), (usize, crate::model::TypeExpr)>,
    /// Results of [`Index::canonicalize`], shared by the analysis threads.
    memo: Memo,
}

thread_local! {
    /// The paths this thread is resolving, to detect import cycles.
    static IN_PROGRESS: std::cell::RefCell<rustc_hash::FxHashSet<(Language, QualifiedName)>> = Default::default();
}

/// One shard of the memo: canonical results by language and path.
type MemoShard = std::sync::Mutex<HashMap<(Language, QualifiedName), Vec<(QualifiedName, Found)>>>;

/// A memo of canonical paths, split into shards so that threads rarely wait on one lock.
struct Memo {
    shards: Vec<MemoShard>,
}

impl Memo {
    const SHARDS: usize = 64;

    fn new() -> Self {
        Memo {
            shards: (0..Self::SHARDS).map(|_| Default::default()).collect(),
        }
    }

    fn shard(&self, key: &(Language, QualifiedName)) -> &MemoShard {
        use std::hash::BuildHasher;
        let hash = rustc_hash::FxBuildHasher.hash_one(key);
        &self.shards[(hash as usize) % Self::SHARDS]
    }

    fn get(&self, key: &(Language, QualifiedName)) -> Option<Vec<(QualifiedName, Found)>> {
        self.shard(key).lock().ok()?.get(key).cloned()
    }

    fn insert(&self, key: (Language, QualifiedName), value: Vec<(QualifiedName, Found)>) {
        if let Ok(mut shard) = self.shard(&key).lock() {
            shard.insert(key, value);
        }
    }
}

impl Index {
    /// Builds the index; module paths must already be assigned.
    pub fn new(modules: Vec<Module>) -> Self {
        Index::with_crate_renames(modules, &[])
    }

    /// Builds the index with the dependency renames of Cargo manifests
    /// (`oai = { package = "async-openai" }` makes `oai::Client` `async_openai::Client`).
    pub fn with_crate_renames(modules: Vec<Module>, renames: &[(String, String)]) -> Self {
        let mut index = Index {
            modules,
            module_paths: HashMap::default(),
            roots: HashMap::default(),
            crate_aliases: HashMap::default(),
            functions: HashMap::default(),
            types: HashMap::default(),
            defined: Vec::new(),
            variables: HashMap::default(),
            blanket_traits: Vec::new(),
            memo: Memo::new(),
        };
        index.defined = index.modules.iter().map(defined_names).collect();
        for (alias, package) in renames {
            index
                .crate_aliases
                .insert(alias.clone(), vec![package.clone()]);
        }
        index.register_modules();
        index.register_types();
        index.register_functions();
        index
    }

    fn register_modules(&mut self) {
        for (i, module) in self.modules.iter().enumerate() {
            self.module_paths
                .entry((module.language, module.path.clone()))
                .or_default()
                .push(i);
            if let Some(first) = module.path.first() {
                let roots = self.roots.entry(module.language).or_default();
                if !roots.contains(first) {
                    roots.push(first.clone());
                }
            }
            for (name, ty) in &module.variables {
                let mut path = module.path.clone();
                path.push(name.clone());
                self.variables
                    .insert((module.language, path), (i, ty.clone()));
            }
            for (alias, target) in &module.crate_aliases {
                let mut path = match target.base {
                    PathBase::CrateRoot => module.path.first().cloned().into_iter().collect(),
                    _ => Vec::new(),
                };
                path.extend(target.segments.iter().cloned());
                self.crate_aliases.insert(alias.clone(), path);
            }
        }
        // Parent packages without a file of their own (namespace packages, `src/a/b.rs` without `a.rs`).
        let paths: Vec<(Language, QualifiedName)> = self.module_paths.keys().cloned().collect();
        for (language, path) in paths {
            for end in 1..path.len() {
                self.module_paths
                    .entry((language, path[..end].to_vec()))
                    .or_default();
            }
        }
    }

    fn register_types(&mut self) {
        let mut types = HashMap::default();
        for (m, module) in self.modules.iter().enumerate() {
            for (t, def) in module.types.iter().enumerate() {
                let mut name = module.path.clone();
                name.extend(def.local_path.iter().cloned());
                let info: &mut TypeInfo = types.entry(name).or_default();
                info.definition = Some((m, t));
                info.is_trait = def.is_trait;
            }
        }
        self.types = types;

        let mut impls = Vec::new();
        let mut derefs = Vec::new();
        for (m, module) in self.modules.iter().enumerate() {
            for trait_impl in &module.trait_impls {
                if trait_impl.self_type.is_empty() {
                    for trait_name in self.resolve_candidates(m, &trait_impl.trait_path) {
                        impls.push((Vec::new(), trait_name));
                    }
                    continue;
                }
                for self_type in self.resolve_candidates(m, &trait_impl.self_type) {
                    for trait_name in self.resolve_candidates(m, &trait_impl.trait_path) {
                        impls.push((self_type.clone(), trait_name));
                    }
                    if let Some(target) = &trait_impl.deref_target {
                        for resolved in self.eval_type(m, target) {
                            derefs.push((self_type.clone(), resolved.path));
                        }
                    }
                }
            }
        }
        for (self_type, target) in derefs {
            self.types
                .entry(self_type)
                .or_default()
                .deref_targets
                .push(target);
        }
        for (self_type, trait_name) in impls {
            if self_type.is_empty() {
                self.blanket_traits.push(trait_name);
                continue;
            }
            self.types
                .entry(self_type.clone())
                .or_default()
                .traits
                .push(trait_name.clone());
            self.types
                .entry(trait_name)
                .or_default()
                .implementors
                .push(self_type);
        }
    }

    fn register_functions(&mut self) {
        let mut entries = Vec::new();
        for (m, module) in self.modules.iter().enumerate() {
            for (f, function) in module.functions.iter().enumerate() {
                let id = FunctionId {
                    module: m,
                    function: f,
                };
                let trait_name = function
                    .trait_path
                    .as_ref()
                    .and_then(|t| self.resolve_candidates(m, t).into_iter().next());
                let owner = function
                    .owner
                    .as_ref()
                    .and_then(|o| self.eval_type(m, o).into_iter().next());
                let name = match &owner {
                    Some(owner) if function.parent.is_none() => {
                        let mut name = owner.path.clone();
                        name.push(function.name.clone());
                        name
                    }
                    _ => module.function_path(f),
                };
                entries.push((
                    name,
                    id,
                    owner.map(|o| o.path),
                    trait_name,
                    function.name.clone(),
                ));
            }
        }
        for (name, id, owner, trait_name, method) in entries {
            self.functions.entry(name).or_default().push(id);
            if let Some(owner) = owner {
                let info = self.types.entry(owner).or_default();
                info.methods
                    .entry(method)
                    .or_default()
                    .push((id, trait_name));
            }
        }
    }

    /// Returns whether `path` is a module of the project.
    pub fn is_module(&self, language: Language, path: &[String]) -> bool {
        self.module_paths.contains_key(&(language, path.to_vec()))
    }

    /// Returns the top-level names (crates, packages) of the project in a language.
    pub fn roots(&self, language: Language) -> &[String] {
        self.roots.get(&language).map_or(&[], Vec::as_slice)
    }

    /// Returns whether a qualified name is a module, type or function of the project.
    pub fn names_item(&self, language: Language, path: &[String]) -> bool {
        if self.is_module(language, path)
            || self.functions.contains_key(path)
            || self.types.contains_key(path)
        {
            return true;
        }
        matches!(
            self.canonicalize(language, path.to_vec(), 0).first(),
            Some((_, Found::Defined))
        ) && self.find_definition(language, path)
    }

    fn find_definition(&self, language: Language, path: &[String]) -> bool {
        let Some((name, parent)) = path.split_last() else {
            return false;
        };
        let Some(indices) = self.module_paths.get(&(language, parent.to_vec())) else {
            return self.type_has_member(parent, name);
        };
        indices.iter().any(|&i| self.module_defines(i, name))
    }

    /// Resolves a raw path written in a module into the qualified names it may denote.
    pub fn resolve_raw(&self, module: usize, raw: &RawPath) -> Vec<QualifiedName> {
        self.resolve_with_status(module, raw, 0)
            .into_iter()
            .map(|(path, _)| path)
            .collect()
    }

    fn resolve_with_status(
        &self,
        module: usize,
        raw: &RawPath,
        hops: usize,
    ) -> Vec<(QualifiedName, Found)> {
        let path = self.absolute_path(module, raw);
        self.canonicalize(self.modules[module].language, path, hops)
    }

    /// Returns the qualified path a raw path names before imports are followed.
    fn absolute_path(&self, module: usize, raw: &RawPath) -> QualifiedName {
        let owner = &self.modules[module];
        let mut path: QualifiedName = match raw.base {
            PathBase::Absolute => Vec::new(),
            PathBase::CrateRoot => owner.path.first().cloned().into_iter().collect(),
            PathBase::Module { up } => owner.path[..owner.path.len().saturating_sub(up)].to_vec(),
        };
        path.extend(raw.segments.iter().cloned());
        if raw.base == PathBase::Absolute {
            if let Some(target) = path.first().and_then(|first| self.crate_aliases.get(first)) {
                let mut replaced = target.clone();
                replaced.extend(path[1..].iter().cloned());
                path = replaced;
            }
        }
        path
    }

    /// Returns whether the glob import that a glob candidate came through
    /// brings its name: a Python star import honours the module's `__all__`.
    fn glob_candidate_exported(&self, module: usize, raw: &RawPath) -> bool {
        let path = self.absolute_path(module, raw);
        let owner = &self.modules[module];
        let base = owner
            .imports
            .iter()
            .filter(|import| import.glob)
            .flat_map(|import| {
                import
                    .target
                    .iter()
                    .map(|target| self.absolute_path(module, target))
            })
            .filter(|base| path.len() > base.len() && path.starts_with(base))
            .max_by_key(Vec::len);
        match base {
            Some(base) => self.glob_exports(owner.language, &base, &path[base.len()]),
            None => true,
        }
    }

    /// Resolves a candidate list: glob candidates keep only the first that names
    /// a project definition, or every one that leaves the project if none does.
    pub fn resolve_candidates(&self, module: usize, candidates: &Candidates) -> Vec<QualifiedName> {
        self.resolve_candidates_at(module, candidates, 0)
    }

    /// Resolves a candidate list, `hops` imports deep into a resolution already under way.
    pub(crate) fn resolve_candidates_at(
        &self,
        module: usize,
        candidates: &Candidates,
        hops: usize,
    ) -> Vec<QualifiedName> {
        if hops > MAX_IMPORT_HOPS {
            return Vec::new();
        }
        let mut out: Vec<QualifiedName> = Vec::new();
        let mut glob_defined = None;
        let mut glob_external = Vec::new();
        for raw in candidates {
            if raw.via_glob && !self.glob_candidate_exported(module, raw) {
                continue;
            }
            for (path, found) in self.resolve_with_status(module, raw, hops) {
                if !raw.via_glob {
                    out.push(path);
                } else if found == Found::Defined && glob_defined.is_none() {
                    glob_defined = Some(path);
                } else if found == Found::External {
                    glob_external.push(path);
                }
            }
        }
        match glob_defined {
            Some(path) => out.push(path),
            None => out.extend(glob_external),
        }
        out.sort();
        out.dedup();
        out
    }

    /// Follows a qualified path through modules, imports, re-exports and globs
    /// to the path of its definition.
    ///
    /// Results are memoized, so each path is resolved once per run. A path
    /// met again while this thread resolves it reads as missing: an import
    /// cycle ends there instead of recursing.
    fn canonicalize(
        &self,
        language: Language,
        path: QualifiedName,
        hops: usize,
    ) -> Vec<(QualifiedName, Found)> {
        if hops > MAX_IMPORT_HOPS || path.is_empty() {
            return vec![(path, Found::Missing)];
        }
        if !self.roots(language).contains(&path[0]) {
            return vec![(path, Found::External)];
        }
        let key = (language, path);
        if let Some(known) = self.memo.get(&key) {
            return known;
        }
        let entered = IN_PROGRESS.with(|paths| paths.borrow_mut().insert(key.clone()));
        if !entered {
            return vec![(key.1, Found::Missing)];
        }
        let result = self.canonicalize_uncached(language, key.1.clone(), hops);
        IN_PROGRESS.with(|paths| paths.borrow_mut().remove(&key));
        self.memo.insert(key, result.clone());
        result
    }

    fn canonicalize_uncached(
        &self,
        language: Language,
        path: QualifiedName,
        hops: usize,
    ) -> Vec<(QualifiedName, Found)> {
        for end in 1..=path.len() {
            let prefix = &path[..end];
            if self.is_module(language, prefix) && end < path.len() {
                continue;
            }
            if self.is_module(language, prefix) {
                return vec![(path, Found::Defined)];
            }
            let name = &path[end - 1];
            let parent = &path[..end - 1];
            let rest = &path[end..];
            let Some(indices) = self.module_paths.get(&(language, parent.to_vec())) else {
                return vec![(path, Found::Missing)];
            };
            return self.resolve_member(language, indices, name, rest, &path, hops);
        }
        vec![(path, Found::Defined)]
    }

    /// Resolves `name` (followed by `rest`) as a member of the modules at one path.
    fn resolve_member(
        &self,
        language: Language,
        indices: &[usize],
        name: &str,
        rest: &[String],
        path: &QualifiedName,
        hops: usize,
    ) -> Vec<(QualifiedName, Found)> {
        let mut out = Vec::new();
        if !rest.is_empty() {
            // A member of an alias (`type C = Client; C::new`) is a member of its target.
            for &i in indices {
                for alias in self.modules[i].aliases.iter().filter(|a| a.local == name) {
                    for target in &alias.targets {
                        for (mut resolved, found) in self.resolve_with_status(i, target, hops + 1) {
                            resolved.extend(rest.iter().cloned());
                            out.extend(self.canonicalize_again(language, resolved, found, hops));
                        }
                    }
                }
            }
            if !out.is_empty() {
                return out;
            }
        }
        if indices.iter().any(|&i| self.module_defines(i, name)) {
            return vec![(path.clone(), Found::Defined)];
        }

        for &i in indices {
            for import in self.modules[i]
                .imports
                .iter()
                .filter(|im| !im.glob && !im.in_function && im.local == name)
            {
                for target in &import.target {
                    for (mut resolved, found) in self.resolve_with_status(i, target, hops + 1) {
                        resolved.extend(rest.iter().cloned());
                        out.extend(self.canonicalize_again(language, resolved, found, hops));
                    }
                }
            }
        }
        if !out.is_empty() {
            return out;
        }

        for &i in indices {
            let module = &self.modules[i];
            for import in module
                .imports
                .iter()
                .filter(|im| im.glob && !im.in_function)
            {
                for target in &import.target {
                    for (base, _) in self.resolve_with_status(i, target, hops + 1) {
                        if !self.glob_exports(language, &base, name) {
                            continue;
                        }
                        let mut resolved = base;
                        resolved.push(name.to_string());
                        resolved.extend(rest.iter().cloned());
                        out.extend(
                            self.canonicalize(language, resolved, hops + 1)
                                .into_iter()
                                .filter(|(_, f)| *f != Found::Missing),
                        );
                    }
                }
            }
        }
        if out.is_empty() {
            out.push((path.clone(), Found::Missing));
        }
        out
    }

    fn canonicalize_again(
        &self,
        language: Language,
        path: QualifiedName,
        found: Found,
        hops: usize,
    ) -> Vec<(QualifiedName, Found)> {
        match found {
            Found::External => vec![(path, Found::External)],
            _ => self.canonicalize(language, path, hops + 1),
        }
    }

    /// Returns whether a glob import of `base` brings `name`: Python honours `__all__`
    /// and skips private names; a module outside the project may bring anything.
    fn glob_exports(&self, language: Language, base: &[String], name: &str) -> bool {
        let Some(indices) = self.module_paths.get(&(language, base.to_vec())) else {
            return true;
        };
        if language == Language::Python {
            return indices.iter().any(|&i| match &self.modules[i].exports {
                Some(exports) => exports.iter().any(|e| e == name),
                None => !name.starts_with('_'),
            });
        }
        true
    }

    /// Returns whether a module defines an item of that name (not an import).
    fn module_defines(&self, module: usize, name: &str) -> bool {
        self.defined[module].contains(name)
    }

    /// Resolves a call site's callee into the qualified names it may denote.
    pub fn resolve_callee(&self, module: usize, callee: &Callee) -> Vec<QualifiedName> {
        self.resolve_callee_at(module, callee, 0)
    }

    /// Resolves a callee `depth` type evaluations deep (a receiver's type may
    /// be the return type of another call).
    pub(crate) fn resolve_callee_at(
        &self,
        module: usize,
        callee: &Callee,
        depth: usize,
    ) -> Vec<QualifiedName> {
        match callee {
            Callee::Path(candidates) => {
                let mut out = Vec::new();
                for path in self.resolve_candidates(module, candidates) {
                    out.extend(self.member_names(module, path, depth));
                }
                out.sort();
                out.dedup();
                out
            }
            Callee::Method { receiver, segments } => {
                let mut out = Vec::new();
                for ty in self.eval_type_at(module, receiver, depth + 1) {
                    out.extend(self.method_names_at(&ty, segments, depth + 1));
                }
                out.sort();
                out.dedup();
                out
            }
        }
    }

    /// Returns the names a resolved path denotes once a type's member is looked
    /// up through its methods, traits and bases (`Type::f` of a trait method is also `Trait::f`).
    fn member_names(&self, module: usize, path: QualifiedName, depth: usize) -> Vec<QualifiedName> {
        if let Some(alias_targets) = self.alias_targets(module, &path) {
            return alias_targets;
        }
        if let Some(names) = self.names_through_variable(module, &path, depth) {
            return names;
        }
        let Some((name, parent)) = path.split_last() else {
            return vec![path];
        };
        if self.types.contains_key(parent) {
            let ty = methods::ResolvedType::new(parent.to_vec(), false);
            return self.method_names_at(&ty, std::slice::from_ref(name), depth + 1);
        }
        vec![path]
    }

    /// Follows a module-level alias (`f = llm_json`) to what it is bound to.
    pub(crate) fn alias_targets(
        &self,
        module: usize,
        path: &[String],
    ) -> Option<Vec<QualifiedName>> {
        let (name, parent) = path.split_last()?;
        let language = self.modules[module].language;
        let indices = self.module_paths.get(&(language, parent.to_vec()))?;
        let mut out = Vec::new();
        for &i in indices {
            for alias in self.modules[i].aliases.iter().filter(|a| a.local == *name) {
                out.extend(self.resolve_candidates(i, &alias.targets));
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// Collects the names a module defines: free functions, types, other items and aliases.
fn defined_names(module: &Module) -> rustc_hash::FxHashSet<String> {
    let functions = module
        .functions
        .iter()
        .filter(|f| f.parent.is_none() && f.owner.is_none())
        .map(|f| &f.name);
    let types = module.types.iter().map(|t| &t.name);
    let aliases = module.aliases.iter().map(|a| &a.local);
    functions
        .chain(types)
        .chain(&module.other_items)
        .chain(aliases)
        .cloned()
        .collect()
}

impl Index {
    /// Returns the type of a module-level variable by its qualified name.
    pub(crate) fn variable_type(
        &self,
        language: Language,
        path: &[String],
    ) -> Option<&(usize, crate::model::TypeExpr)> {
        self.variables.get(&(language, path.to_vec()))
    }

    /// Resolves a path that goes through a module-level variable
    /// (`clients.client.chat.completions.create`) as a member chain on the variable's type.
    fn names_through_variable(
        &self,
        module: usize,
        path: &[String],
        depth: usize,
    ) -> Option<Vec<QualifiedName>> {
        let language = self.modules[module].language;
        for end in (1..path.len()).rev() {
            let Some((owner, ty)) = self.variable_type(language, &path[..end]) else {
                continue;
            };
            let rest = &path[end..];
            let mut out = Vec::new();
            for resolved in self.eval_type_at(*owner, ty, depth + 1) {
                out.extend(self.method_names_at(&resolved, rest, depth + 1));
            }
            return (!out.is_empty()).then_some(out);
        }
        None
    }
}

impl Index {
    /// Returns whether a project type has a method of that name: its own, one
    /// its trait declares, or one of a trait it implements. A type that
    /// implements a trait from outside the project, or has base classes, may
    /// have methods the project does not show, so any name passes for it.
    fn type_has_member(&self, type_path: &[String], name: &str) -> bool {
        let Some(info) = self.types.get(type_path) else {
            return false;
        };
        if info.methods.contains_key(name) || self.trait_declares_method(type_path, name) {
            return true;
        }
        let external_trait = info
            .traits
            .iter()
            .any(|t| self.types.get(t).is_none_or(|i| i.definition.is_none()));
        external_trait
            || info
                .traits
                .iter()
                .any(|t| self.trait_declares_method(t, name))
            || !self.bases_of(type_path).is_empty()
    }

    fn trait_declares_method(&self, trait_path: &[String], name: &str) -> bool {
        self.types
            .get(trait_path)
            .and_then(|info| info.definition)
            .is_some_and(|(m, t)| {
                self.modules[m].types[t]
                    .trait_methods
                    .iter()
                    .any(|n| n == name)
            })
    }
}
