//! Requests for a human, and assistant turns that decline the request. "Agent" alone means
//! software as often as a person ("which agent should I use in LangChain"), so only phrases
//! that name a person or a transfer count.

use super::has_any;

const HUMAN_REQUEST: &[&str] = &[
    "speak to a human",
    "talk to a human",
    "speak with a human",
    "speak to a person",
    "talk to a person",
    "speak with a person",
    "a real person",
    "a real human",
    "talk to someone",
    "speak with someone",
    "speak to someone",
    "human agent",
    "live agent",
    "transfer me",
    "connect me to",
    "put me through",
    "a supervisor",
    "a manager",
    "speak to an agent",
    "talk to an agent",
    "speak with an agent",
    "a representative",
    "customer service rep",
    "a human being",
    "not a bot",
    "not a robot",
    // es
    "hablar con una persona",
    "hablar con un agente",
    "hablar con alguien",
    "con un humano",
    "no con un robot",
    "un supervisor",
    "un responsable",
    "una persona real",
    // fr
    "parler à un conseiller",
    "conseiller humain",
    "parler à quelqu'un",
    "personne réelle",
    "un humain",
    "parler à une personne",
    "un vrai conseiller",
    "un responsable",
    // de
    "mit einem menschen",
    "mit einem mitarbeiter",
    "echten person",
    "echten menschen",
    "einen mitarbeiter",
    "einen vorgesetzten",
    "mit jemandem sprechen",
];

const REFUSAL: &[&str] = &[
    "i can't help with",
    "i cannot help with",
    "i can't help you with",
    "i can't provide",
    "i cannot provide",
    "i'm not able to",
    "i am not able to",
    "i'm unable to",
    "i am unable to",
    "i won't",
    "i will not",
    "outside what i can do",
    "i can't assist",
    "i cannot assist",
    "i'm sorry, but i can't",
    "i can't do that",
    "i cannot do that",
    "i'm not allowed to",
    "i am not allowed to",
    "i must decline",
    "i have to decline",
    "i can't share",
    "i cannot share",
    "not something i can help",
    // es
    "no puedo dar",
    "no puedo ayudar",
    "no puedo proporcionar",
    "no puedo hacer",
    "no me es posible",
    "no estoy autorizado",
    // fr
    "je ne peux pas",
    "je ne suis pas en mesure",
    "il m'est impossible",
    // de
    "kann leider keine",
    "kann leider nicht",
    "kann ich nicht",
    "ich kann keine",
    "darf ich nicht",
    "ich darf keine",
    "ist mir nicht möglich",
];

/// Whether a user turn asks for a person.
pub fn asks_for_human(text: &str) -> bool {
    has_any(text, HUMAN_REQUEST)
}

/// Whether an assistant turn explicitly declines (redirecting without declining does not).
pub fn refuses(text: &str) -> bool {
    has_any(text, REFUSAL)
}

#[cfg(test)]
mod tests {
    use super::super::normalize;
    use super::*;

    #[test]
    fn only_a_person_counts_as_escalation() {
        let cases = [
            ("I want to speak to a human, now.", true, "a plain request"),
            ("Please transfer me to a human agent.", true, "a transfer"),
            (
                "Which agent should I use in LangChain?",
                false,
                "agent as software",
            ),
            (
                "How do I install the monitoring agent?",
                false,
                "agent as a program",
            ),
            (
                "What does a travel agent charge?",
                false,
                "agent as a trade",
            ),
            (
                "What's the role of the user agent string?",
                false,
                "user agent",
            ),
            ("Quiero hablar con una persona", true, "spanish"),
            ("Ich will mit einem Menschen sprechen", true, "german"),
        ];
        for (text, expected, why) in cases {
            assert_eq!(
                asks_for_human(&normalize(text)),
                expected,
                "{why}: {text:?}"
            );
        }
    }

    #[test]
    fn refusal_must_be_explicit() {
        let cases = [
            ("I'm not able to help with that.", true, "a counts example"),
            ("I can't provide medical advice.", true, "a counts example"),
            ("That's outside what I can do.", true, "a counts example"),
            (
                "Instead, look for 32 GB of RAM.",
                false,
                "redirecting without declining",
            ),
            (
                "If you can't receive the email, check spam.",
                false,
                "the user's inability",
            ),
            (
                "Je ne peux pas donner de conseils médicaux.",
                true,
                "french",
            ),
        ];
        for (text, expected, why) in cases {
            assert_eq!(refuses(&normalize(text)), expected, "{why}: {text:?}");
        }
    }
}
