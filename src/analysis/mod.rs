//! The deterministic analyzer (SPEC §6.2): a pure function from a stored transcript to its
//! annotations and per-turn signals. No I/O, clock or randomness; the same turns always give
//! the same result. Signals use the failure taxonomy's names; the detectors live in
//! [`signals`], one file per family, and the transcript-level rules are here.

pub mod signals;
pub mod worker;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::DomainPack;
use crate::model::transcript::{Role, StoredTurn, TranscriptDetail};

use signals::{corrections, escalation, feelings, intent, language, malfunction, pii, tools};

/// The version recorded with every result; a new version re-analyzes in the background.
pub const VERSION: &str = "rules-2";

/// What the analyzer found in one transcript.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Analysis {
    /// The transcript's annotations (SPEC §6.2): key → value.
    pub annotations: BTreeMap<String, String>,
    /// Per-turn signals (taxonomy names), by turn index; turns without signals are absent.
    pub turn_signals: BTreeMap<i64, Vec<String>>,
}

/// Analyzes one transcript; pure and deterministic (no I/O, no clock, no randomness).
pub fn analyze(transcript: &TranscriptDetail, pack: DomainPack) -> Analysis {
    analyze_turns(&transcript.turns, pack)
}

/// [`analyze`] on the turns alone (what benchmarks and the accuracy run build).
pub fn analyze_turns(turns: &[StoredTurn], pack: DomainPack) -> Analysis {
    let facts = Facts::gather(turns);
    let mut annotations = BTreeMap::new();
    let mut put = |key: &str, value: String| {
        annotations.insert(key.to_string(), value);
    };
    let outcome = facts.outcome();
    let frustration = facts.frustration();
    put("language", facts.language.to_string());
    put("sentiment", facts.sentiment().to_string());
    put("frustration", frustration.to_string());
    put("outcome", outcome.to_string());
    put("escalation", facts.escalation().to_string());
    put(
        "refusal",
        facts.any_ai("ai_refuses_or_declines").to_string(),
    );
    put(
        "user_corrects_ai",
        facts.any_user("user_corrects_ai").to_string(),
    );
    put(
        "user_repeats_request",
        facts.any_user("user_repeats_request").to_string(),
    );
    put("tool_errors", facts.tool_errors.to_string());
    put("ai_malfunction", facts.any_ai("ai_malfunction").to_string());
    put("pii", facts.pii());
    put("intent", intent::intent(&facts.first_request).to_string());
    put("quality", facts.quality(outcome, frustration).to_string());
    put("archetype", facts.archetype(outcome).to_string());
    if pack == DomainPack::AiCoding {
        put(
            "task_type",
            intent::task_type(&facts.first_request).to_string(),
        );
    }
    let turn_signals = facts
        .signals
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(&index, s)| (index, s.iter().map(|s| s.to_string()).collect()))
        .collect();
    Analysis {
        annotations,
        turn_signals,
    }
}

/// One user turn as the transcript-level rules need it.
#[derive(Debug, Clone, Copy)]
struct UserTurn {
    index: i64,
    feelings: feelings::Feelings,
    asks_for_human: bool,
    corrects: bool,
    repeats: bool,
}

/// The per-turn readings of one transcript.
struct Facts {
    language: &'static str,
    first_request: String,
    users: Vec<UserTurn>,
    /// Signals by turn index, in the order they were found.
    signals: BTreeMap<i64, Vec<&'static str>>,
    tool_errors: usize,
    pii: BTreeSet<&'static str>,
    handed_off: bool,
    /// The last turn that is not the user's or a tool's, and its index.
    last_reply: Option<(i64, LastReply)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct LastReply {
    refused: bool,
    malfunctioned: bool,
    asks_for_information: bool,
}

/// Openings of a question that asks the user for something the assistant needs.
const INFORMATION_REQUESTS: &[&str] = &[
    "could you share",
    "could you provide",
    "can you share",
    "can you provide",
    "please share",
    "please provide",
    "could you confirm",
    "can you confirm",
    "could you tell me",
    "what is your",
    "what's your",
    "which account",
    "podrías",
    "pourriez-vous",
    "könnten sie",
];

impl Facts {
    fn gather(turns: &[StoredTurn]) -> Self {
        let mut facts = Facts {
            language: "unknown",
            first_request: String::new(),
            users: Vec::new(),
            signals: BTreeMap::new(),
            tool_errors: 0,
            pii: BTreeSet::new(),
            handed_off: false,
            last_reply: None,
        };
        let mut user_text = String::new();
        let mut earlier_requests: Vec<BTreeSet<String>> = Vec::new();
        let mut replied = false;
        for turn in turns {
            pii::kinds(&turn.content, &mut facts.pii);
            facts.tool_errors += tools::count_failures(
                turn.tool_results.as_deref().map(|r| r.get()),
                &turn.content,
                turn.role == Role::Tool,
            );
            let text = signals::normalize(&turn.content);
            let mut found = Vec::new();
            match turn.role {
                Role::User => {
                    if facts.first_request.is_empty() && !text.trim().is_empty() {
                        facts.first_request = text.clone();
                    }
                    user_text.push_str(&text);
                    user_text.push('\n');
                    let feelings = feelings::read(&text, &turn.content, replied);
                    // Owned once, compared with the earlier requests as they are, and kept.
                    let current: BTreeSet<String> = corrections::content_words(&text)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                    let user = UserTurn {
                        index: turn.index,
                        feelings,
                        asks_for_human: escalation::asks_for_human(&text),
                        corrects: replied && corrections::corrects(&text),
                        repeats: replied
                            && corrections::repeats(&text, &current, &earlier_requests),
                    };
                    earlier_requests.push(current);
                    let flags = [
                        (feelings.frustration, "user_expresses_frustration"),
                        (feelings.dissatisfaction, "user_expresses_dissatisfaction"),
                        (feelings.positive, "user_positive_feedback"),
                        (user.corrects, "user_corrects_ai"),
                        (user.repeats, "user_repeats_request"),
                    ];
                    found.extend(flags.iter().filter(|(on, _)| *on).map(|(_, name)| *name));
                    facts.users.push(user);
                }
                Role::Assistant | Role::HumanAgent => {
                    let has_calls = turn.tool_calls.as_deref().is_some_and(|c| c.get() != "[]");
                    let reply = LastReply {
                        refused: escalation::refuses(&text),
                        malfunctioned: turn.role == Role::Assistant
                            && malfunction::malfunctions(&turn.content, has_calls),
                        asks_for_information: text.trim_end().ends_with('?')
                            && signals::has_any(&text, INFORMATION_REQUESTS),
                    };
                    if turn.role == Role::HumanAgent {
                        facts.handed_off = true;
                    } else {
                        let flags = [
                            (reply.refused, "ai_refuses_or_declines"),
                            (reply.malfunctioned, "ai_malfunction"),
                            (
                                corrections::acknowledges(&text),
                                "ai_acknowledges_correction",
                            ),
                            (
                                text.trim_end().ends_with('?'),
                                "ai_asked_clarifying_question",
                            ),
                        ];
                        found.extend(flags.iter().filter(|(on, _)| *on).map(|(_, name)| *name));
                    }
                    if !text.trim().is_empty() || turn.role == Role::HumanAgent || !has_calls {
                        replied = true;
                        facts.last_reply = Some((turn.index, reply));
                    }
                }
                Role::System | Role::Tool => {}
            }
            if !found.is_empty() {
                facts.signals.insert(turn.index, found);
            }
        }
        facts.language = language::detect(&user_text);
        facts
    }

    fn any_user(&self, signal: &str) -> bool {
        self.signals
            .iter()
            .any(|(i, s)| s.contains(&signal) && self.users.iter().any(|u| u.index == *i))
    }

    fn any_ai(&self, signal: &str) -> bool {
        self.signals.values().any(|s| s.contains(&signal))
    }

    /// The last user turn that answers a reply (feedback needs something to react to).
    fn last_user(&self) -> Option<&UserTurn> {
        self.users.last()
    }

    /// `resolved` when a frustrated user is later explicitly satisfied.
    fn frustration(&self) -> &'static str {
        let Some(first) = self.users.iter().position(|u| u.feelings.frustration) else {
            return "none";
        };
        let satisfied = self.users[first + 1..].iter().any(|u| u.feelings.positive)
            && !self.users.last().is_some_and(|u| u.feelings.frustration);
        if satisfied { "resolved" } else { "unresolved" }
    }

    fn escalation(&self) -> &'static str {
        if self.handed_off {
            "handed_off"
        } else if self.users.iter().any(|u| u.asks_for_human) {
            "requested"
        } else {
            "none"
        }
    }

    fn sentiment(&self) -> &'static str {
        match self.last_user().map_or(0, |u| u.feelings.tone) {
            1.. => "positive",
            0 => "neutral",
            _ => "negative",
        }
    }

    /// The outcome from the user's last word and the last reply (the taxonomy's derived
    /// classifications, with the rules that deterministic signals allow).
    fn outcome(&self) -> &'static str {
        let Some(last) = self.last_user() else {
            return "unknown";
        };
        let reply_after = self
            .last_reply
            .filter(|(i, _)| *i > last.index)
            .map(|(_, r)| r);
        let f = last.feelings;
        if f.partial {
            return "partially_resolved";
        }
        if f.positive {
            return "resolved";
        }
        if f.resignation {
            return "abandoned";
        }
        let negative = f.frustration
            || f.dissatisfaction
            || last.corrects
            || last.repeats
            || (last.asks_for_human && !self.handed_off);
        if negative {
            return "unresolved";
        }
        match reply_after {
            Some(r) if r.refused || r.malfunctioned => "unresolved",
            Some(r) if r.asks_for_information => "abandoned",
            _ => "unknown",
        }
    }

    fn pii(&self) -> String {
        if self.pii.is_empty() {
            "none".to_string()
        } else {
            self.pii.iter().copied().collect::<Vec<_>>().join(",")
        }
    }

    /// `good`: resolved without lasting frustration or defects; `poor`: unresolved,
    /// abandoned, lasting frustration or a malfunction; otherwise `acceptable`. (`critical`
    /// needs a model's judgment.)
    fn quality(&self, outcome: &str, frustration: &str) -> &'static str {
        let malfunction = self.any_ai("ai_malfunction");
        if matches!(outcome, "unresolved" | "abandoned")
            || frustration == "unresolved"
            || malfunction
        {
            "poor"
        } else if outcome == "resolved" && self.tool_errors == 0 {
            "good"
        } else {
            "acceptable"
        }
    }

    /// The only archetype that rules can support is the walkaway: the user abandoned the
    /// conversation (a goal failure) without any visible reaction (no frustration,
    /// dissatisfaction or correction). The others need layer-2 judgments.
    fn archetype(&self, outcome: &str) -> &'static str {
        let visible = self.users.iter().any(|u| {
            u.feelings.frustration || u.feelings.dissatisfaction || u.corrects || u.repeats
        });
        if outcome == "abandoned" && !visible {
            "The walkaway"
        } else {
            "none"
        }
    }
}

#[cfg(test)]
mod tests;
