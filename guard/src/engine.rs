//! The pipeline: discover files, parse and lower them in parallel, assign Rust
//! module paths, build the semantic index and resolve every call site.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;

use crate::callgraph::CallGraph;
use crate::config::Config;
use crate::diagnostics::FileError;
use crate::discover::discover;
use crate::frontend::Frontend;
use crate::index::{Index, QualifiedName};
use crate::model::Module;
use crate::rules::scope::compute_handed_off;
use crate::rust::crates::{assign_module_paths, read_package};
use crate::python::PythonFrontend;
use crate::rust::RustFrontend;
use crate::source::{display_path, SourceFile};

/// Stack size of the analysis threads: deeply nested input recurses deeply in parsers.
const ANALYSIS_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Everything the rules need: the index, each call site's resolved names, and the files.
pub struct Analysis {
    pub index: Index,
    /// Resolved names per module, per call site.
    pub resolved: Vec<Vec<Vec<QualifiedName>>>,
    pub errors: Vec<FileError>,
    pub sources: HashMap<String, Arc<SourceFile>>,
    pub files_checked: usize,
    call_graph: OnceLock<CallGraph>,
    hand_offs: OnceLock<Vec<Vec<bool>>>,
}

impl Analysis {
    /// Returns, per module and call site, whether the call only hands work off.
    pub fn hand_offs(&self, config: &Config) -> &Vec<Vec<bool>> {
        self.hand_offs.get_or_init(|| {
            self.index
                .modules
                .par_iter()
                .enumerate()
                .map(|(m, module)| (0..module.calls.len()).map(|s| compute_handed_off(self, config, m, s)).collect())
                .collect()
        })
    }

    /// Returns the call graph, built on first use.
    pub fn call_graph(&self, config: &Config) -> &CallGraph {
        self.call_graph.get_or_init(|| CallGraph::build(self, config))
    }
}

/// Returns the frontends of every supported language.
pub fn frontends(config: &Config) -> Vec<Box<dyn Frontend>> {
    let mut python_roots = config.python_roots.clone();
    if config.root.join("src").is_dir() {
        python_roots.push(PathBuf::from("src"));
    }
    vec![Box::new(RustFrontend), Box::new(PythonFrontend::new(python_roots))]
}

/// Runs the pipeline on the configuration's root.
pub fn analyze(config: &Config) -> Analysis {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(ANALYSIS_STACK_BYTES)
        .build()
        .expect("the analysis thread pool starts");
    pool.install(|| analyze_in_pool(config))
}

fn analyze_in_pool(config: &Config) -> Analysis {
    let timer = PhaseTimer::start();
    let frontends = frontends(config);
    let root = &config.root;
    let discovered = discover(root, &config.exclude, |path| frontends.iter().any(|f| f.handles(path)));

    let results: Vec<(Vec<Module>, Vec<FileError>, Option<Arc<SourceFile>>)> = discovered
        .sources
        .par_iter()
        .map(|path| lower_file(root, path, &frontends))
        .collect();

    timer.phase("discover, read, parse and lower");
    let mut modules = Vec::new();
    let mut errors = Vec::new();
    let mut sources = HashMap::new();
    for (file_modules, file_errors, source) in results {
        modules.extend(file_modules);
        errors.extend(file_errors);
        if let Some(source) = source {
            sources.insert(source.display_path(), source);
        }
    }

    let packages: Vec<_> = discovered
        .manifests
        .iter()
        .filter_map(|manifest| {
            let text = std::fs::read_to_string(root.join(manifest)).ok()?;
            read_package(manifest, &text, |p| root.join(p).is_file())
        })
        .collect();
    assign_module_paths(&mut modules, &packages);

    timer.phase("module tree");
    let index = Index::new(modules);
    timer.phase("index");
    let resolved = index
        .modules
        .par_iter()
        .enumerate()
        .map(|(m, module)| module.calls.iter().map(|call| index.resolve_callee(m, &call.callee)).collect())
        .collect();

    timer.phase("resolve call sites");
    errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Analysis { index, resolved, errors, sources, files_checked: discovered.sources.len(), call_graph: OnceLock::new(), hand_offs: OnceLock::new() }
}

fn lower_file(
    root: &Path,
    path: &PathBuf,
    frontends: &[Box<dyn Frontend>],
) -> (Vec<Module>, Vec<FileError>, Option<Arc<SourceFile>>) {
    let display = display_path(path);
    let text = match std::fs::read(root.join(path)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                let error = FileError::new(display, None, "the file is not valid UTF-8; the guard reads UTF-8 source only".into());
                return (Vec::new(), vec![error], None);
            }
        },
        Err(e) => return (Vec::new(), vec![FileError::new(display, None, format!("cannot read the file: {e}"))], None),
    };
    let source = Arc::new(SourceFile::new(path.clone(), text));
    let Some(frontend) = frontends.iter().find(|f| f.handles(path)) else {
        return (Vec::new(), Vec::new(), None);
    };

    let lowered = frontend.lower(&source);
    let errors = lowered
        .errors
        .iter()
        .map(|e| FileError::new(display.clone(), e.span.as_ref(), format!("cannot parse: {}", e.message)))
        .collect();
    (lowered.modules, errors, Some(source))
}

/// Prints the wall time of each phase to stderr when `GUARD_LOG=timing` is set.
pub struct PhaseTimer {
    enabled: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl PhaseTimer {
    pub fn start() -> Self {
        let enabled = std::env::var("GUARD_LOG").is_ok_and(|v| v.split(',').any(|p| p == "timing"));
        PhaseTimer { enabled, last: std::cell::Cell::new(std::time::Instant::now()) }
    }

    pub fn phase(&self, name: &str) {
        if self.enabled {
            let now = std::time::Instant::now();
            eprintln!("guard: {name}: {:.1} ms", (now - self.last.get()).as_secs_f64() * 1000.0);
            self.last.set(now);
        }
    }
}
