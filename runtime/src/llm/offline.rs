//! The offline provider: deterministic text from per-task templates and the event's facts.
//! It needs no network and no API key, so the embedded default runs on a fresh machine.

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{ChatRequest, Completion, ModelClient, ModelError};

/// A model client that writes its completions from templates instead of calling a model.
#[derive(Debug, Default, Clone)]
pub struct OfflineProvider;

impl OfflineProvider {
    pub fn new() -> Self {
        Self
    }
}

/// Returns the template for a task; `{name}` placeholders are filled from the facts.
fn template_for(task: &str) -> &'static str {
    match task {
        "generate_stakeholder_action" => {
            "Stakeholder {stakeholder_id} makes a move ({behavior}) in conflict {conflict_id}."
        }
        "generate_stakeholder_reaction" => {
            "Stakeholder {stakeholder_id} reacts to choice {choice_id} with a {behavior} answer."
        }
        "populate_stakeholder_details" => {
            "Stakeholder {stakeholder_id} is a {role} who wants to keep their standing."
        }
        "narrate_phase_transition" => {
            "Conflict {conflict_id} moves from {from_phase} to {to_phase}."
        }
        "generate_beat_description" => {
            "Beat {beat_id} of conflict {conflict_id}: the stakes rise to {intensity}."
        }
        "generate_social_bundle" => {
            "The scene {scene_hash} hums with talk about {npc_count} people."
        }
        "generate_gossip" => "People whisper that {subject} was seen where they should not be.",
        "narrate_reputation_change" => {
            "The {reputation_type} reputation of {npc_id} shifts by {delta}."
        }
        "form_alliance" => "{npc_a} and {npc_b} agree to stand together.",
        "canonize_conflict" => "Conflict {conflict_id} enters the record: {summary}",
        "generate_canon_references" => "Conflict {conflict_id} recalls the events of {category}.",
        "check_lore_compliance" => "The claim in {category} fits the lore.",
        "update_tension_bundle_cache" => "The air in scene {scene_hash} is tense at level {level}.",
        "generate_tension_manifestations" => {
            "Tension {level} shows in short answers and closed doors."
        }
        "narrate_escalation" => "Conflict {conflict_id} escalates to intensity {intensity}.",
        "narrate_recovery" => "Conflict {conflict_id} recovers from a {case} state.",
        "narrate_victory" => "Stakeholder {winner_id} wins conflict {conflict_id}.",
        "narrate_grand_conflict" => {
            "Grand conflict {grand_id} binds conflicts {conflict_ids} together."
        }
        _ => "Event for task {task}.",
    }
}

/// Fills `{name}` placeholders from a JSON object; unknown names become `unknown`.
fn fill_template(template: &str, facts: &Value) -> String {
    let mut output = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        output.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            output.push_str(&rest[start..]);
            return output;
        };
        let name = &after[..end];
        output.push_str(&render_fact(facts.get(name)));
        rest = &after[end + 1..];
    }
    output.push_str(rest);
    output
}

fn render_fact(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "unknown".to_string(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| render_fact(Some(item)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// Adds the structured fields that JSON-mode tasks read besides `text`.
fn json_answer(task: &str, text: String, facts: &Value) -> Value {
    let behavior = facts
        .get("behavior")
        .and_then(Value::as_str)
        .unwrap_or("cautious");
    match task {
        "generate_stakeholder_action" | "generate_stakeholder_reaction" => json!({
            "action": format!("{behavior}_move"),
            "target": facts.get("target_id").cloned().unwrap_or(Value::Null),
            "dialogue": text,
        }),
        "check_lore_compliance" => json!({ "compliant": true, "issues": [], "text": text }),
        "generate_gossip" | "generate_social_bundle" => {
            json!({ "gossip": [text], "text": "offline" })
        }
        "generate_tension_manifestations" | "update_tension_bundle_cache" => json!({
            "manifestations": [text],
        }),
        "generate_canon_references" => json!({ "references": [text] }),
        _ => json!({ "text": text }),
    }
}

#[async_trait]
impl ModelClient for OfflineProvider {
    async fn complete(&self, request: ChatRequest) -> Result<Completion, ModelError> {
        let mut facts = request.facts.clone();
        if let Value::Object(map) = &mut facts {
            map.entry("task")
                .or_insert_with(|| Value::String(request.task.clone()));
        }
        let text = fill_template(template_for(&request.task), &facts);
        if request.json {
            Ok(Completion::Json(json_answer(&request.task, text, &facts)))
        } else {
            Ok(Completion::Text(text))
        }
    }

    fn provider_name(&self) -> &'static str {
        "offline"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_fills_known_and_unknown_facts() {
        let text = fill_template("{a} and {b}", &json!({ "a": "x", "c": 1 }));
        assert_eq!(text, "x and unknown");
    }

    #[test]
    fn template_renders_numbers_and_lists() {
        let text = fill_template("{n}: {list}", &json!({ "n": 3, "list": [1, 2] }));
        assert_eq!(text, "3: 1, 2");
    }

    #[tokio::test]
    async fn offline_action_is_deterministic_json() {
        let request = ChatRequest {
            task: "generate_stakeholder_action".into(),
            system: String::new(),
            user: String::new(),
            facts: json!({ "stakeholder_id": 7, "conflict_id": 2, "behavior": "aggressive" }),
            json: true,
        };
        let first = OfflineProvider::new().complete(request.clone()).await.ok();
        let second = OfflineProvider::new().complete(request).await.ok();
        assert_eq!(first, second);
        let value = first.map(Completion::into_json).unwrap_or_default();
        assert_eq!(value["action"], "aggressive_move");
        assert_eq!(
            value["dialogue"],
            "Stakeholder 7 makes a move (aggressive) in conflict 2."
        );
    }
}
