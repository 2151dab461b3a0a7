//! Rule kinds. Each kind lives in its own module with its user documentation,
//! which `guard explain KIND` prints; each `[[rule]]` of rules.toml is checked
//! by every kind.

mod forbidden_call;
pub mod scope;
mod transitive_call;

use crate::config::{Config, Rule};
use crate::diagnostics::Finding;
use crate::engine::Analysis;

/// A kind of check over the resolved model.
pub trait RuleKind: Sync {
    /// Returns the kind's name, as `guard explain` takes it.
    fn name(&self) -> &'static str;

    /// User documentation: what it does, why, an example and the options.
    fn documentation(&self) -> &'static str;

    /// Adds the findings of one configured rule.
    fn check(&self, analysis: &Analysis, config: &Config, rule: &Rule, findings: &mut Vec<Finding>);
}

/// Returns every rule kind, in the order they run.
pub fn kinds() -> Vec<Box<dyn RuleKind>> {
    vec![
        Box::new(forbidden_call::ForbiddenCall),
        Box::new(transitive_call::TransitiveCall),
    ]
}

/// Runs every kind for every configured rule and returns the findings sorted by place.
pub fn check_all(analysis: &Analysis, config: &Config) -> Vec<Finding> {
    let mut findings = Vec::new();
    for kind in kinds() {
        for rule in &config.rules {
            kind.check(analysis, config, rule, &mut findings);
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.ban == b.ban);
    findings
}
