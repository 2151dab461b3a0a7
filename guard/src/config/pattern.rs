//! Qualified-name patterns of bans and hand-off boundaries:
//! `crate::llm::Client::complete`, `async_openai::**`, `*.llm_json`.

use crate::model::Language;

/// One segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `*`: exactly one segment; as the first segment, one or more (any module).
    One,
    /// `**`: any number of segments, none included.
    Any,
}

/// A parsed pattern over qualified names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathPattern {
    /// The pattern as written.
    text: String,
    segments: Vec<Segment>,
    /// The language the separator implies: `::` for Rust, `.` for Python, none for one segment.
    pub language: Option<Language>,
    /// Whether the pattern starts with `crate`, which stands for any crate of the project.
    pub crate_relative: bool,
}

impl PathPattern {
    /// Parses a pattern. Errors name what is wrong with it.
    pub fn parse(text: &str) -> Result<PathPattern, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("the pattern is empty".into());
        }
        let (language, parts): (Option<Language>, Vec<&str>) = if text.contains("::") {
            (Some(Language::Rust), text.split("::").collect())
        } else if text.contains('.') {
            (Some(Language::Python), text.split('.').collect())
        } else {
            (None, vec![text])
        };

        let mut segments = Vec::new();
        for part in &parts {
            let segment = match *part {
                "" => return Err(format!("`{text}` has an empty segment")),
                "*" => Segment::One,
                "**" => Segment::Any,
                literal if literal.chars().all(|c| c.is_alphanumeric() || c == '_') => Segment::Literal(literal.into()),
                literal => {
                    return Err(format!(
                        "segment `{literal}` of `{text}` is not an identifier, `*` or `**`; wildcards stand for whole segments"
                    ))
                }
            };
            segments.push(segment);
        }
        if segments
            .iter()
            .all(|s| *s == Segment::Any || *s == Segment::One)
        {
            return Err(format!(
                "`{text}` matches every name; name at least one segment"
            ));
        }
        let crate_relative = segments.first() == Some(&Segment::Literal("crate".into()));
        Ok(PathPattern {
            text: text.to_string(),
            segments,
            language,
            crate_relative,
        })
    }

    /// Returns whether the pattern matches a qualified name. A leading `crate`
    /// stands for any of `crates`, the project's own crates.
    pub fn matches(&self, name: &[String], crates: &[String]) -> bool {
        let mut segments = self.segments.as_slice();
        let mut name = name;
        if self.crate_relative {
            let Some(first) = name.first() else {
                return false;
            };
            if !crates.contains(first) {
                return false;
            }
            segments = &segments[1..];
            name = &name[1..];
        }
        if segments.first() == Some(&Segment::One) {
            return (1..name.len()).any(|skip| match_segments(&segments[1..], &name[skip..]));
        }
        match_segments(segments, name)
    }

    /// Returns the literal segments before the first wildcard, for checking that a ban names an item.
    pub fn literal_prefix(&self) -> Vec<String> {
        self.segments
            .iter()
            .map_while(|s| match s {
                Segment::Literal(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    /// Returns every literal segment, wildcards left out.
    pub fn literal_segments(&self) -> Vec<String> {
        self.segments
            .iter()
            .filter_map(|s| match s {
                Segment::Literal(l) => Some(l.clone()),
                _ => None,
            })
            .collect()
    }

    /// Returns whether a pattern can match names of this language.
    pub fn applies_to(&self, language: Language) -> bool {
        self.language.is_none_or(|l| l == language)
    }
}

fn match_segments(pattern: &[Segment], name: &[String]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((Segment::Any, rest)) => {
            (0..=name.len()).any(|skip| match_segments(rest, &name[skip..]))
        }
        Some((Segment::One, rest)) => !name.is_empty() && match_segments(rest, &name[1..]),
        Some((Segment::Literal(literal), rest)) => {
            name.first() == Some(literal) && match_segments(rest, &name[1..])
        }
    }
}

impl std::fmt::Display for PathPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Vec<String> {
        text.split(['.', ':'])
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }

    #[test]
    fn literal_pattern_matches_exact_name() {
        let pattern = PathPattern::parse("async_openai::Client::chat").unwrap();
        assert!(pattern.matches(&name("async_openai::Client::chat"), &[]));
        assert!(!pattern.matches(&name("async_openai::Client::chat::create"), &[]));
        assert!(!pattern.matches(&name("async_openai::Client"), &[]));
    }

    #[test]
    fn tail_wildcard_matches_any_depth() {
        let pattern = PathPattern::parse("async_openai::**").unwrap();
        assert!(pattern.matches(&name("async_openai::Client::chat"), &[]));
        assert!(pattern.matches(&name("async_openai::x"), &[]));
        assert!(!pattern.matches(&name("openai::Client"), &[]));
    }

    #[test]
    fn segment_wildcard_matches_one_segment() {
        let pattern = PathPattern::parse("runtime::llm::*::complete").unwrap();
        assert!(pattern.matches(&name("runtime::llm::Client::complete"), &[]));
        assert!(!pattern.matches(&name("runtime::llm::complete"), &[]));
    }

    #[test]
    fn leading_wildcard_matches_any_module() {
        let pattern = PathPattern::parse("*.llm_json").unwrap();
        assert!(pattern.matches(&name("nyx.llm.llm_json"), &[]));
        assert!(pattern.matches(&name("utils.llm_json"), &[]));
        assert!(!pattern.matches(&name("llm_json"), &[]));
        assert!(!pattern.matches(&name("nyx.llm_json_safe"), &[]));
    }

    #[test]
    fn crate_prefix_matches_project_crates() {
        let pattern = PathPattern::parse("crate::llm::complete").unwrap();
        let crates = ["runtime".to_string()];
        assert!(pattern.matches(&name("runtime::llm::complete"), &crates));
        assert!(!pattern.matches(&name("other::llm::complete"), &crates));
    }

    #[test]
    fn invalid_patterns_are_rejected() {
        assert!(PathPattern::parse("").is_err());
        assert!(PathPattern::parse("a::::b").is_err());
        assert!(PathPattern::parse("**").is_err());
        assert!(PathPattern::parse("a::b*").is_err());
        assert!(PathPattern::parse("a.").is_err());
    }
}
