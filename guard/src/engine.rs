//! The pipeline: discover files, parse and lower them in parallel, assign Rust
//! module paths, build the semantic index and resolve every call site.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;

use crate::cache::{self, Entry, EntryRef, FileStamp};
use crate::callgraph::CallGraph;
use crate::config::Config;
use crate::diagnostics::FileError;
use crate::discover::discover;
use crate::frontend::Frontend;
use crate::index::{Index, QualifiedName};
use crate::model::Module;
use crate::prune::{is_python, PythonPlan};
use crate::python::PythonFrontend;
use crate::rules::scope::compute_handed_off;
use crate::rust::crates::{assign_module_paths, read_package};
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
    /// The analysis root; reporters read source text from it on demand.
    pub root: PathBuf,
    /// Every source file discovery found, relative to the root.
    pub source_files: Vec<PathBuf>,
    call_graph: OnceLock<CallGraph>,
    hand_offs: OnceLock<Vec<Vec<bool>>>,
}

impl Analysis {
    /// Returns the number of source files the run covered.
    pub fn files_checked(&self) -> usize {
        self.source_files.len()
    }

    /// Returns, per module and call site, whether the call only hands work off.
    pub fn hand_offs(&self, config: &Config) -> &Vec<Vec<bool>> {
        self.hand_offs.get_or_init(|| {
            self.index
                .modules
                .par_iter()
                .enumerate()
                .map(|(m, module)| {
                    (0..module.calls.len())
                        .map(|s| compute_handed_off(self, config, m, s))
                        .collect()
                })
                .collect()
        })
    }

    /// Returns the call graph, built on first use.
    pub fn call_graph(&self, config: &Config) -> &CallGraph {
        self.call_graph
            .get_or_init(|| CallGraph::build(self, config))
    }
}

/// Returns the Python source roots: the configured ones, and `src/` when it exists.
fn python_roots(config: &Config) -> Vec<PathBuf> {
    let mut roots = config.python_roots.clone();
    if config.root.join("src").is_dir() {
        roots.push(PathBuf::from("src"));
    }
    roots
}

/// Returns the frontends of every supported language.
pub fn frontends(config: &Config) -> Vec<Box<dyn Frontend>> {
    vec![
        Box::new(RustFrontend),
        Box::new(PythonFrontend::new(python_roots(config))),
    ]
}

/// Runs the pipeline on the configuration's root.
pub fn analyze(config: &Config) -> Analysis {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(ANALYSIS_STACK_BYTES)
        .build()
        .expect("the analysis thread pool starts");
    pool.install(|| analyze_in_pool(config))
}

/// The result of lowering one file, and the key to cache it under.
struct FileResult {
    modules: Vec<Module>,
    errors: Vec<FileError>,
    /// The stamp and content hash to cache the file under; `None` for a file with errors.
    cache_key: Option<(FileStamp, [u8; 32])>,
    /// Whether the cache entry was reused with the same stamp, so it needs no rewrite.
    unchanged: bool,
}

fn analyze_in_pool(config: &Config) -> Analysis {
    let timer = PhaseTimer::start();
    let frontends = frontends(config);
    let root = &config.root;
    let discovered = discover(root, &config.exclude, |path| {
        frontends.iter().any(|f| f.handles(path))
    });

    let fingerprint = cache::fingerprint(&python_roots(config));
    let mut cached = if config.cache {
        cache::load(root, fingerprint)
    } else {
        HashMap::new()
    };
    timer.phase("discover and load the cache");

    let (python_files, mut batch): (Vec<PathBuf>, Vec<PathBuf>) = discovered
        .sources
        .iter()
        .cloned()
        .partition(|path| is_python(path));
    let python_count = python_files.len();
    let mut plan = PythonPlan::new(config, python_files.clone(), python_roots(config));
    match &mut plan {
        Some(plan) => batch.extend(plan.initial()),
        None => batch.extend(python_files),
    }
    timer.phase("select Python files");

    let mut modules = Vec::new();
    let mut errors: Vec<FileError> = discovered
        .errors
        .iter()
        .map(|(path, message)| {
            FileError::new(
                display_path(path),
                None,
                format!("cannot read: {message}; the files below it were not checked"),
            )
        })
        .collect();
    let mut cache_keys = HashMap::new();
    let mut cache_changed = false;
    while !batch.is_empty() {
        let jobs: Vec<(PathBuf, Option<Entry>)> = batch
            .drain(..)
            .map(|path| {
                let entry = cached.remove(&path);
                (path, entry)
            })
            .collect();
        let results: Vec<(PathBuf, FileResult)> = jobs
            .into_par_iter()
            .map(|(path, entry)| {
                let result = lower_file(root, &path, entry, &frontends);
                (path, result)
            })
            .collect();

        let first_new = modules.len();
        for (path, result) in results {
            modules.extend(result.modules);
            errors.extend(result.errors);
            cache_changed |= !result.unchanged;
            if let Some(key) = result.cache_key {
                cache_keys.insert(path, key);
            }
        }
        if let Some(plan) = &mut plan {
            batch = plan.expand(&modules[first_new..]);
        }
    }
    // Entries of files that are gone or were not parsed this time leave the cache.
    cache_changed |= !cached.is_empty();
    let phase = match &plan {
        Some(plan) => format!(
            "read, parse and lower ({} of {python_count} Python files selected)",
            plan.selected_count()
        ),
        None => "read, parse and lower".to_string(),
    };
    timer.phase(&phase);

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

    let renames: Vec<(String, String)> = packages
        .iter()
        .flat_map(|p| p.renames.iter().cloned())
        .collect();
    let index = Index::with_crate_renames(modules, &renames);
    timer.phase("index");
    if config.cache && cache_changed {
        store_cache(root, fingerprint, &index, &cache_keys);
        timer.phase("store the cache");
    }

    let resolved = index
        .modules
        .par_iter()
        .enumerate()
        .map(|(m, module)| {
            module
                .calls
                .iter()
                .map(|call| index.resolve_callee(m, &call.callee))
                .collect()
        })
        .collect();
    timer.phase("resolve call sites");

    errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    Analysis {
        index,
        resolved,
        errors,
        root: root.clone(),
        source_files: discovered.sources,
        call_graph: OnceLock::new(),
        hand_offs: OnceLock::new(),
    }
}

fn store_cache(
    root: &Path,
    fingerprint: [u8; 32],
    index: &Index,
    keys: &HashMap<PathBuf, (FileStamp, [u8; 32])>,
) {
    let mut entries: HashMap<&Path, EntryRef<'_>> = HashMap::new();
    for module in &index.modules {
        let Some(&(stamp, hash)) = keys.get(&module.file) else {
            continue;
        };
        entries
            .entry(module.file.as_path())
            .or_insert_with(|| EntryRef {
                stamp,
                hash,
                modules: Vec::new(),
            })
            .modules
            .push(module);
    }
    for (path, (stamp, hash)) in keys {
        entries.entry(path.as_path()).or_insert_with(|| EntryRef {
            stamp: *stamp,
            hash: *hash,
            modules: Vec::new(),
        });
    }
    if let Err(error) = cache::store(root, fingerprint, entries) {
        write_stderr!(
            "guard: warning: cannot write the cache in {}: {error}",
            root.join(cache::CACHE_DIR).display()
        );
    }
}

fn lower_file(
    root: &Path,
    path: &Path,
    entry: Option<Entry>,
    frontends: &[Box<dyn Frontend>],
) -> FileResult {
    let display = display_path(path);
    let failed = |message: String| FileResult {
        modules: Vec::new(),
        errors: vec![FileError::new(display.clone(), None, message)],
        cache_key: None,
        unchanged: true,
    };
    let stamp = FileStamp::of(&root.join(path));

    let text = match std::fs::read(root.join(path)) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                return failed(
                    "the file is not valid UTF-8; the guard reads UTF-8 source only".into(),
                )
            }
        },
        Err(e) => return failed(format!("cannot read the file: {e}")),
    };
    let hash = *blake3::hash(text.as_bytes()).as_bytes();
    let stamp = stamp.unwrap_or(FileStamp {
        len: text.len() as u64,
        modified_ns: 0,
    });
    let entry = match entry {
        Some(entry) if entry.hash == hash => {
            return FileResult {
                unchanged: entry.stamp == stamp,
                modules: entry.modules,
                errors: Vec::new(),
                cache_key: Some((stamp, hash)),
            };
        }
        entry => entry,
    };

    let Some(frontend) = frontends.iter().find(|f| f.handles(path)) else {
        return FileResult {
            modules: Vec::new(),
            errors: Vec::new(),
            cache_key: None,
            unchanged: false,
        };
    };
    let source = SourceFile::new(path.to_path_buf(), text);
    let lowered = frontend.lower(&source);
    let errors: Vec<FileError> = lowered
        .errors
        .iter()
        .map(|e| {
            FileError::new(
                display.clone(),
                e.span.as_ref(),
                format!("cannot parse: {}", e.message),
            )
        })
        .collect();
    let cache_key = errors.is_empty().then_some((stamp, hash));
    let unchanged = cache_key.is_none() && entry.is_none();
    FileResult {
        modules: lowered.modules,
        errors,
        cache_key,
        unchanged,
    }
}

/// Prints the wall time of each phase to stderr when `GUARD_LOG=timing` is set.
pub struct PhaseTimer {
    enabled: bool,
    last: std::cell::Cell<std::time::Instant>,
}

impl PhaseTimer {
    pub fn start() -> Self {
        let enabled = std::env::var("GUARD_LOG").is_ok_and(|v| v.split(',').any(|p| p == "timing"));
        PhaseTimer {
            enabled,
            last: std::cell::Cell::new(std::time::Instant::now()),
        }
    }

    pub fn phase(&self, name: &str) {
        if self.enabled {
            let now = std::time::Instant::now();
            write_stderr!(
                "guard: {name}: {:.1} ms",
                (now - self.last.get()).as_secs_f64() * 1000.0
            );
            self.last.set(now);
        }
    }
}
