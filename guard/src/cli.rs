//! The command line: `guard [check [PATHS...]]`, `guard rules`, `guard explain RULE`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::{find_config, Config};
use crate::diagnostics::{ConfigError, ConfigWarning};
use crate::engine::{analyze, Analysis};
use crate::report::{self, Format, Outcome};
use crate::rules;
use crate::source::display_path;

/// Exit code for a run with no finding at error severity.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code for a run with findings at error severity.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code for usage, configuration, read and parse errors.
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "guard",
    version,
    about = "Keeps slow, blocking calls out of hot-path code"
)]
pub struct Cli {
    /// The rules file; by default rules.toml in the current folder or the nearest folder above it.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Pretty)]
    format: Format,

    /// When to color the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Print findings and errors only, without the summary line.
    #[arg(long, short, global = true)]
    quiet: bool,

    /// Parse every file again instead of reusing the models cached in .guard-cache/.
    #[arg(long, global = true)]
    no_cache: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check the repository (the default), or report findings in the given files only.
    Check {
        /// Files to report on; the whole repository is still analysed to resolve names.
        paths: Vec<PathBuf>,
    },
    /// List the configured rules and their bans.
    Rules,
    /// Print the documentation of a rule kind, or of a configured rule by id.
    Explain {
        /// A rule kind (`forbidden-call`) or a rule id from rules.toml.
        rule: String,
    },
    /// Print every ban a function reaches through the call graph, with the chains.
    ExplainPath {
        /// A qualified function name (`app::helpers::a`, `pkg.mod.Class.method`) or its last segments.
        function: String,
    },
}

/// Runs the command line and returns the exit code.
pub fn run(cli: Cli) -> i32 {
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    if let Some(Command::Explain { rule }) = &cli.command {
        if let Some(kind) = rules::kinds().into_iter().find(|k| k.name() == rule) {
            write_stdout!("{}", kind.documentation());
            return EXIT_CLEAN;
        }
    }

    let mut config = match load_config(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            write_stderr!("{:?}", miette::Report::new(error));
            return EXIT_ERROR;
        }
    };

    if cli.no_cache {
        config.cache = false;
    }

    match cli.command {
        None => check(&config, &[], cli.format, color, cli.quiet),
        Some(Command::Check { paths }) => check(&config, &paths, cli.format, color, cli.quiet),
        Some(Command::Rules) => list_rules(&config),
        Some(Command::Explain { rule }) => explain_rule(&config, &rule),
        Some(Command::ExplainPath { function }) => {
            crate::explain_path::explain_path(&config, &function)
        }
    }
}

fn load_config(explicit: Option<&Path>) -> Result<Config, ConfigError> {
    let file = match explicit {
        Some(file) => file.to_path_buf(),
        None => {
            let start = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            find_config(&start).ok_or_else(|| ConfigError::NotFound {
                start: start.display().to_string(),
            })?
        }
    };
    Config::load(&file)
}

/// Turns command-line paths into paths relative to the root, or an error naming the path.
fn relative_paths(config: &Config, paths: &[PathBuf]) -> Result<Vec<String>, String> {
    let root = config
        .root
        .canonicalize()
        .map_err(|e| format!("cannot open the root {}: {e}", config.root.display()))?;
    paths
        .iter()
        .map(|path| {
            let absolute = path.canonicalize().map_err(|e| {
                format!(
                    "cannot check {}: {e}; pass files that exist",
                    path.display()
                )
            })?;
            let relative = absolute.strip_prefix(&root).map_err(|_| {
                format!(
                    "{} is outside the root {}; pass files under the folder of rules.toml",
                    path.display(),
                    root.display()
                )
            })?;
            Ok(display_path(relative))
        })
        .collect()
}

fn check(config: &Config, paths: &[PathBuf], format: Format, color: bool, quiet: bool) -> i32 {
    let started = Instant::now();
    let selected = match relative_paths(config, paths) {
        Ok(selected) => selected,
        Err(message) => {
            write_stderr!("error: {message}");
            return EXIT_ERROR;
        }
    };

    let analysis = analyze(config);
    let timer = crate::engine::PhaseTimer::start();
    warn_unmatched_bans(config, &analysis);
    warn_empty_scopes(config, &analysis);
    timer.phase("check bans against the index");
    let mut findings = rules::check_all(&analysis, config);
    timer.phase("rules and call graph");
    let mut errors = analysis.errors.clone();
    if !selected.is_empty() {
        let is_selected = |file: &String| {
            selected
                .iter()
                .any(|s| s.is_empty() || s == file || file.starts_with(&format!("{s}/")))
        };
        // A finding whose call chain passes through a selected file is that file's
        // doing too: a helper changed in a commit can break a hot-path caller.
        findings
            .retain(|f| is_selected(&f.file) || f.chain.iter().any(|hop| is_selected(&hop.file)));
        errors.retain(|e| is_selected(&e.file));
    }

    let outcome = Outcome {
        findings: &findings,
        errors: &errors,
        analysis: &analysis,
        elapsed_ms: started.elapsed().as_millis(),
        color,
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = report::write(&mut stdout, format, &outcome, quiet) {
        write_stderr!("error: cannot write the report: {error}");
        return EXIT_ERROR;
    }
    let _ = stdout.flush();

    if !errors.is_empty() {
        EXIT_ERROR
    } else if outcome.error_findings() > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Warns about settings that select nothing: a run without rules, and hot-path
/// file globs that match no source file.
fn warn_empty_scopes(config: &Config, analysis: &Analysis) {
    if config.rules.is_empty() {
        write_stderr!(
            "guard: warning: {} defines no [[rule]], so nothing is checked",
            config.file.display()
        );
    }
    let files: Vec<String> = analysis
        .source_files
        .iter()
        .map(|f| display_path(f))
        .collect();
    for rule in &config.rules {
        let Some(globs) = &rule.scope.files else {
            continue;
        };
        if !files.iter().any(|file| globs.is_match(file)) {
            write_stderr!(
                "guard: warning: the hot-path files of rule `{}` ({}) match no source file; globs are relative to {} and use `/`, like `src/handlers/**`",
                rule.id,
                globs.patterns.join(", "),
                config.root.display()
            );
        }
    }
}

/// Warns about bans on a project path that names no item: such a ban can never match.
fn warn_unmatched_bans(config: &Config, analysis: &Analysis) {
    for rule in &config.rules {
        for ban in &rule.bans {
            let Some(message) = unmatched_ban(ban, analysis) else {
                continue;
            };
            let warning = ConfigWarning {
                message,
                source_code: miette::NamedSource::new(
                    config.file.display().to_string(),
                    config.source.clone(),
                ),
                span: ban.span.clone().into(),
                help: Some("fix the path, or remove the ban if the item is gone".into()),
            };
            write_stderr!("{:?}", miette::Report::new(warning));
        }
    }
}

fn unmatched_ban(ban: &crate::config::Ban, analysis: &Analysis) -> Option<String> {
    use crate::model::Language;
    let prefix = ban.pattern.literal_prefix();
    let languages: Vec<Language> = [Language::Rust, Language::Python]
        .into_iter()
        .filter(|l| ban.pattern.applies_to(*l))
        .collect();

    let mut candidates: Vec<(Language, Vec<String>)> = Vec::new();
    if ban.pattern.crate_relative {
        for root in analysis.index.roots(Language::Rust) {
            let mut path = vec![root.clone()];
            path.extend(prefix[1..].iter().cloned());
            candidates.push((Language::Rust, path));
        }
        if candidates.is_empty() {
            return Some(format!(
                "ban `{}` starts with `crate` but the guard found no Rust crate",
                ban.text
            ));
        }
    } else {
        for language in languages {
            if prefix
                .first()
                .is_some_and(|first| analysis.index.roots(language).contains(first))
            {
                candidates.push((language, prefix.clone()));
            }
        }
        if candidates.is_empty() {
            return None;
        }
    }
    let found = candidates
        .iter()
        .any(|(language, path)| analysis.index.names_item(*language, path));
    (!found).then(|| {
        format!(
            "ban `{}` names no item of the project, so it can never match",
            ban.text
        )
    })
}

fn list_rules(config: &Config) -> i32 {
    let boundaries: Vec<String> = config.boundaries.iter().map(|b| b.to_string()).collect();
    write_stdout!("hand-off boundaries: {}\n", boundaries.join(", "));
    for rule in &config.rules {
        let severity = match rule.severity {
            crate::config::Severity::Error => "error",
            crate::config::Severity::Warning => "warning",
        };
        write_stdout!("{} ({severity}): {}", rule.id, rule.message);
        if let Some(files) = &rule.scope.files {
            write_stdout!("  hot path: {}", files.patterns.join(", "));
        } else if rule.gateway {
            write_stdout!("  everywhere except: {}", rule.allow.patterns.join(", "));
        }
        if let Some(functions) = &rule.scope.functions {
            write_stdout!("  functions: {}", functions.patterns.join(", "));
        }
        if !rule.scope.attributes.is_empty() {
            write_stdout!(
                "  attributes or decorators: {}",
                rule.scope.attributes.join(", ")
            );
        }
        let depth = rule
            .max_depth
            .map(|d| format!(", chains of at most {d} calls"))
            .unwrap_or_default();
        if rule.transitive {
            write_stdout!("  follows calls through project functions{depth}");
        } else {
            write_stdout!("  direct calls only (transitive = false)");
        }
        if !rule.allow_test_code {
            write_stdout!("  test code is checked too (allow-test-code = false)");
        }
        if !rule.allow.is_empty() && !rule.gateway {
            write_stdout!("  allowed in: {}", rule.allow.patterns.join(", "));
        }
        for ban in &rule.bans {
            write_stdout!("  forbids {}", ban.text);
        }
    }
    EXIT_CLEAN
}

fn explain_rule(config: &Config, id: &str) -> i32 {
    let Some(rule) = config.rules.iter().find(|r| r.id == id) else {
        let kinds: Vec<&str> = rules::kinds().iter().map(|k| k.name()).collect();
        let ids: Vec<&str> = config.rules.iter().map(|r| r.id.as_str()).collect();
        write_stderr!(
            "error: no rule kind or rule id `{id}`; kinds: {}; rule ids: {}",
            kinds.join(", "),
            ids.join(", ")
        );
        return EXIT_ERROR;
    };
    write_stdout!("{}: {}\n", rule.id, rule.message);
    for ban in &rule.bans {
        write_stdout!("forbids {}", ban.text);
        if let Some(reason) = &ban.reason {
            write_stdout!("  reason: {reason}");
        }
        if let Some(replacement) = &ban.replacement {
            write_stdout!("  instead: {replacement}");
        }
    }
    write_stdout!();
    for kind in rules::kinds() {
        write_stdout!("{}", kind.documentation());
    }
    EXIT_CLEAN
}
