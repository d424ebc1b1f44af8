//! What the first user request wants — information (`asking`), an action (`doing`) or to
//! say how the user feels (`expressing`) — and, for the `ai_coding` pack, the kind of coding
//! task. "Explain", "summarise" and "tell me" ask for information; "fix", "write", "book" ask
//! for an action.

use super::{has_any, words};

/// Verbs that ask the assistant to act, in the imperative or after "can you" / "please".
const ACTION_VERBS: &[&str] = &[
    "fix",
    "write",
    "create",
    "add",
    "book",
    "cancel",
    "change",
    "update",
    "send",
    "reset",
    "refund",
    "deploy",
    "install",
    "run",
    "set",
    "refactor",
    "translate",
    "plan",
    "make",
    "delete",
    "remove",
    "transfer",
    "generate",
    "charge",
    "pay",
    "call",
    "implement",
    "build",
    "upload",
    "order",
    "schedule",
    "move",
    "rename",
    "convert",
    "draft",
    "edit",
    "debug",
    "configure",
    "migrate",
    "open",
    "close",
    "buy",
    "renew",
    "subscribe",
    "unsubscribe",
    // es, fr, de
    "envía",
    "envíe",
    "cambia",
    "cancela",
    "arregla",
    "annulez",
    "annule",
    "envoyez",
    "rappelez",
    "modifiez",
    "corrige",
    "überweisen",
    "ändern",
    "stornieren",
    "schicken",
    "beheben",
    "reparieren",
];

/// Openings that put an action verb in a request.
const REQUEST_OPENINGS: &[&str] = &[
    "please ",
    "can you ",
    "could you ",
    "would you ",
    "will you ",
    "i need you to ",
    "i want you to ",
    "kindly ",
    "bitte ",
    "por favor ",
    "puedes ",
    "pouvez-vous ",
];

/// Statements that ask for an action without a verb of our list.
const ACTION_STATEMENTS: &[&str] = &[
    "i need to",
    "i want to",
    "i'd like to",
    "i would like to",
    "i want a",
    "i need a",
    "i'd like a",
    "necesito",
    "quiero",
    "je voudrais",
    "je veux",
    "ich möchte",
    "ich will",
    "ich brauche",
];

const QUESTION_WORDS: &[&str] = &[
    "what",
    "what's",
    "how",
    "why",
    "where",
    "when",
    "which",
    "who",
    "is",
    "are",
    "can",
    "could",
    "do",
    "does",
    "did",
    "should",
    "will",
    "would",
    "qué",
    "cómo",
    "dónde",
    "cuál",
    "cuándo",
    "por qué",
    "comment",
    "quel",
    "quelle",
    "pourquoi",
    "où",
    "quand",
    "est-ce",
    "wie",
    "was",
    "wo",
    "wann",
    "welche",
    "welcher",
    "warum",
    "explain",
    "summarise",
    "summarize",
    "describe",
    "tell",
    "give",
    "suggest",
    "recommend",
    "list",
];

const FEELING_WORDS: &[&str] = &[
    "i'm really",
    "i am really",
    "i'm so",
    "just wanted to say",
    "i love",
    "i hate",
    "disappointed",
    "thank you for",
    "i'm upset",
    "i'm happy",
    "frustrated",
    "angry",
    "estoy muy",
    "je suis très",
    "ich bin sehr",
];

/// The intent of the first user request (`text` normalized).
pub fn intent(text: &str) -> &'static str {
    let first_word = words(text).next().unwrap_or("");
    let after_opening = REQUEST_OPENINGS
        .iter()
        .find_map(|o| text.find(o).map(|at| &text[at + o.len()..]))
        .and_then(|rest| words(rest).next());
    let acts = ACTION_VERBS.contains(&first_word)
        || after_opening.is_some_and(|w| ACTION_VERBS.contains(&w))
        || has_any(text, ACTION_STATEMENTS);
    if acts {
        "doing"
    } else if text.contains('?') || text.contains('¿') || QUESTION_WORDS.contains(&first_word) {
        "asking"
    } else if has_any(text, FEELING_WORDS) {
        "expressing"
    } else {
        "doing"
    }
}

/// The coding task of an `ai_coding` transcript, from its first user request; the first
/// matching kind wins, in this order (a CI workflow that runs tests is set-up work, a
/// failing test to fix is debugging).
pub fn task_type(text: &str) -> &'static str {
    const KINDS: &[(&str, &[&str])] = &[
        (
            "code_debugging",
            &[
                "fix",
                "bug",
                "fails",
                "failing",
                "failed",
                "crash*",
                "exception",
                "broken",
                "doesn't work",
                "not working",
                "returns none",
                "returning none",
                "returns 500",
                "connection refused",
                "i get",
                "getting an error",
                "throws",
                "error when",
                "get an error",
                "an error when",
                "error message",
                "why does",
                "why is",
                "typo",
                "falla",
                "schlägt fehl",
                "ne marche pas",
                "debug*",
                "keyerror",
                "traceback",
                "stack trace",
            ],
        ),
        (
            "refactoring",
            &[
                "refactor*",
                "clean up",
                "split",
                "rename",
                "extract",
                "restructur*",
                "simplify",
                "reorganiz*",
            ],
        ),
        (
            "setup_devops",
            &[
                "deploy*",
                "install*",
                "set up",
                "setup",
                "ci",
                "workflow",
                "docker*",
                "kubernetes",
                "pipeline",
                "dependencies",
                "configure",
                "environment",
                "github actions",
                "server config",
            ],
        ),
        (
            "testing",
            &[
                "test",
                "tests",
                "unit test*",
                "test suite",
                "lint*",
                "coverage",
                "pytest",
                "jest",
            ],
        ),
        (
            "code_explanation",
            &[
                "explain*",
                "what does",
                "how does",
                "what is",
                "difference between",
                "what's the difference",
                "expliquer",
                "erklär*",
                "explica*",
                "qué hace",
                "que fait",
                "was macht",
            ],
        ),
        (
            "code_writing",
            &[
                "write",
                "add",
                "implement*",
                "create",
                "generate",
                "function",
                "script",
                "class",
                "endpoint",
                "feature",
                "escribe",
                "écris",
                "schreib*",
            ],
        ),
    ];
    KINDS
        .iter()
        .find(|(_, cues)| has_any(text, cues))
        .map_or("other", |(kind, _)| kind)
}

#[cfg(test)]
mod tests {
    use super::super::normalize;
    use super::*;

    #[test]
    fn intent_of_the_first_request() {
        let cases = [
            ("How do I export my invoices?", "asking", "a how question"),
            (
                "Explain how compound interest works.",
                "asking",
                "explain asks for information",
            ),
            ("Reset my password.", "doing", "an imperative"),
            (
                "Can you fix the login test?",
                "doing",
                "can you with an action verb",
            ),
            (
                "Can you recommend a laptop?",
                "asking",
                "can you with a question verb",
            ),
            ("I need to dispute a charge.", "doing", "a stated need"),
            (
                "I'm really disappointed with my order.",
                "expressing",
                "a feeling",
            ),
            ("My card was charged twice.", "doing", "a problem to solve"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(intent(&normalize(text)), expected, "{why}: {text:?}");
        }
    }

    #[test]
    fn task_type_of_a_coding_request() {
        let cases = [
            (
                "The login test fails, can you fix it?",
                "code_debugging",
                "a failing test",
            ),
            (
                "Write an error handler middleware.",
                "code_writing",
                "error in passing",
            ),
            ("Add unit tests for the tokenizer.", "testing", "tests"),
            (
                "Set up a workflow that runs cargo test.",
                "setup_devops",
                "CI that runs tests",
            ),
            ("Refactor this module.", "refactoring", "refactor"),
            (
                "What does the ? operator do?",
                "code_explanation",
                "an explanation",
            ),
            ("Which laptop is better?", "other", "not a coding task"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(task_type(&normalize(text)), expected, "{why}: {text:?}");
        }
    }
}
