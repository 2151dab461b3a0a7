//! The `transitive-call` kind: hot-path code that reaches a banned call
//! through project functions, reported with the whole chain.

use super::forbidden_call::{finding, matching_name};
use super::scope::{file_in_scope, handed_off, runs_code, site_in_scope};
use super::RuleKind;
use crate::callgraph::{chain_from, site_targets};
use crate::config::{Config, Rule};
use crate::diagnostics::Finding;
use crate::engine::Analysis;

pub struct TransitiveCall;

const DOCUMENTATION: &str = r#"transitive-call

What it does
  Follows calls from hot-path code through the project's own functions and
  methods, in every file and package, and reports a call that reaches a
  banned function: at the call site inside the hot-path function, once per
  call site and ban, with the chain of calls down to the banned one.

Why is this bad?
  A handler rarely calls the model itself. It calls a helper, which calls a
  service method, which awaits the model: the player still waits for seconds.
  Guards that look at direct calls only pass such code.

Example
  // src/handlers/player.rs (hot path)
  pub async fn on_choice(state: &State) {
      helpers::react(state).await;        // transitive-call
  }
  // src/helpers.rs
  pub async fn react(state: &State) {
      state.client.complete(prompt).await;  // the banned call
  }

How the walk goes
  It enters any project file, allowed ones included: a task module may call
  the model, but a hot-path function that calls the task body directly still
  waits for it. It stops at hand-off boundaries: calls that only enqueue work
  (`task.delay(..)`, `task.apply_async(..)`, `app.send_task(..)`,
  `tokio::spawn(..)` and `std::thread::spawn(..)` unless the same function
  awaits or joins the handle, sending on a channel, and the
  `[guard] boundaries` of rules.toml). Arguments of a hand-off still run
  now (`task.delay(complete(x))` calls `complete`); closures, async blocks,
  lambdas and a spawned future run later. A call through a trait object, a
  generic bound or a base class follows every implementation the project
  defines, and the chain says which one reaches the ban; on an object just
  built by a constructor it follows that class's method only. Calling a
  Python class follows its `__init__`, reading a property its getter,
  calling an object its `__call__`, a
  `with` statement its `__enter__` (`__aenter__` for `async with`), and a
  function decorated by a project decorator the wrapper the decorator
  defines. For an `only-in`
  rule the walk stops at the gateway files: calling the gateway is what the
  rule asks for. Recursion ends.

Options
  transitive = false turns the walk off for a rule; max-depth bounds the
  length of a chain. See docs/rules.md.
"#;

impl RuleKind for TransitiveCall {
    fn name(&self) -> &'static str {
        "transitive-call"
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
        if !rule.transitive {
            return;
        }
        let graph = analysis.call_graph(config);
        let stop = rule.gateway.then_some(&rule.allow);
        let reaches: Vec<_> = rule
            .bans
            .iter()
            .map(|ban| graph.reach(analysis, config, ban, stop))
            .collect();
        for (m, module) in analysis.index.modules.iter().enumerate() {
            if !file_in_scope(rule, module) {
                continue;
            }
            for (s, site) in module.calls.iter().enumerate() {
                let names = &analysis.resolved[m][s];
                if names.is_empty()
                    || !site_in_scope(rule, module, site)
                    || handed_off(analysis, config, m, s)
                    || !runs_code(analysis, m, s)
                {
                    continue;
                }
                let targets = site_targets(analysis, &graph.overriders, &graph.wrappers, m, s);
                if targets.is_empty() {
                    continue;
                }
                for (ban, reach) in rule.bans.iter().zip(&reaches) {
                    if matching_name(analysis, module, ban, names).is_some() {
                        continue;
                    }
                    let nearest = targets
                        .iter()
                        .filter_map(|(target, note)| {
                            Some((reach.distance[graph.number(*target)]?, *target, note))
                        })
                        .min_by_key(|(distance, _, _)| *distance);
                    let Some((distance, target, note)) = nearest else {
                        continue;
                    };
                    if rule.max_depth.is_some_and(|max| distance + 1 > max) {
                        continue;
                    }

                    let mut chain = chain_from(analysis, graph, reach, target);
                    if let (Some(note), Some(first)) = (note, chain.first_mut()) {
                        first.note.get_or_insert_with(|| note.to_string());
                    }
                    let Some(last) = chain.last() else { continue };
                    let banned: Vec<String> = last
                        .callee
                        .split(module.language.separator())
                        .map(String::from)
                        .collect();
                    findings.push(finding(
                        rule,
                        ban,
                        module,
                        site.span.clone(),
                        &banned,
                        chain,
                    ));
                }
            }
        }
    }
}
