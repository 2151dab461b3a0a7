//! `guard explain-path FUNCTION`: every ban one function reaches, with the chains.

use crate::callgraph::{chain_from, function_name};
use crate::cli::{EXIT_CLEAN, EXIT_ERROR};
use crate::config::Config;
use crate::engine::analyze;
use crate::index::FunctionId;

/// Returns the functions whose qualified name is `query` or ends with its segments.
fn matching_functions(analysis: &crate::engine::Analysis, query: &str) -> Vec<FunctionId> {
    let mut found = Vec::new();
    for (m, module) in analysis.index.modules.iter().enumerate() {
        let separator = module.language.separator();
        for f in 0..module.functions.len() {
            let name = function_name(
                analysis,
                FunctionId {
                    module: m,
                    function: f,
                },
            );
            if name == query || name.ends_with(&format!("{separator}{query}")) {
                found.push(FunctionId {
                    module: m,
                    function: f,
                });
            }
        }
    }
    found
}

/// Prints the reachable bans of every function matching `query`.
pub fn explain_path(config: &Config, query: &str) -> i32 {
    let analysis = analyze(config);
    let functions = matching_functions(&analysis, query);
    if functions.is_empty() {
        write_stderr!("error: no function named `{query}`; give a qualified name such as `crate_name::module::function` or `package.module.function`");
        return EXIT_ERROR;
    }

    let graph = analysis.call_graph(config);
    for id in functions {
        let module = &analysis.index.modules[id.module];
        let function = &module.functions[id.function];
        write_stdout!(
            "{} ({}:{})",
            function_name(&analysis, id),
            crate::source::display_path(&module.file),
            function.span.line
        );
        let mut reached = 0;
        for rule in &config.rules {
            for ban in &rule.bans {
                let reach =
                    graph.reach(&analysis, config, ban, rule.gateway.then_some(&rule.allow));
                let Some(distance) = reach.distance[graph.number(id)] else {
                    continue;
                };
                reached += 1;
                write_stdout!(
                    "  reaches `{}` (rule {}) in {} call{}:",
                    ban.text,
                    rule.id,
                    distance + 1,
                    if distance == 0 { "" } else { "s" }
                );
                for hop in chain_from(&analysis, graph, &reach, id) {
                    let note = hop.note.map(|n| format!(" [{n}]")).unwrap_or_default();
                    write_stdout!(
                        "    {}:{}:{}: {} calls `{}`{}",
                        hop.file,
                        hop.line,
                        hop.column,
                        hop.function,
                        hop.callee,
                        note
                    );
                }
            }
        }
        if reached == 0 {
            write_stdout!("  reaches no ban");
        }
    }
    EXIT_CLEAN
}
