//! rules.toml: the schema, its validation with spans, and the compiled rules.
//!
//! Every key is documented in `docs/rules.md`.

mod pattern;
mod schema;

use std::ops::Range;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

pub use pattern::PathPattern;
use schema::{RawBan, RawConfig, RawRule};

use crate::diagnostics::ConfigError;

/// The name of the configuration file the guard looks for.
pub const CONFIG_FILE: &str = "rules.toml";

/// Hand-off boundaries known without configuration: calls that only enqueue work.
pub const DEFAULT_BOUNDARIES: &[&str] = &[
    "*.delay",
    "*.apply_async",
    "*.send_task",
    "tokio::spawn",
    "tokio::task::spawn",
    "std::thread::spawn",
    "tokio::task::spawn_local",
    "tokio::sync::**::send",
    "tokio::sync::**::try_send",
    "std::sync::mpsc::**::send",
    "crossbeam_channel::**::send",
    "flume::**::send",
    "async_channel::**::send",
];

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A ban: a pattern of forbidden qualified names with its explanation.
#[derive(Debug, Clone)]
pub struct Ban {
    pub pattern: PathPattern,
    pub text: String,
    pub span: Range<usize>,
    pub reason: Option<String>,
    pub replacement: Option<String>,
}

/// A set of globs with the text they came from.
#[derive(Debug, Clone)]
pub struct Globs {
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl Globs {
    pub fn is_match(&self, path: &str) -> bool {
        self.set.is_match(path)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// The code a rule treats as hot path.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Files of the hot path; every file when the rule uses `only-in`.
    pub files: Option<Globs>,
    /// Function names (globs such as `on_*`); when set with no attributes, only these functions are hot.
    pub functions: Option<Globs>,
    /// Attribute or decorator names (`hot_path`).
    pub attributes: Vec<String>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub message: String,
    pub scope: Scope,
    pub allow: Globs,
    pub allow_test_code: bool,
    pub transitive: bool,
    pub max_depth: Option<usize>,
    pub bans: Vec<Ban>,
    /// Whether the rule came from `only-in`: everywhere but the listed paths.
    pub gateway: bool,
}

/// The loaded configuration.
#[derive(Debug)]
pub struct Config {
    pub file: PathBuf,
    pub source: String,
    /// The folder of the configuration file: the root of the analysis.
    pub root: PathBuf,
    pub exclude: Globs,
    pub python_roots: Vec<PathBuf>,
    pub boundaries: Vec<PathPattern>,
    pub rules: Vec<Rule>,
    /// Whether parsed models are cached in `.guard-cache/` between runs.
    pub cache: bool,
    /// Whether only the Python files that can matter are parsed (see `prune`).
    pub python_on_demand: bool,
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(file).map_err(|e| ConfigError::Read {
            path: file.display().to_string(),
            message: e.to_string(),
        })?;
        let root = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let root = if root.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            root
        };
        Config::parse(file.to_path_buf(), root, source)
    }

    /// Parses configuration text; `file` names it in errors.
    pub fn parse(file: PathBuf, root: PathBuf, source: String) -> Result<Config, ConfigError> {
        let invalid = |message: String, span: Range<usize>| {
            ConfigError::invalid(&file, &source, message, span)
        };
        let raw: RawConfig = toml::from_str(&source).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            invalid(e.message().to_string(), span)
        })?;

        let exclude = compile_globs(&raw.guard.exclude, &invalid)?;
        let mut python_roots = Vec::new();
        for python_root in &raw.guard.python_roots {
            let folder = PathBuf::from(python_root.get_ref());
            if !root.join(&folder).is_dir() {
                return Err(invalid(
                    format!(
                        "python root `{}` is not a folder under {}; give a path relative to the folder of rules.toml",
                        python_root.get_ref(),
                        root.display()
                    ),
                    python_root.span(),
                ));
            }
            python_roots.push(folder);
        }
        let mut boundaries = Vec::new();
        if raw.guard.default_boundaries.unwrap_or(true) {
            boundaries.extend(
                DEFAULT_BOUNDARIES
                    .iter()
                    .map(|b| PathPattern::parse(b).expect("default boundaries are valid")),
            );
        }
        for boundary in &raw.guard.boundaries {
            boundaries.push(
                PathPattern::parse(boundary.get_ref()).map_err(|m| invalid(m, boundary.span()))?,
            );
        }

        let mut rules: Vec<Rule> = Vec::new();
        for raw_rule in &raw.rules {
            let rule = compile_rule(raw_rule, &invalid)?;
            if rules.iter().any(|r| r.id == rule.id) {
                return Err(invalid(
                    format!(
                        "rule id `{}` is used twice; give each rule its own id",
                        rule.id
                    ),
                    raw_rule.id.span(),
                ));
            }
            rules.push(rule);
        }
        let cache = raw.guard.cache.unwrap_or(true);
        let python_on_demand = raw.guard.python_on_demand.unwrap_or(false);
        Ok(Config {
            file,
            source,
            root,
            exclude,
            python_roots,
            boundaries,
            rules,
            cache,
            python_on_demand,
        })
    }
}

type Invalid<'a> = dyn Fn(String, Range<usize>) -> ConfigError + 'a;

fn compile_globs(
    patterns: &[toml::Spanned<String>],
    invalid: &Invalid<'_>,
) -> Result<Globs, ConfigError> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let text = pattern.get_ref();
        if text.trim().is_empty() {
            return Err(invalid(
                "the glob is empty; remove it or name files".into(),
                pattern.span(),
            ));
        }
        let glob = Glob::new(text).map_err(|e| {
            invalid(
                format!("invalid glob `{text}`: {}", e.kind()),
                pattern.span(),
            )
        })?;
        builder.add(glob);
    }
    let set = builder
        .build()
        .map_err(|e| invalid(format!("invalid globs: {e}"), 0..0))?;
    Ok(Globs {
        patterns: patterns.iter().map(|p| p.get_ref().clone()).collect(),
        set,
    })
}

fn compile_rule(raw: &RawRule, invalid: &Invalid<'_>) -> Result<Rule, ConfigError> {
    let id = raw.id.get_ref().clone();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            format!("invalid rule id `{id}`: use letters, digits, `-` and `_`, like `no-model-in-hot-path`"),
            raw.id.span(),
        ));
    }
    if raw.forbid.is_empty() {
        return Err(invalid(
            format!("rule `{id}` forbids nothing: add a [[rule.forbid]] table with a `path`"),
            raw.id.span(),
        ));
    }

    let (scope, gateway) = match (&raw.hot_path, &raw.only_in) {
        (Some(_), Some(only_in)) => {
            return Err(invalid(
                format!("rule `{id}` sets both `hot-path` and `only-in`; a rule is either a hot-path ban or a gateway ban"),
                only_in.span(),
            ))
        }
        (None, None) => {
            return Err(invalid(
                format!("rule `{id}` has no scope: add `hot-path = {{ files = [...] }}` or `only-in = [...]`"),
                raw.id.span(),
            ))
        }
        (Some(hot), None) => {
            let mut attributes: Vec<String> = hot.attributes.iter().map(|a| a.get_ref().clone()).collect();
            attributes.extend(hot.decorators.iter().map(|a| a.get_ref().clone()));
            for (text, span) in hot.attributes.iter().chain(&hot.decorators).map(|a| (a.get_ref(), a.span())) {
                if text.trim().is_empty() {
                    return Err(invalid("the attribute name is empty".into(), span));
                }
                if text.starts_with('@') || text.starts_with('#') || text.contains(['*', '?', '[', '(']) {
                    return Err(invalid(
                        format!(
                            "invalid attribute or decorator name `{text}`: write the bare name, such as `hot_path` for `#[hot_path]` or `@hot_path`"
                        ),
                        span,
                    ));
                }
            }
            let files = if hot.files.is_empty() { None } else { Some(compile_globs(&hot.files, invalid)?) };
            let functions = if hot.functions.is_empty() { None } else { Some(compile_globs(&hot.functions, invalid)?) };
            (Scope { files, functions, attributes }, false)
        }
        (None, Some(_)) => (Scope { files: None, functions: None, attributes: Vec::new() }, true),
    };

    let mut allow_patterns = raw.allow.clone();
    if let Some(only_in) = &raw.only_in {
        allow_patterns.extend(only_in.get_ref().iter().cloned());
    }
    let allow = compile_globs(&allow_patterns, invalid)?;
    let bans = raw
        .forbid
        .iter()
        .map(|ban| compile_ban(ban, invalid))
        .collect::<Result<_, _>>()?;

    Ok(Rule {
        message: raw.message.clone().unwrap_or_else(|| {
            if gateway {
                "forbidden call outside the allowed files".into()
            } else {
                "forbidden call in hot-path code".into()
            }
        }),
        severity: raw.severity.unwrap_or(Severity::Error),
        allow,
        allow_test_code: raw.allow_test_code.unwrap_or(true),
        transitive: raw.transitive.unwrap_or(true),
        max_depth: raw.max_depth,
        bans,
        scope,
        gateway,
        id,
    })
}

fn compile_ban(raw: &RawBan, invalid: &Invalid<'_>) -> Result<Ban, ConfigError> {
    let pattern =
        PathPattern::parse(raw.path.get_ref()).map_err(|m| invalid(m, raw.path.span()))?;
    Ok(Ban {
        pattern,
        text: raw.path.get_ref().trim().to_string(),
        span: raw.path.span(),
        reason: raw.reason.clone(),
        replacement: raw.replacement.clone(),
    })
}

/// Finds the configuration file: `rules.toml` in the folder or its nearest ancestor.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE))
        .find(|candidate| candidate.is_file())
}
