//! Demand-driven selection of Python files: parse only the files that can
//! matter, instead of every file of a large project.
//!
//! A Python file is parsed in three cases. It is in a hot-path scope
//! (`hot-path.files`). Or its text names a ban: the last literal segment of a
//! ban's pattern, or a name that a parsed module binds to a banned path
//! through an import or an alias. Or a rule follows calls transitively and a
//! parsed module imports it. A file outside these sets cannot contain a call that a ban
//! matches: to call a function, code must name it or a name bound to it, and
//! every such binding is in a file that names the function in turn.
//!
//! The selection is on only with `[guard] python-on-demand = true`: a file
//! that is not parsed is not checked for syntax errors either, so by default
//! every Python file is parsed.
//!
//! Rust files are always parsed, because the module tree follows `mod` items
//! from the crate roots. Rules that follow calls from every function (the
//! `only-in` form, or a scope by function name or attribute only) need the
//! whole call graph, so every Python file is parsed for them.

use std::path::{Path, PathBuf};

use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::Config;
use crate::model::{Language, Module, PathBase};
use crate::python::paths::module_path;
use crate::source::display_path;

/// The selection of Python files to parse, grown as parsed modules reveal more.
pub struct PythonPlan {
    /// Every Python file, relative to the root.
    files: Vec<PathBuf>,
    selected: Vec<bool>,
    tokens: FxHashSet<String>,
    /// Whether imports of parsed modules pull in the imported files.
    follow_imports: bool,
    by_module: FxHashMap<Vec<String>, usize>,
    root: PathBuf,
}

/// Returns whether a path names a Python file.
pub fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "py")
}

impl PythonPlan {
    /// Plans the selection. Returns `None` when every Python file must be parsed.
    pub fn new(config: &Config, files: Vec<PathBuf>, roots: Vec<PathBuf>) -> Option<PythonPlan> {
        if !config.python_on_demand {
            return None;
        }
        let applies = |rule: &crate::config::Rule| {
            rule.bans
                .iter()
                .any(|b| b.pattern.applies_to(Language::Python))
        };
        let python_rules: Vec<_> = config.rules.iter().filter(|r| applies(r)).collect();
        if python_rules
            .iter()
            .any(|r| r.transitive && r.scope.files.is_none())
        {
            return None;
        }

        let mut tokens = FxHashSet::default();
        for rule in &python_rules {
            for ban in rule
                .bans
                .iter()
                .filter(|b| b.pattern.applies_to(Language::Python))
            {
                if let Some(last) = ban.pattern.literal_segments().last() {
                    tokens.insert(last.clone());
                }
            }
        }
        let mut roots_with_base = roots;
        roots_with_base.push(PathBuf::new());
        let by_module = files
            .iter()
            .enumerate()
            .map(|(i, file)| (module_path(file, &roots_with_base).0, i))
            .collect();

        let mut selected = vec![false; files.len()];
        for (i, file) in files.iter().enumerate() {
            let display = display_path(file);
            selected[i] = python_rules.iter().any(|rule| {
                rule.scope
                    .files
                    .as_ref()
                    .is_some_and(|globs| globs.is_match(&display))
                    && !rule.allow.is_match(&display)
            });
        }
        Some(PythonPlan {
            files,
            selected,
            tokens,
            follow_imports: python_rules.iter().any(|r| r.transitive),
            by_module,
            root: config.root.clone(),
        })
    }

    /// Returns the files to parse first: hot-path files and files that name a ban.
    pub fn initial(&mut self) -> Vec<PathBuf> {
        let hot: Vec<usize> = (0..self.files.len())
            .filter(|&i| self.selected[i])
            .collect();
        let mut out: Vec<PathBuf> = hot.iter().map(|&i| self.files[i].clone()).collect();
        out.extend(self.scan());
        out
    }

    /// Selects the unselected files whose text names a token, and returns them.
    fn scan(&mut self) -> Vec<PathBuf> {
        if self.tokens.is_empty() {
            return Vec::new();
        }
        let Ok(matcher) = AhoCorasick::new(self.tokens.iter()) else {
            return Vec::new();
        };
        let hits: Vec<usize> = (0..self.files.len())
            .into_par_iter()
            .filter(|&i| !self.selected[i])
            .filter(|&i| match std::fs::read(self.root.join(&self.files[i])) {
                Ok(text) => names_token(&matcher, &text),
                // A file that cannot be read is parsed, so the read error is reported.
                Err(_) => true,
            })
            .collect();
        for &i in &hits {
            self.selected[i] = true;
        }
        hits.into_iter().map(|i| self.files[i].clone()).collect()
    }

    /// Learns from newly parsed modules: names they bind to banned paths become
    /// tokens, and (for transitive rules) the files they import are selected.
    /// Returns the files to parse next.
    pub fn expand(&mut self, modules: &[Module]) -> Vec<PathBuf> {
        let mut next = Vec::new();
        let mut new_tokens = false;
        for module in modules.iter().filter(|m| m.language == Language::Python) {
            for import in &module.imports {
                let names_token = import
                    .target
                    .iter()
                    .any(|t| t.segments.iter().any(|s| self.tokens.contains(s)));
                if names_token && !import.local.is_empty() {
                    new_tokens |= self.tokens.insert(import.local.clone());
                }
                if self.follow_imports {
                    for target in &import.target {
                        next.extend(self.select_module(module, &target.base, &target.segments));
                    }
                }
            }
            for alias in &module.aliases {
                if alias
                    .targets
                    .iter()
                    .any(|t| t.segments.iter().any(|s| self.tokens.contains(s)))
                {
                    new_tokens |= self.tokens.insert(alias.local.clone());
                }
            }
        }
        if new_tokens {
            next.extend(self.scan());
        }
        next
    }

    /// Selects the files of a module path and of its parent packages.
    fn select_module(
        &mut self,
        module: &Module,
        base: &PathBase,
        segments: &[String],
    ) -> Vec<PathBuf> {
        let mut path: Vec<String> = match base {
            PathBase::Absolute => Vec::new(),
            PathBase::CrateRoot => return Vec::new(),
            PathBase::Module { up } => {
                module.path[..module.path.len().saturating_sub(*up)].to_vec()
            }
        };
        path.extend(segments.iter().cloned());

        let mut out = Vec::new();
        for end in 1..=path.len() {
            if let Some(&i) = self.by_module.get(&path[..end]) {
                if !self.selected[i] {
                    self.selected[i] = true;
                    out.push(self.files[i].clone());
                }
            }
        }
        out
    }

    /// Returns the number of Python files selected so far.
    pub fn selected_count(&self) -> usize {
        self.selected.iter().filter(|s| **s).count()
    }
}

/// Returns whether the text contains a token as a whole identifier.
fn names_token(matcher: &AhoCorasick, text: &[u8]) -> bool {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    matcher.find_overlapping_iter(text).any(|found| {
        let before = found.start().checked_sub(1).map(|i| text[i]);
        let after = text.get(found.end()).copied();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}
