//! The `forbidden-call` kind: a banned function called, or passed to something
//! that runs it, directly inside hot-path code.

use super::scope::{file_in_scope, handed_off, runs_code, site_in_scope};
use super::RuleKind;
use crate::config::{Ban, Config, Rule};
use crate::diagnostics::Finding;
use crate::engine::Analysis;
use crate::index::QualifiedName;
use crate::model::Module;
use crate::source::display_path;

pub struct ForbiddenCall;

const DOCUMENTATION: &str = r#"forbidden-call

What it does
  Reports a call to a banned function or method inside hot-path code, and a
  banned function passed uncalled to something that runs it (`.map(llm::complete)`,
  `asyncio.to_thread(llm_json, ...)`) or bound to a variable and called later.

Why is this bad?
  Hot-path code (event handlers, the game loop) must return within a few
  milliseconds. A language-model call takes seconds: the player waits for it.
  Hand the work to a background task and return at once.

Example
  [[rule]]
  id = "no-model-in-hot-path"
  hot-path = { files = ["src/handlers/**"] }
  allow = ["src/tasks/**"]
  [[rule.forbid]]
  path = "crate::llm::Client::complete"
  reason = "blocks the handler for seconds"
  replacement = "dispatch a task with queue.dispatch(..)"

  // src/handlers/player.rs
  pub async fn on_choice(client: &Client) {
      client.complete(prompt).await;   // forbidden-call
  }

Not findings
  Importing a banned item (`use crate::llm::complete;`, `from nyx.llm import
  llm_json`), a banned name in a type, a comment or a string, a local item that
  only shares a name with a banned path, and calls inside the arguments of a
  hand-off boundary (`tokio::spawn(..)`, `task.delay(..)`).

Options
  hot-path.files, hot-path.functions, hot-path.attributes (or decorators),
  only-in, allow, allow-test-code, [[rule.forbid]] path, reason, replacement.
  See docs/rules.md.
"#;

impl RuleKind for ForbiddenCall {
    fn name(&self) -> &'static str {
        "forbidden-call"
    }

    fn documentation(&self) -> &'static str {
        DOCUMENTATION
    }

    fn check(
        &self,
        analysis: &Analysis,
        config: &Config,
        rule: &Rule,
        findings: &mut Vec<Finding>,
    ) {
        for (m, module) in analysis.index.modules.iter().enumerate() {
            if !file_in_scope(rule, module) {
                continue;
            }
            for (s, site) in module.calls.iter().enumerate() {
                if !site_in_scope(rule, module, site)
                    || handed_off(analysis, config, m, s)
                    || !runs_code(analysis, m, s)
                {
                    continue;
                }
                for ban in &rule.bans {
                    if let Some(name) =
                        matching_name(analysis, module, ban, &analysis.resolved[m][s])
                    {
                        findings.push(finding(
                            rule,
                            ban,
                            module,
                            site.span.clone(),
                            name,
                            Vec::new(),
                        ));
                    }
                }
            }
        }
    }
}

/// Returns the first resolved name that a ban matches.
pub fn matching_name<'n>(
    analysis: &Analysis,
    module: &Module,
    ban: &Ban,
    names: &'n [QualifiedName],
) -> Option<&'n QualifiedName> {
    if !ban.pattern.applies_to(module.language) {
        return None;
    }
    let crates = analysis.index.roots(crate::model::Language::Rust);
    names.iter().find(|name| ban.pattern.matches(name, crates))
}

/// Builds a finding at a span of a module.
pub fn finding(
    rule: &Rule,
    ban: &Ban,
    module: &Module,
    span: crate::model::Span,
    name: &QualifiedName,
    chain: Vec<crate::diagnostics::Hop>,
) -> Finding {
    Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        file: display_path(&module.file),
        line: span.line,
        column: span.column,
        bytes: span.bytes,
        callee: name.join(module.language.separator()),
        ban: ban.text.clone(),
        message: rule.message.clone(),
        reason: ban.reason.clone(),
        replacement: ban.replacement.clone(),
        chain,
    }
}
