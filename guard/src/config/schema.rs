//! The rules.toml schema as serde reads it. Unknown keys are errors, so a typo
//! never turns a rule off without a word.

use toml::Spanned;

use super::Severity;

#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConfig {
    #[serde(default)]
    pub guard: RawSettings,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RawRule>,
}

#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSettings {
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub python_roots: Vec<Spanned<String>>,
    #[serde(default)]
    pub boundaries: Vec<Spanned<String>>,
    pub default_boundaries: Option<bool>,
    pub cache: Option<bool>,
    pub python_on_demand: Option<bool>,
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRule {
    pub id: Spanned<String>,
    pub severity: Option<Severity>,
    pub message: Option<String>,
    pub hot_path: Option<RawScope>,
    pub only_in: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
    pub allow_test_code: Option<bool>,
    pub transitive: Option<bool>,
    pub max_depth: Option<usize>,
    #[serde(default)]
    pub forbid: Vec<RawBan>,
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawScope {
    #[serde(default)]
    pub files: Vec<Spanned<String>>,
    #[serde(default)]
    pub functions: Vec<Spanned<String>>,
    #[serde(default)]
    pub attributes: Vec<Spanned<String>>,
    #[serde(default)]
    pub decorators: Vec<Spanned<String>>,
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBan {
    pub path: Spanned<String>,
    pub reason: Option<String>,
    pub replacement: Option<String>,
}
