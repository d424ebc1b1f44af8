//! Transcript-level rules of the analyzer, one conversation per case.

use super::*;
use serde_json::value::RawValue;

fn turn(index: usize, role: Role, content: &str, results: Option<&str>) -> StoredTurn {
    StoredTurn {
        index: index as i64,
        role,
        content: content.to_string(),
        token_count: 0,
        tool_calls: None,
        tool_results: results.map(|r| RawValue::from_string(r.to_string()).expect("JSON")),
        metadata: None,
        created_at: None,
    }
}

/// A conversation, the expected value and why.
type Case<'a> = (&'a [(Role, &'a str)], &'a str, &'a str);

fn run(pack: DomainPack, turns: &[(Role, &str)]) -> Analysis {
    let turns: Vec<StoredTurn> = turns
        .iter()
        .enumerate()
        .map(|(i, (role, text))| turn(i, *role, text, None))
        .collect();
    analyze_turns(&turns, pack)
}

#[test]
fn every_key_is_present_and_topic_is_not() {
    let a = run(DomainPack::General, &[(Role::User, "Hi")]);
    let keys: Vec<&str> = a.annotations.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "ai_malfunction",
            "archetype",
            "escalation",
            "frustration",
            "intent",
            "language",
            "outcome",
            "pii",
            "quality",
            "refusal",
            "sentiment",
            "tool_errors",
            "user_corrects_ai",
            "user_repeats_request"
        ],
        "the keys of SPEC §6.2 without topic"
    );
    let coding = run(DomainPack::AiCoding, &[(Role::User, "Hi")]);
    assert!(
        coding.annotations.contains_key("task_type"),
        "ai_coding adds task_type"
    );
}

#[test]
fn conversations_get_their_outcome() {
    use Role::{Assistant as A, HumanAgent as H, User as U};
    let cases: &[Case] = &[
        (
            &[
                (U, "Reset my password"),
                (A, "Done, check your inbox."),
                (U, "Perfect, it worked!"),
            ],
            "resolved",
            "explicit satisfaction",
        ),
        (
            &[
                (U, "How do I merge PDFs?"),
                (A, "PDF is a format."),
                (U, "Thanks for trying."),
            ],
            "abandoned",
            "a polite exit is not satisfaction",
        ),
        (
            &[
                (U, "Why is my bill high?"),
                (A, "Bills vary."),
                (U, "Great, another useless answer."),
            ],
            "unresolved",
            "sarcasm",
        ),
        (
            &[
                (U, "I want a human"),
                (A, "Connecting you."),
                (H, "Hi, I fixed it."),
                (U, "Great, thanks!"),
            ],
            "resolved",
            "a human fixed it",
        ),
        (
            &[(U, "Capital of Peru?"), (A, "Lima.")],
            "unknown",
            "no reaction",
        ),
    ];
    for (turns, expected, why) in cases {
        let a = run(DomainPack::General, turns);
        assert_eq!(a.annotations["outcome"], *expected, "{why}");
    }
}

#[test]
fn frustration_then_satisfaction_is_resolved() {
    use Role::{Assistant as A, User as U};
    let a = run(
        DomainPack::General,
        &[
            (U, "Cancel my order."),
            (A, "Here are our offers."),
            (U, "This is not what I asked for!"),
            (A, "Sorry, your order is cancelled."),
            (U, "Thank you, perfect."),
        ],
    );
    assert_eq!(
        a.annotations["frustration"], "resolved",
        "frustration, then satisfied"
    );
    assert_eq!(
        a.turn_signals[&2],
        ["user_expresses_frustration"],
        "the frustrated turn"
    );
    assert_eq!(
        a.turn_signals[&4],
        ["user_positive_feedback"],
        "the satisfied turn"
    );
}

#[test]
fn tool_errors_are_counted_and_escalation_needs_a_person() {
    let turns = [
        turn(0, Role::User, "Run the tests", None),
        turn(
            1,
            Role::Tool,
            "",
            Some(r#"[{"name":"bash","result":{"exit_code":1}}]"#),
        ),
        turn(
            2,
            Role::Tool,
            "",
            Some(r#"[{"name":"bash","result":"0 errors, 12 passed"}]"#),
        ),
        turn(
            3,
            Role::Assistant,
            "Which agent framework do you use?",
            None,
        ),
    ];
    let a = analyze_turns(&turns, DomainPack::AiCoding);
    assert_eq!(
        a.annotations["tool_errors"], "1",
        "one failing run, one clean run"
    );
    assert_eq!(a.annotations["escalation"], "none", "agent as software");
    assert_eq!(a.annotations["task_type"], "testing", "a test run");
}

#[test]
fn analysis_is_deterministic() {
    use Role::{Assistant as A, User as U};
    let turns = [(U, "My card 4111 1111 1111 1111"), (A, "Thanks.")];
    let first = run(DomainPack::General, &turns);
    assert_eq!(
        first,
        run(DomainPack::General, &turns),
        "the same input, the same output"
    );
    assert_eq!(first.annotations["pii"], "card", "a valid card");
}
